"""GauGAN networks (Park et al. 2019, "Semantic Image Synthesis with Spatially-Adaptive
Normalization"): the SPADE residual block, the SPADE generator and the style encoder, plus the
VAE helpers :func:`reparameterize` and :func:`kl_divergence`.

Architecture as in the authors' official PyTorch code (NVlabs/SPADE,
``models/networks/architecture.py`` ``SPADEResnetBlock``, ``generator.py`` ``SPADEGenerator``,
``encoder.py`` ``ConvEncoder``, ``normalization.py``; options from ``options/*.py`` and
``data/*_dataset.py``). The SPADE layer itself is :class:`keras_gans.layers.SPADE`. The
multi-scale discriminator is in :mod:`keras_gans.networks.multiscale`. :func:`kl_divergence` is
:func:`keras_gans.losses.kl_divergence` (the official ``KLDLoss`` sum, per example: ``-0.5 *
sum_j (1 + logvar - mu^2 - exp(logvar))``; the official also sums over the batch), re-exported
here next to :func:`reparameterize`.

**Residual block** (:func:`spade_residual_block`, ``fin`` input / ``fout`` output channels,
``fmiddle = min(fin, fout)``)::

    shortcut = conv_s(norm_s(x, seg))   if fin != fout (1x1, no bias)   else x
    dx = conv_0(lrelu(norm_0(x, seg)))      3x3, fin -> fmiddle
    dx = conv_1(lrelu(norm_1(dx, seg)))     3x3, fmiddle -> fout
    out = shortcut + dx

with leaky ReLU 0.2, SPADE norms (no activation on the shortcut path), and spectral
normalisation on conv_0, conv_1 and conv_s when ``spectral_norm`` (the official default
``norm_G="spectralspadesyncbatch3x3"``; the SPADE layers' own convolutions are never
spectrally normalised).

**Generator** (:func:`spade_generator`), ``nf = base_filters`` (``ngf``):

* the starting map is ``sh x sw`` with ``sw = crop_size // 2**n``, ``n`` = 5, 6 or 7 for
  ``num_upsampling`` "normal", "more", "most", and ``sh = round(sw / aspect_ratio)``
  (Python's ``round``: halves go to the even integer), ``aspect_ratio`` being width / height;
* ``fc``: with ``use_vae`` a linear layer from ``z`` to ``16 nf * sh * sw``, reshaped as
  PyTorch's ``view(-1, 16 nf, sh, sw)`` (channels first, then moved last); otherwise a 3x3
  convolution (16 nf filters) on the segmentation map resized to ``sh x sw`` by PyTorch's
  nearest rule. **Without** ``use_vae`` the official forward draws no noise at all (the
  network is deterministic; ``z`` is ignored), so the model then has the segmap as its only
  input. With ``use_vae`` and no ``z`` the official draws ``z ~ N(0, I)`` itself; here ``z``
  is an input (draw it with ``keras.random.normal`` to sample, or take it from the style
  encoder through :func:`reparameterize`);
* ``head_0`` (16 nf), x2, ``G_middle_0`` (16 nf), [x2 for "more" and "most"],
  ``G_middle_1`` (16 nf), then x2 and ``up_0`` (8 nf), x2 ``up_1`` (4 nf), x2 ``up_2`` (2 nf),
  x2 ``up_3`` (nf), and for "most" x2 ``up_4`` (nf // 2); every x2 is a nearest-neighbour
  upsampling (``nn.Upsample(scale_factor=2)``);
* leaky ReLU 0.2, ``conv_img`` 3x3 (with a bias, no spectral norm), tanh.

The output is ``(sh * 2**n) x (sw * 2**n)``; it equals ``crop_size / aspect_ratio x
crop_size`` when ``crop_size`` divides by ``2**n`` (and the ratio rounds exactly). Every
SPADE layer resizes the full segmap to its own input's size.

**Style encoder** (:func:`style_encoder`, the official ``ConvEncoder``): the image is
resized to 256 x 256 by bilinear interpolation (PyTorch's ``align_corners=False``, i.e.
``tf.image.resize`` without antialiasing) unless it is 256 x 256 already; six 3x3 stride-2
convolutions (PyTorch ``padding=1``: a one-pixel zero padding and a "valid" convolution; Keras'
"same" would pad 0 / 1 at stride 2) to ``nf, 2nf, 4nf, 8nf, 8nf, 8nf`` channels, each
spectrally normalised without a bias and followed by an instance norm without affine
parameters (``get_nonspade_norm_layer(opt, "spectralinstance")`` removes the bias), leaky ReLU
0.2 between the layers and after the last; the 4 x 4 x 8nf map is flattened **in PyTorch's
channel-first order** (a ``Permute`` before ``Flatten``, so ``fc_mu`` / ``fc_var`` weights load
as ``weight.T``); ``fc_mu`` and ``fc_var`` (linear, with biases) give ``(mu, logvar)``. Note
``ndf = opt.ngf`` in the official (``--nef`` is unused).

Biases: every convolution and linear layer of the generator has one (PyTorch's default), but
``conv_s``; the encoder's convolutions have none. Initialisation: the official
``init_weights("xavier", 0.02)``, Xavier normal with gain 0.02 for every kernel
(:func:`keras_gans.layers.spade.xavier_normal`), zero biases.

Where the official code differs from its own documentation or cannot run:

* ``ConvEncoder`` builds ``layer6`` only for ``crop_size >= 256``, but its forward always
  resizes the input to 256 x 256, so without ``layer6`` the flattened 8 x 8 map does not fit
  ``fc_mu`` (built for 4 x 4) and it fails. Every configuration that runs has six layers; so
  has :func:`style_encoder`, for any input size.
* ``ConvEncoder``'s ``fc_mu`` / ``fc_var`` have 256 outputs whatever ``--z_dim``; ``z_dim``
  here sets them (256 by default).
* ``get_nonspade_norm_layer`` only works for spectral norms (for ``"instance"`` its
  ``subnorm_type`` is unbound); ``style_encoder(spectral_norm=False)`` is the evident meaning
  (a bias-free convolution and the instance norm).
* ``conv_img`` has 3 outputs whatever ``--output_nc``; ``output_channels`` sets it here.

Spectral norm is Keras' ``SpectralNormalization`` (one power iteration per training call, as
``torch.nn.utils.spectral_norm``); it keeps the unnormalised kernel and ``vector_u`` (PyTorch's
``weight_u``) and, in a training call, writes ``W / sigma`` into the kernel, so the gradient
does not flow through sigma (PyTorch's does). PyTorch's eval mode computes ``weight_orig /
sigma`` from its stored u and v; Keras' inference uses the kernel as it is. To reproduce a
PyTorch checkpoint's eval outputs, load ``weight_orig / (u . W v)`` into the kernel (what
``keras_gans.networks.convert.load_state_dict(..., spectral_norm="eval")`` does for the
super-resolution networks).

Parameter counts at the paper configurations (ngf 64, spectral norm, sync batch norm; the
trainable weights here, all parameters in the official code; u vectors and BN statistics are
non-trainable buffers on both sides):

=============================================  ==============  ===========  ============
configuration                                  label channels  without VAE  with VAE
=============================================  ==============  ===========  ============
ADE20K (150 + dontcare, no instance; 256)      151             96,492,483   111,942,595
COCO-Stuff (182 + dontcare + edge; 256)        184             97,480,899   112,626,883
Cityscapes (35 + edge; 512, aspect 2, "more")  36              93,048,003   101,136,579
style encoder (ngf 64, z 256)                  --              10,463,424
=============================================  ==============  ===========  ============

(Cityscapes' dataset options set ``num_upsampling_layers="more"``, ``aspect_ratio=2``, no
dontcare label, instance maps on; its latent map is 4 x 8 and its output 256 x 512.)
"""

