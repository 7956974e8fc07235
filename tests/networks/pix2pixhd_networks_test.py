"""Tests for pix2pixHD's generators (keras_gans/networks/pix2pixhd.py) and the multi-scale
discriminator of pix2pixHD and SPADE (keras_gans/networks/multiscale.py).

References: tests/networks/torch_pix2pixhd_reference.py, PyTorch networks written from the
official code (NVIDIA/pix2pixHD models/networks.py; NVlabs/SPADE models/networks/
discriminator.py and normalization.py) with the official state_dict keys. The parameter counts
at the papers' configurations are asserted as literals, against the reference and against the
Keras builds; outputs are compared after copying the reference's (randomised) weights into ours.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch
from torch import nn

import torch_pix2pixhd_reference as ref  # tests/networks/torch_pix2pixhd_reference.py
from keras_gans.networks.convert_translation import load_pix2pixhd, load_spade
from keras_gans.networks.multiscale import (
    ExcludePadAveragePooling2D,
    multiscale_discriminator,
    receptive_fields,
)
from keras_gans.networks.pix2pixhd import (
    GLOBAL_PREFIX,
    global_generator,
    global_prefixes,
    global_variables,
    local_enhancer,
)

# Official parameter counts (trainable; all of them), Cityscapes label maps: 35 classes + 1
# instance-edge channel = 36 (pix2pixHD's label_nc 35, no --no_instance).
GLOBAL_512P = 182_546_755  # --netG global, ngf 64, n_downsample_global 4, 9 blocks, 36 -> 3
LOCAL_1024P = 182_857_059  # --netG local --ngf 32 (global at 64), 1 enhancer, 3 local blocks
LOCAL_1024P_GLOBAL_PART = 182_537_344  # its `model` (the 512p G without its last conv)
D_512P = 5_603_202  # 36 + 3 input channels, ndf 64, n_layers_D 3, num_D 2, instance norm
D_1024P = 8_404_803  # the same with num_D 3
# SPADE's D: n_layers_D 4, ndf 64, num_D 2, spectralinstance; input semantic_nc + 3 where
# semantic_nc = label_nc + contain_dontcare_label + (not no_instance) (options/base_options.py).
SPADE_D = {
    "ade20k": (150 + 1 + 0, 5_836_930),  # label_nc 150, don't-care, no_instance
    "cityscapes": (35 + 0 + 1, 5_601_410),  # label_nc 35, no don't-care, instance edges
    "coco_stuff": (182 + 1 + 1, 5_904_514),  # label_nc 182, don't-care, instance edges
}


def _count(weights):
    return sum(math.prod(w.shape) for w in weights)


def _nchw(x):
    return torch.from_numpy(np.ascontiguousarray(np.asarray(x).transpose(0, 3, 1, 2)))


def _nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def assert_close(actual, expected, what="", rtol=1e-5):
    """``max |actual - expected| <= rtol * max |expected|`` (and the same shapes)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, (what, actual.shape, expected.shape)
    scale = float(np.abs(expected).max())
    err = float(np.abs(actual - expected).max())
    assert scale > 1e-3, f"{what}: trivially small reference output ({scale:.3g})"
    assert err <= rtol * scale, f"{what}: max |keras - torch| = {err:.3g} > {rtol} * {scale:.3g}"


# --------------------------------------------------------------------------------------
# Weight copying, torch -> keras.
# --------------------------------------------------------------------------------------


def _state(net):
    """The reference's ``state_dict()`` as NumPy: what an official ``latest_net_*.pth`` holds."""
    return {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}


def _convs(module):
    return [m for m in module.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]


