"""Low/high-resolution image pairs for super-resolution GANs (SRGAN, ESRGAN).

Elements are dicts of float32 images in [-1, 1], batched:
`{"low": [B, h, w, C], "high": [B, h * scale, w * scale, C]}`. Super-resolution
models often work in [0, 1] (SRGAN's generator ends in tanh on [-1, 1] but its
input is [0, 1]; ESRGAN / BasicSR use [0, 1] on both sides); converting is the
model's business (`(x + 1) / 2`), the data layer keeps the project's one range.

Sources:

| name for `keras_gans.data.load` | what |
|---|---|
| `"sr_x4/skimage_photos"` (any scale: `sr_x2/...`, `sr_x3/...`, `sr_x8/...`) | scikit-image's bundled colour photographs with the train / test assignment of `keras_gans.data.paired.SKIMAGE_PHOTOS` (test: `chelsea`, `coffee`, `immunohistochemistry`; never cropped into training) |
| `"sr_x2/<directory>"` (e.g. `"sr_x4//data/DIV2K_train_HR"`) | a folder of high-resolution PNG/JPEG images, read by `keras_gans.data.folders.scan_folder` (unreadable files and mixed channel counts are errors; a `train/` + `test/` layout or a hash-based 10% held-out share gives the splits) |
| `"realesrgan_x4/<source>"` (any source and scale above) | the same patches, with LR images from Real-ESRGAN's second-order degradation (`degradation="realesrgan"`, below) |

`load_super_resolution(source, ...)` takes the source directly (`"skimage_photos"`
or a directory) and the scale as an argument.

**Training patches** (as SRGAN / ESRGAN / BasicSR's `PairedImageDataset`): a
random `patch_size x patch_size` crop of a high-resolution image (the HR patch;
SRGAN 96, ESRGAN 128, BasicSR's `gt_size`), augmented like BasicSR's `augment`:
a left-right flip with probability 1/2 (`use_hflip`) and, with `use_rot`, an
up-down flip and a transpose (a 90-degree rotation) each with probability 1/2,
which together give all 8 flips/rotations. The low-resolution image is made from
the augmented HR patch (so both sides always see the same flip and rotation) by
`tf.image.resize(hr, (p // scale, p // scale), "bicubic", antialias=True)` on
0..255 values, rounded to uint8 (as LR images saved as PNG are). The papers make
LR images with MATLAB's `imresize` (bicubic, antialiased, a = -0.5); TF's
antialiased bicubic uses a = -0.5 too and the same kernel widening, but it is not
bit-identical to MATLAB (boundary handling and rounding differ by about one grey
level), so PSNR figures are close to, not equal to, the published ones. An epoch
is `patches_per_image` patches of every image of the split (default 64 for the
six training photos, 1 for directories, where each image is visited once per
epoch as BasicSR does).

**Test split**: deterministic. By default `patches_per_image` fixed crops of
each held-out image (16 for the photos, 1 for directories), at positions drawn
from a constant seed and the image's name (so they are the same every run and
do not move when other files are added), without flips. `whole_images=True`
gives each image entire with height and width cut down to a multiple of
`scale` at the bottom / right (BasicSR's `mod_crop`), as SR benchmarks evaluate.

**Real-ESRGAN degradations** (`degradation="realesrgan"`, or a name
`"realesrgan_x<scale>/<source>"`): each HR patch is degraded by
`keras_gans.data.degradations.degradation_pairs` (the second-order pipeline
with the official option values, applied to the USM-sharpened patch), and the
elements gain `"high_sharp"`, the sharpened patch that Real-ESRGAN's L1 and
perceptual terms target. Training pairs then pass through the training-pair
queue (`queue_size`, 180 officially): the official model keeps a pool of 180
degraded pairs, and each batch is drawn from the shuffled pool and replaced by
the new pairs, so one batch mixes pairs degraded at different steps. Here the
pool is a `tf.data` shuffle buffer of `queue_size` pairs, which draws each pair
of a batch uniformly from the pool and refills it one pair at a time (the
official code takes a whole batch at once, so a pair can never leave in the
batch it came with; here it can, with probability about `batch / queue_size`).
Test pairs are degraded with a fixed seed, so the held-out set is the same
every run; no queue.

Randomness is stateless: every patch's position and flips come from a key
`[seed, r]` (`keras_gans.data.folders.keyed_map`), so a run is reproducible
from its seed and every pass over the data gets fresh patches.

Example:

```python
from keras_gans import data

ds = data.load("sr_x4/skimage_photos", batch_size=16, seed=0)
pair = next(iter(ds))   # pair["low"]: [16, 24, 24, 3], pair["high"]: [16, 96, 96, 3]
data.info("sr_x4/skimage_photos").shapes   # {"low": (24, 24, 3), "high": (96, 96, 3)}
```
"""

