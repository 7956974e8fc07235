"""Super-resolution generators and discriminators: SRGAN, ESRGAN, Real-ESRGAN (section 6).

Every builder returns a functional ``keras.Model`` on NHWC float images; the generators take
inputs of any size (``[None, None, None, C]``) and return ``[B, H * scale, W * scale, 3]``.
Configurations and parameter counts follow the official PyTorch code:

* :func:`rrdbnet` - ESRGAN / Real-ESRGAN generator, BasicSR ``basicsr/archs/rrdbnet_arch.py``
  ``RRDBNet`` (``ResidualDenseBlock``, ``RRDB``): ``conv_first``, ``num_blocks`` RRDBs (three
  5-conv dense blocks each, growth 32, LeakyReLU 0.2, residual scale 0.2 in every dense block
  and around every RRDB, no BN), ``conv_body`` with a long skip, two [nearest x2 ->
  ``conv_up{1,2}`` -> LeakyReLU 0.2], ``conv_hr`` -> LeakyReLU -> ``conv_last``. For scale 2 /
  1 the input is pixel-unshuffled by 2 / 4 first (3 -> 12 / 48 channels), as BasicSR does.
  ESRGAN and RealESRGAN_x4plus: ``rrdbnet()`` (16,697,987 parameters); RealESRGAN_x2plus:
  ``rrdbnet(scale=2)``; RealESRGAN_x4plus_anime_6B: ``rrdbnet(num_blocks=6)``.
* :func:`msrresnet` - BasicSR ``basicsr/archs/srresnet_arch.py`` ``MSRResNet`` (SRResNet
  without BN): ``conv_first`` + LeakyReLU 0.1, ``num_blocks`` ``ResidualBlockNoBN``
  (conv-ReLU-conv + identity), ``upconv1`` [/ ``upconv2``] + pixel shuffle + LeakyReLU 0.1,
  ``conv_hr`` + LeakyReLU 0.1, ``conv_last``, plus the bilinearly upsampled input
  (``align_corners=False``). Scales 2, 3, 4 (1,517,571 parameters at x4).
* :func:`srresnet` - SRGAN's SRResNet (Ledig et al. 2017, figure 4). The authors released no
  code; the layout, layer names and initialisation follow the widely used reimplementation
  Lornatang/SRGAN-PyTorch ``model.py`` ``SRResNet`` (``_ResidualConvBlock``,
  ``_UpsampleBlock``): 9x9 conv + PReLU, ``num_blocks`` [conv3x3-BN-PReLU-conv3x3-BN +
  identity], conv3x3-BN + long skip, ``log2(scale)`` [conv3x3 to 4C -> pixel shuffle x2 ->
  PReLU], 9x9 conv. Convolutions followed by BN carry no bias; PReLUs have one shared slope
  (``nn.PReLU()``, init 0.25). ``batch_norm=False`` drops the BNs and gives those convolutions
  a bias instead. The output is linear (Lornatang clamps to [0, 1] at the end; left out here
  so that gradients flow).
* :func:`vgg_style_discriminator` - BasicSR ``basicsr/archs/discriminator_arch.py``
  ``VGGStyleDiscriminator`` (SRGAN / ESRGAN D): ``conv0_0`` (bias) + LeakyReLU 0.2, then
  ``conv{i}_0`` 3x3 / ``conv{i}_1`` 4x4 stride 2 (no bias) each followed by ``bn{i}_{j}``
  (affine) and LeakyReLU 0.2 for i = 0..4 (0..5 at input 256), ``linear1`` to 100 + LeakyReLU
  0.2, ``linear2`` to 1 logit.
* :func:`unet_discriminator_sn` - Real-ESRGAN ``realesrgan/archs/discriminator_arch.py``
  ``UNetDiscriminatorSN`` (identical to BasicSR's copy): ``conv0`` 3x3 (bias), three 4x4
  stride-2 convolutions ``conv1..3``, three [bilinear x2 -> 3x3 conv] ``conv4..6`` with skip
  additions, ``conv7``, ``conv8``, ``conv9`` 3x3 to one channel (bias): per-pixel logits
  ``[B, H, W, 1]``. ``conv1..conv8`` (no bias) are spectrally normalised
  (``keras.layers.SpectralNormalization``, one power iteration as ``torch.nn.utils.
  spectral_norm``); ``conv0`` and ``conv9`` are not. H and W must be multiples of 8.

Padding. PyTorch's ``padding=1`` (3x3, stride 1), ``padding=4`` (9x9) and ``padding=1`` (4x4,
stride 2, even sizes) are Keras' ``"same"``. Upsampling: PyTorch nearest x2 is
``UpSampling2D(2, "nearest")``; ``F.interpolate(..., "bilinear", align_corners=False)`` is
``BilinearUpsampling(s)`` (``keras_gans.layers``: TF's half-pixel centres, no antialiasing when
enlarging; Keras' ``UpSampling2D(s, "bilinear")`` gives the same values but cannot trace tiles
of unknown size).

Layer names and weight conversion. A layer that owns parameters is named after the PyTorch
``state_dict`` key prefix of its module with every ``.`` replaced by ``_`` (``body.0.rdb1.conv1``
-> ``body_0_rdb1_conv1``, ``conv_up1``, ``trunk.3.rcb.1`` -> ``trunk_3_rcb_1``,
``upsampling.0.upsample_block.0`` -> ``upsampling_0_upsample_block_0``); parameter-free layers
(activations, additions, concatenations, resizes, pixel (un)shuffles) have other names that do
not collide. Per key suffix:

* Conv2d ``weight`` ``(O, I, kh, kw)`` -> ``kernel`` transposed to ``(kh, kw, I, O)``;
  ``bias`` -> ``bias``. The input-channel order needs no permutation anywhere: concatenations
  are in PyTorch's ``torch.cat`` order and :class:`~keras_gans.layers.pixel_shuffle.PixelShuffle`
  / ``PixelUnshuffle`` use PyTorch's channel order.
* BatchNorm2d ``weight, bias, running_mean, running_var`` -> ``gamma, beta, moving_mean,
  moving_variance`` (``num_batches_tracked`` dropped); momentum 0.1 -> Keras 0.9, eps 1e-5.
* PReLU ``weight`` ``(1,)`` -> ``alpha`` reshaped to ``(1, 1, 1)``.
* Linear ``weight`` ``(O, I)`` -> ``kernel`` transposed to ``(I, O)``. The VGG-style D permutes
  its last feature map to NCHW (layer ``to_nchw``) before flattening, so ``linear1`` needs no
  row permutation.
* Spectral norm (UNet D): ``conv{i}.weight_orig`` -> the wrapped layer's ``kernel`` (transposed
  as above), ``conv{i}.weight_u`` ``(O,)`` -> ``vector_u`` ``(1, O)``; ``weight_v`` has no Keras
  counterpart (Keras recomputes v from u).

Initialisation follows each official code: BasicSR's ``default_init_weights(m, 0.1)`` (Kaiming
normal, fan-in, gain sqrt(2), times 0.1; zero bias) on the RRDB dense-block convolutions and on
every MSRResNet convolution; PyTorch's default ``Conv2d`` / ``Linear`` init (weight and bias
uniform in +-1/sqrt(fan_in)) on RRDBNet's other convolutions and on both discriminators;
Lornatang's Kaiming normal (scale 1, zero bias) on SRResNet. BN starts at gamma 1, beta 0.

Where we differ: Keras' ``SpectralNormalization`` writes ``W / sigma`` into the kernel in
training mode, so the gradient does not flow through sigma (PyTorch's ``spectral_norm`` does);
Keras' BN keeps the biased moving variance (PyTorch the unbiased one).
"""

