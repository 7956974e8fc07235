"""A history of generated images for the discriminator (Shrivastava et al. 2017; CycleGAN).

Shrivastava et al. 2017 ("Learning from Simulated and Unsupervised Images through
Adversarial Training") update the discriminator with a buffer of earlier refined images;
CycleGAN (Zhu et al. 2017) keeps 50 earlier generated images. :class:`ImagePool` follows
``ImagePool`` in junyanz/pytorch-CycleGAN-and-pix2pix (``util/image_pool.py``), written to
run inside a ``tf.function`` train step and under ``tf.distribute``.
"""

import keras
import tensorflow as tf

from keras_gans.augment import fold_seed, stateless_unit_uniform


@keras.saving.register_keras_serializable(package="keras_gans")
class ImagePool(keras.layers.Layer):
    """A buffer of ``pool_size`` earlier generated images, queried once per D step.

    For each image of the queried batch, in order (official ``ImagePool.query``):

    * while fewer than ``pool_size`` images are stored, the image is stored and returned;
    * once full, with probability 0.5 (``u > 0.5``, ``u ~ U[0, 1)``) a stored image chosen
      uniformly at random is returned and the new image takes its slot; otherwise the new
      image is returned and the pool is unchanged.

    Images are handled in order, so a later image of the same batch can take back an image
    an earlier one stored (as in the official per-image loop). The loop is computed in one
    vectorised step: each image's slot is compared with the slots of the images before it
    (``[B, B]``) and each slot with its last writer (``[pool_size, B]``), then the buffer is
    written once. The result is exactly the sequential loop's (tested against it).

    State lives in two non-trainable variables, the buffer ``images``
    ``[pool_size, *image_shape]`` and the fill count ``num_images``. They are
    ``synchronization="on_read"``, ``aggregation="only_first_replica"`` variables: created
    in a ``tf.distribute`` strategy's scope, every replica keeps and updates its own pool
    (the official code is single-process; one pool per replica is its closest analogue,
    and per-replica seeds make the replicas draw differently). Reading or saving them outside
    ``strategy.run`` gives replica 0's pool; restoring writes that pool to every replica.
    As a ``keras.layers.Layer`` assigned to an attribute of a ``keras.Model``, the pool is
    saved and restored by ``model.save_weights`` / ``load_weights`` (and so by
    ``keras.callbacks.BackupAndRestore``) and by ``tf.train.Checkpoint``.

    Differences from the official code: randomness is stateless (``seed``); returned and
    stored images are ``tf.stop_gradient``-ed (the official code stores ``image.data``,
    detached from the generator's graph), except with ``pool_size=0``, which returns the
    input tensor itself (as officially).

    Args:
        pool_size: how many images to keep (50 in CycleGAN); 0 turns the pool off
            (``query`` returns its input).
        image_shape: the shape of one image, e.g. ``(256, 256, 3)``; required when
            ``pool_size > 0`` (the buffer is created at construction, so that it can be
            created in a strategy scope rather than lazily inside a replica context).
        dtype: the buffer's dtype (default the layer's, float32); queried images are cast.

    Example:
        >>> pool = ImagePool(50, image_shape=(64, 64, 3))
        >>> fake_for_d = pool.query(fake_images, seed=tf.constant([step, replica]))
    """

    def __init__(self, pool_size=50, image_shape=None, condition_shape=None, condition_dtype="float32", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size < 0:
            raise ValueError(f"pool_size must be a non-negative int; received {pool_size!r}.")
        self.pool_size = pool_size
        if image_shape is not None:
            image_shape = _shape("image_shape", image_shape, "positive ints")
        elif pool_size > 0:
            raise ValueError(
                f"image_shape (e.g. (64, 64, 3)) is required when pool_size > 0; received "
                f"pool_size={pool_size}, image_shape=None."
            )
        self.image_shape = image_shape
        if condition_shape is not None:
            condition_shape = _shape("condition_shape", condition_shape, "positive ints (() for class labels)",
                                     allow_scalar=True)
        self.condition_shape = condition_shape
        self.condition_dtype = condition_dtype
        self.images = None
        self.conditions = None
        self.num_images = None
        if pool_size > 0:
            sync = dict(trainable=False, synchronization="on_read", aggregation="only_first_replica")
            self.images = keras.Variable(
                keras.initializers.Zeros(),
                shape=(pool_size,) + image_shape,
                dtype=self.variable_dtype,
                name="images",
                **sync,
            )
            if condition_shape is not None:
                self.conditions = keras.Variable(
                    keras.initializers.Zeros(), shape=(pool_size,) + condition_shape,
                    dtype=condition_dtype, name="conditions", **sync,
                )
            self.num_images = keras.Variable(
                keras.initializers.Zeros(), shape=(), dtype="int32", name="num_images", **sync
            )
        self.built = True

    def random_draws(self, batch, seed):
        """The per-image draws of a query: ``u ~ U[0, 1)`` on the grid ``k / 2**24`` (swap
        when ``u > 0.5``) and the slot ``~ U{0, ..., pool_size - 1}``, from ``seed`` folded
        with 0 and 1 by :func:`keras_gans.augment.fold_seed`."""
        # Integer-based draws from non-negative seeds: the same with and without jit_compile.
        u = stateless_unit_uniform([batch], fold_seed(seed, 0))
        slot = tf.random.stateless_uniform(
            [batch], fold_seed(seed, 1), minval=0, maxval=self.pool_size, dtype=tf.int32
        )
        return u, slot

    def query(self, images, seed=None, conditions=None):
        """Returns a batch the same shape as ``images``, mixing in stored images.

        Args:
            images: ``[B, *image_shape]`` newly generated images.
            seed: stateless seed, a ``[2]`` integer tensor (give each step and replica its
                own); may be ``None`` only when ``pool_size`` is 0.
            conditions: ``[B, *condition_shape]``, what each image was generated for (class
                labels, Pix2Pix's source images); required exactly when the pool was made
                with a ``condition_shape``. Stored and returned with their images, so a
                returned (image, condition) pair is always one that G made together.

        Returns:
            The images, or ``(images, conditions)`` when the pool keeps conditions.
        """
        if (conditions is None) != (self.condition_shape is None):
            raise ValueError(
                f"This ImagePool {'keeps' if self.condition_shape is not None else 'has no'} conditions "
                f"(condition_shape={self.condition_shape}); received conditions="
                f"{'None' if conditions is None else 'a tensor'}."
            )
        if self.pool_size == 0:
            return images if conditions is None else (images, conditions)
        images = _checked(images, self.image_shape, "images")
        if seed is None:
            raise ValueError("ImagePool.query needs a stateless seed (a [2] integer tensor); received None.")
        seed = tf.convert_to_tensor(seed)
        if seed.shape.rank != 1 or (seed.shape[0] is not None and seed.shape[0] != 2):
            raise ValueError(f"seed must be a shape [2] integer tensor; received shape {seed.shape}.")
        count = tf.convert_to_tensor(self.num_images)
        batch = tf.shape(images)[0]
        index = tf.range(batch)
        u, random_slot = self.random_draws(batch, seed)

        fill = count + index < self.pool_size  # the pool still has room for image i
        swap = tf.logical_and(tf.logical_not(fill), u > 0.5)
        slot = tf.where(fill, count + index, tf.where(swap, random_slot, -1))  # -1: no write

        # What image i takes out of its slot: the last earlier image of this batch written
        # there, else what the pool held before this query.
        earlier = index[None, :] < index[:, None]
        same_slot = tf.logical_and(tf.equal(slot[:, None], slot[None, :]), slot[None, :] >= 0)
        last_writer = tf.reduce_max(tf.where(tf.logical_and(same_slot, earlier), index[None, :], -1), axis=1)
        # The new pool: each slot holds its last writer of this batch, else its old image.
        writes = tf.equal(slot[None, :], tf.range(self.pool_size)[:, None])  # [pool, B]
        slot_writer = tf.reduce_max(tf.where(writes, index[None, :], -1), axis=1)

        def mix(new, buffer):
            new = tf.stop_gradient(tf.cast(new, buffer.dtype))
            pool = tf.convert_to_tensor(buffer)  # this replica's copy
            expand = lambda flags: tf.reshape(flags, [-1] + [1] * (new.shape.rank - 1))  # noqa: E731
            taken = tf.where(expand(last_writer >= 0), tf.gather(new, tf.maximum(last_writer, 0)),
                             tf.gather(pool, tf.maximum(slot, 0)))
            buffer.assign(tf.where(expand(slot_writer >= 0), tf.gather(new, tf.maximum(slot_writer, 0)), pool))
            return tf.where(expand(swap), taken, new)

        returned = mix(images, self.images)
        if conditions is not None:
            conditions = mix(_checked(conditions, self.condition_shape, "conditions"), self.conditions)
        self.num_images.assign(tf.minimum(count + batch, self.pool_size))
        return returned if conditions is None else (returned, conditions)

    def call(self, images, seed=None):
        return self.query(images, seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "image_shape": self.image_shape,
                       "condition_shape": self.condition_shape, "condition_dtype": self.condition_dtype})
        return config


def _checked(batch, shape, name):
    batch = tf.convert_to_tensor(batch)
    if batch.shape.rank != len(shape) + 1 or not batch.shape[1:].is_compatible_with(shape):
        raise ValueError(
            f"ImagePool holds {name} of shape {shape}; received a batch of shape {batch.shape}, "
            f"expected [batch{''.join(', ' + str(d) for d in shape)}]."
        )
    return batch


def _shape(name, value, expected, allow_scalar=False):
    try:
        shape = tuple(int(d) for d in value)
    except (TypeError, ValueError):
        shape = None
    if shape is None or (not shape and not allow_scalar) or any(d < 1 for d in shape):
        raise ValueError(f"{name} must be a tuple of {expected}; received {value!r}.")
    return shape
