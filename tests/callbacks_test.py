"""Tests for sample grids and the SampleGrid callback (keras_gans/callbacks.py).

Expected grids are worked out by hand: a tile of an ``h x w`` image sits at
``(padding + r * (h + padding), padding + c * (w + padding))`` and a pixel ``x`` in
[-1, 1] becomes ``rint((x + 1) * 127.5)``.
"""

import glob
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import presets
from keras_gans.callbacks import SampleGrid, image_grid, save_image_grid


def _to_uint8(x):
    """Independent reference for the pixel mapping, written from the formula."""
    return np.clip(np.rint((np.asarray(x, np.float64) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def _images(n=5, h=3, w=4, c=1, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, h, w, c)).astype("float32")


# --------------------------------------------------------------------------------------
# image_grid
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "columns,padding,expected",
    [
        # 5 images -> ceil(sqrt(5)) = 3 columns, 2 rows:
        # height 2 * (3 + 2) + 2 = 12, width 3 * (4 + 2) + 2 = 20.
        (None, 2, (12, 20)),
        (5, 2, (1 * 5 + 2, 5 * 6 + 2)),  # one row: (7, 32)
        (1, 2, (5 * 5 + 2, 1 * 6 + 2)),  # one column: (27, 8)
        (2, 1, (3 * 4 + 1, 2 * 5 + 1)),  # 3 rows x 2 columns, padding 1: (13, 11)
        (None, 0, (6, 12)),  # no padding: 2 * 3 by 3 * 4
    ],
)
@pytest.mark.parametrize("channels", [1, 3])
def test_grid_geometry(columns, padding, expected, channels):
    grid = image_grid(_images(c=channels), columns=columns, padding=padding)
    assert grid.shape == expected + (channels,)
    assert grid.dtype == np.uint8


def test_square_number_gives_square_layout():
    # 9 images of 2x2, padding 2: 3 x 3 tiles -> 3 * 4 + 2 = 14 on each side.
    assert image_grid(_images(n=9, h=2, w=2)).shape == (14, 14, 1)


def test_pixel_mapping():
    values = np.array([-1.0, 1.0, 0.0, -0.5, 0.5, 2.0, -3.0, 0.99], "float32")
    images = values.reshape(1, 1, -1, 1)
    grid = image_grid(images, padding=0)
    # -1 -> 0, 1 -> 255, 0 -> rint(127.5) = 128 (half to even), -0.5 -> rint(63.75) = 64,
    # 0.5 -> rint(191.25) = 191, out of range clipped, 0.99 -> rint(253.7250) = 254.
    np.testing.assert_array_equal(grid[0, :, 0], [0, 255, 128, 64, 191, 255, 0, 254])


@pytest.mark.parametrize("channels", [1, 3])
def test_tiles_are_placed_and_padding_is_white(channels):
    n, h, w, pad = 5, 3, 4, 2
    images = _images(n, h, w, channels, seed=channels)
    grid = image_grid(images, padding=pad)
    covered = np.zeros(grid.shape[:2], bool)
    for i in range(n):
        r, c = divmod(i, 3)  # 3 columns
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        np.testing.assert_array_equal(grid[top : top + h, left : left + w], _to_uint8(images[i]))
        covered[top : top + h, left : left + w] = True
    assert covered.sum() == n * h * w
    # Everything else, the unused sixth slot included, is white.
    assert np.all(grid[~covered] == 255)
    np.testing.assert_array_equal(grid[pad + h + pad :, pad + 2 * (w + pad) :][:h, :w], 255)


def test_rgb_channels_stay_apart():
    images = np.zeros((1, 2, 2, 3), "float32")
    images[..., 0], images[..., 1], images[..., 2] = -1.0, 0.0, 1.0
    grid = image_grid(images, padding=1)
    np.testing.assert_array_equal(grid[1:3, 1:3].reshape(-1, 3), [[0, 128, 255]] * 4)
    np.testing.assert_array_equal(grid[0, 0], [255, 255, 255])


@pytest.mark.parametrize(
    "shape", [(3, 4, 1), (2, 3, 4), (2, 3, 4, 2), (2, 3, 4, 4), (1, 2, 3, 4, 1), (8,)]
)
def test_bad_shapes_raise(shape):
    with pytest.raises(ValueError, match=r"received shape \(" + ", ".join(map(str, shape))):
        image_grid(np.zeros(shape, "float32"))


def test_empty_batch_raises_value_error():
    with pytest.raises(ValueError, match="0, 3, 4, 1"):
        image_grid(np.zeros((0, 3, 4, 1), "float32"))


# --------------------------------------------------------------------------------------
# save_image_grid
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("channels,mode", [(1, "L"), (3, "RGB")])
def test_png_round_trip(tmp_path, channels, mode):
    images = _images(c=channels, seed=4)
    path = str(tmp_path / "nested" / "dir" / "grid.png")  # parent folders are created
    assert save_image_grid(images, path) == path
    with Image.open(path) as png:
        assert png.format == "PNG"
        assert png.mode == mode
        assert png.size == (20, 12)  # PIL sizes are (width, height)
        pixels = np.asarray(png)
    expected = image_grid(images)
    np.testing.assert_array_equal(pixels, expected[..., 0] if channels == 1 else expected)
    # and, tile by tile, the hand conversion of the sources
    np.testing.assert_array_equal(pixels[2:5, 2:6], _to_uint8(images[0]).squeeze())


@pytest.mark.parametrize("scale", [2, 3])
def test_png_scale(tmp_path, scale):
    images = _images(c=3, seed=5)
    path = str(tmp_path / "grid.png")
    save_image_grid(images, path, columns=5, scale=scale)
    with Image.open(path) as png:
        assert png.size == (32 * scale, 7 * scale)
        pixels = np.asarray(png)
    # Nearest-neighbour enlargement: each pixel becomes a scale x scale block.
    grid = image_grid(images, columns=5)
    np.testing.assert_array_equal(pixels, grid.repeat(scale, axis=0).repeat(scale, axis=1))


# --------------------------------------------------------------------------------------
# SampleGrid during fit
# --------------------------------------------------------------------------------------


class _Recorder(keras.callbacks.Callback):
    """Runs after the SampleGrid callbacks and records what they saw at each epoch end."""

    def __init__(self, grid_callback):
        super().__init__()
        self.grid_callback = grid_callback
        self.latents = []
        self.images = []

    def on_epoch_end(self, epoch, logs=None):
        # The latents a grid of a latent GAN shows: the model's stream [seed, 0].
        cb = self.grid_callback
        latents = np.array(self.model.sample_latents(cb.num_samples, tf.constant([cb.seed, 0])))
        self.latents.append(latents)
        self.images.append(self.model.generate(latents=latents))


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample_grid")
    every1, every2, logs = str(root / "every1"), str(root / "every2"), str(root / "logs")
    gan = presets.build("dcgan_tiny", seed=0)
    gan.compile()
    real = np.random.default_rng(0).uniform(-1, 1, size=(24, 8, 8, 1)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices(real).batch(8)
    grid1 = SampleGrid(every1, num_samples=4, every=1)
    grid2 = SampleGrid(every2, num_samples=4, every=2, log_dir=logs)
    recorder = _Recorder(grid1)
    gan.fit(data, epochs=2, callbacks=[grid1, grid2, recorder], shuffle=False, verbose=0)
    return {"gan": gan, "every1": every1, "every2": every2, "logs": logs, "rec": recorder}


def _png(path):
    with Image.open(path) as png:
        return np.asarray(png)


def test_sample_grid_writes_each_epoch(fitted):
    files = sorted(os.listdir(fitted["every1"]))
    assert files == ["epoch_001.png", "epoch_002.png"]
    for name in files:
        # 4 samples of 8x8x1: 2 x 2 tiles, 2 * (8 + 2) + 2 = 22 pixels a side, grayscale.
        with Image.open(os.path.join(fitted["every1"], name)) as png:
            assert png.size == (22, 22) and png.mode == "L"


def test_sample_grid_latents_fixed(fitted):
    first, second = fitted["rec"].latents
    np.testing.assert_array_equal(first, second)
    # dcgan_tiny draws z ~ U[-1, 1] of size 16; seed 0 -> stateless seed [0, 0].
    expected = tf.random.stateless_uniform([4, 16], [0, 0], minval=-1.0, maxval=1.0).numpy()
    np.testing.assert_array_equal(first, expected)


def test_sample_grids_show_the_generator_at_that_epoch(fitted):
    grids = [_png(os.path.join(fitted["every1"], f"epoch_00{e}.png")) for e in (1, 2)]
    # Training moved the generator, so the same latents give different grids.
    assert np.any(grids[0] != grids[1])
    for grid, images in zip(grids, fitted["rec"].images):
        assert images.shape == (4, 8, 8, 1)
        for i in range(4):
            r, c = divmod(i, 2)
            top, left = 2 + r * 10, 2 + c * 10
            np.testing.assert_array_equal(
                grid[top : top + 8, left : left + 8], _to_uint8(images[i, ..., 0])
            )


def test_sample_grid_every_2(fitted):
    assert sorted(os.listdir(fitted["every2"])) == ["epoch_002.png"]
    # Same seed and same model as the every=1 callback: the same grid.
    np.testing.assert_array_equal(
        _png(os.path.join(fitted["every2"], "epoch_002.png")),
        _png(os.path.join(fitted["every1"], "epoch_002.png")),
    )


def test_sample_grid_tensorboard_summary(fitted):
    events = glob.glob(os.path.join(fitted["logs"], "samples", "events.out.tfevents.*"))
    assert len(events) == 1
    found = []
    for event in tf.compat.v1.train.summary_iterator(events[0]):
        for value in event.summary.value:
            if value.tag == "samples":
                found.append((event.step, tf.make_ndarray(value.tensor)))
    assert [step for step, _ in found] == [2]  # every=2: epoch 2 only
    width, height, png = found[0][1]
    assert (int(width), int(height)) == (22, 22)
    image = tf.image.decode_png(png).numpy()
    np.testing.assert_array_equal(
        image[..., 0], _png(os.path.join(fitted["every2"], "epoch_002.png"))
    )


@pytest.mark.parametrize("columns", [0, -2, 1.5])
def test_bad_columns_raise(columns):
    with pytest.raises(ValueError, match="columns must be a positive int or None"):
        image_grid(np.zeros((2, 3, 3, 1), "float32"), columns=columns)


def test_bad_scale_raises(tmp_path):
    with pytest.raises(ValueError, match="scale must be a positive int; received 1.5"):
        save_image_grid(np.zeros((2, 3, 3, 1), "float32"), str(tmp_path / "g.png"), scale=1.5)


def _event_tags(directory):
    counts = {}
    for path in glob.glob(os.path.join(directory, "events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(path):
            for value in tf.compat.v1.Event.FromString(record.numpy()).summary.value:
                counts[value.tag] = counts.get(value.tag, 0) + 1
    return counts


@pytest.mark.parametrize("tensorboard, expected", [(keras.callbacks.TensorBoard, 0),
                                                   ("ours", 3)])
def test_tensorboard_writes_every_epoch_whatever_update_freq(tmp_path, tensorboard, expected):
    """Keras' own callback drops epoch scalars unless the batch count is a multiple of
    update_freq (3 steps an epoch, update_freq=50: none); ours writes all three epochs."""
    from keras_gans.callbacks import TensorBoard

    cls = TensorBoard if tensorboard == "ours" else tensorboard
    x = keras.Input((2,))
    model = keras.Model(x, keras.layers.Dense(1)(x))
    model.compile("sgd", "mse")
    data = tf.data.Dataset.from_tensors((tf.ones([4, 2]), tf.ones([4, 1]))).repeat()
    model.fit(data, steps_per_epoch=3, epochs=3, verbose=0, shuffle=False,
              callbacks=[cls(str(tmp_path), update_freq=50)])
    assert _event_tags(str(tmp_path / "train")).get("epoch_loss", 0) == expected