import keras
from keras import layers, ops

from keras_gans.layers.spade import SPADE, NearestResize, xavier_normal
from keras_gans.losses.reconstruction import kl_divergence
from keras_gans.networks.checks import check_int

__all__ = [
    "NUM_UPSAMPLING",
    "kl_divergence",
    "latent_size",
    "reparameterize",
    "spade_generator",
    "spade_residual_block",
    "style_encoder",
]

NUM_UPSAMPLING = {"normal": 5, "more": 6, "most": 7}
_NORMS = ("batch", "instance")


def _offset(seed, offset):
    return None if seed is None else seed + offset


def _check_seed(seed):
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise ValueError(f"seed must be an int or None; received {seed!r}.")


def _check_bool(value, what):
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be a bool; received {value!r}.")


def _check_norm(norm, synchronized):
    if norm not in _NORMS:
        raise ValueError(f"norm must be one of {_NORMS}; received {norm!r}.")
    _check_bool(synchronized, "synchronized")
    if synchronized and norm != "batch":
        raise ValueError(f'synchronized=True needs norm="batch"; received norm={norm!r}.')


def latent_size(crop_size=256, aspect_ratio=1.0, num_upsampling="normal"):
    """``(sh, sw)``, the generator's starting map (height, width), as the official
    ``compute_latent_vector_size``: ``sw = crop_size // 2**n``, ``sh = round(sw /
    aspect_ratio)`` (Python's round), ``n = NUM_UPSAMPLING[num_upsampling]``. Raises if either
    is 0 (the official would build an empty map)."""
    if num_upsampling not in NUM_UPSAMPLING:
        raise ValueError(
            f"num_upsampling must be one of {tuple(NUM_UPSAMPLING)}; received {num_upsampling!r}."
        )
    check_int(crop_size, "crop_size")
    if (
        isinstance(aspect_ratio, bool)
        or not isinstance(aspect_ratio, (int, float))
        or not aspect_ratio > 0
        or aspect_ratio != aspect_ratio
    ):
        raise ValueError(f"aspect_ratio (width / height) must be a positive number; received "
                         f"{aspect_ratio!r}.")
    n = NUM_UPSAMPLING[num_upsampling]
    sw = crop_size // 2**n
    sh = round(sw / aspect_ratio)
    if sw < 1 or sh < 1:
        raise ValueError(
            f"crop_size={crop_size} with num_upsampling={num_upsampling!r} ({n} upsamplings) and "
            f"aspect_ratio={aspect_ratio} gives a {sh} x {sw} starting map; crop_size must be at "
            f"least {2**n} (and crop_size // {2**n} / aspect_ratio must round to >= 1)."
        )
    return sh, sw