import math

import keras
from keras import layers

from keras_gans.layers.pixel_shuffle import PixelShuffle, PixelUnshuffle
from keras_gans.layers.resize import BilinearUpsampling
from keras_gans.networks.checks import check_int
from keras_gans.networks.unet import torch_bias_init


# ----------------------------------------------------------------------------- helpers
class _Seeds:
    """Hands out ``seed, seed + 1, ...`` (or ``None`` forever) to the initializers."""

    def __init__(self, seed):
        if seed is not None:
            check_int(seed, "seed", minimum=0)
        self._next = seed

    def __call__(self):
        if self._next is None:
            return None
        self._next += 1
        return self._next - 1


def _kaiming_normal(seeds, scale=1.0):
    """``init.kaiming_normal_`` (fan_in, gain sqrt(2)) times ``scale``."""
    return keras.initializers.VarianceScaling(
        2.0 * scale * scale, "fan_in", "untruncated_normal", seed=seeds()
    )


def _torch_default(seeds, fan_in):
    """PyTorch's default ``Conv2d`` / ``Linear`` init: kaiming_uniform(a=sqrt(5)) on the weight
    (uniform +-1/sqrt(fan_in)) and uniform +-1/sqrt(fan_in) on the bias."""
    return (
        keras.initializers.VarianceScaling(1.0 / 3.0, "fan_in", "uniform", seed=seeds()),
        torch_bias_init(fan_in, seeds()),
    )


