"""The classic unconditional GANs: GAN, DCGAN, WGAN, WGAN-GP, LSGAN, DRAGAN (presets only;
the model is :class:`keras_gans.models.gan.GAN`, the networks are in keras_gans/networks/)."""

from keras_gans.models.classic.classic_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
