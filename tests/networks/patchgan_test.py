"""Tests for the PatchGAN discriminator (keras_gans/networks/patchgan.py).

Expected numbers come from the authors' official PyTorch code
(junyanz/pytorch-CycleGAN-and-pix2pix, models/networks.py, NLayerDiscriminator), not from
our code: the parameter counts and output sizes below were obtained by building that class
in PyTorch 2.13 (``sum(p.numel() for p in net.parameters())``; output shapes from a forward
pass) with ``functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)`` or
``functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)``.
The receptive fields (16, 34, 70 for 1, 2, 3 layers) are the authors' own table in their Lua
code (phillipi/pix2pix, models.lua, defineD_n_layers).
"""

import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.networks.patchgan import patchgan_discriminator

# --------------------------------------------------------------------------------------
# Official numbers (PyTorch build of NLayerDiscriminator, ndf=64, n_layers=3).
# --------------------------------------------------------------------------------------

PIX2PIX_D_PARAMS = 2_768_705  # input_nc = 3 + 3, --norm batch (pix2pix --netD basic)
PIX2PIX_D_RUNNING_STATS = 1_792  # running_mean + running_var of its 3 BatchNorm2d
PIX2PIX_D_TENSORS = 13  # 5 kernels, 2 biases (first and last conv), 3 x (weight, bias)
CYCLEGAN_D_PARAMS = 2_764_737  # input_nc = 3, --norm instance (CycleGAN)
BATCH_D_3CH_PARAMS = 2_765_633  # input_nc = 3, --norm batch
NONE_D_3CH_PARAMS = 2_763_841  # input_nc = 3, --norm none (identity norm, no middle biases)
# (input size, n_layers) -> official output size (ndf=2, --norm none); None = PyTorch fails.
OFFICIAL_OUTPUT_SIZES = {
    (256, 3): 30,
    (75, 2): 16,
    (97, 5): 1,
    (70, 3): 6,
    (64, 1): 30,
    (40, 3): 3,
    (24, 3): 1,
    (31, 0): 13,
}
OFFICIAL_TOO_SMALL = [(23, 3), (16, 3), (5, 1), (3, 0)]  # "Kernel size can't be greater..."


