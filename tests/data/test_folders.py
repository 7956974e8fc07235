"""Tests for keras_gans.data.folders (a user's own directory of images)."""

import hashlib
import os
import pathlib

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import data
from keras_gans.data import folders

from image_files import const, save, to_u8  # tests/data/image_files.py


def elements(ds):
    return [tuple(t.numpy() for t in e) if isinstance(e, tuple) else e.numpy() for e in ds]


# --------------------------------------------------------------------------- #
# Reading, labels, sizes
# --------------------------------------------------------------------------- #


def test_class_folders_give_sorted_labels_and_pixels(tmp_path):
    # Classes by sorted folder name: "bird" 0, "cat" 1, "dog" 2; PNG and JPEG, mixed sizes.
    save(tmp_path / "dog" / "d0.png", const(12, 20, 200))
    save(tmp_path / "dog" / "sub" / "d1.jpg", const(30, 16, 180), quality=95)  # below a class folder
    save(tmp_path / "cat" / "c0.JPEG", const(10, 10, 90), quality=95)
    save(tmp_path / "bird" / "b0.png", const(8, 9, 10))
    (tmp_path / "notes.txt").write_text("not an image")  # ignored
    (tmp_path / ".hidden.png").write_bytes(b"junk")  # hidden: ignored

    got = elements(data.load(tmp_path, split="all", batch_size=None, image_size=6, with_labels=True,
                             shuffle=False))
    labels = [int(y) for _, y in got]
    assert labels == [0, 1, 2, 2]
    for (img, y), value in zip(got, [10, 90, 200, 180]):
        assert img.shape == (6, 6, 3) and img.dtype == np.float32
        np.testing.assert_allclose(to_u8(img).astype(int), value, atol=2)  # JPEG: within 2 levels
    info = data.info(str(tmp_path))
    assert isinstance(info, data.FolderInfo)
    assert info.class_names == ("bird", "cat", "dog") and info.num_classes == 3
    assert info.image_shape == (None, None, 3)  # sizes vary
    assert sum(info.num_examples.values()) == 4 and set(info.num_examples) == {"train", "test"}
    assert info.split_source == "holdout"


def test_native_size_is_exact_and_sorted(tmp_path):
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (7, 5, 3), dtype=np.uint8) for _ in range(4)]
    for i, a in enumerate(arrays):
        save(tmp_path / f"img{i}.png", a)
    got = elements(data.load(str(tmp_path), split="all", batch_size=None, shuffle=False))
    assert len(got) == 4
    for img, a in zip(got, arrays):
        np.testing.assert_array_equal(img, a.astype(np.float32) / 127.5 - 1.0)
    batch = next(iter(data.load(str(tmp_path), split="all", batch_size=2, shuffle=False)))
    assert batch.shape == (2, 7, 5, 3) and batch.dtype == tf.float32
    assert data.info(str(tmp_path)).image_shape == (7, 5, 3)
    x, y = data.load_numpy(str(tmp_path), split="all")
    np.testing.assert_array_equal(x, np.stack(arrays))
    assert x.dtype == np.uint8 and y is None


def test_center_crop_then_resize_versus_stretch(tmp_path):
    # 20 x 40: black outer quarters, white middle half. A centered square crop is all white.
    img = np.zeros((20, 40, 3), np.uint8)
    img[:, 10:30] = 255
    save(tmp_path / "wide.png", img)
    cropped = elements(data.load(tmp_path, split="all", batch_size=None, image_size=8, shuffle=False))[0]
    np.testing.assert_array_equal(to_u8(cropped), 255)
    stretched = elements(data.load(tmp_path, split="all", batch_size=None, image_size=8, shuffle=False,
                                   crop_to_aspect_ratio=False))[0]
    assert to_u8(stretched)[:, 0].max() < 60 and to_u8(stretched)[:, 4].min() == 255
    # Non-square target: (10, 40) keeps the whole image, exactly halved in height.
    wide = elements(data.load(tmp_path, split="all", batch_size=None, image_size=(10, 40), shuffle=False))[0]
    assert wide.shape == (10, 40, 3)
    np.testing.assert_array_equal(to_u8(wide)[:, 12:28], 255)
    np.testing.assert_array_equal(to_u8(wide)[:, :8], 0)


