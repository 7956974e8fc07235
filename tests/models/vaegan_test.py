"""Tests for VAE-GAN (keras_gans/models/vaegan.py) and its presets.

The one-step test recomputes every loss of Larsen et al. 2016 / the official code in NumPy
(float64) for small linear networks and takes each network's gradient by central finite
differences of *its own* loss, so a gradient leaking from another player's loss would show.
"""

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
from keras_gans.losses import kl_divergence
from keras_gans.models.vaegan import VAEGAN, GammaAnnealing, feature_reconstruction_loss
from keras_gans.networks.vaegan import vaegan_decoder, vaegan_discriminator, vaegan_encoder


def _digits(n=32, size=16):
    images = (load_digits().images[:n, ..., None] / 8.0 - 1.0).astype("float32")
    return tf.image.resize(images, (size, size)).numpy() if size != 8 else images


def _sgd(lr):
    return {"class_name": "SGD", "config": {"learning_rate": lr}}


def _rmsprop(lr):
    return {"class_name": "RMSprop", "config": {"learning_rate": lr}}


# ---------------------------------------------------------------------------- loss terms
def test_kl_and_feature_loss_by_hand_and_against_numpy():
    # mu = (1, 0), log_var = (0, log 2): KL = -0.5 * ((1 + 0 - 1 - 1) + (1 + log 2 - 0 - 2))
    #                                       = 1 - 0.5 log 2.
    kl = kl_divergence(tf.constant([[1.0, 0.0]]), tf.constant([[0.0, math.log(2.0)]]))
    np.testing.assert_allclose(kl.numpy(), [1.0 - 0.5 * math.log(2.0)], rtol=1e-6)
    assert float(kl_divergence(tf.zeros([1, 5]), tf.zeros([1, 5]))[0]) == 0.0  # q = prior
    # 0.5 * ((1 - 0)^2 + (3 - 1)^2) = 2.5, per example over all feature axes.
    real = tf.constant([[[0.0], [1.0]], [[2.0], [2.0]]])
    fake = tf.constant([[[1.0], [3.0]], [[2.0], [2.0]]])
    np.testing.assert_allclose(feature_reconstruction_loss(real, fake).numpy(), [2.5, 0.0])

    rng = np.random.default_rng(0)
    mu, lv = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    np.testing.assert_allclose(
        kl_divergence(mu, lv).numpy(), -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv), axis=1), rtol=1e-5)
    a, b = rng.normal(size=(4, 3, 3, 5)), rng.normal(size=(4, 3, 3, 5))
    np.testing.assert_allclose(
        feature_reconstruction_loss(a, b).numpy(), 0.5 * np.sum((b - a).reshape(4, -1) ** 2, axis=1), rtol=1e-5)
    with pytest.raises(ValueError, match=re.escape("`kl_divergence` expects `mu` and `log_var` of shape [batch, latent_dim]; received shape")):
        kl_divergence(tf.zeros([3]), tf.zeros([3]))


# ---------------------------------------------------------------------------- one step by hand
B, PIX, Z, F = 3, 4, 2, 3


