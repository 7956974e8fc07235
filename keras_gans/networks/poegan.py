"""PoE-GAN networks (Huang, Mallya, Wang & Liu, CVPR 2022, "Multimodal Conditional Image
Synthesis with Product-of-Experts GANs", NVIDIA's GauGAN2), at sizes that train on a CPU.

No public code exists; this is a reconstruction from the paper's description. See
:mod:`keras_gans.models.poegan` for the table of what follows the paper and what is ours.

Modalities, in the column order of every ``presence`` tensor (:data:`MODALITIES`):

* ``segmentation``: one-hot label map ``[B, H, W, num_classes]`` (spatial);
* ``sketch``: an edge map ``[B, H, W, 1]`` in [-1, 1] (spatial);
* ``style``: a style image ``[B, H, W, 3]`` in [-1, 1] (global);
* ``text``: caption token ids ``[B, max_tokens]`` int32, 0 = padding (global).

Pieces:

* :func:`product_of_experts`: the Gaussian product ``N(mu, var)`` of a prior expert and the
  present modality experts: precision ``T = 1/var_p + sum_i m_i / var_i``, mean
  ``mu = (mu_p / var_p + sum_i m_i mu_i / var_i) / T``; an absent expert (``m_i = 0``) is
  left out exactly (``where``, not a product with 0, so its values never reach the result).
* :func:`poegan_generator`: a *global* PoE (style, text and the N(0, I) prior) gives ``z0``,
  which an MLP maps to ``w``; the decoder starts at 4x4 from ``z0`` and, at every latent
  resolution (4, 8, ... up to ``image_size / 2``), a *local* PoE of the prior expert
  ``p(z_k | z_<k)`` (a conv of the decoder's features) and the spatial modalities' experts
  (convs of each modality encoder's features at that resolution) gives ``z_k``; SPADE-style
  residual blocks are modulated by ``[z_k, w]``. The generator returns the image in [-1, 1];
  :func:`generator_with_kl` views it with the per-example KL, ``KL(q(z0) || N(0, I)) +
  sum_k KL(q(z_k) || p(z_k | z_<k))``, the hierarchical form.
* :func:`poegan_discriminator`: the multimodal projection discriminator, an unconditional
  logit plus ``m_j <pooled(x), e_j>`` for each global modality embedding ``e_j`` and
  ``m_i mean_pixels <f_s(x), g_i,s>`` for each spatial modality's feature map at each
  projection scale ``s``; absent modalities contribute exactly 0.
* :func:`text_encoder`: the default caption encoder (embedding, masked mean pooling, an MLP),
  trained with the model; any ``keras.Model`` from int token ids ``[B, L]`` to ``[B, d]``
  can replace it.
"""

import keras
from keras import layers, ops

from keras_gans.layers.spade import SPADE

__all__ = [
    "MODALITIES", "SPATIAL_MODALITIES", "GLOBAL_MODALITIES", "LOGVAR_LIMIT", "product_of_experts",
    "gaussian_kl", "ProductOfExperts", "GaussianSample", "GaussianKL", "MaskedMeanPool", "TakeColumn",
    "PresenceGate", "GlobalProjection", "SpatialProjection", "text_encoder", "latent_resolutions", "poegan_generator",
    "poegan_discriminator", "generator_with_kl",
]

MODALITIES = ("segmentation", "sketch", "style", "text")
SPATIAL_MODALITIES = ("segmentation", "sketch")
GLOBAL_MODALITIES = ("style", "text")
# Expert log-variances are clipped to [-LOGVAR_LIMIT, LOGVAR_LIMIT] (precisions stay finite).
LOGVAR_LIMIT = 8.0


