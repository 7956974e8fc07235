"""Tests for ImagePool (keras_gans/tricks/image_pool.py) against the official per-image loop."""

from collections import Counter

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.tricks import ImagePool


def _draws(pool_size, batch, seed):
    """The query's draws, recomputed with the stateless ops (fold_in 0: u on the 2**-24 grid,
    fold_in 1: slot)."""
    clear = lambda s: tf.bitwise.bitwise_and(s, tf.constant(0x7FFFFFFF, s.dtype))  # noqa: E731
    fold = lambda s, d: clear(tf.random.experimental.stateless_fold_in(clear(s), d))  # noqa: E731
    k = tf.random.stateless_uniform([batch], fold(seed, 0), minval=0, maxval=2**24, dtype=tf.int32)
    u = k.numpy() / 2**24
    slot = tf.random.stateless_uniform(
        [batch], fold(seed, 1), minval=0, maxval=pool_size, dtype=tf.int32
    ).numpy()
    return u, slot


class _ReferencePool:
    """junyanz/pytorch-CycleGAN-and-pix2pix util/image_pool.py's loop, with given draws."""

    def __init__(self, pool_size):
        self.pool_size = pool_size
        self.images = []

    def query(self, images, u, slot):
        out = []
        for i, image in enumerate(images):
            if len(self.images) < self.pool_size:
                self.images.append(image.copy())
                out.append(image)
            elif u[i] > 0.5:
                old = self.images[slot[i]].copy()
                self.images[slot[i]] = image.copy()
                out.append(old)
            else:
                out.append(image)
        return np.stack(out)


def _ids(start, batch):
    """Images whose single pixel is a unique id, so where each came from is visible."""
    return np.arange(start, start + batch, dtype=np.float32).reshape(batch, 1, 1, 1)


def test_pool_size_zero_is_pass_through():
    pool = ImagePool(0)
    x = tf.constant(_ids(0, 3))
    assert pool.query(x) is x
    assert pool.weights == []


def test_fill_phase_returns_inputs_and_stores_them():
    pool = ImagePool(6, image_shape=(1, 1, 1))
    x = _ids(1, 4)
    np.testing.assert_array_equal(pool.query(x, tf.constant([0, 0])).numpy(), x)
    assert int(pool.num_images.numpy()) == 4
    np.testing.assert_array_equal(pool.images.numpy()[:4], x)
    np.testing.assert_array_equal(pool.images.numpy()[4:], 0.0)


def test_matches_official_sequential_loop_with_in_batch_collisions():
    # Pool of 3, batches of 8: the fill ends mid-batch and later images of a batch often hit
    # a slot an earlier one just wrote, so the within-batch order matters.
    pool = ImagePool(3, image_shape=(1, 1, 1))
    reference = _ReferencePool(3)
    collisions = 0
    for step in range(12):
        seed = tf.constant([5, step])
        x = _ids(100 * step + 1, 8)
        u, slot = _draws(3, 8, seed)
        expected = reference.query(x, u, slot)
        got = pool.query(x, seed).numpy()
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(pool.images.numpy(), np.stack(reference.images))
        swapped = slot[u > 0.5]
        collisions += len(swapped) - len(set(swapped))
    assert int(pool.num_images.numpy()) == 3
    assert collisions > 5  # the case the vectorised form must get right did occur


