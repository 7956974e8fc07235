"""Generator and discriminator builders per paper (no training logic)."""

from keras_gans.networks.dcgan import dcgan_discriminator, dcgan_generator

__all__ = ["dcgan_discriminator", "dcgan_generator"]
