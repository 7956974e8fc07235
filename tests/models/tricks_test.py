"""Training tricks as GAN options: each tested for what it does."""

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


def _nets(seed=0):
    g = dcgan_generator(LATENT, (8, 8, 1), base_filters=4, normalization=None, seed=seed)
    d = dcgan_discriminator((8, 8, 1), base_filters=4, normalization=None, seed=seed)
    return g, d


def _sgd(lr=0.05):
    return {"class_name": "SGD", "config": {"learning_rate": lr}}


def _gan(**kwargs):
    g, d = _nets()
    return GAN(g, d, generator_optimizer=_sgd(), discriminator_optimizer=_sgd(), seed=3, **kwargs)


def _d_step_by_hand(gan, real, fake, real_swap_mask):
    """Reference D update: rows in ``real_swap_mask`` show D the fake as real and vice versa."""
    _, d = _nets()
    d.set_weights(gan.discriminator.get_weights())
    mask = real_swap_mask[:, None, None, None]
    shown_real, shown_fake = tf.where(mask, fake, real), tf.where(mask, real, fake)
    with tf.GradientTape() as tape:
        value = tf.reduce_mean(losses.get("modified").discriminator(d(shown_real), d(shown_fake)))
    for v, grad in zip(d.trainable_variables, tape.gradient(value, d.trainable_variables)):
        v.assign_sub(0.05 * grad)
    return d


def test_label_flip_swaps_the_drawn_pairs():
    """The D update equals the by-hand update with the pairs the flip mask selects swapped
    (mask: the documented stateless draw, seed = step seed + 11), and not the unflipped one."""
    b = 32
    gan = _gan(label_flip=0.3)
    gan.compile()
    real = tf.constant(_digits(b))
    latents = tf.random.normal([b, 2, LATENT], seed=5)
    fake = gan.generator(latents[:, 0], training=True)
    step_seed = tf.stack([gan.seed, 0])  # draw 0, replica 0, step 0
    mask = tf.random.stateless_uniform([b], step_seed + 11) < 0.3
    assert 0 < int(tf.reduce_sum(tf.cast(mask, tf.int32))) < b
    flipped = _d_step_by_hand(gan, real, fake, mask)
    plain = _d_step_by_hand(gan, real, fake, tf.zeros([b], tf.bool))
    gan.update("discriminator", (real, latents[:, 0], None, None))
    for got, want, other in zip(gan.discriminator.weights, flipped.weights, plain.weights):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-4, atol=1e-6)
    assert any(not np.allclose(a, b) for a, b in zip(flipped.get_weights(), plain.get_weights()))


def test_label_flip_rate_over_many_draws():
    gan = _gan(label_flip=0.2)
    gan.compile()
    draws = [tf.random.stateless_uniform([1000], tf.stack([gan.seed, s]) + 11) < 0.2 for s in range(5)]
    rate = float(tf.reduce_mean(tf.cast(tf.stack(draws), tf.float32)))
    assert rate == pytest.approx(0.2, abs=0.02)  # 5000 Bernoulli(0.2): std 0.0057


def test_instance_noise_is_annealed_linearly_and_has_that_stddev():
    gan = _gan(instance_noise=0.5, instance_noise_steps=100)
    gan.compile()
    images = tf.zeros([256, 8, 8, 1])
    for step, sigma in ((0, 0.5), (40, 0.3), (100, 0.0), (150, 0.0)):
        gan.g_optimizer.iterations.assign(step)
        assert float(gan.instance_noise_stddev()) == pytest.approx(sigma, abs=1e-7)
        seen = gan.discriminator_view(images, tf.constant([1, 2]))
        assert float(tf.math.reduce_std(seen)) == pytest.approx(sigma, rel=0.05, abs=1e-7)
    constant = _gan(instance_noise=0.1)
    constant.compile()
    constant.g_optimizer.iterations.assign(10_000)
    assert float(constant.instance_noise_stddev()) == pytest.approx(0.1)