def _randomize_keras_biases(model, rng):
    """Non-zero values everywhere the torch reference has nothing to copy (unused heads)."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D) and layer.use_bias:
            layer.bias.assign(rng.normal(0, 0.1, layer.bias.shape).astype("float32"))


def _torch_eval(net, x):
    with torch.no_grad():
        return net.eval()(x)


# --------------------------------------------------------------------------------------
# 1. Parameter counts at the papers' configurations.
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paper_generators():
    """The 512p global generator and the 1024p enhancer built around it (they share the
    global part's 182.5M weights, so one build of them)."""
    g = global_generator((None, None, 36), 3, 64, 4, 9, seed=0)
    return g, local_enhancer(g, (None, None, 36), 3, 32, 1, 3)


def test_generator_parameter_counts_match_official(paper_generators):
    g, e = paper_generators
    with torch.device("meta"):  # shapes only: no memory, no initialisation time
        net_g = ref.GlobalGenerator(36, 3, 64, 4, 9)
        net_e = ref.LocalEnhancer(36, 3, 32, 4, 9, 1, 3)
    assert ref.param_count(net_g) == GLOBAL_512P
    assert ref.param_count(net_e) == LOCAL_1024P
    assert ref.param_count(net_e.model) == LOCAL_1024P_GLOBAL_PART
    assert _count(g.trainable_weights) == GLOBAL_512P and not g.non_trainable_weights
    assert len(g.trainable_weights) == len(list(net_g.parameters()))
    assert _count(e.trainable_weights) == LOCAL_1024P and not e.non_trainable_weights
    assert _count(global_variables(e)) == LOCAL_1024P_GLOBAL_PART
    # The global part is the 512p generator minus its last convolution (7 * 7 * 64 * 3 + 3).
    assert GLOBAL_512P - LOCAL_1024P_GLOBAL_PART == 7 * 7 * 64 * 3 + 3
    # Every convolution has a bias, as in the official code.
    convs = [l for l in g.layers if isinstance(l, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]
    assert len(convs) == 1 + 4 + 2 * 9 + 4 + 1 and all(l.use_bias for l in convs)


@pytest.mark.parametrize("num_scales,official", [(2, D_512P), (3, D_1024P)])
def test_pix2pixhd_discriminator_parameter_counts(num_scales, official):
    with torch.device("meta"):
        net = ref.Pix2PixHDMultiscaleD(36 + 3, 64, 3, "instance", num_scales)
    assert ref.param_count(net) == official
    d = multiscale_discriminator((None, None, 3), (None, None, 36), num_scales=num_scales)
    assert _count(d.trainable_weights) == official and not d.non_trainable_weights


@pytest.mark.parametrize("dataset", sorted(SPADE_D))
def test_spade_discriminator_parameter_counts(dataset):
    semantic_nc, official = SPADE_D[dataset]
    with torch.device("meta"):
        net = ref.SpadeMultiscaleD(semantic_nc + 3, 64, 4, "spectralinstance", 2)
    assert ref.param_count(net) == official
    d = multiscale_discriminator((None, None, 3), (None, None, semantic_nc), num_layers=4,
                                 variant="spade", spectral_norm=True)
    assert _count(d.trainable_weights) == official
    # Non-trainable: one u vector per spectrally normalised conv (torch's weight_u buffers).
    us = sum(b.numel() for k, b in net.named_buffers() if k.endswith("weight_u"))
    assert _count(d.non_trainable_weights) == us == 2 * (128 + 256 + 512)
    # The normalised convolutions lost their biases; the first and the last kept theirs.
    for s in range(2):
        assert [d.get_layer(f"scale{s}_conv{j}").layer.use_bias for j in (1, 2, 3)] == [False] * 3
        assert d.get_layer(f"scale{s}_conv0").use_bias and d.get_layer(f"scale{s}_logits").use_bias


# --------------------------------------------------------------------------------------
# 2. The pyramid's average pooling.
# --------------------------------------------------------------------------------------


def test_exclude_pad_average_pooling_matches_torch():
    rng = np.random.default_rng(0)
    pool = ExcludePadAveragePooling2D(3, 2, 1)
    for h, w in ((1, 1), (2, 3), (5, 4), (8, 8), (9, 7), (16, 11)):
        x = rng.normal(size=(2, h, w, 3)).astype("float32")
        want = _nhwc(ref.downsample(_nchw(x)))
        assert want.shape[1:3] == (math.ceil(h / 2), math.ceil(w / 2))
        np.testing.assert_allclose(np.asarray(pool(x)), want, rtol=1e-6, atol=1e-6)
        assert pool.compute_output_shape((2, h, w, 3)) == want.shape
    # Other windows as PyTorch's general AvgPool2d(count_include_pad=False).
    x = rng.normal(size=(1, 10, 9, 2)).astype("float32")
    for k, s, p in ((3, 1, 1), (5, 2, 2), (2, 2, 0), (4, 3, 1)):
        want = _nhwc(nn.AvgPool2d(k, s, p, count_include_pad=False)(_nchw(x)))
        np.testing.assert_allclose(np.asarray(ExcludePadAveragePooling2D(k, s, p)(x)), want,
                                   rtol=1e-6, atol=1e-6)
    # Keras' "same" pooling also excludes the padding and agrees on odd sizes, but its windows
    # are one pixel off on even ones (it pads 0 before, 1 after).
    same = keras.layers.AveragePooling2D(3, 2, padding="same")
    for size, agrees in ((7, True), (8, False)):
        x = rng.normal(size=(1, size, size, 1)).astype("float32")
        err = np.abs(np.asarray(same(x)) - _nhwc(ref.downsample(_nchw(x)))).max()
        assert (err < 1e-6) == agrees, (size, err)
    with pytest.raises(ValueError, match="padding must be at most"):
        ExcludePadAveragePooling2D(3, 2, 2)


# --------------------------------------------------------------------------------------
# 3. Outputs equal the reference's with the same weights (eval mode).
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "normalization,input_shape,hw,num_downsampling,num_blocks",
    [
        ("instance", (32, 32, 5), (32, 32), 2, 2),
        ("instance", (None, None, 5), (24, 40), 3, 1),
        ("instance", (None, None, 5), (30, 26), 2, 1),  # not multiples of 4: 32 x 28 out
        ("batch", (32, 48, 5), (32, 48), 2, 2),
    ],
)
def test_global_generator_matches_reference(normalization, input_shape, hw, num_downsampling,
                                             num_blocks):
    torch.manual_seed(0)
    net = ref.GlobalGenerator(5, 3, 4, num_downsampling, num_blocks, normalization)
    ref.randomize_(net, seed=1)
    g = global_generator(input_shape, 3, 4, num_downsampling, num_blocks, normalization)
    load_pix2pixhd(g, _state(net))  # by the official state_dict keys
    x = np.random.default_rng(2).uniform(-1, 1, (2, *hw, 5)).astype("float32")
    want = _nhwc(_torch_eval(net, _nchw(x)))
    assert want.shape[1:3] == tuple(2**num_downsampling * math.ceil(d / 2**num_downsampling)
                                    for d in hw)
    assert_close(g(x, training=False), want, "global generator")


@pytest.mark.parametrize(
    "normalization,hw,num_enhancers,num_downsampling",
    [("instance", (32, 48), 1, 2), ("instance", (64, 48), 2, 2), ("batch", (32, 32), 1, 1)],
)
def test_local_enhancer_matches_reference(normalization, hw, num_enhancers, num_downsampling):
    torch.manual_seed(0)
    net = ref.LocalEnhancer(5, 3, 2, num_downsampling, 2, num_enhancers, 1, normalization)
    ref.randomize_(net, seed=3)
    g = global_generator((None, None, 5), 3, 2 * 2**num_enhancers, num_downsampling, 2,
                         normalization)
    e = local_enhancer(g, (*hw, 5), 3, 2, num_enhancers, 1, normalization)
    load_pix2pixhd(e, _state(net))
    x = np.random.default_rng(4).uniform(-1, 1, (2, *hw, 5)).astype("float32")
    assert_close(e(x, training=False), _nhwc(_torch_eval(net, _nchw(x))), "local enhancer")


def _d_inputs(rng, hw, cond_channels=5, batch=2):
    cond = rng.uniform(-1, 1, (batch, *hw, cond_channels)).astype("float32")
    image = rng.uniform(-1, 1, (batch, *hw, 3)).astype("float32")
    return cond, image, torch.cat([_nchw(cond), _nchw(image)], dim=1)


def _assert_nested_close(got, want, entries):
    assert len(got) == len(want)
    for s, (g_scale, w_scale) in enumerate(zip(got, want)):
        assert len(g_scale) == len(w_scale) == entries
        for j, (a, b) in enumerate(zip(g_scale, w_scale)):
            assert_close(a, _nhwc(b), f"scale {s}, entry {j}")


@pytest.mark.parametrize(
    "normalization,num_layers,num_scales,max_filters,hw",
    [("instance", 3, 3, 512, (64, 48)), ("batch", 2, 2, 8, (33, 40)), ("instance", 1, 2, 512, (20, 20))],
)
def test_pix2pixhd_discriminator_matches_reference(normalization, num_layers, num_scales,
                                                   max_filters, hw):
    torch.manual_seed(0)
    net = ref.Pix2PixHDMultiscaleD(8, 4, num_layers, normalization, num_scales, max_filters)
    ref.randomize_(net, seed=5)
    d = multiscale_discriminator((None, None, 3), (None, None, 5), 4, num_layers, num_scales,
                                 normalization, max_filters=max_filters)
    load_pix2pixhd(d, _state(net))
    cond, image, x = _d_inputs(np.random.default_rng(6), hw)
    want = _torch_eval(net, x)
    _assert_nested_close(d([cond, image], training=False), want, num_layers + 2)
    # The padding is 2: a stride-2 layer maps h to h // 2 + 1, a stride-1 layer to h + 1.
    assert want[0][0].shape[2] == hw[0] // 2 + 1
    assert want[0][-1].shape[2] == want[0][-2].shape[2] + 1


@pytest.mark.parametrize(
    "norm_d,num_layers,hw",
    [("spectralinstance", 4, (48, 40)), ("spectralinstance", 3, (31, 36)), ("spectralnone", 4, (32, 32))],
)
def test_spade_discriminator_matches_reference_in_eval_mode(norm_d, num_layers, hw):
    torch.manual_seed(0)
    net = ref.SpadeMultiscaleD(8, 4, num_layers, norm_d, 2, max_nf=16)
    ref.randomize_(net, seed=7)
    normalization = "instance" if norm_d == "spectralinstance" else None
    d = multiscale_discriminator((None, None, 3), (None, None, 5), 4, num_layers, 2, normalization,
                                 spectral_norm=True, max_filters=16, variant="spade")
    load_spade(d, _state(net))
    cond, image, x = _d_inputs(np.random.default_rng(8), hw)
    _assert_nested_close(d([cond, image], training=False), _torch_eval(net, x), num_layers + 1)
    # "spectralnone" keeps the biases of the wrapped convolutions (no norm follows).
    assert d.get_layer("scale0_conv1").layer.use_bias == (normalization is None)


def test_spade_discriminator_training_mode_power_iteration_matches_reference():
    """From the same ``weight_orig`` and ``u``, one training-mode forward of each does one power
    iteration: the same new ``u``, the same normalised kernel (Keras writes it into the kernel,
    PyTorch into ``weight``) and the same outputs. A second forward agrees again."""
    torch.manual_seed(0)
    net = ref.SpadeMultiscaleD(8, 4, 4, "spectralinstance", 2, max_nf=16)
    ref.randomize_(net, seed=9)
    d = multiscale_discriminator((None, None, 3), (None, None, 5), 4, 4, 2, spectral_norm=True,
                                 max_filters=16, variant="spade")
    load_spade(d, _state(net), spectral_norm="weight_orig")
    rng = np.random.default_rng(10)
    net.train()
    for step in range(2):
        cond, image, x = _d_inputs(rng, (40, 32))
        with torch.no_grad():
            want = net(x)
        _assert_nested_close(d([cond, image], training=True), want, 5)
        for s, sub in enumerate(net.children()):
            for j in (1, 2, 3):
                conv = _convs(getattr(sub, f"model{j}"))[0]
                wrapper = d.get_layer(f"scale{s}_conv{j}")
                np.testing.assert_allclose(wrapper.vector_u.numpy()[0], conv.weight_u.numpy(),
                                           rtol=1e-4, atol=1e-5, err_msg=f"u {s} {j} step {step}")
                assert_close(wrapper.layer.kernel.numpy(),
                             conv.weight.detach().numpy().transpose(2, 3, 1, 0), f"W {s} {j}")
        # Keras keeps W / sigma as its kernel; torch keeps weight_orig and divides anew. To keep
        # comparing, give Keras torch's weight_orig again (sigma of the normalised kernel is ~1).
        load_spade(d, _state(net), spectral_norm="weight_orig")


def test_discriminator_without_intermediate_features_returns_logits_only():
    d_full = multiscale_discriminator((16, 16, 3), (16, 16, 2), 4, 3, 2, seed=1)
    d_logits = multiscale_discriminator((16, 16, 3), (16, 16, 2), 4, 3, 2, seed=1,
                                        intermediate_features=False)
    d_logits.set_weights(d_full.get_weights())
    rng = np.random.default_rng(0)
    inputs = [rng.normal(size=(1, 16, 16, 2)).astype("float32"),
              rng.normal(size=(1, 16, 16, 3)).astype("float32")]
    full, logits = d_full(inputs), d_logits(inputs)
    assert [len(s) for s in full] == [5, 5] and [len(s) for s in logits] == [1, 1]
    for a, b in zip(full, logits):
        np.testing.assert_allclose(np.asarray(a[-1]), np.asarray(b[0]), rtol=1e-6)
        assert a[-1].dtype == "float32" and a[-1].shape[-1] == 1
    # Unconditional: images alone.
    d = multiscale_discriminator((None, None, 3), None, 4, 3, 2)
    assert len(d.inputs) == 1 and len(d(inputs[1])) == 2


def test_initialisation_follows_each_code():
    d = multiscale_discriminator((None, None, 3), (None, None, 5), 64, 3, 1, seed=0)
    k = d.get_layer("scale0_conv1").kernel.numpy()
    assert abs(k.std() - 0.02) < 0.002  # weights_init: N(0, 0.02)
    b = d.get_layer("scale0_conv1").bias.numpy()  # PyTorch's default bias, +-1/sqrt(16 * 64)
    assert np.abs(b).max() <= 1 / math.sqrt(16 * 64) and np.abs(b).max() > 0.5 / math.sqrt(16 * 64)
    s = multiscale_discriminator((None, None, 3), (None, None, 5), 64, 4, 1, spectral_norm=True,
                                 variant="spade", seed=0)
    k = s.get_layer("scale0_conv2").layer.kernel.numpy()  # xavier_normal_(gain=0.02)
    assert abs(k.std() / (0.02 * math.sqrt(2 / (16 * 128 + 16 * 256))) - 1) < 0.05
    assert not s.get_layer("scale0_conv0").bias.numpy().any()


# --------------------------------------------------------------------------------------
# 4. The enhancer shares the global generator's variables.
# --------------------------------------------------------------------------------------


def _sgd_step(model, x, y, variables):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
    grads = tape.gradient(loss, variables)
    keras.optimizers.SGD(0.5).apply(grads, variables)


def _snapshot(variables):
    return [v.numpy().copy() for v in variables]


def _changed(variables, before):
    return [not np.array_equal(v.numpy(), b) for v, b in zip(variables, before)]


def test_local_enhancer_shares_the_global_generators_variables():
    rng = np.random.default_rng(0)
    g = global_generator((16, 16, 3), 3, 4, 2, 1, seed=0)
    e = local_enhancer(g, (32, 32, 3), 3, 2, 1, 1, seed=1)
    gv = global_variables(e)
    head = g.get_layer("global_conv_out").weights
    # The global part is exactly the global model's variables without its head.
    assert {id(v) for v in gv} == {id(v) for v in g.weights} - {id(v) for v in head}
    assert all(v.path.startswith(GLOBAL_PREFIX) for v in gv)
    own = [v for v in e.weights if id(v) not in {id(w) for w in gv}]
    assert own and all(v.path.startswith("enhancer1_") for v in own)
    assert global_prefixes(e) == (GLOBAL_PREFIX,)

    x = rng.uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    y = rng.uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    x_half = np.asarray(ExcludePadAveragePooling2D()(x))
    # Training the enhancer changes the global model (all of its variables but the head).
    g_before, e_before = np.asarray(g(x_half)), np.asarray(e(x))
    before = _snapshot(g.weights)
    _sgd_step(e, x, y, e.trainable_variables)
    changed = dict(zip([v.path for v in g.weights], _changed(g.weights, before)))
    # Every kernel (the biases all precede an instance norm, which cancels them: zero gradient).
    kernels = [v for v in gv if v.path.endswith("kernel")]
    assert len(kernels) == 1 + 2 + 2 + 2 and all(changed[v.path] for v in kernels)
    assert not any(changed[v.path] for v in head)
    assert np.abs(np.asarray(g(x_half)) - g_before).max() > 1e-4
    # Training the global model changes the enhancer's output.
    e_mid = np.asarray(e(x))
    assert np.abs(e_mid - e_before).max() > 1e-4
    _sgd_step(g, x_half, y[:, ::2, ::2], g.trainable_variables)
    assert np.abs(np.asarray(e(x)) - e_mid).max() > 1e-4

    # niter_fix_global: freezing the global layers leaves them, and only them, untouched.
    for layer in e.layers:
        if layer.name.startswith(global_prefixes(e)):
            layer.trainable = False
    assert {id(v) for v in e.trainable_variables} == {id(v) for v in own}
    own_kernels = [v for v in own if v.path.endswith("kernel")]
    before_g, before_own = _snapshot(gv), _snapshot(own_kernels)
    _sgd_step(e, x, y, e.trainable_variables)
    assert not any(_changed(gv, before_g)) and all(_changed(own_kernels, before_own))


def test_fixed_global_variables_are_the_official_ones_with_two_enhancers():
    """The official niter_fix_global optimiser takes the parameters whose names start with
    ``model{K}``: everything else (the global part and the inner enhancers) stays fixed."""
    g = global_generator((None, None, 4), 3, 8, 2, 1)
    e = local_enhancer(g, (None, None, 4), 3, 2, 2, 1)
    assert global_prefixes(e, include_inner_enhancers=True) == (GLOBAL_PREFIX, "enhancer1_")
    fixed = {id(v) for v in global_variables(e, include_inner_enhancers=True)}
    trained = [v for v in e.trainable_variables if id(v) not in fixed]
    assert trained and all(v.path.startswith("enhancer2_") for v in trained)
    with torch.device("meta"):
        net = ref.LocalEnhancer(4, 3, 2, 2, 1, 2, 1)
    official = sum(p.numel() for k, p in net.named_parameters() if k.startswith("model2"))
    assert _count(trained) == official
    assert _count(global_variables(e)) == ref.param_count(net.model)


def test_enhancer_and_discriminator_survive_keras_saving(tmp_path):
    rng = np.random.default_rng(0)
    g = global_generator((None, None, 3), 3, 4, 1, 1, seed=0)
    e = local_enhancer(g, (None, None, 3), 3, 2, 1, 1, seed=1)
    d = multiscale_discriminator((None, None, 3), (None, None, 2), 4, 4, 2, spectral_norm=True,
                                 variant="spade", seed=2)
    x = rng.uniform(-1, 1, (1, 16, 24, 3)).astype("float32")
    c = rng.uniform(-1, 1, (1, 16, 24, 2)).astype("float32")
    for model, args in ((e, x), (d, [c, x])):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.models.load_model(path)
        want, got = model(args), loaded(args)
        for a, b in zip(tf.nest.flatten(want), tf.nest.flatten(got)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------------------
# 5. Sizes, receptive fields and argument errors.
# --------------------------------------------------------------------------------------


def test_receptive_fields_are_measured_ones():
    """Gradient of one central logit per scale w.r.t. the input (no norm, so that no global
    statistic spreads it): its support is the receptive field, 70 / 141 / 283 pixels."""
    assert receptive_fields(3, 3) == receptive_fields(4, 3, "spade") == [70, 141, 283]
    assert receptive_fields(1, 1) == [16]  # 4 + 3*2 + 3*2
    d = multiscale_discriminator((300, 300, 1), None, 2, 3, 3, normalization=None, seed=0)
    x = tf.Variable(np.random.default_rng(0).normal(size=(1, 300, 300, 1)).astype("float32"))
    for scale, field in enumerate(receptive_fields(3, 3)):
        with tf.GradientTape() as tape:
            logits = d(x)[scale][-1]
            c = logits.shape[1] // 2
            value = logits[0, c, c, 0]
        support = np.nonzero(np.abs(tape.gradient(value, x).numpy()[0, :, :, 0]).max(axis=1))[0]
        assert 0 < support[0] and support[-1] < 299, (scale, support[[0, -1]])
        assert support[-1] - support[0] + 1 == field, scale


@pytest.mark.parametrize("size,accepted", [(3, True), (2, False)])
def test_smallest_discriminator_input_matches_reference(size, accepted):
    """A 2 x 2 input is 1 x 1 at scale 1, which reaches the instance norm as 1 x 1: PyTorch
    refuses it, and so does the builder (Keras would return zeros)."""
    net = ref.Pix2PixHDMultiscaleD(4, 2, 3, "instance", 2)
    x = torch.zeros(1, 4, size, size)
    if accepted:
        out = _torch_eval(net, x)
        d = multiscale_discriminator((size, size, 3), (size, size, 1), 2, 3, 2)
        got = d([np.zeros((1, size, size, 1), "float32"), np.zeros((1, size, size, 3), "float32")])
        assert [tuple(t.shape[1:3]) for t in got[1]] == [tuple(t.shape[2:]) for t in out[1]]
    else:
        with pytest.raises(ValueError):
            _torch_eval(net, x)
        with pytest.raises(ValueError, match="1 x 1 map at scale 1"):
            multiscale_discriminator((size, size, 3), (size, size, 1), 2, 3, 2)
        multiscale_discriminator((size, size, 3), (size, size, 1), 2, 3, 2, normalization="batch")


def test_smallest_generator_inputs():
    # 2 * 2**4 = 32 pixels for the paper's global generator, 64 for the enhancer.
    global_generator((32, 64, 36), base_filters=1, num_blocks=1)
    with pytest.raises(ValueError, match="at least 32 pixels"):
        global_generator((16, 64, 36), base_filters=1, num_blocks=1)
    g = global_generator((None, None, 36), base_filters=2, num_blocks=1)
    local_enhancer(g, (64, 128, 36), base_filters=1, num_blocks_local=1)
    with pytest.raises(ValueError, match="divisible by 32"):
        local_enhancer(g, (48, 128, 36), base_filters=1, num_blocks_local=1)
    with pytest.raises(ValueError, match="at least 64 pixels"):
        local_enhancer(g, (32, 128, 36), base_filters=1, num_blocks_local=1)
    # PyTorch refuses the 16-pixel input of a 4-downsampling generator (1 x 1 bottleneck).
    with pytest.raises((RuntimeError, ValueError)):
        _torch_eval(ref.GlobalGenerator(3, 3, 1, 4, 1), torch.zeros(1, 3, 16, 16))


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"height divisible by 4 \(2\*\*num_downsampling"):
        global_generator((30, 32, 3), num_downsampling=2)
    with pytest.raises(ValueError, match="normalization must be one of"):
        global_generator((None, None, 3), normalization="group")
    with pytest.raises(ValueError, match="normalization must be one of"):
        global_generator((None, None, 3), normalization=None)
    with pytest.raises(ValueError, match="input_shape must be"):
        global_generator((32, 32))
    with pytest.raises(ValueError, match="num_blocks must be an int >= 0"):
        global_generator((None, None, 3), num_blocks=-1)
    g = global_generator((None, None, 3), 3, 8, 2, 1)
    with pytest.raises(ValueError, match="needs a global generator with .* = 16 filters"):
        local_enhancer(g, (None, None, 3), base_filters=8)
    with pytest.raises(ValueError, match="differs from the global generator's"):
        local_enhancer(g, (None, None, 3), base_filters=4, normalization="batch")
    with pytest.raises(ValueError, match="input has 3 channels"):
        local_enhancer(g, (None, None, 4), base_filters=4)
    with pytest.raises(ValueError, match="global_model must be a global_generator"):
        local_enhancer(multiscale_discriminator((None, None, 3)), (None, None, 3))
    with pytest.raises(ValueError, match="global_model must be a global_generator"):
        local_enhancer("g", (None, None, 3))
    with pytest.raises(ValueError, match="num_enhancers must be an int >= 1"):
        local_enhancer(g, (None, None, 3), base_filters=8, num_enhancers=0)
    with pytest.raises(ValueError, match="variant must be one of"):
        multiscale_discriminator((None, None, 3), variant="gaugan")
    with pytest.raises(ValueError, match="spectral_norm=True for SPADE"):
        multiscale_discriminator((None, None, 3), normalization="spectralinstance")
    with pytest.raises(ValueError, match="spectral_norm must be True or False"):
        multiscale_discriminator((None, None, 3), spectral_norm="yes")
    with pytest.raises(ValueError, match="num_layers must be an int >= 1"):
        multiscale_discriminator((None, None, 3), num_layers=0, variant="spade")
    with pytest.raises(ValueError, match="num_scales must be an int >= 1"):
        multiscale_discriminator((None, None, 3), num_scales=0)
    with pytest.raises(ValueError, match="condition_shape must have the height and width"):
        multiscale_discriminator((32, 32, 3), (32, 16, 4))
