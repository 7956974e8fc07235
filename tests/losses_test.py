"""Tests for keras_gans.losses against hand-computed and NumPy reference values."""

import dataclasses
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import losses

# Small hand-picked logits, shape [3, 1], and a PatchGAN map [2, 3, 3, 1].
REAL = np.array([[2.0], [-1.0], [0.5]], np.float32)
FAKE = np.array([[-3.0], [0.0], [1.5]], np.float32)
_rng = np.random.default_rng(0)
REAL_MAP = _rng.normal(size=(2, 3, 3, 1)).astype(np.float32)
FAKE_MAP = _rng.normal(size=(2, 3, 3, 1)).astype(np.float32)


# Independent NumPy reference: write each formula with np.log / np.exp.
def _sig(x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def _bmean(x):
    return x.reshape(x.shape[0], -1).mean(axis=1)


def _ref(name, r, f):
    r, f = r.astype(np.float64), f.astype(np.float64)
    mr, mf = r.mean(axis=0, keepdims=True), f.mean(axis=0, keepdims=True)
    table = {
        "minimax": (np.log(1 - _sig(f)), -np.log(_sig(r)) - np.log(1 - _sig(f))),
        "modified": (-np.log(_sig(f)), -np.log(_sig(r)) - np.log(1 - _sig(f))),
        "wasserstein": (-f, f - r),
        "least_squares": (0.5 * (f - 1) ** 2, 0.5 * (r - 1) ** 2 + 0.5 * f**2),
        "hinge": (-f, np.maximum(0, 1 - r) + np.maximum(0, 1 + f)),
        "relativistic": (-np.log(_sig(f - r)), -np.log(_sig(r - f))),
        "relativistic_average": (
            -np.log(_sig(f - mr)) - np.log(1 - _sig(r - mf)),
            -np.log(_sig(r - mf)) - np.log(1 - _sig(f - mr)),
        ),
    }
    g, d = table[name]
    return _bmean(g), _bmean(d)


NAMES = [
    "minimax",
    "modified",
    "wasserstein",
    "least_squares",
    "hinge",
    "relativistic",
    "relativistic_average",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", ["vector", "patch"])
def test_loss_values_and_shape(name, shape):
    r, f = (REAL, FAKE) if shape == "vector" else (REAL_MAP, FAKE_MAP)
    pair = losses.get(name)
    g = keras.ops.convert_to_numpy(pair.generator(f, r))
    d = keras.ops.convert_to_numpy(pair.discriminator(r, f))
    g_ref, d_ref = _ref(name, r, f)
    assert g.shape == d.shape == (r.shape[0],)
    np.testing.assert_allclose(g, g_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d, d_ref, rtol=1e-5, atol=1e-6)


def test_hand_computed_numbers():
    r, f = np.array([[2.0]], np.float32), np.array([[-0.5]], np.float32)
    np.testing.assert_allclose(losses.hinge_discriminator_loss(r, f), [0.5])
    np.testing.assert_allclose(losses.hinge_discriminator_loss(f, r), [4.5])
    np.testing.assert_allclose(losses.least_squares_discriminator_loss(r, f), [0.625])
    np.testing.assert_allclose(losses.least_squares_generator_loss(f), [1.125])
    np.testing.assert_allclose(losses.wasserstein_discriminator_loss(r, f), [-2.5])
    # Non-default LSGAN labels: a=-1, b=1, c=0 (Mao et al. eq. 8 variant).
    np.testing.assert_allclose(
        losses.least_squares_discriminator_loss(r, f, real_label=1.0, fake_label=-1.0),
        [0.5 + 0.125],
    )
    np.testing.assert_allclose(
        losses.least_squares_generator_loss(f, real_label=0.0), [0.125]
    )
    # Modified G loss at logit 0: -log(1/2).
    np.testing.assert_allclose(
        losses.modified_generator_loss(np.zeros([1, 1], np.float32)), [math.log(2)],
        rtol=1e-6,
    )


def test_optimal_discriminator_value_is_minus_log4():
    # D(x) = D(G(z)) = 1/2 <=> logits 0; V(D, G) = -L_D = -2 log 2 = -log 4.
    zeros = np.zeros([4, 1], np.float32)
    v = -keras.ops.convert_to_numpy(losses.minimax_discriminator_loss(zeros, zeros))
    np.testing.assert_allclose(v, -2 * math.log(2) * np.ones(4), rtol=1e-6)


def test_stable_for_large_logits():
    big = np.array([[80.0], [-80.0]], np.float32)
    for fn in (losses.minimax_generator_loss, losses.modified_generator_loss):
        assert np.all(np.isfinite(fn(big)))
    d = keras.ops.convert_to_numpy(losses.minimax_discriminator_loss(big, -big))
    np.testing.assert_allclose(d, [0.0, 160.0], atol=1e-5)
    g = losses.minimax_generator_loss(big)
    np.testing.assert_allclose(g, [-80.0, 0.0], atol=1e-5)


def test_label_smoothing():
    # TF-GAN's / Keras' meaning: label_smoothing s moves the real target to
    # 1 * (1 - s) + 0.5 * s = 1 - s / 2, so s = 0.1 gives 0.95.
    r, f = np.array([[1.0]], np.float32), np.array([[-2.0]], np.float32)
    t = 0.95
    expected = -t * np.log(_sig(r)) - (1 - t) * np.log(1 - _sig(r)) - np.log(
        1 - _sig(f)
    )
    # By hand: CE(l, t) = softplus(-l) + (1 - t) * l, so with l_real = 1,
    # l_fake = -2: softplus(-1) + 0.05 + softplus(-2)
    #            = 0.3132617 + 0.05 + 0.1269280 = 0.4901897.
    np.testing.assert_allclose(expected.ravel(), [0.4901897], rtol=1e-6)
    for fn in (losses.minimax_discriminator_loss, losses.modified_discriminator_loss):
        np.testing.assert_allclose(
            fn(r, f, label_smoothing=0.1), expected.ravel(), rtol=1e-5
        )
        np.testing.assert_allclose(fn(r, f, label_smoothing=0.1), [0.4901897], rtol=1e-6)
        # TF-GAN's default 0.25: real target 0.875, softplus(-1) + 0.125 + softplus(-2).
        np.testing.assert_allclose(
            fn(r, f, label_smoothing=0.25), [0.3132617 + 0.125 + 0.1269280], rtol=1e-6
        )
        # Salimans et al.'s real target 0.9 is s = 0.2: softplus(-1) + 0.1 + softplus(-2).
        np.testing.assert_allclose(
            fn(r, f, label_smoothing=0.2), [0.3132617 + 0.1 + 0.1269280], rtol=1e-6
        )
    # Same as Keras' BinaryCrossentropy(label_smoothing=s) on the real half.
    for s in (0.1, 0.25):
        keras_real = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=s)(
            np.ones_like(r), r
        )
        ours_real = losses.minimax_discriminator_loss(
            r, np.full_like(f, -1e4), label_smoothing=s
        )
        np.testing.assert_allclose(ours_real, [float(keras_real)], rtol=1e-6)
    # No smoothing is exactly the unsmoothed loss.
    np.testing.assert_array_equal(
        losses.minimax_discriminator_loss(r, f, label_smoothing=0.0),
        losses.minimax_discriminator_loss(r, f),
    )
    with pytest.raises(ValueError, match="label_smoothing=1.0"):
        losses.minimax_discriminator_loss(r, f, label_smoothing=1.0)
    with pytest.raises(ValueError, match="-0.1"):
        losses.modified_discriminator_loss(r, f, label_smoothing=-0.1)


def test_relativistic_generators_need_real_logits():
    for fn in (
        losses.relativistic_generator_loss,
        losses.relativistic_average_generator_loss,
    ):
        with pytest.raises(ValueError, match="real_logits"):
            fn(FAKE)


def test_ragan_averages_over_batch_only():
    # Batch of 2 maps [2, 1, 2, 1]: the mean keeps the two spatial positions.
    r = np.array([[[[1.0], [0.0]]], [[[3.0], [2.0]]]], np.float32)
    f = np.zeros_like(r)
    # mean_r = [2, 1] per position, mean_f = 0. L_D per position:
    # softplus(-(r - 0)) + softplus(0 - mean_r).
    sp = lambda x: np.log1p(np.exp(x))  # noqa: E731
    expected = [
        (sp(-1.0) + sp(-2.0) + sp(0.0) + sp(-1.0)) / 2,
        (sp(-3.0) + sp(-2.0) + sp(-2.0) + sp(-1.0)) / 2,
    ]
    np.testing.assert_allclose(
        losses.relativistic_average_discriminator_loss(r, f), expected, rtol=1e-6
    )


def test_registry():
    for name in NAMES:
        pair = losses.get(name)
        assert isinstance(pair, losses.LossPair) and pair.name == name
        assert pair.generator is getattr(losses, f"{name}_generator_loss")
        assert pair.discriminator is getattr(losses, f"{name}_discriminator_loss")
        assert pair.generator_needs_real == name.startswith("relativistic")
    assert losses.get("Least-Squares").name == "least_squares"
    custom = losses.LossPair(
        "mine", losses.hinge_generator_loss, losses.hinge_discriminator_loss
    )
    assert losses.get(custom) is custom
    with pytest.raises(ValueError, match="minimax.*relativistic_average"):
        losses.get("nonsense")
    with pytest.raises(dataclasses.FrozenInstanceError):
        custom.name = "x"


# ----------------------------------------------------------------- penalties

W = np.array([[[0.5], [1.0]], [[-2.0], [0.25]]], np.float32)  # [2, 2, 1]
W_NORM = float(np.sqrt((W.astype(np.float64) ** 2).sum()))
X_REAL = np.arange(12, dtype=np.float32).reshape(3, 2, 2, 1) / 10.0
X_FAKE = -np.ones((3, 2, 2, 1), np.float32)


def linear_critic(x):
    return tf.reduce_sum(x * W, axis=[1, 2, 3])[:, None]


def quadratic_critic(x):
    return tf.reduce_sum(x**2, axis=[1, 2, 3])[:, None]


def test_gradient_penalty_linear_critic():
    # grad f = w everywhere, so the penalty is (||w|| - 1)^2 for any alpha.
    gp = losses.wasserstein_gradient_penalty(linear_critic, X_REAL, X_FAKE, seed=3)
    np.testing.assert_allclose(gp, [(W_NORM - 1) ** 2] * 3, rtol=1e-5)
    # One-sided: ||w|| > 1 here, so unchanged; with w/10 (norm < 1) it is 0.
    gp1 = losses.wasserstein_gradient_penalty(
        linear_critic, X_REAL, X_FAKE, one_sided=True
    )
    np.testing.assert_allclose(gp1, [(W_NORM - 1) ** 2] * 3, rtol=1e-5)
    small = lambda x: linear_critic(x) / 10.0  # noqa: E731
    two_sided = losses.wasserstein_gradient_penalty(small, X_REAL, X_FAKE)
    np.testing.assert_allclose(two_sided, [(W_NORM / 10 - 1) ** 2] * 3, rtol=1e-5)
    np.testing.assert_allclose(
        losses.wasserstein_gradient_penalty(small, X_REAL, X_FAKE, one_sided=True),
        [0.0] * 3,
    )


def test_gradient_penalty_interpolates_per_example():
    alpha = np.array([0.0, 0.5, 1.0], np.float32)
    a = alpha[:, None, None, None]
    x_hat = a * X_REAL + (1 - a) * X_FAKE
    norm = np.sqrt(((2 * x_hat.astype(np.float64)) ** 2).sum(axis=(1, 2, 3)) + 1e-10)
    gp = losses.wasserstein_gradient_penalty(
        quadratic_critic, X_REAL, X_FAKE, alpha=alpha
    )
    np.testing.assert_allclose(gp, (norm - 1) ** 2, rtol=1e-5)
    # Example 0 is the fake (all -1, 4 pixels): ||2x|| = 4, penalty 9 by hand.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gp)[0], 9.0, rtol=1e-5)


def test_gradient_penalty_random_alpha_is_per_example_uniform():
    # real = 1, fake = 0 => x_hat = alpha; f = sum(x^2) / 8 has grad x / 4, so
    # on 4 pixels ||grad|| = alpha / 2 and GP = (1 - alpha / 2)^2: invert it.
    real = np.ones((256, 2, 2, 1), np.float32)
    fake = np.zeros_like(real)
    critic = lambda x: quadratic_critic(x) / 8.0  # noqa: E731
    seed = keras.random.SeedGenerator(1)
    draws = []
    for _ in range(2):
        gp = keras.ops.convert_to_numpy(
            losses.wasserstein_gradient_penalty(critic, real, fake, seed=seed)
        )
        draws.append(2 * (1 - np.sqrt(gp)))
    a = draws[0]
    assert np.all((a > -1e-4) & (a < 1 + 1e-4))
    assert abs(a.mean() - 0.5) < 0.08 and abs(a.std() - np.sqrt(1 / 12)) < 0.05
    assert not np.allclose(draws[0], draws[1])  # fresh draws per call


def test_dragan_quadratic_critic():
    alpha = np.array([0.25, 1.0, 0.0], np.float32)
    u = np.linspace(0, 1, X_REAL.size, dtype=np.float32).reshape(X_REAL.shape)
    x = X_REAL.astype(np.float64)
    x_p = x + 0.5 * x.std() * u  # std over the whole batch (population)
    x_hat = x + alpha[:, None, None, None] * (x_p - x)
    norm = np.sqrt(((2 * x_hat) ** 2).sum(axis=(1, 2, 3)) + 1e-10)
    pen = losses.dragan_penalty(quadratic_critic, X_REAL, alpha=alpha, perturbation=u)
    np.testing.assert_allclose(pen, (norm - 1) ** 2, rtol=1e-5)
    # alpha = 0 (example 2) is x itself: 2 * [0.8, 0.9, 1.0, 1.1].
    hand = (2 * math.sqrt(0.64 + 0.81 + 1.0 + 1.21) - 1) ** 2
    np.testing.assert_allclose(keras.ops.convert_to_numpy(pen)[2], hand, rtol=1e-5)
    # Random draws: linear critic gives (||w|| - 1)^2 regardless.
    pen = losses.dragan_penalty(linear_critic, X_REAL, seed=7)
    np.testing.assert_allclose(pen, [(W_NORM - 1) ** 2] * 3, rtol=1e-5)


def test_r1_r2():
    np.testing.assert_allclose(
        losses.r1_penalty(linear_critic, X_REAL), [W_NORM**2] * 3, rtol=1e-5
    )
    expected = (4 * X_REAL.astype(np.float64) ** 2).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(
        losses.r1_penalty(quadratic_critic, X_REAL), expected, rtol=1e-5
    )
    np.testing.assert_allclose(
        losses.r2_penalty(quadratic_critic, X_FAKE), [16.0] * 3, rtol=1e-5
    )


def test_penalty_differentiable_in_critic_weights_and_tf_function():
    # f(x) = sum(v * x): GP = (||v|| - 1)^2, d/dv = 2 (||v|| - 1) v / ||v||.
    v = tf.Variable(W)
    critic = lambda x: tf.reduce_sum(x * v, axis=[1, 2, 3])[:, None]  # noqa: E731
    seed = keras.random.SeedGenerator(0)

    @tf.function(
        input_signature=[tf.TensorSpec([None, 2, 2, 1]), tf.TensorSpec([None, 2, 2, 1])]
    )
    def step(real, fake):
        with tf.GradientTape() as tape:
            gp = losses.wasserstein_gradient_penalty(critic, real, fake, seed=seed)
            total = tf.reduce_mean(gp)
        r1 = losses.r1_penalty(critic, real)
        dr = losses.dragan_penalty(critic, real, seed=seed)
        return gp, tape.gradient(total, v), r1, dr

    gp, grad, r1, dr = step(X_REAL, X_FAKE)
    assert gp.shape == r1.shape == dr.shape == (3,)
    np.testing.assert_allclose(gp, [(W_NORM - 1) ** 2] * 3, rtol=1e-5)
    np.testing.assert_allclose(dr, [(W_NORM - 1) ** 2] * 3, rtol=1e-5)
    np.testing.assert_allclose(r1, [W_NORM**2] * 3, rtol=1e-5)
    np.testing.assert_allclose(grad, 2 * (W_NORM - 1) * W / W_NORM, rtol=1e-4)


def test_unseeded_draws_keep_no_keras_state():
    # seed=None must not use Keras' global SeedGenerator: it creates a
    # tf.Variable on first use, which fails inside strategy.run.
    @tf.function
    def unseeded(real, fake):
        return (
            losses.wasserstein_gradient_penalty(linear_critic, real, fake),
            losses.dragan_penalty(linear_critic, real),
        )

    graph = unseeded.get_concrete_function(X_REAL, X_FAKE).graph
    op_types = {op.type for op in graph.get_operations()}
    assert "RandomUniform" in op_types
    assert not any("Variable" in t for t in op_types), op_types


def test_weight_clip():
    clip = losses.WeightClip(0.1)
    w = np.array([-1.0, -0.05, 0.0, 0.2], np.float32)
    np.testing.assert_allclose(clip(w), [-0.1, -0.05, 0.0, 0.1])
    assert clip.get_config() == {"clip_value": 0.1}
    config = keras.saving.serialize_keras_object(clip)
    restored = keras.saving.deserialize_keras_object(config)
    assert isinstance(restored, losses.WeightClip) and restored.clip_value == 0.1
    assert losses.WeightClip().clip_value == 0.01
    for bad in (0, -0.5, "x"):
        with pytest.raises(ValueError, match="clip_value"):
            losses.WeightClip(bad)
