"""Tests for the SPADE layer (keras_gans/layers/spade.py) and the GauGAN networks
(keras_gans/networks/spade.py) against the PyTorch reference tests/networks/
torch_spade_reference.py (written from NVlabs/SPADE, with the official module names).

Outputs: each case randomises a reference module (weights, biases, BN running statistics and
spectral norm's u / v, seeded), copies its ``state_dict()`` into the Keras network and compares
one forward pass:

* eval mode (``module.eval()`` / ``training=False``): PyTorch's spectral norm uses
  ``weight_orig / (u . W v)`` from its stored vectors, Keras' inference the kernel as it is, so
  that quotient is what the kernel gets (the comparable quantity); BN uses the running
  statistics on both sides;
* training mode (``module.train()`` / ``training=True``): the kernel gets ``weight_orig`` and
  ``vector_u`` gets ``weight_u``; both sides then take one power iteration from that u and use
  the batch statistics. Afterwards the updated u vectors and moving means agree too, and the
  moving variances differ exactly by PyTorch's unbiased update.

Tolerance: float32 on both sides with different convolution kernels (oneDNN in TF, PyTorch's
own), so they differ by rounding only. Eval mode: ``max |keras - torch| <= 1e-5 * max |torch|``
(REL_TOL; observed 1.0e-6 - 2.7e-6 for the generators, below 1e-6 for the encoder). Training
mode: 5e-5 (TRAIN_TOL; observed up to 2e-5, since batch statistics over a few values per
channel amplify rounding), and one case runs in float64 on both sides to 1e-6. Mutations of
the Keras code (``* gamma`` instead of ``* (1 + gamma)``, TF's nearest resize, an NHWC flatten in
the encoder or view in the VAE head, no extra "more" upsampling, Keras' "same" padding at stride
2) each fail these tests.
"""

import gc
import math

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch
from torch.nn import functional as F

from keras_gans.layers import SPADE, NearestResize
from keras_gans.layers.spade import torch_nearest_indices, torch_nearest_resize
from keras_gans.networks.convert_translation import load_spade
from keras_gans.networks.spade import (
    kl_divergence,
    latent_size,
    reparameterize,
    spade_generator,
    spade_residual_block,
    style_encoder,
)

import torch_spade_reference as ref  # tests/networks/torch_spade_reference.py

REL_TOL = 1e-5
TRAIN_TOL = 5e-5  # training-mode forward in float32 (test_generator_training_forward_equals_torch)

# ----------------------------------------------------------------------------- paper configs
# (label_nc, contain_dontcare_label, no_instance, crop_size, aspect_ratio, num_upsampling) from
# data/ade20k_dataset.py, cityscapes_dataset.py, coco_dataset.py and the generator's defaults.
PAPER = {
    "ade20k": (150, True, True, 256, 1.0, "normal"),
    "cityscapes": (35, False, False, 512, 2.0, "more"),
    "coco_stuff": (182, True, False, 256, 1.0, "normal"),
}
# Official trainable parameter counts (ngf 64, spectralspadesyncbatch3x3).
G_PARAMS = {
    ("ade20k", False): 96_492_483,
    ("ade20k", True): 111_942_595,
    ("cityscapes", False): 93_048_003,
    ("cityscapes", True): 101_136_579,
    ("coco_stuff", False): 97_480_899,
    ("coco_stuff", True): 112_626_883,
}
SEMANTIC_NC = {"ade20k": 151, "cityscapes": 36, "coco_stuff": 184}
ENCODER_PARAMS = 10_463_424  # ConvEncoder, ngf 64, spectralinstance


def _count(weights):
    return sum(math.prod(w.shape) for w in weights)


def _torch_buffers(module):
    """Torch buffers that have a Keras counterpart: BN running mean / var and spectral u
    (``num_batches_tracked`` and ``weight_v`` have none)."""
    return sum(b.numel() for name, b in module.named_buffers()
               if name.endswith(("running_mean", "running_var", "weight_u")))


def _paper_torch(name, use_vae):
    label_nc, dontcare, no_instance, crop, aspect, up = PAPER[name]
    with torch.device("meta"):
        return ref.SPADEGenerator(ref.semantic_nc(label_nc, dontcare, no_instance), ngf=64,
                                  num_upsampling_layers=up, crop_size=crop, aspect_ratio=aspect,
                                  use_vae=use_vae)


