"""Data pipelines: image datasets (local files, scikit-learn, TFDS) as tf.data."""

from keras_gans.data.idx import IDXFormatError, read_idx
from keras_gans.data.images import (
    DATA_DIR_ENV,
    LOCAL_DATASETS,
    DatasetInfo,
    DatasetNotFoundError,
    info,
    load,
    load_numpy,
    to_uint8,
)

__all__ = [
    "DATA_DIR_ENV",
    "LOCAL_DATASETS",
    "DatasetInfo",
    "DatasetNotFoundError",
    "IDXFormatError",
    "info",
    "load",
    "load_numpy",
    "read_idx",
    "to_uint8",
]

from keras_gans.data import mixtures  # noqa: E402  (2-D Gaussian mixtures: ring8, grid25)
__all__ += ["mixtures"]
