"""``SuperResolution``: SRGAN, ESRGAN and Real-ESRGAN's training scheme on (low, high) pairs."""

import keras
import numpy as np
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans import upscale
from keras_gans.core.distributed import replica_loss
from keras_gans.core.model import AdversarialModel, checked_images, non_negative_weight
from keras_gans.core.phases import Phase, PhaseOutput
from keras_gans.grids import interleave
from keras_gans.losses import perceptual as perceptual_lib
from keras_gans.losses import reconstruction


@keras.saving.register_keras_serializable(package="keras_gans")
class SuperResolution(AdversarialModel):
    """Super-resolution with a pixel loss, a perceptual loss and a discriminator, as BasicSR's
    ``SRModel`` -> ``SRGANModel`` -> ``ESRGANModel`` -> ``RealESRGANModel`` train.

    The networks work in [0, 1] as the authors' code (the batches of
    :mod:`keras_gans.data.super_resolution` are in [-1, 1]; the model maps them with
    ``(x + 1) / 2``). Each ``train_step`` on ``{"low", "high"}`` (and optionally
    ``"high_sharp"``, Real-ESRGAN's sharpened ground truth) runs, in BasicSR's order:

    * ``generator``: ``pixel_weight * pixel(y', G(x)) + perceptual_weight * perceptual(y',
      G(x)) + adversarial_weight * L_G(D(G(x)), D(y))``, where ``y'`` is ``high_sharp`` when
      ``sharpened_targets`` and the batch holds it (the L1 and perceptual terms only; the GAN
      term always sees ``high``);
    * ``discriminator`` (only when ``adversarial_weight > 0``): ``L_D(D(y), D(G(x)))``.

    ``adversarial_weight=0`` is the PSNR-oriented pre-training (SRResNet, RRDBNet /
    Real-ESRNet): no discriminator phase. GAN training then starts from those weights
    (:meth:`load_generator_weights`). Network interpolation (ESRGAN's ``alpha``) is
    :func:`interpolate_weights`.

    Args:
        generator: ``[B, h, w, C]`` -> ``[B, s h, s w, C]`` on [0, 1] images.
        discriminator: ``[B, H, W, C]`` -> logits (one per image, or a per-pixel map).
        perceptual: a frozen feature network taking [0, 1] images (``vgg19_features(...,
            input_range=(0, 1))``), or None (no perceptual term).
        loss: the adversarial loss pair (``"modified"``: BasicSR's ``vanilla`` GAN loss,
            SRGAN; ``"esrgan"``: ESRGAN's relativistic average form).
        pixel_loss: ``"l1"`` or ``"l2"`` (a term of :mod:`keras_gans.losses.reconstruction`,
            means over every element as BasicSR's ``L1Loss`` / ``MSELoss``).
        pixel_weight, perceptual_weight, adversarial_weight: the terms' weights.
        perceptual_layer_weights: one weight per feature map of ``perceptual``.
        perceptual_criterion: ``"l1"`` or ``"l2"``.
        perceptual_feature_scale: factor on the features (SRGAN: 1 / 12.75).
        sharpened_targets: use ``batch["high_sharp"]`` for the pixel and perceptual terms.
        scale: the generator's upscaling factor.
        ema_decay: keep an EMA of G's weights with this decay (BasicSR's ``ema_decay``, 0.999);
            the EMA is what the model serves and upscales with.
        **kwargs: :class:`~keras_gans.core.model.AdversarialModel` arguments (optimizers, ema
            ``{"generator": 0.999}``, seed, name).
    """

    ROLES = ("generator", "discriminator", "perceptual")
    OPTIMIZER_ALIASES = {"g_optimizer": "generator", "d_optimizer": "discriminator"}
    SEED_ROLE = "generator"
    FROZEN_ROLES = ("perceptual",)
    data_format = "low_high"
    grid_examples = 6

    def __init__(self, generator, discriminator, perceptual=None, loss="modified", pixel_loss="l1",
                 pixel_weight=1.0, perceptual_weight=0.0, perceptual_layer_weights=None,
                 perceptual_criterion="l1", perceptual_feature_scale=1.0, adversarial_weight=0.0,
                 sharpened_targets=False, scale=4, ema_decay=None, **kwargs):
        self.pixel_weight = non_negative_weight("pixel_weight", pixel_weight)
        self.perceptual_weight = non_negative_weight("perceptual_weight", perceptual_weight)
        self.adversarial_weight = non_negative_weight("adversarial_weight", adversarial_weight)
        self.perceptual_feature_scale = non_negative_weight("perceptual_feature_scale", perceptual_feature_scale)
        if self.perceptual_weight and perceptual is None:
            raise ValueError(f"perceptual_weight={perceptual_weight} needs a perceptual feature network.")
        if not (self.pixel_weight or self.perceptual_weight or self.adversarial_weight):
            raise ValueError("Every loss weight is 0: the generator would learn nothing.")
        reconstruction.get_term(pixel_loss)  # raises, listing the terms
        perceptual_lib._criterion(perceptual_criterion)
        networks = {"generator": generator, "discriminator": discriminator}
        if perceptual is not None:
            networks["perceptual"] = perceptual
        kwargs.setdefault("ema", {"generator": ema_decay} if ema_decay is not None else None)
        super().__init__(networks, frozen=self.FROZEN_ROLES if perceptual is not None else (), **kwargs)
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.loss_name, self.loss_pair = loss, losses_lib.get(loss)
        self.pixel_loss, self.perceptual_criterion = pixel_loss, perceptual_criterion
        layers = 1 if perceptual is None else len(perceptual.outputs)
        weights = [1.0] * layers if perceptual_layer_weights is None else [float(w) for w in perceptual_layer_weights]
        if len(weights) != layers:
            raise ValueError(f"perceptual_layer_weights needs one weight per feature map ({layers}); received "
                             f"{perceptual_layer_weights!r}.")
        self.perceptual_layer_weights = weights
        self.sharpened_targets = bool(sharpened_targets)
        if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
            raise ValueError(f"scale must be a positive int (the generator's upscaling factor); received {scale!r}.")
        self.scale = scale
        self.add_tracker("pixel")
        if self.perceptual_weight:
            self.add_tracker("perceptual")
        self.phases = [Phase("generator", "generator", "generator_step")]
        if self.adversarial_weight:
            self.add_tracker("g_loss")
            self.add_tracker("d_loss")
            self.phases.append(Phase("discriminator", "discriminator", "discriminator_step"))
        self.build_phases()

    def get_config(self):
        return {**super().get_config(), "loss": self.loss_name, "pixel_loss": self.pixel_loss,
                "pixel_weight": self.pixel_weight, "perceptual_weight": self.perceptual_weight,
                "perceptual_layer_weights": self.perceptual_layer_weights,
                "perceptual_criterion": self.perceptual_criterion,
                "perceptual_feature_scale": self.perceptual_feature_scale,
                "adversarial_weight": self.adversarial_weight, "sharpened_targets": self.sharpened_targets,
                "scale": self.scale, "ema_decay": self.ema_decay}

    # ------------------------------------------------------------------ training
    def unpack_batch(self, data):
        if not isinstance(data, dict) or not {"low", "high"} <= set(data):
            raise ValueError("SuperResolution trains on {'low': ..., 'high': ...} batches (and optionally "
                             f"'high_sharp'); received {sorted(data) if isinstance(data, dict) else type(data).__name__}.")
        low = (checked_images(data["low"], "low-resolution images") + 1.0) / 2.0
        high = (checked_images(data["high"], "high-resolution images") + 1.0) / 2.0
        target = high
        if self.sharpened_targets and "high_sharp" in data:
            target = (checked_images(data["high_sharp"], "sharpened images") + 1.0) / 2.0
        return low, high, target

    def _perceptual(self, target, output):
        if not self.perceptual_weight:
            return None
        return perceptual_lib.perceptual_loss(
            self.perceptual(target), self.perceptual(output), self.perceptual_layer_weights,
            self.perceptual_criterion, self.perceptual_feature_scale)

    def generator_step(self, inputs, draw):
        low, high, target = inputs
        output = tf.cast(self.generator(low, training=True), tf.float32)
        pixel = reconstruction.get_term(self.pixel_loss)(target, output)
        per_example = self.pixel_weight * pixel
        logs = {"pixel": tf.reduce_mean(pixel)}
        term = self._perceptual(target, output)
        if term is not None:
            per_example += self.perceptual_weight * term
            logs["perceptual"] = tf.reduce_mean(term)
        if self.adversarial_weight:
            real_logits = None
            if self.loss_pair.generator_needs_real:
                real_logits = tf.stop_gradient(self.discriminator(high, training=True))
            adversarial = self.loss_pair.generator(self.discriminator(output, training=True), real_logits)
            per_example += self.adversarial_weight * adversarial
            logs["g_loss"] = tf.reduce_mean(adversarial)
        return PhaseOutput(replica_loss(per_example, self.generator), logs)

    def discriminator_step(self, inputs, draw):
        low, high, _ = inputs
        output = tf.stop_gradient(tf.cast(self.generator(low, training=True), tf.float32))
        per_example = self.loss_pair.discriminator(self.discriminator(high, training=True),
                                                   self.discriminator(output, training=True))
        return PhaseOutput(replica_loss(per_example, self.discriminator), {"d_loss": tf.reduce_mean(per_example)})

    def load_generator_weights(self, source):
        """Starts from PSNR-oriented weights: a model, a network or a ``.weights.h5`` file."""
        if isinstance(source, SuperResolution):
            source = source.serving_generator()
        if isinstance(source, keras.Model):
            self.generator.set_weights(source.get_weights())
        else:
            self.generator.load_weights(source)
        ema = self.ema_network("generator")
        if ema is not None:
            ema.set_weights(self.generator.get_weights())

    # ------------------------------------------------------------------ contract
    @property
    def image_shape(self):
        return tuple(self.generator.output_shape[1:])

    def serving_generator(self):
        """The generator the model serves: its EMA when it keeps one (ESRGAN's 0.999)."""
        return self.ema_network("generator") or self.generator

    def upscale(self, images):
        """Upscales ``images`` ``[N, h, w, C]`` in [0, 1] (NumPy or tensor) -> NumPy [0, 1]."""
        return upscale.upscale_functions(self.serving_generator(), self.scale)["serving_default"](
            tf.convert_to_tensor(np.asarray(images, np.float32)))["images"].numpy()

    def sample_grids(self, examples=None, num_samples=64, seed=0):
        """Rows of bicubic upscaling / output / target for ``examples`` (``{"low", "high"}``)."""
        if examples is None:
            raise ValueError("SuperResolution's grid needs examples: {'low': ..., 'high': ...}.")
        low, high = np.asarray(examples["low"], np.float32), np.asarray(examples["high"], np.float32)
        size = high.shape[1:3]
        bicubic = tf.clip_by_value(tf.image.resize(low, size, "bicubic"), -1.0, 1.0).numpy()
        output = self.upscale((low + 1.0) / 2.0) * 2.0 - 1.0
        return {"samples": (interleave([bicubic, output, high], 1), 3)}

    def serving_functions(self):
        """``serving_default(images)`` and ``tiled(images, tile_size, overlap)``: float32
        ``[N, H, W, 3]`` in [0, 1], any size -> ``{"images"}`` in [0, 1], ``scale`` times larger
        (:func:`keras_gans.upscale.upscale_functions`)."""
        return upscale.upscale_functions(self.serving_generator(), self.scale)

    def serving_variables(self):
        return self.serving_generator().variables

    def serving_metadata(self):
        return {"name": self.name, "task": "super_resolution", "scale": self.scale, "input_range": [0, 1],
                "output_range": [0, 1]}

    def example_serving_inputs(self, num_samples=2, seed=0):
        size = self.generator.input_shape[1] or 16
        return {"images": np.random.default_rng(seed).uniform(0, 1, (num_samples, size, size, 3)).astype("float32")}

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)


def interpolate_weights(psnr_network, gan_network, alpha, into=None):
    """ESRGAN's network interpolation: ``(1 - alpha) * psnr + alpha * gan`` for every weight
    (``alpha`` in [0, 1]; 0 the PSNR-oriented network, 1 the GAN one), written into ``into``
    (default: a clone of ``gan_network``), which is returned."""
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be a number in [0, 1]; received {alpha!r}.")
    a, b = psnr_network.get_weights(), gan_network.get_weights()
    if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b)):
        raise ValueError("The two networks must have the same architecture (weight shapes differ).")
    if into is None:
        into = keras.models.clone_model(gan_network)
    into.set_weights([(1.0 - alpha) * x + alpha * y for x, y in zip(a, b)])
    return into