import hashlib
import os
import re

import numpy as np
import tensorflow as tf

from keras_gans.data import folders as _folders
from keras_gans.data import images as _images
from keras_gans.data import paired as _paired
from keras_gans.data.paired import TranslationInfo

__all__ = [
    "DEGRADATIONS",
    "SCALES",
    "SKIMAGE_SOURCE",
    "degrade",
    "info_super_resolution",
    "load_super_resolution",
    "parse_name",
]

SCALES = (2, 3, 4, 8)
DEGRADATIONS = ("bicubic", "realesrgan")
SKIMAGE_SOURCE = "skimage_photos"
SR_SPLITS = ("train", "test", "val", "validation", "all")
DEFAULT_PATCHES = {SKIMAGE_SOURCE: {"train": 64, "test": 16}, "directory": {"train": 1, "test": 1}}
TEST_CROP_SEED = 20240602  # fixed: the test crops are the same every run
_NAME_RE = re.compile(r"^(?P<kind>sr|realesrgan)_x(?P<scale>[0-9]+)/(?P<source>.+)$")
_NAME_DEGRADATION = {"sr": "bicubic", "realesrgan": "realesrgan"}
REALESRGAN_QUEUE_SIZE = 180  # Real-ESRGAN's queue_size (options/train_realesrgan_x4plus.yml)


# --------------------------------------------------------------------------- #
# Names and arguments
# --------------------------------------------------------------------------- #


def parse_name(name):
    """`(scale, source)` of a name `"sr_x<scale>/<source>"` (or
    `"realesrgan_x<scale>/<source>"`), or None for other names.

    The scale is returned as parsed (unchecked), so `"sr_x5/..."` reaches the
    loader and gets its error message.
    """
    if not isinstance(name, str):
        return None
    m = _NAME_RE.match(name)
    if m is None:
        return None
    return int(m.group("scale")), m.group("source")


def name_degradation(name):
    """The degradation a name asks for: `"bicubic"` (`sr_x...`) or `"realesrgan"` (`realesrgan_x...`)."""
    m = _NAME_RE.match(name) if isinstance(name, str) else None
    if m is None:
        raise ValueError(f"{name!r} is not a super-resolution name 'sr_x<scale>/<source>'.")
    return _NAME_DEGRADATION[m.group("kind")]


def _check_scale(scale):
    if not _images._is_int(scale) or int(scale) not in SCALES:
        raise ValueError(f"scale must be one of {SCALES} (the upscaling factor); got {scale!r}.")
    return int(scale)


