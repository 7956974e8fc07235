"""``MultimodalSynthesis``: PoE-GAN (Huang, Mallya, Wang & Liu, CVPR 2022, "Multimodal
Conditional Image Synthesis with Product-of-Experts GANs"; the model behind NVIDIA's GauGAN2).

One generator synthesises an image from any subset of four modalities: a segmentation map, a
sketch (edge map), a style image and a text caption, or from none (unconditional). Each
modality's encoder gives a Gaussian expert over the latents; the experts present for an
example are multiplied with a prior expert (a product of experts, PoE), so a missing modality
is simply left out. The networks are :mod:`keras_gans.networks.poegan`.

No public code exists: this is a reconstruction from the paper's description (read from the
paper and its project page; details the text leaves open are our choices), at sizes that train
on a CPU. Paper -> here:

* **Modalities**: segmentation, sketch, text, style image -> the same four (:data:`MODALITIES`).
* **Text encoder**: a pretrained CLIP text encoder -> a small embedding + masked-mean + MLP
  encoder trained with G (pluggable: any ``keras.Model`` from token ids to a vector, the
  ``text_network`` argument of the builders).
* **Global PoE-Net**: the text and style experts times the N(0, I) prior expert give ``z0``,
  an MLP maps it to ``w`` -> the same (a 2-layer MLP).
* **Local (multiscale) PoE-Nets**: at each decoder resolution the prior expert ``p(z_k |
  z_<k)`` from the decoder's features times the segmentation and sketch experts from their
  encoders' features at that resolution -> the same, at 4, 8, ... ``image_size / 2``
  (``z_channels`` per pixel); an absent modality's expert is left out of the product.
* **Decoder blocks**: residual blocks modulated spatially by ``z_k`` and globally by ``w``
  (AdaIN) -> SPADE-style residual blocks (instance norm) whose SPADE input is ``[z_k, tile(w)]``:
  one modulation for both (a simplification).
* **Skip connections** "from the segmentation and sketch encoders" (the project page) -> each
  block's SPADE input also holds both encoders' features at its resolution, gated to exactly 0
  for an absent modality (``poegan_generator(skip_connections=True)``). Without them the map
  reaches the decoder only through the sampled ``z_k`` and the first reconstruction collapsed
  (README).
* **KL**: ``KL(q(z0) || N(0, I)) + sum_k KL(q(z_k | .) || p(z_k | z_<k))``, the hierarchical
  form -> the same, per example summed over the latents, weight ``kl_weight`` (the class
  default 0.01; the CPU preset trains with 0: summed over its 5,472 latent dimensions, 0.01
  outweighed the adversarial term and squeezed the style expert into the prior, measured).
* **Discriminator**: the multimodal multiscale projection discriminator: an unconditional term
  plus inner products of the pooled image features with each global modality's embedding and
  per-pixel inner products of image feature maps with each spatial modality's feature maps ->
  the same form (per-pixel products averaged over the pixels, at two feature resolutions); its
  own small modality encoders; no spectral norm (ours).
* **Losses**: hinge GAN loss plus the paper's contrastive terms -> hinge + KL + the image
  contrastive loss (XMC-GAN's InfoNCE between each output's and the real images' features of a
  frozen ``perceptual`` network, :func:`keras_gans.losses.perceptual.contrastive_criterion`;
  ``image_contrastive_weight``); the modality-to-image contrastive terms of D are left out.
* **Modality dropout**: modalities dropped at random in training -> each modality present
  independently with probability ``1 - modality_dropout`` (0.5), and all four may be dropped
  (1/16 of the examples train the unconditional case, which the paper supports).
* **Style image in training**: a reference sharing the target's style -> the target itself (as
  GauGAN's style encoder).
* **Update order**: G's phase, then D's on a new G forward (SemanticSynthesis' SPADE mode);
  each phase draws its own dropout masks and noise (ours).
* **Data**: COCO-Stuff, Landscapes, ... -> ``skimage_labels2photo`` with Canny sketches of the
  target and colour captions (:func:`add_sketch_and_caption`).

Captions (offline). :func:`describe_colours` names the target's dominant colours: every pixel
takes the nearest colour of :data:`PALETTE` (RGB, Euclidean), the three most frequent (ties:
palette order) give ``"a photo in red blue and white"``; :func:`tokenize` maps words to
:data:`VOCABULARY` ids (0 padding, 1 unknown). Sketches: ``skimage.feature.canny`` of the
grey target (``sketch_sigma``, default 1 at these small sizes), black lines (-1) on white (+1)
as :mod:`keras_gans.data.paired`'s ``skimage_edges2photo``.

Random draws (dropout masks, the latents' noise) are stateless, keyed by (seed, step, replica).
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gans import losses as losses_lib
from keras_gans.core.distributed import replica_loss
from keras_gans.core.model import AdversarialModel, checked_images, non_negative_weight
from keras_gans.core.phases import Phase, PhaseOutput
from keras_gans.data import label_maps
from keras_gans.losses import perceptual as perceptual_lib
from keras_gans.data.multimodal import (  # noqa: F401  (re-exported)
    PALETTE,
    VOCABULARY,
    add_sketch_and_caption,
    describe_colours,
    load_multimodal,
    tokenize,
)
from keras_gans.grids import interleave, label_colors
from keras_gans.networks.poegan import MODALITIES, generator_with_kl

__all__ = ["MultimodalSynthesis", "MODALITIES", "PALETTE", "VOCABULARY", "build", "describe_colours",
           "tokenize", "add_sketch_and_caption", "load_multimodal"]


@keras.saving.register_keras_serializable(package="keras_gans")
class MultimodalSynthesis(AdversarialModel):
    """PoE-GAN: an image from any subset of {segmentation, sketch, style image, text}.

    Batches are ``{"labels": int [B, H, W, 1], "target": float [B, H, W, 3] in [-1, 1],
    "sketch": float [B, H, W, 1] in [-1, 1], "text": int [B, max_tokens]}``
    (:func:`load_multimodal`); the style image of an example is its target.

    Args:
        generator: :func:`keras_gans.networks.poegan.poegan_generator` (or a model with its
            inputs, the image as output and :class:`~keras_gans.networks.poegan.ProductOfExperts`
            layers, whose KL :func:`~keras_gans.networks.poegan.generator_with_kl` takes).
        discriminator: :func:`keras_gans.networks.poegan.poegan_discriminator` (or alike).
        perceptual: a frozen feature network on [-1, 1] images returning a list of maps
            (:func:`keras_gans.losses.perceptual.vgg19_features`) for the image contrastive
            loss, or None (no such loss).
        num_classes: one-hot channels of the label map.
        loss: adversarial loss pair (``"hinge"``, the paper's).
        adversarial_weight, discriminator_weight, kl_weight, image_contrastive_weight: the
            terms' weights (the contrastive one needs ``perceptual``).
        contrastive_temperature: the InfoNCE temperature (XMC-GAN's 0.1).
        modality_dropout: the probability that a modality is dropped for an example in training.
        **kwargs: :class:`~keras_gans.core.model.AdversarialModel` arguments.
    """

    ROLES = ("generator", "discriminator", "perceptual")
    FROZEN_ROLES = ("perceptual",)
    OPTIMIZER_ALIASES = {"g_optimizer": "generator", "d_optimizer": "discriminator"}
    SEED_ROLE = "generator"
    data_format = "multimodal"
    modalities = MODALITIES

    def __init__(self, generator, discriminator, perceptual=None, num_classes=None, loss="hinge",
                 adversarial_weight=1.0, discriminator_weight=1.0, kl_weight=0.01, image_contrastive_weight=0.0,
                 contrastive_temperature=0.1, modality_dropout=0.5, **kwargs):
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive int; received {num_classes!r}.")
        if isinstance(modality_dropout, bool) or not 0.0 <= float(modality_dropout) <= 1.0:
            raise ValueError(f"modality_dropout must be in [0, 1]; received {modality_dropout!r}.")
        networks = {"generator": generator, "discriminator": discriminator}
        if perceptual is not None:
            networks["perceptual"] = perceptual
        super().__init__(networks, frozen=("perceptual",) if perceptual is not None else (), **kwargs)
        self.num_classes = num_classes
        self.adversarial_weight = non_negative_weight("adversarial_weight", adversarial_weight)
        self.discriminator_weight = non_negative_weight("discriminator_weight", discriminator_weight)
        self.kl_weight = non_negative_weight("kl_weight", kl_weight)
        self.image_contrastive_weight = non_negative_weight("image_contrastive_weight", image_contrastive_weight)
        if self.image_contrastive_weight and perceptual is None:
            raise ValueError(f"image_contrastive_weight={image_contrastive_weight} needs a perceptual network "
                             "(e.g. keras_gans.losses.perceptual.vgg19_features); received perceptual=None.")
        self.contrastive_temperature = float(contrastive_temperature)
        self._contrastive = perceptual_lib.contrastive_criterion(self.contrastive_temperature)
        self.modality_dropout = float(modality_dropout)
        if len(generator.inputs) < 6 or len(generator.outputs) != 1:
            raise ValueError("The generator must take [segmap, sketch, style, tokens, presence, eps_global, "
                             "eps_<r>...] and return the image (keras_gans.networks.poegan.poegan_generator).")
        view = generator_with_kl(generator)
        self._generator_with_kl = lambda: view  # a function: not tracked, the weights are the generator's
        if generator.inputs[0].shape[-1] != num_classes:
            raise ValueError(f"The generator's segmap has {generator.inputs[0].shape[-1]} channels; "
                             f"num_classes={num_classes}.")
        if len(discriminator.inputs) != 6:
            raise ValueError("The discriminator must take [image, segmap, sketch, style, tokens, presence].")
        self.max_tokens = int(generator.inputs[3].shape[-1])
        self.noise_shapes = [tuple(int(d) for d in x.shape[1:]) for x in generator.inputs[5:]]
        self.loss_name = loss
        self.loss_pair = losses_lib.get(loss)
        if self.loss_pair.generator_needs_real:
            raise ValueError(f"Loss {loss!r} needs D's real logits in G's loss; use a non-relativistic pair.")
        for name in ("d_loss", "g_loss", "kl", "presence"):
            self.add_tracker(name)
        if self.image_contrastive_weight:
            self.add_tracker("contrastive")
        self.phases = [Phase("generator", "generator", "generator_step"),
                       Phase("discriminator", "discriminator", "discriminator_step")]
        self.build_phases()

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "loss": self.loss_name,
                "adversarial_weight": self.adversarial_weight, "discriminator_weight": self.discriminator_weight,
                "kl_weight": self.kl_weight, "image_contrastive_weight": self.image_contrastive_weight,
                "contrastive_temperature": self.contrastive_temperature, "modality_dropout": self.modality_dropout}

    # ------------------------------------------------------------------ shapes
    @property
    def image_shape(self):
        return tuple(self.generator.output_shape[1:])

    @property
    def label_shape(self):
        return tuple(self.image_shape[:-1]) + (1,)

    # ------------------------------------------------------------------ data
    def unpack_batch(self, data):
        keys = {"labels", "target", "sketch", "text"}
        if not isinstance(data, dict) or not keys <= set(data):
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise ValueError("MultimodalSynthesis trains on {'labels', 'target', 'sketch', 'text'} batches "
                             "(keras_gans.models.poegan.load_multimodal, or add_sketch_and_caption on a "
                             f"label-map dataset); received {got}.")
        labels = tf.convert_to_tensor(data["labels"])
        if not labels.dtype.is_integer:
            raise ValueError(f"labels must be an integer label map [B, H, W, 1]; received {labels.dtype.name}.")
        target = checked_images(data["target"], "target images")
        sketch = checked_images(data["sketch"], "sketches")
        segmap = label_maps.encode_label_map(labels, self.num_classes)
        return segmap, sketch, target, tf.cast(data["text"], tf.int32)

    # ------------------------------------------------------------------ pieces
    def noise(self, count, seed):
        """The generator's noise inputs ``[eps_global, eps_<r>...]`` from a stateless seed."""
        out = []
        for i, shape in enumerate(self.noise_shapes):
            key = tf.stack([seed[0] + 101 * (i + 1), seed[1]])
            out.append(tf.random.stateless_normal(tf.concat([[count], shape], 0), key))
        return out

    def dropout_presence(self, count, seed):
        """Training presence ``[B, 4]``: each modality present with ``1 - modality_dropout``."""
        u = tf.random.stateless_uniform([count, len(MODALITIES)], tf.stack([seed[0] + 7, seed[1]]))
        return tf.cast(u >= self.modality_dropout, tf.float32)

    def generate(self, segmap, sketch, style, tokens, presence, noise, training=False):
        """``(images, per-example KL)``."""
        return self._generator_with_kl()([segmap, sketch, style, tokens, presence] + list(noise), training=training)

    def discriminate(self, image, segmap, sketch, style, tokens, presence, training=True):
        return self.discriminator([image, segmap, sketch, style, tokens, presence], training=training)

    def _forward(self, inputs, seed):
        segmap, sketch, target, tokens = inputs
        count = tf.shape(target)[0]
        presence = self.dropout_presence(count, seed)
        fake, kl = self.generate(segmap, sketch, target, tokens, presence, self.noise(count, seed), training=True)
        return fake, kl, presence

    def generator_step(self, inputs, draw):
        segmap, sketch, target, tokens = inputs
        fake, kl, presence = self._forward(inputs, self.step_seed(draw))
        logits = self.discriminate(fake, segmap, sketch, target, tokens, presence)
        adversarial = self.loss_pair.generator(logits)
        per_example = self.adversarial_weight * adversarial + self.kl_weight * kl
        logs = {"g_loss": tf.reduce_mean(adversarial), "kl": tf.reduce_mean(kl),
                "presence": tf.reduce_mean(presence)}
        if self.image_contrastive_weight:
            maps = lambda images: self.perceptual(images, training=False)  # noqa: E731
            contrastive = perceptual_lib.perceptual_loss(maps(target), maps(fake), criterion=self._contrastive)
            per_example += self.image_contrastive_weight * contrastive
            logs["contrastive"] = tf.reduce_mean(contrastive)
        return PhaseOutput(replica_loss(per_example, self.generator), logs)

    def discriminator_step(self, inputs, draw):
        segmap, sketch, target, tokens = inputs
        fake, _, presence = self._forward(inputs, self.step_seed(draw + 1))
        real_logits = self.discriminate(target, segmap, sketch, target, tokens, presence)
        fake_logits = self.discriminate(tf.stop_gradient(fake), segmap, sketch, target, tokens, presence)
        per_example = self.discriminator_weight * self.loss_pair.discriminator(real_logits, fake_logits)
        return PhaseOutput(replica_loss(per_example, self.discriminator), {"d_loss": tf.reduce_mean(per_example)})

    # ------------------------------------------------------------------ inference
    def synthesize_tensor(self, labels, sketch, style, text, presence, seed=0):
        """Images ``[N, H, W, 3]`` in [-1, 1] (graph-safe). ``presence``: ``[N, 4]`` flags in
        :data:`MODALITIES` order (bool / int / float); absent modalities' inputs are ignored."""
        labels = tf.cast(labels, tf.int32)
        segmap = label_maps.encode_label_map(labels, self.num_classes)
        presence = tf.cast(tf.cast(presence, tf.bool), tf.float32)
        key = tf.stack([tf.cast(seed, tf.int32), tf.constant(977, tf.int32)])
        noise = self.noise(tf.shape(segmap)[0], key)
        return self.generator([segmap, tf.cast(sketch, tf.float32), tf.cast(style, tf.float32),
                               tf.cast(text, tf.int32), presence] + noise, training=False)

    def synthesize(self, labels=None, sketch=None, style=None, text=None, seed=0, count=None, batch_size=8):
        """NumPy images in [-1, 1] from any subset of the modalities (None: absent).

        Args:
            labels: int maps ``[N, H, W, 1]`` (or ``[N, H, W]``) in ``[0, num_classes)``.
            sketch: edge maps ``[N, H, W, 1]`` in [-1, 1] (black lines -1 on white).
            style: style images ``[N, H, W, 3]`` in [-1, 1].
            text: captions (a list of strings, see :func:`tokenize`) or token ids ``[N, L]``.
            count: the number of images when every modality is None (unconditional).
        """
        h, w, _ = self.image_shape
        given = {}
        if labels is not None:
            labels = np.asarray(labels)
            labels = labels[..., None] if labels.ndim == 3 else labels
            if not np.issubdtype(labels.dtype, np.integer) or labels.shape[1:] != (h, w, 1):
                raise ValueError(f"labels must be int maps [N, {h}, {w}, 1]; received {labels.dtype} {labels.shape}.")
            if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
                raise ValueError(f"labels must be in [0, {self.num_classes}).")
            given["labels"] = labels.astype(np.int32)
        if sketch is not None:
            given["sketch"] = np.asarray(sketch, np.float32).reshape(-1, h, w, 1)
        if style is not None:
            given["style"] = np.asarray(style, np.float32).reshape(-1, h, w, 3)
        if text is not None:
            if isinstance(text, str) or (len(text) and isinstance(text[0], str)):
                text = tokenize(text, self.max_tokens)
            given["text"] = np.asarray(text, np.int32).reshape(-1, self.max_tokens)
        sizes = {len(v) for v in given.values()}
        if len(sizes) > 1:
            raise ValueError(f"The given modalities have different counts: { {k: len(v) for k, v in given.items()} }.")
        n = sizes.pop() if sizes else count
        if n is None:
            raise ValueError("Pass at least one modality, or count= for unconditional images.")
        blank = {"labels": np.zeros((n, h, w, 1), np.int32), "sketch": np.ones((n, h, w, 1), np.float32),
                 "style": np.zeros((n, h, w, 3), np.float32), "text": np.zeros((n, self.max_tokens), np.int32)}
        names = ("labels", "sketch", "style", "text")
        arrays = [given.get(k, blank[k]) for k in names]
        presence = np.stack([np.full(n, k in given, np.float32) for k in names], -1)
        parts = []
        for i in range(0, n, batch_size):
            part = slice(i, i + batch_size)
            parts.append(self.synthesize_tensor(*[a[part] for a in arrays], presence[part], seed=seed + i).numpy())
        return np.concatenate(parts) if parts else np.zeros((0,) + self.image_shape, np.float32)

    grid_examples = 8

    def sample_grids(self, examples=None, num_samples=64, seed=0):
        """``{"samples": ...}``: rows of label map / sketch / every modality / labels only /
        text only / unconditional / target."""
        if examples is None:
            raise ValueError("MultimodalSynthesis's grid needs examples {'labels', 'target', 'sketch', 'text'}.")
        labels, target = np.asarray(examples["labels"]), np.asarray(examples["target"])
        sketch, text = np.asarray(examples["sketch"]), np.asarray(examples["text"])
        rows = [label_colors(labels, self.num_classes), np.repeat(sketch, 3, axis=-1),
                self.synthesize(labels, sketch, target, text, seed=seed),
                self.synthesize(labels=labels, seed=seed), self.synthesize(text=text, seed=seed),
                self.synthesize(count=len(labels), seed=seed), target]
        return {"samples": (interleave(rows, 1), len(rows))}

    def serving_functions(self):
        """``serving_default``: ``labels`` (int32 ``[N, H, W, 1]``), ``sketch`` (float32
        ``[N, H, W, 1]``), ``style_images`` (float32 ``[N, H, W, 3]``), ``text`` (int32
        ``[N, max_tokens]``), one presence flag per modality (``<modality>_present``, int32
        ``[N]``, nonzero = present) and ``seed`` (int32 scalar) -> ``images`` in [-1, 1]."""
        h, w, c = self.image_shape
        flags = [tf.TensorSpec([None], tf.int32, name=f"{m}_present") for m in MODALITIES]
        specs = [tf.TensorSpec([None, h, w, 1], tf.int32, name="labels"),
                 tf.TensorSpec([None, h, w, 1], tf.float32, name="sketch"),
                 tf.TensorSpec([None, h, w, c], tf.float32, name="style_images"),
                 tf.TensorSpec([None, self.max_tokens], tf.int32, name="text")] + flags + [
                     tf.TensorSpec([], tf.int32, name="seed")]

        def serve(labels, sketch, style_images, text, segmentation_present, sketch_present, style_present,
                  text_present, seed):
            presence = tf.stack([segmentation_present, sketch_present, style_present, text_present], -1)
            return {"images": self.synthesize_tensor(labels, sketch, style_images, text, presence, seed=seed)}

        return {"serving_default": tf.function(serve, input_signature=specs)}

    def serving_variables(self):
        return list(self.generator.variables)

    def serving_metadata(self):
        return {
            "name": self.name,
            "task": "multimodal_to_image",
            "modalities": list(MODALITIES),
            "spatial_modalities": ["segmentation", "sketch"],
            "global_modalities": ["style", "text"],
            "num_classes": self.num_classes,
            "max_tokens": self.max_tokens,
            "vocabulary": list(VOCABULARY),
            "label_shape": [int(d) for d in self.label_shape],
            "image_shape": [int(d) for d in self.image_shape],
            "output_range": [-1.0, 1.0],
        }

    def example_serving_inputs(self, num_samples=2, seed=0):
        rng = np.random.default_rng(seed)
        h, w, c = self.image_shape
        inputs = {"labels": rng.integers(0, self.num_classes, (num_samples, h, w, 1)).astype("int32"),
                  "sketch": np.where(rng.random((num_samples, h, w, 1)) < 0.1, -1.0, 1.0).astype("float32"),
                  "style_images": rng.uniform(-1, 1, (num_samples, h, w, c)).astype("float32"),
                  "text": rng.integers(2, len(VOCABULARY), (num_samples, self.max_tokens)).astype("int32")}
        for m in MODALITIES:
            inputs[f"{m}_present"] = rng.integers(0, 2, num_samples).astype("int32")
        inputs["seed"] = np.int32(seed)
        return inputs

    def call(self, inputs, training=False):
        presence = inputs.get("presence")
        if presence is None:
            presence = tf.stack([tf.cast(inputs[f"{m}_present"], tf.float32) for m in MODALITIES], -1)
        return self.synthesize_tensor(inputs["labels"], inputs["sketch"], inputs["style_images"], inputs["text"],
                                      presence, seed=inputs.get("seed", 0))


def build(name="gaugan2_small", seed=0, **model_kwargs):
    """``keras_gans.presets.build(name, ...)`` of a GauGAN2 preset (``gaugan2_small``,
    ``gaugan2_tiny``; keras_gans/models/gaugan2/gaugan2_presets.py)."""
    from keras_gans import presets

    return presets.build(name, seed=seed, **model_kwargs)