def _conv(x, filters, kernel_size, name, init, seeds, strides=1, use_bias=True, scale=0.1):
    """Conv2D with "same" padding; ``init`` is "kaiming" (BasicSR default_init_weights with
    ``scale``), "kaiming1" (Kaiming normal, scale 1) or "torch" (PyTorch default)."""
    if init == "torch":
        kernel_init, bias_init = _torch_default(seeds, kernel_size * kernel_size * x.shape[-1])
    else:
        kernel_init = _kaiming_normal(seeds, scale if init == "kaiming" else 1.0)
        bias_init = "zeros"
    return layers.Conv2D(
        filters, kernel_size, strides=strides, padding="same", use_bias=use_bias,
        kernel_initializer=kernel_init, bias_initializer=bias_init, name=name,
    )(x)


def _lrelu(x, slope, name):
    return layers.LeakyReLU(negative_slope=slope, name=name)(x)


def _residual_scale(x, identity, scale, name):
    """``x * scale + identity`` (BasicSR's ``x5 * 0.2 + x``)."""
    return layers.Add(name=name)([layers.Rescaling(scale, name=f"{name}_scale")(x), identity])


def _bn(name):
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name)


def _prelu(name):
    # nn.PReLU(): one slope shared by all channels and positions, initialised to 0.25.
    return layers.PReLU(
        alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2, 3], name=name
    )


def _check_choice(value, what, choices):
    if isinstance(value, bool) or value not in choices:
        raise ValueError(f"{what} must be one of {choices}; received {value!r}.")
    return value


