"""The GAN base class: alternating discriminator / generator updates inside ``train_step``."""

import copy
import math
import numbers

import keras
import tensorflow as tf

from keras_gans import losses as losses_lib

_PENALTIES = (None, "wgan", "wgan_one_sided", "dragan", "r1")
_LATENTS = ("normal", "uniform")


def _optimizer_from(spec, what):
    if isinstance(spec, keras.optimizers.Optimizer):
        return spec
    if isinstance(spec, (str, dict)):
        # A copy: Keras' deserialisation writes schedule objects back into the dict.
        return keras.optimizers.get(copy.deepcopy(spec))
    raise ValueError(
        f"{what} must be a keras Optimizer, an optimizer name or a serialized optimizer "
        f"config dict; received {spec!r}."
    )


def _serialize_optimizer(spec):
    if spec is None or isinstance(spec, (str, dict)):
        return spec
    return keras.optimizers.serialize(spec)


def _replica_id():
    context = tf.distribute.get_replica_context()
    if context is None:
        return tf.constant(0, tf.int32)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def _update_per_device(variables, update_fn, args=None):
    """Calls ``update_fn(variable, *args)`` for each variable, replica-safe.

    Works in and out of a ``tf.distribute`` replica context: under a strategy the update
    is done once per device through ``merge_call`` + ``extended.update`` (the same route
    Keras' optimizers take), since mirrored variables without an aggregation cannot be
    assigned from a replica. ``args`` is one tuple per variable (variables in it are
    passed per device too); ``update_fn`` must give every device the same result.
    """
    unwrap = lambda v: v.value if isinstance(v, keras.Variable) else v  # noqa: E731
    variables = [unwrap(v) for v in variables]
    args = [()] * len(variables) if args is None else [tuple(unwrap(a) for a in arg) for arg in args]

    def merge_fn(strategy, variables, args):
        for var, arg in zip(variables, args):
            strategy.extended.update(var, update_fn, args=arg, group=False)

    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context
        merge_fn(tf.distribute.get_strategy(), variables, args)
    else:
        context.merge_call(merge_fn, args=(variables, args))


def ema_update(ema_variables, variables, decay):
    """``ema = decay * ema + (1 - decay) * value`` for pairs of variables, replica-safe."""

    def update(var, value):
        return var.assign(decay * var + (1.0 - decay) * tf.cast(value, var.dtype))

    _update_per_device(ema_variables, update, args=[(v,) for v in variables])


def clip_weights(variables, clip_value):
    """Clips every variable to ``[-clip_value, clip_value]`` in place, replica-safe (WGAN).

    Mirrored copies receive the same clip of the same (already synchronised) values, so
    replicas stay identical.
    """

    def clip(var):
        return var.assign(tf.clip_by_value(var, -clip_value, clip_value))

    _update_per_device(variables, clip)


