"""A user's own images: a directory of PNG/JPEG files as a `tf.data` pipeline.

`keras_gans.data.load("/path/to/dir", ...)` and `keras_gans.data.info("/path/to/dir")`
come here for a plain image folder (the image-to-image layouts are in
`keras_gans.data.paired`). What a directory may look like:

```
dir/                         dir/                          dir/
  cat/  a.png b.jpg ...        train/ cat/... dog/...        x.png y.jpg ...
  dog/  c.png ...              test/  cat/... dog/...
```

* **Classes.** Subfolders of the image directory are classes: their sorted names
  are labels 0, 1, ... (`with_labels=True`, as Keras'
  `image_dataset_from_directory`); images anywhere below a class folder belong to
  it. Without subfolders the images are unlabelled. Loose images next to class
  folders, and empty class folders, are errors.
* **Splits.** A `train/` subfolder (with `test/`, `val/` or `validation/` next to
  it) gives the splits; `split="test"` falls back to `val/` or `validation/` when
  there is no `test/` (and `"val"` to `test/`). Without a `train/` folder, a fixed
  `holdout` share (10%) of the files is the `"test"` split: a file goes to test
  when the SHA-1 of its path relative to the directory (POSIX separators, e.g.
  `"cat/a.png"`) falls in the lowest `holdout` of the hash range. Each file's
  split depends on its own name only, so adding or removing files never moves
  other files between splits. `split="all"` reads every image.
* **Files.** `.png`, `.jpg` and `.jpeg` (any case), decoded with `tf.io` inside the
  pipeline. Hidden files and folders (`.name`) and other files (`.txt`, `.json`,
  ...) are skipped; image formats `tf.io` cannot decode reliably (`.bmp`, `.gif`,
  `.tif`, `.webp`, ...) are an error naming them. Before building the pipeline
  every file's header is read with PIL (`verify="header"`): the error names each
  file that is not a readable image, a PNG whose chunks fail their CRC, or a JPEG
  without its end-of-image marker (truncated). `verify="decode"` decodes every
  file fully with PIL first (slow, thorough); `verify="none"` skips the checks.
* **Channels.** `channels=None` keeps the images' own channel count (1 gray,
  2 gray+alpha, 3 colour, 4 colour+alpha); a folder that mixes counts is an error
  unless `channels` is given, and then every image is converted: gray is
  repeated to colour, colour becomes gray as `tf.image.rgb_to_grayscale`
  (0.2989 R + 0.5870 G + 0.1140 B), alpha is dropped (as PIL's `convert("RGB")`)
  or added as opaque.
* **Size.** `image_size=None` keeps the native size (all images must share it to
  be batched). Otherwise each image is **center-cropped to the target aspect
  ratio and then resized** (antialiased bilinear; `crop_to_aspect_ratio=False`
  stretches instead), so nothing is distorted.

Decoded, resized images are cached in memory as uint8 (`cache=True`, while they
fit in `keras_gans.data.images.MAX_MEMORY_CACHE_BYTES`) and scaled to float32 in
[-1, 1] after the cache.

Example:

```python
from keras_gans import data

ds = data.load("~/photos", batch_size=32, image_size=64, with_labels=True, seed=0)
images, labels = next(iter(ds))        # float32 [32, 64, 64, 3] in [-1, 1], int32 [32]
data.info("~/photos").class_names       # ('cat', 'dog')
```
"""

import concurrent.futures
import dataclasses
import hashlib
import os
import threading

import numpy as np
import tensorflow as tf
from absl import logging

from keras_gans.data import images as _images
from keras_gans.data.images import DatasetInfo, DatasetNotFoundError

