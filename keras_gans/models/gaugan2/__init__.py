"""GauGAN2 = PoE-GAN (Huang et al. 2022): presets; the model is
:class:`keras_gans.models.poegan.MultimodalSynthesis`, the networks
keras_gans/networks/poegan.py."""

from keras_gans.models.gaugan2.gaugan2_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
