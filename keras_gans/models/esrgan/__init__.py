"""SRGAN, ESRGAN and Real-ESRGAN (and their PSNR-oriented networks): presets; the model is
:class:`keras_gans.models.super_resolution.SuperResolution`, the networks are
keras_gans/networks/super_resolution.py and the VGG19 features of keras_gans/losses/perceptual.py."""

from keras_gans.models.esrgan.esrgan_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
