"""Tests for keras_gans/upscale.py and ``python -m zoo.upscale``.

The SavedModels are loaded in a clean subprocess (TensorFlow only, no keras_gans import), as a
serving client would. The command runs end to end on a synthetic full-size
RealESRGAN_x4plus_anime_6B checkpoint whose keys and PyTorch shapes are written out here from
BasicSR's ``RRDBNet.__init__`` (independently of convert.py).
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import upscale
from keras_gans.export import read_metadata
from keras_gans.testing.official_keys import rrdbnet_keys
from keras_gans.networks.super_resolution import rrdbnet

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}

_CLIENT = r"""
import json, sys
import numpy as np
import tensorflow as tf

jobs = json.loads(sys.argv[1])
out = {}
for name, job in jobs.items():
    loaded = tf.saved_model.load(job["path"])
    sig = loaded.signatures
    out[name + "/signatures"] = np.array(sorted(sig))
    inputs = np.load(job["inputs"])
    for key in inputs.files:
        x = tf.constant(inputs[key])
        out[f"{name}/{key}/serving_default"] = sig["serving_default"](images=x)["images"].numpy()
        for tile, overlap in job["tiled"]:
            out[f"{name}/{key}/tiled_{tile}_{overlap}"] = sig["tiled"](
                images=x, tile_size=tf.constant(tile), overlap=tf.constant(overlap))["images"].numpy()
            u8 = tf.constant(np.round(inputs[key] * 255).astype(np.uint8))
            out[f"{name}/{key}/uint8_{tile}_{overlap}"] = sig["uint8"](
                images=u8, tile_size=tf.constant(tile), overlap=tf.constant(overlap))["images"].numpy()
