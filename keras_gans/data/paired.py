"""Image-to-image data: paired (Pix2Pix) and unpaired (CycleGAN) datasets.

Elements are dicts of float32 images in [-1, 1], batched:

* **paired**: `{"source": [B, H, W, Cs], "target": [B, H, W, Ct]}`;
* **unpaired**: `{"a": [B, H, W, Ca], "b": [B, H, W, Cb]}`, `a` and `b` drawn
  independently (as the official `UnalignedDataset`, which pairs image `i` of A
  with a random image of B): each domain runs through its own shuffled order and
  an epoch has `max(len(A), len(B))` elements, so the smaller domain repeats.

Sources (all reachable through `keras_gans.data.load(name, ...)` and
`keras_gans.data.info(name)`):

| name | kind | what |
|---|---|---|
| a directory with `A/` + `B/` | paired | files matched by name without extension; `A/train`, `B/train`, ... or `train/A`, `train/B`, ... give splits |
| a directory, `layout="side_by_side"` | paired | each file is `[A | B]` side by side (the official pix2pix `facades`, `maps`, `edges2shoes` downloads), in `train/`, `test/`, `val/` |
| a directory with `trainA/ trainB/ testA/ testB/` | unpaired | CycleGAN's layout (`valA/`, `valB/` also read) |
| `"cycle_gan/<name>"`, split `"train"`/`"test"` | unpaired | TFDS's `cycle_gan` builder (features `image`, `label`; splits `trainA`, `trainB`, `testA`, `testB`); split `"trainA"` etc. still gives plain images |
| `"fashion_mnist_pair/sneaker-ankle_boot"` | unpaired | two classes of Fashion-MNIST (or `mnist_pair/3-8`, `digits_pair/1-7`) |
| `"skimage_edges2photo"`, `"skimage_gray2color"`, `"skimage_blur2sharp"` | paired | offline tasks made from scikit-image's bundled photographs (below) |
| `"fashion_mnist_edges2item"` | paired | Canny edges of each Fashion-MNIST image -> the image (pix2pix's `edges2shoes` on 70,000 items; the test split is Fashion-MNIST's) |

TFDS has no paired pix2pix builder (its catalogue lists `cycle_gan`, whose
`facades` and `maps` configs hold the two domains as separate, unordered splits,
so the pairs cannot be recovered); the paired sets load from directories.

**Pix2Pix jitter** (`pix2pix_jitter`), as the official PyTorch code
(junyanz/pytorch-CycleGAN-and-pix2pix, `data/base_dataset.py`,
`--preprocess resize_and_crop --load_size 286 --crop_size 256`): both images are
resized to `load_size x load_size` (stretched, bicubic: torchvision's
`Resize(..., BICUBIC)` on PIL images, antialiased, rounded to uint8), cropped
`crop_size x crop_size` at one random offset (`get_params`), and flipped
left-right together with probability 1/2 (`no_flip=False`). At test time the
official options set `load_size = crop_size` and `no_flip`: a plain resize to
`crop_size`. For other crop sizes the load size keeps the 286/256 ratio. The
same transform (drawn independently for `a` and `b`) is CycleGAN's. Randomness
is stateless: every element's crop and flip come from a key `[seed, r]` with
`r` from `tf.data.Dataset.random(seed, rerandomize_each_iteration=True)`,
so a run is reproducible from its seed and every pass over the data gets
fresh crops.

**scikit-image tasks.** Nine colour photographs bundled in the scikit-image
wheel (read from its `skimage/data/` folder, never downloaded), at full
resolution; the held-out photos are never cropped into training:

* train: `astronaut`, `rocket`, `motorcycle_left`, `motorcycle_right` (a stereo
  pair of one scene, both in train), `hubble_deep_field`, `retina`;
* test: `chelsea`, `coffee`, `immunohistochemistry`.

Sources (computed once per process with numpy/scikit-image, kept as uint8):
`skimage_edges2photo`: Canny edges (`skimage.feature.canny`, sigma 2, default
thresholds) of the gray photo, black lines (-1) on white (+1) as pix2pix's
`edges2*` sets, 1 channel; `skimage_gray2color`: `skimage.color.rgb2gray`
(0.2125 R + 0.7154 G + 0.0721 B), 1 channel; `skimage_blur2sharp`: Gaussian
blur, sigma 2 pixels (`skimage.filters.gaussian`, mode "nearest"), 3 channels.
Targets are the RGB photos. Train elements are random `image_size` crops
(default 256, at most 300 = chelsea's height) of a uniformly chosen training
photo, flipped left-right with probability 1/2 (`jitter`); an epoch is 64 crops
per training photo (384). Test elements are 16 fixed crops per held-out photo
(48; positions from a constant seed, no flip): the same every run.

**Fashion-MNIST edges.** `fashion_mnist_edges2item`: for every image of the
train (60,000) and test (10,000) splits, Canny edges (`skimage.feature.canny`,
sigma 1, default thresholds) of the 28x28 image, black lines (-1) on white (+1),
-> the image itself (1 channel each); both resized to `image_size` (default 32,
a size a U-Net halves down to 1; antialiased bilinear, as `keras_gans.data.load`
resizes). Edges are computed once per process (about 15 s on one core).
`jitter=True` flips pairs left-right (off by default: the items are upright).
"""

import dataclasses
import os
import re
import threading

import numpy as np
import tensorflow as tf
from absl import logging

from keras_gans.data import folders as _folders
from keras_gans.data import images as _images
from keras_gans.data.folders import ImageFolderError
from keras_gans.data.images import DatasetInfo, DatasetNotFoundError

__all__ = [
    "CLASS_NAMES",
    "PIX2PIX_CROP_SIZE",
    "PIX2PIX_LOAD_SIZE",
    "SKIMAGE_PHOTOS",
    "SKIMAGE_TASKS",
    "TranslationInfo",
    "directory_layout",
    "load_paired",
    "load_unpaired",
    "pix2pix_jitter",
    "pix2pix_test_transform",
    "skimage_photo",
    "skimage_task_arrays",
    "unpaired_classes",
]

PIX2PIX_LOAD_SIZE = 286
PIX2PIX_CROP_SIZE = 256
LAYOUTS = ("auto", "images", "paired", "side_by_side", "unpaired")
DIRECTIONS = ("AtoB", "BtoA")
PAIRED_SPLITS = ("train", "test", "val", "validation", "all")

CANNY_SIGMA = 2.0
BLUR_SIGMA = 2.0
SKIMAGE_TRAIN_CROPS_PER_PHOTO = 64
SKIMAGE_TEST_CROPS_PER_PHOTO = 16
SKIMAGE_TEST_SEED = 20240601  # fixed: the test crops are the same every run

# (name, file in skimage/data/, split)
SKIMAGE_PHOTOS = (
    ("astronaut", "astronaut.png", "train"),
    ("rocket", "rocket.jpg", "train"),
    ("motorcycle_left", "motorcycle_left.png", "train"),
    ("motorcycle_right", "motorcycle_right.png", "train"),
    ("hubble_deep_field", "hubble_deep_field.jpg", "train"),
    ("retina", "retina.jpg", "train"),
    ("chelsea", "chelsea.png", "test"),
    ("coffee", "coffee.png", "test"),
    ("immunohistochemistry", "ihc.png", "test"),
)

SKIMAGE_TASKS = {
    "skimage_edges2photo": (
        f"Canny edges (sigma {CANNY_SIGMA}) of the gray photo, black on white, 1 channel -> RGB photo"
    ),
    "skimage_gray2color": "gray photo (skimage.color.rgb2gray), 1 channel -> RGB photo",
    "skimage_blur2sharp": f"Gaussian-blurred photo (sigma {BLUR_SIGMA} px), 3 channels -> RGB photo",
}
EDGE_TASKS = {"fashion_mnist_edges2item": "fashion_mnist"}
EDGE_TASK_SIGMA = 1.0
EDGE_TASK_DEFAULT_SIZE = 32
_SKIMAGE_SOURCE_CHANNELS = {"skimage_edges2photo": 1, "skimage_gray2color": 1, "skimage_blur2sharp": 3}

