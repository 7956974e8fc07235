"""Tests for the pix2pix U-Net generator (keras_gans/networks/unet.py).

Expected numbers come from the authors' official PyTorch code
(junyanz/pytorch-CycleGAN-and-pix2pix, models/networks.py, UnetGenerator), not from our code:
the parameter counts below were obtained by building that architecture in PyTorch 2.13
(``sum(p.numel() for p in net.parameters())`` after ``define_G``-style construction with
``functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)`` or
``functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)``), and the
running-statistics counts from its ``running_mean`` / ``running_var`` buffers. The layer
semantics are checked against a NumPy re-statement of the official blocks with PyTorch's
conv / transposed-conv arithmetic (``padding=1`` on every side).
"""

import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.networks.unet import unet_generator

# --------------------------------------------------------------------------------------
# Official numbers (PyTorch build of the official UnetGenerator, see the module docstring).
# --------------------------------------------------------------------------------------

# unet_256 (num_downs=8), ngf=64, input_nc=3, output_nc=3, --norm batch.
UNET_256_BATCH_PARAMS = 54_413_955
UNET_256_BATCH_RUNNING_STATS = 9_856  # running_mean + running_var of the 14 BatchNorm2d
UNET_256_BATCH_TENSORS = 43  # 15 conv kernels + 1 outermost bias + 14 x (weight, bias)
# unet_256 with --norm instance: no norm parameters, but a bias on every convolution.
UNET_256_INSTANCE_PARAMS = 54_409_603
# Small configurations, same build: (num_downs, ngf, norm) -> parameters.
OFFICIAL_SMALL = {
    (5, 8, "batch"): 261_715,
    (5, 8, "instance"): 261_555,
    (5, 8, None): 261_251,  # --norm none: identity norm and, as in the code, no biases
    (6, 4, "batch"): 115_115,
    (6, 4, "instance"): 114_971,
    (6, 4, None): 114_755,
}

CONVS = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)


