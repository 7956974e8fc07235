"""Tests for keras_gans.data (image datasets)."""

import gzip
import os
import struct

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import data
from keras_gans.data import images as images_mod

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
needs_fashion = pytest.mark.skipif(
    not os.path.isfile(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz")),
    reason="Debian package dataset-fashion-mnist is not installed",
)


@pytest.fixture(autouse=True)
def _no_env_data_dir(monkeypatch):
    """Tests must not depend on the caller's KERAS_GANS_DATA_DIR."""
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)


# --------------------------------------------------------------------------- #
# Helpers: an IDX writer independent of the code under test.
# --------------------------------------------------------------------------- #

_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D}


def write_idx(path, arr, gz=False):
    arr = np.asarray(arr)
    header = struct.pack(">BBBB", 0, 0, _CODES[arr.dtype], arr.ndim)
    header += struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    path = str(path) + (".gz" if gz else "")
    with (gzip.open(path, "wb") if gz else open(path, "wb")) as f:
        f.write(payload)
    return path


def make_idx_dataset(directory, n_train=5, n_test=3, offset=0, gz=True, size=(28, 28)):
    """Writes the four IDX files; image i is constant (10 * label + offset)."""
    os.makedirs(directory, exist_ok=True)
    out = {}
    for split, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        labels = (np.arange(n) * 3 + (1 if split == "test" else 0)) % 10
        images = np.empty((n,) + size, np.uint8)
        images[:] = (labels * 10 + offset)[:, None, None]
        images[:, 0, 0] = 255  # one extreme pixel per image
        write_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte"), images, gz=gz)
        write_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte"), labels.astype(np.uint8), gz=gz)
        out[split] = (images[..., None], labels)
    return out


def first(ds):
    return next(iter(ds))


# --------------------------------------------------------------------------- #
# Fashion-MNIST from the Debian package
# --------------------------------------------------------------------------- #


@needs_fashion
def test_fashion_mnist_batches_shape_dtype_range():
    x = first(data.load("fashion_mnist", batch_size=32, seed=0))
    assert x.shape == (32, 28, 28, 1)
    assert x.dtype == tf.float32
    x = x.numpy()
    assert x.min() >= -1.0 and x.max() <= 1.0
    # Fashion-MNIST has both black (0) and white (255) pixels in any batch of 32:
    # the scaling reaches both ends exactly (not e.g. x / 255).
    assert x.min() == -1.0 and x.max() == 1.0


@needs_fashion
def test_fashion_mnist_numpy_counts_and_labels():
    x, y = data.load_numpy("fashion_mnist")
    assert x.shape == (60_000, 28, 28, 1) and x.dtype == np.uint8
    assert y.shape == (60_000,) and y.dtype == np.int64
    assert y.min() == 0 and y.max() == 9
    np.testing.assert_array_equal(np.bincount(y), [6000] * 10)
    xt, yt = data.load_numpy("fashion_mnist", split="test")
    assert xt.shape == (10_000, 28, 28, 1)
    np.testing.assert_array_equal(np.bincount(yt), [1000] * 10)
    # Copies: modifying them must not corrupt later loads.
    x[0] = 0
    assert data.load_numpy("fashion_mnist")[0][0].any()
    assert data.info("fashion_mnist").num_examples == {"train": 60_000, "test": 10_000}


@needs_fashion
@pytest.mark.parametrize("split,prefix", [("train", "train"), ("test", "t10k")])
def test_fashion_mnist_pixels_match_independent_decode(split, prefix):
    with gzip.open(os.path.join(FASHION_DIR, f"{prefix}-images-idx3-ubyte.gz"), "rb") as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16)
    with gzip.open(os.path.join(FASHION_DIR, f"{prefix}-labels-idx1-ubyte.gz"), "rb") as f:
        raw_labels = np.frombuffer(f.read(), np.uint8, offset=8)
    first_raw = raw[: 28 * 28].reshape(28, 28)
    last_raw = raw[-28 * 28 :].reshape(28, 28)

    x, y = data.load_numpy("fashion_mnist", split=split)
    np.testing.assert_array_equal(x[0, :, :, 0], first_raw)
    np.testing.assert_array_equal(x[-1, :, :, 0], last_raw)
    np.testing.assert_array_equal(y, raw_labels)

    img, label = first(data.load("fashion_mnist", split=split, batch_size=None, shuffle=False, with_labels=True))
    np.testing.assert_array_equal(img.numpy()[:, :, 0], first_raw.astype(np.float32) / 127.5 - 1.0)
    assert int(label) == raw_labels[0]


