"""Tests for mode coverage (keras_gans/metrics/modes.py) on hand-built samples."""

import numpy as np
import pytest

from keras_gans.data import mixtures
from keras_gans.metrics.modes import mode_coverage

CENTERS = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
STD = 0.5


def test_all_samples_on_one_mode():
    samples = np.tile([[10.0, 0.0]], (50, 1)) + np.linspace(-0.1, 0.1, 100).reshape(50, 2)
    result = mode_coverage(samples, CENTERS, STD)
    assert result.modes_covered == 1
    assert result.high_quality_share == 1.0
    np.testing.assert_array_equal(result.counts, [0, 50, 0])


def test_samples_far_away_cover_nothing():
    samples = np.array([[5.0, 5.0], [-20.0, 3.0], [100.0, 100.0]])
    result = mode_coverage(samples, CENTERS, STD)
    assert result.modes_covered == 0 and result.high_quality_share == 0.0
    np.testing.assert_array_equal(result.counts, [0, 0, 0])


def test_threshold_is_strict_and_in_units_of_std():
    # Distances from mode 0 in std units: 2.9, 3.0 (not < 3), 3.1; and one exactly on mode 2.
    samples = np.array([[2.9 * STD, 0.0], [0.0, -3.0 * STD], [-3.1 * STD, 0.0], [0.0, 10.0]])
    result = mode_coverage(samples, CENTERS, STD)
    np.testing.assert_array_equal(result.counts, [1, 0, 1])
    assert result.high_quality_share == 0.5 and result.modes_covered == 2
    wide = mode_coverage(samples, CENTERS, STD, threshold=3.2)
    np.testing.assert_array_equal(wide.counts, [3, 0, 1])


def test_min_count_rule():
    samples = np.array([[0.0, 0.0]] * 5 + [[10.0, 0.0]] * 2 + [[0.0, 10.0]])
    counts = [5, 2, 1]
    for min_count, covered in ((1, 3), (2, 2), (3, 1), (6, 0)):
        result = mode_coverage(samples, CENTERS, STD, min_count=min_count)
        np.testing.assert_array_equal(result.counts, counts)
        assert result.modes_covered == covered, min_count
        assert result.high_quality_share == 1.0


def test_nearest_mode_uses_per_mode_std():
    # x = 4 is 4 std from mode 0 (std 1) and 6 / 2 = 3 std from mode 1 (std 2): mode 1 wins by
    # standardised distance, as in the PacGAN code, though it is farther in plain distance;
    # 3 is not < 3, so it is not high quality. x = 5: 5 std vs 2.5 std -> mode 1, counted.
    centers = np.array([[0.0], [10.0]])
    result = mode_coverage(np.array([[4.0], [5.0], [0.5]]), centers, std=[1.0, 2.0])
    np.testing.assert_array_equal(result.counts, [1, 1])


def test_against_an_independent_loop_on_random_data():
    rng = np.random.default_rng(0)
    centers, std = mixtures.mode_centers("grid25")
    samples = rng.uniform(-5, 5, size=(700, 2))
    samples[:300] = centers[rng.integers(0, 25, 300)] + rng.normal(0, 0.1, (300, 2))
    counts = np.zeros(25, int)
    for x in samples:
        d = [np.sqrt(((x - c) ** 2).sum()) / std for c in centers]
        if min(d) < 3:
            counts[int(np.argmin(d))] += 1
    result = mode_coverage(samples, centers, std)
    np.testing.assert_array_equal(result.counts, counts)
    assert result.modes_covered == int((counts > 0).sum())
    assert result.high_quality_share == pytest.approx(counts.sum() / 700)
    assert result.as_dict()["counts"] == counts.tolist()


def test_true_mixture_samples_are_almost_all_high_quality():
    # P(||N(0, I_2)|| < 3) = 1 - exp(-9 / 2) = 0.98889.
    points = mixtures.sample("ring8", 20_000, seed=0)
    centers, std = mixtures.mode_centers("ring8")
    result = mode_coverage(points, centers, std)
    assert result.modes_covered == 8
    assert abs(result.high_quality_share - (1 - np.exp(-4.5))) < 0.003


def test_non_finite_samples_are_not_high_quality():
    samples = np.array([[np.nan, 0.0], [np.inf, 1.0], [0.0, 0.0]])
    result = mode_coverage(samples, CENTERS, STD)
    np.testing.assert_array_equal(result.counts, [1, 0, 0])
    assert result.high_quality_share == pytest.approx(1 / 3)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="samples must have shape"):
        mode_coverage(np.zeros(3), CENTERS, STD)
    with pytest.raises(ValueError, match="centers must have shape"):
        mode_coverage(np.zeros((3, 2)), np.zeros((3, 3)), STD)
    with pytest.raises(ValueError, match="std must be a positive"):
        mode_coverage(np.zeros((3, 2)), CENTERS, 0.0)
    with pytest.raises(ValueError, match="std must be a positive"):
        mode_coverage(np.zeros((3, 2)), CENTERS, [1.0, 1.0])
    with pytest.raises(ValueError, match="min_count must be a positive int"):
        mode_coverage(np.zeros((3, 2)), CENTERS, STD, min_count=0)
    with pytest.raises(ValueError, match="threshold must be a positive"):
        mode_coverage(np.zeros((3, 2)), CENTERS, STD, threshold=-1)
