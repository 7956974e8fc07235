"""Tests for keras_gans.data.paired (Pix2Pix / CycleGAN data, scikit-image tasks)."""

import gzip
import os
import pathlib
import struct

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import data
from keras_gans.data import paired

from image_files import const, save, to_u8 as u8  # tests/data/image_files.py


def unbatched(ds):
    return [{k: v.numpy() for k, v in e.items()} for e in ds]


def level(x):
    """The uint8 value of a (near-)constant image: its median, checked constant within 2 levels."""
    values = u8(x).astype(int)
    assert np.ptp(values) <= 2, np.unique(values)  # constant up to resize / JPEG rounding
    return int(np.median(values))


def assert_levels(pairs, expected, tol=0):
    assert len(pairs) == len(expected), (pairs, expected)
    for got, want in zip(pairs, expected):
        assert all(abs(g - w) <= tol for g, w in zip(got, want)), (pairs, expected)


# --------------------------------------------------------------------------- #
# Pix2Pix jitter
# --------------------------------------------------------------------------- #


def _synthetic_pair(h=40, w=50, seed=0):
    """A random texture and its pixel-wise image f(x) = -x (3 channels) in [-1, 1]."""
    x = np.random.default_rng(seed).uniform(-1, 1, (h, w, 1)).astype(np.float32)
    return {"source": tf.constant(x), "target": tf.constant(np.repeat(-x, 3, axis=-1))}


def test_jitter_applies_the_same_crop_and_flip_to_both_images():
    pair = _synthetic_pair()
    for s in range(12):
        out = data.pix2pix_jitter(pair, tf.constant([7, s]), load_size=36, crop_size=32)
        src, tgt = out["source"].numpy(), out["target"].numpy()
        assert src.shape == (32, 32, 1) and tgt.shape == (32, 32, 3)
        for c in range(3):  # a different offset or flip would break f pixel-wise
            np.testing.assert_allclose(tgt[..., c], -src[..., 0], atol=1e-6)
    # The official sizes: 286 -> 256.
    big = data.pix2pix_jitter({"a": tf.zeros((256, 256, 3), tf.uint8), "b": tf.zeros((300, 200, 1), tf.uint8)},
                              tf.constant([0, 1]))
    assert big["a"].shape == (256, 256, 3) and big["b"].shape == (256, 256, 1) and big["a"].dtype == tf.uint8


def test_jitter_is_reproducible_by_seed_and_varies_across_seeds():
    # A horizontal ramp: its first column tells the crop's x offset, its slope the flip.
    ramp = np.tile(np.linspace(-1, 1, 64, dtype=np.float32)[None, :, None], (64, 1, 1))
    pair = {"source": tf.constant(ramp), "target": tf.constant(ramp)}
    def run(s):
        return data.pix2pix_jitter(pair, tf.constant([3, s]), load_size=72, crop_size=64)["source"].numpy()

    np.testing.assert_array_equal(run(5), run(5))
    firsts, flips = set(), set()
    for s in range(24):
        out = run(s)
        firsts.add(round(float(out[0, 0, 0]), 4))
        flips.add(bool(out[0, -1, 0] < out[0, 0, 0]))
    assert len(firsts) > 5  # the offset differs across seeds
    assert flips == {True, False}  # both flip states occur
    no_flip = {bool(data.pix2pix_jitter(pair, tf.constant([3, s]), 72, 64, flip=False)["source"][0, -1, 0] < 0)
               for s in range(12)}
    assert no_flip == {False}


def test_test_transform_is_a_plain_bicubic_resize():
    pair = _synthetic_pair(30, 20)
    out = data.pix2pix_test_transform(pair, crop_size=16)
    ref = tf.clip_by_value(tf.image.resize(pair["source"], (16, 16), "bicubic", antialias=True), -1, 1)
    np.testing.assert_allclose(out["source"].numpy(), ref.numpy(), atol=1e-6)
    assert out["target"].shape == (16, 16, 3)
    with pytest.raises(ValueError, match=r"crop_size \(40, 40\) must not exceed load_size \(36, 36\)"):
        data.pix2pix_jitter(pair, tf.constant([0, 0]), load_size=36, crop_size=40)