@needs_fashion
def test_fashion_mnist_resize_and_seeded_order():
    a = first(data.load("fashion_mnist", batch_size=16, seed=7)).numpy()
    b = first(data.load("fashion_mnist", batch_size=16, seed=7)).numpy()
    np.testing.assert_array_equal(a, b)
    r = first(data.load("fashion_mnist", batch_size=16, image_size=32, shuffle=False)).numpy()
    assert r.shape == (16, 32, 32, 1)
    assert r.min() >= -1.0 and r.max() <= 1.0
    # Resizing keeps the picture: the mean brightness barely moves.
    x, _ = data.load_numpy("fashion_mnist")
    np.testing.assert_allclose(r.mean(axis=(1, 2, 3)), (x[:16] / 127.5 - 1).mean(axis=(1, 2, 3)), atol=0.02)


# --------------------------------------------------------------------------- #
# IDX parsing
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_roundtrip(tmp_path, gz):
    images = np.random.default_rng(0).integers(0, 256, (4, 3, 2), dtype=np.uint8)
    path = write_idx(tmp_path / "images", images, gz=gz)
    out = data.read_idx(path, expected_ndim=3)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, images)

    ints = np.array([1, -2, 70000, -(2**31)], np.int32)  # multi-byte big-endian
    np.testing.assert_array_equal(data.read_idx(write_idx(tmp_path / "ints", ints, gz=gz)), ints)
    floats = np.array([[0.5, -1.25]], np.float32)
    np.testing.assert_array_equal(data.read_idx(write_idx(tmp_path / "f", floats, gz=gz)), floats)


def test_read_idx_bad_magic_names_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    # A well-formed file except for the first two magic bytes.
    path.write_bytes(b"\x12\x34\x08\x03" + struct.pack(">3I", 1, 2, 2) + bytes(4))
    with pytest.raises(data.IDXFormatError, match="bad magic number 0x12340803") as e:
        data.read_idx(path)
    assert str(path) in str(e.value)
    assert isinstance(e.value, ValueError)


def test_read_idx_truncated_and_wrong_ndim(tmp_path):
    images = np.zeros((4, 5, 5), np.uint8)
    path = write_idx(tmp_path / "imgs", images)
    full = open(path, "rb").read()
    open(path, "wb").write(full[:-7])
    with pytest.raises(data.IDXFormatError, match="IDX file truncated") as e:
        data.read_idx(path)
    assert path in str(e.value)

    open(path, "wb").write(full + b"junk")
    with pytest.raises(data.IDXFormatError, match="IDX file has trailing bytes"):
        data.read_idx(path)

    labels = write_idx(tmp_path / "labels", np.zeros(4, np.uint8))
    with pytest.raises(data.IDXFormatError, match="has 1 dimensions.*expected 3"):
        data.read_idx(labels, expected_ndim=3)

    gz = write_idx(tmp_path / "g", images, gz=True)
    blob = open(gz, "rb").read()
    open(gz, "wb").write(blob[: len(blob) // 2])
    with pytest.raises(data.IDXFormatError, match="corrupt or truncated gzip") as e:
        data.read_idx(gz)
    assert gz in str(e.value)


def test_corrupt_local_dataset_file_raises_clear_error(tmp_path):
    make_idx_dataset(tmp_path, gz=False)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"not an idx file at all")
    with pytest.raises(data.IDXFormatError, match="train-images-idx3-ubyte: not an IDX file"):
        data.load_numpy("mnist", data_dir=tmp_path)


# --------------------------------------------------------------------------- #
# Local directories and their precedence
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("gz", [False, True])
def test_idx_dataset_from_data_dir(tmp_path, gz):
    expected = make_idx_dataset(tmp_path, n_train=5, n_test=3, gz=gz)
    for split in ("train", "test"):
        x, y = data.load_numpy("mnist", split=split, data_dir=tmp_path)
        np.testing.assert_array_equal(x, expected[split][0])
        np.testing.assert_array_equal(y, expected[split][1])
        got = list(data.load("mnist", split=split, data_dir=str(tmp_path), batch_size=None,
                             shuffle=False, with_labels=True))
        assert len(got) == len(y)
        for (img, label), xi, yi in zip(got, *expected[split]):
            np.testing.assert_array_equal(img.numpy(), xi.astype(np.float32) / 127.5 - 1.0)
            assert label.dtype == tf.int32 and int(label) == yi


def test_data_dir_then_env_then_default_precedence(tmp_path, monkeypatch):
    a = make_idx_dataset(tmp_path / "a", offset=1)
    b = make_idx_dataset(tmp_path / "env" / "mnist", offset=2)  # <name>/ subfolder of the env dir
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "env"))

    np.testing.assert_array_equal(data.load_numpy("mnist", data_dir=tmp_path / "a")[0], a["train"][0])
    np.testing.assert_array_equal(data.load_numpy("mnist")[0], b["train"][0])
    # An explicit data_dir without the files is an error (not the env dir's copy):
    # test_explicit_data_dir_is_the_only_place_searched.
    # data_dir/<name>/ works too.
    c = make_idx_dataset(tmp_path / "c" / "mnist", offset=3)
    np.testing.assert_array_equal(data.load_numpy("mnist", data_dir=tmp_path / "c")[0], c["train"][0])


