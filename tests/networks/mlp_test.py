"""Tests for the MLP builders and the original GAN's networks (keras_gans/networks/mlp.py),
and the presets that use them."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

from keras_gans import presets, testing
from keras_gans.data import mixtures
from keras_gans.networks import mlp

# goodfeli/adversarial, mnist.yaml, written out as pylearn2 parameter shapes.
# Generator: MLP(nvis=100) with RectifiedLinear h0 (dim 1200), RectifiedLinear h1 (dim 1200),
# Sigmoid y (dim 784); each layer W [in, out] and b [out].
OFFICIAL_G_SHAPES = [(100, 1200), (1200,), (1200, 1200), (1200,), (1200, 784), (784,)]
# Discriminator: MLP(nvis=784) with Maxout h0 (240 units x 5 pieces), Maxout h1 (240 x 5),
# Sigmoid y (dim 1); a pylearn2 Maxout keeps W [in, units * pieces] and b [units * pieces].
OFFICIAL_D_SHAPES = [(784, 240 * 5), (240 * 5,), (240, 240 * 5), (240 * 5,), (240, 1), (1,)]


def _count(shapes):
    return sum(int(np.prod(s)) for s in shapes)


def test_original_gan_networks_have_the_official_shapes_and_counts():
    g = mlp.goodfellow_generator()
    d = mlp.goodfellow_discriminator()
    assert [tuple(w.shape) for w in g.weights] == OFFICIAL_G_SHAPES
    assert [tuple(w.shape) for w in d.weights] == OFFICIAL_D_SHAPES
    assert g.count_params() == _count(OFFICIAL_G_SHAPES) == 2_503_984
    assert d.count_params() == _count(OFFICIAL_D_SHAPES) == 1_231_441
    z = np.random.default_rng(0).normal(size=(3, 100)).astype("float32")
    images = np.asarray(g(z))
    assert images.shape == (3, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    assert d(images).shape == (3, 1)


def test_original_gan_initialisation_ranges():
    g = mlp.goodfellow_generator(seed=1)
    d = mlp.goodfellow_discriminator(seed=1)
    for net, limit in ((g, 0.05), (d, 0.005)):
        for w in net.weights:
            w = np.asarray(w)
            if w.ndim == 2:  # irange: uniform in [-limit, limit], so the max is close to it
                assert np.abs(w).max() <= limit and np.abs(w).max() > 0.9 * limit
                assert abs(w.std() - limit / np.sqrt(3)) < 0.05 * limit
            else:
                np.testing.assert_array_equal(w, 0.0)


def test_discriminator_dropout_rates_and_placement():
    d = mlp.goodfellow_discriminator()
    drops = [(layer.name, layer.rate) for layer in d.layers if isinstance(layer, keras.layers.Dropout)]
    assert drops == [("input_dropout", 0.2), ("dropout1", 0.5), ("dropout2", 0.5)]
    names = [layer.name for layer in d.layers]
    assert names.index("input_dropout") < names.index("maxout1") < names.index("dropout1")
    assert names.index("maxout2") < names.index("dropout2") < names.index("logits")
    x = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1)).astype("float32")
    np.testing.assert_array_equal(np.asarray(d(x)), np.asarray(d(x)))  # inference: no dropout
    assert not np.allclose(np.asarray(d(x, training=True)), np.asarray(d(x, training=True)))


def test_mlp_generator_and_discriminator_against_numpy():
    g = mlp.mlp_generator(latent_dim=3, output_dim=2, width=4, depth=2, activation="tanh", seed=0)
    d = mlp.mlp_discriminator(input_dim=2, width=5, depth=1, activation="relu", seed=0)
    z = np.random.default_rng(1).normal(size=(6, 3))
    w = [np.asarray(v, np.float64) for v in g.weights]
    h = np.tanh(np.tanh(z @ w[0] + w[1]) @ w[2] + w[3])
    expected = h @ w[4] + w[5]  # linear output
    np.testing.assert_allclose(np.asarray(g(z.astype("float32"))), expected, rtol=1e-5, atol=1e-5)
    v = [np.asarray(x, np.float64) for x in d.weights]
    logits = np.maximum(expected @ v[0] + v[1], 0) @ v[2] + v[3]
    np.testing.assert_allclose(np.asarray(d(expected.astype("float32"))), logits, rtol=1e-5, atol=1e-5)


def test_image_reshape_depth_zero_and_seeds():
    g = mlp.mlp_generator(latent_dim=5, image_shape=(4, 4, 1), width=8, depth=1,
                          output_activation="tanh", seed=3)
    assert g.output_shape == (None, 4, 4, 1)
    linear = mlp.mlp_generator(latent_dim=5, output_dim=2, depth=0)
    assert [tuple(w.shape) for w in linear.weights] == [(5, 2), (2,)]
    again = mlp.mlp_generator(latent_dim=5, image_shape=(4, 4, 1), width=8, depth=1,
                              output_activation="tanh", seed=3)
    for a, b in zip(g.weights, again.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    other = mlp.mlp_generator(latent_dim=5, image_shape=(4, 4, 1), width=8, depth=1, seed=4)
    assert not np.allclose(np.asarray(g.weights[0]), np.asarray(other.weights[0]))
    d = mlp.mlp_discriminator(image_shape=(4, 4, 1), width=6, depth=2, maxout_pieces=3)
    assert d(np.zeros((2, 4, 4, 1), "float32")).shape == (2, 1)
    assert d.count_params() == (16 * 18 + 18) + (6 * 18 + 18) + (6 + 1)


def test_orthogonal_initialiser_with_gain_from_a_config_dict():
    init = {"class_name": "Orthogonal", "config": {"gain": 1.4}}
    g = mlp.mlp_generator(latent_dim=256, output_dim=2, width=128, depth=2, kernel_initializer=init, seed=0)
    w = np.asarray(g.weights[0], np.float64)  # [256, 128]: orthonormal columns times the gain
    np.testing.assert_allclose(w.T @ w, 1.4**2 * np.eye(128), atol=1e-4)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="exactly one of output_dim"):
        mlp.mlp_generator(latent_dim=2)
    with pytest.raises(ValueError, match="exactly one of output_dim"):
        mlp.mlp_generator(latent_dim=2, output_dim=2, image_shape=(2, 1))
    with pytest.raises(ValueError, match="exactly one of input_dim"):
        mlp.mlp_discriminator()
    with pytest.raises(ValueError, match="width must be an int >= 1"):
        mlp.mlp_generator(output_dim=2, width=0)
    with pytest.raises(ValueError, match="depth must be an int >= 0"):
        mlp.mlp_discriminator(input_dim=2, depth=-1)
    with pytest.raises(ValueError, match="dropout must be in"):
        mlp.mlp_discriminator(input_dim=2, dropout=1.0)
    with pytest.raises(ValueError, match="not a Keras activation"):
        mlp.mlp_generator(output_dim=2, activation="nope")
    with pytest.raises(ValueError, match="image_shape must be a tuple"):
        mlp.mlp_generator(image_shape=(28, 0))


# ------------------------------------------------------------------ presets


def test_gan_presets_follow_the_official_yaml():
    gan = presets.build("gan", seed=0)
    gan.compile()
    assert gan.loss_name == "modified" and presets.build("gan_minimax").loss_name == "minimax"
    assert gan.latent_dim == 100 and gan.latent_distribution == "normal" and gan.n_critic == 1
    assert presets.get("gan")["data"]["batch_size"] == 100
    for opt, lr in ((gan.g_optimizer, 0.1), (gan.d_optimizer, 0.05)):
        assert isinstance(opt, keras.optimizers.SGD) and opt.momentum == 0.5
        schedule = opt.learning_rate if callable(opt.learning_rate) else opt._learning_rate
        assert float(schedule(0)) == pytest.approx(lr)
        # lr / 1.000004 ** t, the yaml's ExponentialDecay
        assert float(schedule(100_000)) == pytest.approx(lr / 1.000004**100_000, rel=1e-5)
    assert gan.generator.count_params() == _count(OFFICIAL_G_SHAPES)
    assert gan.discriminator.count_params() == _count(OFFICIAL_D_SHAPES)


def test_gan_tiny_trains_on_digits():
    gan = presets.build("gan_tiny", seed=0)
    testing.run_config_roundtrip_check(gan)
    images = (load_digits().images[:64, ..., None] / 8.0 - 1.0).astype("float32")
    testing.run_fit_check(gan, images, steps=2)


def test_gan_config_stays_serializable_after_compile():
    gan = presets.build("gan_tiny", seed=0)
    gan.compile()
    testing.run_config_roundtrip_check(gan)


def test_mixture_presets_follow_the_unrolled_gan_notebook():
    gan = presets.build("mixture_gan", seed=0)
    gan.compile()
    assert gan.loss_name == "minimax" and gan.latent_dim == 256
    assert [tuple(w.shape) for w in gan.generator.weights] == [
        (256, 128), (128,), (128, 128), (128,), (128, 2), (2,)]
    assert [tuple(w.shape) for w in gan.discriminator.weights] == [
        (2, 128), (128,), (128, 128), (128,), (128, 1), (1,)]
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert gan.g_optimizer.beta_1 == 0.5 and gan.d_optimizer.epsilon == 1e-8
    assert presets.get("mixture_gan")["data"]["batch_size"] == 512
    expected = {
        "mixture_gan_ns": ("modified", None, 1),
        "mixture_lsgan": ("least_squares", None, 1),
        "mixture_hinge": ("hinge", None, 1),
        "mixture_wgan_gp": ("wasserstein", "wgan", 5),
        "mixture_dragan": ("modified", "dragan", 1),
        "mixture_r1": ("modified", "r1", 1),
    }
    for name, (loss, penalty, n_critic) in expected.items():
        variant = presets.build(name)
        assert (variant.loss_name, variant.gradient_penalty, variant.n_critic) == (loss, penalty, n_critic)
        assert variant.generator.count_params() == gan.generator.count_params()


@pytest.mark.parametrize("name", ["mixture_gan", "mixture_wgan_gp", "mixture_r1"])
def test_mixture_presets_train_on_2d_points(name):
    gan = presets.build(name, seed=0)
    gan.compile()
    batch = 8 * gan.n_critic
    points = next(iter(mixtures.load("ring8", batch_size=batch, seed=0)))
    before = [np.asarray(w).copy() for w in gan.generator.weights]
    logs = gan.train_step(points)
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert int(gan.d_optimizer.iterations) == gan.n_critic and int(gan.g_optimizer.iterations) == 1
    assert any(not np.allclose(a, np.asarray(b)) for a, b in zip(before, gan.generator.weights))
    samples = gan.generate(5, seed=1)
    assert samples.shape == (5, 2) and np.all(np.isfinite(samples))
    assert isinstance(points, tf.Tensor) and points.shape == (batch, 2)