# --------------------------------------------------------------------------- #
# Paired directories
# --------------------------------------------------------------------------- #


def _write_ab(root, names, split=None, inner=True, b_ext=".png"):
    """A/<split>/k.png = 10 + 10 k, B/... = 200 - 10 k (or <split>/A, <split>/B)."""
    for k, name in enumerate(names):
        for side, value, ext in (("A", 10 + 10 * k, ".png"), ("B", 200 - 10 * k, b_ext)):
            parts = [side, split] if inner else [split, side]
            d = pathlib.Path(root, *[p for p in parts if p])
            save(d / (name + ext), const(12, 16, value), **({"quality": 95} if ext == ".jpg" else {}))


def test_ab_folders_pair_files_by_name(tmp_path):
    _write_ab(tmp_path, ["x0", "x1", "x2"], split="train", b_ext=".jpg")  # A/train/x0.png <-> B/train/x0.jpg
    _write_ab(tmp_path, ["y0", "y1"], split="test")
    ds = data.load(tmp_path, split="train", batch_size=None, image_size=8, shuffle=False, jitter=False)
    got = unbatched(ds)
    assert_levels([(level(e["source"]), level(e["target"])) for e in got], [(10, 200), (20, 190), (30, 180)], tol=2)
    assert got[0]["source"].shape == (8, 8, 3) and got[0]["source"].dtype == np.float32
    test = unbatched(data.load(tmp_path, split="test", batch_size=None, image_size=8, shuffle=False))
    assert [(level(e["source"]), level(e["target"])) for e in test] == [(10, 200), (20, 190)]
    back = unbatched(data.load(tmp_path, split="test", batch_size=None, image_size=8, shuffle=False,
                               direction="BtoA"))
    assert [(level(e["source"]), level(e["target"])) for e in back] == [(200, 10), (190, 20)]
    info = data.info(tmp_path)
    assert isinstance(info, data.TranslationInfo) and info.kind == "paired"
    assert info.num_examples == {"train": 3, "test": 2}
    assert info.shapes == {"source": (12, 16, 3), "target": (12, 16, 3)}

    outer = tmp_path / "outer"
    _write_ab(outer, ["z0", "z1"], split="train", inner=False)  # train/A, train/B
    got = unbatched(data.load(outer, batch_size=None, image_size=8, shuffle=False, jitter=False))
    assert [(level(e["source"]), level(e["target"])) for e in got] == [(10, 200), (20, 190)]


def test_jitter_in_the_pipeline_keeps_pairs_aligned(tmp_path):
    rng = np.random.default_rng(0)
    for k in range(3):
        a = rng.integers(0, 256, (24, 30, 3), dtype=np.uint8)
        save(tmp_path / "A" / "train" / f"{k}.png", a)
        save(tmp_path / "B" / "train" / f"{k}.png", 255 - a)  # target = f(source) pixel-wise
    ds = data.load(tmp_path, batch_size=None, image_size=16, seed=1, repeat=4)
    batch = unbatched(ds)
    assert len(batch) == 12
    for e in batch:
        assert e["source"].shape == (16, 16, 3)
        # Bicubic rounding may differ by one level; a shifted crop or flip would not be close.
        diff = np.abs(u8(e["target"]).astype(int) - (255 - u8(e["source"]).astype(int)))
        assert diff.max() <= 1
    again = unbatched(data.load(tmp_path, batch_size=None, image_size=16, seed=1, repeat=4))
    for e, f in zip(batch, again):
        np.testing.assert_array_equal(e["source"], f["source"])
    other = unbatched(data.load(tmp_path, batch_size=None, image_size=16, seed=2, repeat=4))
    assert any(not np.array_equal(e["source"], f["source"]) for e, f in zip(batch, other))
    # Repeated epochs of one image get different crops (the jitter is redrawn every pass).
    one = unbatched(data.load(tmp_path, batch_size=None, image_size=16, seed=1, repeat=6, shuffle=False))
    firsts = {e["source"].tobytes() for e in one[::3]}
    assert len(firsts) > 1


