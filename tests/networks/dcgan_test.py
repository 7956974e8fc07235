"""Tests for the DCGAN generator and discriminator (keras_gans/networks/dcgan.py).

Expected numbers come from the authors' official code, written out below as parameter
shapes, and from the DCGAN paper's architecture rules; none are read back from our code.
"""

import math
import re

import keras
import numpy as np
import pytest

from keras_gans.networks.dcgan import dcgan_discriminator, dcgan_generator

# --------------------------------------------------------------------------------------
# Official parameter shapes.
# --------------------------------------------------------------------------------------

# Newmu/dcgan_code, faces/train_uncond_dcgan.py: nz=100, ngf=ndf=128, 64x64x3, 5x5 kernels,
# no biases anywhere, batch norm gain (g) and bias (b) per unit / channel.
_NZ, _NGF, _NDF, _NC = 100, 128, 128, 3
DCGAN_OFFICIAL_G = [
    (_NZ, _NGF * 8 * 4 * 4),  # gw
    (_NGF * 8 * 4 * 4,),  # gg
    (_NGF * 8 * 4 * 4,),  # gb
    (_NGF * 8, _NGF * 4, 5, 5),  # gw2
    (_NGF * 4,),  # gg2
    (_NGF * 4,),  # gb2
    (_NGF * 4, _NGF * 2, 5, 5),  # gw3
    (_NGF * 2,),  # gg3
    (_NGF * 2,),  # gb3
    (_NGF * 2, _NGF, 5, 5),  # gw4
    (_NGF,),  # gg4
    (_NGF,),  # gb4
    (_NGF, _NC, 5, 5),  # gwx
]
DCGAN_OFFICIAL_D = [
    (_NDF, _NC, 5, 5),  # dw
    (_NDF * 2, _NDF, 5, 5),  # dw2
    (_NDF * 2,),  # dg2
    (_NDF * 2,),  # db2
    (_NDF * 4, _NDF * 2, 5, 5),  # dw3
    (_NDF * 4,),  # dg3
    (_NDF * 4,),  # db3
    (_NDF * 8, _NDF * 4, 5, 5),  # dw4
    (_NDF * 8,),  # dg4
    (_NDF * 8,),  # db4
    (_NDF * 8 * 4 * 4, 1),  # dwy
]

# igul222/improved_wgan_training, gan_mnist.py: DIM=64, z=128, no normalisation, biases.
_DIM, _Z = 64, 128
WGAN_GP_OFFICIAL_G = [
    (_Z, 4 * 4 * 4 * _DIM), (4 * 4 * 4 * _DIM,),  # Generator.Input (Linear)
    (5, 5, 4 * _DIM, 2 * _DIM), (2 * _DIM,),  # Generator.2 (Deconv2D)
    (5, 5, 2 * _DIM, _DIM), (_DIM,),  # Generator.3
    (5, 5, _DIM, 1), (1,),  # Generator.5
]
WGAN_GP_OFFICIAL_D = [
    (5, 5, 1, _DIM), (_DIM,),  # Discriminator.1 (Conv2D)
    (5, 5, _DIM, 2 * _DIM), (2 * _DIM,),  # Discriminator.2
    (5, 5, 2 * _DIM, 4 * _DIM), (4 * _DIM,),  # Discriminator.3
    (4 * 4 * 4 * _DIM, 1), (1,),  # Discriminator.Output (Linear)
]

WEIGHTED = (keras.layers.Dense, keras.layers.Conv2D, keras.layers.Conv2DTranspose)


def _sizes(model):
    return sorted(int(np.prod(w.shape)) for w in model.trainable_weights)


def _official_sizes(shapes):
    return sorted(math.prod(s) for s in shapes)


def _kernels(model):
    return [(l.name, l.kernel.numpy()) for l in model.layers if isinstance(l, WEIGHTED)]


def _followers(model):
    """(weighted layer, the next layer that is not a crop) pairs, in order."""
    layers = model.layers
    # The builders make plain chains: each layer consumes the previous one's output.
    for prev, layer in zip(layers[:-1], layers[1:]):
        assert layer.input is prev.output, f"{layer.name} does not follow {prev.name}"
    pairs = []
    for i, layer in enumerate(layers):
        if isinstance(layer, WEIGHTED):
            nxt = next(
                (l for l in layers[i + 1 :] if not isinstance(l, keras.layers.Cropping2D)),
                None,
            )
            pairs.append((layer, nxt))
    return pairs


def _count(model, cls):
    return sum(isinstance(l, cls) for l in model.layers)


@pytest.fixture(scope="module")
def paper_g():
    return dcgan_generator(100, (64, 64, 3), 128, seed=11)


