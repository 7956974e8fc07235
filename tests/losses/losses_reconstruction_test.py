"""Tests for keras_gans.losses.reconstruction against NumPy and hand-computed values."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import losses
from keras_gans.losses import reconstruction

RNG = np.random.default_rng(0)
A = RNG.uniform(-1, 1, size=(3, 8, 8, 3)).astype(np.float32)
B = RNG.uniform(-1, 1, size=(3, 8, 8, 3)).astype(np.float32)
PATCH_A = RNG.normal(size=(2, 30, 30, 1)).astype(np.float32)
PATCH_B = RNG.normal(size=(2, 30, 30, 1)).astype(np.float32)


def _bmean(x):
    x = np.asarray(x, np.float64)
    return x.reshape(x.shape[0], -1).mean(axis=1)


# ----------------------------------------------------------------------------- pixel terms
@pytest.mark.parametrize("a, b", [(A, B), (PATCH_A, PATCH_B)])
def test_l1_l2_cycle_identity_against_numpy(a, b):
    d = a.astype(np.float64) - b.astype(np.float64)
    for fn, ref in ((losses.l1, np.abs(d)), (losses.l2, d**2), (losses.cycle_consistency, np.abs(d)),
                    (losses.identity, np.abs(d))):
        out = fn(a, b)
        assert out.shape == (a.shape[0],) and out.dtype == tf.float32
        np.testing.assert_allclose(out, _bmean(ref), rtol=1e-5)


def test_pixel_terms_by_hand():
    target = np.array([[0.0, 1.0], [2.0, 2.0]], np.float32)
    output = np.array([[1.0, 3.0], [2.0, 0.0]], np.float32)
    np.testing.assert_allclose(losses.l1(target, output), [1.5, 1.0])  # (1 + 2) / 2, (0 + 2) / 2
    np.testing.assert_allclose(losses.l2(target, output), [2.5, 2.0])  # (1 + 4) / 2, (0 + 4) / 2
    np.testing.assert_allclose(losses.cycle_consistency(target, output), [1.5, 1.0])
    np.testing.assert_allclose(losses.identity(target, output), [1.5, 1.0])
    # A [batch] vector is one element per example.
    np.testing.assert_allclose(losses.l1(np.array([1.0, -2.0]), np.array([0.0, 0.0])), [1.0, 2.0])


def test_batch_mean_by_compute_average_loss_is_the_whole_batch_mean():
    # What nn.L1Loss() / nn.MSELoss() give on the whole batch.
    d = A.astype(np.float64) - B
    np.testing.assert_allclose(tf.nn.compute_average_loss(losses.l1(A, B)), np.abs(d).mean(), rtol=1e-5)
    np.testing.assert_allclose(tf.nn.compute_average_loss(losses.l2(A, B)), (d**2).mean(), rtol=1e-5)


def test_any_float_dtype_gives_float32():
    for dtype in (np.float16, np.float64, np.int32):
        out = losses.l1(A.astype(dtype), B.astype(dtype))
        assert out.dtype == tf.float32
    np.testing.assert_allclose(losses.l2(A.astype(np.float64), B.astype(np.float64)), losses.l2(A, B), rtol=1e-6)


@pytest.mark.parametrize("fn", [losses.l1, losses.l2, losses.cycle_consistency, losses.identity])
def test_pixel_terms_bad_inputs(fn):
    name = fn.__name__
    with pytest.raises(ValueError, match=rf"`{name}`.*same shape; received \(3, 8, 8, 3\) and \(3, 8, 8, 1\)"):
        fn(A, B[..., :1])  # no broadcasting
    with pytest.raises(ValueError, match=rf"`{name}`.*same shape"):
        fn(A, B[0])  # wrong rank
    with pytest.raises(ValueError, match=rf"`{name}` expects .*batch axis.*scalar"):
        fn(1.0, 2.0)

    @tf.function(input_signature=[tf.TensorSpec(None, tf.float32)] * 2)
    def unknown_rank(a, b):
        return fn(a, b)

    with pytest.raises(ValueError, match="known rank"):
        unknown_rank.get_concrete_function()


def test_pixel_terms_trace_with_unknown_batch_and_size():
    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)] * 2)
    def step(a, b):
        return losses.l1(a, b), losses.l2(a, b)

    l1, l2 = step(A, B)
    np.testing.assert_allclose(l1, losses.l1(A, B), rtol=1e-6)
    np.testing.assert_allclose(l2, losses.l2(A, B), rtol=1e-6)


# ----------------------------------------------------------------------------- KL
def test_kl_divergence_by_hand_and_numpy():
    # mu = (1, 0), log_var = (0, log 2): -0.5 * ((1 + 0 - 1 - 1) + (1 + log 2 - 0 - 2)) = 1 - 0.5 log 2.
    kl = losses.kl_divergence([[1.0, 0.0]], [[0.0, math.log(2.0)]])
    np.testing.assert_allclose(kl, [1.0 - 0.5 * math.log(2.0)], rtol=1e-6)
    assert float(losses.kl_divergence(np.zeros([1, 5]), np.zeros([1, 5]))[0]) == 0.0  # q = prior
    mu, lv = RNG.normal(size=(4, 256)), RNG.normal(size=(4, 256))
    expected = -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv), axis=1)
    out = losses.kl_divergence(mu, lv)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    # SPADE's KLDLoss sums over the batch too: B times our batch mean.
    spade = -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv))
    np.testing.assert_allclose(4 * tf.nn.compute_average_loss(out), spade, rtol=1e-5)
    # Latent maps [B, h, w, c] are summed over every non-batch axis.
    mu4, lv4 = mu.reshape(4, 4, 8, 8), lv.reshape(4, 4, 8, 8)
    np.testing.assert_allclose(losses.kl_divergence(mu4, lv4), expected, rtol=1e-5)


def test_kl_divergence_bad_inputs():
    with pytest.raises(ValueError, match=r"\[batch, latent_dim\]; received shape \(3,\)"):
        losses.kl_divergence(np.zeros([3]), np.zeros([3]))
    with pytest.raises(ValueError, match=r"`kl_divergence`: `mu` and `log_var` must have the same shape"):
        losses.kl_divergence(np.zeros([3, 4]), np.zeros([3, 5]))


# ----------------------------------------------------------------------------- feature matching
def _features(seed, shapes):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype(np.float32) for s in shapes]


# A 3-scale pix2pixHD D (n_layers_D = 3) on 64x64 inputs: 4 intermediate maps per scale.
SCALES = [
    [(2, 32, 32, 8), (2, 16, 16, 16), (2, 8, 8, 32), (2, 7, 7, 64)],
    [(2, 16, 16, 8), (2, 8, 8, 16), (2, 4, 4, 32), (2, 3, 3, 64)],
    [(2, 8, 8, 8), (2, 4, 4, 16), (2, 2, 2, 32), (2, 1, 1, 64)],
]


def _pix2pixhd_reference(real, fake, n_layers_d, num_d, spade=False):
    """pix2pixHD_model.py: sum_i sum_j D_weights * feat_weights * L1(fake[i][j], real[i][j])."""
    feat_weights = 1.0 if spade else 4.0 / (n_layers_d + 1)
    d_weights = 1.0 / num_d
    total = 0.0
    for i in range(num_d):
        for j in range(len(fake[i])):
            total = total + d_weights * feat_weights * _bmean(np.abs(fake[i][j].astype(np.float64) - real[i][j]))
    return total


def test_feature_matching_multiscale_is_pix2pixhds_rule():
    real = [_features(10 + k, shapes) for k, shapes in enumerate(SCALES)]
    fake = [_features(20 + k, shapes) for k, shapes in enumerate(SCALES)]
    out = losses.feature_matching(real, fake)
    assert out.shape == (2,) and out.dtype == tf.float32
    np.testing.assert_allclose(out, _pix2pixhd_reference(real, fake, n_layers_d=3, num_d=3), rtol=1e-5)
    np.testing.assert_allclose(losses.feature_matching(real, fake, weights="pix2pixhd"), out, rtol=1e-6)
    # SPADE's rule (1 / num_D per layer) equals it with 4 maps per scale ...
    np.testing.assert_allclose(losses.feature_matching(real, fake, weights="SPADE"), out, rtol=1e-6)
    # ... and differs with 5 (pix2pixHD's n_layers_D = 4: weight 4 / 5).
    real5 = [scale + _features(30, [(2, 2, 2, 4)]) for scale in real]
    fake5 = [scale + _features(31, [(2, 2, 2, 4)]) for scale in fake]
    np.testing.assert_allclose(
        losses.feature_matching(real5, fake5), _pix2pixhd_reference(real5, fake5, 4, 3), rtol=1e-5)
    np.testing.assert_allclose(
        losses.feature_matching(real5, fake5, weights="spade"),
        _pix2pixhd_reference(real5, fake5, 4, 3, spade=True), rtol=1e-5)


def test_feature_matching_single_discriminator_and_patchgan_maps():
    shapes = [(2, 30, 30, 4), (2, 15, 15, 8), (2, 30, 30, 1)]
    real, fake = _features(1, shapes), _features(2, shapes)
    # One D, 3 maps: weight 4 / 3 each.
    expected = sum(4.0 / 3 * _bmean(np.abs(f.astype(np.float64) - r)) for r, f in zip(real, fake))
    np.testing.assert_allclose(losses.feature_matching(real, fake), expected, rtol=1e-5)
    np.testing.assert_allclose(losses.feature_matching([real], [fake]), expected, rtol=1e-5)
    # Explicit weights.
    w = [0.5, 2.0, 0.0]
    expected = sum(wi * _bmean(np.abs(f.astype(np.float64) - r)) for wi, r, f in zip(w, real, fake))
    np.testing.assert_allclose(losses.feature_matching(real, fake, weights=w), expected, rtol=1e-5)
    np.testing.assert_allclose(losses.feature_matching([real], [fake], weights=[w]), expected, rtol=1e-5)
    # A single map: the same as l1 times 4.
    np.testing.assert_allclose(
        losses.feature_matching(real[0], fake[0]), 4.0 * losses.l1(real[0], fake[0]), rtol=1e-6)


def test_feature_matching_by_hand():
    real = [np.array([[0.0, 0.0]], np.float32), np.array([[1.0]], np.float32)]
    fake = [np.array([[1.0, 3.0]], np.float32), np.array([[0.0]], np.float32)]
    # 2 maps: weight 4 / 2 = 2; L1 means 2 and 1: 2 * 2 + 2 * 1 = 6.
    np.testing.assert_allclose(losses.feature_matching(real, fake), [6.0])
    # Two scales of these: weight 4 / 2 * 1 / 2 = 1 each: (2 + 1) * 2 scales = 6.
    np.testing.assert_allclose(losses.feature_matching([real, real], [fake, fake]), [6.0])


def test_feature_matching_detaches_real_features():
    real = [tf.Variable(f) for f in _features(3, SCALES[0])]
    fake = [tf.Variable(f) for f in _features(4, SCALES[0])]
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(losses.feature_matching(real, fake))
    assert all(g is None for g in tape.gradient(loss, real))
    grads = tape.gradient(loss, fake)
    assert all(g is not None and np.any(g.numpy() != 0) for g in grads)
    # d/d fake of 1 * mean|fake - real| is sign(fake - real) / n per example, batch-averaged.
    n = np.prod(SCALES[0][0][1:])
    np.testing.assert_allclose(
        grads[0], np.sign(fake[0].numpy() - real[0].numpy()) / n / 2, rtol=1e-5)


def test_feature_matching_bad_inputs():
    real = _features(5, SCALES[0])
    fake = _features(6, SCALES[0])
    with pytest.raises(ValueError, match=r"same number of layers per scale; received \[4\] and \[3\]"):
        losses.feature_matching(real, fake[:3])
    with pytest.raises(ValueError, match=r"same structure; received 2 and 1 scale"):
        losses.feature_matching([real, real], [fake])
    with pytest.raises(ValueError, match="same structure"):
        losses.feature_matching([real], fake)
    with pytest.raises(ValueError, match=r"\(scale 0, layer 2\).*same shape; received \(2, 8, 8, 32\)"):
        losses.feature_matching(real, fake[:2] + [fake[3], fake[3]])
    with pytest.raises(ValueError, match="empty"):
        losses.feature_matching([], [])
    with pytest.raises(ValueError, match="empty scale"):
        losses.feature_matching([[]], [[]])
    with pytest.raises(ValueError, match="mixes feature maps and lists"):
        losses.feature_matching([real[0], [real[1]]], [fake[0], [fake[1]]])
    with pytest.raises(ValueError, match="unknown weights 'nvidia'"):
        losses.feature_matching(real, fake, weights="nvidia")
    with pytest.raises(ValueError, match=r"structure \(layers per scale \[4\], a flat list\)"):
        losses.feature_matching(real, fake, weights=[1.0, 1.0])
    with pytest.raises(ValueError, match="must be numbers"):
        losses.feature_matching(real, fake, weights=[1.0, 1.0, "x", 1.0])
    with pytest.raises(ValueError, match="`weights` must be None"):
        losses.feature_matching(real, fake, weights=2.0)


# ----------------------------------------------------------------------------- registry
def test_terms_registry():
    assert set(losses.TERMS) == {
        "l1", "l2", "feature_matching", "cycle_consistency", "identity", "kl_divergence", "perceptual"}
    assert losses.TERMS is reconstruction.TERMS
    for name, fn in losses.TERMS.items():
        assert losses.get_term(name) is fn
    assert losses.get_term("L1") is losses.l1
    assert losses.get_term("Feature-Matching") is losses.feature_matching
    assert losses.get_term("perceptual") is losses.perceptual_loss
    assert losses.get_term(losses.l2) is losses.l2  # a callable passes through
    with pytest.raises(ValueError, match=r"Unknown loss term 'ssim'\. Valid names: cycle_consistency, "
                                         r"feature_matching, identity, kl_divergence, l1, l2, perceptual"):
        losses.get_term("ssim")
    with pytest.raises(ValueError, match="Unknown loss term 3"):
        losses.get_term(3)


def test_register_term():
    def charbonnier(target, output):
        return losses.l1(target, output)

    try:
        losses.register_term("Charbonnier", charbonnier)
        assert losses.get_term("charbonnier") is charbonnier
        losses.register_term("charbonnier", charbonnier)  # the same function again is fine
        with pytest.raises(ValueError, match="already registered"):
            losses.register_term("charbonnier", losses.l2)
    finally:
        losses.TERMS.pop("charbonnier", None)
    with pytest.raises(ValueError, match="already registered"):
        losses.register_term("l1", losses.l2)
    with pytest.raises(ValueError, match="callable"):
        losses.register_term("x", 3)
    with pytest.raises(ValueError, match="non-empty string"):
        losses.register_term("", losses.l1)
