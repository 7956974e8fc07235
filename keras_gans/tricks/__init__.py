"""Training tricks as objects that models compose (seed 004 and after).

* views of the discriminator (what D sees of every real and fake image, in both players'
  steps): :class:`DiffAugment`, :class:`InstanceNoise` (``views.py``);
* D's fakes from a history: :class:`ImagePool` (``image_pool.py``);
* what the players are trained on: :class:`LabelFlip`, :class:`FeatureMatching`,
  :class:`Unrolled` (``players.py``; the unrolled update rules in ``unrolled.py``);
* :class:`DiscriminatorTricks`: the objects a model's options ask for, checked once
  (``options.py``). GAN and PairedTranslation take the same options through it.

Tricks that live in the networks instead: minibatch discrimination and the minibatch
stddev (``keras_gans.layers``), standing statistics (``keras_gans.standing_stats``).
"""

from keras_gans.tricks.image_pool import ImagePool
from keras_gans.tricks.options import OPTIONS, DiscriminatorTricks, check_options
from keras_gans.tricks.players import FeatureMatching, LabelFlip, Unrolled
from keras_gans.tricks.views import DiffAugment, InstanceNoise, apply_views, discriminator_views

__all__ = ["OPTIONS", "DiffAugment", "DiscriminatorTricks", "FeatureMatching", "ImagePool", "InstanceNoise",
           "LabelFlip", "Unrolled", "apply_views", "check_options", "discriminator_views"]
