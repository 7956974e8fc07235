"""Tests for keras_gans/distribute.py (two-replica and two-worker runs: tests/models, tests/zoo)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import distribute, presets


def test_strategies_by_name():
    assert distribute.get_strategy("default") is tf.distribute.get_strategy()
    mirrored = distribute.get_strategy("mirrored")
    assert isinstance(mirrored, tf.distribute.MirroredStrategy)
    assert mirrored.num_replicas_in_sync >= 1
    with pytest.raises(ValueError, match="Unknown strategy 'horovod'; expected one of"):
        distribute.get_strategy("horovod")


def test_fit_distributed_runs_train_step_and_callbacks():
    """The multi-worker loop, driven under a two-replica MirroredStrategy in-process, takes the
    same steps as fit() and calls the callbacks."""
    devices = [d.name for d in tf.config.list_logical_devices("CPU")[:2]]
    strategy = tf.distribute.MirroredStrategy(devices)
    with strategy.scope():
        gan = presets.build("wgan_gp_tiny", seed=0)
        gan.compile()
    images = tf.random.uniform([40, 8, 8, 1], -1.0, 1.0, seed=0)
    ds = tf.data.Dataset.from_tensor_slices(images).repeat().batch(20, drop_remainder=True)
    seen = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((epoch, logs)))
    history = distribute.fit_distributed(gan, ds, epochs=2, steps_per_epoch=3, strategy=strategy,
                                         callbacks=[callback], verbose=0)
    assert [epoch for epoch, _ in seen] == [0, 1]
    assert set(seen[-1][1]) == {"d_loss", "g_loss", "gp"}
    assert len(history.history["d_loss"]) == 2 and np.all(np.isfinite(history.history["gp"]))
    assert gan.g_optimizer.iterations.numpy() == 6 and gan.d_optimizer.iterations.numpy() == 30