def _linear_vaegan(loss="minimax", gamma=0.5, real_weight=0.6, margin=None, equilibrium=0.68, opt=_sgd, lr=0.1,
                   label_smoothing=0.0):
    """Linear Enc / Dec / D on 2x2x1 images; D's feature layer is its hidden Dense."""
    x_in = keras.Input((2, 2, 1))
    h = keras.layers.Flatten()(x_in)
    enc = keras.Model(x_in, [keras.layers.Dense(Z, name="mu")(h), keras.layers.Dense(Z, name="log_var")(h)])
    z_in = keras.Input((Z,))
    dec = keras.Model(z_in, keras.layers.Reshape((2, 2, 1))(keras.layers.Dense(PIX, name="out")(z_in)))
    d_in = keras.Input((2, 2, 1))
    feat = keras.layers.Dense(F, name="feat")(keras.layers.Flatten()(d_in))
    dis = keras.Model(d_in, keras.layers.Dense(1, name="logit")(feat))
    rng = np.random.default_rng(1)
    for model in (enc, dec, dis):
        model.set_weights([0.5 * rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return VAEGAN(dec, dis, encoder=enc, feature_layer="feat", reconstruction_weight=gamma, real_weight=real_weight,
                  margin=margin, equilibrium=equilibrium, loss=loss, label_smoothing=label_smoothing,
                  generator_optimizer=opt(lr), discriminator_optimizer=opt(lr), encoder_optimizer=opt(lr), seed=0)


def _params(model):
    return {
        "enc": [np.array(w, np.float64) for w in model.encoder.get_weights()],  # Wmu, bmu, Wlv, blv
        "dec": [np.array(w, np.float64) for w in model.generator.get_weights()],  # Wd, bd
        "dis": [np.array(w, np.float64) for w in model.discriminator.get_weights()],  # Wf, bf, Wl, bl
    }


def _softplus(v):
    return np.logaddexp(0.0, v)


def _numpy_terms(p, x, eps, zp, gamma, r, loss, s=0.0):
    Wmu, bmu, Wlv, blv = p["enc"]
    Wd, bd = p["dec"]
    Wf, bf, Wl, bl = p["dis"]
    h = x.reshape(B, PIX)
    mu, lv = h @ Wmu + bmu, h @ Wlv + blv
    z = mu + np.exp(lv / 2) * eps
    xt, xp = z @ Wd + bd, zp @ Wd + bd
    feat = lambda v: v @ Wf + bf  # noqa: E731
    logit = lambda v: (feat(v) @ Wl + bl)[:, 0]  # noqa: E731
    kl = -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv), axis=1)
    llike = 0.5 * np.sum((feat(xt) - feat(h)) ** 2, axis=1)
    lx, lt, lp = logit(h), logit(xt), logit(xp)
    real_ce = (1 - s / 2) * _softplus(-lx) + s / 2 * _softplus(lx)  # real target 1 - s/2 (TF-GAN's)
    d = r * real_ce + (1 - r) / 2 * (_softplus(lt) + _softplus(lp))
    if loss == "minimax":  # log(1 - D(x~)) + log(1 - D(x_p))
        g = -_softplus(lt) - _softplus(lp)
    else:  # -log D(x~) - log D(x_p)
        g = _softplus(-lt) + _softplus(-lp)
    return {
        "kl": kl, "llike": llike, "d": d, "g": g,
        "enc": np.mean(kl + llike), "dec": np.mean(gamma * llike + g), "dis": np.mean(d),
        "real_cost": np.mean(_softplus(-lx)), "fake_cost": np.mean(0.5 * (_softplus(lt) + _softplus(lp))),
    }


def _finite_difference(p, group, objective, h=1e-6):
    grads = []
    for i, w in enumerate(p[group]):
        g = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            for sign in (1, -1):
                q = {k: [a.copy() for a in v] for k, v in p.items()}
                q[group][i][idx] += sign * h
                g[idx] += sign * objective(q)[group] / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("loss, label_smoothing", [("minimax", 0.0), ("modified", 0.1)])
def test_one_train_step_matches_numpy_losses_and_finite_difference_updates(loss, label_smoothing):
    gamma, r, lr = 0.5, 0.6, 0.1
    model = _linear_vaegan(loss=loss, gamma=gamma, real_weight=r, lr=lr, label_smoothing=label_smoothing)
    model.compile()
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=(B, 2, 2, 1))
    latents = rng.normal(size=(B, 2, Z))
    p = _params(model)

    def objective(q):
        return _numpy_terms(q, x, latents[:, 0], latents[:, 1], gamma, r, loss, label_smoothing)

    terms = objective(p)
    expected = {g: [w - lr * dw for w, dw in zip(p[g], _finite_difference(p, g, objective))] for g in p}

    logs = model.train_step({"images": tf.constant(x, tf.float32), "latents": tf.constant(latents, tf.float32)})
    for key, value in (("kl", terms["kl"]), ("llike", terms["llike"]), ("d_loss", terms["d"]),
                       ("g_loss", terms["g"]), ("real_cost", terms["real_cost"]), ("fake_cost", terms["fake_cost"])):
        assert float(logs[key]) == pytest.approx(float(np.mean(value)), rel=1e-5), key
    assert float(logs["d_updated"]) == float(logs["g_updated"]) == 1.0
    got = _params(model)
    for group in ("enc", "dec", "dis"):
        for a, b in zip(got[group], expected[group]):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6, err_msg=group)
    # Each network moved, and the step was not a plain GAN step: D's gradient ignores L_llike
    # and the encoder's ignores the GAN loss (recomputed above from each network's own loss).
    for group in ("enc", "dec", "dis"):
        assert any(not np.allclose(a, b) for a, b in zip(got[group], p[group])), group


