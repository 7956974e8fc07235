"""Tests for the WGAN, LSGAN and DRAGAN presets, their networks and GAN weight clipping."""

import json
import math
import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

from keras_gans import presets, testing
from keras_gans.models.gan import GAN
from keras_gans.networks.dcgan import dcgan_discriminator, dcgan_generator
from zoo.common.train_lib import TrainConfig

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LATENT = 6
TINY = ("wgan_tiny", "lsgan_tiny", "dragan_tiny")


def _digits(n=64, size=8):
    images = (load_digits().images[:n, ..., None] / 8.0 - 1.0).astype("float32")
    return images if size == 8 else tf.image.resize(images, (size, size)).numpy()


def _images(name, n=64):
    """Digits at the preset's image size (wgan_tiny is 16x16)."""
    return _digits(n, presets.get(name)["data"]["image_shape"][0])


def _sgd(lr):
    return {"class_name": "SGD", "config": {"learning_rate": lr}}


def _clipped_gan(clip=0.02, lr=0.05, n_critic=2, seed=0):
    """A small WGAN without batch norm (so two replicas must agree exactly)."""
    g = dcgan_generator(LATENT, (8, 8, 1), base_filters=4, normalization=None, seed=seed)
    d = dcgan_discriminator((8, 8, 1), base_filters=4, normalization=None, seed=seed)
    return GAN(g, d, loss="wasserstein", n_critic=n_critic, weight_clip=clip, seed=3,
               generator_optimizer=_sgd(lr), discriminator_optimizer=_sgd(lr))


# ---------------------------------------------------------------------------- shared checks
@pytest.mark.parametrize("name", TINY)
def test_shared_checks_on_tiny_presets(name, tmp_path):
    gan = presets.build(name, seed=1)
    testing.run_config_roundtrip_check(gan)
    history = testing.run_fit_check(gan, _images(name), steps=2)
    restored = testing.run_save_restore_check(gan, str(tmp_path))
    assert restored.weight_clip == gan.weight_clip
    if name == "dragan_tiny":
        assert all(v > 0 for v in history.history["gp"])  # the penalty is computed and logged


def test_export_reloads_without_project_code(tmp_path):
    gan = presets.build("lsgan_tiny", seed=1)
    testing.run_fit_check(gan, _digits(), steps=1)
    testing.run_export_check(gan, str(tmp_path))


