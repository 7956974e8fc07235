"""Label-map datasets (semantic map -> photo) for pix2pixHD and GauGAN (SPADE).

Elements are dicts, batched:

* `"labels"`: int32 `[B, H, W, 1]`, class indices in `[0, num_classes)`;
* `"target"`: float32 `[B, H, W, 3]` in [-1, 1], the photo;
* `"instances"`: int32 `[B, H, W, 1]`, instance ids (only when the dataset has
  instance maps; only their boundaries matter: `instance_edges`).

Label and instance maps are only ever resized by nearest neighbour (no new
values appear); the photo is resized antialiased bicubic (uint8, rounded, as
PIL). Random crops and flips use one offset and one flip for all maps of an
element (`keras_gans.data.paired.random_crop_flip`, stateless keys
`[seed, r]` as every loader of `keras_gans.data`).

The models encode a batch with `encode_label_map`: a one-hot map
`[B, H, W, num_classes]` (0/1 float32, as pix2pixHD and SPADE feed G and D),
plus one channel of `instance_edges` when instances are given.

Sources (all reachable through `keras_gans.data.load(name, ...)` and
`keras_gans.data.info(name)`):

| name | what |
|---|---|
| `"skimage_labels2photo"` | offline: superpixel class maps of scikit-image's photos -> the photos (below) |
| `"skimage_labels2photo_regions"` | the same maps and photos, held out by region instead of by photo (below) |
| a directory with `images/` + `labels/` (+ `instances/`) | your own data (below); also pix2pixHD's `train_img/ train_label/ train_inst/` layout |
| `"cityscapes"` | TFDS `cityscapes/semantic_segmentation` (manual download): 35 labelIds, no instances in TFDS |
| `"scene_parse150"` | TFDS `scene_parse150`: ADE20K images with the 2017 *instance* annotations (see below) |

**`skimage_labels2photo`.** The nine scikit-image photos and the train/test
split of the other scikit-image tasks (`keras_gans.data.paired.SKIMAGE_PHOTOS`;
train: astronaut, rocket, the motorcycle stereo pair, hubble_deep_field,
retina; test: chelsea, coffee, immunohistochemistry). Each photo is resized
(PIL bicubic, antialiased) so its shorter side is `photo_size` pixels (default
256; the longer side is rounded), then:

1. SLIC superpixels: `skimage.segmentation.slic(photo, n_segments=H * W // 400,
   compactness=10, sigma=1, start_label=0, channel_axis=-1)` (about one
   superpixel per 20 x 20 pixels; SLIC works in Lab);
2. each superpixel's mean colour in CIE Lab (`skimage.color.rgb2lab`);
3. k-means with `num_classes` centres (default 8):
   `sklearn.cluster.KMeans(num_classes, n_init=10, random_state=0)` fitted on
   the mean colours of the TRAIN photos' superpixels only (one point per
   superpixel); every superpixel of every photo, train and test, gets the
   class of its nearest centre (Euclidean in Lab). Classes are numbered by
   the centres' lightness L (0 = darkest), then a, then b;
4. instances: the connected components (4-connectivity) of the class map,
   `skimage.measure.label(classes, background=-1, connectivity=1)`, so the
   edge channel carries region boundaries as Cityscapes' instance maps do.

The whole preprocessing (about 1 s on one core for all nine photos at 256) is
done once per process and cached (`skimage_label_maps`). Train elements are
random `image_size` crops (default `photo_size`, square) of a uniformly chosen
training photo, flipped left-right with probability 1/2 (`jitter`); an epoch
is 64 crops per training photo (384). Test elements are 16 fixed crops per
held-out photo (48; positions from a constant seed, no flip), the same every
run. `dont_care` is None; class names are unknown (the class colours are in
`skimage_label_maps(...).centers_rgb`).

**`skimage_labels2photo_regions`.** The same label maps, photos and classes
(the k-means still fitted on the six training photos), split inside every
photo instead: the right-most `ceil(width / 4)` columns of each of the nine
photos are the test split, the other columns the train split, so test maps
are unseen but come from scenes the model has seen parts of (as a Cityscapes
test city is unseen, but not its kind of street). The default crop is
`ceil(photo_size / 4)` square (64 at the default 256), the largest that fits
every held-out region; an epoch is 64 random crops of every photo's training
part (576), the test split 16 fixed crops of every held-out part (144). No
crop straddles the boundary; superpixels and connected regions do (they are
computed on the whole photo).

**Directories.** Three layouts are detected (`is_label_map_directory`):

```
dir/                          dir/                          dir/
  images/  [train/ test/ ...]   train/ images/ labels/        train_img/  train_label/  train_inst/
  labels/  [train/ test/ ...]          [instances/]           test_img/   test_label/   test_inst/
  [instances/ [train/ ...]]     test/  images/ labels/ ...    (pix2pixHD's own layout; val_* too)
```

`annotations/` is read as `labels/` and `training/` as `train/` (so
ADE20K's `ADEChallengeData2016/` folder loads as is). Split folders are
`train/`, `test/`, `val/`, `validation/`; `split="test"` falls back to `val/`
(as `keras_gans.data.folders`). Without split folders a fixed `holdout` share
(10%) of the examples, by a hash of their names, is the test split. A split
with label maps but no photos (pix2pixHD ships `test_label/` without
`test_img/`) is listed in the info's description and cannot be loaded.

* Files are matched by their name without extension, relative to their
  folder (subfolders such as Cityscapes' cities are kept); Cityscapes'
  suffixes (`_leftImg8bit`, `_gtFine_labelIds`, `_gtFine_instanceIds`,
  `_gtCoarse_*`) are dropped first, so `aachen_000000_000019_leftImg8bit.png`
  pairs with `aachen_000000_000019_gtFine_labelIds.png`. Unmatched names are
  an error listing them.
* Photos are PNG/JPEG (converted to RGB). Label and instance maps must be
  single-channel PNGs, 8- or 16-bit (1/2/4-bit too); 16-bit files are decoded
  with `tf.io.decode_png(dtype=tf.uint16)`. A colour or palette label PNG, a
  JPEG label map, unmatched names or missing folders are an `ImageFolderError`
  naming the file or folder. Cityscapes' instanceIds (`label * 1000 + k` for
  "thing" classes, the label id for "stuff") are used as they are.
* `num_classes`: given, or found by decoding every label map once and taking
  the largest value + 1 (cached per file for the process; about 15 ms per
  1024 x 2048 Cityscapes PNG on one core, so some 50 s for its 3,475
  train + val maps, spread over up to 8 threads). A label value
  `>= num_classes` stops the pipeline with an error naming the file
  (`tf.errors.InvalidArgumentError`); `verify="decode"` checks every map up
  front instead (`ImageFolderError`).
* `dont_care`: the value in the label files that marks "don't care" pixels,
  or None. Those pixels become the last class, `num_classes - 1` (which
  `num_classes` counts), and labels above that value move down by one: SPADE's
  rules, `dont_care=255` as its `Pix2pixDataset` (255 -> `label_nc`) and
  `dont_care=0` as its ADE20K loader (`label - 1`, 0 -> 150, so ADE20K has
  `num_classes=151` and don't-care index 150).
* Sizes as in `keras_gans.data.paired.load_paired`: `image_size` is the
  output (crop) size, None meaning 256 x 256; with `jitter` (default on for
  train) every map is resized to `load_size` (default 286/256 of the crop;
  pass `load_size=image_size` for flips only, as SPADE's Cityscapes setting)
  and cropped at one random offset and flipped together; without it a plain
  resize to `image_size`. Pass a `(height, width)` pair to keep an aspect
  ratio (Cityscapes: `(256, 512)`).

**TFDS.** `"cityscapes"` reads TFDS's `cityscapes/semantic_segmentation`
(features `image_left` uint8 `[1024, 2048, 3]`, `segmentation_label` uint8
`[1024, 2048, 1]` holding the labelIds 0..33): `num_classes=35` as pix2pixHD
and SPADE (`label_nc=35`), no don't-care label, no instance maps (TFDS does not
store Cityscapes' instanceIds: for pix2pixHD's instance edges load the
official folders instead). Its files need a manual download (registration at
cityscapes-dataset.com). `split="test"` reads TFDS's `validation` split (500
images; Cityscapes' own test labels are not public); other split strings go to
TFDS unchanged. Default size `(256, 512)`, flips only (SPADE's `fixed`
preprocessing).

`"scene_parse150"`: TFDS's builder downloads the Places Challenge 2017
`images.tar` and `annotations_instance.tar` (feature `image`, and `annotation`,
a 3-channel PNG whose **red channel is one of 100 object categories**
(`ADE20K_INSTANCE_CLASS_NAMES`, 0 = none: stuff and unlabelled pixels) and
whose green channel is the instance id). It is not the 150-class scene-parsing
map SPADE trains on (`ADEChallengeData2016.zip`; load that folder with
`dont_care=0`). Here labels are the red channel with SPADE's ADE20K rule
(`label - 1`, 0 -> the last class): `num_classes=101`, `dont_care=100`;
`"instances"` are the green channel. TFDS splits `train` (20,210) and `test`
(ADE20K's 2,000 validation images; `"val"` also reads it). Default size 256,
with pix2pix's 286 -> 256 jitter (SPADE's ADE20K setting).

When TFDS cannot provide a dataset (no internet, files not downloaded), the
`DatasetNotFoundError` says both ways to get the data: a local directory, or
the TFDS download / manual-download steps.

Example:

```python
from keras_gans import data
from keras_gans.data import label_maps

ds = data.load("skimage_labels2photo", batch_size=4, seed=0)
batch = next(iter(ds))   # labels int32 [4, 256, 256, 1], instances int32, target float32
info = data.info("skimage_labels2photo")              # num_classes=8, has_instances=True
x = label_maps.encode_label_map(batch["labels"], info.num_classes, batch["instances"])  # [4, 256, 256, 9]
```
"""