def test_the_feature_loss_does_not_train_d_and_the_gan_loss_does_not_train_the_encoder():
    """Changing gamma changes only the decoder's update; D's and Enc's stay the same."""
    x = tf.constant(np.random.default_rng(3).uniform(-1, 1, (B, 2, 2, 1)), tf.float32)
    latents = tf.constant(np.random.default_rng(4).normal(size=(B, 2, Z)), tf.float32)
    after = {}
    for gamma in (0.0, 5.0):
        model = _linear_vaegan(gamma=gamma)
        model.compile()
        model.train_step({"images": x, "latents": latents})
        after[gamma] = _params(model)
    for group in ("enc", "dis"):
        for a, b in zip(after[0.0][group], after[5.0][group]):
            np.testing.assert_array_equal(a, b)
    assert any(not np.allclose(a, b) for a, b in zip(after[0.0]["dec"], after[5.0]["dec"]))


# ---------------------------------------------------------------------------- equilibrium rule
@pytest.mark.parametrize(
    "real, fake, expected",
    [
        ((0.7, 0.7), None, (True, True)),
        ((0.2, 0.7), None, (False, True)),  # D too good (real cost below 0.68 - 0.35)
        ((0.7, 0.2), None, (False, True)),
        ((0.7, 1.2), None, (True, False)),  # D too weak (fake cost above 0.68 + 0.35)
        ((1.2, 0.7), None, (True, False)),
        ((0.2, 1.2), None, (True, True)),  # both rules fire: both update (official code)
        ((0.33, 1.03), None, (True, True)),  # at the bounds: strict inequalities
    ],
)
def test_equilibrium_rule_table(real, fake, expected):
    model = _linear_vaegan(margin=0.35, equilibrium=0.68)
    update_d, update_g = model.update_flags(tf.constant(real[0]), tf.constant(real[1]))
    assert (bool(update_d), bool(update_g)) == expected
    off = _linear_vaegan(margin=None)
    assert [bool(v) for v in off.update_flags(tf.constant(0.0), tf.constant(9.0))] == [True, True]


def _fit_one(model, x, latents):
    ds = tf.data.Dataset.from_tensor_slices({"images": x, "latents": latents}).batch(B)
    return model.fit(ds, epochs=1, verbose=0)


@pytest.mark.parametrize("skipped, equilibrium, margin", [("dis", 5.0, 0.5), ("dec", 0.1, 0.05)])
def test_a_skipped_update_leaves_weights_and_optimizer_state_untouched(skipped, equilibrium, margin):
    """Costs are ~0.7: equilibrium 5 +- 0.5 stops D (costs below 4.5); 0.1 +- 0.05 stops Dec
    (costs above 0.15). Run through fit (a tf.function) with RMSprop, whose slots would move."""
    model = _linear_vaegan(margin=margin, equilibrium=equilibrium, opt=_rmsprop, lr=0.01)
    model.compile()
    x = tf.constant(np.random.default_rng(3).uniform(-1, 1, (B, 2, 2, 1)), tf.float32)
    latents = tf.constant(np.random.default_rng(4).normal(size=(B, 2, Z)), tf.float32)
    before = _params(model)
    history = _fit_one(model, x, latents)
    after = _params(model)
    optimizers = {"enc": model.optimizers["encoder"], "dec": model.g_optimizer, "dis": model.d_optimizer}
    for group, optimizer in optimizers.items():
        moved = any(not np.allclose(a, b) for a, b in zip(after[group], before[group]))
        slots = [np.array(v) for v in optimizer.variables if "velocit" in v.path]
        assert slots
        if group == skipped:
            assert not moved, group
            assert int(optimizer.iterations) == 0
            assert all(not s.any() for s in slots)
        else:
            assert moved, group
            assert int(optimizer.iterations) == 1
            assert any(s.any() for s in slots)
    assert history.history["d_updated"] == [0.0 if skipped == "dis" else 1.0]
    assert history.history["g_updated"] == [0.0 if skipped == "dec" else 1.0]