def test_env_dir_overrides_system_files(tmp_path, monkeypatch):
    tiny = make_idx_dataset(tmp_path, n_train=4, n_test=2)
    monkeypatch.setattr(images_mod, "SYSTEM_DATA_ROOTS", (str(tmp_path / "nowhere"),))
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path))
    x, _ = data.load_numpy("fashion_mnist")
    np.testing.assert_array_equal(x, tiny["train"][0])
    batches = list(data.load("fashion_mnist", batch_size=2, seed=0))
    assert len(batches) == 2 and batches[0].shape == (2, 28, 28, 1)


def test_system_root_is_searched_with_dashed_name(tmp_path, monkeypatch):
    tiny = make_idx_dataset(tmp_path / "fashion-mnist", n_train=3)
    monkeypatch.setattr(images_mod, "SYSTEM_DATA_ROOTS", (str(tmp_path),))
    np.testing.assert_array_equal(data.load_numpy("fashion_mnist")[0], tiny["train"][0])


def test_modified_file_is_reread(tmp_path):
    make_idx_dataset(tmp_path, n_train=5)
    assert len(data.load_numpy("mnist", data_dir=tmp_path)[0]) == 5
    make_idx_dataset(tmp_path, n_train=7)
    assert len(data.load_numpy("mnist", data_dir=tmp_path)[0]) == 7


def test_resize_of_constant_image_stays_constant(tmp_path):
    make_idx_dataset(tmp_path, n_train=4)
    # Without the 255 corner pixel every image is constant 10 * label.
    x, y = data.load_numpy("mnist", data_dir=tmp_path)
    x[:, 0, 0] = x[:, 1, 1]
    write_idx(tmp_path / "train-images-idx3-ubyte", x[..., 0], gz=True)
    for img, label in data.load("mnist", data_dir=tmp_path, batch_size=None, image_size=32,
                                shuffle=False, with_labels=True):
        assert img.shape == (32, 32, 1)
        np.testing.assert_allclose(img.numpy(), 10 * int(label) / 127.5 - 1.0, atol=1e-5)


def test_with_labels_pairs_survive_shuffle(tmp_path):
    make_idx_dataset(tmp_path, n_train=50)
    ds = data.load("mnist", data_dir=tmp_path, batch_size=8, seed=3, with_labels=True)
    assert isinstance(ds.element_spec, tuple) and len(ds.element_spec) == 2
    assert ds.element_spec[1] == tf.TensorSpec((8,), tf.int32)
    n = 0
    for imgs, labels in ds:
        assert imgs.shape == (8, 28, 28, 1) and labels.shape == (8,)
        np.testing.assert_allclose(imgs.numpy()[:, 5, 5, 0], (10 * labels.numpy()) / 127.5 - 1.0)
        n += 1
    assert n == 50 // 8


# --------------------------------------------------------------------------- #
# scikit-learn digits
# --------------------------------------------------------------------------- #


