"""``python -m zoo.translate`` on exports of a tiny PairedTranslation (Pix2Pix: 1 -> 3
channels, dropout at test time seeded by its ``seed`` input) and a tiny UnpairedTranslation (CycleGAN: 3 channels, two
directions, no seed): names, sizes, modes and pixels of the outputs, unreadable files and
flag errors.

The expected pixels come from the exported signatures called here on inputs prepared here
(``/ 255 * 2 - 1``, the BT.601 luma for the 1-channel model, gray repeated for the 3-channel
one, alpha dropped), independently of the command's channel handling. Three Python processes
in all (each pays TensorFlow's import): two ``python -m zoo.translate`` runs and one child
that runs the command's ``main`` on several flag sets, as tests/zoo_upscale_command_test.py
does.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans.export import export_model
from keras_gans.models.translation import PairedTranslation
from keras_gans.models.unpaired import UnpairedTranslation
from keras_gans.networks.cyclegan import resnet_generator
from keras_gans.networks.patchgan import patchgan_discriminator
from keras_gans.networks.unet import unet_generator

# One worker builds the module fixture (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("zoo_translate_test")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
PNG_COLOR_TYPES = {0: "gray", 2: "RGB", 4: "gray+alpha", 6: "RGBA"}


def _paired():
    # 6 levels: the U-Net's dropout sits on levels 5 .. num_downs - 1, so 5 would have none.
    g = unet_generator((64, 64, 1), output_channels=3, base_filters=4, num_downs=6, seed=0)
    d = patchgan_discriminator((64, 64, 3), condition_shape=(64, 64, 1), base_filters=4,
                               num_layers=2, seed=0)
    return PairedTranslation(g, d, terms={"l1": ("l1", 100.0)}, seed=0, name="tiny_pix2pix")


def _unpaired(seed):
    shape = (16, 16, 3)
    return UnpairedTranslation(
        resnet_generator(shape, 3, base_filters=4, num_blocks=1, seed=seed),
        patchgan_discriminator(shape, base_filters=4, num_layers=1, normalization="instance",
                               seed=seed + 2),
        resnet_generator(shape, 3, base_filters=4, num_blocks=1, seed=seed + 1),
        patchgan_discriminator(shape, base_filters=4, num_layers=1, normalization="instance",
                               seed=seed + 3),
        pool_size=0, seed=seed, name=f"tiny_cyclegan_{seed}")


def _run(*flags):
    return subprocess.run([sys.executable, "-m", "zoo.translate", *flags], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env=ENV)


def _read(path):
    """``(array [H, W, C], layout, bit depth)`` of a written PNG (layout from its IHDR)."""
    data = open(path, "rb").read()
    depth, layout = data[24], PNG_COLOR_TYPES[data[25]]
    array = tf.io.decode_png(data, channels=0, dtype=tf.uint16 if depth == 16 else tf.uint8)
    return array.numpy(), layout, depth


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("translate_command")
    paired = export_model(_paired(), str(root / "pix2pix"))
    # Two versions with different weights: the command must take the highest.
    old = export_model(_unpaired(10), str(root / "cyclegan"))
    cyclegan = export_model(_unpaired(0), str(root / "cyclegan"))
    assert (old, cyclegan) == (str(root / "cyclegan" / "1"), str(root / "cyclegan" / "2"))
    rng = np.random.default_rng(0)
    images = {"rgb": rng.integers(0, 256, (20, 28, 3), dtype=np.uint8),
              "gray": rng.integers(0, 256, (13, 9, 1), dtype=np.uint8),
              "rgba": rng.integers(0, 256, (18, 11, 4), dtype=np.uint8)}
    inputs = root / "in"
    inputs.mkdir()
    for name, a in images.items():
        Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a).save(inputs / f"{name}.png")
    (inputs / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really" * 10)
    (inputs / "notes.txt").write_text("not an image")
    gray16 = rng.integers(0, 65536, (12, 100, 1), dtype=np.uint16)
    (root / "gray16.png").write_bytes(tf.io.encode_png(gray16).numpy())
    images["gray16"] = gray16
    return {"root": root, "inputs": inputs, "images": images, "paired": paired,
            "cyclegan": cyclegan, "old": old,
            "signatures": {p: tf.saved_model.load(p).signatures for p in (paired, cyclegan, old)}}


def _model_input(a, channels):
    """What the model must see for the image ``a``: [-1, 1], alpha dropped, channels fitted."""
    x = a.astype(np.float32) / np.float32(65535 if a.dtype == np.uint16 else 255)
    if x.shape[-1] in (2, 4):
        x = x[..., :-1]
    if x.shape[-1] == 3 and channels == 1:
        x = (x @ LUMA)[..., None]
    elif x.shape[-1] == 1 and channels == 3:
        x = np.repeat(x, 3, -1)
    return tf.constant(x[None] * 2 - 1)


def _expected(signature, a, channels, **inputs):
    y = signature(images=_model_input(a, channels), **inputs)["images"].numpy()[0]
    top = 65535.0 if a.dtype == np.uint16 else 255.0
    return (np.clip((y + 1) / 2, 0, 1) * top).round().astype(np.int64)


def _close(got, expect, name):
    diff = np.abs(got.astype(np.int64) - expect)
    assert diff.max() <= 1, (name, diff.max())
    assert expect.std() > 2, name  # not a constant image


def test_paired_folder_with_a_seed_and_a_corrupt_file(setup):
    root, inputs, images = setup["root"], setup["inputs"], setup["images"]
    out = root / "out_pix2pix"
    proc = _run(f"--model={root / 'pix2pix'}", f"--input={inputs}", f"--output={out}",
                "--seed=3")
    assert proc.returncode == 1, proc.stderr[-3000:]
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(errors) == 2 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert errors[0].startswith(f"error: {inputs / 'corrupt.png'}: not a readable PNG/JPEG")
    assert errors[1] == (f"error: 1 of 4 input files could not be read: {inputs / 'corrupt.png'}"
                         f"; the others were written")
    # Exactly the outputs (no temporary file left), named <stem>_translated.png.
    assert sorted(os.listdir(out)) == ["gray_translated.png", "rgb_translated.png",
                                       "rgba_translated.png"]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"Loaded the SavedModel {setup['paired']} (tiny_pix2pix; "
                               f"signature 'serving_default', 1 -> 3 channels)")
    progress = [line for line in lines if line.startswith("[")]
    assert len(progress) == 3 and all("/4] " in line and line.endswith(" s)") for line in progress)
    assert any("rgb.png 28x20 RGB -> " in line and "28x20 RGB (1 tile, " in line
               for line in progress)
    assert "note: rgba.png: its alpha channel is dropped (translating alpha is not " \
           "meaningful); the output has none" in lines
    assert "note: rgb.png: RGB converted to gray (BT.601 luma) for the model's 1 input " \
           "channel" in lines

    serve = setup["signatures"][setup["paired"]]["serving_default"]
    seed = tf.constant(3, tf.int32)
    for name in ("rgb", "gray", "rgba"):
        got, layout, depth = _read(out / f"{name}_translated.png")
        a = images[name]
        assert (layout, depth, got.shape) == ("RGB", 8, a.shape[:2] + (3,)), name
        _close(got, _expected(serve, a, 1, seed=seed), name)
    # The seed reaches the model: the dropout noise of seed 4 gives other pixels.
    got = _read(out / "rgb_translated.png")[0].astype(np.int64)
    other = _expected(serve, images["rgb"], 1, seed=tf.constant(4, tf.int32))
    assert np.abs(got - other).max() > 5


def test_direction_on_a_one_direction_export_is_a_one_line_error(setup):
    root = setup["root"]
    proc = _run(f"--model={root / 'pix2pix'}", f"--input={setup['inputs']}",
                f"--output={root / 'never'}", "--direction=b_to_a")
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [f"error: --direction is for exports that translate both ways (CycleGAN: "
                     f"a_to_b, b_to_a); tiny_pix2pix at --model='{root / 'pix2pix'}' (its "
                     f"highest version, {setup['paired']}) translates one way: drop --direction."]
    assert not (root / "never").exists()


_CHILD = r"""
import contextlib, io, json, sys
from zoo import translate
from zoo.common import cli