__all__ = [
    "FolderInfo",
    "HOLDOUT_FRACTION",
    "IMAGE_EXTENSIONS",
    "ImageFolderError",
    "convert_channels",
    "decode_image",
    "folder_info",
    "holdout_mask",
    "load_folder",
    "load_folder_numpy",
]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
# Image files we refuse rather than skip: tf.io decodes them wrongly or not at all
# (palette BMPs come out as palette indices, GIFs lose transparency, no TIFF).
UNSUPPORTED_IMAGE_EXTENSIONS = (".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".heic", ".avif")
HOLDOUT_FRACTION = 0.1
SPLIT_DIR_NAMES = ("train", "test", "val", "validation")
FOLDER_SPLITS = ("train", "test", "val", "validation", "all")
# Where split="x" looks, in order.
SPLIT_ALIASES = {
    "train": ("train",),
    "test": ("test", "val", "validation"),
    "val": ("val", "validation", "test"),
    "validation": ("validation", "val", "test"),
}
VERIFY_MODES = ("header", "decode", "none")

_HASH_RANGE = 1 << 32


class ImageFolderError(ValueError):
    """A directory of images is empty, holds unreadable files, or is inconsistent."""


@dataclasses.dataclass(frozen=True)
class FolderInfo(DatasetInfo):
    """What an image directory holds (a `DatasetInfo` plus the folder facts).

    Attributes:
        class_names: the class folder names, in label order (empty without classes).
        path: the directory, absolute.
        split_source: `"folders"` (train/ test/ subfolders) or `"holdout"` (a
            hash-based held-out share of the files).
    """

    class_names: tuple = ()
    path: str = ""
    split_source: str = ""


@dataclasses.dataclass(frozen=True)
class ImageHeader:
    """One image file as its header describes it (read with PIL, no pixel decode)."""

    path: str
    format: str
    height: int
    width: int
    channels: int


# --------------------------------------------------------------------------- #
# Argument checks shared with keras_gans.data.paired
# --------------------------------------------------------------------------- #


def check_common_args(batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache):
    """Validates the arguments every loader shares; returns them normalised.

    Args:
        batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache:
            as in `keras_gans.data.load`.

    Returns:
        `(batch_size, size, shuffle, seed, repeat, drop_remainder, cache)` with
        `size` a `(height, width)` pair or None.
    """
    if batch_size is not None and not (_images._is_int(batch_size) and batch_size > 0):
        raise ValueError(f"batch_size must be a positive int or None (unbatched); got {batch_size!r}.")
    size = _images._check_image_size(image_size)
    shuffle = _images._check_bool("shuffle", shuffle)
    drop_remainder = _images._check_bool("drop_remainder", drop_remainder)
    if seed is not None and not _images._is_int(seed):
        raise ValueError(f"seed must be an int or None; got {seed!r}.")
    if not (_images._is_bool(repeat) or (_images._is_int(repeat) and repeat > 0)):
        raise ValueError(f"repeat must be True, False or a positive int (number of epochs); got {repeat!r}.")
    if not (_images._is_bool(cache) or (isinstance(cache, str) and cache)):
        raise ValueError(f"cache must be True, False or a file path string; got {cache!r}.")
    return (
        None if batch_size is None else int(batch_size), size, shuffle,
        None if seed is None else int(seed), repeat, drop_remainder, cache,
    )


def check_channels(channels, arg="channels"):
    """`None` or an int in 1..4."""
    if channels is None:
        return None
    if _images._is_int(channels) and 1 <= channels <= 4:
        return int(channels)
    raise ValueError(
        f"{arg} must be None (keep the images' own channel count) or 1 (gray), 2 (gray + alpha), "
        f"3 (RGB) or 4 (RGBA); got {channels!r}."
    )


def check_holdout(holdout):
    if isinstance(holdout, (bool, np.bool_)) or not isinstance(holdout, (int, float, np.floating, np.integer)) \
            or not 0.0 <= float(holdout) < 1.0:
        raise ValueError(
            f"holdout must be a fraction in [0, 1) (the share of files held out as the 'test' split "
            f"when the directory has no train/ and test/ folders); got {holdout!r}."
        )
    return float(holdout)


def check_verify(verify):
    if verify is False or verify is None:
        return "none"
    if verify is True:
        return "header"
    if verify not in VERIFY_MODES:
        raise ValueError(f"verify must be one of {VERIFY_MODES}; got {verify!r}.")
    return verify


def check_split(split, allowed=FOLDER_SPLITS):
    if not isinstance(split, str) or split not in allowed:
        raise ValueError(f"split for a directory must be one of {allowed}; got {split!r}.")
    return split


def check_directory(path):
    """Expands `~`, returns the absolute path; errors say what is there instead."""
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise ValueError(f"path must be a directory path; got {path!r}.")
    full = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if not os.path.exists(full):
        raise DatasetNotFoundError(f"Directory {full!r} does not exist (got {os.fspath(path)!r}).")
    if not os.path.isdir(full):
        raise ImageFolderError(
            f"{full!r} is a file, not a directory; pass the folder that holds the images."
        )
    return full


# --------------------------------------------------------------------------- #
# Listing and checking files
# --------------------------------------------------------------------------- #


def _is_hidden(name):
    return name.startswith(".")


def list_images(directory, recursive=True):
    """Sorted image files below `directory`.

    Args:
        directory: the folder to list.
        recursive: also list subfolders (hidden ones are skipped).

    Returns:
        `(images, others)`: sorted absolute paths of `.png`/`.jpg`/`.jpeg` files,
        and of the other (non-hidden) files found.

    Raises:
        ImageFolderError: the folder holds image files of a format tf.io cannot
            decode reliably (named in the message).
    """
    found, others, unsupported = [], [], []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not _is_hidden(d))
        for f in filenames:
            if _is_hidden(f):
                continue
            p = os.path.join(dirpath, f)
            ext = os.path.splitext(f)[1].lower()
            if ext in IMAGE_EXTENSIONS:
                found.append(p)
            elif ext in UNSUPPORTED_IMAGE_EXTENSIONS:
                unsupported.append(p)
            else:
                others.append(p)
        if not recursive:
            break
    if unsupported:
        unsupported.sort()
        raise ImageFolderError(
            f"{directory} holds {len(unsupported)} image file(s) in a format keras_gans cannot read "
            f"(expected {', '.join(IMAGE_EXTENSIONS)}): {_some(unsupported)}. Convert them to PNG "
            "or JPEG, or move them out of the folder."
        )
    return sorted(found), sorted(others)