import concurrent.futures
import dataclasses
import os
import re
import threading
import time

import numpy as np
import tensorflow as tf
from absl import logging

from keras_gans.data import folders as _folders
from keras_gans.data import images as _images
from keras_gans.data import paired as _paired
from keras_gans.data.folders import ImageFolderError
from keras_gans.data.images import DatasetNotFoundError
from keras_gans.data.paired import TranslationInfo

__all__ = [
    "ADE20K_INSTANCE_CLASS_NAMES",
    "CITYSCAPES_CLASS_NAMES",
    "LABEL_MAP_TASKS",
    "LabelMapInfo",
    "SkimageLabelMaps",
    "SkimagePhotoMaps",
    "TFDS_LABEL_MAPS",
    "encode_label_map",
    "instance_edges",
    "is_label_map_directory",
    "is_label_map_name",
    "label_map_info",
    "label_map_jitter",
    "load_label_maps",
    "resize_label_map",
    "skimage_label_maps",
]

SKIMAGE_LABEL_TASK = "skimage_labels2photo"
SKIMAGE_REGION_TASK = "skimage_labels2photo_regions"
LABEL_MAP_TASKS = {
    SKIMAGE_LABEL_TASK: "SLIC superpixels of scikit-image's photos grouped into classes by k-means on their "
    "Lab colour (instances: connected components) -> RGB photo",
    SKIMAGE_REGION_TASK: "the label maps of skimage_labels2photo, held out by region: every photo's right-most "
    "quarter is the test split, the rest the train split",
}
# skimage_labels2photo_regions: the right-most ceil(width / SKIMAGE_REGION_DIVISOR) columns of
# every photo are held out.
SKIMAGE_REGION_DIVISOR = 4
DEFAULT_PHOTO_SIZE = 256
DEFAULT_NUM_CLASSES = 8
SLIC_PIXELS_PER_SEGMENT = 400
SLIC_COMPACTNESS = 10.0
SLIC_SIGMA = 1.0
KMEANS_SEED = 0
KMEANS_INITS = 10

# Keys resized by nearest neighbour; every other key of an element is a photo (bicubic).
MAP_KEYS = ("labels", "instances")

# Cityscapes labelIds 0..33 (cityscapesScripts' labels.py); pix2pixHD and SPADE one-hot 35 channels.
CITYSCAPES_CLASS_NAMES = (
    "unlabeled", "ego vehicle", "rectification border", "out of roi", "static", "dynamic", "ground", "road",
    "sidewalk", "parking", "rail track", "building", "wall", "fence", "guard rail", "bridge", "tunnel", "pole",
    "polegroup", "traffic light", "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car",
    "truck", "bus", "caravan", "trailer", "train", "motorcycle", "bicycle", "(unused)",
)

# The 100 categories of the Places Challenge 2017 instance annotations (instanceInfo100), ids 1..100,
# here 0..99 after SPADE's ADE20K shift; index 100 is "don't care" (id 0: no instance category).
ADE20K_INSTANCE_CLASS_NAMES = (
    "bed", "windowpane", "cabinet", "person", "door", "table", "curtain", "chair", "car", "painting", "sofa",
    "shelf", "mirror", "armchair", "seat", "fence", "desk", "wardrobe", "lamp", "bathtub", "railing", "cushion",
    "box", "column", "signboard", "chest of drawers", "counter", "sink", "fireplace", "refrigerator", "stairs",
    "case", "pool table", "pillow", "screen door", "bookcase", "coffee table", "toilet", "flower", "book",
    "bench", "countertop", "stove", "palm", "kitchen island", "computer", "swivel chair", "boat",
    "arcade machine", "bus", "towel", "light", "truck", "chandelier", "awning", "streetlight", "booth",
    "television receiver", "airplane", "apparel", "pole", "bannister", "ottoman", "bottle", "van", "ship",
    "fountain", "washer", "plaything", "stool", "barrel", "basket", "bag", "minibike", "oven", "ball", "food",
    "step", "trade name", "microwave", "pot", "animal", "bicycle", "dishwasher", "screen", "sculpture", "hood",
    "sconce", "vase", "traffic light", "tray", "ashcan", "fan", "plate", "monitor", "bulletin board",
    "radiator", "glass", "clock", "flag", "(don't care)",
)


@dataclasses.dataclass(frozen=True)
class _TfdsSpec:
    tfds_name: str
    image_key: str
    label_key: str
    instance_from_green: bool  # instances = the annotation's green channel
    num_classes: int
    dont_care_value: object  # value in the data marking don't-care pixels (SPADE's remap), or None
    class_names: tuple
    splits: dict  # our split -> TFDS split
    default_size: tuple
    crop: bool  # default jitter: 286/256 resize + random crop (else flips only)
    native_shape: tuple
    how_to_get: str


TFDS_LABEL_MAPS = {
    "cityscapes": _TfdsSpec(
        tfds_name="cityscapes/semantic_segmentation", image_key="image_left", label_key="segmentation_label",
        instance_from_green=False, num_classes=35, dont_care_value=None, class_names=CITYSCAPES_CLASS_NAMES,
        splits={"test": "validation", "val": "validation"}, default_size=(256, 512), crop=False,
        native_shape=(1024, 2048),
        how_to_get=(
            "TFDS (manual download): register at https://www.cityscapes-dataset.com/login/, download "
            "leftImg8bit_trainvaltest.zip and gtFine_trainvaltest.zip into {manual}, then run "
            "`tfds build cityscapes/semantic_segmentation{data_dir_flag}` (or call keras_gans.data.load"
            "('cityscapes'{data_dir_arg}) again: TFDS then prepares it from those files)."
        ),
    ),
    "scene_parse150": _TfdsSpec(
        tfds_name="scene_parse150", image_key="image", label_key="annotation", instance_from_green=True,
        num_classes=101, dont_care_value=0, class_names=ADE20K_INSTANCE_CLASS_NAMES,
        splits={"val": "test", "validation": "test"}, default_size=(256, 256), crop=True, native_shape=(None, None),
        how_to_get=(
            "TFDS: on a machine with internet access run `tfds build scene_parse150{data_dir_flag}` (about 1 GB "
            "from sceneparsing.csail.mit.edu), then copy that data directory here and pass data_dir=DIR "
            "(default ~/tensorflow_datasets)."
        ),
    ),
}
_TFDS_ALIASES = {"cityscapes/semantic_segmentation": "cityscapes"}


@dataclasses.dataclass(frozen=True)
class LabelMapInfo(TranslationInfo):
    """What a label-map dataset holds (a `TranslationInfo` with `kind="label_map"`).

    `num_classes` is the one-hot width (it counts the don't-care class when
    there is one); `image_shape` is the photo's native `(H, W, 3)` (None where
    sizes vary); `num_examples` counts elements per epoch for each split;
    `shapes` maps `"labels"`, `"target"` (and `"instances"`) to native shapes.

    Attributes:
        has_instances: elements carry `"instances"`.
        dont_care: the label index of "don't care" pixels (`num_classes - 1`),
            or None.
        class_names: names of the classes in label order, when known (else
            empty).
        split_source: directories: `"folders"` (split folders) or `"holdout"`.
    """

    has_instances: bool = False
    dont_care: object = None
    class_names: tuple = ()
    split_source: str = ""


# --------------------------------------------------------------------------- #
# Model-side encoding (pure TF, graph-safe)
# --------------------------------------------------------------------------- #


def _check_maps(x, arg):
    x = tf.convert_to_tensor(x)
    if x.shape.rank is not None and (x.shape.rank != 4 or (x.shape[-1] is not None and x.shape[-1] != 1)):
        raise ValueError(f"{arg} must be a [batch, height, width, 1] map; got shape {x.shape}.")
    return x


def instance_edges(instances):
    """pix2pixHD's instance boundary map (`Pix2PixHDModel.get_edges`).

    A pixel is 1 where its id differs from its left or right neighbour, or
    from the one above or below: every differing neighbour pair marks both of
    its pixels, so boundaries are two pixels wide. Image borders are not
    edges.

    Args:
        instances: `[B, H, W, 1]` instance ids (any int or float dtype).

    Returns:
        float32 `[B, H, W, 1]` of 0 and 1.
    """
    t = _check_maps(instances, "instances")
    horizontal = tf.cast(tf.not_equal(t[:, :, 1:], t[:, :, :-1]), tf.float32)  # [B, H, W-1, 1]
    vertical = tf.cast(tf.not_equal(t[:, 1:], t[:, :-1]), tf.float32)  # [B, H-1, W, 1]
    pad_w, pad_h = [[0, 0], [0, 0], [1, 0], [0, 0]], [[0, 0], [1, 0], [0, 0], [0, 0]]
    after_w, after_h = [[0, 0], [0, 0], [0, 1], [0, 0]], [[0, 0], [0, 1], [0, 0], [0, 0]]
    edge = tf.maximum(tf.pad(horizontal, pad_w), tf.pad(horizontal, after_w))  # right side, left side
    edge = tf.maximum(edge, tf.maximum(tf.pad(vertical, pad_h), tf.pad(vertical, after_h)))
    return edge