def test_conditions_travel_with_their_images_as_in_the_official_loop():
    """A pool with conditions (class labels here, ``condition_shape=()``) returns each image
    with the condition it was stored with: the images match the official loop, and every
    returned label is its image's id + 1000; the stored labels likewise."""
    pool = ImagePool(3, image_shape=(1, 1, 1), condition_shape=(), condition_dtype="int32")
    reference = _ReferencePool(3)
    for step in range(8):
        seed = tf.constant([9, step])
        x = _ids(100 * step + 1, 5)
        labels = x.reshape(-1).astype(np.int32) + 1000
        u, slot = _draws(3, 5, seed)
        expected = reference.query(x, u, slot)
        got, got_labels = pool.query(x, seed, conditions=labels)
        np.testing.assert_array_equal(got.numpy(), expected)
        np.testing.assert_array_equal(got_labels.numpy(), got.numpy().reshape(-1).astype(np.int32) + 1000)
        np.testing.assert_array_equal(pool.conditions.numpy(), pool.images.numpy().reshape(-1).astype(np.int32) + 1000)
    clone = ImagePool.from_config(pool.get_config())
    assert clone.conditions.shape == (3,) and clone.conditions.dtype == "int32"
    with pytest.raises(ValueError, match="keeps conditions"):
        pool.query(_ids(0, 2), tf.constant([0, 0]))
    with pytest.raises(ValueError, match=r"holds conditions of shape \(\); received a batch of shape"):
        pool.query(_ids(0, 2), tf.constant([0, 0]), conditions=np.zeros((2, 3), np.int32))
    with pytest.raises(ValueError, match="has no conditions"):
        ImagePool(3, image_shape=(1, 1, 1)).query(_ids(0, 2), tf.constant([0, 0]), conditions=np.zeros(2))


def test_swap_fraction_and_returned_images_come_from_history():
    pool = ImagePool(50, image_shape=(1, 1, 1))
    pool.query(_ids(0, 50), tf.constant([0, 0]))  # fill
    query = tf.function(pool.query)
    inserted = set(range(50))
    old = total = 0
    for step in range(200):
        x = _ids(50 + 10 * step, 10)
        before = Counter(pool.images.numpy().ravel().tolist())
        out = query(tf.constant(x), tf.constant([1, step])).numpy().ravel()
        after = Counter(pool.images.numpy().ravel().tolist())
        new = x.ravel()
        # Returned old images are images inserted earlier (in an earlier query or earlier
        # in this batch), never anything else.
        for value, image in zip(out, new):
            assert value == image or value in inserted or value in new[new < image]
        old += int(np.sum(out != new))
        total += len(new)
        # Conservation: what went in (old pool + batch) is what came out (new pool + returned),
        # so every swapped-in image is now in the pool (or was handed back later in the batch).
        assert before + Counter(new.tolist()) == after + Counter(out.tolist())
        inserted.update(new.tolist())
    # Each post-fill image is swapped with probability 0.5: old/total ~ Binomial(2000, 0.5) / 2000
    # with sd 0.0112; 0.05 is 4.5 sd, so a correct pool fails this with probability < 1e-5,
    # while a pool that swapped with p = 0.4 or 0.6 would fail it almost surely.
    assert total == 2000
    assert abs(old / total - 0.5) < 0.05, old / total


def test_two_replica_mirrored_strategy_keeps_one_pool_per_replica():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        pool = ImagePool(4, image_shape=(1, 1, 1))
    assert isinstance(pool.images.value, tf.distribute.DistributedValues)

    @tf.function
    def step(images, step_id):
        def replica_fn(x):
            replica = tf.distribute.get_replica_context().replica_id_in_sync_group
            return pool.query(x, tf.stack([replica, step_id]))

        return strategy.run(replica_fn, args=(images,))

    references = [_ReferencePool(4), _ReferencePool(4)]
    for s in range(5):
        batches = [_ids(1000 * r + 10 * s + 1, 3) for r in range(2)]
        per_replica = strategy.experimental_distribute_values_from_function(
            lambda ctx: tf.constant(batches[ctx.replica_id_in_sync_group])
        )
        out = strategy.experimental_local_results(step(per_replica, tf.constant(s)))
        for r in range(2):
            u, slot = _draws(4, 3, tf.constant([r, s]))
            np.testing.assert_array_equal(out[r].numpy(), references[r].query(batches[r], u, slot))
    components = [v.numpy() for v in pool.images.value.values]
    for r in range(2):
        np.testing.assert_array_equal(components[r], np.stack(references[r].images))
    assert np.all(components[0] < 1000) and np.all(components[1] > 1000)  # separate pools
    # Read outside strategy.run: replica 0's pool.
    np.testing.assert_array_equal(pool.images.numpy(), components[0])


