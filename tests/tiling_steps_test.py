"""Tests for keras_gans.tiling.tiled_apply_steps: the Python-driven twin of tiled_apply.

The reference is tiled_apply itself (eagerly, in a tf.function with static settings, and in a
tf.function whose tile size and overlap are tensors, as the exported ``tiled`` signature),
on networks that are not the identity, so a wrong tile placement or weight would show.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.tiling import tile_counts, tiled_apply, tiled_apply_steps


def _images(n, height, width, channels=3, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, height, width, channels)).astype("float32")


def _net(scale, seed=0, strided=False):
    """A random conv net ``[n, h, w, 3] -> [n, h * scale, w * scale, 3]`` with a receptive
    radius (3-4 input pixels) beyond what small overlaps hide: tiling changes its output, so
    equal outputs mean equal tiles and weights. ``strided``: a stride-2 stage first (sides must
    be multiples of 2)."""
    keras.utils.set_random_seed(seed)
    x = inputs = keras.Input((None, None, 3))
    if strided:
        x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="tanh")(x)
        x = keras.layers.UpSampling2D(2)(x)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="tanh",
                            bias_initializer="random_normal")(x)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="tanh")(x)
    if scale > 1:
        x = keras.layers.UpSampling2D(scale)(x)
    x = keras.layers.Conv2D(3, 3, padding="same")(x)
    model = keras.Model(inputs, x)
    return tf.function(lambda t: model(t, training=False),
                       input_signature=[tf.TensorSpec([None, None, None, 3])])


# (n, height, width, tile, overlap, scale, kwargs): several tiles, uneven last tiles, one axis
# or both smaller than a tile, one pixel, multiple/align, blends, pad modes, batch sizes.
CASES = [
    (1, 60, 70, 16, 4, 4, {}),
    (2, 45, 33, 20, 6, 1, {"batch_size": 3}),
    (1, 9, 7, 16, 4, 4, {}),  # smaller than a tile: one padded tile
    (1, 1, 1, 8, 2, 1, {}),
    (1, 10, 50, 16, 7, 1, {"batch_size": 1}),  # one axis shorter than a tile
    (2, 37, 41, 14, 5, 4, {"multiple": 4, "align": True, "batch_size": 5}),
    (1, 50, 38, 15, 3, 1, {"multiple": 2, "batch_size": 2}),  # rounded up, not aligned
    (1, 40, 40, 16, 6, 1, {"blend": "linear", "blend_width": 1.0}),
    (1, 40, 40, 16, 2, 4, {"blend_width": 0.0, "pad_mode": "CONSTANT"}),
    (1, 23, 29, 32, 0, 1, {"pad_mode": "SYMMETRIC"}),
]


@pytest.mark.parametrize("n,height,width,tile,overlap,scale,kwargs", CASES)
def test_equals_tiled_apply(n, height, width, tile, overlap, scale, kwargs):
    net = _net(scale, seed=height, strided=kwargs.get("multiple", 1) > 1)
    x = _images(n, height, width, seed=width)
    reports = []
    steps = tiled_apply_steps(net, x, tile, overlap, scale=scale,
                              on_tiles=lambda done, total: reports.append((done, total)), **kwargs)
    assert isinstance(steps, tf.Tensor) and steps.shape == (n, height * scale, width * scale, 3)
    eager = tiled_apply(net, x, tile, overlap, scale=scale, **kwargs)
    static = tf.function(lambda x: tiled_apply(net, x, tile, overlap, scale=scale, **kwargs))(x)
    size = tf.TensorSpec([], tf.int32)
    dynamic = tf.function(
        lambda x, t, o: tiled_apply(net, x, t, o, scale=scale, **kwargs),
        input_signature=[tf.TensorSpec([None, None, None, 3]), size, size])(x, tile, overlap)
    for reference in (eager, static, dynamic):
        np.testing.assert_allclose(steps, reference, rtol=0, atol=1e-6)
    # Measured: bit for bit (cosine ramps use tf.square, which Grappler leaves alone).
    np.testing.assert_array_equal(steps, dynamic)
    # The network is not tiling-invariant here (with more than one tile): the checks above
    # could fail if the tiles or weights were wrong.
    rows, cols = tile_counts(height, width, tile, overlap, kwargs.get("multiple", 1),
                             kwargs.get("align", False))
    if rows * cols > 1 and not kwargs.get("multiple"):
        whole = net(x).numpy()
        assert np.abs(steps.numpy() - whole).max() > 1e-4
    total = n * rows * cols
    batch = kwargs.get("batch_size", 8)
    assert reports == [(min(done, total), total) for done in range(batch, total + batch, batch)]


def test_every_tile_is_computed_and_reported_once():
    """The tile batches fn receives cover each (image, row origin, column origin) once, in
    tiled_apply's order, and on_tiles counts them as they are done."""
    n, height, width, tile, overlap, batch = 2, 50, 61, 16, 5, 3
    # Every pixel holds its own flat index, so a tile's top-left pixel names the tile.
    x = np.arange(n * height * width, dtype="float64").reshape(n, height, width, 1)
    seen, reports = [], []

    def fn(tiles):
        assert tf.executing_eagerly() and tiles.shape[1:] == (tile, tile, 1)
        assert len(reports) == len(seen)  # the previous batch was reported before this one
        seen.append(tiles[:, 0, 0, 0].numpy().astype(int))
        return tiles * 2.0 - 1.0

    y = tiled_apply_steps(fn, x, tile, overlap, batch_size=batch,
                          on_tiles=lambda done, total: reports.append((done, total)))
    np.testing.assert_allclose(y, x * 2.0 - 1.0, rtol=0, atol=1e-9)
    assert y.dtype == tf.float64
    firsts = np.concatenate(seen)
    rows, cols = tile_counts(height, width, tile, overlap)
    b, rem = np.divmod(firsts, height * width)
    y0, x0 = np.divmod(rem, width)
    assert len(firsts) == len(set(firsts)) == n * rows * cols
    assert sorted(set(y0)) == sorted(set(y0[:rows * cols])) and len(set(y0)) == rows
    assert len(set(x0)) == cols and set(b) == {0, 1}
    assert list(zip(b, y0, x0)) == sorted(zip(b, y0, x0))  # image-major, rows, then columns
    assert y0.max() == height - tile and x0.max() == width - tile  # border tiles inside
    assert [d for d, _ in reports] == list(np.cumsum([len(s) for s in seen]))
    assert {t for _, t in reports} == {n * rows * cols}


