"""Tests for DiffAugment (keras_gans/augment.py) against NumPy transcriptions of the official ops."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import augment

SEED = tf.constant([3, 7], tf.int32)


def _fold(seed, data):
    """fold_in with sign bits cleared before and after (the module's documented derivation)."""
    clear = lambda s: tf.bitwise.bitwise_and(s, tf.constant(0x7FFFFFFF, s.dtype))  # noqa: E731
    return clear(tf.random.experimental.stateless_fold_in(clear(tf.convert_to_tensor(seed)), data))


def _uniform(draw, batch, seed=SEED, minval=None, maxval=None):
    """The draw the op makes, recomputed with the same stateless op: integers in
    [minval, maxval), or U[0, 1) as an integer in [0, 2**24) times 2**-24."""
    seed = _fold(seed, augment.DRAW_IDS[draw])
    if minval is None:
        k = tf.random.stateless_uniform([batch], seed, minval=0, maxval=2**24, dtype=tf.int32)
        return k.numpy().astype(np.float64) / 2**24
    return tf.random.stateless_uniform([batch], seed, minval=minval, maxval=maxval, dtype=tf.int32).numpy()


def _images(batch=4, h=8, w=8, c=3, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=(batch, h, w, c)).astype("float32")


def _numpy_translation(x, tx, ty):
    """The official indexing: pad by 1 with zeros, index i + t + 1 clipped to [0, size + 1]."""
    b, h, w, _ = x.shape
    padded = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)])
    out = np.empty_like(x)
    for n in range(b):
        rows = np.clip(np.arange(h) + ty[n] + 1, 0, h + 1)
        cols = np.clip(np.arange(w) + tx[n] + 1, 0, w + 1)
        out[n] = padded[n][rows][:, cols]
    return out


def _numpy_cutout_mask(b, h, w, oh, ow):
    """The official grid: rows offset - cut // 2 + k, k < cut, clipped to the image, set to 0."""
    ch, cw = h // 2, w // 2
    mask = np.ones((b, h, w), np.float32)
    for n in range(b):
        rows = np.clip(np.arange(ch) + oh[n] - ch // 2, 0, h - 1)
        cols = np.clip(np.arange(cw) + ow[n] - cw // 2, 0, w - 1)
        for r in rows:
            mask[n, r, cols] = 0.0
    return mask


def test_brightness_saturation_contrast_match_hand_formulas():
    x = _images()
    u = _uniform("brightness", 4)
    np.testing.assert_allclose(
        augment.rand_brightness(x, SEED).numpy(), x + (u - 0.5)[:, None, None, None], rtol=1e-6
    )
    u = _uniform("saturation", 4)
    mean = x.mean(axis=3, keepdims=True)
    np.testing.assert_allclose(
        augment.rand_saturation(x, SEED).numpy(),
        (x - mean) * (2 * u)[:, None, None, None] + mean,
        rtol=1e-5,
        atol=1e-6,
    )
    u = _uniform("contrast", 4)
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(
        augment.rand_contrast(x, SEED).numpy(),
        (x - mean) * (u + 0.5)[:, None, None, None] + mean,
        rtol=1e-5,
        atol=1e-6,
    )


def test_color_hand_computed_single_pixel():
    # One grey pixel [0.2, 0.2, 0.2]: saturation leaves it alone, contrast over one pixel is the
    # identity, so "color" is brightness alone: 0.2 + (u - 0.5).
    x = np.full((1, 1, 1, 3), 0.2, np.float32)
    u = _uniform("brightness", 1)[0]
    got = augment.diff_augment(x, "color", SEED).numpy()
    np.testing.assert_allclose(got, np.full((1, 1, 1, 3), 0.2 + u - 0.5), rtol=1e-6)


def test_parameter_ranges_over_many_draws():
    x = np.zeros((4000, 16, 8, 1), np.float32)
    tx = _uniform("translation_w", 4000, minval=-1, maxval=2)
    ty = _uniform("translation_h", 4000, minval=-2, maxval=3)
    # Width 8 -> shifts in [-1, 1]; height 16 -> [-2, 2]: every value occurs, nothing else.
    assert set(tx) == {-1, 0, 1} and set(ty) == {-2, -1, 0, 1, 2}
    b = augment.rand_brightness(x, SEED).numpy()[:, 0, 0, 0]
    assert -0.5 <= b.min() < -0.49 and 0.49 < b.max() < 0.5
    # Cutout: 8 x 4 = 32 pixels when the square is inside; fewer (clipped) near the border.
    zeros = (augment.cutout_mask(x, SEED).numpy() == 0).sum(axis=(1, 2, 3))
    assert zeros.max() == 32 and zeros.min() >= 4 * 2


def test_translation_matches_official_indexing():
    x = _images(batch=6, h=8, w=16, c=2, seed=1)
    tx = _uniform("translation_w", 6, minval=-2, maxval=3)
    ty = _uniform("translation_h", 6, minval=-1, maxval=2)
    assert np.any(tx != 0) and np.any(ty != 0)  # the seed exercises real shifts
    got = augment.rand_translation(x, SEED).numpy()
    np.testing.assert_array_equal(got, _numpy_translation(x, tx, ty))


def test_translation_hand_computed():
    # A 1-channel 8x8 ramp; find the drawn shift and check a few pixels by hand.
    x = np.arange(64, dtype=np.float32).reshape(1, 8, 8, 1)
    for s in range(50):
        seed = tf.constant([s, 0])
        tx = _uniform("translation_w", 1, seed=seed, minval=-1, maxval=2)[0]
        ty = _uniform("translation_h", 1, seed=seed, minval=-1, maxval=2)[0]
        if tx == 1 and ty == -1:
            break
    else:
        raise AssertionError("no seed gave the shift (1, -1)")
    got = augment.rand_translation(x, seed).numpy()[0, :, :, 0]
    # out[h, w] = x[h - 1, w + 1]: row 0 and column 7 come from outside -> 0.
    assert np.all(got[0] == 0) and np.all(got[:, 7] == 0)
    assert got[1, 0] == x[0, 0, 1, 0] == 1.0
    assert got[5, 3] == x[0, 4, 4, 0] == 36.0


@pytest.mark.parametrize("h,w", [(8, 8), (7, 6), (5, 9)])
def test_cutout_matches_official_grid(h, w):
    x = _images(batch=16, h=h, w=w, c=3, seed=2)
    ch, cw = h // 2, w // 2
    oh = _uniform("cutout_h", 16, minval=0, maxval=h + (1 - ch % 2))
    ow = _uniform("cutout_w", 16, minval=0, maxval=w + (1 - cw % 2))
    mask = _numpy_cutout_mask(16, h, w, oh, ow)
    np.testing.assert_array_equal(augment.rand_cutout(x, SEED).numpy(), x * mask[..., None])


def test_full_policy_is_the_composition_in_order():
    x = _images(batch=3, seed=3)
    got = augment.diff_augment(x, "color,translation,cutout", SEED).numpy()
    y = augment.rand_contrast(augment.rand_saturation(augment.rand_brightness(x, SEED), SEED), SEED)
    y = augment.rand_cutout(augment.rand_translation(y, SEED), SEED)
    np.testing.assert_array_equal(got, y.numpy())
    # Order matters: cutout before translation is a different image.
    other = augment.diff_augment(x, "cutout,translation", SEED).numpy()
    assert not np.allclose(other, augment.diff_augment(x, "translation,cutout", SEED).numpy())


def test_seed_reproducibility_and_identity():
    x = _images(seed=4)
    a = augment.diff_augment(x, seed=SEED).numpy()
    b = augment.diff_augment(x, seed=tf.constant([3, 7])).numpy()
    c = augment.diff_augment(x, seed=tf.constant([3, 8])).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    np.testing.assert_array_equal(augment.diff_augment(x, "").numpy(), x)
    np.testing.assert_array_equal(augment.diff_augment(x, None).numpy(), x)


def test_gradients_flow_through_every_policy():
    x = tf.constant(_images(seed=5))
    for policy in ("color", "translation", "cutout", "color,translation,cutout"):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.square(augment.diff_augment(x, policy, SEED)))
        grad = tape.gradient(y, x).numpy()
        assert np.all(np.isfinite(grad)) and np.abs(grad).sum() > 0, policy
    # Cutout passes gradient exactly where the mask is 1.
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(augment.rand_cutout(x, SEED))
    mask = augment.cutout_mask(x, SEED).numpy()
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), np.broadcast_to(mask, x.shape))