# Label names, as TFDS / the dataset authors give them.
CLASS_NAMES = {
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                      "Sneaker", "Bag", "Ankle boot"),
    "mnist": tuple("0123456789"),
    "digits": tuple("0123456789"),
}
_PAIR_RE = re.compile(r"^(?P<base>[a-z_]+?)_pair/(?P<a>[^-/]+)-(?P<b>[^-/]+)$")
_CYCLE_GAN_SPLITS = ("train", "test")


@dataclasses.dataclass(frozen=True)
class TranslationInfo(DatasetInfo):
    """What an image-to-image dataset holds (a `DatasetInfo` with more fields).

    `image_shape` is the shape of the generated side (`"target"`, or `"b"`);
    `num_examples` counts elements per epoch (pairs; for unpaired data
    `max(len(A), len(B))`). `num_classes` is None.

    Attributes:
        kind: `"paired"` (elements `{"source", "target"}`) or `"unpaired"`
            (`{"a", "b"}`).
        shapes: `{key: (H, W, C)}` native shape of each image of an element
            (`None` dimensions where sizes vary).
        domain_examples: unpaired only: `{split: {"a": n_a, "b": n_b}}`.
        description: where the data come from.
    """

    kind: str = "paired"
    shapes: dict = None
    domain_examples: dict = None
    description: str = ""


# --------------------------------------------------------------------------- #
# Pix2Pix jitter
# --------------------------------------------------------------------------- #


def _hw(value, arg):
    if _images._is_int(value) and value > 0:
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_images._is_int(v) and v > 0 for v in value):
        return (int(value[0]), int(value[1]))
    raise ValueError(f"{arg} must be a positive int or a (height, width) pair of positive ints; got {value!r}.")


def _resize_any(image, size, method):
    """Resize keeping the dtype: uint8 is rounded back (as PIL), floats are clipped to [-1, 1]."""
    image = tf.convert_to_tensor(image)
    if image.dtype == tf.uint8:
        return _folders.resize_uint8(image, size, method=method)
    x = tf.image.resize(image, size, method=method, antialias=True)
    return tf.clip_by_value(tf.cast(x, image.dtype), -1.0, 1.0)


def _stateless_seed(seed):
    seed = tf.convert_to_tensor(seed)
    if seed.dtype not in (tf.int32, tf.int64):
        raise ValueError(f"seed must be an int32/int64 tensor of shape [2]; got dtype {seed.dtype.name}.")
    return tf.ensure_shape(tf.cast(seed, tf.int64), [2])


def random_crop_flip(images, seed, crop_size, flip=True):
    """Crops every image of `images` at one random offset, flips all or none.

    The second half of `pix2pix_jitter`; all images must have the same height
    and width (e.g. already resized to the load size).

    Args:
        images: a tensor `[H, W, C]` or a dict / tuple of them.
        seed: int tensor of shape `[2]` (stateless RNG seed).
        crop_size: int or `(height, width)`.
        flip: flip left-right with probability 1/2.

    Returns:
        The same structure, each image `[crop_h, crop_w, C]`.
    """
    ch, cw = _hw(crop_size, "crop_size")
    seed = _stateless_seed(seed)
    flat = [tf.convert_to_tensor(x) for x in tf.nest.flatten(images)]
    shape = tf.shape(flat[0])
    h, w = shape[0], shape[1]
    for x in flat[1:]:
        tf.debugging.assert_equal(tf.shape(x)[:2], shape[:2], message="images to crop together must share H, W")
    tf.debugging.assert_greater_equal(h, ch, message=f"image is smaller than crop_size {ch}x{cw}")
    tf.debugging.assert_greater_equal(w, cw, message=f"image is smaller than crop_size {ch}x{cw}")
    s = tf.random.experimental.stateless_split(seed, 3)
    # get_params: x = randint(0, w - crop), y = randint(0, h - crop), both inclusive.
    y0 = tf.random.stateless_uniform([], s[0], minval=0, maxval=h - ch + 1, dtype=tf.int32)
    x0 = tf.random.stateless_uniform([], s[1], minval=0, maxval=w - cw + 1, dtype=tf.int32)
    do_flip = tf.random.stateless_uniform([], s[2]) > 0.5 if flip else tf.constant(False)

    def one(x):
        c = x.shape[-1]
        x = tf.slice(x, tf.stack([y0, x0, 0]), tf.stack([ch, cw, tf.shape(x)[2]]))
        x = tf.cond(do_flip, lambda: tf.reverse(x, [1]), lambda: x)
        return tf.ensure_shape(x, [ch, cw, c])

    return tf.nest.pack_sequence_as(images, [one(x) for x in flat])


def pix2pix_jitter(images, seed, load_size=PIX2PIX_LOAD_SIZE, crop_size=PIX2PIX_CROP_SIZE, flip=True,
                   method="bicubic"):
    """Pix2Pix's training jitter, applied identically to every image of a pair.

    Resize to `load_size` (stretched to the given shape; bicubic, antialiased),
    random crop `crop_size` at one offset, one random left-right flip: the
    official `--preprocess resize_and_crop` with `load_size=286`,
    `crop_size=256` and flips on.

    Args:
        images: a tensor `[H, W, C]` or a dict / tuple of them (e.g.
            `{"source": s, "target": t}`); sizes and channels may differ, since
            everything is resized first. uint8 images stay uint8 (rounded, as
            PIL); float images stay float, clipped to [-1, 1].
        seed: int tensor of shape `[2]`: the stateless RNG seed (the same seed
            gives the same crop and flip).
        load_size: int or `(height, width)` to resize to before cropping.
        crop_size: int or `(height, width)`, at most `load_size`.
        flip: allow the random horizontal flip (`no_flip=False`).
        method: resize method (`"bicubic"` as the official code).

    Returns:
        The same structure, each image `[crop_h, crop_w, C]`.
    """
    lh, lw = _hw(load_size, "load_size")
    ch, cw = _hw(crop_size, "crop_size")
    if ch > lh or cw > lw:
        raise ValueError(f"crop_size {(ch, cw)} must not exceed load_size {(lh, lw)}.")
    resized = tf.nest.map_structure(lambda x: _resize_any(x, (lh, lw), method), images)
    return random_crop_flip(resized, seed, (ch, cw), flip=flip)


def pix2pix_test_transform(images, crop_size=PIX2PIX_CROP_SIZE, method="bicubic"):
    """Pix2Pix's test-time transform: resize every image to `crop_size`, no flip.

    Args:
        images: a tensor `[H, W, C]` or a dict / tuple of them.
        crop_size: int or `(height, width)`.
        method: resize method (`"bicubic"`).

    Returns:
        The same structure, each image `[crop_h, crop_w, C]`.
    """
    size = _hw(crop_size, "crop_size")
    return tf.nest.map_structure(lambda x: _resize_any(x, size, method), images)


def _default_load_size(crop):
    return tuple(int(round(c * PIX2PIX_LOAD_SIZE / PIX2PIX_CROP_SIZE)) for c in crop)


def _sizes(image_size, load_size, jitter, default=(PIX2PIX_CROP_SIZE, PIX2PIX_CROP_SIZE)):
    crop = _images._check_image_size(image_size) or default
    if not jitter:
        return crop, crop
    load = _hw(load_size, "load_size") if load_size is not None else _default_load_size(crop)
    if crop[0] > load[0] or crop[1] > load[1]:
        raise ValueError(f"image_size (the crop) {crop} must not exceed load_size {load}.")
    return crop, load


def _check_jitter(jitter, split):
    if jitter is None:
        return split == "train"
    return _images._check_bool("jitter", jitter)


# --------------------------------------------------------------------------- #
# Directories
# --------------------------------------------------------------------------- #


def _ab_dirs(root, pair_dirs):
    """`({split: (dir_source, dir_target)}, split_source)` for an A/B layout, or None."""
    s, t = pair_dirs
    ds, dt = os.path.join(root, s), os.path.join(root, t)
    if os.path.isdir(ds) and os.path.isdir(dt):
        inner = _folders.split_dirs(ds)
        if inner:
            missing = [sp for sp in inner if not os.path.isdir(os.path.join(dt, sp))]
            if missing:
                raise ImageFolderError(
                    f"{ds} has split folders {sorted(inner)} but {dt} lacks {missing}; give both "
                    "sides the same split folders."
                )
            return {sp: (d, os.path.join(dt, sp)) for sp, d in inner.items()}, "folders"
        return {"all": (ds, dt)}, "holdout"
    outer = _folders.split_dirs(root)
    if outer:
        found = {
            sp: (os.path.join(d, s), os.path.join(d, t))
            for sp, d in outer.items()
            if os.path.isdir(os.path.join(d, s)) and os.path.isdir(os.path.join(d, t))
        }
        if "train" in found:
            return found, "folders"
    return None


