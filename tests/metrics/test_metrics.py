"""Tests of keras_gans.metrics against independent references written here.

References: scipy.linalg.sqrtm (and an SVD identity for rank-deficient covariances) for
FID, explicit double loops for KID, scipy.stats.entropy for IS, brute-force pairwise
distances for precision / recall.
"""

import numpy as np
import pytest
import scipy.linalg
import scipy.special
import scipy.stats
import tensorflow as tf

from keras_gans import metrics
from keras_gans.metrics import functional as F


def _rng(seed=0):
    return np.random.default_rng(seed)


def _correlated(rng, n, d, shift=0.0, scale=1.0):
    mix = rng.standard_normal((d, d)) / np.sqrt(d)
    return (rng.standard_normal((n, d)) * scale) @ mix + shift


def _reference_fid(x, y):
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    covmean = np.real(covmean)
    return float(
        np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)
    )


# ----------------------------------------------------------------------------- FID


def test_feature_statistics_match_numpy_ddof1():
    x = _correlated(_rng(1), 50, 8, shift=2.0)
    mu, sigma = F.feature_statistics(x)
    np.testing.assert_allclose(mu, x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(x, rowvar=False, ddof=1), rtol=1e-12)
    assert mu.dtype == np.float64 and sigma.dtype == np.float64


def test_fid_matches_scipy_sqrtm_reference():
    rng = _rng(2)
    x = _correlated(rng, 500, 64)
    y = _correlated(rng, 400, 64, shift=0.3, scale=1.3)
    ours = F.fid_from_features(x, y)
    ref = _reference_fid(x, y)
    assert ours > 1.0
    assert abs(ours - ref) / ref < 1e-6
    # Tensors are accepted as well.
    assert F.fid_from_features(tf.constant(x), tf.constant(y)) == pytest.approx(ours, rel=1e-12)


def test_fid_of_a_set_with_itself_is_zero():
    x = _correlated(_rng(3), 300, 64, shift=1.0)
    assert abs(F.fid_from_features(x, x)) < 1e-6


def test_frechet_distance_closed_forms():
    rng = _rng(4)
    d = 16
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    eye = np.eye(d)
    expected = float(np.sum((mu1 - mu2) ** 2))
    assert F.frechet_distance(mu1, eye, mu2, eye) == pytest.approx(expected, rel=1e-10)
    # Diagonal covariances: sum (sqrt(a) - sqrt(b))^2 + ||mu1 - mu2||^2.
    a, b = rng.uniform(0.1, 3.0, d), rng.uniform(0.1, 3.0, d)
    expected = expected + float(np.sum((np.sqrt(a) - np.sqrt(b)) ** 2))
    value = F.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert value == pytest.approx(expected, rel=1e-10)


def test_trace_sqrt_product_rank_deficient_and_dead_units():
    # Fewer samples than dimensions plus constant ("dead ReLU") features: both
    # covariances are singular, Cholesky fails and the eigh path is used. Independent
    # reference: with s1 = A'A/(n1-1), s2 = B'B/(n2-1) (A, B centred),
    # tr sqrt(s1 s2) = sum of singular values of A B' / sqrt((n1-1)(n2-1)).
    rng = _rng(5)
    d = 64
    x, y = rng.standard_normal((20, d)), rng.standard_normal((30, d)) + 0.5
    x[:, :5] = 1.0
    y[:, :5] = 2.0
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(np.cov(x, rowvar=False))
    a, b = x - x.mean(0), y - y.mean(0)
    expected = np.linalg.svd(a @ b.T, compute_uv=False).sum() / np.sqrt(19 * 29)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    assert F.sqrtm_psd_product(s1, s2) == pytest.approx(expected, rel=1e-9)
    assert F.sqrtm_psd_product(s2, s1) == pytest.approx(expected, rel=1e-9)