def _count(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


def _layers(model, cls):
    return [l for l in model.layers if isinstance(l, cls)]


@pytest.fixture(scope="module")
def paper_g():
    return unet_generator((256, 256, 3), 3, 64, 8, "batch", 0.5, seed=7)


@pytest.fixture(scope="module")
def paper_input():
    return np.random.default_rng(0).uniform(-1, 1, size=(1, 256, 256, 3)).astype("float32")


def tiny(**kwargs):
    args = dict(image_shape=(32, 32, 3), output_channels=3, base_filters=8, num_downs=5, seed=0)
    args.update(kwargs)
    return unet_generator(**args)


# --------------------------------------------------------------------------------------
# Parameter counts against the official code.
# --------------------------------------------------------------------------------------


def test_paper_unet_256_matches_official_parameters(paper_g):
    assert _count(paper_g.trainable_weights) == UNET_256_BATCH_PARAMS
    assert _count(paper_g.non_trainable_weights) == UNET_256_BATCH_RUNNING_STATS
    assert len(paper_g.trainable_weights) == UNET_256_BATCH_TENSORS


def test_instance_norm_unet_256_matches_official_parameters():
    g = unet_generator((256, 256, 3), normalization="instance")
    assert _count(g.trainable_weights) == UNET_256_INSTANCE_PARAMS
    assert not g.non_trainable_weights  # InstanceNorm2d(affine=False, no running stats)


@pytest.mark.parametrize("num_downs,base_filters,normalization", sorted(OFFICIAL_SMALL, key=str))
def test_small_configs_match_official_parameters(num_downs, base_filters, normalization):
    size = 2**num_downs
    g = unet_generator((size, size, 3), 3, base_filters, num_downs, normalization)
    assert _count(g.trainable_weights) == OFFICIAL_SMALL[(num_downs, base_filters, normalization)]


# --------------------------------------------------------------------------------------
# Shapes and structure.
# --------------------------------------------------------------------------------------


def test_paper_output_shape_and_range(paper_g, paper_input):
    y = np.asarray(paper_g(paper_input, training=True))
    assert y.shape == (1, 256, 256, 3)
    assert np.all(np.isfinite(y)) and np.all(np.abs(y) <= 1.0)
    assert paper_g.layers[-1].activation is keras.activations.tanh
    # 256 -> 1 at the bottleneck (the official "unet_256").
    inner = paper_g.get_layer("down8")
    assert inner.output.shape[1:] == (1, 1, 512)
    spatial = [l.output.shape[1] for l in _layers(paper_g, keras.layers.Conv2D)]
    assert spatial == [128, 64, 32, 16, 8, 4, 2, 1]
    widths = [l.filters for l in _layers(paper_g, keras.layers.Conv2D)]
    assert widths == [64, 128, 256, 512, 512, 512, 512, 512]
    up_widths = [l.filters for l in _layers(paper_g, keras.layers.Conv2DTranspose)]
    assert up_widths == [512, 512, 512, 512, 256, 128, 64, 3]


def test_paper_kernels_strides_and_activations(paper_g):
    for layer in _layers(paper_g, CONVS):
        assert tuple(layer.kernel_size) == (4, 4), layer.name
        assert tuple(layer.strides) == (2, 2), layer.name
    leaky = _layers(paper_g, keras.layers.LeakyReLU)
    assert len(leaky) == 7  # before every down conv but the outermost
    assert all(l.negative_slope == pytest.approx(0.2) for l in leaky)
    assert len(_layers(paper_g, keras.layers.ReLU)) == 8  # before every up conv


def test_paper_norm_bias_and_dropout_placement(paper_g):
    """The official placements: no norm on the outermost and the innermost down conv, none
    after the outermost up conv; biases only on the outermost up conv (batch norm); dropout
    after the norm of the 3 middle 8-ngf decoder levels (not the innermost one)."""
    norms = {l.name for l in _layers(paper_g, keras.layers.BatchNormalization)}
    assert norms == {f"down{i}_norm" for i in range(2, 8)} | {f"up{i}_norm" for i in range(2, 9)}
    for layer in _layers(paper_g, CONVS):
        assert layer.use_bias == (layer.name == "up1"), layer.name
    dropouts = _layers(paper_g, keras.layers.Dropout)
    assert sorted(l.name for l in dropouts) == ["up5_dropout", "up6_dropout", "up7_dropout"]
    for layer in dropouts:
        assert layer.rate == 0.5
        level = layer.name[2]
        assert layer.input is paper_g.get_layer(f"up{level}_norm").output
        assert layer.output.shape[-1] == 512
    # Dropout sits on the 4x4, 8x8 and 16x16 decoder outputs; the 2x2 one has none.
    assert sorted(l.output.shape[1] for l in dropouts) == [4, 8, 16]
    for layer in _layers(paper_g, keras.layers.BatchNormalization):
        assert layer.momentum == pytest.approx(0.9)  # PyTorch momentum 0.1
        assert layer.epsilon == pytest.approx(1e-5)


def test_paper_skip_connections(paper_g):
    """skip{l} concatenates [encoder level l, decoder output of level l + 1], encoder first."""
    concats = _layers(paper_g, keras.layers.Concatenate)
    assert sorted(l.name for l in concats) == [f"skip{i}" for i in range(1, 8)]
    for level in range(1, 8):
        layer = paper_g.get_layer(f"skip{level}")
        enc, dec = layer.input
        enc_name = "down1" if level == 1 else f"down{level}_norm"
        assert enc is paper_g.get_layer(enc_name).output, level
        up = level + 1
        dec_name = f"up{up}_dropout" if 5 <= up <= 7 else f"up{up}_norm"
        assert dec is paper_g.get_layer(dec_name).output, level
        assert paper_g.get_layer(f"up{level}_relu").input is layer.output
    # The innermost decoder level reads the bottleneck alone.
    assert paper_g.get_layer("up8_relu").input is paper_g.get_layer("down8").output


def test_other_num_downs_dropout_levels():
    # num_downs - 5 dropout levels: 5 .. num_downs - 1.
    assert not _layers(tiny(), keras.layers.Dropout)
    g6 = unet_generator((64, 64, 3), 3, 4, 6)
    assert [l.name for l in _layers(g6, keras.layers.Dropout)] == ["up5_dropout"]
    g7 = unet_generator((128, 128, 1), 2, 2, 7, dropout=0.25)
    drops = _layers(g7, keras.layers.Dropout)
    assert sorted(l.name for l in drops) == ["up5_dropout", "up6_dropout"]
    assert all(l.rate == 0.25 for l in drops)
    assert g7.output.shape[1:] == (128, 128, 2)
    for rate in (0, 0.0, None):
        assert not _layers(unet_generator((64, 64, 3), 3, 4, 6, dropout=rate), keras.layers.Dropout)


def test_instance_norm_layers_and_biases():
    g = tiny(normalization="instance")
    norms = _layers(g, keras.layers.GroupNormalization)
    assert len(norms) == 3 + 4  # down2..down4, up2..up5
    for layer in norms:
        assert layer.groups == layer.input.shape[-1]  # one group per channel
        assert not layer.center and not layer.scale and not layer.weights
        assert layer.epsilon == pytest.approx(1e-5)
    assert not _layers(g, keras.layers.BatchNormalization)
    assert all(l.use_bias for l in _layers(g, CONVS))


def test_normalization_none_has_no_norm_and_official_biases():
    g = tiny(normalization=None)
    assert not _layers(g, keras.layers.BatchNormalization)
    assert not _layers(g, keras.layers.GroupNormalization)
    # The official code decides biases by "is the norm InstanceNorm2d": False for --norm none.
    assert [l.name for l in _layers(g, CONVS) if l.use_bias] == ["up1"]


def test_tiny_config_runs_and_trains():
    g = tiny()
    x = np.random.default_rng(1).normal(size=(2, 32, 32, 3)).astype("float32")
    with tf.GradientTape() as tape:
        y = g(x, training=True)
        loss = tf.reduce_mean(tf.abs(y - x))
    assert y.shape == (2, 32, 32, 3)
    grads = tape.gradient(loss, g.trainable_weights)
    assert len(grads) == len(g.trainable_weights) == 25
    for w, grad in zip(g.trainable_weights, grads):
        assert grad is not None and np.any(np.asarray(grad) != 0), w.path
    assert _count(g.trainable_weights) == OFFICIAL_SMALL[(5, 8, "batch")]


def test_unknown_spatial_size_is_fully_convolutional():
    g = unet_generator((None, None, 3), 3, 4, 5, seed=0)
    for h, w in ((32, 32), (64, 96)):
        y = g(np.zeros((1, h, w, 3), "float32"), training=False)
        assert y.shape == (1, h, w, 3)


def test_non_square_images():
    g = unet_generator((32, 64, 1), 2, 4, 5)
    assert g(np.zeros((1, 32, 64, 1), "float32")).shape == (1, 32, 64, 2)


# --------------------------------------------------------------------------------------
# Dropout: on with training=True (pix2pix keeps it at test time), off with training=False.
# --------------------------------------------------------------------------------------


def test_paper_dropout_active_only_in_training(paper_g, paper_input):
    a = np.asarray(paper_g(paper_input, training=True))
    b = np.asarray(paper_g(paper_input, training=True))
    assert np.abs(a - b).max() > 1e-3
    c = np.asarray(paper_g(paper_input, training=False))
    d = np.asarray(paper_g(paper_input, training=False))
    np.testing.assert_array_equal(c, d)


def test_training_mode_is_deterministic_without_dropout():
    x = np.random.default_rng(2).normal(size=(2, 64, 64, 3)).astype("float32")
    with_dropout = unet_generator((64, 64, 3), 3, 4, 6, seed=3)
    without = unet_generator((64, 64, 3), 3, 4, 6, dropout=0, seed=3)
    a, b = (np.asarray(with_dropout(x, training=True)) for _ in range(2))
    assert np.abs(a - b).max() > 1e-4
    c, d = (np.asarray(without(x, training=True)) for _ in range(2))
    np.testing.assert_array_equal(c, d)  # batch statistics alone are deterministic


# --------------------------------------------------------------------------------------
# Semantics against a NumPy statement of the official blocks (PyTorch arithmetic).
# --------------------------------------------------------------------------------------


def torch_conv2d(x, kernel, bias, stride, pad):
    """PyTorch Conv2d (cross-correlation, ``padding=pad`` zeros on every side), NHWC, with a
    Keras-layout kernel ``[kh, kw, in, out]`` (= the PyTorch weight ``[out, in, kh, kw]``)."""
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    kh, kw = kernel.shape[:2]
    oh = (x.shape[1] - kh) // stride + 1
    ow = (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], oh, ow, kernel.shape[-1]), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i : i + stride * oh : stride, j : j + stride * ow : stride]
            out += patch @ kernel[i, j]
    return out + (0.0 if bias is None else bias)