def _count(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


def _layers(model, cls):
    return [l for l in model.layers if isinstance(l, cls)]


@pytest.fixture(scope="module")
def pix2pix_d():
    return patchgan_discriminator((256, 256, 3), (256, 256, 3), 64, 3, "batch", seed=3)


@pytest.fixture(scope="module")
def cyclegan_d():
    return patchgan_discriminator((256, 256, 3), None, 64, 3, "instance", seed=3)


# --------------------------------------------------------------------------------------
# Parameter counts and output shapes against the official code.
# --------------------------------------------------------------------------------------


def test_pix2pix_d_matches_official_parameters(pix2pix_d):
    assert _count(pix2pix_d.trainable_weights) == PIX2PIX_D_PARAMS
    assert _count(pix2pix_d.non_trainable_weights) == PIX2PIX_D_RUNNING_STATS
    assert len(pix2pix_d.trainable_weights) == PIX2PIX_D_TENSORS


def test_cyclegan_d_matches_official_parameters(cyclegan_d):
    assert _count(cyclegan_d.trainable_weights) == CYCLEGAN_D_PARAMS
    assert not cyclegan_d.non_trainable_weights


@pytest.mark.parametrize("normalization,expected", [("batch", BATCH_D_3CH_PARAMS), (None, NONE_D_3CH_PARAMS)])
def test_three_channel_d_matches_official_parameters(normalization, expected):
    d = patchgan_discriminator((256, 256, 3), None, 64, 3, normalization)
    assert _count(d.trainable_weights) == expected


def test_paper_output_shapes(pix2pix_d, cyclegan_d):
    rng = np.random.default_rng(0)
    a, b = (rng.uniform(-1, 1, (2, 256, 256, 3)).astype("float32") for _ in range(2))
    y = np.asarray(pix2pix_d([a, b], training=True))
    assert y.shape == (2, 30, 30, 1)
    assert np.all(np.isfinite(y))
    assert cyclegan_d(b, training=True).shape == (2, 30, 30, 1)
    # Logits: no sigmoid, so values leave [0, 1] once the input is large.
    assert pix2pix_d.get_layer("logits").activation is keras.activations.linear
    assert pix2pix_d.layers[-1].name == "logits"


@pytest.mark.parametrize("size,num_layers", sorted(OFFICIAL_OUTPUT_SIZES))
def test_output_sizes_match_official(size, num_layers):
    d = patchgan_discriminator((size, size, 3), None, 2, num_layers, None)
    out = OFFICIAL_OUTPUT_SIZES[(size, num_layers)]
    assert d.output.shape[1:] == (out, out, 1)
    assert d(np.zeros((1, size, size, 3), "float32")).shape == (1, out, out, 1)


@pytest.mark.parametrize("size,num_layers", OFFICIAL_TOO_SMALL)
def test_too_small_images_raise_where_official_fails(size, num_layers):
    message = rf"{size} pixels leave no output; received image_shape=\({size}, {size}, 3\)\."
    with pytest.raises(ValueError, match=message):
        patchgan_discriminator((size, size, 3), None, 2, num_layers)


def test_unknown_and_non_square_sizes():
    d = patchgan_discriminator((None, None, 3), (None, None, 1), 2, 3)
    a = np.zeros((1, 256, 128, 1), "float32")
    b = np.zeros((1, 256, 128, 3), "float32")
    assert d([a, b]).shape == (1, 30, 14, 1)


# --------------------------------------------------------------------------------------
# Structure: the official NLayerDiscriminator.
# --------------------------------------------------------------------------------------


def _convs(model):
    return _layers(model, keras.layers.Conv2D)


def test_paper_layers(pix2pix_d):
    convs = _convs(pix2pix_d)
    assert [l.filters for l in convs] == [64, 128, 256, 512, 1]
    assert [tuple(l.strides) for l in convs] == [(2, 2)] * 3 + [(1, 1)] * 2
    assert all(tuple(l.kernel_size) == (4, 4) and l.padding == "valid" for l in convs)
    pads = _layers(pix2pix_d, keras.layers.ZeroPadding2D)
    assert len(pads) == len(convs)
    for pad, conv in zip(pads, convs):  # every convolution reads a 1-pixel zero padding
        assert conv.input is pad.output, conv.name
        assert pad.padding == ((1, 1), (1, 1))
    # Biases: first and last conv only (batch norm); none where batch norm follows.
    assert [l.use_bias for l in convs] == [True, False, False, False, True]
    norms = _layers(pix2pix_d, keras.layers.BatchNormalization)
    assert [l.input for l in norms] == [c.output for c in convs[1:4]]  # no norm on conv1
    for layer in norms:
        assert layer.momentum == pytest.approx(0.9) and layer.epsilon == pytest.approx(1e-5)
    leaky = _layers(pix2pix_d, keras.layers.LeakyReLU)
    assert len(leaky) == 4 and all(l.negative_slope == pytest.approx(0.2) for l in leaky)
    assert leaky[0].input is convs[0].output
    assert [l.input for l in leaky[1:]] == [n.output for n in norms]
    assert not _layers(pix2pix_d, keras.layers.Activation)  # no sigmoid


def test_instance_norm_layers_and_biases(cyclegan_d):
    convs = _convs(cyclegan_d)
    assert all(l.use_bias for l in convs)  # use_bias = norm is InstanceNorm2d
    norms = _layers(cyclegan_d, keras.layers.GroupNormalization)
    assert [l.input for l in norms] == [c.output for c in convs[1:4]]
    for layer in norms:
        assert layer.groups == layer.input.shape[-1]
        assert not layer.center and not layer.scale and not layer.weights
    assert not _layers(cyclegan_d, keras.layers.BatchNormalization)


def test_filter_multiplier_caps_at_8():
    d = patchgan_discriminator((256, 256, 3), None, 4, 5, None)
    assert [l.filters for l in _convs(d)] == [4, 8, 16, 32, 32, 32, 1]
    assert [l.use_bias for l in _convs(d)] == [True] + [False] * 5 + [True]  # --norm none
    d0 = patchgan_discriminator((32, 32, 3), None, 4, 0, "batch")
    assert [l.filters for l in _convs(d0)] == [4, 4, 1]
    assert [tuple(l.strides) for l in _convs(d0)] == [(2, 2), (1, 1), (1, 1)]


@pytest.mark.parametrize("num_layers,field", [(1, 16), (2, 34), (3, 70)])
def test_receptive_field(num_layers, field):
    """One logit sees a field x field patch (70x70 for the paper's D)."""
    d = patchgan_discriminator((160, 160, 1), None, 2, num_layers, None, seed=0)
    x = tf.constant(np.random.default_rng(1).normal(size=(1, 160, 160, 1)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = d(x, training=False)
        centre = y.shape[1] // 2
        out = y[0, centre, centre, 0]
    grad = np.abs(np.asarray(tape.gradient(out, x))[0, :, :, 0])
    rows, cols = np.nonzero(grad.sum(axis=1))[0], np.nonzero(grad.sum(axis=0))[0]
    assert rows.max() - rows.min() + 1 == field
    assert cols.max() - cols.min() + 1 == field
    assert rows.min() > 0 and rows.max() < 159  # not clipped by the border


def test_condition_is_concatenated_first():
    rng = np.random.default_rng(2)
    cond = patchgan_discriminator((32, 32, 3), (32, 32, 2), 4, 2, "batch", seed=1)
    plain = patchgan_discriminator((32, 32, 5), None, 4, 2, "batch", seed=9)
    plain.set_weights(cond.get_weights())
    assert [i.name for i in cond.inputs] == ["conditions", "images"]
    a = rng.normal(size=(2, 32, 32, 2)).astype("float32")
    b = rng.normal(size=(2, 32, 32, 3)).astype("float32")
    y = np.asarray(cond([a, b], training=False))
    np.testing.assert_allclose(y, np.asarray(plain(np.concatenate([a, b], -1), training=False)), atol=1e-6)
    swapped = np.concatenate([b[..., :2], np.concatenate([a, b[..., 2:]], -1)], -1)
    assert np.abs(y - np.asarray(plain(swapped, training=False))).max() > 1e-4


def test_matches_pytorch_padding_arithmetic():
    """The whole D against a NumPy PyTorch-semantics Conv2d(4, stride, padding=1) chain."""
    rng = np.random.default_rng(3)
    d = patchgan_discriminator((37, 37, 2), None, 3, 2, None, seed=4)
    for conv in _convs(d):  # O(1) activations
        k = conv.kernel.numpy()
        conv.kernel.assign(k / k.std() / math.sqrt(16 * k.shape[2]))
        if conv.use_bias:
            conv.bias.assign(np.full(conv.filters, 0.05, "float32"))
    x = rng.normal(size=(2, 37, 37, 2))
    h = x
    convs = _convs(d)
    for i, conv in enumerate(convs):
        k = conv.kernel.numpy().astype(np.float64)
        s = conv.strides[0]
        hp = np.pad(h, ((0, 0), (1, 1), (1, 1), (0, 0)))
        oh = (hp.shape[1] - 4) // s + 1
        out = sum(hp[:, a : a + s * oh : s, b : b + s * oh : s] @ k[a, b] for a in range(4) for b in range(4))
        if conv.use_bias:
            out = out + conv.bias.numpy()
        h = out if i == len(convs) - 1 else np.where(out > 0, out, 0.2 * out)
    assert h.shape == (2, 7, 7, 1)  # 37 -> 18 -> 9 -> 8 -> 7, PyTorch's floor arithmetic
    np.testing.assert_allclose(np.asarray(d(x.astype("float32"))), h, atol=1e-4)


# --------------------------------------------------------------------------------------
# Initialisation (init_weights "normal", gain 0.02).
# --------------------------------------------------------------------------------------


def _assert_normal(values, mean, std, what):
    values = np.asarray(values).ravel().astype(np.float64)
    n = values.size
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(n), (what, values.mean())
    assert abs(values.std() - std) < 5 * std / math.sqrt(2 * n), (what, values.std())


def test_paper_init_statistics(pix2pix_d, cyclegan_d):
    for model in (pix2pix_d, cyclegan_d):
        for conv in _convs(model):
            _assert_normal(conv.kernel.numpy(), 0.0, 0.02, f"{model.name}/{conv.name}")
            if conv.use_bias:
                np.testing.assert_array_equal(conv.bias.numpy(), 0.0)
    bns = _layers(pix2pix_d, keras.layers.BatchNormalization)
    _assert_normal(np.concatenate([l.gamma.numpy() for l in bns]), 1.0, 0.02, "BN gammas")
    for layer in bns:
        np.testing.assert_array_equal(layer.beta.numpy(), 0.0)


def test_seeds():
    make = lambda seed: patchgan_discriminator((32, 32, 3), (32, 32, 3), 4, 2, seed=seed)
    a, b, c = make(1), make(1), make(2)
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    for x, y in zip(_convs(a), _convs(c)):
        assert not np.any(x.kernel.numpy() == y.kernel.numpy())
    firsts = {tuple(l.kernel.numpy().ravel()[:4].tolist()) for l in _convs(a)}
    assert len(firsts) == len(_convs(a))


# --------------------------------------------------------------------------------------
# Argument checks.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"image_shape": (64, 64)}, "image_shape must be (height, width, channels) .* received (64, 64)."),
        ({"image_shape": (64, 64, 0)}, "image_shape .* received (64, 64, 0)."),
        ({"condition_shape": (64, 64)}, "condition_shape must be (height, width, channels) .* received (64, 64)."),
        ({"condition_shape": (32, 64, 3)},
         "condition_shape must have the height and width of image_shape (64, 64, 3); "
         "received condition_shape=(32, 64, 3)."),
        ({"base_filters": 0}, "base_filters must be an int >= 1; received 0."),
        ({"num_layers": -1}, "num_layers must be an int >= 0; received -1."),
        ({"num_layers": 7},
         "num_layers=7 needs a larger image height: 64 pixels leave no output; "
         "received image_shape=(64, 64, 3)."),
        ({"normalization": "group"}, "normalization must be one of ('batch', 'instance', None); received 'group'."),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    args = dict(image_shape=(64, 64, 3), base_filters=2)
    args.update(kwargs)
    pattern = ".*".join(re.escape(p) for p in message.split(" .* "))
    with pytest.raises(ValueError, match=pattern):
        patchgan_discriminator(**args)
