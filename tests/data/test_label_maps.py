"""Tests for keras_gans.data.label_maps (label map -> photo data for pix2pixHD / SPADE)."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import data, presets
from keras_gans.data import label_maps as lm
from keras_gans.data import paired

from image_files import save, to_u8 as u8  # tests/data/image_files.py


def unbatched(ds):
    return [{k: v.numpy() for k, v in e.items()} for e in ds]


# --------------------------------------------------------------------------- #
# Model-side encoding
# --------------------------------------------------------------------------- #


def _edges_loop(t):
    """pix2pixHD's get_edges, pixel by pixel: 1 where any 4-neighbour holds another id."""
    b, h, w, _ = t.shape
    out = np.zeros(t.shape, np.float32)
    for n in range(b):
        for i in range(h):
            for j in range(w):
                for di, dj in ((0, -1), (0, 1), (-1, 0), (1, 0)):
                    ii, jj = i + di, j + dj
                    if 0 <= ii < h and 0 <= jj < w and t[n, ii, jj, 0] != t[n, i, j, 0]:
                        out[n, i, j, 0] = 1.0
    return out


def test_instance_edges_match_a_numpy_loop_and_run_in_graphs():
    rng = np.random.default_rng(0)
    t = (rng.integers(0, 3, (2, 7, 9, 1)) * 1000 + rng.integers(0, 2, (2, 7, 9, 1))).astype(np.int32)
    want = _edges_loop(t)
    got = lm.instance_edges(t)
    assert got.dtype == tf.float32 and got.shape == (2, 7, 9, 1)
    np.testing.assert_array_equal(got.numpy(), want)
    graph = tf.function(lm.instance_edges, input_signature=[tf.TensorSpec([None, None, None, 1], tf.int32)])
    np.testing.assert_array_equal(graph(tf.constant(t)).numpy(), want)
    np.testing.assert_array_equal(lm.instance_edges(t.astype(np.float32)).numpy(), want)
    # A single vertical boundary marks both columns next to it, nothing else.
    step = np.zeros((1, 3, 4, 1), np.int32)
    step[:, :, 2:] = 5
    np.testing.assert_array_equal(lm.instance_edges(step).numpy()[0, ..., 0], [[0, 1, 1, 0]] * 3)
    np.testing.assert_array_equal(lm.instance_edges(np.zeros((1, 1, 1, 1), np.int32)).numpy(), [[[[0.0]]]])


def test_encode_label_map_by_hand():
    labels = np.array([[[0], [2]], [[1], [1]]], np.int32)[None]  # [1, 2, 2, 1]
    onehot = lm.encode_label_map(labels, 3)
    want = np.array([[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 0]]], np.float32)[None]
    assert onehot.dtype == tf.float32
    np.testing.assert_array_equal(onehot.numpy(), want)
    instances = np.array([[[5], [5]], [[5], [7]]], np.int32)[None]
    full = lm.encode_label_map(labels, 3, instances).numpy()
    assert full.shape == (1, 2, 2, 4)
    np.testing.assert_array_equal(full[..., :3], want)
    np.testing.assert_array_equal(full[0, ..., 3], [[0, 1], [1, 1]])
    assert data.encode_label_map is lm.encode_label_map  # exported
    with pytest.raises(ValueError, match=r"\[batch, height, width, 1\]"):
        lm.encode_label_map(np.zeros((2, 2, 3), np.int32), 3)
    with pytest.raises(ValueError, match="num_classes must be a positive int"):
        lm.encode_label_map(labels, 0)


# --------------------------------------------------------------------------- #
# skimage_labels2photo
# --------------------------------------------------------------------------- #


