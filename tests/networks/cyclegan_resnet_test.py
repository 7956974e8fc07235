"""Tests for the CycleGAN ResNet generator (keras_gans/networks/cyclegan.py).

Reference: the authors' official PyTorch code (junyanz/pytorch-CycleGAN-and-pix2pix,
models/networks.py: ResnetGenerator, ResnetBlock, get_norm_layer, init_weights). The PyTorch
network below is written here from reading that code, independently of ``keras_gans``, with
the same module structure (``model`` a Sequential: ReflectionPad2d(3), Conv2d 7x7, norm, ReLU;
per downsampling Conv2d(3, stride 2, padding 1), norm, ReLU; the ResnetBlocks, whose
``conv_block`` is ReflectionPad2d(1), Conv2d 3x3, norm, ReLU, ReflectionPad2d(1), Conv2d 3x3,
norm; per upsampling ConvTranspose2d(3, stride 2, padding 1, output_padding 1), norm, ReLU;
ReflectionPad2d(3), Conv2d 7x7 with a bias, Tanh), ``use_bias = norm is InstanceNorm2d``,
``InstanceNorm2d(affine=False, track_running_stats=False)`` and ``BatchNorm2d(affine=True)``.
The official parameter counts (11,378,179 for resnet_9blocks, 7,837,699 for resnet_6blocks,
ngf 64, 3 -> 3 channels) are asserted as literals as well as against this build.
"""

import functools
import math
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch
from torch import nn

from keras_gans.networks.cyclegan import ReflectionPadding2D, resnet_generator

RESNET_9BLOCKS_PARAMS = 11_378_179  # official, ngf 64, --norm instance, 256 px preset
RESNET_6BLOCKS_PARAMS = 7_837_699  # official, ngf 64, --norm instance, 128 px preset

CONVS = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)


def _count(weights):
    return sum(int(np.prod(w.shape)) for w in weights)


def _layers(model, cls):
    return [l for l in model.layers if isinstance(l, cls)]


# --------------------------------------------------------------------------------------
# PyTorch reference (official structure).
# --------------------------------------------------------------------------------------


def _torch_norm(normalization):
    if normalization == "instance":
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    if normalization == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    return lambda channels: nn.Identity()


class TorchResnetBlock(nn.Module):
    def __init__(self, dim, norm, use_bias):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, kernel_size=3, padding=0, bias=use_bias),
            norm(dim),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, kernel_size=3, padding=0, bias=use_bias),
            norm(dim),
        )

    def forward(self, x):
        return x + self.conv_block(x)


class TorchResnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, ngf=64, normalization="instance", n_blocks=6,
                 n_downsampling=2):
        super().__init__()
        norm = _torch_norm(normalization)
        use_bias = normalization == "instance"
        seq = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, padding=0, bias=use_bias),
               norm(ngf), nn.ReLU(True)]
        for i in range(n_downsampling):
            c = ngf * 2**i
            seq += [nn.Conv2d(c, 2 * c, 3, stride=2, padding=1, bias=use_bias), norm(2 * c),
                    nn.ReLU(True)]
        c = ngf * 2**n_downsampling
        seq += [TorchResnetBlock(c, norm, use_bias) for _ in range(n_blocks)]
        for i in range(n_downsampling):
            c = ngf * 2 ** (n_downsampling - i)
            seq += [nn.ConvTranspose2d(c, c // 2, 3, stride=2, padding=1, output_padding=1,
                                       bias=use_bias),
                    norm(c // 2), nn.ReLU(True)]
        seq += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*seq)
        self.apply(self._init)  # init_weights("normal", 0.02)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.model(x)


def _torch_params(net):
    return sum(p.numel() for p in net.parameters())


def _keras_names(num_blocks, num_downsampling):
    """Keras conv and norm layer names in the order of the official Sequential."""
    convs = ["conv1"] + [f"down{i}" for i in range(1, num_downsampling + 1)]
    norms = ["conv1_norm"] + [f"down{i}_norm" for i in range(1, num_downsampling + 1)]
    for b in range(1, num_blocks + 1):
        convs += [f"block{b}_conv1", f"block{b}_conv2"]
        norms += [f"block{b}_norm1", f"block{b}_norm2"]
    convs += [f"up{i}" for i in range(1, num_downsampling + 1)] + ["conv_out"]
    norms += [f"up{i}_norm" for i in range(1, num_downsampling + 1)]
    return convs, norms


@torch.no_grad()
def copy_keras_to_torch(model, net, num_blocks, num_downsampling):
    """Kernels ``[kh, kw, in, out]`` (Conv2D) and ``[kh, kw, out, in]`` (Conv2DTranspose) go to
    PyTorch's ``[out, in, kh, kw]`` and ``[in, out, kh, kw]`` by the same axis permutation,
    without a spatial flip."""
    conv_names, norm_names = _keras_names(num_blocks, num_downsampling)
    convs = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    assert len(convs) == len(conv_names)
    for name, m in zip(conv_names, convs):
        layer = model.get_layer(name)
        assert isinstance(layer, keras.layers.Conv2DTranspose) == isinstance(m, nn.ConvTranspose2d)
        w = np.transpose(layer.kernel.numpy(), (3, 2, 0, 1))
        assert w.shape == tuple(m.weight.shape), name
        m.weight.copy_(torch.from_numpy(w))
        assert layer.use_bias == (m.bias is not None), name
        if m.bias is not None:
            m.bias.copy_(torch.from_numpy(layer.bias.numpy()))
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    if bns:
        assert len(bns) == len(norm_names)
        for name, m in zip(norm_names, bns):
            layer = model.get_layer(name)
            for target, source in ((m.weight, layer.gamma), (m.bias, layer.beta),
                                   (m.running_mean, layer.moving_mean),
                                   (m.running_var, layer.moving_variance)):
                target.copy_(torch.from_numpy(source.numpy()))


def _randomize(model, rng, x):
    """Non-zero biases and batch norm parameters/statistics, so that none of them can be
    copied to the wrong place unnoticed. The running statistics are those of ``x`` (one
    training pass with momentum 0), perturbed, so that the activations stay O(1)."""
    for layer in _layers(model, CONVS):
        if layer.use_bias:
            layer.bias.assign(rng.normal(0, 0.1, layer.bias.shape).astype("float32"))
    bns = _layers(model, keras.layers.BatchNormalization)
    for layer in bns:
        n = layer.gamma.shape
        layer.gamma.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
        layer.beta.assign(rng.normal(0, 0.2, n).astype("float32"))
        layer.momentum = 0.0
    if bns:
        model(x, training=True)
    for layer in bns:
        n = layer.gamma.shape
        layer.momentum = 0.9
        layer.moving_mean.assign(layer.moving_mean + rng.normal(0, 0.01, n).astype("float32"))
        layer.moving_variance.assign(layer.moving_variance * rng.uniform(0.8, 1.25, n).astype("float32"))


def _torch_forward(net, x_nhwc):
    with torch.no_grad():
        y = net.eval()(torch.from_numpy(np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2))))
    return y.numpy().transpose(0, 2, 3, 1)


# --------------------------------------------------------------------------------------
# 1. Parameter counts.
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def g9():
    return resnet_generator((256, 256, 3), 3, 64, 9, seed=5)


@pytest.mark.parametrize("size,num_blocks,official", [(256, 9, RESNET_9BLOCKS_PARAMS),
                                                      (128, 6, RESNET_6BLOCKS_PARAMS)])
def test_paper_parameter_counts_match_official(size, num_blocks, official, g9):
    g = g9 if num_blocks == 9 else resnet_generator((size, size, 3), 3, 64, num_blocks, seed=5)
    net = TorchResnetGenerator(3, 3, 64, "instance", num_blocks)
    assert _torch_params(net) == official
    assert _count(g.trainable_weights) == official
    assert len(g.trainable_weights) == len(list(net.parameters()))
    assert not g.non_trainable_weights
    assert g.output.shape[1:] == (size, size, 3)


def test_instance_norms_have_no_weights(g9):
    norms = _layers(g9, keras.layers.GroupNormalization)
    assert len(norms) == 1 + 2 + 2 * 9 + 2
    for layer in norms:
        channels = layer.input.shape[-1]  # groups=-1 becomes one group per channel
        assert layer.groups in (-1, channels) and not layer.center and not layer.scale, layer.name
        assert layer.epsilon == 1e-5
        assert not layer.weights, layer.name
    # With instance norm every convolution has a bias (the code's use_bias), as does conv_out.
    assert all(l.use_bias for l in _layers(g9, CONVS))