def test_instance_noise_reaches_both_players():
    """Noise changes D's update and G's update (D sees noisy real and fake in both steps)."""
    images = tf.constant(_digits(8))
    latents = tf.random.normal([8, 2, LATENT], seed=5)
    results = []
    for sigma in (0.0, 0.3):
        gan = _gan(instance_noise=sigma)
        gan.compile()
        gan.train_step({"images": images, "latents": latents})
        results.append((gan.discriminator.get_weights(), gan.generator.get_weights()))
    for before, after in zip(*results):
        assert any(not np.allclose(a, b) for a, b in zip(before, after))


def test_feature_matching_loss_and_gradient_reach_only_the_generator():
    gan = _gan(feature_matching_layer="flatten")
    gan.compile()
    real = tf.constant(_digits(16))
    latents = tf.random.normal([16, LATENT], seed=3)
    d_before = gan.discriminator.get_weights()
    g_before = gan.generator.get_weights()
    features = gan.discriminator_features
    f_real = np.array(features(real, training=True)).reshape(16, -1).mean(0)
    f_fake = np.array(features(gan.generator(latents, training=True), training=True)).reshape(16, -1).mean(0)
    loss = float(gan.update("generator", (real, latents, None, None))["g_loss"])
    assert loss == pytest.approx(np.mean((f_real - f_fake) ** 2), rel=1e-5)
    for a, b in zip(d_before, gan.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(not np.allclose(a, b) for a, b in zip(g_before, gan.generator.get_weights()))
    with pytest.raises(ValueError, match="not a layer of the discriminator"):
        _gan(feature_matching_layer="nope")


def test_feature_matching_trains_and_round_trips(tmp_path):
    gan = _gan(feature_matching_layer="flatten")
    testing.run_fit_check(gan, _digits(), steps=2)
    clone = testing.run_config_roundtrip_check(gan)
    assert clone.feature_matching_layer == "flatten"


def test_sgd_for_d_with_adam_for_g_and_ttur():
    """Seed 004's "Adam for G, SGD for D" and TTUR are compile() arguments."""
    gan = _gan()
    gan.compile(g_optimizer={"class_name": "Adam", "config": {"learning_rate": 1e-4}},
                d_optimizer={"class_name": "SGD", "config": {"learning_rate": 4e-4}})
    assert type(gan.g_optimizer).__name__ == "Adam" and type(gan.d_optimizer).__name__ == "SGD"
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(4 * float(gan.g_optimizer.learning_rate))
    testing.run_fit_check(gan, _digits(), steps=1)


@pytest.mark.parametrize("kwargs,match", [
    ({"label_flip": 0.5}, "label_flip"),
    ({"instance_noise": -1.0}, "instance_noise"),
    ({"instance_noise_steps": 1.5}, "instance_noise_steps"),
    ({"image_pool_size": -1}, "image_pool_size"),
    ({"unrolled_steps": -2}, "unrolled_steps"),
])
def test_bad_trick_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _gan(**kwargs)


def test_tricks_compose_on_a_preset():
    gan = presets.build("dcgan_tiny", seed=0, label_flip=0.05, instance_noise=0.1, instance_noise_steps=10,
                        label_smoothing=0.1, ema_decay=0.99)
    testing.run_fit_check(gan, _digits(), steps=2)


@pytest.mark.parametrize("r1_weight", [None, 5.0])
def test_diff_augment_is_what_d_sees_in_its_step(r1_weight):
    """D's update equals the by-hand update on DiffAugment(real) vs DiffAugment(fake), each
    augmented with the documented seeds (step seed + 13 for real, + 17 for fake). With R1, as
    in DiffAugment's StyleGAN2 code, the penalty is ||d/dx D(T(x))||^2 with T the real batch's
    augmentation, w.r.t. the un-augmented reals."""
    from keras_gans.augment import diff_augment

    b, policy = 8, "color,translation,cutout"
    penalty_args = {"gradient_penalty": "r1", "gradient_penalty_weight": r1_weight} if r1_weight else {}
    gan = _gan(diff_augment=policy, **penalty_args)
    gan.compile()
    real = tf.constant(_digits(b))
    latents = tf.random.normal([b, LATENT], seed=5)
    seed = tf.stack([gan.seed, 0])
    fake = gan.generator(latents, training=True)
    _, d = _nets()
    d.set_weights(gan.discriminator.get_weights())
    with tf.GradientTape() as tape:
        with tf.GradientTape() as inner:
            inner.watch(real)
            real_logits = d(diff_augment(real, policy, seed=seed + 13))
            total = tf.reduce_sum(real_logits)
        r1 = tf.reduce_sum(tf.square(inner.gradient(total, real)), axis=[1, 2, 3])
        value = tf.reduce_mean(losses.get("modified").discriminator(
            real_logits, d(diff_augment(fake, policy, seed=seed + 17))) + (r1_weight or 0.0) * r1)
    for v, grad in zip(d.trainable_variables, tape.gradient(value, d.trainable_variables)):
        v.assign_sub(0.05 * grad)
    penalty = gan.update("discriminator", (real, latents, None, None)).get("gp", 0.0)
    if r1_weight:
        np.testing.assert_allclose(float(penalty), float(tf.reduce_mean(r1)), rtol=1e-4)
    for got, want in zip(gan.discriminator.weights, d.weights):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-4, atol=1e-6)


