"""Tests for loading PyTorch checkpoints (keras_gans/networks/convert.py).

The synthetic state dicts use the official key names and PyTorch shapes, written out here
from the official ``__init__`` methods (independently of tests/networks/super_resolution_test.py):
BasicSR ``RRDBNet`` / ``MSRResNet`` / ``VGGStyleDiscriminator``, Real-ESRGAN
``UNetDiscriminatorSN`` (``spectral_norm`` -> ``weight_orig``, ``weight_u``, ``weight_v``) and
Lornatang/SRGAN-PyTorch ``SRResNet``. Every loaded value is compared with the PyTorch tensor
through the layout change, and convolutions, BN, Dense and a whole MSRResNet are re-run in NumPy
in PyTorch's NCHW / OIHW layout on the PyTorch tensors themselves.
"""

import math
import sys

import keras
import numpy as np
import pytest

from keras_gans.networks.convert import (
    OFFICIAL_MODELS,
    load_official,
    load_state_dict,
    read_checkpoint,
    rename_old_esrgan_keys,
    unwrap_checkpoint,
)
from keras_gans.networks.super_resolution import (
    msrresnet,
    rrdbnet,
    srresnet,
    unet_discriminator_sn,
    vgg_style_discriminator,
)

import safetensors.numpy as safetensors_numpy  # noqa: E402 (install_requires)


# ----------------------------------------------------------------------------- official keys
from keras_gans.testing.official_keys import bn, conv, rrdbnet_keys  # noqa: E402



def msrresnet_keys(nf=64, nb=16):  # upscale 4
    keys = conv("conv_first", 3, nf)
    for b in range(nb):
        keys += conv(f"body.{b}.conv1", nf, nf) + conv(f"body.{b}.conv2", nf, nf)
    keys += conv("upconv1", nf, nf * 4) + conv("upconv2", nf, nf * 4)
    return keys + conv("conv_hr", nf, nf) + conv("conv_last", nf, 3)


def vgg_keys(nf=64):  # input_size 128
    keys = conv("conv0_0", 3, nf) + conv("conv0_1", nf, nf, 4, bias=False) + bn("bn0_1", nf)
    for i, (a, b) in enumerate([(1, 2), (2, 4), (4, 8), (8, 8)], start=1):
        keys += conv(f"conv{i}_0", nf * a, nf * b, 3, bias=False) + bn(f"bn{i}_0", nf * b)
        keys += conv(f"conv{i}_1", nf * b, nf * b, 4, bias=False) + bn(f"bn{i}_1", nf * b)
    return keys + [("linear1.weight", (100, nf * 8 * 4 * 4)), ("linear1.bias", (100,)),
                   ("linear2.weight", (1, 100)), ("linear2.bias", (1,))]


def unet_keys(nf=64):
    keys = conv("conv0", 3, nf)
    for i, cin, cout, k in [(1, nf, 2 * nf, 4), (2, 2 * nf, 4 * nf, 4), (3, 4 * nf, 8 * nf, 4),
                            (4, 8 * nf, 4 * nf, 3), (5, 4 * nf, 2 * nf, 3), (6, 2 * nf, nf, 3),
                            (7, nf, nf, 3), (8, nf, nf, 3)]:
        keys += [(f"conv{i}.weight_orig", (cout, cin, k, k)), (f"conv{i}.weight_u", (cout,)),
                 (f"conv{i}.weight_v", (cin * k * k,))]
    return keys + conv("conv9", nf, 1)


def srresnet_keys(c=64, nb=16):  # upscale 4
    keys = conv("conv1.0", 3, c, 9) + [("conv1.1.weight", (1,))]
    for b in range(nb):
        p = f"trunk.{b}.rcb"
        keys += conv(f"{p}.0", c, c, bias=False) + bn(f"{p}.1", c) + [(f"{p}.2.weight", (1,))]
        keys += conv(f"{p}.3", c, c, bias=False) + bn(f"{p}.4", c)
    keys += conv("conv2.0", c, c, bias=False) + bn("conv2.1", c)
    for i in range(2):
        keys += conv(f"upsampling.{i}.upsample_block.0", c, 4 * c)
        keys += [(f"upsampling.{i}.upsample_block.2.weight", (1,))]
    return keys + conv("conv3", c, 3, 9)