def encode_label_map(labels, num_classes, instances=None):
    """The generator / discriminator input of pix2pixHD and SPADE for a label map.

    Args:
        labels: int `[B, H, W, 1]` class indices in `[0, num_classes)` (an index
            outside gives an all-zero one-hot vector, as `tf.one_hot`).
        num_classes: the one-hot width (counting a don't-care class).
        instances: optional int `[B, H, W, 1]` instance ids: their
            `instance_edges` are appended as one more channel.

    Returns:
        float32 `[B, H, W, num_classes]` of 0/1, or `[B, H, W, num_classes + 1]`
        with the edge channel last.
    """
    if not (_images._is_int(num_classes) and num_classes > 0):
        raise ValueError(f"num_classes must be a positive int; got {num_classes!r}.")
    labels = _check_maps(labels, "labels")
    if labels.dtype.is_floating or labels.dtype == tf.bool:
        labels = tf.cast(labels, tf.int32)
    onehot = tf.one_hot(tf.cast(labels[..., 0], tf.int32), int(num_classes), dtype=tf.float32)
    if instances is None:
        return onehot
    return tf.concat([onehot, instance_edges(instances)], axis=-1)


# --------------------------------------------------------------------------- #
# Resizing and jitter of label-map elements
# --------------------------------------------------------------------------- #


def _resize_entry(key, x, size):
    x = tf.convert_to_tensor(x)
    if key in MAP_KEYS:
        # Nearest neighbour keeps the dtype and never creates a value.
        return tf.image.resize(x, size, method="nearest")
    return _paired._resize_any(x, size, "bicubic")


def resize_label_map(element, size):
    """Resizes an unbatched element: maps by nearest neighbour, the photo bicubic.

    Args:
        element: dict with `"labels"` (and `"instances"`) `[H, W, 1]` maps and
            `"target"` `[H, W, 3]` (uint8, rounded as PIL; or float in [-1, 1]).
        size: int or `(height, width)`.

    Returns:
        The dict, every entry `[height, width, C]`.
    """
    size = _paired._hw(size, "size")
    return {k: _resize_entry(k, v, size) for k, v in element.items()}


def label_map_jitter(element, seed, load_size, crop_size, flip=True):
    """pix2pix's resize-crop-flip for a label-map element, identical for every entry.

    `resize_label_map` to `load_size`, then `keras_gans.data.paired.random_crop_flip`
    (one crop offset and one flip from the stateless `seed` for all entries).

    Args:
        element: dict of `[H, W, C]` tensors (`"labels"`, `"instances"`, `"target"`).
        seed: int tensor `[2]`.
        load_size: int or `(height, width)`; equal to `crop_size` for flips only.
        crop_size: int or `(height, width)`, at most `load_size`.
        flip: allow the random left-right flip.
    """
    lh, lw = _paired._hw(load_size, "load_size")
    ch, cw = _paired._hw(crop_size, "crop_size")
    if ch > lh or cw > lw:
        raise ValueError(f"crop_size {(ch, cw)} must not exceed load_size {(lh, lw)}.")
    return _paired.random_crop_flip(resize_label_map(element, (lh, lw)), seed, (ch, cw), flip=flip)


def _remap_dont_care(raw, num_classes, dont_care_value):
    """SPADE's don't-care rule: `value` -> `num_classes - 1`, labels above it move down by one."""
    if dont_care_value is None:
        return raw
    dc = tf.constant(int(dont_care_value), raw.dtype)
    shifted = raw - tf.cast(raw > dc, raw.dtype)
    return tf.where(tf.equal(raw, dc), tf.constant(num_classes - 1, raw.dtype), shifted)


def _checked_labels(raw, num_classes, dont_care_value, where):
    """Remaps the don't-care value and asserts every class index is in range.

    Args:
        raw: int32 `[H, W, 1]` as stored.
        where: string tensor naming the file / example, for the error.
    """
    labels = _remap_dont_care(raw, num_classes, dont_care_value)
    limit = num_classes - 1 if dont_care_value is not None else num_classes
    real = labels if dont_care_value is None else tf.where(tf.equal(raw, int(dont_care_value)), 0, labels)
    top = tf.reduce_max(real)
    low = tf.reduce_min(real)
    dc_note = "" if dont_care_value is None else (
        f" (after the don't-care remap of value {dont_care_value}; class indices must stay below "
        f"{limit}, the don't-care index)")
    ok = tf.logical_and(top < limit, low >= 0)
    check = tf.debugging.Assert(ok, [tf.strings.join([
        "label map ", where, " holds class index ", tf.strings.as_string(tf.where(low < 0, low, top)),
        f", outside [0, {limit}) for num_classes={num_classes}{dc_note}. Pass a larger num_classes "
        "(or num_classes=None to find it), or fix the file.",
    ])], summarize=1)
    with tf.control_dependencies([check]):
        return tf.identity(labels)


# --------------------------------------------------------------------------- #
# Argument checks
# --------------------------------------------------------------------------- #


def _check_with_labels(with_labels, name):
    if _images._check_bool("with_labels", with_labels):
        raise ValueError(
            f"with_labels=True, but {name!r} is a label-map dataset: its elements already hold the label maps "
            "under 'labels' (a dict {'labels', 'target'[, 'instances']}). Use with_labels=False."
        )


def _check_num_classes(num_classes, arg="num_classes", allow_none=True, low=1, high=None):
    if num_classes is None and allow_none:
        return None
    if _images._is_int(num_classes) and num_classes >= low and (high is None or num_classes <= high):
        return int(num_classes)
    bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
    raise ValueError(f"{arg} must be an int {bound}{' or None' if allow_none else ''}; got {num_classes!r}.")


def _check_dont_care(dont_care):
    if dont_care is None:
        return None
    if _images._is_int(dont_care) and 0 <= dont_care <= 65535:
        return int(dont_care)
    raise ValueError(
        f"dont_care must be None or the label value (0..65535) that marks don't-care pixels in the label "
        f"files, e.g. 255 or 0 (ADE20K); got {dont_care!r}."
    )


def _check_instances_arg(instances):
    if instances is None or _images._is_bool(instances):
        return instances
    raise ValueError(f"instances must be None (use instance maps when present), True or False; got {instances!r}.")


# --------------------------------------------------------------------------- #
# scikit-image superpixel label maps
# --------------------------------------------------------------------------- #


@dataclasses.dataclass(frozen=True)
class SkimagePhotoMaps:
    """One photo of `skimage_labels2photo` (read-only arrays)."""

    name: str
    split: str
    labels: np.ndarray  # uint8 [H, W], class per pixel
    instances: np.ndarray  # int32 [H, W], connected components (1, 2, ...)
    photo: np.ndarray  # uint8 [H, W, 3], resized
    superpixels: int


@dataclasses.dataclass(frozen=True)
class SkimageLabelMaps:
    """The computed `skimage_labels2photo` data (see the module docstring).

    Attributes:
        photo_size: the photos' shorter side.
        num_classes: number of k-means classes.
        photos: a tuple of `SkimagePhotoMaps`, in `SKIMAGE_PHOTOS` order.
        centers_lab: float64 `[num_classes, 3]`, the class centres in Lab (L sorted).
        centers_rgb: uint8 `[num_classes, 3]`, the same as sRGB colours.
        fit_photos: names of the photos whose superpixels fitted the k-means.
        seconds: wall time of the preprocessing.
    """

    photo_size: int
    num_classes: int
    photos: tuple
    centers_lab: np.ndarray
    centers_rgb: np.ndarray
    fit_photos: tuple
    seconds: float


_SKIMAGE_CACHE = {}
_SKIMAGE_LOCK = threading.Lock()


def _resize_photo(photo, photo_size):
    from PIL import Image

    h, w = photo.shape[:2]
    nh, nw = _resized_hw(h, w, photo_size)
    if (nh, nw) == (h, w):
        return np.ascontiguousarray(photo)
    return np.asarray(Image.fromarray(photo).resize((nw, nh), Image.BICUBIC))


