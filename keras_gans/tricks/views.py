"""Views of the discriminator: transformations of every image D sees, composable.

A view is called as ``view(images, seed, model, stream=0)``: ``seed`` is the stateless seed
of that batch's view (real and fake batches get different ones, both players the same
ones), ``model`` the model (for schedules), and ``stream`` tells apart images that are shown
to D together (Pix2Pix's source and image): geometric augmentations ignore it, so a pair
stays aligned, while noise draws differ per stream.
"""

import tensorflow as tf

from keras_gans import augment


class DiffAugment:
    """DiffAugment (Zhao et al. 2020) with ``policy`` (e.g. ``"color,translation,cutout"``);
    see :func:`keras_gans.augment.diff_augment`. The same seed gives every stream the same
    per-sample transform."""

    def __init__(self, policy):
        augment.check_policy(policy)
        self.policy = policy

    def __call__(self, images, seed, model, stream=0):
        return augment.diff_augment(images, self.policy, seed=seed)

    def __repr__(self):
        return f"DiffAugment({self.policy!r})"


class InstanceNoise:
    """Gaussian instance noise (Sønderby et al. 2017; seed 004) with standard deviation
    ``stddev * max(0, 1 - t / anneal_steps)``, ``t`` the updates of ``counter_role``'s
    optimizer so far (linear annealing to 0); constant when ``anneal_steps`` is 0."""

    def __init__(self, stddev, anneal_steps=0, counter_role="generator"):
        self.base_stddev = float(stddev)
        self.anneal_steps = int(anneal_steps)
        self.counter_role = counter_role

    def stddev(self, model):
        if not self.anneal_steps:
            return tf.constant(self.base_stddev, tf.float32)
        t = tf.cast(model.optimizers[self.counter_role].iterations, tf.float32)
        return self.base_stddev * tf.maximum(0.0, 1.0 - t / self.anneal_steps)

    def __call__(self, images, seed, model, stream=0):
        noise = tf.random.stateless_normal(tf.shape(images), seed + 1 + 7 * stream, dtype=images.dtype)
        return images + tf.cast(self.stddev(model), images.dtype) * noise

    def __repr__(self):
        return f"InstanceNoise({self.base_stddev}, anneal_steps={self.anneal_steps})"


def discriminator_views(diff_augment=None, instance_noise=0.0, instance_noise_steps=0):
    """The views the ``diff_augment`` / ``instance_noise`` options ask for, in the order
    they apply: DiffAugment, then noise."""
    views = []
    if diff_augment:
        views.append(DiffAugment(diff_augment))
    if instance_noise:
        views.append(InstanceNoise(instance_noise, instance_noise_steps))
    return views


def apply_views(views, images, seed, model, stream=0):
    """``images`` as D sees them through ``views`` (the identity for no views)."""
    for view in views:
        images = view(images, seed, model, stream)
    return images
