"""Our Keras super-resolution networks against PyTorch implementations of the official ones.

tests/networks/torch_reference.py rebuilds BasicSR's RRDBNet / MSRResNet / VGGStyleDiscriminator
and Real-ESRGAN's UNetDiscriminatorSN in PyTorch with the official module names. Each test here
randomises such a module (weights, biases and the BN / spectral-norm buffers, all seeded), writes
it in the released checkpoint layout (``{"params_ema": ..., "params": ...}`` in a ``.pth``; the
same as ``params_ema.``/``params.`` key prefixes in a ``.safetensors``), reads it back with
``keras_gans.networks.convert`` and compares the Keras network's outputs with PyTorch's
``model.eval()`` outputs on the same input.

Tolerance: both sides compute in float32 with different convolution algorithms (oneDNN in TF,
PyTorch's own CPU kernels), so they differ by rounding only. One output of a 3x3 convolution
sums up to 9 * 192 = 1728 products; a random-walk estimate of its relative rounding error is
sqrt(1728) * 2**-24 = 2.5e-6, and the 10 - 40 layers here do not amplify it much (the 0.2
residual scaling damps the trunk). Observed max |keras - torch| / max |torch|: <= 1.1e-6 for
the generators and the U-Net D, 3.5e-6 for the VGG-style D at 128 (its logits are small, 0.04,
next to its inner activations). We require ``max |keras - torch| <= 1e-4 * max |torch|`` (30 to
1000 times the observed error), and every test checks that the ``params`` (non-EMA) weights of the same network
move the outputs by more than 100 times that tolerance, so the comparison can tell weights apart.
Changing the reference on purpose (residual scale 0.25 instead of 0.2, ``align_corners=True``,
bilinear instead of nearest upsampling, TF's space-to-depth channel order) exceeds the tolerance
150 to 12,000 times.
"""

import importlib.util
import math
import os
import re

import numpy as np
import pytest
import safetensors.torch
import torch

from keras_gans.networks.convert import load_official, load_state_dict, read_checkpoint
from keras_gans.networks.super_resolution import (
    msrresnet,
    rrdbnet,
    unet_discriminator_sn,
    vgg_style_discriminator,
)
from keras_gans.testing.official_keys import rrdbnet_keys

import torch_reference as ref  # tests/networks/torch_reference.py

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REL_TOL = 1e-4

# name -> (torch module maker, Keras model maker, NCHW input shape, load_state_dict kwargs).
# Non-square inputs so that a swapped H / W anywhere would show.
CASES = {
    "rrdbnet_x4": (lambda: ref.RRDBNet(3, 3, scale=4, num_feat=16, num_block=2, num_grow_ch=8),
                   lambda: rrdbnet(scale=4, num_blocks=2, num_features=16, growth=8, seed=0),
                   (2, 3, 6, 10), {}),
    "rrdbnet_x2": (lambda: ref.RRDBNet(3, 3, scale=2, num_feat=16, num_block=2, num_grow_ch=8),
                   lambda: rrdbnet(scale=2, num_blocks=2, num_features=16, growth=8, seed=0),
                   (2, 3, 8, 12), {}),
    "rrdbnet_x1": (lambda: ref.RRDBNet(3, 3, scale=1, num_feat=16, num_block=2, num_grow_ch=8),
                   lambda: rrdbnet(scale=1, num_blocks=2, num_features=16, growth=8, seed=0),
                   (1, 3, 16, 24), {}),
    "msrresnet_x4": (lambda: ref.MSRResNet(3, 3, num_feat=16, num_block=2, upscale=4),
                     lambda: msrresnet(scale=4, num_blocks=2, num_features=16, seed=0),
                     (2, 3, 6, 10), {}),
    "msrresnet_x3": (lambda: ref.MSRResNet(3, 3, num_feat=16, num_block=2, upscale=3),
                     lambda: msrresnet(scale=3, num_blocks=2, num_features=16, seed=0),
                     (1, 3, 7, 5), {}),
    "msrresnet_x2": (lambda: ref.MSRResNet(3, 3, num_feat=16, num_block=2, upscale=2),
                     lambda: msrresnet(scale=2, num_blocks=2, num_features=16, seed=0),
                     (1, 3, 7, 5), {}),
    "vgg_128": (lambda: ref.VGGStyleDiscriminator(3, 8, input_size=128),
                lambda: vgg_style_discriminator(input_size=128, num_features=8, seed=0),
                (3, 3, 128, 128), {}),
    "vgg_256": (lambda: ref.VGGStyleDiscriminator(3, 4, input_size=256),
                lambda: vgg_style_discriminator(input_size=256, num_features=4, seed=0),
                (2, 3, 256, 256), {}),
    "unet_sn": (lambda: ref.UNetDiscriminatorSN(3, num_feat=8),
                lambda: unet_discriminator_sn(num_features=8, seed=0),
                (2, 3, 16, 24), {"spectral_norm": "eval"}),
    "unet_sn_no_skip": (lambda: ref.UNetDiscriminatorSN(3, num_feat=8, skip_connection=False),
                        lambda: unet_discriminator_sn(num_features=8, skip_connection=False,
                                                      seed=0),
                        (1, 3, 24, 16), {"spectral_norm": "eval"}),
}