# ---------------------------------------------------------------------------- shared checks
def test_shared_checks_on_the_tiny_preset(tmp_path):
    # margin=None: run_fit_check counts one D and one G update per step, which the equilibrium
    # rule may skip (tested on its own above and under two replicas below).
    gan = presets.build("vaegan_tiny", seed=1, margin=None)
    clone = testing.run_config_roundtrip_check(gan)
    clone.encoder.set_weights(gan.encoder.get_weights())
    x = _digits(4)
    for a, b in zip(clone.encoder(x), gan.encoder(x)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    e_before = [np.array(w) for w in gan.encoder.trainable_weights]
    history = testing.run_fit_check(gan, _digits(32), steps=2)
    assert any(not np.allclose(a, np.array(b)) for a, b in zip(e_before, gan.encoder.trainable_weights))
    assert int(gan.optimizers["encoder"].iterations) == 2
    restored = testing.run_save_restore_check(gan, str(tmp_path))
    assert isinstance(restored, VAEGAN) and int(restored.optimizers["encoder"].iterations) == 2
    keys = ("feature_layer", "reconstruction_weight", "real_weight", "equilibrium", "margin",
            "optimizers", "loss", "latent_dim")
    assert restored.margin is None
    assert {k: restored.get_config()[k] for k in keys} == {k: gan.get_config()[k] for k in keys}
    for a, b in zip(restored.optimizers["encoder"].variables, gan.optimizers["encoder"].variables):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(restored.reconstruct(x), gan.reconstruct(x), rtol=1e-5, atol=1e-5)
    assert isinstance(restored.g_optimizer._learning_rate, GammaAnnealing)


def test_export_serves_the_decoder_without_project_code(tmp_path):
    gan = presets.build("vaegan_tiny", seed=1)
    gan.compile()
    path = testing.run_export_check(gan, str(tmp_path))
    meta = json.load(open(os.path.join(path, "assets.extra", "keras_gans.json")))
    assert meta["latent_dim"] == 16 and meta["latent_distribution"] == "normal"
    assert meta["image_shape"] == [16, 16, 1]


def _bn_free(seed=0, **kwargs):
    return VAEGAN(
        vaegan_decoder(4, (8, 8, 1), 8, (8, 4), normalization=None, seed=seed),
        vaegan_discriminator((8, 8, 1), 4, (8, 8), 8, normalization=None, seed=seed),
        encoder=vaegan_encoder((8, 8, 1), 4, (4, 8), 8, normalization=None, seed=seed),
        feature_layer="conv3",
        reconstruction_weight=0.1,
        real_weight=0.66,
        generator_optimizer=_rmsprop(1e-3), discriminator_optimizer=_rmsprop(1e-3),
        encoder_optimizer=_rmsprop(1e-3), seed=3, **kwargs,
    )


def test_two_replicas_match_one_device():
    images = tf.constant(_digits(16, 8))
    latents = tf.random.normal([16, 2, 4], seed=7)
    testing.run_mirrored_equivalence_check(_bn_free, images, latents, steps=2)


def test_two_replicas_agree_on_a_skipped_update():
    devices = [d.name for d in tf.config.list_logical_devices("CPU")[:2]]
    with tf.distribute.MirroredStrategy(devices).scope():
        gan = _bn_free(equilibrium=5.0, margin=0.5)  # D winning by this rule: never updated
        gan.compile()
    before = [np.array(w) for w in gan.discriminator.weights]
    ds = tf.data.Dataset.from_tensor_slices(_digits(16, 8)).batch(8)
    history = gan.fit(ds, epochs=1, verbose=0)
    assert history.history["d_updated"] == [0.0] and history.history["g_updated"] == [1.0]
    assert int(gan.d_optimizer.iterations.numpy()) == 0 and int(gan.g_optimizer.iterations.numpy()) == 2
    for var, old in zip(gan.discriminator.weights, before):
        first, second = [np.array(t) for t in var.value.values]
        np.testing.assert_array_equal(first, old)
        np.testing.assert_array_equal(second, old)
    for var in gan.generator.weights + gan.encoder.weights + list(gan.d_optimizer.variables):
        first, second = [np.array(t) for t in var.value.values]
        np.testing.assert_array_equal(first, second)


# ---------------------------------------------------------------------------- inference
def test_reconstruct_decodes_the_posterior_mean_and_sample_draws_around_it():
    gan = _bn_free()
    x = _digits(5, 8)
    mu, log_var = gan.encode(x)
    assert mu.shape == log_var.shape == (5, 4)
    np.testing.assert_allclose(gan.reconstruct(x), gan.generator(mu, training=False), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gan.reconstruct(x, batch_size=2), gan.reconstruct(x), rtol=1e-6, atol=1e-6)
    drawn = gan.reconstruct(x, sample=True, seed=1)
    assert not np.allclose(drawn, gan.reconstruct(x))
    np.testing.assert_array_equal(drawn, gan.reconstruct(x, sample=True, seed=1))
    assert gan.generate(3).shape == (3, 8, 8, 1)
    with pytest.raises(ValueError, match=re.escape("images must have shape [N, 8, 8, 1] (in [-1, 1]); "
                                                   "received (5, 8, 8)")):
        gan.reconstruct(x[..., 0])


# ---------------------------------------------------------------------------- arguments
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"encoder": None}, "VAEGAN needs an encoder: a keras.Model from images to [mu, log_var]; received NoneType"),
        ({"feature_layer": "conv9"}, "feature_layer='conv9' is not a layer of the discriminator; its layers are"),
        ({"loss": "hinge"}, "VAEGAN's loss must be one of ('minimax', 'modified') (it trains D with the sigmoid cross-entropy); received 'hinge'"),
        # GAN's options are not VAE-GAN's (siblings on LatentGAN): unknown arguments.
        ({"n_critic": 2}, "Unrecognized keyword arguments passed to VAEGAN: {'n_critic': 2}"),
        ({"latent_distribution": "uniform"}, "VAEGAN's latent_distribution must be one of ('normal',); received 'uniform'"),
        ({"gradient_penalty": "r1"}, "Unrecognized keyword arguments passed to VAEGAN: {'gradient_penalty': 'r1'}"),
        ({"real_weight": 1.0}, "real_weight must be in (0.0, 1.0); received 1.0"),
        ({"margin": 0.0}, "margin must be a positive finite number or None; received 0.0"),
        ({"reconstruction_weight": -1.0}, "reconstruction_weight must be a non-negative finite number; received -1.0"),
    ],
)
def test_bad_arguments_raise_with_what_was_received(kwargs, message):
    args = dict(
        generator=vaegan_decoder(4, (8, 8, 1), 8, (8, 4), normalization=None),
        discriminator=vaegan_discriminator((8, 8, 1), 4, (8, 8), 8, normalization=None),
        encoder=vaegan_encoder((8, 8, 1), 4, (4, 8), 8, normalization=None),
        feature_layer="conv3",
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=re.escape(message)):
        VAEGAN(**args)


