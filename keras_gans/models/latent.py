"""``LatentGAN``: the base of models that map latents to images (GAN, VAE-GAN, VEEGAN, ...)."""

import math
import numbers

import keras
import numpy as np
import tensorflow as tf

from keras_gans import export as export_lib
from keras_gans import losses as losses_lib
from keras_gans import standing_stats
from keras_gans.core.distributed import clip_weights
from keras_gans.core.model import AdversarialModel, checked_images



def check_positive_int(name, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; received {value!r}.")


def check_weight_clip(weight_clip):
    if weight_clip is not None and (
        not isinstance(weight_clip, numbers.Real)
        or isinstance(weight_clip, bool)
        or not math.isfinite(weight_clip)
        or weight_clip <= 0
    ):
        raise ValueError(
            f"weight_clip must be a positive finite number or None; received {weight_clip!r}."
        )
    return None if weight_clip is None else float(weight_clip)


@keras.saving.register_keras_serializable(package="keras_gans")
class LatentGAN(AdversarialModel):
    """A generator from latents ``z`` (and, when conditional, class labels) to images, and
    the networks that train it.

    Owns what every latent-variable model shares: the latent prior and its seeded draws,
    the D loss pair with label smoothing, EMA of the generator, ``generate()``, standing
    statistics, and the batch layout with ``n_critic`` chunks (see :class:`GAN`). Subclasses
    add roles, options and phases.

    Args:
        generator: ``keras.Model`` mapping ``[B, latent_dim]`` latents to images.
        discriminator: ``keras.Model`` giving logits of any shape ``[B, ...]``.
        latent_dim: size of z; read from ``generator.input_shape`` when ``None``.
        loss: name of a loss pair in :mod:`keras_gans.losses` (one of the class's
            ``LOSSES``).
        label_smoothing: one-sided label smoothing for minimax-type D losses (real target
            1 - s/2, as in TF-GAN and Keras).
        latent_distribution: ``"normal"`` (N(0, 1)) or ``"uniform"`` (U[-1, 1], DCGAN).
        ema_decay: if set (e.g. 0.999), keeps an exponential moving average of the
            generator's weights in ``generator_ema``; ``generate()`` and export use it.
        networks: further roles ``{role: keras.Model}`` (an encoder, a reconstructor).
        **kwargs: :class:`~keras_gans.core.model.AdversarialModel` arguments (optimizers,
            seed, name).
    """

    ROLES = ("generator", "discriminator")
    OPTIMIZER_ALIASES = {"g_optimizer": "generator", "d_optimizer": "discriminator"}
    SEED_ROLE = "discriminator"
    LOSSES = None  # None: every pair in keras_gans.losses
    LATENT_DISTRIBUTIONS = ("normal", "uniform")
    num_classes = None
    n_critic = 1
    weight_clip = None  # GAN and VEEGAN clip D's weights after each D update when set

    def __init__(self, generator, discriminator, latent_dim=None, loss="modified", label_smoothing=0.0,
                 latent_distribution="normal", ema_decay=None, networks=None, **kwargs):
        if not isinstance(generator, keras.Model) or not isinstance(discriminator, keras.Model):
            raise ValueError(
                "generator and discriminator must be keras.Model instances; received "
                f"{type(generator).__name__} and {type(discriminator).__name__}."
            )
        if latent_dim is None:
            shape = generator.input_shape
            latent_dim = (shape[0] if isinstance(shape, list) else shape)[-1]
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive int; received {latent_dim!r}.")
        if latent_distribution not in self.LATENT_DISTRIBUTIONS:
            raise ValueError(
                f"{type(self).__name__}'s latent_distribution must be one of "
                f"{self.LATENT_DISTRIBUTIONS}; received {latent_distribution!r}."
            )
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1) or None; received {ema_decay!r}.")
        if self.LOSSES is not None and loss not in self.LOSSES:
            raise ValueError(
                f"{type(self).__name__}'s loss must be one of {self.LOSSES} (it trains D with the "
                f"sigmoid cross-entropy); received {loss!r}."
            )
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1); received {label_smoothing!r}.")
        roles = {"generator": generator, "discriminator": discriminator, **(networks or {})}
        super().__init__(roles, ema={"generator": ema_decay} if ema_decay is not None else None, **kwargs)
        self.latent_dim = latent_dim
        self.loss_name = loss
        self.loss_pair = losses_lib.get(loss)
        self.label_smoothing = float(label_smoothing)
        self.latent_distribution = latent_distribution
        self.ema_decay = ema_decay
        self.generator_ema = self.ema_network("generator")

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "loss": self.loss_name,
            "label_smoothing": self.label_smoothing,
            "latent_distribution": self.latent_distribution,
            "ema_decay": self.ema_decay,
        }

    # ------------------------------------------------------------------ contract
    @property
    def data_format(self):
        """Batches are images, or (images, labels) for a conditional model."""
        return "labelled_images" if self.num_classes else "images"

    @property
    def image_shape(self):
        return tuple(self.generator.output_shape[1:])

    @property
    def batch_chunks(self):
        """A training batch holds ``n_critic`` critic batches."""
        return self.n_critic

    def sample_grids(self, examples=None, num_samples=64, seed=0):
        """``{"samples": (images, columns)}``: fixed latents from ``seed`` (one column per
        class for a conditional model)."""
        return {"samples": (self.generate(num_samples, seed=seed), self.num_classes)}

    def serving_functions(self):
        """``serving_default``: ``latents`` (float32 ``[N, latent_dim]``, plus ``labels``
        int32 ``[N]`` when conditional) -> ``images`` from the inference generator.

        The inputs are checked inside the graph (see
        :func:`keras_gans.export.latent_serving_function`)."""
        return {"serving_default": export_lib.latent_serving_function(
            self.inference_generator, self.latent_dim, self.num_classes)}

    def serving_variables(self):
        return self.inference_generator.weights

    def serving_metadata(self):
        return export_lib.latent_metadata(self.inference_generator, self.name, self.latent_dim,
                                          self.latent_distribution, self.num_classes)

    def example_serving_inputs(self, num_samples=4, seed=0):
        """Inputs of ``serving_default`` for checks (NumPy)."""
        inputs = {"latents": np.random.default_rng(seed).normal(size=(num_samples, self.latent_dim))
                  .astype("float32")}
        if self.num_classes:
            inputs["labels"] = (np.arange(num_samples) % self.num_classes).astype("int32")
        return inputs

    # Optimizers under the names the GAN code has always used.
    @property
    def g_optimizer(self):
        return self.optimizers.get("generator")

    @property
    def d_optimizer(self):
        return self.optimizers.get("discriminator")

    # ------------------------------------------------------------------ losses
    def discriminator_loss_fn(self, real_logits, fake_logits):
        """The loss pair's per-example D loss, with label smoothing for minimax-type losses."""
        kwargs = {}
        if self.label_smoothing and self.loss_name in ("minimax", "modified"):
            kwargs["label_smoothing"] = self.label_smoothing
        return self.loss_pair.discriminator(real_logits, fake_logits, **kwargs)

    # ------------------------------------------------------------------ batches
    def unpack_batch(self, data):
        """Splits a batch into ``n_critic`` critic chunks (see :class:`GAN` for the layout).

        Returns a dict: ``images`` and ``labels`` (lists of chunks), ``d_latents`` /
        ``d_fake_labels`` (lists of chunks or ``None``) and ``g_latents`` /
        ``g_fake_labels`` (the generator step's rows, or ``None``)."""
        latents = labels = fake_labels = None
        if isinstance(data, dict):
            if "images" not in data:
                raise ValueError(f"A dict batch needs an 'images' key; received keys {sorted(data)}.")
            images, latents, labels = data["images"], data.get("latents"), data.get("labels")
            fake_labels = data.get("fake_labels")
        elif isinstance(data, (tuple, list)):
            images = data[0]
            labels = data[1] if len(data) > 1 else None
        else:
            images = data
        if self.num_classes and labels is None:
            raise ValueError(
                f"This conditional model (num_classes={self.num_classes}) trains on (images, "
                "labels) batches or dicts with a 'labels' key; received images alone. Load the "
                "data with labels (keras_gans.data.load(..., with_labels=True))."
            )
        if not self.num_classes:
            labels = fake_labels = None
        images = tf.convert_to_tensor(images)
        if images.shape.rank == 4:  # images (not the 2-D points of the mixture benchmarks)
            images = checked_images(images)
        batch = images.shape[0]
        if batch is not None and batch % self.n_critic:
            raise ValueError(
                f"A batch of {batch} images does not split into n_critic={self.n_critic} equal "
                f"critic batches; use a batch size that is a multiple of {self.n_critic} "
                "(and drop_remainder=True)."
            )

        def split(x):
            return tf.split(x, self.n_critic, axis=0) if self.n_critic > 1 else [x]

        chunks = split(images)

        def columns(fed):  # fed [B, 2, ...] -> (n_critic D chunks of column 0, G rows of column 1)
            if fed is None:
                return [None] * self.n_critic, None
            return split(fed[:, 0]), fed[: tf.shape(chunks[0])[0], 1]

        d_latents, g_latents = columns(None if latents is None else tf.convert_to_tensor(latents))
        d_fake_labels, g_fake_labels = columns(
            None if fake_labels is None else tf.cast(fake_labels, tf.int32)
        )
        return {
            "images": chunks,
            "labels": split(tf.cast(labels, tf.int32)) if labels is not None else [None] * self.n_critic,
            "d_latents": d_latents, "d_fake_labels": d_fake_labels,
            "g_latents": g_latents, "g_fake_labels": g_fake_labels,
        }

    def critic_inputs(self, batch, index):
        """Chunk ``index``: ``(real, latents, labels, fake_labels)`` for a D update."""
        return (batch["images"][index], batch["d_latents"][index], batch["labels"][index],
                batch["d_fake_labels"][index])

    def generator_inputs(self, batch):
        """``(real, latents, labels, fake_labels)`` for the G update: the last chunk."""
        return batch["images"][-1], batch["g_latents"], batch["labels"][-1], batch["g_fake_labels"]

    def phase_inputs(self, phase, batch, index):
        """The ``discriminator`` phase gets critic chunk ``index``, other phases the G rows."""
        if phase.name == "discriminator":
            return self.critic_inputs(batch, index)
        return self.generator_inputs(batch)

    def after_update(self, phase, inputs):
        """WGAN's weight clipping of D after each D update, when ``weight_clip`` is set."""
        if phase.name == "discriminator" and self.weight_clip is not None:
            clip_weights(self.discriminator.trainable_variables, self.weight_clip)

    # ------------------------------------------------------------------ sampling
    def sample_latents(self, num_samples, seed):
        """Draws ``[num_samples, latent_dim]`` latents; ``seed`` is a stateless ``[2]`` seed."""
        shape = tf.stack([num_samples, self.latent_dim])
        if self.latent_distribution == "uniform":
            return tf.random.stateless_uniform(shape, seed, minval=-1.0, maxval=1.0)
        return tf.random.stateless_normal(shape, seed)

    def sample_labels(self, num_samples, seed):
        """Draws ``[num_samples]`` int32 class labels uniformly (conditional models)."""
        return tf.random.stateless_uniform(
            [num_samples], seed, minval=0, maxval=self.num_classes, dtype=tf.int32
        )

    def _g(self, latents, labels, training, generator=None):
        generator = generator or self.generator
        if self.num_classes:
            return generator([latents, labels], training=training)
        return generator(latents, training=training)

    def call(self, inputs, training=False):
        """The generator: ``latents``, or ``[latents, labels]`` for a conditional model."""
        return self.generator(inputs, training=training)

    def _check_labels(self, labels, num):
        labels = tf.convert_to_tensor(labels)
        if not labels.dtype.is_integer or labels.shape.rank != 1 or labels.shape[0] != num:
            raise ValueError(
                f"labels must be {num} integer class ids, shape [{num}]; received dtype "
                f"{labels.dtype.name} and shape {labels.shape}."
            )
        low, high = int(tf.reduce_min(labels)), int(tf.reduce_max(labels))
        if low < 0 or high >= self.num_classes:
            raise ValueError(
                f"labels must lie in [0, {self.num_classes}); received values in [{low}, {high}]."
            )
        return tf.cast(labels, tf.int32)

    def generate(self, num_samples=None, latents=None, labels=None, seed=0, use_ema=True, batch_size=256):
        """Generates images (in [-1, 1]) as a NumPy array.

        Args:
            num_samples: how many images, with latents drawn from ``seed``.
            latents: explicit ``[N, latent_dim]`` latents instead of ``num_samples``.
            labels: conditional models: ``[N]`` class ids; default ``i % num_classes`` for
                sample ``i`` (every class in turn).
            seed: integer seed for the latent draw.
            use_ema: use the EMA generator when the model keeps one.
            batch_size: generator batch size.
        """
        if (num_samples is None) == (latents is None):
            raise ValueError("Pass exactly one of num_samples or latents.")
        if latents is None:
            if not isinstance(num_samples, int) or num_samples < 1:
                raise ValueError(f"num_samples must be a positive int; received {num_samples!r}.")
            latents = self.sample_latents(num_samples, tf.constant([int(seed), 0]))
        latents = tf.convert_to_tensor(latents, tf.float32)
        if latents.shape.rank != 2 or latents.shape[-1] != self.latent_dim:
            raise ValueError(
                f"latents must have shape [N, {self.latent_dim}]; received {latents.shape}."
            )
        num = latents.shape[0]
        if self.num_classes:
            labels = tf.range(num) % self.num_classes if labels is None else self._check_labels(labels, num)
        elif labels is not None:
            raise ValueError("labels were given, but this model is unconditional (num_classes=None).")
        generator = self.generator_ema if (use_ema and self.generator_ema is not None) else self.generator
        # Direct calls, not predict(): predict under MultiWorkerMirroredStrategy would need
        # every worker to join, and generate() is called on the chief alone.
        return tf.concat(
            [
                tf.cast(self._g(latents[i : i + batch_size], None if labels is None else labels[i : i + batch_size],
                                training=False, generator=generator), tf.float32)  # float32 under mixed precision
                for i in range(0, num, batch_size)
            ],
            axis=0,
        ).numpy()

    @property
    def inference_generator(self):
        """The generator to sample from and export: the EMA copy when there is one."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    @property
    def supports_standing_statistics(self):
        """Whether the inference generator has batch-norm layers to re-estimate."""
        return bool(standing_stats.batch_norm_layers(self.inference_generator))

    def accumulate_standing_statistics(self, num_batches=100, batch_size=64, seed=0):
        """Re-estimates the inference generator's batch-norm moving statistics as the average
        over ``num_batches`` generated batches (BigGAN's standing statistics; see
        ``keras_gans.standing_stats``). Conditional models draw labels uniformly. Use the
        training batch size. Returns the number of batches averaged over."""
        for name, value in (("num_batches", num_batches), ("batch_size", batch_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int; received {value!r}.")

        def batches():
            for i in range(num_batches):
                latents = self.sample_latents(batch_size, tf.constant([int(seed), 2 * i]))
                if self.num_classes:
                    yield [latents, self.sample_labels(batch_size, tf.constant([int(seed), 2 * i + 1]))]
                else:
                    yield latents

        return standing_stats.accumulate_standing_statistics(self.inference_generator, batches())
