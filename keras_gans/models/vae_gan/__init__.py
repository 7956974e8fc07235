"""VAE-GAN (Larsen et al. 2016): presets; the model is :class:`keras_gans.models.vaegan.VAEGAN`,
the networks are keras_gans/networks/vaegan.py.

The folder is ``vae_gan``, not ``vaegan``: ``keras_gans/models/vaegan.py`` (the model class)
already owns the name ``keras_gans.models.vaegan``.
"""

from keras_gans.models.vae_gan.vae_gan_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