def _some(items, limit=5):
    items = list(items)
    shown = ", ".join(repr(str(x)) for x in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _jpeg_complete(blob):
    """True if the JPEG's main image has its end-of-image marker (FF D9).

    Walks the marker segments (skipping APPn, where EXIF thumbnails live) to the
    first start-of-scan, then looks for FF D9 after it: entropy-coded data cannot
    contain it (0xFF bytes are stuffed), and tf.io refuses a JPEG without it.
    """
    n = len(blob)
    if n < 4 or blob[:2] != b"\xff\xd8":
        return False
    i = 2
    while i + 4 <= n:
        if blob[i] != 0xFF:
            return False
        marker = blob[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA:  # start of scan
            return blob.find(b"\xff\xd9", i) != -1
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        i += 2 + int.from_bytes(blob[i + 2 : i + 4], "big")
    return False


def _mode_channels(fmt, mode, info):
    """Channels tf.io.decode_image(channels=0) gives for a PIL (format, mode)."""
    if mode in ("1", "L", "I", "F") or mode.startswith("I;16"):
        return 1
    if mode in ("LA", "La"):
        return 2
    if mode == "P":
        return 4 if "transparency" in info else 3
    if mode in ("PA", "RGBA", "RGBa"):
        return 4
    if mode in ("RGB", "YCbCr", "CMYK", "LAB", "HSV", "RGBX"):
        return 3
    return None


_HEADERS = {}
_HEADERS_LOCK = threading.Lock()


def _read_header(path, verify):
    """Returns `(ImageHeader, None)` or `(None, problem)` for one file."""
    try:
        st = os.stat(path)
    except OSError as e:
        return None, f"cannot be read ({type(e).__name__}: {e})"
    key = (path, st.st_size, st.st_mtime_ns, verify)
    with _HEADERS_LOCK:
        if key in _HEADERS:
            return _HEADERS[key], None
    from PIL import Image

    if st.st_size == 0:
        return None, "is empty (0 bytes)"
    try:
        with Image.open(path) as im:
            fmt, (width, height), mode, info = im.format, im.size, im.mode, dict(im.info)
            if verify == "decode":
                im.load()
            elif verify == "header" and fmt == "PNG":
                im.verify()  # every chunk's CRC; no decompression
    except Exception as e:  # noqa: BLE001 -- PIL raises many types for bad files.
        return None, f"is not a readable image ({type(e).__name__}: {_images._brief(e)})"
    if fmt not in ("PNG", "JPEG"):
        return None, f"is a {fmt} image, not PNG or JPEG (whatever its extension); convert it"
    if fmt == "JPEG" and verify in ("header", "decode"):
        with open(path, "rb") as f:
            blob = f.read()
        if not _jpeg_complete(blob):
            return None, (
                "is a truncated or corrupt JPEG (no end-of-image marker FF D9 after the image data; "
                "tf.io cannot decode it)"
            )
    channels = _mode_channels(fmt, mode, info)
    if channels is None:
        return None, f"has PIL mode {mode!r}, which has no gray/RGB meaning here"
    if width < 1 or height < 1:
        return None, f"has size {width}x{height}"
    header = ImageHeader(path=path, format=fmt, height=int(height), width=int(width), channels=channels)
    with _HEADERS_LOCK:
        _HEADERS[key] = header
    return header, None


def read_headers(paths, verify="header"):
    """Reads (and checks) every file's header with PIL, in parallel threads.

    Args:
        paths: image file paths.
        verify: `"header"`, `"decode"` or `"none"` (see the module docstring).

    Returns:
        A list of `ImageHeader`, in the order of `paths`.

    Raises:
        ImageFolderError: one or more files are unreadable; the message names
            each of them (up to 10) and what is wrong.
    """
    verify = check_verify(verify)
    paths = list(paths)
    if verify == "none":
        # Still one PIL header read: sizes and channels are needed to plan the pipeline.
        verify = "open"
    workers = max(1, min(8, len(paths) // 64))
    if workers == 1:
        results = [_read_header(p, verify) for p in paths]
    else:
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(lambda p: _read_header(p, verify), paths))
    bad = [(p, problem) for p, (_, problem) in zip(paths, results) if problem]
    if bad:
        lines = [f"{len(bad)} of {len(paths)} image file(s) cannot be used:"]
        lines += [f"  - {p} {problem}" for p, problem in bad[:10]]
        if len(bad) > 10:
            lines.append(f"  ... and {len(bad) - 10} more")
        lines.append("Fix or remove them (expected PNG or JPEG files tf.io can decode).")
        raise ImageFolderError("\n".join(lines))
    return [h for h, _ in results]


def resolve_channels(headers, channels, where):
    """The output channel count: `channels`, or the files' common count.

    Args:
        headers: `ImageHeader`s of the files.
        channels: the requested count (returned as is) or None.
        where: the folder, for the error message.

    Raises:
        ImageFolderError: `channels` is None and the files mix channel counts
            (the message gives counts and example files of each).
    """
    if channels is not None:
        return channels
    by = {}
    for h in headers:
        by.setdefault(h.channels, []).append(h.path)
    if len(by) == 1:
        return next(iter(by))
    names = {1: "gray", 2: "gray+alpha", 3: "RGB", 4: "RGBA"}
    parts = [f"{len(v)} with {c} ({names[c]}, e.g. {v[0]})" for c, v in sorted(by.items())]
    raise ImageFolderError(
        f"Images in {where} have different channel counts: {'; '.join(parts)}. Pass channels=3 "
        "(or 1) to convert them all, or make them consistent."
    )


def holdout_mask(keys, fraction):
    """Which keys are held out: SHA-1 of each key below `fraction` of the range.

    Args:
        keys: strings (relative POSIX paths or pair names).
        fraction: held-out share in [0, 1).

    Returns:
        A bool numpy array, True for held-out (test) keys.
    """
    cut = int(fraction * _HASH_RANGE)
    return np.array(
        [int.from_bytes(hashlib.sha1(k.encode("utf-8")).digest()[:4], "big") < cut for k in keys], bool
    )


def relkey(path, base):
    return os.path.relpath(path, base).replace(os.sep, "/")


# --------------------------------------------------------------------------- #
# Scanning an image folder
# --------------------------------------------------------------------------- #


def split_dirs(root, suffix=""):
    """`{split: dir}` for `root/<split><suffix>/` folders, or `{}` without `train<suffix>/`."""
    if not os.path.isdir(os.path.join(root, "train" + suffix)):
        return {}
    return {
        s: os.path.join(root, s + suffix)
        for s in SPLIT_DIR_NAMES
        if os.path.isdir(os.path.join(root, s + suffix))
    }


def resolve_split(split, available, where):
    """The key of `available` that `split` reads (following `SPLIT_ALIASES`)."""
    for name in SPLIT_ALIASES.get(split, (split,)):
        if name in available:
            return name
    raise ValueError(
        f"split {split!r} is not available in {where}: it has {sorted(available)} "
        f"(split='test' also reads val/ or validation/)."
    )


def _scan_base(base, where):
    """Images of one split folder: `(files, class_of_each or None, class_names)`."""
    subdirs = sorted(
        d for d in os.listdir(base) if not _is_hidden(d) and os.path.isdir(os.path.join(base, d))
    )
    loose, _ = list_images(base, recursive=False)
    classes = {}
    for d in subdirs:
        files, _ = list_images(os.path.join(base, d))
        classes[d] = files
    with_images = {d: f for d, f in classes.items() if f}
    if not with_images:
        return loose, None, ()
    if loose:
        raise ImageFolderError(
            f"{base} has both class subfolders ({_some(with_images)}) and loose images "
            f"({_some(os.path.basename(p) for p in loose)}). Put the loose images in a class "
            "folder, or move them out."
        )
    empty = [d for d, f in classes.items() if not f]
    if empty:
        raise ImageFolderError(
            f"Class folder(s) {_some(os.path.join(base, d) for d in empty)} in {where} hold no "
            f"images (expected {', '.join(IMAGE_EXTENSIONS)} files). Remove them or add images."
        )
    files, labels = [], []
    for d in sorted(with_images):
        files += with_images[d]
        labels += [d] * len(with_images[d])
    return files, labels, tuple(sorted(with_images))


@dataclasses.dataclass(frozen=True)
class _FolderIndex:
    root: str
    split_source: str
    splits: dict  # split -> (headers, labels or None)
    class_names: tuple
    channels: int


def _empty_error(where, others):
    msg = f"No images ({', '.join(IMAGE_EXTENSIONS)}) found in {where} (searched recursively)."
    if others:
        msg += f" It holds {len(others)} other file(s), e.g. {_some(others, 3)}."
    return ImageFolderError(msg)


def scan_folder(path, channels=None, holdout=HOLDOUT_FRACTION, verify="header"):
    """Lists, checks and labels the images of a directory (see the module docstring).

    Args:
        path: the directory.
        channels: None or 1..4 (see `load_folder`).
        holdout: held-out share when there are no split folders.
        verify: `"header"`, `"decode"` or `"none"`.

    Returns:
        A `_FolderIndex`.
    """
    root = check_directory(path)
    channels = check_channels(channels)
    holdout = check_holdout(holdout)
    dirs = split_dirs(root)
    if dirs:
        raw = {}
        for s, d in dirs.items():
            files, labels, names = _scan_base(d, d)
            raw[s] = (files, labels, names)
        class_names = tuple(sorted(set().union(*[set(r[2]) for r in raw.values()])))
        labelled = [s for s, r in raw.items() if r[1] is not None]
        if class_names and len(labelled) != len([s for s, r in raw.items() if r[0]]):
            flat = [dirs[s] for s, r in raw.items() if r[0] and r[1] is None]
            raise ImageFolderError(
                f"{_some(flat)} hold(s) images without class folders, but other splits of {root} "
                f"have class folders {_some(class_names)}; use the same layout in every split."
            )
        if not raw["train"][0]:
            _, others = list_images(dirs["train"])
            raise _empty_error(dirs["train"], others)
        splits = {s: (files, labels) for s, (files, labels, _) in raw.items()}
        source = "folders"
    else:
        files, labels, class_names = _scan_base(root, root)
        if not files:
            _, others = list_images(root)
            raise _empty_error(root, others)
        mask = holdout_mask([relkey(p, root) for p in files], holdout)
        def pick(m):
            kept = [p for p, k in zip(files, m) if k]
            return kept, None if labels is None else [lab for lab, k in zip(labels, m) if k]

        splits = {"train": pick(~mask), "test": pick(mask), "all": (files, labels)}
        source = "holdout"
    all_files = sorted({p for files, _ in splits.values() for p in files})
    by_path = dict(zip(all_files, read_headers(all_files, verify)))
    index = {name: i for i, name in enumerate(class_names)}
    out = {}
    for s, (files, labels) in splits.items():
        out[s] = ([by_path[p] for p in files], None if labels is None else [index[l] for l in labels])
    if source == "folders":
        every = [(h, l) for s in dirs for h, l in zip(out[s][0], out[s][1] or [None] * len(out[s][0]))]
        out["all"] = ([h for h, _ in every], None if not class_names else [l for _, l in every])
    channels = resolve_channels(list(by_path.values()), channels, root)
    return _FolderIndex(root=root, split_source=source, splits=out, class_names=class_names, channels=channels)


def _split_headers(index, split, holdout):
    key = resolve_split(split, index.splits, index.root)
    headers, labels = index.splits[key]
    if not headers:
        if index.split_source == "holdout":
            n = len(index.splits["all"][0])
            why = "holdout=0 keeps all in train" if holdout == 0 else "too few files"
            raise ImageFolderError(
                f"The {split!r} split of {index.root} is empty: the held-out share holdout={holdout} "
                f"put 0 of its {n} images there ({why}). Add train/ and test/ folders, or use split='all'."
            )
        raise _empty_error(os.path.join(index.root, key), list_images(os.path.join(index.root, key))[1])
    return key, headers, labels


# --------------------------------------------------------------------------- #
# tf pieces
# --------------------------------------------------------------------------- #


def _luma(rgb):
    return tf.image.rgb_to_grayscale(rgb)


def convert_channels(image, channels):
    """Converts a uint8 `[H, W, c]` image with any c in 1..4 to `channels` channels.

    Gray is repeated to RGB; RGB becomes gray as `tf.image.rgb_to_grayscale`;
    alpha is dropped, or added as opaque (255). Works on the dynamic channel
    count, so one pipeline can read files of every kind.

    Args:
        image: uint8 tensor `[H, W, c]`.
        channels: 1, 2, 3 or 4.

    Returns:
        uint8 tensor `[H, W, channels]`.
    """
    channels = check_channels(channels)
    if channels is None:
        raise ValueError("convert_channels needs channels in 1..4; got None.")
    image = tf.convert_to_tensor(image)
    opaque = lambda x: tf.fill(tf.concat([tf.shape(x)[:2], [1]], 0), tf.constant(255, x.dtype))  # noqa: E731

    def from_gray(gray, alpha):
        if channels == 1:
            return gray
        if channels == 2:
            return tf.concat([gray, alpha], -1)
        rgb = tf.concat([gray, gray, gray], -1)
        return rgb if channels == 3 else tf.concat([rgb, alpha], -1)

    def from_rgb(rgb, alpha):
        if channels == 3:
            return rgb
        if channels == 4:
            return tf.concat([rgb, alpha], -1)
        gray = _luma(rgb)
        return gray if channels == 1 else tf.concat([gray, alpha], -1)

    branches = [
        lambda: from_gray(image[..., :1], opaque(image)),
        lambda: from_gray(image[..., :1], image[..., 1:2]),
        lambda: from_rgb(image[..., :3], opaque(image)),
        lambda: from_rgb(image[..., :3], image[..., 3:4]),
    ]
    c = tf.shape(image)[-1]
    tf.debugging.assert_less_equal(c, 4, message="images must have 1 to 4 channels")
    out = tf.switch_case(c - 1, branches)
    return tf.ensure_shape(out, [None, None, channels])


def decode_image(path, channels):
    """Reads and decodes a PNG/JPEG file into uint8 `[H, W, channels]` (tf ops only).

    Args:
        path: string tensor, the file.
        channels: output channels, 1..4 (converted by `convert_channels`).
    """
    image = tf.io.decode_image(tf.io.read_file(path), channels=0, expand_animations=False, dtype=tf.uint8)
    return convert_channels(image, channels)


def center_crop_to_aspect(image, size):
    """Largest centered crop of `image` with the aspect ratio of `size`.

    Args:
        image: tensor `[H, W, C]`.
        size: the target `(height, width)`; only its ratio matters.
    """
    shape = tf.shape(image)
    h, w = shape[0], shape[1]
    th, tw = size
    # crop_h / crop_w == th / tw, as large as fits.
    crop_h = tf.minimum(h, (w * th) // tw)
    crop_w = tf.minimum(w, (h * tw) // th)
    crop_h, crop_w = tf.maximum(crop_h, 1), tf.maximum(crop_w, 1)
    return tf.image.crop_to_bounding_box(image, (h - crop_h) // 2, (w - crop_w) // 2, crop_h, crop_w)


def resize_uint8(image, size, method="bilinear"):
    """Antialiased resize of a uint8 image, rounded back to uint8 (as PIL does).

    Args:
        image: uint8 tensor `[H, W, C]`.
        size: `(height, width)`.
        method: a `tf.image.resize` method (`"bilinear"`, `"bicubic"`, ...).
    """
    x = tf.image.resize(tf.cast(image, tf.float32), size, method=method, antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(x), 0.0, 255.0), tf.uint8)


def to_float(image):
    """uint8 -> float32 in [-1, 1] (`x / 127.5 - 1`, the inverse of `data.to_uint8`)."""
    return tf.cast(image, tf.float32) / 127.5 - 1.0


# --------------------------------------------------------------------------- #
# Pipeline pieces shared with keras_gans.data.paired
# --------------------------------------------------------------------------- #


def cache_mode(cache, est_bytes, name):
    """`"memory"`, a file path, or None, from `cache` and the estimated size."""
    if isinstance(cache, str):
        return cache
    if not cache:
        return None
    if est_bytes is not None and est_bytes > _images.MAX_MEMORY_CACHE_BYTES:
        logging.warning(
            "keras_gans.data.load(%r): not caching in memory (about %.1f GiB of uint8 images > "
            "%.1f GiB); pass cache='/path/to/file' to cache on disk.",
            name, est_bytes / 1024**3, _images.MAX_MEMORY_CACHE_BYTES / 1024**3,
        )
        return None
    return "memory"


def examples(items, decode, *, num_examples, bytes_per_example, shuffle, seed, cache, name,
             items_are_cheap=True):
    """One pass over decoded examples, cached and shuffled.

    With a cache: `items -> decode -> cache -> shuffle`. Without one, and when
    the items are cheap (file paths), the whole list is shuffled before decoding
    (`items -> shuffle -> decode`); otherwise `decode -> shuffle` with the buffer
    of `keras_gans.data.images`.

    Args:
        items: dataset of what `decode` reads (file paths, TFDS examples, arrays).
        decode: `item -> example` (tf ops).
        num_examples: number of items, or None when unknown.
        bytes_per_example: decoded size of one example, for the cache and the
            shuffle buffer.
        shuffle, seed, cache, name: as in `keras_gans.data.load`.
        items_are_cheap: the items are small (paths), so they can all be
            shuffled before decoding.

    Returns:
        A dataset of decoded examples (one epoch).
    """
    est = None if num_examples is None else num_examples * bytes_per_example
    mode = cache_mode(cache, est, name)
    parallel = tf.data.AUTOTUNE
    if mode is None and shuffle and items_are_cheap and num_examples:
        items = items.shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
        return items.map(decode, num_parallel_calls=parallel)
    ds = items.map(decode, num_parallel_calls=parallel)
    if mode == "memory":
        ds = ds.cache()
    elif mode is not None:
        ds = ds.cache(mode)
    if shuffle:
        ds = ds.shuffle(
            _images._shuffle_buffer(num_examples, bytes_per_example), seed=seed, reshuffle_each_iteration=True
        )
    return ds


def repeat_epochs(ds, repeat):
    if repeat is True:
        return ds.repeat()
    if repeat:
        return ds.repeat(int(repeat))
    return ds


def new_seed():
    """A fresh random int seed (for `seed=None`: random, not reproducible)."""
    return int(np.random.default_rng().integers(0, 2**31 - 1))


def keyed_map(ds, fn, seed):
    """Maps `fn(element, key)` with a per-element stateless RNG key.

    The key is `[seed, r]` with `r` from `tf.data.Dataset.random(seed,
    rerandomize_each_iteration=True)`: a deterministic function of the seed and
    the element's position, and different on every pass over the dataset (so
    each Keras epoch gets fresh crops, and a run is reproducible).

    Args:
        ds: the dataset.
        fn: `(element, key) -> element`, `key` an int64 tensor `[2]` for the
            `tf.random.stateless_*` ops.
        seed: int.
    """
    keys = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    base = tf.constant(seed, tf.int64)
    ds = tf.data.Dataset.zip((ds, keys))
    return ds.map(lambda x, r: fn(x, tf.stack([base, r])), num_parallel_calls=tf.data.AUTOTUNE)


def batch_prefetch(ds, batch_size, drop_remainder):
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


def _uniform_size(headers):
    sizes = {(h.height, h.width) for h in headers}
    return next(iter(sizes)) if len(sizes) == 1 else None


def _size_error(headers, where, what="batch them"):
    by = {}
    for h in headers:
        by.setdefault((h.height, h.width), h.path)
    examples_ = "; ".join(f"{p} is {hw[1]}x{hw[0]}" for hw, p in list(by.items())[:3])
    return ImageFolderError(
        f"Images in {where} have {len(by)} different sizes ({examples_}); pass image_size=... "
        f"to resize them (or batch_size=None) to {what}."
    )


def load_folder(
    path,
    split="train",
    batch_size=64,
    image_size=None,
    with_labels=False,
    shuffle=True,
    seed=None,
    repeat=False,
    drop_remainder=True,
    cache=True,
    *,
    channels=None,
    crop_to_aspect_ratio=True,
    holdout=HOLDOUT_FRACTION,
    verify="header",
    data_dir=None,
):
    """Loads a directory of images as a `tf.data.Dataset` of float32 NHWC in [-1, 1].

    Args:
        path: the directory (`~` is expanded). Layout: see the module docstring.
        split: `"train"`, `"test"` (or `"val"`, `"validation"`), or `"all"`.
        batch_size: positive int, or None for unbatched examples.
        image_size: None keeps the native size; an int (square) or a
            `(height, width)` pair center-crops to that aspect ratio and resizes
            (antialiased bilinear).
        with_labels: elements are `(images, labels)`, int32 labels numbering the
            sorted class folder names; needs class folders.
        shuffle: shuffle the examples each epoch.
        seed: int seed for a reproducible order, or None.
        repeat: False (one epoch), True (forever) or an int number of epochs.
        drop_remainder: drop the last partial batch.
        cache: True caches decoded images (uint8) in memory when they fit; a
            string caches to that file; False decodes every epoch.
        channels: None keeps the files' channel count (all files must agree);
            1, 2, 3 or 4 converts every image.
        crop_to_aspect_ratio: center-crop to the target aspect ratio before
            resizing (default); False stretches.
        holdout: share of files held out as `"test"` when the directory has no
            `train/` folder (by a hash of each file's relative path).
        verify: `"header"` (default) checks every file's header with PIL up
            front, `"decode"` decodes every file with PIL, `"none"` only reads
            the headers.
        data_dir: ignored (the path already says where the images are); accepted
            so that callers passing it for named datasets work unchanged.

    Returns:
        A `tf.data.Dataset` of float32 `[B, H, W, C]` (or `(images, labels)`).

    Raises:
        DatasetNotFoundError: the directory does not exist.
        ImageFolderError: no images, unreadable files, mixed channel counts,
            mixed sizes without `image_size`, or an inconsistent layout.
        ValueError: an argument is invalid.
    """
    del data_dir
    split = check_split(split)
    batch_size, size, shuffle, seed, repeat, drop_remainder, cache = check_common_args(
        batch_size, image_size, shuffle, seed, repeat, drop_remainder, cache
    )
    with_labels = _images._check_bool("with_labels", with_labels)
    crop_to_aspect_ratio = _images._check_bool("crop_to_aspect_ratio", crop_to_aspect_ratio)
    index = scan_folder(path, channels=channels, holdout=holdout, verify=verify)
    key, headers, labels = _split_headers(index, split, holdout)
    where = f"{index.root} (split {key!r})"
    if with_labels and labels is None:
        raise ImageFolderError(
            f"with_labels=True but {index.root} has no class subfolders (expected e.g. "
            f"{index.root}/cat/*.png and {index.root}/dog/*.png). Use with_labels=False."
        )
    c = index.channels
    if size is None:
        native = _uniform_size(headers)
        if native is None and batch_size is not None:
            raise _size_error(headers, where)
        out_hw = native
        bytes_per = int(np.mean([h.height * h.width for h in headers])) * c
    else:
        out_hw = size
        bytes_per = size[0] * size[1] * c

    def decode(p, *label):
        img = decode_image(p, c)
        if size is not None:
            if crop_to_aspect_ratio:
                img = center_crop_to_aspect(img, size)
            img = resize_uint8(img, size)
        elif out_hw is not None:
            img = tf.ensure_shape(img, [out_hw[0], out_hw[1], c])
        return (img, label[0]) if with_labels else img

    paths = [h.path for h in headers]
    items = tf.data.Dataset.from_tensor_slices(
        (paths, np.asarray(labels, np.int32)) if with_labels else paths
    )
    ds = examples(
        items, decode, num_examples=len(paths), bytes_per_example=bytes_per, shuffle=shuffle,
        seed=seed, cache=cache, name=index.root,
    )
    ds = repeat_epochs(ds, repeat)
    if with_labels:
        ds = ds.map(lambda x, y: (to_float(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    return batch_prefetch(ds, batch_size, drop_remainder)


def folder_info(path, channels=None, holdout=HOLDOUT_FRACTION, verify="header", data_dir=None, **unused):
    """Returns the `FolderInfo` of an image directory (reads headers only).

    Args:
        path: the directory.
        channels, holdout, verify: as in `load_folder`.
        data_dir: ignored.
        **unused: other `load_folder` options (ignored here, so the same
            keyword arguments can be passed to `info` and `load`).

    Returns:
        A `FolderInfo`: `image_shape` is `(H, W, C)` when every image has the
        same size and `(None, None, C)` otherwise; `num_examples` counts the
        `"train"` and `"test"` splits (and `val`/`validation` folders).
    """
    del data_dir, unused
    index = scan_folder(path, channels=channels, holdout=holdout, verify=verify)
    every = index.splits["all"][0]
    hw = _uniform_size(every) or (None, None)
    counts = {s: len(h) for s, (h, _) in index.splits.items() if s != "all"}
    return FolderInfo(
        name=index.root,
        image_shape=(hw[0], hw[1], index.channels),
        num_classes=len(index.class_names) or None,
        num_examples=counts,
        class_names=index.class_names,
        path=index.root,
        split_source=index.split_source,
    )


def load_folder_numpy(path, split="train", data_dir=None, *, channels=None, holdout=HOLDOUT_FRACTION,
                      verify="header", **unused):
    """A whole split of an image directory as numpy arrays, at native size.

    Args:
        path, split, channels, holdout, verify: as in `load_folder`.
        data_dir: ignored.
        **unused: other `load_folder` options (ignored).

    Returns:
        `(images, labels)`: uint8 `[N, H, W, C]` in sorted file order, and int64
        `[N]` class labels (None without class folders).

    Raises:
        ImageFolderError: the images differ in size (use `load(...,
        image_size=...)` instead), or any error of `load_folder`.
    """
    del data_dir, unused
    split = check_split(split)
    index = scan_folder(path, channels=channels, holdout=holdout, verify=verify)
    key, headers, labels = _split_headers(index, split, holdout)
    hw = _uniform_size(headers)
    if hw is None:
        raise _size_error(headers, f"{index.root} (split {key!r})", "stack them into one array")
    c = index.channels
    ds = tf.data.Dataset.from_tensor_slices([h.path for h in headers])
    ds = ds.map(lambda p: tf.ensure_shape(decode_image(p, c), [hw[0], hw[1], c]),
                num_parallel_calls=tf.data.AUTOTUNE)
    x = np.concatenate(list(ds.batch(256).prefetch(1).as_numpy_iterator()))
    y = None if labels is None else np.asarray(labels, np.int64)
    return x, y
