"""Tests for VEEGAN (keras_gans/models/veegan.py) and its presets (keras_gans/models/vee_gan/)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import presets, testing
from keras_gans.data import mixtures
from keras_gans.models.veegan import VEEGAN
from keras_gans.models.vee_gan import joint_mlp_discriminator, mlp_reconstructor

LATENT, DIM = 3, 2


def _sgd(lr):
    return {"class_name": "SGD", "config": {"learning_rate": lr}}


def _dense(inputs, units, rng):
    layer = keras.layers.Dense(units)
    out = layer(inputs)
    layer.set_weights([rng.normal(size=layer.kernel.shape), rng.normal(size=layer.bias.shape)])
    return out


def _linear_nets(seed=0):
    """G: z -> x, F: x -> z and D: [z, x] -> logit, all affine, with random weights."""
    rng = np.random.default_rng(seed)
    z = keras.Input((LATENT,))
    g = keras.Model(z, _dense(z, DIM, rng))
    x = keras.Input((DIM,))
    f = keras.Model(x, _dense(x, LATENT, rng))
    dz, dx = keras.Input((LATENT,)), keras.Input((DIM,))
    d = keras.Model([dz, dx], _dense(keras.layers.Concatenate()([dz, dx]), 1, rng))
    return g, d, f


def _small_preset(width=8, **overrides):
    """mixture_veegan with narrow networks (the method and optimizers unchanged)."""
    return presets.build(
        "mixture_veegan", seed=1,
        generator_overrides={"width": width}, discriminator_overrides={"width": width},
        network_overrides={"reconstructor": {"width": width}}, **overrides,
    )


def _weights(model):
    return [np.array(w) for w in model.weights]


def _softplus(x):
    return np.logaddexp(0.0, x)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------------------- the update, by hand
def test_one_train_step_matches_numpy():
    """D step on (F(x) + noise, x) vs (z, G(z)), then the joint G/F step on
    -D(z, G(z)) + w ||z - F(G(z))||^2 through the updated D: losses and every weight after the
    step recomputed with NumPy (affine networks, plain SGD, hand-derived gradients)."""
    g, d, f = _linear_nets()
    lr, w, std, b = 0.1, 0.5, 0.3, 4
    gan = VEEGAN(g, d, reconstructor=f, reconstruction_weight=w, reconstructor_noise_std=std, seed=3,
                 generator_optimizer=_sgd(lr), discriminator_optimizer=_sgd(lr),
                 reconstructor_optimizer=_sgd(lr))
    gan.compile()
    rng = np.random.default_rng(1)
    real = rng.normal(size=(b, DIM)).astype("float32")
    latents = rng.normal(size=(b, 2, LATENT)).astype("float32")
    noise = np.array(gan.reconstructor_noise([b, LATENT], draw=0), dtype=np.float64)
    assert np.std(noise) > 0.1  # the noise is there, at about the requested scale

    (wg, bg), (wf, bf), (wd, bd) = (
        [np.array(v, np.float64) for v in m.trainable_variables] for m in (g, f, d))
    x64, z0, z1 = real.astype(np.float64), latents[:, 0].astype(np.float64), latents[:, 1].astype(np.float64)
    # Discriminator step: reconstructor pairs are "real", generator pairs "fake".
    pair_r = np.concatenate([x64 @ wf + bf + noise, x64], 1)
    pair_f = np.concatenate([z0, z0 @ wg + bg], 1)
    r, fk = pair_r @ wd + bd, pair_f @ wd + bd
    d_loss = np.mean(_softplus(-r) + _softplus(fk))
    coef_r, coef_f = -_sigmoid(-r), _sigmoid(fk)
    wd = wd - lr * (pair_r.T @ coef_r + pair_f.T @ coef_f) / b
    bd = bd - lr * np.mean(coef_r + coef_f, 0)
    # Generator / reconstructor step through the updated D.
    x1 = z1 @ wg + bg
    logit = np.concatenate([z1, x1], 1) @ wd + bd
    residual = z1 - (x1 @ wf + bf)
    recon = np.sum(residual ** 2, 1)
    g_loss = np.mean(-logit[:, 0] + w * recon)
    dx1 = (-wd[LATENT:, 0][None, :] - 2 * w * residual @ wf.T) / b  # d g_loss / d x1
    d_wf, d_bf = -2 * w * x1.T @ residual / b, -2 * w * residual.sum(0) / b
    wg, bg = wg - lr * z1.T @ dx1, bg - lr * dx1.sum(0)
    wf, bf = wf - lr * d_wf, bf - lr * d_bf

    logs = gan.train_step({"images": tf.constant(real), "latents": tf.constant(latents)})
    np.testing.assert_allclose(float(logs["d_loss"]), d_loss, rtol=1e-5)
    np.testing.assert_allclose(float(logs["g_loss"]), g_loss, rtol=1e-5)
    np.testing.assert_allclose(float(logs["recon"]), np.mean(recon), rtol=1e-5)
    for model, expected in ((d, (wd, bd)), (g, (wg, bg)), (f, (wf, bf))):
        for got, want in zip(model.trainable_variables, expected):
            np.testing.assert_allclose(np.array(got), want, rtol=1e-5, atol=1e-6)
    assert [int(o.iterations) for o in (gan.d_optimizer, gan.g_optimizer, gan.optimizers["reconstructor"])] == [1, 1, 1]


@pytest.mark.parametrize("weight", [0.0, 0.5])
def test_reconstruction_term_trains_f_and_g_and_d_is_left_alone(weight):
    """In the G/F step F gets exactly the gradient of w * mean ||z - F(G(z))||^2 (no
    adversarial term: weight 0 leaves it unchanged), G gets the adversarial plus that term's
    gradient, and D's weights do not move."""
    gan = _small_preset(reconstruction_weight=weight)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.05), d_optimizer=keras.optimizers.SGD(0.05),
                r_optimizer=keras.optimizers.SGD(0.05))
    real = tf.constant(mixtures.sample("ring8", 8, seed=0))
    z = tf.random.stateless_normal([8, gan.latent_dim], [0, 1])
    g_vars, f_vars = gan.generator.trainable_variables, gan.reconstructor.trainable_variables
    with tf.GradientTape(persistent=True) as tape:
        fake = gan.generator(z, training=True)
        adversarial = tf.reduce_mean(-gan.discriminator([z, fake], training=True))
        recon = tf.reduce_mean(tf.reduce_sum(tf.square(z - gan.reconstructor(fake, training=True)), -1))
    expected_g = [v - 0.05 * (ga + weight * gr) for v, ga, gr in zip(
        g_vars, tape.gradient(adversarial, g_vars), tape.gradient(recon, g_vars))]
    assert all(gr is None for gr in tape.gradient(adversarial, f_vars))  # F is not in D's pair
    expected_f = [v - 0.05 * weight * gr for v, gr in zip(f_vars, tape.gradient(recon, f_vars))]
    d_before, f_before = _weights(gan.discriminator), _weights(gan.reconstructor)

    gan.update("generator", (real, z, None, None))
    for got, want in zip(g_vars + f_vars, expected_g + expected_f):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5, atol=1e-6)
    for a, b in zip(d_before, _weights(gan.discriminator)):
        np.testing.assert_array_equal(a, b)
    f_moved = any(not np.array_equal(a, b) for a, b in zip(f_before, _weights(gan.reconstructor)))
    assert f_moved == (weight > 0)


