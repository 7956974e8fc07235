"""SeqGAN (Yu et al. 2017): presets; the model is :class:`keras_gans.models.sequence.SequenceGAN`,
the networks are keras_gans/networks/seqgan.py."""

from keras_gans.models.seqgan.seqgan_presets import MODEL_CLASSES, NETWORKS, PRESETS

__all__ = ["MODEL_CLASSES", "NETWORKS", "PRESETS"]
