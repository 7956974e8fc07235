"""ResNet generators and discriminators of SNGAN (Miyato et al. 2018) and SAGAN (Zhang et al. 2019).

SNGAN, CIFAR-10 (official code pfnet-research/sngan_projection, ``gen_models/resnet_32.py``,
``gen_models/resblocks.py``, ``dis_models/snresnet_32.py``, ``dis_models/resblocks.py``,
``configs/sn_cifar10_unconditional.yml``):

* G: z = 128 -> linear (with bias) to a 4x4x256 map -> 3 up-blocks -> BN -> ReLU ->
  conv3x3 to 3 channels -> tanh. Up-block: BN-ReLU-upsample(nearest)-conv3x3-BN-ReLU-conv3x3,
  shortcut upsample + conv1x1. Chainer's batch norm: decay 0.9 (Keras momentum 0.9),
  epsilon 2e-5.
* D: optimized block (conv3x3-ReLU-conv3x3-avgpool, shortcut avgpool-conv1x1) to 128
  channels, one down-block, two plain blocks (ReLU-conv3x3-ReLU-conv3x3 [+ avgpool], shortcut
  conv1x1 [+ avgpool] where the block downsamples or changes width), ReLU, global *sum*
  pooling, linear (no bias) -> 1. Every weight spectrally normalised.
* Initialisation: Chainer's ``GlorotUniform(sqrt(2))`` (bound ``sqrt(2) * sqrt(6 / (fan_in +
  fan_out))``, i.e. Keras ``VarianceScaling(2, "fan_avg", "uniform")``) on the residual-branch
  convolutions, ``GlorotUniform()`` on shortcuts, the first linear, the last convolution,
  D's linear and the projection embedding; zero biases.
* With ``num_classes`` the same code's conditional networks: categorical conditional BN in
  G's blocks and the projection discriminator ``linear(h) + <embed(y), h>``.

SAGAN, ImageNet 128x128 (official code brain-research/self-attention-gan, ``generator.py``
``generator_test``, ``discriminator.py`` ``discriminator_test``, ``non_local.py``, ``ops.py``;
``model.py`` selects the ``test`` networks, gf_dim = df_dim = 64, z = 128):

* G: spectrally normalised linear to 4x4x1024, up-blocks to 1024, 512, 256 (32x32),
  self-attention, 128, 64 channels; each block CBN-ReLU-upsample-snconv3x3-CBN-ReLU-snconv3x3
  with shortcut upsample-snconv1x1; then BN (decay 0.9999), ReLU, snconv3x3, tanh. CBN: one
  gain (init 1) and bias (init 0) per class, decay 0.999, epsilon 1e-5.
* D: optimized block to 64 channels (64x64), down-block to 128 (32x32), self-attention,
  down-blocks to 256, 512, 1024, a plain 1024 block, ReLU, global sum pooling, SN linear (with
  bias) + projection ``sum(sn_embed(y) * h)``. D's blocks widen in their first convolution.
* Xavier (Glorot uniform) initialisation everywhere, zero biases, SN on every convolution,
  linear and embedding of both networks (not on the CBN tables).

Where we differ, and why:

* Spectral normalisation is Keras' ``SpectralNormalization`` (one power iteration, as both
  official codes). In training mode it writes ``W / sigma`` into the kernel before the call,
  so the gradient does not flow through ``sigma`` (the official codes differentiate through
  it), and it updates ``u`` on every training call (SAGAN's code skips the update on the
  fake pass).
* Global sum pooling is ``GlobalAveragePooling2D`` followed by ``Rescaling(H * W)``: the same
  value up to float rounding, built from stock layers.
* Channels-last (NHWC) and Keras' reshape order: the first linear's units are permuted relative
  to Chainer's NCHW reshape; parameter counts are unchanged.
* The moving variance of batch norm is the biased one (Keras); Chainer keeps the unbiased one.
  Only inference-mode outputs are affected.

Other sizes: ``image_shape`` picks the number of 2x steps. The bottom width is found by
halving the image size while it stays even and at least 4 (32 -> 4 with 3 steps, 28 -> 7 with
2 steps, 8 -> 4 with 1 step, 128 -> 4 with 5 steps), or given by ``bottom_width``. SAGAN's
widths default to the tail of the official ladder; attention sits at ``attention_resolution``.
"""