def _superpixel_means(photo):
    import skimage.color
    import skimage.segmentation

    h, w = photo.shape[:2]
    segments = skimage.segmentation.slic(
        photo, n_segments=max(1, h * w // SLIC_PIXELS_PER_SEGMENT), compactness=SLIC_COMPACTNESS,
        sigma=SLIC_SIGMA, start_label=0, channel_axis=-1,
    )
    _, segments = np.unique(segments, return_inverse=True)  # ids 0..n-1 without gaps
    segments = segments.reshape(h, w)
    lab = skimage.color.rgb2lab(photo).reshape(-1, 3)
    n = int(segments.max()) + 1
    flat = segments.ravel()
    counts = np.bincount(flat, minlength=n).astype(np.float64)
    means = np.stack([np.bincount(flat, weights=lab[:, c], minlength=n) for c in range(3)], 1) / counts[:, None]
    return segments, means


def skimage_label_maps(photo_size=DEFAULT_PHOTO_SIZE, num_classes=DEFAULT_NUM_CLASSES):
    """Computes (once per process) the superpixel class maps of `skimage_labels2photo`.

    Args:
        photo_size: the shorter side the photos are resized to (>= 16).
        num_classes: number of k-means classes (2..255).

    Returns:
        A `SkimageLabelMaps`.
    """
    photo_size = _check_num_classes(photo_size, "photo_size", allow_none=False, low=16)
    num_classes = _check_num_classes(num_classes, allow_none=False, low=2, high=255)
    key = (photo_size, num_classes)
    with _SKIMAGE_LOCK:
        if key in _SKIMAGE_CACHE:
            return _SKIMAGE_CACHE[key]
        import skimage.color
        import skimage.measure
        from sklearn.cluster import KMeans

        start = time.perf_counter()
        raw = []
        for name, _, split in _paired.SKIMAGE_PHOTOS:
            photo = _resize_photo(_paired.skimage_photo(name), photo_size)
            segments, means = _superpixel_means(photo)
            raw.append((name, split, photo, segments, means))
        fit = [r for r in raw if r[1] == "train"]
        points = np.concatenate([r[4] for r in fit])
        if len(points) < num_classes:
            raise ValueError(
                f"num_classes={num_classes} exceeds the {len(points)} superpixels of the training photos at "
                f"photo_size={photo_size}; use fewer classes or a larger photo_size."
            )
        km = KMeans(n_clusters=num_classes, n_init=KMEANS_INITS, random_state=KMEANS_SEED).fit(points)
        centers = km.cluster_centers_
        order = np.lexsort((centers[:, 2], centers[:, 1], centers[:, 0]))  # by L, then a, then b
        centers = centers[order]
        photos = []
        for name, split, photo, segments, means in raw:
            d = ((means[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
            classes = np.argmin(d, axis=1).astype(np.uint8)[segments]
            instances = skimage.measure.label(classes, background=-1, connectivity=1).astype(np.int32)
            for a in (classes, instances, photo):
                a.flags.writeable = False
            photos.append(SkimagePhotoMaps(name=name, split=split, labels=classes, instances=instances,
                                           photo=photo, superpixels=len(means)))
        rgb = skimage.color.lab2rgb(centers[None])[0]
        centers_rgb = np.clip(np.round(rgb * 255.0), 0, 255).astype(np.uint8)
        seconds = time.perf_counter() - start
        logging.info("skimage_labels2photo (photo_size=%d, num_classes=%d): preprocessing took %.2f s.",
                     photo_size, num_classes, seconds)
        result = SkimageLabelMaps(
            photo_size=photo_size, num_classes=num_classes, photos=tuple(photos), centers_lab=centers,
            centers_rgb=centers_rgb, fit_photos=tuple(r[0] for r in fit), seconds=seconds,
        )
        _SKIMAGE_CACHE[key] = result
        return result


def _resized_hw(h, w, photo_size):
    """`(height, width)` of a photo whose shorter side is resized to `photo_size` (longer side rounded)."""
    scale = photo_size / min(h, w)
    if h <= w:
        return photo_size, max(photo_size, int(round(w * scale)))
    return max(photo_size, int(round(h * scale))), photo_size


def _skimage_resized_shapes(photo_size):
    """`{photo: (height, width)}` after the resize, from the files' headers (no decoding)."""
    from PIL import Image

    out = {}
    for name, f, _ in _paired.SKIMAGE_PHOTOS:
        with Image.open(os.path.join(_paired._skimage_dir(), f)) as im:
            w, h = im.size
        out[name] = _resized_hw(h, w, photo_size)
    return out


def _region_width(width):
    """Width of the held-out right-most region of a `width`-pixel photo (`skimage_labels2photo_regions`)."""
    return -(-width // SKIMAGE_REGION_DIVISOR)


def _skimage_parts(name, split, photo_size):
    """`{photo: (height, width)}` of the parts of the resized photos that `name`'s `split` crops from.

    `skimage_labels2photo`: the whole photos of the split; `..._regions`: every photo's
    held-out right-most region (test) or the rest (train).
    """
    shapes = _skimage_resized_shapes(photo_size)
    if name == SKIMAGE_LABEL_TASK:
        return {n: shapes[n] for n, _, s in _paired.SKIMAGE_PHOTOS if s == split}
    return {n: (h, _region_width(w) if split == "test" else w - _region_width(w)) for n, (h, w) in shapes.items()}


def _load_skimage(name, split, batch_size, size, shuffle, seed, repeat, drop_remainder, *, photo_size,
                  num_classes, jitter, load_size):
    if split not in ("train", "test"):
        raise ValueError(f"split for {name!r} must be 'train' or 'test'; got {split!r}.")
    if load_size is not None:
        raise ValueError(
            f"load_size does not apply to {name!r}: it crops the resized photos (set their size "
            "with photo_size); pass image_size (the crop size) only."
        )
    photo_size = _check_num_classes(photo_size, "photo_size", allow_none=False, low=16)
    num_classes = DEFAULT_NUM_CLASSES if num_classes is None else num_classes
    jitter = _paired._check_jitter(jitter, split)
    regions = name == SKIMAGE_REGION_TASK
    side = _region_width(photo_size) if regions else photo_size
    crop = size or (side, side)
    parts = _skimage_parts(name, split, photo_size)
    small = [(n, hw) for n, hw in parts.items() if crop[0] > hw[0] or crop[1] > hw[1]]
    if small:
        what = f"the {split} regions of the photos" if regions else "every photo"
        raise ValueError(
            f"image_size {crop} does not fit {what} resized to photo_size={photo_size} (crops must fit "
            f"all of them): {', '.join(f'{n} is {h}x{w}' for n, (h, w) in small)}."
            + (" Use a larger photo_size or a smaller image_size." if regions else "")
        )
    maps = skimage_label_maps(photo_size, num_classes)
    photos = [p for p in maps.photos if p.name in parts]
    # The columns each photo's crops come from (all of them for skimage_labels2photo).
    cols = [slice(p.photo.shape[1] - parts[p.name][1], None) if split == "test" else slice(0, parts[p.name][1])
            for p in photos]
    stacked = [
        {"labels": tf.constant(p.labels[:, c, None].astype(np.int32)),
         "target": tf.constant(p.photo[:, c]),
         "instances": tf.constant(p.instances[:, c, None])}
        for p, c in zip(photos, cols)
    ]
    ch, cw = crop

    def whole(k):
        return tf.switch_case(k, [lambda a=a: dict(a) for a in stacked])

    def finish(x):
        return {"labels": x["labels"], "target": _folders.to_float(x["target"]), "instances": x["instances"]}

    if split == "train":
        n = len(photos) * _paired.SKIMAGE_TRAIN_CROPS_PER_PHOTO

        def random_crop(_, key):
            s = tf.random.experimental.stateless_split(key, 2)
            k = tf.random.stateless_uniform([], s[0], minval=0, maxval=len(photos), dtype=tf.int32)
            return finish(_paired.random_crop_flip(whole(k), s[1], crop, flip=jitter))

        ds = tf.data.Dataset.range(n).repeat() if repeat is True else tf.data.Dataset.range(n * (int(repeat) or 1))
        ds = _folders.keyed_map(ds, random_crop, _paired._seed_or_new(seed))
    else:
        heights = np.array([parts[p.name][0] for p in photos], np.int64)
        widths = np.array([parts[p.name][1] for p in photos], np.int64)
        ks, ys, xs = _paired._skimage_positions(heights, widths, crop, _paired.SKIMAGE_TEST_CROPS_PER_PHOTO)

        def crop_at(k, y, x, flip):
            begin = tf.stack([y, x, 0])
            out = {}
            for key, a in whole(k).items():
                patch = tf.slice(a, begin, tf.stack([ch, cw, tf.shape(a)[2]]))
                patch = tf.ensure_shape(patch, [ch, cw, a.shape[-1]])
                out[key] = tf.cond(flip, lambda p=patch: tf.reverse(p, [1]), lambda p=patch: p)
            return finish(out)

        ds = tf.data.Dataset.from_tensor_slices((ks, ys, xs))
        if shuffle:
            ds = ds.shuffle(len(ks), seed=seed, reshuffle_each_iteration=True)
        ds = _folders.repeat_epochs(ds, repeat)
        if jitter:
            ds = _folders.keyed_map(
                ds, lambda item, key: crop_at(item[0], item[1], item[2], tf.random.stateless_uniform([], key) > 0.5),
                _paired._seed_or_new(seed),
            )
        else:
            ds = ds.map(lambda k, y, x: crop_at(k, y, x, tf.constant(False)), num_parallel_calls=tf.data.AUTOTUNE)
    return _folders.batch_prefetch(ds, batch_size, drop_remainder)


def _skimage_info(name, photo_size=DEFAULT_PHOTO_SIZE, num_classes=None):
    photo_size = _check_num_classes(photo_size, "photo_size", allow_none=False, low=16)
    num_classes = _check_num_classes(DEFAULT_NUM_CLASSES if num_classes is None else num_classes,
                                     allow_none=False, low=2, high=255)
    train = [n for n, _, s in _paired.SKIMAGE_PHOTOS if s == "train"]
    test = [n for n, _, s in _paired.SKIMAGE_PHOTOS if s == "test"]
    if name == SKIMAGE_LABEL_TASK:
        counts = {"train": len(train), "test": len(test)}
        split = f"train: {train}, test: {test}; k-means fitted on train only"
    else:
        counts = {"train": len(_paired.SKIMAGE_PHOTOS), "test": len(_paired.SKIMAGE_PHOTOS)}
        split = (f"test: the right-most 1/{SKIMAGE_REGION_DIVISOR} of the columns of every photo, train: the rest; "
                 f"the k-means classes of {SKIMAGE_LABEL_TASK} (fitted on {train})")
    return LabelMapInfo(
        name=name, image_shape=(None, None, 3), num_classes=num_classes,
        num_examples={"train": counts["train"] * _paired.SKIMAGE_TRAIN_CROPS_PER_PHOTO,
                      "test": counts["test"] * _paired.SKIMAGE_TEST_CROPS_PER_PHOTO},
        kind="label_map",
        shapes={"labels": (None, None, 1), "target": (None, None, 3), "instances": (None, None, 1)},
        description=LABEL_MAP_TASKS[name] + f"; photos resized to a shorter side of {photo_size} ({split})",
        has_instances=True, dont_care=None, class_names=(), split_source="fixed",
    )


# --------------------------------------------------------------------------- #
# Directories
# --------------------------------------------------------------------------- #

LABEL_DIR_NAMES = ("labels", "annotations")
IMAGE_DIR_NAMES = ("images",)
INSTANCE_DIR_NAMES = ("instances",)
# Split folder name -> split.
SPLIT_FOLDERS = {"train": "train", "training": "train", "test": "test", "val": "val", "validation": "validation"}
PIX2PIXHD_SPLITS = ("train", "test", "val")
_CITYSCAPES_SUFFIX = re.compile(r"_(leftImg8bit|gt(Fine|Coarse)_(labelIds|instanceIds|labelTrainIds|color))$")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOUR_TYPES = {0: "gray", 2: "RGB", 3: "palette (indexed colour)", 4: "gray + alpha", 6: "RGBA"}


def _first_dir(root, names):
    for n in names:
        d = os.path.join(root, n)
        if os.path.isdir(d):
            return d
    return None


def _split_subdirs(d):
    """`{split: path}` for the split folders inside `d` (train/ training/ test/ val/ validation/)."""
    out = {}
    if d is None or not os.path.isdir(d):
        return out
    for folder, split in SPLIT_FOLDERS.items():
        p = os.path.join(d, folder)
        if os.path.isdir(p) and split not in out:
            out[split] = p
    return out


@dataclasses.dataclass(frozen=True)
class _Dirs:
    """Where a label-map directory keeps each split: `{split: (images, labels, instances or None)}`."""

    root: str
    layout: str  # "pix2pixhd", "inner" (images/<split>), "outer" (<split>/images), "flat" (holdout)
    splits: dict
    label_only: dict  # split -> label dir, for splits that have label maps but no photos


def _find_dirs(root):
    """The `_Dirs` of a label-map directory, or None when it is none."""
    # pix2pixHD: train_img/ train_label/ [train_inst/], test_..., val_...
    if os.path.isdir(os.path.join(root, "train_label")):
        splits, label_only = {}, {}
        for s in PIX2PIXHD_SPLITS:
            img, lab, inst = (os.path.join(root, f"{s}_{x}") for x in ("img", "label", "inst"))
            if not os.path.isdir(lab):
                continue
            if os.path.isdir(img):
                splits[s] = (img, lab, inst if os.path.isdir(inst) else None)
            else:
                label_only[s] = lab
        if "train" in splits:
            return _Dirs(root, "pix2pixhd", splits, label_only)
        return None
    images, labels = _first_dir(root, IMAGE_DIR_NAMES), _first_dir(root, LABEL_DIR_NAMES)
    if images and labels:
        instances = _first_dir(root, INSTANCE_DIR_NAMES)
        inner = _split_subdirs(images)
        if inner:
            lab_inner = _split_subdirs(labels)
            inst_inner = _split_subdirs(instances)
            splits, label_only = {}, {}
            for s, d in inner.items():
                if s not in lab_inner:
                    raise ImageFolderError(
                        f"{images} has split folder {os.path.basename(d)}/ but {labels} has no matching folder "
                        f"(it has {sorted(os.path.basename(p) + '/' for p in lab_inner.values()) or 'none'}); "
                        "give images/ and labels/ the same split folders."
                    )
                splits[s] = (d, lab_inner[s], inst_inner.get(s))
            for s, d in lab_inner.items():
                if s not in splits:
                    label_only[s] = d
            if instances and not inst_inner:
                raise ImageFolderError(
                    f"{images} and {labels} have split folders but {instances} has none; give instances/ the "
                    "same split folders."
                )
            if "train" not in splits:
                raise ImageFolderError(
                    f"{images} has split folders {sorted(os.path.basename(p) for p in inner.values())} but no "
                    "train/ (or training/)."
                )
            return _Dirs(root, "inner", splits, label_only)
        return _Dirs(root, "flat", {"all": (images, labels, instances)}, {})
    outer = _split_subdirs(root)
    if outer:
        splits, label_only = {}, {}
        for s, d in outer.items():
            img, lab = _first_dir(d, IMAGE_DIR_NAMES), _first_dir(d, LABEL_DIR_NAMES)
            if img and lab:
                splits[s] = (img, lab, _first_dir(d, INSTANCE_DIR_NAMES))
            elif lab:
                label_only[s] = lab
        if "train" in splits:
            return _Dirs(root, "outer", splits, label_only)
    return None


def is_label_map_directory(path):
    """True if `path` is a directory in one of the label-map layouts (module docstring)."""
    full = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if not os.path.isdir(full):
        return False
    try:
        return _find_dirs(full) is not None
    except ImageFolderError:
        return True  # a label-map layout with an error: the loader reports it


def _stem(path, base):
    key = os.path.splitext(_folders.relkey(path, base))[0]
    head, _, tail = key.rpartition("/")
    tail = _CITYSCAPES_SUFFIX.sub("", tail)
    return f"{head}/{tail}" if head else tail


def _stems(directory, what, png_only):
    files, others = _folders.list_images(directory)
    if png_only:
        bad = [p for p in files if not p.lower().endswith(".png")]
        if bad:
            raise ImageFolderError(
                f"{what} must be PNG files (lossless class indices); {directory} holds {len(bad)} other image "
                f"file(s): {_folders._some(bad)}. Save them as single-channel PNGs."
            )
    out = {}
    for p in files:
        k = _stem(p, directory)
        if k in out:
            raise ImageFolderError(
                f"{out[k]} and {p} have the same name once extension (and Cityscapes suffix) are removed; "
                "files are matched by name, so keep one."
            )
        out[k] = p
    if not out:
        raise _folders._empty_error(directory, others)
    return out


def _match(dirs):
    """Sorted keys and file lists `(images, labels, instances or None)` of one split's folders."""
    img_dir, lab_dir, inst_dir = dirs
    maps = [_stems(img_dir, "photos", False), _stems(lab_dir, "Label maps", True)]
    if inst_dir is not None:
        maps.append(_stems(inst_dir, "Instance maps", True))
    names = [img_dir, lab_dir] + ([inst_dir] if inst_dir else [])
    every = set().union(*maps)
    problems = []
    for d, m in zip(names, maps):
        missing = sorted(every - set(m))
        if missing:
            problems.append(f"  {len(missing)} missing in {d}: {_folders._some(missing, 10)}")
    if problems:
        raise ImageFolderError(
            "Label-map folders must hold the same file names (matched without extension and Cityscapes "
            f"suffixes: {', '.join(names)}):\n" + "\n".join(problems)
        )
    keys = sorted(every)
    return keys, [[m[k] for k in keys] for m in maps] + ([None] if inst_dir is None else [])


def _png_header(path):
    """`(bit_depth, colour_type)` from a PNG's IHDR chunk, or None if it is no PNG."""
    try:
        with open(path, "rb") as f:
            head = f.read(26)
    except OSError:
        return None
    if len(head) < 26 or head[:8] != _PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    return head[24], head[25]


def _check_map_files(paths, what, verify):
    """Bit depths of single-channel PNG maps; an error naming colour / unreadable files."""
    _folders.read_headers(paths, verify if verify != "decode" else "header")
    depths, bad = [], []
    for p in paths:
        h = _png_header(p)
        if h is None:
            bad.append(f"  - {p} is not a PNG file")
            depths.append(8)
            continue
        depth, colour = h
        if colour != 0:
            kind = _PNG_COLOUR_TYPES.get(colour, f"colour type {colour}")
            hint = (" (tf.io reads palette PNGs as colours, not indices: re-save the indices as a gray PNG, "
                    "e.g. Image.fromarray(np.asarray(Image.open(f))).save(f))" if colour == 3
                    else " (colour-coded labels: convert each colour to its class index first)" if colour in (2, 6)
                    else "")
            bad.append(f"  - {p} is a {kind} PNG, not a single-channel map{hint}")
        depths.append(depth)
    if bad:
        lines = [f"{len(bad)} of {len(paths)} {what} file(s) cannot be used: {what} must be single-channel "
                 "(gray) 8- or 16-bit PNGs of integer ids:"] + bad[:10]
        if len(bad) > 10:
            lines.append(f"  ... and {len(bad) - 10} more")
        raise ImageFolderError("\n".join(lines))
    return depths


_MAX_CACHE = {}
_MAX_LOCK = threading.Lock()


def _file_value_range(path):
    """`(min, max, unique values or None)` of a label PNG (decoded with PIL), cached per file version."""
    st = os.stat(path)
    key = (path, st.st_size, st.st_mtime_ns)
    with _MAX_LOCK:
        if key in _MAX_CACHE:
            return _MAX_CACHE[key]
    from PIL import Image

    with Image.open(path) as im:
        a = np.asarray(im)
    values = np.flatnonzero(np.bincount(a.ravel().astype(np.int64, copy=False)))  # PNG ids: 0..65535
    result = (int(values[0]), int(values[-1]), values if len(values) <= 4096 else None)
    with _MAX_LOCK:
        _MAX_CACHE[key] = result
    return result


def _value_ranges(paths):
    workers = max(1, min(8, len(paths) // 16, os.cpu_count() or 1))
    if workers == 1:
        return [_file_value_range(p) for p in paths]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(_file_value_range, paths))


def _mapped_max(values, top, dont_care):
    """Largest class index a file holds after the don't-care remap (None: only don't care)."""
    if dont_care is None:
        return top
    if values is None:  # too many distinct values to keep: the remap is monotone above dont_care
        return top - 1 if top > dont_care else top
    real = values[values != dont_care]
    if len(real) == 0:
        return None
    real = real - (real > dont_care)
    return int(real.max())


@dataclasses.dataclass(frozen=True)
class _Example:
    key: str
    image: str
    label: str
    label_depth: int
    instance: object  # path or None
    instance_depth: int


@dataclasses.dataclass(frozen=True)
class _LabelIndex:
    root: str
    layout: str
    split_source: str
    splits: dict  # split -> [_Example]
    label_only: dict
    has_instances: bool
    num_classes: int
    dont_care: object  # the value in the files, or None
    image_shape: tuple


def _scan_directory(path, *, num_classes, dont_care, instances, holdout, verify):
    root = _folders.check_directory(path)
    holdout = _folders.check_holdout(holdout)
    verify = _folders.check_verify(verify)
    dont_care = _check_dont_care(dont_care)
    num_classes = _check_num_classes(num_classes, low=2 if dont_care is not None else 1)
    instances = _check_instances_arg(instances)
    found = _find_dirs(root)
    if found is None:
        raise ImageFolderError(
            f"{root} is not a label-map directory: expected images/ and labels/ (or annotations/) subfolders "
            "(optionally with instances/, and train/ test/ inside), train/images/ and train/labels/, or "
            "pix2pixHD's train_img/ and train_label/ (with train_inst/)."
        )
    with_inst = {s: d[2] is not None for s, d in found.splits.items()}
    if instances is None:
        use_instances = all(with_inst.values())
        partial = [s for s, v in with_inst.items() if v] if not use_instances else []
        if partial:
            lacking = sorted(s for s, v in with_inst.items() if not v)
            raise ImageFolderError(
                f"{root}: split(s) {sorted(partial)} have instance maps but {lacking} do not; add them, or pass "
                "instances=False to ignore instance maps."
            )
    elif instances:
        lacking = sorted(s for s, v in with_inst.items() if not v)
        if lacking:
            raise ImageFolderError(
                f"instances=True but {root} has no instance maps for split(s) {lacking} (expected an instances/ "
                "folder, or train_inst/ in pix2pixHD's layout)."
            )
        use_instances = True
    else:
        use_instances = False
    raw = {}
    for s, dirs in found.splits.items():
        keys, (imgs, labs, insts) = _match(dirs if use_instances else (dirs[0], dirs[1], None))
        raw[s] = (keys, imgs, labs, insts)
    all_images = sorted({p for _, imgs, _, _ in raw.values() for p in imgs})
    headers = dict(zip(all_images, _folders.read_headers(all_images, verify)))
    all_labels = sorted({p for _, _, labs, _ in raw.values() for p in labs})
    label_depth = dict(zip(all_labels, _check_map_files(all_labels, "label map", verify)))
    inst_depth = {}
    if use_instances:
        all_insts = sorted({p for _, _, _, insts in raw.values() for p in insts})
        inst_depth = dict(zip(all_insts, _check_map_files(all_insts, "instance map", verify)))
    splits = {}
    for s, (keys, imgs, labs, insts) in raw.items():
        splits[s] = [
            _Example(k, i, lab, label_depth[lab], None if insts is None else insts[j],
                     0 if insts is None else inst_depth[insts[j]])
            for j, (k, i, lab) in enumerate(zip(keys, imgs, labs))
        ]
    if "all" in splits:
        every = splits["all"]
        mask = _folders.holdout_mask([e.key for e in every], holdout)
        splits = {"train": [e for e, m in zip(every, mask) if not m], "test": [e for e, m in zip(every, mask) if m],
                  "all": every}
        source = "holdout"
    else:
        splits["all"] = [e for s in found.splits for e in splits[s]]
        source = "folders"
    if num_classes is None or verify == "decode":
        num_classes = _classes_from_files(all_labels, num_classes, dont_care, root)
    sizes = {(headers[e.image].height, headers[e.image].width) for e in splits["all"]}
    hw = next(iter(sizes)) if len(sizes) == 1 else (None, None)
    return _LabelIndex(root=root, layout=found.layout, split_source=source, splits=splits,
                       label_only=found.label_only, has_instances=use_instances, num_classes=num_classes,
                       dont_care=dont_care, image_shape=(hw[0], hw[1], 3))


def _classes_from_files(paths, num_classes, dont_care, root):
    """num_classes from the label files' values (or checks a given one): decodes every file once."""
    start = time.perf_counter()
    ranges = _value_ranges(paths)
    elapsed = time.perf_counter() - start
    if elapsed > 5:
        logging.info("%s: read the values of %d label maps in %.1f s.", root, len(paths), elapsed)
    tops = [_mapped_max(values, top, dont_care) for _, top, values in ranges]
    real = [t for t in tops if t is not None]
    top = max(real) if real else -1
    found = top + 1 + (1 if dont_care is not None else 0)
    if num_classes is None:
        return max(found, 2 if dont_care is not None else 1)
    limit = num_classes - (1 if dont_care is not None else 0)
    bad = [(p, t) for p, t in zip(paths, tops) if t is not None and t >= limit]
    if bad:
        lines = [f"{len(bad)} label map(s) hold class indices >= {limit} (num_classes={num_classes}"
                 + (f", the last index being don't care (value {dont_care} in the files)" if dont_care is not None
                    else "") + "):"]
        lines += [f"  - {p}: largest class index {t}" for p, t in bad[:10]]
        if len(bad) > 10:
            lines.append(f"  ... and {len(bad) - 10} more")
        lines.append(f"Pass num_classes={found} (or None to find it), or fix the files.")
        raise ImageFolderError("\n".join(lines))
    return num_classes


def _decode_map(path, depth):
    """A single-channel PNG as int32 `[H, W, 1]`: 16-bit with dtype uint16, low bit depths unscaled."""
    raw = tf.io.read_file(path)

    def wide():
        return tf.cast(tf.io.decode_png(raw, channels=1, dtype=tf.uint16), tf.int32)

    def narrow():
        x = tf.cast(tf.io.decode_png(raw, channels=1, dtype=tf.uint8), tf.int32)
        # libpng expands 1/2/4-bit gray by bit replication (v * 255 / (2^d - 1)); undo it.
        bits = tf.clip_by_value(depth, 1, 7)
        step = tf.where(depth < 8, 255 // (tf.bitwise.left_shift(1, bits) - 1), 1)
        return x // step

    return tf.cond(depth > 8, wide, narrow)


# Single map files, read as the directory loader reads them (for inference on label maps:
# python -m zoo.translate).
def map_stem(path):
    """The name a map file is matched by, as the directory loader matches them: its file name
    without extension and without a Cityscapes suffix (`_gtFine_labelIds`, `_gtFine_instanceIds`,
    `_leftImg8bit`, ...), so `aachen_000000_000019_gtFine_labelIds.png` -> `aachen_000000_000019`."""
    return _stem(path, os.path.dirname(path) or ".")


def remap_dont_care(labels, num_classes, dont_care):
    """SPADE's don't-care rule on an int map (the loaders' `dont_care`): the value `dont_care` ->
    `num_classes - 1`, values above it move down by one; None: unchanged. Returns a tensor."""
    return _remap_dont_care(tf.convert_to_tensor(labels), num_classes, _check_dont_care(dont_care))


def read_map_png(path, what="label map"):
    """`(int32 [H, W, 1] NumPy map, bit depth)` of a single-channel PNG, decoded as the directory
    loader decodes it (8- and 16-bit values as stored, 1/2/4-bit ones unscaled).

    Raises `ImageFolderError` (`"<path>: <reason>"`) for a file that is no PNG, a colour, palette
    or alpha PNG (`what` names the map in the message), or one that cannot be decoded."""
    article = "an" if what[:1] in "aeiou" else "a"
    header = _png_header(path)
    if header is None:
        if not os.path.isfile(path):
            raise ImageFolderError(f"{path}: cannot read it (no such file).")
        raise ImageFolderError(f"{path}: not a PNG file; {article} {what} must be a single-channel (gray) 8- "
                               f"or 16-bit PNG of integer ids (lossless: a JPEG would blur the ids).")
    depth, colour = header
    if colour != 0:
        kind = _PNG_COLOUR_TYPES.get(colour, f"colour type {colour}")
        hint = (" (palette PNGs decode to colours, not indices: re-save the indices as a gray PNG, e.g. "
                "Image.fromarray(np.asarray(Image.open(f))).save(f))" if colour == 3
                else " (colour-coded labels: convert each colour to its class index first)" if colour in (2, 6)
                else "")
        kind = f"{'an' if kind[:1] in 'aeiouR' else 'a'} {kind}"
        raise ImageFolderError(f"{path}: {kind} PNG, not {article} {what}: {article} {what} must be a "
                               f"single-channel (gray) 8- or 16-bit PNG of integer ids{hint}.")
    try:
        return _decode_map(path, tf.constant(depth)).numpy(), depth
    except tf.errors.OpError as e:
        reason = getattr(e, "message", str(e)).split("[Op:")[0].strip()
        raise ImageFolderError(f"{path}: not a readable PNG ({reason}).") from e


def _directory_pipeline(index, examples, split, batch_size, image_size, shuffle, seed, repeat, drop_remainder,
                        cache, *, jitter, load_size):
    jitter = _paired._check_jitter(jitter, split)
    crop, load = _paired._sizes(image_size, load_size, jitter)
    size = load if jitter else crop
    nc, dc = index.num_classes, index.dont_care
    cols = {
        "image": [e.image for e in examples], "label": [e.label for e in examples],
        "label_depth": np.array([e.label_depth for e in examples], np.int32),
    }
    if index.has_instances:
        cols["instance"] = [e.instance for e in examples]
        cols["instance_depth"] = np.array([e.instance_depth for e in examples], np.int32)
    items = tf.data.Dataset.from_tensor_slices(cols)

    def decode(item):
        out = {
            "labels": _checked_labels(_decode_map(item["label"], item["label_depth"]), nc, dc, item["label"]),
            "target": _folders.decode_image(item["image"], 3),
        }
        if index.has_instances:
            out["instances"] = _decode_map(item["instance"], item["instance_depth"])
        return _compact(resize_label_map(out, size))

    per = size[0] * size[1] * (3 + 2 + (2 if index.has_instances else 0))
    ds = _folders.examples(items, decode, num_examples=len(examples), bytes_per_example=per, shuffle=shuffle,
                           seed=seed, cache=cache, name=index.root)
    ds = _folders.repeat_epochs(ds, repeat)
    return _finish(ds, jitter=jitter, crop=crop, seed=seed, batch_size=batch_size, drop_remainder=drop_remainder)


def _compact(element):
    """Maps as uint16 for the cache (PNG ids are at most 16-bit); `_finish` makes them int32 again."""
    return {k: (tf.cast(v, tf.uint16) if k in MAP_KEYS else v) for k, v in element.items()}


def _finish(ds, *, jitter, crop, seed, batch_size, drop_remainder):
    def as_float(x):
        return {k: (_folders.to_float(v) if k == "target" else tf.cast(v, tf.int32)) for k, v in x.items()}

    if jitter:
        ds = _folders.keyed_map(ds, lambda x, k: as_float(_paired.random_crop_flip(x, k, crop)),
                                _paired._seed_or_new(seed))
    else:
        ds = ds.map(as_float, num_parallel_calls=tf.data.AUTOTUNE)
    return _folders.batch_prefetch(ds, batch_size, drop_remainder)


def _pick(index, split):
    if split in index.label_only and split not in index.splits:
        raise ImageFolderError(
            f"The {split!r} split of {index.root} has label maps ({index.label_only[split]}) but no photos "
            f"(expected {split}_img/ in pix2pixHD's layout, or an images/ folder for it); it cannot be loaded "
            "as pairs."
        )
    key = _folders.resolve_split(split, index.splits, index.root)
    examples = index.splits[key]
    if not examples:
        raise ImageFolderError(
            f"The {split!r} split of {index.root} has no examples"
            + (" (the hash-based held-out share put none there; add train/ and test/ folders or use split='all')"
               if index.split_source == "holdout" else "") + "."
        )
    return examples


def _directory_info_of(index):
    counts = {s: len(v) for s, v in index.splits.items() if s != "all"}
    h, w, _ = index.image_shape
    shapes = {"labels": (h, w, 1), "target": (h, w, 3)}
    if index.has_instances:
        shapes["instances"] = (h, w, 1)
    extra = ""
    if index.label_only:
        extra = f"; label maps without photos (not loadable): {sorted(index.label_only)}"
    return LabelMapInfo(
        name=index.root, image_shape=index.image_shape, num_classes=index.num_classes, num_examples=counts,
        kind="label_map", shapes=shapes,
        description=f"label maps -> photos ({index.layout} layout) in {index.root}, split by {index.split_source}"
        + ("" if index.dont_care is None else f"; value {index.dont_care} in the files is don't care") + extra,
        has_instances=index.has_instances,
        dont_care=None if index.dont_care is None else index.num_classes - 1,
        class_names=(), split_source=index.split_source,
    )


# --------------------------------------------------------------------------- #
# TFDS
# --------------------------------------------------------------------------- #


def _tfds_key(name):
    key = _TFDS_ALIASES.get(name, name)
    return key if key in TFDS_LABEL_MAPS else None


def _tfds_missing(key, split, data_dir, err):
    spec = TFDS_LABEL_MAPS[key]
    base = data_dir or os.path.join("~", "tensorflow_datasets")
    manual = os.path.join(base, "downloads", "manual")
    how = spec.how_to_get.format(
        manual=manual, data_dir_flag="" if data_dir is None else f" --data_dir={data_dir}",
        data_dir_arg="" if data_dir is None else f", data_dir={data_dir!r}",
    )
    layout = ("pix2pixHD's layout (train_img/ train_label/ train_inst/ with leftImg8bit, gtFine_labelIds and "
              "gtFine_instanceIds PNGs; Cityscapes' suffixes are matched)" if key == "cityscapes" else
              "ADE20K's ADEChallengeData2016/ folder (images/ + annotations/, 150 classes: pass dont_care=0, "
              "num_classes=151 as SPADE)")
    where = "" if data_dir is None else f" from data_dir={data_dir}"
    return (
        f"Dataset {key!r} (split {split!r}) could not be loaded: TensorFlow Datasets could not provide "
        f"{spec.tfds_name}{where}: {err}\n"
        "Ways to get the data:\n"
        f"  1. A directory: put the label maps and photos in a folder and pass its path to "
        f"keras_gans.data.load, e.g. {layout}.\n"
        f"  2. {how}"
    )


def _tfds_call(fn, key, split, data_dir):
    try:
        tfds = _images._import_tfds()
    except ImportError as e:
        raise DatasetNotFoundError(
            _tfds_missing(key, split, data_dir, "tensorflow_datasets is not installed (pip install "
                          "tensorflow-datasets)")
        ) from e
    with _images._tfds_single_attempt():
        try:
            return fn(tfds)
        except Exception as e:  # noqa: BLE001 -- TFDS raises many types offline / without manual files.
            raise DatasetNotFoundError(_tfds_missing(key, split, data_dir, _images._brief(e))) from e


def _load_tfds(key, split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache, data_dir, *,
               jitter, load_size):
    spec = TFDS_LABEL_MAPS[key]
    if not isinstance(split, str) or not split.strip():
        raise ValueError(f"split must be a non-empty string such as 'train' or 'test'; got {split!r}.")
    tfds_split = spec.splits.get(split, split)
    data_dir = _images._check_data_dir(data_dir)
    jitter = _paired._check_jitter(jitter, split)
    crop = image_size or spec.default_size
    if jitter and load_size is None:
        load = _paired._default_load_size(crop) if spec.crop else crop
    else:
        crop, load = _paired._sizes(crop, load_size, jitter)
    size = load if jitter else crop

    ds, tfds_info = _tfds_call(
        lambda tfds: tfds.load(spec.tfds_name, split=tfds_split, data_dir=data_dir, shuffle_files=shuffle,
                               read_config=tfds.ReadConfig(shuffle_seed=seed), with_info=True),
        key, split, data_dir,
    )
    element = ds.element_spec
    missing = [k for k in (spec.image_key, spec.label_key) if not isinstance(element, dict) or k not in element]
    if missing:
        raise ValueError(f"TFDS dataset {spec.tfds_name!r} has no feature(s) {missing} ({element}).")
    n = _images._split_size(tfds_info, tfds_split)
    nc, dc = spec.num_classes, spec.dont_care_value
    where = tf.constant(f"{spec.tfds_name} split {tfds_split}")

    def decode(e):
        ann = tf.cast(e[spec.label_key], tf.int32)
        out = {"labels": _checked_labels(ann[..., :1], nc, dc, where),
               "target": _folders.convert_channels(e[spec.image_key], 3)}
        if spec.instance_from_green:
            out["instances"] = ann[..., 1:2]
        return _compact(resize_label_map(out, size))

    per = size[0] * size[1] * (3 + 2 + (2 if spec.instance_from_green else 0))
    ds = _folders.examples(ds, decode, num_examples=n, bytes_per_example=per, shuffle=shuffle, seed=seed,
                           cache=cache, name=key, items_are_cheap=False)
    ds = _folders.repeat_epochs(ds, repeat)
    return _finish(ds, jitter=jitter, crop=crop, seed=seed, batch_size=batch_size, drop_remainder=drop_remainder)


def _tfds_info(key, data_dir):
    spec = TFDS_LABEL_MAPS[key]
    data_dir = _images._check_data_dir(data_dir)
    builder = _tfds_call(lambda tfds: tfds.builder(spec.tfds_name, data_dir=data_dir), key, "train", data_dir)
    raw = {}
    try:
        raw = {k: int(v.num_examples) for k, v in builder.info.splits.items() if v.num_examples}
    except Exception:  # noqa: BLE001 -- not prepared: sizes unknown.
        raw = {}
    counts = {}
    for ours in ("train", "test"):
        theirs = spec.splits.get(ours, ours)
        if theirs in raw:
            counts[ours] = raw[theirs]
    h, w = spec.native_shape
    shapes = {"labels": (h, w, 1), "target": (h, w, 3)}
    if spec.instance_from_green:
        shapes["instances"] = (h, w, 1)
    description = (
        f"TFDS {spec.tfds_name}: '{spec.image_key}' -> target, "
        + (f"the red channel of '{spec.label_key}' -> labels (100 instance categories; SPADE's ADE20K shift: "
           "0 -> don't care 100), its green channel -> instances" if spec.instance_from_green
           else f"'{spec.label_key}' -> labels (Cityscapes labelIds)")
        + f"; split 'test' reads TFDS '{spec.splits.get('test', 'test')}'"
    )
    return LabelMapInfo(
        name=key, image_shape=(h, w, 3), num_classes=spec.num_classes, num_examples=counts or None,
        kind="label_map", shapes=shapes, description=description, has_instances=spec.instance_from_green,
        dont_care=None if spec.dont_care_value is None else spec.num_classes - 1, class_names=spec.class_names,
        split_source="tfds",
    )


# --------------------------------------------------------------------------- #
# Public loaders
# --------------------------------------------------------------------------- #


def is_label_map_name(name):
    """True for the dataset names this module serves (not directories)."""
    return isinstance(name, str) and (name in LABEL_MAP_TASKS or _tfds_key(name) is not None)


def load_label_maps(name, split="train", batch_size=64, image_size=None, shuffle=True, seed=None, repeat=False,
                    drop_remainder=True, data_dir=None, cache=True, *, num_classes=None, dont_care=None,
                    instances=None, photo_size=DEFAULT_PHOTO_SIZE, jitter=None, load_size=None,
                    holdout=_folders.HOLDOUT_FRACTION, verify="header", with_labels=False):
    """Loads label maps and photos as a dataset of `{"labels", "target"[, "instances"]}`.

    Args:
        name: `"skimage_labels2photo"`, `"skimage_labels2photo_regions"`,
            `"cityscapes"`, `"scene_parse150"`, or a label-map directory (see the
            module docstring).
        split: `"train"` or `"test"` (directories also `"val"`, `"all"`; TFDS
            any split string).
        batch_size, shuffle, seed, repeat, drop_remainder, cache: as in
            `keras_gans.data.load`.
        image_size: the output (crop) size, int or `(height, width)`; None
            means `photo_size` (`skimage_labels2photo`), `ceil(photo_size / 4)`
            (`..._regions`), 256 (directories, ADE20K) or
            `(256, 512)` (Cityscapes).
        data_dir: TFDS data directory (ignored for the others).
        num_classes: directories: the one-hot width (None: found from the
            files); `skimage_labels2photo`: the number of k-means classes
            (default 8). Fixed for the TFDS datasets.
        dont_care: directories: the label value of don't-care pixels in the
            files (e.g. 255, or 0 for ADE20K), mapped to `num_classes - 1`.
        instances: directories: None uses instance maps when every split has
            them, True requires them, False ignores them.
        photo_size: `skimage_labels2photo`: the photos' shorter side.
        jitter: random crop + flip (default on for `"train"`); for
            `skimage_labels2photo` it switches the flips only.
        load_size: the size every map is resized to before the random crop
            (None: 286/256 of `image_size`; equal to `image_size` for flips
            only).
        holdout, verify: directories only, as in `keras_gans.data.folders`
            (`verify="decode"` also checks every label value up front).
        with_labels: must be False.

    Returns:
        A `tf.data.Dataset` of `{"labels": int32 [B, H, W, 1], "target": float32
        [B, H, W, 3] in [-1, 1]}` plus `"instances"` (int32 `[B, H, W, 1]`) when
        the dataset has instance maps.

    Raises:
        DatasetNotFoundError: a missing directory, or TFDS cannot provide the
            data (the message says how to get it).
        ImageFolderError: a directory's files or folders are inconsistent
            (named in the message).
        ValueError: an invalid argument.
    """
    name = _images._check_name(os.fspath(name) if isinstance(name, os.PathLike) else name)
    _check_with_labels(with_labels, name)
    batch_size, size, shuffle, seed, repeat, drop_remainder, cache = _folders.check_common_args(
        batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache
    )
    if name in (SKIMAGE_LABEL_TASK, SKIMAGE_REGION_TASK):
        _only(name, dont_care=dont_care, instances=instances)
        return _load_skimage(name, split, batch_size, size, shuffle, seed, repeat, drop_remainder, photo_size=photo_size,
                             num_classes=num_classes, jitter=jitter, load_size=load_size)
    key = _tfds_key(name)
    if key is not None:
        _only(name, num_classes=num_classes, dont_care=dont_care, instances=instances)
        return _load_tfds(key, split, batch_size, size, shuffle, seed, repeat, drop_remainder, cache, data_dir,
                          jitter=jitter, load_size=load_size)
    _folders.check_split(split)
    index = _scan_directory(name, num_classes=num_classes, dont_care=dont_care, instances=instances,
                            holdout=holdout, verify=verify)
    examples = _pick(index, split)
    return _directory_pipeline(index, examples, split, batch_size, size, shuffle, seed, repeat, drop_remainder,
                               cache, jitter=jitter, load_size=load_size)


def _only(name, **given):
    wrong = sorted(k for k, v in given.items() if v is not None)
    if wrong:
        verb = "does" if len(wrong) == 1 else "do"
        raise ValueError(f"{' and '.join(wrong)} {verb} not apply to {name!r} (its label maps are fixed); "
                         "these options are for directories.")


def label_map_info(name, data_dir=None, *, num_classes=None, dont_care=None, instances=None,
                   photo_size=DEFAULT_PHOTO_SIZE, holdout=_folders.HOLDOUT_FRACTION, verify="header", **unused):
    """The `LabelMapInfo` of a label-map dataset (arguments as in `load_label_maps`).

    For a directory without `num_classes` this decodes every label map once
    (cached) to find the largest value.
    """
    del unused
    name = _images._check_name(os.fspath(name) if isinstance(name, os.PathLike) else name)
    if name in (SKIMAGE_LABEL_TASK, SKIMAGE_REGION_TASK):
        return _skimage_info(name, photo_size, num_classes)
    key = _tfds_key(name)
    if key is not None:
        return _tfds_info(key, data_dir)
    index = _scan_directory(name, num_classes=num_classes, dont_care=dont_care, instances=instances,
                            holdout=holdout, verify=verify)
    return _directory_info_of(index)


# --------------------------------------------------------------------------- #
# Routing (keras_gans.data.paired.route): directories of every layout
# --------------------------------------------------------------------------- #


def _wants_label_maps(name, layout):
    if layout == "label_map":
        return True
    return layout == "auto" and is_label_map_directory(name)


def load_directory(name, split="train", batch_size=64, image_size=None, with_labels=False, shuffle=True,
                   seed=None, repeat=False, drop_remainder=True, data_dir=None, cache=True, *, layout="auto",
                   **kwargs):
    """`keras_gans.data.load` for a directory: label maps when it has that layout
    (or `layout="label_map"`), else the image / paired / unpaired loaders."""
    common = dict(split=split, batch_size=batch_size, image_size=image_size, with_labels=with_labels,
                  shuffle=shuffle, seed=seed, repeat=repeat, drop_remainder=drop_remainder, data_dir=data_dir,
                  cache=cache)
    if _wants_label_maps(name, layout):
        return load_label_maps(name, **common, **kwargs)
    return _paired._load_directory(name, layout=layout, **common, **kwargs)


def directory_info(name, data_dir=None, *, layout="auto", **kwargs):
    """`keras_gans.data.info` for a directory (see `load_directory`)."""
    if _wants_label_maps(name, layout):
        return label_map_info(name, data_dir=data_dir, **kwargs)
    return _paired._directory_info(name, data_dir=data_dir, layout=layout, **kwargs)


def directory_numpy(name, split="train", data_dir=None, *, layout="auto", **kwargs):
    """`keras_gans.data.load_numpy` for a directory: label-map directories are refused."""
    if _wants_label_maps(name, layout):
        return _paired._no_numpy(name)
    return _paired._directory_numpy(name, split=split, data_dir=data_dir, layout=layout, **kwargs)


# --------------------------------------------------------------------------- #
# One-hot paired view ("onehot/<label-map dataset>"): Pix2Pix on label maps
# --------------------------------------------------------------------------- #

ONEHOT_PREFIX = "onehot/"


def onehot_base(name):
    """The label-map dataset behind `"onehot/<name>"`, or None for any other name."""
    if not isinstance(name, str) or not name.startswith(ONEHOT_PREFIX):
        return None
    base = name[len(ONEHOT_PREFIX):]
    return base if base and (is_label_map_name(base) or is_label_map_directory(base)) else None


def load_onehot(name, split="train", batch_size=64, image_size=None, **kwargs):
    """`"onehot/<label-map dataset>"` as paired data, `{"source": encoded map, "target"}`:
    the map through `encode_label_map` (one-hot classes, plus the instance-edge channel when
    the dataset has instances), values 0 / 1. What a Pix2Pix baseline trains on, with the
    same crops as the label-map dataset itself (`load_label_maps`' arguments)."""
    base = onehot_base(name)
    if base is None:
        raise ValueError(f"{name!r} is not '{ONEHOT_PREFIX}<label-map dataset>'.")
    info = label_map_info(base, data_dir=kwargs.get("data_dir"), **{
        k: kwargs[k] for k in ("num_classes", "dont_care", "instances", "photo_size", "holdout", "verify")
        if k in kwargs})
    ds = load_label_maps(base, split=split, batch_size=batch_size, image_size=image_size, **kwargs)

    def to_pair(element):
        return {"source": encode_label_map(element["labels"], info.num_classes, element.get("instances")),
                "target": element["target"]}

    return ds.map(to_pair, num_parallel_calls=tf.data.AUTOTUNE)


def onehot_info(name, data_dir=None, **kwargs):
    """The `TranslationInfo` (kind `"paired"`) of `"onehot/<label-map dataset>"`."""
    base = onehot_base(name)
    if base is None:
        raise ValueError(f"{name!r} is not '{ONEHOT_PREFIX}<label-map dataset>'.")
    info = label_map_info(base, data_dir=data_dir, **kwargs)
    channels = info.num_classes + int(info.has_instances)
    hw = tuple(info.shapes["labels"][:2]) if info.shapes and info.shapes.get("labels") else (None, None)
    return TranslationInfo(
        name=name, image_shape=info.image_shape, num_classes=None, num_examples=info.num_examples,
        kind="paired", shapes={"source": hw + (channels,), "target": info.shapes.get("target") if info.shapes else None},
        description=f"{info.description}; the maps one-hot encoded ({info.num_classes} classes"
                    f"{' + instance edges' if info.has_instances else ''}) as the source images",
    )
