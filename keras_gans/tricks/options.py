"""The trick options a model with a discriminator takes, checked once and turned into the
objects of :mod:`keras_gans.tricks` (GAN and PairedTranslation both use this)."""

import math
import numbers

from keras_gans.tricks.image_pool import ImagePool
from keras_gans.tricks.players import FeatureMatching, LabelFlip, Unrolled
from keras_gans.tricks.views import discriminator_views

#: The options, with their "off" values.
OPTIONS = {
    "label_flip": 0.0,
    "instance_noise": 0.0,
    "instance_noise_steps": 0,
    "diff_augment": None,
    "image_pool_size": 0,
    "feature_matching_layer": None,
    "unrolled_steps": 0,
}


class DiscriminatorTricks:
    """The tricks a model's options ask for, as objects:

    * ``views``: what D sees of every image (DiffAugment, then instance noise);
    * ``pool``: an :class:`ImagePool` for D's fakes (or ``None``), keeping the conditions
      with their images when D is conditional (``condition_shape``);
    * ``flip``: a :class:`LabelFlip` (or ``None``);
    * ``feature_matching`` / ``features``: a :class:`FeatureMatching` objective and D's
      feature network (or ``None``);
    * ``unrolled``: an :class:`Unrolled` objective (or ``None``).

    ``options`` holds the checked option values (for ``get_config``). ``attach(model)``
    makes them a model's tricks.
    """

    def __init__(self, discriminator, image_shape, condition_shape=None, condition_dtype="float32", **options):
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise TypeError(f"Unknown trick options {unknown}; known: {sorted(OPTIONS)}.")
        options = {**OPTIONS, **options}
        check_options(**options)
        options["diff_augment"] = options["diff_augment"] or None
        for name in ("label_flip", "instance_noise"):
            options[name] = float(options[name])
        for name in ("instance_noise_steps", "image_pool_size", "unrolled_steps"):
            options[name] = int(options[name])
        self.options = options
        self.views = discriminator_views(options["diff_augment"], options["instance_noise"],
                                         options["instance_noise_steps"])
        self.flip = LabelFlip(options["label_flip"]) if options["label_flip"] else None
        self.pool = None
        if options["image_pool_size"]:
            self.pool = ImagePool(options["image_pool_size"], tuple(image_shape), condition_shape=condition_shape,
                                  condition_dtype=condition_dtype)
        self.feature_matching = self.features = None
        if options["feature_matching_layer"] is not None:
            self.feature_matching = FeatureMatching(options["feature_matching_layer"])
            self.features = self.feature_matching.features(discriminator)
        self.unrolled = Unrolled(options["unrolled_steps"]) if options["unrolled_steps"] else None

    def attach(self, model):
        """Makes these the tricks of ``model``: ``model.tricks``, one attribute per option
        (``model.label_flip``, ...), ``model.discriminator_views``, and the pool and D's
        feature network as ``model.image_pool`` / ``model.discriminator_features``, attributes
        of the ``keras.Model`` so that Keras tracks and saves their variables."""
        model.tricks = self
        for name, value in self.options.items():
            setattr(model, name, value)
        model.discriminator_views = self.views
        model.image_pool = self.pool
        model.discriminator_features = self.features
        return self

    def pool_fakes(self, fake, seed, condition=None):
        """``(fake, condition)`` through the pool (unchanged without one)."""
        if self.pool is None:
            return fake, condition
        if condition is None:
            return self.pool.query(fake, seed=seed), None
        return self.pool.query(fake, seed=seed, conditions=condition)

    def flip_pairs(self, real, fake, seed, real_condition=None, fake_condition=None):
        """``(real, fake, real_condition, fake_condition)`` with the flipped pairs swapped."""
        if self.flip is None:
            return real, fake, real_condition, fake_condition
        return self.flip(real, fake, seed, real_condition, fake_condition)


def check_options(label_flip=0.0, instance_noise=0.0, instance_noise_steps=0, diff_augment=None,
                  image_pool_size=0, feature_matching_layer=None, unrolled_steps=0):
    """Raises ``ValueError`` naming the first bad option, what it received and what it takes."""
    def is_int(x):
        return isinstance(x, numbers.Integral) and not isinstance(x, bool)

    if label_flip:
        LabelFlip(label_flip)
    elif not (isinstance(label_flip, numbers.Real) and not isinstance(label_flip, bool)):
        raise ValueError(f"label_flip must be a probability in [0, 0.5); received {label_flip!r}.")
    if (isinstance(instance_noise, bool) or not isinstance(instance_noise, numbers.Real)
            or not math.isfinite(instance_noise) or instance_noise < 0):
        raise ValueError(f"instance_noise must be a stddev >= 0; received {instance_noise!r}.")
    for name, value in (("instance_noise_steps", instance_noise_steps),
                        ("image_pool_size", image_pool_size), ("unrolled_steps", unrolled_steps)):
        if not is_int(value) or value < 0:
            raise ValueError(f"{name} must be an int >= 0; received {value!r}.")
    if diff_augment:
        discriminator_views(diff_augment)  # checks the policy
    if feature_matching_layer is not None:
        FeatureMatching(feature_matching_layer)
    if feature_matching_layer is not None and unrolled_steps:
        raise ValueError(
            "feature_matching_layer and unrolled_steps both replace G's objective; choose one "
            f"(received {feature_matching_layer!r} and {unrolled_steps})."
        )
