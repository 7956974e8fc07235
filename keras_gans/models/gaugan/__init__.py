"""GauGAN / SPADE (Park et al. 2019): presets; the model is
:class:`keras_gans.models.semantic.SemanticSynthesis`, the networks are
keras_gans/networks/spade.py (SPADE generator, style encoder) and
keras_gans/networks/multiscale.py (the discriminator, ``variant="spade"``)."""

from keras_gans.models.gaugan.gaugan_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
