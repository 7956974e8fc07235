"""Tests for the super-resolution networks (keras_gans/networks/super_resolution.py) and the
sub-pixel layers (keras_gans/layers/pixel_shuffle.py).

Expected numbers come from the official PyTorch code, not from ours: the ``state_dict`` keys
and PyTorch shapes below are written out per module from

* XPixelGroup/BasicSR ``basicsr/archs/rrdbnet_arch.py`` (``RRDBNet``, ``RRDB``,
  ``ResidualDenseBlock``), ``basicsr/archs/srresnet_arch.py`` (``MSRResNet``),
  ``basicsr/archs/arch_util.py`` (``ResidualBlockNoBN``, ``pixel_unshuffle``),
  ``basicsr/archs/discriminator_arch.py`` (``VGGStyleDiscriminator``);
* xinntao/Real-ESRGAN ``realesrgan/archs/discriminator_arch.py`` (``UNetDiscriminatorSN``);
* Lornatang/SRGAN-PyTorch ``model.py`` (``SRResNet``, ``_ResidualConvBlock``,
  ``_UpsampleBlock``) for SRGAN's SRResNet, whose authors released no code;

and the totals are also written as plain per-layer arithmetic. Each official key is mapped to a
Keras weight by the module docstring's naming rule, which checks the layer names a weight
converter relies on. The pixel (un)shuffles are checked against NumPy loops of PyTorch's
formulas.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers.pixel_shuffle import PixelShuffle, PixelUnshuffle
from keras_gans.networks.super_resolution import (
    msrresnet,
    rrdbnet,
    srresnet,
    unet_discriminator_sn,
    vgg_style_discriminator,
)


def conv(cin, cout, k, bias=True):
    """PyTorch Conv2d parameters: weight (O, I, kh, kw) [+ bias (O,)]."""
    return k * k * cin * cout + (cout if bias else 0)


# --------------------------------------------------------------------------------------
# Official state_dict parameter shapes (PyTorch layout), per module.
# --------------------------------------------------------------------------------------


def _conv_keys(prefix, cin, cout, k, bias=True):
    keys = [(f"{prefix}.weight", (cout, cin, k, k))]
    return keys + ([(f"{prefix}.bias", (cout,))] if bias else [])


def _bn_keys(prefix, c):
    return [(f"{prefix}.weight", (c,)), (f"{prefix}.bias", (c,))]


def _bn_buffers(prefix, c):
    return [(f"{prefix}.running_mean", (c,)), (f"{prefix}.running_var", (c,))]


def _rrdbnet_official(num_in_ch=3, num_out_ch=3, scale=4, num_feat=64, num_block=23, num_grow_ch=32):
    """BasicSR RRDBNet.__init__ (scale 2 / 1: num_in_ch * 4 / * 16)."""
    cin = num_in_ch * {4: 1, 2: 4, 1: 16}[scale]
    keys = _conv_keys("conv_first", cin, num_feat, 3)
    for b in range(num_block):
        for d in (1, 2, 3):
            for k in (1, 2, 3, 4):
                keys += _conv_keys(f"body.{b}.rdb{d}.conv{k}", num_feat + (k - 1) * num_grow_ch, num_grow_ch, 3)
            keys += _conv_keys(f"body.{b}.rdb{d}.conv5", num_feat + 4 * num_grow_ch, num_feat, 3)
    for name in ("conv_body", "conv_up1", "conv_up2", "conv_hr"):
        keys += _conv_keys(name, num_feat, num_feat, 3)
    return keys + _conv_keys("conv_last", num_feat, num_out_ch, 3)


def _msrresnet_official(num_in_ch=3, num_out_ch=3, num_feat=64, num_block=16, upscale=4):
    """BasicSR MSRResNet.__init__ + ResidualBlockNoBN."""
    keys = _conv_keys("conv_first", num_in_ch, num_feat, 3)
    for b in range(num_block):
        keys += _conv_keys(f"body.{b}.conv1", num_feat, num_feat, 3)
        keys += _conv_keys(f"body.{b}.conv2", num_feat, num_feat, 3)
    if upscale in (2, 3):
        keys += _conv_keys("upconv1", num_feat, num_feat * upscale * upscale, 3)
    else:
        keys += _conv_keys("upconv1", num_feat, num_feat * 4, 3)
        keys += _conv_keys("upconv2", num_feat, num_feat * 4, 3)
    keys += _conv_keys("conv_hr", num_feat, num_feat, 3)
    return keys + _conv_keys("conv_last", num_feat, num_out_ch, 3)


def _srresnet_official(in_channels=3, out_channels=3, channels=64, num_rcb=16, upscale_factor=4):
    """Lornatang/SRGAN-PyTorch SRResNet.__init__ (nn.PReLU() has one weight of shape (1,))."""
    keys = _conv_keys("conv1.0", in_channels, channels, 9) + [("conv1.1.weight", (1,))]
    buffers = []
    for b in range(num_rcb):
        p = f"trunk.{b}.rcb"
        keys += _conv_keys(f"{p}.0", channels, channels, 3, bias=False) + _bn_keys(f"{p}.1", channels)
        keys += [(f"{p}.2.weight", (1,))]
        keys += _conv_keys(f"{p}.3", channels, channels, 3, bias=False) + _bn_keys(f"{p}.4", channels)
        buffers += _bn_buffers(f"{p}.1", channels) + _bn_buffers(f"{p}.4", channels)
    keys += _conv_keys("conv2.0", channels, channels, 3, bias=False) + _bn_keys("conv2.1", channels)
    buffers += _bn_buffers("conv2.1", channels)
    for i in range(int(math.log2(upscale_factor))):
        keys += _conv_keys(f"upsampling.{i}.upsample_block.0", channels, channels * 4, 3)
        keys += [(f"upsampling.{i}.upsample_block.2.weight", (1,))]
    keys += _conv_keys("conv3", channels, out_channels, 9)
    return keys, buffers


def _vgg_official(num_in_ch=3, num_feat=64, input_size=128):
    """BasicSR VGGStyleDiscriminator.__init__."""
    keys = _conv_keys("conv0_0", num_in_ch, num_feat, 3)
    keys += _conv_keys("conv0_1", num_feat, num_feat, 4, bias=False) + _bn_keys("bn0_1", num_feat)
    buffers = _bn_buffers("bn0_1", num_feat)
    widths = [(1, 2), (2, 4), (4, 8), (8, 8)] + ([(8, 8)] if input_size == 256 else [])
    for i, (w_in, w_out) in enumerate(widths, start=1):
        keys += _conv_keys(f"conv{i}_0", num_feat * w_in, num_feat * w_out, 3, bias=False)
        keys += _bn_keys(f"bn{i}_0", num_feat * w_out)
        keys += _conv_keys(f"conv{i}_1", num_feat * w_out, num_feat * w_out, 4, bias=False)
        keys += _bn_keys(f"bn{i}_1", num_feat * w_out)
        buffers += _bn_buffers(f"bn{i}_0", num_feat * w_out) + _bn_buffers(f"bn{i}_1", num_feat * w_out)
    keys += [("linear1.weight", (100, num_feat * 8 * 4 * 4)), ("linear1.bias", (100,))]
    keys += [("linear2.weight", (1, 100)), ("linear2.bias", (1,))]
    return keys, buffers


def _unet_official(num_in_ch=3, num_feat=64):
    """Real-ESRGAN UNetDiscriminatorSN.__init__; spectral_norm renames weight -> weight_orig and
    adds the buffers weight_u (O,) and weight_v."""
    nf = num_feat
    keys = _conv_keys("conv0", num_in_ch, nf, 3)
    buffers = []
    sn = [(1, nf, nf * 2, 4), (2, nf * 2, nf * 4, 4), (3, nf * 4, nf * 8, 4), (4, nf * 8, nf * 4, 3),
          (5, nf * 4, nf * 2, 3), (6, nf * 2, nf, 3), (7, nf, nf, 3), (8, nf, nf, 3)]
    for i, cin, cout, k in sn:
        keys += [(f"conv{i}.weight_orig", (cout, cin, k, k))]
        buffers += [(f"conv{i}.weight_u", (cout,))]
    return keys + _conv_keys("conv9", nf, 1, 3), buffers


def _total(keys):
    return sum(math.prod(shape) for _, shape in keys)


# --------------------------------------------------------------------------------------
# The naming rule: state_dict key -> Keras weight (module docstring).
# --------------------------------------------------------------------------------------

_SUFFIX = {
    keras.layers.Conv2D: {"weight": "kernel", "bias": "bias"},
    keras.layers.Dense: {"weight": "kernel", "bias": "bias"},
    keras.layers.PReLU: {"weight": "alpha"},
    keras.layers.BatchNormalization: {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean",
                                      "running_var": "moving_variance"},
    keras.layers.SpectralNormalization: {"weight_orig": "kernel", "weight_u": "vector_u"},
}


def _keras_shape(layer, suffix, torch_shape):
    if suffix in ("weight", "weight_orig") and len(torch_shape) == 4:
        o, i, kh, kw = torch_shape
        return (kh, kw, i, o)
    if isinstance(layer, keras.layers.Dense) and suffix == "weight":
        return tuple(reversed(torch_shape))
    if isinstance(layer, keras.layers.PReLU):
        return (1, 1, 1)
    if suffix == "weight_u":
        return (1,) + tuple(torch_shape)
    return tuple(torch_shape)


def _check_mapping(model, keys, trainable=True):
    """Every official key maps to exactly one Keras weight of the transposed shape, and the
    model has no trainable (or non-trainable) weight that no key maps to."""
    used = []
    for key, torch_shape in keys:
        prefix, suffix = key.rsplit(".", 1)
        layer = model.get_layer(prefix.replace(".", "_"))
        keras_name = _SUFFIX[type(layer)][suffix]
        (weight,) = [w for w in layer.weights if w.name == keras_name]
        assert tuple(weight.shape) == _keras_shape(layer, suffix, torch_shape), key
        assert weight.trainable == trainable, key
        used.append(id(weight))
    pool = model.trainable_weights if trainable else model.non_trainable_weights
    assert sorted(used) == sorted(id(w) for w in pool)
    assert len(set(used)) == len(used)


# --------------------------------------------------------------------------------------
# Pixel shuffle / unshuffle against NumPy loops of PyTorch's formulas.
# --------------------------------------------------------------------------------------


def _torch_pixel_shuffle_nhwc(x, r):
    """nn.PixelShuffle: out[n, c, h*r+i, w*r+j] = in[n, c*r*r + i*r + j, h, w], in NHWC."""
    n, h, w, crr = x.shape
    c = crr // (r * r)
    out = np.zeros((n, h * r, w * r, c), x.dtype)
    for ci in range(c):
        for i in range(r):
            for j in range(r):
                out[:, i::r, j::r, ci] = x[:, :, :, ci * r * r + i * r + j]
    return out


def _torch_pixel_unshuffle_nhwc(x, r):
    """F.pixel_unshuffle / BasicSR pixel_unshuffle (view(b, c, h, r, w, r).permute(0, 1, 3, 5,
    2, 4)): out[n, c*r*r + i*r + j, h, w] = in[n, c, h*r+i, w*r+j], in NHWC."""
    n, hh, ww, c = x.shape
    out = np.zeros((n, hh // r, ww // r, c * r * r), x.dtype)
    for ci in range(c):
        for i in range(r):
            for j in range(r):
                out[:, :, :, ci * r * r + i * r + j] = x[:, i::r, j::r, ci]
    return out


@pytest.mark.parametrize("r, c", [(2, 3), (3, 2), (2, 64), (4, 3)])
def test_pixel_shuffle_matches_pytorch_order(r, c):
    x = np.random.default_rng(r * 10 + c).normal(size=(2, 3, 5, c * r * r)).astype("float32")
    got = np.asarray(PixelShuffle(r)(x))
    np.testing.assert_array_equal(got, _torch_pixel_shuffle_nhwc(x, r))
    # TF's own DCR order differs whenever C > 1: the permutation is not a no-op.
    assert not np.array_equal(got, np.asarray(tf.nn.depth_to_space(x, r)))


@pytest.mark.parametrize("r, c", [(2, 3), (4, 3), (3, 2)])
def test_pixel_unshuffle_matches_pytorch_order_and_round_trips(r, c):
    x = np.random.default_rng(r + c).normal(size=(2, 4 * r, 3 * r, c)).astype("float32")
    got = np.asarray(PixelUnshuffle(r)(x))
    np.testing.assert_array_equal(got, _torch_pixel_unshuffle_nhwc(x, r))
    assert not np.array_equal(got, np.asarray(tf.nn.space_to_depth(x, r)))
    np.testing.assert_array_equal(np.asarray(PixelShuffle(r)(got)), x)
    y = np.random.default_rng(0).normal(size=(1, 2, 3, c * r * r)).astype("float32")
    np.testing.assert_array_equal(np.asarray(PixelUnshuffle(r)(PixelShuffle(r)(y))), y)


def test_pixel_shuffle_layers_in_models_with_unknown_sizes_and_config():
    inp = keras.Input((None, None, 12))
    model = keras.Model(inp, PixelUnshuffle(2)(PixelShuffle(2)(inp)))
    assert model.get_layer(index=1).output.shape == (None, None, None, 3)
    assert model.output_shape == (None, None, None, 12)
    x = np.random.default_rng(1).normal(size=(1, 5, 7, 12)).astype("float32")
    np.testing.assert_array_equal(np.asarray(model(x)), x)
    assert PixelShuffle(2).compute_output_shape((None, 4, None, 12)) == (None, 8, None, 3)
    assert PixelUnshuffle(2).compute_output_shape((None, 4, None, 3)) == (None, 2, None, 12)
    clone = PixelShuffle.from_config(PixelShuffle(3, name="ps").get_config())
    assert clone.scale == 3 and clone.name == "ps"
    with pytest.raises(ValueError, match="scale"):
        PixelShuffle(0)
    with pytest.raises(ValueError, match="divisible"):
        PixelShuffle(2)(keras.Input((4, 4, 6)))
    with pytest.raises(ValueError, match="divisible"):
        PixelUnshuffle(2)(keras.Input((5, 4, 3)))


# --------------------------------------------------------------------------------------
# RRDBNet (ESRGAN / Real-ESRGAN).
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def esrgan_g():
    return rrdbnet(seed=0)


def test_rrdbnet_x4_matches_official_parameters(esrgan_g):
    # ResidualDenseBlock(64, 32): conv1..conv5 on 64, 96, 128, 160, 192 input channels.
    rdb = conv(64, 32, 3) + conv(96, 32, 3) + conv(128, 32, 3) + conv(160, 32, 3) + conv(192, 64, 3)
    assert rdb == 18_464 + 27_680 + 36_896 + 46_112 + 110_656 == 239_808
    rrdb = 3 * rdb
    # conv_first + 23 RRDB + conv_body + conv_up1 + conv_up2 + conv_hr + conv_last
    official = conv(3, 64, 3) + 23 * rrdb + 4 * conv(64, 64, 3) + conv(64, 3, 3)
    assert official == _total(_rrdbnet_official()) == 16_697_987
    assert sum(math.prod(w.shape) for w in esrgan_g.trainable_weights) == official
    assert not esrgan_g.non_trainable_weights
    _check_mapping(esrgan_g, _rrdbnet_official())


@pytest.mark.parametrize(
    "kwargs, official_kwargs, first_in",
    [
        (dict(scale=2), dict(scale=2), 12),  # RealESRGAN_x2plus: pixel-unshuffled 3 * 4 channels
        (dict(scale=1, num_blocks=2), dict(scale=1, num_block=2), 48),
        (dict(num_blocks=6), dict(num_block=6), 3),  # RealESRGAN_x4plus_anime_6B
    ],
)
def test_rrdbnet_other_configs_match_official_parameters(kwargs, official_kwargs, first_in):
    g = rrdbnet(**kwargs)
    blocks = kwargs.get("num_blocks", 23)
    official = conv(first_in, 64, 3) + blocks * 3 * 239_808 + 4 * conv(64, 64, 3) + conv(64, 3, 3)
    assert official == _total(_rrdbnet_official(**official_kwargs))
    assert sum(math.prod(w.shape) for w in g.trainable_weights) == official
    _check_mapping(g, _rrdbnet_official(**official_kwargs))
    if kwargs == dict(num_blocks=6):
        assert official == 4_467_779
    if kwargs == dict(scale=2):
        assert official == 16_703_171


def test_rrdbnet_output_shapes(esrgan_g):
    rng = np.random.default_rng(0)
    assert esrgan_g.input_shape == (None, None, None, 3)
    assert esrgan_g(rng.uniform(size=(1, 16, 16, 3)).astype("float32")).shape == (1, 64, 64, 3)
    g2 = rrdbnet(scale=2, num_blocks=1)
    assert g2.get_layer("conv_first").input.shape == (None, None, None, 12)
    assert g2(rng.uniform(size=(2, 12, 12, 3)).astype("float32")).shape == (2, 24, 24, 3)
    g1 = rrdbnet(scale=1, num_blocks=1)
    assert g1.get_layer("conv_first").input.shape == (None, None, None, 48)
    assert g1(rng.uniform(size=(1, 16, 16, 3)).astype("float32")).shape == (1, 16, 16, 3)
    with pytest.raises(ValueError, match="scale"):
        rrdbnet(scale=3)


def test_rrdbnet_structure_and_init(esrgan_g):
    # Dense connections: conv5 of a dense block sees x and x1..x4 (64 + 4 * 32 channels).
    assert esrgan_g.get_layer("body_22_rdb3_conv5").input.shape[-1] == 192
    up = esrgan_g.get_layer("upsample1")
    assert up.interpolation == "nearest" and up.size == (2, 2)
    assert esrgan_g.get_layer("lrelu_up1").negative_slope == pytest.approx(0.2)
    assert esrgan_g.get_layer("body_0_rdb1_residual_scale").scale == pytest.approx(0.2)
    assert esrgan_g.get_layer("body_0_residual_scale").scale == pytest.approx(0.2)
    # default_init_weights(..., 0.1): Kaiming normal std sqrt(2 / fan_in) * 0.1, zero bias.
    k = np.asarray(esrgan_g.get_layer("body_0_rdb1_conv5").kernel)
    assert np.std(k) == pytest.approx(0.1 * math.sqrt(2 / (9 * 192)), rel=0.05)
    assert not np.any(np.asarray(esrgan_g.get_layer("body_0_rdb1_conv5").bias))
    # PyTorch's default init elsewhere: uniform +-1/sqrt(fan_in) on weight and bias.
    bound = 1 / math.sqrt(9 * 64)
    k = np.asarray(esrgan_g.get_layer("conv_body").kernel)
    b = np.asarray(esrgan_g.get_layer("conv_body").bias)
    assert np.abs(k).max() <= bound and np.abs(k).max() > 0.95 * bound
    assert np.abs(b).max() <= bound and np.any(b)


def test_seed_is_deterministic():
    a, b = rrdbnet(num_blocks=1, seed=3), rrdbnet(num_blocks=1, seed=3)
    for wa, wb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(np.asarray(wa), np.asarray(wb))


# --------------------------------------------------------------------------------------
# MSRResNet (BasicSR) and SRResNet (SRGAN).
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [4, 2, 3])
def test_msrresnet_matches_official_parameters(scale):
    g = msrresnet(scale=scale)
    up = 2 * conv(64, 256, 3) if scale == 4 else conv(64, 64 * scale * scale, 3)
    # conv_first + 16 x (conv1 + conv2) + upconv(s) + conv_hr + conv_last
    official = conv(3, 64, 3) + 16 * 2 * conv(64, 64, 3) + up + conv(64, 64, 3) + conv(64, 3, 3)
    assert official == _total(_msrresnet_official(upscale=scale))
    if scale == 4:
        assert official == 1_517_571
    assert sum(math.prod(w.shape) for w in g.trainable_weights) == official
    _check_mapping(g, _msrresnet_official(upscale=scale))


def _torch_bilinear_nhwc(x, s):
    """F.interpolate(scale_factor=s, mode='bilinear', align_corners=False), NHWC."""

    def axis_weights(n):
        m = np.zeros((n * s, n))
        for d in range(n * s):
            src = max((d + 0.5) / s - 0.5, 0.0)
            i0 = int(np.floor(src))
            i1, t = min(i0 + 1, n - 1), src - i0
            m[d, i0] += 1 - t
            m[d, i1] += t
        return m

    mh, mw = axis_weights(x.shape[1]), axis_weights(x.shape[2])
    return np.einsum("ph,qw,nhwc->npqc", mh, mw, x)


@pytest.mark.parametrize("scale, size", [(2, 12), (4, 16), (3, 12)])
def test_msrresnet_shapes_and_bilinear_base(scale, size):
    g = msrresnet(scale=scale, num_blocks=2, seed=1)
    x = np.random.default_rng(scale).uniform(size=(2, size, size, 3)).astype("float32")
    y = np.asarray(g(x))
    assert y.shape == (2, size * scale, size * scale, 3)
    assert g.get_layer("lrelu_first").negative_slope == pytest.approx(0.1)
    # With conv_last zeroed the output is exactly the bilinearly upsampled input.
    last = g.get_layer("conv_last")
    last.set_weights([np.zeros_like(w) for w in last.get_weights()])
    np.testing.assert_allclose(np.asarray(g(x)), _torch_bilinear_nhwc(x, scale), atol=1e-5)


@pytest.mark.parametrize("scale", [4, 2])
def test_srresnet_matches_reference_parameters(scale):
    g = srresnet(scale=scale)
    keys, buffers = _srresnet_official(upscale_factor=scale)
    block = 2 * (conv(64, 64, 3, bias=False) + 2 * 64) + 1  # conv-BN-PReLU-conv-BN
    official = (conv(3, 64, 9) + 1 + 16 * block + conv(64, 64, 3, bias=False) + 2 * 64
                + int(math.log2(scale)) * (conv(64, 256, 3) + 1) + conv(64, 3, 9))
    assert official == _total(keys)
    if scale == 4:
        assert official == 1_547_350
    assert sum(math.prod(w.shape) for w in g.trainable_weights) == official
    assert sum(math.prod(w.shape) for w in g.non_trainable_weights) == _total(buffers) == 33 * 2 * 64
    _check_mapping(g, keys)
    _check_mapping(g, buffers, trainable=False)


def test_srresnet_shapes_prelu_and_no_batch_norm_variant():
    rng = np.random.default_rng(0)
    g = srresnet(scale=2, num_blocks=2)
    assert g(rng.uniform(size=(1, 12, 12, 3)).astype("float32")).shape == (1, 24, 24, 3)
    g4 = srresnet(num_blocks=2, batch_norm=False)
    assert g4(rng.uniform(size=(1, 16, 16, 3)).astype("float32")).shape == (1, 64, 64, 3)
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in g4.layers)
    assert not g4.non_trainable_weights
    # Without BN the block convolutions carry biases: + 64 per removed BN's 128.
    block = 2 * conv(64, 64, 3) + 1
    expected = conv(3, 64, 9) + 1 + 2 * block + conv(64, 64, 3) + 2 * (conv(64, 256, 3) + 1) + conv(64, 3, 9)
    assert sum(math.prod(w.shape) for w in g4.trainable_weights) == expected
    prelu = g.get_layer("trunk_0_rcb_2")
    np.testing.assert_array_equal(np.asarray(prelu.alpha), np.full((1, 1, 1), 0.25, "float32"))
    assert g.get_layer("conv1_0").kernel.shape == (9, 9, 3, 64)
    assert g.get_layer("conv3").kernel.shape == (9, 9, 64, 3)


# --------------------------------------------------------------------------------------
# Discriminators.
# --------------------------------------------------------------------------------------


def test_vgg_style_discriminator_matches_official_parameters():
    d = vgg_style_discriminator()
    keys, buffers = _vgg_official()
    official = (
        conv(3, 64, 3) + conv(64, 64, 4, False) + 2 * 64  # conv0_0, conv0_1, bn0_1
        + conv(64, 128, 3, False) + conv(128, 128, 4, False) + 2 * 2 * 128  # stage 1
        + conv(128, 256, 3, False) + conv(256, 256, 4, False) + 2 * 2 * 256  # stage 2
        + conv(256, 512, 3, False) + conv(512, 512, 4, False) + 2 * 2 * 512  # stage 3
        + conv(512, 512, 3, False) + conv(512, 512, 4, False) + 2 * 2 * 512  # stage 4
        + (512 * 4 * 4 * 100 + 100) + (100 + 1)  # linear1, linear2
    )
    assert official == _total(keys) == 14_499_401
    assert sum(math.prod(w.shape) for w in d.trainable_weights) == official
    assert sum(math.prod(w.shape) for w in d.non_trainable_weights) == _total(buffers)
    _check_mapping(d, keys)
    _check_mapping(d, buffers, trainable=False)
    assert d.input_shape == (None, 128, 128, 3) and d.output_shape == (None, 1)
    assert d.get_layer("lrelu4_1").output.shape == (None, 4, 4, 512)
    x = np.random.default_rng(0).uniform(size=(2, 128, 128, 3)).astype("float32")
    assert d(x).shape == (2, 1)
    # linear1 sees the features flattened in PyTorch's (C, H, W) order.
    probe = keras.Model(d.input, [d.get_layer("lrelu4_1").output, d.get_layer("flatten").output])
    feat, flat = (np.asarray(t) for t in probe(x))
    np.testing.assert_array_equal(flat, feat.transpose(0, 3, 1, 2).reshape(2, -1))


def test_vgg_style_discriminator_256():
    d = vgg_style_discriminator(input_size=256, num_features=8)
    keys, _ = _vgg_official(num_feat=8, input_size=256)
    assert sum(math.prod(w.shape) for w in d.trainable_weights) == _total(keys)
    _check_mapping(d, keys)
    assert d.output_shape == (None, 1)


@pytest.mark.parametrize("skip", [True, False])
def test_unet_discriminator_sn_matches_official_parameters_and_shapes(skip):
    d = unet_discriminator_sn(skip_connection=skip)
    keys, buffers = _unet_official()
    official = (conv(3, 64, 3) + conv(64, 128, 4, False) + conv(128, 256, 4, False)
                + conv(256, 512, 4, False) + conv(512, 256, 3, False) + conv(256, 128, 3, False)
                + conv(128, 64, 3, False) + 2 * conv(64, 64, 3, False) + conv(64, 1, 3))
    assert official == _total(keys) == 4_376_897
    assert sum(math.prod(w.shape) for w in d.trainable_weights) == official
    _check_mapping(d, keys)
    _check_mapping(d, buffers, trainable=False)  # weight_u <-> vector_u
    assert d.input_shape == (None, None, None, 3) and d.output_shape == (None, None, None, 1)
    x = np.random.default_rng(0).uniform(size=(2, 32, 48, 3)).astype("float32")
    assert d(x).shape == (2, 32, 48, 1)


def test_unet_discriminator_spectral_norm_placement():
    d = unet_discriminator_sn(num_features=8, seed=0)
    for i in range(1, 9):
        layer = d.get_layer(f"conv{i}")
        assert isinstance(layer, keras.layers.SpectralNormalization), i
        assert isinstance(layer.layer, keras.layers.Conv2D) and not layer.layer.use_bias
        assert layer.power_iterations == 1
    for name in ("conv0", "conv9"):
        layer = d.get_layer(name)
        assert type(layer) is keras.layers.Conv2D and layer.use_bias
    assert type(d.get_layer("upsample4")).__name__ == "BilinearUpsampling" and d.get_layer("upsample4").scale == 2
    # A training call runs the power iteration (u moves) and normalises the kernel so that its
    # largest singular value (estimated by that iteration) is about 1.
    u0 = np.asarray(d.get_layer("conv4").vector_u).copy()
    x = np.random.default_rng(1).uniform(size=(1, 16, 16, 3)).astype("float32")
    for _ in range(30):
        d(x, training=True)
    assert not np.allclose(np.asarray(d.get_layer("conv4").vector_u), u0)
    k = np.asarray(d.get_layer("conv4").layer.kernel)
    sigma = np.linalg.svd(k.reshape(-1, k.shape[-1]), compute_uv=False)[0]
    assert sigma == pytest.approx(1.0, abs=0.05)


# --------------------------------------------------------------------------------------
# Forward passes against NumPy re-statements of the official forward() methods.
# --------------------------------------------------------------------------------------


def _np_conv3(x, kernel, bias):
    """3x3 stride-1 conv with padding=1 (PyTorch), NHWC, HWIO kernel."""
    h, w = x.shape[1:3]
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = sum(np.einsum("nhwi,io->nhwo", xp[:, a:a + h, b:b + w], kernel[a, b])
              for a in range(3) for b in range(3))
    return out + bias


def _np_lrelu(x, slope):
    return np.where(x >= 0, x, slope * x)


def _weights(model, name):
    layer = model.get_layer(name)
    return np.asarray(layer.kernel, np.float64), np.asarray(layer.bias, np.float64)


def _randomise(model, seed):
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(rng.normal(scale=0.3, size=w.shape).astype("float32"))


def test_rrdbnet_forward_matches_basicsr_forward():
    g = rrdbnet(scale=2, num_blocks=2, num_features=4, growth=2)
    _randomise(g, 0)
    x = np.random.default_rng(1).uniform(size=(1, 6, 4, 3))
    c = lambda name, t: _np_conv3(t, *_weights(g, name))  # noqa: E731
    feat = c("conv_first", _torch_pixel_unshuffle_nhwc(x, 2))
    body = feat
    for b in range(2):  # RRDB.forward
        rrdb_in = body
        for d in (1, 2, 3):  # ResidualDenseBlock.forward
            p = f"body_{b}_rdb{d}"
            xs = [body]
            for k in (1, 2, 3, 4):
                xs.append(_np_lrelu(c(f"{p}_conv{k}", np.concatenate(xs, -1)), 0.2))
            body = c(f"{p}_conv5", np.concatenate(xs, -1)) * 0.2 + body
        body = body * 0.2 + rrdb_in
    feat = feat + c("conv_body", body)
    for i in (1, 2):
        feat = _np_lrelu(c(f"conv_up{i}", feat.repeat(2, 1).repeat(2, 2)), 0.2)
    out = c("conv_last", _np_lrelu(c("conv_hr", feat), 0.2))
    got = np.asarray(g(x.astype("float32")))
    assert got.shape == (1, 12, 8, 3)
    np.testing.assert_allclose(got, out, rtol=1e-4, atol=1e-4)


def test_msrresnet_forward_matches_basicsr_forward():
    g = msrresnet(scale=4, num_blocks=2, num_features=4)
    _randomise(g, 2)
    x = np.random.default_rng(3).uniform(size=(1, 3, 5, 3))
    c = lambda name, t: _np_conv3(t, *_weights(g, name))  # noqa: E731
    feat = _np_lrelu(c("conv_first", x), 0.1)
    out = feat
    for b in range(2):  # ResidualBlockNoBN.forward, res_scale 1
        out = out + c(f"body_{b}_conv2", np.maximum(c(f"body_{b}_conv1", out), 0))
    for i in (1, 2):
        out = _np_lrelu(_torch_pixel_shuffle_nhwc(c(f"upconv{i}", out), 2), 0.1)
    out = c("conv_last", _np_lrelu(c("conv_hr", out), 0.1)) + _torch_bilinear_nhwc(x, 4)
    got = np.asarray(g(x.astype("float32")))
    assert got.shape == (1, 12, 20, 3)
    np.testing.assert_allclose(got, out, rtol=1e-4, atol=1e-4)
