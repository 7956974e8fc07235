"""Tests for SelfAttention (keras_gans/layers/attention.py) against a NumPy reference."""

import os

import keras
import numpy as np
import pytest

from keras_gans.layers.attention import SelfAttention


def _numpy_attention(x, w_theta, w_phi, w_g, w_o, gamma, pool=True):
    """SAGAN's non-local block written out with explicit loops over positions.

    x: [B, H, W, C]; 1x1 kernels as [C_in, C_out] matrices.
    """
    batch, height, width, _ = x.shape

    def maxpool(t):
        if not pool:
            return t
        b, h, w, c = t.shape
        return t.reshape(b, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))

    theta = x @ w_theta
    phi = maxpool(x @ w_phi)
    g = maxpool(x @ w_g)
    out = np.empty_like(x)
    for b in range(batch):
        queries = theta[b].reshape(height * width, -1)
        keys = phi[b].reshape(-1, phi.shape[-1])
        values = g[b].reshape(-1, g.shape[-1])
        for n in range(height * width):
            logits = keys @ queries[n]
            weights = np.exp(logits - logits.max())
            weights /= weights.sum()
            attended = weights @ values  # [C / 2]
            i, j = divmod(n, width)
            out[b, i, j] = x[b, i, j] + gamma * (attended @ w_o)
    return out


def _kernels(layer):
    """The four 1x1 kernels as matrices, read from the layer's variables by name."""
    found = {}
    for w in layer.weights:
        for key in ("theta", "phi", "g", "o"):
            if w.path.endswith(f"/{key}/kernel"):
                found[key] = np.array(w)[0, 0]
    return found["theta"], found["phi"], found["g"], found["o"]


def _randomize(layer, rng, gamma, scale=0.3):
    for w in layer.weights:
        if w.path.endswith("/kernel"):
            w.assign(rng.normal(scale=scale, size=w.shape).astype("float32"))
    layer.gamma.assign(gamma)


def test_zero_gamma_is_identity():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 8, 8, 16)).astype("float32")
    for spectral_norm in (False, True):
        layer = SelfAttention(spectral_norm=spectral_norm)
        np.testing.assert_array_equal(np.asarray(layer(x, training=True)), x)
        assert float(layer.gamma) == 0.0


@pytest.mark.parametrize("pool", [True, False])
def test_matches_numpy_reference(pool):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 4, 6, 16)).astype("float32")
    layer = SelfAttention(pool_keys=pool)
    layer.build(x.shape)
    _randomize(layer, rng, gamma=0.7)
    w_theta, w_phi, w_g, w_o = _kernels(layer)
    assert w_theta.shape == (16, 2) and w_phi.shape == (16, 2)  # C / 8
    assert w_g.shape == (16, 8) and w_o.shape == (8, 16)  # C / 2, back to C
    expected = _numpy_attention(x, w_theta, w_phi, w_g, w_o, 0.7, pool=pool)
    got = np.asarray(layer(x))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    # The attention term is not negligible, so the comparison is not vacuous.
    assert np.abs(got - x).mean() > 0.1


def test_spectral_norm_normalises_every_kernel_in_training():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 4, 4, 16)).astype("float32")
    keras.utils.set_random_seed(0)  # SpectralNormalization draws its u vectors unseeded
    layer = SelfAttention(spectral_norm=True)
    layer.build(x.shape)
    _randomize(layer, rng, gamma=0.5, scale=1.0)
    before = _kernels(layer)
    assert all(np.linalg.norm(k, 2) > 1.5 for k in before)
    for _ in range(60):  # one power iteration per call; u converges (30 left 0.2% on some draws)
        out = np.asarray(layer(x, training=True))
    after = _kernels(layer)
    for kernel in after:
        np.testing.assert_allclose(np.linalg.norm(kernel, 2), 1.0, rtol=2e-3)
    # The forward pass used the normalised kernels.
    np.testing.assert_allclose(out, _numpy_attention(x, *after, 0.5), rtol=1e-4, atol=1e-5)
    # Inference leaves kernels and power-iteration vectors untouched.
    state = [np.array(w) for w in layer.weights]
    layer(x, training=False)
    for a, b in zip(state, layer.weights):
        np.testing.assert_array_equal(a, np.array(b))


def test_weights_and_counts():
    layer = SelfAttention()
    layer.build((None, 8, 8, 64))
    # theta, phi: 64 x 8; g: 64 x 32; o: 32 x 64; gamma: 1 (no biases, official code).
    assert layer.count_params() == 64 * 8 * 2 + 64 * 32 * 2 + 1
    assert len(layer.trainable_weights) == 5
    sn = SelfAttention(spectral_norm=True)
    sn.build((None, 8, 8, 64))
    assert sn.count_params() - layer.count_params() == 8 + 8 + 32 + 64  # the u vectors
    assert len(sn.trainable_weights) == 5


def test_gradient_reaches_every_weight():
    import tensorflow as tf

    rng = np.random.default_rng(3)
    x = tf.constant(rng.normal(size=(2, 4, 4, 16)).astype("float32"))
    layer = SelfAttention(spectral_norm=True)
    layer(x)
    layer.gamma.assign(0.5)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, training=True) * rng.normal(size=x.shape).astype("float32"))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert all(g is not None and float(tf.reduce_max(tf.abs(g))) > 0 for g in grads)


def test_save_and_load_keras_file(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 4, 4, 16)).astype("float32")
    inputs = keras.Input((4, 4, 16))
    model = keras.Model(inputs, SelfAttention(spectral_norm=True, name="att")(inputs))
    _randomize(model.get_layer("att"), rng, gamma=0.3)
    path = os.path.join(tmp_path, "att.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(restored(x)), np.asarray(model(x)), rtol=1e-6, atol=1e-6)
    assert restored.get_layer("att").get_config() == model.get_layer("att").get_config()


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="key_divisor"):
        SelfAttention(key_divisor=0)
    with pytest.raises(ValueError, match="even"):
        SelfAttention()(np.zeros((1, 7, 7, 16), "float32"))
    with pytest.raises(ValueError, match="at least 8 channels"):
        SelfAttention()(np.zeros((1, 4, 4, 4), "float32"))
    # Odd sizes work without pooling.
    assert SelfAttention(pool_keys=False)(np.zeros((1, 7, 7, 16), "float32")).shape == (1, 7, 7, 16)