# ---------------------------------------------------------------------------- paper settings
_PAPER = {
    # name: (optimizer class, its config for both players, GAN settings, batch size)
    "wgan": ("RMSprop", {"learning_rate": 5e-5, "rho": 0.99, "epsilon": 1e-16, "momentum": 0.0,
                         "centered": False},
             {"loss_name": "wasserstein", "n_critic": 5, "weight_clip": 0.01, "gradient_penalty": None,
              "latent_distribution": "normal"}, 64),
    "lsgan": ("Adam", {"learning_rate": 1e-3, "beta_1": 0.5, "beta_2": 0.999, "epsilon": 1e-8},
              {"loss_name": "least_squares", "n_critic": 1, "weight_clip": None, "gradient_penalty": None,
               "latent_distribution": "uniform"}, 64),
    "dragan": ("Adam", {"learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-8},
               {"loss_name": "modified", "n_critic": 1, "weight_clip": None, "gradient_penalty": "dragan",
                "gradient_penalty_weight": 10.0, "latent_distribution": "uniform"}, 128),
}


@pytest.mark.parametrize("name", sorted(_PAPER))
def test_compile_without_arguments_gives_the_papers_settings(name):
    cls, config, model, batch = _PAPER[name]
    gan = presets.build(f"{name}_tiny")
    gan.compile()
    assert gan.g_optimizer is not gan.d_optimizer
    for opt in (gan.g_optimizer, gan.d_optimizer):
        assert type(opt).__name__ == cls
        for key, value in config.items():
            got = float(opt.learning_rate) if key == "learning_rate" else getattr(opt, key)
            assert got == pytest.approx(value, rel=1e-6, abs=0.0), (key, got)
    for key, value in model.items():
        assert getattr(gan, key) == value, key
    # The tiny preset shrinks networks only: the paper preset trains the same way.
    paper, tiny = presets.get(name), presets.get(f"{name}_tiny")
    assert paper["optimizers"] == tiny["optimizers"] and paper["model"] == tiny["model"]
    assert paper["data"]["batch_size"] == batch


def _count(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


def _official_counts():
    """Trainable parameters of the official networks, from their layer shapes."""
    conv = lambda k, cin, cout, bias: k * k * cin * cout + (cout if bias else 0)  # noqa: E731
    bn = lambda c: 2 * c  # noqa: E731  (scale and offset)
    # martinarjovsky/WassersteinGAN models/dcgan.py, isize 64, nz 100, nc 3, ngf = ndf = 64.
    wgan_g = (conv(4, 100, 512, False) + bn(512) + conv(4, 512, 256, False) + bn(256)
              + conv(4, 256, 128, False) + bn(128) + conv(4, 128, 64, False) + bn(64) + conv(4, 64, 3, False))
    wgan_d = (conv(4, 3, 64, False) + conv(4, 64, 128, False) + bn(128) + conv(4, 128, 256, False) + bn(256)
              + conv(4, 256, 512, False) + bn(512) + conv(4, 512, 1, False))
    # xudonmao/LSGAN vgg.py, output_size 112, z_dim 1024, c_dim 3 (biases everywhere).
    lsgan_g = (1024 * 7 * 7 * 256 + 7 * 7 * 256 + bn(256) + 4 * (conv(3, 256, 256, True) + bn(256))
               + conv(3, 256, 128, True) + bn(128) + conv(3, 128, 64, True) + bn(64) + conv(3, 64, 3, True))
    lsgan_d = (conv(5, 3, 64, True) + conv(5, 64, 128, True) + bn(128) + conv(5, 128, 256, True) + bn(256)
               + conv(5, 256, 512, True) + bn(512) + 7 * 7 * 512 + 1)
    # kodalinaveen3/DRAGAN DRAGAN.ipynb: X_dim 784, z_dim 100, h_dim 128.
    dragan_g = 100 * 128 + 128 + 128 * 784 + 784
    dragan_d = 784 * 128 + 128 + 128 + 1
    return {"wgan": (wgan_g, wgan_d), "lsgan": (lsgan_g, lsgan_d), "dragan": (dragan_g, dragan_d)}


@pytest.mark.parametrize("name", ["wgan", "lsgan", "dragan"])
def test_paper_presets_have_the_official_parameter_counts(name):
    preset = presets.get(name)
    g_name, g_kwargs = preset["networks"]["generator"]
    d_name, d_kwargs = preset["networks"]["discriminator"]
    g = presets.NETWORKS[g_name](**g_kwargs)
    d = presets.NETWORKS[d_name](**d_kwargs)
    assert (_count(g), _count(d)) == _official_counts()[name]
    assert g.output_shape[1:] == d.input_shape[1:] == g_kwargs["image_shape"]
    assert d.output_shape == (None, 1)


def test_official_counts_by_hand():
    """The hand-computed totals above, spelled out (guards the helper itself)."""
    assert _official_counts() == {
        "wgan": (3_576_704, 2_765_568), "lsgan": (15_591_427, 4_333_441), "dragan": (114_064, 100_609)}


@pytest.mark.parametrize("name", ["wgan_28", "lsgan_28", "dragan"])
def test_fashion_mnist_presets_match_the_data_and_the_zoo_scripts(name, tmp_path):
    preset = presets.get(name)
    assert preset["data"]["dataset"] == "fashion_mnist" and preset["data"]["image_shape"] == (28, 28, 1)
    base = name.split("_")[0]
    paper = presets.get(base)
    assert preset["model"] == paper["model"] and preset["optimizers"] == paper["optimizers"]
    with open(os.path.join(REPO, "zoo", base, "train.py")) as f:
        script = f.read()
    assert re.search(rf'script_main\(preset="{name}"', script), script
    TrainConfig(preset=name, output_dir=str(tmp_path)).validate()


# ---------------------------------------------------------------------------- weight clipping
def test_clipping_bounds_every_critic_parameter_and_not_the_moving_statistics():
    images = tf.constant(_images("wgan_tiny", 20))  # n_critic 5: five critic batches of 4
    fast = {"class_name": "RMSprop", "config": {"learning_rate": 0.05}}
    results = {}
    for clip in (0.01, None):
        gan = presets.build("wgan_tiny", seed=1, weight_clip=clip)
        gan.compile(g_optimizer=fast, d_optimizer=dict(fast))
        gan.train_step(images)
        results[clip] = gan
    c = np.float32(0.01)
    clipped = results[0.01].discriminator
    values = [np.array(v) for v in clipped.trainable_variables]
    assert all(np.all(np.abs(v) <= c) for v in values)
    at_bound = sum(int(np.sum(np.abs(v) == c)) for v in values)
    assert at_bound > 0.2 * sum(v.size for v in values), at_bound
    # Batch-norm scales start near 1: clipped too, as in the official code (all parameters).
    gammas = [np.array(v) for v in clipped.trainable_variables if "gamma" in v.path]
    assert gammas and all(np.all(np.abs(g) == c) for g in gammas)
    # Moving statistics are not parameters: left alone (the variances decay from 1 at
    # momentum 0.9 over the step's 11 critic calls, to about 0.3; clipped they would be 0.01).
    variances = [np.array(v) for v in clipped.non_trainable_variables if "moving_variance" in v.path]
    assert variances and min(v.min() for v in variances) > 0.1
    # The control: without clipping the same step leaves weights outside the box.
    unclipped = results[None].discriminator.trainable_variables
    assert max(np.abs(np.array(v)).max() for v in unclipped) > 0.1


def test_clipping_follows_every_critic_update_and_the_generator_sees_the_clipped_critic():
    """One train_step = for each chunk: SGD critic update, then clip; then the G update
    through the clipped critic. Recomputed here by hand."""
    clip, lr, b, n_critic = 0.02, 0.05, 4, 2
    gan = _clipped_gan(clip, lr, n_critic)
    gan.compile()
    images = tf.constant(_digits(b * n_critic))
    latents = tf.random.normal([b * n_critic, 2, LATENT], seed=5)
    g_ref = keras.models.clone_model(gan.generator)
    d_ref = keras.models.clone_model(gan.discriminator)
    g_ref.set_weights(gan.generator.get_weights())
    d_ref.set_weights(gan.discriminator.get_weights())
    clipped_any = False
    for i in range(n_critic):
        fake = g_ref(latents[i * b:(i + 1) * b, 0])
        with tf.GradientTape() as tape:
            value = tf.reduce_mean(d_ref(fake)) - tf.reduce_mean(d_ref(images[i * b:(i + 1) * b]))
        for v, grad in zip(d_ref.trainable_variables, tape.gradient(value, d_ref.trainable_variables)):
            updated = np.array(v) - lr * np.array(grad)
            clipped_any |= bool(np.any(np.abs(updated) > clip))
            v.assign(np.clip(updated, -clip, clip))
    with tf.GradientTape() as tape:
        value = -tf.reduce_mean(d_ref(g_ref(latents[:b, 1])))
    for v, grad in zip(g_ref.trainable_variables, tape.gradient(value, g_ref.trainable_variables)):
        v.assign_sub(lr * grad)
    assert clipped_any  # the clip matters in this step

    gan.train_step({"images": images, "latents": latents})
    for ref, got in zip(d_ref.weights + g_ref.weights, gan.discriminator.weights + gan.generator.weights):
        np.testing.assert_allclose(np.array(got), np.array(ref), rtol=1e-4, atol=1e-6)


def test_clipping_under_two_replicas_matches_one_device():
    # n_critic 1: with more critic steps each replica chunks its own half of the batch, so the
    # critic batches differ from a one-device run's (by design) and the weights cannot match.
    build = lambda: _clipped_gan(0.02, 0.05, n_critic=1)  # noqa: E731
    images = tf.constant(_digits(16))
    latents = tf.random.normal([16, 2, LATENT], seed=9)
    testing.run_mirrored_equivalence_check(build, images, latents, steps=2)
    # The clip is active in this run: after the same two steps weights sit on the bound.
    gan = build()
    gan.compile()
    ds = tf.data.Dataset.from_tensor_slices({"images": images, "latents": latents}).batch(8)
    gan.fit(ds, epochs=1, verbose=0)
    weights = [np.abs(np.array(v)) for v in gan.discriminator.trainable_variables]
    assert all(np.all(w <= np.float32(0.02)) for w in weights)
    assert sum(int(np.sum(w == np.float32(0.02))) for w in weights) > 10


def test_clipping_keeps_the_replicas_of_the_wgan_preset_identical():
    """wgan_tiny (batch norm included) under MirroredStrategy: each device's copy of every
    critic parameter is the same, inside the box, and many sit on its bound."""
    devices = [d.name for d in tf.config.list_logical_devices("CPU")[:2]]
    strategy = tf.distribute.MirroredStrategy(devices)
    with strategy.scope():
        gan = presets.build("wgan_tiny", seed=2, n_critic=2)  # 2, not 5: a smaller graph
        fast = {"class_name": "RMSprop", "config": {"learning_rate": 0.05}}
        gan.compile(g_optimizer=fast, d_optimizer=dict(fast))
    ds = tf.data.Dataset.from_tensor_slices(_images("wgan_tiny", 8)).batch(8)
    gan.fit(ds, epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations.numpy()) == 2
    at_bound = 0
    for var in gan.discriminator.trainable_variables:
        first, second = [np.array(t) for t in var.value.values]
        np.testing.assert_array_equal(first, second, err_msg=var.path)
        assert np.all(np.abs(first) <= np.float32(0.01)), var.path
        at_bound += int(np.sum(np.abs(first) == np.float32(0.01)))
    assert at_bound > 100


def test_weight_clip_round_trips_through_the_config():
    gan = _clipped_gan(clip=0.03)
    config = gan.get_config()
    assert config["weight_clip"] == 0.03
    clone = GAN.from_config(json.loads(json.dumps(config)))
    assert clone.weight_clip == 0.03
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(config))
    assert GAN.from_config(_clipped_gan(clip=None).get_config()).weight_clip is None
    assert _clipped_gan(clip=1).weight_clip == 1.0 and isinstance(_clipped_gan(clip=1).weight_clip, float)


@pytest.mark.parametrize("bad", [0, 0.0, -0.01, math.nan, math.inf, "0.01", True, [0.01]])
def test_bad_weight_clip_raises_with_the_received_value(bad):
    g = dcgan_generator(LATENT, (8, 8, 1), base_filters=4, normalization=None)
    d = dcgan_discriminator((8, 8, 1), base_filters=4, normalization=None)
    with pytest.raises(ValueError, match=re.escape(f"weight_clip must be a positive finite number or None; "
                                                   f"received {bad!r}.")):
        GAN(g, d, weight_clip=bad)


# ---------------------------------------------------------------------------- LSGAN loss
def test_lsgan_train_step_matches_hand_computed_least_squares_updates():
    """A linear G and D with known weights: the losses (0.5 (D(x) - 1)^2 + 0.5 D(G(z))^2 for D,
    0.5 (D(G(z)) - 1)^2 for G) and the SGD updates are recomputed with NumPy."""
    lr = 0.1
    z_in = keras.Input((2,))
    g = keras.Model(z_in, keras.layers.Reshape((2, 2, 1))(keras.layers.Dense(4)(z_in)))
    x_in = keras.Input((2, 2, 1))
    d = keras.Model(x_in, keras.layers.Dense(1)(keras.layers.Flatten()(x_in)))
    W = np.array([[0.2, -0.1, 0.4, 0.3], [-0.5, 0.25, 0.1, -0.2]], "float32")
    bg = np.array([0.1, -0.2, 0.05, 0.3], "float32")
    k = np.array([[0.3], [-0.2], [0.5], [0.1]], "float32")
    b = np.array([0.1], "float32")
    g.set_weights([W, bg])
    d.set_weights([k, b])
    gan = GAN(g, d, loss="least_squares", generator_optimizer=_sgd(lr), discriminator_optimizer=_sgd(lr))
    gan.compile()
    real = np.array([[0.5, -0.3, 0.8, 0.1], [-0.6, 0.9, 0.2, -0.4]], "float32")
    latents = np.array([[[1.0, -0.5], [0.3, 0.7]], [[-0.2, 0.4], [-1.1, 0.6]]], "float32")

    # Discriminator step, 0-1 coding: real target b = 1, fake target a = 0.
    fake = latents[:, 0] @ W + bg
    d_real, d_fake = (real @ k + b)[:, 0], (fake @ k + b)[:, 0]
    d_loss = np.mean(0.5 * (d_real - 1) ** 2 + 0.5 * d_fake ** 2)
    grad_k = np.mean((d_real - 1)[:, None] * real + d_fake[:, None] * fake, axis=0)[:, None]
    grad_b = np.mean((d_real - 1) + d_fake, keepdims=True)
    k1, b1 = k - lr * grad_k, b - lr * grad_b
    # Generator step through the updated D, target c = 1.
    z = latents[:, 1]
    d_gen = ((z @ W + bg) @ k1 + b1)[:, 0]
    g_loss = np.mean(0.5 * (d_gen - 1) ** 2)
    grad_W = np.mean([(d_gen[i] - 1) * np.outer(z[i], k1[:, 0]) for i in range(2)], axis=0)
    grad_bg = np.mean((d_gen - 1)[:, None] * k1[:, 0][None], axis=0)

    logs = gan.train_step({"images": tf.constant(real.reshape(2, 2, 2, 1)), "latents": tf.constant(latents)})
    assert float(logs["d_loss"]) == pytest.approx(d_loss, rel=1e-5)
    assert float(logs["g_loss"]) == pytest.approx(g_loss, rel=1e-5)
    got_k, got_b = d.get_weights()
    np.testing.assert_allclose(got_k, k1, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got_b, b1, rtol=1e-5, atol=1e-7)
    got_W, got_bg = g.get_weights()
    np.testing.assert_allclose(got_W, W - lr * grad_W, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got_bg, bg - lr * grad_bg, rtol=1e-5, atol=1e-7)
    # The same numbers worked out on paper: logits D(x) = (0.72, -0.2), D(G(z)) = (0.62, 0.095),
    # so L_D = mean(0.5 * 0.28^2 + 0.5 * 0.62^2, 0.5 * 1.2^2 + 0.5 * 0.095^2) = 0.47795625.
    np.testing.assert_allclose(d_real, [0.72, -0.2], atol=1e-6)
    np.testing.assert_allclose(d_fake, [0.62, 0.095], atol=1e-6)
    assert float(logs["d_loss"]) == pytest.approx(0.47795625, rel=1e-5)


def test_the_shared_per_device_update_also_keeps_ema_replicas_identical():
    """ema_update and the clip share one merge_call helper: under two replicas each device's
    EMA copy follows ema = 0.9 * before + 0.1 * after (the generator moved once)."""
    devices = [d.name for d in tf.config.list_logical_devices("CPU")[:2]]
    with tf.distribute.MirroredStrategy(devices).scope():
        g = dcgan_generator(LATENT, (8, 8, 1), base_filters=4, normalization=None, seed=0)
        d = dcgan_discriminator((8, 8, 1), base_filters=4, normalization=None, seed=0)
        gan = GAN(g, d, ema_decay=0.9, weight_clip=0.05, generator_optimizer=_sgd(0.05),
                  discriminator_optimizer=_sgd(0.05))
        gan.compile()
    start = [np.array(w) for w in gan.generator.weights]
    gan.fit(tf.data.Dataset.from_tensor_slices(_digits(8)).batch(8), epochs=1, verbose=0)
    after = [np.array(w) for w in gan.generator.weights]
    assert any(not np.allclose(a, b) for a, b in zip(start, after))
    for ema, w0, w1 in zip(gan.generator_ema.weights, start, after):
        first, second = [np.array(t) for t in ema.value.values]
        np.testing.assert_array_equal(first, second)
        np.testing.assert_allclose(first, 0.9 * w0 + 0.1 * w1, rtol=1e-5, atol=1e-7)