def _locations(element, maps):
    """Every (photo, y, x, flipped) where a crop's photo pixels occur in the cached full arrays."""
    target = u8(element["target"])
    ch, cw = target.shape[:2]
    found = []
    for p in maps.photos:
        h, w = p.labels.shape
        for flipped in (False, True):
            t = target[:, ::-1] if flipped else target
            for y in range(h - ch + 1):
                # The first row narrows the candidates, the whole crop decides.
                rows = np.lib.stride_tricks.sliding_window_view(p.photo[y], (cw, 3))[:, 0]
                for x in np.flatnonzero((rows == t[0]).all(axis=(1, 2))):
                    if np.array_equal(p.photo[y:y + ch, x:x + cw], t):
                        found.append((p, y, int(x), flipped))
    assert found, "crop not found in any photo"
    return found


def _locate(element, maps):
    """The first of `_locations`."""
    return _locations(element, maps)[0]


def test_skimage_labels2photo_batches_and_info():
    info = data.info("skimage_labels2photo")
    assert isinstance(info, data.LabelMapInfo) and info.kind == "label_map"
    assert info.num_classes == 8 and info.has_instances and info.dont_care is None
    assert info.num_examples == {"train": 384, "test": 48}
    batch = next(iter(data.load("skimage_labels2photo", batch_size=4, seed=0)))
    assert set(batch) == {"labels", "target", "instances"}
    assert batch["labels"].shape == (4, 256, 256, 1) and batch["labels"].dtype == tf.int32
    assert batch["instances"].shape == (4, 256, 256, 1) and batch["instances"].dtype == tf.int32
    assert batch["target"].shape == (4, 256, 256, 3) and batch["target"].dtype == tf.float32
    labels = batch["labels"].numpy()
    assert labels.min() >= 0 and labels.max() < 8 and len(np.unique(labels)) > 2
    assert batch["instances"].numpy().min() >= 1
    assert -1.0 <= batch["target"].numpy().min() and batch["target"].numpy().max() <= 1.0
    maps = lm.skimage_label_maps()
    assert maps.seconds < 60 and maps.centers_rgb.shape == (8, 3)
    assert np.all(np.diff(maps.centers_lab[:, 0]) >= 0)  # classes numbered by lightness
    for p in maps.photos:  # instances are the connected components of the class map
        same = (p.instances[:, 1:] == p.instances[:, :-1])
        np.testing.assert_array_equal(same, p.labels[:, 1:] == p.labels[:, :-1])
        assert p.photo.shape[:2] == p.labels.shape and min(p.labels.shape) == 256
    with pytest.raises(ValueError, match="does not fit every photo"):
        data.load("skimage_labels2photo", image_size=300)
    with pytest.raises(ValueError, match="with_labels=True"):
        data.load("skimage_labels2photo", with_labels=True)
    with pytest.raises(ValueError, match="load_numpy does not read"):
        data.load_numpy("skimage_labels2photo")


def test_skimage_crops_align_labels_instances_and_photo_and_splits_are_disjoint():
    kw = dict(photo_size=64, image_size=48, batch_size=None)
    maps = lm.skimage_label_maps(64, 8)
    train = unbatched(data.load("skimage_labels2photo", seed=3, **kw).take(12))
    test = unbatched(data.load("skimage_labels2photo", split="test", shuffle=False, **kw))
    assert len(test) == 48 and train[0]["labels"].shape == (48, 48, 1)
    flips = set()
    for e, split in [(e, "train") for e in train] + [(e, "test") for e in test[::4]]:
        p, y, x, flipped = _locate(e, maps)
        assert p.split == split  # train crops come from train photos only, test crops from test photos
        flips.add((split, flipped))
        labels = p.labels[y:y + 48, x:x + 48, None]
        instances = p.instances[y:y + 48, x:x + 48, None]
        if flipped:
            labels, instances = labels[:, ::-1], instances[:, ::-1]
        np.testing.assert_array_equal(e["labels"], labels)
        np.testing.assert_array_equal(e["instances"], instances)
    assert {("train", True), ("train", False), ("test", False)} <= flips and ("test", True) not in flips
    # The test split is the same on every load (and shuffling only reorders it).
    again = unbatched(data.load("skimage_labels2photo", split="test", shuffle=False, **kw))
    for a, b in zip(test, again):
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    shuffled = unbatched(data.load("skimage_labels2photo", split="test", seed=1, **kw))
    assert sorted(e["target"].tobytes() for e in shuffled) == sorted(e["target"].tobytes() for e in test)
    other = unbatched(data.load("skimage_labels2photo", seed=4, **kw).take(12))
    assert any(not np.array_equal(a["target"], b["target"]) for a, b in zip(train, other))