import keras
from keras import layers

from keras_gans.layers.attention import SelfAttention
from keras_gans.networks.checks import check_square_image_shape
from keras_gans.layers.conditional_norm import ConditionalBatchNormalization

# Batch-norm settings of the two official codes: (momentum, epsilon).
_CHAINER_BN = (0.9, 2e-5)
_SAGAN_CBN = (0.999, 1e-5)
_SAGAN_BN = (0.9999, 1e-5)  # tf.contrib.layers.batch_norm(decay=0.9999) on G's output


# ----------------------------------------------------------------------------- validation
def _check_int(value, what, minimum=1):
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{what} must be an int >= {minimum}; received {value!r}.")


def _check_num_classes(num_classes):
    if num_classes is None:
        return None
    _check_int(num_classes, "num_classes")
    return num_classes


def _ladder(size, bottom_width=None):
    """``(bottom_width, steps)`` with ``size == bottom_width * 2**steps`` and ``steps >= 1``."""
    if bottom_width is None:
        bottom, steps = size, 0
        while bottom % 2 == 0 and bottom // 2 >= 4:
            bottom, steps = bottom // 2, steps + 1
    else:
        _check_int(bottom_width, "bottom_width")
        bottom, steps = bottom_width, 0
        while bottom * 2**steps < size:
            steps += 1
        if bottom * 2**steps != size:
            raise ValueError(
                f"image size {size} is not bottom_width {bottom_width} times a power of two."
            )
    if steps < 1:
        raise ValueError(
            f"image size {size} leaves no 2x up/down step above a bottom width of {bottom}; "
            "use an image size of at least 8 with a factor of 2 (e.g. 8, 16, 28, 32, 128)."
        )
    return bottom, steps


def _check_multipliers(multipliers, what):
    if (
        not isinstance(multipliers, (tuple, list))
        or len(multipliers) < 2
        or not all(isinstance(m, int) and not isinstance(m, bool) and m > 0 for m in multipliers)
    ):
        raise ValueError(f"{what} must be a tuple of at least two positive ints; received {multipliers!r}.")
    return tuple(multipliers)


def _official_ladder(steps):
    """The tail of SAGAN's 128x128 width ladder (16, 8, 4, 2, 1), extended with 16s."""
    return (16,) * max(0, steps - 5) + (16, 8, 4, 2, 1)[-min(steps, 5):]


# ----------------------------------------------------------------------------- layer factory
class _Factory:
    """Makes layers with the initialisers of one official code, seeded per layer."""

    def __init__(self, seed, scheme, spectral_norm):
        if seed is not None:
            _check_int(seed, "seed", minimum=0)
        self.seed = seed
        self.scheme = scheme  # "chainer" (SNGAN) or "xavier" (SAGAN)
        self.spectral_norm = spectral_norm
        self.count = 0

    def _seed(self):
        self.count += 1
        return None if self.seed is None else self.seed + self.count

    def init(self, residual=False):
        if self.scheme == "chainer" and residual:
            # Chainer's GlorotUniform(scale=sqrt(2)): bound scale * sqrt(6 / (fan_in + fan_out)).
            return keras.initializers.VarianceScaling(2.0, "fan_avg", "uniform", seed=self._seed())
        return keras.initializers.GlorotUniform(seed=self._seed())

    def _wrap(self, layer, name):
        if self.spectral_norm:
            return layers.SpectralNormalization(layer, dtype=layer.dtype_policy, name=f"sn_{name}")
        return layer

    def conv(self, filters, kernel_size, name, residual=False):
        conv = layers.Conv2D(
            filters, kernel_size, padding="same", kernel_initializer=self.init(residual), name=name
        )
        return self._wrap(conv, name)

    def dense(self, units, name, use_bias=True, dtype=None):
        return self._wrap(
            layers.Dense(units, use_bias=use_bias, kernel_initializer=self.init(), dtype=dtype, name=name), name
        )

    def embedding(self, num_classes, dim, name, dtype=None):
        return self._wrap(
            layers.Embedding(num_classes, dim, embeddings_initializer=self.init(), dtype=dtype, name=name), name
        )

    def attention(self, name):
        return SelfAttention(spectral_norm=self.spectral_norm, kernel_initializer=self.init(), name=name)