@keras.saving.register_keras_serializable(package="keras_gans")
class GAN(keras.Model):
    """A generative adversarial network trained by alternating updates in ``train_step``.

    Each ``train_step`` takes one batch of real images, splits it into ``n_critic`` equal
    chunks and runs one discriminator update on each (so every critic update sees fresh
    real data, as in the WGAN / WGAN-GP reference code), then one generator update with a
    chunk-sized batch of latents. Losses are per-example functions from
    :mod:`keras_gans.losses`, reduced with ``tf.nn.compute_average_loss`` so gradients keep
    their size under any ``tf.distribute`` strategy.

    Data: each element of the dataset is ``images``, ``(images, labels)`` or a dict
    ``{"images": ..., "latents": ...}``. Fed ``latents`` (shape ``[B, 2, latent_dim]``)
    replace the random draws: ``latents[:, 0]`` feed the discriminator steps (chunked like
    the images) and the first ``B / n_critic`` rows of ``latents[:, 1]`` the generator step.
    That makes a run reproducible across device counts.

    Args:
        generator: ``keras.Model`` mapping ``[B, latent_dim]`` latents to images.
        discriminator: ``keras.Model`` mapping images to logits of any shape ``[B, ...]``.
        latent_dim: size of z; read from ``generator.input_shape`` when ``None``.
        loss: name of a loss pair in :mod:`keras_gans.losses` (``"modified"``,
            ``"minimax"``, ``"wasserstein"``, ``"least_squares"``, ``"hinge"``,
            ``"relativistic"``, ``"relativistic_average"``).
        n_critic: discriminator updates per generator update (5 for WGAN / WGAN-GP).
        gradient_penalty: ``None``, ``"wgan"`` (Gulrajani et al. 2017), ``"wgan_one_sided"``,
            ``"dragan"`` (Kodali et al. 2017) or ``"r1"`` (Mescheder et al. 2018).
        gradient_penalty_weight: lambda (10 for WGAN-GP and DRAGAN; gamma/2 for R1).
        label_smoothing: one-sided label smoothing for minimax-type D losses (0.1 -> 0.9).
        latent_distribution: ``"normal"`` (N(0, 1)) or ``"uniform"`` (U[-1, 1], DCGAN).
        ema_decay: if set (e.g. 0.999), keeps an exponential moving average of the
            generator's weights in ``generator_ema``; ``generate()`` and export use it.
        weight_clip: if set (0.01 for WGAN, Arjovsky et al. 2017), every trainable
            discriminator variable (batch-norm scales and offsets included, as in the
            official code; not the moving statistics) is clipped to
            ``[-weight_clip, weight_clip]`` after each discriminator update (the order of
            the paper's Algorithm 1; the official code clamps just before each critic
            update instead, so its generator step sees the critic one update past the clip).
        generator_optimizer / discriminator_optimizer: the optimizers ``compile()`` uses
            when called without them (the paper's settings), as Keras optimizer configs.
        seed: integer seed for latent and penalty draws.

    Example:
        >>> from keras_gans import presets
        >>> gan = presets.build("dcgan_tiny")
        >>> gan.compile()  # the paper's optimizers
        >>> gan.fit(dataset_of_images, epochs=1)
        >>> images = gan.generate(16)
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        loss="modified",
        n_critic=1,
        gradient_penalty=None,
        gradient_penalty_weight=10.0,
        label_smoothing=0.0,
        latent_distribution="normal",
        ema_decay=None,
        generator_optimizer=None,
        discriminator_optimizer=None,
        seed=None,
        weight_clip=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(generator, keras.Model) or not isinstance(discriminator, keras.Model):
            raise ValueError(
                "generator and discriminator must be keras.Model instances; received "
                f"{type(generator).__name__} and {type(discriminator).__name__}."
            )
        if latent_dim is None:
            latent_dim = generator.input_shape[-1]
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive int; received {latent_dim!r}.")
        if not isinstance(n_critic, int) or n_critic < 1:
            raise ValueError(f"n_critic must be a positive int; received {n_critic!r}.")
        if gradient_penalty not in _PENALTIES:
            raise ValueError(
                f"gradient_penalty must be one of {_PENALTIES}; received {gradient_penalty!r}."
            )
        if latent_distribution not in _LATENTS:
            raise ValueError(
                f"latent_distribution must be one of {_LATENTS}; "
                f"received {latent_distribution!r}."
            )
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1) or None; received {ema_decay!r}.")
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1); received {label_smoothing!r}.")
        if weight_clip is not None and (
            not isinstance(weight_clip, numbers.Real)
            or isinstance(weight_clip, bool)
            or not math.isfinite(weight_clip)
            or weight_clip <= 0
        ):
            raise ValueError(
                f"weight_clip must be a positive finite number or None; received {weight_clip!r}."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.loss_name = loss
        self.loss_pair = losses_lib.get(loss)
        self.n_critic = n_critic
        self.gradient_penalty = gradient_penalty
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.label_smoothing = float(label_smoothing)
        self.latent_distribution = latent_distribution
        self.ema_decay = ema_decay
        self.weight_clip = None if weight_clip is None else float(weight_clip)
        self.generator_optimizer_config = _serialize_optimizer(generator_optimizer)
        self.discriminator_optimizer_config = _serialize_optimizer(discriminator_optimizer)
        self.seed = 0 if seed is None else int(seed)
        self.generator_ema = None
        if ema_decay is not None:
            self.generator_ema = keras.models.clone_model(generator)
            self.generator_ema.set_weights(generator.get_weights())
            self.generator_ema.trainable = False
        self.g_optimizer = None
        self.d_optimizer = None
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.penalty_tracker = keras.metrics.Mean(name="gp") if gradient_penalty else None
        self.built = True

    # ------------------------------------------------------------------ compile / config
    def compile(self, g_optimizer=None, d_optimizer=None, **kwargs):
        """Sets the two optimizers; ``None`` takes the paper's setting given at construction.

        Extra keyword arguments (``jit_compile``, ``steps_per_execution``, ``run_eagerly``)
        go to ``keras.Model.compile``.
        """
        if "loss" in kwargs or "optimizer" in kwargs:
            raise ValueError(
                "GAN.compile takes g_optimizer and d_optimizer; the loss is chosen by the "
                "`loss` constructor argument. Received "
                f"{sorted(k for k in kwargs if k in ('loss', 'optimizer'))}."
            )
        # optimizer=None: Keras would otherwise create an unused RMSprop as `self.optimizer`.
        super().compile(optimizer=None, **kwargs)
        g_spec = g_optimizer if g_optimizer is not None else self.generator_optimizer_config
        d_spec = d_optimizer if d_optimizer is not None else self.discriminator_optimizer_config
        if g_spec is None or d_spec is None:
            raise ValueError(
                "No optimizer given and this GAN has no default: pass g_optimizer and "
                "d_optimizer, or construct it with generator_optimizer / "
                "discriminator_optimizer (the presets do)."
            )
        self.g_optimizer = _optimizer_from(g_spec, "g_optimizer")
        self.d_optimizer = _optimizer_from(d_spec, "d_optimizer")
        if self.g_optimizer is self.d_optimizer:
            raise ValueError("g_optimizer and d_optimizer must be two different objects.")
        # Built here, not lazily in the first step: lazy building inside a replica context
        # fails under MirroredStrategy (see DESIGN.md).
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)

    def get_compile_config(self):
        if self.g_optimizer is None:
            return None
        config = super().get_compile_config() or {}
        config = dict(config)
        config.pop("optimizer", None)
        config["g_optimizer"] = keras.optimizers.serialize(self.g_optimizer)
        config["d_optimizer"] = keras.optimizers.serialize(self.d_optimizer)
        return config

    def compile_from_config(self, config):
        config = dict(config)
        g = keras.optimizers.deserialize(config.pop("g_optimizer"))
        d = keras.optimizers.deserialize(config.pop("d_optimizer"))
        keep = ("jit_compile", "steps_per_execution", "run_eagerly")
        self.compile(g_optimizer=g, d_optimizer=d, **{k: config[k] for k in keep if k in config})

    def get_config(self):
        return {
            "name": self.name,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "loss": self.loss_name,
            "n_critic": self.n_critic,
            "gradient_penalty": self.gradient_penalty,
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "label_smoothing": self.label_smoothing,
            "latent_distribution": self.latent_distribution,
            "ema_decay": self.ema_decay,
            "generator_optimizer": self.generator_optimizer_config,
            "discriminator_optimizer": self.discriminator_optimizer_config,
            "seed": self.seed,
            "weight_clip": self.weight_clip,
        }

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # Keras' deserializer consumes the nested dicts
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)

    @property
    def metrics(self):
        trackers = [self.d_loss_tracker, self.g_loss_tracker]
        if self.penalty_tracker is not None:
            trackers.append(self.penalty_tracker)
        return trackers

    # ------------------------------------------------------------------ sampling
    def _step_seed(self, draw):
        """A stateless seed unique to (step, draw, replica), so replicas draw differently."""
        step = tf.cast(self.d_optimizer.iterations, tf.int32)
        return tf.stack([self.seed + 7919 * draw + 104729 * _replica_id(), step])

    def sample_latents(self, num_samples, seed):
        """Draws ``[num_samples, latent_dim]`` latents; ``seed`` is a stateless ``[2]`` seed."""
        shape = tf.stack([num_samples, self.latent_dim])
        if self.latent_distribution == "uniform":
            return tf.random.stateless_uniform(shape, seed, minval=-1.0, maxval=1.0)
        return tf.random.stateless_normal(shape, seed)

    def call(self, latents, training=False):
        return self.generator(latents, training=training)

    def generate(self, num_samples=None, latents=None, seed=0, use_ema=True, batch_size=256):
        """Generates images (in [-1, 1]) as a NumPy array.

        Args:
            num_samples: how many images, with latents drawn from ``seed``.
            latents: explicit ``[N, latent_dim]`` latents instead of ``num_samples``.
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
        generator = self.generator_ema if (use_ema and self.generator_ema is not None) else self.generator
        # Direct calls, not predict(): predict under MultiWorkerMirroredStrategy would need
        # every worker to join, and generate() is called on the chief alone.
        return tf.concat(
            [generator(latents[i : i + batch_size], training=False) for i in range(0, latents.shape[0], batch_size)],
            axis=0,
        ).numpy()

    @property
    def inference_generator(self):
        """The generator to sample from and export: the EMA copy when there is one."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    # ------------------------------------------------------------------ training
    def _unpack(self, data):
        latents = None
        if isinstance(data, dict):
            if "images" not in data:
                raise ValueError(f"A dict batch needs an 'images' key; received keys {sorted(data)}.")
            images, latents = data["images"], data.get("latents")
        elif isinstance(data, (tuple, list)):
            images = data[0]
        else:
            images = data
        return images, latents

    def _penalty(self, real, fake, seed):
        critic = lambda x: self.discriminator(x, training=True)  # noqa: E731
        batch = tf.shape(real)[0]
        alpha_shape = tf.concat([[batch], tf.ones([tf.rank(real) - 1], tf.int32)], 0)
        alpha = tf.random.stateless_uniform(alpha_shape, seed)
        if self.gradient_penalty in ("wgan", "wgan_one_sided"):
            return losses_lib.wasserstein_gradient_penalty(
                critic, real, fake, alpha=alpha, one_sided=self.gradient_penalty == "wgan_one_sided"
            )
        if self.gradient_penalty == "dragan":
            noise = tf.random.stateless_uniform(tf.shape(real), seed + 1)
            return losses_lib.dragan_penalty(critic, real, alpha=alpha, perturbation=noise)
        return losses_lib.r1_penalty(critic, real)

    @staticmethod
    def _replica_loss(per_example, network):
        """Per-replica loss: the per-example mean over the *global* batch (gradients are summed
        across replicas) plus the network's regularisers, divided by the replica count."""
        loss = tf.nn.compute_average_loss(per_example)
        if network.losses:
            loss += tf.nn.scale_regularization_loss(tf.add_n(network.losses))
        return loss

    @staticmethod
    def _apply(tape, loss, network, optimizer):
        variables = network.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))

    def discriminator_step(self, real, latents, draw):
        """One discriminator update on ``real``; returns (loss, penalty) per-replica means."""
        if latents is None:
            latents = self.sample_latents(tf.shape(real)[0], self._step_seed(draw))
        fake = self.generator(latents, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            kwargs = {}
            if self.label_smoothing and self.loss_name in ("minimax", "modified"):
                kwargs["label_smoothing"] = self.label_smoothing
            per_example = self.loss_pair.discriminator(real_logits, fake_logits, **kwargs)
            penalty = tf.zeros_like(per_example)
            if self.gradient_penalty:
                penalty = self._penalty(real, fake, self._step_seed(draw + 1000))
            loss = self._replica_loss(per_example + self.gradient_penalty_weight * penalty, self.discriminator)
        self._apply(tape, loss, self.discriminator, self.d_optimizer)
        if self.weight_clip is not None:
            clip_weights(self.discriminator.trainable_variables, self.weight_clip)
        return tf.reduce_mean(per_example), tf.reduce_mean(penalty)

    def generator_step(self, real, latents):
        """One generator update; ``real`` is used only by relativistic losses."""
        if latents is None:
            latents = self.sample_latents(tf.shape(real)[0], self._step_seed(-1))
        with tf.GradientTape() as tape:
            fake = self.generator(latents, training=True)
            fake_logits = self.discriminator(fake, training=True)
            real_logits = None
            if self.loss_pair.generator_needs_real:
                real_logits = self.discriminator(real, training=True)
            per_example = self.loss_pair.generator(fake_logits, real_logits)
            loss = self._replica_loss(per_example, self.generator)
        self._apply(tape, loss, self.generator, self.g_optimizer)
        if self.generator_ema is not None:
            ema_update(self.generator_ema.weights, self.generator.weights, self.ema_decay)
        return tf.reduce_mean(per_example)

    def train_step(self, data):
        if self.g_optimizer is None:
            raise RuntimeError("Call compile() before fit().")
        images, latents = self._unpack(data)
        images = tf.convert_to_tensor(images)
        batch = images.shape[0]
        if batch is not None and batch % self.n_critic:
            raise ValueError(
                f"A batch of {batch} images does not split into n_critic={self.n_critic} equal "
                f"critic batches; use a batch size that is a multiple of {self.n_critic} "
                "(and drop_remainder=True)."
            )
        chunks = tf.split(images, self.n_critic, axis=0) if self.n_critic > 1 else [images]
        d_latents = g_latents = None
        if latents is not None:
            d_latents = tf.split(latents[:, 0], self.n_critic, axis=0)
            g_latents = latents[: tf.shape(chunks[0])[0], 1]
        for i, real in enumerate(chunks):
            d_loss, penalty = self.discriminator_step(
                real, None if d_latents is None else d_latents[i], draw=i
            )
        g_loss = self.generator_step(chunks[-1], g_latents)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        if self.penalty_tracker is not None:
            self.penalty_tracker.update_state(penalty)
        return {m.name: m.result() for m in self.metrics}
