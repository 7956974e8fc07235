"""Training schemes: keras.Model subclasses with train_step."""

from keras_gans.models.gan import GAN
from keras_gans.models.veegan import VEEGAN

__all__ = ["GAN", "VEEGAN"]