def _norm(x, labels, num_classes, settings, name):
    momentum, epsilon = settings
    if num_classes is None:
        return layers.BatchNormalization(momentum=momentum, epsilon=epsilon, name=name)(x)
    return ConditionalBatchNormalization(num_classes, momentum=momentum, epsilon=epsilon, name=name)([x, labels])


# ----------------------------------------------------------------------------- blocks
def _up_block(f, x, labels, out_channels, num_classes, bn_settings, name):
    """BN-ReLU-upsample-conv3x3-BN-ReLU-conv3x3 + upsample-conv1x1 (both official codes)."""
    h = _norm(x, labels, num_classes, bn_settings, f"{name}_bn1")
    h = layers.ReLU(name=f"{name}_relu1")(h)
    h = layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_up")(h)
    h = f.conv(out_channels, 3, f"{name}_conv1", residual=True)(h)
    h = _norm(h, labels, num_classes, bn_settings, f"{name}_bn2")
    h = layers.ReLU(name=f"{name}_relu2")(h)
    h = f.conv(out_channels, 3, f"{name}_conv2", residual=True)(h)
    s = layers.UpSampling2D(2, interpolation="nearest", name=f"{name}_shortcut_up")(x)
    s = f.conv(out_channels, 1, f"{name}_shortcut_conv")(s)
    return layers.Add(name=f"{name}_add")([h, s])


def _optimized_block(f, x, out_channels, name):
    """conv3x3-ReLU-conv3x3-avgpool + avgpool-conv1x1: D's first block (no ReLU on pixels)."""
    h = f.conv(out_channels, 3, f"{name}_conv1", residual=True)(x)
    h = layers.ReLU(name=f"{name}_relu1")(h)
    h = f.conv(out_channels, 3, f"{name}_conv2", residual=True)(h)
    h = layers.AveragePooling2D(2, name=f"{name}_pool")(h)
    s = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(x)
    s = f.conv(out_channels, 1, f"{name}_shortcut_conv")(s)
    return layers.Add(name=f"{name}_add")([h, s])


def _down_block(f, x, out_channels, hidden_channels, downsample, name):
    """ReLU-conv3x3-ReLU-conv3x3 [+ avgpool], shortcut conv1x1 [+ avgpool] when needed."""
    in_channels = x.shape[-1]
    h = layers.ReLU(name=f"{name}_relu1")(x)
    h = f.conv(hidden_channels, 3, f"{name}_conv1", residual=True)(h)
    h = layers.ReLU(name=f"{name}_relu2")(h)
    h = f.conv(out_channels, 3, f"{name}_conv2", residual=True)(h)
    if downsample:
        h = layers.AveragePooling2D(2, name=f"{name}_pool")(h)
    s = x
    if downsample or in_channels != out_channels:
        s = f.conv(out_channels, 1, f"{name}_shortcut_conv")(s)
        if downsample:
            s = layers.AveragePooling2D(2, name=f"{name}_shortcut_pool")(s)
    return layers.Add(name=f"{name}_add")([h, s])


def _head(f, x, labels, num_classes, use_bias):
    """ReLU, global sum pooling, linear -> 1 (+ projection <embed(y), h>, Miyato & Koyama 2018)."""
    h = layers.ReLU(name="relu_out")(x)
    h = layers.GlobalAveragePooling2D(name="average_pool")(h)
    h = layers.Rescaling(float(x.shape[1] * x.shape[2]), name="sum_pool")(h)
    logits = f.dense(1, "linear", use_bias=use_bias, dtype="float32")(h)
    if num_classes is None:
        return logits
    # Keras' SpectralNormalization casts its output to its input's dtype, so int labels would
    # make the embedded vectors integers (truncated, with no gradient). The labels go in as
    # floats (exact below 2**24) and Embedding casts them back to int.
    labels = keras.ops.cast(labels, "float32")
    embedded = f.embedding(num_classes, x.shape[-1], "embed", dtype="float32")(labels)
    projection = layers.Dot(axes=1, dtype="float32", name="projection")([embedded, h])
    return layers.Add(dtype="float32", name="logits")([logits, projection])