def test_reference_parameter_counts_are_the_literals():
    for (name, use_vae), count in G_PARAMS.items():
        label_nc, dontcare, no_instance = PAPER[name][:3]
        assert ref.semantic_nc(label_nc, dontcare, no_instance) == SEMANTIC_NC[name]
        assert ref.count_parameters(_paper_torch(name, use_vae)) == count, (name, use_vae)
    with torch.device("meta"):
        encoder = ref.ConvEncoder(64)
    assert ref.count_parameters(encoder) == ENCODER_PARAMS


@pytest.fixture
def zero_init(monkeypatch):
    """Zero kernels instead of the seeded Xavier draws: the shapes (and counts) are the same,
    and the full-size models build twice as fast."""
    import keras_gans.layers.spade as layer_module
    import keras_gans.networks.spade as network_module

    def zeros(gain=0.02, seed=None):
        return keras.initializers.Zeros()

    monkeypatch.setattr(layer_module, "xavier_normal", zeros)
    monkeypatch.setattr(network_module, "xavier_normal", zeros)


@pytest.mark.parametrize("name,use_vae", sorted(G_PARAMS))
def test_generator_parameter_counts_equal_official(name, use_vae, zero_init):
    _, _, _, crop, aspect, up = PAPER[name]
    sh, sw = latent_size(crop, aspect, up)
    n = {"normal": 5, "more": 6}[up]
    model = spade_generator((sh * 2**n, sw * 2**n, SEMANTIC_NC[name]), num_upsampling=up,
                            crop_size=crop, aspect_ratio=aspect, use_vae=use_vae, seed=0)
    torch_g = _paper_torch(name, use_vae)
    assert (sh, sw) == (torch_g.sh, torch_g.sw)
    assert _count(model.trainable_weights) == G_PARAMS[(name, use_vae)]
    assert _count(model.non_trainable_weights) == _torch_buffers(torch_g)
    if name == "cityscapes":
        assert model.output_shape == (None, 256, 512, 3) and (sh, sw) == (4, 8)
    del model
    gc.collect()


def test_encoder_parameter_count_equals_official(zero_init):
    model = style_encoder(seed=0)
    with torch.device("meta"):
        encoder = ref.ConvEncoder(64)
    assert _count(model.trainable_weights) == ENCODER_PARAMS
    assert _count(model.non_trainable_weights) == _torch_buffers(encoder)
    assert [tuple(o.shape) for o in model.outputs] == [(None, 256), (None, 256)]


# ----------------------------------------------------------------------------- weight copy
def _conv_kernel(w):
    return w.transpose(2, 3, 1, 0) if w.ndim == 4 else w.T  # (O, I, kh, kw) / (O, I)


def load_torch_state(model, state, spectral="eval"):
    """The library's converter (``convert_translation.load_spade``, strict: every Keras weight
    gets a value and every key is used) on a reference ``state_dict()``; ``spectral="train"``
    keeps torch's ``weight_orig`` and ``u`` (one training forward then iterates as torch's)."""
    load_spade(model, state, spectral_norm={"eval": "eval", "train": "weight_orig"}[spectral])


