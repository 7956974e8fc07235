"""``python -m zoo.upscale`` with an exported SavedModel as ``--model``: image modes, 16 bits,
``--outscale``, ``--output``, unreadable files, atomic writes and flag errors.

A tiny RRDBNet (its last bias raised by 0.5 and kernel scaled by 4, so that its output
covers [0, 1] instead of being clipped to 0) is exported twice (versions 1 and 2, different
weights); the command is pointed at the base directory and must use version 2. The expected
pixels are computed here from the exported functions' Python twin
(:func:`keras_gans.upscale.upscale_functions`' ``tiled``), independently of the command's
channel handling. Four Python processes in all (each pays TensorFlow's import): three
``python -m zoo.upscale`` runs and one child that runs the command's ``main`` on several
flag sets, as tests/upscale_test.py does. The released-name path (``--weights``) is tested
in tests/upscale_test.py.
"""

import contextlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import upscale
from keras_gans.networks.super_resolution import rrdbnet
from zoo import upscale as command

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
TILE, OVERLAP = 16, 4
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def _network(seed):
    g = rrdbnet(scale=4, num_blocks=1, num_features=8, growth=4, seed=seed)
    last = g.get_layer("conv_last")
    kernel, bias = last.get_weights()
    last.set_weights([kernel * 4, bias + 0.5])
    return g


def _run(*flags):
    return subprocess.run([sys.executable, "-m", "zoo.upscale", *flags], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env=ENV)


def _error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("error:")]


PNG_COLOR_TYPES = {0: "gray", 2: "RGB", 4: "gray+alpha", 6: "RGBA"}


def _read(path):
    """``(array [H, W, C], layout, bit depth)`` of a written PNG: layout from its IHDR colour
    type (PIL reads 16-bit RGB as 8-bit RGB and 16-bit LA as RGBA), PIL's mode for 8 bits."""
    data = open(path, "rb").read()
    depth, layout = data[24], PNG_COLOR_TYPES[data[25]]
    if depth == 8:
        with Image.open(path) as image:
            layout = image.mode
    array = tf.io.decode_png(data, channels=0, dtype=tf.uint16 if depth == 16 else tf.uint8).numpy()
    return array, layout, depth


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("upscale_command")
    old, g = _network(0), _network(1)
    base = root / "export"
    for version, (network, name) in enumerate([(old, "tiny_v1"), (g, "tiny_v2")], 1):
        path = upscale.export_upscaler(network, str(base), 4, name, default_tile=TILE,
                                       default_overlap=OVERLAP)
        assert path == str(base / str(version))
    rng = np.random.default_rng(0)
    images = {
        "rgb": rng.integers(0, 256, (20, 28, 3), dtype=np.uint8),  # 2 x 2 tiles of 16
        "gray": rng.integers(0, 256, (13, 9, 1), dtype=np.uint8),  # one 13-pixel tile
        "la": rng.integers(0, 256, (8, 8, 2), dtype=np.uint8),
        "gray16": rng.integers(0, 65536, (7, 10, 1), dtype=np.uint16),
        "rgb16": rng.integers(0, 65536, (6, 8, 3), dtype=np.uint16),
    }
    rgba = rng.integers(0, 256, (18, 11, 4), dtype=np.uint8)  # 2 x 1 tiles
    ramp = np.linspace(0, 255, 11)[None] * np.ones((18, 1))
    rgba[..., 3] = np.clip(ramp + rng.normal(0, 30, (18, 11)), 0, 255).round()  # nontrivial alpha
    images["rgba"] = rgba
    inputs = root / "in"
    inputs.mkdir()
    for name in ("rgb", "gray", "la", "rgba"):
        a = images[name]
        Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a).save(inputs / f"{name}.png")
    Image.fromarray(images["gray16"][..., 0]).save(inputs / "gray16.png")  # PIL: I;16
    (inputs / "rgb16.png").write_bytes(tf.io.encode_png(images["rgb16"]).numpy())
    with Image.open(inputs / "gray16.png") as im:
        assert im.mode == "I;16"
    (inputs / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really" * 10)
    whole = (inputs / "rgb.png").read_bytes()
    (inputs / "truncated.png").write_bytes(whole[: len(whole) // 2])
    (inputs / "notes.txt").write_text("not an image")
    good = root / "good"  # the same good images without the broken ones
    good.mkdir()
    for name in ("rgb", "gray16"):
        (good / f"{name}.png").write_bytes((inputs / f"{name}.png").read_bytes())
    return {"root": root, "base": base, "g": g, "old": old, "images": images, "inputs": inputs,
            "good": good}


_TILED = {}


def _expected_float(g, array):
    """What the command should compute, in float [0, 1]: RGB through the network; a gray or
    alpha plane repeated to RGB and brought back with the BT.601 luma; tiles as
    upscale_array plans them (one tile of side max(H, W) when the image fits in one)."""
    if g not in _TILED:
        _TILED[g] = upscale.upscale_functions(g, 4, 16, 4)["tiled"]
    tiled = _TILED[g]
    h, w, c = array.shape
    tile, overlap = (TILE, OVERLAP) if max(h, w) > TILE else (max(h, w), 0)
    x = array.astype(np.float32) / np.float32(65535 if array.dtype == np.uint16 else 255)

    def net(rgb):
        y = tiled(tf.constant(rgb[None]), tile, overlap)["images"].numpy()[0]
        return np.clip(y, 0, 1)

    def plane(p):
        return np.clip(net(np.repeat(p[..., None], 3, -1)) @ LUMA, 0, 1)[..., None]

    if c == 3:
        return net(x)
    parts = [net(x[..., :3])] if c == 4 else [plane(x[..., 0])]
    if c in (2, 4):
        parts.append(plane(x[..., -1]))
    return np.concatenate(parts, -1)


def _quantize(y, dtype):
    return (y * (65535.0 if dtype == np.uint16 else 255.0)).round().astype(dtype)


def _lanczos(y, height, width):
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(y[..., c]), "F").resize(
        (width, height), Image.LANCZOS)) for c in range(y.shape[-1])]
    return np.clip(np.stack(planes, -1), 0, 1)