def synthetic(keys, seed):
    rng = np.random.default_rng(seed)
    sd = {}
    for key, shape in keys:
        if key.endswith("num_batches_tracked"):
            sd[key] = np.array(1234, np.int64)
        elif key.endswith("running_var"):
            sd[key] = rng.uniform(0.5, 1.5, shape).astype("float32")
        elif key.endswith(("weight_u", "weight_v")):
            v = rng.normal(size=shape)
            sd[key] = (v / np.linalg.norm(v)).astype("float32")
        else:
            sd[key] = rng.normal(scale=0.2, size=shape).astype("float32")
    return sd


NETWORKS = {
    "rrdbnet": (lambda: rrdbnet(num_blocks=2, num_features=16, growth=8, seed=0),
                lambda: rrdbnet_keys(nf=16, nb=2, g=8)),
    "msrresnet": (lambda: msrresnet(num_blocks=2, num_features=16, seed=0),
                  lambda: msrresnet_keys(nf=16, nb=2)),
    "vgg": (lambda: vgg_style_discriminator(num_features=4, seed=0), lambda: vgg_keys(nf=4)),
    "unet": (lambda: unet_discriminator_sn(num_features=4, seed=0), lambda: unet_keys(nf=4)),
    "srresnet": (lambda: srresnet(num_blocks=1, num_features=8, seed=0),
                 lambda: srresnet_keys(c=8, nb=1)),
}


def keras_value(model, key):
    """The Keras variable a PyTorch key should land in and the expected Keras value maker,
    written from the documented rule (not from convert.py)."""
    prefix, suffix = key.rsplit(".", 1)
    layer = model.get_layer(prefix.replace(".", "_"))
    if isinstance(layer, keras.layers.BatchNormalization):
        name = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean",
                "running_var": "moving_variance"}.get(suffix)
        return (getattr(layer, name), lambda t: t) if name else (None, None)
    if isinstance(layer, keras.layers.PReLU):
        return layer.alpha, lambda t: t.reshape(1, 1, 1)
    if isinstance(layer, keras.layers.SpectralNormalization):
        if suffix == "weight_u":
            return layer.vector_u, lambda t: t[None, :]
        if suffix == "weight_v":
            return None, None
        layer = layer.layer
    if suffix == "bias":
        return layer.bias, lambda t: t
    if isinstance(layer, keras.layers.Dense):
        return layer.kernel, lambda t: t.T
    return layer.kernel, lambda t: t.transpose(2, 3, 1, 0)


def assert_loaded(model, sd, rng=None):
    rng = rng or np.random.default_rng(0)
    covered = set()
    for key, t in sd.items():
        var, f = keras_value(model, key)
        if var is None:
            continue
        got = np.asarray(var)
        np.testing.assert_array_equal(got, f(t), err_msg=key)
        covered.add(id(var))
        if t.ndim == 4:  # element-wise: keras[h, w, i, o] == torch[o, i, h, w]
            for _ in range(5):
                o, i, h, w = (int(rng.integers(n)) for n in t.shape)
                assert got[h, w, i, o] == t[o, i, h, w], key
    # Every Keras weight (trainable, BN statistic, vector_u) got a value from the dict.
    assert covered == {id(w) for w in model.weights}


@pytest.mark.parametrize("net", sorted(NETWORKS))
def test_synthetic_official_state_dict_loads_into_every_network(net):
    build, keys = NETWORKS[net]
    model, sd = build(), synthetic(keys(), seed=1)
    assert sum(math.prod(w.shape) for w in model.weights) == sum(
        t.size for k, t in sd.items() if not k.endswith(("weight_v", "num_batches_tracked")))
    result = load_state_dict(model, sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert_loaded(model, sd)


# ----------------------------------------------------------------------------- numerics
def torch_conv2d(x, w, b=None, stride=1, padding=1):
    """F.conv2d: cross-correlation, x NCHW, w OIHW."""
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho, wo = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, o, ho, wo))
    for a in range(kh):
        for c in range(kw):
            patch = xp[:, :, a:a + stride * ho:stride, c:c + stride * wo:stride]
            out += np.einsum("nihw,oi->nohw", patch, w[:, :, a, c])
    return out if b is None else out + b[None, :, None, None]