def test_fid_mismatched_dims_raise():
    rng = _rng(6)
    with pytest.raises(ValueError, match=r"\(10, 8\).*\(12, 6\)"):
        F.fid_from_features(rng.standard_normal((10, 8)), rng.standard_normal((12, 6)))
    with pytest.raises(ValueError, match=r"sigma2 \(5, 5\)"):
        F.frechet_distance(np.zeros(4), np.eye(4), np.zeros(4), np.eye(5))
    with pytest.raises(ValueError, match="2-D"):
        F.fid_from_features(np.zeros((4, 2, 2)), np.zeros((4, 4)))


# ----------------------------------------------------------------------------- KID


def _reference_kid(x, y, num_subsets, subset_size, seed):
    """Direct double loops over pairs; the subset draws follow the documented order."""
    rng = np.random.default_rng(seed)
    m = min(subset_size, len(x), len(y))
    d = x.shape[1]

    def k(a, b):
        return (float(np.dot(a, b)) / d + 1.0) ** 3

    values = []
    for _ in range(num_subsets):
        xs = x[rng.choice(len(x), m, replace=False)]
        ys = y[rng.choice(len(y), m, replace=False)]
        kxx = sum(k(xs[i], xs[j]) for i in range(m) for j in range(m) if i != j)
        kyy = sum(k(ys[i], ys[j]) for i in range(m) for j in range(m) if i != j)
        kxy = sum(k(xs[i], ys[j]) for i in range(m) for j in range(m))
        values.append(kxx / (m * (m - 1)) + kyy / (m * (m - 1)) - 2 * kxy / m**2)
    return np.mean(values), np.std(values)


def test_kid_matches_reference_loop():
    rng = _rng(7)
    x = rng.standard_normal((25, 6))
    y = rng.standard_normal((30, 6)) * 1.2 + 0.4
    mean, std = F.kernel_inception_distance(x, y, num_subsets=4, subset_size=15, seed=3)
    ref_mean, ref_std = _reference_kid(x, y, 4, 15, 3)
    assert mean == pytest.approx(ref_mean, rel=1e-10)
    assert std == pytest.approx(ref_std, rel=1e-8)
    assert mean > 0
    # subset_size is clipped to min(n_real, n_fake) = 20.
    clipped = F.kernel_inception_distance(x[:20], y, num_subsets=2, subset_size=1000, seed=5)
    np.testing.assert_allclose(clipped, _reference_kid(x[:20], y, 2, 1000, 5), rtol=1e-9)
    # When the subsets are the full sets, the estimate does not depend on the draws.
    same, same_std = F.kernel_inception_distance(x[:20], y[:20], num_subsets=3, subset_size=20)
    assert same == pytest.approx(_reference_kid(x[:20], y[:20], 1, 20, 0)[0], rel=1e-10)
    assert same_std < 1e-12


def _biased_mmd2(x, y):
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    return kxx.mean() + kyy.mean() - 2 * kxy.mean()


def test_kid_is_unbiased_where_the_diagonal_estimator_is_not():
    rng = _rng(8)
    draws, n, d = 400, 12, 4
    unbiased, biased = [], []
    for _ in range(draws):
        x, y = rng.standard_normal((n, d)), rng.standard_normal((n, d))
        unbiased.append(F.kernel_inception_distance(x, y, num_subsets=1, subset_size=n)[0])
        biased.append(_biased_mmd2(x, y))
    unbiased, biased = np.array(unbiased), np.array(biased)
    se_u = unbiased.std(ddof=1) / np.sqrt(draws)
    se_b = biased.std(ddof=1) / np.sqrt(draws)
    assert abs(unbiased.mean()) < 4 * se_u
    assert biased.mean() > 10 * se_b
    # Same draws, so the gap is exactly the diagonal terms' contribution.
    assert (biased - unbiased).min() > 0


# ------------------------------------------------------------------------------ IS