@pytest.fixture(scope="module")
def paper_d():
    return dcgan_discriminator((64, 64, 3), 128, seed=11)


# --------------------------------------------------------------------------------------
# Shapes.
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [8, 28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_output_shapes(size, channels):
    g = dcgan_generator(5, (size, size, channels), base_filters=2, seed=0)
    d = dcgan_discriminator((size, size, channels), base_filters=2, seed=0)
    z = np.random.default_rng(0).normal(size=(3, 5)).astype("float32")
    images = np.asarray(g(z, training=False))
    assert images.shape == (3, size, size, channels)
    logits = np.asarray(d(images, training=False))
    assert logits.shape == (3, 1)
    assert np.all(np.isfinite(logits))


def test_28_crops_8_to_7_after_first_upsampling():
    # WGAN-GP MNIST ladder: 4 -> 8 cropped to 7 -> 14 -> 28.
    g = dcgan_generator(4, (28, 28, 1), 2, normalization=None)
    spatial = [l.output.shape[1] for l in g.layers if isinstance(l, keras.layers.Conv2DTranspose)]
    assert spatial == [8, 14, 28]
    crops = [l for l in g.layers if isinstance(l, keras.layers.Cropping2D)]
    assert len(crops) == 1
    assert crops[0].output.shape[1:3] == (7, 7)
    # The critic mirrors it: 28 -> 14 -> 7 -> 4 (padding "same" rounds up).
    d = dcgan_discriminator((28, 28, 1), 2, normalization=None)
    spatial = [l.output.shape[1] for l in d.layers if isinstance(l, keras.layers.Conv2D)]
    assert spatial == [14, 7, 4]


# --------------------------------------------------------------------------------------
# Parameter counts against the official implementations.
# --------------------------------------------------------------------------------------


def test_dcgan_generator_matches_official_parameters(paper_g):
    expected = sum(math.prod(s) for s in DCGAN_OFFICIAL_G)
    assert expected == 18_885_760  # sanity of the shape list itself (hand sum)
    assert sum(int(np.prod(w.shape)) for w in paper_g.trainable_weights) == expected
    assert _sizes(paper_g) == _official_sizes(DCGAN_OFFICIAL_G)


def test_dcgan_discriminator_matches_official_parameters(paper_d):
    expected = sum(math.prod(s) for s in DCGAN_OFFICIAL_D)
    assert expected == 17_232_768  # hand sum
    assert sum(int(np.prod(w.shape)) for w in paper_d.trainable_weights) == expected
    assert _sizes(paper_d) == _official_sizes(DCGAN_OFFICIAL_D)


def test_wgan_gp_mnist_matches_official_parameters():
    g = dcgan_generator(128, (28, 28, 1), 64, normalization=None)
    d = dcgan_discriminator((28, 28, 1), 64, normalization=None)
    assert sum(math.prod(s) for s in WGAN_GP_OFFICIAL_G) == 1_554_177  # hand sums
    assert sum(math.prod(s) for s in WGAN_GP_OFFICIAL_D) == 1_030_145
    assert g.count_params() == sum(math.prod(s) for s in WGAN_GP_OFFICIAL_G)
    assert d.count_params() == sum(math.prod(s) for s in WGAN_GP_OFFICIAL_D)
    assert _sizes(g) == _official_sizes(WGAN_GP_OFFICIAL_G)
    assert _sizes(d) == _official_sizes(WGAN_GP_OFFICIAL_D)
    # No normalisation: every weight is trainable, nothing else is stored.
    assert not g.non_trainable_weights and not d.non_trainable_weights


# --------------------------------------------------------------------------------------
# DCGAN architecture rules (Radford et al. 2015, Section 3).
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size,n", [(64, 4), (28, 3), (8, 1)])
def test_generator_batch_norm_everywhere_but_output(size, n):
    g = dcgan_generator(4, (size, size, 3), 2)
    pairs = _followers(g)
    assert len(pairs) == n + 1  # projection + n transposed convolutions
    *hidden, (out_layer, out_next) = pairs
    for layer, nxt in hidden:
        assert isinstance(nxt, keras.layers.BatchNormalization), layer.name
    assert isinstance(out_layer, keras.layers.Conv2DTranspose)
    assert not isinstance(out_next, keras.layers.BatchNormalization)
    assert out_next is g.layers[-1]
    assert _count(g, keras.layers.BatchNormalization) == n
    # ReLU after every hidden BN in G (the paper's G activations).
    assert _count(g, keras.layers.ReLU) == n


@pytest.mark.parametrize("size,n", [(64, 4), (28, 3), (8, 1)])
def test_discriminator_no_batch_norm_on_first_layer(size, n):
    d = dcgan_discriminator((size, size, 3), 2)
    pairs = _followers(d)
    convs = [(l, nxt) for l, nxt in pairs if isinstance(l, keras.layers.Conv2D)]
    assert len(convs) == n
    first, first_next = convs[0]
    assert isinstance(first_next, keras.layers.LeakyReLU)
    for layer, nxt in convs[1:]:
        assert isinstance(nxt, keras.layers.BatchNormalization), layer.name
    assert _count(d, keras.layers.BatchNormalization) == n - 1
    # Output: one dense logit, no activation and nothing after it.
    logits, after = pairs[-1]
    assert isinstance(logits, keras.layers.Dense) and after is None
    assert logits.units == 1
    assert logits.activation is keras.activations.linear


def test_normalization_none_has_no_normalization_layers():
    for model in (
        dcgan_generator(4, (32, 32, 3), 2, normalization=None),
        dcgan_discriminator((32, 32, 3), 2, normalization=None),
    ):
        assert _count(model, keras.layers.BatchNormalization) == 0
        assert _count(model, keras.layers.LayerNormalization) == 0
        # WGAN-GP code: biases on every weighted layer when nothing normalises.
        for layer in model.layers:
            if isinstance(layer, WEIGHTED):
                assert layer.use_bias, layer.name


def test_layer_normalization_replaces_batch_norm():
    g = dcgan_generator(4, (16, 16, 1), 2, normalization="layer")
    d = dcgan_discriminator((16, 16, 1), 2, normalization="layer")
    assert _count(g, keras.layers.BatchNormalization) == 0
    assert _count(d, keras.layers.BatchNormalization) == 0
    assert _count(g, keras.layers.LayerNormalization) == 2  # projection + 1 hidden deconv
    assert _count(d, keras.layers.LayerNormalization) == 1  # all convs but the first
    x = np.asarray(g(np.ones((2, 4), "float32")))
    assert x.shape == (2, 16, 16, 1)


def test_generator_ends_in_tanh():
    g = dcgan_generator(8, (16, 16, 3), 4, seed=0)
    last = g.layers[-1]
    assert last.activation is keras.activations.tanh
    # Output equals tanh of the last deconvolution; large latents push the pre-activation
    # far outside [-1, 1] while the images stay inside it.
    probe = keras.Model(g.input, [g.layers[-2].output, g.output])
    z = 1e4 * np.random.default_rng(1).normal(size=(4, 8)).astype("float32")
    pre, out = (np.asarray(t) for t in probe(z, training=False))
    assert np.abs(pre).max() > 3.0
    np.testing.assert_allclose(out, np.tanh(pre), atol=1e-6)
    assert np.all(np.abs(out) <= 1.0)
    assert np.abs(out).max() > 0.99


def test_discriminator_uses_leaky_relu_0_2():
    d = dcgan_discriminator((32, 32, 1), 4)
    leaky = [l for l in d.layers if isinstance(l, keras.layers.LeakyReLU)]
    assert len(leaky) == 3  # one after each conv
    assert _count(d, keras.layers.ReLU) == 0
    for layer in leaky:
        assert layer.negative_slope == pytest.approx(0.2)
        y = np.asarray(layer(np.array([-1.0, -0.5, 0.0, 2.0], "float32")))
        np.testing.assert_allclose(y, [-0.2, -0.1, 0.0, 2.0], rtol=1e-6)


def test_no_pooling_strided_convolutions_instead():
    for model in (dcgan_generator(4, (32, 32, 1), 2), dcgan_discriminator((32, 32, 1), 2)):
        assert not any("Pooling" in type(l).__name__ for l in model.layers)
        for layer in model.layers:
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose)):
                assert tuple(layer.strides) == (2, 2), layer.name
                assert tuple(layer.kernel_size) == (5, 5), layer.name