def _inputs_g(latent_dim, num_classes):
    _check_int(latent_dim, "latent_dim")
    z = keras.Input((latent_dim,), name="latents")
    if num_classes is None:
        return z, None, z
    labels = keras.Input((), dtype="int32", name="labels")
    return z, labels, [z, labels]


def _inputs_d(image_shape, num_classes):
    images = keras.Input(image_shape, name="images")
    if num_classes is None:
        return images, None, images
    labels = keras.Input((), dtype="int32", name="labels")
    return images, labels, [images, labels]


def _output(f, x, channels):
    x = f.conv(channels, 3, "conv_out")(x)
    return layers.Activation("tanh", dtype="float32", name="tanh")(x)


# ----------------------------------------------------------------------------- SNGAN
def sngan_generator(
    latent_dim=128,
    image_shape=(32, 32, 3),
    channels=256,
    bottom_width=None,
    num_classes=None,
    seed=None,
    name="sngan_generator",
):
    """Builds the SNGAN ResNet generator (Miyato et al. 2018, official ``resnet_32.py``).

    Latents ``[B, latent_dim]`` (or ``[latents, labels]`` with ``num_classes``) -> images in
    [-1, 1]. No spectral normalisation in G, as in the paper.

    Args:
        latent_dim: size of z (128; drawn from N(0, 1)).
        image_shape: ``(H, W, C)``; 32x32x3 is the paper's CIFAR-10 network, 28x28x1 gives a
            7x7 bottom and 2 up-blocks, 8x8 a 4x4 bottom and 1 up-block.
        channels: width of every block (256 in the official code).
        bottom_width: width of the first feature map; default: see the module docstring.
        num_classes: with an int, categorical conditional BN in the blocks (the projection
            cGAN generator of the same code); ``None`` for the unconditional network.
        seed: optional int seed for the initialisers.
        name: model name.

    Returns:
        A functional ``keras.Model``.

    Example:
        >>> g = sngan_generator()
        >>> g(keras.random.normal((2, 128))).shape
        (2, 32, 32, 3)
    """
    image_shape = check_square_image_shape(image_shape, "ResNet GAN")
    _check_int(channels, "channels")
    num_classes = _check_num_classes(num_classes)
    bottom, steps = _ladder(image_shape[0], bottom_width)
    f = _Factory(seed, "chainer", spectral_norm=False)
    z, labels, inputs = _inputs_g(latent_dim, num_classes)
    x = f.dense(bottom * bottom * channels, "project")(z)
    x = layers.Reshape((bottom, bottom, channels), name="reshape")(x)
    for i in range(1, steps + 1):
        x = _up_block(f, x, labels, channels, num_classes, _CHAINER_BN, f"block{i}")
    x = layers.BatchNormalization(momentum=_CHAINER_BN[0], epsilon=_CHAINER_BN[1], name="bn_out")(x)
    x = layers.ReLU(name="relu_out")(x)
    return keras.Model(inputs, _output(f, x, image_shape[-1]), name=name)


