"""pix2pixHD (Wang et al. 2018): presets; the model is
:class:`keras_gans.models.semantic.SemanticSynthesis`, the networks are
keras_gans/networks/pix2pixhd.py (global generator, local enhancer) and
keras_gans/networks/multiscale.py (multi-scale discriminator)."""

from keras_gans.models.pix2pixhd.pix2pixhd_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
