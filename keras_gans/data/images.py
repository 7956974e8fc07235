"""Image datasets as `tf.data` pipelines of float32 NHWC images in [-1, 1].

Names with a local loader are read without TFDS when their files are present:

* `"fashion_mnist"`, `"mnist"`: the four IDX files (gzipped or not). An explicit
  `data_dir` is the only place searched (the directory itself or a `<name>/`
  subfolder, underscore or dash); without one they are searched in
  `$KERAS_GANS_DATA_DIR` (same layout), then `/usr/share/datasets/<name>/`
  (Debian's `dataset-fashion-mnist` package) and `~/.keras/datasets/<name>/`
  (where `keras.datasets.fashion_mnist` caches them), `<name>` spelled with a
  dash (`fashion-mnist`). Labels outside `[0, num_classes)` are an error.
* `"digits"`: scikit-learn's bundled 8x8 digits (1,797 images, values 0..16).

Any other name goes to `tfds.load` (features `"image"` and `"label"`); MNIST and
Fashion-MNIST fall back to TFDS (with the same `data_dir`) when no local files are
found. TFDS is asked once: a download is tried without TFDS's retry loop, so an
offline machine gets the error at once. `source_of` says which source a call reads.

A path to a directory is a dataset too (a folder of images, class subfolders as
labels: `keras_gans.data.folders`; paired `A/` + `B/`, side-by-side or unpaired
`trainA/` + `trainB/` folders: `keras_gans.data.paired`), and so are the
image-to-image names of `keras_gans.data.paired` (`"cycle_gan/<name>"` with split
`"train"`/`"test"`, `"fashion_mnist_pair/sneaker-ankle_boot"`,
`"skimage_edges2photo"`, ...), whose elements are dicts of images.

Example:

```python
from keras_gans import data

ds = data.load("fashion_mnist", batch_size=64, image_size=32, seed=0)
images = next(iter(ds))               # float32 [64, 32, 32, 1] in [-1, 1]
x, y = data.load_numpy("fashion_mnist", split="test")  # uint8, int64
grid = data.to_uint8(images)          # back to uint8 for saving
```
"""

import contextlib
import dataclasses
import difflib
import numbers
import os
import threading

import numpy as np
import tensorflow as tf
from absl import logging

from keras_gans.data.idx import IDXFormatError, read_idx

__all__ = [
    "DATA_DIR_ENV",
    "DatasetInfo",
    "DatasetNotFoundError",
    "IDXFormatError",
    "LOCAL_DATASETS",
    "info",
    "load",
    "load_numpy",
    "read_idx",
    "source_of",
    "to_uint8",
]

DATA_DIR_ENV = "KERAS_GANS_DATA_DIR"

# Roots searched last for IDX datasets, as `<root>/<name-with-dash>/`.
SYSTEM_DATA_ROOTS = ("/usr/share/datasets", "~/.keras/datasets")

# `cache=True` keeps the decoded float32 images in memory only while they are
# estimated to fit in this many bytes (larger sets are streamed, with a warning).
MAX_MEMORY_CACHE_BYTES = 2 * 1024**3
# The shuffle buffer holds the whole split when it fits in this many bytes,
# and at least `MIN_SHUFFLE_BUFFER` examples otherwise.
SHUFFLE_BUFFER_BYTES = 256 * 1024**2
MIN_SHUFFLE_BUFFER = 10_000

_IDX_DATASETS = ("fashion_mnist", "mnist")
_LOCAL_SPLITS = ("train", "test")
_IDX_PREFIX = {"train": "train", "test": "t10k"}


class DatasetNotFoundError(FileNotFoundError):
    """The dataset is neither on disk nor obtainable through TFDS here."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a dataset holds.

    Attributes:
        name: the dataset name.
        image_shape: native `(height, width, channels)`; a dimension is `None`
            where images vary in size.
        num_classes: number of label classes, or `None` without class labels.
        num_examples: `{split: count}`, or `None` where unknown (a TFDS dataset
            that is not prepared on this machine).
    """

    name: str
    image_shape: tuple
    num_classes: object
    num_examples: object


LOCAL_DATASETS = {
    "fashion_mnist": DatasetInfo("fashion_mnist", (28, 28, 1), 10, {"train": 60_000, "test": 10_000}),
    "mnist": DatasetInfo("mnist", (28, 28, 1), 10, {"train": 60_000, "test": 10_000}),
    # scikit-learn's digits have no train/test split: all 1,797 images are "train".
    "digits": DatasetInfo("digits", (8, 8, 1), 10, {"train": 1_797}),
}


# --------------------------------------------------------------------------- #
# Argument checks
# --------------------------------------------------------------------------- #


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def _is_bool(x):
    return isinstance(x, (bool, np.bool_))


