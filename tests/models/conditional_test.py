"""Class-conditional GANs: GAN(num_classes=...), CGAN networks, conditional export."""

import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

from keras_gans import losses, presets, testing
from keras_gans.export import read_metadata
from keras_gans.models.gan import GAN
from keras_gans.networks.cgan import cgan_discriminator, cgan_generator

LATENT = 5


def _digits(n=64, classes=10):
    data = load_digits(n_class=classes)
    x = (data.images[:n, ..., None] / 8.0 - 1.0).astype("float32")
    return x, data.target[:n].astype("int32")


def _nets(classes, seed=0):
    g = cgan_generator(LATENT, classes, (8, 8, 1), latent_units=6, label_units=4, joint_units=8,
                       dropout=0.0, seed=seed)
    d = cgan_discriminator((8, 8, 1), classes, image_units=6, image_pieces=2, label_units=3,
                           label_pieces=2, joint_units=5, joint_pieces=2, dropout=0.0, seed=seed)
    return g, d


def _sgd(lr=0.05):
    return {"class_name": "SGD", "config": {"learning_rate": lr}}


def _gan(classes=10, **kwargs):
    g, d = _nets(classes)
    return GAN(g, d, num_classes=classes, generator_optimizer=_sgd(), discriminator_optimizer=_sgd(),
               seed=3, **kwargs)


def test_cgan_networks_have_the_papers_sizes():
    g, d = cgan_generator(), cgan_discriminator()
    # Mirza & Osindero 2014, section 4.1 (counts in keras_gans/networks/cgan.py).
    assert g.count_params() == 100 * 200 + 200 + 10 * 1000 + 1000 + 1200 * 1200 + 1200 + 1200 * 784 + 784
    assert d.count_params() == 785 * 1200 + 11 * 250 + 291 * 960 + 241
    x = g([tf.zeros([3, 100]), tf.constant([0, 3, 9])], training=False)
    assert x.shape == (3, 28, 28, 1) and float(tf.reduce_max(tf.abs(x))) <= 1.0
    assert d([x, tf.constant([0, 3, 9])]).shape == (3, 1)


def test_the_label_changes_the_output():
    g, d = _nets(10)
    z = tf.random.normal([2, LATENT], seed=1)
    a = g([z, tf.constant([0, 0])])
    b = g([z, tf.constant([0, 7])])
    np.testing.assert_allclose(a[0], b[0])
    assert not np.allclose(a[1], b[1])
    assert not np.allclose(d([a, tf.constant([1, 1])]), d([a, tf.constant([1, 2])]))


@pytest.mark.parametrize("mismatched", [False, True])
def test_conditional_train_step_equals_manual_updates(mismatched):
    """With 2 classes a mismatched label is the other class, so the whole step can be
    recomputed by hand: D on (real, y) vs (G(z, y_f), y_f) [+ (real, 1 - y) as fakes, the
    two losses averaged], then G through the updated D."""
    classes, b = 2, 6
    gan = _gan(classes, mismatched_pairs=mismatched)
    gan.compile()
    images, labels = _digits(b, classes)
    latents = tf.random.normal([b, 2, LATENT], seed=5)
    fake_labels = tf.constant(np.stack([np.arange(b) % 2, (np.arange(b) + 1) % 2], 1), tf.int32)

    g_ref, d_ref = _nets(classes)
    g_ref.set_weights(gan.generator.get_weights())
    d_ref.set_weights(gan.discriminator.get_weights())
    pair, lr = losses.get("modified"), 0.05
    with tf.GradientTape() as tape:
        real_logits = d_ref([images, labels])
        fake = g_ref([latents[:, 0], fake_labels[:, 0]])
        value = pair.discriminator(real_logits, d_ref([fake, fake_labels[:, 0]]))
        if mismatched:
            value = 0.5 * (value + pair.discriminator(real_logits, d_ref([images, 1 - labels])))
        value = tf.reduce_mean(value)
    for v, grad in zip(d_ref.trainable_variables, tape.gradient(value, d_ref.trainable_variables)):
        v.assign_sub(lr * grad)
    with tf.GradientTape() as tape:
        fake = g_ref([latents[:, 1], fake_labels[:, 1]])
        value = tf.reduce_mean(pair.generator(d_ref([fake, fake_labels[:, 1]])))
    for v, grad in zip(g_ref.trainable_variables, tape.gradient(value, g_ref.trainable_variables)):
        v.assign_sub(lr * grad)

    gan.train_step({"images": images, "labels": labels, "latents": latents, "fake_labels": fake_labels})
    for ref, got in zip(d_ref.weights + g_ref.weights, gan.discriminator.weights + gan.generator.weights):
        np.testing.assert_allclose(np.array(got), np.array(ref), rtol=1e-4, atol=1e-6)