MODES = {"rgb": ("RGB", 8), "gray": ("L", 8), "la": ("LA", 8), "rgba": ("RGBA", 8),
         "gray16": ("gray", 16), "rgb16": ("RGB", 16)}


def test_folder_with_an_export_keeps_modes_and_reports_bad_files(setup):
    out = setup["root"] / "out"
    proc = _run(f"--model={setup['base']}", f"--input={setup['inputs']}", f"--output={out}",
                f"--tile_size={TILE}", f"--overlap={OVERLAP}")
    # The two broken files are named, the others written, and the exit code is 1.
    assert proc.returncode == 1, proc.stderr[-3000:]
    errors = _error_lines(proc.stderr)
    assert len(errors) == 3, proc.stderr[-3000:]
    assert errors[0].startswith(f"error: {setup['inputs'] / 'corrupt.png'}: not a readable")
    assert errors[1].startswith(f"error: {setup['inputs'] / 'truncated.png'}: not a readable")
    assert errors[2] == (f"error: 2 of 8 input files could not be read: "
                         f"{setup['inputs'] / 'corrupt.png'}, {setup['inputs'] / 'truncated.png'}"
                         f"; the others were written")
    assert "Traceback" not in proc.stderr
    # Exactly the outputs: no temporary file is left behind.
    assert sorted(os.listdir(out)) == sorted(f"{n}_x4.png" for n in MODES)
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith(f"Loaded the SavedModel {setup['base'] / '2'} (tiny_v2, x4)")
    progress = [line for line in lines if line.startswith("[")]
    assert len(progress) == 6 and all(line.endswith(" s)") for line in progress)
    assert sum(line.startswith("[") and "/8]" in line for line in progress) == 6
    by_name = {line.split()[1].rsplit("/", 1)[-1]: line for line in progress}
    assert "28x20 RGB -> " in by_name["rgb.png"] and "112x80 RGB (4 tiles, " in by_name["rgb.png"]
    assert upscale.tile_count(20, 28, TILE, OVERLAP) == 4
    assert "(2 tiles + as many for alpha, " in by_name["rgba.png"]
    assert "10x7 gray 16-bit -> " in by_name["gray16.png"] and "(1 tile, " in by_name["gray16.png"]

    g, images = setup["g"], setup["images"]
    for name, (mode, depth) in MODES.items():
        got, got_mode, got_depth = _read(out / f"{name}_x4.png")
        x = images[name]
        assert (got_mode, got_depth) == (mode, depth), name
        assert got.shape == (4 * x.shape[0], 4 * x.shape[1], x.shape[2]), name
        expect = _quantize(_expected_float(g, x), x.dtype)
        diff = np.abs(got.astype(np.int64) - expect)
        assert diff.max() <= 1 and (diff == 0).mean() > 0.99, (name, diff.max())
        assert expect.std() > (1000 if depth == 16 else 4), name  # not a clipped constant

    # RGB: exactly upscale_array on the same tiles, with version 2's network (not version 1's).
    rgb = _read(out / "rgb_x4.png")[0]
    np.testing.assert_array_equal(rgb, upscale.upscale_array(g, images["rgb"], 4, TILE, OVERLAP))
    assert np.abs(rgb.astype(int) - upscale.upscale_array(setup["old"], images["rgb"], 4, TILE,
                                                          OVERLAP)).max() > 10
    # RGBA: the colour planes are upscale_array's; the alpha plane is the network's upscaling
    # of the alpha (not e.g. a resize of it, nor a copy of the colour planes' luma).
    rgba = _read(out / "rgba_x4.png")[0]
    np.testing.assert_array_equal(rgba[..., :3], upscale.upscale_array(
        g, np.ascontiguousarray(images["rgba"][..., :3]), 4, TILE, OVERLAP))
    alpha = images["rgba"][..., 3:]
    expect_alpha = _quantize(_expected_float(g, alpha), np.uint8)
    assert np.abs(rgba[..., 3:].astype(int) - expect_alpha).max() <= 1
    nearest = np.repeat(np.repeat(alpha[..., 0], 4, 0), 4, 1).astype(int)
    assert np.abs(rgba[..., 3].astype(int) - nearest).max() > 5  # through the network, not resized
    luma = (rgba[..., :3] @ LUMA).round()
    assert np.abs(rgba[..., 3] - luma).max() > 5  # its own plane, not the colour planes' luma