# ---------------------------------------------------------------------------- Gaussian math
def product_of_experts(mus, logvars, mask, prior_mu=None, prior_logvar=None):
    """The product of Gaussian experts ``(mu, logvar)``.

    Args:
        mus, logvars: lists of ``[B, ...]`` tensors, one per modality expert.
        mask: ``[B, M]`` presence (1 present, 0 absent), one column per expert.
        prior_mu, prior_logvar: the prior expert (always present); None: N(0, I).

    Returns:
        ``(mu, logvar)`` of the product, ``[B, ...]``.
    """
    if len(mus) != len(logvars):
        raise ValueError(f"product_of_experts needs one logvar per mu; received {len(mus)} and {len(logvars)}.")
    like = mus[0] if mus else prior_mu
    if prior_mu is None:
        precision = ops.ones_like(like)
        weighted = ops.zeros_like(like)
    else:
        prior_logvar = ops.clip(prior_logvar, -LOGVAR_LIMIT, LOGVAR_LIMIT)
        precision = ops.exp(-prior_logvar)
        weighted = prior_mu * precision
    mask = ops.cast(mask, like.dtype)
    for i, (mu, logvar) in enumerate(zip(mus, logvars)):
        present = ops.reshape(mask[:, i], (-1,) + (1,) * (len(mu.shape) - 1)) > 0.5
        expert_precision = ops.exp(-ops.clip(logvar, -LOGVAR_LIMIT, LOGVAR_LIMIT))
        precision = precision + ops.where(present, expert_precision, 0.0)
        weighted = weighted + ops.where(present, mu * expert_precision, 0.0)
    return weighted / precision, -ops.log(precision)


def gaussian_kl(mu, logvar, prior_mu=None, prior_logvar=None):
    """``KL(N(mu, e^logvar) || N(prior_mu, e^prior_logvar))`` per example, summed over every
    non-batch axis (the prior N(0, I) when not given)."""
    if prior_mu is None:
        prior_mu, prior_logvar = ops.zeros_like(mu), ops.zeros_like(logvar)
    prior_logvar = ops.clip(prior_logvar, -LOGVAR_LIMIT, LOGVAR_LIMIT)
    kl = 0.5 * (prior_logvar - logvar + (ops.exp(logvar) + ops.square(mu - prior_mu)) * ops.exp(-prior_logvar)
                - 1.0)
    return ops.sum(ops.reshape(kl, (ops.shape(kl)[0], -1)), axis=-1)


# ---------------------------------------------------------------------------- layers
@keras.saving.register_keras_serializable(package="keras_gans")
class ProductOfExperts(layers.Layer):
    """Called on ``[mask, mu_1, logvar_1, ..., mu_M, logvar_M]`` (standard prior) or, with
    ``learned_prior=True``, ``[prior_mu, prior_logvar, mask, mu_1, logvar_1, ...]``; returns
    ``[mu, logvar]`` of :func:`product_of_experts`."""

    def __init__(self, learned_prior=False, **kwargs):
        super().__init__(**kwargs)
        self.learned_prior = bool(learned_prior)

    def call(self, inputs):
        inputs = list(inputs)
        prior_mu = prior_logvar = None
        if self.learned_prior:
            prior_mu, prior_logvar = inputs[:2]
            inputs = inputs[2:]
        mask, experts = inputs[0], inputs[1:]
        mu, logvar = product_of_experts(experts[0::2], experts[1::2], mask, prior_mu, prior_logvar)
        return [mu, logvar]

    def compute_output_shape(self, input_shape):
        shape = input_shape[0] if self.learned_prior else input_shape[1]
        return [tuple(shape), tuple(shape)]

    def get_config(self):
        return {**super().get_config(), "learned_prior": self.learned_prior}


@keras.saving.register_keras_serializable(package="keras_gans")
class GaussianSample(layers.Layer):
    """``[mu, logvar, eps] -> mu + eps * exp(logvar / 2)`` (the noise is an input: the model
    draws it statelessly, so a forward pass is a function of its inputs)."""

    def call(self, inputs):
        mu, logvar, eps = inputs
        return mu + eps * ops.exp(0.5 * logvar)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])


@keras.saving.register_keras_serializable(package="keras_gans")
class GaussianKL(layers.Layer):
    """``[mu, logvar]`` (against N(0, I)) or ``[mu, logvar, prior_mu, prior_logvar]`` ->
    per-example KL ``[B]`` (:func:`gaussian_kl`)."""

    def call(self, inputs):
        return gaussian_kl(*inputs)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0],)


@keras.saving.register_keras_serializable(package="keras_gans")
class MaskedMeanPool(layers.Layer):
    """``[embeddings [B, L, D], token ids [B, L]]`` -> the mean over non-padding tokens
    (id 0 is padding; an all-padding caption pools to 0)."""

    def call(self, inputs):
        embeddings, tokens = inputs
        keep = ops.cast(ops.not_equal(tokens, 0), embeddings.dtype)[..., None]
        return ops.sum(embeddings * keep, axis=1) / ops.maximum(ops.sum(keep, axis=1), 1.0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], input_shape[0][-1])


