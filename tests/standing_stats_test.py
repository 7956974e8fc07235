"""Tests for BigGAN's standing batch-norm statistics (keras_gans/standing_stats.py)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import presets
from keras_gans.callbacks import StandingStatistics
from keras_gans.layers import ConditionalBatchNormalization
from keras_gans.standing_stats import accumulate_standing_statistics, batch_norm_layers
from zoo.common.train_lib import TrainConfig, run


def _dense_bn(momentum=0.99, spectral_norm=False):
    inputs = keras.Input((4,))
    dense = keras.layers.Dense(3, name="dense")
    if spectral_norm:
        dense = keras.layers.SpectralNormalization(dense, name="sn")
    h = dense(inputs)
    outputs = keras.layers.BatchNormalization(momentum=momentum, name="bn")(h)
    return keras.Model(inputs, outputs)


def test_moving_statistics_become_the_average_of_batch_moments():
    keras.utils.set_random_seed(0)
    model = _dense_bn()
    rng = np.random.default_rng(1)
    batches = [rng.normal(size=(8, 4)).astype("float32") * (i + 1) + i for i in range(3)]
    kernel, bias = (w.numpy() for w in model.get_layer("dense").weights)
    hidden = [x @ kernel + bias for x in batches]

    assert accumulate_standing_statistics(model, batches) == 3

    bn = model.get_layer("bn")
    np.testing.assert_allclose(bn.moving_mean.numpy(), np.mean([h.mean(0) for h in hidden], 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), np.mean([h.var(0) for h in hidden], 0), rtol=1e-4)
    assert bn.momentum == 0.99, "the layer's momentum is put back"
    np.testing.assert_array_equal(model.get_layer("dense").weights[0].numpy(), kernel)


def test_other_training_mode_state_is_put_back():
    keras.utils.set_random_seed(0)
    model = _dense_bn(spectral_norm=True)
    sn = model.get_layer("sn")
    before = [v.numpy() for v in sn.weights]
    accumulate_standing_statistics(model, [np.ones((4, 4), "float32"), np.zeros((4, 4), "float32")])
    for saved, variable in zip(before, sn.weights):
        np.testing.assert_array_equal(variable.numpy(), saved, err_msg=variable.path)
    assert np.abs(model.get_layer("bn").moving_mean.numpy()).min() > 0, "the statistics did change"


def test_finds_the_normalisation_inside_conditional_batch_norm():
    x, y = keras.Input((2, 2, 3)), keras.Input((), dtype="int32")
    h = ConditionalBatchNormalization(num_classes=5, name="cbn")([x, y])
    model = keras.Model([x, y], keras.layers.BatchNormalization(name="bn")(h))
    assert len(batch_norm_layers(model)) == 2
    rng = np.random.default_rng(0)
    images = [rng.normal(2.0, 3.0, size=(6, 2, 2, 3)).astype("float32") for _ in range(2)]
    labels = np.arange(6, dtype="int32") % 5
    accumulate_standing_statistics(model, [[images[0], labels], [images[1], labels]])
    inner = model.get_layer("cbn").norm
    np.testing.assert_allclose(inner.moving_mean.numpy(), np.mean([im.mean((0, 1, 2)) for im in images], 0), rtol=1e-5)
    np.testing.assert_allclose(inner.moving_variance.numpy(), np.mean([im.var((0, 1, 2)) for im in images], 0), rtol=1e-4)


def test_bad_input_is_rejected():
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="plain")
    with pytest.raises(ValueError, match="plain has no BatchNormalization layer"):
        accumulate_standing_statistics(plain, [np.ones((2, 4), "float32")])
    with pytest.raises(ValueError, match="batches is empty"):
        accumulate_standing_statistics(_dense_bn(), [])
    gan = presets.build("dcgan_tiny")
    with pytest.raises(ValueError, match="num_batches must be a positive int; received 0"):
        gan.accumulate_standing_statistics(0)


def test_inference_mode_matches_training_mode_after_standing_statistics():
    """Fresh moving statistics (mean 0, variance 1) are far from the batch statistics; after
    averaging over many batches, inference-mode samples come close to training-mode ones."""
    keras.utils.set_random_seed(0)
    gan = presets.build("dcgan_tiny")
    g = gan.inference_generator
    latents = gan.sample_latents(256, tf.constant([5, 5]))

    def gap():
        return float(tf.reduce_mean(tf.abs(g(latents, training=False) - g(latents, training=True))))

    before = gap()
    trainable = [v.numpy() for v in g.trainable_variables]
    assert gan.accumulate_standing_statistics(num_batches=40, batch_size=64) == 40
    after = gap()
    assert after < 0.25 * before, (before, after)
    for saved, variable in zip(trainable, g.trainable_variables):
        np.testing.assert_array_equal(variable.numpy(), saved)


def test_conditional_generator_with_spectral_norm():
    """SAGAN's G: labels are drawn for the conditional BN; every batch-norm layer's statistics
    change and nothing else does (SN's kernels and u vectors included)."""
    keras.utils.set_random_seed(0)
    gan = presets.build("sagan_tiny")
    g = gan.inference_generator
    layers = batch_norm_layers(g)
    assert len(layers) == 1 + sum(isinstance(l, ConditionalBatchNormalization) for l in g._flatten_layers())
    statistics = {id(v) for l in layers for v in (l.moving_mean, l.moving_variance)}
    before = {v.path: v.numpy() for v in g.variables}
    gan.accumulate_standing_statistics(num_batches=3, batch_size=16, seed=1)
    for v in g.variables:
        changed = not np.array_equal(v.numpy(), before[v.path])
        assert changed == (id(v) in statistics), v.path


def test_train_run_applies_standing_statistics_before_export(tmp_path):
    summary = run(TrainConfig(preset="dcgan_tiny", output_dir=str(tmp_path / "run"), epochs=1,
                              steps_per_epoch=2, grid_size=4, verbose=0, standing_stats=3))
    assert summary["standing_stats"] == 3
    g = summary["model"].inference_generator
    means = [layer.moving_mean.numpy() for layer in batch_norm_layers(g)]
    # Two training steps at momentum 0.9 move the mean 19% of the way from 0; the standing
    # average over 3 batches is the batch mean itself, so it cannot equal those.
    gan = summary["model"]
    gan.accumulate_standing_statistics(3, batch_size=summary["batch_size"], seed=0)
    for mean, layer in zip(means, batch_norm_layers(g)):
        np.testing.assert_allclose(layer.moving_mean.numpy(), mean, rtol=1e-5, atol=1e-6)
    reloaded = tf.saved_model.load(summary["export"])
    served = reloaded.signatures["serving_default"](latents=tf.constant(
        gan.sample_latents(4, tf.constant([1, 2])).numpy()))
    expected = g(gan.sample_latents(4, tf.constant([1, 2])), training=False)
    np.testing.assert_allclose(next(iter(served.values())).numpy(), expected.numpy(), atol=1e-4)


def test_standing_stats_on_a_generator_without_batch_norm_is_rejected(tmp_path):
    assert not batch_norm_layers(presets.build("gan_tiny").generator)
    with pytest.raises(ValueError, match="generator has no BatchNormalization layer; pass 0"):
        run(TrainConfig(preset="gan_tiny", output_dir=str(tmp_path / "run"), standing_stats=5, verbose=0))
    assert not (tmp_path / "run").exists()
    with pytest.raises(ValueError, match="--standing_stats must be a non-negative integer; received -1"):
        run(TrainConfig(preset="dcgan_tiny", output_dir=str(tmp_path / "run"), standing_stats=-1))


def test_callback_re_estimates_every_n_epochs_before_later_callbacks():
    keras.utils.set_random_seed(0)
    gan = presets.build("dcgan_tiny")
    gan.compile()
    seen = []
    spy = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(
        [layer.moving_mean.numpy() for layer in batch_norm_layers(gan.inference_generator)]))
    images = np.random.default_rng(0).uniform(-1, 1, size=(16, *gan.generator.output_shape[1:])).astype("float32")
    gan.fit(images, batch_size=8, epochs=2, steps_per_epoch=1, verbose=0,
            callbacks=[StandingStatistics(3, 8, every=2, seed=4), spy])
    gan.accumulate_standing_statistics(3, 8, seed=4)
    standing = [layer.moving_mean.numpy() for layer in batch_norm_layers(gan.inference_generator)]
    assert not all(np.allclose(a, b) for a, b in zip(seen[0], standing)), "epoch 1: not re-estimated"
    for got, want in zip(seen[1], standing):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="every must be a positive int; received 0"):
        StandingStatistics(3, 8, every=0)


def test_under_mirrored_strategy_every_replica_gets_the_single_device_statistics():
    devices = tf.config.list_logical_devices("CPU")
    strategy = tf.distribute.MirroredStrategy([d.name for d in devices[:2]])
    keras.utils.set_random_seed(0)
    single = presets.build("dcgan_tiny", seed=0)
    with strategy.scope():
        keras.utils.set_random_seed(0)
        mirrored = presets.build("dcgan_tiny", seed=0)
    mirrored.generator.set_weights(single.generator.get_weights())
    for gan in (single, mirrored):
        gan.accumulate_standing_statistics(4, 8, seed=2)
    for want, layer in zip(batch_norm_layers(single.generator), batch_norm_layers(mirrored.generator)):
        components = getattr(layer.moving_mean.value, "values", None) or [layer.moving_mean.value]
        assert len(components) == 2, components
        for component in components:
            np.testing.assert_allclose(np.array(component), want.moving_mean.numpy(), rtol=1e-5, atol=1e-6)
