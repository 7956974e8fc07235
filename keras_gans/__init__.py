"""keras-gans: generative adversarial networks for TensorFlow / Keras 3."""

__version__ = "0.1.0"
