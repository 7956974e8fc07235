"""VEEGAN: a reconstructor network F: x -> z and a discriminator on (z, x) pairs.

Srivastava, Valkov, Russell, Gutmann & Sutton, "VEEGAN: Reducing Mode Collapse in GANs using
Implicit Variational Learning", NeurIPS 2017; official code github akashgit/VEEGAN (the 2-D
ring / grid notebook, TensorFlow 1, and an MNIST notebook in Julia/Knet).

The generator G maps noise z ~ p0 to data; the reconstructor F maps data back to noise. A
discriminator D on joint pairs tells generator pairs (z, G(z)) from reconstructor pairs
(F(x), x), x ~ data. D is trained with the usual cross-entropy; G and F minimise the paper's
bound (Algorithm 1)

    O(G, F) = mean_i D_official(z_i, G(z_i)) + mean_i d(z_i, F(G(z_i))),

an estimate of KL(q(x|z) p0(z) || p(z|x) p(x)) through the discriminator's logit (the log
density ratio at D's optimum) plus an autoencoder loss on the *noise* (F gets only this
term's gradient; G gets both). In the official 2-D code the reconstructor is Gaussian,
p(z|x) = N(F(x), I), so D sees reconstructor pairs with z = F(x) + N(0, I) noise and the
reconstruction term is -log N(z; F(G(z)), I) = 0.5 * ||z - F(G(z))||^2 + const; that is our
default (``reconstructor_noise_std=1``, ``reconstruction_weight=0.5``).

Sign convention: the official 2-D code labels generator pairs 1 and reconstructor pairs 0 and
G minimises +logit; we use the library's convention (``keras_gans.losses``): reconstructor
pairs play "real" (target 1), generator pairs "fake" (target 0), so our logit is the negative
of theirs and G's adversarial term is ``-D(z, G(z))`` per example (the Wasserstein-form
generator loss). The updates are identical.

Where we differ from the official code, and why:

* it updates D and (G, F) simultaneously from one batch (one ``sess.run`` of both train ops);
  our ``train_step`` alternates (D first), as every GAN in this library does;
* it trains G and F with one Adam optimizer over both networks' variables; we keep a third
  optimizer for F (``reconstructor_optimizer``, by default a copy of the generator's), which
  is the same update, since Adam acts per parameter. (It also shares that Adam object with
  D, whose TF1 beta-power accumulators are then advanced by both train ops; we do not copy
  that quirk.)
* the official 2-D generator takes an extra 1-dimensional N(0, 1) input besides its 254-d
  noise, which does not enter D's pairs or the reconstruction; our generators take z only.

Data: elements as for :class:`~keras_gans.models.gan.GAN` (fed ``latents`` make a run
reproducible across device counts; the reconstructor noise is drawn from the step seed and
replica, so turn it off, ``reconstructor_noise_std=0``, to compare device counts exactly).
"""


import keras
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans.core.distributed import replica_loss
from keras_gans.core.phases import Phase, PhaseOutput
from keras_gans.models.latent import LatentGAN, check_positive_int, check_weight_clip


