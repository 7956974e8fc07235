"""Tests of keras_gans.data.super_resolution: low/high-resolution pairs."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import data
from keras_gans.data import folders, paired
from keras_gans.data import super_resolution as sr
from tests.data.image_files import save, to_u8


def _bicubic_u8(high_u8, scale):
    """Independent recomputation of the LR image: TF antialiased bicubic, rounded to uint8."""
    h, w = high_u8.shape[-3] // scale, high_u8.shape[-2] // scale
    x = tf.image.resize(tf.constant(high_u8, tf.float32), (h, w), method="bicubic", antialias=True)
    return np.clip(np.round(x.numpy()), 0, 255).astype(np.uint8)


def _dihedral(x):
    """The 8 flips/rotations of an [H, W, C] array, keyed by (hflip, vflip, transpose) as BasicSR applies them."""
    out = {}
    for hf in (False, True):
        for vf in (False, True):
            for tr in (False, True):
                y = x[:, ::-1] if hf else x
                y = y[::-1] if vf else y
                out[(hf, vf, tr)] = np.transpose(y, (1, 0, 2)) if tr else y
    return out


def _batches(ds):
    return [{k: v.numpy() for k, v in b.items()} for b in ds]


def _stack(ds):
    bs = _batches(ds)
    join = np.stack if bs[0]["high"].ndim == 3 else np.concatenate  # unbatched elements, or batches
    return {k: join([b[k] for b in bs]) for k in bs[0]}


class _Locator:
    """Finds an RGB patch (under any of the 8 flips/rotations) in photos, by exact pixels."""

    def __init__(self, photos):
        self.photos = {n: self._pack(p) for n, p in photos.items()}

    @staticmethod
    def _pack(p):
        return (p[..., 0].astype(np.int32) << 16) | (p[..., 1].astype(np.int32) << 8) | p[..., 2]

    def find(self, patch):
        c = patch.shape[0]
        for t, y in _dihedral(patch).items():
            # Undo the transform: `patch` is D(crop), so crop is D^-1(patch); try every D^-1 = D' in the group.
            q = self._pack(np.ascontiguousarray(y))
            for name, p in self.photos.items():
                h, w = p.shape[0] - c + 1, p.shape[1] - c + 1
                m = p[:h, :w] == q[0, 0]
                m &= p[c - 1 : c - 1 + h, c - 1 : c - 1 + w] == q[-1, -1]
                m &= p[c // 2 : c // 2 + h, c // 3 : c // 3 + w] == q[c // 2, c // 3]
                for yy, xx in zip(*np.nonzero(m)):
                    if np.array_equal(p[yy : yy + c, xx : xx + c], q):
                        return name, int(yy), int(xx), t
        return None


@pytest.fixture(scope="module")
def photos():
    return {n: paired.skimage_photo(n) for n, _, _ in paired.SKIMAGE_PHOTOS}


def _noise_dir(tmp_path, size=(24, 24), name="noise.png", seed=0):
    img = np.random.default_rng(seed).integers(0, 256, size + (3,), dtype=np.uint8)
    save(tmp_path / "train" / name, img)
    save(tmp_path / "test" / "other.png", np.random.default_rng(seed + 1).integers(0, 256, size + (3,), np.uint8))
    return img


def test_shapes_ranges_and_low_is_antialiased_bicubic_of_high(photos):
    for scale, patch in ((4, 48), (2, 32), (3, 36), (8, 64)):
        ds = sr.load_super_resolution("skimage_photos", batch_size=6, scale=scale, patch_size=patch, seed=1)
        b = next(iter(ds))
        low, high = b["low"].numpy(), b["high"].numpy()
        assert low.shape == (6, patch // scale, patch // scale, 3) and high.shape == (6, patch, patch, 3)
        assert low.dtype == np.float32 and high.dtype == np.float32
        assert low.min() >= -1.0 and low.max() <= 1.0 and high.min() >= -1.0 and high.max() <= 1.0
        assert high.std() > 0.1  # real pixels, not a constant
        hu8 = to_u8(high)
        assert np.array_equal(to_u8(low), _bicubic_u8(hu8, scale))
        # Not nearest neighbour or plain subsampling: differs from HR[::s, ::s].
        assert not np.array_equal(to_u8(low), hu8[:, ::scale, ::scale])


def test_flips_and_rotations_apply_to_low_and_high_alike(tmp_path):
    img = _noise_dir(tmp_path)  # patch == image: the only crop is the image itself
    low_of = {t: _bicubic_u8(np.ascontiguousarray(v), 4) for t, v in _dihedral(img).items()}
    seen = {}
    for flags in ((True, True), (False, False), (True, False)):
        ds = sr.load_super_resolution(str(tmp_path), batch_size=None, scale=4, patch_size=24, seed=2,
                                      use_hflip=flags[0], use_rot=flags[1], patches_per_image=64)
        found = set()
        for e in _batches(ds):
            hi, lo = to_u8(e["high"]), to_u8(e["low"])
            which = [t for t, v in _dihedral(img).items() if np.array_equal(hi, v)]
            assert len(which) == 1, "the HR patch is a flip/rotation of the image"
            # LR went through the same transform: resize(D(HR)) and D(resize(HR)) agree up to rounding.
            assert np.array_equal(lo, _bicubic_u8(hi, 4))
            assert np.abs(lo.astype(int) - low_of[which[0]].astype(int)).max() <= 1
            assert np.abs(lo.astype(int) - _dihedral(_bicubic_u8(img, 4))[which[0]].astype(int)).max() <= 1
            found.add(which[0])
        seen[flags] = found
    assert len(seen[(True, True)]) == 8
    assert seen[(False, False)] == {(False, False, False)}
    assert seen[(True, False)] == {(False, False, False), (True, False, False)}


def test_seed_makes_patches_reproducible_and_each_pass_fresh():
    kw = dict(batch_size=8, patch_size=32, scale=4)
    a = _batches(sr.load_super_resolution("skimage_photos", seed=5, **kw).take(3))
    b = _batches(sr.load_super_resolution("skimage_photos", seed=5, **kw).take(3))
    c = _batches(sr.load_super_resolution("skimage_photos", seed=6, **kw).take(3))
    for x, y in zip(a, b):
        assert np.array_equal(x["high"], y["high"]) and np.array_equal(x["low"], y["low"])
    assert not np.array_equal(a[0]["high"], c[0]["high"])
    two = sr.load_super_resolution("skimage_photos", seed=5, repeat=2, patches_per_image=2, shuffle=False, **kw)
    first, second = np.split(_stack(two)["high"], 2)
    assert not np.array_equal(first, second)  # epoch 2 draws new crops


def test_test_split_is_fixed_and_held_out_photos_never_reach_training(photos):
    split_of = {n: s for n, _, s in paired.SKIMAGE_PHOTOS}
    train_loc = _Locator({n: p for n, p in photos.items() if split_of[n] == "train"})
    test_loc = _Locator({n: p for n, p in photos.items() if split_of[n] == "test"})
    c = 32
    train = _stack(sr.load_super_resolution("skimage_photos", batch_size=24, patch_size=c, seed=3).take(1))
    names, checked = set(), 0
    for hi in to_u8(train["high"]):
        where = train_loc.find(hi)
        assert where is not None  # a genuine (flipped / rotated) crop of a training photo
        names.add(where[0])
        if len(np.unique(hi.reshape(-1, 3), axis=0)) >= 16:  # flat patches could match anywhere
            assert test_loc.find(hi) is None
            checked += 1
    assert checked >= 12 and len(names) >= 4
    test = _stack(sr.load_super_resolution("skimage_photos", split="test", batch_size=None, patch_size=c,
                                           shuffle=False))
    assert test["high"].shape == (48, c, c, 3)
    found = [test_loc.find(hi) for hi in to_u8(test["high"])]
    assert all(f is not None and f[3] == (False, False, False) for f in found)  # held-out photos, unflipped
    assert {f[0] for f in found} == {"chelsea", "coffee", "immunohistochemistry"}
    assert np.array_equal(to_u8(test["low"]), _bicubic_u8(to_u8(test["high"]), 4))
    again = _stack(sr.load_super_resolution("skimage_photos", split="test", batch_size=16, patch_size=c, seed=99))
    assert sorted(x.tobytes() for x in to_u8(again["high"])) == sorted(x.tobytes() for x in to_u8(test["high"]))


def test_directory_holdout_keeps_test_images_out_of_training(tmp_path):
    values = list(range(10, 250, 8))  # 30 images, one grey value each
    names = []
    for v in values:
        names.append(f"img{v:03d}.png")
        save(tmp_path / names[-1], np.full((20, 24, 3), v, np.uint8))
    held = folders.holdout_mask(names, folders.HOLDOUT_FRACTION)
    assert 0 < held.sum() < len(names)  # the fixture exercises both splits
    want_test = {v for v, h in zip(values, held) if h}
    kw = dict(batch_size=None, scale=2, patch_size=16, seed=0)
    train = _stack(sr.load_super_resolution(str(tmp_path), patches_per_image=3, **kw))
    test = _stack(sr.load_super_resolution(str(tmp_path), split="test", **kw))
    got_train = set(np.unique(to_u8(train["high"])).tolist())
    got_test = set(np.unique(to_u8(test["high"])).tolist())
    assert got_test == want_test and got_train == set(values) - want_test
    assert len(train["high"]) == 3 * (len(values) - len(want_test)) and len(test["high"]) == len(want_test)
    info = sr.info_super_resolution(f"sr_x2/{tmp_path}", patch_size=16)
    assert info.num_examples == {"train": len(values) - len(want_test), "test": len(want_test)}


def test_whole_images_are_mod_cropped(tmp_path):
    img = np.random.default_rng(3).integers(0, 256, (50, 37, 3), dtype=np.uint8)
    save(tmp_path / "train" / "a.png", img)
    save(tmp_path / "test" / "b.png", img[:41, :30])
    e = _batches(sr.load_super_resolution(str(tmp_path), split="test", batch_size=1, scale=4, whole_images=True))
    assert len(e) == 1
    assert e[0]["high"].shape == (1, 40, 28, 3) and e[0]["low"].shape == (1, 10, 7, 3)
    assert np.array_equal(to_u8(e[0]["high"][0]), img[:40, :28])  # BasicSR's mod_crop keeps the top-left
    assert np.array_equal(to_u8(e[0]["low"][0]), _bicubic_u8(img[:40, :28], 4))
    with pytest.raises(ValueError, match="different sizes"):
        sr.load_super_resolution(str(tmp_path), split="all", batch_size=2, scale=4, whole_images=True)


def test_errors_name_the_problem(tmp_path):
    for bad in (1, 5, 16, 4.0):
        with pytest.raises(ValueError, match=r"scale must be one of \(2, 3, 4, 8\)"):
            sr.load_super_resolution("skimage_photos", scale=bad)
    with pytest.raises(ValueError, match="scale must be one of"):
        sr.load_named("sr_x5/skimage_photos")
    with pytest.raises(ValueError, match="patch_size 90 is not a multiple of scale 4"):
        sr.load_super_resolution("skimage_photos", scale=4, patch_size=90)
    with pytest.raises(ValueError, match=r"chelsea is 451x300"):
        sr.load_super_resolution("skimage_photos", split="test", patch_size=304)
    sr.load_super_resolution("skimage_photos", split="test", patch_size=300)  # the largest that fits
    save(tmp_path / "imgs" / "big.png", np.zeros((64, 64, 3), np.uint8))
    save(tmp_path / "imgs" / "small.png", np.zeros((40, 70, 3), np.uint8))
    with pytest.raises(ValueError, match=r"small\.png is 70x40"):
        sr.load_super_resolution(str(tmp_path / "imgs"), split="all", patch_size=48)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no images")
    with pytest.raises(data.ImageFolderError, match="No images"):
        sr.load_super_resolution(str(tmp_path / "empty"))
    with pytest.raises(data.DatasetNotFoundError):
        sr.load_super_resolution(str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="degradation must be one of"):
        sr.load_super_resolution("skimage_photos", degradation="nearest")
    with pytest.raises(ValueError, match="patch_size"):
        sr.load_named("sr_x4/skimage_photos", image_size=64)
    with pytest.raises(ValueError, match="says scale 4"):
        sr.load_named("sr_x4/skimage_photos", scale=2)


def test_info_and_names():
    assert sr.parse_name("sr_x4/skimage_photos") == (4, "skimage_photos")
    assert sr.parse_name("sr_x2//data/div2k") == (2, "/data/div2k")
    assert sr.parse_name("skimage_photos") is None and sr.parse_name("fashion_mnist") is None
    assert sr.route("sr_x3/skimage_photos").load is sr.load_named and sr.route("mnist") is None
    info = sr.info_super_resolution("sr_x4/skimage_photos")
    assert isinstance(info, paired.TranslationInfo) and info.kind == "super_resolution"
    assert info.shapes == {"low": (24, 24, 3), "high": (96, 96, 3)} and info.image_shape == (96, 96, 3)
    assert info.num_examples == {"train": 6 * 64, "test": 3 * 16}
    info2 = sr.info_super_resolution("sr_x2/skimage_photos", patch_size=64)
    assert info2.shapes == {"low": (32, 32, 3), "high": (64, 64, 3)}
    epoch = sum(1 for _ in sr.load_super_resolution("skimage_photos", batch_size=16, patch_size=32, seed=0))
    assert epoch == info.num_examples["train"] // 16


def test_keras_gans_data_load_routes_sr_names():
    """Needs the route in keras_gans.data.paired.route (see the module's route())."""
    ds = data.load("sr_x4/skimage_photos", batch_size=4, patch_size=32, seed=0)
    b = next(iter(ds))
    assert b["low"].shape == (4, 8, 8, 3) and b["high"].shape == (4, 32, 32, 3)
    assert data.info("sr_x2/skimage_photos", patch_size=32).shapes["low"] == (16, 16, 3)
    with pytest.raises(ValueError, match="load_numpy does not read"):
        data.load_numpy("sr_x4/skimage_photos")


# ----------------------------------------------------------------- Real-ESRGAN degradations
def _hashes(batches, key="high"):
    return sorted(np.round(float(x.astype(np.float64).sum()), 3) for b in batches for x in b[key])


def test_realesrgan_name_gives_degraded_pairs_with_the_sharpened_target():
    from keras_gans.data import degradations

    ds = data.load("realesrgan_x4/skimage_photos", batch_size=4, seed=0, patch_size=32, patches_per_image=2)
    b = next(iter(ds))
    assert {k: tuple(v.shape) for k, v in b.items()} == {
        "low": (4, 8, 8, 3), "high": (4, 32, 32, 3), "high_sharp": (4, 32, 32, 3)}
    levels = (b["low"].numpy() + 1.0) * 127.5
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)  # JPEG / 8-bit grid
    np.testing.assert_allclose(b["high_sharp"].numpy(), degradations.usm_sharp(b["high"]).numpy(), atol=1e-5)
    bicubic = _bicubic_u8(to_u8(b["high"].numpy()), 4) / 127.5 - 1.0
    assert np.abs(b["low"].numpy() - bicubic).mean() > 0.02  # not the bicubic LR image
    assert "Real-ESRGAN" in data.info("realesrgan_x4/skimage_photos", patch_size=32).description


