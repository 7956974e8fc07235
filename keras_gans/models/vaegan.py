"""VAE-GAN (Larsen et al. 2016): a VAE whose reconstruction error is measured in D's features.

"Autoencoding beyond pixels using a learned similarity metric", Larsen, Sønderby, Larochelle
and Winther, ICML 2016. Training follows the authors' official code
(andersbll/autoencoding_beyond_pixels: ``model/aegan.py``, ``aegan.py``, ``celeba_aegan.py``)
where the paper is silent or differs; see :class:`VAEGAN` for the losses and for where we
differ and why.
"""

import math
import numbers

import keras
import tensorflow as tf

from keras_gans.models.gan import (
    GAN,
    _optimizer_from,
    _replica_id,
    _serialize_optimizer,
    _update_per_device,
    ema_update,
)

_LOSSES = ("minimax", "modified")


# ---------------------------------------------------------------------------- loss terms
def kl_divergence(mu, log_var):
    """``L_prior = KL(q(z|x) || N(0, I))`` per example for a diagonal Gaussian q.

    ``KL = -0.5 * sum_j (1 + log_var_j - mu_j^2 - exp(log_var_j))`` (Kingma & Welling 2014,
    appendix B; the official code's ``KLDivergence``).

    Args:
        mu, log_var: ``[B, latent_dim]`` mean and log-variance of q(z|x).

    Returns:
        ``[B]`` float32.
    """
    mu = tf.cast(mu, tf.float32)
    log_var = tf.cast(log_var, tf.float32)
    if mu.shape.rank != 2 or log_var.shape.rank != 2:
        raise ValueError(
            f"mu and log_var must be [batch, latent_dim]; received shapes {mu.shape} and {log_var.shape}."
        )
    return -0.5 * tf.reduce_sum(1.0 + log_var - tf.square(mu) - tf.exp(log_var), axis=-1)


def feature_reconstruction_loss(real_features, fake_features):
    """``L_llike^{Dis_l}``: the Gaussian negative log-likelihood of D's l-th layer features of
    ``x`` under a unit-variance Gaussian centred on those of the reconstruction ``x~``,
    ``0.5 * sum_k (Dis_l(x~)_k - Dis_l(x)_k)^2`` per example.

    The constant ``0.5 * K * log(2 pi)`` of the official ``GaussianNegLogLikelihood`` is
    dropped (it has no gradient).

    Args:
        real_features, fake_features: ``[B, ...]`` features of real images and of their
            reconstructions.

    Returns:
        ``[B]`` float32.
    """
    real_features = tf.cast(real_features, tf.float32)
    fake_features = tf.cast(fake_features, tf.float32)
    if real_features.shape.rank is not None and real_features.shape.rank < 2:
        raise ValueError(f"features must be [batch, ...]; received shape {real_features.shape}.")
    diff = tf.reshape(fake_features - real_features, [tf.shape(real_features)[0], -1])
    return 0.5 * tf.reduce_sum(tf.square(diff), axis=1)


def _per_example(x):
    return tf.reduce_mean(tf.reshape(tf.cast(x, tf.float32), [tf.shape(x)[0], -1]), axis=1)


def _real_cross_entropy(logits, label_smoothing=0.0):
    """``-(1 - s) log D - s log(1 - D)`` per example (target 1, one-sided smoothing s)."""
    logits = tf.cast(logits, tf.float32)
    loss = tf.nn.softplus(-logits)
    if label_smoothing:
        loss = (1.0 - label_smoothing) * loss + label_smoothing * tf.nn.softplus(logits)
    return _per_example(loss)


def _fake_cross_entropy(logits):
    """``-log(1 - D)`` per example (target 0)."""
    return _per_example(tf.nn.softplus(tf.cast(logits, tf.float32)))