np.savez(sys.argv[2], **out)
print("keras_gans" in sys.modules)
"""


def _run_client(tmp_path, jobs):
    result_file = str(tmp_path / "client_out.npz")
    proc = subprocess.run([sys.executable, "-c", _CLIENT, json.dumps(jobs), result_file],
                          capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "False"  # no project code in the client
    return dict(np.load(result_file))


def _small_receptive_field_net(seed=0):
    """conv3x3 (LR) -> nearest x4 -> conv3x3 (HR): receptive radius 1.25 input pixels; zero
    padding disturbs the outer 5 output pixels of a tile, less than the 8 zero-weight output
    pixels of an overlap of 8 at x4 (``8 * 4 * (1 - 0.5) / 2``): tiling is exact."""
    init = keras.initializers.RandomNormal(stddev=0.5, seed=seed)
    x = inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", kernel_initializer=init,
                            bias_initializer=keras.initializers.Constant(0.3))(x)
    x = keras.layers.UpSampling2D(4)(x)
    x = keras.layers.Conv2D(3, 3, padding="same", kernel_initializer=init)(x)
    return keras.Model(inputs, x)


def test_exported_upscaler_in_a_clean_process(tmp_path):
    rng = np.random.default_rng(0)
    g = rrdbnet(scale=4, num_blocks=1, num_features=8, growth=4, seed=0)
    small = _small_receptive_field_net()
    one_tile = rng.uniform(size=(2, 16, 16, 3)).astype("float32")  # exactly one 16-pixel tile
    smaller = rng.uniform(size=(1, 12, 10, 3)).astype("float32")  # padded to a tile
    large = rng.uniform(size=(1, 40, 56, 3)).astype("float32")
    np.savez(tmp_path / "g_in.npz", one_tile=one_tile, smaller=smaller, large=large)
    np.savez(tmp_path / "s_in.npz", large=large)
    g_path = upscale.export_upscaler(g, str(tmp_path / "g"), 4, "tiny_rrdb", default_tile=16,
                                     default_overlap=4)
    s_path = upscale.export_upscaler(small, str(tmp_path / "s"), 4, "small_rf", default_tile=20,
                                     default_overlap=8)
    assert g_path == str(tmp_path / "g" / "1")
    assert read_metadata(g_path) == {
        "task": "super_resolution", "scale": 4, "input_range": [0, 1], "output_range": [0, 1],
        "name": "tiny_rrdb", "default_tile": 16, "default_overlap": 4, "batch_size": 4}
    got = _run_client(tmp_path, {
        "g": {"path": g_path, "inputs": str(tmp_path / "g_in.npz"), "tiled": [[24, 8], [64, 0]]},
        "s": {"path": s_path, "inputs": str(tmp_path / "s_in.npz"), "tiled": [[20, 0]]},
    })
    assert list(got["g/signatures"]) == ["serving_default", "tiled", "tiles", "uint8"]

    def whole(model, x):
        return np.asarray(model(x, training=False))

    # One tile: the generator's own output, clipped. The random network does leave [0, 1],
    # so the clipping is exercised.
    raw = whole(g, one_tile)
    assert raw.min() < 0 or raw.max() > 1
    np.testing.assert_allclose(got["g/one_tile/serving_default"], np.clip(raw, 0, 1), atol=1e-5)
    # Smaller than a tile: reflection-padded to one tile at the bottom/right, output cropped.
    padded = np.pad(smaller, [(0, 0), (0, 4), (0, 6), (0, 0)], mode="reflect")
    np.testing.assert_allclose(got["g/smaller/serving_default"],
                               np.clip(whole(g, padded), 0, 1)[:, :48, :40], atol=1e-5)
    # ... which is not the zero-padded whole-image output: the check above can fail.
    assert np.abs(got["g/smaller/serving_default"] - np.clip(whole(g, smaller), 0, 1)).max() > 1e-3

    for key in ("g/one_tile/serving_default", "g/smaller/serving_default",
                "g/large/serving_default", "g/large/tiled_24_8", "s/large/serving_default"):
        y = got[key]
        x = {"one_tile": one_tile, "smaller": smaller, "large": large}[key.split("/")[1]]
        assert y.shape == (x.shape[0], 4 * x.shape[1], 4 * x.shape[2], 3), key
        assert y.dtype == np.float32 and y.min() >= 0 and y.max() <= 1, key

    # The documented guarantee: receptive radius (1.25) <= overlap / 4 (2): the tiled output
    # (3 x 4 tiles of 20 pixels) is the whole-image output, everywhere.
    ref = np.clip(whole(small, large), 0, 1)
    np.testing.assert_allclose(got["s/large/serving_default"], ref, atol=1e-5)
    # Without overlap the seams show: the check above can fail.
    assert np.abs(got["s/large/tiled_20_0"] - ref).max() > 1e-2

    # RRDBNet's receptive radius (17 input pixels for one block) exceeds the overlap: the
    # tiled output is only close to the whole image's. Measured max |diff| 6.6e-5 with
    # 24-pixel tiles, overlap 8 (6.4e-3 with overlap 0, 1.6e-3 with 16-pixel tiles, overlap 4).
    ref = np.clip(whole(g, large), 0, 1)
    d = np.abs(got["g/large/tiled_24_8"] - ref)
    assert d.max() < 5e-4, (d.max(), d.mean())
    assert d.max() > 0  # not trivially equal: the tiles did cut the image

    # The uint8 signature: 8-bit photos in, 8-bit out. It equals upscale_array (the command's
    # path) on the same tiles, and the float signature's output on image / 255, rounded.
    x8 = np.round(large * 255).astype(np.uint8)
    y8 = got["g/large/uint8_24_8"]
    assert y8.dtype == np.uint8 and y8.shape == (1, 160, 224, 3)
    np.testing.assert_array_equal(y8[0], upscale.upscale_array(g, x8[0], 4, tile_size=24, overlap=8))
    on_float = upscale.upscale_functions(g, 4, 16, 4)["tiled"](tf.constant(x8 / 255, tf.float32), 24, 8)
    assert np.abs(y8.astype(int) - np.round(on_float["images"].numpy() * 255)).max() <= 1
    assert np.abs(y8.astype(int) - np.round(got["g/large/tiled_24_8"] * 255)).max() >= 1  # x8 != large
    # A tile larger than the image: one reflection-padded tile, cropped.
    padded = np.pad(large, [(0, 0), (0, 24), (0, 8), (0, 0)], mode="reflect")
    np.testing.assert_allclose(got["g/large/tiled_64_0"],
                               np.clip(whole(g, padded), 0, 1)[:, :160, :224], atol=1e-5)


def test_bad_tile_settings_and_upscale_array_rounding():
    g = rrdbnet(scale=4, num_blocks=1, num_features=8, growth=4, seed=1)
    with pytest.raises(ValueError, match=r"default overlap must be .* received overlap=8, tile_size=16"):
        upscale.upscale_functions(g, 4, default_tile=16, default_overlap=8)
    with pytest.raises(ValueError, match="tile_size must be a positive multiple of 2"):
        upscale.upscale_functions(rrdbnet(scale=2, num_blocks=1, num_features=8, growth=4), 2,
                                  default_tile=15, default_overlap=2)
    with pytest.raises(InvalidArgumentErrorOrValue, match="overlap must be less than tile_size / 2"):
        upscale.upscale_functions(g, 4, 16, 4)["tiled"](tf.zeros([1, 8, 8, 3]), 8, 4)
    image = np.random.default_rng(2).integers(0, 256, size=(9, 13, 3), dtype=np.uint8)
    out = upscale.upscale_array(g, image, 4, tile_size=32, overlap=4)
    assert out.shape == (36, 52, 3) and out.dtype == np.uint8
    # One square tile of side max(H, W) = 13, reflection-padded; rounded as Real-ESRGAN.
    x = np.pad(image[None] / np.float32(255), [(0, 0), (0, 4), (0, 0), (0, 0)], mode="reflect")
    expect = (np.clip(np.asarray(g(x.astype("float32"))), 0, 1)[0, :36, :52] * 255).round()
    assert np.abs(out.astype(int) - expect).max() <= 1
    assert (out == expect).mean() > 0.99
    # Larger than the tile: tiled; shape and dtype.
    assert upscale.upscale_array(g, np.zeros((20, 9, 3), np.uint8), 4, 8, 2).shape == (80, 36, 3)


InvalidArgumentErrorOrValue = (tf.errors.InvalidArgumentError, ValueError)


# ----------------------------------------------------------------------------- the command
def _anime_6b_keys():  # BasicSR RRDBNet(3, 3, scale=4, 64, 6, 32)
    return rrdbnet_keys(nf=64, nb=6, g=32)


def _run(*flags):
    return subprocess.run([sys.executable, "-m", "zoo.upscale", *flags], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env=ENV)


def test_command_end_to_end(tmp_path):
    from PIL import Image
    from safetensors.numpy import save_file

    keys = _anime_6b_keys()
    assert sum(int(np.prod(s)) for _, s in keys) == 4_467_779  # the released model's size
    rng = np.random.default_rng(3)
    sd = {k: (rng.normal(scale=0.02, size=s) + (0.5 if k == "conv_last.bias" else 0))
          .astype("float32") for k, s in keys}
    weights = tmp_path / "RealESRGAN_x4plus_anime_6B.safetensors"
    save_file({f"params_ema.{k}": v for k, v in sd.items()}, str(weights))
    inputs = tmp_path / "in"
    inputs.mkdir()
    rgb = rng.integers(0, 256, size=(12, 20, 3), dtype=np.uint8)
    Image.fromarray(rgb, "RGB").save(inputs / "photo.png")
    Image.fromarray(rng.integers(0, 256, size=(12, 20), dtype=np.uint8), "L").save(inputs / "gray.png")
    rgba = rng.integers(0, 256, size=(12, 20, 4), dtype=np.uint8)
    Image.fromarray(rgba, "RGBA").save(inputs / "alpha.png")
    (inputs / "notes.txt").write_text("not an image")
    out = tmp_path / "out"
    proc = _run("--model=RealESRGAN_x4plus_anime_6B", f"--weights={weights}", f"--input={inputs}",
                f"--output_dir={out}", f"--export_dir={tmp_path / 'export'}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    progress = [line for line in lines if line.startswith("[")]
    assert len(progress) == 3 and progress[0].startswith("[1/3]") and progress[-1].endswith(" s)")
    assert sorted(os.listdir(out)) == ["alpha_x4.png", "gray_x4.png", "photo_x4.png"]
    modes = {"alpha_x4.png": "RGBA", "gray_x4.png": "L", "photo_x4.png": "RGB"}  # layouts are kept
    for name in os.listdir(out):
        with Image.open(out / name) as image:
            assert image.format == "PNG" and image.mode == modes[name] and image.size == (80, 48), name
    # The pixels: the network on the image as one reflection-padded 20 x 20 tile.
    from keras_gans.networks.convert import load_official

    g = load_official("RealESRGAN_x4plus_anime_6B", weights)
    x = np.pad(rgb[None] / np.float32(255), [(0, 0), (0, 8), (0, 0), (0, 0)], mode="reflect")
    expect = (np.clip(np.asarray(g(x.astype("float32"))), 0, 1)[0, :48] * 255).round()
    with Image.open(out / "photo_x4.png") as image:
        got = np.asarray(image).astype(int)
    assert np.abs(got - expect).max() <= 1 and 0 < expect.mean() < 255
    assert read_metadata(str(tmp_path / "export" / "1"))["name"] == "RealESRGAN_x4plus_anime_6B"


_ERRORS_CHILD = r"""
import contextlib, io, json, sys
from zoo import upscale
from zoo.common import cli