def test_digits_shape_and_scaling():
    from sklearn.datasets import load_digits

    raw = load_digits().images  # float64, 0..16
    x, y = data.load_numpy("digits")
    assert x.shape == (1797, 8, 8, 1) and x.dtype == np.uint8 and y.shape == (1797,)
    assert x.max() == 255 and x.min() == 0
    np.testing.assert_array_equal(x[..., 0][raw == 16], 255)

    imgs = np.stack([e.numpy() for e in data.load("digits", batch_size=None, shuffle=False)])
    assert imgs.shape == (1797, 8, 8, 1) and imgs.dtype == np.float32
    np.testing.assert_array_equal(imgs[..., 0], (raw / 8 - 1).astype(np.float32))
    assert (imgs[..., 0][raw == 16] == 1.0).all() and (imgs[..., 0][raw == 0] == -1.0).all()
    np.testing.assert_array_equal(data.to_uint8(imgs), x)

    info = data.info("digits")
    assert info.image_shape == (8, 8, 1) and info.num_classes == 10
    assert info.num_examples == {"train": 1797}


def test_digits_resize_batches_and_remainder():
    ds = data.load("digits", batch_size=100, image_size=32, drop_remainder=False, shuffle=False)
    sizes = [b.shape[0] for b in ds]
    assert sizes == [100] * 17 + [97]
    b = first(ds).numpy()
    assert b.shape == (100, 32, 32, 1) and b.min() >= -1.0 and b.max() <= 1.0
    dropped = data.load("digits", batch_size=100, drop_remainder=True)
    assert dropped.element_spec.shape == (100, 8, 8, 1)
    assert sum(1 for _ in dropped) == 17


def test_seed_determinism_and_reshuffle():
    a = first(data.load("digits", batch_size=64, seed=123)).numpy()
    b = first(data.load("digits", batch_size=64, seed=123)).numpy()
    c = first(data.load("digits", batch_size=64, seed=124)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    ds = data.load("digits", batch_size=64, seed=123)
    e1, e2 = first(ds).numpy(), first(ds).numpy()
    assert not np.array_equal(e1, e2)  # a new order each epoch
    unshuffled = first(data.load("digits", batch_size=64, shuffle=False)).numpy()
    assert not np.array_equal(a, unshuffled)


def test_repeat_and_file_cache(tmp_path):
    assert sum(1 for _ in data.load("digits", batch_size=500, repeat=2, seed=0)) == (2 * 1797) // 500
    forever = data.load("digits", batch_size=500, repeat=True, seed=0)
    assert sum(1 for _ in forever.take(10)) == 10  # more than 2 epochs
    cache_path = str(tmp_path / "digits_cache")
    ds = data.load("digits", batch_size=None, shuffle=False, cache=cache_path)
    first_pass = [e.numpy() for e in ds]
    assert any(p.startswith("digits_cache") for p in os.listdir(tmp_path))
    np.testing.assert_array_equal(np.stack(first_pass), np.stack([e.numpy() for e in ds]))


def test_large_split_is_not_memory_cached(monkeypatch):
    warnings = []
    monkeypatch.setattr(images_mod, "MAX_MEMORY_CACHE_BYTES", 1000)
    monkeypatch.setattr(images_mod.logging, "warning", lambda msg, *args: warnings.append(msg % args))
    assert first(data.load("digits", batch_size=8, seed=0)).shape == (8, 8, 8, 1)
    assert len(warnings) == 1 and "not caching" in warnings[0]


def test_to_uint8_inverts_scaling():
    u = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(data.to_uint8(u.astype(np.float32) / 127.5 - 1.0), u)
    np.testing.assert_array_equal(data.to_uint8(tf.constant([[-3.0, 0.0, 1.0, 9.0]])), [[0, 128, 255, 255]])
    assert data.to_uint8(np.zeros((2, 4, 4, 3), np.float32)).shape == (2, 4, 4, 3)


# --------------------------------------------------------------------------- #
# TFDS path (mocked: no network)
# --------------------------------------------------------------------------- #


def test_tfds_cifar10_mocked():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=10):
        ds = data.load("cifar10", batch_size=4, with_labels=True, seed=0)
        batches = list(ds)
        assert len(batches) == 2  # 10 examples, drop_remainder
        for imgs, labels in batches:
            assert imgs.shape == (4, 32, 32, 3) and imgs.dtype == tf.float32
            assert labels.shape == (4,) and labels.dtype == tf.int32
            assert imgs.numpy().min() >= -1.0 and imgs.numpy().max() <= 1.0
            assert ((labels.numpy() >= 0) & (labels.numpy() < 10)).all()

        raw = [e["image"].numpy() for e in tfds.load("cifar10", split="train", shuffle_files=False)]
        ours = [e.numpy() for e in data.load("cifar10", batch_size=None, shuffle=False)]
        np.testing.assert_array_equal(np.stack(ours), np.stack(raw).astype(np.float32) / 127.5 - 1.0)

        small = first(data.load("cifar10", batch_size=5, image_size=16, drop_remainder=False))
        assert small.shape == (5, 16, 16, 3)
        assert len(list(data.load("cifar10", batch_size=4, drop_remainder=False))) == 3

        x, y = data.load_numpy("cifar10", split="test")
        assert x.shape == (10, 32, 32, 3) and x.dtype == np.uint8 and y.dtype == np.int64

        info = data.info("cifar10")
        assert info.image_shape == (32, 32, 3) and info.num_classes == 10

        with pytest.raises(ValueError, match="no 'label' feature"):
            data.load("celeb_a", with_labels=True)
        celeb = first(data.load("celeb_a", batch_size=2, image_size=64))
        assert celeb.shape == (2, 64, 64, 3)