def _reference_is(probs, splits):
    n = len(probs)
    scores = []
    for i in range(splits):
        part = probs[i * n // splits : (i + 1) * n // splits]
        marginal = part.mean(0)
        kl = [scipy.stats.entropy(p, marginal) for p in part]
        scores.append(np.exp(np.mean(kl)))
    return np.mean(scores), np.std(scores)


def test_inception_score_matches_direct_kl():
    probs = _rng(9).dirichlet(np.full(7, 0.3), size=103)
    mean, std = F.inception_score(probs, splits=10)
    ref_mean, ref_std = _reference_is(probs, 10)
    assert mean == pytest.approx(ref_mean, rel=1e-10)
    assert std == pytest.approx(ref_std, rel=1e-8)


def test_inception_score_uniform_one_hot_is_num_classes():
    n_classes = 10
    labels = np.arange(200) % n_classes  # every split holds each class equally often
    probs = np.eye(n_classes)[labels]
    mean, std = F.inception_score(probs, splits=10)
    assert mean == pytest.approx(n_classes, abs=1e-9)
    assert std < 1e-9


def test_inception_score_identical_predictions_is_one():
    p = _rng(10).dirichlet(np.ones(5))
    mean, std = F.inception_score(np.tile(p, (40, 1)), splits=4)
    assert mean == pytest.approx(1.0, abs=1e-12) and std < 1e-12


def test_inception_score_from_logits_agrees_with_softmax():
    logits = _rng(11).standard_normal((60, 9)) * 3
    probs = scipy.special.softmax(logits, axis=1)
    a = F.inception_score(logits, splits=3, from_logits=True)
    b = F.inception_score(probs, splits=3)
    np.testing.assert_allclose(a, b, rtol=1e-10)
    with pytest.raises(ValueError, match="negative"):
        F.inception_score(logits, splits=3)


# -------------------------------------------------------------- precision / recall


def _reference_precision_recall(real, fake, k):
    def radii(x):
        dist = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
        return np.sort(dist, axis=1)[:, k]  # column 0 is the point itself

    def inside(queries, support, r):
        dist = np.linalg.norm(queries[:, None, :] - support[None, :, :], axis=-1)
        return np.mean(np.any(dist <= r[None, :], axis=1))

    return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


def test_precision_recall_identical_and_disjoint():
    x = _rng(12).standard_normal((40, 5))
    assert F.precision_recall(x, x.copy(), k=3) == (1.0, 1.0)
    far = x + 100.0
    assert F.precision_recall(x, far, k=3) == (0.0, 0.0)


def test_precision_recall_hand_computed_1d():
    # k=1 radii: real {0:1, 1:1, 3:2}; fake {0.5:2, 2.5:2, 5:2.5, 10:1, 11:1}.
    # Fakes in a real ball: 0.5 (by 0), 2.5 (by 3), 5 (|5-3| = 2 = radius, counts);
    # 10 and 11 are not -> precision 3/5. Every real is within 2 of 0.5 or 2.5 -> 1.
    real = np.array([[0.0], [1.0], [3.0]])
    fake = np.array([[0.5], [2.5], [5.0], [10.0], [11.0]])
    precision, recall = F.precision_recall(real, fake, k=1)
    assert precision == pytest.approx(0.6)
    assert recall == pytest.approx(1.0)
    # Swapping the roles swaps the numbers (and the boundary case moves to recall).
    assert F.precision_recall(fake, real, k=1) == pytest.approx((1.0, 0.6))


def test_precision_recall_matches_brute_force_with_small_blocks():
    rng = _rng(13)
    real = rng.standard_normal((57, 5))
    fake = rng.standard_normal((43, 5)) * 1.4 + 0.6
    expected = _reference_precision_recall(real, fake, k=3)
    assert 0.05 < expected[0] < 0.95 and 0.05 < expected[1] < 0.95
    for batch_size in (7, 10000):
        assert F.precision_recall(real, fake, k=3, batch_size=batch_size) == pytest.approx(
            expected, abs=1e-12
        )


# -------------------------------------------------------------------- class coverage


def test_class_coverage_functional():
    labels = np.array([0, 0, 0, 2, 2, 5])
    out = F.class_coverage(labels, num_classes=6)
    np.testing.assert_array_equal(out["histogram"], [3, 0, 2, 0, 0, 1])
    assert out["covered"] == 3
    assert F.class_coverage(labels, num_classes=6, min_count=2)["covered"] == 2
    p = np.array([3, 0, 2, 0, 0, 1]) / 6
    nz = p > 0
    assert out["kl_to_uniform"] == pytest.approx(np.sum(p[nz] * np.log(p[nz] * 6)))
    assert out["tvd_to_uniform"] == pytest.approx(0.5 * np.abs(p - 1 / 6).sum())
    collapsed = F.class_coverage(np.full(50, 1), num_classes=10)
    assert collapsed["covered"] == 1
    assert collapsed["kl_to_uniform"] == pytest.approx(np.log(10))
    assert collapsed["tvd_to_uniform"] == pytest.approx(0.9)
    balanced = F.class_coverage(np.eye(4)[np.arange(40) % 4], num_classes=4)
    assert balanced["covered"] == 4 and balanced["kl_to_uniform"] == 0.0
    with pytest.raises(ValueError, match="lie in"):
        F.class_coverage([0, 4], num_classes=4)


# ------------------------------------------------------------------------ streaming


def _batches(x, sizes):
    out, start = [], 0
    for size in sizes:
        out.append(x[start : start + size])
        start += size
    assert start == len(x)
    return out


def test_streaming_frechet_distance_equals_functional():
    rng = _rng(14)
    real = _correlated(rng, 310, 32, shift=3.0)
    fake = _correlated(rng, 205, 32, shift=2.5, scale=1.2)
    expected = F.fid_from_features(real, fake)

    fid = metrics.FrechetDistance(feature_dim=32, name="fid_test")
    for r in _batches(real, [100, 100, 110]):
        fid.update_state(real_features=r.astype(np.float64))
    for f in _batches(fake, [64, 64, 64, 13]):
        fid.update_state(fake_features=tf.constant(f))
    assert abs(float(fid.result()) - expected) / expected < 1e-6

    # The same inside tf.function (graph mode), both sides per call.
    graph_fid = metrics.FrechetDistance(feature_dim=32)
    step = tf.function(lambda r, f: graph_fid.update_state(real_features=r, fake_features=f))
    for r, f in zip(_batches(real, [155, 155]), _batches(fake, [100, 105])):
        step(tf.constant(r), tf.constant(f))
    value = tf.function(graph_fid.result)()
    assert abs(float(value) - expected) / expected < 1e-6

    # Reference statistics computed once, kept across reset_state.
    mu, sigma = fid.real_statistics()
    np.testing.assert_allclose(mu, real.mean(0), rtol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(real, rowvar=False), rtol=1e-9, atol=1e-12)
    fid.set_reference(mu, sigma)
    fid.reset_state()
    assert np.isnan(float(fid.result()))
    with pytest.raises(ValueError, match="reference"):
        fid.update_state(real_features=real[:4])
    fid.update_state(fake_features=fake)
    assert abs(float(fid.result()) - expected) / expected < 1e-6

    with pytest.raises(ValueError, match=r"feature_dim=32"):
        fid.update_state(fake_features=np.zeros((4, 16)))
    config = fid.get_config()
    assert config["feature_dim"] == 32 and config["name"] == "fid_test"
    assert metrics.FrechetDistance.from_config(config).get_config() == config


def test_streaming_inception_score_equals_functional_round_robin():
    rng = _rng(15)
    logits = rng.standard_normal((97, 8)) * 2
    probs = scipy.special.softmax(logits, axis=1)
    expected = F.inception_score(probs, splits=10, assignment="round_robin")

    m = metrics.InceptionScore(num_classes=8, num_splits=10, name="is_test")
    for p in _batches(probs, [30, 7, 60]):
        m.update_state(p)
    np.testing.assert_allclose([float(v) for v in m.result_and_std()], expected, rtol=1e-9)
    assert float(m.result()) == pytest.approx(expected[0], rel=1e-9)
    # Round-robin differs from the contiguous default, so the option matters.
    assert F.inception_score(probs, splits=10)[0] != pytest.approx(expected[0], rel=1e-9)

    ml = metrics.InceptionScore(num_classes=8, num_splits=10, from_logits=True)
    step = tf.function(ml.update_state)
    for x in _batches(logits, [50, 47]):
        step(tf.constant(x, tf.float32))
    np.testing.assert_allclose([float(v) for v in ml.result_and_std()], expected, rtol=1e-6)

    m.reset_state()
    assert np.isnan(float(m.result()))
    m.update_state(probs)
    np.testing.assert_allclose([float(v) for v in m.result_and_std()], expected, rtol=1e-9)
    config = ml.get_config()
    assert metrics.InceptionScore.from_config(config).get_config() == config


def test_streaming_class_coverage():
    cov = metrics.ClassCoverage(num_classes=5, min_count=2, name="coverage_test")
    cov.update_state(np.array([0, 1, 1, 3]))
    cov.update_state(np.eye(5)[[3, 3, 4]] * 0.9 + 0.02)  # scores: argmax
    np.testing.assert_array_equal(cov.summary()["histogram"], [1, 2, 0, 3, 1])
    assert float(cov.result()) == 2.0
    assert cov.summary()["covered"] == 2
    with pytest.raises(tf.errors.InvalidArgumentError):
        cov.update_state(np.array([5]))
    cov.reset_state()
    np.testing.assert_array_equal(cov.summary()["histogram"], [0] * 5)
    assert float(cov.result()) == 0.0
    config = cov.get_config()
    assert metrics.ClassCoverage.from_config(config).get_config() == config


def test_streaming_kid_equals_functional_below_capacity():
    rng = _rng(16)
    real = rng.standard_normal((40, 6)).astype(np.float32)
    fake = (rng.standard_normal((35, 6)) * 1.3 + 0.3).astype(np.float32)
    expected = F.kernel_inception_distance(real, fake, num_subsets=5, subset_size=20, seed=1)
    kid = metrics.KernelInceptionDistance(
        feature_dim=6, max_samples=64, num_subsets=5, subset_size=20, subset_seed=1
    )
    for r, f in zip(_batches(real, [16, 24]), _batches(fake, [16, 19])):
        kid.update_state(real_features=r, fake_features=f)
    np.testing.assert_allclose([float(v) for v in kid.result_and_std()], expected, rtol=1e-9)
    kid.set_reference(real)
    kid.reset_state()
    kid.update_state(fake_features=fake)
    assert float(kid.result()) == pytest.approx(expected[0], rel=1e-9)
    config = kid.get_config()
    assert metrics.KernelInceptionDistance.from_config(config).get_config() == config


def test_streaming_kid_reservoir_is_a_uniform_sample():
    n, cap = 1000, 50
    stream = np.arange(n, dtype=np.float32)[:, None]
    kept = []
    for seed in range(8):
        kid = metrics.KernelInceptionDistance(feature_dim=1, max_samples=cap, seed=seed)
        for x in np.array_split(stream, 15):
            kid.update_state(fake_features=x)
        values = kid.fake_store.numpy()[:, 0]
        assert len(np.unique(values)) == cap  # distinct stream elements
        kept.append(values)
    kept = np.concatenate(kept)  # 400 draws, uniform over [0, n) if the sampler is fair
    counts = np.histogram(kept, bins=10, range=(0, n))[0]
    assert counts.min() >= 20 and counts.max() <= 65, counts  # expected 40 each
    assert np.mean(kept >= n // 2) == pytest.approx(0.5, abs=0.1)