def _check_patch(patch_size, scale):
    if not (_images._is_int(patch_size) and patch_size > 0):
        raise ValueError(f"patch_size (the high-resolution patch side) must be a positive int; got {patch_size!r}.")
    if patch_size % scale:
        lo, hi = (patch_size // scale) * scale, (patch_size // scale + 1) * scale
        raise ValueError(
            f"patch_size {patch_size} is not a multiple of scale {scale}: the low-resolution patch "
            f"side is patch_size // scale, so pick e.g. {lo or hi} or {hi}."
        )
    return int(patch_size)


def _check_degradation(degradation):
    if degradation not in DEGRADATIONS:
        raise ValueError(
            f"degradation must be one of {DEGRADATIONS} (antialiased bicubic downscaling, or Real-ESRGAN's "
            f"second-order pipeline); got {degradation!r}."
        )
    return degradation


def _check_patches_per_image(value, source_kind, split):
    if value is None:
        return DEFAULT_PATCHES[source_kind]["train" if split == "train" else "test"]
    if not (_images._is_int(value) and value > 0):
        raise ValueError(f"patches_per_image must be a positive int or None; got {value!r}.")
    return int(value)


def _is_skimage(source):
    return isinstance(source, str) and source == SKIMAGE_SOURCE


# --------------------------------------------------------------------------- #
# Sources: a list of images (name, height, width) and a tf decoder
# --------------------------------------------------------------------------- #


class _Source:
    """The images of one split: names, sizes, and `items` + `decode` for tf.data."""

    def __init__(self, where, names, sizes, channels, items, decode, split_counts, description):
        self.where = where
        self.names = names
        self.sizes = sizes
        self.channels = channels
        self.items = items  # list of what `decode` reads
        self.decode = decode
        self.split_counts = split_counts
        self.description = description


def _skimage_source(split, channels):
    if split not in ("train", "test", "all"):
        raise ValueError(f"split for {SKIMAGE_SOURCE!r} must be 'train', 'test' or 'all'; got {split!r}.")
    if channels not in (None, 3):
        raise ValueError(f"{SKIMAGE_SOURCE!r} holds RGB photos; channels must be None or 3, got {channels!r}.")
    chosen = [(n, s) for n, _, s in _paired.SKIMAGE_PHOTOS if split == "all" or s == split]
    photos = [tf.constant(_paired.skimage_photo(n)) for n, _ in chosen]
    names = [n for n, _ in chosen]
    sizes = [tuple(int(d) for d in p.shape[:2]) for p in photos]

    def decode(k):
        # One branch per photo: the photo itself (shapes differ, so the output is [None, None, 3]).
        return tf.ensure_shape(tf.switch_case(k, [lambda p=p: p for p in photos]), [None, None, 3])

    counts = {}
    for _, _, s in _paired.SKIMAGE_PHOTOS:
        counts[s] = counts.get(s, 0) + 1
    description = (
        f"scikit-image's bundled photos (train: {[n for n, _, s in _paired.SKIMAGE_PHOTOS if s == 'train']}, "
        f"test: {[n for n, _, s in _paired.SKIMAGE_PHOTOS if s == 'test']})"
    )
    return _Source(SKIMAGE_SOURCE, names, sizes, 3, list(range(len(photos))), decode, counts, description)


def _directory_source(path, split, channels, holdout, verify):
    _folders.check_split(split, SR_SPLITS)
    index = _folders.scan_folder(path, channels=channels, holdout=holdout, verify=verify)
    _, headers, _ = _folders._split_headers(index, split, holdout)
    c = index.channels
    counts = {s: len(h) for s, (h, _) in index.splits.items() if s != "all"}
    return _Source(
        index.root,
        [_folders.relkey(h.path, index.root) for h in headers],
        [(h.height, h.width) for h in headers],
        c,
        [h.path for h in headers],
        lambda p: _folders.decode_image(p, c),
        counts,
        f"high-resolution images in {index.root} (split by {index.split_source})",
    )


def _source(source, split, channels, holdout, verify):
    if _is_skimage(source):
        return _skimage_source(split, channels)
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str) or not source:
        raise ValueError(f"source must be {SKIMAGE_SOURCE!r} or a directory of images; got {source!r}.")
    return _directory_source(source, split, channels, holdout, verify)


def _check_fits(src, patch_size, split):
    small = [(n, hw) for n, hw in zip(src.names, src.sizes) if hw[0] < patch_size or hw[1] < patch_size]
    if small:
        n, (h, w) = min(small, key=lambda item: min(item[1]))
        raise ValueError(
            f"patch_size {patch_size} is larger than the smallest image of {src.where} (split {split!r}): "
            f"{n} is {w}x{h} (width x height); {len(small)} image(s) are smaller than the patch. Use "
            f"patch_size <= {min(min(hw) for hw in src.sizes)}, or whole_images=True for evaluation."
        )


# --------------------------------------------------------------------------- #
# tf pieces
# --------------------------------------------------------------------------- #


