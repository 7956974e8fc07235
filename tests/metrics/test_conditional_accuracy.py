"""conditional_accuracy: how often a classifier agrees with the requested class."""

import numpy as np
import pytest

from keras_gans.metrics import conditional_accuracy


def test_hand_computed_values():
    requested = np.array([0, 0, 1, 1, 1, 2])
    predicted = np.array([0, 1, 1, 1, 0, 0])
    out = conditional_accuracy(predicted, requested, num_classes=4)
    assert out["accuracy"] == pytest.approx(3 / 6)
    np.testing.assert_allclose(out["per_class"][:3], [1 / 2, 2 / 3, 0.0])
    assert np.isnan(out["per_class"][3])  # class 3 was never requested


def test_scores_are_argmaxed():
    scores = np.eye(3)[[2, 1, 0]] * 5.0 - 1.0
    assert conditional_accuracy(scores, [2, 1, 1], 3)["accuracy"] == pytest.approx(2 / 3)


def test_bad_input():
    with pytest.raises(ValueError, match="one length"):
        conditional_accuracy([0, 1], [0], 2)
    with pytest.raises(ValueError, match=r"lie in \[0, 2\)"):
        conditional_accuracy([0, 1], [0, 2], 2)
    with pytest.raises(ValueError, match="shape"):
        conditional_accuracy(np.zeros((2, 3)), [0, 1], 2)