# --------------------------------------------------------------------------- #
# Missing data
# --------------------------------------------------------------------------- #


@pytest.fixture
def offline_tfds(monkeypatch, tmp_path):
    tfds = pytest.importorskip("tensorflow_datasets")

    def fail(*args, **kwargs):
        raise RuntimeError("simulated: no network here")

    monkeypatch.setattr(tfds, "load", fail)
    monkeypatch.setattr(images_mod, "SYSTEM_DATA_ROOTS", (str(tmp_path / "system"),))
    empty = tmp_path / "empty"
    empty.mkdir()
    return str(empty)


@pytest.mark.parametrize("loader", ["load", "load_numpy"])
def test_missing_mnist_error_names_both_remedies(offline_tfds, loader):
    with pytest.raises(data.DatasetNotFoundError) as e:
        getattr(data, loader)("mnist", data_dir=offline_tfds)
    assert isinstance(e.value, FileNotFoundError)
    msg = str(e.value)
    assert "'mnist'" in msg
    assert offline_tfds in msg  # the directories searched
    assert "KERAS_GANS_DATA_DIR" in msg and "data_dir=" in msg  # remedy 1: local files
    assert "train-images-idx3-ubyte" in msg
    assert "tfds build mnist" in msg and "internet" in msg  # remedy 2: TFDS
    assert "simulated: no network here" in msg  # the underlying TFDS error
    assert "apt-get" not in msg  # there is no Debian package for MNIST


def test_missing_fashion_mnist_mentions_debian_package(offline_tfds):
    with pytest.raises(data.DatasetNotFoundError, match="apt-get install dataset-fashion-mnist"):
        data.load("fashion_mnist", data_dir=offline_tfds)


def test_missing_tfds_only_dataset(offline_tfds):
    with pytest.raises(data.DatasetNotFoundError) as e:
        data.load("cifar10")
    msg = str(e.value)
    assert "tfds build cifar10" in msg and "simulated: no network here" in msg
    assert "IDX" not in msg and "apt-get" not in msg


# --------------------------------------------------------------------------- #
# Argument validation
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"name": ""}, "name must be a non-empty string"),
        ({"name": None}, "got None"),
        ({"name": 3}, "got 3"),
        ({"batch_size": 0}, "batch_size must be a positive int or None.*got 0"),
        ({"batch_size": -4}, "got -4"),
        ({"batch_size": 2.5}, "got 2.5"),
        ({"batch_size": "64"}, "got '64'"),
        ({"batch_size": True}, "got True"),
        ({"image_size": 0}, "image_size must be a positive int.*got 0"),
        ({"image_size": "32"}, "got '32'"),
        ({"image_size": (32,)}, r"got \(32,\)"),
        ({"split": "validation"}, r"must be one of \('train', 'test'\); got 'validation'"),
        ({"split": "test", "name": "digits"}, "must be one of \\('train',\\); got 'test'"),
        ({"split": ""}, "split must be a non-empty string"),
        ({"seed": "1"}, "seed must be an int or None; got '1'"),
        ({"repeat": 0}, "repeat must be True, False or a positive int"),
        ({"shuffle": "yes"}, "shuffle must be True or False; got 'yes'"),
        ({"cache": 1}, "cache must be True, False or a file path"),
    ],
)
def test_bad_arguments(kwargs, match):
    kwargs = {"name": "mnist", **kwargs}
    with pytest.raises(ValueError, match=match):
        data.load(**kwargs)