@keras.saving.register_keras_serializable(package="keras_gans")
class VEEGAN(LatentGAN):
    """VEEGAN (Srivastava et al. 2017): generator, reconstructor and a joint discriminator.

    Args:
        generator: ``keras.Model`` mapping ``[B, latent_dim]`` noise to data.
        discriminator: ``keras.Model`` called as ``discriminator([z, x])`` on a batch of
            latents ``[B, latent_dim]`` and data ``[B, ...]``, returning logits ``[B, ...]``
            (e.g. ``preset_defs.veegan.joint_mlp_discriminator``).
        reconstructor: ``keras.Model`` F mapping data to ``[B, latent_dim]``.
        reconstruction_weight: weight of ``||z - F(G(z))||^2`` (summed over latent dims) in
            the G/F loss; 0.5 is the official 2-D code's unit-variance Gaussian likelihood,
            1.0 its MNIST notebook's squared error.
        reconstructor_noise_std: std of the Gaussian noise added to F(x) in the pairs D sees
            (the Gaussian reconstructor p(z|x) = N(F(x), std^2 I) of the official 2-D code:
            1.0); 0 makes F deterministic (the MNIST notebook).
        n_critic: D updates per G/F update, each on its own chunk of the batch (as in GAN).
        weight_clip: clip D's weights to ``[-c, c]`` after each D update (as in GAN).
        loss: ``"minimax"`` or ``"modified"``; both give D the sigmoid cross-entropy. G's
            adversarial term is always the paper's raw logit, not a GAN generator loss.
        **kwargs: the :class:`~keras_gans.models.latent.LatentGAN` arguments
            (``label_smoothing``, ``latent_distribution``, ``ema_decay``, ``optimizers`` with
            a ``"reconstructor"`` entry or ``reconstructor_optimizer=``, used by ``compile()``
            when no ``r_optimizer`` is given; ``None`` copies the generator optimizer's
            settings; ``seed``). The GAN's D-view options (penalties, conditioning,
            augmentation, ...) are :class:`~keras_gans.models.gan.GAN`'s, not VEEGAN's: its D
            takes (z, x) pairs.

    Example:
        >>> from keras_gans import presets
        >>> from keras_gans.data import mixtures
        >>> gan = presets.build("mixture_veegan")
        >>> gan.compile()   # the official Adam(1e-3, beta_1=0.5) for G, F and D
        >>> gan.fit(mixtures.load("ring8", batch_size=500), steps_per_epoch=1000)
    """

    ROLES = ("generator", "discriminator", "reconstructor")
    OPTIMIZER_ALIASES = {**LatentGAN.OPTIMIZER_ALIASES, "r_optimizer": "reconstructor"}
    LOSSES = ("minimax", "modified")
    OPTIMIZER_COPIES = {"reconstructor": "generator"}  # the official code: one Adam for G and F

    def __init__(
        self,
        generator,
        discriminator,
        reconstructor=None,
        reconstruction_weight=0.5,
        reconstructor_noise_std=1.0,
        n_critic=1,
        weight_clip=None,
        loss="minimax",
        **kwargs,
    ):
        if not isinstance(reconstructor, keras.Model):
            raise ValueError(
                "reconstructor must be a keras.Model mapping data to latents; received "
                f"{type(reconstructor).__name__}."
            )
        check_positive_int("n_critic", n_critic)
        weight_clip = check_weight_clip(weight_clip)
        super().__init__(generator, discriminator, loss=loss, networks={"reconstructor": reconstructor},
                         **kwargs)
        out = reconstructor.output_shape
        if not isinstance(out, tuple) or len(out) != 2 or out[-1] != self.latent_dim:
            raise ValueError(
                f"reconstructor must output [B, latent_dim={self.latent_dim}]; received output "
                f"shape {out}."
            )
        if len(discriminator.inputs) != 2:
            raise ValueError(
                "discriminator must take two inputs [z, x] (latents, data); received a model "
                f"with {len(discriminator.inputs)} input(s)."
            )
        z_shape = tuple(discriminator.inputs[0].shape[1:])
        if z_shape != (self.latent_dim,):
            raise ValueError(
                f"discriminator's first input must be the latents, shape ({self.latent_dim},); "
                f"received {z_shape}."
            )
        for name, value in (("reconstruction_weight", reconstruction_weight),
                            ("reconstructor_noise_std", reconstructor_noise_std)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"{name} must be a non-negative number; received {value!r}.")
        self.reconstruction_weight = float(reconstruction_weight)
        self.reconstructor_noise_std = float(reconstructor_noise_std)
        self.n_critic = n_critic
        self.weight_clip = weight_clip
        for name in ("d_loss", "g_loss", "recon"):
            self.add_tracker(name)
        self.phases = [
            Phase("discriminator", "discriminator", "discriminator_step", repeat=n_critic),
            Phase("generator", ("generator", "reconstructor"), "generator_step"),
        ]
        self.build_phases()

    def get_config(self):
        return {
            **super().get_config(),
            "reconstruction_weight": self.reconstruction_weight,
            "reconstructor_noise_std": self.reconstructor_noise_std,
            "n_critic": self.n_critic,
            "weight_clip": self.weight_clip,
        }

    # ------------------------------------------------------------------ training
    def reconstructor_noise(self, shape, draw):
        """The N(0, std^2) noise added to F(x) in D's pairs for critic step ``draw``."""
        return self.reconstructor_noise_std * tf.random.stateless_normal(
            shape, self.step_seed(draw + 2000)
        )

    def discriminator_step(self, inputs, draw):
        """One D update on generator pairs (z, G(z)) vs reconstructor pairs (F(x) + noise, x)."""
        real, latents, _, _ = inputs
        if latents is None:
            latents = self.sample_latents(tf.shape(real)[0], self.step_seed(draw))
        fake = self.generator(latents, training=True)
        inferred = self.reconstructor(real, training=True)
        if self.reconstructor_noise_std:
            inferred = inferred + self.reconstructor_noise(tf.shape(inferred), draw)
        real_logits = self.discriminator([inferred, real], training=True)
        fake_logits = self.discriminator([latents, fake], training=True)
        per_example = self.discriminator_loss_fn(real_logits, fake_logits)
        return PhaseOutput(replica_loss(per_example, self.discriminator), {"d_loss": tf.reduce_mean(per_example)})

    def generator_step(self, inputs, draw):
        """One joint update of G and F on ``-D(z, G(z)) + w * ||z - F(G(z))||^2``.

        Of the inputs, ``real`` only sets the batch size of the latent draw (VEEGAN is
        unconditional).
        """
        real, latents, _, _ = inputs
        if latents is None:
            latents = self.sample_latents(tf.shape(real)[0], self.step_seed(-1))
        fake = self.generator(latents, training=True)
        fake_logits = self.discriminator([latents, fake], training=True)
        adversarial = losses_lib.wasserstein_generator_loss(fake_logits)  # -D(z, G(z))
        reconstructed = self.reconstructor(fake, training=True)
        recon = tf.reduce_sum(tf.square(tf.cast(latents, reconstructed.dtype) - reconstructed), -1)
        per_example = adversarial + self.reconstruction_weight * tf.cast(recon, adversarial.dtype)
        loss = replica_loss(per_example, self.generator, self.reconstructor)
        return PhaseOutput(loss, {"g_loss": tf.reduce_mean(per_example), "recon": tf.reduce_mean(recon)})