def test_unmatched_and_duplicate_names_are_listed(tmp_path):
    save(tmp_path / "A" / "a.png", const(4, 4, 1))
    save(tmp_path / "A" / "b.png", const(4, 4, 1))
    save(tmp_path / "B" / "a.png", const(4, 4, 1))
    save(tmp_path / "B" / "c.png", const(4, 4, 1))
    with pytest.raises(data.ImageFolderError) as e:
        data.load(tmp_path)
    msg = str(e.value)
    assert "must hold the same file names" in msg
    assert f"1 only in {tmp_path / 'A'}: 'b'" in msg and f"1 only in {tmp_path / 'B'}: 'c'" in msg
    dup = tmp_path / "dup"
    save(dup / "A" / "a.png", const(4, 4, 1))
    save(dup / "A" / "a.jpg", const(4, 4, 1))
    save(dup / "B" / "a.png", const(4, 4, 1))
    with pytest.raises(data.ImageFolderError, match=r"a\.jpg and .*a\.png have the same name"):
        data.load(dup)
    with pytest.raises(data.ImageFolderError, match="is not a paired directory"):
        save(tmp_path / "plain" / "x.png", const(4, 4, 1))
        data.load_paired(tmp_path / "plain")


def test_paired_holdout_keeps_pairs_together_and_side_channels(tmp_path):
    for k in range(40):
        save(tmp_path / "A" / f"p{k:02d}.png", const(6, 6, k, c=1))  # gray source
        save(tmp_path / "B" / f"p{k:02d}.png", const(6, 6, 100 + k))  # RGB target
    train = unbatched(data.load(tmp_path, batch_size=None, image_size=6, shuffle=False, jitter=False))
    test = unbatched(data.load(tmp_path, split="test", batch_size=None, image_size=6, shuffle=False))
    assert train[0]["source"].shape == (6, 6, 1) and train[0]["target"].shape == (6, 6, 3)
    pairs = [(level(e["source"]), level(e["target"])) for e in train + test]
    assert all(t == s + 100 for s, t in pairs)
    assert sorted(s for s, _ in pairs) == list(range(40)) and 1 <= len(test) <= 10
    both3 = unbatched(data.load(tmp_path, split="test", batch_size=None, image_size=6, channels=3))
    assert both3[0]["source"].shape == (6, 6, 3)


def test_side_by_side_layout(tmp_path):
    for split, n in (("train", 3), ("val", 2)):
        for k in range(n):
            img = np.concatenate([const(10, 7, 10 + k), const(10, 8, 200 - k)], axis=1)  # odd width 15
            save(tmp_path / split / f"{k}.png", img)
    got = unbatched(data.load(tmp_path, layout="side_by_side", batch_size=None, image_size=8, shuffle=False,
                              jitter=False))
    assert [(level(e["source"]), level(e["target"])) for e in got] == [(10, 200), (11, 199), (12, 198)]
    test = unbatched(data.load(tmp_path, split="test", layout="side_by_side", batch_size=None, image_size=8,
                               shuffle=False, direction="BtoA"))  # test -> val/
    assert [(level(e["source"]), level(e["target"])) for e in test] == [(200, 10), (199, 11)]
    info = data.info(tmp_path, layout="side_by_side")
    assert info.shapes == {"source": (10, 7, 3), "target": (10, 8, 3)}  # w // 2 on the left
    assert info.num_examples == {"train": 3, "val": 2}
    # Without layout=..., the same folder is a plain image folder.
    plain = data.load(tmp_path, batch_size=None, image_size=8)
    assert isinstance(plain.element_spec, tf.TensorSpec)
    jittered = next(iter(data.load(tmp_path, layout="side_by_side", batch_size=2, image_size=8, seed=0)))
    assert jittered["source"].shape == (2, 8, 8, 3)


# --------------------------------------------------------------------------- #
# Unpaired directories
# --------------------------------------------------------------------------- #


def _write_unpaired(root, n_a=3, n_b=5, splits=("train", "test")):
    for split in splits:
        for k in range(n_a):
            save(pathlib.Path(root, f"{split}A", f"a{k}.png"), const(10 + k, 12, 10 + k))
        for k in range(n_b):
            save(pathlib.Path(root, f"{split}B", f"b{k}.jpg"), const(14, 9 + k, 100 + 10 * k), quality=95)


