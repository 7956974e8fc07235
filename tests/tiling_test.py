"""Tests for keras_gans/tiling.py."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.tiling import crop_to_size, pad_to_multiple, padded_apply, tile_counts, tiled_apply

# (height, width) against a 64-pixel tile: smaller in both axes, in one axis, one pixel,
# exactly one tile, non-multiples, large and not a multiple of anything.
SIZES = [(5, 7), (1, 1), (20, 150), (64, 64), (65, 64), (100, 130), (257, 300)]


def _images(height, width, channels=3, n=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, height, width, channels)).astype("float32")


def _conv_net(radius, channels=3, out_channels=3, seed=0, final=None):
    """``radius`` stride-1 3x3 'same' convolutions: receptive radius ``radius``."""
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((None, None, channels))]
    for i in range(radius):
        last = i == radius - 1 and final is None
        layers.append(keras.layers.Conv2D(out_channels if last else 8, 3, padding="same",
                                          activation=None if last else "tanh",
                                          bias_initializer="random_normal"))
    if final is not None:
        layers.append(final)
    return keras.Sequential(layers)


@pytest.mark.parametrize("height,width", SIZES)
@pytest.mark.parametrize("overlap", [0, 1, 7, 31])
def test_identity_gives_the_images_back(height, width, overlap):
    x = _images(height, width)
    y = tiled_apply(lambda t: t, x, 64, overlap, batch_size=3)
    assert y.shape == x.shape and y.dtype == tf.float32
    np.testing.assert_allclose(y, x, rtol=0, atol=1e-6)


@pytest.mark.parametrize("blend,blend_width", [("cosine", 0.5), ("linear", 0.5), ("linear", 1.0),
                                               ("cosine", 1.0), ("cosine", 0.0)])
def test_pointwise_and_constant_functions(blend, blend_width):
    for height, width in [(3, 90), (64, 64), (150, 97)]:
        x = _images(height, width, seed=height)
        kwargs = dict(tile_size=32, overlap=12, blend=blend, blend_width=blend_width)
        y = tiled_apply(lambda t: tf.tanh(2.0 * t), x, **kwargs)
        np.testing.assert_allclose(y, np.tanh(2.0 * x), rtol=0, atol=1e-6)
        c = tiled_apply(lambda t: tf.fill(tf.concat([tf.shape(t)[:3], [5]], 0), 0.7), x, **kwargs)
        assert c.shape == (2, height, width, 5)
        np.testing.assert_allclose(c, np.full(c.shape, 0.7), rtol=0, atol=1e-6)


def _nearest_up(t, factor):
    return tf.repeat(tf.repeat(t, factor, axis=1), factor, axis=2)


@pytest.mark.parametrize("scale", [2, 4])
def test_upsampling_fn_matches_the_whole_image_upsample(scale):
    for height, width in [(9, 5), (48, 48), (70, 111)]:
        x = _images(height, width, seed=width)
        y = tiled_apply(lambda t: _nearest_up(t, scale), x, 48, 8, scale=scale)
        assert y.shape == (2, height * scale, width * scale, 3)
        np.testing.assert_allclose(y, _nearest_up(x, scale), rtol=0, atol=1e-6)
    # Sub-pixel (depth_to_space) upsampling of channel-tiled images, as ESPCN/ESRGAN heads do.
    x = _images(70, 111)
    shuffle = lambda t: tf.nn.depth_to_space(tf.tile(t, [1, 1, 1, scale * scale]), scale)  # noqa: E731
    np.testing.assert_allclose(tiled_apply(shuffle, x, 48, 8, scale=scale), shuffle(x), rtol=0, atol=1e-6)


def test_conv_net_matches_the_whole_image_call():
    # Weights are 0 in the outer (1 - blend_width) / 2 of each tile's overlap strip: with
    # overlap 16 and blend_width 0.5 that is 4 pixels, so a receptive radius of 3 or 4 is
    # exact (tiles never use a pixel the network computed from its zero padding) ...
    for radius in (3, 4):
        net = _conv_net(radius)
        for height, width in [(64, 200), (100, 130), (161, 97)]:
            x = _images(height, width, seed=radius)
            whole = net(x).numpy()
            tiled = tiled_apply(net, x, 64, 16).numpy()
            np.testing.assert_allclose(tiled, whole, rtol=0, atol=2e-5)
    # ... while ramps reaching the tile edge (blend_width=1) let edge artefacts in, a little.
    x = _images(100, 130, seed=3)
    net = _conv_net(4)
    whole = net(x).numpy()
    diff = np.abs(tiled_apply(net, x, 64, 16, blend_width=1.0).numpy() - whole)
    assert 1e-4 < diff.max() < 0.2 * whole.std()
    # A hard seam (blend_width=0) is exact up to half the overlap.
    net = _conv_net(8)
    np.testing.assert_allclose(tiled_apply(net, x, 64, 16, blend_width=0.0), net(x), rtol=0, atol=2e-5)


def test_super_resolution_net_matches_the_whole_image_call():
    scale = 2
    net = _conv_net(3, out_channels=3 * scale**2, final=keras.layers.Lambda(
        lambda t: tf.nn.depth_to_space(t, scale)))
    x = _images(90, 77)
    np.testing.assert_allclose(tiled_apply(net, x, 40, 16, scale=scale), net(x), rtol=0, atol=2e-5)


def _strided_net(seed=0):
    """Two stride-2 stages down and up: accepts multiples of 4, and is equivariant only to
    shifts by multiples of 4."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((None, None, 3)),
        keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="tanh"),
        keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="tanh"),
        keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="tanh"),
        keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same"),
    ])