@pytest.mark.parametrize("normalization", ["batch", None])
def test_other_norms_match_official_counts(normalization):
    g = resnet_generator((32, 32, 3), 3, 8, 2, normalization=normalization)
    net = TorchResnetGenerator(3, 3, 8, normalization, 2)
    assert _count(g.trainable_weights) == _torch_params(net)
    buffers = sum(b.numel() for n, b in net.named_buffers() if not n.endswith("num_batches_tracked"))
    assert _count(g.non_trainable_weights) == buffers
    # No biases but conv_out's, as the code's use_bias = (norm is InstanceNorm2d).
    assert [l.name for l in _layers(g, CONVS) if l.use_bias] == ["conv_out"]


# --------------------------------------------------------------------------------------
# 2. Numerical equivalence with the PyTorch build.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "normalization,image_shape,input_hw,num_blocks,num_downsampling",
    [
        ("instance", (32, 32, 3), (32, 32), 2, 2),
        ("instance", (24, 40, 3), (24, 40), 2, 2),
        ("instance", (None, None, 3), (30, 26), 2, 2),  # not multiples of 4: official 32 x 28
        ("instance", (32, 32, 3), (32, 32), 1, 3),
        ("instance", (16, 16, 3), (16, 16), 1, 0),
        ("batch", (32, 32, 3), (32, 32), 2, 2),
        (None, (32, 32, 3), (32, 32), 2, 2),
    ],
)
def test_matches_official_pytorch(normalization, image_shape, input_hw, num_blocks,
                                  num_downsampling):
    rng = np.random.default_rng(0)
    g = resnet_generator(image_shape, 3, 8, num_blocks, num_downsampling, normalization, seed=1)
    x = rng.uniform(-1, 1, (2, *input_hw, 3)).astype("float32")
    _randomize(g, rng, x)
    net = TorchResnetGenerator(3, 3, 8, normalization, num_blocks, num_downsampling)
    copy_keras_to_torch(g, net, num_blocks, num_downsampling)
    expected = _torch_forward(net, x)
    y = np.asarray(g(x, training=False))
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, atol=1e-5, rtol=0)
    assert np.abs(y).max() > 0.05  # not a trivially small output


def test_odd_sizes_give_the_official_oversize_output():
    """PyTorch maps H to 4 * ceil(H / 4) (30 -> 15 -> 8 -> 16 -> 32): the fully convolutional
    model does the same; a fixed image_shape that is not a multiple of 4 is refused."""
    net = TorchResnetGenerator(3, 3, 4, "instance", 1)
    g = resnet_generator((None, None, 3), 3, 4, 1)
    for h, w in ((30, 26), (33, 41), (29, 32)):
        x = np.zeros((1, h, w, 3), "float32")
        official = _torch_forward(net, x).shape
        assert official == (1, 4 * math.ceil(h / 4), 4 * math.ceil(w / 4), 3)
        assert tuple(g(x).shape) == official
    with pytest.raises(ValueError, match=r"height divisible by 2\*\*num_downsampling = 4"):
        resnet_generator((30, 32, 3), 3, 4, 1)


@pytest.mark.parametrize("size,num_blocks,accepted", [(8, 1, True), (8, 0, True), (4, 1, False),
                                                      (4, 0, False)])
def test_minimum_sizes_match_official(size, num_blocks, accepted):
    """8 x 8 is the smallest input at num_downsampling=2: at 4 x 4 the bottleneck is 1 x 1,
    which the official blocks' ReflectionPad2d(1) and, even without blocks, InstanceNorm2d
    ("Expected more than 1 spatial element") refuse."""
    net = TorchResnetGenerator(3, 3, 2, "instance", num_blocks)
    x = np.zeros((1, size, size, 3), "float32")
    if accepted:
        assert _torch_forward(net, x).shape == (1, size, size, 3)
        g = resnet_generator((size, size, 3), 3, 2, num_blocks)
        assert g(x).shape == (1, size, size, 3)
    else:
        with pytest.raises((RuntimeError, ValueError)):
            _torch_forward(net, x)
        with pytest.raises(ValueError, match="at least 8 pixels"):
            resnet_generator((size, size, 3), 3, 2, num_blocks)


