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
import numpy as np
import tensorflow as tf

from keras_gans.core.distributed import global_means, replica_loss
from keras_gans.losses import kl_divergence
from keras_gans.core.phases import Phase, PhaseOutput
from keras_gans.grids import interleave
from keras_gans.models.latent import LatentGAN
from keras_gans.tricks.players import discriminator_layer


# ---------------------------------------------------------------------------- loss terms
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
    """``-t log D - (1 - t) log(1 - D)`` per example with the real target ``t = 1 - s/2``
    (one-sided smoothing ``s``, as TF-GAN and Keras define it; ``keras_gans.losses``)."""
    logits = tf.cast(logits, tf.float32)
    loss = tf.nn.softplus(-logits)
    if label_smoothing:
        target = 1.0 - 0.5 * label_smoothing
        loss = target * loss + (1.0 - target) * tf.nn.softplus(logits)
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


# ---------------------------------------------------------------------------- the model
@keras.saving.register_keras_serializable(package="keras_gans")
class VAEGAN(LatentGAN):
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

    ROLES = ("generator", "discriminator", "encoder")
    OPTIMIZER_ALIASES = {**LatentGAN.OPTIMIZER_ALIASES, "e_optimizer": "encoder"}
    # The encoder is updated every step; D and Dec may skip updates (equilibrium rule), so
    # their optimizers' step counts would repeat draws.
    SEED_ROLE = "encoder"
    LOSSES = ("minimax", "modified")
    LATENT_DISTRIBUTIONS = ("normal",)  # the prior of the KL term is N(0, I)
    OPTIMIZER_COPIES = {"encoder": "generator"}  # default: a fresh copy of the generator's

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
        loss="minimax",
        **kwargs,
    ):
        if not isinstance(encoder, keras.Model):
            raise ValueError(
                "VAEGAN needs an encoder: a keras.Model from images to [mu, log_var]; received "
                f"{type(encoder).__name__}."
            )
        super().__init__(generator, discriminator, loss=loss, networks={"encoder": encoder}, **kwargs)
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
        layer = discriminator_layer(discriminator, feature_layer, "feature_layer")
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

        self.feature_layer = feature_layer
        self.reconstruction_weight = float(reconstruction_weight)
        self.real_weight = float(real_weight)
        self.equilibrium = float(equilibrium)
        self.margin = None if margin is None else float(margin)
        # D viewed as images -> (logits, Dis_l features); it shares D's layers and weights.
        # Set without Keras' attribute tracking so D's weights are counted and saved once
        # (through `discriminator`).
        object.__setattr__(
            self,
            "similarity_model",
            keras.Model(discriminator.inputs, [discriminator.outputs[0], layer.output],
                        name=f"{discriminator.name}_with_features"),
        )
        for name in ("d_loss", "g_loss", "kl", "llike", "real_cost", "fake_cost", "d_updated", "g_updated"):
            self.add_tracker(name)
        # One forward pass feeds all three updates (the official code), gated by the
        # equilibrium rule.
        self.phases = [Phase("vaegan", ("encoder", "generator", "discriminator"), "joint_step")]
        self.build_phases()

    grid_examples = 32

    def sample_grids(self, examples=None, num_samples=64, seed=0):
        """Samples, and with ``examples`` (real images) rows of x and Dec(Enc(x))."""
        grids = super().sample_grids(examples, num_samples, seed)
        if examples is not None:
            images = np.asarray(examples, np.float32)
            grids["reconstructions"] = (interleave([images, self.reconstruct(images)], 8), 8)
        return grids

    def get_config(self):
        return {
            **super().get_config(),
            "feature_layer": self.feature_layer,
            "reconstruction_weight": self.reconstruction_weight,
            "real_weight": self.real_weight,
            "equilibrium": self.equilibrium,
            "margin": self.margin,
        }

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
    def forward(self, images, noise, prior):
        """The forward pass (see the class docstring): per-example terms ``kl``, ``llike``,
        ``d``, ``g``, ``real_cost``, ``fake_cost`` and the three networks' per-replica
        losses ``e_loss``, ``g_loss``, ``d_loss``."""
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
        return {
            "kl": kl,
            "llike": llike,
            "d": d_per,
            "g": g_per,
            "real_cost": _real_cross_entropy(real_logits) if self.label_smoothing else real_ce,
            "fake_cost": 0.5 * (recon_ce + prior_ce),
            "e_loss": replica_loss(kl + llike, self.encoder),
            "g_loss": replica_loss(self.reconstruction_weight * llike + g_per, self.generator),
            "d_loss": replica_loss(d_per, self.discriminator),
        }

    def update_flags(self, real_cost, fake_cost):
        """The equilibrium rule: ``(update D, update Dec)`` as boolean scalars."""
        if self.margin is None:
            return tf.constant(True), tf.constant(True)
        low, high = self.equilibrium - self.margin, self.equilibrium + self.margin
        update_d = tf.logical_not(tf.logical_or(real_cost < low, fake_cost < low))
        update_g = tf.logical_not(tf.logical_or(real_cost > high, fake_cost > high))
        neither = tf.logical_not(tf.logical_or(update_d, update_g))
        return tf.logical_or(update_d, neither), tf.logical_or(update_g, neither)

    def phase_inputs(self, phase, batch, index):
        return batch["images"][0], batch["d_latents"][0], batch["g_latents"]

    def joint_step(self, inputs, draw):
        """The three losses from one forward pass, gated by the equilibrium rule."""
        images, noise, prior = inputs
        batch = tf.shape(images)[0]
        if noise is None:
            noise = self.sample_latents(batch, self.step_seed(0))
            prior = self.sample_latents(batch, self.step_seed(1))
        else:
            noise, prior = tf.cast(noise, tf.float32), tf.cast(prior, tf.float32)
        out = self.forward(images, noise, prior)
        real_cost, fake_cost = global_means([out["real_cost"], out["fake_cost"]], batch)
        update_d, update_g = self.update_flags(real_cost, fake_cost)
        logs = {
            "d_loss": tf.reduce_mean(out["d"]), "g_loss": tf.reduce_mean(out["g"]),
            "kl": tf.reduce_mean(out["kl"]), "llike": tf.reduce_mean(out["llike"]),
            "real_cost": real_cost, "fake_cost": fake_cost,
            "d_updated": tf.cast(update_d, tf.float32), "g_updated": tf.cast(update_g, tf.float32),
        }
        gates = {"generator": update_g, "discriminator": update_d} if self.margin is not None else None
        return PhaseOutput(
            {"encoder": out["e_loss"], "generator": out["g_loss"], "discriminator": out["d_loss"]},
            logs, gates,
        )