@keras.saving.register_keras_serializable(package="keras_gans")
class TakeColumn(layers.Layer):
    """``[B, M] -> [B, 1]``: column ``index`` (a modality's presence flag)."""

    def __init__(self, index, **kwargs):
        super().__init__(**kwargs)
        self.index = int(index)

    def call(self, x):
        return ops.cast(x[:, self.index : self.index + 1], self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)

    def get_config(self):
        return {**super().get_config(), "index": self.index}


@keras.saving.register_keras_serializable(package="keras_gans")
class PresenceGate(layers.Layer):
    """``[features [B, ...], presence [B, 1]] -> features`` where present, exactly 0 where absent
    (``where``: an absent modality's values never pass, not even NaN)."""

    def call(self, inputs):
        features, present = inputs
        present = ops.reshape(present, (-1,) + (1,) * (len(features.shape) - 1)) > 0.5
        return ops.where(present, features, 0.0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])


@keras.saving.register_keras_serializable(package="keras_gans")
class GlobalProjection(layers.Layer):
    """``[pooled [B, d], embedding [B, d], presence [B, 1]] -> [B, 1]``:
    ``<pooled, embedding>`` where present, exactly 0 where absent."""

    def call(self, inputs):
        pooled, embedding, present = inputs
        term = ops.sum(pooled * embedding, axis=-1, keepdims=True)
        return ops.where(present > 0.5, term, 0.0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)


@keras.saving.register_keras_serializable(package="keras_gans")
class SpatialProjection(layers.Layer):
    """``[image features [B, h, w, c], modality features [B, h, w, c], presence [B, 1]] ->
    [B, 1]``: the per-pixel inner product averaged over pixels, exactly 0 where absent."""

    def call(self, inputs):
        features, modality, present = inputs
        term = ops.mean(ops.sum(features * modality, axis=-1), axis=(1, 2))[:, None]
        return ops.where(present > 0.5, term, 0.0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)


# ---------------------------------------------------------------------------- builders
def _init(seed, offset):
    return keras.initializers.GlorotUniform(seed=None if seed is None else seed + offset)


def latent_resolutions(image_size, max_resolution=None):
    """The local-PoE resolutions: 4, 8, ... up to ``image_size / 2`` (or ``max_resolution``)."""
    if not isinstance(image_size, int) or image_size < 8 or image_size & (image_size - 1):
        raise ValueError(f"image_size must be a power of two >= 8; received {image_size!r}.")
    top = image_size // 2 if max_resolution is None else min(int(max_resolution), image_size // 2)
    out, r = [], 4
    while r <= top:
        out.append(r)
        r *= 2
    return out


def text_encoder(vocab_size, max_tokens, embedding_dim=32, output_dim=32, seed=None, name="text_encoder"):
    """The default caption encoder: token embedding (id 0 = padding), masked mean pooling, a
    two-layer MLP. Token ids ``[B, max_tokens]`` int32 -> ``[B, output_dim]``."""
    tokens = keras.Input((max_tokens,), dtype="int32", name="tokens")
    x = layers.Embedding(vocab_size, embedding_dim, embeddings_initializer=keras.initializers.RandomNormal(
        0.0, 1.0, seed=seed), name="embedding")(tokens)
    x = MaskedMeanPool(name="pool")([x, tokens])
    x = layers.Dense(output_dim, activation="relu", kernel_initializer=_init(seed, 1), name="dense_1")(x)
    x = layers.Dense(output_dim, kernel_initializer=_init(seed, 2), name="dense_2")(x)
    return keras.Model(tokens, x, name=name)


def _conv(x, filters, name, seed, offset, strides=1, kernel_size=3, activation=None):
    return layers.Conv2D(filters, kernel_size, strides=strides, padding="same", activation=activation,
                         kernel_initializer=_init(seed, offset), name=name)(x)


def _pyramid(x, resolutions, filters, name, seed, offset):
    """Convs from ``x`` down by stride 2 to the smallest resolution; ``{res: features}`` at
    the given resolutions (``filters(res)`` channels)."""
    size = x.shape[1]
    out = {}
    h = _conv(x, filters(size), f"{name}_stem", seed, offset, activation="relu")
    step = 1
    while True:
        if size in resolutions:
            out[size] = h
        if size <= min(resolutions):
            return out
        size //= 2
        h = layers.LeakyReLU(0.2)(_conv(h, filters(size), f"{name}_down_{size}", seed, offset + step, strides=2))
        step += 1


