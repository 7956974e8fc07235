"""Layers the papers need beyond Keras' own."""

from keras_gans.layers.attention import SelfAttention
from keras_gans.layers.conditional_norm import ConditionalBatchNormalization
from keras_gans.layers.maxout import Maxout
from keras_gans.layers.minibatch import MinibatchDiscrimination, MinibatchStddev
from keras_gans.layers.pixel_shuffle import PixelShuffle, PixelUnshuffle
from keras_gans.layers.resize import BilinearUpsampling
from keras_gans.layers.spade import SPADE, NearestResize

__all__ = [
    "BilinearUpsampling",
    "ConditionalBatchNormalization",
    "Maxout",
    "MinibatchDiscrimination",
    "MinibatchStddev",
    "NearestResize",
    "PixelShuffle",
    "PixelUnshuffle",
    "SPADE",
    "SelfAttention",
]
