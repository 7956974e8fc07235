"""Training schemes: keras.Model subclasses of keras_gans.core.AdversarialModel.

Model classes live in the modules here (latent.py, gan.py, vaegan.py, veegan.py,
translation.py, unpaired.py, semantic.py, poegan.py, sequence.py, super_resolution.py); the sub-packages are the model families, each with its presets.
"""

from keras_gans.models.gan import GAN
from keras_gans.models.latent import LatentGAN
from keras_gans.models.poegan import MultimodalSynthesis
from keras_gans.models.semantic import SemanticSynthesis
from keras_gans.models.sequence import SequenceGAN
from keras_gans.models.translation import PairedTranslation
from keras_gans.models.unpaired import UnpairedTranslation
from keras_gans.models.vaegan import VAEGAN, GammaAnnealing
from keras_gans.models.veegan import VEEGAN

__all__ = ["GAN", "GammaAnnealing", "LatentGAN", "MultimodalSynthesis", "PairedTranslation", "SemanticSynthesis", "SequenceGAN", "UnpairedTranslation", "VAEGAN", "VEEGAN"]