# ---------------------------------------------------------------------------- lr schedule
@keras.saving.register_keras_serializable(package="keras_gans")
class GammaAnnealing(keras.optimizers.schedules.LearningRateSchedule):
    """``lr = initial - t ** gamma * (initial - final)`` with ``t = stage / decay_steps`` (<= 1).

    deeppy's ``GammaAnnealer``, which the VAE-GAN authors' code (``aegan.py``) uses per epoch:
    ``stage`` is the step rounded down to a multiple of ``steps_per_stage`` (their epoch of
    250 updates). After ``decay_steps`` the rate stays at ``final``.

    Args:
        initial_learning_rate, final_learning_rate: the rates at step 0 and at ``decay_steps``.
        decay_steps: steps over which the rate anneals.
        gamma: the exponent (0.75 in the code).
        steps_per_stage: the rate changes once every this many steps (1: every step).
    """

    def __init__(self, initial_learning_rate, final_learning_rate, decay_steps, gamma=1.0, steps_per_stage=1):
        for name, value in (("initial_learning_rate", initial_learning_rate),
                            ("final_learning_rate", final_learning_rate), ("gamma", gamma)):
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a non-negative finite number; received {value!r}.")
        for name, value in (("decay_steps", decay_steps), ("steps_per_stage", steps_per_stage)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int; received {value!r}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.final_learning_rate = float(final_learning_rate)
        self.decay_steps = decay_steps
        self.gamma = float(gamma)
        self.steps_per_stage = steps_per_stage

    def __call__(self, step):
        # float64: near the end the difference of two close rates loses digits in float32.
        step = tf.cast(step, tf.float64)
        stage = tf.floor(step / self.steps_per_stage) * self.steps_per_stage
        t = tf.minimum(stage / self.decay_steps, 1.0)
        rate = self.initial_learning_rate - tf.pow(t, self.gamma) * (
            self.initial_learning_rate - self.final_learning_rate
        )
        return tf.cast(rate, tf.float32)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "final_learning_rate": self.final_learning_rate,
            "decay_steps": self.decay_steps,
            "gamma": self.gamma,
            "steps_per_stage": self.steps_per_stage,
        }


# ---------------------------------------------------------------------------- gated updates
def _unwrap(v):
    return v.value if isinstance(v, keras.Variable) else v


def _read(variables):
    """Current values of ``variables`` (this replica's copy under a strategy)."""
    return [tf.identity(_unwrap(v)) for v in variables]


def _restore_unless(keep, variables, saved):
    """``var = var if keep else saved`` for each variable, replica-safe: undoes an update that
    the equilibrium rule skips. ``keep`` must be the same on every replica."""

    def restore(var, old, flag):
        return var.assign(tf.where(flag, var, tf.cast(old, var.dtype)))

    _update_per_device(variables, restore, args=[(old, keep) for old in saved])