def _sn_conv(x, filters, kernel_size, spectral_norm, name, seed, use_bias=True, strides=1,
             padding="same"):
    conv = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=use_bias,
        kernel_initializer=xavier_normal(0.02, seed),
        name=f"{name}_conv" if spectral_norm else name,
    )
    if spectral_norm:
        return layers.SpectralNormalization(conv, power_iterations=1, name=name)(x)
    return conv(x)


def spade_residual_block(
    x,
    segmap,
    filters,
    spectral_norm=True,
    norm="batch",
    synchronized=False,
    kernel_size=3,
    hidden_filters=128,
    seed=None,
    name="spade_block",
):
    """The official ``SPADEResnetBlock`` on Keras tensors: ``x`` ``[B, H, W, fin]`` and the
    segmentation map ``[B, h, w, L]`` -> ``[B, H, W, filters]``.

    A learned shortcut (SPADE ``norm_s``, then a 1x1 convolution ``conv_s`` without bias) when
    ``fin != filters``, the identity otherwise; the residual branch is SPADE ``norm_0`` ->
    leaky ReLU 0.2 -> 3x3 ``conv_0`` (``fmiddle = min(fin, filters)`` outputs) -> SPADE
    ``norm_1`` -> leaky ReLU 0.2 -> 3x3 ``conv_1``. Layers are named ``{name}_norm_0``,
    ``{name}_conv_0`` (the ``SpectralNormalization`` wrapper when ``spectral_norm``; its
    convolution is ``{name}_conv_0_conv``), ..., ``{name}_add``.

    Args:
        x: input features (a Keras tensor with a known channel count).
        segmap: the segmentation map (any size; each SPADE resizes it to ``x``'s).
        filters: output channels (``fout``).
        spectral_norm: spectral normalisation on conv_0, conv_1, conv_s (official: True).
        norm: SPADE's parameter-free norm, ``"batch"`` or ``"instance"``.
        synchronized: cross-replica batch statistics (the official sync BN).
        kernel_size: SPADE convolutions' size (3).
        hidden_filters: SPADE's shared width (128).
        seed: optional int seed for the initializers.
        name: prefix of the layer names.
    """
    check_int(filters, "filters")
    _check_bool(spectral_norm, "spectral_norm")
    _check_norm(norm, synchronized)
    _check_seed(seed)
    fin = x.shape[-1]
    if fin is None:
        raise ValueError(f"spade_residual_block needs x with a known channel count; received "
                         f"shape {x.shape}.")
    fmiddle = min(fin, filters)

    def spade(features, suffix, offset):
        return SPADE(
            norm=norm,
            kernel_size=kernel_size,
            hidden_filters=hidden_filters,
            synchronized=synchronized,
            seed=_offset(seed, offset),
            name=f"{name}_norm_{suffix}",
        )([features, segmap])

    def lrelu(features, suffix):
        return layers.LeakyReLU(0.2, name=f"{name}_lrelu_{suffix}")(features)

    if fin != filters:
        shortcut = spade(x, "s", 30)
        shortcut = _sn_conv(shortcut, filters, 1, spectral_norm, f"{name}_conv_s",
                            _offset(seed, 3), use_bias=False)
    else:
        shortcut = x
    dx = lrelu(spade(x, "0", 10), "0")
    dx = _sn_conv(dx, fmiddle, 3, spectral_norm, f"{name}_conv_0", _offset(seed, 1))
    dx = lrelu(spade(dx, "1", 20), "1")
    dx = _sn_conv(dx, filters, 3, spectral_norm, f"{name}_conv_1", _offset(seed, 2))
    return layers.Add(name=f"{name}_add")([shortcut, dx])