def _unpaired_dirs(root):
    a, b = _folders.split_dirs(root, "A"), _folders.split_dirs(root, "B")
    if a and b:
        return {sp: (a[sp], b[sp]) for sp in a if sp in b}, "folders"
    da, db = os.path.join(root, "A"), os.path.join(root, "B")
    if os.path.isdir(da) and os.path.isdir(db):
        return {"all": (da, db)}, "holdout"
    return None


def directory_layout(path):
    """Guesses a directory's layout: `"unpaired"`, `"paired"` or `"images"`.

    `trainA/` + `trainB/` -> unpaired; `A/` + `B/` (or `train/A/` + `train/B/`)
    -> paired; anything else -> a plain image folder. The side-by-side layout
    looks like a plain image folder: ask for it with `layout="side_by_side"`.
    """
    root = _folders.check_directory(path)
    if _folders.split_dirs(root, "A") and _folders.split_dirs(root, "B"):
        return "unpaired"
    if _ab_dirs(root, ("A", "B")) is not None:
        return "paired"
    return "images"


def _stem_map(directory, where):
    files, others = _folders.list_images(directory)
    out = {}
    for p in files:
        key = os.path.splitext(_folders.relkey(p, directory))[0]
        if key in out:
            raise ImageFolderError(
                f"{where}: {out[key]} and {p} have the same name without extension; pairs are "
                "matched by name, so keep one."
            )
        out[key] = p
    if not out:
        raise _folders._empty_error(directory, others)
    return out


def _match_pairs(dir_s, dir_t):
    ms, mt = _stem_map(dir_s, dir_s), _stem_map(dir_t, dir_t)
    only_s, only_t = sorted(set(ms) - set(mt)), sorted(set(mt) - set(ms))
    if only_s or only_t:
        lines = [f"Paired folders {dir_s} and {dir_t} must hold the same file names (matched without extension):"]
        if only_s:
            lines.append(f"  {len(only_s)} only in {dir_s}: {_folders._some(only_s, 10)}")
        if only_t:
            lines.append(f"  {len(only_t)} only in {dir_t}: {_folders._some(only_t, 10)}")
        raise ImageFolderError("\n".join(lines))
    keys = sorted(ms)
    return keys, [ms[k] for k in keys], [mt[k] for k in keys]


def _check_pair_channels(channels):
    if isinstance(channels, (tuple, list)):
        if len(channels) != 2:
            raise ValueError(f"channels must be None, an int, or a pair of them; got {channels!r}.")
        return tuple(_folders.check_channels(c) for c in channels)
    c = _folders.check_channels(channels)
    return (c, c)


@dataclasses.dataclass(frozen=True)
class _PairIndex:
    root: str
    layout: str  # "paired" (A/B) or "side_by_side" or "unpaired"
    split_source: str
    splits: dict  # split -> (headers_first, headers_second); side_by_side: (headers, headers)
    channels: tuple


def _holdout_splits(first, second, keys, holdout):
    mask = _folders.holdout_mask(keys, holdout)
    pick = lambda xs, m: [x for x, k in zip(xs, m) if k]  # noqa: E731
    return {
        "train": (pick(first, ~mask), pick(second, ~mask)),
        "test": (pick(first, mask), pick(second, mask)),
        "all": (first, second),
    }


def _scan_paired(path, layout, pair_dirs, channels, holdout, verify):
    root = _folders.check_directory(path)
    holdout = _folders.check_holdout(holdout)
    cs, ct = _check_pair_channels(channels)
    if layout == "side_by_side":
        dirs = _folders.split_dirs(root)
        source = "folders" if dirs else "holdout"
        raw = {}
        for sp, d in (dirs or {"all": root}).items():
            files, others = _folders.list_images(d)
            if not files and sp in ("train", "all"):
                raise _folders._empty_error(d, others)
            raw[sp] = (files, files, [_folders.relkey(p, d) for p in files])
    else:
        found = _ab_dirs(root, pair_dirs)
        if found is None:
            s, t = pair_dirs
            raise ImageFolderError(
                f"{root} is not a paired directory: expected {s}/ and {t}/ subfolders (optionally with "
                f"train/ and test/ inside), or train/{s}/ and train/{t}/. For [A | B] images side by "
                "side pass layout='side_by_side'."
            )
        dirs, source = found
        raw = {}
        for sp, (d_s, d_t) in dirs.items():
            keys, fs, ft = _match_pairs(d_s, d_t)
            raw[sp] = (fs, ft, keys)
    all_files = sorted({p for fs, ft, _ in raw.values() for p in fs + ft})
    by_path = dict(zip(all_files, _folders.read_headers(all_files, verify)))
    splits = {}
    for sp, (fs, ft, keys) in raw.items():
        hs, ht = [by_path[p] for p in fs], [by_path[p] for p in ft]
        if sp == "all":
            splits.update(_holdout_splits(hs, ht, keys, holdout))
        else:
            splits[sp] = (hs, ht)
    if "all" not in splits:
        splits["all"] = tuple(sum((list(splits[sp][i]) for sp in raw), []) for i in (0, 1))
    first = [h for h in splits["all"][0]]
    second = [h for h in splits["all"][1]]
    if layout == "side_by_side":
        narrow = [h.path for h in first if h.width < 2]
        if narrow:
            raise ImageFolderError(f"Side-by-side images must be at least 2 pixels wide: {_folders._some(narrow)}.")
        channels = (_folders.resolve_channels(first, cs, root), _folders.resolve_channels(first, ct, root))
    else:
        channels = (
            _folders.resolve_channels(first, cs, os.path.join(root, pair_dirs[0])),
            _folders.resolve_channels(second, ct, os.path.join(root, pair_dirs[1])),
        )
    return _PairIndex(root=root, layout=layout, split_source=source, splits=splits, channels=channels)


def _scan_unpaired_dirs(path, channels, holdout, verify):
    root = _folders.check_directory(path)
    holdout = _folders.check_holdout(holdout)
    ca, cb = _check_pair_channels(channels)
    found = _unpaired_dirs(root)
    if found is None:
        raise ImageFolderError(
            f"{root} is not an unpaired (CycleGAN) directory: expected trainA/ and trainB/ (with testA/ "
            "and testB/ for a test split), or A/ and B/."
        )
    dirs, source = found
    raw = {}
    for sp, (da, db) in dirs.items():
        fa, oa = _folders.list_images(da)
        fb, ob = _folders.list_images(db)
        if sp in ("train", "all"):
            if not fa:
                raise _folders._empty_error(da, oa)
            if not fb:
                raise _folders._empty_error(db, ob)
        raw[sp] = (fa, fb, da, db)
    all_files = sorted({p for fa, fb, _, _ in raw.values() for p in fa + fb})
    by_path = dict(zip(all_files, _folders.read_headers(all_files, verify)))
    splits = {}
    for sp, (fa, fb, da, db) in raw.items():
        ha, hb = [by_path[p] for p in fa], [by_path[p] for p in fb]
        if sp == "all":
            ma = _folders.holdout_mask([_folders.relkey(p, da) for p in fa], holdout)
            mb = _folders.holdout_mask([_folders.relkey(p, db) for p in fb], holdout)
            pick = lambda xs, m: [x for x, k in zip(xs, m) if k]  # noqa: E731
            splits.update({"train": (pick(ha, ~ma), pick(hb, ~mb)), "test": (pick(ha, ma), pick(hb, mb)),
                           "all": (ha, hb)})
        else:
            splits[sp] = (ha, hb)
    if "all" not in splits:
        splits["all"] = tuple(sum((list(splits[sp][i]) for sp in raw), []) for i in (0, 1))
    channels = (
        _folders.resolve_channels(splits["all"][0], ca, f"{root} (domain A)"),
        _folders.resolve_channels(splits["all"][1], cb, f"{root} (domain B)"),
    )
    return _PairIndex(root=root, layout="unpaired", split_source=source, splits=splits, channels=channels)


