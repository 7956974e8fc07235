"""``python -m zoo.upscale``'s progress over tiles: the per-tile path through an export's
``tiles`` signature, its output against the ``tiled`` signature's, its progress reports (log
lines off a terminal, a tqdm bar on one), and the per-file fallback for an export without
``tiles``.

One child process runs the command's ``main`` three times (a new export with stdout and
stderr captured, an old export, the new export with a stderr that says it is a terminal),
recording every ``on_tiles`` report it gets; :class:`zoo.upscale.TileProgress` is also tested
in this process with a fake clock.
"""

import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import export as export_lib
from keras_gans import upscale
from keras_gans.networks.super_resolution import rrdbnet
from zoo import upscale as command

# One worker builds the module fixture (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("zoo_upscale_tiles_test")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
TILE, OVERLAP = 16, 4
SIZES = {"big": (60, 70, 3), "alpha": (37, 18, 4), "small": (9, 13, 3)}  # 30, 2 x 6, 1 tiles


def _network():
    g = rrdbnet(scale=4, num_blocks=1, num_features=8, growth=4, seed=1)
    last = g.get_layer("conv_last")
    kernel, bias = last.get_weights()
    last.set_weights([kernel * 4, bias + 0.5])  # its output leaves [0, 1] in places
    return g


_CHILD = r"""
import contextlib, io, json, sys
from zoo import upscale
from zoo.common import cli

reports = []


class Recording(upscale.TileProgress):
    def __call__(self, done, total):
        super().__call__(done, total)
        reports[-1]["calls"].append([self.name, done, total])

    def close(self):
        if self.bar is not None:
            reports[-1]["bar_n"].append([self.name, self.bar.n, self.bar.total])
        super().close()


class Terminal(io.StringIO):
    def isatty(self):
        return True


upscale.TileProgress = Recording
upscale.define_flags()
for argv, terminal in json.loads(sys.argv[1]):
    reports.append({"calls": [], "bar_n": []})
    cli.FLAGS.unparse_flags()
    out, err = io.StringIO(), (Terminal() if terminal else io.StringIO())
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main_with_errors(upscale.main)(cli.FLAGS(["zoo.upscale"] + argv))
    reports[-1].update(rc=rc, out=out.getvalue(), err=err.getvalue())
print(json.dumps(reports))
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("upscale_tiles")
    g = _network()
    new = upscale.export_upscaler(g, str(root / "new"), 4, "tiny", default_tile=TILE,
                                  default_overlap=OVERLAP)
    # An export as written before the "tiles" signature (and the batch_size metadata) existed.
    functions = upscale.upscale_functions(g, 4, TILE, OVERLAP)
    del functions["tiles"]
    old = export_lib.write_saved_model(str(root / "old"), functions, g.weights, {
        "task": "super_resolution", "scale": 4, "input_range": [0, 1], "output_range": [0, 1],
        "name": "tiny_old", "default_tile": TILE, "default_overlap": OVERLAP})
    rng = np.random.default_rng(0)
    inputs = root / "in"
    inputs.mkdir()
    images = {name: rng.integers(0, 256, size, dtype=np.uint8) for name, size in SIZES.items()}
    for name, array in images.items():
        Image.fromarray(array).save(inputs / f"{name}.png")
    flags = [f"--input={inputs}", f"--tile_size={TILE}", f"--overlap={OVERLAP}"]
    jobs = [([f"--model={new}", f"--output={root / 'out_new'}", *flags], False),
            ([f"--model={old}", f"--output={root / 'out_old'}", *flags], False),
            ([f"--model={new}", f"--output={root / 'out_tty'}", *flags], True)]
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(jobs)], cwd=REPO,
                          capture_output=True, text=True, timeout=600, env=ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for result in results:
        assert result["rc"] == 0, result["err"][-3000:]
    return {"root": root, "images": images, "new": new, "old": old, "g": g,
            "results": dict(zip(["new", "old", "tty"], results))}


def _read(path):
    with Image.open(path) as image:
        return np.asarray(image)


def test_per_tile_outputs_equal_the_tiled_signature(runs):
    root, images = runs["root"], runs["images"]
    tiled = tf.saved_model.load(runs["old"]).signatures["tiled"]
    for name, array in images.items():
        new, old, tty = (_read(root / d / f"{name}_x4.png")
                         for d in ("out_new", "out_old", "out_tty"))
        # The old export ran in one `tiled` call per plane; the new one tile batch by batch.
        np.testing.assert_array_equal(new, old, err_msg=name)
        np.testing.assert_array_equal(tty, old, err_msg=name)
        expect = upscale.upscale_float(tiled, array / np.float32(255), 4, TILE, OVERLAP)
        np.testing.assert_array_equal(new, (expect * 255).round().astype(np.uint8), err_msg=name)
        assert new.std() > 4, name
    np.testing.assert_array_equal(_read(root / "out_new" / "big_x4.png"), upscale.upscale_array(
        runs["g"], images["big"], 4, TILE, OVERLAP))
    assert upscale.tile_count(60, 70, TILE, OVERLAP) == 30  # several tiles, several batches


def test_every_tile_is_reported_once(runs):
    expected = {f"{name}.png": upscale.tile_count(h, w, TILE, OVERLAP) * (2 if c == 4 else 1)
                for name, (h, w, c) in SIZES.items()}
    assert expected == {"big.png": 30, "alpha.png": 12, "small.png": 1}
    for run in ("new", "tty"):
        calls = runs["results"][run]["calls"]
        for name, total in expected.items():
            mine = [(done, t) for n, done, t in calls if n == name]
            done = [0] + [d for d, _ in mine]
            steps = np.diff(done)
            # Batches of the export's 4 tiles per plane, each counted once, up to the total.
            assert all(t == total for _, t in mine) and done[-1] == total, (run, name, mine)
            assert all(1 <= s <= 4 for s in steps), (run, name, mine)
            planes = 2 if name == "alpha.png" else 1
            assert len(mine) == planes * -(-(total // planes) // 4), (run, name, mine)
    assert sorted(runs["results"]["tty"]["bar_n"]) == sorted([n, t, t] for n, t in expected.items())
    assert runs["results"]["new"]["bar_n"] == [] and runs["results"]["old"]["calls"] == []


def test_log_lines_off_a_terminal_and_bars_on_one(runs):
    out = runs["results"]["new"]["out"]
    lines = out.splitlines()
    assert lines[0].startswith(f"Loaded the SavedModel {runs['new']} (tiny, x4)")
    tile_lines = {name: [line for line in lines if line.startswith(f"  {name}: ")]
                  for name in ("big.png", "alpha.png", "small.png")}
    # big.png: batches end at 4, 8, ..., 28, 30; a line each time another tenth is passed
    # (not for the last batch: the file's own line follows).
    done = [int(line.split(": ")[1].split("/")[0]) for line in tile_lines["big.png"]]
    assert done == [4, 8, 12, 16, 20, 24, 28]
    assert all(line.endswith(" s)") and "/30 tiles (" in line and ", ETA " in line
               for line in tile_lines["big.png"])
    assert 1 <= len(tile_lines["alpha.png"]) <= 9 and tile_lines["small.png"] == []
    assert sum(line.startswith("[") for line in lines) == 3  # one line per file, as before
    assert "tile/s" not in runs["results"]["new"]["err"]  # no bar off a terminal
    # On a terminal: tqdm bars (files and tiles) on stderr instead of the tile lines.
    tty = runs["results"]["tty"]
    assert not any(line.startswith("  big.png: ") for line in tty["out"].splitlines())
    assert "/3 [" in tty["err"] and "file/s" in tty["err"]  # the bar over the 3 files
    assert "big.png: " in tty["err"] and "/30 [" in tty["err"]  # the bar over big.png's tiles


def test_an_export_without_tiles_falls_back_to_per_file_progress(runs):
    out = runs["results"]["old"]["out"].splitlines()
    assert out[0].startswith(f"Loaded the SavedModel {runs['old']} (tiny_old, x4)")
    assert out[1] == (f"note: {runs['old']} has no 'tiles' signature (it was exported before "
                      f"keras_gans added it): each image runs in one call of its 'tiled' "
                      f"signature, so progress is per file; re-export it "
                      f"(keras_gans.upscale.export_upscaler) for progress over tiles")
    assert not any(": " in line and " tiles (" in line and line.startswith("  ") for line in out)
    assert sum(line.startswith("[") for line in out) == 3
    assert "note:" not in runs["results"]["new"]["out"]


class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_tile_progress_lines_and_bar(monkeypatch):
    clock, stream = _Clock(), io.StringIO()
    progress = command.TileProgress("a.png", stream=stream, clock=clock)
    for done in list(range(7, 100, 7)) + [100]:
        clock.now += 0.5
        progress(done, 100)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "  a.png: 14/100 tiles (1.0 s, ETA 6.1 s)"
    assert [int(line.split(": ")[1].split("/")[0]) for line in lines] == [
        14, 21, 35, 42, 56, 63, 70, 84, 91]  # the first batch at or past each tenth, not the last
    stream = io.StringIO()
    one = command.TileProgress("b.png", stream=stream, clock=clock)
    one(4, 4)
    assert stream.getvalue() == ""
    with pytest.raises(ValueError, match="Tile progress must grow to a fixed total: received "
                                         "done=3, total=4 after done=4, total=4"):
        one(3, 4)
    with pytest.raises(ValueError, match="received done=5, total=5 after done=4, total=4"):
        one(5, 5)
    # The bar: tqdm on stderr, counting every reported tile, gone when closed.
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = command.TileProgress("c.png", bar=True)
    for done in (3, 6, 7):
        bar(done, 7)
    assert bar.bar.n == 7 and bar.bar.total == 7 and bar.bar.unit == "tile"
    bar.close()
    assert bar.bar is None and "c.png" in err.getvalue()