def test_skimage_regions_hold_out_every_photos_right_quarter():
    info = data.info("skimage_labels2photo_regions")
    assert info.num_examples == {"train": 576, "test": 144} and info.num_classes == 8
    kw = dict(photo_size=96, batch_size=None)
    maps = lm.skimage_label_maps(96, 8)  # the same maps (and k-means) as skimage_labels2photo
    assert maps is lm.skimage_label_maps(96, 8)
    train = unbatched(data.load("skimage_labels2photo_regions", seed=3, **kw).take(40))
    test = unbatched(data.load("skimage_labels2photo_regions", split="test", shuffle=False, **kw))
    assert len(test) == 144 and test[0]["labels"].shape == (24, 24, 1)  # ceil(96 / 4)
    seen = {"train": set(), "test": set()}
    for split, elements in (("train", train), ("test", test[::3])):
        for e in elements:
            places = _locations(e, maps)
            held = [(p, y, x, f) for p, y, x, f in places
                    if (x >= p.labels.shape[1] - -(-p.labels.shape[1] // 4)) == (split == "test")]
            # Some place in the split's columns (flat regions such as the retina's black border
            # occur in both); a crop found in one place only must be in its split's columns.
            assert held and (len(places) > 1 or held == places)
            p, y, x, flipped = held[0]
            if split == "train":
                assert x + 24 <= p.labels.shape[1] - -(-p.labels.shape[1] // 4)
            if len(places) == 1:
                seen[split].add(p.name)
            labels, instances = p.labels[y:y + 24, x:x + 24, None], p.instances[y:y + 24, x:x + 24, None]
            if flipped:
                labels, instances = labels[:, ::-1], instances[:, ::-1]
            np.testing.assert_array_equal(e["labels"], labels)
            np.testing.assert_array_equal(e["instances"], instances)
    # Every photo, held-out ones included, gives test crops; train crops come from all kinds too.
    assert seen["test"] == {p.name for p in maps.photos}
    assert {"chelsea", "astronaut"} <= seen["train"]
    with pytest.raises(ValueError, match=r"does not fit the test regions.*astronaut is 96x24"):
        data.load("skimage_labels2photo_regions", split="test", image_size=32, **kw)
    assert unbatched(data.load("skimage_labels2photo_regions", image_size=32, **kw).take(1))[0]["target"].shape == \
        (32, 32, 3)  # the train part (72 columns) fits 32


def test_kmeans_is_fitted_on_the_training_photos_only(monkeypatch):
    before = lm.skimage_label_maps(64, 5)
    test_names = {n for n, _, s in paired.SKIMAGE_PHOTOS if s == "test"}
    assert set(before.fit_photos) == {n for n, _, s in paired.SKIMAGE_PHOTOS if s == "train"}
    original = paired.skimage_photo

    def changed(name):  # the held-out photos become their negatives
        photo = original(name)
        return 255 - photo if name in test_names else photo

    monkeypatch.setattr(paired, "skimage_photo", changed)
    monkeypatch.setattr(lm, "_SKIMAGE_CACHE", {})
    after = lm.skimage_label_maps(64, 5)
    np.testing.assert_allclose(after.centers_lab, before.centers_lab)  # same fit
    for a, b in zip(before.photos, after.photos):
        if a.split == "train":
            np.testing.assert_array_equal(a.labels, b.labels)
        else:
            assert not np.array_equal(a.labels, b.labels)  # assigned to the nearest centre, not refitted


# --------------------------------------------------------------------------- #
# Directories
# --------------------------------------------------------------------------- #

PALETTE = {0: (20, 40, 60), 3: (200, 30, 30), 5: (30, 200, 90)}


def _scene(rng, h, w):
    """Random blocks of classes 0 / 3 / 5; instances label * 1000 + block index (16-bit)."""
    labels = np.zeros((h, w), np.uint8)
    instances = np.zeros((h, w), np.uint16)
    k = 0
    for y in range(0, h, 5):
        for x in range(0, w, 6):
            c = int(rng.choice(list(PALETTE)))
            labels[y:y + 5, x:x + 6] = c
            instances[y:y + 5, x:x + 6] = c * 1000 + k
            k += 1
    photo = np.zeros((h, w, 3), np.uint8)
    for c, rgb in PALETTE.items():
        photo[labels == c] = rgb
    return labels, instances, photo


def _write_scenes(root, names, layout="inner", split="train", h=20, w=24, seed=0):
    rng = np.random.default_rng(seed)
    for name in names:
        labels, instances, photo = _scene(rng, h, w)
        if layout == "inner":
            paths = (f"images/{split}/{name}.png", f"labels/{split}/{name}.png", f"instances/{split}/{name}.png")
        elif layout == "outer":
            paths = (f"{split}/images/{name}.jpg", f"{split}/labels/{name}.png", f"{split}/instances/{name}.png")
        else:  # pix2pixHD with Cityscapes file names
            paths = (f"{split}_img/{name}_leftImg8bit.png", f"{split}_label/{name}_gtFine_labelIds.png",
                     f"{split}_inst/{name}_gtFine_instanceIds.png")
        save(root / paths[0], photo, **({"quality": 95} if paths[0].endswith(".jpg") else {}))
        save(root / paths[1], labels)
        (root / paths[2]).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(instances).save(root / paths[2])  # 16-bit gray


def _colour_of(labels):
    out = np.zeros(labels.shape[:2] + (3,), np.int32)
    for c, rgb in PALETTE.items():
        out[labels[..., 0] == c] = rgb
    return out


def _palette_class(target):
    """The class whose palette colour is nearest to each pixel of a photo in [-1, 1]."""
    colours = np.array(list(PALETTE.values()))
    dist = ((u8(target).astype(np.int32)[..., None, :] - colours) ** 2).sum(-1)
    return np.array(list(PALETTE))[np.argmin(dist, -1)]


def test_directory_crops_and_flips_keep_labels_instances_and_photo_aligned(tmp_path):
    _write_scenes(tmp_path, [f"s{k}" for k in range(4)])
    _write_scenes(tmp_path, ["t0", "t1"], split="test", seed=1)
    info = data.info(tmp_path)
    assert isinstance(info, data.LabelMapInfo) and info.num_examples == {"train": 4, "test": 2}
    assert info.num_classes == 6 and info.has_instances and info.dont_care is None
    assert info.shapes == {"labels": (20, 24, 1), "target": (20, 24, 3), "instances": (20, 24, 1)}
    # load_size = native size: the crop is cut from unresized pixels, so colours match labels exactly.
    exact = unbatched(data.load(tmp_path, batch_size=None, image_size=16, load_size=(20, 24), seed=0, repeat=4))
    firsts = set()
    for e in exact:
        assert e["labels"].shape == (16, 16, 1) and e["instances"].dtype == np.int32
        np.testing.assert_array_equal(u8(e["target"]).astype(np.int32), _colour_of(e["labels"]))
        np.testing.assert_array_equal(e["instances"] // 1000, e["labels"])
        firsts.add(e["labels"].tobytes())
    assert len(firsts) > 4  # offsets / flips vary
    # A real resize (20x24 -> 37x45): maps by nearest neighbour only, so no new values appear.
    resized = unbatched(data.load(tmp_path, batch_size=None, image_size=32, load_size=(37, 45), seed=1, repeat=3))
    every_instance = set()
    for k in range(4):
        every_instance |= set(np.unique(np.asarray(Image.open(tmp_path / "instances" / "train" / f"s{k}.png"))))
    for e in resized:
        assert set(np.unique(e["labels"])) <= set(PALETTE)
        assert set(np.unique(e["instances"])) <= every_instance
        np.testing.assert_array_equal(e["instances"] // 1000, e["labels"])
        lab = e["labels"][..., 0]
        inner = np.ones(lab.shape, bool)  # pixels whose 5x5 neighbourhood has one class
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                inner &= lab == np.roll(np.roll(lab, dy, 0), dx, 1)
        inner[:2], inner[-2:], inner[:, :2], inner[:, -2:] = False, False, False, False
        assert inner.sum() > 50
        # Bicubic rings near edges, but inside a region the photo's nearest palette colour is its class.
        np.testing.assert_array_equal(_palette_class(e["target"])[inner], lab[inner])
    # Test split: a plain resize, the same each time.
    test = unbatched(data.load(tmp_path, split="test", batch_size=None, image_size=(20, 24), shuffle=False))
    assert len(test) == 2
    np.testing.assert_array_equal(test[0]["labels"][..., 0], np.asarray(Image.open(tmp_path / "labels/test/t0.png")))
    batch = next(iter(data.load(tmp_path, batch_size=2, image_size=16, seed=0)))
    assert batch["labels"].shape == (2, 16, 16, 1) and batch["target"].shape == (2, 16, 16, 3)


def test_directory_layouts_pix2pixhd_outer_and_ade20k(tmp_path):
    hd = tmp_path / "hd"
    _write_scenes(hd, ["aachen_000000_000019", "aachen_000001_000019"], layout="pix2pixhd")
    # pix2pixHD ships test label maps without test photos.
    save(hd / "test_label" / "frankfurt_000000_000576_gtFine_labelIds.png", np.zeros((20, 24), np.uint8))
    info = data.info(hd, num_classes=35)
    assert info.num_examples == {"train": 2} and info.num_classes == 35 and info.has_instances
    assert "label maps without photos" in info.description and "'test'" in info.description
    got = unbatched(data.load(hd, batch_size=None, image_size=(20, 24), jitter=False, shuffle=False))
    assert len(got) == 2 and set(got[0]) == {"labels", "target", "instances"}
    np.testing.assert_array_equal(got[0]["instances"] // 1000, got[0]["labels"])
    with pytest.raises(data.ImageFolderError, match=r"'test' split .* has label maps .* but no photos"):
        data.load(hd, split="test")
    no_inst = unbatched(data.load(hd, batch_size=None, image_size=8, instances=False, shuffle=False))
    assert set(no_inst[0]) == {"labels", "target"}

    outer = tmp_path / "outer"  # train/images (JPEG photos), train/labels, train/instances
    _write_scenes(outer, ["a", "b"], layout="outer")
    _write_scenes(outer, ["c"], layout="outer", split="val")
    assert data.info(outer).num_examples == {"train": 2, "val": 1}
    val = unbatched(data.load(outer, split="test", batch_size=None, image_size=(20, 24)))  # test -> val/
    assert len(val) == 1 and (_palette_class(val[0]["target"]) == val[0]["labels"][..., 0]).mean() > 0.9  # JPEG

    ade = tmp_path / "ADEChallengeData2016"  # images/training + annotations/training; 0 = unlabelled
    for split, n in (("training", 3), ("validation", 1)):
        for k in range(n):
            lab = np.full((8, 10), 1 + k, np.uint8)
            lab[:, :3] = 0
            lab[0, 9] = 150
            save(ade / "annotations" / split / f"ADE_{split}_{k}.png", lab)
            save(ade / "images" / split / f"ADE_{split}_{k}.jpg", np.full((8, 10, 3), 90, np.uint8))
    info = data.info(ade, dont_care=0)
    assert info.num_classes == 151 and info.dont_care == 150 and info.num_examples == {"train": 3, "validation": 1}
    assert not info.has_instances
    e = unbatched(data.load(ade, split="test", batch_size=None, image_size=(8, 10), dont_care=0))[0]
    assert set(e) == {"labels", "target"}
    assert (e["labels"][:, :3] == 150).all() and e["labels"][1, 5, 0] == 0 and e["labels"][0, 9, 0] == 149


def test_num_classes_bit_depths_and_label_value_errors(tmp_path):
    for k, top in enumerate((7, 300)):  # an 8-bit and a 16-bit label map
        lab = np.zeros((6, 6), np.uint8 if top < 256 else np.uint16)
        lab[2:, 2:] = top
        path = tmp_path / "labels" / f"m{k}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(lab).save(path)
        save(tmp_path / "images" / f"m{k}.png", np.full((6, 6, 3), 50, np.uint8))
    info = data.info(tmp_path)
    assert info.num_classes == 301 and info.split_source == "holdout" and not info.has_instances
    got = unbatched(data.load(tmp_path, split="all", batch_size=None, image_size=6, shuffle=False))
    assert [int(e["labels"].max()) for e in got] == [7, 300]  # 16-bit read as 16-bit, 8-bit unscaled
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"m1\.png holds class index 300.*num_classes=100"):
        list(data.load(tmp_path, split="all", batch_size=None, image_size=6, num_classes=100))
    with pytest.raises(data.ImageFolderError, match=r"(?s)m1\.png: largest class index 300.*num_classes=301"):
        data.info(tmp_path, num_classes=100, verify="decode")
    # dont_care=255: those pixels become the last class; num_classes counts it.
    dc = tmp_path / "dc"
    lab = np.array([[0, 1, 255], [2, 255, 0]], np.uint8)
    save(dc / "labels" / "x.png", lab)
    save(dc / "images" / "x.png", np.zeros((2, 3, 3), np.uint8))
    assert data.info(dc, dont_care=255).num_classes == 4
    e = unbatched(data.load(dc, split="all", batch_size=None, image_size=(2, 3), dont_care=255))[0]
    np.testing.assert_array_equal(e["labels"][..., 0], [[0, 1, 3], [2, 3, 0]])
    # 1-bit PNGs (PIL mode "1") give 0 / 1, not 0 / 255.
    one = tmp_path / "onebit"
    (one / "labels").mkdir(parents=True)
    Image.fromarray(np.array([[0, 1], [1, 1]], bool)).save(one / "labels" / "b.png")
    save(one / "images" / "b.png", np.zeros((2, 2, 3), np.uint8))
    e = unbatched(data.load(one, split="all", batch_size=None, image_size=2))[0]
    np.testing.assert_array_equal(e["labels"][..., 0], [[0, 1], [1, 1]])


def test_directory_errors_name_the_files_and_folders(tmp_path):
    _write_scenes(tmp_path / "rgb", ["a"])
    save(tmp_path / "rgb" / "labels" / "train" / "a.png", np.zeros((20, 24, 3), np.uint8))
    with pytest.raises(data.ImageFolderError, match=r"(?s)a\.png is a RGB PNG, not a single-channel map"):
        data.load(tmp_path / "rgb")
    pal = tmp_path / "pal"
    _write_scenes(pal, ["a"])
    Image.fromarray(np.zeros((20, 24), np.uint8)).convert("P").save(pal / "labels" / "train" / "a.png")
    with pytest.raises(data.ImageFolderError, match=r"a\.png is a palette \(indexed colour\) PNG"):
        data.info(pal)
    jpg = tmp_path / "jpg"
    _write_scenes(jpg, ["a"])
    save(jpg / "labels" / "train" / "b.jpg", np.zeros((20, 24), np.uint8))
    with pytest.raises(data.ImageFolderError, match=r"Label maps must be PNG files.*b\.jpg"):
        data.info(jpg)
    unmatched = tmp_path / "unmatched"
    _write_scenes(unmatched, ["a", "b"])
    (unmatched / "instances" / "train" / "b.png").unlink()
    save(unmatched / "labels" / "train" / "c.png", np.zeros((20, 24), np.uint8))
    with pytest.raises(data.ImageFolderError) as e:
        data.load(unmatched)
    msg = str(e.value)
    assert "must hold the same file names" in msg
    assert f"1 missing in {unmatched / 'images' / 'train'}: 'c'" in msg
    assert f"2 missing in {unmatched / 'instances' / 'train'}: 'b', 'c'" in msg
    split = tmp_path / "split"
    _write_scenes(split, ["a"])
    _write_scenes(split, ["t"], split="test")
    for p in (split / "labels" / "test").iterdir():
        p.unlink()
    (split / "labels" / "test").rmdir()
    with pytest.raises(data.ImageFolderError, match=r"has split folder test/ but .*labels has no matching"):
        data.info(split)
    noinst = tmp_path / "noinst"
    save(noinst / "images" / "a.png", np.zeros((4, 4, 3), np.uint8))
    save(noinst / "labels" / "a.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(data.ImageFolderError, match="instances=True but .* no instance maps"):
        data.load(noinst, instances=True)
    with pytest.raises(data.DatasetNotFoundError, match="does not exist"):
        lm.load_label_maps(tmp_path / "nowhere")
    save(tmp_path / "plain" / "x.png", np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(data.ImageFolderError, match="is not a label-map directory"):
        lm.load_label_maps(tmp_path / "plain")


def test_directory_routing_keeps_the_other_layouts(tmp_path):
    _write_scenes(tmp_path / "maps", ["a"])
    assert lm.is_label_map_directory(tmp_path / "maps")
    with pytest.raises(ValueError, match="load_numpy does not read"):
        data.load_numpy(tmp_path / "maps")
    # An explicit other layout still reads the folder as plain images (class folders images/, labels/, ...).
    plain = data.info(tmp_path / "maps", layout="images", channels=3)
    assert isinstance(plain, data.FolderInfo) and plain.class_names == ("images", "instances", "labels")
    save(tmp_path / "ab" / "A" / "x.png", np.zeros((4, 4, 3), np.uint8))
    save(tmp_path / "ab" / "B" / "x.png", np.zeros((4, 4, 3), np.uint8))
    assert not lm.is_label_map_directory(tmp_path / "ab")
    assert data.info(tmp_path / "ab").kind == "paired"
    assert "label_map" in presets.DATA_FORMATS


# --------------------------------------------------------------------------- #
# TFDS (mocked: no network)
# --------------------------------------------------------------------------- #


def _mock_label_maps(self, split, **unused):
    """3 examples 12x16: cityscapes-like (labels 0/7/26) or ADE20K instance annotations (R, G)."""
    name = self.name
    _mock_label_maps.splits.append((name, str(split)))

    def gen():
        for k in range(3):
            lab = np.zeros((12, 16, 1), np.uint8)
            lab[:, 8:] = 7 if name == "cityscapes" else 1
            lab[6:, :] = 26 if name == "cityscapes" else 0
            photo = np.where(lab > 0, 200, 30).astype(np.uint8).repeat(3, -1)
            if name == "cityscapes":
                yield {"image_id": f"x_{k}", "image_left": photo, "segmentation_label": lab}
            else:
                inst = np.where(lab > 0, 3 + k, 0).astype(np.uint8)
                yield {"image": photo, "annotation": np.concatenate([lab, inst, np.zeros_like(lab)], -1)}

    if name == "cityscapes":
        sig = {"image_id": tf.TensorSpec((), tf.string), "image_left": tf.TensorSpec((None, None, 3), tf.uint8),
               "segmentation_label": tf.TensorSpec((None, None, 1), tf.uint8)}
    else:
        sig = {"image": tf.TensorSpec((None, None, 3), tf.uint8),
               "annotation": tf.TensorSpec((None, None, 3), tf.uint8)}
    ds = tf.data.Dataset.from_generator(gen, output_signature=sig)
    return ds.apply(tf.data.experimental.assert_cardinality(3))


_mock_label_maps.splits = []


def test_tfds_builders_have_the_features_the_loader_reads():
    tfds = pytest.importorskip("tensorflow_datasets")
    city = tfds.builder("cityscapes/semantic_segmentation").info.features
    assert tuple(city["image_left"].shape) == (1024, 2048, 3)
    assert tuple(city["segmentation_label"].shape) == (1024, 2048, 1)
    ade = tfds.builder("scene_parse150").info.features
    assert tuple(ade["image"].shape) == (None, None, 3) and tuple(ade["annotation"].shape) == (None, None, 3)
    info = data.info("cityscapes")
    assert info.num_classes == 35 and not info.has_instances and info.class_names[26] == "car"
    info = data.info("scene_parse150")
    assert info.num_classes == 101 and info.dont_care == 100 and info.has_instances
    assert info.class_names[0] == "bed" and len(info.class_names) == 101


def test_tfds_cityscapes_and_scene_parse150_mocked():
    tfds = pytest.importorskip("tensorflow_datasets")
    _mock_label_maps.splits.clear()
    with tfds.testing.mock_data(as_dataset_fn=_mock_label_maps):
        got = unbatched(data.load("cityscapes", batch_size=None, image_size=(12, 16), seed=0))
        assert len(got) == 3 and set(got[0]) == {"labels", "target"}
        for e in got:
            assert set(np.unique(e["labels"])) == {0, 7, 26}
            np.testing.assert_array_equal(u8(e["target"])[..., 0] > 100, e["labels"][..., 0] > 0)
        big = next(iter(data.load("cityscapes", batch_size=2, seed=0)))
        assert big["labels"].shape == (2, 256, 512, 1) and big["target"].shape == (2, 256, 512, 3)
        assert set(np.unique(big["labels"].numpy())) == {0, 7, 26}  # nearest: no new values
        list(data.load("cityscapes", split="test", batch_size=None, image_size=8))
        ade = unbatched(data.load("scene_parse150", batch_size=None, image_size=(12, 16), jitter=False,
                                  shuffle=False))
        assert len(ade) == 3 and set(ade[0]) == {"labels", "target", "instances"}
        for k, e in enumerate(ade):
            lab = e["labels"][..., 0]
            assert (lab[:6, 8:] == 0).all() and (lab[:6, :8] == 100).all() and (lab[6:] == 100).all()
            assert (e["instances"][:6, 8:] == 3 + k).all() and (e["instances"][6:] == 0).all()
        jittered = next(iter(data.load("scene_parse150", batch_size=1, seed=0)))
        assert jittered["labels"].shape == (1, 256, 256, 1)
        assert set(np.unique(jittered["labels"].numpy())) <= {0, 100}
    assert ("cityscapes", "validation") in _mock_label_maps.splits  # split="test" reads validation
    with pytest.raises(ValueError, match="num_classes does not apply to 'cityscapes'"):
        data.load("cityscapes", num_classes=20)


def test_tfds_offline_errors_give_both_ways_to_get_the_data(tmp_path, monkeypatch):
    tfds = pytest.importorskip("tensorflow_datasets")
    # The real builder: its manual files are missing (no network needed to find out).
    with pytest.raises(data.DatasetNotFoundError) as e:
        data.load("cityscapes", data_dir=tmp_path / "tfds")
    msg = str(e.value)
    assert "Ways to get the data" in msg and "1. A directory" in msg and "train_img/" in msg
    assert "leftImg8bit_trainvaltest.zip" in msg and str(tmp_path / "tfds" / "downloads" / "manual") in msg
    assert "tfds build cityscapes/semantic_segmentation" in msg

    def fail(*args, **kwargs):
        raise RuntimeError("simulated: no network here")

    monkeypatch.setattr(tfds, "load", fail)
    with pytest.raises(data.DatasetNotFoundError,
                       match=r"(?s)simulated: no network.*ADEChallengeData2016.*tfds build scene_parse150"):
        data.load("scene_parse150")
