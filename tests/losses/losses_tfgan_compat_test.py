"""Our losses against TF-GAN's functions of the same name.

TF-GAN (github.com/tensorflow/gan, ``tensorflow_gan/python/losses/losses_impl.py``)
cannot be imported on TF >= 2.16, so `TFGAN` below re-implements its formulas in
NumPy (float64), line by line from that file: ``tf.compat.v1.losses``' reduction
``SUM_BY_NONZERO_WEIGHTS`` (with the default weights 1, the mean over every element),
``tf.compat.v1.losses.sigmoid_cross_entropy``'s label smoothing
(``labels * (1 - s) + 0.5 * s``) and ``tf.nn.sigmoid_cross_entropy_with_logits``'
formula. Our losses are per example; reduced by their batch mean they must equal
TF-GAN's scalar, on ``[B, 1]`` logits and on PatchGAN maps ``[B, 30, 30, 1]``.

Findings, asserted below: every pair agrees except
* ``minimax_generator_loss``: TF-GAN's is ours minus the constant ``softplus(-1)``;
* TF-GAN's ``relativistic_*`` is the relativistic *average* loss (our
  ``relativistic_average_*``; on PatchGAN maps with ``mean_over="all"``); our
  ``relativistic`` is RSGAN, which TF-GAN does not have;
* TF-GAN has no ``hinge_*``: its ``wasserstein_hinge_*`` equals our ``hinge``;
* label smoothing agrees now (it used to move the real target to ``1 - s``); only the
  default differs (TF-GAN 0.25, ours 0).
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import losses


# ----------------------------------------------------------------------------- TF-GAN in NumPy
def _reduce(values, weights=1.0):
    """tf.compat.v1.losses.compute_weighted_loss(..., SUM_BY_NONZERO_WEIGHTS)."""
    values = np.asarray(values, np.float64)
    w = np.broadcast_to(np.asarray(weights, np.float64), values.shape)
    return np.sum(values * w) / np.count_nonzero(w)


def _sce_with_logits(labels, logits):
    """tf.nn.sigmoid_cross_entropy_with_logits: max(x, 0) - x * z + log(1 + exp(-|x|))."""
    return np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))


def _sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0.0):
    """tf.compat.v1.losses.sigmoid_cross_entropy."""
    if label_smoothing > 0:
        multi_class_labels = multi_class_labels * (1 - label_smoothing) + 0.5 * label_smoothing
    return _reduce(_sce_with_logits(multi_class_labels, logits), weights)


class TFGAN:
    """tensorflow_gan/python/losses/losses_impl.py, formulas only (default weights)."""

    @staticmethod
    def minimax_discriminator_loss(real, gen, label_smoothing=0.25):
        loss_on_real = _sigmoid_cross_entropy(np.ones_like(real), real, label_smoothing=label_smoothing)
        loss_on_generated = _sigmoid_cross_entropy(np.zeros_like(gen), gen)
        return loss_on_real + loss_on_generated

    @staticmethod
    def minimax_generator_loss(gen, label_smoothing=0.0):
        return -TFGAN.minimax_discriminator_loss(np.ones_like(gen), gen, label_smoothing)

    modified_discriminator_loss = minimax_discriminator_loss

    @staticmethod
    def modified_generator_loss(gen, label_smoothing=0.0):
        return _sigmoid_cross_entropy(np.ones_like(gen), gen, label_smoothing=label_smoothing)

    @staticmethod
    def wasserstein_generator_loss(gen):
        return _reduce(-gen)

    @staticmethod
    def wasserstein_discriminator_loss(real, gen):
        return _reduce(gen) - _reduce(real)

    wasserstein_hinge_generator_loss = wasserstein_generator_loss

    @staticmethod
    def wasserstein_hinge_discriminator_loss(real, gen, real_hinge=1.0, generated_hinge=1.0):
        return _reduce(np.maximum(real_hinge - real, 0)) + _reduce(np.maximum(generated_hinge + gen, 0))

    @staticmethod
    def least_squares_generator_loss(gen, real_label=1):
        return _reduce((gen - real_label) ** 2 / 2.0)

    @staticmethod
    def least_squares_discriminator_loss(real, gen, real_label=1, fake_label=0):
        return _reduce((real - real_label) ** 2 / 2.0) + _reduce((gen - fake_label) ** 2 / 2.0)

    @staticmethod
    def relativistic_discriminator_loss(real, gen):
        real_logits, gen_logits = real - np.mean(gen), gen - np.mean(real)
        return np.mean(_sce_with_logits(np.ones_like(real_logits), real_logits)) + np.mean(
            _sce_with_logits(np.zeros_like(gen_logits), gen_logits))

    @staticmethod
    def relativistic_generator_loss(real, gen):
        real_logits, gen_logits = real - np.mean(gen), gen - np.mean(real)
        return np.mean(_sce_with_logits(np.zeros_like(real_logits), real_logits)) + np.mean(
            _sce_with_logits(np.ones_like(gen_logits), gen_logits))

    @staticmethod
    def wasserstein_gradient_penalty(real, gen, alpha, grad_fn, epsilon=1e-10, target=1.0, one_sided=False):
        """`alpha` is TF-GAN's U[0, 1] draw of shape [B, 1, ..., 1], passed in to compare."""
        interpolates = real + alpha * (gen - real)
        gradients = grad_fn(interpolates)
        slopes = np.sqrt(np.sum(gradients**2, axis=tuple(range(1, gradients.ndim))) + epsilon)
        penalties = slopes / target - 1.0
        if one_sided:
            penalties = np.maximum(0.0, penalties)
        return _reduce(penalties**2)

    @staticmethod
    def cycle_consistency_loss(data_x, reconstructed_data_x, data_y, reconstructed_data_y):
        loss_x2x = _reduce(np.abs(data_x - reconstructed_data_x))  # absolute_difference
        loss_y2y = _reduce(np.abs(data_y - reconstructed_data_y))
        return (loss_x2x + loss_y2y) / 2.0


