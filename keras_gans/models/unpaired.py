"""``UnpairedTranslation``: CycleGAN (Zhu et al. 2017), two translation directions tied by
cycle consistency, on unpaired batches ``{"a": ..., "b": ...}``.

Built as TF-GAN builds ``cyclegan_model``: one :class:`TranslationDirection` (a generator, the
discriminator of its output domain, an image pool, the GAN loss of one direction) for A -> B
and one for B -> A; the model adds the cycle and identity terms and owns the schedule.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans import tiling
from keras_gans.core.distributed import replica_loss
from keras_gans.core.model import AdversarialModel, checked_images
from keras_gans.core.phases import Phase, PhaseOutput
from keras_gans.grids import interleave
from keras_gans.losses import reconstruction
from keras_gans.models.translation import GeneratorShapes, size_multiple
from keras_gans.tricks.image_pool import ImagePool

__all__ = ["TranslationDirection", "UnpairedTranslation"]


class TranslationDirection:
    """One direction of an unpaired translation: ``generator`` maps the source domain to the
    target domain, ``discriminator`` judges target-domain images, ``pool`` (an
    :class:`~keras_gans.tricks.image_pool.ImagePool`) holds earlier fakes for it.

    The two halves of the direction's GAN objective:

    * :meth:`discriminator_loss`: ``w_D * L_D(D(target), D(pool(fake)))`` per example;
    * :meth:`generator_loss`: ``w_adv * L_G(D(fake))`` per example.
    """

    def __init__(self, generator, discriminator, pool, loss_pair, discriminator_weight, adversarial_weight):
        self.generator, self.discriminator, self.pool = generator, discriminator, pool
        self.loss_pair = loss_pair
        self.discriminator_weight, self.adversarial_weight = discriminator_weight, adversarial_weight

    def discriminator_loss(self, target, fake, seed):
        fake = self.pool.query(tf.stop_gradient(fake), seed=seed)
        real_logits = self.discriminator(target, training=True)
        fake_logits = self.discriminator(fake, training=True)
        return self.discriminator_weight * self.loss_pair.discriminator(real_logits, fake_logits)

    def generator_loss(self, fake, target):
        real_logits = self.discriminator(target, training=True) if self.loss_pair.generator_needs_real else None
        return self.adversarial_weight * self.loss_pair.generator(self.discriminator(fake, training=True),
                                                                  real_logits)


@keras.saving.register_keras_serializable(package="keras_gans")
class UnpairedTranslation(GeneratorShapes, AdversarialModel):
    """CycleGAN: ``G: A -> B`` (role ``generator``) judged by ``D_B`` (``discriminator``), and
    ``F: B -> A`` (``generator_ba``) judged by ``D_A`` (``discriminator_a``).

    Each ``train_step`` on ``{"a", "b"}`` is one phase, ``cycle``, that computes the official
    ``optimize_parameters`` iteration from one forward pass and updates all four networks:

    * ``G`` and ``F`` (the official one optimizer over both) on ``L_G(D_B(G(a))) +
      L_G(D_A(F(b))) + cycle_weight * (|F(G(a)) - a| + |G(F(b)) - b|) + identity_weight *
      cycle_weight * (|G(b) - b| + |F(a) - a|)``, each L1 a mean over pixels (``nn.L1Loss``),
      each adversarial term times ``adversarial_weight``;
    * ``D_B`` and ``D_A`` on each direction's ``discriminator_weight * L_D(D(real),
      D(pool(fake)))``, with the same (detached) fakes through a pool of ``pool_size`` images
      per discriminator.

    The official code steps G first, then D on fakes computed before G's step; D's objective
    does not depend on G's weights and G's step does not change D, so computing both losses
    from one pass before either update is exactly that iteration.

    Loss conventions (see :mod:`keras_gans.losses.adversarial`): the official ``lsgan`` mode is
    ``nn.MSELoss``, which is twice our ``"least_squares"`` generator loss (``0.5 (D - 1)^2``)
    and equals our discriminator loss (already ``(MSE_real + MSE_fake) / 2``). So CycleGAN is
    ``loss="least_squares", adversarial_weight=2.0, discriminator_weight=1.0``.

    Optimizers: one Keras optimizer per role. Adam's update is per weight, so one Adam over
    ``G`` and ``F`` (the official ``itertools.chain``) is exactly two Adams with the same
    settings stepping together, as here (and the same for the discriminators).

    Inference: :meth:`translate` (``direction="ab"`` or ``"ba"``), any image size: images whose
    side is not the training size run through tiles of the training size, blended (instance
    norm then normalises per tile). The export serves both directions.

    Args:
        generator, generator_ba: ``keras.Model`` s ``[B, H, W, C_a] -> [B, H, W, C_b]`` and back.
        discriminator, discriminator_a: ``keras.Model`` s from one image to logits (a PatchGAN
            map), for domain B and domain A.
        loss: an adversarial loss pair (``"least_squares"``).
        cycle_weight: the official ``lambda_A`` = ``lambda_B`` (10).
        identity_weight: the official ``lambda_identity`` (0.5; the identity terms weigh
            ``identity_weight * cycle_weight``); 0 drops them.
        adversarial_weight, discriminator_weight: as above (2.0 and 1.0 for CycleGAN).
        pool_size: images per discriminator's pool (50; 0: none).
        **kwargs: :class:`~keras_gans.core.model.AdversarialModel` arguments.
    """

    ROLES = ("generator", "discriminator", "generator_ba", "discriminator_a")
    SEED_ROLE = "generator"
    data_format = "unpaired"
    grid_examples = 8

    def __init__(self, generator, discriminator, generator_ba, discriminator_a, loss="least_squares",
                 cycle_weight=10.0, identity_weight=0.5, adversarial_weight=2.0, discriminator_weight=1.0,
                 pool_size=50, **kwargs):
        for name, value in (("cycle_weight", cycle_weight), ("identity_weight", identity_weight),
                            ("adversarial_weight", adversarial_weight),
                            ("discriminator_weight", discriminator_weight)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{name} must be a non-negative number; received {value!r}.")
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 0:
            raise ValueError(f"pool_size must be a non-negative int; received {pool_size!r}.")
        super().__init__({"generator": generator, "discriminator": discriminator, "generator_ba": generator_ba,
                          "discriminator_a": discriminator_a}, **kwargs)
        shape_a, shape_b = tuple(generator.input_shape[1:]), tuple(generator.output_shape[1:])
        if tuple(generator_ba.input_shape[1:]) != shape_b or tuple(generator_ba.output_shape[1:]) != shape_a:
            raise ValueError(
                f"generator_ba must map the generator's output images {shape_b} back to its inputs {shape_a}; "
                f"received a model {tuple(generator_ba.input_shape[1:])} -> {tuple(generator_ba.output_shape[1:])}.")
        for role, network in (("discriminator", discriminator), ("discriminator_a", discriminator_a)):
            if len(network.inputs) != 1:
                raise ValueError(f"The {role} must take one image (CycleGAN's D is unconditional); received a "
                                 f"model with {len(network.inputs)} inputs.")
        self.loss_name = loss
        self.loss_pair = losses_lib.get(loss)
        self.cycle_weight, self.identity_weight = float(cycle_weight), float(identity_weight)
        self.adversarial_weight, self.discriminator_weight = float(adversarial_weight), float(discriminator_weight)
        self.pool_size = pool_size
        if self.identity_weight and shape_a[-1] != shape_b[-1]:
            raise ValueError(f"identity_weight={identity_weight} feeds B images to G (and A images to F), so both "
                             f"domains need the same channels; received {shape_a[-1]} and {shape_b[-1]}. Pass "
                             "identity_weight=0.")
        # The pools are layers on the model, so checkpoints and backups keep them.
        self.pool_b = ImagePool(pool_size, shape_b if pool_size else None, name="pool_b")
        self.pool_a = ImagePool(pool_size, shape_a if pool_size else None, name="pool_a")
        self.directions = {
            "ab": TranslationDirection(generator, discriminator, self.pool_b, self.loss_pair,
                                       self.discriminator_weight, self.adversarial_weight),
            "ba": TranslationDirection(generator_ba, discriminator_a, self.pool_a, self.loss_pair,
                                       self.discriminator_weight, self.adversarial_weight),
        }
        for name in ("g_loss", "cycle", "identity", "d_loss"):
            self.add_tracker(name)
        self.phases = [Phase("cycle", ("generator", "generator_ba", "discriminator", "discriminator_a"),
                             "cycle_step")]
        self.build_phases()

    def get_config(self):
        return {**super().get_config(), "loss": self.loss_name, "cycle_weight": self.cycle_weight,
                "identity_weight": self.identity_weight, "adversarial_weight": self.adversarial_weight,
                "discriminator_weight": self.discriminator_weight, "pool_size": self.pool_size}

    # ------------------------------------------------------------------ contract
    def sample_grids(self, examples=None, num_samples=64, seed=0):
        """``{"samples": ...}``: one row per example pair: ``a, G(a), F(G(a)), b, F(b), G(F(b))``."""
        if examples is None:
            raise ValueError("UnpairedTranslation's grid needs examples: {'a': ..., 'b': ...}.")
        a, b = np.asarray(examples["a"], np.float32), np.asarray(examples["b"], np.float32)
        fake_b, fake_a = self.translate(a, "ab"), self.translate(b, "ba")
        rec_a, rec_b = self.translate(fake_b, "ba"), self.translate(fake_a, "ab")
        return {"samples": (interleave([a, fake_b, rec_a, b, fake_a, rec_b], 1), 6)}

    def serving_functions(self):
        """``serving_default`` (A -> B) and ``b_to_a``: ``images`` (float32 ``[N, H, W, C]`` in
        [-1, 1], any size) -> ``images``; ``tiled`` / ``tiled_b_to_a`` take ``tile_size`` and
        ``overlap`` too (int32 scalars)."""
        scalar = lambda name: tf.TensorSpec([], tf.int32, name=name)  # noqa: E731
        functions = {}
        for direction, shape, plain, tiled_name in (("ab", self.source_shape, "serving_default", "tiled"),
                                                    ("ba", self.image_shape, "b_to_a", "tiled_b_to_a")):
            spec = tf.TensorSpec([None, None, None, shape[-1]], tf.float32, name="images")

            def serve(images, direction=direction):
                return {"images": self.translate_tensor(images, direction)}

            def tiled(images, tile_size, overlap, direction=direction):
                return {"images": self.translate_tensor(images, direction, tile_size, overlap)}

            functions[plain] = tf.function(serve, input_signature=[spec])
            functions[tiled_name] = tf.function(tiled, input_signature=[spec, scalar("tile_size"), scalar("overlap")])
        return functions

    def serving_variables(self):
        return self.generator.variables + self.generator_ba.variables

    def serving_metadata(self):
        return {"name": self.name, "task": "image_to_image", "directions": ["a_to_b", "b_to_a"],
                "signatures": {"a_to_b": "serving_default", "b_to_a": "b_to_a"},
                "source_shape": [int(d) for d in self.source_shape],
                "image_shape": [int(d) for d in self.image_shape],
                "input_range": [-1.0, 1.0], "output_range": [-1.0, 1.0]}

    def example_serving_inputs(self, num_samples=2, seed=0):
        rng = np.random.default_rng(seed)
        return {"images": rng.uniform(-1, 1, (num_samples,) + self.source_shape).astype("float32")}

    # ------------------------------------------------------------------ training
    def unpack_batch(self, data):
        if not (isinstance(data, dict) and {"a", "b"} <= set(data)):
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError(f"UnpairedTranslation trains on {{'a': ..., 'b': ...}} batches (unpaired data, "
                             f"e.g. keras_gans.data.load('fashion_mnist_pair/sneaker-ankle_boot')); received {got}.")
        return checked_images(data["a"], "domain A images"), checked_images(data["b"], "domain B images")

    def cycle_step(self, inputs, draw):
        a, b = inputs
        ab, ba = self.directions["ab"], self.directions["ba"]
        fake_b, fake_a = self.generator(a, training=True), self.generator_ba(b, training=True)
        adversarial = ab.generator_loss(fake_b, b) + ba.generator_loss(fake_a, a)
        l1 = reconstruction.get_term("l1")
        cycle = l1(a, self.generator_ba(fake_b, training=True)) + l1(b, self.generator(fake_a, training=True))
        g_per_example = adversarial + self.cycle_weight * cycle
        logs = {"g_loss": tf.reduce_mean(adversarial), "cycle": tf.reduce_mean(cycle)}
        if self.identity_weight:
            identity = l1(b, self.generator(b, training=True)) + l1(a, self.generator_ba(a, training=True))
            g_per_example = g_per_example + self.identity_weight * self.cycle_weight * identity
            logs["identity"] = tf.reduce_mean(identity)
        else:
            logs["identity"] = tf.zeros([])
        seed = self.step_seed(draw)
        d_per_example = ab.discriminator_loss(b, fake_b, seed + 5) + ba.discriminator_loss(a, fake_a, seed + 7)
        logs["d_loss"] = tf.reduce_mean(d_per_example)
        g_loss = replica_loss(g_per_example, self.generator, self.generator_ba)
        d_loss = replica_loss(d_per_example, self.discriminator, self.discriminator_a)
        return PhaseOutput({"generator": g_loss, "generator_ba": g_loss, "discriminator": d_loss,
                            "discriminator_a": d_loss}, logs)

    # ------------------------------------------------------------------ inference
    def _network(self, direction):
        if direction not in ("ab", "ba"):
            raise ValueError(f"direction must be 'ab' (A -> B) or 'ba' (B -> A); received {direction!r}.")
        return self.generator if direction == "ab" else self.generator_ba

    def translate_tensor(self, images, direction="ab", tile_size=None, overlap=None):
        """Translates ``images`` ``[N, H, W, C]`` in [-1, 1] of any size (graph-safe: the export
        uses it): tiles of the training size (``tile_size``), ``overlap`` pixels (default an
        eighth of a tile), blended."""
        network = self._network(direction)
        images = tf.cast(images, tf.float32)
        size = int(network.input_shape[1]) if network.input_shape[1] else None
        tile = size if tile_size is None else tile_size
        if tile is None:
            return tf.cast(network(images, training=False), tf.float32)
        overlap = tile // 8 if overlap is None else overlap
        out = tiling.tiled_apply(lambda t: network(t, training=False), images, tile, overlap,
                                 multiple=size_multiple(size))
        return tf.cast(out, tf.float32)

    def translate(self, images, direction="ab", batch_size=16):
        """Translates NumPy ``images`` ``[N, H, W, C]`` in [-1, 1] (A -> B with ``"ab"``, B -> A
        with ``"ba"``); any size. Returns NumPy images in [-1, 1]."""
        network = self._network(direction)
        channels = network.input_shape[-1]
        images = np.asarray(images, np.float32)
        if images.ndim != 4 or images.shape[-1] != channels:
            raise ValueError(f"images must be [N, H, W, {channels}] in [-1, 1] for direction {direction!r}; "
                             f"received shape {images.shape}.")
        if images.size and (images.min() < -1.001 or images.max() > 1.001):
            raise ValueError(f"images must be in [-1, 1]; received values in [{images.min()}, {images.max()}] "
                             "(uint8 images? divide by 127.5 and subtract 1).")
        parts = [self.translate_tensor(images[i:i + batch_size], direction).numpy()
                 for i in range(0, len(images), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0,) + tuple(network.output_shape[1:]), np.float32)

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)
