"""Training schemes: keras.Model subclasses with train_step."""

from keras_gans.models.gan import GAN

__all__ = ["GAN"]