def _mod_block(h, cond, filters, hidden, name, seed, offset):
    """A SPADE-style residual block (instance norm, modulated by ``cond``)."""
    init = _init(seed, offset)

    def spade(x, suffix, k):
        return SPADE(norm="instance", hidden_filters=hidden, kernel_initializer=_init(seed, offset + k),
                     name=f"{name}_spade_{suffix}")([x, cond])

    x = _conv(layers.LeakyReLU(0.2)(spade(h, "0", 1)), filters, f"{name}_conv_0", seed, offset + 4)
    x = _conv(layers.LeakyReLU(0.2)(spade(x, "1", 5)), filters, f"{name}_conv_1", seed, offset + 8)
    shortcut = h if h.shape[-1] == filters else layers.Conv2D(
        filters, 1, use_bias=False, kernel_initializer=init, name=f"{name}_shortcut")(h)
    return layers.Add(name=f"{name}_add")([shortcut, x])


def poegan_generator(image_size=64, num_classes=8, vocab_size=32, max_tokens=8, z_dim=32, z_channels=4,
                     filters=32, max_filters=128, encoder_filters=16, hidden_filters=32, max_latent_resolution=None,
                     skip_connections=True, text_network=None, seed=None, name="poegan_generator"):
    """The PoE generator.

    Inputs (in order): ``segmap [H, W, num_classes]``, ``sketch [H, W, 1]``, ``style [H, W, 3]``,
    ``tokens [max_tokens]`` int32, ``presence [4]`` (columns :data:`MODALITIES`), ``eps_global
    [z_dim]``, then one ``eps_<r> [r, r, z_channels]`` per latent resolution ``r``
    (:func:`latent_resolutions`). Output: the image ``[H, W, 3]`` in [-1, 1];
    :func:`generator_with_kl` gives the view that also returns the per-example KL.

    Args:
        text_network: any ``keras.Model`` from ``[B, max_tokens]`` int32 to ``[B, d]``; None:
            :func:`text_encoder` (trained with the generator).
        filters, max_filters: decoder width at the output resolution, doubling per halving up to
            ``max_filters``; ``encoder_filters`` likewise for the modality encoders.
        skip_connections: the paper's "skip connections from the segmentation and sketch
            encoders": every decoder block's modulation input also holds each spatial encoder's
            features at the block's resolution (exactly 0 for an absent modality), so the map
            reaches the decoder directly and not only through the sampled ``z_k``. False: only
            ``[z_k, tile(w)]`` (the first reconstruction; it collapsed in training, see the
            README).
    """
    resolutions = latent_resolutions(image_size, max_latent_resolution)
    width = lambda base: (lambda r: int(min(max_filters, base * image_size // r)))  # noqa: E731
    dec_width, enc_width = width(filters), width(encoder_filters)
    segmap = keras.Input((image_size, image_size, num_classes), name="segmap")
    sketch = keras.Input((image_size, image_size, 1), name="sketch")
    style = keras.Input((image_size, image_size, 3), name="style")
    tokens = keras.Input((max_tokens,), dtype="int32", name="tokens")
    presence = keras.Input((len(MODALITIES),), name="presence")
    eps_global = keras.Input((z_dim,), name="eps_global")
    eps_local = [keras.Input((r, r, z_channels), name=f"eps_{r}") for r in resolutions]
    global_mask = layers.Concatenate(name="global_presence")(
        [TakeColumn(MODALITIES.index(m), name=f"{m}_flag")(presence) for m in GLOBAL_MODALITIES])
    spatial_mask = layers.Concatenate(name="spatial_presence")(
        [TakeColumn(MODALITIES.index(m), name=f"{m}_flag_local")(presence) for m in SPATIAL_MODALITIES])

    # Global experts: style image and caption.
    s = _pyramid(style, [4], enc_width, "style_encoder", seed, 10)[4]
    s = layers.GlobalAveragePooling2D(name="style_pool")(s)
    style_mu = layers.Dense(z_dim, kernel_initializer=_init(seed, 20), name="style_mu")(s)
    style_logvar = layers.Dense(z_dim, kernel_initializer=_init(seed, 21), name="style_logvar")(s)
    if text_network is None:
        text_network = text_encoder(vocab_size, max_tokens, seed=None if seed is None else seed + 30)
    t = text_network(tokens)
    t = layers.Dense(z_dim, activation="relu", kernel_initializer=_init(seed, 40), name="text_hidden")(t)
    text_mu = layers.Dense(z_dim, kernel_initializer=_init(seed, 41), name="text_mu")(t)
    text_logvar = layers.Dense(z_dim, kernel_initializer=_init(seed, 42), name="text_logvar")(t)
    mu0, logvar0 = ProductOfExperts(name="global_poe")([global_mask, style_mu, style_logvar, text_mu, text_logvar])
    z0 = GaussianSample(name="z_global")([mu0, logvar0, eps_global])
    w = layers.Dense(z_dim, activation="relu", kernel_initializer=_init(seed, 50), name="mapping_0")(z0)
    w = layers.Dense(z_dim, activation="relu", kernel_initializer=_init(seed, 51), name="mapping_1")(w)

    # Spatial encoders: features at every latent resolution.
    feature_sizes = resolutions + [image_size] if skip_connections else resolutions
    features = {m: _pyramid(x, feature_sizes, enc_width, f"{m}_encoder", seed, 60 + 20 * i)
                for i, (m, x) in enumerate(zip(SPATIAL_MODALITIES, (segmap, sketch)))}
    flags = {m: TakeColumn(MODALITIES.index(m), name=f"{m}_flag_skip")(presence) for m in SPATIAL_MODALITIES}

    def skips(size):
        if not skip_connections:
            return []
        return [PresenceGate(name=f"{m}_skip_{size}")([features[m][size], flags[m]]) for m in SPATIAL_MODALITIES]

    h = layers.Dense(4 * 4 * dec_width(4), kernel_initializer=_init(seed, 100), name="initial")(z0)
    h = layers.Reshape((4, 4, dec_width(4)), name="initial_map")(h)
    size, offset = 4, 200
    while True:
        tiled = layers.UpSampling2D(size, name=f"w_tile_{size}")(layers.Reshape((1, 1, z_dim))(w))
        if size in resolutions:
            k = resolutions.index(size)
            hidden = layers.LeakyReLU(0.2)(h)
            prior_mu = _conv(hidden, z_channels, f"prior_mu_{size}", seed, offset)
            prior_logvar = _conv(hidden, z_channels, f"prior_logvar_{size}", seed, offset + 1)
            experts = []
            for i, m in enumerate(SPATIAL_MODALITIES):
                experts += [_conv(features[m][size], z_channels, f"{m}_mu_{size}", seed, offset + 2 + 2 * i),
                            _conv(features[m][size], z_channels, f"{m}_logvar_{size}", seed, offset + 3 + 2 * i)]
            mu, logvar = ProductOfExperts(learned_prior=True, name=f"local_poe_{size}")(
                [prior_mu, prior_logvar, spatial_mask] + experts)
            z = GaussianSample(name=f"z_{size}")([mu, logvar, eps_local[k]])
            cond = layers.Concatenate(name=f"cond_{size}")([z, tiled] + skips(size))
        elif skip_connections:
            cond = layers.Concatenate(name=f"cond_{size}")([tiled] + skips(size))
        else:
            cond = tiled
        h = _mod_block(h, cond, dec_width(size), hidden_filters, f"block_{size}", seed, offset + 10)
        if size == image_size:
            break
        size *= 2
        offset += 20
        h = layers.UpSampling2D(2, name=f"up_{size}")(h)
    image = layers.Activation("tanh", name="image")(_conv(layers.LeakyReLU(0.2)(h), 3, "to_rgb", seed, 999))
    return keras.Model([segmap, sketch, style, tokens, presence, eps_global] + eps_local, image, name=name)


def generator_with_kl(generator):
    """A view of ``generator`` (same layers and weights) returning ``[image, kl]``: the
    per-example KL ``sum over its ProductOfExperts layers of KL(product || prior)``, the prior
    being N(0, I) for a standard-prior PoE (the global one) and the layer's prior expert
    ``p(z_k | z_<k)`` for a learned-prior one (the local ones): the hierarchical KL."""
    kls = []
    for layer in generator.layers:
        if isinstance(layer, ProductOfExperts):
            mu, logvar = layer.output
            prior = list(layer.input[:2]) if layer.learned_prior else []
            kls.append(GaussianKL(name=f"{layer.name}_kl")([mu, logvar] + prior))
    if not kls:
        raise ValueError(f"The generator {generator.name!r} has no ProductOfExperts layer to take the KL of.")
    kl = kls[0] if len(kls) == 1 else layers.Add(name="kl")(kls)
    return keras.Model(generator.inputs, [generator.outputs[0], kl], name=f"{generator.name}_with_kl")


def poegan_discriminator(image_size=64, num_classes=8, vocab_size=32, max_tokens=8, filters=32, max_filters=128,
                         projection_resolutions=None, text_network=None, seed=None, name="poegan_discriminator"):
    """The multimodal projection discriminator.

    Inputs: ``image [H, W, 3]``, ``segmap``, ``sketch``, ``style``, ``tokens``, ``presence``
    (as the generator's). Output: logits ``[B, 1]`` = ``uncond_logit(pooled) + sum of the
    projection terms`` (see the module docstring). ``projection_resolutions``: the image
    feature resolutions of the spatial projections (default the two coarsest above 4, or
    ``[4]``). Named layers a test can read: ``pooled``, ``uncond_logit``, ``style_embedding``,
    ``text_embedding``, ``image_features_<modality>_<r>``, ``<modality>_features_<r>``.
    """
    width = lambda r: int(min(max_filters, filters * image_size // (2 * r)))  # noqa: E731
    if projection_resolutions is None:
        above = [r for r in latent_resolutions(image_size) if r > 4]
        projection_resolutions = above[:2] or [4]
    projection_resolutions = sorted(int(r) for r in projection_resolutions)
    image = keras.Input((image_size, image_size, 3), name="image")
    segmap = keras.Input((image_size, image_size, num_classes), name="segmap")
    sketch = keras.Input((image_size, image_size, 1), name="sketch")
    style = keras.Input((image_size, image_size, 3), name="style")
    tokens = keras.Input((max_tokens,), dtype="int32", name="tokens")
    presence = keras.Input((len(MODALITIES),), name="presence")
    flags = {m: TakeColumn(i, name=f"{m}_flag")(presence) for i, m in enumerate(MODALITIES)}

    wanted = sorted(set(projection_resolutions) | {4})
    trunk = _pyramid(image, wanted, width, "image", seed, 0)
    top = layers.LeakyReLU(0.2)(_conv(trunk[4], width(4), "image_top", seed, 9))
    pooled = layers.GlobalAveragePooling2D(name="pooled")(top)
    embed_dim = width(4)
    terms = [layers.Dense(1, kernel_initializer=_init(seed, 10), name="uncond_logit")(pooled)]

    s = layers.GlobalAveragePooling2D()(_pyramid(style, [4], width, "style_encoder", seed, 20)[4])
    style_embedding = layers.Dense(embed_dim, kernel_initializer=_init(seed, 30), name="style_embedding")(s)
    if text_network is None:
        text_network = text_encoder(vocab_size, max_tokens, seed=None if seed is None else seed + 40,
                                    name="d_text_encoder")
    text_embedding = layers.Dense(embed_dim, kernel_initializer=_init(seed, 50), name="text_embedding")(
        text_network(tokens))
    for m, e in (("style", style_embedding), ("text", text_embedding)):
        terms.append(GlobalProjection(name=f"{m}_projection")([pooled, e, flags[m]]))

    for i, (m, x) in enumerate(zip(SPATIAL_MODALITIES, (segmap, sketch))):
        pyramid = _pyramid(x, projection_resolutions, width, f"{m}_encoder", seed, 60 + 20 * i)
        for r in projection_resolutions:
            f_img = _conv(trunk[r], width(r), f"image_features_{m}_{r}", seed, 100 + r + 10 * i)
            f_mod = _conv(pyramid[r], width(r), f"{m}_features_{r}", seed, 200 + r + 10 * i)
            terms.append(SpatialProjection(name=f"{m}_projection_{r}")([f_img, f_mod, flags[m]]))
    logits = layers.Add(name="logits")(terms)
    return keras.Model([image, segmap, sketch, style, tokens, presence], logits, name=name)