def degrade(high, scale, degradation="bicubic"):
    """The low-resolution image of a uint8 HR image: antialiased bicubic, rounded to uint8.

    Args:
        high: uint8 tensor `[H, W, C]`, H and W multiples of `scale`.
        scale: the downscaling factor.
        degradation: `"bicubic"`.

    Returns:
        uint8 `[H // scale, W // scale, C]`: `tf.image.resize(high, ..., "bicubic",
        antialias=True)` on 0..255, rounded and clipped (not bit-identical to
        MATLAB's `imresize`).
    """
    if _check_degradation(degradation) != "bicubic":
        raise ValueError(f"degrade() makes bicubic LR images; {degradation!r} pairs come from "
                         "load_super_resolution(..., degradation=...) or keras_gans.data.degradations.")
    high = tf.convert_to_tensor(high)
    shape = tf.shape(high)
    return _folders.resize_uint8(high, tf.stack([shape[0] // scale, shape[1] // scale]), "bicubic")


def _pair(high, scale, degradation):
    """`{"low", "high"}` of a uint8 HR image (bicubic), or `{"high"}` alone for `"realesrgan"`,
    whose LR image `_degraded` makes later, keyed by the element's position."""
    if degradation != "bicubic":
        return {"high": _folders.to_float(high)}
    low = degrade(high, scale, degradation)
    return {"low": _folders.to_float(low), "high": _folders.to_float(high)}


def _degraded(ds, scale, degradation, seed):
    """`ds` of `_pair` elements with Real-ESRGAN's LR images and `"high_sharp"` added (bicubic: as is)."""
    if degradation == "bicubic":
        return ds
    from keras_gans.data import degradations as _degradations

    return _degradations.degradation_pairs(ds, scale=scale, seed=seed)


def _check_queue_size(queue_size, degradation):
    if queue_size is None:
        return REALESRGAN_QUEUE_SIZE if degradation == "realesrgan" else 0
    if not (_images._is_int(queue_size) and queue_size >= 0):
        raise ValueError(f"queue_size must be a non-negative int (0: no training-pair queue) or None; "
                         f"got {queue_size!r}.")
    return int(queue_size)


def augment(image, key, use_hflip=True, use_rot=True):
    """BasicSR's `augment`: hflip, vflip and transpose, each with probability 1/2.

    Args:
        image: tensor `[H, W, C]` (square when `use_rot`, or the shape changes).
        key: int tensor `[2]`, a stateless RNG seed.
        use_hflip: allow the left-right flip.
        use_rot: allow the up-down flip and the transpose (90-degree rotations).
    """
    s = tf.random.experimental.stateless_split(key, 3)
    coin = lambda k, on: tf.random.stateless_uniform([], k) < 0.5 if on else tf.constant(False)  # noqa: E731
    hflip, vflip, rot90 = coin(s[0], use_hflip), coin(s[1], use_rot), coin(s[2], use_rot)
    image = tf.cond(hflip, lambda: tf.reverse(image, [1]), lambda: image)
    image = tf.cond(vflip, lambda: tf.reverse(image, [0]), lambda: image)
    return tf.cond(rot90, lambda: tf.transpose(image, [1, 0, 2]), lambda: image)


def _test_positions(name, h, w, patch, count):
    digest = hashlib.sha1(name.encode("utf-8")).digest()[:4]
    rng = np.random.default_rng([TEST_CROP_SEED, int.from_bytes(digest, "big")])
    return (rng.integers(0, h - patch + 1, count).astype(np.int32),
            rng.integers(0, w - patch + 1, count).astype(np.int32))


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


def load_super_resolution(
    source,
    split="train",
    batch_size=16,
    scale=4,
    patch_size=96,
    shuffle=True,
    seed=None,
    repeat=False,
    drop_remainder=True,
    degradation="bicubic",
    data_dir=None,
    cache=True,
    *,
    use_hflip=True,
    use_rot=True,
    patches_per_image=None,
    whole_images=False,
    channels=3,
    holdout=_folders.HOLDOUT_FRACTION,
    verify="header",
    queue_size=None,
):
    """Loads low/high-resolution pairs as a dataset of `{"low": ..., "high": ...}`.

    Args:
        source: `"skimage_photos"` or a directory of high-resolution images.
        split: `"train"` (random patches) or `"test"` (fixed patches); also
            `"all"`, and `"val"` / `"validation"` for directories. Only
            `"train"` is random.
        batch_size: positive int, or None for unbatched pairs.
        scale: the upscaling factor, one of 2, 3, 4, 8.
        patch_size: side of the high-resolution patch (a multiple of `scale`;
            the low-resolution side is `patch_size // scale`).
        shuffle: shuffle the images (and the test patches) each epoch.
        seed: int seed for reproducible patches and order, or None.
        repeat: False (one epoch), True (forever) or an int number of epochs.
        drop_remainder: drop the last partial batch.
        degradation: `"bicubic"` (antialiased) or `"realesrgan"` (the
            second-order pipeline; elements gain `"high_sharp"`); see the
            module docstring.
        data_dir: ignored (accepted so `keras_gans.data.load` can pass it).
        cache: True caches the decoded images (uint8) in memory when they fit;
            a string caches to that file; False decodes every epoch.
        use_hflip: training: random left-right flips.
        use_rot: training: random up-down flips and 90-degree rotations.
        patches_per_image: patches taken from each image per epoch; None means
            64 train / 16 test for the photos, 1 / 1 for directories.
        whole_images: every image entire (mod-cropped to a multiple of `scale`),
            no crops, no flips, in file order unless shuffled; `batch_size` must
            be None or 1 unless all images have the same size.
        channels: 3 (default; gray images are repeated to RGB), 1, or None to
            keep the files' own count (directories).
        holdout, verify: directories, as in `keras_gans.data.folders.load_folder`.
        queue_size: training pairs pooled before batching (the training-pair
            queue; None: 180 for `"realesrgan"`, 0 for `"bicubic"`; 0: none).

    Returns:
        A `tf.data.Dataset` of `{"low": [B, p // scale, p // scale, C],
        "high": [B, p, p, C]}` float32 in [-1, 1] (`p` = `patch_size`).

    Raises:
        ValueError: `scale` not in (2, 3, 4, 8), `patch_size` not a multiple of
            `scale` or larger than the smallest image (named), bad arguments.
        DatasetNotFoundError: the directory does not exist.
        ImageFolderError: the folder has no images or unreadable ones.
    """
    del data_dir
    scale = _check_scale(scale)
    patch_size = _check_patch(patch_size, scale)
    _check_degradation(degradation)
    queue_size = _check_queue_size(queue_size, degradation)
    batch_size, _, shuffle, seed, repeat, drop_remainder, cache = _folders.check_common_args(
        batch_size, None, shuffle, seed, repeat, drop_remainder, cache
    )
    use_hflip = _images._check_bool("use_hflip", use_hflip)
    use_rot = _images._check_bool("use_rot", use_rot)
    whole_images = _images._check_bool("whole_images", whole_images)
    channels = _folders.check_channels(channels)
    src = _source(source, split, channels, holdout, verify)
    ppi = _check_patches_per_image(patches_per_image, "skimage_photos" if _is_skimage(source) else "directory",
                                   split)
    c = src.channels
    n = len(src.items)
    mean_bytes = int(np.mean([h * w for h, w in src.sizes])) * c
    items_ds = lambda items: tf.data.Dataset.from_tensor_slices(items)  # noqa: E731

    if whole_images:
        cropped = {(h - h % scale, w - w % scale) for h, w in src.sizes}
        tiny = [nm for nm, (h, w) in zip(src.names, src.sizes) if h < scale or w < scale]
        if tiny:
            raise ValueError(f"Images smaller than scale {scale} in {src.where}: {_folders._some(tiny)}.")
        if len(cropped) > 1 and batch_size not in (None, 1):
            raise ValueError(
                f"whole_images=True: the images of {src.where} have {len(cropped)} different sizes, so "
                f"they cannot be batched by {batch_size}; use batch_size=1 (or None), or patches."
            )

        def whole(item):
            img = src.decode(item)
            shape = tf.shape(img)
            img = img[: shape[0] - shape[0] % scale, : shape[1] - shape[1] % scale]
            return _pair(img, scale, degradation)

        ds = _folders.examples(items_ds(src.items), whole, num_examples=n, bytes_per_example=mean_bytes,
                               shuffle=shuffle, seed=seed, cache=cache, name=src.where)
        ds = _degraded(ds, scale, degradation, TEST_CROP_SEED)
        ds = _folders.repeat_epochs(ds, repeat)
        return _folders.batch_prefetch(ds, batch_size, drop_remainder)

    _check_fits(src, patch_size, split)
    p = patch_size

    if split == "train":
        ds = _folders.examples(items_ds(src.items), src.decode, num_examples=n, bytes_per_example=mean_bytes,
                               shuffle=shuffle, seed=seed, cache=cache, name=src.where)
        if ppi > 1:
            ds = ds.repeat(ppi)
        ds = _folders.repeat_epochs(ds, repeat)

        def random_patch(image, key):
            k_crop, k_aug = tf.unstack(tf.random.experimental.stateless_split(key, 2))
            ky, kx = tf.unstack(tf.random.experimental.stateless_split(k_crop, 2))
            shape = tf.shape(image)
            y = tf.random.stateless_uniform([], ky, minval=0, maxval=shape[0] - p + 1, dtype=tf.int32)
            x = tf.random.stateless_uniform([], kx, minval=0, maxval=shape[1] - p + 1, dtype=tf.int32)
            patch = tf.slice(image, tf.stack([y, x, 0]), tf.stack([p, p, shape[2]]))
            patch = tf.ensure_shape(augment(patch, k_aug, use_hflip, use_rot), [p, p, c])
            return _pair(patch, scale, degradation)

        train_seed = _paired._seed_or_new(seed)
        ds = _folders.keyed_map(ds, random_patch, train_seed)
        ds = _degraded(ds, scale, degradation, train_seed + 1)
        if queue_size > 1:
            ds = ds.shuffle(queue_size, seed=train_seed + 2)
        return _folders.batch_prefetch(ds, batch_size, drop_remainder)

    # Fixed test crops: positions from a constant seed and each image's name.
    ys, xs = zip(*[_test_positions(nm, h, w, p, ppi) for nm, (h, w) in zip(src.names, src.sizes)])
    items = (src.items, np.stack(ys), np.stack(xs))

    def decode_with_positions(item, y, x):
        return src.decode(item), y, x

    ds = _folders.examples(items_ds(items), decode_with_positions, num_examples=n, bytes_per_example=mean_bytes,
                           shuffle=False, seed=seed, cache=cache, name=src.where)

    def crops(image, y, x):
        def one(yy, xx):
            patch = tf.slice(image, tf.stack([yy, xx, 0]), tf.stack([p, p, tf.shape(image)[2]]))
            return _pair(tf.ensure_shape(patch, [p, p, c]), scale, degradation)

        return tf.data.Dataset.from_tensor_slices((y, x)).map(one)

    ds = _degraded(ds.flat_map(crops), scale, degradation, TEST_CROP_SEED)
    if shuffle:
        per_pair = p * p * c * 4 * (1 + 1 / scale**2)
        ds = ds.shuffle(_images._shuffle_buffer(n * ppi, int(per_pair)), seed=seed, reshuffle_each_iteration=True)
    ds = _folders.repeat_epochs(ds, repeat)
    return _folders.batch_prefetch(ds, batch_size, drop_remainder)


def info_super_resolution(name, data_dir=None, *, scale=None, patch_size=96, patches_per_image=None,
                          whole_images=False, channels=3, holdout=_folders.HOLDOUT_FRACTION, verify="header",
                          **unused):
    """The `TranslationInfo` of a super-resolution dataset.

    Args:
        name: `"sr_x<scale>/<source>"`, or a source (`"skimage_photos"`, a
            directory) with `scale` given.
        data_dir: ignored.
        scale: the factor, when `name` does not say it (or equal to it).
        patch_size, patches_per_image, whole_images, channels, holdout,
            verify: as in `load_super_resolution`.
        **unused: other `load` options (ignored).

    Returns:
        `TranslationInfo(kind="super_resolution")`: `shapes` is
        `{"low": (p // scale, p // scale, C), "high": (p, p, C)}` (`None`
        sizes with `whole_images`), `image_shape` the high-resolution shape,
        `num_examples` the pairs per epoch of `"train"` and `"test"`.
    """
    del data_dir
    parsed = parse_name(name)
    degradation = _check_degradation(unused.get("degradation", "bicubic"))
    if parsed is not None:
        named_scale, source = parsed
        if scale is not None and scale != named_scale:
            raise ValueError(f"{name!r} says scale {named_scale}, but scale={scale!r} was passed.")
        scale = named_scale
        degradation = name_degradation(name)
    else:
        source = name
        if scale is None:
            raise ValueError(f"scale must be given for {name!r} (or use a name 'sr_x4/{name}').")
    scale = _check_scale(scale)
    patch_size = _check_patch(patch_size, scale)
    channels = _folders.check_channels(channels)
    src = _source(source, "all" if _is_skimage(source) else "train", channels, holdout, verify)
    kind = SKIMAGE_SOURCE if _is_skimage(source) else "directory"
    counts = {}
    for split, count in src.split_counts.items():
        per = 1 if whole_images else _check_patches_per_image(patches_per_image, kind, split)
        counts[split] = count * per
    if whole_images:
        high, low = (None, None, src.channels), (None, None, src.channels)
    else:
        high = (patch_size, patch_size, src.channels)
        low = (patch_size // scale, patch_size // scale, src.channels)
    return TranslationInfo(
        name=name, image_shape=high, num_classes=None, num_examples=counts, kind="super_resolution",
        shapes={"low": low, "high": high},
        description=f"x{scale} super-resolution, LR by "
                    f"{'antialiased bicubic downscaling' if degradation == 'bicubic' else 'Real-ESRGAN degradations'}"
                    f" of {src.description}",
    )


# --------------------------------------------------------------------------- #
# Routing for keras_gans.data.load / info / load_numpy
# --------------------------------------------------------------------------- #


def load_named(name, split="train", batch_size=16, image_size=None, with_labels=False, shuffle=True, seed=None,
               repeat=False, drop_remainder=True, data_dir=None, cache=True, *, scale=None, **kwargs):
    """`keras_gans.data.load` for `"sr_x<scale>/<source>"` names."""
    parsed = parse_name(name)
    if parsed is None:
        raise ValueError(f"{name!r} is not a super-resolution name 'sr_x<scale>/<source>'.")
    named_scale, source = parsed
    if scale is not None and scale != named_scale:
        raise ValueError(f"{name!r} says scale {named_scale}, but scale={scale!r} was passed.")
    if image_size is not None:
        raise ValueError(
            f"image_size does not apply to {name!r}; pass patch_size=... (the high-resolution patch side)."
        )
    if _images._check_bool("with_labels", with_labels):
        raise ValueError(f"with_labels=True, but {name!r} has no labels (elements are {{'low', 'high'}}).")
    degradation = name_degradation(name)
    if kwargs.get("degradation", degradation) != degradation:
        raise ValueError(f"{name!r} says degradation {degradation!r}, but degradation="
                         f"{kwargs['degradation']!r} was passed.")
    kwargs["degradation"] = degradation
    return load_super_resolution(
        source, split=split, batch_size=batch_size, scale=named_scale, shuffle=shuffle, seed=seed, repeat=repeat,
        drop_remainder=drop_remainder, data_dir=data_dir, cache=cache, **kwargs,
    )


def no_numpy(name, **unused):
    raise ValueError(
        f"load_numpy does not read {name!r}: its elements are {{'low', 'high'}} image pairs. Use "
        "keras_gans.data.load(...) instead."
    )


def route(name, split=None):
    """A `keras_gans.data.paired.Route` for `"sr_x<scale>/<source>"`, else None."""
    del split
    if parse_name(name) is None:
        return None
    return _paired.Route(load_named, info_super_resolution, no_numpy)