def test_unpaired_folders_draw_domains_independently(tmp_path):
    _write_unpaired(tmp_path)
    ds = data.load(tmp_path, batch_size=None, image_size=8, seed=0, jitter=False)
    got = unbatched(ds)
    assert len(got) == 5 and int(ds.cardinality()) == 5  # max(len(A), len(B))
    a = [level(e["a"]) for e in got]
    b = [level(e["b"]) for e in got]
    assert set(a) <= {10, 11, 12} and set(a) == {10, 11, 12}  # A cycles: all seen
    assert sorted(round(v, -1) for v in b) == [100, 110, 120, 130, 140]  # each B once per epoch
    pairings = set()
    for s in range(4):
        epoch = unbatched(data.load(tmp_path, batch_size=None, image_size=8, seed=s, jitter=False))
        pairings.add(tuple((level(e["a"]), round(level(e["b"]), -1)) for e in epoch))
    assert len(pairings) > 1  # the pairing changes with the seed
    assert unbatched(data.load(tmp_path, batch_size=None, image_size=8, seed=3))[0]["a"].shape == (8, 8, 3)
    info = data.info(tmp_path)
    assert info.kind == "unpaired"
    assert info.domain_examples == {"train": {"a": 3, "b": 5}, "test": {"a": 3, "b": 5}}
    assert info.num_examples == {"train": 5, "test": 5}
    test = data.load(tmp_path, split="test", batch_size=2, image_size=8, drop_remainder=False)
    assert [e["b"].shape[0] for e in test] == [2, 2, 1]
    assert int(data.load(tmp_path, batch_size=2, image_size=8, repeat=3).cardinality()) == 7


def test_unpaired_errors(tmp_path):
    _write_unpaired(tmp_path, splits=("train",))
    for f in (tmp_path / "trainB").iterdir():
        f.unlink()
    (tmp_path / "trainB" / "list.txt").write_text("x")
    with pytest.raises(data.ImageFolderError, match=f"No images .* found in {tmp_path / 'trainB'}.*list.txt"):
        data.load(tmp_path)
    with pytest.raises(ValueError, match="with_labels=True, but .* image-to-image dataset"):
        data.load_unpaired(tmp_path, with_labels=True)


# --------------------------------------------------------------------------- #
# TFDS cycle_gan (mocked)
# --------------------------------------------------------------------------- #


def _mock_cycle_gan(self, split, **unused):
    """trainA: 3 images of value 10+k, trainB: 5 of value 100+10k, testA/testB: 2 each."""
    counts = {"trainA": 3, "trainB": 5, "testA": 2, "testB": 2}
    base = 10 if str(split).endswith("A") else 100
    step = 1 if base == 10 else 10
    n = counts[str(split)]

    def gen():
        for k in range(n):
            yield {"image": const(9 + k, 11 + 2 * k, base + step * k), "label": 0 if base == 10 else 1}

    ds = tf.data.Dataset.from_generator(gen, output_signature={
        "image": tf.TensorSpec((None, None, 3), tf.uint8), "label": tf.TensorSpec((), tf.int64)})
    return ds.apply(tf.data.experimental.assert_cardinality(n))


def test_tfds_cycle_gan_is_unpaired_with_the_real_feature_names():
    tfds = pytest.importorskip("tensorflow_datasets")
    builder = tfds.builder("cycle_gan/horse2zebra")
    features = builder.info.features
    assert set(features) == {"image", "label"} and features["label"].names == ["A", "B"]
    with tfds.testing.mock_data(as_dataset_fn=_mock_cycle_gan):
        ds = data.load("cycle_gan/horse2zebra", batch_size=None, image_size=8, seed=0, jitter=False)
        got = unbatched(ds)
        assert len(got) == 5 and got[0]["a"].shape == (8, 8, 3)
        assert {level(e["a"]) for e in got} == {10, 11, 12}
        assert sorted(level(e["b"]) for e in got) == [100, 110, 120, 130, 140]
        jit = next(iter(data.load("cycle_gan/horse2zebra", batch_size=2, image_size=8, seed=0)))
        assert jit["a"].shape == (2, 8, 8, 3) and jit["b"].dtype == tf.float32
        test = unbatched(data.load("cycle_gan/horse2zebra", split="test", batch_size=None, image_size=8))
        assert len(test) == 2 and {level(e["a"]) for e in test} == {10, 11}
        # One domain alone is still a plain TFDS image dataset.
        only_b = [x.numpy() for x in data.load("cycle_gan/horse2zebra", split="trainB", batch_size=None,
                                               image_size=8, shuffle=False)]
        assert len(only_b) == 5 and only_b[0].shape == (8, 8, 3)
        with pytest.raises(ValueError, match=r"must be one of \('train', 'test'\).*'trainA'"):
            data.load_unpaired("cycle_gan/horse2zebra", split="val")
    info = data.info("cycle_gan/horse2zebra")  # not prepared here: shapes known, counts not
    assert info.kind == "unpaired" and info.shapes == {"a": (None, None, 3), "b": (None, None, 3)}