class _Holder(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.pool = ImagePool(4, image_shape=(1, 1, 1))

    def call(self, x):
        return self.dense(x)


def test_pool_is_saved_with_model_weights_and_checkpoints(tmp_path):
    model = _Holder()
    model(np.zeros((1, 2), "float32"))
    model.pool.query(_ids(7, 3), tf.constant([0, 0]))
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    restored = _Holder()
    restored(np.zeros((1, 2), "float32"))
    restored.load_weights(path)
    np.testing.assert_array_equal(restored.pool.images.numpy(), model.pool.images.numpy())
    assert int(restored.pool.num_images.numpy()) == 3
    # tf.train.Checkpoint sees it too.
    ckpt_path = tf.train.Checkpoint(model=model).save(str(tmp_path / "ckpt"))
    again = _Holder()
    again(np.zeros((1, 2), "float32"))
    tf.train.Checkpoint(model=again).restore(ckpt_path).assert_existing_objects_matched()
    np.testing.assert_array_equal(again.pool.images.numpy(), model.pool.images.numpy())


def test_weights_saved_under_strategy_restore_replica_zero_pool_everywhere(tmp_path):
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        model = _Holder()
        model(np.zeros((1, 2), "float32"))

    @tf.function
    def fill(images):
        def replica_fn(x):
            replica = tf.distribute.get_replica_context().replica_id_in_sync_group
            return model.pool.query(x, tf.stack([replica, 0]))

        return strategy.run(replica_fn, args=(images,))

    per_replica = strategy.experimental_distribute_values_from_function(
        lambda ctx: tf.constant(_ids(1 + 10 * ctx.replica_id_in_sync_group, 2))
    )
    fill(per_replica)
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    with strategy.scope():
        restored = _Holder()
        restored(np.zeros((1, 2), "float32"))
    restored.load_weights(path)
    for component in restored.pool.images.value.values:
        np.testing.assert_array_equal(component.numpy().ravel(), [1, 2, 0, 0])
    for component in restored.pool.num_images.value.values:
        assert int(component.numpy()) == 2


def test_config_round_trip_and_bad_arguments():
    pool = ImagePool(50, image_shape=[8, 8, 3], name="pool")
    clone = ImagePool.from_config(pool.get_config())
    assert (clone.pool_size, clone.image_shape, clone.name) == (50, (8, 8, 3), "pool")
    assert clone.images.shape == (50, 8, 8, 3) and not clone.images.trainable
    with pytest.raises(ValueError, match="pool_size must be a non-negative int"):
        ImagePool(-1, image_shape=(2,))
    with pytest.raises(ValueError, match="image_shape .* is required when pool_size > 0"):
        ImagePool(5)
    with pytest.raises(ValueError, match="image_shape must be a tuple of positive ints"):
        ImagePool(5, image_shape=(0, 3))
    with pytest.raises(ValueError, match=r"holds images of shape \(8, 8, 3\); received a batch of shape"):
        pool.query(np.zeros((2, 8, 8, 1), "float32"), tf.constant([0, 0]))
    with pytest.raises(ValueError, match="needs a stateless seed"):
        pool.query(np.zeros((2, 8, 8, 3), "float32"))


def test_same_result_with_jit_compile():
    eager, jitted = ImagePool(3, image_shape=(1, 1, 1)), ImagePool(3, image_shape=(1, 1, 1))
    query = tf.function(jitted.query, jit_compile=True)
    for step in range(4):
        x, seed = tf.constant(_ids(10 * step, 4)), tf.constant([-104729, step])
        np.testing.assert_array_equal(query(x, seed).numpy(), eager.query(x, seed).numpy())
    np.testing.assert_array_equal(jitted.images.numpy(), eager.images.numpy())