def torch_conv_transpose2d(x, kernel, bias, stride, pad):
    """PyTorch ConvTranspose2d (``padding=pad``: the full result cropped by ``pad`` on every
    side), NHWC, with a Keras-layout kernel ``[kh, kw, out, in]`` (= the PyTorch weight
    ``[in, out, kh, kw]``, no spatial flip)."""
    b, h, w, _ = x.shape
    kh, kw = kernel.shape[:2]
    full = np.zeros((b, (h - 1) * stride + kh, (w - 1) * stride + kw, kernel.shape[2]), np.float64)
    for i in range(kh):
        for j in range(kw):
            full[:, i : i + stride * h : stride, j : j + stride * w : stride] += x @ kernel[i, j].T
    out = full[:, pad : full.shape[1] - pad, pad : full.shape[2] - pad]
    return out + (0.0 if bias is None else bias)


def _weights(model, name):
    layer = model.get_layer(name)
    return layer.kernel.numpy().astype(np.float64), (
        layer.bias.numpy().astype(np.float64) if layer.use_bias else None
    )


def official_unet_reference(model, x, num_downs, normalization):
    """The official UnetSkipConnectionBlock recursion, in eval mode (dropout off, batch norm
    with running statistics), block by block: ``cat([x, up(relu(sub(down(lrelu(x)))))])``."""
    lrelu = lambda t: np.where(t > 0, t, 0.2 * t)
    relu = lambda t: np.maximum(t, 0.0)

    def norm(t, name):
        if normalization == "batch":
            bn = model.get_layer(name)
            g, b, m, v = (w.numpy().astype(np.float64) for w in bn.weights)
            return g * (t - m) / np.sqrt(v + 1e-5) + b
        if normalization == "instance":
            mean = t.mean(axis=(1, 2), keepdims=True)
            var = t.var(axis=(1, 2), keepdims=True)
            return (t - mean) / np.sqrt(var + 1e-5)
        return t

    def down(t, level):
        return torch_conv2d(t, *_weights(model, f"down{level}"), stride=2, pad=1)

    def up(t, level):
        return torch_conv_transpose2d(t, *_weights(model, f"up{level}"), stride=2, pad=1)

    def block(level, t):
        if level == num_downs:  # innermost: [lrelu, downconv, relu, upconv, upnorm]
            u = norm(up(relu(down(lrelu(t), level)), level), f"up{level}_norm")
        else:  # [lrelu, downconv, downnorm, sub, relu, upconv, upnorm, (dropout)]
            inner = norm(down(lrelu(t), level), f"down{level}_norm")
            u = norm(up(relu(block(level + 1, inner)), level), f"up{level}_norm")
        return np.concatenate([t, u], axis=-1)

    # outermost: [downconv, sub, relu, upconv, tanh]
    return np.tanh(up(relu(block(2, down(x.astype(np.float64), 1))), 1))