upscale.define_flags()
results = []
for argv in json.loads(sys.argv[1]):
    cli.FLAGS.unparse_flags()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = cli.main_with_errors(upscale.main)(cli.FLAGS(["zoo.upscale"] + argv))
    results.append([rc, err.getvalue()])
print(json.dumps(results))
"""


def test_command_user_errors(tmp_path):
    """Bad --model through ``python -m``; the other errors through the same main and error
    reporting in one child process (one TensorFlow start instead of five)."""
    from keras_gans.networks.convert import OFFICIAL_MODELS

    (tmp_path / "w.safetensors").write_bytes(b"")
    (tmp_path / "x.png").write_bytes(b"")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "a.txt").write_text("")
    base = {"--model": "RealESRGAN_x4plus", "--weights": f"{tmp_path}/w.safetensors",
            "--input": f"{tmp_path}/x.png", "--output_dir": f"{tmp_path}/out"}

    def argv(**changes):
        flags_ = {**base, **{f"--{k}": v for k, v in changes.items()}}
        return [f"{k}={v}" for k, v in flags_.items()]

    proc = _run(*argv(model="RealESRGAN_x8"))
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith(
        "error: Unknown --model='RealESRGAN_x8'; known: MSRGAN_x4, "), proc.stderr[-2000:]
    assert all(name in errors[0] for name in OFFICIAL_MODELS)

    cases = [
        (argv(weights="/nonexistent.pth"), "--weights='/nonexistent.pth': no such file"),
        (argv(input=f"{tmp_path}/w.safetensors"), "is neither a directory nor a PNG/JPEG image"),
        (argv(input=f"{tmp_path}/missing.png"), "does not exist"),
        (argv(input=f"{tmp_path}/empty"), "is a directory without PNG/JPEG images"),
        (argv(model="RealESRGAN_x2plus", tile_size=15),
         "--tile_size must be a positive multiple of 2 for RealESRGAN_x2plus; received 15"),
        (argv(tile_size=0), "--tile_size must be positive"),
        (argv(overlap=8, tile_size=16), "--overlap must satisfy 0 <= overlap < tile_size / 2"),
    ]
    proc = subprocess.run([sys.executable, "-c", _ERRORS_CHILD, json.dumps([c for c, _ in cases])],
                          cwd=REPO, capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for (rc, err), (_, message) in zip(json.loads(proc.stdout.strip().splitlines()[-1]), cases):
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and lines[0].startswith("error: ") \
            and message in lines[0], (message, err)
