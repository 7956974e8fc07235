"""Tests for MinibatchDiscrimination and MinibatchStddev (keras_gans/layers/minibatch.py)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.layers.minibatch import MinibatchDiscrimination, MinibatchStddev


# ---------------------------------------------------------------- minibatch discrimination
def _numpy_minibatch_discrimination(x, theta, log_weight_scale, bias):
    """Loop reimplementation of the paper's formulas with the official weight norm."""
    x = x.reshape(x.shape[0], -1).astype(np.float64)
    theta = theta.astype(np.float64)
    a, k, d = theta.shape
    t = theta * np.exp(log_weight_scale) / np.sqrt((theta**2).sum(axis=0))
    m = (x @ t.reshape(a, k * d)).reshape(-1, k, d)
    o = np.zeros((x.shape[0], k))
    for i in range(x.shape[0]):
        for b in range(k):
            for j in range(x.shape[0]):
                if j != i:
                    o[i, b] += np.exp(-np.abs(m[i, b] - m[j, b]).sum())
            o[i, b] += bias[b]
    return np.concatenate([x, o], axis=1)


def _random_layer(rng, a, k, d):
    layer = MinibatchDiscrimination(k, d)
    layer.build((None, a))
    theta = rng.normal(size=(a, k, d)).astype("float32")
    lws = rng.normal(scale=0.3, size=(k, d)).astype("float32")
    bias = rng.normal(size=(k,)).astype("float32")
    layer.set_weights([theta, lws, bias])
    return layer, theta, lws, bias


def test_minibatch_discrimination_matches_numpy_loop():
    rng = np.random.default_rng(0)
    layer, theta, lws, bias = _random_layer(rng, 6, 3, 4)
    x = rng.normal(scale=0.3, size=(5, 6)).astype("float32")
    got = np.asarray(layer(x))
    assert got.shape == (5, 6 + 3)
    expected = _numpy_minibatch_discrimination(x, theta, lws, bias)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    # The similarity sums are not trivially 0: they carry information here.
    assert np.all(np.abs(got[:, 6:] - bias) > 1e-3)


def test_self_term_excluded_and_duplicates_counted():
    # theta = identity-like so M_i = x_i / ||column|| = x_i (unit columns); one kernel, dim 2.
    layer = MinibatchDiscrimination(1, 2, use_bias=False)
    layer.build((None, 2))
    layer.set_weights([np.eye(2, dtype="float32").reshape(2, 1, 2), np.zeros((1, 2), "float32")])
    x = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0]], "float32")
    o = np.asarray(layer(x))[:, 2]
    # Sample 0: j=1 is a duplicate (exp(0) = 1) and j=2 is at L1 distance 3; no self term.
    e3 = np.exp(-3.0)
    np.testing.assert_allclose(o, [1.0 + e3, 1.0 + e3, 2 * e3], rtol=1e-6)
    # One sample alone: nothing to compare with.
    np.testing.assert_allclose(np.asarray(layer(x[:1]))[:, 2], [0.0])


def test_output_depends_on_other_samples_in_batch():
    rng = np.random.default_rng(1)
    layer, *_ = _random_layer(rng, 4, 2, 3)
    x = rng.normal(scale=0.3, size=(3, 4)).astype("float32")
    before = np.asarray(layer(x))
    x2 = x.copy()
    x2[2] += 0.5  # change only sample 2
    after = np.asarray(layer(x2))
    np.testing.assert_array_equal(after[0, :4], before[0, :4])  # x_0 passed through untouched
    assert np.all(np.abs(after[0, 4:] - before[0, 4:]) > 1e-4)  # but o(x_0) changed


def test_plain_tensor_and_flattened_input_and_gradients():
    rng = np.random.default_rng(2)
    layer = MinibatchDiscrimination(2, 3, weight_norm=False, use_bias=False)
    x = rng.normal(scale=0.2, size=(4, 2, 3, 1)).astype("float32")  # flattened to 6 features
    out = layer(x)
    assert out.shape == (4, 8)
    assert [tuple(w.shape) for w in layer.weights] == [(6, 2, 3)]
    theta = layer.get_weights()[0]
    flat = x.reshape(4, 6)
    m = np.einsum("ba,akd->bkd", flat, theta)
    dist = np.abs(m[:, None] - m[None]).sum(-1)  # [i, j, k]
    o = (np.exp(-dist) * (1 - np.eye(4))[:, :, None]).sum(1)
    np.testing.assert_allclose(np.asarray(out)[:, 6:], o, rtol=1e-5)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = tf.reduce_sum(layer(xt)[:, 6:])
    grads = tape.gradient(y, [xt, layer.theta.value])
    for g in grads:
        assert np.all(np.isfinite(g.numpy())) and np.abs(g.numpy()).sum() > 0


def test_official_default_initialisation_and_shapes():
    layer = MinibatchDiscrimination(100)
    out = layer(np.zeros((3, 192), "float32"))
    assert out.shape == (3, 292)
    theta, lws, bias = layer.get_weights()
    assert theta.shape == (192, 100, 5) and lws.shape == (100, 5) and bias.shape == (100,)
    assert abs(theta.std() - 0.05) < 0.003  # N(0, 0.05) over 96k draws
    np.testing.assert_array_equal(lws, 0.0)
    np.testing.assert_array_equal(bias, -1.0)
    # All-equal inputs: every pair is a duplicate, so o = (B - 1) + bias.
    np.testing.assert_allclose(np.asarray(out)[:, 192:], 2.0 - 1.0, atol=1e-6)


