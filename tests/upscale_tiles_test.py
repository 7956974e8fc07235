"""keras_gans.upscale's per-tile path: the exported ``tiles`` signature, :class:`TileNetwork`
and ``upscale_float(..., on_tiles=)``, against the ``tiled`` signature (the in-graph path).

A tiny RRDBNet whose last layer is scaled so that its output leaves [0, 1] in places (the
clip is exercised: blending clipped tiles would not give ``tiled``'s result) is exported
once; the SavedModel is loaded in this process.
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import upscale
from keras_gans.networks.super_resolution import rrdbnet

TILE, OVERLAP = 16, 4


def _network(scale=4, seed=0):
    g = rrdbnet(scale=scale, num_blocks=1, num_features=8, growth=4, seed=seed)
    last = g.get_layer("conv_last")
    kernel, bias = last.get_weights()
    last.set_weights([kernel * 4, bias + 0.5])
    return g


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    g = _network(seed=1)
    path = upscale.export_upscaler(g, str(tmp_path_factory.mktemp("tiles") / "e"), 4, "tiny",
                                   default_tile=TILE, default_overlap=OVERLAP, batch_size=3)
    loaded = tf.saved_model.load(path)
    return {"g": g, "path": path, "tiled": loaded.signatures["tiled"],
            "tiles": loaded.signatures["tiles"], "loaded": loaded}


def _image(h, w, c, seed=0):
    return np.random.default_rng(seed).uniform(size=(h, w, c)).astype("float32")


def test_tiles_signature_is_the_network_on_a_tile_batch(export):
    from keras_gans.export import read_metadata

    assert read_metadata(export["path"])["batch_size"] == 3
    x = _image(32, 32, 3)[None].repeat(2, 0) * np.array([1, 0.5], np.float32)[:, None, None, None]
    out = export["tiles"](images=tf.constant(x))
    raw = np.asarray(export["g"](x, training=False))
    assert raw.min() < 0 or raw.max() > 1  # the clip matters
    np.testing.assert_allclose(out["unclipped"], raw, rtol=0, atol=1e-5)
    np.testing.assert_allclose(out["images"], np.clip(raw, 0, 1), rtol=0, atol=1e-5)
    assert out["images"].dtype == tf.float32 and out["images"].shape == (2, 128, 128, 3)


def test_tiles_signature_checks_the_side_multiple(tmp_path):
    g = rrdbnet(scale=2, num_blocks=1, num_features=8, growth=4, seed=0)
    fns = upscale.upscale_functions(g, 2, default_tile=16, default_overlap=4)
    assert fns["tiles"](tf.zeros([1, 8, 6, 3]))["images"].shape == (1, 16, 12, 3)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"tiles must have sides that are multiples of 2; received tiles of "
                             r"shape\] \[1 8 7 3\]"):
        fns["tiles"](tf.zeros([1, 8, 7, 3]))


@pytest.mark.parametrize("h,w,c", [(60, 70, 3), (37, 18, 4), (33, 41, 1), (21, 9, 2), (9, 13, 3)])
def test_per_tile_path_equals_the_tiled_signature(export, h, w, c):
    """Bit for bit: the same tiles, batches, weights and overlap-add as the exported graph."""
    x = _image(h, w, c, seed=h)
    reference = upscale.upscale_float(export["tiled"], x, 4, TILE, OVERLAP)
    reports = []
    network = upscale.TileNetwork(export["tiles"], batch_size=3)
    got = upscale.upscale_float(network, x, 4, TILE, OVERLAP,
                                on_tiles=lambda done, total: reports.append((done, total)))
    np.testing.assert_array_equal(got, reference)
    # Without on_tiles, the same; a generator with on_tiles runs its own tiles function.
    np.testing.assert_array_equal(upscale.upscale_float(network, x, 4, TILE, OVERLAP), reference)
    np.testing.assert_array_equal(
        upscale.upscale_float(export["g"], x, 4, TILE, OVERLAP, on_tiles=lambda d, t: None),
        upscale.upscale_float(export["g"], x, 4, TILE, OVERLAP))
    # Every tile reported once: per plane in batches of 3, the alpha plane after the colour.
    per_plane = upscale.tile_count(h, w, TILE, OVERLAP)
    planes = 2 if c in (2, 4) else 1
    expect = [(p * per_plane + min(done, per_plane), planes * per_plane)
              for p in range(planes) for done in range(3, per_plane + 3, 3)]
    assert reports == expect and reports[-1][0] == reports[-1][1]


def test_clipped_tiles_would_differ(export):
    """Why the command blends ``unclipped``: blending the clipped tiles changes the seams."""
    x = _image(60, 70, 3, seed=60)
    reference = upscale.upscale_float(export["tiled"], x, 4, TILE, OVERLAP)
    clipped = upscale.TileNetwork(
        lambda images: {"images": export["tiles"](images=images)["images"]}, batch_size=3)
    diff = np.abs(upscale.upscale_float(clipped, x, 4, TILE, OVERLAP) - reference)
    assert diff.max() > 1e-3


def test_multiple_and_alignment_on_the_per_tile_path():
    g = rrdbnet(scale=2, num_blocks=1, num_features=8, growth=4, seed=3)
    x = _image(45, 38, 3, seed=1)
    tiled = upscale.upscale_float(g, x, 2, tile_size=16, overlap=5)
    reports = []
    steps = upscale.upscale_float(g, x, 2, tile_size=16, overlap=5,
                                  on_tiles=lambda done, total: reports.append(done))
    np.testing.assert_array_equal(steps, tiled)
    assert reports[-1] == upscale.tile_count(45, 38, 16, 5, multiple=2) > 4


def test_a_tiled_function_reports_once_per_plane(export):
    reports = []
    upscale.upscale_float(export["tiled"], _image(30, 20, 2), 4, TILE, OVERLAP,
                          on_tiles=lambda done, total: reports.append((done, total)))
    n = upscale.tile_count(30, 20, TILE, OVERLAP)
    assert n > 1 and reports == [(n, 2 * n), (2 * n, 2 * n)]


def test_errors(export):
    with pytest.raises(ValueError, match="on_tiles must be None or a callable"):
        upscale.upscale_float(export["g"], _image(8, 8, 3), 4, on_tiles="bar")
    with pytest.raises(ValueError, match="fn must be callable on a tile batch; received int"):
        upscale.TileNetwork(3)
    with pytest.raises(ValueError, match="batch_size must be a positive int; received 0"):
        upscale.TileNetwork(export["tiles"], batch_size=0)
    with pytest.raises(ValueError, match=r"returned a dict without 'unclipped' or 'images' "
                                         r"\(keys: \['x'\]\)"):
        upscale.upscale_float(upscale.TileNetwork(lambda t: {"x": t}), _image(8, 8, 3), 4)
    with pytest.raises(ValueError, match=r"\(scale=2\); it returned shape \(4, 64, 64, 3\)"):
        upscale.upscale_float(upscale.TileNetwork(export["tiles"]), _image(20, 20, 3), 2, TILE,
                              OVERLAP)
