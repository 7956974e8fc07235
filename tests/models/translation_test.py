"""PairedTranslation (Pix2Pix's training scheme) on tiny networks."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import losses, testing
from keras_gans.models.translation import PairedTranslation, dropout_layers
from keras_gans.networks.patchgan import patchgan_discriminator
from keras_gans.networks.unet import unet_generator


def _nets(size=32, downs=5, normalization="batch", seed=0):
    g = unet_generator((size, size, 1), output_channels=3, base_filters=4, num_downs=downs,
                       normalization=normalization, seed=seed)
    d = patchgan_discriminator((size, size, 3), condition_shape=(size, size, 1), base_filters=4,
                               num_layers=2, normalization=normalization, seed=seed)
    return g, d


def _sgd():
    return keras.optimizers.SGD(0.1)


def _model(normalization="batch", size=32, downs=5, **kwargs):
    g, d = _nets(size, downs, normalization)
    kwargs.setdefault("terms", {"l1": ("l1", 100.0)})
    return PairedTranslation(g, d, optimizers={"generator": _sgd(), "discriminator": _sgd()}, seed=0, **kwargs)


def _pairs(n=8, size=32, seed=0):
    rng = np.random.default_rng(seed)
    source = rng.uniform(-1, 1, (n, size, size, 1)).astype("float32")
    target = np.tanh(np.concatenate([source, -source, 0.5 * source], -1)).astype("float32")
    return {"source": source, "target": target}


def _trainable(model):
    return [np.array(w) for w in model.trainable_weights]


def _compiled_with_copies(n=4):
    """A compiled model, a batch, and copies of its G and D to compute a step by hand."""
    model = _model()
    model.compile()
    batch = _pairs(n)
    copies = []
    for network in (model.generator, model.discriminator):
        copy = keras.models.clone_model(network)
        copy.set_weights(network.get_weights())
        copies.append(copy)
    return model, tf.constant(batch["source"]), tf.constant(batch["target"]), copies


def test_discriminator_step_equals_the_update_by_hand():
    model, src, tgt, (g, d) = _compiled_with_copies()
    fake = g(src, training=True)
    with tf.GradientTape() as tape:
        per_example = 0.5 * losses.modified_discriminator_loss(d([src, tgt], training=True),
                                                              d([src, fake], training=True))
        loss = tf.reduce_mean(per_example)
    expected = [v - 0.1 * grad for v, grad in zip(d.trainable_variables, tape.gradient(loss, d.trainable_variables))]
    g_before = _trainable(model.generator)
    logs = model.update("discriminator", (src, tgt))
    assert float(logs["d_loss"]) == pytest.approx(float(loss), rel=1e-5)
    for got, want in zip(model.discriminator.trainable_variables, expected):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-4, atol=1e-6)
    for a, b in zip(g_before, _trainable(model.generator)):
        np.testing.assert_array_equal(a, b)  # the D phase leaves G alone


def test_generator_step_is_gan_loss_plus_100_l1_by_hand():
    model, src, tgt, (g, d) = _compiled_with_copies()
    with tf.GradientTape() as tape:
        fake = g(src, training=True)
        adversarial = tf.reduce_mean(tf.nn.softplus(-d([src, fake], training=True)))  # -log D(x, G(x))
        l1 = tf.reduce_mean(tf.abs(tgt - fake))
        loss = adversarial + 100.0 * l1
    expected = [v - 0.1 * grad for v, grad in zip(g.trainable_variables, tape.gradient(loss, g.trainable_variables))]
    d_before = _trainable(model.discriminator)
    logs = model.update("generator", (src, tgt))
    assert float(logs["g_loss"]) == pytest.approx(float(adversarial), rel=1e-5)
    assert float(logs["l1"]) == pytest.approx(float(l1), rel=1e-5)
    for got, want in zip(model.generator.trainable_variables, expected):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-4, atol=1e-5)
    for a, b in zip(d_before, _trainable(model.discriminator)):
        np.testing.assert_array_equal(a, b)


def test_l1_only_ablation_has_no_discriminator_phase():
    model = _model(adversarial_weight=0.0)
    assert [p.name for p in model.phases] == ["generator"]
    d_before = _trainable(model.discriminator)
    model.compile()
    ds = tf.data.Dataset.from_tensor_slices(_pairs(8)).batch(4)
    history = model.fit(ds, epochs=1, verbose=0)
    assert sorted(history.history) == ["l1"]
    for a, b in zip(d_before, _trainable(model.discriminator)):
        np.testing.assert_array_equal(a, b)
    assert int(model.optimizers["discriminator"].iterations) == 0


def test_shared_checks(tmp_path):
    model = _model()
    testing.run_config_roundtrip_check(model)
    testing.run_fit_check(model, _pairs(8), steps=2)
    restored = testing.run_save_restore_check(model, str(tmp_path))
    assert isinstance(restored, PairedTranslation) and restored.terms == {"l1": ("l1", 100.0)}
    testing.run_export_check(model, str(tmp_path))


def test_two_replicas_equal_one_device():
    images = _pairs(8)
    testing.run_mirrored_equivalence_check(lambda: _model(normalization=None), images, steps=2)


def test_translate_any_size_and_seeded_dropout():
    model = _model(size=64, downs=6)  # one dropout level (num_downs - 5 in the official U-Net)
    assert len(dropout_layers(model.generator)) == 1
    source = _pairs(2, size=64)["source"]
    a, b, c = (model.translate(source, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-4  # other dropout noise
    big = model.translate(np.zeros((1, 100, 70, 1), np.float32))
    assert big.shape == (1, 100, 70, 3) and np.all(np.abs(big) <= 1.0)
    off = _model(size=64, downs=6, dropout_at_inference=False)
    np.testing.assert_array_equal(off.translate(source, seed=1), off.translate(source, seed=2))


def test_each_image_is_translated_alone():
    """Batch statistics at test time come from the image itself (the official batch 1)."""
    model = _model()
    source = _pairs(3)["source"]
    together = model.translate(source)
    alone = np.concatenate([model.translate(source[i : i + 1]) for i in range(3)])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_grid_rows_are_input_output_target():
    model = _model()
    examples = _pairs(2)
    images, columns = model.sample_grids(examples)["samples"]
    assert columns == 3 and images.shape == (6, 32, 32, 3)
    np.testing.assert_array_equal(images[0], np.repeat(examples["source"][0], 3, -1))
    np.testing.assert_allclose(images[1], model.translate(examples["source"][:1])[0], atol=1e-5)
    np.testing.assert_array_equal(images[2], examples["target"][0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"terms": {"l1": ("l7", 1.0)}}, "l7"),
        ({"terms": {"l1": ("l1", -1.0)}}, "Loss term 'l1' must be (term name, non-negative weight)"),
        ({"adversarial_weight": 0.0, "terms": {}}, "needs at least one loss term"),
        ({"discriminator_weight": -0.5}, "discriminator_weight must be a non-negative number; received -0.5"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _model(**kwargs)


def test_bad_inputs():
    g, _ = _nets()
    single = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(1, 4)])
    with pytest.raises(ValueError, match=re.escape("must take [source, image]")):
        PairedTranslation(g, single)
    model = _model()
    model.compile()
    with pytest.raises(ValueError, match="needs 'source' and 'target'; received keys \\['images'\\]"):
        model.fit(tf.data.Dataset.from_tensor_slices({"images": _pairs(4)["source"]}).batch(2), verbose=0)
    with pytest.raises(ValueError, match=re.escape("uint8 images?")):
        model.translate(np.full((1, 32, 32, 1), 255.0, np.float32))
    with pytest.raises(ValueError, match=re.escape("images must be [N, H, W, 1]")):
        model.translate(np.zeros((1, 32, 32, 3), np.float32))


def test_discriminator_views_move_source_and_image_alike_and_equal_the_step_by_hand():
    from keras_gans import augment, tricks

    policy = "translation,cutout"
    model = _model(diff_augment=policy)
    model.compile()
    assert [type(v).__name__ for v in model.discriminator_views] == ["DiffAugment"]
    batch = _pairs(4)
    src = tf.constant(batch["source"])
    # A pair stays aligned: the augmented target is still minus the augmented source.
    seed = tf.constant([3, 4])
    np.testing.assert_array_equal(tricks.apply_views(model.discriminator_views, -src, seed, model),
                                  -tricks.apply_views(model.discriminator_views, src, seed, model, stream=1))
    # D's update equals the update by hand on the augmented pairs (seeds: step seed + 13 / + 17).
    tgt3 = tf.constant(batch["target"])
    d = keras.models.clone_model(model.discriminator)
    d.set_weights(model.discriminator.get_weights())
    g = keras.models.clone_model(model.generator)
    g.set_weights(model.generator.get_weights())
    s = model.step_seed(0)
    view = lambda x, k: augment.diff_augment(x, policy, seed=s + k)  # noqa: E731
    fake = g(src, training=True)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(0.5 * losses.modified_discriminator_loss(
            d([view(src, 13), view(tgt3, 13)], training=True), d([view(src, 17), view(fake, 17)], training=True)))
    expected = [v - 0.1 * grad for v, grad in zip(d.trainable_variables, tape.gradient(loss, d.trainable_variables))]
    logs = model.update("discriminator", (src, tgt3))
    assert float(logs["d_loss"]) == pytest.approx(float(loss), rel=1e-5)
    for got, want in zip(model.discriminator.trainable_variables, expected):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-4, atol=1e-6)
    assert PairedTranslation.from_config(model.get_config()).diff_augment == policy


def test_instance_noise_reaches_both_images_independently():
    from keras_gans import tricks

    model = _model(instance_noise=0.5)
    x = tf.zeros([2, 32, 32, 1])
    seed = tf.constant([1, 2])
    a = tricks.apply_views(model.discriminator_views, x, seed, model)
    b = tricks.apply_views(model.discriminator_views, x, seed, model, stream=1)
    assert 0.4 < float(tf.math.reduce_std(a)) < 0.6 and not np.allclose(a, b)
    with pytest.raises(ValueError, match="instance_noise must be a stddev >= 0; received -1"):
        _model(instance_noise=-1)


def _copy(network):
    copy = keras.models.clone_model(network)
    copy.set_weights(network.get_weights())
    return copy


def _d_update_by_hand(d, source, real, fake, real_source=None, fake_source=None):
    """The SGD(0.1) update of D's halved BCE objective on the given pairs; returns the loss."""
    real_source = source if real_source is None else real_source
    fake_source = source if fake_source is None else fake_source
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(0.5 * losses.modified_discriminator_loss(
            d([real_source, real], training=True), d([fake_source, fake], training=True)))
    for v, grad in zip(d.trainable_variables, tape.gradient(loss, d.trainable_variables)):
        v.assign_sub(0.1 * grad)
    return float(loss)