def test_realesrgan_test_split_is_fixed_and_the_queue_only_reorders():
    kw = dict(batch_size=4, patch_size=32, shuffle=False)
    t1 = _batches(data.load("realesrgan_x4/skimage_photos", split="test", **kw))
    t2 = _batches(data.load("realesrgan_x4/skimage_photos", split="test", **kw))
    for a, b in zip(t1, t2):
        np.testing.assert_array_equal(a["low"], b["low"])
    # One training epoch with and without the training-pair queue: the same pairs (the
    # degradation is keyed by the pair's position before the queue), in another order.
    kw = dict(batch_size=4, seed=3, patch_size=32, patches_per_image=4, scale=4, degradation="realesrgan")
    plain = _batches(sr.load_super_resolution("skimage_photos", queue_size=0, **kw))
    queued = _batches(sr.load_super_resolution("skimage_photos", **kw))  # default: 180
    assert len(plain) == len(queued) == 6
    assert _hashes(plain) == _hashes(queued) and _hashes(plain, "low") == _hashes(queued, "low")
    assert [b["high"].sum() for b in plain] != [b["high"].sum() for b in queued]


def test_realesrgan_argument_errors():
    with pytest.raises(ValueError, match="queue_size must be a non-negative int"):
        sr.load_super_resolution("skimage_photos", patch_size=32, degradation="realesrgan", queue_size=-1)
    with pytest.raises(ValueError, match="says degradation 'realesrgan', but degradation='bicubic'"):
        data.load("realesrgan_x4/skimage_photos", patch_size=32, degradation="bicubic")
    with pytest.raises(ValueError, match="degradation must be one of"):
        sr.load_super_resolution("skimage_photos", patch_size=32, degradation="jpeg")
    with pytest.raises(ValueError, match="makes bicubic LR images"):
        sr.degrade(np.zeros((8, 8, 3), np.uint8), 4, "realesrgan")
    assert sr.parse_name("realesrgan_x2/skimage_photos") == (2, "skimage_photos")
    assert sr.name_degradation("sr_x4/x") == "bicubic"
