"""The GAN base class: alternating discriminator / generator updates inside ``train_step``."""

import copy
import math
import numbers

import keras
import tensorflow as tf

from keras_gans import augment
from keras_gans import losses as losses_lib
from keras_gans import standing_stats
from keras_gans import unrolled
from keras_gans.image_pool import ImagePool

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
    ``{"images": ..., "latents": ..., "labels": ..., "fake_labels": ...}``. Fed ``latents``
    (shape ``[B, 2, latent_dim]``) replace the random draws: ``latents[:, 0]`` feed the
    discriminator steps (chunked like the images) and the first ``B / n_critic`` rows of
    ``latents[:, 1]`` the generator step; ``fake_labels`` (``[B, 2]``, conditional models)
    replace the fake-label draws the same way. That makes a run reproducible across device
    counts.

    Conditional models (``num_classes`` set): G takes ``[latents, labels]`` and D
    ``[images, labels]``; batches carry real labels, fake labels are drawn uniformly.

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
        num_classes: class-conditional G and D with this many classes (CGAN, SAGAN).
        mismatched_pairs: conditional D also rejects real images shown with a wrong label,
            ``(L(real, fake) + L(real, mismatched)) / 2`` (Reed et al. 2016; seed 002's CGAN).
        label_flip: probability with which each (real, fake) pair is shown to D with the two
            roles swapped (noisy labels, seed 004).
        instance_noise / instance_noise_steps: stddev of Gaussian noise added to every image D
            sees, annealed linearly to 0 over that many generator updates (0: constant).
        diff_augment: DiffAugment policy (Zhao et al. 2020), e.g. ``"color,translation,cutout"``,
            applied to real and fake images before D in both players' steps.
        image_pool_size: D's fake batch comes through a pool of this many past fakes
            (Shrivastava et al. 2017; swap probability 0.5); 0: off.
        feature_matching_layer: name of a D layer; G minimises the squared distance between
            the batch means of that layer's features on real and fake images instead of its
            adversarial loss (Salimans et al. 2016).
        unrolled_steps: G's loss uses D unrolled by this many updates of D's own optimizer,
            differentiated through (Metz et al. 2017); D itself is not changed by it.
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
        num_classes=None,
        mismatched_pairs=False,
        label_flip=0.0,
        instance_noise=0.0,
        instance_noise_steps=0,
        diff_augment=None,
        image_pool_size=0,
        feature_matching_layer=None,
        unrolled_steps=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
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
        _check_tricks(num_classes, mismatched_pairs, label_flip, instance_noise,
                      instance_noise_steps, diff_augment, image_pool_size, unrolled_steps)
        if unrolled_steps and (gradient_penalty or weight_clip is not None):
            raise ValueError(
                "unrolled_steps unrolls D's plain loss; it does not combine with gradient_penalty "
                f"or weight_clip (received {gradient_penalty!r}, {weight_clip!r})."
            )
        if mismatched_pairs and not num_classes:
            raise ValueError("mismatched_pairs=True needs a conditional model (num_classes).")
        self.generator = generator
        self.discriminator = discriminator
        self.num_classes = num_classes
        self.mismatched_pairs = bool(mismatched_pairs)
        self.label_flip = float(label_flip)
        self.instance_noise = float(instance_noise)
        self.instance_noise_steps = int(instance_noise_steps)
        self.diff_augment = diff_augment or None
        self.image_pool_size = int(image_pool_size)
        self.feature_matching_layer = feature_matching_layer
        self.unrolled_steps = int(unrolled_steps)
        self.image_pool = None
        if self.image_pool_size:
            self.image_pool = ImagePool(self.image_pool_size, generator.output_shape[1:])
        self.discriminator_features = None
        if feature_matching_layer is not None:
            try:
                layer = discriminator.get_layer(feature_matching_layer)
            except ValueError as err:
                names = [l.name for l in discriminator.layers]
                raise ValueError(
                    f"feature_matching_layer={feature_matching_layer!r} is not a layer of the "
                    f"discriminator; its layers are {names}."
                ) from err
            self.discriminator_features = keras.Model(
                discriminator.inputs, layer.output, name=f"{discriminator.name}_features"
            )
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
            "num_classes": self.num_classes,
            "mismatched_pairs": self.mismatched_pairs,
            "label_flip": self.label_flip,
            "instance_noise": self.instance_noise,
            "instance_noise_steps": self.instance_noise_steps,
            "diff_augment": self.diff_augment,
            "image_pool_size": self.image_pool_size,
            "feature_matching_layer": self.feature_matching_layer,
            "unrolled_steps": self.unrolled_steps,
        }

    # Constructor arguments that are networks (serialized in get_config); subclasses add theirs.
    NETWORK_KEYS = ("generator", "discriminator")

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # Keras' deserializer consumes the nested dicts
        for key in cls.NETWORK_KEYS:
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    @property
    def metrics(self):
        trackers = [self.d_loss_tracker, self.g_loss_tracker]
        if self.penalty_tracker is not None:
            trackers.append(self.penalty_tracker)
        return trackers

    # ------------------------------------------------------------------ sampling
    def _step_seed(self, draw):
        """A stateless seed unique to (step, draw, replica), so replicas draw differently.

        Non-negative: TF's stateless ops give different numbers for negative seeds with and
        without XLA."""
        step = tf.cast(self.d_optimizer.iterations, tf.int32)
        key = tf.bitwise.bitwise_and(self.seed + 7919 * draw + 104729 * _replica_id(), 0x3FFFFFFF)
        return tf.stack([key, step])

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

    def _d(self, images, labels, training=True, network=None):
        network = network or self.discriminator
        if self.num_classes:
            return network([images, labels], training=training)
        return network(images, training=training)

    def instance_noise_stddev(self):
        """The instance-noise standard deviation now (Sønderby et al. 2017; seed 004):
        ``instance_noise * max(0, 1 - t / instance_noise_steps)`` with ``t`` the generator
        updates so far (linear annealing to 0); constant when ``instance_noise_steps`` is 0."""
        if not self.instance_noise_steps:
            return tf.constant(self.instance_noise, tf.float32)
        t = tf.cast(self.g_optimizer.iterations, tf.float32)
        return self.instance_noise * tf.maximum(0.0, 1.0 - t / self.instance_noise_steps)

    def discriminator_view(self, images, seed):
        """What the discriminator sees of a batch (real or fake, in both players' steps):
        DiffAugment (Zhao et al. 2020) when ``diff_augment`` is set, then Gaussian instance
        noise when ``instance_noise`` is set. The identity otherwise."""
        if self.diff_augment:
            images = augment.diff_augment(images, self.diff_augment, seed=seed)
        if self.instance_noise:
            noise = tf.random.stateless_normal(tf.shape(images), seed + 1, dtype=images.dtype)
            images = images + tf.cast(self.instance_noise_stddev(), images.dtype) * noise
        return images

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
                self._g(latents[i : i + batch_size], None if labels is None else labels[i : i + batch_size],
                        training=False, generator=generator)
                for i in range(0, num, batch_size)
            ],
            axis=0,
        ).numpy()

    @property
    def inference_generator(self):
        """The generator to sample from and export: the EMA copy when there is one."""
        return self.generator_ema if self.generator_ema is not None else self.generator

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

    # ------------------------------------------------------------------ training
    def _unpack(self, data):
        """``(images, latents, labels, fake_labels)`` from a batch (``None`` where absent)."""
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
        return images, latents, labels, fake_labels

    def _penalty(self, real, fake, seed, labels, view_seed):
        """The gradient penalty of D as it sees images: through ``discriminator_view`` with
        the real batch's seed (DiffAugment's StyleGAN2 code differentiates R1 through the
        augmentation, w.r.t. the un-augmented reals)."""
        critic = lambda x: self._d(self.discriminator_view(x, view_seed), labels)  # noqa: E731
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

    def _discriminator_loss(self, real_logits, fake_logits):
        kwargs = {}
        if self.label_smoothing and self.loss_name in ("minimax", "modified"):
            kwargs["label_smoothing"] = self.label_smoothing
        return self.loss_pair.discriminator(real_logits, fake_logits, **kwargs)

    def discriminator_step(self, real, latents, draw, labels=None, fake_labels=None):
        """One discriminator update on ``real``; returns (loss, penalty) per-replica means.

        The fake batch is G's output (through the image pool when ``image_pool_size`` is
        set). With ``label_flip`` each (real, fake) pair swaps roles with that probability.
        With ``mismatched_pairs`` (conditional models) D also learns to reject real images
        shown with a wrong label: its loss is ``(L(real, fake) + L(real, mismatched)) / 2``,
        the matching-aware discriminator of Reed et al. 2016 (seed 002's CGAN).
        """
        seed = self._step_seed(draw)
        n = tf.shape(real)[0]
        if self.num_classes and fake_labels is None:
            fake_labels = self.sample_labels(n, seed + 3)
        if latents is None:
            latents = self.sample_latents(n, seed)
        fake = self._g(latents, fake_labels, training=True)
        if self.image_pool is not None:
            fake = self.image_pool.query(fake, seed=seed + 5)
        real_in, fake_in, real_y, fake_y = real, fake, labels, fake_labels
        if self.label_flip:
            flip = tf.random.stateless_uniform([n], seed + 11) < self.label_flip
            rows = tf.reshape(flip, tf.concat([[n], tf.ones([tf.rank(real) - 1], tf.int32)], 0))
            real_in, fake_in = tf.where(rows, fake, real), tf.where(rows, real, fake)
            if self.num_classes:
                real_y, fake_y = tf.where(flip, fake_labels, labels), tf.where(flip, labels, fake_labels)
        with tf.GradientTape() as tape:
            real_logits = self._d(self.discriminator_view(real_in, seed + 13), real_y)
            fake_logits = self._d(self.discriminator_view(fake_in, seed + 17), fake_y)
            per_example = self._discriminator_loss(real_logits, fake_logits)
            if self.mismatched_pairs:
                shift = tf.random.stateless_uniform(
                    [n], seed + 19, minval=1, maxval=self.num_classes, dtype=tf.int32
                )
                wrong = (tf.cast(labels, tf.int32) + shift) % self.num_classes
                mismatched_logits = self._d(self.discriminator_view(real, seed + 23), wrong)
                per_example = 0.5 * (per_example + self._discriminator_loss(real_logits, mismatched_logits))
            penalty = tf.zeros_like(per_example)
            if self.gradient_penalty:
                penalty = self._penalty(real, fake, self._step_seed(draw + 1000), labels, view_seed=seed + 13)
            loss = self._replica_loss(per_example + self.gradient_penalty_weight * penalty, self.discriminator)
        self._apply(tape, loss, self.discriminator, self.d_optimizer)
        if self.weight_clip is not None:
            clip_weights(self.discriminator.trainable_variables, self.weight_clip)
        return tf.reduce_mean(per_example), tf.reduce_mean(penalty)

    def _feature_matching_loss(self, real, labels, fake, fake_labels, seed):
        """Salimans et al. 2016: ``mean_k (E f_k(x) - E f_k(G(z)))^2`` over the features ``f``
        of D's layer ``feature_matching_layer`` (the official improved-gan code's loss_gen),
        batch means per replica; divided by the replica count so that the summed gradients
        across replicas are their average."""
        f_real = self._d(self.discriminator_view(real, seed + 13), labels, network=self.discriminator_features)
        f_fake = self._d(self.discriminator_view(fake, seed + 17), fake_labels, network=self.discriminator_features)
        f_real = tf.stop_gradient(tf.reduce_mean(tf.reshape(f_real, [tf.shape(f_real)[0], -1]), 0))
        f_fake = tf.reduce_mean(tf.reshape(f_fake, [tf.shape(f_fake)[0], -1]), 0)
        loss = tf.reduce_mean(tf.square(f_real - f_fake))
        return loss, loss / tf.distribute.get_strategy().num_replicas_in_sync

    def generator_step(self, real, latents, labels=None, fake_labels=None):
        """One generator update; ``real`` is used by relativistic losses, feature matching
        and unrolling."""
        seed = self._step_seed(-1)
        n = tf.shape(real)[0]
        if self.num_classes and fake_labels is None:
            fake_labels = self.sample_labels(n, seed + 3)
        if latents is None:
            latents = self.sample_latents(n, seed)
        with tf.GradientTape() as tape:
            fake = self._g(latents, fake_labels, training=True)
            if self.discriminator_features is not None:
                reported, loss = self._feature_matching_loss(real, labels, fake, fake_labels, seed)
            else:
                fake_view = self.discriminator_view(fake, seed + 17)
                real_view = real
                if self.unrolled_steps or self.loss_pair.generator_needs_real:
                    real_view = self.discriminator_view(real, seed + 13)
                if self.unrolled_steps:
                    per_example = self._unrolled_generator_loss(real_view, labels, fake_view, fake_labels)
                else:
                    real_logits = None
                    if self.loss_pair.generator_needs_real:
                        real_logits = self._d(real_view, labels)
                    per_example = self.loss_pair.generator(self._d(fake_view, fake_labels), real_logits)
                reported = tf.reduce_mean(per_example)
                loss = self._replica_loss(per_example, self.generator)
        self._apply(tape, loss, self.generator, self.g_optimizer)
        if self.generator_ema is not None:
            ema_update(self.generator_ema.weights, self.generator.weights, self.ema_decay)
        return reported

    def _unrolled_generator_loss(self, real, labels, fake, fake_labels):
        """G's per-example loss under the weights D would have after ``unrolled_steps``
        updates of its own optimizer on this batch (Metz et al. 2017), differentiated back to
        G through the unrolling; D itself is not changed. With the minimax loss G minimises
        ``-L_D`` at the unrolled weights, real term included (through the unrolling it
        depends on G too), as the official notebook does; other losses use their G loss."""
        d_in = lambda x, y: [x, y] if self.num_classes else x  # noqa: E731
        real_in, fake_in = d_in(real, labels), d_in(fake, fake_labels)
        weights = unrolled.unrolled_discriminator_weights(
            self.discriminator, self.d_optimizer, self._discriminator_loss, real_in, fake_in,
            self.unrolled_steps,
        )
        if self.loss_name == "minimax":
            loss_fn = lambda fake_logits, real_logits: -self._discriminator_loss(real_logits, fake_logits)  # noqa: E731
            needs_real = True
        else:
            loss_fn, needs_real = self.loss_pair.generator, self.loss_pair.generator_needs_real
        return unrolled.unrolled_generator_loss(
            self.discriminator, weights, loss_fn, fake_in, real_in if needs_real else None
        )

    def train_step(self, data):
        if self.g_optimizer is None:
            raise RuntimeError("Call compile() before fit().")
        images, latents, labels, fake_labels = self._unpack(data)
        images = tf.convert_to_tensor(images)
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
        label_chunks = split(tf.cast(labels, tf.int32)) if labels is not None else [None] * self.n_critic

        def columns(fed):  # fed [B, 2, ...] -> (n_critic D chunks of column 0, G rows of column 1)
            if fed is None:
                return [None] * self.n_critic, None
            return split(fed[:, 0]), fed[: tf.shape(chunks[0])[0], 1]

        d_latents, g_latents = columns(latents)
        d_fake_labels, g_fake_labels = columns(
            None if fake_labels is None else tf.cast(fake_labels, tf.int32)
        )
        for i, real in enumerate(chunks):
            d_loss, penalty = self.discriminator_step(
                real, d_latents[i], draw=i, labels=label_chunks[i], fake_labels=d_fake_labels[i]
            )
        g_loss = self.generator_step(chunks[-1], g_latents, labels=label_chunks[-1],
                                     fake_labels=g_fake_labels)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        if self.penalty_tracker is not None:
            self.penalty_tracker.update_state(penalty)
        return {m.name: m.result() for m in self.metrics}