def _randomize_norms(model, rng):
    """Non-trivial batch-norm parameters and running statistics, to test where they act."""
    for layer in _layers(model, keras.layers.BatchNormalization):
        c = layer.gamma.shape[0]
        layer.gamma.assign(rng.uniform(0.5, 1.5, c).astype("float32"))
        layer.beta.assign(rng.normal(0.0, 0.2, c).astype("float32"))
        layer.moving_mean.assign(rng.normal(0.0, 0.2, c).astype("float32"))
        layer.moving_variance.assign(rng.uniform(0.5, 2.0, c).astype("float32"))


def _scale_kernels(model):
    """He-like kernel scales so activations stay O(1) and tanh is not saturated or flat."""
    for layer in _layers(model, CONVS):
        k = layer.kernel.numpy()
        if isinstance(layer, keras.layers.Conv2DTranspose):
            fan_in = 4 * k.shape[3]  # [kh, kw, out, in]: 16 taps over stride 2 x 2 = 4 per pixel
        else:
            fan_in = 16 * k.shape[2]  # [kh, kw, in, out]
        layer.kernel.assign(k / k.std() / math.sqrt(fan_in))
        if layer.use_bias:
            layer.bias.assign(np.linspace(-0.1, 0.1, layer.bias.shape[0]).astype("float32"))


@pytest.mark.parametrize("normalization", ["batch", "instance", None])
def test_matches_official_block_recursion(normalization):
    rng = np.random.default_rng(4)
    g = unet_generator((32, 32, 3), 2, 4, 5, normalization, seed=5)
    _scale_kernels(g)
    _randomize_norms(g, rng)
    x = rng.normal(size=(2, 32, 32, 3)).astype("float32")
    expected = official_unet_reference(g, x, 5, normalization)
    assert expected.std() > 0.1  # a non-trivial output
    np.testing.assert_allclose(np.asarray(g(x, training=False)), expected, atol=1e-4)


def test_same_padding_is_pytorch_padding_1():
    """Keras "same" for 4x4 / stride 2 on even sizes = PyTorch padding=1 (1 pixel each side),
    for the convolution and for the transposed convolution; odd sizes are never built."""
    g = tiny(normalization=None)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(1, 32, 32, 3)).astype("float32")
    probe = keras.Model(g.input, [g.get_layer("down1").output, g.get_layer("up2").output,
                                  g.get_layer("up2_relu").output])
    d1, u2, u2_in = (np.asarray(t) for t in probe(x))
    np.testing.assert_allclose(d1, torch_conv2d(x, *_weights(g, "down1"), 2, 1), atol=1e-5)
    np.testing.assert_allclose(u2, torch_conv_transpose2d(u2_in, *_weights(g, "up2"), 2, 1), atol=1e-5)
    # A one-pixel shift would be caught: the left/right-asymmetric padding differs.
    shifted = torch_conv2d(np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)))[:, 1:, 1:], *_weights(g, "down1"), 2, 1)
    assert np.abs(d1 - shifted).max() > 1e-2