def nchw(x):
    return x.transpose(0, 3, 1, 2)


def run_layer(model, name, x_nchw, **kwargs):
    return nchw(np.asarray(model.get_layer(name)(nchw_to_nhwc(x_nchw), **kwargs), np.float64))


def nchw_to_nhwc(x):
    return x.transpose(0, 2, 3, 1).astype("float32")


def test_loaded_convolutions_match_pytorch_layout_numerically():
    rng = np.random.default_rng(2)
    g = rrdbnet(num_blocks=1, num_features=16, growth=8)
    sd = synthetic(rrdbnet_keys(nf=16, nb=1, g=8), seed=3)
    load_state_dict(g, sd)
    for name, cin in (("conv_first", 3), ("body.0.rdb1.conv3", 32), ("conv_last", 16)):
        x = rng.normal(size=(2, cin, 5, 7))  # non-square: a kh/kw swap would show
        want = torch_conv2d(x, sd[f"{name}.weight"], sd[f"{name}.bias"])
        np.testing.assert_allclose(run_layer(g, name.replace(".", "_"), x), want,
                                   rtol=1e-4, atol=1e-4)
    # A transposed-the-wrong-way kernel (HWOI, or the spatial axes swapped) would not match.
    w = sd["conv_first.weight"]
    x = rng.normal(size=(1, 3, 5, 7))
    assert not np.allclose(torch_conv2d(x, w.transpose(0, 1, 3, 2)),
                           torch_conv2d(x, w), atol=1e-3)

    # 4x4 stride-2 padding-1 convolution, BatchNorm (eval) and Linear of the VGG-style D.
    d = vgg_style_discriminator(num_features=4)
    sd = synthetic(vgg_keys(nf=4), seed=4)
    load_state_dict(d, sd)
    x = rng.normal(size=(2, 4, 8, 6))
    np.testing.assert_allclose(run_layer(d, "conv0_1", x),
                               torch_conv2d(x, sd["conv0_1.weight"], stride=2, padding=1),
                               rtol=1e-4, atol=1e-4)
    p = {k: sd[f"bn0_1.{k}"][None, :, None, None] for k in
         ("weight", "bias", "running_mean", "running_var")}
    want = (x - p["running_mean"]) / np.sqrt(p["running_var"] + 1e-5) * p["weight"] + p["bias"]
    np.testing.assert_allclose(run_layer(d, "bn0_1", x, training=False), want,
                               rtol=1e-4, atol=1e-4)
    v = rng.normal(size=(3, 100)).astype("float32")
    np.testing.assert_allclose(np.asarray(d.get_layer("linear2")(v)),
                               v @ sd["linear2.weight"].T + sd["linear2.bias"], rtol=1e-4,
                               atol=1e-4)


def _normalize(v):
    return v / max(np.linalg.norm(v), 1e-12)