# --------------------------------------------------------------------------------------
# Initialisation: N(0, 0.02) weights, N(1, 0.02) BN gains, zero betas.
# --------------------------------------------------------------------------------------


def _assert_normal(values, mean, std, what):
    """Sample mean/std within 5 standard errors of N(mean, std); normal, not uniform."""
    values = values.ravel().astype(np.float64)
    n = values.size
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(n), (what, values.mean())
    assert abs(values.std() - std) < 5 * std / math.sqrt(2 * n), (what, values.std())
    if n >= 10_000:
        # P(|x - mean| < std) = 0.6827 for a normal (0.577 for a uniform of that std).
        frac = np.mean(np.abs(values - mean) < std)
        p = math.erf(1 / math.sqrt(2))
        assert abs(frac - p) < 5 * math.sqrt(p * (1 - p) / n), (what, frac)


def test_dcgan_init_kernels(paper_g, paper_d):
    for model in (paper_g, paper_d):
        kernels = _kernels(model)
        assert len(kernels) == 5
        for name, kernel in kernels:
            _assert_normal(kernel, 0.0, 0.02, f"{model.name}/{name}")


def test_dcgan_init_batch_norm(paper_g, paper_d):
    bns = [
        l for m in (paper_g, paper_d) for l in m.layers
        if isinstance(l, keras.layers.BatchNormalization)
    ]
    assert len(bns) == 4 + 3
    for bn in bns:
        _assert_normal(bn.gamma.numpy(), 1.0, 0.02, bn.name)
        np.testing.assert_array_equal(bn.beta.numpy(), 0.0)


