"""Tests for the Maxout layer (keras_gans/layers/maxout.py) against NumPy."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers.maxout import Maxout


def _numpy_maxout(x, kernel, bias, units, pieces):
    """Written out unit by unit: y[:, j] = max_i (x W + b)[:, j * pieces + i]."""
    z = x @ kernel + bias
    y = np.empty((x.shape[0], units))
    for j in range(units):
        y[:, j] = np.max([z[:, j * pieces + i] for i in range(pieces)], axis=0)
    return y


def test_maxout_matches_numpy():
    rng = np.random.default_rng(0)
    units, pieces, d_in = 4, 3, 6
    layer = Maxout(units, pieces)
    x = rng.normal(size=(5, d_in)).astype("float32")
    layer.build((None, d_in))
    kernel = rng.normal(size=(d_in, units * pieces)).astype("float32")
    bias = rng.normal(size=(units * pieces,)).astype("float32")
    layer.set_weights([kernel, bias])
    got = np.asarray(layer(x))
    np.testing.assert_allclose(got, _numpy_maxout(x, kernel, bias, units, pieces), rtol=1e-5, atol=1e-5)
    assert got.shape == (5, units)
    # Each output is one of its own unit's pieces (a max, not a sum or a mean).
    z = x @ kernel + bias
    assert np.all(np.isclose(got[:, 1:2], z[:, 3:6], atol=1e-5).any(axis=1))


def test_hand_computed_example_and_gradient_flows_to_the_max_piece_only():
    # x = [1, 2]; pieces of unit 0: [x0, x1] -> 2; unit 1: [-x0, 0.5 x0 - x1] = [-1, -1.5] -> -1.
    layer = Maxout(2, 2, use_bias=False)
    layer.build((None, 2))
    kernel = np.array([[1.0, 0.0, -1.0, 0.5], [0.0, 1.0, 0.0, -1.0]], "float32")
    layer.set_weights([kernel])
    x = np.array([[1.0, 2.0]], "float32")
    np.testing.assert_allclose(np.asarray(layer(x)), [[2.0, -1.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x))
    grad = tape.gradient(y, layer.kernel).numpy()
    # Only column 1 (unit 0's winner) and column 2 (unit 1's winner) get x as gradient.
    expected = np.zeros((2, 4), "float32")
    expected[:, 1] = x[0]
    expected[:, 2] = x[0]
    np.testing.assert_allclose(grad, expected)


def test_parameter_count_shapes_and_leading_axes():
    layer = Maxout(240, 5)
    out = layer(np.zeros((2, 784), "float32"))
    assert out.shape == (2, 240)
    assert layer.count_params() == 784 * 1200 + 1200
    assert [tuple(w.shape) for w in layer.weights] == [(784, 1200), (1200,)]
    layer3 = Maxout(3, 2)
    assert layer3(np.zeros((2, 4, 5), "float32")).shape == (2, 4, 3)


def test_config_round_trip_and_serialization(tmp_path):
    inputs = keras.Input((6,))
    model = keras.Model(inputs, Maxout(3, 4, kernel_initializer="he_normal", name="mx")(inputs))
    config = model.get_layer("mx").get_config()
    assert (config["units"], config["pieces"]) == (3, 4)
    clone = Maxout.from_config(config)
    assert (clone.units, clone.pieces) == (3, 4)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.random.default_rng(1).normal(size=(2, 6)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="units must be a positive int"):
        Maxout(0, 2)
    with pytest.raises(ValueError, match="pieces must be a positive int"):
        Maxout(3, 2.5)