def test_mismatched_encoder_raises():
    dec = vaegan_decoder(4, (8, 8, 1), 8, (8, 4), normalization=None)
    dis = vaegan_discriminator((8, 8, 1), 4, (8, 8), 8, normalization=None)
    with pytest.raises(ValueError, match=re.escape("each of shape [B, 4] (the latent size); received outputs of "
                                                   "shapes [(None, 6), (None, 6)]")):
        VAEGAN(dec, dis, encoder=vaegan_encoder((8, 8, 1), 6, (4, 8), 8), feature_layer="conv3")
    with pytest.raises(ValueError, match=re.escape("The encoder takes images of shape (16, 16, 1) but the generator "
                                                   "makes (8, 8, 1)")):
        VAEGAN(dec, dis, encoder=vaegan_encoder((16, 16, 1), 4, (4, 8), 8), feature_layer="conv3")


# ---------------------------------------------------------------------------- presets
def _deeppy_rate(step):
    """aegan.py: lr = GammaAnnealer(0.02, 1e-5, 150, gamma=0.75).value(epoch) / batch_size,
    epochs of 250 updates; value(t) = start - (t / t_max) ** gamma * (start - stop)."""
    epoch = min(step // 250, 150)
    return (0.02 - (epoch / 150) ** 0.75 * (0.02 - 1e-5)) / 64


def test_paper_preset_has_the_official_training_settings():
    gan = presets.build("vaegan_tiny")
    gan.compile()
    for opt in (gan.optimizers["encoder"], gan.g_optimizer, gan.d_optimizer):
        assert type(opt).__name__ == "RMSprop" and opt.rho == pytest.approx(0.9) and opt.momentum == 0.0
        schedule = opt._learning_rate
        for step in (0, 249, 250, 10_000, 37_499, 37_500, 60_000):
            assert float(schedule(step)) == pytest.approx(_deeppy_rate(step), rel=1e-5), step
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(3.125e-4)
    assert len({id(gan.optimizers["encoder"]), id(gan.g_optimizer), id(gan.d_optimizer)}) == 3
    assert (gan.loss_name, gan.feature_layer, gan.real_weight, gan.equilibrium, gan.margin) == (
        "minimax", "conv4", 0.66, 0.68, 0.35)
    # recon_vs_gan_weight = 1e-5: Dec minimises 1e-5 * L_llike + (1 - 1e-5) * L_G.
    assert gan.reconstruction_weight == pytest.approx(1e-5 / (1 - 1e-5), rel=1e-12)
    paper, fmnist, tiny = presets.get("vaegan"), presets.get("vaegan_28"), presets.get("vaegan_tiny")
    assert paper["model"] == fmnist["model"] == tiny["model"]
    assert paper["optimizers"] == fmnist["optimizers"] == tiny["optimizers"]
    assert (paper["data"]["batch_size"], paper["data"]["dataset"], fmnist["data"]["dataset"],
            tiny["data"]["dataset"]) == (64, "celeb_a", "fashion_mnist", "digits")
    for spec in paper["networks"].values():
        assert spec[1]["weight_decay"] == pytest.approx(1e-5 / 64)  # deeppy's 1e-5 on the batch sum
    assert fmnist["data"]["image_shape"] == (28, 28, 1)
    assert all(spec[1]["image_shape"] == (28, 28, 1) for spec in fmnist["networks"].values())


def test_paper_preset_builds_the_official_networks():
    preset = presets.get("vaegan")
    nets = [presets.NETWORKS[name](**kwargs) for name, kwargs in
            (preset["networks"]["encoder"], preset["networks"]["generator"], preset["networks"]["discriminator"])]
    counts = [sum(int(np.prod(v.shape)) for v in n.trainable_variables) for n in nets]
    assert counts == [18_071_360, 4_693_155, 10_953_857]  # tests/networks/vaegan_networks_test.py


def test_gamma_annealing_round_trips_and_validates():
    schedule = GammaAnnealing(1.0, 0.0, 100, gamma=0.5, steps_per_stage=10)
    assert float(schedule(0)) == 1.0 and float(schedule(9)) == 1.0
    assert float(schedule(25)) == pytest.approx(1.0 - 0.2**0.5)  # stage 20 of 100
    assert float(schedule(1000)) == 0.0
    config = json.loads(json.dumps(keras.optimizers.schedules.serialize(schedule)))
    clone = keras.optimizers.schedules.deserialize(config)
    assert clone.get_config() == schedule.get_config()
    with pytest.raises(ValueError, match=re.escape("decay_steps must be a positive int; received 0")):
        GammaAnnealing(1.0, 0.0, 0)