_KERAS = {}


def keras_model(name):
    """One Keras model per case for the whole module: every test loads a complete state dict
    into it (and checks that the load changed the outputs), so reuse is safe."""
    if name not in _KERAS:
        _KERAS[name] = CASES[name][1]()
    return _KERAS[name]


def to_nhwc(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))


def keras_forward(model, x_nchw):
    y = np.asarray(model(to_nhwc(x_nchw), training=False))
    return y.transpose(0, 3, 1, 2) if y.ndim == 4 else y


def tolerance(want):
    """1e-4 of the output's magnitude (module docstring)."""
    return REL_TOL * float(np.abs(want).max())


def assert_matches(got, want, what):
    assert got.shape == want.shape, (what, got.shape, want.shape)
    err = float(np.abs(got - want).max())
    assert err <= tolerance(want), f"{what}: max |keras - torch| {err:.3g} > {tolerance(want):.3g}"


class Checkpoint:
    """A seeded torch module randomised twice: ``ema`` / ``params`` state dicts (torch tensors),
    the torch eval outputs of each on ``x``, and the released-layout files."""

    def __init__(self, name, tmp_path, seed=0):
        make_torch, _, shape, self.load_kwargs = CASES[name]
        torch.manual_seed(seed)
        self.module = make_torch()
        self.x = np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)
        ref.randomize_(self.module, seed=100 + seed)
        self.ema = ref.cloned_state_dict(self.module)
        self.want = ref.eval_forward(self.module, self.x)
        ref.randomize_(self.module, seed=200 + seed)
        self.params = ref.cloned_state_dict(self.module)
        self.want_params = ref.eval_forward(self.module, self.x)
        # The two weight sets must be told apart by the tolerance, by a wide margin.
        assert np.abs(self.want - self.want_params).max() > 100 * tolerance(self.want)
        self.pth = tmp_path / f"{name}.pth"
        torch.save({"params_ema": self.ema, "params": self.params}, self.pth)
        self.safetensors = tmp_path / f"{name}.safetensors"
        flat = {f"params_ema.{k}": t for k, t in self.ema.items()}
        flat.update({f"params.{k}": t for k, t in self.params.items()})
        safetensors.torch.save_file(flat, str(self.safetensors))