# ----------------------------------------------------------------------------- generators
def rrdbnet(scale=4, num_blocks=23, num_features=64, growth=32, input_channels=3,
            output_channels=3, seed=None, name="rrdbnet"):
    """ESRGAN's RRDBNet as BasicSR's ``RRDBNet`` (module docstring).

    Args:
        scale: 4, 2 or 1 (2 and 1 pixel-unshuffle the input by 2 and 4 first).
        num_blocks: RRDB blocks in the trunk (23 in ESRGAN / Real-ESRGAN, 6 in the anime model).
        num_features: trunk width (64).
        growth: dense-block growth channels (32).
        input_channels, output_channels: image channels (3, 3).
        seed: int seed for the initializers (None: random).

    Returns:
        ``keras.Model`` ``[B, H, W, input_channels] -> [B, H * scale, W * scale,
        output_channels]``; with scale 2 / 1, H and W must be multiples of 2 / 4.
    """
    _check_choice(scale, "scale", (1, 2, 4))
    for value, what in ((num_blocks, "num_blocks"), (num_features, "num_features"),
                        (growth, "growth"), (input_channels, "input_channels"),
                        (output_channels, "output_channels")):
        check_int(value, what)
    seeds = _Seeds(seed)
    inputs = keras.Input((None, None, input_channels), name="lr")
    feat = inputs
    if scale in (1, 2):
        feat = PixelUnshuffle(4 // scale, name="pixel_unshuffle")(feat)
    feat = _conv(feat, num_features, 3, "conv_first", "torch", seeds)
    trunk = feat
    for b in range(num_blocks):
        rrdb_in = trunk
        for d in (1, 2, 3):
            p = f"body_{b}_rdb{d}"
            rdb_in, outs = trunk, [trunk]
            for k in (1, 2, 3, 4):
                x = outs[0] if k == 1 else layers.Concatenate(name=f"{p}_cat{k}")(outs)
                x = _conv(x, growth, 3, f"{p}_conv{k}", "kaiming", seeds)
                outs.append(_lrelu(x, 0.2, f"{p}_lrelu{k}"))
            x = _conv(layers.Concatenate(name=f"{p}_cat5")(outs), num_features, 3,
                      f"{p}_conv5", "kaiming", seeds)
            trunk = _residual_scale(x, rdb_in, 0.2, f"{p}_residual")
        trunk = _residual_scale(trunk, rrdb_in, 0.2, f"body_{b}_residual")
    body = _conv(trunk, num_features, 3, "conv_body", "torch", seeds)
    feat = layers.Add(name="body_skip")([feat, body])
    for i in (1, 2):
        feat = layers.UpSampling2D(2, interpolation="nearest", name=f"upsample{i}")(feat)
        feat = _lrelu(_conv(feat, num_features, 3, f"conv_up{i}", "torch", seeds), 0.2,
                      f"lrelu_up{i}")
    feat = _lrelu(_conv(feat, num_features, 3, "conv_hr", "torch", seeds), 0.2, "lrelu_hr")
    out = _conv(feat, output_channels, 3, "conv_last", "torch", seeds)
    return keras.Model(inputs, out, name=name)


def msrresnet(scale=4, num_blocks=16, num_features=64, input_channels=3, output_channels=3,
              seed=None, name="msrresnet"):
    """BasicSR's ``MSRResNet`` (modified SRResNet, no BN; module docstring).

    Args:
        scale: 2, 3 or 4.
        num_blocks: ``ResidualBlockNoBN`` blocks (16).
        num_features: width (64).
        input_channels, output_channels: image channels (3, 3); the bilinear base added at the
            end needs them equal.
        seed: int seed for the initializers.
    """
    _check_choice(scale, "scale", (2, 3, 4))
    for value, what in ((num_blocks, "num_blocks"), (num_features, "num_features"),
                        (input_channels, "input_channels"), (output_channels, "output_channels")):
        check_int(value, what)
    if input_channels != output_channels:
        raise ValueError("msrresnet adds the upsampled input to its output, so input_channels "
                         f"must equal output_channels; received {input_channels} and "
                         f"{output_channels}.")
    seeds = _Seeds(seed)
    inputs = keras.Input((None, None, input_channels), name="lr")
    feat = _lrelu(_conv(inputs, num_features, 3, "conv_first", "kaiming", seeds), 0.1,
                  "lrelu_first")
    out = feat
    for b in range(num_blocks):
        x = layers.ReLU(name=f"body_{b}_relu")(_conv(out, num_features, 3, f"body_{b}_conv1",
                                                     "kaiming", seeds))
        x = _conv(x, num_features, 3, f"body_{b}_conv2", "kaiming", seeds)
        out = layers.Add(name=f"body_{b}_residual")([out, x])  # res_scale 1
    steps = [(1, 2), (2, 2)] if scale == 4 else [(1, scale)]
    for i, r in steps:
        x = _conv(out, num_features * r * r, 3, f"upconv{i}", "kaiming", seeds)
        out = _lrelu(PixelShuffle(r, name=f"pixel_shuffle{i}")(x), 0.1, f"lrelu_up{i}")
    out = _lrelu(_conv(out, num_features, 3, "conv_hr", "kaiming", seeds), 0.1, "lrelu_hr")
    out = _conv(out, output_channels, 3, "conv_last", "kaiming", seeds)
    base = BilinearUpsampling(scale, name="base")(inputs)
    return keras.Model(inputs, layers.Add(name="add_base")([out, base]), name=name)


def srresnet(scale=4, num_blocks=16, num_features=64, batch_norm=True, input_channels=3,
             output_channels=3, seed=None, name="srresnet"):
    """SRGAN's SRResNet (Ledig et al. 2017) in Lornatang/SRGAN-PyTorch's layout (module
    docstring).

    Args:
        scale: 2, 4 or 8 (``log2(scale)`` conv + pixel shuffle x2 + PReLU steps).
        num_blocks: residual blocks (16).
        num_features: width (64).
        batch_norm: BN after the residual and long-skip convolutions (the paper); ``False``
            removes them and gives those convolutions biases.
        input_channels, output_channels: image channels (3, 3).
        seed: int seed for the initializers.
    """
    _check_choice(scale, "scale", (2, 4, 8))
    for value, what in ((num_blocks, "num_blocks"), (num_features, "num_features"),
                        (input_channels, "input_channels"), (output_channels, "output_channels")):
        check_int(value, what)
    if not isinstance(batch_norm, bool):
        raise ValueError(f"batch_norm must be a bool; received {batch_norm!r}.")
    seeds = _Seeds(seed)

    def conv_bn(x, conv_name, bn_name):
        x = _conv(x, num_features, 3, conv_name, "kaiming1", seeds, use_bias=not batch_norm)
        return _bn(bn_name)(x) if batch_norm else x

    inputs = keras.Input((None, None, input_channels), name="lr")
    out1 = _prelu("conv1_1")(_conv(inputs, num_features, 9, "conv1_0", "kaiming1", seeds))
    out = out1
    for b in range(num_blocks):
        p = f"trunk_{b}_rcb"
        x = _prelu(f"{p}_2")(conv_bn(out, f"{p}_0", f"{p}_1"))
        x = conv_bn(x, f"{p}_3", f"{p}_4")
        out = layers.Add(name=f"trunk_{b}_residual")([x, out])
    out = layers.Add(name="trunk_skip")([out1, conv_bn(out, "conv2_0", "conv2_1")])
    for i in range(int(round(math.log2(scale)))):
        p = f"upsampling_{i}_upsample_block"
        x = _conv(out, num_features * 4, 3, f"{p}_0", "kaiming1", seeds)
        out = _prelu(f"{p}_2")(PixelShuffle(2, name=f"{p}_pixel_shuffle")(x))
    out = _conv(out, output_channels, 9, "conv3", "kaiming1", seeds)
    return keras.Model(inputs, out, name=name)


# ----------------------------------------------------------------------------- discriminators
def vgg_style_discriminator(input_size=128, num_features=64, input_channels=3, seed=None,
                            name="vgg_style_discriminator"):
    """BasicSR's ``VGGStyleDiscriminator`` (module docstring): ``[B, S, S, C] -> [B, 1]`` logits.

    Args:
        input_size: 128 (ESRGAN) or 256 (one more conv/BN pair per stage, ``conv5_*``).
        num_features: base width (64); stages have 1, 2, 4, 8, 8 (, 8) times it.
        input_channels: image channels (3).
        seed: int seed for the initializers.
    """
    _check_choice(input_size, "input_size", (128, 256))
    check_int(num_features, "num_features")
    check_int(input_channels, "input_channels")
    seeds = _Seeds(seed)
    inputs = keras.Input((input_size, input_size, input_channels), name="image")
    x = _lrelu(_conv(inputs, num_features, 3, "conv0_0", "torch", seeds), 0.2, "lrelu0_0")
    x = _bn("bn0_1")(_conv(x, num_features, 4, "conv0_1", "torch", seeds, strides=2,
                           use_bias=False))
    x = _lrelu(x, 0.2, "lrelu0_1")
    widths = [2, 4, 8, 8] + ([8] if input_size == 256 else [])
    for i, w in enumerate(widths, start=1):
        for j, (k, s) in enumerate(((3, 1), (4, 2))):
            x = _conv(x, num_features * w, k, f"conv{i}_{j}", "torch", seeds, strides=s,
                      use_bias=False)
            x = _lrelu(_bn(f"bn{i}_{j}")(x), 0.2, f"lrelu{i}_{j}")
    # PyTorch flattens NCHW: permute first so linear1's weight needs only a transpose.
    x = layers.Flatten(name="flatten")(layers.Permute((3, 1, 2), name="to_nchw")(x))
    k1, b1 = _torch_default(seeds, x.shape[-1])
    x = layers.Dense(100, kernel_initializer=k1, bias_initializer=b1, name="linear1")(x)
    x = _lrelu(x, 0.2, "lrelu_linear1")
    k2, b2 = _torch_default(seeds, 100)
    out = layers.Dense(1, kernel_initializer=k2, bias_initializer=b2, name="linear2")(x)
    return keras.Model(inputs, out, name=name)


def unet_discriminator_sn(num_features=64, skip_connection=True, input_channels=3, seed=None,
                          name="unet_discriminator_sn"):
    """Real-ESRGAN's ``UNetDiscriminatorSN`` (module docstring): ``[B, H, W, C] -> [B, H, W, 1]``
    per-pixel logits; H and W multiples of 8.

    Args:
        num_features: base width (64).
        skip_connection: add the encoder features to the decoder's (True in Real-ESRGAN).
        input_channels: image channels (3).
        seed: int seed for the initializers.
    """
    check_int(num_features, "num_features")
    check_int(input_channels, "input_channels")
    if not isinstance(skip_connection, bool):
        raise ValueError(f"skip_connection must be a bool; received {skip_connection!r}.")
    seeds = _Seeds(seed)
    nf = num_features

    def sn_conv(x, filters, kernel_size, i, strides=1):
        kernel_init, _ = _torch_default(seeds, kernel_size * kernel_size * x.shape[-1])
        conv = layers.Conv2D(filters, kernel_size, strides=strides, padding="same",
                             use_bias=False, kernel_initializer=kernel_init, name=f"conv{i}_conv")
        x = layers.SpectralNormalization(conv, power_iterations=1, name=f"conv{i}")(x)
        return _lrelu(x, 0.2, f"lrelu{i}")

    inputs = keras.Input((None, None, input_channels), name="image")
    x0 = _lrelu(_conv(inputs, nf, 3, "conv0", "torch", seeds), 0.2, "lrelu0")
    x1 = sn_conv(x0, nf * 2, 4, 1, strides=2)
    x2 = sn_conv(x1, nf * 4, 4, 2, strides=2)
    x3 = sn_conv(x2, nf * 8, 4, 3, strides=2)
    x = x3
    for i, (width, skip) in enumerate(((nf * 4, x2), (nf * 2, x1), (nf, x0)), start=4):
        x = BilinearUpsampling(2, name=f"upsample{i}")(x)
        x = sn_conv(x, width, 3, i)
        if skip_connection:
            x = layers.Add(name=f"skip{i}")([x, skip])
    x = sn_conv(x, nf, 3, 7)
    x = sn_conv(x, nf, 3, 8)
    out = _conv(x, 1, 3, "conv9", "torch", seeds)
    return keras.Model(inputs, out, name=name)