def sngan_discriminator(
    image_shape=(32, 32, 3),
    channels=128,
    num_downsamples=2,
    num_plain_blocks=2,
    num_classes=None,
    seed=None,
    name="sngan_discriminator",
):
    """Builds the SNGAN ResNet discriminator (Miyato et al. 2018, official ``snresnet_32.py``).

    Images ``[B, H, W, C]`` (or ``[images, labels]`` with ``num_classes``) -> logits ``[B, 1]``.
    Every convolution, the linear layer and the projection embedding are spectrally
    normalised.

    Args:
        image_shape: ``(H, W, C)``, square, divisible by ``2**num_downsamples``.
        channels: width of every block (128 in the official code).
        num_downsamples: downsampling blocks, the optimized first block included (2).
        num_plain_blocks: blocks without downsampling after them (2).
        num_classes: with an int, the projection discriminator (Miyato & Koyama 2018):
            ``linear(h) + <sn_embed(y), h>``; ``None`` for the unconditional network.
        seed: optional int seed for the initialisers.
        name: model name.

    Example:
        >>> d = sngan_discriminator()
        >>> d(keras.ops.zeros((2, 32, 32, 3))).shape
        (2, 1)
    """
    image_shape = check_square_image_shape(image_shape, "ResNet GAN")
    _check_int(channels, "channels")
    _check_int(num_downsamples, "num_downsamples")
    _check_int(num_plain_blocks, "num_plain_blocks", minimum=0)
    num_classes = _check_num_classes(num_classes)
    if image_shape[0] % 2**num_downsamples:
        raise ValueError(
            f"image size {image_shape[0]} is not divisible by 2**num_downsamples = {2**num_downsamples}."
        )
    f = _Factory(seed, "chainer", spectral_norm=True)
    images, labels, inputs = _inputs_d(image_shape, num_classes)
    x = _optimized_block(f, images, channels, "block1")
    for i in range(2, num_downsamples + num_plain_blocks + 1):
        # Chainer's D block: hidden width = input width.
        x = _down_block(f, x, channels, x.shape[-1], i <= num_downsamples, f"block{i}")
    logits = _head(f, x, labels, num_classes, use_bias=False)  # l5: SNLinear(nobias=True)
    return keras.Model(inputs, logits, name=name)


# ----------------------------------------------------------------------------- SAGAN
def _check_attention(resolution, allowed, network):
    if resolution is None:
        return None
    if resolution not in allowed:
        raise ValueError(
            f"attention_resolution must be one of the {network}'s feature-map sizes "
            f"{sorted(allowed)} or None; received {resolution!r}."
        )
    return resolution


def sagan_generator(
    latent_dim=128,
    num_classes=1000,
    image_shape=(128, 128, 3),
    base_channels=64,
    channel_multipliers=None,
    attention_resolution=32,
    spectral_norm=True,
    seed=None,
    name="sagan_generator",
):
    """Builds the SAGAN generator (Zhang et al. 2019, official ``generator.py``, ``generator_test``).

    ``[latents [B, latent_dim], labels int32 [B]]`` -> images in [-1, 1] (latents alone when
    ``num_classes`` is ``None``, with plain batch norm in the blocks).

    Args:
        latent_dim: size of z (128; N(0, 1)).
        num_classes: classes of the conditional batch norms (1000 for ImageNet), or ``None``.
        image_shape: ``(H, W, C)``; 128x128x3 in the paper.
        base_channels: ``gf_dim`` (64).
        channel_multipliers: widths in units of ``base_channels``: the first linear's map,
            then each up-block's output. Default: the tail of the official
            ``(16, 16, 8, 4, 2, 1)`` for the number of up-blocks the image size needs (32x32:
            ``(4, 4, 2, 1)``; 28x28: ``(2, 2, 1)``). Its length fixes the bottom width.
        attention_resolution: feature-map size after which self-attention is applied
            (32 in the official 128x128 network, after the 256-channel block); the bottom
            size puts it right after the first linear; ``None`` for no attention.
        spectral_norm: spectral normalisation on G's linear and convolutions (SAGAN: yes).
        seed: optional int seed for the initialisers.
        name: model name.

    Example:
        >>> g = sagan_generator(num_classes=10, image_shape=(32, 32, 3), attention_resolution=16)
        >>> g([keras.random.normal((2, 128)), keras.ops.array([1, 2])]).shape
        (2, 32, 32, 3)
    """
    image_shape = check_square_image_shape(image_shape, "ResNet GAN")
    num_classes = _check_num_classes(num_classes)
    _check_int(base_channels, "base_channels")
    size = image_shape[0]
    if channel_multipliers is None:
        _, steps = _ladder(size)
        tail = _official_ladder(steps)
        channel_multipliers = (tail[0],) + tail
    channel_multipliers = _check_multipliers(channel_multipliers, "channel_multipliers")
    steps = len(channel_multipliers) - 1
    if size % 2**steps:
        raise ValueError(
            f"image size {size} is not divisible by 2**{steps}, the upsampling of "
            f"channel_multipliers={channel_multipliers!r}."
        )
    bottom = size // 2**steps
    resolutions = [bottom * 2**i for i in range(steps + 1)]
    attention_resolution = _check_attention(attention_resolution, resolutions, "generator")

    f = _Factory(seed, "xavier", spectral_norm=bool(spectral_norm))
    z, labels, inputs = _inputs_g(latent_dim, num_classes)
    width = base_channels * channel_multipliers[0]
    x = f.dense(bottom * bottom * width, "project")(z)
    x = layers.Reshape((bottom, bottom, width), name="reshape")(x)
    if attention_resolution == bottom:
        x = f.attention("attention")(x)
    for i, multiplier in enumerate(channel_multipliers[1:], start=1):
        x = _up_block(f, x, labels, base_channels * multiplier, num_classes, _SAGAN_CBN, f"block{i}")
        if attention_resolution == resolutions[i]:
            x = f.attention("attention")(x)
    x = layers.BatchNormalization(momentum=_SAGAN_BN[0], epsilon=_SAGAN_BN[1], name="bn_out")(x)
    x = layers.ReLU(name="relu_out")(x)
    return keras.Model(inputs, _output(f, x, image_shape[-1]), name=name)