def test_tfds_cycle_gan_offline_error_names_both_remedies(monkeypatch):
    tfds = pytest.importorskip("tensorflow_datasets")

    def fail(*args, **kwargs):
        raise RuntimeError("simulated: no network here")

    monkeypatch.setattr(tfds, "load", fail)
    expected = r"(?s)'trainA'.*simulated: no network.*tfds build cycle_gan/horse2zebra"
    with pytest.raises(data.DatasetNotFoundError, match=expected):
        data.load("cycle_gan/horse2zebra")


# --------------------------------------------------------------------------- #
# Two Fashion-MNIST classes
# --------------------------------------------------------------------------- #


def _write_idx(path, arr):
    arr = np.asarray(arr, np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    with gzip.open(str(path) + ".gz", "wb") as f:
        f.write(header + arr.tobytes())


def _tiny_fashion(directory):
    """train: labels 0..9 repeated, image value = 20 * label + index % 3; test: a few."""
    directory.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", 40), ("t10k", 20)):
        labels = np.arange(n) % 10
        images = np.empty((n, 28, 28), np.uint8)
        images[:] = (20 * labels + (np.arange(n) // 10) % 3)[:, None, None]
        _write_idx(directory / f"{prefix}-images-idx3-ubyte", images)
        _write_idx(directory / f"{prefix}-labels-idx1-ubyte", labels)
    return directory


def test_fashion_mnist_class_pair(tmp_path):
    d = _tiny_fashion(tmp_path / "fm")
    ds = data.load("fashion_mnist_pair/sneaker-ankle_boot", batch_size=None, data_dir=d, seed=0)
    got = unbatched(ds)
    assert len(got) == 4 and got[0]["a"].shape == (28, 28, 1)  # 4 sneakers (label 7), 4 ankle boots (9)
    assert {level(e["a"]) // 20 for e in got} == {7} and {level(e["b"]) // 20 for e in got} == {9}
    same = unbatched(data.unpaired_classes("fashion_mnist", "Sneaker", 9, data_dir=d, seed=0))
    for e, f in zip(got, same):
        np.testing.assert_array_equal(e["a"], f["a"])
    test = unbatched(data.load("fashion_mnist_pair/t_shirt_top-shirt", split="test", batch_size=None,
                               data_dir=d, image_size=32))
    assert len(test) == 2 and test[0]["b"].shape == (32, 32, 1)
    assert {level(e["a"]) // 20 for e in test} == {0} and {level(e["b"]) // 20 for e in test} == {6}
    info = data.info("fashion_mnist_pair/sneaker-ankle_boot", data_dir=d)
    assert info.kind == "unpaired" and info.domain_examples["train"] == {"a": 4, "b": 4}
    assert info.num_examples == {"train": 4, "test": 2}
    with pytest.raises(ValueError, match=r"'boot' is not a class of 'fashion_mnist'.*'ankle_boot'"):
        data.load("fashion_mnist_pair/sneaker-boot", data_dir=d)
    with pytest.raises(ValueError, match="same class"):
        data.unpaired_classes("fashion_mnist", "bag", "Bag", data_dir=d)


def test_fashion_mnist_edges_trace_the_item_outline(tmp_path):
    """Items are bright squares of a size per image on black: the edge source is black (-1)
    exactly on (within a pixel of) each square's border and white (+1) elsewhere, the target
    is the image itself, and the test split is the t10k file's."""
    d = tmp_path / "fm"
    d.mkdir()
    for prefix, n in (("train", 6), ("t10k", 3)):
        images = np.zeros((n, 28, 28), np.uint8)
        for i in range(n):
            lo, hi = 4 + i, 20 + i // 2
            images[i, lo:hi, lo:hi] = 200 if prefix == "train" else 120
        _write_idx(d / f"{prefix}-images-idx3-ubyte", images)
        _write_idx(d / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10)
    paired._TASK_CACHE.clear()
    got = unbatched(data.load("fashion_mnist_edges2item", batch_size=None, data_dir=d, image_size=28,
                              shuffle=False))
    assert len(got) == 6
    yy, xx = np.mgrid[:28, :28]
    for i, e in enumerate(got):
        src, tgt = e["source"][..., 0], e["target"][..., 0]
        assert set(np.unique(src)) == {-1.0, 1.0}
        lo, hi = 4 + i, 20 + i // 2
        inside = (yy >= lo) & (yy < hi) & (xx >= lo) & (xx < hi)
        np.testing.assert_allclose(tgt, np.where(inside, 200 / 127.5 - 1, -1.0), atol=1e-6)
        border_distance = np.minimum.reduce([np.abs(yy - lo), np.abs(yy - (hi - 1)), np.abs(xx - lo),
                                             np.abs(xx - (hi - 1))])
        near = (border_distance <= 1) & (yy >= lo - 1) & (yy <= hi) & (xx >= lo - 1) & (xx <= hi)
        edges = src < 0
        assert edges[near].mean() > 0.3 and not edges[~near].any()
    test = unbatched(data.load("fashion_mnist_edges2item", split="test", batch_size=None, data_dir=d))
    assert len(test) == 3 and test[0]["source"].shape == (32, 32, 1)  # default size 32
    assert np.isclose(test[0]["target"].max(), 120 / 127.5 - 1, atol=0.02)
    info = data.info("fashion_mnist_edges2item")
    assert info.kind == "paired" and info.shapes == {"source": (32, 32, 1), "target": (32, 32, 1)}
    with pytest.raises(ValueError, match="must be 'train' or 'test'"):
        data.load("fashion_mnist_edges2item", split="val", data_dir=d)
    paired._TASK_CACHE.clear()


@pytest.mark.skipif(not os.path.isfile("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"),
                    reason="Debian package dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_pair():
    info = data.info("fashion_mnist_pair/sneaker-ankle_boot")
    assert info.domain_examples == {"train": {"a": 6000, "b": 6000}, "test": {"a": 1000, "b": 1000}}
    ds = data.load("fashion_mnist_pair/sneaker-ankle_boot", split="test", batch_size=50, seed=0)
    assert int(ds.cardinality()) == 20
    batch = next(iter(ds))
    assert batch["a"].shape == (50, 28, 28, 1) and batch["b"].shape == (50, 28, 28, 1)
    x, y = data.load_numpy("fashion_mnist", split="test")
    sneakers = {img.tobytes() for img in x[y == 7]}
    boots = {img.tobytes() for img in x[y == 9]}
    assert all(img.tobytes() in sneakers for img in u8(batch["a"]))
    assert all(img.tobytes() in boots for img in u8(batch["b"]))


# --------------------------------------------------------------------------- #
# scikit-image tasks
# --------------------------------------------------------------------------- #


def test_skimage_photos_are_bundled_files():
    import skimage.data

    folder = os.path.dirname(skimage.data.__file__)
    for _, f, _ in paired.SKIMAGE_PHOTOS:
        assert os.path.isfile(os.path.join(folder, f)), f
    splits = [s for _, _, s in paired.SKIMAGE_PHOTOS]
    assert splits.count("test") == 3 and splits.count("train") == 6
    np.testing.assert_array_equal(paired.skimage_photo("chelsea"), skimage.data.chelsea())
    np.testing.assert_array_equal(paired.skimage_photo("coffee"), skimage.data.coffee())


class _Locator:
    """Finds where an RGB crop (maybe flipped) lies in a set of photos, by exact pixels."""

    def __init__(self, photos, c):
        self.c = c
        self.photos = {}
        for name, p in photos.items():
            packed = (p[..., 0].astype(np.int32) << 16) | (p[..., 1].astype(np.int32) << 8) | p[..., 2]
            self.photos[name] = packed

    def find(self, crop):
        c = self.c
        for flipped in (False, True):
            t = crop[:, ::-1] if flipped else crop
            t = (t[..., 0].astype(np.int32) << 16) | (t[..., 1].astype(np.int32) << 8) | t[..., 2]
            for name, p in self.photos.items():
                h, w = p.shape[0] - c + 1, p.shape[1] - c + 1
                m = p[:h, :w] == t[0, 0]
                m &= p[c - 1 : c - 1 + h, c - 1 : c - 1 + w] == t[-1, -1]
                m &= p[c // 2 : c // 2 + h, c // 3 : c // 3 + w] == t[c // 2, c // 3]
                for y, x in zip(*np.nonzero(m)):
                    if np.array_equal(p[y : y + c, x : x + c], t):
                        return name, int(y), int(x), flipped
        return None


def _crops(task, split, n, c=32, seed=0):
    ds = data.load(task, split=split, batch_size=n, image_size=c, seed=seed)
    return {k: v.numpy() for k, v in next(iter(ds)).items()}


def test_skimage_tasks_shapes_ranges_and_info():
    for task, cs in (("skimage_edges2photo", 1), ("skimage_gray2color", 1), ("skimage_blur2sharp", 3)):
        b = _crops(task, "train", 4, c=48)
        assert b["source"].shape == (4, 48, 48, cs) and b["target"].shape == (4, 48, 48, 3)
        for v in b.values():
            assert v.dtype == np.float32 and v.min() >= -1.0 and v.max() <= 1.0
        info = data.info(task)
        assert info.kind == "paired" and info.num_examples == {"train": 384, "test": 48}
        assert info.shapes["source"] == (None, None, cs)
    edges = _crops("skimage_edges2photo", "train", 16)["source"]
    assert set(np.unique(edges)) <= {-1.0, 1.0} and (edges == -1).mean() < 0.3  # black lines on white
    ds = data.load("skimage_gray2color", split="train", batch_size=32, image_size=32, seed=0)
    assert int(ds.cardinality()) == 384 // 32
    test = data.load("skimage_gray2color", split="test", batch_size=None, image_size=32, shuffle=False)
    assert sum(1 for _ in test) == 48
    with pytest.raises(ValueError, match=r"image_size \(320, 320\) is larger .* at most \(300, 451\)"):
        data.load("skimage_blur2sharp", image_size=320)
    with pytest.raises(ValueError, match="load_size does not apply"):
        data.load("skimage_blur2sharp", load_size=300)
    with pytest.raises(ValueError, match="must be 'train' or 'test'; got 'val'"):
        data.load("skimage_blur2sharp", split="val")
    with pytest.raises(ValueError, match="load_numpy does not read 'skimage_blur2sharp'"):
        data.load_numpy("skimage_blur2sharp")


def test_skimage_held_out_photos_never_appear_in_train_crops():
    photos = {n: paired.skimage_photo(n) for n, _, _ in paired.SKIMAGE_PHOTOS}
    split_of = {n: s for n, _, s in paired.SKIMAGE_PHOTOS}
    c = 32
    train_loc = _Locator({n: p for n, p in photos.items() if split_of[n] == "train"}, c)
    test_loc = _Locator({n: p for n, p in photos.items() if split_of[n] == "test"}, c)
    train = _crops("skimage_gray2color", "train", 48, c=c, seed=4)
    seen, flips, checked = set(), set(), 0
    for src, tgt in zip(train["source"], train["target"]):
        t = u8(tgt)
        where = train_loc.find(t)
        assert where is not None  # a genuine crop of a training photo
        seen.add(where[0])
        flips.add(where[3])
        if len(np.unique(t.reshape(-1, 3), axis=0)) >= 16:  # flat crops could match anywhere
            assert test_loc.find(t) is None
            checked += 1
        # The source is the gray version of this very crop.
        luma = t.astype(np.float64) @ [0.2125, 0.7154, 0.0721]
        assert np.abs(u8(src)[..., 0].astype(float) - luma).max() <= 1.0
    assert checked >= 30 and len(seen) >= 4 and flips == {True, False}
    test = _crops("skimage_gray2color", "test", 48, c=c)
    found = [test_loc.find(u8(t)) for t in test["target"]]
    assert all(f is not None and not f[3] for f in found)  # test crops: held-out photos, unflipped
    assert {f[0] for f in found} == {"chelsea", "coffee", "immunohistochemistry"}
    again = _crops("skimage_gray2color", "test", 48, c=c, seed=99)  # other seed: same crops, other order
    assert sorted(x.tobytes() for x in again["target"]) == sorted(x.tobytes() for x in test["target"])


def test_skimage_sources_are_edges_and_blur_of_the_target():
    import skimage.color
    import skimage.feature
    import skimage.filters

    # The precomputed sources, checked on one photo against an independent computation.
    arrays = {name: (s, t) for name, _, s, t in paired.skimage_task_arrays("skimage_edges2photo")}
    src, photo = arrays["chelsea"]
    edges = skimage.feature.canny(skimage.color.rgb2gray(photo), sigma=2.0)
    np.testing.assert_array_equal(src[..., 0] == 0, edges)
    blur_src, _ = {n: (s, t) for n, _, s, t in paired.skimage_task_arrays("skimage_blur2sharp")}["chelsea"]
    ref = skimage.filters.gaussian(photo, sigma=2.0, channel_axis=-1, preserve_range=True)
    assert np.abs(blur_src.astype(float) - ref).max() <= 0.5 + 1e-9

    # In the pipeline, source and target crops come from the same place.
    c = 32
    photos = {n: t for n, (_, t) in arrays.items()}
    loc = _Locator(photos, c)
    for task in ("skimage_edges2photo", "skimage_blur2sharp"):
        full = {n: s for n, _, s, _ in paired.skimage_task_arrays(task)}
        b = _crops(task, "train", 12, c=c, seed=7)
        for s, t in zip(b["source"], b["target"]):
            name, y, x, flipped = loc.find(u8(t))
            expect = full[name][y : y + c, x : x + c]
            expect = expect[:, ::-1] if flipped else expect
            np.testing.assert_array_equal(u8(s), expect)
        if task == "skimage_blur2sharp":  # blurred: much smoother than the photo
            tv = lambda v: np.abs(np.diff(v, axis=2)).mean()  # noqa: E731
            assert tv(b["source"]) < 0.7 * tv(b["target"])
        else:  # edges sit where the photo's gradient is strong
            gray = b["target"].mean(-1)
            grad = np.hypot(np.diff(gray, axis=1)[:, :, 1:], np.diff(gray, axis=2)[:, 1:, :])
            on = b["source"][:, 1:, 1:, 0] == -1
            assert grad[on].mean() > 2 * grad[~on].mean()


def test_skimage_train_crops_are_seeded_and_fresh_each_pass():
    a = _crops("skimage_blur2sharp", "train", 8, seed=11)["target"]
    b = _crops("skimage_blur2sharp", "train", 8, seed=11)["target"]
    c = _crops("skimage_blur2sharp", "train", 8, seed=12)["target"]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    ds = data.load("skimage_blur2sharp", batch_size=8, image_size=32, seed=11)
    first, second = next(iter(ds))["target"].numpy(), next(iter(ds))["target"].numpy()
    np.testing.assert_array_equal(first, a)
    assert not np.array_equal(first, second)


# --------------------------------------------------------------------------- #
# Routing
# --------------------------------------------------------------------------- #


def test_directory_layout_detection(tmp_path):
    _write_unpaired(tmp_path / "u", n_a=1, n_b=1, splits=("train",))
    _write_ab(tmp_path / "p", ["k"])
    save(tmp_path / "i" / "x.png", const(4, 4, 1))
    assert paired.directory_layout(tmp_path / "u") == "unpaired"
    assert paired.directory_layout(tmp_path / "p") == "paired"
    assert paired.directory_layout(tmp_path / "i") == "images"
    assert set(data.load(tmp_path / "u", image_size=8, batch_size=None).element_spec) == {"a", "b"}
    assert set(data.load(tmp_path / "p", split="all", image_size=8, batch_size=None).element_spec) == \
        {"source", "target"}
    with pytest.raises(ValueError, match="load_numpy reads plain image folders; .* is a paired directory"):
        data.load_numpy(tmp_path / "p")