def test_works_in_tf_function_with_unknown_shapes():
    fn = tf.function(
        lambda images, seed: augment.diff_augment(images, "color,translation,cutout", seed),
        input_signature=[tf.TensorSpec([None, None, None, 3]), tf.TensorSpec([2], tf.int32)],
    )
    x = _images(batch=2, h=16, w=12, seed=6)
    np.testing.assert_allclose(fn(x, SEED).numpy(), augment.diff_augment(x, seed=SEED).numpy(), rtol=1e-6)


def test_bad_inputs_raise():
    x = _images()
    with pytest.raises(ValueError, match=r"Unknown DiffAugment policy \['colour'\]"):
        augment.diff_augment(x, "colour,cutout", SEED)
    with pytest.raises(ValueError, match="Unknown DiffAugment policy"):
        augment.parse_policy("color,,cutout")
    assert augment.parse_policy(" color , cutout") == ("color", "cutout")
    with pytest.raises(ValueError, match="policy must be a string"):
        augment.parse_policy(["color"])
    with pytest.raises(ValueError, match="rank 4"):
        augment.diff_augment(x[0], "color", SEED)
    with pytest.raises(ValueError, match="needs a stateless seed"):
        augment.diff_augment(x, "color")
    with pytest.raises(ValueError, match=r"shape \[2\]"):
        augment.diff_augment(x, "color", tf.constant([1, 2, 3]))


def test_same_augmentation_with_jit_compile():
    # Float stateless draws differ under XLA in TF; the integer-based draws must not.
    x = tf.constant(_images(batch=3, h=16, w=16, seed=7))
    jitted = tf.function(lambda images, seed: augment.diff_augment(images, seed=seed), jit_compile=True)
    for seed in (SEED, tf.constant([-7919, -3])):  # negative seeds too (TF's XLA path differs there)
        expected = augment.diff_augment(x, seed=seed).numpy()
        np.testing.assert_allclose(jitted(x, seed).numpy(), expected, atol=1e-5)


def test_check_policy_validates_like_parse_policy():
    assert augment.check_policy("translation,color") == ("translation", "color")
    with pytest.raises(ValueError, match="Unknown DiffAugment policy"):
        augment.check_policy("color,zoom")