# ----------------------------------------------------------------------------- inputs
SHAPES = {"vector": (6, 1), "patchgan": (3, 30, 30, 1)}


def _logits(shape, seed):
    rng = np.random.default_rng(seed)
    return (2.0 * rng.normal(size=shape)).astype(np.float32)


def _ours(value):
    """Our per-example loss reduced as TF-GAN reduces: the mean (float64)."""
    value = np.asarray(value, np.float64)
    assert value.ndim == 1
    return value.mean()


@pytest.fixture(params=list(SHAPES), name="logits")
def _logits_fixture(request):
    shape = SHAPES[request.param]
    return request.param, _logits(shape, 1), _logits(shape, 2)


def _f64(x):
    return x.astype(np.float64)


# ----------------------------------------------------------------------------- pairs
@pytest.mark.parametrize("s", [0.0, 0.1, 0.25])
def test_minimax_and_modified_discriminator_agree_with_label_smoothing(logits, s):
    _, real, fake = logits
    expected = TFGAN.minimax_discriminator_loss(_f64(real), _f64(fake), label_smoothing=s)
    for fn in (losses.minimax_discriminator_loss, losses.modified_discriminator_loss):
        np.testing.assert_allclose(_ours(fn(real, fake, label_smoothing=s)), expected, rtol=1e-5)
    np.testing.assert_allclose(
        TFGAN.modified_discriminator_loss(_f64(real), _f64(fake), label_smoothing=s), expected)


def test_tfgan_default_label_smoothing_needs_passing_explicitly(logits):
    """TF-GAN's D default is label_smoothing=0.25; ours is 0 (defaults kept)."""
    _, real, fake = logits
    real = real + 1.0  # smoothing changes the loss by (s / 2) * mean(real logits)
    tfgan_default = TFGAN.minimax_discriminator_loss(_f64(real), _f64(fake))
    np.testing.assert_allclose(
        _ours(losses.minimax_discriminator_loss(real, fake, label_smoothing=0.25)), tfgan_default, rtol=1e-5)
    assert not np.isclose(_ours(losses.minimax_discriminator_loss(real, fake)), tfgan_default, rtol=1e-3)