def test_initialize_from_data_matches_official_rule():
    rng = np.random.default_rng(3)
    layer, theta, lws, _ = _random_layer(rng, 5, 2, 3)
    x = rng.normal(size=(6, 5)).astype("float32")
    layer.initialize_from_data(x)
    # NumPy: nearest-neighbour L1 distances with the starting weights.
    t = theta * np.exp(lws) / np.sqrt((theta**2).sum(0))
    m = np.einsum("ba,akd->bkd", x.astype(np.float64), t)
    dist = np.abs(m[:, None] - m[None]).sum(-1) + 1e6 * np.eye(6)[:, :, None]  # [i, j, k]
    scale = 0.5 * dist.min(axis=1).mean(axis=0)  # [k]
    np.testing.assert_allclose(layer.get_weights()[1], lws - np.log(scale)[:, None], rtol=1e-5)
    # After init the similarity features have zero batch mean (the point of the rule).
    o = np.asarray(layer(x))[:, 5:]
    np.testing.assert_allclose(o.mean(axis=0), 0.0, atol=1e-5)
    with pytest.raises(ValueError, match="weight_norm=True and use_bias=True"):
        MinibatchDiscrimination(2, use_bias=False).initialize_from_data(x)


def test_minibatch_discrimination_config_and_save(tmp_path):
    inputs = keras.Input((6,))
    model = keras.Model(inputs, MinibatchDiscrimination(3, 2, name="mbd")(inputs))
    assert model.output_shape == (None, 9)
    config = model.get_layer("mbd").get_config()
    assert (config["num_kernels"], config["kernel_dim"], config["weight_norm"]) == (3, 2, True)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.random.default_rng(4).normal(size=(4, 6)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)


def test_minibatch_discrimination_bad_arguments():
    with pytest.raises(ValueError, match="num_kernels must be a positive int"):
        MinibatchDiscrimination(0)
    with pytest.raises(ValueError, match="kernel_dim must be a positive int"):
        MinibatchDiscrimination(3, kernel_dim=2.0)


# ---------------------------------------------------------------- minibatch stddev
def _numpy_mbstd(x, group_size, features=1):
    """Written out group by group: sample n is in group n % M (the official reshape)."""
    n, h, w, c = x.shape
    g = min(group_size, n)
    m = n // g
    out = np.zeros((n, h, w, features))
    for group in range(m):
        members = [i for i in range(n) if i % m == group]
        assert len(members) == g
        block = x[members].astype(np.float64)  # [G, H, W, C]
        std = np.sqrt(block.var(axis=0) + 1e-8)  # biased variance, as in the official code
        for f in range(features):
            value = std[..., f * (c // features) : (f + 1) * (c // features)].mean()
            out[members, :, :, f] = value
    return np.concatenate([x, out], axis=-1)


@pytest.mark.parametrize("batch,group_size,features", [(8, 4, 1), (6, 2, 1), (3, 4, 1), (8, 4, 2)])
def test_minibatch_stddev_matches_numpy(batch, group_size, features):
    rng = np.random.default_rng(batch + group_size)
    x = rng.normal(size=(batch, 3, 2, 4)).astype("float32") * np.arange(1, batch + 1)[:, None, None, None]
    got = np.asarray(MinibatchStddev(group_size, num_new_features=features)(x))
    assert got.shape == (batch, 3, 2, 4 + features)
    np.testing.assert_allclose(got, _numpy_mbstd(x, group_size, features), rtol=1e-5, atol=1e-6)


def test_minibatch_stddev_hand_computed_and_strided_groups():
    # Batch 4, group size 2 -> M = 2 groups: {0, 2} and {1, 3}. 1x1 images, one channel.
    x = np.array([0.0, 10.0, 2.0, 10.0], "float32").reshape(4, 1, 1, 1)
    got = np.asarray(MinibatchStddev(2)(x))[:, 0, 0, 1]
    # Group {0, 2}: values 0 and 2 -> std 1; group {1, 3}: equal values -> sqrt(1e-8) = 1e-4.
    np.testing.assert_allclose(got, [1.0, 1e-4, 1.0, 1e-4], rtol=1e-5)


def test_minibatch_stddev_in_functional_model_and_tf_function():
    inputs = keras.Input((2, 2, 3))
    model = keras.Model(inputs, MinibatchStddev(4, name="mbstd")(inputs))
    assert model.output_shape == (None, 2, 2, 4)
    x = np.random.default_rng(5).normal(size=(8, 2, 2, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(x)), _numpy_mbstd(x, 4), rtol=1e-5, atol=1e-6)

    layer = MinibatchStddev(4)
    fn = tf.function(layer, input_signature=[tf.TensorSpec([None, 2, 2, 3])])
    np.testing.assert_allclose(fn(x).numpy(), _numpy_mbstd(x, 4), rtol=1e-5, atol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match="divisible by"):
        fn(x[:6])
    clone = MinibatchStddev.from_config(model.get_layer("mbstd").get_config())
    assert (clone.group_size, clone.num_new_features) == (4, 1)


def test_minibatch_stddev_bad_inputs():
    with pytest.raises(ValueError, match="batch of 6 does not split into groups of group_size=4"):
        MinibatchStddev(4)(np.zeros((6, 2, 2, 1), "float32"))
    with pytest.raises(ValueError, match="group_size must be a positive int"):
        MinibatchStddev(0)
    with pytest.raises(ValueError, match="divisible by num_new_features=2"):
        MinibatchStddev(4, num_new_features=2)(np.zeros((4, 2, 2, 3), "float32"))