def test_multiple_rounds_the_tile_up_and_align_keeps_the_sampling_grid():
    net = _strided_net()
    shapes = []

    def fn(t):
        shapes.append(tuple(t.shape))
        return net(t)

    # Unaligned, the 5 x 4 tiles would start at rows 0, 33, 66, 99, 133 and cols 0, 28, 57, 86.
    x = _images(197, 150)
    reference = padded_apply(net, x, 4).numpy()
    aligned = tiled_apply(fn, x, 62, 24, multiple=4, align=True).numpy()
    assert {s[1:] for s in shapes} == {(64, 64, 3)}  # 62 rounded up to a multiple of 4
    np.testing.assert_allclose(aligned, reference, rtol=0, atol=2e-5)
    # Without align, tiles start off the 4-pixel grid: a valid result, but not this one.
    unaligned = tiled_apply(net, x, 62, 24, multiple=4).numpy()
    assert unaligned.shape == reference.shape
    assert np.abs(unaligned - reference).max() > 1e-3
    # An image smaller than a tile is one padded tile.
    small = _images(9, 30)
    np.testing.assert_allclose(tiled_apply(net, small, 64, 8, multiple=4),
                               padded_apply(net, small, 64), rtol=0, atol=1e-6)


def test_pad_to_multiple_and_crop():
    x = _images(6, 5, n=1)
    for mode in ("REFLECT", "SYMMETRIC", "CONSTANT"):
        padded, size = pad_to_multiple(x, 4, mode)
        assert padded.shape == (1, 8, 8, 3)
        np.testing.assert_array_equal(padded, tf.pad(x, [[0, 0], [0, 2], [0, 3], [0, 0]], mode))
        np.testing.assert_array_equal(crop_to_size(padded, size), x)
    # Padding longer than the image keeps mirroring; a 1-pixel side is repeated.
    row = np.arange(3, dtype="float32").reshape(1, 1, 3, 1)
    padded, _ = pad_to_multiple(row, 8)
    np.testing.assert_array_equal(padded[0, 0, :, 0], [0, 1, 2, 1, 0, 1, 2, 1])
    np.testing.assert_array_equal(padded[0, :, 0, 0], np.zeros(8))
    padded, _ = pad_to_multiple(row, 8, "SYMMETRIC")
    np.testing.assert_array_equal(padded[0, 0, :, 0], [0, 1, 2, 2, 1, 0, 0, 1])
    # Already a multiple: unchanged; super-resolution crop.
    padded, size = pad_to_multiple(x, 1)
    np.testing.assert_array_equal(padded, x)
    big = _nearest_up(pad_to_multiple(x, 4)[0], 2)
    np.testing.assert_array_equal(crop_to_size(big, size, scale=2), _nearest_up(x, 2))