def test_diff_augment_reaches_the_generator_gradient():
    images = tf.constant(_digits(8))
    latents = tf.random.normal([8, 2, LATENT], seed=5)
    results = []
    for policy in (None, "translation,cutout"):
        gan = _gan(diff_augment=policy)
        gan.compile()
        gan.train_step({"images": images, "latents": latents})
        results.append(gan.generator.get_weights())
    assert any(not np.allclose(a, b) for a, b in zip(*results))
    with pytest.raises(ValueError, match="policy"):
        _gan(diff_augment="colour")


def test_image_pool_feeds_d_old_fakes():
    """With a pool of 8 and batches of 8: the first D step fills the pool (D sees the new
    fakes); later steps show D a mix of new fakes and ones stored before the step."""
    gan = _gan(image_pool_size=8)
    gan.compile()
    seen = testing.record_calls(gan.discriminator)
    real = tf.constant(_digits(8))
    fakes = []
    for step in range(6):
        latents = tf.random.normal([8, LATENT], seed=step)
        new = gan.generator(latents, training=True).numpy()
        stored = np.array(gan.image_pool.images)
        seen.clear()
        gan.update("discriminator", (real, latents, None, None))
        shown = seen[1]
        if step == 0:
            np.testing.assert_allclose(shown, new, rtol=1e-5, atol=1e-6)
            assert int(gan.image_pool.num_images) == 8
            continue
        from_new = [np.abs(new - row).max(axis=(1, 2, 3)).min() < 1e-5 for row in shown]
        from_pool = [np.abs(stored - row).max(axis=(1, 2, 3)).min() < 1e-5 for row in shown]
        assert all(a or b for a, b in zip(from_new, from_pool))
        fakes.append(sum(from_pool) - sum(a and b for a, b in zip(from_new, from_pool)))
    # 5 steps x 8 images, each old with probability 1/2: at least one old image in all.
    assert 0 < sum(fakes) < 40


def test_image_pool_of_a_conditional_gan_keeps_each_fake_with_its_label():
    """CGAN + pool: the pool stores (image, label) pairs, so every fake reaches D with the
    label G made it for, whether new or pooled (fake labels here are the step number, so
    a pooled image shows an older step's label)."""
    gan = presets.build("cgan_tiny", seed=0, image_pool_size=4)
    gan.compile()
    seen = testing.record_calls(gan.discriminator)
    old_shown = 0
    for step in range(6):
        stored = (np.array(gan.image_pool.images), np.array(gan.image_pool.conditions))
        seen.clear()
        fake_labels = tf.fill([4], step)
        latents = tf.random.normal([4, gan.latent_dim], seed=step)
        gan.update("discriminator", (tf.zeros((4,) + gan.image_shape), latents, tf.zeros([4], tf.int32), fake_labels))
        shown, shown_labels = seen[1]
        for image, label in zip(shown, shown_labels):
            if label != step:  # a pooled image: it was stored with this label
                match = np.abs(stored[0] - image).max(axis=(1, 2, 3)) < 1e-6
                assert match.any() and set(stored[1][match]) == {label}
                old_shown += 1
        if step == 0:
            np.testing.assert_array_equal(np.array(gan.image_pool.conditions), [0, 0, 0, 0])
            np.testing.assert_allclose(np.array(gan.image_pool.images), shown, atol=1e-6)
    assert old_shown > 0


