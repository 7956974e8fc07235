"""``PairedTranslation``: image-to-image translation on (source, target) pairs (Pix2Pix)."""

import keras
import numpy as np
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans import tiling
from keras_gans import tricks
from keras_gans.core.distributed import replica_loss
from keras_gans.core.model import AdversarialModel, checked_images
from keras_gans.core.phases import Phase, PhaseOutput
from keras_gans.grids import interleave, source_colors
from keras_gans.losses import reconstruction


def dropout_layers(network):
    """The ``keras.layers.Dropout`` layers of ``network`` (nested models too), in order."""
    found = []
    for layer in network.layers:
        if isinstance(layer, keras.layers.Dropout):
            found.append(layer)
        elif isinstance(layer, keras.Model):
            found += dropout_layers(layer)
    return found


def seed_dropout(network, seed):
    """Sets every dropout layer's random state from ``seed`` (an int or int scalar tensor),
    so a generator run with dropout on (Pix2Pix at test time) is reproducible by seed."""
    for i, layer in enumerate(dropout_layers(network)):
        state = layer.seed_generator.state
        value = tf.stack([tf.cast(seed, state.dtype), tf.cast(i, state.dtype)])
        state.assign(value)


def size_multiple(size):
    """The largest power of two (up to 1024) dividing the training size ``size``: the side
    multiple a generator with that many stride-2 levels accepts (1 for ``None``)."""
    multiple = 1
    while size and size % (2 * multiple) == 0 and multiple < 1024:
        multiple *= 2
    return multiple


def _check_terms(terms):
    checked = {}
    for name, spec in (terms or {}).items():
        if not (isinstance(spec, (tuple, list)) and len(spec) == 2 and isinstance(spec[1], (int, float))
                and not isinstance(spec[1], bool) and spec[1] >= 0):
            raise ValueError(
                f"Loss term {name!r} must be (term name, non-negative weight), e.g. ('l1', 100.0); "
                f"received {spec!r}."
            )
        reconstruction.get_term(spec[0])  # raises listing the known terms
        checked[name] = (spec[0], float(spec[1]))
    return checked


class GeneratorShapes:
    """``image_shape`` / ``source_shape``: the shapes of the ``generator`` role's outputs and
    inputs (a mix-in of the translation models)."""

    @property
    def image_shape(self):
        return tuple(self.generator.output_shape[1:])

    @property
    def source_shape(self):
        return tuple(self.generator.input_shape[1:])


