"""The GAN base class: alternating discriminator / generator updates inside ``train_step``."""

import numbers

import keras
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans import tricks
from keras_gans.core.distributed import replica_loss
from keras_gans.core.phases import Phase, PhaseOutput
from keras_gans.models.latent import LatentGAN, check_positive_int, check_weight_clip

_PENALTIES = (None, "wgan", "wgan_one_sided", "dragan", "r1")


@keras.saving.register_keras_serializable(package="keras_gans")
class GAN(LatentGAN):
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
        label_smoothing: one-sided label smoothing for minimax-type D losses, TF-GAN's and
            Keras' meaning: the real target becomes 1 - s/2 (0.2 -> 0.9; 0.25 -> 0.875).
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
            (Shrivastava et al. 2017; swap probability 0.5); 0: off. A conditional model's
            pool keeps each fake with its label.
        The tricks are objects of :mod:`keras_gans.tricks` (``self.tricks``, a
        ``DiscriminatorTricks``); every model with a discriminator takes the same options.
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
        optimizers: ``{"generator": spec, "discriminator": spec}``, the optimizers
            ``compile()`` uses when called without them (the paper's settings), as Keras
            optimizers or configs (``generator_optimizer=`` / ``discriminator_optimizer=``
            work too).
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
        check_positive_int("n_critic", n_critic)
        if gradient_penalty not in _PENALTIES:
            raise ValueError(
                f"gradient_penalty must be one of {_PENALTIES}; received {gradient_penalty!r}."
            )
        weight_clip = check_weight_clip(weight_clip)
        if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral)
                                        or num_classes < 2):
            raise ValueError(f"num_classes must be an int >= 2 or None; received {num_classes!r}.")
        if not isinstance(mismatched_pairs, bool):
            raise ValueError(f"mismatched_pairs must be a bool; received {mismatched_pairs!r}.")
        trick_options = dict(label_flip=label_flip, instance_noise=instance_noise,
                             instance_noise_steps=instance_noise_steps, diff_augment=diff_augment,
                             image_pool_size=image_pool_size, feature_matching_layer=feature_matching_layer,
                             unrolled_steps=unrolled_steps)
        tricks.check_options(**trick_options)
        if unrolled_steps and (gradient_penalty or weight_clip is not None):
            raise ValueError(
                "unrolled_steps unrolls D's plain loss; it does not combine with gradient_penalty "
                f"or weight_clip (received {gradient_penalty!r}, {weight_clip!r})."
            )
        if mismatched_pairs and not num_classes:
            raise ValueError("mismatched_pairs=True needs a conditional model (num_classes).")
        super().__init__(
            generator, discriminator, latent_dim=latent_dim, loss=loss, label_smoothing=label_smoothing,
            latent_distribution=latent_distribution, ema_decay=ema_decay, **kwargs,
        )
        self.num_classes = num_classes
        self.mismatched_pairs = bool(mismatched_pairs)
        # The tricks as objects (keras_gans.tricks), attached as self.tricks and attributes.
        tricks.DiscriminatorTricks(
            discriminator, generator.output_shape[1:], condition_shape=() if num_classes else None,
            condition_dtype="int32", **trick_options).attach(self)
        self.n_critic = n_critic
        self.gradient_penalty = gradient_penalty
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.weight_clip = weight_clip
        self.add_tracker("d_loss")
        self.add_tracker("g_loss")
        if gradient_penalty:
            self.add_tracker("gp")
        self.phases = [
            Phase("discriminator", "discriminator", "discriminator_step", repeat=n_critic),
            Phase("generator", "generator", "generator_step"),
        ]
        self.build_phases()

    def get_config(self):
        return {
            **super().get_config(),
            "n_critic": self.n_critic,
            "gradient_penalty": self.gradient_penalty,
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "weight_clip": self.weight_clip,
            "num_classes": self.num_classes,
            "mismatched_pairs": self.mismatched_pairs,
            **self.tricks.options,
        }

    # ------------------------------------------------------------------ views of D
    def _d(self, images, labels, training=True, network=None):
        network = network or self.discriminator
        if self.num_classes:
            return network([images, labels], training=training)
        return network(images, training=training)

    def instance_noise_stddev(self):
        """The instance-noise standard deviation now (Sønderby et al. 2017; seed 004):
        ``instance_noise * max(0, 1 - t / instance_noise_steps)`` with ``t`` the generator
        updates so far (linear annealing to 0); constant when ``instance_noise_steps`` is 0."""
        for view in self.discriminator_views:
            if isinstance(view, tricks.InstanceNoise):
                return view.stddev(self)
        return tf.constant(self.instance_noise, tf.float32)

    def discriminator_view(self, images, seed):
        """What the discriminator sees of a batch (real or fake, in both players' steps):
        the views of ``keras_gans.tricks`` the options ask for, DiffAugment (Zhao et al.
        2020) when ``diff_augment`` is set, then Gaussian instance noise when
        ``instance_noise`` is set. The identity otherwise."""
        return tricks.apply_views(self.discriminator_views, images, seed, self)

    # ------------------------------------------------------------------ training
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

    def discriminator_step(self, inputs, draw):
        """The loss of one discriminator update on a chunk ``(real, latents, labels,
        fake_labels)``; logs D's loss (and the penalty).

        The fake batch is G's output (through the image pool when ``image_pool_size`` is
        set). With ``label_flip`` each (real, fake) pair swaps roles with that probability.
        With ``mismatched_pairs`` (conditional models) D also learns to reject real images
        shown with a wrong label: its loss is ``(L(real, fake) + L(real, mismatched)) / 2``,
        the matching-aware discriminator of Reed et al. 2016 (seed 002's CGAN).
        """
        real, latents, labels, fake_labels = inputs
        seed = self.step_seed(draw)
        n = tf.shape(real)[0]
        if self.num_classes and fake_labels is None:
            fake_labels = self.sample_labels(n, seed + 3)
        if latents is None:
            latents = self.sample_latents(n, seed)
        fake = self._g(latents, fake_labels, training=True)
        fake, fake_labels = self.tricks.pool_fakes(fake, seed + 5, fake_labels)
        real_in, fake_in, real_y, fake_y = self.tricks.flip_pairs(real, fake, seed + 11, labels, fake_labels)
        real_logits = self._d(self.discriminator_view(real_in, seed + 13), real_y)
        fake_logits = self._d(self.discriminator_view(fake_in, seed + 17), fake_y)
        per_example = self.discriminator_loss_fn(real_logits, fake_logits)
        if self.mismatched_pairs:
            shift = tf.random.stateless_uniform(
                [n], seed + 19, minval=1, maxval=self.num_classes, dtype=tf.int32
            )
            wrong = (tf.cast(labels, tf.int32) + shift) % self.num_classes
            mismatched_logits = self._d(self.discriminator_view(real, seed + 23), wrong)
            per_example = 0.5 * (per_example + self.discriminator_loss_fn(real_logits, mismatched_logits))
        logs = {"d_loss": tf.reduce_mean(per_example)}
        if self.gradient_penalty:
            penalty = self._penalty(real, fake, self.step_seed(draw + 1000), labels, view_seed=seed + 13)
            per_example = per_example + self.gradient_penalty_weight * penalty
            logs["gp"] = tf.reduce_mean(penalty)
        return PhaseOutput(replica_loss(per_example, self.discriminator), logs)

    def generator_step(self, inputs, draw):
        """The loss of one generator update; ``real`` is used by relativistic losses, feature
        matching and unrolling."""
        real, latents, labels, fake_labels = inputs
        seed = self.step_seed(-1)
        n = tf.shape(real)[0]
        if self.num_classes and fake_labels is None:
            fake_labels = self.sample_labels(n, seed + 3)
        if latents is None:
            latents = self.sample_latents(n, seed)
        fake = self._g(latents, fake_labels, training=True)
        if self.tricks.feature_matching is not None:
            features = self.discriminator_features
            reported, loss = self.tricks.feature_matching.loss(
                self._d(self.discriminator_view(real, seed + 13), labels, network=features),
                self._d(self.discriminator_view(fake, seed + 17), fake_labels, network=features))
        else:
            fake_view = self.discriminator_view(fake, seed + 17)
            real_view = real
            if self.unrolled_steps or self.loss_pair.generator_needs_real:
                real_view = self.discriminator_view(real, seed + 13)
            if self.tricks.unrolled is not None:
                d_in = lambda x, y: [x, y] if self.num_classes else x  # noqa: E731
                per_example = self.tricks.unrolled.generator_loss(
                    self.discriminator, self.d_optimizer, self.discriminator_loss_fn, self.loss_name,
                    self.loss_pair, d_in(real_view, labels), d_in(fake_view, fake_labels))
            else:
                real_logits = None
                if self.loss_pair.generator_needs_real:
                    real_logits = self._d(real_view, labels)
                per_example = self.loss_pair.generator(self._d(fake_view, fake_labels), real_logits)
            reported = tf.reduce_mean(per_example)
            loss = replica_loss(per_example, self.generator)
        return PhaseOutput(loss, {"g_loss": reported})