def test_label_flip_swaps_the_drawn_pairs_of_a_paired_model():
    """The same LabelFlip as GAN's: rows drawn from the step seed + 11 show D (source, G(x))
    as real and (source, y) as fake; D's update equals the update by hand on those pairs."""
    model = _model(normalization=None, label_flip=0.4)
    model.compile()
    batch = _pairs(8)
    src, tgt = tf.constant(batch["source"]), tf.constant(batch["target"])
    g, d = _copy(model.generator), _copy(model.discriminator)
    mask = (tf.random.stateless_uniform([8], model.step_seed(0) + 11) < 0.4)[:, None, None, None]
    assert 0 < int(tf.reduce_sum(tf.cast(mask, tf.int32))) < 8
    fake = g(src, training=True)
    loss = _d_update_by_hand(d, src, tf.where(mask, fake, tgt), tf.where(mask, tgt, fake))
    logs = model.update("discriminator", (src, tgt))
    assert float(logs["d_loss"]) == pytest.approx(loss, rel=1e-5)
    for got, want in zip(model.discriminator.trainable_variables, d.trainable_variables):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-4, atol=1e-6)


def test_image_pool_of_a_paired_model_keeps_source_and_output_together():
    """The pool stores (source, output) pairs (the official fake_AB_pool): a pooled output
    reaches D beside the source it was made from, never beside the new batch's source."""
    model = _model(normalization=None, image_pool_size=4)
    model.compile()
    seen = testing.record_calls(model.discriminator)
    pooled = 0
    for step in range(6):
        batch = _pairs(4, seed=step)
        stored = (np.array(model.image_pool.conditions), np.array(model.image_pool.images))
        seen.clear()
        model.update("discriminator", (batch["source"], batch["target"]))
        shown_source, shown_fake = seen[1]
        for source, image in zip(shown_source, shown_fake):
            new = np.abs(batch["source"] - source).max(axis=(1, 2, 3)) == 0
            if new.any():
                continue
            match = np.abs(stored[0] - source).max(axis=(1, 2, 3)) == 0
            assert match.any(), "a shown source is neither new nor pooled"
            np.testing.assert_allclose(stored[1][match][0], image, atol=1e-6)
            pooled += 1
        if step == 0:
            np.testing.assert_array_equal(np.array(model.image_pool.conditions), batch["source"])
    assert pooled > 0


