"""Training tricks as objects that models compose (seed 004 and after).

So far: the views of the discriminator (what D sees of every real and fake image, in both
players' steps): DiffAugment and annealed instance noise. GAN builds them from its
``diff_augment`` / ``instance_noise`` options, PairedTranslation from the same options.
"""

from keras_gans.tricks.views import DiffAugment, InstanceNoise, apply_views, discriminator_views

__all__ = ["DiffAugment", "InstanceNoise", "apply_views", "discriminator_views"]