# ---------------------------------------------------------------------------- the model
@keras.saving.register_keras_serializable(package="keras_gans")
class VAEGAN(GAN):
    """VAE-GAN: encoder, decoder (= the GAN's generator) and discriminator trained together.

    Larsen et al. 2016, "Autoencoding beyond pixels using a learned similarity metric".
    For a batch of real images ``x`` each ``train_step`` does one forward pass:

    * ``mu, log_var = Enc(x)``, ``z = mu + exp(log_var / 2) * eps``, ``x~ = Dec(z)``;
      ``z_p ~ N(0, I)``, ``x_p = Dec(z_p)``;
    * D sees the batch ``[x, x~, x_p]`` once and gives logits and the features
      ``Dis_l`` of ``feature_layer``;
    * ``L_prior = KL(q(z|x) || N(0, I))`` (:func:`kl_divergence`);
      ``L_llike = 0.5 * ||Dis_l(x~) - Dis_l(x)||^2`` (:func:`feature_reconstruction_loss`);
    * ``L_D = r * CE(D(x), 1) + (1 - r) / 2 * (CE(D(x~), 0) + CE(D(x_p), 0))`` with
      ``r = real_weight`` (the official code's ``real_vs_gen_weight``, a gradient weighting of
      real against generated examples; 0.66 in its CelebA script);
    * ``L_G = g(D(x~)) + g(D(x_p))`` with ``g(d) = log(1 - d)`` (``loss="minimax"``, the
      official code: the decoder ascends D's own cross-entropy) or ``-log d``
      (``loss="modified"``, non-saturating);

    then three updates from those same values (the official code updates all three networks
    from one forward/backward pass, not in turn):

    * Enc minimises ``L_prior + L_llike`` (no GAN gradient reaches it);
    * Dec minimises ``gamma * L_llike + L_G`` (the paper's ``gamma L_llike - L_GAN``), gamma =
      ``reconstruction_weight``;
    * D minimises ``L_D`` (``L_llike`` does not train D).

    Equilibrium rule (official code, ``GradientDescent.train_epoch``; not in the paper): with
    ``c_real`` = mean ``-log D(x)`` and ``c_fake`` = mean ``-log(1 - D)`` over ``x~`` and
    ``x_p`` (global batch means, so every replica decides the same), D is not updated when
    either cost is below ``equilibrium - margin`` (D is winning), Dec is not updated when
    either is above ``equilibrium + margin`` (D is losing), and both are updated when both
    rules fire. ``margin=None`` turns the rule off. A skipped network's weights and optimizer
    state (slots, iteration count) are restored to their values before the step, which is the
    code's "no step" exactly; the forward pass still moves batch-norm statistics, as there.

    Data: batches of ``images``, ``(images, labels)`` (labels ignored) or dicts
    ``{"images": ..., "latents": ...}`` whose ``latents`` ``[B, 2, latent_dim]`` replace the
    random draws: ``latents[:, 0]`` is the reparameterisation noise ``eps`` and
    ``latents[:, 1]`` the prior samples ``z_p`` (reproducible across device counts).

    Where we differ from the official code, and why:

    * D sees ``[x, x~, x_p]`` in one pass and the features for ``L_llike`` come from that same
      pass, and Dec decodes ``[z, z_p]`` in one pass; the code runs D a second time on
      ``[x~, x]`` (and Dec a second time on ``z``) for the reconstruction path. Same losses and
      weights, one forward pass per network instead of two; batch-norm statistics are taken
      over the joint batch.
    * Losses use logits and a stable log-sigmoid; the code applies a sigmoid and adds 1e-3
      inside each log. The equilibrium costs are exact cross-entropies accordingly.
    * The loss is averaged over the batch where the code sums it and divides the learning rate
      by the batch size: the same RMSProp step.
    * ``generate()``, ``reconstruct()`` and ``encode()`` use batch-norm moving averages;
      the code's test phase keeps a running mean of 1/std instead of the variance.
    * A learning-rate schedule (the presets' :class:`GammaAnnealing`) runs on each
      optimizer's own step count, so D's and Dec's lag the encoder's by their skipped
      updates; the code anneals all three by the epoch.

    Args:
        generator: the decoder, ``[B, latent_dim]`` -> images.
        discriminator: ``keras.Model`` images -> logits ``[B, 1]`` with a layer named
            ``feature_layer``.
        encoder: ``keras.Model`` images -> ``[mu, log_var]``, each ``[B, latent_dim]``.
        feature_layer: name of D's layer whose output is the learned similarity metric
            ``Dis_l`` (``"conv4"`` for :func:`keras_gans.networks.vaegan.vaegan_discriminator`:
            the last convolution before its batch norm, the official ``recon_depth=9``).
        reconstruction_weight: gamma, the weight of ``L_llike`` in the decoder's loss
            (``1e-5 / (1 - 1e-5)`` in the official CelebA script, whose decoder minimises
            ``1e-5 * L_llike + (1 - 1e-5) * L_G``).
        real_weight: r above, in (0, 1) (0.5 is an even split; 0.66 in the CelebA script).
        equilibrium, margin: the equilibrium rule (0.68 and 0.35 in the code); ``margin=None``
            turns it off.
        encoder_optimizer: Keras optimizer config the encoder uses when ``compile()`` gets
            none; by default a copy of the generator's optimizer.
        loss: ``"minimax"`` (official) or ``"modified"``; D's loss is the cross-entropy
            either way.
        **kwargs: the :class:`keras_gans.models.gan.GAN` arguments (``latent_dim``,
            ``label_smoothing``, ``ema_decay``, ``generator_optimizer``,
            ``discriminator_optimizer``, ``seed``, ``name``). The prior must be
            ``latent_distribution="normal"``; ``n_critic`` must be 1, and the GAN's
            penalties, weight clipping and class-conditional / D-input tricks are not
            supported.

    Example:
        >>> from keras_gans import presets
        >>> vaegan = presets.build("vaegan_tiny")
        >>> vaegan.compile()  # RMSProp for all three networks, as in the official code
        >>> vaegan.fit(dataset_of_images, epochs=1)
        >>> samples = vaegan.generate(16)
        >>> reconstructions = vaegan.reconstruct(images)
    """

    NETWORK_KEYS = GAN.NETWORK_KEYS + ("encoder",)

    def __init__(
        self,
        generator,
        discriminator,
        encoder=None,
        feature_layer="conv4",
        reconstruction_weight=1e-5 / (1.0 - 1e-5),
        real_weight=0.5,
        equilibrium=0.68,
        margin=0.35,
        encoder_optimizer=None,
        loss="minimax",
        **kwargs,
    ):
        super().__init__(generator, discriminator, loss=loss, **kwargs)
        if loss not in _LOSSES:
            raise ValueError(f"VAEGAN's loss must be one of {_LOSSES}; received {loss!r}.")
        unsupported = {
            "n_critic": (getattr(self, "n_critic", 1), 1),
            "gradient_penalty": (getattr(self, "gradient_penalty", None), None),
            "weight_clip": (getattr(self, "weight_clip", None), None),
            "latent_distribution": (getattr(self, "latent_distribution", "normal"), "normal"),
            "num_classes": (getattr(self, "num_classes", None), None),
            "mismatched_pairs": (bool(getattr(self, "mismatched_pairs", False)), False),
            "label_flip": (float(getattr(self, "label_flip", 0.0)), 0.0),
            "instance_noise": (float(getattr(self, "instance_noise", 0.0)), 0.0),
            "diff_augment": (getattr(self, "diff_augment", None), None),
            "image_pool_size": (int(getattr(self, "image_pool_size", 0)), 0),
            "feature_matching_layer": (getattr(self, "feature_matching_layer", None), None),
            "unrolled_steps": (int(getattr(self, "unrolled_steps", 0)), 0),
        }
        for name, (value, expected) in unsupported.items():
            if value != expected:
                raise ValueError(
                    f"VAEGAN supports {name}={expected!r} only (the prior is N(0, I) and one "
                    f"forward pass feeds all three updates); received {name}={value!r}."
                )
        if not isinstance(encoder, keras.Model):
            raise ValueError(
                "VAEGAN needs an encoder: a keras.Model from images to [mu, log_var]; received "
                f"{type(encoder).__name__}."
            )
        outputs = encoder.outputs if hasattr(encoder, "outputs") else None
        if not outputs or len(outputs) != 2 or any(
            tuple(o.shape[1:]) != (self.latent_dim,) for o in outputs
        ):
            shapes = None if not outputs else [tuple(o.shape) for o in outputs]
            raise ValueError(
                f"The encoder must return [mu, log_var], each of shape [B, {self.latent_dim}] "
                f"(the latent size); received outputs of shapes {shapes}."
            )
        image_shape = tuple(generator.output_shape[1:])
        for what, shape in (("encoder", encoder.input_shape), ("discriminator", discriminator.input_shape)):
            if tuple(shape[1:]) != image_shape:
                raise ValueError(
                    f"The {what} takes images of shape {tuple(shape[1:])} but the generator makes "
                    f"{image_shape}; they must match."
                )
        try:
            layer = discriminator.get_layer(feature_layer)
        except ValueError as err:
            names = [l.name for l in discriminator.layers]
            raise ValueError(
                f"feature_layer={feature_layer!r} is not a layer of the discriminator; its layers "
                f"are {names}."
            ) from err
        for name, value, low, high in (("real_weight", real_weight, 0.0, 1.0),):
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or not low < value < high:
                raise ValueError(f"{name} must be in ({low}, {high}); received {value!r}.")
        for name, value in (("reconstruction_weight", reconstruction_weight), ("equilibrium", equilibrium)):
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a non-negative finite number; received {value!r}.")
        if margin is not None and (
            not isinstance(margin, numbers.Real) or isinstance(margin, bool) or not math.isfinite(margin)
            or margin <= 0
        ):
            raise ValueError(f"margin must be a positive finite number or None; received {margin!r}.")

        self.encoder = encoder
        self.feature_layer = feature_layer
        self.reconstruction_weight = float(reconstruction_weight)
        self.real_weight = float(real_weight)
        self.equilibrium = float(equilibrium)
        self.margin = None if margin is None else float(margin)
        self.encoder_optimizer_config = _serialize_optimizer(encoder_optimizer)
        # D viewed as images -> (logits, Dis_l features); it shares D's layers and weights.
        # Set without Keras' attribute tracking so D's weights are counted and saved once
        # (through `discriminator`).
        object.__setattr__(
            self,
            "similarity_model",
            keras.Model(discriminator.inputs, [discriminator.outputs[0], layer.output],
                        name=f"{discriminator.name}_with_features"),
        )
        self.e_optimizer = None
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.llike_tracker = keras.metrics.Mean(name="llike")
        self.real_cost_tracker = keras.metrics.Mean(name="real_cost")
        self.fake_cost_tracker = keras.metrics.Mean(name="fake_cost")
        self.d_updated_tracker = keras.metrics.Mean(name="d_updated")
        self.g_updated_tracker = keras.metrics.Mean(name="g_updated")

    # ------------------------------------------------------------------ compile / config
    def compile(self, g_optimizer=None, d_optimizer=None, e_optimizer=None, **kwargs):
        """Sets the three optimizers; ``None`` takes the setting given at construction (the
        encoder's defaults to a fresh copy of the generator's optimizer)."""
        super().compile(g_optimizer=g_optimizer, d_optimizer=d_optimizer, **kwargs)
        e_spec = e_optimizer if e_optimizer is not None else self.encoder_optimizer_config
        if e_spec is None:
            e_spec = keras.optimizers.serialize(self.g_optimizer)
        self.e_optimizer = _optimizer_from(e_spec, "e_optimizer")
        if self.e_optimizer is self.g_optimizer or self.e_optimizer is self.d_optimizer:
            raise ValueError("e_optimizer must be a different object from g_optimizer and d_optimizer.")
        self.e_optimizer.build(self.encoder.trainable_variables)

    def get_compile_config(self):
        config = super().get_compile_config()
        if config is None:
            return None
        config["e_optimizer"] = keras.optimizers.serialize(self.e_optimizer)
        return config

    def compile_from_config(self, config):
        config = dict(config)
        g = keras.optimizers.deserialize(config.pop("g_optimizer"))
        d = keras.optimizers.deserialize(config.pop("d_optimizer"))
        e = keras.optimizers.deserialize(config.pop("e_optimizer"))
        keep = ("jit_compile", "steps_per_execution", "run_eagerly")
        self.compile(g_optimizer=g, d_optimizer=d, e_optimizer=e, **{k: config[k] for k in keep if k in config})

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "feature_layer": self.feature_layer,
                "reconstruction_weight": self.reconstruction_weight,
                "real_weight": self.real_weight,
                "equilibrium": self.equilibrium,
                "margin": self.margin,
                "encoder_optimizer": self.encoder_optimizer_config,
            }
        )
        return config

    @property
    def metrics(self):
        return [
            self.d_loss_tracker, self.g_loss_tracker, self.kl_tracker, self.llike_tracker,
            self.real_cost_tracker, self.fake_cost_tracker, self.d_updated_tracker, self.g_updated_tracker,
        ]

    # ------------------------------------------------------------------ encoding
    def _check_images(self, images):
        images = tf.convert_to_tensor(images, tf.float32)
        expected = tuple(self.encoder.input_shape[1:])
        if images.shape.rank != 4 or tuple(images.shape[1:]) != expected:
            raise ValueError(
                f"images must have shape [N, {', '.join(map(str, expected))}] (in [-1, 1]); "
                f"received {tuple(images.shape)}."
            )
        return images

    def encode(self, images, batch_size=256):
        """``(mu, log_var)`` of q(z|x) for ``images`` ``[N, H, W, C]`` in [-1, 1], as NumPy."""
        images = self._check_images(images)
        parts = [
            self.encoder(images[i : i + batch_size], training=False)
            for i in range(0, images.shape[0], batch_size)
        ]
        return (tf.concat([p[0] for p in parts], 0).numpy(), tf.concat([p[1] for p in parts], 0).numpy())

    def reconstruct(self, images, sample=False, seed=0, use_ema=True, batch_size=256):
        """``Dec(Enc(x))`` for ``images`` ``[N, H, W, C]`` in [-1, 1], as NumPy in [-1, 1].

        Args:
            images: real images.
            sample: decode a draw ``z ~ q(z|x)`` (seeded by ``seed``) instead of its mean
                (the official code decodes the mean at test time).
            seed: integer seed for ``sample=True``.
            use_ema: use the EMA decoder when the model keeps one.
            batch_size: batch size of the encoder and decoder calls.
        """
        mu, log_var = self.encode(images, batch_size=batch_size)
        z = tf.constant(mu)
        if sample:
            noise = tf.random.stateless_normal(tf.shape(z), tf.constant([int(seed), 1]))
            z = z + tf.exp(0.5 * tf.constant(log_var)) * noise
        return self.generate(latents=z, use_ema=use_ema, batch_size=batch_size)

    # ------------------------------------------------------------------ training
    def _step_seed(self, draw):
        # The encoder is updated every step; D and Dec may skip updates (equilibrium rule),
        # so their optimizers' step counts would repeat draws.
        step = tf.cast(self.e_optimizer.iterations, tf.int32)
        return tf.stack([self.seed + 7919 * draw + 104729 * _replica_id(), step])

    @staticmethod
    def _unpack_batch(data):
        latents = None
        if isinstance(data, dict):
            if "images" not in data:
                raise ValueError(f"A dict batch needs an 'images' key; received keys {sorted(data)}.")
            images, latents = data["images"], data.get("latents")
        elif isinstance(data, (tuple, list)):
            images = data[0]
        else:
            images = data
        return tf.convert_to_tensor(images), latents

    def _global_means(self, per_example_terms, batch):
        """Means over the global batch (all replicas) of ``[B]`` vectors."""
        sums = tf.stack([tf.reduce_sum(t) for t in per_example_terms])
        context = tf.distribute.get_replica_context()
        replicas = 1
        if context is not None:
            sums = context.all_reduce(tf.distribute.ReduceOp.SUM, sums)
            replicas = context.num_replicas_in_sync
        return tf.unstack(sums / tf.cast(batch * replicas, tf.float32))

    def losses_and_gradients(self, images, noise, prior):
        """The forward pass and the three networks' gradients (see the class docstring).

        Returns a dict with the per-example terms (``kl``, ``llike``, ``d``, ``g``,
        ``real_cost``, ``fake_cost``) and the gradients (``e_grads``, ``g_grads``,
        ``d_grads``, in ``trainable_variables`` order).
        """
        with tf.GradientTape(persistent=True) as tape:
            mu, log_var = self.encoder(images, training=True)
            mu, log_var = tf.cast(mu, tf.float32), tf.cast(log_var, tf.float32)
            z = mu + tf.exp(0.5 * log_var) * noise
            decoded = self.generator(tf.concat([z, tf.cast(prior, z.dtype)], 0), training=True)
            logits, features = self.similarity_model(
                tf.concat([tf.cast(images, decoded.dtype), decoded], 0), training=True
            )
            real_logits, recon_logits, prior_logits = tf.split(logits, 3)
            real_features, recon_features, _ = tf.split(features, 3)

            kl = kl_divergence(mu, log_var)
            llike = feature_reconstruction_loss(real_features, recon_features)
            real_ce = _real_cross_entropy(real_logits, self.label_smoothing)
            recon_ce, prior_ce = _fake_cross_entropy(recon_logits), _fake_cross_entropy(prior_logits)
            d_per = self.real_weight * real_ce + 0.5 * (1.0 - self.real_weight) * (recon_ce + prior_ce)
            g_per = self.loss_pair.generator(recon_logits) + self.loss_pair.generator(prior_logits)

            e_loss = self._replica_loss(kl + llike, self.encoder)
            g_loss = self._replica_loss(self.reconstruction_weight * llike + g_per, self.generator)
            d_loss = self._replica_loss(d_per, self.discriminator)
        result = {
            "kl": kl,
            "llike": llike,
            "d": d_per,
            "g": g_per,
            "real_cost": _real_cross_entropy(real_logits) if self.label_smoothing else real_ce,
            "fake_cost": 0.5 * (recon_ce + prior_ce),
            "e_grads": tape.gradient(e_loss, self.encoder.trainable_variables),
            "g_grads": tape.gradient(g_loss, self.generator.trainable_variables),
            "d_grads": tape.gradient(d_loss, self.discriminator.trainable_variables),
        }
        del tape
        return result

    def update_flags(self, real_cost, fake_cost):
        """The equilibrium rule: ``(update D, update Dec)`` as boolean scalars."""
        if self.margin is None:
            return tf.constant(True), tf.constant(True)
        low, high = self.equilibrium - self.margin, self.equilibrium + self.margin
        update_d = tf.logical_not(tf.logical_or(real_cost < low, fake_cost < low))
        update_g = tf.logical_not(tf.logical_or(real_cost > high, fake_cost > high))
        neither = tf.logical_not(tf.logical_or(update_d, update_g))
        return tf.logical_or(update_d, neither), tf.logical_or(update_g, neither)

    def train_step(self, data):
        if self.g_optimizer is None or self.e_optimizer is None:
            raise RuntimeError("Call compile() before fit().")
        images, latents = self._unpack_batch(data)
        batch = tf.shape(images)[0]
        if latents is None:
            noise = self.sample_latents(batch, self._step_seed(0))
            prior = self.sample_latents(batch, self._step_seed(1))
        else:
            latents = tf.convert_to_tensor(latents, tf.float32)
            noise, prior = latents[:, 0], latents[:, 1]
        out = self.losses_and_gradients(images, noise, prior)
        real_cost, fake_cost = self._global_means([out["real_cost"], out["fake_cost"]], batch)
        update_d, update_g = self.update_flags(real_cost, fake_cost)

        e_vars = self.encoder.trainable_variables
        g_vars = self.generator.trainable_variables
        d_vars = self.discriminator.trainable_variables
        g_state = g_vars + list(self.g_optimizer.variables)
        d_state = d_vars + list(self.d_optimizer.variables)
        gated = self.margin is not None
        if gated:
            g_saved, d_saved = _read(g_state), _read(d_state)
        self.e_optimizer.apply_gradients(zip(out["e_grads"], e_vars))
        self.g_optimizer.apply_gradients(zip(out["g_grads"], g_vars))
        self.d_optimizer.apply_gradients(zip(out["d_grads"], d_vars))
        if gated:
            _restore_unless(update_g, g_state, g_saved)
            _restore_unless(update_d, d_state, d_saved)
        if self.generator_ema is not None:
            ema_update(self.generator_ema.weights, self.generator.weights, self.ema_decay)

        self.d_loss_tracker.update_state(tf.reduce_mean(out["d"]))
        self.g_loss_tracker.update_state(tf.reduce_mean(out["g"]))
        self.kl_tracker.update_state(tf.reduce_mean(out["kl"]))
        self.llike_tracker.update_state(tf.reduce_mean(out["llike"]))
        self.real_cost_tracker.update_state(real_cost)
        self.fake_cost_tracker.update_state(fake_cost)
        self.d_updated_tracker.update_state(tf.cast(update_d, tf.float32))
        self.g_updated_tracker.update_state(tf.cast(update_g, tf.float32))
        return {m.name: m.result() for m in self.metrics}