def _pick_split(index, split, what):
    key = _folders.resolve_split(split, index.splits, index.root)
    first, second = index.splits[key]
    if not first or not second:
        raise ImageFolderError(
            f"The {split!r} split of {index.root} has no {what}"
            + (" (the hash-based held-out share put none there; add train/ and test/ folders or use "
               "split='all')" if index.split_source == "holdout" else "")
            + "."
        )
    return key, first, second


def _common(split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache, with_labels, name):
    if _images._check_bool("with_labels", with_labels):
        raise ValueError(
            f"with_labels=True, but {name!r} is an image-to-image dataset: its elements are dicts of "
            "images without class labels. Use with_labels=False."
        )
    return _folders.check_common_args(batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache)


def _paired_from_dirs(path, split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache, *,
                      layout, direction, pair_dirs, channels, jitter, load_size, holdout, verify):
    index = _scan_paired(path, layout, pair_dirs, channels, holdout, verify)
    key, hs, ht = _pick_split(index, split, "pairs")
    jitter = _check_jitter(jitter, split)
    crop, load = _sizes(image_size, load_size, jitter)
    size = load if jitter else crop
    cs, ct = index.channels
    swap = direction == "BtoA"

    if layout == "side_by_side":
        items = tf.data.Dataset.from_tensor_slices([h.path for h in hs])

        def decode(p):
            raw = tf.io.decode_image(tf.io.read_file(p), channels=0, expand_animations=False, dtype=tf.uint8)
            w2 = tf.shape(raw)[1] // 2  # the official AlignedDataset: A = [0, w/2), B = [w/2, w)
            a = _folders.convert_channels(raw[:, :w2], cs)
            b = _folders.convert_channels(raw[:, w2:], ct)
            return a, b
    else:
        items = tf.data.Dataset.from_tensor_slices(([h.path for h in hs], [h.path for h in ht]))

        def decode(p_s, p_t):
            return _folders.decode_image(p_s, cs), _folders.decode_image(p_t, ct)

    def prepare(*item):
        a, b = decode(*item)
        if swap:
            a, b = b, a
        return {"source": _folders.resize_uint8(a, size, "bicubic"),
                "target": _folders.resize_uint8(b, size, "bicubic")}

    c_src, c_tgt = (ct, cs) if swap else (cs, ct)
    ds = _folders.examples(
        items, prepare, num_examples=len(hs), bytes_per_example=size[0] * size[1] * (c_src + c_tgt),
        shuffle=shuffle, seed=seed, cache=cache, name=index.root,
    )
    ds = _folders.repeat_epochs(ds, repeat)
    as_float = lambda x: {k: _folders.to_float(v) for k, v in x.items()}  # noqa: E731
    if jitter:
        ds = _folders.keyed_map(ds, lambda x, k: as_float(random_crop_flip(x, k, crop)), _seed_or_new(seed))
    else:
        ds = ds.map(as_float, num_parallel_calls=tf.data.AUTOTUNE)
    return _folders.batch_prefetch(ds, batch_size, drop_remainder)


def _seed_or_new(seed):
    return _folders.new_seed() if seed is None else seed


# --------------------------------------------------------------------------- #
# Unpaired streams
# --------------------------------------------------------------------------- #


def _unaligned(domains, *, epoch_len, repeat, shuffle, seed, cache, name, jitter, crop, batch_size,
               drop_remainder, finalize):
    """Zips two independently shuffled, endlessly repeated domains into {"a", "b"}.

    Args:
        domains: two `(items, decode, num_examples, bytes_per_example, cheap)`.
        epoch_len: elements per epoch (`max(len(A), len(B))`), or None to stop
            with the shorter domain.
    """
    streams = []
    for i, (items, decode, n, bytes_per, cheap) in enumerate(domains):
        ds = _folders.examples(
            items, decode, num_examples=n, bytes_per_example=bytes_per, shuffle=shuffle,
            seed=None if seed is None else seed + i, cache=cache, name=name, items_are_cheap=cheap,
        )
        streams.append(ds.repeat() if epoch_len is not None else ds)
    ds = tf.data.Dataset.zip(tuple(streams)).map(lambda a, b: {"a": a, "b": b})
    if epoch_len is not None and repeat is not True:
        ds = ds.take(epoch_len * (int(repeat) if repeat else 1))
    elif epoch_len is None:
        ds = _folders.repeat_epochs(ds, repeat)
    if jitter:
        def independent(x, key):
            ka, kb = tf.unstack(tf.random.experimental.stateless_split(key, 2))
            return {"a": finalize(random_crop_flip(x["a"], ka, crop)),
                    "b": finalize(random_crop_flip(x["b"], kb, crop))}

        ds = _folders.keyed_map(ds, independent, _seed_or_new(seed))
    else:
        ds = ds.map(lambda x: {k: finalize(v) for k, v in x.items()}, num_parallel_calls=tf.data.AUTOTUNE)
    return _folders.batch_prefetch(ds, batch_size, drop_remainder)


def _unpaired_from_dirs(path, split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache, *,
                        channels, jitter, load_size, holdout, verify):
    index = _scan_unpaired_dirs(path, channels, holdout, verify)
    key, ha, hb = _pick_split(index, split, "images in both domains")
    jitter = _check_jitter(jitter, split)
    crop, load = _sizes(image_size, load_size, jitter)
    size = load if jitter else crop
    domains = []
    for headers, c in ((ha, index.channels[0]), (hb, index.channels[1])):
        def decode(p, c=c):
            return _folders.resize_uint8(_folders.decode_image(p, c), size, "bicubic")

        items = tf.data.Dataset.from_tensor_slices([h.path for h in headers])
        domains.append((items, decode, len(headers), size[0] * size[1] * c, True))
    return _unaligned(
        domains, epoch_len=max(len(ha), len(hb)), repeat=repeat, shuffle=shuffle, seed=seed, cache=cache,
        name=index.root, jitter=jitter, crop=crop, batch_size=batch_size, drop_remainder=drop_remainder,
        finalize=_folders.to_float,
    )


def _cycle_gan_domains(name, split, data_dir, shuffle, seed):
    """[(dataset of uint8 images, count or None)] for `<split>A`, `<split>B`."""
    tfds = _images._import_tfds()
    out = []
    for d in "AB":
        tfds_split = f"{split}{d}"
        ds, tfds_info = _images._tfds_call(
            lambda s=tfds_split: tfds.load(
                name, split=s, data_dir=data_dir, shuffle_files=shuffle,
                read_config=tfds.ReadConfig(shuffle_seed=seed), with_info=True,
            ),
            name, tfds_split, None, [],
        )
        spec = ds.element_spec
        if not isinstance(spec, dict) or "image" not in spec:
            raise ValueError(f"TFDS dataset {name!r} split {tfds_split!r} has no 'image' feature ({spec}).")
        n = _images._split_size(tfds_info, tfds_split)
        if n is None:
            card = int(ds.cardinality())
            n = card if card >= 0 else None
        out.append((ds.map(lambda e: e["image"]), n, int(spec["image"].shape[-1] or 3)))
    return out


def _unpaired_cycle_gan(name, split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache,
                        data_dir, *, jitter, load_size):
    if split not in _CYCLE_GAN_SPLITS:
        raise ValueError(
            f"split for the unpaired dataset {name!r} must be one of {_CYCLE_GAN_SPLITS} (for one domain "
            f"alone use split='trainA', 'trainB', 'testA' or 'testB'); got {split!r}."
        )
    jitter = _check_jitter(jitter, split)
    crop, load = _sizes(image_size, load_size, jitter)
    size = load if jitter else crop
    domains, counts = [], []
    for ds, n, c in _cycle_gan_domains(name, split, data_dir, shuffle, seed):
        domains.append((ds, lambda x: _folders.resize_uint8(x, size, "bicubic"), n, size[0] * size[1] * c, False))
        counts.append(n)
    if None in counts:
        logging.warning("%s: split sizes unknown; an epoch ends with the shorter domain.", name)
    epoch_len = None if None in counts else max(counts)
    return _unaligned(
        domains, epoch_len=epoch_len, repeat=repeat, shuffle=shuffle, seed=seed, cache=cache, name=name,
        jitter=jitter, crop=crop, batch_size=batch_size, drop_remainder=drop_remainder,
        finalize=_folders.to_float,
    )