def _check_label_shape(label_shape):
    if (
        not isinstance(label_shape, (tuple, list))
        or len(label_shape) != 3
        or not all(
            (d is None and i < 2) or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
            for i, d in enumerate(label_shape)
        )
    ):
        raise ValueError(
            "label_shape must be (height, width, label_channels) with positive ints (height and "
            f"width may be None); received {label_shape!r}."
        )
    return tuple(label_shape)


def spade_generator(
    label_shape,
    output_channels=3,
    base_filters=64,
    num_upsampling="normal",
    crop_size=256,
    aspect_ratio=1.0,
    use_vae=False,
    z_dim=256,
    spectral_norm=True,
    norm="batch",
    synchronized=False,
    seed=None,
    name="spade_generator",
):
    """Builds the official ``SPADEGenerator`` (module docstring): segmentation map -> image in
    [-1, 1].

    Args:
        label_shape: ``(H, W, label_channels)`` of the segmap input: the one-hot classes
            (``label_nc``, plus one for a dontcare label), plus one channel for the instance
            edges if used (``opt.semantic_nc``), as floats. H and W, when given, must equal the
            output size ``(sh * 2**n, sw * 2**n)`` (:func:`latent_size`); None accepts any size
            (each SPADE resizes the segmap to its own features' size).
        output_channels: channels of the image (3, hard-coded in the official).
        base_filters: ``ngf`` (64); at least 2 for ``num_upsampling="most"``.
        num_upsampling: ``"normal"`` (5 upsamplings), ``"more"`` (6: one more between
            G_middle_0 and G_middle_1) or ``"most"`` (7: also ``up_4`` at the end, nf // 2
            channels).
        crop_size: the official ``--crop_size``, the output width.
        aspect_ratio: width / height (``--aspect_ratio``; 2 for Cityscapes).
        use_vae: start from a latent ``z`` (a linear layer) instead of the downsampled segmap.
        z_dim: length of ``z`` (256).
        spectral_norm: spectral norm on the residual blocks' convolutions (official: True).
        norm: SPADE's parameter-free norm, ``"batch"`` (official) or ``"instance"``.
        synchronized: synchronised batch norm across replicas (the official sync BN).
        seed: optional int seed for the initializers.
        name: model name.

    Returns:
        A functional ``keras.Model``: inputs ``segmap`` ``[B, H, W, label_channels]`` and,
        with ``use_vae``, ``z`` ``[B, z_dim]`` (called as ``model([segmap, z])``); output
        ``[B, sh * 2**n, sw * 2**n, output_channels]`` in float32.

    Example:
        >>> g = spade_generator((64, 64, 10), base_filters=4, crop_size=64)
        >>> g(keras.random.uniform((2, 64, 64, 10))).shape
        TensorShape([2, 64, 64, 3])
    """
    label_shape = _check_label_shape(label_shape)
    check_int(output_channels, "output_channels")
    check_int(base_filters, "base_filters")
    sh, sw = latent_size(crop_size, aspect_ratio, num_upsampling)
    _check_bool(use_vae, "use_vae")
    check_int(z_dim, "z_dim")
    _check_bool(spectral_norm, "spectral_norm")
    _check_norm(norm, synchronized)
    _check_seed(seed)
    n = NUM_UPSAMPLING[num_upsampling]
    if num_upsampling == "most" and base_filters < 2:
        raise ValueError(f'num_upsampling="most" ends with base_filters // 2 channels; '
                         f"base_filters must be >= 2; received {base_filters!r}.")
    out_h, out_w = sh * 2**n, sw * 2**n
    for size, want, axis in ((label_shape[0], out_h, "height"), (label_shape[1], out_w, "width")):
        if size is not None and size != want:
            raise ValueError(
                f"spade_generator(crop_size={crop_size}, aspect_ratio={aspect_ratio}, "
                f"num_upsampling={num_upsampling!r}) makes {out_h} x {out_w} images ({sh} x {sw} "
                f"times 2**{n}); the segmap {axis} must match (or be None); received "
                f"label_shape={label_shape!r}."
            )
    nf = base_filters

    segmap = keras.Input(label_shape, name="segmap")
    if use_vae:
        z = keras.Input((z_dim,), name="z")
        x = layers.Dense(16 * nf * sh * sw, kernel_initializer=xavier_normal(0.02, seed),
                         name="fc")(z)
        # PyTorch's view(-1, 16 nf, sh, sw), then channels last.
        x = layers.Reshape((16 * nf, sh, sw), name="fc_view")(x)
        x = layers.Permute((2, 3, 1), name="fc_to_nhwc")(x)
        inputs = [segmap, z]
    else:
        x = NearestResize((sh, sw), name="fc_resize")(segmap)
        x = layers.Conv2D(16 * nf, 3, padding="same", kernel_initializer=xavier_normal(0.02, seed),
                          name="fc")(x)
        inputs = segmap

    block_kwargs = dict(spectral_norm=spectral_norm, norm=norm, synchronized=synchronized)

    def block(features, filters, block_name, index):
        return spade_residual_block(features, segmap, filters, seed=_offset(seed, 100 * index),
                                    name=block_name, **block_kwargs)

    def up(features, block_name):
        return layers.UpSampling2D(2, interpolation="nearest", name=f"{block_name}_up")(features)

    x = block(x, 16 * nf, "head_0", 1)
    x = block(up(x, "G_middle_0"), 16 * nf, "G_middle_0", 2)
    if num_upsampling in ("more", "most"):
        x = up(x, "G_middle_1")
    x = block(x, 16 * nf, "G_middle_1", 3)
    widths = [("up_0", 8 * nf), ("up_1", 4 * nf), ("up_2", 2 * nf), ("up_3", nf)]
    if num_upsampling == "most":
        widths.append(("up_4", nf // 2))
    for index, (block_name, filters) in enumerate(widths, start=4):
        x = block(up(x, block_name), filters, block_name, index)
    x = layers.LeakyReLU(0.2, name="conv_img_lrelu")(x)
    x = layers.Conv2D(output_channels, 3, padding="same",
                      kernel_initializer=xavier_normal(0.02, _offset(seed, 99)), name="conv_img")(x)
    x = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(inputs, x, name=name)


def style_encoder(
    image_shape=(256, 256, 3),
    base_filters=64,
    z_dim=256,
    spectral_norm=True,
    seed=None,
    name="style_encoder",
):
    """Builds the official ``ConvEncoder`` (module docstring): image -> ``(mu, logvar)``.

    Args:
        image_shape: ``(H, W, C)`` of the input images (in [-1, 1]); H and W may be None.
            Any size other than 256 x 256 is resized to it (bilinear, as the official forward).
        base_filters: ``ndf`` (the official uses ``--ngf``, 64).
        z_dim: length of ``mu`` and ``logvar`` (256, hard-coded in the official).
        spectral_norm: spectral norm on the six convolutions (official ``norm_E`` default
            ``"spectralinstance"``: True).
        seed: optional int seed for the initializers.
        name: model name.

    Returns:
        A functional ``keras.Model`` with input ``images`` ``[B, H, W, C]`` and outputs
        ``[mu, logvar]``, each ``[B, z_dim]`` in float32.

    Example:
        >>> e = style_encoder((64, 64, 3), base_filters=4, z_dim=8)
        >>> mu, logvar = e(keras.random.uniform((2, 64, 64, 3)))
        >>> mu.shape, logvar.shape
        (TensorShape([2, 8]), TensorShape([2, 8]))
    """
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 3
        or not all(
            (d is None and i < 2) or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
            for i, d in enumerate(image_shape)
        )
    ):
        raise ValueError(
            "image_shape must be (height, width, channels) with positive ints (height and width "
            f"may be None); received {image_shape!r}."
        )
    image_shape = tuple(image_shape)
    check_int(base_filters, "base_filters")
    check_int(z_dim, "z_dim")
    _check_bool(spectral_norm, "spectral_norm")
    _check_seed(seed)
    nf = base_filters

    images = keras.Input(image_shape, name="images")
    x = images
    if image_shape[:2] != (256, 256):
        x = layers.Resizing(256, 256, interpolation="bilinear", name="resize_256")(x)
    for i, filters in enumerate((nf, 2 * nf, 4 * nf, 8 * nf, 8 * nf, 8 * nf), start=1):
        if i > 1:
            x = layers.LeakyReLU(0.2, name=f"layer{i}_lrelu")(x)
        x = layers.ZeroPadding2D(1, name=f"layer{i}_pad")(x)  # PyTorch padding=1 at stride 2
        x = _sn_conv(x, filters, 3, spectral_norm, f"layer{i}", _offset(seed, i), use_bias=False,
                     strides=2, padding="valid")
        x = layers.GroupNormalization(groups=-1, epsilon=1e-5, center=False, scale=False,
                                      name=f"layer{i}_norm")(x)
    x = layers.LeakyReLU(0.2, name="lrelu")(x)
    x = layers.Permute((3, 1, 2), name="to_nchw")(x)  # PyTorch's flatten order
    x = layers.Flatten(name="flatten")(x)
    mu = layers.Dense(z_dim, kernel_initializer=xavier_normal(0.02, _offset(seed, 7)),
                      dtype="float32", name="fc_mu")(x)
    logvar = layers.Dense(z_dim, kernel_initializer=xavier_normal(0.02, _offset(seed, 8)),
                          dtype="float32", name="fc_var")(x)
    return keras.Model(images, [mu, logvar], name=name)


def reparameterize(mu, logvar, seed=None, noise=None):
    """``z = mu + eps * exp(logvar / 2)`` with ``eps ~ N(0, I)`` (the official
    ``Pix2PixModel.reparameterize``).

    Args:
        mu, logvar: ``[B, z_dim]`` tensors (the style encoder's outputs).
        seed: an int, a ``keras.random.SeedGenerator`` or None, for
            ``keras.random.normal``; ignored when ``noise`` is given. Inside a
            ``tf.function`` pass a ``SeedGenerator`` (or fresh ints) to get new draws.
        noise: optional ``eps`` of ``mu``'s shape, used as it is.

    Returns:
        ``z``, float32, ``mu``'s shape.
    """
    mu = ops.cast(mu, "float32")
    logvar = ops.cast(logvar, "float32")
    if tuple(mu.shape) != tuple(logvar.shape):
        raise ValueError(f"mu and logvar must have the same shape; received {tuple(mu.shape)} "
                         f"and {tuple(logvar.shape)}.")
    if noise is None:
        noise = keras.random.normal(ops.shape(mu), seed=seed, dtype="float32")
    else:
        noise = ops.cast(noise, "float32")
        if tuple(noise.shape) != tuple(mu.shape):
            raise ValueError(f"noise must have mu's shape {tuple(mu.shape)}; received "
                             f"{tuple(noise.shape)}.")
    return mu + noise * ops.exp(0.5 * logvar)