def test_bad_arguments_for_load_numpy_and_info():
    with pytest.raises(ValueError, match="got 'valid'"):
        data.load_numpy("fashion_mnist", split="valid")
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        data.info("  ")


# --------------------------------------------------------------------------- #
# Faults and bad input (issue 10): data_dir, sources, TFDS offline, names, labels
# --------------------------------------------------------------------------- #


@pytest.fixture
def tfds_load_calls(monkeypatch, tmp_path):
    """tfds.load fails as offline and records its keyword arguments; no system copies."""
    tfds = pytest.importorskip("tensorflow_datasets")
    calls = []

    def fail(name, **kwargs):
        calls.append((name, kwargs))
        raise RuntimeError("simulated: no network here")

    monkeypatch.setattr(tfds, "load", fail)
    monkeypatch.setattr(images_mod, "SYSTEM_DATA_ROOTS", (str(tmp_path / "system"),))
    return calls


def test_explicit_data_dir_is_the_only_place_searched(tmp_path, monkeypatch, tfds_load_calls):
    """An empty or wrong data_dir fails naming it; it never falls back to another copy."""
    make_idx_dataset(tmp_path / "system" / "fashion-mnist", offset=1)  # "the system copy"
    make_idx_dataset(tmp_path / "env", offset=2)
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "env"))
    empty = tmp_path / "empty"
    empty.mkdir()
    for loader in (data.load, data.load_numpy):
        with pytest.raises(data.DatasetNotFoundError) as e:
            loader("fashion_mnist", data_dir=empty)
        msg = str(e.value)
        assert f"data_dir={empty} was given, and it is the only place searched" in msg
        assert "train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]" in msg
        for d in (empty, empty / "fashion_mnist", empty / "fashion-mnist"):
            assert f"  - {d}  (data_dir" in msg
        assert str(tmp_path / "env") not in msg.split("a copy of")[0]  # not searched
        # The copy that was *not* used is pointed at, and TFDS was asked for data_dir.
        assert f"a copy of 'fashion_mnist' is at {tmp_path / 'env'}" in msg
        assert f"could not provide it from data_dir={empty} either" in msg
        assert tfds_load_calls[-1][0] == "fashion_mnist"
        assert tfds_load_calls[-1][1]["data_dir"] == str(empty)
    # A data_dir that does not exist says so.
    with pytest.raises(data.DatasetNotFoundError, match=r"nowhere  \(data_dir, does not exist\)"):
        data.load("mnist", data_dir=tmp_path / "nowhere")
    # Without data_dir the env copy is read (and with the right data_dir, that one).
    np.testing.assert_array_equal(data.load_numpy("fashion_mnist")[0][:, 5, 5, 0] % 10, 2)
    monkeypatch.delenv(data.DATA_DIR_ENV)
    np.testing.assert_array_equal(data.load_numpy("fashion_mnist")[0][:, 5, 5, 0] % 10, 1)


def test_source_of_names_what_the_loaders_read(tmp_path, monkeypatch):
    monkeypatch.setattr(images_mod, "SYSTEM_DATA_ROOTS", (str(tmp_path / "system"),))
    make_idx_dataset(tmp_path / "system" / "fashion-mnist", offset=1, gz=True)
    make_idx_dataset(tmp_path / "mine" / "mnist", offset=3, gz=False)
    system = str(tmp_path / "system" / "fashion-mnist")

    assert data.source_of("fashion_mnist") == os.path.join(system, "train-images-idx3-ubyte.gz")
    assert data.source_of("fashion-mnist", "test") == os.path.join(system, "t10k-images-idx3-ubyte.gz")
    mine = data.source_of("mnist", data_dir=tmp_path / "mine")
    assert mine == str(tmp_path / "mine" / "mnist" / "train-images-idx3-ubyte")
    # The file named is the one read: offset 3 is mine.
    np.testing.assert_array_equal(data.read_idx(mine), data.load_numpy("mnist", data_dir=tmp_path / "mine")[0][..., 0])
    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "mine"))
    assert data.source_of("mnist") == mine
    monkeypatch.delenv(data.DATA_DIR_ENV)
    # No local copy: the loaders go to TFDS, and say so.
    assert data.source_of("mnist") == "tfds:mnist"
    assert data.source_of("cifar10", data_dir=tmp_path) == f"tfds:cifar10 (data_dir={tmp_path})"
    assert data.source_of("digits") == "sklearn:load_digits"
    # Directories and the image-to-image names.
    (tmp_path / "pics").mkdir()
    assert data.source_of(str(tmp_path / "pics")) == str(tmp_path / "pics")
    assert data.source_of("skimage_edges2photo") == "skimage:skimage_edges2photo"
    assert data.source_of("fashion_mnist_edges2item", "test") == os.path.join(system, "t10k-images-idx3-ubyte.gz")
    assert data.source_of("fashion_mnist_pair/sneaker-ankle_boot") == os.path.join(system, "train-images-idx3-ubyte.gz")
    assert data.source_of("cycle_gan/horse2zebra", "train") == "tfds:cycle_gan/horse2zebra"
    with pytest.raises(data.DatasetNotFoundError, match="neither an existing directory"):
        data.source_of(str(tmp_path / "no" / "such" / "dir"))
    with pytest.raises(ValueError, match="got 'valid'"):
        data.source_of("mnist", split="valid")