def test_outscale_to_a_png_file(setup):
    """--outscale=3.5 on one RGBA file, --output a .png path, --model a version directory:
    round(3.5 * 18) x round(3.5 * 11) = 63 x 39 (38.5 rounds up), Lanczos after the x4."""
    target = setup["root"] / "single" / "up.png"
    proc = _run(f"--model={setup['base'] / '2'}", f"--input={setup['inputs'] / 'rgba.png'}",
                f"--output={target}", "--outscale=3.5", f"--tile_size={TILE}",
                f"--overlap={OVERLAP}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert os.listdir(target.parent) == ["up.png"]
    got, mode, depth = _read(target)
    assert (mode, depth, got.shape) == ("RGBA", 8, (63, 39, 4))
    native = _expected_float(setup["g"], setup["images"]["rgba"])
    expect = _quantize(_lanczos(native, 63, 39), np.uint8)
    assert np.abs(got.astype(int) - expect).max() <= 1
    assert f"-> {target} 39x63 RGBA (2 tiles + as many for alpha, " in proc.stdout


def test_unknown_model_path_is_a_clean_error(setup):
    proc = _run(f"--model={setup['root'] / 'no_such_export'}", f"--input={setup['inputs']}",
                f"--output={setup['root'] / 'never'}")
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr[-2000:]
    line = lines[0]
    assert line.startswith(f"error: Unknown --model='{setup['root'] / 'no_such_export'}'; known: ")
    assert "RealESRGAN_x4plus" in line and "saved_model.pb" in line
    assert "assets.extra/keras_gans.json" in line and '"task" is "super_resolution"' in line
    assert not (setup["root"] / "never").exists()


_CHILD = r"""
import contextlib, io, json, sys
from zoo import upscale
from zoo.common import cli

upscale.define_flags()
results = []
for argv in json.loads(sys.argv[1]):
    cli.FLAGS.unparse_flags()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main_with_errors(upscale.main)(cli.FLAGS(["zoo.upscale"] + argv))
    results.append([rc, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def test_outscale_2_with_output_dir_and_flag_errors(setup):
    """One child process: --outscale=2 on a folder (--output_dir, the old flag), then flag
    errors that must be one clean line each (exit code 2)."""
    root, base, inputs = setup["root"], setup["base"], setup["inputs"]
    (root / "not_sr" / "assets.extra").mkdir(parents=True)
    (root / "not_sr" / "saved_model.pb").write_bytes(b"")
    (root / "not_sr" / "assets.extra" / "keras_gans.json").write_text('{"task": "generation"}')
    (root / "empty_dir").mkdir()
    common = [f"--input={inputs}", f"--output={root / 'never'}"]
    cases = [
        ([f"--model={base}", f"--input={setup['good']}", f"--output_dir={root / 'x2'}",
          "--outscale=2", f"--tile_size={TILE}", f"--overlap={OVERLAP}"], 0, None),
        ([f"--model={base}", "--weights=w.pth", *common], 2,
         f"--weights is for released models; --model='{base}' is an exported SavedModel"),
        ([f"--model={base}", "--outscale=0", *common], 2, "--outscale must be a number > 0"),
        ([f"--model={base}", "--outscale=nan", *common], 2, "--outscale must be a number > 0"),
        ([f"--model={base}", f"--export_dir={root / 'e'}", *common], 2,
         "--export_dir is for released models"),
        ([f"--model={base}", *common, f"--output_dir={root / 'never'}"], 2,
         "Give --output or --output_dir, not both"),
        ([f"--model={base}", f"--input={inputs}", f"--output={root / 'never.png'}"], 2,
         "names a .png file but --input is a directory"),
        ([f"--model={base}", f"--input={inputs / 'rgb.png'}", f"--output={root / 'never.jpg'}"], 2,
         "the command writes PNG"),
        ([f"--model={root / 'empty_dir'}", *common], 2,
         "is a directory without saved_model.pb and without numbered version directories"),
        ([f"--model={root / 'not_sr'}", *common], 2,
         "is not a super-resolution export (its metadata has task='generation')"),
        (["--model=RealESRGAN_x4plus", *common], 2,
         "--weights is required for the released model RealESRGAN_x4plus"),
    ]
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps([c for c, _, _ in cases])],
                          cwd=REPO, capture_output=True, text=True, timeout=300, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    (rc, out, err), *errors = results
    assert rc == 0, err
    assert sorted(os.listdir(root / "x2")) == ["gray16_x2.png", "rgb_x2.png"]
    got, mode, depth = _read(root / "x2" / "rgb_x2.png")
    assert (mode, depth, got.shape) == ("RGB", 8, (40, 56, 3))
    expect = _quantize(_lanczos(_expected_float(setup["g"], setup["images"]["rgb"]), 40, 56), np.uint8)
    assert np.abs(got.astype(int) - expect).max() <= 1
    got, mode, depth = _read(root / "x2" / "gray16_x2.png")
    assert (mode, depth, got.shape) == ("gray", 16, (14, 20, 1))
    expect = _quantize(_lanczos(_expected_float(setup["g"], setup["images"]["gray16"]), 14, 20),
                       np.uint16)
    assert np.abs(got.astype(np.int64) - expect).max() <= 2
    for (rc, out, err), (_, want_rc, message) in zip(errors, cases[1:]):
        lines = err.strip().splitlines()
        assert rc == want_rc and len(lines) == 1 and lines[0].startswith("error: ") \
            and message in lines[0], (message, rc, err)
    assert not (root / "never").exists() and not (root / "e").exists()


def test_writes_are_atomic_and_sizes_round_half_up(tmp_path):
    target = tmp_path / "photo_x4.png"

    def interrupted(f):
        f.write(b"\x89PNG half of it")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        command.write_atomically(str(target), interrupted)
    assert os.listdir(tmp_path) == []  # neither the target nor the temporary file
    target.write_bytes(b"previous")

    def failing(f):
        f.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(command.WriteError, match=r"Cannot write .*photo_x4.png: No space left"):
        with contextlib.ExitStack() as stack:
            stack.enter_context(pytest.MonkeyPatch.context()).setattr(
                Image.Image, "save", lambda self, f, **kw: failing(f))
            command.write_png(str(target), np.zeros((2, 3, 4), np.uint8))
    assert os.listdir(tmp_path) == ["photo_x4.png"] and target.read_bytes() == b"previous"
    command.write_png(str(target), np.full((2, 3, 2), 7, np.uint16))
    array, mode, depth = _read(target)
    assert (mode, depth) == ("gray+alpha", 16) and (array == 7).all()
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(target).st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600
    assert os.listdir(tmp_path) == ["photo_x4.png"]
    with pytest.raises(command.WriteError, match="Cannot write"):
        command.write_png(str(tmp_path / "missing" / "a.png"), np.zeros((2, 2, 3), np.uint8))
    assert command.output_size(18, 11, 3.5) == (63, 39)
    assert command.output_size(5, 3, 0.01) == (1, 1)
    assert [command.scale_name(s) for s in (4.0, 2.0, 3.5, 1.25)] == ["4", "2", "3.5", "1.25"]


def test_read_image_layouts(tmp_path):
    """The readers the command uses, in process: what each PNG/JPEG kind becomes."""
    rng = np.random.default_rng(5)
    palette = Image.fromarray(rng.integers(0, 4, (5, 6), dtype=np.uint8), "P")
    palette.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 756)
    palette.save(tmp_path / "p.png")
    palette.save(tmp_path / "pt.png", transparency=1)
    Image.fromarray(np.full((4, 4, 3), 9, np.uint8)).save(tmp_path / "trns.png", transparency=(9, 9, 9))
    Image.fromarray(rng.integers(0, 2, (4, 5), dtype=np.uint8).astype(bool)).save(tmp_path / "bits.png")
    Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).convert("CMYK").save(
        tmp_path / "cmyk.jpg")
    la16 = rng.integers(0, 65536, (3, 4, 2)).astype(np.uint16)
    (tmp_path / "la16.png").write_bytes(tf.io.encode_png(la16).numpy())
    (tmp_path / "empty.png").write_bytes(b"")

    def read(name):
        array, note = command.read_image(str(tmp_path / name))
        return array.dtype.name, array.shape[-1], note

    assert read("p.png") == ("uint8", 3, None)
    assert read("pt.png") == ("uint8", 4, "pt.png: its transparency is read as an alpha channel")
    array, _ = command.read_image(str(tmp_path / "pt.png"))
    assert set(np.unique(array[..., 3])) <= {0, 255} and (array[..., 3] == 0).any()
    assert read("trns.png")[:2] == ("uint8", 4)
    assert (command.read_image(str(tmp_path / "trns.png"))[0][..., 3] == 0).all()
    assert read("bits.png") == ("uint8", 1, None)
    assert read("cmyk.jpg") == ("uint8", 3, "cmyk.jpg: CMYK converted to RGB")
    array, note = command.read_image(str(tmp_path / "la16.png"))
    np.testing.assert_array_equal(array, la16)
    for name in ("empty.png", "missing.png"):
        with pytest.raises(command.UnreadableImageError, match=rf"^{tmp_path / name}: "):
            command.read_image(str(tmp_path / name))