translate.define_flags()
results = []
for argv in json.loads(sys.argv[1]):
    cli.FLAGS.unparse_flags()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main_with_errors(translate.main)(cli.FLAGS(["zoo.translate"] + argv))
    results.append([rc, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def test_cyclegan_directions_16_bits_and_flag_errors(setup):
    """One child process: CycleGAN b_to_a through the tiled signature on the folder, a_to_b
    on one file to a .png path (with a --seed it ignores), Pix2Pix on a 16-bit gray file,
    then flag errors that must be one clean line each (exit code 2)."""
    root, inputs, images = setup["root"], setup["inputs"], setup["images"]
    cyclegan, pix2pix = root / "cyclegan", root / "pix2pix"
    (root / "sr" / "assets.extra").mkdir(parents=True)
    (root / "sr" / "saved_model.pb").write_bytes(b"")
    (root / "sr" / "assets.extra" / "keras_gans.json").write_text(
        '{"task": "super_resolution", "scale": 4}')
    (root / "dcgan" / "1" / "assets.extra").mkdir(parents=True)
    (root / "dcgan" / "1" / "saved_model.pb").write_bytes(b"")
    (root / "dcgan" / "1" / "assets.extra" / "keras_gans.json").write_text(
        '{"name": "dcgan", "latent_dim": 100}')
    never = [f"--input={inputs}", f"--output={root / 'never'}"]
    runs = [
        ([f"--model={cyclegan}", f"--input={inputs}", f"--output_dir={root / 'out_ba'}",
          "--direction=b_to_a", "--tile_size=16", "--overlap=4"], 1),
        ([f"--model={cyclegan}", f"--input={inputs / 'rgb.png'}",
          f"--output={root / 'single' / 'zebra.png'}", "--seed=5"], 0),
        ([f"--model={pix2pix / '1'}", f"--input={root / 'gray16.png'}",
          f"--output={root / 'out16'}", "--tile_size=40", "--overlap=4"], 0),
    ]
    errors = [
        ([f"--model={root / 'sr'}", *never],
         f"--model='{root / 'sr'}' is a super-resolution export (x4), not an image-to-image "
         f"one: upscale with python -m zoo.upscale --model={root / 'sr'} "),
        ([f"--model={root / 'dcgan'}", *never],
         "is not an image-to-image export (its metadata has task=None): a latent generator"),
        ([f"--model={pix2pix}", f"--output={root / 'never'}"], "--input is required."),
        ([f"--model={root / 'missing'}", *never], f"--model='{root / 'missing'}' does not exist"),
        ([f"--model={cyclegan}", "--direction=c_to_d", *never],
         "--direction='c_to_d' is not a direction of --model="),
        ([f"--model={pix2pix}", "--overlap=4", *never], "--overlap needs --tile_size"),
        ([f"--model={pix2pix}", "--tile_size=16", "--overlap=8", *never],
         "--overlap must satisfy 0 <= overlap < tile_size / 2"),
        ([f"--model={pix2pix}", f"--input={inputs}", f"--output={root / 'never.png'}"],
         "names a .png file but --input is a directory"),
    ]
    argvs = [argv for argv, _ in runs] + [argv for argv, _ in errors]
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(argvs)], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for (rc, out, err), (argv, want) in zip(results, runs):
        assert rc == want and "Traceback" not in err, (argv, rc, err)

    # b_to_a, tiled, on the folder: version 2's b_to_a network, the corrupt file reported.
    rc, out, err = results[0]
    assert f"{inputs / 'corrupt.png'}: not a readable" in err.splitlines()[0]
    assert out.splitlines()[0].startswith(f"Loaded the SavedModel {setup['cyclegan']} "
                                          f"(tiny_cyclegan_0; b_to_a: signature 'tiled_b_to_a'")
    assert "(4 tiles, " in out and "note: gray.png: gray repeated to RGB" in out
    assert sorted(os.listdir(root / "out_ba")) == ["gray_b_to_a.png", "rgb_b_to_a.png",
                                                   "rgba_b_to_a.png"]
    sigs, old = setup["signatures"][setup["cyclegan"]], setup["signatures"][setup["old"]]
    tiles = {"tile_size": tf.constant(16), "overlap": tf.constant(4)}
    for name in ("rgb", "gray", "rgba"):
        got, layout, depth = _read(root / "out_ba" / f"{name}_b_to_a.png")
        a = images[name]
        assert (layout, depth, got.shape) == ("RGB", 8, a.shape[:2] + (3,)), name
        _close(got, _expected(sigs["tiled_b_to_a"], a, 3, **tiles), name)
    ba = _read(root / "out_ba" / "rgb_b_to_a.png")[0].astype(np.int64)
    assert np.abs(ba - _expected(old["tiled_b_to_a"], images["rgb"], 3, **tiles)).max() > 5

    # a_to_b (the default) on one file to the given path; the seed is ignored with a note.
    rc, out, err = results[1]
    assert os.listdir(root / "single") == ["zebra.png"]
    assert "note: --seed is ignored: the signature 'serving_default' takes no seed" in out
    got, layout, depth = _read(root / "single" / "zebra.png")
    assert (layout, depth, got.shape) == ("RGB", 8, (20, 28, 3))
    _close(got, _expected(sigs["serving_default"], images["rgb"], 3), "a_to_b")
    assert np.abs(got.astype(np.int64) - ba).max() > 5  # the other network

    # 16-bit gray in, 16-bit RGB out, through Pix2Pix's tiled signature with seed 0; tiles of
    # 40 are 64 for a U-Net of 6 levels.
    rc, out, err = results[2]
    assert os.listdir(root / "out16") == ["gray16_translated.png"]
    got, layout, depth = _read(root / "out16" / "gray16_translated.png")
    assert (layout, depth, got.shape) == ("RGB", 16, (12, 100, 3))
    tiled = setup["signatures"][setup["paired"]]["tiled"]
    expect = _expected(tiled, images["gray16"], 1, seed=tf.constant(0), tile_size=tf.constant(40),
                       overlap=tf.constant(4))
    _close(got, expect, "gray16")
    assert "100x12 gray 16-bit -> " in out and "100x12 RGB 16-bit (2 tiles, " in out
    assert "note: --tile_size=40 is rounded up to 64 by the model" in out

    for (rc, out, err), (argv, message) in zip(results[len(runs):], errors):
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and lines[0].startswith("error: ") \
            and message in lines[0], (message, rc, err)
    assert not (root / "never").exists() and not (root / "never.png").exists()