def test_train_test_folders_and_val_alias(tmp_path):
    save(tmp_path / "train" / "cat" / "a.png", const(4, 4, 10))
    save(tmp_path / "train" / "cat" / "b.png", const(4, 4, 11))
    save(tmp_path / "train" / "dog" / "c.png", const(4, 4, 20))
    save(tmp_path / "test" / "dog" / "d.png", const(4, 4, 30))  # test lacks "cat": dog is still 1
    got = elements(data.load(tmp_path, split="test", batch_size=None, with_labels=True, shuffle=False))
    assert [(int(to_u8(x)[0, 0, 0]), int(y)) for x, y in got] == [(30, 1)]
    got = elements(data.load(tmp_path, split="train", batch_size=None, with_labels=True, shuffle=False))
    assert [(int(to_u8(x)[0, 0, 0]), int(y)) for x, y in got] == [(10, 0), (11, 0), (20, 1)]
    info = data.info(tmp_path)
    assert info.num_examples == {"train": 3, "test": 1} and info.split_source == "folders"
    assert len(elements(data.load(tmp_path, split="all", batch_size=None))) == 4

    val_only = tmp_path / "v"
    save(val_only / "train" / "x.png", const(4, 4, 1))
    save(val_only / "val" / "y.png", const(4, 4, 2))
    got = elements(data.load(val_only, split="test", batch_size=None))  # test -> val/
    assert [int(to_u8(x)[0, 0, 0]) for x in got] == [2]
    with pytest.raises(ValueError, match=r"split 'test' is not available in .*'train'"):
        save(tmp_path / "w" / "train" / "x.png", const(4, 4, 1))
        data.load(tmp_path / "w", split="test")


def test_holdout_split_is_disjoint_stable_and_by_name(tmp_path):
    for i in range(80):
        save(tmp_path / f"f{i:03d}.png", const(3, 3, i))
    train = {int(to_u8(x)[0, 0, 0]) for x in elements(data.load(tmp_path, batch_size=None, shuffle=False))}
    test = {int(to_u8(x)[0, 0, 0]) for x in elements(data.load(tmp_path, split="test", batch_size=None))}
    assert not train & test and train | test == set(range(80))
    assert 2 <= len(test) <= 18  # about 10%
    # The documented rule: SHA-1 of the relative path, first 4 bytes, below 10% of 2**32.
    expected = {i for i in range(80)
                if int.from_bytes(hashlib.sha1(f"f{i:03d}.png".encode()).digest()[:4], "big") < 0.1 * 2**32}
    assert test == expected
    # Adding files never moves existing ones.
    for i in range(80, 120):
        save(tmp_path / f"f{i:03d}.png", const(3, 3, i))
    test2 = {int(to_u8(x)[0, 0, 0]) for x in elements(data.load(tmp_path, split="test", batch_size=None))}
    assert test2 & set(range(80)) == test
    # holdout=0: everything is train; the test split is an error that says why.
    assert len(elements(data.load(tmp_path, batch_size=None, holdout=0))) == 120
    with pytest.raises(data.ImageFolderError, match=r"'test' split .* is empty.*holdout=0"):
        data.load(tmp_path, split="test", holdout=0)


def test_seeded_order_cache_and_repeat(tmp_path):
    for i in range(20):
        save(tmp_path / f"{i:02d}.png", const(2, 2, i))
    def order(**kw):
        return [int(to_u8(x)[0, 0, 0]) for x in elements(data.load(tmp_path, split="all", batch_size=None, **kw))]

    assert order(seed=5) == order(seed=5)
    assert order(seed=5) != order(seed=6)
    assert sorted(order(seed=5)) == list(range(20))
    assert order(seed=5, cache=False) == order(seed=5, cache=False)  # shuffles paths before decoding
    assert sorted(order(seed=5, cache=False)) == list(range(20))
    assert order(shuffle=False) == list(range(20))
    ds = data.load(tmp_path, split="all", batch_size=6, repeat=2, seed=0)
    assert int(ds.cardinality()) == 40 // 6 and sum(1 for _ in ds) == 6
    file_cached = data.load(tmp_path, split="all", batch_size=None, shuffle=False, cache=str(tmp_path / "c"))
    assert order(shuffle=False) == [int(to_u8(x)[0, 0, 0]) for x in elements(file_cached)]


# --------------------------------------------------------------------------- #
# Channels
# --------------------------------------------------------------------------- #