def test_mismatched_labels_are_always_wrong_and_cover_the_other_classes():
    """Spy on the labels D sees: the third D call of a step gets the real images with labels
    that differ from the true ones and take every other class."""
    gan = _gan(10, mismatched_pairs=True)
    gan.compile()
    seen = testing.record_calls(gan.discriminator)
    images, labels = _digits(64)
    gan.train_step((tf.constant(images), tf.constant(labels)))
    wrong = seen[2][1]
    assert np.all(wrong != labels)
    assert set(np.unique(wrong)) == set(range(10))


def test_conditional_model_needs_labels_and_checks_them():
    gan = _gan()
    gan.compile()
    images, _ = _digits(8)
    with pytest.raises(ValueError, match="labels"):
        gan.train_step(tf.constant(images))
    with pytest.raises(ValueError, match=r"lie in \[0, 10\)"):
        gan.generate(2, labels=[0, 10])
    with pytest.raises(ValueError, match="shape"):
        gan.generate(2, labels=[0, 1, 2])
    with pytest.raises(ValueError, match="conditional"):
        GAN(*_nets(10), mismatched_pairs=True)
    with pytest.raises(ValueError, match="num_classes"):
        GAN(*_nets(10), num_classes=1)
    with pytest.raises(ValueError, match="unconditional"):
        presets.build("dcgan_tiny").generate(2, labels=[0, 1])


def test_generate_cycles_through_the_classes_by_default():
    gan = _gan()
    z = tf.random.normal([12, LATENT], seed=2)
    got = gan.generate(latents=z)
    want = gan.generator([z, tf.range(12) % 10])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gan.generate(latents=z[:2], labels=[4, 4]), gan.generator([z[:2], tf.constant([4, 4])]),
                               rtol=1e-5, atol=1e-6)


def test_shared_checks_on_the_cgan_preset(tmp_path):
    gan = presets.build("cgan_tiny", seed=1)
    images, labels = _digits(64)
    testing.run_fit_check(gan, images, labels=labels)
    testing.run_config_roundtrip_check(gan)
    testing.run_save_restore_check(gan, str(tmp_path))
    path = testing.run_export_check(gan, str(tmp_path))
    meta = read_metadata(path)
    assert meta["num_classes"] == 10 and meta["latent_dim"] == 16


def test_two_replicas_match_one_device():
    images, labels = _digits(16)
    latents = tf.random.normal([16, 2, LATENT], seed=9)
    fake_labels = tf.random.uniform([16, 2], 0, 10, tf.int32, seed=4)
    testing.run_mirrored_equivalence_check(
        lambda: _gan(10, mismatched_pairs=False), images, latents, steps=2, labels=labels,
        fake_labels=fake_labels,
    )


def test_zoo_script_trains_cgan_tiny_with_labels(run_zoo_script):
    out, summary = run_zoo_script("zoo.cgan.train", "--preset=cgan_tiny", "--epochs=1",
                                  "--steps_per_epoch=2", "--grid_size=20")
    assert summary["preset"] == "cgan_tiny" and len(summary["history"]["d_loss"]) == 1
    meta = read_metadata(summary["export"])
    assert meta["num_classes"] == 10
    from PIL import Image

    grid = Image.open(out / "samples" / "final.png")
    # 10 columns (one per class) x 2 rows of 8x8 images, padding 2, scale 16.
    assert grid.size == ((10 * 10 + 2) * 16, (2 * 10 + 2) * 16)