# --------------------------------------------------------------------------------------
# Initialisation (init_weights "normal", gain 0.02).
# --------------------------------------------------------------------------------------


def _assert_normal(values, mean, std, what):
    """Sample mean/std within 5 standard errors of N(mean, std)."""
    values = np.asarray(values).ravel().astype(np.float64)
    n = values.size
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(n), (what, values.mean())
    assert abs(values.std() - std) < 5 * std / math.sqrt(2 * n), (what, values.std())


def test_paper_init_statistics(paper_g):
    convs = _layers(paper_g, CONVS)
    assert len(convs) == 16
    for layer in convs:
        _assert_normal(layer.kernel.numpy(), 0.0, 0.02, layer.name)
    np.testing.assert_array_equal(paper_g.get_layer("up1").bias.numpy(), 0.0)
    bns = _layers(paper_g, keras.layers.BatchNormalization)
    assert len(bns) == 13
    gammas = np.concatenate([l.gamma.numpy() for l in bns])
    _assert_normal(gammas, 1.0, 0.02, "all BN gammas")
    for layer in bns:
        np.testing.assert_array_equal(layer.beta.numpy(), 0.0)
        assert np.abs(layer.gamma.numpy() - 1.0).max() < 0.15, layer.name  # < 7.5 sigma
    # (Running statistics are not checked here: other tests call the shared model with
    # training=True, which moves them.)


def test_instance_norm_biases_start_at_zero():
    g = tiny(normalization="instance")
    for layer in _layers(g, CONVS):
        np.testing.assert_array_equal(layer.bias.numpy(), 0.0)


def test_seeds():
    a, b, c = tiny(seed=1), tiny(seed=1), tiny(seed=2)
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    kernels_a = [l.kernel.numpy() for l in _layers(a, CONVS)]
    kernels_c = [l.kernel.numpy() for l in _layers(c, CONVS)]
    for x, y in zip(kernels_a, kernels_c):
        assert not np.any(x == y)
    firsts = {tuple(k.ravel()[:4].tolist()) for k in kernels_a}
    assert len(firsts) == len(kernels_a)  # each layer draws its own values
    gammas = [l.gamma.numpy() for l in _layers(a, keras.layers.BatchNormalization)]
    assert len({tuple(g[:4].tolist()) for g in gammas}) == len(gammas)


# --------------------------------------------------------------------------------------
# Argument checks.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"image_shape": (32, 32)}, "image_shape .* received (32, 32)."),
        ({"image_shape": (32, 32, 0)}, "image_shape .* received (32, 32, 0)."),
        ({"image_shape": (32, 32, None)}, "image_shape .* received (32, 32, None)."),
        ({"image_shape": "32x32"}, "image_shape .* received '32x32'."),
        ({"image_shape": (48, 32, 3)}, "height divisible by 2**num_downs = 32 .* received image_shape=(48, 32, 3)."),
        ({"image_shape": (32, 40, 3)}, "width divisible by 2**num_downs = 32 .* received image_shape=(32, 40, 3)."),
        ({"num_downs": 6}, "height divisible by 2**num_downs = 64 (num_downs=6); received image_shape=(32, 32, 3)."),
        ({"num_downs": 4}, "num_downs must be an int >= 5; received 4."),
        ({"num_downs": 5.0}, "num_downs must be an int >= 5; received 5.0."),
        ({"base_filters": 0}, "base_filters must be an int >= 1; received 0."),
        ({"base_filters": True}, "base_filters must be an int >= 1; received True."),
        ({"output_channels": 0}, "output_channels must be an int >= 1; received 0."),
        ({"normalization": "layer"}, "normalization must be one of ('batch', 'instance', None); received 'layer'."),
        ({"normalization": "none"}, "received 'none'."),
        ({"dropout": 1.0}, "dropout must be in [0, 1); received 1.0."),
        ({"dropout": -0.1}, "dropout must be in [0, 1); received -0.1."),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    parts = message.split(" .* ")
    pattern = ".*".join(re.escape(p) for p in parts)
    with pytest.raises(ValueError, match=pattern):
        tiny(**kwargs)
