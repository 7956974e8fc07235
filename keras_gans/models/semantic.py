"""``SemanticSynthesis``: label map -> image with a multi-scale discriminator, feature matching
and a perceptual loss: pix2pixHD (Wang et al. 2018) and GauGAN / SPADE (Park et al. 2019).

Both papers train the same way around different generators, so one model holds both:

* the generator maps the encoded label map (one-hot classes, plus the instance-edge channel
  when the data has instance maps; :func:`keras_gans.data.label_maps.encode_label_map`) to an
  image, and, with a style ``encoder`` (GauGAN's VAE option), also takes a latent ``z``;
* the discriminator is a multi-scale conditional one
  (:func:`keras_gans.networks.multiscale.multiscale_discriminator`): called on ``[segmap,
  image]``, it returns one list per scale of every intermediate feature map, the logits last;
* the generator's objective is ``adversarial_weight * GAN + feature_matching_weight * FM +
  perceptual_weight * VGG (+ kl_weight * KL)``, the discriminator's ``discriminator_weight *
  L_D``.

The two papers' conventions, as their code computes them (``models/pix2pixHD_model.py``;
SPADE's ``models/pix2pix_model.py`` and ``models/networks/loss.py``):

=====================  =========================================  ==================================
                       pix2pixHD                                  GauGAN (SPADE)
=====================  =========================================  ==================================
GAN loss               LSGAN (``nn.MSELoss``, targets 1 / 0)      hinge
over the scales        summed (``scale_reduction="sum"``)         averaged (``"mean"``)
D objective            ``(L_real + L_fake) / 2``                  ``L_real + L_fake``
feature matching       ``10 / num_D * 4 / (n_layers + 1)`` per    ``10 / num_D`` per L1 term
                       L1 term, every D feature but the logits
VGG                    10 x (relu1_1..relu5_1: 1/32 .. 1), L1     the same
KL                     --                                         0.05 (with the encoder)
updates per step       one forward, then G's and D's steps from   G's step, then a new G forward
                       it (``joint_update=True``)                 and D's step (``joint_update=False``)
=====================  =========================================  ==================================

With our loss pairs (:mod:`keras_gans.losses.adversarial`): ``"least_squares"``'s G loss is
``0.5 (D - 1)^2``, half of ``nn.MSELoss``, so pix2pixHD is ``adversarial_weight=2``; its D loss
is already ``(MSE_real + MSE_fake) / 2``, so ``discriminator_weight=1``. ``"hinge"`` is SPADE's
exactly. The layer weight of feature matching is ``feature_matching_layer_weight`` (``None``:
pix2pixHD's ``4 / (n_layers + 1)``, i.e. 4 over the number of intermediate maps; GauGAN's
presets pass 1). For the two papers' discriminators (pix2pixHD 3 layers, SPADE 4 with its
stride rule) both have 4 intermediate maps, so the factor is 1 in both.

KL. SPADE's ``KLDLoss`` sums over the batch on each GPU (``torch.sum``) and the GPUs' losses
are averaged, so its weight per example is ``0.05 x`` the per-GPU batch; here the KL is per
example (summed over ``z``) and averaged over the batch like every other term, with
``kl_weight=0.05``.

Random draws (the encoder's reparameterisation) are stateless, keyed by (seed, step, replica).
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans import tiling
from keras_gans.core.distributed import replica_loss
from keras_gans.core.model import AdversarialModel, checked_images, non_negative_weight
from keras_gans.core.phases import Phase, PhaseOutput
from keras_gans.data import label_maps
from keras_gans.grids import interleave, label_colors
from keras_gans.losses import perceptual as perceptual_lib
from keras_gans.losses import reconstruction
from keras_gans.losses._common import mean_per_example
from keras_gans.networks.spade import reparameterize

__all__ = ["SemanticSynthesis", "SCALE_REDUCTIONS"]

SCALE_REDUCTIONS = ("sum", "mean")


@keras.saving.register_keras_serializable(package="keras_gans")
class SemanticSynthesis(AdversarialModel):
    """Label map -> image (pix2pixHD, GauGAN); see the module docstring for the objective.

    Batches are ``{"labels": int [B, H, W, 1], "target": float [B, H, W, 3] in [-1, 1]}``,
    plus ``"instances"`` (int ``[B, H, W, 1]``) when ``instance_edges`` (the data of
    :mod:`keras_gans.data.label_maps`).

    Args:
        generator: ``keras.Model`` from the encoded map ``[B, H, W, num_classes (+1)]`` to
            images in [-1, 1]; with an ``encoder``, called as ``generator([segmap, z])``.
        discriminator: multi-scale conditional D, ``discriminator([segmap, image])`` -> a list
            per scale of feature maps, the logits last.
        perceptual: a frozen feature network on [-1, 1] images returning a list of maps
            (:func:`keras_gans.losses.perceptual.vgg19_features`), or None.
        encoder: GauGAN's style encoder, image -> ``(mu, logvar)``, or None.
        num_classes: one-hot channels of the label map (incl. a don't-care class).
        instance_edges: whether the encoded map carries the instance-edge channel.
        loss: adversarial loss pair (``"least_squares"``, ``"hinge"``, ...).
        scale_reduction: ``"sum"`` (pix2pixHD) or ``"mean"`` (SPADE) of the GAN loss over scales.
        adversarial_weight, discriminator_weight, feature_matching_weight, perceptual_weight,
            kl_weight: the terms' weights.
        feature_matching_layer_weight: the factor of every feature-matching L1 term besides
            ``feature_matching_weight / num_scales``; None: pix2pixHD's ``4 / (n_layers + 1)``.
        perceptual_layer_weights: one weight per perceptual map (default pix2pixHD's 1/32 .. 1
            when the network returns 5 maps, else 1 each).
        joint_update: pix2pixHD's iteration (both losses from one forward pass, one phase) or
            SPADE's (G's phase, then D's on a new forward pass).
        fixed_generator_variables: ``(names, steps)``: the generator variables whose paths
            start with one of ``names`` are not updated during the first ``steps`` steps
            (pix2pixHD's ``niter_fix_global``: only the local enhancer trains at first).
        **kwargs: :class:`~keras_gans.core.model.AdversarialModel` arguments.
    """

    ROLES = ("generator", "discriminator", "perceptual", "encoder")
    FROZEN_ROLES = ("perceptual",)
    OPTIMIZER_ALIASES = {"g_optimizer": "generator", "d_optimizer": "discriminator", "e_optimizer": "encoder"}
    OPTIMIZER_COPIES = {"encoder": "generator"}
    SEED_ROLE = "generator"
    data_format = "label_map"

    def __init__(self, generator, discriminator, perceptual=None, encoder=None, num_classes=None,
                 instance_edges=False, loss="least_squares", scale_reduction="sum", adversarial_weight=2.0,
                 discriminator_weight=1.0, feature_matching_weight=10.0, feature_matching_layer_weight=None,
                 perceptual_weight=10.0, perceptual_layer_weights=None, kl_weight=0.05, joint_update=True,
                 fixed_generator_variables=None, **kwargs):
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive int (the label map's classes); received "
                             f"{num_classes!r}.")
        if scale_reduction not in SCALE_REDUCTIONS:
            raise ValueError(f"scale_reduction must be one of {SCALE_REDUCTIONS}; received {scale_reduction!r}.")
        self.adversarial_weight = non_negative_weight("adversarial_weight", adversarial_weight)
        self.discriminator_weight = non_negative_weight("discriminator_weight", discriminator_weight)
        self.feature_matching_weight = non_negative_weight("feature_matching_weight", feature_matching_weight)
        self.perceptual_weight = non_negative_weight("perceptual_weight", perceptual_weight) if perceptual is not None else 0.0
        self.kl_weight = non_negative_weight("kl_weight", kl_weight)
        self.feature_matching_layer_weight = (None if feature_matching_layer_weight is None else
                                              non_negative_weight("feature_matching_layer_weight",
                                                      feature_matching_layer_weight))
        networks = {"generator": generator, "discriminator": discriminator}
        if perceptual is not None:
            networks["perceptual"] = perceptual
        if encoder is not None:
            networks["encoder"] = encoder
        super().__init__(networks, frozen=("perceptual",) if perceptual is not None else (), **kwargs)
        self.num_classes, self.instance_edges = num_classes, bool(instance_edges)
        channels = num_classes + int(self.instance_edges)
        segmap_input = generator.inputs[0]
        if segmap_input.shape[-1] != channels:
            raise ValueError(
                f"The generator's first input has {segmap_input.shape[-1]} channels; num_classes="
                f"{num_classes} {'+ 1 instance-edge channel ' if instance_edges else ''}needs {channels}.")
        if len(discriminator.inputs) != 2 or discriminator.inputs[0].shape[-1] != channels:
            raise ValueError(
                f"The discriminator must take [segmap ({channels} channels), image]; received inputs "
                f"{[tuple(x.shape) for x in discriminator.inputs]}.")
        self.z_dim = None
        if encoder is not None:
            if len(generator.inputs) != 2:
                raise ValueError("With an encoder the generator must take [segmap, z]; received "
                                 f"{len(generator.inputs)} input(s).")
            self.z_dim = int(generator.inputs[1].shape[-1])
        elif len(generator.inputs) != 1:
            raise ValueError(f"Without an encoder the generator takes the segmap alone; it has "
                             f"{len(generator.inputs)} inputs (pass the style encoder).")
        self.loss_name = loss
        self.loss_pair = losses_lib.get(loss)
        if self.loss_pair.generator_needs_real:
            raise ValueError(f"Loss {loss!r} needs D's real logits in G's loss; SemanticSynthesis takes "
                             "the non-relativistic pairs ('least_squares', 'hinge', 'modified', ...).")
        self.scale_reduction = scale_reduction
        self.joint_update = bool(joint_update)
        maps = 0 if perceptual is None else len(perceptual.outputs)
        if perceptual_layer_weights is None:
            perceptual_layer_weights = (perceptual_lib.PERCEPTUAL_SETTINGS["pix2pixhd"]["weights"]
                                        if maps == 5 else (1.0,) * maps)
        self.perceptual_layer_weights = [float(w) for w in perceptual_layer_weights]
        if perceptual is not None and len(self.perceptual_layer_weights) != maps:
            raise ValueError(f"perceptual_layer_weights needs one weight per perceptual map ({maps}); "
                             f"received {perceptual_layer_weights!r}.")
        self.fixed_generator_variables = None
        if fixed_generator_variables is not None:
            names, steps = fixed_generator_variables
            names = [names] if isinstance(names, str) else list(names)
            if not names or isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
                raise ValueError("fixed_generator_variables must be (variable path prefixes, steps >= 1); "
                                 f"received {fixed_generator_variables!r}.")
            if not self._fixed(names):
                raise ValueError(f"No generator variable's path starts with {names}.")
            self.fixed_generator_variables = (names, int(steps))

        generator_roles = ("generator", "encoder") if encoder is not None else ("generator",)
        self.add_tracker("d_loss")
        self.add_tracker("g_loss")
        self.add_tracker("feature_matching")
        if self.perceptual_weight:
            self.add_tracker("perceptual")
        if encoder is not None:
            self.add_tracker("kl")
        if self.joint_update:
            self.phases = self._maybe_fixed(Phase("joint", generator_roles + ("discriminator",), "joint_step"))
        else:
            self.phases = (self._maybe_fixed(Phase("generator", generator_roles, "generator_step"))
                           + [Phase("discriminator", "discriminator", "discriminator_step")])
        self.build_phases()

    def _fixed(self, names):
        return [v for v in self.generator.trainable_variables if any(v.path.startswith(n) for n in names)]

    def _maybe_fixed(self, phase):
        """``[phase]``, or the phase split at the step where the fixed variables start training."""
        if self.fixed_generator_variables is None:
            return [phase]
        steps = self.fixed_generator_variables[1]
        first = Phase(phase.name + "_fixed", phase.update, phase.loss, stop=steps)
        return [first, Phase(phase.name, phase.update, phase.loss, start=steps)]

    def phase_variables(self, phase, role):
        variables = super().phase_variables(phase, role)
        if role == "generator" and phase.name.endswith("_fixed"):
            fixed = {id(v) for v in self._fixed(self.fixed_generator_variables[0])}
            variables = [v for v in variables if id(v) not in fixed]
        return variables

    def get_config(self):
        config = {
            **super().get_config(),
            "num_classes": self.num_classes,
            "instance_edges": self.instance_edges,
            "loss": self.loss_name,
            "scale_reduction": self.scale_reduction,
            "adversarial_weight": self.adversarial_weight,
            "discriminator_weight": self.discriminator_weight,
            "feature_matching_weight": self.feature_matching_weight,
            "feature_matching_layer_weight": self.feature_matching_layer_weight,
            "perceptual_weight": self.perceptual_weight,
            "perceptual_layer_weights": list(self.perceptual_layer_weights),
            "kl_weight": self.kl_weight,
            "joint_update": self.joint_update,
            "fixed_generator_variables": (None if self.fixed_generator_variables is None
                                          else [list(self.fixed_generator_variables[0]),
                                                self.fixed_generator_variables[1]]),
        }
        return config

    # ------------------------------------------------------------------ shapes
    @property
    def image_shape(self):
        return tuple(self.generator.output_shape[1:])

    @property
    def segmap_shape(self):
        return tuple(self.generator.inputs[0].shape[1:])

    @property
    def label_shape(self):
        return tuple(self.segmap_shape[:-1]) + (1,)

    # ------------------------------------------------------------------ data
    def encode(self, labels, instances=None):
        """The generator's map input from int labels (and instance ids) ``[B, H, W, 1]``."""
        return label_maps.encode_label_map(labels, self.num_classes, instances if self.instance_edges else None)

    def unpack_batch(self, data):
        if not isinstance(data, dict) or not {"labels", "target"} <= set(data):
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError("SemanticSynthesis trains on {'labels': ..., 'target': ...} batches (plus "
                             "'instances' with instance edges; keras_gans.data.load('skimage_labels2photo'), "
                             f"a label-map folder, ...); received {got}.")
        if self.instance_edges and "instances" not in data:
            raise ValueError("This model uses instance edges (instance_edges=True) but the batch has no "
                             f"'instances' (keys {sorted(data)}).")
        labels = tf.convert_to_tensor(data["labels"])
        if not labels.dtype.is_integer:
            raise ValueError(f"labels must be an integer label map [B, H, W, 1]; received dtype {labels.dtype.name}.")
        target = checked_images(data["target"], "target images")
        return self.encode(labels, data.get("instances")), target

    # ------------------------------------------------------------------ losses
    def _z(self, target, seed, training=True):
        """``(z, per-example KL)`` from the style encoder, or ``(None, None)``."""
        if "encoder" not in self.networks:
            return None, None
        mu, logvar = self.encoder(target, training=training)
        eps = tf.random.stateless_normal(tf.shape(mu), seed, dtype=mu.dtype)
        return reparameterize(mu, logvar, noise=eps), reconstruction.kl_divergence(mu, logvar)

    def _generate(self, segmap, target, seed, training=True):
        z, kl = self._z(target, seed, training)
        fake = self.generator(segmap if z is None else [segmap, z], training=training)
        return fake, kl

    def _reduce_scales(self, per_scale):
        total = tf.add_n(per_scale)
        return total / len(per_scale) if self.scale_reduction == "mean" else total

    def _discriminate(self, segmap, image):
        outputs = self.discriminator([segmap, image], training=True)
        return [list(scale) for scale in outputs]

    def discriminator_loss(self, real_outputs, fake_outputs):
        """``discriminator_weight * L_D`` per example, the scales summed or averaged."""
        per_scale = [self.loss_pair.discriminator(r[-1], f[-1]) for r, f in zip(real_outputs, fake_outputs)]
        return self.discriminator_weight * self._reduce_scales(per_scale)

    def feature_matching_loss(self, real_outputs, fake_outputs):
        """Per example: ``sum over scales and maps of w * mean|D_k(fake) - D_k(real)|`` with
        ``w = layer weight / num_scales``, every map but the logits, real maps detached."""
        total = 0.0
        for real, fake in zip(real_outputs, fake_outputs):
            maps = len(real) - 1
            layer = 4.0 / maps if self.feature_matching_layer_weight is None else self.feature_matching_layer_weight
            for r, f in zip(real[:-1], fake[:-1]):
                total += layer / len(real_outputs) * mean_per_example(tf.abs(f - tf.stop_gradient(r)))
        return total

    def generator_terms(self, segmap, target, fake, kl, real_outputs=None):
        """``(per-example G loss, logs)``; ``real_outputs``: D on the real pair, if computed."""
        fake_outputs = self._discriminate(segmap, fake)
        if real_outputs is None:
            real_outputs = self._discriminate(segmap, target)
        adversarial = self._reduce_scales([self.loss_pair.generator(f[-1]) for f in fake_outputs])
        matching = self.feature_matching_loss(real_outputs, fake_outputs)
        per_example = self.adversarial_weight * adversarial + self.feature_matching_weight * matching
        logs = {"g_loss": tf.reduce_mean(adversarial), "feature_matching": tf.reduce_mean(matching)}
        if self.perceptual_weight:
            perceptual = perceptual_lib.perceptual_loss(self.perceptual(target, training=False),
                                                        self.perceptual(fake, training=False),
                                                        self.perceptual_layer_weights)
            per_example += self.perceptual_weight * perceptual
            logs["perceptual"] = tf.reduce_mean(perceptual)
        if kl is not None:
            per_example += self.kl_weight * kl
            logs["kl"] = tf.reduce_mean(kl)
        return per_example, logs

    def _generator_losses(self, per_example):
        loss = replica_loss(per_example, self.generator)
        losses = {"generator": loss}
        if "encoder" in self.networks:
            losses["encoder"] = loss
        return losses

    def joint_step(self, inputs, draw):
        """pix2pixHD's iteration: one G forward; G's loss and D's loss (on the detached fake)
        from it, before either update."""
        segmap, target = inputs
        fake, kl = self._generate(segmap, target, self.step_seed(draw))
        real_outputs = self._discriminate(segmap, target)
        d_per_example = self.discriminator_loss(real_outputs, self._discriminate(segmap, tf.stop_gradient(fake)))
        g_per_example, logs = self.generator_terms(segmap, target, fake, kl, real_outputs)
        losses = self._generator_losses(g_per_example)
        losses["discriminator"] = replica_loss(d_per_example, self.discriminator)
        logs["d_loss"] = tf.reduce_mean(d_per_example)
        return PhaseOutput(losses, logs)

    def generator_step(self, inputs, draw):
        segmap, target = inputs
        fake, kl = self._generate(segmap, target, self.step_seed(draw))
        per_example, logs = self.generator_terms(segmap, target, fake, kl)
        losses = self._generator_losses(per_example)
        return PhaseOutput(losses if len(losses) > 1 else losses["generator"], logs)

    def discriminator_step(self, inputs, draw):
        segmap, target = inputs
        fake, _ = self._generate(segmap, target, self.step_seed(draw + 1))
        per_example = self.discriminator_loss(self._discriminate(segmap, target),
                                              self._discriminate(segmap, tf.stop_gradient(fake)))
        return PhaseOutput(replica_loss(per_example, self.discriminator), {"d_loss": tf.reduce_mean(per_example)})

    # ------------------------------------------------------------------ inference
    def _latents(self, count, seed, style=None):
        """``z`` for ``count`` images: from the style images through the encoder (seeded
        reparameterisation, as SPADE's test-time ``encode_z``), else N(0, 1) draws (SPADE's
        ``torch.randn`` without a style image); ``None`` for models without an encoder."""
        if self.z_dim is None:
            return None
        key = tf.stack([tf.cast(seed, tf.int32), tf.constant(977, tf.int32)])
        if style is None:
            return tf.random.stateless_normal([count, self.z_dim], key)
        z, _ = self._z(tf.cast(style, tf.float32), key, training=False)
        return z

    def synthesize_tensor(self, labels, instances=None, seed=0, style=None, tile_size=None, overlap=None):
        """Images ``[N, H, W, 3]`` in [-1, 1] from int label maps ``[N, H, W, 1]`` of any size
        (tiles of the training size beyond it, blended; a graph-safe function used by
        :meth:`synthesize` and the export). ``style``: images ``[N, h, w, 3]`` whose style the
        encoder reads (models with an encoder); otherwise ``z`` is drawn from ``seed``."""
        segmap = self.encode(tf.cast(labels, tf.int32), None if instances is None else tf.cast(instances, tf.int32))
        tile = self.segmap_shape[0] if tile_size is None else tile_size
        z = self._latents(tf.shape(segmap)[0], seed, style)
        if tile is None:  # a generator built for any size: the whole map at once
            return self.generator(segmap if z is None else [segmap, z], training=False)
        overlap = tile // 8 if overlap is None else overlap
        if z is None:
            return tiling.tiled_apply(lambda t: self.generator(t, training=False), segmap, tile, overlap)

        def one(args):
            image, code = args

            def run(tiles):
                codes = tf.repeat(code[None], tf.shape(tiles)[0], axis=0)
                return self.generator([tiles, codes], training=False)

            return tiling.tiled_apply(run, image[None], tile, overlap)[0]

        spec = tf.TensorSpec([None, None, self.image_shape[-1]], tf.float32)
        return tf.map_fn(one, (segmap, z), fn_output_signature=spec)

    def _check_labels(self, labels, what="labels"):
        labels = np.asarray(labels)
        if labels.ndim == 3:
            labels = labels[..., None]
        if labels.ndim != 4 or labels.shape[-1] != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"{what} must be integer maps [N, H, W, 1] (or [N, H, W]); received "
                             f"{labels.dtype} {labels.shape}.")
        return labels.astype(np.int32)

    def synthesize(self, labels, instances=None, seed=0, style=None, batch_size=8):
        """NumPy images in [-1, 1] from label maps (``[N, H, W, 1]`` or ``[N, H, W]`` ints in
        ``[0, num_classes)``), with instance maps when the model uses instance edges."""
        labels = self._check_labels(labels)
        if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(f"labels must be in [0, {self.num_classes}); received values in "
                             f"[{labels.min()}, {labels.max()}].")
        if self.instance_edges:
            if instances is None:
                raise ValueError("This model uses instance edges: pass instances (int maps like labels).")
            instances = self._check_labels(instances, "instances")
            if instances.shape != labels.shape:
                raise ValueError(f"instances {instances.shape} must match labels {labels.shape}.")
        if style is not None:
            if self.z_dim is None:
                raise ValueError("This model has no style encoder; style images cannot be used.")
            style = np.asarray(style, np.float32)
            if style.ndim != 4 or len(style) != len(labels):
                raise ValueError(f"style must be [N, H, W, 3] images, one per label map ({len(labels)}); "
                                 f"received {style.shape}.")
        parts = []
        for i in range(0, len(labels), batch_size):
            part = slice(i, i + batch_size)
            parts.append(self.synthesize_tensor(
                labels[part], None if instances is None or not self.instance_edges else instances[part],
                seed=seed + i, style=None if style is None else style[part]).numpy())
        return np.concatenate(parts) if parts else np.zeros((0,) + self.image_shape, np.float32)

    grid_examples = 8

    def sample_grids(self, examples=None, num_samples=64, seed=0):
        """``{"samples": ...}``: rows of label map (colours) / output / target."""
        if examples is None:
            raise ValueError("SemanticSynthesis's grid needs examples: {'labels': ..., 'target': ...}.")
        labels = np.asarray(examples["labels"])
        output = self.synthesize(labels, examples.get("instances"), seed=seed)
        return {"samples": (interleave([label_colors(labels, self.num_classes), output,
                                        np.asarray(examples["target"])], 1), 3)}

    def serving_functions(self):
        """``serving_default``: ``labels`` (int32 ``[N, H, W, 1]``, any size), ``instances``
        (with instance edges) and ``seed`` (int32 scalar: the latent draw of encoder models)
        -> ``images`` in [-1, 1]; ``tiled`` adds ``tile_size`` and ``overlap``; encoder models
        also serve ``style``, which adds ``style_images`` (float32 ``[N, h, w, 3]`` in [-1, 1])."""
        label_spec = tf.TensorSpec([None, None, None, 1], tf.int32, name="labels")
        instance_spec = tf.TensorSpec([None, None, None, 1], tf.int32, name="instances")
        scalar = lambda name: tf.TensorSpec([], tf.int32, name=name)  # noqa: E731
        style_spec = tf.TensorSpec([None, None, None, self.image_shape[-1]], tf.float32, name="style_images")
        synth = self.synthesize_tensor
        tile_specs = [scalar("seed"), scalar("tile_size"), scalar("overlap")]
        if self.instance_edges:
            def serve(labels, instances, seed):
                return {"images": synth(labels, instances, seed=seed)}

            def tiled(labels, instances, seed, tile_size, overlap):
                return {"images": synth(labels, instances, seed=seed, tile_size=tile_size, overlap=overlap)}

            def styled(labels, instances, style_images, seed):
                return {"images": synth(labels, instances, seed=seed, style=style_images)}

            maps = [label_spec, instance_spec]
        else:
            def serve(labels, seed):
                return {"images": synth(labels, seed=seed)}

            def tiled(labels, seed, tile_size, overlap):
                return {"images": synth(labels, seed=seed, tile_size=tile_size, overlap=overlap)}

            def styled(labels, style_images, seed):
                return {"images": synth(labels, seed=seed, style=style_images)}

            maps = [label_spec]
        functions = {"serving_default": tf.function(serve, input_signature=maps + [scalar("seed")]),
                     "tiled": tf.function(tiled, input_signature=maps + tile_specs)}
        if self.z_dim is not None:
            functions["style"] = tf.function(styled, input_signature=maps + [style_spec, scalar("seed")])
        return functions

    def serving_variables(self):
        variables = list(self.generator.variables)
        if self.z_dim is not None:
            variables += self.encoder.variables
        return variables

    def serving_metadata(self):
        return {
            "name": self.name,
            "task": "label_to_image",
            "num_classes": self.num_classes,
            "instance_edges": self.instance_edges,
            "style_encoder": self.z_dim is not None,
            "label_shape": [int(d) for d in self.label_shape],
            "image_shape": [int(d) for d in self.image_shape],
            "output_range": [-1.0, 1.0],
        }

    def example_serving_inputs(self, num_samples=2, seed=0):
        rng = np.random.default_rng(seed)
        shape = (num_samples,) + self.label_shape
        inputs = {"labels": rng.integers(0, self.num_classes, shape).astype("int32")}
        if self.instance_edges:
            inputs["instances"] = rng.integers(0, 4, shape).astype("int32")
        inputs["seed"] = np.int32(seed)
        return inputs

    def call(self, inputs, training=False):
        if isinstance(inputs, dict):
            return self.synthesize_tensor(inputs["labels"], inputs.get("instances"))
        return self.synthesize_tensor(inputs)