# ----------------------------------------------------------------------------- the reference
def test_reference_state_dicts_have_the_official_keys_and_sizes():
    # Full-size modules on the meta device: shapes only, no memory or initialisation time.
    with torch.device("meta"):
        full_rrdb, full_msr = ref.RRDBNet(3, 3), ref.MSRResNet()
        msr3 = ref.MSRResNet(upscale=3).state_dict()
        vgg = ref.VGGStyleDiscriminator(3, 64, 256).state_dict()
        vgg128 = ref.VGGStyleDiscriminator(3, 64, 128).state_dict()
        unet = ref.UNetDiscriminatorSN(3, 64).state_dict()
    # RRDBNet's keys and shapes, in order, against official_keys (written out separately from
    # BasicSR's __init__), at full size and with pixel-unshuffled inputs.
    assert [(k, tuple(t.shape)) for k, t in full_rrdb.state_dict().items()] == rrdbnet_keys()
    for scale, cin in ((2, 12), (1, 48)):
        net = ref.RRDBNet(3, 3, scale=scale, num_feat=16, num_block=2, num_grow_ch=8)
        assert [(k, tuple(t.shape)) for k, t in net.state_dict().items()] == \
            rrdbnet_keys(nf=16, nb=2, g=8, cin=cin)
    # Parameter counts documented in super_resolution.py.
    assert sum(p.numel() for p in full_rrdb.parameters()) == 16_697_987
    assert sum(p.numel() for p in full_msr.parameters()) == 1_517_571
    assert msr3["upconv1.weight"].shape == (64 * 9, 64, 3, 3) and "upconv2.weight" not in msr3
    assert vgg["conv5_1.weight"].shape == (512, 512, 4, 4)
    assert vgg["linear1.weight"].shape == (100, 512 * 16) and "bn0_0.weight" not in vgg
    assert "conv5_0.weight" not in vgg128 and len(vgg) == len(vgg128) + 2 * (1 + 5)
    for i in range(1, 9):
        assert {f"conv{i}.weight_orig", f"conv{i}.weight_u", f"conv{i}.weight_v"} <= unet.keys()
        assert f"conv{i}.weight" not in unet and f"conv{i}.bias" not in unet
    assert unet["conv3.weight_v"].shape == (256 * 16,) and unet["conv3.weight_u"].shape == (512,)
    assert {"conv0.weight", "conv0.bias", "conv9.weight", "conv9.bias"} <= unet.keys()
    # The reference's pixel unshuffle is PyTorch's.
    x = torch.randn(2, 3, 8, 12)
    assert torch.equal(ref.pixel_unshuffle(x, 2), torch.nn.functional.pixel_unshuffle(x, 2))
    assert torch.equal(ref.pixel_unshuffle(x, 4), torch.nn.functional.pixel_unshuffle(x, 4))


@pytest.mark.parametrize("name", sorted(CASES))
def test_trainable_parameter_counts_equal_torch(name):
    torch.manual_seed(0)
    module = CASES[name][0]()
    model = keras_model(name)
    assert sum(math.prod(w.shape) for w in model.trainable_weights) == \
        sum(p.numel() for p in module.parameters())


# ----------------------------------------------------------------------------- outputs
@pytest.mark.parametrize("name", sorted(CASES))
def test_keras_outputs_equal_torch_eval_outputs_from_pth_and_safetensors(name, tmp_path):
    ck = Checkpoint(name, tmp_path)
    model = keras_model(name)
    n_keys = len(ck.ema)

    # .pth: params_ema is the default pick.
    sd, which = read_checkpoint(ck.pth)
    assert which == "params_ema" and len(sd) == n_keys
    for k, t in ck.ema.items():
        np.testing.assert_array_equal(sd[k], t.numpy(), err_msg=k)
    result = load_state_dict(model, sd, **ck.load_kwargs)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert_matches(keras_forward(model, ck.x), ck.want, f"{name} .pth params_ema")

    # .safetensors, params asked for: the other weights (and a changed model).
    sd, which = read_checkpoint(ck.safetensors, key="params")
    assert which == "params" and len(sd) == n_keys
    load_state_dict(model, sd, **ck.load_kwargs)
    assert_matches(keras_forward(model, ck.x), ck.want_params, f"{name} .safetensors params")

    # .safetensors, default: params_ema again.
    sd, which = read_checkpoint(ck.safetensors)
    assert which == "params_ema" and len(sd) == n_keys
    for k, t in ck.ema.items():
        np.testing.assert_array_equal(sd[k], t.numpy(), err_msg=k)
    load_state_dict(model, sd, **ck.load_kwargs)
    assert_matches(keras_forward(model, ck.x), ck.want, f"{name} .safetensors params_ema")


