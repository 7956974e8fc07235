"""Tests for ConditionalBatchNormalization (keras_gans/layers/conditional_norm.py) against NumPy."""

import os

import keras
import numpy as np
import pytest

from keras_gans.layers.conditional_norm import ConditionalBatchNormalization


def _numpy_cbn(x, labels, gamma, beta, mean, var, eps):
    """Per example: gamma[y] * (x - mean) / sqrt(var + eps) + beta[y], over channels."""
    out = np.empty_like(x)
    for b, y in enumerate(labels):
        out[b] = gamma[y] * (x[b] - mean) / np.sqrt(var + eps) + beta[y]
    return out


def _layer(rng, num_classes=3, channels=5, momentum=0.9, eps=1e-3):
    layer = ConditionalBatchNormalization(num_classes, momentum=momentum, epsilon=eps)
    layer.build([(None, 4, 4, channels), (None,)])
    gamma = rng.normal(1.0, 0.5, size=(num_classes, channels)).astype("float32")
    beta = rng.normal(0.0, 0.5, size=(num_classes, channels)).astype("float32")
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    return layer, gamma, beta


def test_initial_gain_one_bias_zero():
    layer = ConditionalBatchNormalization(4)
    layer.build([(None, 2, 2, 6), (None,)])
    np.testing.assert_array_equal(np.array(layer.gamma), np.ones((4, 6)))
    np.testing.assert_array_equal(np.array(layer.beta), np.zeros((4, 6)))
    # Batch norm has no affine of its own: the class tables are the only trainable weights.
    assert [w.path.split("/")[-1] for w in layer.trainable_weights] == ["gamma", "beta"]
    assert layer.count_params() == 2 * 4 * 6 + 2 * 6  # tables + moving mean / variance


def test_training_uses_batch_statistics_and_updates_moving_ones():
    rng = np.random.default_rng(0)
    layer, gamma, beta = _layer(rng)
    x = rng.normal(2.0, 3.0, size=(6, 4, 4, 5)).astype("float32")
    labels = np.array([0, 2, 1, 2, 0, 1], "int32")
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    got = np.asarray(layer([x, labels], training=True))
    np.testing.assert_allclose(got, _numpy_cbn(x, labels, gamma, beta, mean, var, 1e-3), rtol=1e-4, atol=1e-4)
    # moving = 0.9 * initial (0 / 1) + 0.1 * batch statistic.
    np.testing.assert_allclose(np.array(layer.norm.moving_mean), 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.array(layer.norm.moving_variance), 0.9 + 0.1 * var, rtol=1e-4)
    # Each example got its own class's gain: swapping labels changes the output.
    swapped = np.asarray(layer([x, labels[::-1]], training=True))
    assert np.abs(swapped - got).max() > 0.1


def test_inference_uses_moving_statistics():
    rng = np.random.default_rng(1)
    layer, gamma, beta = _layer(rng)
    moving_mean = rng.normal(size=5).astype("float32")
    moving_var = rng.uniform(0.5, 2.0, size=5).astype("float32")
    layer.norm.moving_mean.assign(moving_mean)
    layer.norm.moving_variance.assign(moving_var)
    x = rng.normal(size=(3, 4, 4, 5)).astype("float32")
    labels = np.array([[1], [0], [2]], "int32")  # [B, 1] labels are accepted too
    got = np.asarray(layer([x, labels], training=False))
    expected = _numpy_cbn(x, labels[:, 0], gamma, beta, moving_mean, moving_var, 1e-3)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(np.array(layer.norm.moving_mean), moving_mean)  # not updated


def test_dense_inputs_and_gradients():
    import tensorflow as tf

    rng = np.random.default_rng(2)
    layer = ConditionalBatchNormalization(3, epsilon=1e-5)
    x = tf.constant(rng.normal(size=(6, 4)).astype("float32"))
    labels = tf.constant([0, 1, 1, 0, 0, 1])
    with tf.GradientTape() as tape:
        out = layer([x, labels], training=True)
        loss = tf.reduce_sum(out * rng.normal(size=(6, 4)).astype("float32"))
    d_gamma, d_beta = tape.gradient(loss, [layer.gamma, layer.beta])
    d_gamma, d_beta = tf.convert_to_tensor(d_gamma).numpy(), tf.convert_to_tensor(d_beta).numpy()
    # Classes 0 and 1 received gradients; class 2 (absent from the batch) none.
    assert np.abs(d_gamma[:2]).min() > 0 and np.abs(d_beta[:2]).min() > 0
    np.testing.assert_array_equal(d_gamma[2], 0.0)
    np.testing.assert_array_equal(d_beta[2], 0.0)


def test_save_and_load_keras_file(tmp_path):
    rng = np.random.default_rng(3)
    x_in, y_in = keras.Input((4, 4, 5)), keras.Input((), dtype="int32")
    cbn = ConditionalBatchNormalization(3, momentum=0.5, name="cbn")
    model = keras.Model([x_in, y_in], cbn([x_in, y_in]))
    cbn.gamma.assign(rng.normal(size=(3, 5)).astype("float32"))
    cbn.norm.moving_mean.assign(rng.normal(size=5).astype("float32"))
    path = os.path.join(tmp_path, "cbn.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    x, y = rng.normal(size=(2, 4, 4, 5)).astype("float32"), np.array([2, 0], "int32")
    np.testing.assert_allclose(np.asarray(restored([x, y])), np.asarray(model([x, y])), rtol=1e-6, atol=1e-6)
    assert restored.get_layer("cbn").get_config() == cbn.get_config()


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="num_classes"):
        ConditionalBatchNormalization(0)
    with pytest.raises(ValueError, match="momentum"):
        ConditionalBatchNormalization(3, momentum=1.5)
    with pytest.raises(ValueError, match=r"\[x, labels\]"):
        ConditionalBatchNormalization(3)(np.zeros((2, 4, 4, 5), "float32"))
    with pytest.raises(ValueError, match="labels must have shape"):
        ConditionalBatchNormalization(3).build([(None, 4, 4, 5), (None, 2)])