def _check_name(name):
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"name must be a non-empty string such as 'fashion_mnist', 'mnist', 'digits', "
            f"a TFDS name like 'cifar10', or a directory path; got {name!r}."
        )
    return name.strip()


def _route(name, split=None):
    """Loaders for directories and the image-to-image datasets (`keras_gans.data.paired.route`)."""
    from keras_gans.data import paired  # imported here: paired imports this module

    return paired.route(name, split)


def _no_extra_kwargs(fn, name, kwargs):
    if kwargs:
        raise TypeError(
            f"{fn}() got unexpected keyword argument(s) {sorted(kwargs)} for {name!r}: they apply only "
            "to directories and the image-to-image datasets (keras_gans.data.folders / .paired)."
        )


def _local_key(name):
    key = name.lower().replace("-", "_")
    return key if key in LOCAL_DATASETS else None


def _check_split(name, split):
    if not isinstance(split, str) or not split.strip():
        raise ValueError(f"split must be a non-empty string such as 'train' or 'test'; got {split!r}.")
    key = _local_key(name)
    if key is not None:
        allowed = tuple(LOCAL_DATASETS[key].num_examples)
        if split not in allowed:
            raise ValueError(
                f"split for dataset {name!r} must be one of {allowed}; got {split!r}."
                + (" scikit-learn's digits have a single split of 1,797 images." if key == "digits" else "")
            )
    return split


def _check_data_dir(data_dir):
    if data_dir is None:
        return None
    if not isinstance(data_dir, (str, os.PathLike)) or not os.fspath(data_dir):
        raise ValueError(f"data_dir must be a directory path or None; got {data_dir!r}.")
    return os.path.abspath(os.path.expanduser(os.fspath(data_dir)))


def _check_image_size(image_size):
    if image_size is None:
        return None
    if _is_int(image_size) and image_size > 0:
        return (int(image_size), int(image_size))
    if (
        isinstance(image_size, (tuple, list))
        and len(image_size) == 2
        and all(_is_int(s) and s > 0 for s in image_size)
    ):
        return (int(image_size[0]), int(image_size[1]))
    raise ValueError(
        f"image_size must be a positive int (square output), a (height, width) pair of "
        f"positive ints, or None to keep the native size; got {image_size!r}."
    )


def _check_bool(arg, value):
    if not _is_bool(value):
        raise ValueError(f"{arg} must be True or False; got {value!r}.")
    return bool(value)


# --------------------------------------------------------------------------- #
# Local sources
# --------------------------------------------------------------------------- #


def _idx_file(directory, prefix, kind, ndim_tag):
    """Returns the first existing IDX file for (prefix, kind) in directory."""
    for stem in (f"{prefix}-{kind}-{ndim_tag}-ubyte", f"{prefix}-{kind}.{ndim_tag}-ubyte"):
        for suffix in ("", ".gz"):
            path = os.path.join(directory, stem + suffix)
            if os.path.isfile(path):
                return path
    return None


def _idx_pair(directory, split):
    prefix = _IDX_PREFIX[split]
    images = _idx_file(directory, prefix, "images", "idx3")
    labels = _idx_file(directory, prefix, "labels", "idx1")
    return (images, labels) if images and labels else None


def _search_dirs(key, data_dir):
    """Directories to search for IDX files of dataset `key`, in order.

    An explicit `data_dir` is searched alone (itself and its `<name>/` subfolders):
    a wrong directory must not silently fall back to another copy of the data.

    Returns a list of `(description, path_or_None)`; `None` marks an unset
    environment variable (kept so the error message can say so).
    """
    dash = key.replace("_", "-")
    subdirs = [key] + ([dash] if dash != key else [])
    if data_dir is not None:
        return [("data_dir", data_dir)] + [("data_dir", os.path.join(data_dir, s)) for s in subdirs]
    dirs = []
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        env = os.path.expanduser(env)
        dirs += [(f"${DATA_DIR_ENV}", env)] + [(f"${DATA_DIR_ENV}", os.path.join(env, s)) for s in subdirs]
    else:
        dirs.append((f"${DATA_DIR_ENV}", None))
    for root in SYSTEM_DATA_ROOTS:
        dirs.append(("default", os.path.join(os.path.expanduser(root), dash)))
    return dirs


_ARRAY_CACHE = {}
_ARRAY_CACHE_LOCK = threading.Lock()


