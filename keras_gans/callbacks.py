"""Callbacks for GAN training: sample grids written during ``fit``."""

import math
import os

import keras
import numpy as np
import tensorflow as tf
from PIL import Image


def image_grid(images, columns=None, padding=2):
    """Tiles images in [-1, 1] (``[N, H, W, C]``, C = 1 or 3) into one uint8 array."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or images.shape[0] == 0:
        raise ValueError(f"images must be [N>0, H, W, 1 or 3]; received shape {images.shape}.")
    if columns is not None and (not isinstance(columns, int) or columns < 1):
        raise ValueError(f"columns must be a positive int or None; received {columns!r}.")
    n, h, w, c = images.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    grid = np.full(
        (rows * (h + padding) + padding, columns * (w + padding) + padding, c), 255, np.uint8
    )
    pixels = np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top : top + h, left : left + w] = pixels[i]
    return grid


def save_image_grid(images, path, columns=None, scale=1, padding=2):
    """Writes :func:`image_grid` of ``images`` as a PNG (``scale`` enlarges it, nearest)."""
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive int; received {scale!r}.")
    grid = image_grid(images, columns, padding)
    image = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    image.save(path)
    return path


class SampleGrid(keras.callbacks.Callback):
    """Writes a grid of samples from fixed latents at the end of each epoch.

    The latents are drawn once, so the grids show the same points across training.
    Grids go to ``<directory>/epoch_<NNN>.png`` and, with ``log_dir``, to TensorBoard.

    Args:
        directory: where the PNG files go.
        num_samples: images in the grid (a square number looks best).
        seed: seed for the fixed latents.
        every: write every this many epochs.
        scale: enlarge the PNG by this integer factor (small images are hard to see).
        log_dir: optional TensorBoard log directory for an image summary.
    """

    def __init__(self, directory, num_samples=64, seed=0, every=1, scale=1, log_dir=None):
        super().__init__()
        self.directory = directory
        self.num_samples = num_samples
        self.seed = seed
        self.every = every
        self.scale = scale
        self.log_dir = log_dir
        self._latents = None
        self._writer = None

    def on_train_begin(self, logs=None):
        self._latents = self.model.sample_latents(self.num_samples, tf.constant([self.seed, 0]))
        if self.log_dir:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "samples"))

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        images = self.model.generate(latents=self._latents)
        path = os.path.join(self.directory, f"epoch_{epoch + 1:03d}.png")
        save_image_grid(images, path, scale=self.scale)
        if self._writer is not None:
            with self._writer.as_default():
                tf.summary.image("samples", image_grid(images)[None], step=epoch + 1)
            self._writer.flush()
