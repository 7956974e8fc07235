"""Tests for the 2-D Gaussian mixtures (keras_gans/data/mixtures.py)."""

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from keras_gans.data import mixtures


def test_centres_and_std_are_the_published_settings():
    centers, std = mixtures.mode_centers("ring8")
    assert std == 0.02 and centers.shape == (8, 2)
    # Written out: radius 2, angles k * 45 degrees.
    s = np.sqrt(2.0)
    expected = [(2, 0), (s, s), (0, 2), (-s, s), (-2, 0), (-s, -s), (0, -2), (s, -s)]
    np.testing.assert_allclose(centers, expected, atol=1e-12)

    centers, std = mixtures.mode_centers("grid25")
    assert std == 0.05 and centers.shape == (25, 2)
    expected = {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert {tuple(c) for c in centers.tolist()} == expected

    # A copy: callers cannot change the registry.
    centers[0] = 99.0
    assert mixtures.mode_centers("grid25")[0][0, 0] != 99.0


def _check_statistics(name, points, modes):
    centers, std = mixtures.mode_centers(name)
    k = len(centers)
    n = len(points)
    # Every point lies near its own centre (6 std covers 1 - 1.5e-8 of a 2-D Gaussian).
    dist = np.linalg.norm(points - centers[modes], axis=1)
    assert dist.max() < 6 * std
    for j in range(k):
        own = points[modes == j]
        # Per-mode mean within 5 standard errors, per-coordinate std within 10 %.
        np.testing.assert_array_less(np.abs(own.mean(0) - centers[j]), 5 * std / np.sqrt(len(own)))
        np.testing.assert_allclose(own.std(0), std, rtol=0.1)
    # Uniform mode frequencies: chi-square goodness of fit, accepted at the 1e-3 level.
    counts = np.bincount(modes, minlength=k)
    chi2 = np.sum((counts - n / k) ** 2 / (n / k))
    assert chi2 < stats.chi2.ppf(1 - 1e-3, df=k - 1), (counts, chi2)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_numpy_samples_match_the_specification(name):
    points, modes = mixtures.sample(name, 20_000, seed=3, return_modes=True)
    assert points.dtype == np.float32 and points.shape == (20_000, 2)
    _check_statistics(name, points.astype(np.float64), modes)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_tf_data_batches_match_the_specification(name):
    ds = mixtures.load(name, batch_size=500, seed=7, num_batches=40, with_modes=True)
    assert ds.element_spec[0].shape == (500, 2) and ds.element_spec[0].dtype == tf.float32
    batches = list(ds.as_numpy_iterator())
    assert len(batches) == 40
    points = np.concatenate([b[0] for b in batches]).astype(np.float64)
    modes = np.concatenate([b[1] for b in batches])
    _check_statistics(name, points, modes)
    # Mode labels agree with the nearest centre (modes are 40+ std apart).
    centers, _ = mixtures.mode_centers(name)
    nearest = np.argmin(np.linalg.norm(points[:, None] - centers[None], axis=-1), axis=1)
    np.testing.assert_array_equal(nearest, modes)


def test_streams_are_reproducible_and_batches_fresh():
    a = list(mixtures.load("ring8", batch_size=64, seed=1).take(3).as_numpy_iterator())
    b = list(mixtures.load("ring8", batch_size=64, seed=1).take(3).as_numpy_iterator())
    c = list(mixtures.load("ring8", batch_size=64, seed=2).take(1).as_numpy_iterator())
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.allclose(a[0], a[1])
    assert not np.allclose(a[0], c[0])
    np.testing.assert_array_equal(mixtures.sample("grid25", 10, seed=4), mixtures.sample("grid25", 10, seed=4))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="Unknown mixture 'ring9'"):
        mixtures.load("ring9")
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        mixtures.load("ring8", batch_size=0)
    with pytest.raises(ValueError, match="num_samples must be a positive int"):
        mixtures.sample("ring8", 0)
    with pytest.raises(ValueError, match="seed must be an int"):
        mixtures.sample("ring8", 5, seed=1.5)
