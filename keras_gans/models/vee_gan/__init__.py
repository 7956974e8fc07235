"""VEEGAN (Srivastava et al. 2017): presets and its two extra networks; the model is
:class:`keras_gans.models.veegan.VEEGAN`.

The folder is ``vee_gan``, not ``veegan``: ``keras_gans/models/veegan.py`` (the model class)
already owns the name ``keras_gans.models.veegan``.
"""

from keras_gans.models.vee_gan.vee_gan_networks import joint_mlp_discriminator, mlp_reconstructor
from keras_gans.models.vee_gan.vee_gan_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS", "joint_mlp_discriminator", "mlp_reconstructor"]