def _weights(seed):
    g = dcgan_generator(6, (16, 16, 3), 4, seed=seed)
    d = dcgan_discriminator((16, 16, 3), 4, seed=seed)
    return g, d


def test_same_seed_same_kernels_different_seed_different():
    (g1, d1), (g2, d2), (g3, d3) = _weights(5), _weights(5), _weights(6)
    a = [k for m in (g1, d1) for _, k in _kernels(m)]
    b = [k for m in (g2, d2) for _, k in _kernels(m)]
    c = [k for m in (g3, d3) for _, k in _kernels(m)]
    assert len(a) == len(b) == len(c) == 3 + 3
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(a, c):
        assert not np.any(x == y)
    # Within one model, layers get different draws (no repeated seed per layer).
    firsts = [tuple(k.ravel()[:4].tolist()) for k in a]
    assert len(set(firsts)) == len(firsts)


def test_same_seed_same_weights_everywhere():
    (g1, d1), (g2, d2), (g3, d3) = _weights(5), _weights(5), _weights(6)
    a = [w.numpy() for w in g1.weights + d1.weights]
    b = [w.numpy() for w in g2.weights + d2.weights]
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    gammas_1 = [l.gamma.numpy() for l in g1.layers + d1.layers if hasattr(l, "gamma")]
    gammas_3 = [l.gamma.numpy() for l in g3.layers + d3.layers if hasattr(l, "gamma")]
    assert len(gammas_1) == 2 + 1
    for x, y in zip(gammas_1, gammas_3):
        assert not np.array_equal(x, y)


def test_other_initializer_is_used_and_seeded():
    def kernels(seed):
        g = dcgan_generator(
            6, (16, 16, 1), 4, normalization=None, kernel_initializer="glorot_uniform", seed=seed
        )
        return [k for _, k in _kernels(g)]

    a, b = kernels(3), kernels(3)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    for k in a:
        # Glorot uniform bound sqrt(6 / (fan_in + fan_out)); receptive field times channels.
        receptive = math.prod(k.shape[:-2]) if k.ndim > 2 else 1
        limit = math.sqrt(6.0 / (receptive * (k.shape[-2] + k.shape[-1])))
        assert np.abs(k).max() <= limit
        assert np.abs(k).max() > 0.8 * limit  # uniform fills its range; N(0, .02) would not


# --------------------------------------------------------------------------------------
# Argument checks.
# --------------------------------------------------------------------------------------


def _builders(**kwargs):
    latent = kwargs.pop("latent_dim", 4)
    return [
        lambda: dcgan_generator(latent, **kwargs),
        lambda: dcgan_discriminator(**kwargs),
    ]


@pytest.mark.parametrize(
    "kwargs,received",
    [
        ({"image_shape": (8, 16, 1)}, "(8, 16, 1)"),
        ({"image_shape": (4, 4, 1)}, "4"),
        ({"image_shape": (8, 8)}, "(8, 8)"),
        ({"image_shape": (8, 8, 1, 1)}, "(8, 8, 1, 1)"),
        ({"image_shape": (8, 8, 1), "base_filters": 0}, "0"),
        ({"image_shape": (8, 8, 1), "normalization": "instance"}, "'instance'"),
    ],
)
def test_bad_arguments_raise(kwargs, received):
    for build in _builders(**kwargs):
        with pytest.raises(ValueError, match=r"received " + re.escape(received) + r"\."):
            build()


def test_bad_latent_dim_raises():
    with pytest.raises(ValueError, match=r"latent_dim.*received 0\."):
        dcgan_generator(0, (8, 8, 1), 2)


@pytest.mark.parametrize("size", [5, 7])
def test_sizes_below_8_raise(size):
    for build in _builders(image_shape=(size, size, 1)):
        with pytest.raises(ValueError, match=rf"received {size}\."):
            build()