@pytest.mark.parametrize("builder", ["dcgan_stddev", "dcgan_minibatch", "mlp_minibatch"])
def test_minibatch_options_make_d_look_across_the_batch(builder):
    """Without the option D scores each sample alone; with it, changing sample 2 changes
    sample 0's logit."""
    from keras_gans.networks.mlp import mlp_discriminator

    make = {
        "dcgan_stddev": lambda **kw: dcgan_discriminator((8, 8, 1), base_filters=4, normalization=None, seed=0,
                                                         **({"minibatch_stddev": 2} if kw else {})),
        "dcgan_minibatch": lambda **kw: dcgan_discriminator((8, 8, 1), base_filters=4, normalization=None, seed=0,
                                                            **({"minibatch_discrimination": 6} if kw else {})),
        "mlp_minibatch": lambda **kw: mlp_discriminator(image_shape=(8, 8, 1), width=8, seed=0,
                                                        **({"minibatch_discrimination": {"num_kernels": 6,
                                                                                         "kernel_dim": 3}} if kw else {})),
    }[builder]
    x = _digits(4)
    y = x.copy()
    y[2] = -y[2]  # (MinibatchStddev groups samples n and n + B / group_size)
    plain, option = make(), make(on=True)
    assert float(abs(plain(x)[0, 0] - plain(y)[0, 0])) < 1e-6
    assert float(abs(option(x)[0, 0] - option(y)[0, 0])) > 1e-6
    testing.run_fit_check(GAN(_nets()[0], option, generator_optimizer=_sgd(), discriminator_optimizer=_sgd()),
                          _digits(), steps=1)


def test_unrolled_g_step_changes_g_gradient_and_leaves_d_alone():
    """With unrolled_steps the G update differs from the plain one, D's weights and D's
    optimizer are untouched by the G step, and G's loss equals -L_D at the unrolled weights
    (minimax), recomputed here with explicit SGD steps on a copy of D."""
    real = tf.constant(_digits(8))
    latents = tf.random.normal([8, LATENT], seed=4)
    results = {}
    for steps in (0, 2):
        gan = _gan(loss="minimax", unrolled_steps=steps)
        gan.compile()
        d_before = gan.discriminator.get_weights()
        d_it = int(gan.d_optimizer.iterations)
        _, d_copy = _nets()
        d_copy.set_weights(d_before)
        fake = gan.generator(latents, training=True)
        for _ in range(steps):  # the D update the unrolling simulates (plain SGD, lr 0.05)
            with tf.GradientTape() as tape:
                value = tf.reduce_mean(losses.get("minimax").discriminator(d_copy(real), d_copy(fake)))
            for v, grad in zip(d_copy.trainable_variables, tape.gradient(value, d_copy.trainable_variables)):
                v.assign_sub(0.05 * grad)
        expected = -np.mean(losses.get("minimax").discriminator(d_copy(real), d_copy(fake)))
        if steps == 0:
            expected = np.mean(losses.get("minimax").generator(d_copy(fake)))
        loss = float(gan.update("generator", (real, latents, None, None))["g_loss"])
        assert loss == pytest.approx(expected, rel=1e-4)
        for a, b in zip(d_before, gan.discriminator.get_weights()):
            np.testing.assert_array_equal(a, b)
        assert int(gan.d_optimizer.iterations) == d_it
        results[steps] = gan.generator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(results[0], results[2]))
    with pytest.raises(ValueError, match="unrolled_steps"):
        _gan(unrolled_steps=2, gradient_penalty="wgan", loss="wasserstein")


def test_unrolled_mixture_preset_trains():
    from keras_gans.data import mixtures

    gan = presets.build("mixture_unrolled", seed=0)
    testing.run_fit_check(gan, np.asarray(mixtures.sample("ring8", 256, seed=0), "float32"), steps=2,
                          batch_size=64)
