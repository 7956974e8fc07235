"""Pix2Pix (Isola et al. 2017): presets; the model is
:class:`keras_gans.models.translation.PairedTranslation`, the networks are
keras_gans/networks/unet.py and keras_gans/networks/patchgan.py (shared with CycleGAN)."""

from keras_gans.models.pix2pix.pix2pix_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