def test_minimax_generator_differs_by_the_constant_softplus_minus_one(logits):
    """TF-GAN evaluates -minimax_discriminator_loss(ones_like(gen), gen): the real *logits*
    are 1, which adds -softplus(-1) = log sigmoid(1) (and -s/2 with its G label smoothing)."""
    _, _, fake = logits
    ours = _ours(losses.minimax_generator_loss(fake))
    softplus_minus_one = np.log1p(np.exp(-1.0))  # 0.3132617
    np.testing.assert_allclose(ours - TFGAN.minimax_generator_loss(_f64(fake)), softplus_minus_one, rtol=1e-5)
    np.testing.assert_allclose(
        ours - TFGAN.minimax_generator_loss(_f64(fake), label_smoothing=0.2), softplus_minus_one + 0.1, rtol=1e-5)
    # The gradients agree: the difference does not depend on the logits.
    np.testing.assert_allclose(
        _ours(losses.minimax_generator_loss(fake + 1.0)) - TFGAN.minimax_generator_loss(_f64(fake) + 1.0),
        softplus_minus_one, rtol=1e-5)


def test_modified_generator_agrees(logits):
    _, real, fake = logits
    np.testing.assert_allclose(
        _ours(losses.modified_generator_loss(fake, real)), TFGAN.modified_generator_loss(_f64(fake)), rtol=1e-5)