def _numpy_state(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def _nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def _nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def assert_close(got, want, what, rel_tol=REL_TOL):
    assert got.shape == want.shape, (what, got.shape, want.shape)
    err = float(np.abs(got - want).max())
    scale = float(np.abs(want).max())
    assert scale > 1e-3, f"{what}: degenerate output (max |torch| = {scale:.3g})"
    assert err <= rel_tol * scale, f"{what}: max |keras - torch| = {err:.3g} > {rel_tol * scale:.3g}"
    return err / scale


def _segmap(rng, batch, h, w, channels, edges=False):
    """One-hot classes in blocks of 4 x 4 pixels (plus an edge channel)."""
    classes = channels - int(edges)
    labels = rng.integers(0, classes, (batch, (h + 3) // 4, (w + 3) // 4))
    labels = np.repeat(np.repeat(labels, 4, 1), 4, 2)[:, :h, :w]
    seg = np.eye(classes, dtype=np.float32)[labels]
    if edges:
        seg = np.concatenate([seg, rng.integers(0, 2, (batch, h, w, 1)).astype(np.float32)], -1)
    return seg


# ----------------------------------------------------------------------------- SPADE layer
def _torch_spade(norm, channels, label_nc, ks=3, seed=0):
    config = {"batch": "spadesyncbatch", "instance": "spadeinstance"}[norm] + f"{ks}x{ks}"
    torch.manual_seed(seed)
    return ref.randomize_(ref.SPADE(config, channels, label_nc), seed)


def _keras_spade(module, norm, x_shape, seg_shape, ks=3, spectral="eval"):
    layer = SPADE(norm=norm, kernel_size=ks, name="head_0_norm_0")
    x, seg = keras.Input(x_shape[1:]), keras.Input(seg_shape[1:])
    holder = keras.Model([x, seg], layer([x, seg]))  # the layer as an official block's norm_0
    load_torch_state(holder, {f"head_0.norm_0.{k}": v for k, v in _numpy_state(module).items()}, spectral)
    return layer


@pytest.mark.parametrize("norm,training,x_hw,seg_hw,ks", [
    ("batch", False, (5, 7), (12, 9), 3),   # downsampling by non-integer ratios
    ("batch", True, (5, 7), (3, 4), 3),     # upsampling by non-integer ratios
    ("instance", False, (6, 4), (9, 10), 5),
    ("batch", False, (8, 8), (8, 8), 3),    # same size: no resize
])
def test_spade_layer_equals_torch(norm, training, x_hw, seg_hw, ks):
    rng = np.random.default_rng(1)
    channels, label_nc = 6, 5
    module = _torch_spade(norm, channels, label_nc, ks)
    x = rng.normal(0.5, 2.0, (3, *x_hw, channels)).astype(np.float32)
    seg = rng.uniform(0, 1, (3, *seg_hw, label_nc)).astype(np.float32)
    layer = _keras_spade(module, norm, (None, *x_hw, channels), (None, *seg_hw, label_nc), ks)
    module.train(training)
    with torch.no_grad():
        want = _nhwc(module(_nchw(x), _nchw(seg)))
    got = np.asarray(layer([x, seg], training=training))
    assert_close(got, want, f"SPADE {norm} training={training}")
    # Unknown sizes (the run-time index computation) give the same values.
    fn = tf.function(lambda a, b: layer([a, b], training=training),
                     input_signature=[tf.TensorSpec([None, None, None, channels]),
                                      tf.TensorSpec([None, None, None, label_nc])])
    if training:  # a second training call moves the moving statistics again: compare outputs only
        assert_close(np.asarray(fn(x, seg)), want, "SPADE, unknown sizes")
    else:
        np.testing.assert_allclose(np.asarray(fn(x, seg)), got, rtol=1e-6, atol=1e-6)


def _zero_modulation(layer):
    for conv in (layer.mlp_gamma, layer.mlp_beta):
        conv.kernel.assign(np.zeros(conv.kernel.shape, np.float32))
        conv.bias.assign(np.zeros(conv.bias.shape, np.float32))


def test_spade_with_zero_gamma_beta_is_a_plain_normalisation_and_keeps_one_plus_gamma():
    rng = np.random.default_rng(2)
    x = rng.normal(3.0, 2.0, (4, 5, 6, 3)).astype(np.float32)
    seg = rng.uniform(size=(4, 10, 12, 2)).astype(np.float32)
    layer = SPADE(seed=0)
    layer([x, seg])
    _zero_modulation(layer)
    # Training: batch statistics over (B, H, W), biased variance, eps 1e-5.
    mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
    want = (x - mean) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(np.asarray(layer([x, seg], training=True)), want, atol=2e-5)
    # The moving statistics moved by PyTorch's momentum 0.1 (Keras 0.9) from 0 / 1.
    norm = layer.param_free_norm
    np.testing.assert_allclose(np.asarray(norm.moving_mean), 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(norm.moving_variance), 0.9 + 0.1 * var, rtol=1e-5)
    # Inference: the moving statistics.
    norm.moving_mean.assign(np.array([1.0, -2.0, 0.5], np.float32))
    norm.moving_variance.assign(np.array([4.0, 0.25, 1.0], np.float32))
    want_eval = (x - [1.0, -2.0, 0.5]) / np.sqrt(np.array([4.0, 0.25, 1.0]) + 1e-5)
    np.testing.assert_allclose(np.asarray(layer([x, seg])), want_eval, rtol=1e-5, atol=1e-5)
    # gamma = 0.5 and beta = -1 everywhere (biases only): 1.5 * normalized - 1, not 0.5 * n - 1.
    layer.mlp_gamma.bias.assign(np.full(3, 0.5, np.float32))
    layer.mlp_beta.bias.assign(np.full(3, -1.0, np.float32))
    np.testing.assert_allclose(np.asarray(layer([x, seg])), 1.5 * want_eval - 1.0, rtol=1e-5, atol=1e-5)

    # Instance norm: statistics per image and channel.
    inst = SPADE(norm="instance", seed=0)
    inst([x, seg])
    _zero_modulation(inst)
    m, v = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    for training in (False, True):
        np.testing.assert_allclose(np.asarray(inst([x, seg], training=training)),
                                   (x - m) / np.sqrt(v + 1e-5), atol=2e-5)
    assert _count(inst.non_trainable_weights) == 0
    # Trainable weights: the three convolutions only (no affine in the norm).
    assert _count(layer.trainable_weights) == (9 * 2 * 128 + 128) + 2 * (9 * 128 * 3 + 3)


def _loop_indices(in_size, out_size):
    """PyTorch's nearest_idx, one index at a time in float32 scalars."""
    scale = np.float32(in_size) / np.float32(out_size)
    return [min(int(np.floor(np.float32(i) * scale)), in_size - 1) for i in range(out_size)]


def test_nearest_indices_follow_pytorch_not_tensorflow():
    mismatches_tf, mismatches_exact = 0, []
    for in_size in range(1, 41):
        for out_size in range(1, 41):
            ours = torch_nearest_indices(in_size, out_size)
            assert ours.tolist() == _loop_indices(in_size, out_size)
            x = torch.arange(in_size, dtype=torch.float32).reshape(1, 1, in_size, 1)
            torch_rows = F.interpolate(x, size=(out_size, 1), mode="nearest").reshape(-1)
            assert ours.tolist() == torch_rows.long().tolist(), (in_size, out_size)
            tf_rows = tf.image.resize(np.arange(in_size, dtype=np.float32).reshape(1, in_size, 1, 1),
                                      (out_size, 1), method="nearest").numpy().reshape(-1)
            mismatches_tf += ours.tolist() != tf_rows.astype(int).tolist()
            exact = [min(i * in_size // out_size, in_size - 1) for i in range(out_size)]
            if ours.tolist() != exact:
                mismatches_exact.append((in_size, out_size))
    assert mismatches_tf > 500  # TF's half-pixel rule: another pixel for most ratios
    assert ours.tolist() == torch_nearest_indices(40, 40).tolist() == list(range(40))
    # floor(i * in / out) in exact arithmetic is not PyTorch's rule: its float32 product falls
    # just below the integer for these ratios (13 / 11 here: 11 * float32(26 / 22) = 12.999999).
    assert mismatches_exact == [(26, 22), (39, 33)]
    assert torch_nearest_indices(26, 22)[11] == 12 and 11 * 26 // 22 == 13
    assert torch_nearest_indices(3, 2).tolist() == [0, 1]  # TF: [0, 2]
    assert torch_nearest_indices(2, 82)[41] == 0  # 41 * float32(2 / 82) = 0.99999994; exact: 1
    x = torch.arange(2, dtype=torch.float32).reshape(1, 1, 2, 1)
    assert F.interpolate(x, size=(82, 1), mode="nearest").reshape(-1)[41] == 0

    # 2-D, both axes, through the layer and the function, against PyTorch.
    rng = np.random.default_rng(3)
    img = rng.normal(size=(2, 7, 5, 3)).astype(np.float32)
    for size in ((3, 11), (13, 4), (82, 2), (7, 5), (14, 10)):
        want = _nhwc(F.interpolate(_nchw(img), size=size, mode="nearest"))
        np.testing.assert_array_equal(np.asarray(torch_nearest_resize(img, size)), want)
        np.testing.assert_array_equal(np.asarray(NearestResize(size)(img)), want)


# ----------------------------------------------------------------------------- generator
# name -> (label channels, spade_generator kwargs (ngf = base_filters), batch, edges)
G_CASES = {
    "normal_sn_batch": (7, dict(base_filters=4, crop_size=64), 2, False),
    "aspect2_vae": (6, dict(base_filters=4, crop_size=128, aspect_ratio=2.0, use_vae=True, z_dim=8), 2, True),
    "more": (5, dict(base_filters=4, crop_size=64, num_upsampling="more"), 2, False),
    "most": (5, dict(base_filters=4, crop_size=128, num_upsampling="most"), 1, False),
    "instance_no_sn_aspect": (5, dict(base_filters=4, crop_size=64, aspect_ratio=1.5, norm="instance",
                                      spectral_norm=False), 2, True),
}


def _g_torch(label_nc, kw, seed):
    norm_g = ("spectral" if kw.get("spectral_norm", True) else "") + \
        {"batch": "spadesyncbatch3x3", "instance": "spadeinstance3x3"}[kw.get("norm", "batch")]
    torch.manual_seed(seed)
    module = ref.SPADEGenerator(label_nc, ngf=kw["base_filters"],
                                num_upsampling_layers=kw.get("num_upsampling", "normal"),
                                crop_size=kw["crop_size"], aspect_ratio=kw.get("aspect_ratio", 1.0),
                                use_vae=kw.get("use_vae", False), z_dim=kw.get("z_dim", 256),
                                norm_G=norm_g)
    return ref.randomize_(module, seed)


def _g_inputs(label_nc, kw, batch, edges, rng):
    n = {"normal": 5, "more": 6, "most": 7}[kw.get("num_upsampling", "normal")]
    sh, sw = latent_size(kw["crop_size"], kw.get("aspect_ratio", 1.0), kw.get("num_upsampling", "normal"))
    seg = _segmap(rng, batch, sh * 2**n, sw * 2**n, label_nc, edges)
    z = rng.normal(size=(batch, kw["z_dim"])).astype(np.float32) if kw.get("use_vae") else None
    return seg, z


def _g_torch_forward(module, seg, z, training):
    module.train(training)
    with torch.no_grad():
        return _nhwc(module(_nchw(seg), None if z is None else torch.from_numpy(z)))


@pytest.mark.parametrize("name", sorted(G_CASES))
def test_generator_eval_outputs_equal_torch(name):
    label_nc, kw, batch, edges = G_CASES[name]
    rng = np.random.default_rng(4)
    seg, z = _g_inputs(label_nc, kw, batch, edges, rng)
    module = _g_torch(label_nc, kw, seed=5)
    model = spade_generator(seg.shape[1:], seed=0, **kw)
    assert _count(model.trainable_weights) == ref.count_parameters(module)
    assert [i.name for i in model.inputs] == (["segmap", "z"] if z is not None else ["segmap"])
    load_torch_state(model, _numpy_state(module))
    want = _g_torch_forward(module, seg, z, training=False)
    got = np.asarray(model(seg if z is None else [seg, z], training=False))
    assert_close(got, want, name)
    if z is not None:  # the latent matters, with its NCHW view
        other = np.asarray(model([seg, z[::-1]], training=False))
        assert np.abs(other - got).max() > 100 * REL_TOL
    else:  # deterministic: no noise anywhere
        np.testing.assert_array_equal(np.asarray(model(seg, training=False)), got)
    if name == "normal_sn_batch":  # unknown segmap sizes: the run-time resize indices
        dynamic = spade_generator((None, None, label_nc), seed=0, **kw)
        load_torch_state(dynamic, _numpy_state(module))
        assert_close(np.asarray(dynamic(seg, training=False)), want, name + ", unknown sizes")


@pytest.fixture
def float64_policy():
    keras.config.set_dtype_policy("float64")
    yield
    keras.config.set_dtype_policy("float32")


@pytest.mark.parametrize("name,dtype", [("normal_sn_batch", "float64"), ("aspect2_vae", "float32")])
def test_generator_training_forward_equals_torch(name, dtype, request):
    """Batch statistics and one power iteration from the stored u, on both sides.

    In float32 the two differ by up to ~2e-5 of the output here (batch statistics over 8 - 16
    values per channel at the 2 x 2 / 2 x 4 heads amplify rounding), hence TRAIN_TOL; run in
    float64 on both sides (but the float32 tanh) they agree to ~3e-7, so the float32 gap is
    rounding, not a different computation."""
    if dtype == "float64":
        request.getfixturevalue("float64_policy")
    label_nc, kw, batch, edges = G_CASES[name]
    rng = np.random.default_rng(6)
    seg, z = _g_inputs(label_nc, kw, batch, edges, rng)
    module = _g_torch(label_nc, kw, seed=7)
    model = spade_generator(seg.shape[1:], seed=0, **kw)
    load_torch_state(model, _numpy_state(module), spectral="train")
    before = {k: v.copy() for k, v in _numpy_state(module).items()}
    if dtype == "float64":
        module.double()
        seg, z = seg.astype(np.float64), None if z is None else z.astype(np.float64)
    want = _g_torch_forward(module, seg, z, training=True)
    got = np.asarray(model(seg if z is None else [seg, z], training=True))
    tol = 1e-6 if dtype == "float64" else TRAIN_TOL
    assert_close(got, want.astype(np.float32), name + " (training)", tol)
    after = _numpy_state(module)
    checked = 0
    for key, value in after.items():
        parts = key.split(".")
        if parts[-1] == "weight_u":
            sn = model.get_layer(f"{parts[0]}_{parts[1]}")
            np.testing.assert_allclose(np.asarray(sn.vector_u)[0], value, atol=1e-5)
            checked += 1
        elif parts[-1] == "running_mean":
            norm = model.get_layer(f"{parts[0]}_{parts[1]}").param_free_norm
            np.testing.assert_allclose(np.asarray(norm.moving_mean), value, rtol=1e-4, atol=1e-5)
            # PyTorch: 0.9 old + 0.1 unbiased var; Keras: 0.9 old + 0.1 biased var.
            var_key = key.replace("running_mean", "running_var")
            old, new = before[var_key], after[var_key]
            n = batch * int(np.prod(_layer_input_hw(model, norm)))
            np.testing.assert_allclose(np.asarray(norm.moving_variance),
                                       0.9 * old + (new - 0.9 * old) * (n - 1) / n, rtol=1e-4, atol=1e-6)
            checked += 1
    assert checked > 0


def _layer_input_hw(model, norm):
    spade = next(l for l in model.layers if isinstance(l, SPADE) and l.param_free_norm is norm)
    return spade.input[0].shape[1:3]


def test_latent_size_and_output_sizes():
    assert latent_size(256, 1.0, "normal") == (8, 8)
    assert latent_size(512, 2.0, "more") == (4, 8)
    assert latent_size(256, 1.0, "most") == (2, 2)
    assert latent_size(160, 2.0, "normal") == (2, 5)  # round(2.5) = 2, Python's round
    assert latent_size(224, 2.0, "normal") == (4, 7)  # round(3.5) = 4
    assert latent_size(64, 0.5, "normal") == (4, 2)   # taller than wide
    for crop, aspect, up in ((160, 2.0, "normal"), (224, 2.0, "normal"), (64, 0.5, "normal")):
        sw, sh = ref.latent_size(crop, aspect, up)
        assert latent_size(crop, aspect, up) == (sh, sw)
    g = spade_generator((None, None, 3), base_filters=2, crop_size=160, aspect_ratio=2.0)
    assert g.output_shape == (None, 64, 160, 3)


def test_residual_block_structure():
    x = keras.Input((4, 4, 8))
    seg = keras.Input((16, 16, 3))
    out = spade_residual_block(x, seg, 4, name="blk")
    model = keras.Model([x, seg], out)
    names = {l.name for l in model.layers}
    assert {"blk_norm_s", "blk_conv_s", "blk_norm_0", "blk_conv_0", "blk_norm_1", "blk_conv_1"} <= names
    conv_s = model.get_layer("blk_conv_s")
    assert isinstance(conv_s, keras.layers.SpectralNormalization) and not conv_s.layer.use_bias
    assert model.get_layer("blk_conv_0").layer.filters == 4  # fmiddle = min(8, 4)
    assert model.get_layer("blk_conv_0").layer.kernel_size == (3, 3)
    assert out.shape[1:] == (4, 4, 4)
    same = spade_residual_block(x, seg, 8, spectral_norm=False, name="same")
    names = {l.name for l in keras.Model([x, seg], same).layers}
    assert "same_conv_s" not in names and "same_norm_s" not in names
    with torch.device("meta"):
        block = ref.SPADEResnetBlock(8, 4, "spectralspadesyncbatch3x3", 3)
    assert _count(model.trainable_weights) == ref.count_parameters(block)


def test_generator_initialisation_is_the_official_xavier():
    g = spade_generator((64, 64, 5), base_filters=8, crop_size=64, seed=1)
    kernel = np.asarray(g.get_layer("up_0_norm_0").mlp_shared.kernel)  # 3x3, 5 -> 128
    fan_in, fan_out = 9 * 5, 9 * 128
    np.testing.assert_allclose(kernel.std(), 0.02 * np.sqrt(2 / (fan_in + fan_out)), rtol=0.05)
    assert np.all(np.asarray(g.get_layer("conv_img").bias) == 0)
    again = spade_generator((64, 64, 5), base_filters=8, crop_size=64, seed=1)
    np.testing.assert_array_equal(np.asarray(again.get_layer("up_0_norm_0").mlp_shared.kernel), kernel)


def test_generator_saves_and_loads(tmp_path):
    g = spade_generator((None, None, 4), base_filters=2, crop_size=32, use_vae=True, z_dim=4, seed=2)
    rng = np.random.default_rng(10)
    seg, z = _segmap(rng, 2, 32, 32, 4), rng.normal(size=(2, 4)).astype(np.float32)
    want = np.asarray(g([seg, z], training=False))
    g.save(tmp_path / "g.keras")
    again = keras.saving.load_model(tmp_path / "g.keras")
    np.testing.assert_allclose(np.asarray(again([seg, z], training=False)), want, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- encoder
@pytest.mark.parametrize("shape,spectral", [((64, 96, 3), True), ((300, 260, 3), True),
                                            ((256, 256, 3), False)])
def test_encoder_outputs_equal_torch(shape, spectral):
    rng = np.random.default_rng(11)
    torch.manual_seed(0)
    module = ref.randomize_(ref.ConvEncoder(4, 256, "spectralinstance" if spectral else "instance",
                                            z_dim=8), 12)
    model = style_encoder(shape, base_filters=4, z_dim=8, spectral_norm=spectral, seed=0)
    assert _count(model.trainable_weights) == ref.count_parameters(module)
    load_torch_state(model, _numpy_state(module))
    x = rng.uniform(-1, 1, (2, *shape)).astype(np.float32)
    module.eval()
    with torch.no_grad():
        mu_t, logvar_t = (t.numpy() for t in module(_nchw(x)))
    mu, logvar = (np.asarray(t) for t in model(x, training=False))
    assert_close(mu, mu_t, f"mu {shape}")
    assert_close(logvar, logvar_t, f"logvar {shape}")
    # The flatten order matters: the same features flattened NHWC give other values.
    assert model.get_layer("to_nchw").output.shape[1:] == (32, 4, 4)
    features = np.asarray(keras.Model(model.input, model.get_layer("lrelu").output)(x))
    fc = model.get_layer("fc_mu")
    kernel, bias = np.asarray(fc.kernel), np.asarray(fc.bias)
    nchw = features.transpose(0, 3, 1, 2).reshape(2, -1) @ kernel + bias
    nhwc = features.reshape(2, -1) @ kernel + bias
    np.testing.assert_allclose(nchw, mu, rtol=1e-4, atol=1e-5)
    assert np.abs(nhwc - mu).max() > 100 * REL_TOL * np.abs(mu).max()


def test_official_encoder_without_layer6_cannot_run():
    """ConvEncoder(crop_size < 256) drops layer6 but still resizes to 256: 8 x 8 maps meet a
    4 x 4 linear layer."""
    module = ref.ConvEncoder(4, crop_size=128)
    with torch.no_grad(), pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        module(torch.zeros(1, 3, 128, 128))
    assert style_encoder((128, 128, 3), base_filters=4).get_layer("layer6") is not None


# ----------------------------------------------------------------------------- VAE helpers
def test_kl_divergence_and_reparameterize_against_numpy():
    rng = np.random.default_rng(13)
    mu = rng.normal(size=(5, 7)).astype(np.float32)
    logvar = rng.normal(scale=0.5, size=(5, 7)).astype(np.float32)
    want = -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar), axis=1)  # the official KLDLoss per example
    np.testing.assert_allclose(np.asarray(kl_divergence(mu, logvar)), want, rtol=1e-5)
    assert np.allclose(np.asarray(kl_divergence(np.zeros((2, 3)), np.zeros((2, 3)))), 0.0)

    noise = rng.normal(size=(5, 7)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(reparameterize(mu, logvar, noise=noise)),
                               mu + noise * np.exp(0.5 * logvar), rtol=1e-6)
    a = np.asarray(reparameterize(mu, logvar, seed=3))
    np.testing.assert_array_equal(np.asarray(reparameterize(mu, logvar, seed=3)), a)
    assert not np.allclose(np.asarray(reparameterize(mu, logvar, seed=4)), a)
    gen = keras.random.SeedGenerator(0)
    assert not np.allclose(np.asarray(reparameterize(mu, logvar, seed=gen)),
                           np.asarray(reparameterize(mu, logvar, seed=gen)))
    # Many draws: mean mu, std exp(logvar / 2).
    big_mu = np.tile(mu[:1], (20_000, 1))
    big_lv = np.tile(logvar[:1], (20_000, 1))
    z = np.asarray(reparameterize(big_mu, big_lv, seed=5))
    np.testing.assert_allclose(z.mean(0), mu[0], atol=0.05)
    np.testing.assert_allclose(z.std(0), np.exp(0.5 * logvar[0]), rtol=0.05)
    with pytest.raises(ValueError, match="same shape"):
        reparameterize(mu, logvar[:, :3])
    with pytest.raises(ValueError, match="noise must have"):
        reparameterize(mu, logvar, noise=noise[:2])


# ----------------------------------------------------------------------------- distribution
def test_synchronized_spade_uses_global_batch_statistics():
    devices = [d.name for d in tf.config.list_logical_devices("CPU")[:2]]
    strategy = tf.distribute.MirroredStrategy(devices)
    rng = np.random.default_rng(14)
    x = rng.normal(size=(4, 3, 3, 2)).astype(np.float32)
    x[2:] += 5.0  # the two replicas' halves have different means
    seg = rng.uniform(size=(4, 6, 6, 2)).astype(np.float32)
    results = {}
    for synchronized in (True, False):
        with strategy.scope():
            layer = SPADE(synchronized=synchronized, seed=0)
            layer.build([(None, 3, 3, 2), (None, 6, 6, 2)])
        _zero_modulation(layer)
        data = strategy.experimental_distribute_dataset(
            tf.data.Dataset.from_tensor_slices((x, seg)).batch(4))
        batch = next(iter(data))
        out = strategy.run(tf.function(lambda a, b: layer([a, b], training=True)), args=batch)
        local = strategy.experimental_local_results(out)
        results[synchronized] = np.concatenate([np.asarray(t) for t in local])
    global_norm = (x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + 1e-5)
    np.testing.assert_allclose(results[True], global_norm, atol=1e-4)
    assert np.abs(results[False] - global_norm).max() > 0.5  # per-replica statistics


# ----------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("kwargs,match", [
    (dict(norm="group"), "norm must be one of"),
    (dict(kernel_size=4), "positive odd int"),
    (dict(hidden_filters=0), "hidden_filters"),
    (dict(momentum=1.0), "PyTorch's 0.1"),
    (dict(epsilon=0), "epsilon"),
    (dict(norm="instance", synchronized=True), 'needs norm="batch"'),
    (dict(synchronized="yes"), "synchronized must be a bool"),
])
def test_spade_layer_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SPADE(**kwargs)


def test_spade_call_and_resize_errors():
    with pytest.raises(ValueError, match=r"takes \[x, segmap\]"):
        SPADE()(np.zeros((1, 4, 4, 2), np.float32))
    with pytest.raises(ValueError, match="size must be"):
        NearestResize((4,))
    with pytest.raises(ValueError, match="out_size must be a positive int"):
        torch_nearest_indices(3, 0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(num_upsampling="many"), "num_upsampling must be one of"),
    (dict(crop_size=16), "crop_size must be at least 32"),
    (dict(crop_size=32, aspect_ratio=3.0), r"round to >= 1"),
    (dict(aspect_ratio=0), "aspect_ratio"),
    (dict(base_filters=1, num_upsampling="most", crop_size=128, label_shape=(128, 128, 4)),
     "base_filters must be >= 2"),
    (dict(norm="instance", synchronized=True), 'needs norm="batch"'),
    (dict(use_vae=1), "use_vae must be a bool"),
    (dict(spectral_norm=None), "spectral_norm must be a bool"),
    (dict(z_dim=0), "z_dim"),
    (dict(label_shape=(128, 128, 4)), "segmap height must match"),
    (dict(label_shape=(64, 64)), "label_shape must be"),
])
def test_generator_errors(kwargs, match):
    kwargs = {"label_shape": (64, 64, 4), "crop_size": 64, "base_filters": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        spade_generator(**kwargs)


@pytest.mark.parametrize("kwargs,match", [
    (dict(image_shape=(64, 64)), "image_shape must be"),
    (dict(base_filters=0), "base_filters"),
    (dict(z_dim=-1), "z_dim"),
    (dict(spectral_norm="yes"), "spectral_norm must be a bool"),
])
def test_encoder_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        style_encoder(**kwargs)
