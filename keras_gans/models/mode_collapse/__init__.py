"""The 2-D mode-collapse benchmark (zoo/mode_collapse): a plain GAN on the mixtures of
keras_gans/data/mixtures.py and remedies that change one thing each (presets only; the model
is :class:`keras_gans.models.gan.GAN`). VEEGAN's ``mixture_veegan`` is in its own family."""

from keras_gans.models.mode_collapse.mode_collapse_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