def test_random_configurations_cover_every_pixel_exactly():
    """Identity (and a 3x nearest upsample) over random sizes, tiles, overlaps, multiples,
    alignment and blends: every output pixel gets weights summing to 1, none is left empty."""
    rng = np.random.default_rng(1)
    for _ in range(40):
        tile = int(rng.integers(3, 50))
        overlap = int(rng.integers(0, (tile - 1) // 2 + 1))
        multiple = int(rng.choice([1, 1, 2, 4, 8]))
        tile_eff = -(-tile // multiple) * multiple
        align = bool(rng.integers(2)) and tile_eff - overlap >= multiple
        scale = int(rng.choice([1, 3]))
        height, width = (int(v) for v in rng.integers(1, 130, size=2))
        rows, cols = tile_counts(height, width, tile, overlap, multiple, align)
        batch_size = max(int(rng.integers(1, 17)), -(-rows * cols // 20))  # <= 20 eager steps
        kwargs = dict(multiple=multiple, align=align, scale=scale, batch_size=batch_size,
                      blend=str(rng.choice(["linear", "cosine"])),
                      blend_width=float(rng.choice([0.0, 0.3, 0.5, 1.0])))
        x = _images(height, width, n=1, seed=tile)
        count = tf.Variable(0)

        def fn(t):
            count.assign_add(tf.shape(t)[0])
            return _nearest_up(t, scale)

        y = tiled_apply(fn, x, tile, overlap, **kwargs)
        config = (height, width, tile, overlap, kwargs)
        np.testing.assert_allclose(y, _nearest_up(x, scale), rtol=0, atol=1e-6, err_msg=str(config))
        assert int(count.numpy()) == rows * cols, config


def _expected_tiles(length, tile, overlap):
    return 1 if length <= tile else math.ceil((length - overlap) / (tile - overlap))


@pytest.mark.parametrize("run", ["eager", "function"])
def test_number_of_fn_calls_and_tiles(run):
    calls = tf.Variable(0, dtype=tf.int64)
    tiles = tf.Variable(0, dtype=tf.int64)
    shapes = []

    def fn(t):
        calls.assign_add(1)
        tiles.assign_add(tf.cast(tf.shape(t)[0], tf.int64))
        shapes.append(t.shape)
        return t

    apply = (lambda x: tiled_apply(fn, x, 48, 10, batch_size=4))
    if run == "function":
        apply = tf.function(apply, input_signature=[tf.TensorSpec([None, None, None, 3])])
    for n, height, width in [(1, 30, 30), (2, 48, 48), (3, 49, 200), (1, 333, 77)]:
        calls.assign(0)
        tiles.assign(0)
        shapes.clear()
        x = _images(height, width, n=n)
        np.testing.assert_allclose(apply(x), x, atol=1e-6)
        per_image = _expected_tiles(height, 48, 10) * _expected_tiles(width, 48, 10)
        assert tile_counts(height, width, 48, 10) == (_expected_tiles(height, 48, 10),
                                                      _expected_tiles(width, 48, 10))
        assert int(tiles.numpy()) == n * per_image
        assert int(calls.numpy()) == math.ceil(n * per_image / 4)
        if run == "eager":  # one call per batch: full batches, then the rest
            sizes = [s[0] for s in shapes]
            assert sizes == [4] * (n * per_image // 4) + ([n * per_image % 4] if n * per_image % 4 else [])
            assert all(tuple(s[1:]) == (48, 48, 3) for s in shapes)


def test_in_a_tf_function_with_tensor_tile_size_traced_once():
    net = _conv_net(3)
    traces = []

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32),
                                  tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)])
    def apply(images, tile_size, overlap):
        traces.append(1)
        return tiled_apply(net, images, tile_size, overlap)

    for height, width, tile in [(100, 130, 64), (37, 250, 48), (20, 20, 64)]:
        x = _images(height, width)
        y = apply(x, tf.constant(tile), tf.constant(16))
        np.testing.assert_allclose(y, tiled_apply(net, x, tile, 16), rtol=0, atol=1e-6)
        if min(height, width) >= tile:
            np.testing.assert_allclose(y, net(x), rtol=0, atol=2e-5)
    assert len(traces) == 1


def test_saved_model_round_trip(tmp_path):
    net = _conv_net(3)
    images_spec = tf.TensorSpec([None, None, None, 3], tf.float32, name="images")

    class Serving(tf.Module):
        def __init__(self):
            super().__init__()
            self.model_variables = [v.value if isinstance(v, keras.Variable) else v for v in net.weights]

    module = Serving()

    @tf.function(input_signature=[images_spec, tf.TensorSpec([], tf.int32, name="tile_size"),
                                  tf.TensorSpec([], tf.int32, name="overlap")])
    def tiled(images, tile_size, overlap):
        return {"images": tiled_apply(lambda t: net(t, training=False), images, tile_size, overlap)}

    @tf.function(input_signature=[images_spec])
    def serve(images):  # the defaults: 64-pixel tiles overlapping by 16
        return tiled(images, tf.constant(64), tf.constant(16))

    module.tiled, module.serve = tiled, serve
    path = str(tmp_path / "1")
    tf.saved_model.save(module, path, signatures={"serving_default": serve, "tiled": tiled})
    del module
    loaded = tf.saved_model.load(path)
    x = _images(100, 130)
    out = loaded.signatures["serving_default"](images=tf.constant(x))["images"]
    np.testing.assert_allclose(out, tiled_apply(net, x, 64, 16), rtol=0, atol=1e-6)
    np.testing.assert_allclose(out, net(x), rtol=0, atol=2e-5)
    x = _images(50, 75)
    out = loaded.signatures["tiled"](images=tf.constant(x), tile_size=tf.constant(32),
                                     overlap=tf.constant(8))["images"]
    np.testing.assert_allclose(out, tiled_apply(net, x, 32, 8), rtol=0, atol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match="overlap must be less than tile_size / 2"):
        loaded.signatures["tiled"](images=tf.constant(x), tile_size=tf.constant(32),
                                   overlap=tf.constant(16))


def test_dtypes_follow_fn():
    x = _images(40, 70)
    y = tiled_apply(lambda t: tf.cast(t, tf.float16), x, 32, 8)
    assert y.dtype == tf.float16
    np.testing.assert_allclose(y.numpy().astype("float32"), x.astype("float16").astype("float32"), atol=1e-6)
    x64 = x.astype("float64")
    np.testing.assert_allclose(tiled_apply(lambda t: t, x64, 32, 8), x64, rtol=0, atol=1e-12)
    ints = np.arange(2 * 40 * 70 * 3, dtype="int32").reshape(2, 40, 70, 3) % 255
    y = tiled_apply(lambda t: tf.cast(t, tf.float32) / 255.0, ints, 32, 8)
    np.testing.assert_allclose(y, ints / 255.0, atol=1e-6)


def test_bad_python_arguments_raise_with_what_was_received():
    x = _images(40, 40)
    ident = lambda t: t  # noqa: E731
    cases = [
        (dict(tile_size=0), r"tile_size must be an int >= 1; received 0\."),
        (dict(tile_size=2.5), r"tile_size must be an int or a scalar integer tensor; received float 2\.5"),
        (dict(tile_size=True), r"tile_size must be an int >= 1; received the bool True"),
        (dict(tile_size="64"), r"received str '64'"),
        (dict(overlap=-1), r"overlap must be an int >= 0; received -1\."),
        (dict(overlap=16), r"overlap must be less than tile_size / 2; received tile_size=32, overlap=16\."),
        (dict(overlap=tf.constant(20)), r"overlap must be less than tile_size / 2; received tile_size=32, "),
        (dict(overlap=tf.constant(2.0)), r"overlap must be an integer scalar; received a float32 tensor"),
        (dict(overlap=tf.constant([1, 2])), r"overlap must be a scalar; received a tensor of shape \(2,\)"),
        (dict(scale=0), r"scale must be a static Python int >= 1; received 0"),
        (dict(scale=tf.constant(2)), r"scale must be a static Python int >= 1; received <tf.Tensor"),
        (dict(multiple=0), r"multiple must be an int >= 1; received 0\."),
        (dict(batch_size=0), r"batch_size must be an int >= 1; received 0\."),
        (dict(blend="gaussian"), r"blend must be one of \('linear', 'cosine'\); received 'gaussian'"),
        (dict(blend_width=1.5), r"blend_width must be a float in \[0, 1\]; received 1\.5"),
        (dict(pad_mode="wrap"),
         r"pad_mode must be one of \('REFLECT', 'SYMMETRIC', 'CONSTANT'\); received 'wrap'"),
        (dict(align=1), r"align must be a Python bool; received 1"),
        (dict(overlap=12, multiple=32, align=True),
         r"align=True needs tile_size - overlap >= multiple; received tile_size=32 \(rounded up to 32\), "
         r"overlap=12, multiple=32\."),
    ]
    for kwargs, message in cases:
        kwargs = {"tile_size": 32, "overlap": 8, **kwargs}
        with pytest.raises(ValueError, match=message):
            tiled_apply(ident, x, **kwargs)
    with pytest.raises(ValueError, match=r"images must have shape \[N, H, W, C\]; "
                                         r"received a tensor of shape \(40, 40, 3\)"):
        tiled_apply(ident, x[0], 32, 8)
    with pytest.raises(ValueError, match="fn must be callable; received str"):
        tiled_apply("net", x, 32, 8)
    with pytest.raises(ValueError, match=r"fn must map tiles \[n, t, t, C\] to "
                                         r"\[n, t \* scale, t \* scale, C_out\] \(scale=2\); "
                                         r"it returned shape \(\d+, 32, 32, 3\)"):
        tiled_apply(ident, x, 32, 8, scale=2)
    with pytest.raises(ValueError, match=r"multiple must be an int >= 1; received -2\."):
        pad_to_multiple(x, -2)


def test_bad_tensor_arguments_fail_at_run_time_with_the_values():
    seen = tf.TensorSpec([], tf.int32)

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3]), seen, seen, seen])
    def apply(images, tile_size, overlap, batch_size):
        return tiled_apply(lambda t: t, images, tile_size, overlap, batch_size=batch_size)

    x = _images(40, 40)
    assert apply(x, 32, 8, 2).shape == x.shape
    for (tile, overlap, batch), message in [
        ((32, 16, 2),
         r"overlap must be less than tile_size / 2.*received tile_size =\] \[32\] \[overlap =\] \[16\]"),
        ((0, 0, 2), r"tile_size must be >= 1; received tile_size =\] \[0\]"),
        ((32, -1, 2), r"overlap must be >= 0; received overlap =\] \[-1\]"),
        ((32, 8, 0), r"batch_size must be >= 1; received batch_size =\] \[0\]"),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            apply(x, tile, overlap, batch)

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3]), seen])
    def forgot_scale(images, tile_size):
        return tiled_apply(lambda t: t, images, tile_size, 4, scale=2)

    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"fn must map tiles .*\(scale=2\); received output shape"):
        forgot_scale(x, 16)
