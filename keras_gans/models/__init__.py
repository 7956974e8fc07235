"""Training schemes: keras.Model subclasses with train_step."""

from keras_gans.models.gan import GAN
from keras_gans.models.vaegan import VAEGAN, GammaAnnealing
from keras_gans.models.veegan import VEEGAN

__all__ = ["GAN", "GammaAnnealing", "VAEGAN", "VEEGAN"]
