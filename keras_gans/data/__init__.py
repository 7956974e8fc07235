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
    source_of,
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
    "source_of",
    "to_uint8",
]

from keras_gans.data import mixtures  # noqa: E402  (2-D Gaussian mixtures: ring8, grid25)
__all__ += ["mixtures"]

# A user's own images (directories) and image-to-image data (Pix2Pix, CycleGAN).
from keras_gans.data import folders, paired  # noqa: E402
from keras_gans.data.folders import FolderInfo, ImageFolderError, load_folder  # noqa: E402
from keras_gans.data.paired import (  # noqa: E402
    SKIMAGE_TASKS,
    TranslationInfo,
    load_paired,
    load_unpaired,
    pix2pix_jitter,
    pix2pix_test_transform,
    unpaired_classes,
)

__all__ += [
    "FolderInfo",
    "ImageFolderError",
    "SKIMAGE_TASKS",
    "TranslationInfo",
    "folders",
    "load_folder",
    "load_paired",
    "load_unpaired",
    "paired",
    "pix2pix_jitter",
    "pix2pix_test_transform",
    "unpaired_classes",
]

# Super-resolution pairs (SRGAN, ESRGAN) and token sequences (SeqGAN).
from keras_gans.data import sequences, super_resolution  # noqa: E402
from keras_gans.data.sequences import SequenceInfo, Vocabulary, info_sequences, load_sequences  # noqa: E402
from keras_gans.data.super_resolution import info_super_resolution, load_super_resolution  # noqa: E402

__all__ += [
    "SequenceInfo",
    "Vocabulary",
    "info_sequences",
    "info_super_resolution",
    "load_sequences",
    "load_super_resolution",
    "sequences",
    "super_resolution",
]

# Label maps -> photos (pix2pixHD, GauGAN / SPADE) and their model-side encoding.
from keras_gans.data import label_maps  # noqa: E402
from keras_gans.data.label_maps import (  # noqa: E402
    LABEL_MAP_TASKS,
    LabelMapInfo,
    encode_label_map,
    instance_edges,
    load_label_maps,
)

__all__ += [
    "LABEL_MAP_TASKS",
    "LabelMapInfo",
    "encode_label_map",
    "instance_edges",
    "label_maps",
    "load_label_maps",
]