def sagan_discriminator(
    num_classes=1000,
    image_shape=(128, 128, 3),
    base_channels=64,
    channel_multipliers=None,
    attention_resolution=32,
    seed=None,
    name="sagan_discriminator",
):
    """Builds the SAGAN projection discriminator (Zhang et al. 2019, ``discriminator_test``).

    ``[images, labels int32 [B]]`` -> logits ``[B, 1]`` (images alone when ``num_classes``
    is ``None``). Every convolution, attention convolution, the linear layer and the
    class embedding are spectrally normalised.

    Args:
        num_classes: classes of the projection embedding (1000 for ImageNet), or ``None``.
        image_shape: ``(H, W, C)``; 128x128x3 in the paper.
        base_channels: ``df_dim`` (64).
        channel_multipliers: each block's output width in units of ``base_channels``; every
            block but the last halves the resolution (the first is the optimized block).
            Default: the official ``(1, 2, 4, 8, 16, 16)`` cut to the number of halvings the
            image size needs, plus a last plain block (32x32: ``(1, 2, 4, 4)``).
        attention_resolution: feature-map size after whose block self-attention is applied
            (32 in the official network, after the 128-channel block); ``None`` for none.
        seed: optional int seed for the initialisers.
        name: model name.

    Example:
        >>> d = sagan_discriminator(num_classes=10, image_shape=(32, 32, 3), attention_resolution=16)
        >>> d([keras.ops.zeros((2, 32, 32, 3)), keras.ops.array([1, 2])]).shape
        (2, 1)
    """
    image_shape = check_square_image_shape(image_shape, "ResNet GAN")
    num_classes = _check_num_classes(num_classes)
    _check_int(base_channels, "base_channels")
    size = image_shape[0]
    if channel_multipliers is None:
        _, steps = _ladder(size)
        head = _official_ladder(steps)[::-1]
        channel_multipliers = head + (head[-1],)
    channel_multipliers = _check_multipliers(channel_multipliers, "channel_multipliers")
    steps = len(channel_multipliers) - 1
    if size % 2**steps:
        raise ValueError(
            f"image size {size} is not divisible by 2**{steps}, the downsampling of "
            f"channel_multipliers={channel_multipliers!r}."
        )
    resolutions = [size // 2**i for i in range(1, steps + 1)]
    attention_resolution = _check_attention(attention_resolution, resolutions, "discriminator")

    f = _Factory(seed, "xavier", spectral_norm=True)
    images, labels, inputs = _inputs_d(image_shape, num_classes)
    x = _optimized_block(f, images, base_channels * channel_multipliers[0], "block1")
    attended = attention_resolution == resolutions[0]
    if attended:
        x = f.attention("attention")(x)
    for i, multiplier in enumerate(channel_multipliers[1:], start=2):
        downsample = i <= steps
        out = base_channels * multiplier
        x = _down_block(f, x, out, out, downsample, f"block{i}")  # SAGAN: hidden = out
        if not attended and downsample and attention_resolution == resolutions[i - 1]:
            x = f.attention("attention")(x)
            attended = True
    logits = _head(f, x, labels, num_classes, use_bias=True)  # snlinear has a bias
    return keras.Model(inputs, logits, name=name)