def test_spectral_norm_u_orientation_and_eval_mode_against_pytorch_formulas():
    rng = np.random.default_rng(5)
    sd = synthetic(unet_keys(nf=4), seed=6)
    d = unet_discriminator_sn(num_features=4)
    load_state_dict(d, sd)
    w, u, v = (sd[f"conv1.{k}"].astype(np.float64) for k in ("weight_orig", "weight_u", "weight_v"))
    w_mat = w.reshape(w.shape[0], -1)
    x = rng.normal(size=(1, 4, 8, 8))
    # Inference uses the kernel as stored: weight_orig.
    np.testing.assert_allclose(run_layer(d, "conv1", x), torch_conv2d(x, w, stride=2),
                               rtol=1e-4, atol=1e-4)
    # One training call = PyTorch's power iteration from weight_u (v = W^T u, u = W v), then
    # weight_orig / sigma; this checks that weight_u went into vector_u the right way round.
    v1 = _normalize(w_mat.T @ u)
    u1 = _normalize(w_mat @ v1)
    sigma = u1 @ w_mat @ v1
    run_layer(d, "conv1", x, training=True)
    np.testing.assert_allclose(np.asarray(d.get_layer("conv1").vector_u)[0], u1, rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(np.asarray(d.get_layer("conv1").layer.kernel),
                               (w / sigma).transpose(2, 3, 1, 0), rtol=1e-4, atol=1e-5)
    # spectral_norm="eval": PyTorch eval mode, weight_orig / (u . W v) with the stored u, v.
    d2 = unet_discriminator_sn(num_features=4)
    load_state_dict(d2, sd, spectral_norm="eval")
    sigma0 = u @ w_mat @ v
    assert abs(sigma0 - 1) > 0.05  # the division is visible
    np.testing.assert_allclose(run_layer(d2, "conv1", x), torch_conv2d(x, w / sigma0, stride=2),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(np.asarray(d2.get_layer("conv0").kernel),
                                  sd["conv0.weight"].transpose(2, 3, 1, 0))
    no_v = {k: t for k, t in sd.items() if k != "conv5.weight_v"}
    with pytest.raises(ValueError, match="conv5.*weight_v"):
        load_state_dict(unet_discriminator_sn(num_features=4), no_v, spectral_norm="eval")
    load_state_dict(unet_discriminator_sn(num_features=4), no_v)  # optional otherwise
    with pytest.raises(ValueError, match="spectral_norm"):
        load_state_dict(d2, sd, spectral_norm="normalized")


def _torch_pixel_shuffle(x, r):
    n, c, h, w = x.shape
    return x.reshape(n, c // (r * r), r, r, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(
        n, c // (r * r), h * r, w * r)


def _torch_bilinear(x, s):  # align_corners=False
    def m(n):
        out = np.zeros((n * s, n))
        for d in range(n * s):
            src = max((d + 0.5) / s - 0.5, 0.0)
            i0 = int(src)
            out[d, i0] += 1 - (src - i0)
            out[d, min(i0 + 1, n - 1)] += src - i0
        return out
    return np.einsum("ph,qw,nchw->ncpq", m(x.shape[2]), m(x.shape[3]), x)


def test_loaded_msrresnet_matches_numpy_forward_on_the_pytorch_tensors():
    sd = synthetic(msrresnet_keys(nf=4, nb=1), seed=7)
    g = msrresnet(num_blocks=1, num_features=4)
    load_state_dict(g, sd)
    x = np.random.default_rng(8).uniform(size=(1, 3, 3, 5))
    c = lambda name, t: torch_conv2d(t, sd[f"{name}.weight"], sd[f"{name}.bias"])  # noqa: E731
    lrelu = lambda t: np.where(t >= 0, t, 0.1 * t)  # noqa: E731
    feat = lrelu(c("conv_first", x))
    feat = feat + c("body.0.conv2", np.maximum(c("body.0.conv1", feat), 0))
    for i in (1, 2):
        feat = lrelu(_torch_pixel_shuffle(c(f"upconv{i}", feat), 2))
    want = c("conv_last", lrelu(c("conv_hr", feat))) + _torch_bilinear(x, 4)
    got = nchw(np.asarray(g(nchw_to_nhwc(x)), np.float64))
    assert got.shape == (1, 3, 12, 20)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------- wrappers, files
def test_unwrap_picks_params_ema_then_params_then_bare():
    sd = synthetic(msrresnet_keys(nf=4, nb=1), seed=9)
    other = synthetic(msrresnet_keys(nf=4, nb=1), seed=10)
    got, which = unwrap_checkpoint({"params_ema": sd, "params": other})
    assert which == "params_ema" and got.keys() == sd.keys()
    assert all(got[k] is sd[k] for k in sd)
    got, which = unwrap_checkpoint({"params_ema": sd, "params": other}, key="params")
    assert which == "params" and all(got[k] is other[k] for k in other)
    got, which = unwrap_checkpoint({"params": other})
    assert which == "params" and all(got[k] is other[k] for k in other)
    got, which = unwrap_checkpoint(sd)
    assert which is None and got == sd
    flat = {f"params_ema.{k}": t for k, t in sd.items()}
    flat.update({f"params.{k}": t for k, t in other.items()})
    got, which = unwrap_checkpoint(flat)
    assert which == "params_ema" and all(got[k] is sd[k] for k in sd)
    with pytest.raises(ValueError, match="no 'net_g'.*params"):
        unwrap_checkpoint({"params": other}, key="net_g")
    with pytest.raises(ValueError, match="key="):
        unwrap_checkpoint({"state_dict": sd})
    g = msrresnet(num_blocks=1, num_features=4)
    with pytest.raises(ValueError, match="wrapped in 'params_ema'"):
        load_state_dict(g, {"params_ema": sd})


def _to_old_esrgan(sd):
    """BasicSR names -> xinntao/ESRGAN's RRDBNet_arch.py names (RRDB_ESRGAN_x4.pth)."""
    old = {}
    for k, t in sd.items():
        parts = k.split(".")
        if parts[0] == "body":
            k = ".".join(["RRDB_trunk", parts[1], parts[2].replace("rdb", "RDB")]
                         + parts[3:])
        k = {"conv_body": "trunk_conv", "conv_up1": "upconv1", "conv_up2": "upconv2",
             "conv_hr": "HRconv"}.get(k.split(".")[0], k.split(".")[0]) + k[len(k.split(".")[0]):]
        old[k] = t
    return old


def test_old_esrgan_names_are_renamed_and_load(tmp_path):
    sd = synthetic(rrdbnet_keys(nf=16, nb=2, g=8), seed=11)
    old = _to_old_esrgan(sd)
    assert "RRDB_trunk.1.RDB3.conv5.weight" in old and "trunk_conv.bias" in old
    assert {"upconv1.weight", "upconv2.bias", "HRconv.weight", "conv_first.weight",
            "conv_last.bias"} <= old.keys()
    assert not any(k.startswith(("body.", "conv_body", "conv_up", "conv_hr")) for k in old)
    renamed = rename_old_esrgan_keys(old)
    assert renamed.keys() == sd.keys()
    safetensors_numpy.save_file(old, str(tmp_path / "RRDB_ESRGAN_x4.safetensors"))
    got, which = read_checkpoint(tmp_path / "RRDB_ESRGAN_x4.safetensors")
    assert which is None and got.keys() == sd.keys()
    g = rrdbnet(num_blocks=2, num_features=16, growth=8)
    load_state_dict(g, got)
    assert_loaded(g, sd)
    # Old names without the renaming are rejected, naming the first one.
    with pytest.raises(ValueError, match="unexpected key.*'RRDB_trunk.0.RDB1.conv1.weight'"):
        load_state_dict(g, old)
    # MSRResNet's own upconv1 / upconv2 are not "old ESRGAN" names: left alone.
    msr = synthetic(msrresnet_keys(nf=4, nb=1), seed=12)
    assert rename_old_esrgan_keys(msr).keys() == msr.keys()


def test_safetensors_round_trip_and_pth_without_torch(tmp_path, monkeypatch):
    sd = synthetic(unet_keys(nf=4), seed=13)
    path = tmp_path / "d.safetensors"
    safetensors_numpy.save_file(sd, str(path))
    got, which = read_checkpoint(str(path))
    assert which is None and got.keys() == sd.keys()
    for k in sd:
        assert got[k].dtype == sd[k].dtype
        np.testing.assert_array_equal(got[k], sd[k])
    d = unet_discriminator_sn(num_features=4)
    load_state_dict(d, got)
    assert_loaded(d, sd)
    # A flat file holding both wrappers (prefixes): params_ema first, or the one asked for.
    other = synthetic(unet_keys(nf=4), seed=14)
    both = {**{f"params_ema.{k}": t for k, t in sd.items()},
            **{f"params.{k}": t for k, t in other.items()}}
    safetensors_numpy.save_file(both, str(tmp_path / "both.safetensors"))
    got, which = read_checkpoint(tmp_path / "both.safetensors")
    assert which == "params_ema"
    np.testing.assert_array_equal(got["conv9.bias"], sd["conv9.bias"])
    got, which = read_checkpoint(tmp_path / "both.safetensors", key="params")
    assert which == "params"
    np.testing.assert_array_equal(got["conv9.bias"], other["conv9.bias"])
    # .pth / .pt without torch: a clear error (torch hidden even if it is installed).
    monkeypatch.setitem(sys.modules, "torch", None)
    for name in ("RealESRGAN_x4plus.pth", "model.pt"):
        (tmp_path / name).write_bytes(b"not read")
        with pytest.raises(ImportError, match=r"pip install torch.*safetensors"):
            read_checkpoint(tmp_path / name)
    with pytest.raises(ValueError, match=r"'\.h5'.*\.safetensors, \.pth or \.pt"):
        read_checkpoint(tmp_path / "weights.h5")


# ----------------------------------------------------------------------------- errors
@pytest.fixture(scope="module")
def small_g():
    return rrdbnet(num_blocks=2, num_features=16, growth=8, seed=0)


def _snapshot(model):
    return [np.asarray(w).copy() for w in model.weights]


def _unchanged(model, snap):
    return all(np.array_equal(np.asarray(w), s) for w, s in zip(model.weights, snap))


def test_missing_key_is_named_with_its_shape_and_nothing_is_assigned(small_g):
    sd = synthetic(rrdbnet_keys(nf=16, nb=2, g=8), seed=15)
    snap = _snapshot(small_g)
    one = {k: t for k, t in sd.items() if k != "body.1.rdb2.conv3.weight"}
    with pytest.raises(ValueError) as e:
        load_state_dict(small_g, one)
    msg = str(e.value)
    assert "1 key missing" in msg and "'body.1.rdb2.conv3.weight'" in msg, msg
    assert "body_1_rdb2_conv3/kernel" in msg and "(8, 32, 3, 3)" in msg, msg
    assert "other" not in msg and "unexpected" not in msg, msg
    assert _unchanged(small_g, snap)
    three = {k: t for k, t in one.items() if k not in ("conv_hr.bias", "conv_up2.weight")}
    with pytest.raises(ValueError, match=r"3 keys missing.*the first: 'body\.1\.rdb2\.conv3"
                                         r"\.weight'.*\(and 2 others\)"):
        load_state_dict(small_g, three)


def test_extra_key_is_named_with_its_shape(small_g):
    sd = synthetic(rrdbnet_keys(nf=16, nb=2, g=8), seed=16)
    extra = dict(sd)
    extra["body.0.rdb1.conv6.weight"] = np.zeros((8, 56, 3, 3), "float32")
    extra["conv_first.running_mean"] = np.zeros(16, "float32")
    snap = _snapshot(small_g)
    with pytest.raises(ValueError) as e:
        load_state_dict(small_g, extra)
    msg = str(e.value)
    assert "2 unexpected keys" in msg and "the first: 'body.0.rdb1.conv6.weight'" in msg, msg
    assert "(8, 56, 3, 3)" in msg and "no Keras layer named 'body_0_rdb1_conv6'" in msg, msg
    assert "(and 1 other)" in msg and "missing" not in msg, msg
    assert _unchanged(small_g, snap)
    extra.pop("body.0.rdb1.conv6.weight")
    with pytest.raises(ValueError, match=r"'conv_first.running_mean'.*takes only \['bias', "
                                         r"'weight'\]"):
        load_state_dict(small_g, extra)


def test_misshaped_key_is_named_with_expected_and_received_shapes(small_g):
    sd = synthetic(rrdbnet_keys(nf=16, nb=2, g=8), seed=17)
    bad = dict(sd)
    bad["conv_last.weight"] = np.zeros((4, 16, 3, 3), "float32")
    snap = _snapshot(small_g)
    with pytest.raises(ValueError) as e:
        load_state_dict(small_g, bad)
    msg = str(e.value)
    assert "1 mis-shaped key" in msg and "'conv_last.weight'" in msg, msg
    assert "expected PyTorch shape (3, 16, 3, 3), received (4, 16, 3, 3)" in msg, msg
    assert _unchanged(small_g, snap)
    # A Keras-layout (HWIO) kernel is caught too; mis-shaped keys raise even without strict.
    bad["conv_first.weight"] = sd["conv_first.weight"].transpose(2, 3, 1, 0)
    with pytest.raises(ValueError, match=r"2 mis-shaped keys; the first: 'conv_first.weight': "
                                         r"expected PyTorch shape \(16, 3, 3, 3\), received "
                                         r"\(3, 3, 3, 16\) \(and 1 other\)"):
        load_state_dict(small_g, bad, strict=False)
    assert _unchanged(small_g, snap)


def test_non_strict_loads_what_matches_and_reports_the_rest():
    g = rrdbnet(num_blocks=2, num_features=16, growth=8, seed=0)
    sd = synthetic(rrdbnet_keys(nf=16, nb=2, g=8), seed=18)
    before = np.asarray(g.get_layer("body_1_rdb2_conv3").kernel).copy()
    part = {k: t for k, t in sd.items() if k not in ("body.1.rdb2.conv3.weight", "conv_hr.bias")}
    part["extra.weight"] = np.zeros(3, "float32")
    result = load_state_dict(g, part, strict=False)
    assert result.missing_keys == ["body.1.rdb2.conv3.weight", "conv_hr.bias"]
    assert result.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(np.asarray(g.get_layer("body_1_rdb2_conv3").kernel), before)
    for key in ("conv_first.weight", "body.1.rdb2.conv3.bias", "conv_hr.weight"):
        var, f = keras_value(g, key)
        np.testing.assert_array_equal(np.asarray(var), f(sd[key]))


# ----------------------------------------------------------------------------- load_official
def test_official_model_table():
    builders = {name: (b.__name__, kw) for name, (b, kw) in OFFICIAL_MODELS.items()}
    assert builders == {
        "RRDB_ESRGAN_x4": ("rrdbnet", {}), "RRDB_PSNR_x4": ("rrdbnet", {}),
        "RealESRGAN_x4plus": ("rrdbnet", {}), "RealESRNet_x4plus": ("rrdbnet", {}),
        "RealESRGAN_x2plus": ("rrdbnet", {"scale": 2}),
        "RealESRGAN_x4plus_anime_6B": ("rrdbnet", {"num_blocks": 6}),
        "MSRResNet_x4": ("msrresnet", {}), "MSRGAN_x4": ("msrresnet", {}),
    }
    with pytest.raises(ValueError, match=r"Unknown released model 'RealESRGAN_x8'; known: ") as e:
        load_official("RealESRGAN_x8", "unused.pth")
    assert all(name in str(e.value) for name in OFFICIAL_MODELS)


def test_load_official_anime_6b_full_size(tmp_path):
    keys = rrdbnet_keys(nb=6)
    assert sum(math.prod(s) for _, s in keys) == 4_467_779
    sd = synthetic(keys, seed=19)
    sd = {k: t * 0.1 for k, t in sd.items()}  # keep 6 x 3 dense blocks from blowing up
    path = tmp_path / "RealESRGAN_x4plus_anime_6B.safetensors"
    safetensors_numpy.save_file({f"params_ema.{k}": t for k, t in sd.items()}, str(path))
    g = load_official("RealESRGAN_x4plus_anime_6B", path)
    assert g.name == "RealESRGAN_x4plus_anime_6B"
    np.testing.assert_array_equal(np.asarray(g.get_layer("body_5_rdb3_conv5").kernel),
                                  sd["body.5.rdb3.conv5.weight"].transpose(2, 3, 1, 0))
    np.testing.assert_array_equal(np.asarray(g.get_layer("conv_last").bias), sd["conv_last.bias"])
    y = np.asarray(g(np.random.default_rng(0).uniform(size=(1, 8, 8, 3)).astype("float32")))
    assert y.shape == (1, 32, 32, 3) and np.isfinite(y).all()
    # The full-size x4 dict does not fit the 6-block network: named, strictly.
    # A 7-block dict does not fit the 6-block network: its 30 extra keys are reported (a
    # .safetensors file lists its keys sorted, so the first is the bias).
    safetensors_numpy.save_file(synthetic(rrdbnet_keys(nb=7), seed=20),
                                str(tmp_path / "7b.safetensors"))
    with pytest.raises(ValueError, match=r"30 unexpected keys.*the first: "
                                         r"'body\.6\.rdb1\.conv1\.bias'.*\(and 29 others\)"):
        load_official("RealESRGAN_x4plus_anime_6B", tmp_path / "7b.safetensors")