def _cached_read_idx(path, expected_ndim):
    """`read_idx` memoised per (file, mtime, size): decoding 60k images takes ~0.2 s."""
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_mtime_ns, st.st_size, expected_ndim)
    with _ARRAY_CACHE_LOCK:
        if key in _ARRAY_CACHE:
            return _ARRAY_CACHE[key]
    arr = read_idx(path, expected_ndim=expected_ndim)
    with _ARRAY_CACHE_LOCK:
        # Drop stale versions of the same file.
        for k in [k for k in _ARRAY_CACHE if k[0] == key[0] and k[3] == expected_ndim]:
            del _ARRAY_CACHE[k]
        _ARRAY_CACHE[key] = arr
    return arr


def _read_idx_pair(images_path, labels_path):
    x = _cached_read_idx(images_path, 3)
    y = _cached_read_idx(labels_path, 1)
    if x.dtype != np.uint8:
        raise IDXFormatError(f"{images_path}: expected uint8 images, found {x.dtype}.")
    if len(x) != len(y):
        raise IDXFormatError(
            f"{images_path} holds {len(x)} images but {labels_path} holds {len(y)} labels."
        )
    return x[..., None], y.astype(np.int64)


def _check_labels(labels, num_classes, where):
    """Raises ValueError unless every label lies in `[0, num_classes)`."""
    if num_classes is None or labels is None or not len(labels):
        return
    if labels.min() >= 0 and labels.max() < num_classes:
        return
    bad_mask = (labels < 0) | (labels >= num_classes)
    bad = np.unique(labels[bad_mask])
    shown = ", ".join(str(int(v)) for v in bad[:10]) + (", ..." if len(bad) > 10 else "")
    first_bad = int(np.flatnonzero(bad_mask)[0])
    raise ValueError(
        f"{where}: class labels must lie in [0, {num_classes}) ({num_classes} classes); found "
        f"{int(bad_mask.sum())} of {len(labels)} labels outside it, values {{{shown}}} (first at "
        f"index {first_bad}). The file does not hold this dataset's labels, or is damaged."
    )


_DIGITS = None


def _digits_arrays():
    global _DIGITS
    if _DIGITS is None:
        from sklearn.datasets import load_digits

        d = load_digits()
        x = d.images.astype(np.uint8)[..., None]  # values 0..16
        y = d.target.astype(np.int64)
        x.flags.writeable = False
        y.flags.writeable = False
        _DIGITS = (x, y)
    return _DIGITS


DIGITS_SOURCE = "sklearn:load_digits"


def _locate_local(key, split, data_dir):
    """Returns `(images_path, labels_path, searched)` of a local dataset without reading
    it; the paths are None when no directory searched holds the split (digits:
    `(DIGITS_SOURCE, None, [])`)."""
    if key == "digits":
        return DIGITS_SOURCE, None, []
    searched = _search_dirs(key, data_dir)
    for _, directory in searched:
        if directory is None or not os.path.isdir(directory):
            continue
        pair = _idx_pair(directory, split)
        if pair is not None:
            return pair[0], pair[1], searched
    return None, None, searched


def _find_local(key, split, data_dir, check_labels=True):
    """Returns `(images, labels, half_range, searched)`; images None if not found.

    `images` are in the dataset's own units (uint8 0..255, or 0..16 for digits);
    `x / half_range - 1` maps them to [-1, 1]. With `check_labels`, labels outside
    `[0, num_classes)` raise ValueError naming the labels file.
    """
    images_path, labels_path, searched = _locate_local(key, split, data_dir)
    if key == "digits":
        x, y = _digits_arrays()
        return x, y, 8.0, []
    if images_path is None:
        return None, None, None, searched
    x, y = _read_idx_pair(images_path, labels_path)
    if check_labels:
        _check_labels(y, LOCAL_DATASETS[key].num_classes, labels_path)
    return x, y, 127.5, searched


# --------------------------------------------------------------------------- #
# TFDS
# --------------------------------------------------------------------------- #


def _brief(err, limit=300):
    lines = str(err).strip().splitlines()
    msg = lines[0] if lines else ""
    if len(msg) > limit:
        msg = msg[: limit - 3] + "..."
    return f"{type(err).__name__}: {msg}" if msg else type(err).__name__


