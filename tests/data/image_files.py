"""Helpers of the folder and paired data tests: writing image files, reading pixels back."""

import pathlib

import numpy as np
from PIL import Image

from keras_gans import data


def save(path, array, **kwargs):
    """Writes a uint8 array ([H, W] gray or [H, W, C]) as PNG/JPEG by extension."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    array = np.asarray(array, np.uint8)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    Image.fromarray(array).save(path, **kwargs)
    return str(path)


def const(h, w, value, c=3):
    """An [h, w, c] uint8 image of one value."""
    return np.full((h, w, c), value, np.uint8)


def to_u8(x):
    """Images in [-1, 1] back to uint8."""
    return data.to_uint8(np.asarray(x))
