"""The ResNet GANs: SNGAN and SAGAN (presets only; the model is
:class:`keras_gans.models.gan.GAN`, the networks are keras_gans/networks/resnet.py)."""

from keras_gans.models.resnet.resnet_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