def _not_found_message(name, split, key, searched, tfds_error, data_dir=None):
    lines = [f"Dataset {name!r} (split {split!r}) could not be loaded."]
    if key is not None:
        prefix = _IDX_PREFIX.get(split, "train")
        files = f"{prefix}-images-idx3-ubyte[.gz] and {prefix}-labels-idx1-ubyte[.gz]"
        if data_dir is not None:
            lines.append(
                f"data_dir={data_dir} was given, and it is the only place searched: no local IDX "
                f"files ({files}) were found in:"
            )
        else:
            lines.append(f"No local IDX files ({files}) were found in:")
        for what, d in searched:
            if d is None:
                lines.append(f"  - {what} (not set)")
            else:
                lines.append(f"  - {d}  ({what}{'' if os.path.isdir(d) else ', does not exist'})")
        if data_dir is not None:
            other, _, _ = _locate_local(key, split, None)
            lines.append(
                f"${DATA_DIR_ENV} and the default locations are not searched when data_dir is given"
                + (f"; a copy of {key!r} is at {os.path.dirname(other)}: pass that directory or drop "
                   "data_dir to use it." if other else ".")
            )
    where = "" if data_dir is None else f" from data_dir={data_dir}"
    lines.append(f"TensorFlow Datasets could not provide it{where} either: {tfds_error}")
    lines.append("Ways to get the data:")
    n = 1
    if key is not None:
        dash = key.replace("_", "-")
        local = (
            f"  {n}. Local files: put the four IDX files (train-images-idx3-ubyte, "
            f"train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
            f"gzipped or not) in a directory DIR and pass data_dir=DIR, or set "
            f"{DATA_DIR_ENV}=DIR (a '{key}/' subfolder of DIR also works)."
        )
        if key == "fashion_mnist":
            local += (
                " On Debian/Ubuntu, `apt-get install dataset-fashion-mnist` installs them "
                f"into /usr/share/datasets/{dash}/, which is searched by default."
            )
        lines.append(local)
        n += 1
    lines.append(
        f"  {n}. TFDS: on a machine with internet access run `tfds.load({name!r})` in Python "
        f"or `tfds build {name}` (add --data_dir=DIR to choose where), then pass data_dir=DIR "
        "here (default ~/tensorflow_datasets) or copy that directory to this machine."
    )
    return "\n".join(lines)


def _image_to_image_names():
    """The names `keras_gans.data.paired` serves, for messages: exact names and patterns."""
    from keras_gans.data import paired

    exact = list(paired.SKIMAGE_TASKS) + list(paired.EDGE_TASKS)
    patterns = [f"{base}_pair/<a>-<b>" for base in paired.CLASS_NAMES] + ["cycle_gan/<name>"]
    return exact, patterns


def _unknown_name_message(name, tfds_status):
    """For a name that is no local dataset, directory, image-to-image or TFDS name."""
    exact, patterns = _image_to_image_names()
    local = list(LOCAL_DATASETS)
    lines = [
        f"Unknown dataset {name!r}. Known names:",
        f"  - local datasets: {', '.join(local)}",
        f"  - image-to-image datasets: {', '.join(exact + patterns)} "
        "(e.g. fashion_mnist_pair/sneaker-ankle_boot)",
        "  - a directory of images (class subfolders as labels; A/ + B/, side-by-side or "
        "trainA/ + trainB/ folders for image-to-image data)",
        f"  - a TensorFlow Datasets name such as cifar10 or celeb_a ({tfds_status}; the catalog "
        "is at https://www.tensorflow.org/datasets/catalog/overview)",
    ]
    candidates = local + exact
    try:
        tfds = _import_tfds()
        candidates += list(tfds.list_builders(with_community_datasets=False))
    except Exception:  # noqa: BLE001 -- suggestions only.
        pass
    close = difflib.get_close_matches(name.lower(), candidates, n=3, cutoff=0.6)
    if close:
        lines.append(f"Did you mean {' or '.join(repr(c) for c in close)}?")
    return "\n".join(lines)


def _import_tfds():
    import tensorflow_datasets as tfds

    return tfds


def _is_unknown_tfds_name(tfds, err):
    registered = getattr(getattr(tfds, "core", None), "registered", None)
    cls = getattr(registered, "DatasetNotFoundError", None)
    return cls is not None and isinstance(err, cls)


_TFDS_LOCK = threading.RLock()


@contextlib.contextmanager
def _tfds_single_attempt():
    """TFDS asked once: its downloader's retry loop (10 retries with exponential backoff,
    about 210 s offline before the error) is off while the block runs.

    TFDS has no option for this (`DownloadConfig` has none), so the module constant its
    downloader reads is set to 0 for the duration, under a lock; without that constant
    (another TFDS version) the call runs unchanged. A download that fails is retried by
    running `tfds build <name>`, which keeps TFDS's retries.
    """
    try:
        from tensorflow_datasets.core.download import downloader
    except Exception:  # noqa: BLE001 -- other TFDS layouts: nothing to switch off.
        downloader = None
    with _TFDS_LOCK:
        old = getattr(downloader, "MAX_RETRIES", None)
        if old is None:
            yield
            return
        downloader.MAX_RETRIES = 0
        try:
            yield
        finally:
            downloader.MAX_RETRIES = old