def test_spectral_norm_default_mode_does_not_reproduce_torch_eval(tmp_path):
    # Without spectral_norm="eval" the kernels hold weight_orig (for further training), so the
    # Keras outputs differ from PyTorch's eval outputs, which divide by sigma = u . W v.
    ck = Checkpoint("unet_sn", tmp_path, seed=1)
    sd, _ = read_checkpoint(ck.pth)
    sigmas = []
    for i in range(1, 9):
        w = sd[f"conv{i}.weight_orig"].astype(np.float64)
        sigmas.append(sd[f"conv{i}.weight_u"] @ w.reshape(w.shape[0], -1) @ sd[f"conv{i}.weight_v"])
    assert min(abs(s - 1) for s in sigmas) > 0.05, sigmas
    model = keras_model("unet_sn")
    load_state_dict(model, sd)
    assert np.abs(keras_forward(model, ck.x) - ck.want).max() > 100 * tolerance(ck.want)
    load_state_dict(model, sd, spectral_norm="eval")
    assert_matches(keras_forward(model, ck.x), ck.want, "unet_sn eval")


# ----------------------------------------------------------------------------- broken files
@pytest.mark.parametrize("name, key", [
    ("rrdbnet_x2", "body.1.rdb2.conv3.weight"),
    ("msrresnet_x4", "upconv2.bias"),
    ("vgg_128", "bn3_1.running_var"),
    ("unet_sn", "conv5.weight_orig"),
])
def test_checkpoint_missing_one_tensor_names_it(name, key, tmp_path):
    ck = Checkpoint(name, tmp_path)
    model = keras_model(name)
    load_state_dict(model, read_checkpoint(ck.pth)[0], **ck.load_kwargs)
    before = keras_forward(model, ck.x)
    broken = {k: t for k, t in ck.ema.items() if k != key}
    path = tmp_path / "missing.pth"
    torch.save({"params_ema": broken, "params": ck.params}, path)
    sd, _ = read_checkpoint(path)
    with pytest.raises(ValueError, match=f"1 key missing.*the first: {re.escape(repr(key))}"):
        load_state_dict(model, sd, **ck.load_kwargs)
    # Nothing was assigned: the model still computes the params_ema outputs.
    np.testing.assert_array_equal(keras_forward(model, ck.x), before)


@pytest.mark.parametrize("name, key", [
    ("rrdbnet_x1", "conv_first.weight"),
    ("msrresnet_x3", "upconv1.weight"),
    ("vgg_256", "linear1.weight"),
    ("unet_sn_no_skip", "conv2.weight_u"),
])
def test_checkpoint_with_one_misshaped_tensor_names_it(name, key, tmp_path):
    ck = Checkpoint(name, tmp_path)
    t = ck.ema[key]
    bad = dict(ck.ema)
    bad[key] = torch.zeros((t.shape[0] + 1,) + tuple(t.shape[1:]), dtype=t.dtype)
    path = tmp_path / "misshaped.safetensors"
    safetensors.torch.save_file({f"params_ema.{k}": v for k, v in bad.items()}, str(path))
    sd, which = read_checkpoint(path)
    assert which == "params_ema"
    want = (f"1 mis-shaped key; the first: {re.escape(repr(key))}: expected PyTorch shape "
            f"{re.escape(str(tuple(t.shape)))}, received {re.escape(str(tuple(bad[key].shape)))}")
    with pytest.raises(ValueError, match=want):
        load_state_dict(keras_model(name), sd, strict=False)
    if ck.load_kwargs:  # spectral_norm="eval" reports the same mis-shaped key first
        with pytest.raises(ValueError, match=want):
            load_state_dict(keras_model(name), sd, strict=False, **ck.load_kwargs)