def test_fn_may_return_arrays_and_dtypes_follow_fn():
    x = _images(1, 30, 40)
    y = tiled_apply_steps(lambda t: np.asarray(t, np.float16) * np.float16(3), x, 16, 4)
    assert y.dtype == tf.float16
    np.testing.assert_allclose(y.numpy().astype("float32"), 3 * x, rtol=2e-3)


def test_errors():
    x = _images(1, 20, 20)
    ident = lambda t: t  # noqa: E731
    with pytest.raises(ValueError, match="on_tiles must be None or a callable on_tiles"
                                         r"\(done, total\); received int 3"):
        tiled_apply_steps(ident, x, 16, 4, on_tiles=3)
    with pytest.raises(ValueError, match="fn must be callable; received str"):
        tiled_apply_steps("net", x, 16, 4)
    with pytest.raises(ValueError, match=r"overlap must be less than tile_size / 2; received "
                                         r"tile_size=16, overlap=8\."):
        tiled_apply_steps(ident, x, 16, 8)
    with pytest.raises(ValueError, match=r"images must have shape \[N, H, W, C\]"):
        tiled_apply_steps(ident, x[0], 16, 4)
    with pytest.raises(ValueError, match=r"fn must map tiles \[n, t, t, C\] to .*\(scale=4\); "
                                         r"it returned shape \(4, 16, 16, 3\)"):
        tiled_apply_steps(ident, x, 16, 4, scale=4)
    with pytest.raises(RuntimeError, match="runs eagerly only; inside a tf.function use "
                                           "tiled_apply"):
        tf.function(lambda x: tiled_apply_steps(ident, x, 16, 4))(x)
    # Nothing was reported for a failing batch.
    reports = []

    def fails_second(t, calls=[]):
        calls.append(1)
        if len(calls) == 2:
            raise tf.errors.ResourceExhaustedError(None, None, "out of memory")
        return t

    with pytest.raises(tf.errors.ResourceExhaustedError):
        tiled_apply_steps(fails_second, _images(1, 40, 40), 16, 4, batch_size=2,
                          on_tiles=lambda done, total: reports.append(done))
    assert reports == [2]