def _ask_tfds(fn, name, split, key, searched, data_dir):
    """Runs `fn(tfds, tfds_name)` once (no download retries), turning any failure into
    DatasetNotFoundError: an unknown name lists the known ones, other failures join the
    local-files message."""
    try:
        tfds = _import_tfds()
    except ImportError as e:
        if key is None:
            raise DatasetNotFoundError(
                _unknown_name_message(name, "tensorflow_datasets is not installed here")
            ) from e
        raise DatasetNotFoundError(
            _not_found_message(name, split, key, searched, "tensorflow_datasets is not installed "
                               "(pip install tensorflow-datasets)", data_dir)
        ) from e
    tfds_name = key if key is not None else name
    if key is None:
        try:  # no network: the name is looked up in TFDS's registry
            tfds.builder(tfds_name, data_dir=data_dir)
        except Exception as e:  # noqa: BLE001
            if _is_unknown_tfds_name(tfds, e):
                raise DatasetNotFoundError(
                    _unknown_name_message(name, f"TFDS has no dataset {name!r}")
                ) from e
            # Another failure (a bad config or version): tfds.load below reports it.
    with _tfds_single_attempt():
        return _tfds_call(lambda: fn(tfds, tfds_name), name, split, key, searched, data_dir)


def _tfds_call(fn, name, split, key, searched, data_dir=None):
    """Runs a TFDS call, turning any failure into DatasetNotFoundError."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 -- tfds raises many types offline.
        raise DatasetNotFoundError(
            _not_found_message(name, split, key, searched, _brief(e), data_dir)
        ) from e


def _tfds_source(tfds_name, data_dir):
    return f"tfds:{tfds_name}" if data_dir is None else f"tfds:{tfds_name} (data_dir={data_dir})"


def _split_size(tfds_info, split):
    try:
        n = tfds_info.splits[split].num_examples
        return int(n) if n else None
    except Exception:  # noqa: BLE001 -- unknown split sizes (not prepared, mocked).
        return None


# --------------------------------------------------------------------------- #
# Pipeline pieces
# --------------------------------------------------------------------------- #


def _scale(images, half_range=None):
    """Integer images -> float32 in [-1, 1] (`x / half_range - 1`)."""
    dtype = images.dtype
    if half_range is None:
        if dtype.is_floating:  # assume [0, 1]
            return tf.cast(images, tf.float32) * 2.0 - 1.0
        half_range = dtype.max / 2.0
    return tf.cast(images, tf.float32) / half_range - 1.0


def _resize(images, size):
    images = tf.image.resize(images, size, method="bilinear", antialias=True)
    return tf.clip_by_value(images, -1.0, 1.0)


def _shuffle_buffer(num_examples, bytes_per_example):
    by_memory = max(MIN_SHUFFLE_BUFFER, SHUFFLE_BUFFER_BYTES // max(1, bytes_per_example))
    return by_memory if num_examples is None else max(1, min(num_examples, by_memory))


def _finish(ds, *, num_examples, example_shape, batch_size, shuffle, seed, repeat, drop_remainder, cache, name):
    """cache -> shuffle -> repeat -> batch -> prefetch."""
    bytes_per_example = 4 * int(np.prod([d or 1 for d in example_shape]))
    if isinstance(cache, str):
        ds = ds.cache(cache)
    elif cache:
        est = None if num_examples is None else num_examples * bytes_per_example
        if est is None or est <= MAX_MEMORY_CACHE_BYTES:
            ds = ds.cache()
        else:
            logging.warning(
                "keras_gans.data.load(%r): not caching in memory (about %.1f GiB of float32 "
                "images > %.1f GiB); pass cache='/path/to/file' to cache on disk.",
                name, est / 1024**3, MAX_MEMORY_CACHE_BYTES / 1024**3,
            )
    if shuffle:
        ds = ds.shuffle(
            _shuffle_buffer(num_examples, bytes_per_example), seed=seed, reshuffle_each_iteration=True
        )
    if repeat is True:
        ds = ds.repeat()
    elif repeat:
        ds = ds.repeat(int(repeat))
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)


def _numpy_dataset(x, y, half_range, size, with_labels):
    """uint8 arrays -> per-example float32 dataset (scaled, resized) ready to cache.

    Scaling and resizing run on chunks of 1024 and are then unbatched: about 10x
    faster than a per-example `map` when filling the cache.
    """

    def prep(images, *labels):
        images = _scale(images, half_range)
        if size is not None:
            images = _resize(images, size)
        if with_labels:
            return images, tf.cast(labels[0], tf.int32)
        return images

    ds = tf.data.Dataset.from_tensor_slices((x, y) if with_labels else (x,))
    ds = ds.batch(1024).map(prep, num_parallel_calls=tf.data.AUTOTUNE).unbatch()
    return ds


# --------------------------------------------------------------------------- #
# Public API
# --------------------------------------------------------------------------- #


def load(
    name,
    split="train",
    batch_size=64,
    image_size=None,
    with_labels=False,
    shuffle=True,
    seed=None,
    repeat=False,
    drop_remainder=True,
    data_dir=None,
    cache=True,
    **kwargs,
):
    """Loads an image dataset as a `tf.data.Dataset` of float32 NHWC in [-1, 1].

    Args:
        name: `"fashion_mnist"`, `"mnist"`, `"digits"`, any TFDS name
            (`"cifar10"`, `"celeb_a"`, `"cycle_gan/horse2zebra"` with split
            `"trainA"`, ...), a directory (`keras_gans.data.folders.load_folder`,
            or `keras_gans.data.paired` for paired / unpaired layouts), or an
            image-to-image name of `keras_gans.data.paired`.
        split: `"train"` or `"test"` for the local datasets (digits: `"train"`
            only); any TFDS split string (`"train[:10%]"`, `"trainA"`) otherwise.
        batch_size: positive int, or `None` for unbatched examples.
        image_size: `None` keeps the native size; an int resizes to a square
            (a `(height, width)` pair also works) with antialiased bilinear
            interpolation, clipped to [-1, 1].
        with_labels: if True, elements are `(images, labels)` with int32 labels.
        shuffle: shuffle examples (and TFDS files) each epoch.
        seed: int seed making the shuffle order reproducible, or `None`.
        repeat: `False` for one epoch, `True` to repeat forever, or an int
            number of epochs.
        drop_remainder: drop the last partial batch (static batch dimension).
        data_dir: directory with the dataset's files (IDX files, or a TFDS
            data dir). When given it is the only place searched (no fallback to
            another copy: `DatasetNotFoundError` names it). Defaults to
            `$KERAS_GANS_DATA_DIR`, then the system locations listed in the
            module docstring. `source_of` says which source is read.
        cache: `True` caches the decoded, scaled (and resized) images in
            memory before shuffling when they fit in `MAX_MEMORY_CACHE_BYTES`;
            a string caches to that file path; `False` recomputes every epoch.
        **kwargs: options of the directory and image-to-image loaders
            (`channels`, `layout`, `jitter`, `load_size`, `direction`, ...: see
            `keras_gans.data.folders.load_folder`, `keras_gans.data.paired.load_paired`
            and `load_unpaired`); an error for the other datasets.

    Returns:
        A `tf.data.Dataset` of `images` float32 `[B, H, W, C]` (or `[H, W, C]`
        when `batch_size=None`), or `(images, labels)` with `with_labels=True`;
        dicts `{"source", "target"}` / `{"a", "b"}` for image-to-image data.

    Raises:
        ValueError: an argument is invalid; with `with_labels=True`, a local
            labels file holds labels outside `[0, num_classes)`.
        DatasetNotFoundError: no local files and TFDS cannot provide it (asked
            once, no download retries), or an unknown name (the message lists
            the known ones).
        IDXFormatError: a local IDX file is corrupt or truncated.
    """
    name = _check_name(name)
    routed = _route(name, split)
    if routed is not None:
        return routed.load(
            name, split=split, batch_size=batch_size, image_size=image_size, with_labels=with_labels,
            shuffle=shuffle, seed=seed, repeat=repeat, drop_remainder=drop_remainder, data_dir=data_dir,
            cache=cache, **kwargs,
        )
    _no_extra_kwargs("load", name, kwargs)
    split = _check_split(name, split)
    if batch_size is not None and not (_is_int(batch_size) and batch_size > 0):
        raise ValueError(f"batch_size must be a positive int or None (unbatched); got {batch_size!r}.")
    size = _check_image_size(image_size)
    with_labels = _check_bool("with_labels", with_labels)
    shuffle = _check_bool("shuffle", shuffle)
    drop_remainder = _check_bool("drop_remainder", drop_remainder)
    if seed is not None and not _is_int(seed):
        raise ValueError(f"seed must be an int or None; got {seed!r}.")
    if not (_is_bool(repeat) or (_is_int(repeat) and repeat > 0)):
        raise ValueError(f"repeat must be True, False or a positive int (number of epochs); got {repeat!r}.")
    if not (_is_bool(cache) or (isinstance(cache, str) and cache)):
        raise ValueError(f"cache must be True, False or a file path string; got {cache!r}.")
    data_dir = _check_data_dir(data_dir)
    seed = None if seed is None else int(seed)
    batch_size = None if batch_size is None else int(batch_size)

    key = _local_key(name)
    searched = []
    if key is not None:
        x, y, half_range, searched = _find_local(key, split, data_dir, check_labels=with_labels)
        if x is not None:
            ds = _numpy_dataset(x, y, half_range, size, with_labels)
            example_shape = (size or x.shape[1:3]) + (x.shape[3],)
            return _finish(
                ds, num_examples=len(x), example_shape=example_shape, batch_size=batch_size,
                shuffle=shuffle, seed=seed, repeat=repeat, drop_remainder=drop_remainder,
                cache=cache, name=name,
            )

    ds, tfds_info = _ask_tfds(
        lambda tfds, tfds_name: tfds.load(
            tfds_name, split=split, data_dir=data_dir, as_supervised=False,
            shuffle_files=shuffle, read_config=tfds.ReadConfig(shuffle_seed=seed), with_info=True,
        ),
        name, split, key, searched, data_dir,
    )
    spec = ds.element_spec
    if not isinstance(spec, dict) or "image" not in spec:
        raise ValueError(
            f"TFDS dataset {name!r} has no 'image' feature (features: "
            f"{sorted(spec) if isinstance(spec, dict) else spec}); keras_gans.data.load needs one."
        )
    if with_labels and "label" not in spec:
        raise ValueError(
            f"with_labels=True but TFDS dataset {name!r} has no 'label' feature "
            f"(features: {sorted(spec)}). Use with_labels=False."
        )
    native = tuple(spec["image"].shape)
    if len(native) != 3:
        raise ValueError(f"TFDS dataset {name!r}: expected images [H, W, C], got shape {native}.")
    if size is None and batch_size is not None and (native[0] is None or native[1] is None):
        raise ValueError(
            f"TFDS dataset {name!r} has images of varying size {native}; pass image_size=... "
            "to resize them, or batch_size=None."
        )

    def prep(example):
        images = _scale(example["image"])
        if size is not None:
            images = _resize(images, size)
        if with_labels:
            return images, tf.cast(example["label"], tf.int32)
        return images

    ds = ds.map(prep, num_parallel_calls=tf.data.AUTOTUNE)
    example_shape = (size or native[:2]) + (native[2],)
    return _finish(
        ds, num_examples=_split_size(tfds_info, split), example_shape=example_shape,
        batch_size=batch_size, shuffle=shuffle, seed=seed, repeat=repeat,
        drop_remainder=drop_remainder, cache=cache, name=name,
    )


def load_numpy(name, split="train", data_dir=None, **kwargs):
    """Loads a whole split as numpy arrays (for metrics and classifiers).

    Args:
        name, split, data_dir: as in `load` (a plain image directory works when
            its images share one size; image-to-image datasets do not).
        **kwargs: options of `keras_gans.data.folders.load_folder_numpy`
            (`channels`, ...) for directories.

    Returns:
        `(images, labels)`: `uint8 [N, H, W, C]` in 0..255 and `int64 [N]`
        (`labels` is `None` for TFDS datasets without a `"label"` feature).
        Digits (0..16) are mapped to 0..255 as `to_uint8(x / 8 - 1)`.
        The arrays are fresh copies the caller may modify.
    """
    name = _check_name(name)
    routed = _route(name, split)
    if routed is not None:
        return routed.load_numpy(name, split=split, data_dir=data_dir, **kwargs)
    _no_extra_kwargs("load_numpy", name, kwargs)
    split = _check_split(name, split)
    data_dir = _check_data_dir(data_dir)
    key = _local_key(name)
    searched = []
    if key is not None:
        x, y, half_range, searched = _find_local(key, split, data_dir)
        if x is not None:
            if half_range != 127.5:
                x = to_uint8(x.astype(np.float32) / half_range - 1.0)
            return np.array(x, copy=True), np.array(y, copy=True)

    # Not `batch_size=-1`: with unknown split sizes (e.g. under
    # `tfds.testing.mock_data`) it aborts the process (std::length_error).
    ds = _ask_tfds(
        lambda tfds, tfds_name: tfds.load(tfds_name, split=split, data_dir=data_dir, as_supervised=False),
        name, split, key, searched, data_dir,
    )
    spec = ds.element_spec
    if "image" not in spec:
        raise ValueError(f"TFDS dataset {name!r} has no 'image' feature (features: {sorted(spec)}).")
    if spec["image"].dtype != tf.uint8:
        raise ValueError(f"TFDS dataset {name!r}: expected uint8 images, got {spec['image'].dtype.name}.")
    shape = tuple(spec["image"].shape)
    if None in shape:
        raise ValueError(
            f"TFDS dataset {name!r} has images of varying size {shape}; load_numpy needs one "
            "size. Use load(..., image_size=...) instead."
        )
    has_labels = "label" in spec
    ds = ds.map(lambda e: (e["image"], e["label"] if has_labels else tf.zeros((), tf.int64)))
    xs, ys = [], []
    for xb, yb in ds.batch(4096).prefetch(1).as_numpy_iterator():
        xs.append(xb)
        ys.append(yb)
    x = np.concatenate(xs) if xs else np.zeros((0,) + shape, np.uint8)
    y = np.concatenate(ys).astype(np.int64) if ys else np.zeros((0,), np.int64)
    return x, (y if has_labels else None)


def info(name, data_dir=None, **kwargs):
    """Returns the `DatasetInfo` of a dataset without loading its images.

    For TFDS names this reads `tfds.builder(name).info` (split sizes are known
    only once the dataset is prepared in `data_dir`). Directories give a
    `keras_gans.data.folders.FolderInfo` (from the files' headers), the
    image-to-image datasets a `keras_gans.data.paired.TranslationInfo`.

    Args:
        name, data_dir: as in `load`.
        **kwargs: the directory / image-to-image options of `load` (`channels`,
            `layout`, ...); an error for the other datasets.
    """
    name = _check_name(name)
    routed = _route(name)
    if routed is not None:
        return routed.info(name, data_dir=data_dir, **kwargs)
    _no_extra_kwargs("info", name, kwargs)
    data_dir = _check_data_dir(data_dir)
    key = _local_key(name)
    if key is not None:
        return LOCAL_DATASETS[key]
    builder = _ask_tfds(lambda tfds, tfds_name: tfds.builder(tfds_name, data_dir=data_dir),
                        name, "train", None, [], data_dir)
    features = builder.info.features
    if "image" not in features:
        raise ValueError(f"TFDS dataset {name!r} has no 'image' feature (features: {sorted(features)}).")
    label = features["label"] if "label" in features else None
    num_classes = getattr(label, "num_classes", None)
    splits = {k: int(v.num_examples) for k, v in builder.info.splits.items()} or None
    return DatasetInfo(
        name=name,
        image_shape=tuple(features["image"].shape),
        num_classes=None if num_classes is None else int(num_classes),
        num_examples=splits,
    )


def source_of(name, split="train", data_dir=None):
    """Which source `load` / `load_numpy` read for these arguments, as a string to log.

    Resolved the way the loaders resolve it (same search, same order), without reading
    any images:

    * a local IDX dataset: the images file, e.g.
      `"/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"` (its labels
      file lies beside it);
    * scikit-learn's digits: `"sklearn:load_digits"`;
    * TFDS: `"tfds:mnist"`, or `"tfds:mnist (data_dir=/abs/dir)"` with a `data_dir`
      (also when local files are missing and the loaders fall back to TFDS);
    * a directory: its absolute path;
    * image-to-image datasets: `"skimage:<task>"` for the scikit-image photo tasks,
      the source of the base dataset for `fashion_mnist_edges2item` and
      `<base>_pair/<a>-<b>`, `"tfds:cycle_gan/<name>"` for CycleGAN's sets.

    Args:
        name, split, data_dir: as in `load`.

    Raises:
        ValueError: an invalid argument (as `load`).
        DatasetNotFoundError: a path that is no directory.
    """
    name = _check_name(name)
    routed = _route(name, split)
    if routed is not None:
        from keras_gans.data import paired

        if name in paired.SKIMAGE_TASKS:
            return f"skimage:{name}"
        if name in paired.EDGE_TASKS:
            return source_of(paired.EDGE_TASKS[name], split, data_dir)
        m = paired._PAIR_RE.match(name)
        if m and m.group("base") in paired.CLASS_NAMES:
            return source_of(m.group("base"), split, data_dir)
        if os.path.isdir(os.path.expanduser(name)):
            return os.path.abspath(os.path.expanduser(name))
        if name.split("/")[0] == "cycle_gan":
            return _tfds_source(name, _check_data_dir(data_dir))
        routed.info(name)  # a missing path: raises DatasetNotFoundError naming it
        return name
    split = _check_split(name, split)
    data_dir = _check_data_dir(data_dir)
    key = _local_key(name)
    if key is not None:
        images_path, _, _ = _locate_local(key, split, data_dir)
        if images_path is not None:
            return images_path
    return _tfds_source(key or name, data_dir)


def to_uint8(images):
    """Maps images in [-1, 1] (numpy or tensor) to uint8 numpy in 0..255.

    The inverse of the scaling `load` applies: `to_uint8(x / 127.5 - 1) == x`
    for every uint8 `x`. Values outside [-1, 1] are clipped.
    """
    if isinstance(images, (tf.Tensor, tf.Variable)):
        images = images.numpy()
    x = np.asarray(images, dtype=np.float32)
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)