def test_feature_matching_objective_of_a_paired_model_by_hand():
    """G's adversarial term becomes Salimans et al.'s feature matching on D's layer
    'lrelu2' of (source, y) and (source, G(x)); D is not changed by the G phase."""
    model = _model(normalization=None, feature_matching_layer="lrelu2")
    model.compile()
    batch = _pairs(4)
    src, tgt = tf.constant(batch["source"]), tf.constant(batch["target"])
    g = _copy(model.generator)
    features = model.discriminator_features
    mean = lambda f: np.asarray(f).reshape(4, -1).mean(0)  # noqa: E731
    want = np.mean((mean(features([src, tgt])) - mean(features([src, g(src, training=True)]))) ** 2)
    d_before = _trainable(model.discriminator)
    logs = model.update("generator", (src, tgt))
    assert float(logs["g_loss"]) == pytest.approx(float(want), rel=1e-4)
    for a, b in zip(d_before, _trainable(model.discriminator)):
        np.testing.assert_array_equal(a, b)
    assert PairedTranslation.from_config(model.get_config()).feature_matching_layer == "lrelu2"
    with pytest.raises(ValueError, match="not a layer of the discriminator"):
        _model(feature_matching_layer="nope")


def test_unrolled_objective_of_a_paired_model_by_hand():
    """With unrolled_steps=1, G's adversarial loss is its loss under D after one SGD(0.1)
    update of D's halved objective on this batch; the real D does not move."""
    model = _model(normalization=None, unrolled_steps=1)
    model.compile()
    batch = _pairs(4)
    src, tgt = tf.constant(batch["source"]), tf.constant(batch["target"])
    g, d = _copy(model.generator), _copy(model.discriminator)
    fake = g(src, training=True)
    _d_update_by_hand(d, src, tgt, fake)
    want = tf.reduce_mean(tf.nn.softplus(-d([src, fake], training=True)))
    d_before = _trainable(model.discriminator)
    logs = model.update("generator", (src, tgt))
    assert float(logs["g_loss"]) == pytest.approx(float(want), rel=1e-4)
    for a, b in zip(d_before, _trainable(model.discriminator)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="choose one"):
        _model(unrolled_steps=1, feature_matching_layer="lrelu2")


def test_every_trick_together_trains_and_round_trips(tmp_path):
    model = _model(label_flip=0.1, image_pool_size=4, diff_augment="translation", instance_noise=0.05,
                   instance_noise_steps=10, feature_matching_layer="lrelu2")
    testing.run_fit_check(model, _pairs(8), steps=2)
    clone = testing.run_config_roundtrip_check(model)
    assert (clone.label_flip, clone.image_pool_size, clone.instance_noise_steps) == (0.1, 4, 10)
    restored = testing.run_save_restore_check(model, str(tmp_path))
    np.testing.assert_array_equal(np.array(restored.image_pool.conditions), np.array(model.image_pool.conditions))
