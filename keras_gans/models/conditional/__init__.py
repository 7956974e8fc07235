"""Class-conditional GANs: CGAN (presets only; the model is :class:`keras_gans.models.gan.GAN`
with ``num_classes``, the networks are keras_gans/networks/cgan.py)."""

from keras_gans.models.conditional.conditional_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