def test_offline_tfds_is_asked_once_without_retries(tmp_path, monkeypatch):
    """A real TFDS download from a closed port: TFDS's retry loop (10 retries, exponential
    backoff: ~200 s) is off, so the error comes at once and joins the local-files message."""
    pytest.importorskip("tensorflow_datasets")
    import socket
    import time

    from tensorflow_datasets.core.download import downloader
    from tensorflow_datasets.image_classification import mnist as tfds_mnist

    with socket.socket() as sock:  # a local port nothing listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(tfds_mnist.MNIST, "URL", f"http://127.0.0.1:{port}/mnist/")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setattr(images_mod, "SYSTEM_DATA_ROOTS", (str(tmp_path / "system"),))
    retries = downloader.MAX_RETRIES
    start = time.monotonic()
    with pytest.raises(data.DatasetNotFoundError) as e:
        data.load("mnist", data_dir=tmp_path / "tfds")
    elapsed = time.monotonic() - start
    assert elapsed < 30, f"TFDS took {elapsed:.0f} s: it retried"
    msg = str(e.value)
    assert "No local IDX files" not in msg and f"data_dir={tmp_path / 'tfds'} was given" in msg
    assert f"127.0.0.1', port={port}" in msg or f"127.0.0.1:{port}" in msg  # TFDS's own error
    assert "Ways to get the data" in msg and "tfds build mnist" in msg
    assert downloader.MAX_RETRIES == retries  # restored for other TFDS users


@pytest.mark.parametrize("loader", ["load", "load_numpy", "info"])
def test_unknown_name_lists_the_known_names(loader):
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(data.DatasetNotFoundError) as e:
        getattr(data, loader)("mnits")
    msg = str(e.value)
    assert msg.startswith("Unknown dataset 'mnits'. Known names:")
    for known in ("fashion_mnist, mnist, digits", "skimage_edges2photo", "skimage_blur2sharp",
                  "fashion_mnist_edges2item", "fashion_mnist_pair/<a>-<b>", "cycle_gan/<name>",
                  "a directory of images", "TFDS has no dataset 'mnits'"):
        assert known in msg
    assert "Did you mean 'mnist'" in msg
    assert "tfds build" not in msg and "internet" not in msg  # not told to download it


def test_labels_outside_the_classes_are_an_error_naming_the_file(tmp_path):
    make_idx_dataset(tmp_path, n_train=6)
    labels_file = str(tmp_path / "train-labels-idx1-ubyte.gz")
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([0, 3, 10, 12, 10, 9], np.uint8), gz=True)
    expected = (rf"{labels_file}: class labels must lie in \[0, 10\) \(10 classes\); found 3 of 6 "
                r"labels outside it, values \{10, 12\} \(first at index 2\)")
    with pytest.raises(ValueError, match=expected):
        data.load("mnist", data_dir=tmp_path, with_labels=True)
    with pytest.raises(ValueError, match=expected):
        data.load_numpy("mnist", data_dir=tmp_path)
    # Images alone do not use the labels.
    assert len(list(data.load("mnist", data_dir=tmp_path, batch_size=None))) == 6
    # Negative labels (an int32 IDX file), in the test split.
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([-1, 0, 1], np.int32), gz=True)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz: .*\[0, 10\).*values \{-1\}"):
        data.load("mnist", split="test", data_dir=tmp_path, with_labels=True)
    # In range: fine.
    make_idx_dataset(tmp_path, n_train=6)
    assert data.load_numpy("mnist", data_dir=tmp_path)[1].max() <= 9
