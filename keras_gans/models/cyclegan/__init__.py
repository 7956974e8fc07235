"""CycleGAN (Zhu et al. 2017): presets; the model is
:class:`keras_gans.models.unpaired.UnpairedTranslation`, the networks are
keras_gans/networks/cyclegan.py (ResNet G) and keras_gans/networks/patchgan.py (70x70 D)."""

from keras_gans.models.cyclegan.cyclegan_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