# ----------------------------------------------------------------------------- load_official
@pytest.mark.parametrize("official, make_torch, shape", [
    ("RealESRGAN_x4plus_anime_6B", lambda: ref.RRDBNet(3, 3, num_block=6), (1, 3, 6, 10)),
    ("MSRResNet_x4", lambda: ref.MSRResNet(), (1, 3, 6, 10)),
])
def test_load_official_full_size_matches_torch(official, make_torch, shape, tmp_path):
    torch.manual_seed(3)
    module = make_torch()
    x = np.random.default_rng(3).uniform(0, 1, shape).astype(np.float32)
    ref.randomize_(module, seed=4)
    ema = ref.cloned_state_dict(module)
    want = ref.eval_forward(module, x)
    ref.randomize_(module, seed=5)
    params = ref.cloned_state_dict(module)
    assert np.abs(ref.eval_forward(module, x) - want).max() > 100 * tolerance(want)
    path = tmp_path / f"{official}.pth"
    torch.save({"params_ema": ema, "params": params}, path)
    model = load_official(official, path)
    assert model.name == official
    assert sum(math.prod(w.shape) for w in model.trainable_weights) == \
        sum(p.numel() for p in module.parameters())
    assert_matches(keras_forward(model, x), want, official)


# ----------------------------------------------------------------------------- FLOP counting
def _sr_speed():
    path = os.path.join(REPO, "benchmarks", "sr_speed.py")
    spec = importlib.util.spec_from_file_location("sr_speed_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("scale", [4, 2])
def test_conv_flops_counts_every_rrdbnet_convolution(scale):
    sr_speed = _sr_speed()
    nf, g, nb, h, w = 4, 2, 2, 8, 12
    model = rrdbnet(scale=scale, num_blocks=nb, num_features=nf, growth=g)
    total, per_layer = sr_speed.conv_flops(model, h, w)
    # By hand: 2 * 9 * C_in * C_out MACs per output pixel of each 3x3 convolution. The trunk
    # works at (h, w) / unshuffle; conv_up1 at 2x that, conv_up2 / conv_hr / conv_last at 4x.
    u = {4: 1, 2: 2}[scale]
    lr = (h // u) * (w // u)
    dense = sum((nf + k * g) * g for k in range(4)) + (nf + 4 * g) * nf  # one dense block
    macs_per_pixel = (3 * u * u * nf + nb * 3 * dense + nf * nf) * lr \
        + nf * nf * 4 * lr + (nf * nf + nf * nf + nf * 3) * 16 * lr
    assert total == 2 * 9 * macs_per_pixel
    if scale == 4:  # the same number written out: (12 + 2*3*(8+12+16+20+48) + 16) * 96 ...
        assert total == 2 * 9 * ((12 + 624 + 16) * 96 + 16 * 384 + 44 * 1536) == 2_453_760
    assert len(per_layer) == 2 + nb * 15 + 4
    assert dict(per_layer)["conv_last"] == 2 * 9 * nf * 3 * (h // u * 4) * (w // u * 4)
    # PyTorch's own FLOP counter (2 * MACs per convolution) on the reference network agrees.
    net = ref.RRDBNet(3, 3, scale=scale, num_feat=nf, num_block=nb, num_grow_ch=g).eval()
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        net(torch.zeros(1, 3, h, w))
    assert counter.get_total_flops() == total
    # Batch and a non-RRDB model with strided and spectrally normalised convolutions.
    assert sr_speed.conv_flops(model, h, w, batch=3)[0] == 3 * total
    d = unet_discriminator_sn(num_features=2)
    d_total, d_layers = sr_speed.conv_flops(d, 16, 8)
    assert len(d_layers) == 10
    # conv1: 4x4 stride 2, 2 -> 4 channels, 16x8 -> 8x4 pixels.
    assert dict(d_layers)["conv1"] == 2 * (8 * 4) * 4 * (4 * 4 * 2)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        ref.UNetDiscriminatorSN(3, 2).eval()(torch.zeros(1, 3, 16, 8))
    assert counter.get_total_flops() == d_total