def test_channels_native_and_converted(tmp_path):
    rng = np.random.default_rng(1)
    gray = rng.integers(0, 256, (6, 6), dtype=np.uint8)
    save(tmp_path / "gray" / "g.png", gray)
    g1 = elements(data.load(tmp_path / "gray", split="all", batch_size=None))[0]
    assert g1.shape == (6, 6, 1)
    np.testing.assert_array_equal(to_u8(g1)[..., 0], gray)
    g3 = elements(data.load(tmp_path / "gray", split="all", batch_size=None, channels=3))[0]
    assert g3.shape == (6, 6, 3)
    for c in range(3):
        np.testing.assert_array_equal(to_u8(g3)[..., c], gray)

    rgba = rng.integers(0, 256, (6, 6, 4), dtype=np.uint8)
    save(tmp_path / "rgba" / "a.png", rgba)
    assert data.info(tmp_path / "rgba").image_shape == (6, 6, 4)
    a3 = elements(data.load(tmp_path / "rgba", split="all", batch_size=None, channels=3))[0]
    np.testing.assert_array_equal(to_u8(a3), rgba[..., :3])  # alpha dropped, colour kept exactly
    a1 = elements(data.load(tmp_path / "rgba", split="all", batch_size=None, channels=1))[0]
    luma = rgba[..., :3].astype(np.float64) @ [0.2989, 0.5870, 0.1140]
    np.testing.assert_allclose(to_u8(a1)[..., 0], luma, atol=1.0)


def test_mixed_channels_error_unless_channels_given(tmp_path):
    save(tmp_path / "a_gray.png", const(5, 5, 7, c=1))
    save(tmp_path / "b_rgb.png", const(5, 5, 9))
    with pytest.raises(data.ImageFolderError) as e:
        data.load(tmp_path, split="all")
    msg = str(e.value)
    assert str(tmp_path) in msg and "different channel counts" in msg
    assert "1 with 1 (gray" in msg and "a_gray.png" in msg and "1 with 3 (RGB" in msg and "b_rgb.png" in msg
    assert "channels=3" in msg
    got = elements(data.load(tmp_path, split="all", batch_size=None, channels=3, shuffle=False))
    assert [x.shape for x in got] == [(5, 5, 3)] * 2
    assert [int(to_u8(x)[0, 0, 1]) for x in got] == [7, 9]


# --------------------------------------------------------------------------- #
# Errors
# --------------------------------------------------------------------------- #