@keras.saving.register_keras_serializable(package="keras_gans")
class PairedTranslation(GeneratorShapes, AdversarialModel):
    """Paired image-to-image translation: G maps a source image to the target domain and a
    conditional D judges (source, image) pairs (Isola et al. 2017, Pix2Pix).

    Each ``train_step`` runs two phases on a batch of pairs ``{"source", "target"}``:

    * ``discriminator``: ``L_D = w_D * (L(D(x, y), real) + L(D(x, G(x)), fake))`` with the
      loss pair ``loss`` and ``w_D = discriminator_weight`` (0.5: the official code halves
      D's objective "to slow down the rate at which D learns relative to G");
    * ``generator``: ``L_G = w_adv * L_G(D(x, G(x))) + sum_k w_k * term_k(y, G(x))``, the
      weighted terms declared in ``terms`` (Pix2Pix: ``{"l1": ("l1", 100.0)}``).

    With ``adversarial_weight=0`` the model has no discriminator phase: a network trained
    on its terms alone (the paper's L1-only ablation), same networks, same data.

    At inference G runs with ``training=True`` when ``dropout_at_inference`` (the paper's
    "noise in the form of dropout, applied at both training and test time"; batch norm
    then uses the statistics of the image itself, as the official test script with batch
    size 1), one image at a time, with dropout seeded by the caller.

    Where we differ from the official code: it computes ``G(x)`` once per iteration and
    uses it for both updates; we run G in each phase, so the D phase and the G phase see
    different dropout masks (the same distribution).

    Args:
        generator: ``keras.Model`` from source images ``[B, H, W, C_in]`` to images.
        discriminator: ``keras.Model`` called as ``discriminator([source, image])``, logits
            of any shape (a PatchGAN map).
        loss: an adversarial loss pair of :mod:`keras_gans.losses` (``"modified"``: the
            official ``gan_mode="vanilla"``, BCE with logits, G's target 1).
        terms: ``{log name: (term name in keras_gans.losses.reconstruction.TERMS, weight)}``.
        discriminator_weight: the factor of D's objective (0.5 in Pix2Pix).
        adversarial_weight: the factor of G's adversarial loss (0: no discriminator phase).
        dropout_at_inference: run G with dropout and batch statistics in ``translate`` and
            the export.
        label_flip, instance_noise, instance_noise_steps, diff_augment, image_pool_size,
            feature_matching_layer, unrolled_steps: the tricks of :mod:`keras_gans.tricks`,
            the same options as GAN's. D sees every pair through the views in both players'
            steps (DiffAugment moves source and image alike); the image pool keeps (source,
            output) pairs, as the official code's ``fake_AB_pool``; a flipped pair swaps
            with its source; feature matching and unrolling replace G's adversarial term
            (unrolling D on its weighted loss).
        **kwargs: :class:`~keras_gans.core.model.AdversarialModel` arguments (optimizers,
            seed, name).
    """

    ROLES = ("generator", "discriminator")
    OPTIMIZER_ALIASES = {"g_optimizer": "generator", "d_optimizer": "discriminator"}
    SEED_ROLE = "generator"
    data_format = "paired"

    def __init__(self, generator, discriminator, loss="modified", terms=None, discriminator_weight=0.5,
                 adversarial_weight=1.0, dropout_at_inference=True, label_flip=0.0, instance_noise=0.0,
                 instance_noise_steps=0, diff_augment=None, image_pool_size=0, feature_matching_layer=None,
                 unrolled_steps=0, **kwargs):
        for name, value in (("discriminator_weight", discriminator_weight),
                            ("adversarial_weight", adversarial_weight)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{name} must be a non-negative number; received {value!r}.")
        terms = _check_terms(terms)
        trick_options = dict(label_flip=label_flip, instance_noise=instance_noise,
                             instance_noise_steps=instance_noise_steps, diff_augment=diff_augment,
                             image_pool_size=image_pool_size, feature_matching_layer=feature_matching_layer,
                             unrolled_steps=unrolled_steps)
        tricks.check_options(**trick_options)
        if not terms and not adversarial_weight:
            raise ValueError("With adversarial_weight=0 the generator needs at least one loss term.")
        super().__init__({"generator": generator, "discriminator": discriminator}, **kwargs)
        if len(discriminator.inputs) != 2:
            raise ValueError(
                "The discriminator must take [source, image] (a conditional D); received a model "
                f"with {len(discriminator.inputs)} input(s)."
            )
        self.loss_name = loss
        self.loss_pair = losses_lib.get(loss)
        self.terms = terms
        self.discriminator_weight = float(discriminator_weight)
        self.adversarial_weight = float(adversarial_weight)
        self.dropout_at_inference = bool(dropout_at_inference)
        # The tricks as objects (keras_gans.tricks), attached as self.tricks and attributes.
        tricks.DiscriminatorTricks(
            discriminator, generator.output_shape[1:], condition_shape=generator.input_shape[1:],
            **trick_options).attach(self)
        self.phases = []
        if self.adversarial_weight:
            self.add_tracker("d_loss")
            self.add_tracker("g_loss")
            self.phases.append(Phase("discriminator", "discriminator", "discriminator_step"))
        for name in terms:
            self.add_tracker(name)
        self.phases.append(Phase("generator", "generator", "generator_step"))
        self.build_phases()

    def get_config(self):
        return {
            **super().get_config(),
            "loss": self.loss_name,
            "terms": {k: list(v) for k, v in self.terms.items()},
            "discriminator_weight": self.discriminator_weight,
            "adversarial_weight": self.adversarial_weight,
            "dropout_at_inference": self.dropout_at_inference,
            **self.tricks.options,
        }

    # ------------------------------------------------------------------ contract
    grid_examples = 8

    def sample_grids(self, examples=None, num_samples=64, seed=0):
        """``{"samples": ...}``: one row per example, input / output / target."""
        if examples is None:
            raise ValueError("PairedTranslation's grid needs examples: {'source': ..., 'target': ...}.")
        source, target = examples["source"], examples["target"]
        output = self.translate(source, seed=seed)
        # columns=1 takes source[i], output[i], target[i] in turn: three images a row.
        return {"samples": (interleave([source_colors(source), output, target], 1), 3)}

    def serving_functions(self):
        """``serving_default``: ``images`` (float32 ``[N, H, W, C]`` in [-1, 1], any size)
        and ``seed`` (int32 scalar, the dropout noise) -> ``images``; ``tiled`` takes
        ``tile_size`` and ``overlap`` too (int32 scalars)."""
        channels = self.source_shape[-1]
        image_spec = tf.TensorSpec([None, None, None, channels], tf.float32, name="images")
        scalar = lambda name: tf.TensorSpec([], tf.int32, name=name)  # noqa: E731

        @tf.function(input_signature=[image_spec, scalar("seed")])
        def serve(images, seed):
            return {"images": self.translate_tensor(images, seed=seed)}

        @tf.function(input_signature=[image_spec, scalar("seed"), scalar("tile_size"), scalar("overlap")])
        def tiled(images, seed, tile_size, overlap):
            return {"images": self.translate_tensor(images, seed=seed, tile_size=tile_size, overlap=overlap)}

        return {"serving_default": serve, "tiled": tiled}

    def serving_variables(self):
        return self.generator.variables

    def serving_metadata(self):
        return {
            "name": self.name,
            "task": "image_to_image",
            "source_shape": [int(d) for d in self.source_shape],
            "image_shape": [int(d) for d in self.image_shape],
            "input_range": [-1.0, 1.0],
            "output_range": [-1.0, 1.0],
            "dropout_at_inference": self.dropout_at_inference,
        }

    def example_serving_inputs(self, num_samples=2, seed=0):
        rng = np.random.default_rng(seed)
        return {"images": rng.uniform(-1, 1, (num_samples,) + self.source_shape).astype("float32"),
                "seed": np.int32(seed)}

    # ------------------------------------------------------------------ training
    def unpack_batch(self, data):
        if isinstance(data, dict):
            missing = {"source", "target"} - set(data)
            if missing:
                raise ValueError(
                    f"A paired batch needs 'source' and 'target'; received keys {sorted(data)}."
                )
            source, target = data["source"], data["target"]
        elif isinstance(data, (tuple, list)) and len(data) == 2:
            source, target = data
        else:
            raise ValueError(
                "PairedTranslation trains on {'source': ..., 'target': ...} batches (or (source, "
                f"target) tuples); received {type(data).__name__}."
            )
        return checked_images(source, "source images"), checked_images(target, "target images")

    def _view(self, source, image, seed):
        """D's input ``[source, image]`` as D sees it: both images through the discriminator
        views with one seed (so DiffAugment moves them alike), noise drawn per image."""
        views = self.discriminator_views
        return [tricks.apply_views(views, source, seed, self, stream=1), tricks.apply_views(views, image, seed, self)]

    def _d(self, source, image, seed, network=None):
        return (network or self.discriminator)(self._view(source, image, seed), training=True)

    def weighted_discriminator_loss(self, real_logits, fake_logits):
        """D's per-example objective, ``discriminator_weight * L_D``."""
        return self.discriminator_weight * self.loss_pair.discriminator(real_logits, fake_logits)

    def discriminator_step(self, inputs, draw):
        source, target = inputs
        seed = self.step_seed(draw)
        fake = tf.stop_gradient(self.generator(source, training=True))
        fake, fake_source = self.tricks.pool_fakes(fake, seed + 5, source)
        real, fake, real_source, fake_source = self.tricks.flip_pairs(target, fake, seed + 11, source, fake_source)
        real_logits = self._d(real_source, real, seed + 13)
        fake_logits = self._d(fake_source, fake, seed + 17)
        per_example = self.weighted_discriminator_loss(real_logits, fake_logits)
        return PhaseOutput(replica_loss(per_example, self.discriminator), {"d_loss": tf.reduce_mean(per_example)})

    def adversarial_loss(self, source, target, fake, seed):
        """``(per-example loss, reported loss)`` of G's adversarial term: the loss pair's G
        loss, or the feature-matching / unrolled objective when asked for."""
        if self.tricks.feature_matching is not None:
            features = self.discriminator_features
            reported, _ = self.tricks.feature_matching.loss(
                self._d(source, target, seed + 13, features), self._d(source, fake, seed + 17, features))
            # The batch loss on every row: averaged over the global batch (replica_loss) and
            # summed over replicas it gives back the replicas' mean loss.
            return tf.fill([tf.shape(source)[0]], reported), reported
        if self.tricks.unrolled is not None:
            per_example = self.tricks.unrolled.generator_loss(
                self.discriminator, self.optimizers["discriminator"], self.weighted_discriminator_loss,
                self.loss_name, self.loss_pair, self._view(source, target, seed + 13),
                self._view(source, fake, seed + 17))
            return per_example, tf.reduce_mean(per_example)
        real_logits = None
        if self.loss_pair.generator_needs_real:
            real_logits = self._d(source, target, seed + 13)
        per_example = self.loss_pair.generator(self._d(source, fake, seed + 17), real_logits)
        return per_example, tf.reduce_mean(per_example)

    def generator_step(self, inputs, draw):
        source, target = inputs
        seed = self.step_seed(-1)
        fake = self.generator(source, training=True)
        per_example = tf.zeros([tf.shape(source)[0]])
        logs = {}
        if self.adversarial_weight:
            adversarial, logs["g_loss"] = self.adversarial_loss(source, target, fake, seed)
            per_example = per_example + self.adversarial_weight * adversarial
        for name, (term, weight) in self.terms.items():
            value = reconstruction.get_term(term)(target, fake)
            per_example = per_example + weight * value
            logs[name] = tf.reduce_mean(value)
        return PhaseOutput(replica_loss(per_example, self.generator), logs)

    # ------------------------------------------------------------------ inference
    def _translate_one_by_one(self, images, seed):
        """G on each image alone (batch statistics of that image), dropout seeded."""
        training = self.dropout_at_inference
        if training:
            seed_dropout(self.generator, seed)
        spec = tf.TensorSpec([None, None, self.image_shape[-1]], self.generator.output.dtype)
        return tf.map_fn(lambda x: self.generator(x[None], training=training)[0], images,
                         fn_output_signature=spec)

    def _multiple(self):
        """The side lengths G accepts are multiples of this (2**downsamplings)."""
        return size_multiple(self.source_shape[0])

    def translate_tensor(self, images, seed=0, tile_size=None, overlap=None):
        """Translates ``images`` ``[N, H, W, C]`` in [-1, 1] of any size (a graph-safe
        function: used by :meth:`translate` and the export). Images whose side is not the
        training size go through tiles of the training size (``tile_size``) overlapping by
        ``overlap`` pixels (default an eighth of a tile), blended."""
        images = tf.cast(images, tf.float32)
        tile = self.source_shape[0] if tile_size is None else tile_size
        overlap = tile // 8 if overlap is None else overlap
        out = tiling.tiled_apply(lambda t: self._translate_one_by_one(t, seed), images, tile, overlap,
                                 multiple=self._multiple())
        return tf.cast(out, tf.float32)

    def translate(self, images, seed=0, batch_size=16):
        """Translates source ``images`` ``[N, H, W, C]`` (NumPy or tensor, in [-1, 1]) and
        returns NumPy images in [-1, 1]; any size (tiles beyond the training size)."""
        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[-1] != self.source_shape[-1]:
            raise ValueError(
                f"images must be [N, H, W, {self.source_shape[-1]}] in [-1, 1]; received shape "
                f"{images.shape}."
            )
        if images.size and (images.min() < -1.001 or images.max() > 1.001):
            raise ValueError(
                f"images must be in [-1, 1]; received values in [{images.min()}, {images.max()}] "
                "(uint8 images? divide by 127.5 and subtract 1)."
            )
        parts = [self.translate_tensor(images[i : i + batch_size], seed=seed + i).numpy()
                 for i in range(0, len(images), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0,) + self.image_shape, np.float32)

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)