def test_wasserstein_agrees(logits):
    _, real, fake = logits
    np.testing.assert_allclose(
        _ours(losses.wasserstein_generator_loss(fake)), TFGAN.wasserstein_generator_loss(_f64(fake)),
        rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        _ours(losses.wasserstein_discriminator_loss(real, fake)),
        TFGAN.wasserstein_discriminator_loss(_f64(real), _f64(fake)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("labels", [(1.0, 0.0), (1.0, -1.0), (0.9, 0.1)])
def test_least_squares_agrees(logits, labels):
    _, real, fake = logits
    b, a = labels
    np.testing.assert_allclose(
        _ours(losses.least_squares_generator_loss(fake, real_label=b)),
        TFGAN.least_squares_generator_loss(_f64(fake), real_label=b), rtol=1e-5)
    np.testing.assert_allclose(
        _ours(losses.least_squares_discriminator_loss(real, fake, real_label=b, fake_label=a)),
        TFGAN.least_squares_discriminator_loss(_f64(real), _f64(fake), real_label=b, fake_label=a), rtol=1e-5)


def test_hinge_is_tfgans_wasserstein_hinge(logits):
    _, real, fake = logits
    np.testing.assert_allclose(
        _ours(losses.hinge_generator_loss(fake)), TFGAN.wasserstein_hinge_generator_loss(_f64(fake)),
        rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        _ours(losses.hinge_discriminator_loss(real, fake)),
        TFGAN.wasserstein_hinge_discriminator_loss(_f64(real), _f64(fake)), rtol=1e-5)


def test_tfgan_relativistic_is_our_relativistic_average(logits):
    kind, real, fake = logits
    tf_d = TFGAN.relativistic_discriminator_loss(_f64(real), _f64(fake))
    tf_g = TFGAN.relativistic_generator_loss(_f64(real), _f64(fake))  # TF-GAN: real first
    # mean_over="all": one scalar mean over every element, as TF-GAN (and BasicSR) take it.
    np.testing.assert_allclose(
        _ours(losses.relativistic_average_discriminator_loss(real, fake, mean_over="all")), tf_d, rtol=1e-5)
    np.testing.assert_allclose(
        _ours(losses.relativistic_average_generator_loss(fake, real, mean_over="all")), tf_g, rtol=1e-5)
    ours_d = _ours(losses.relativistic_average_discriminator_loss(real, fake))
    ours_g = _ours(losses.relativistic_average_generator_loss(fake, real))
    if kind == "vector":  # the default (mean over the batch axis) is the same for [B, 1]
        np.testing.assert_allclose(ours_d, tf_d, rtol=1e-5)
        np.testing.assert_allclose(ours_g, tf_g, rtol=1e-5)
    else:  # on a PatchGAN map our default averages each map position over the batch
        assert not np.isclose(ours_d, tf_d, rtol=1e-3)
        assert not np.isclose(ours_g, tf_g, rtol=1e-3)
    # Our "relativistic" (RSGAN, paired differences) is not TF-GAN's function of that name.
    assert not np.isclose(_ours(losses.relativistic_discriminator_loss(real, fake)), tf_d, rtol=1e-3)
    assert not np.isclose(_ours(losses.relativistic_generator_loss(fake, real)), tf_g, rtol=1e-3)


def test_relativistic_average_mean_over_is_checked():
    with pytest.raises(ValueError, match='"batch" or "all".*mean_over=\'pixel\''):
        losses.relativistic_average_discriminator_loss(np.zeros([2, 1]), np.zeros([2, 1]), mean_over="pixel")
    with pytest.raises(ValueError, match="mean_over"):
        losses.relativistic_average_generator_loss(np.zeros([2, 1]), np.zeros([2, 1]), mean_over=None)


# ----------------------------------------------------------------------------- penalties, cycle
@pytest.mark.parametrize("one_sided", [False, True])
@pytest.mark.parametrize("patch_output", [False, True])
def test_wasserstein_gradient_penalty_agrees(one_sided, patch_output):
    """f(x) = sum(w * x^2) (or the map w * x^2, PatchGAN-like): grad = 2 w x. TF-GAN
    interpolates real + a' (gen - real); ours a real + (1 - a) fake: a' = 1 - a."""
    rng = np.random.default_rng(3)
    real = rng.normal(size=(5, 4, 4, 1)).astype(np.float32)
    fake = rng.normal(size=(5, 4, 4, 1)).astype(np.float32)
    w = (0.3 * rng.normal(size=(1, 4, 4, 1))).astype(np.float32)
    if patch_output:
        critic = lambda x: x**2 * w  # noqa: E731  [B, 4, 4, 1] map
    else:
        critic = lambda x: tf.reduce_sum(x**2 * w, axis=[1, 2, 3])[:, None]  # noqa: E731
    alpha = rng.uniform(size=(5,)).astype(np.float32)
    ours = losses.wasserstein_gradient_penalty(critic, real, fake, alpha=alpha, one_sided=one_sided)
    expected = TFGAN.wasserstein_gradient_penalty(
        _f64(real), _f64(fake), (1.0 - alpha.astype(np.float64))[:, None, None, None],
        lambda x: 2.0 * w.astype(np.float64) * x, one_sided=one_sided)
    np.testing.assert_allclose(_ours(ours), expected, rtol=1e-5)


def test_cycle_consistency_is_half_of_tfgans_two_direction_sum():
    rng = np.random.default_rng(4)
    x, rx, y, ry = (rng.uniform(-1, 1, size=(2, 30, 30, 3)).astype(np.float32) for _ in range(4))
    ours = (_ours(losses.cycle_consistency(x, rx)) + _ours(losses.cycle_consistency(y, ry))) / 2
    np.testing.assert_allclose(
        ours, TFGAN.cycle_consistency_loss(_f64(x), _f64(rx), _f64(y), _f64(ry)), rtol=1e-5)


def test_reference_helpers_by_hand():
    # The NumPy TF-GAN helpers themselves: sigmoid CE at logit 0 is log 2 for any label;
    # with label smoothing 0.25 the target 1 becomes 0.875; SUM_BY_NONZERO_WEIGHTS skips zeros.
    np.testing.assert_allclose(_sigmoid_cross_entropy(np.ones(3), np.zeros(3)), np.log(2))
    np.testing.assert_allclose(
        _sigmoid_cross_entropy(np.ones(1), np.ones(1), label_smoothing=0.25), np.log1p(np.exp(-1.0)) + 0.125)
    assert _reduce([1.0, 2.0, 6.0], weights=[1.0, 0.0, 1.0]) == 3.5