def test_missing_directory_and_file_instead_of_directory(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(data.DatasetNotFoundError, match="does not exist") as e:
        data.load(str(missing))
    assert str(missing) in str(e.value)
    with pytest.raises(data.DatasetNotFoundError, match="neither an existing directory"):
        data.load("./surely_missing_dir/images")
    f = save(tmp_path / "one.png", const(2, 2, 0))
    with pytest.raises(data.ImageFolderError, match="is a file, not a directory"):
        folders.load_folder(f)


def test_empty_folder_names_path_and_what_was_found(tmp_path):
    (tmp_path / "readme.md").write_text("hi")
    with pytest.raises(data.ImageFolderError) as e:
        data.load(tmp_path)
    msg = str(e.value)
    assert f"No images (.png, .jpg, .jpeg) found in {tmp_path}" in msg and "readme.md" in msg
    empty = tmp_path / "e"
    empty.mkdir()
    with pytest.raises(data.ImageFolderError, match=f"No images .* found in {empty}"):
        data.info(empty)


def test_corrupt_and_truncated_files_are_named(tmp_path):
    rng = np.random.default_rng(2)
    good = save(tmp_path / "good.png", rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    png = bytearray(open(good, "rb").read())
    png[len(png) // 2] ^= 0xFF  # breaks a CRC
    (tmp_path / "bad.png").write_bytes(bytes(png))
    jpg = save(tmp_path / "cut.jpg", rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    blob = open(jpg, "rb").read()
    open(jpg, "wb").write(blob[:-2])  # drops the end-of-image marker only
    (tmp_path / "text.png").write_text("this is not a PNG")
    with pytest.raises(data.ImageFolderError) as e:
        data.load(tmp_path)
    msg = str(e.value)
    assert "3 of 4 image file(s) cannot be used" in msg
    assert os.path.join(str(tmp_path), "bad.png") in msg and "not a readable image" in msg
    assert os.path.join(str(tmp_path), "cut.jpg") in msg and "truncated" in msg
    assert os.path.join(str(tmp_path), "text.png") in msg
    assert os.path.join(str(tmp_path), "good.png ") not in msg

    # verify="none" trusts the files: the corrupt one fails only when tf.io decodes it.
    only_cut = tmp_path / "only_cut"
    only_cut.mkdir()
    open(only_cut / "cut.jpg", "wb").write(blob[:-2])
    ds = data.load(only_cut, split="all", batch_size=None, verify="none")
    with pytest.raises(tf.errors.InvalidArgumentError):
        list(ds)


def test_unsupported_formats_and_layout_errors(tmp_path):
    save(tmp_path / "u" / "a.png", const(3, 3, 1))
    Image.fromarray(const(3, 3, 1)).save(tmp_path / "u" / "b.gif")
    with pytest.raises(data.ImageFolderError, match=r"cannot read .*b\.gif.*Convert them to PNG"):
        data.load(tmp_path / "u")

    save(tmp_path / "mix" / "loose.png", const(3, 3, 1))
    save(tmp_path / "mix" / "cls" / "x.png", const(3, 3, 1))
    with pytest.raises(data.ImageFolderError, match=r"both class subfolders .*'cls'.* and loose images .*loose\.png"):
        data.load(tmp_path / "mix")

    save(tmp_path / "ec" / "full" / "x.png", const(3, 3, 1))
    (tmp_path / "ec" / "empty").mkdir()
    with pytest.raises(data.ImageFolderError, match=r"Class folder\(s\) .*empty.* hold no images"):
        data.load(tmp_path / "ec")

    save(tmp_path / "flat" / "x.png", const(3, 3, 1))
    with pytest.raises(data.ImageFolderError, match="with_labels=True but .*flat has no class subfolders"):
        data.load(tmp_path / "flat", with_labels=True)

    save(tmp_path / "sizes" / "a.png", const(3, 4, 1))
    save(tmp_path / "sizes" / "b.png", const(5, 6, 1))
    with pytest.raises(data.ImageFolderError, match=r"2 different sizes .*a\.png is 4x3.*image_size="):
        data.load(tmp_path / "sizes", split="all")
    assert len(elements(data.load(tmp_path / "sizes", split="all", batch_size=None))) == 2  # fine unbatched
    with pytest.raises(data.ImageFolderError, match="stack them"):
        data.load_numpy(tmp_path / "sizes", split="all")


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"channels": 5}, r"channels must be None .* got 5"),
        ({"channels": "rgb"}, "got 'rgb'"),
        ({"holdout": 1.5}, r"holdout must be a fraction in \[0, 1\).*got 1.5"),
        ({"verify": "quick"}, r"verify must be one of .*got 'quick'"),
        ({"split": "dev"}, r"split for a directory must be one of .*got 'dev'"),
        ({"batch_size": 0}, "batch_size must be a positive int or None.*got 0"),
        ({"image_size": -1}, "image_size must be a positive int.*got -1"),
        ({"layout": "grid"}, r"layout must be one of .*got 'grid'"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, match):
    save(tmp_path / "a.png", const(3, 3, 1))
    with pytest.raises(ValueError, match=match):
        data.load(tmp_path, **kwargs)


def test_directory_options_are_rejected_for_named_datasets():
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['channels'\] for 'digits'"):
        data.load("digits", channels=3)
    with pytest.raises(TypeError, match="info.*'layout'"):
        data.info("digits", layout="images")


def test_data_dir_is_ignored_and_path_objects_work(tmp_path):
    save(tmp_path / "imgs" / "a.png", const(3, 3, 42))
    ds = data.load(pathlib.Path(tmp_path / "imgs"), split="all", batch_size=None, data_dir=str(tmp_path))
    assert [int(to_u8(x)[0, 0, 0]) for x in elements(ds)] == [42]
    assert data.info(pathlib.Path(tmp_path / "imgs")).num_examples["train"] + \
        data.info(pathlib.Path(tmp_path / "imgs")).num_examples["test"] == 1


def test_builtin_name_wins_over_a_same_named_directory(tmp_path, monkeypatch):
    save(tmp_path / "digits" / "a.png", const(3, 3, 1))
    monkeypatch.chdir(tmp_path)
    assert data.load("digits", batch_size=None).element_spec.shape == (8, 8, 1)
    assert data.load("./digits", split="all", batch_size=None).element_spec.shape == (3, 3, 3)
