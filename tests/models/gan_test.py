"""Tests for the GAN base class (keras_gans/models/gan.py)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

from keras_gans import losses, presets, testing
from keras_gans.models.gan import GAN
from keras_gans.networks.dcgan import dcgan_discriminator, dcgan_generator

LATENT = 6


def _digits(n=64):
    return (load_digits().images[:n, ..., None] / 8.0 - 1.0).astype("float32")


def _nets(seed=0, normalization=None):
    g = dcgan_generator(LATENT, (8, 8, 1), base_filters=4, normalization=normalization, seed=seed)
    d = dcgan_discriminator((8, 8, 1), base_filters=4, normalization=normalization, seed=seed)
    return g, d


def _sgd(lr=0.05):
    return {"class_name": "SGD", "config": {"learning_rate": lr}}


def _small_gan(**kwargs):
    g, d = _nets()
    kwargs.setdefault("generator_optimizer", _sgd())
    kwargs.setdefault("discriminator_optimizer", _sgd())
    return GAN(g, d, seed=3, **kwargs)


@pytest.mark.parametrize(
    "loss,n_critic,label_smoothing",
    [("modified", 1, 0.0), ("modified", 1, 0.1), ("wasserstein", 2, 0.0), ("hinge", 1, 0.0),
     ("relativistic_average", 2, 0.0)],
)
def test_train_step_equals_manual_alternating_updates(loss, n_critic, label_smoothing):
    """One train_step = n_critic D updates on successive chunks, then a G update through the
    updated D, each plain SGD on the mean per-example loss. Recomputed here by hand."""
    gan = _small_gan(loss=loss, n_critic=n_critic, label_smoothing=label_smoothing)
    gan.compile()
    b = 4
    images = tf.constant(_digits(b * n_critic))
    latents = tf.random.normal([b * n_critic, 2, LATENT], seed=5)

    g_ref, d_ref = _nets()
    g_ref.set_weights(gan.generator.get_weights())
    d_ref.set_weights(gan.discriminator.get_weights())
    pair = losses.get(loss)
    lr = 0.05
    for i in range(n_critic):
        real = images[i * b:(i + 1) * b]
        fake = g_ref(latents[i * b:(i + 1) * b, 0])
        with tf.GradientTape() as tape:
            kw = {"label_smoothing": label_smoothing} if label_smoothing else {}
            value = tf.reduce_mean(pair.discriminator(d_ref(real), d_ref(fake), **kw))
        for v, grad in zip(d_ref.trainable_variables, tape.gradient(value, d_ref.trainable_variables)):
            v.assign_sub(lr * grad)
    real = images[(n_critic - 1) * b:]
    with tf.GradientTape() as tape:
        fake_logits = d_ref(g_ref(latents[:b, 1]))
        value = tf.reduce_mean(pair.generator(fake_logits, d_ref(real)))
    for v, grad in zip(g_ref.trainable_variables, tape.gradient(value, g_ref.trainable_variables)):
        v.assign_sub(lr * grad)

    logs = gan.train_step({"images": images, "latents": latents})
    for ref, got in zip(d_ref.weights + g_ref.weights, gan.discriminator.weights + gan.generator.weights):
        np.testing.assert_allclose(np.array(got), np.array(ref), rtol=1e-4, atol=1e-6)
    assert np.isfinite(float(logs["g_loss"]))
    assert int(gan.d_optimizer.iterations) == n_critic and int(gan.g_optimizer.iterations) == 1


def test_gradient_penalty_enters_the_discriminator_update():
    images = tf.constant(_digits(4))
    latents = tf.random.normal([4, 2, LATENT], seed=5)
    weights = []
    for penalty_weight in (0.0, 10.0):
        gan = _small_gan(loss="wasserstein", gradient_penalty="wgan", gradient_penalty_weight=penalty_weight)
        gan.compile()
        logs = gan.train_step({"images": images, "latents": latents})
        assert float(logs["gp"]) > 0.0
        weights.append(gan.discriminator.get_weights())
    assert any(not np.allclose(a, b) for a, b in zip(*weights))


@pytest.mark.parametrize("penalty", ["wgan", "wgan_one_sided", "dragan", "r1"])
def test_every_penalty_trains(penalty):
    gan = _small_gan(loss="wasserstein", gradient_penalty=penalty)
    testing.run_fit_check(gan, _digits(), steps=2)


def test_ema_generator_follows_the_formula():
    gan = _small_gan(ema_decay=0.9)
    gan.compile()
    start = [np.array(w) for w in gan.generator.weights]
    gan.train_step({"images": tf.constant(_digits(4)), "latents": tf.random.normal([4, 2, LATENT])})
    after = [np.array(w) for w in gan.generator.weights]
    for ema, w0, w1 in zip(gan.generator_ema.weights, start, after):
        np.testing.assert_allclose(np.array(ema), 0.9 * w0 + 0.1 * w1, rtol=1e-5, atol=1e-7)
    assert gan.inference_generator is gan.generator_ema


def test_compile_without_arguments_gives_the_papers_optimizers():
    dcgan = presets.build("dcgan_tiny")
    dcgan.compile()
    for opt in (dcgan.g_optimizer, dcgan.d_optimizer):
        assert isinstance(opt, keras.optimizers.Adam)
        assert float(opt.learning_rate) == pytest.approx(2e-4) and opt.beta_1 == 0.5
    wgan = presets.build("wgan_gp_tiny")
    wgan.compile()
    assert float(wgan.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert (wgan.d_optimizer.beta_1, wgan.d_optimizer.beta_2) == (0.5, 0.9)
    assert wgan.n_critic == 5 and wgan.gradient_penalty == "wgan" and wgan.gradient_penalty_weight == 10.0
    assert dcgan.g_optimizer is not dcgan.d_optimizer


def test_latents_follow_the_chosen_distribution_and_seed():
    uniform = presets.build("dcgan_tiny")  # DCGAN: z ~ U[-1, 1]
    z = uniform.sample_latents(4000, tf.constant([1, 2])).numpy()
    assert z.min() >= -1 and z.max() <= 1 and abs(z.std() - 1 / np.sqrt(3)) < 0.01
    normal = presets.build("wgan_gp_tiny")
    z = normal.sample_latents(4000, tf.constant([1, 2])).numpy()
    assert abs(z.std() - 1.0) < 0.02 and z.min() < -2.5
    np.testing.assert_array_equal(normal.generate(3, seed=4), normal.generate(3, seed=4))
    assert not np.allclose(normal.generate(3, seed=4), normal.generate(3, seed=5))


def test_replicas_draw_different_latents():
    devices = [d.name for d in tf.config.list_logical_devices("CPU")[:2]]
    strategy = tf.distribute.MirroredStrategy(devices)
    with strategy.scope():
        gan = _small_gan()
        gan.compile()
    per_replica = strategy.run(tf.function(lambda: gan.sample_latents(3, gan.step_seed(0))))
    a, b = [t.numpy() for t in strategy.experimental_local_results(per_replica)]
    assert not np.allclose(a, b)


def test_generate_and_call():
    gan = _small_gan()
    images = gan.generate(5, seed=1)
    assert images.shape == (5, 8, 8, 1) and images.min() >= -1 and images.max() <= 1
    z = np.zeros((2, LATENT), "float32")
    np.testing.assert_allclose(gan.generate(latents=z), gan(z), atol=1e-6)


def test_bad_arguments_raise_clear_errors():
    g, d = _nets()
    with pytest.raises(ValueError, match="n_critic must be a positive int; received 0"):
        GAN(g, d, n_critic=0)
    with pytest.raises(ValueError, match="gradient_penalty must be one of"):
        GAN(g, d, gradient_penalty="wgan_gpp")
    with pytest.raises(ValueError, match="Unknown loss|valid|Valid"):
        GAN(g, d, loss="nope")
    with pytest.raises(ValueError, match="latent_distribution"):
        GAN(g, d, latent_distribution="cauchy")
    with pytest.raises(ValueError, match="keras.Model"):
        GAN("g", d)
    gan = GAN(g, d)
    with pytest.raises(ValueError, match="no default"):
        gan.compile()
    with pytest.raises(ValueError, match="compile takes one optimizer per role"):
        gan.compile(loss="mse")
    with pytest.raises(ValueError, match=r"shape \[N, 6\]"):
        gan.generate(latents=np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="exactly one"):
        gan.generate()
    critic = _small_gan(n_critic=3)
    critic.compile()
    with pytest.raises(ValueError, match="does not split into n_critic=3"):
        critic.train_step(tf.constant(_digits(4)))


def test_shared_checks_on_both_presets(tmp_path):
    for name in ("dcgan_tiny", "wgan_gp_tiny"):
        gan = presets.build(name, seed=1, ema_decay=0.99)
        testing.run_config_roundtrip_check(gan)
        testing.run_fit_check(gan, _digits(), steps=2)
        directory = tmp_path / name
        directory.mkdir()
        testing.run_save_restore_check(gan, str(directory))


def test_export_reloads_without_project_code(tmp_path):
    gan = presets.build("dcgan_tiny", seed=1)
    testing.run_fit_check(gan, _digits(), steps=1)
    testing.run_export_check(gan, str(tmp_path))


def test_two_replicas_match_one_device():
    """MirroredStrategy on two logical CPUs ends with the same weights as one device."""
    images = tf.constant(_digits(16))
    latents = tf.random.normal([16, 2, LATENT], seed=9)
    testing.run_mirrored_equivalence_check(
        lambda: _small_gan(loss="modified", generator_optimizer=_sgd(0.1),
                           discriminator_optimizer={"class_name": "Adam", "config": {"learning_rate": 1e-3}}),
        images, latents, steps=2,
    )