def test_keras_same_padding_is_offset_from_pytorch():
    """Why the module pads explicitly: Keras' "same" stride-2 convolution and transposed
    convolution are one pixel off PyTorch's padding=1 (/ output_padding=1) versions; the
    explicit forms match, and the transposed kernel needs no spatial flip."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(1, 6, 8, 4)).astype("float32")
    xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    to_nhwc = lambda t: t.numpy().transpose(0, 2, 3, 1)

    w = rng.normal(size=(5, 4, 3, 3)).astype("float32")  # Conv2d [out, in, kh, kw]
    official = to_nhwc(torch.nn.functional.conv2d(xt, torch.from_numpy(w), stride=2, padding=1))
    same = keras.layers.Conv2D(5, 3, strides=2, padding="same", use_bias=False)
    same.build((None, None, None, 4))
    same.kernel.assign(w.transpose(2, 3, 1, 0))
    assert np.abs(np.asarray(same(x)) - official).max() > 0.1
    valid = keras.layers.Conv2D(5, 3, strides=2, padding="valid", use_bias=False)
    valid.build((None, None, None, 4))
    valid.kernel.assign(w.transpose(2, 3, 1, 0))
    padded = np.asarray(valid(keras.layers.ZeroPadding2D(1)(x)))
    np.testing.assert_allclose(padded, official, atol=1e-5)

    wt = rng.normal(size=(4, 5, 3, 3)).astype("float32")  # ConvTranspose2d [in, out, kh, kw]
    official = to_nhwc(torch.nn.functional.conv_transpose2d(
        xt, torch.from_numpy(wt), stride=2, padding=1, output_padding=1))
    assert official.shape == (1, 12, 16, 5)
    kernel = wt.transpose(2, 3, 1, 0)
    for padding in ("same", "valid"):
        layer = keras.layers.Conv2DTranspose(5, 3, strides=2, padding=padding, use_bias=False)
        layer.build((None, None, None, 4))
        layer.kernel.assign(kernel)
        y = np.asarray(layer(x))
        if padding == "same":  # keeps the first row/column, drops the last: shifted by one
            assert y.shape == official.shape
            assert np.abs(y - official).max() > 0.1
            np.testing.assert_allclose(y[:, 1:, 1:], official[:, :-1, :-1], atol=1e-5)
        else:  # the full 13 x 17 result; PyTorch drops the first row/column
            np.testing.assert_allclose(y[:, 1:, 1:], official, atol=1e-5)
            layer.kernel.assign(kernel[::-1, ::-1].copy())
            assert np.abs(np.asarray(layer(x))[:, 1:, 1:] - official).max() > 0.1


def test_reflection_padding_is_pytorch_reflection_pad():
    x = np.random.default_rng(5).normal(size=(2, 5, 4, 3)).astype("float32")
    official = nn.ReflectionPad2d(3)(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()))
    layer = ReflectionPadding2D(3)
    np.testing.assert_array_equal(np.asarray(layer(x)), official.numpy().transpose(0, 2, 3, 1))
    assert layer.compute_output_shape((None, None, 4, 3)) == (None, None, 10, 3)


# --------------------------------------------------------------------------------------
# 3. Initialisation and seeds.
# --------------------------------------------------------------------------------------


def _assert_normal(values, mean, std, what):
    """Sample mean/std within 5 standard errors of N(mean, std)."""
    values = np.asarray(values).ravel().astype(np.float64)
    n = values.size
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(n), (what, values.mean())
    assert abs(values.std() - std) < 5 * std / math.sqrt(2 * n), (what, values.std())


def test_paper_init_statistics(g9):
    big = g9.get_layer("block5_conv1").kernel.numpy()
    assert big.size == 3 * 3 * 256 * 256
    _assert_normal(big, 0.0, 0.02, "block5_conv1")  # std within ~0.3% of 0.02
    convs = _layers(g9, CONVS)
    assert len(convs) == 1 + 2 + 2 * 9 + 2 + 1
    for layer in convs:
        _assert_normal(layer.kernel.numpy(), 0.0, 0.02, layer.name)
        np.testing.assert_array_equal(layer.bias.numpy(), 0.0)


def tiny(**kwargs):
    kwargs = {"image_shape": (16, 16, 3), "base_filters": 4, "num_blocks": 2, **kwargs}
    return resnet_generator(**kwargs)


def test_seeds():
    a, b, c, d = tiny(seed=1), tiny(seed=1), tiny(seed=2), tiny()
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    kernels = {m: [l.kernel.numpy() for l in _layers(m, CONVS)] for m in (a, c, d)}
    for x, y, z in zip(kernels[a], kernels[c], kernels[d]):
        assert not np.any(x == y) and not np.any(x == z)
    firsts = {tuple(k.ravel()[:4].tolist()) for k in kernels[a]}
    assert len(firsts) == len(kernels[a])  # each layer draws its own values
    bn1, bn2 = (tiny(seed=s, normalization="batch") for s in (3, 3))
    for x, y in zip(bn1.weights, bn2.weights):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    gammas = [l.gamma.numpy() for l in _layers(bn1, keras.layers.BatchNormalization)]
    assert len({tuple(g[:4].tolist()) for g in gammas}) == len(gammas)


# --------------------------------------------------------------------------------------
# 4. Argument checks.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"num_blocks": -1}, "num_blocks must be an int >= 0; received -1."),
        ({"num_blocks": 2.0}, "num_blocks must be an int >= 0; received 2.0."),
        ({"num_blocks": True}, "num_blocks must be an int >= 0; received True."),
        ({"num_downsampling": -1}, "num_downsampling must be an int >= 0; received -1."),
        ({"base_filters": 0}, "base_filters must be an int >= 1; received 0."),
        ({"output_channels": 0}, "output_channels must be an int >= 1; received 0."),
        ({"image_shape": (16, 16)}, "image_shape .* received (16, 16)."),
        ({"image_shape": (16, 16, 0)}, "image_shape .* received (16, 16, 0)."),
        ({"image_shape": (16, 16, None)}, "image_shape .* received (16, 16, None)."),
        ({"image_shape": "16x16"}, "image_shape .* received '16x16'."),
        ({"image_shape": (18, 16, 3)}, "height divisible by 2**num_downsampling = 4 (num_downsampling=2), "
                                       "else the output is larger than the input; received image_shape=(18, 16, 3)."),
        ({"image_shape": (16, 20, 3), "num_downsampling": 3}, "width divisible by 2**num_downsampling = 8 "
                                                              ".* received image_shape=(16, 20, 3)."),
        ({"image_shape": (4, 8, 3)}, "num_downsampling=2 needs an image height of at "
                                     "least 8 pixels .* received image_shape=(4, 8, 3)."),
        ({"normalization": "layer"}, "normalization must be one of ('batch', 'instance', None); received 'layer'."),
        ({"normalization": "none"}, "received 'none'."),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    pattern = ".*".join(re.escape(p) for p in message.split(" .* "))
    with pytest.raises(ValueError, match=pattern):
        tiny(**kwargs)


# --------------------------------------------------------------------------------------
# 5. Fully convolutional, trainable, serialisable.
# --------------------------------------------------------------------------------------


def test_unknown_spatial_size_is_fully_convolutional():
    g = resnet_generator((None, None, 3), 3, 4, 2, seed=0)
    assert g.output.shape == (None, None, None, 3)
    rng = np.random.default_rng(6)
    for h, w in ((64, 64), (48, 80)):
        y = np.asarray(g(rng.uniform(-1, 1, (2, h, w, 3)).astype("float32")))
        assert y.shape == (2, h, w, 3)
        assert np.all(np.abs(y) <= 1.0)


def test_tiny_config_trains_and_round_trips(tmp_path):
    g = tiny(seed=7, output_channels=2)
    x = np.random.default_rng(8).uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    with tf.GradientTape() as tape:
        y = g(x, training=True)
        loss = tf.reduce_mean(tf.abs(y - x[..., :2]))
    assert y.shape == (2, 16, 16, 2)
    grads = tape.gradient(loss, g.trainable_weights)
    for w, grad in zip(g.trainable_weights, grads):
        assert grad is not None and np.any(np.asarray(grad) != 0), w.path
    path = tmp_path / "g.keras"
    g.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer("conv1_pad"), ReflectionPadding2D)
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(g(x)))