def class_slug(name):
    """`"Ankle boot"` -> `"ankle_boot"`, `"T-shirt/top"` -> `"t_shirt_top"` (as in dataset names)."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def class_index(dataset, cls):
    """The label of class `cls` (an int, a label name, or its slug) in `dataset`."""
    names = CLASS_NAMES[dataset]
    if _images._is_int(cls):
        if 0 <= cls < len(names):
            return int(cls)
    else:
        slugs = [class_slug(n) for n in names]
        if class_slug(cls) in slugs:
            return slugs.index(class_slug(cls))
    raise ValueError(
        f"{cls!r} is not a class of {dataset!r}; expected a label 0..{len(names) - 1} or one of "
        f"{[class_slug(n) for n in names]}."
    )


def _check_class_dataset(dataset):
    key = _images._local_key(dataset) if isinstance(dataset, str) else None
    if key not in CLASS_NAMES:
        raise ValueError(f"dataset must be one of {sorted(CLASS_NAMES)}; got {dataset!r}.")
    return key


def unpaired_classes(dataset, class_a, class_b, split="train", batch_size=64, image_size=None, shuffle=True,
                     seed=None, repeat=False, drop_remainder=True, data_dir=None, cache=True, *, jitter=None,
                     load_size=None, with_labels=False):
    """Two classes of a labelled dataset as two unpaired domains `{"a", "b"}`.

    The same as `keras_gans.data.load("<dataset>_pair/<a>-<b>", ...)`, e.g.
    `"fashion_mnist_pair/sneaker-ankle_boot"`.

    Args:
        dataset: `"fashion_mnist"`, `"mnist"` or `"digits"` (read as
            `keras_gans.data.load_numpy` reads them: local files first, then TFDS).
        class_a, class_b: labels (ints) or class names: Fashion-MNIST's
            `"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot"` (any case; `"ankle_boot"`,
            `"t_shirt_top"` also work); `"0"`..`"9"` for the digit sets.
        split: `"train"` or `"test"` (digits: `"train"`).
        batch_size, shuffle, seed, repeat, drop_remainder, data_dir, cache: as in
            `keras_gans.data.load`.
        image_size: None keeps 28x28 (8x8 for digits); otherwise resized
            (antialiased bilinear, as `keras_gans.data.load`).
        jitter: CycleGAN's resize-crop-flip, drawn independently for `a` and
            `b` (default off here: these images are centred and upright).
        load_size: the size to resize to before the jitter's crop.
        with_labels: must be False.

    Returns:
        A dataset of `{"a": [B, H, W, 1], "b": [B, H, W, 1]}` float32 in [-1, 1];
        an epoch has `max(len(a), len(b))` elements.
    """
    key = _check_class_dataset(dataset)
    ia, ib = class_index(key, class_a), class_index(key, class_b)
    if ia == ib:
        raise ValueError(
            f"class_a and class_b are the same class ({CLASS_NAMES[key][ia]!r}); pick two different ones."
        )
    name = f"{key}_pair/{class_slug(CLASS_NAMES[key][ia])}-{class_slug(CLASS_NAMES[key][ib])}"
    batch_size, size, shuffle, seed, repeat, drop_remainder, cache = _common(
        split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache, with_labels, name
    )
    jitter = False if jitter is None else _images._check_bool("jitter", jitter)
    x, y = _images.load_numpy(key, split=split, data_dir=data_dir)
    native = x.shape[1:3]
    crop = size or tuple(native)
    load = (_hw(load_size, "load_size") if load_size is not None else _default_load_size(crop)) if jitter else crop
    if crop[0] > load[0] or crop[1] > load[1]:
        raise ValueError(f"image_size (the crop) {crop} must not exceed load_size {load}.")
    half = 127.5
    domains = []
    for label in (ia, ib):
        xs = x[y == label]
        if len(xs) == 0:
            raise ValueError(f"{key!r} split {split!r} has no images of class {CLASS_NAMES[key][label]!r}.")

        def prep(img):
            img = tf.cast(img, tf.float32) / half - 1.0
            if tuple(load) != tuple(native):
                img = tf.clip_by_value(tf.image.resize(img, load, method="bilinear", antialias=True), -1.0, 1.0)
            return img

        domains.append((tf.data.Dataset.from_tensor_slices(xs), prep, len(xs), 4 * load[0] * load[1], False))
    return _unaligned(
        domains, epoch_len=max(d[2] for d in domains), repeat=repeat, shuffle=shuffle, seed=seed, cache=cache,
        name=name, jitter=jitter, crop=crop, batch_size=batch_size, drop_remainder=drop_remainder,
        finalize=lambda v: v,
    )


# --------------------------------------------------------------------------- #
# scikit-image tasks
# --------------------------------------------------------------------------- #


def _skimage_dir():
    import skimage.data

    return os.path.dirname(skimage.data.__file__)


def skimage_photo(name):
    """One of `SKIMAGE_PHOTOS` as uint8 RGB `[H, W, 3]`, read from the wheel's own files.

    Raises:
        ValueError: `name` is not in `SKIMAGE_PHOTOS`.
        DatasetNotFoundError: the file is not in the installed scikit-image.
    """
    files = {n: f for n, f, _ in SKIMAGE_PHOTOS}
    if name not in files:
        raise ValueError(f"name must be one of {sorted(files)}; got {name!r}.")
    path = os.path.join(_skimage_dir(), files[name])
    if not os.path.isfile(path):
        raise DatasetNotFoundError(
            f"{path} is missing: the installed scikit-image does not bundle {files[name]!r} "
            "(keras_gans reads only the photos shipped in the wheel)."
        )
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def _task_source(task, photo):
    import skimage.color
    import skimage.feature
    import skimage.filters

    if task == "skimage_edges2photo":
        edges = skimage.feature.canny(skimage.color.rgb2gray(photo), sigma=CANNY_SIGMA)
        return np.where(edges, 0, 255).astype(np.uint8)[..., None]
    if task == "skimage_gray2color":
        return np.round(skimage.color.rgb2gray(photo) * 255.0).astype(np.uint8)[..., None]
    blurred = skimage.filters.gaussian(photo, sigma=BLUR_SIGMA, channel_axis=-1, preserve_range=True)
    return np.clip(np.round(blurred), 0, 255).astype(np.uint8)


_TASK_CACHE = {}
_TASK_LOCK = threading.Lock()


def skimage_task_arrays(task):
    """The precomputed pairs of a scikit-image task (computed once per process).

    Args:
        task: a key of `SKIMAGE_TASKS`.

    Returns:
        A tuple of `(photo_name, split, source, target)`: uint8 arrays
        `[H, W, Cs]` and `[H, W, 3]` at the photo's full resolution (read-only).
    """
    if task not in SKIMAGE_TASKS:
        raise ValueError(f"task must be one of {sorted(SKIMAGE_TASKS)}; got {task!r}.")
    with _TASK_LOCK:
        if task not in _TASK_CACHE:
            out = []
            for name, _, split in SKIMAGE_PHOTOS:
                target = skimage_photo(name)
                source = _task_source(task, target)
                source.flags.writeable = False
                target.flags.writeable = False
                out.append((name, split, source, target))
            _TASK_CACHE[task] = tuple(out)
        return _TASK_CACHE[task]


def edge_task_arrays(task, split, data_dir=None):
    """``(edges, images)`` of an edge task's split: uint8 ``[N, 28, 28, 1]`` each, edges
    black (0) on white (255); computed once per process."""
    import skimage.feature

    key = (task, split, data_dir)
    with _TASK_LOCK:
        if key not in _TASK_CACHE:
            images, _ = _images.load_numpy(EDGE_TASKS[task], split=split, data_dir=data_dir)
            edges = np.stack([skimage.feature.canny(x[..., 0] / 255.0, sigma=EDGE_TASK_SIGMA) for x in images])
            edges = np.where(edges, 0, 255).astype(np.uint8)[..., None]
            _TASK_CACHE[key] = (edges, images)
        return _TASK_CACHE[key]


def _load_edge_task(task, split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache, *,
                    data_dir, jitter):
    if split not in ("train", "test"):
        raise ValueError(f"split for {task!r} must be 'train' or 'test'; got {split!r}.")
    jitter = False if jitter is None else _images._check_bool("jitter", jitter)
    size = image_size or (EDGE_TASK_DEFAULT_SIZE, EDGE_TASK_DEFAULT_SIZE)
    edges, images = edge_task_arrays(task, split, data_dir)

    def prepare(source, target):
        pair = tf.cast(tf.concat([source, target], -1), tf.float32) / 127.5 - 1.0
        if tuple(size) != pair.shape[:2]:
            pair = tf.clip_by_value(tf.image.resize(pair, size, method="bilinear", antialias=True), -1.0, 1.0)
        return {"source": pair[..., :1], "target": pair[..., 1:]}

    ds = tf.data.Dataset.from_tensor_slices((edges, images)).map(prepare, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache() if cache is True else ds.cache(cache)
    if shuffle:
        ds = ds.shuffle(min(len(edges), 10000), seed=seed, reshuffle_each_iteration=True)
    ds = _folders.repeat_epochs(ds, repeat)
    if jitter:
        def flipped(item, key):
            flip = tf.random.stateless_uniform([], key) > 0.5
            return {k: tf.cond(flip, lambda v=v: tf.reverse(v, [1]), lambda v=v: v) for k, v in item.items()}

        ds = _folders.keyed_map(ds, flipped, _seed_or_new(seed))
    return _folders.batch_prefetch(ds, batch_size, drop_remainder)


def _skimage_max_crop():
    # Photo sizes without decoding: read the PNG/JPEG headers.
    from PIL import Image

    hs, ws = [], []
    for _, f, _ in SKIMAGE_PHOTOS:
        with Image.open(os.path.join(_skimage_dir(), f)) as im:
            ws.append(im.size[0])
            hs.append(im.size[1])
    return min(hs), min(ws)


def _skimage_positions(heights, widths, crop, per_photo):
    rng = np.random.default_rng(SKIMAGE_TEST_SEED)
    ks, ys, xs = [], [], []
    for k, (h, w) in enumerate(zip(heights, widths)):
        ks += [k] * per_photo
        ys += list(rng.integers(0, h - crop[0] + 1, per_photo))
        xs += list(rng.integers(0, w - crop[1] + 1, per_photo))
    return np.array(ks, np.int32), np.array(ys, np.int32), np.array(xs, np.int32)


def _load_skimage(task, split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, *, jitter,
                  load_size):
    if split not in ("train", "test"):
        raise ValueError(f"split for {task!r} must be 'train' or 'test'; got {split!r}.")
    if load_size is not None:
        raise ValueError(
            f"load_size does not apply to {task!r}: it crops the full-resolution photos (no resize); "
            "pass image_size (the crop size) only."
        )
    jitter = _check_jitter(jitter, split)
    crop = image_size or (PIX2PIX_CROP_SIZE, PIX2PIX_CROP_SIZE)
    max_h, max_w = _skimage_max_crop()
    if crop[0] > max_h or crop[1] > max_w:
        raise ValueError(
            f"image_size {crop} is larger than the smallest photo allows: {task!r} crops its photos, "
            f"so image_size must be at most ({max_h}, {max_w})."
        )
    pairs = [p for p in skimage_task_arrays(task) if p[1] == split]
    cs = _SKIMAGE_SOURCE_CHANNELS[task]
    c = cs + 3
    stacked = [tf.constant(np.concatenate([s, t], -1)) for _, _, s, t in pairs]
    heights = np.array([a.shape[0] for a in stacked], np.int64)
    widths = np.array([a.shape[1] for a in stacked], np.int64)
    t_h, t_w = tf.constant(heights), tf.constant(widths)
    ch, cw = crop

    def crop_at(k, y, x, flip):
        # One branch per photo: a plain slice of that photo (no index arithmetic).
        begin = tf.stack([y, x, 0])
        patch = tf.switch_case(
            k, [lambda a=a: tf.slice(a, begin, [ch, cw, c]) for a in stacked]
        )
        patch = tf.ensure_shape(patch, [ch, cw, c])
        patch = tf.cond(flip, lambda: tf.reverse(patch, [1]), lambda: patch)
        return {"source": _folders.to_float(patch[..., :cs]), "target": _folders.to_float(patch[..., cs:])}

    if split == "train":
        n = len(pairs) * SKIMAGE_TRAIN_CROPS_PER_PHOTO
        seed = _seed_or_new(seed)

        def random_crop(_, key):
            s = tf.random.experimental.stateless_split(key, 4)
            k = tf.random.stateless_uniform([], s[0], minval=0, maxval=len(pairs), dtype=tf.int32)
            h, w = tf.cast(t_h[k], tf.int32), tf.cast(t_w[k], tf.int32)
            y = tf.random.stateless_uniform([], s[1], minval=0, maxval=h - ch + 1, dtype=tf.int32)
            x = tf.random.stateless_uniform([], s[2], minval=0, maxval=w - cw + 1, dtype=tf.int32)
            flip = tf.random.stateless_uniform([], s[3]) > 0.5 if jitter else tf.constant(False)
            return crop_at(k, y, x, flip)

        ds = tf.data.Dataset.range(n).repeat() if repeat is True else tf.data.Dataset.range(n * (int(repeat) or 1))
        ds = _folders.keyed_map(ds, random_crop, seed)
    else:
        ks, ys, xs = _skimage_positions(heights, widths, crop, SKIMAGE_TEST_CROPS_PER_PHOTO)
        ds = tf.data.Dataset.from_tensor_slices((ks, ys, xs))
        if shuffle:
            ds = ds.shuffle(len(ks), seed=seed, reshuffle_each_iteration=True)
        ds = _folders.repeat_epochs(ds, repeat)
        if jitter:
            def flipped(item, key):
                flip = tf.random.stateless_uniform([], key) > 0.5
                return crop_at(item[0], item[1], item[2], flip)

            ds = _folders.keyed_map(ds, flipped, _seed_or_new(seed))
        else:
            ds = ds.map(lambda k, y, x: crop_at(k, y, x, tf.constant(False)), num_parallel_calls=tf.data.AUTOTUNE)
    return _folders.batch_prefetch(ds, batch_size, drop_remainder)


# --------------------------------------------------------------------------- #
# Public loaders
# --------------------------------------------------------------------------- #


def _check_layout(layout, allowed=LAYOUTS):
    if layout not in allowed:
        raise ValueError(f"layout must be one of {allowed}; got {layout!r}.")
    return layout


def _check_pair_dirs(pair_dirs):
    if (
        not isinstance(pair_dirs, (tuple, list)) or len(pair_dirs) != 2
        or not all(isinstance(d, str) and d and os.sep not in d for d in pair_dirs) or pair_dirs[0] == pair_dirs[1]
    ):
        raise ValueError(
            f"pair_dirs must be two different subfolder names (source, target) such as ('A', 'B') or "
            f"('labels', 'images'); got {pair_dirs!r}."
        )
    return tuple(pair_dirs)


def load_paired(name, split="train", batch_size=64, image_size=None, shuffle=True, seed=None, repeat=False,
                drop_remainder=True, data_dir=None, cache=True, *, layout="auto", direction="AtoB",
                pair_dirs=("A", "B"), channels=None, jitter=None, load_size=None, holdout=_folders.HOLDOUT_FRACTION,
                verify="header", with_labels=False):
    """Loads paired images as a dataset of `{"source": ..., "target": ...}`.

    Args:
        name: a directory (see the module docstring) or a scikit-image task
            (`"skimage_edges2photo"`, `"skimage_gray2color"`, `"skimage_blur2sharp"`).
        split: `"train"`, `"test"` (or `"val"`, `"validation"`), or `"all"`
            for directories; `"train"` or `"test"` for the scikit-image tasks.
        batch_size, shuffle, seed, repeat, drop_remainder, cache: as in
            `keras_gans.data.load`.
        image_size: the crop size (output size), int or `(height, width)`;
            None means pix2pix's 256.
        data_dir: ignored (kept so calls through `keras_gans.data.load` work).
        layout: `"auto"` or `"paired"` (an `A/` + `B/` layout), or
            `"side_by_side"` (each file is `[A | B]`).
        direction: `"AtoB"` (source = A, the left half) or `"BtoA"`. The
            official facades model trains `BtoA` (labels -> photo).
        pair_dirs: the (A, B) subfolder names of the `A/` + `B/` layout.
        channels: None (each side keeps its files' channel count), an int for
            both sides, or an `(a, b)` pair of them.
        jitter: Pix2Pix's resize-crop-flip (`pix2pix_jitter`); None means on
            for `"train"` and off (a plain resize to `image_size`) otherwise.
            For the scikit-image tasks it switches the random flips only
            (train crops are always random).
        load_size: the size to resize to before the random crop; None keeps
            the official 286/256 ratio (286 for 256 crops).
        holdout: share of pairs held out as `"test"` without split folders.
        verify: `"header"`, `"decode"` or `"none"` (see `keras_gans.data.folders`).
        with_labels: must be False (pairs have no labels).

    Returns:
        A `tf.data.Dataset` of `{"source": [B, H, W, Cs], "target": [B, H, W, Ct]}`
        float32 in [-1, 1].

    Raises:
        DatasetNotFoundError: the directory does not exist.
        ImageFolderError: no pairs, unmatched names (listed), unreadable files,
            mixed channel counts.
        ValueError: an argument is invalid.
    """
    name = _images._check_name(os.fspath(name) if isinstance(name, os.PathLike) else name)
    batch_size, size, shuffle, seed, repeat, drop_remainder, cache = _common(
        split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache, with_labels, name
    )
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}; got {direction!r}.")
    if name in SKIMAGE_TASKS:
        if direction != "AtoB":
            raise ValueError(f"{name!r} has one direction (source -> target); direction must be 'AtoB'.")
        return _load_skimage(name, split, batch_size, size, shuffle, seed, repeat, drop_remainder,
                             jitter=jitter, load_size=load_size)
    if name in EDGE_TASKS:
        if direction != "AtoB" or load_size is not None:
            raise ValueError(f"{name!r} takes neither direction nor load_size; pass image_size only.")
        return _load_edge_task(name, split, batch_size, size, shuffle, seed, repeat, drop_remainder, cache,
                               data_dir=data_dir, jitter=jitter)
    layout = _check_layout(layout, ("auto", "paired", "side_by_side"))
    _folders.check_split(split, PAIRED_SPLITS)
    return _paired_from_dirs(
        name, split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache,
        layout="paired" if layout == "auto" else layout, direction=direction,
        pair_dirs=_check_pair_dirs(pair_dirs), channels=channels, jitter=jitter, load_size=load_size,
        holdout=holdout, verify=verify,
    )


def load_unpaired(name, split="train", batch_size=64, image_size=None, shuffle=True, seed=None, repeat=False,
                  drop_remainder=True, data_dir=None, cache=True, *, channels=None, jitter=None, load_size=None,
                  holdout=_folders.HOLDOUT_FRACTION, verify="header", with_labels=False):
    """Loads two unpaired domains as a dataset of `{"a": ..., "b": ...}`.

    Args:
        name: a directory with `trainA/ trainB/ [testA/ testB/]` (or `A/ B/`),
            `"cycle_gan/<name>"` (TFDS), or `"<dataset>_pair/<a>-<b>"` (see
            `unpaired_classes`).
        split: `"train"` or `"test"` (directories also `"val"`, `"all"`).
        batch_size, shuffle, seed, repeat, drop_remainder, cache: as in
            `keras_gans.data.load`; an epoch is `max(len(A), len(B))` elements.
        image_size: the crop (output) size; None means CycleGAN's 256 (the
            class pairs keep their native size).
        data_dir: TFDS / IDX data directory for named datasets; ignored for
            directories.
        channels: directories only: None, an int, or an `(a, b)` pair.
        jitter: CycleGAN's resize-crop-flip, drawn independently for `a` and
            `b`; None means on for `"train"` (off for the class pairs).
        load_size: the size to resize to before the crop (default 286/256 of
            `image_size`).
        holdout, verify: directories only, as in `keras_gans.data.folders`.
        with_labels: must be False.

    Returns:
        A `tf.data.Dataset` of `{"a": [B, H, W, Ca], "b": [B, H, W, Cb]}` float32
        in [-1, 1].
    """
    name = _images._check_name(os.fspath(name) if isinstance(name, os.PathLike) else name)
    m = _PAIR_RE.match(name)
    if m and m.group("base") in CLASS_NAMES:
        if channels is not None:
            raise ValueError(f"channels does not apply to {name!r} (its images are gray).")
        return unpaired_classes(
            m.group("base"), m.group("a"), m.group("b"), split=split, batch_size=batch_size,
            image_size=image_size, shuffle=shuffle, seed=seed, repeat=repeat, drop_remainder=drop_remainder,
            data_dir=data_dir, cache=cache, jitter=jitter, load_size=load_size, with_labels=with_labels,
        )
    batch_size, size, shuffle, seed, repeat, drop_remainder, cache = _common(
        split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache, with_labels, name
    )
    if _is_directory(name):
        _folders.check_split(split, PAIRED_SPLITS)
        return _unpaired_from_dirs(
            name, split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache,
            channels=channels, jitter=jitter, load_size=load_size, holdout=holdout, verify=verify,
        )
    if channels is not None:
        raise ValueError(f"channels applies to directories only; {name!r} is a TFDS dataset.")
    return _unpaired_cycle_gan(
        name, split, batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache,
        _images._check_data_dir(data_dir), jitter=jitter, load_size=load_size,
    )


# --------------------------------------------------------------------------- #
# info
# --------------------------------------------------------------------------- #


def _shape_of(headers, channels, half=None):
    if half == "left":
        sizes = {(h.height, h.width // 2) for h in headers}
    elif half == "right":
        sizes = {(h.height, h.width - h.width // 2) for h in headers}
    else:
        sizes = {(h.height, h.width) for h in headers}
    hw = next(iter(sizes)) if len(sizes) == 1 else (None, None)
    return (hw[0], hw[1], channels)


def paired_info(name, data_dir=None, *, layout="auto", direction="AtoB", pair_dirs=("A", "B"), channels=None,
                holdout=_folders.HOLDOUT_FRACTION, verify="header", **unused):
    """The `TranslationInfo` of a paired dataset (arguments as in `load_paired`)."""
    if name in EDGE_TASKS:
        size = (EDGE_TASK_DEFAULT_SIZE,) * 2
        return TranslationInfo(
            name=name, image_shape=size + (1,), num_classes=None, num_examples={"train": 60000, "test": 10000},
            kind="paired", shapes={"source": size + (1,), "target": size + (1,)},
            description=f"Canny edges (sigma {EDGE_TASK_SIGMA}) of each {EDGE_TASKS[name]} image, black on "
            "white -> the image; its own train / test splits",
        )
    del data_dir, unused
    if name in SKIMAGE_TASKS:
        counts = {}
        for _, _, split in SKIMAGE_PHOTOS:
            counts[split] = counts.get(split, 0) + 1
        cs = _SKIMAGE_SOURCE_CHANNELS[name]
        return TranslationInfo(
            name=name, image_shape=(None, None, 3), num_classes=None,
            num_examples={"train": counts["train"] * SKIMAGE_TRAIN_CROPS_PER_PHOTO,
                          "test": counts["test"] * SKIMAGE_TEST_CROPS_PER_PHOTO},
            kind="paired", shapes={"source": (None, None, cs), "target": (None, None, 3)},
            description=SKIMAGE_TASKS[name] + "; crops of scikit-image's bundled photos "
            f"(train: {[n for n, _, s in SKIMAGE_PHOTOS if s == 'train']}, "
            f"test: {[n for n, _, s in SKIMAGE_PHOTOS if s == 'test']})",
        )
    layout = _check_layout(layout, ("auto", "paired", "side_by_side"))
    layout = "paired" if layout == "auto" else layout
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}; got {direction!r}.")
    index = _scan_paired(name, layout, _check_pair_dirs(pair_dirs), channels, holdout, verify)
    first, second = index.splits["all"]
    cs, ct = index.channels
    if layout == "side_by_side":
        shapes = [_shape_of(first, cs, "left"), _shape_of(first, ct, "right")]
    else:
        shapes = [_shape_of(first, cs), _shape_of(second, ct)]
    if direction == "BtoA":
        shapes.reverse()
    return TranslationInfo(
        name=index.root, image_shape=shapes[1], num_classes=None,
        num_examples={sp: len(h[0]) for sp, h in index.splits.items() if sp != "all"},
        kind="paired", shapes={"source": shapes[0], "target": shapes[1]},
        description=f"paired images ({layout}) in {index.root}, split by {index.split_source}",
    )


def unpaired_info(name, data_dir=None, *, channels=None, holdout=_folders.HOLDOUT_FRACTION, verify="header",
                  **unused):
    """The `TranslationInfo` of an unpaired dataset (arguments as in `load_unpaired`)."""
    del unused
    m = _PAIR_RE.match(name)
    if m and m.group("base") in CLASS_NAMES:
        key = _check_class_dataset(m.group("base"))
        ia, ib = class_index(key, m.group("a")), class_index(key, m.group("b"))
        base = _images.info(key, data_dir=data_dir)
        domains, counts = {}, {}
        for split in base.num_examples or {}:
            x, y, _, _ = _images._find_local(key, split, _images._check_data_dir(data_dir))
            if y is None:
                domains = None
                break
            domains[split] = {"a": int((y == ia).sum()), "b": int((y == ib).sum())}
            counts[split] = max(domains[split].values())
        return TranslationInfo(
            name=name, image_shape=base.image_shape, num_classes=None, num_examples=counts or None,
            kind="unpaired", shapes={"a": base.image_shape, "b": base.image_shape}, domain_examples=domains or None,
            description=f"{key} classes {CLASS_NAMES[key][ia]!r} (a) and {CLASS_NAMES[key][ib]!r} (b)",
        )
    if _is_directory(name):
        index = _scan_unpaired_dirs(name, channels, holdout, verify)
        ca, cb = index.channels
        splits = {sp: h for sp, h in index.splits.items() if sp != "all"}
        shapes = {"a": _shape_of(index.splits["all"][0], ca), "b": _shape_of(index.splits["all"][1], cb)}
        return TranslationInfo(
            name=index.root, image_shape=shapes["b"], num_classes=None,
            num_examples={sp: max(len(a), len(b)) for sp, (a, b) in splits.items()},
            kind="unpaired", shapes=shapes,
            domain_examples={sp: {"a": len(a), "b": len(b)} for sp, (a, b) in splits.items()},
            description=f"unpaired images in {index.root}, split by {index.split_source}",
        )
    tfds = _images._import_tfds()
    data_dir = _images._check_data_dir(data_dir)
    builder = _images._tfds_call(lambda: tfds.builder(name, data_dir=data_dir), name, "train", None, [])
    shape = tuple(builder.info.features["image"].shape)
    raw = {k: int(v.num_examples) for k, v in builder.info.splits.items()}
    domains = {sp: {"a": raw[sp + "A"], "b": raw[sp + "B"]} for sp in _CYCLE_GAN_SPLITS
               if sp + "A" in raw and sp + "B" in raw}
    counts = {sp: max(d.values()) for sp, d in domains.items()}
    counts.update(raw)
    return TranslationInfo(
        name=name, image_shape=shape, num_classes=None, num_examples=counts or None, kind="unpaired",
        shapes={"a": shape, "b": shape}, domain_examples=domains or None,
        description=f"TFDS {name}: domain A = split '<split>A', B = '<split>B'",
    )


# --------------------------------------------------------------------------- #
# Routing for keras_gans.data.load / info / load_numpy
# --------------------------------------------------------------------------- #


def _is_directory(name):
    return os.path.isdir(os.path.expanduser(name))


def _looks_like_path(name):
    return (
        name.startswith(("/", "~", "./", "../", ".\\", "..\\")) or "\\" in name or name.count("/") > 1
        or any(ch.isspace() for ch in name)
    )


def _load_directory(name, split="train", batch_size=64, image_size=None, with_labels=False, shuffle=True,
                    seed=None, repeat=False, drop_remainder=True, data_dir=None, cache=True, *, layout="auto",
                    **kwargs):
    layout = _check_layout(layout)
    if layout == "auto":
        layout = directory_layout(name)
    common = dict(split=split, batch_size=batch_size, image_size=image_size, with_labels=with_labels,
                  shuffle=shuffle, seed=seed, repeat=repeat, drop_remainder=drop_remainder, data_dir=data_dir,
                  cache=cache)
    if layout == "images":
        return _folders.load_folder(name, **common, **kwargs)
    if layout == "unpaired":
        return load_unpaired(name, **common, **kwargs)
    return load_paired(name, **common, layout=layout, **kwargs)


def _directory_info(name, data_dir=None, *, layout="auto", **kwargs):
    layout = _check_layout(layout)
    if layout == "auto":
        layout = directory_layout(name)
    if layout == "images":
        return _folders.folder_info(name, data_dir=data_dir, **kwargs)
    if layout == "unpaired":
        return unpaired_info(name, data_dir=data_dir, **kwargs)
    return paired_info(name, data_dir=data_dir, layout=layout, **kwargs)


def _directory_numpy(name, split="train", data_dir=None, *, layout="auto", **kwargs):
    layout = _check_layout(layout)
    if layout == "auto":
        layout = directory_layout(name)
    if layout != "images":
        raise ValueError(
            f"load_numpy reads plain image folders; {name!r} is a {layout} directory whose elements are "
            "dicts of images. Use keras_gans.data.load(...) instead."
        )
    return _folders.load_folder_numpy(name, split=split, data_dir=data_dir, **kwargs)


def _no_numpy(name, **unused):
    raise ValueError(
        f"load_numpy does not read {name!r}: its elements are dicts of images (an image-to-image "
        "dataset). Use keras_gans.data.load(...) instead."
    )


def _missing(name, **unused):
    raise DatasetNotFoundError(
        f"{name!r} is neither an existing directory ({os.path.abspath(os.path.expanduser(name))} does "
        "not exist) nor a dataset name."
    )


@dataclasses.dataclass(frozen=True)
class Route:
    """The loader functions `keras_gans.data.load/info/load_numpy` use for a name."""

    load: object
    info: object
    load_numpy: object


def route(name, split=None):
    """Which loaders handle `name`, or None for the built-in datasets and TFDS.

    Args:
        name: a dataset name or a directory path (already a string).
        split: the split asked for (None for `info`): `cycle_gan/<x>` with split
            `"trainA"`..`"testB"` stays a plain TFDS image dataset.

    Returns:
        A `Route`, or None.
    """
    if _images._local_key(name) is not None:
        return None
    from keras_gans.data import label_maps, sequences, super_resolution  # here: they import this module

    if super_resolution.parse_name(name) is not None:
        return Route(super_resolution.load_named, super_resolution.info_super_resolution, super_resolution.no_numpy)
    if sequences.is_sequence_name(name):
        return Route(sequences.load_named, sequences.info_sequences, sequences.numpy_named)
    if name in SKIMAGE_TASKS or name in EDGE_TASKS:
        return Route(load_paired, paired_info, _no_numpy)
    if label_maps.is_label_map_name(name):
        return Route(label_maps.load_label_maps, label_maps.label_map_info, _no_numpy)
    if label_maps.onehot_base(name) is not None:
        return Route(label_maps.load_onehot, label_maps.onehot_info, _no_numpy)
    from keras_gans.data import multimodal

    if multimodal.multimodal_base(name) is not None:
        return Route(multimodal.load_named, multimodal.info_named, _no_numpy)
    m = _PAIR_RE.match(name)
    if m and m.group("base") in CLASS_NAMES:
        return Route(load_unpaired, unpaired_info, _no_numpy)
    if _is_directory(name):
        # Label-map layouts (images/ + labels/, pix2pixHD's train_img/ + train_label/) go to label_maps,
        # which hands every other layout back to _load_directory / _directory_info / _directory_numpy.
        return Route(label_maps.load_directory, label_maps.directory_info, label_maps.directory_numpy)
    is_cycle_gan = "/" in name and name.split("/")[0] == "cycle_gan"
    if is_cycle_gan and (split is None or split in _CYCLE_GAN_SPLITS):
        return Route(load_unpaired, unpaired_info, _no_numpy)
    if _looks_like_path(name):
        return Route(_missing, _missing, _missing)
    return None