def _check_tricks(num_classes, mismatched_pairs, label_flip, instance_noise, instance_noise_steps,
                  diff_augment, image_pool_size, unrolled_steps):
    def is_int(x):
        return isinstance(x, numbers.Integral) and not isinstance(x, bool)

    def is_real(x):
        return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)

    if num_classes is not None and (not is_int(num_classes) or num_classes < 2):
        raise ValueError(f"num_classes must be an int >= 2 or None; received {num_classes!r}.")
    if not isinstance(mismatched_pairs, bool):
        raise ValueError(f"mismatched_pairs must be a bool; received {mismatched_pairs!r}.")
    if not is_real(label_flip) or not 0.0 <= label_flip < 0.5:
        raise ValueError(f"label_flip must be a probability in [0, 0.5); received {label_flip!r}.")
    if not is_real(instance_noise) or instance_noise < 0:
        raise ValueError(f"instance_noise must be a stddev >= 0; received {instance_noise!r}.")
    for name, value in (("instance_noise_steps", instance_noise_steps),
                        ("image_pool_size", image_pool_size), ("unrolled_steps", unrolled_steps)):
        if not is_int(value) or value < 0:
            raise ValueError(f"{name} must be an int >= 0; received {value!r}.")
    if diff_augment:
        augment.check_policy(diff_augment)
    if image_pool_size and num_classes:
        raise ValueError(
            "image_pool_size is for unconditional models: the pool stores images without their "
            f"labels; received image_pool_size={image_pool_size} with num_classes={num_classes}."
        )