# ---------------------------------------------------------------------------- shared properties
def test_config_round_trip():
    gan = _small_preset(ema_decay=0.9)
    config = gan.get_config()
    json.dumps(config)
    clone = VEEGAN.from_config(config)
    assert clone.get_config() == config
    for a, b in ((clone.generator, gan.generator), (clone.discriminator, gan.discriminator),
                 (clone.reconstructor, gan.reconstructor)):
        a.set_weights(b.get_weights())
    z = tf.random.normal([3, gan.latent_dim], seed=1)
    x = gan.generator(z)
    np.testing.assert_allclose(clone.generator(z), x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(clone.discriminator([z, x]), gan.discriminator([z, x]), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(clone.reconstructor(x), gan.reconstructor(x), rtol=1e-5, atol=1e-5)
    assert (clone.reconstruction_weight, clone.reconstructor_noise_std) == (0.5, 1.0)


def test_fit_and_save_restore_on_mixture_data(tmp_path):
    gan = _small_preset()
    points = mixtures.sample("ring8", 64, seed=0)
    f_before = _weights(gan.reconstructor)
    history = testing.run_fit_check(gan, points, steps=2, batch_size=16)
    assert np.all(np.isfinite(history.history["recon"]))
    assert any(not np.allclose(a, b) for a, b in zip(f_before, _weights(gan.reconstructor)))
    assert int(gan.optimizers["reconstructor"].iterations) == 2

    restored = testing.run_save_restore_check(gan, str(tmp_path))
    assert isinstance(restored, VEEGAN)
    x = tf.constant(points[:4])
    np.testing.assert_allclose(restored.reconstructor(x), gan.reconstructor(x), rtol=1e-6, atol=1e-6)
    assert int(restored.optimizers["reconstructor"].iterations) == 2
    for a, b in zip(restored.optimizers["reconstructor"].variables, gan.optimizers["reconstructor"].variables):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-6, atol=1e-7)
    assert restored.optimizers["reconstructor"] is not restored.g_optimizer


def test_tiny_image_preset_fits():
    gan = presets.build("veegan_tiny", seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, size=(32, 8, 8, 1)).astype("float32")
    testing.run_fit_check(gan, images, steps=2, batch_size=16)


def test_two_replicas_equal_one_device():
    """MirroredStrategy over two logical CPUs ends with the same G, D and F weights as one
    device on the same global batches and fed latents (reconstructor noise off: its draw is
    per replica)."""
    devices = tf.config.list_logical_devices("CPU")
    assert len(devices) >= 2, "needs two logical CPU devices (see tests/conftest.py)"
    steps, batch = 1, 8
    images = mixtures.sample("ring8", steps * batch, seed=3)
    latents = np.random.default_rng(4).normal(size=(steps * batch, 2, 256)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices({"images": images, "latents": latents}).batch(batch)
    results = []
    for strategy in (tf.distribute.OneDeviceStrategy(devices[0].name),
                     tf.distribute.MirroredStrategy([x.name for x in devices[:2]])):
        with strategy.scope():
            gan = _small_preset(reconstructor_noise_std=0.0)
            gan.compile()
        gan.fit(ds, epochs=1, verbose=0, shuffle=False)
        results.append([_weights(m) for m in (gan.generator, gan.discriminator, gan.reconstructor)])
    fresh = _small_preset(reconstructor_noise_std=0.0)
    start = [_weights(m) for m in (fresh.generator, fresh.discriminator, fresh.reconstructor)]
    for one, two, initial in zip(*results, start):
        for a, b, c in zip(one, two, initial):
            np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-4)
        assert any(not np.allclose(a, c) for a, c in zip(one, initial)), "no training happened"


def test_fits_under_two_replicas_with_reconstructor_noise():
    """With the default per-replica noise draw (so no one-device equivalence), training under
    MirroredStrategy runs, keeps losses finite and moves the weights."""
    devices = tf.config.list_logical_devices("CPU")
    assert len(devices) >= 2, "needs two logical CPU devices (see tests/conftest.py)"
    with tf.distribute.MirroredStrategy([x.name for x in devices[:2]]).scope():
        gan = _small_preset()
        gan.compile()
    before = [_weights(m) for m in (gan.generator, gan.discriminator, gan.reconstructor)]
    ds = tf.data.Dataset.from_tensor_slices(mixtures.sample("ring8", 32, seed=5)).batch(8)
    history = gan.fit(ds, epochs=1, steps_per_epoch=2, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), (name, values)
    for old, model in zip(before, (gan.generator, gan.discriminator, gan.reconstructor)):
        assert any(not np.allclose(a, b) for a, b in zip(old, _weights(model))), model.name
    assert int(np.asarray(gan.optimizers["reconstructor"].iterations)) == 2


# ---------------------------------------------------------------------------- presets
def test_mixture_preset_changes_only_the_method():
    veegan, gan = presets.get("mixture_veegan"), presets.get("mixture_gan")
    assert veegan["networks"]["generator"] == gan["networks"]["generator"]
    d_name, d_kwargs = veegan["networks"]["discriminator"]
    g_name, g_kwargs = gan["networks"]["discriminator"]
    assert d_name == "joint_mlp_discriminator"
    assert d_kwargs == {**g_kwargs, "latent_dim": 256}  # the benchmark's D on the joint input
    assert veegan["data"]["batch_size"] == 500 and veegan["data"]["dataset"] == "ring8"
    model = presets.build("mixture_veegan", seed=0)
    model.compile()
    for opt in (model.g_optimizer, model.d_optimizer, model.optimizers["reconstructor"]):
        assert type(opt).__name__ == "Adam"
        assert (float(opt.learning_rate), opt.beta_1, opt.beta_2, opt.epsilon) == pytest.approx(
            (1e-3, 0.5, 0.999, 1e-8))
    assert len({id(model.g_optimizer), id(model.d_optimizer), id(model.optimizers["reconstructor"])}) == 3
    assert (model.reconstruction_weight, model.reconstructor_noise_std) == (0.5, 1.0)
    # F: 2 -> 128 ReLU -> 128 ReLU -> 256 (official 2-D reconstructor); D on 256 + 2 inputs.
    assert model.reconstructor.count_params() == (2 * 128 + 128) + (128 * 128 + 128) + (128 * 256 + 256)
    assert model.discriminator.count_params() == (258 * 128 + 128) + (128 * 128 + 128) + (128 + 1)


def test_mnist_presets_have_the_official_notebook_sizes_and_settings():
    gan = presets.build("veegan")
    # veegan_julia_mnist.ipynb: Z_dim 32, H_dim 256, 784-pixel images.
    assert gan.generator.count_params() == (32 * 256 + 256) + (256 * 784 + 784)
    assert gan.discriminator.count_params() == (816 * 256 + 256) + (256 + 1)
    assert gan.reconstructor.count_params() == (784 * 256 + 256) + (256 * 32 + 32)
    assert (gan.reconstruction_weight, gan.reconstructor_noise_std) == (1.0, 0.0)
    paper, tiny = presets.get("veegan"), presets.get("veegan_tiny")
    assert paper["optimizers"] == tiny["optimizers"] and paper["model"] == tiny["model"]
    assert paper["optimizers"]["generator"]["config"]["beta_1"] == 0.7
    assert paper["data"]["batch_size"] == 200


def test_builders_and_arguments_are_checked():
    d = joint_mlp_discriminator(4, image_shape=(3, 3, 1), width=5, depth=1, dropout=0.5)
    assert d.output_shape == (None, 1) and [tuple(i.shape) for i in d.inputs] == [(None, 4), (None, 3, 3, 1)]
    f = mlp_reconstructor(4, image_shape=(3, 3, 1), width=5, depth=1)
    assert f.output_shape == (None, 4)
    with pytest.raises(ValueError, match="received 0"):
        joint_mlp_discriminator(0, input_dim=2)

    g, d, f = _linear_nets()
    with pytest.raises(ValueError, match="reconstructor must be a keras.Model"):
        VEEGAN(g, d)
    with pytest.raises(ValueError, match=r"output \[B, latent_dim=3\]; received output shape \(None, 2\)"):
        VEEGAN(g, d, reconstructor=keras.Sequential([keras.Input((DIM,)), keras.layers.Dense(2)]))
    single = keras.Sequential([keras.Input((DIM,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="two inputs"):
        VEEGAN(g, single, reconstructor=f)
    with pytest.raises(ValueError, match="gradient_penalty"):
        VEEGAN(g, d, reconstructor=f, gradient_penalty="wgan")
    with pytest.raises(ValueError, match="'hinge'"):
        VEEGAN(g, d, reconstructor=f, loss="hinge")
    with pytest.raises(ValueError, match="reconstruction_weight .* received -1"):
        VEEGAN(g, d, reconstructor=f, reconstruction_weight=-1)
