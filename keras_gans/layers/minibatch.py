"""Layers that let the discriminator look across the minibatch.

* :class:`MinibatchDiscrimination` (Salimans et al. 2016, "Improved Techniques for Training
  GANs"), following ``MinibatchLayer`` in the official openai/improved-gan code
  (``mnist_svhn_cifar10/nn.py``).
* :class:`MinibatchStddev` (Karras et al. 2018, ProGAN), following ``minibatch_stddev_layer``
  in tkarras/progressive_growing_of_gans (``networks.py``) and its StyleGAN2 form
  (NVlabs/stylegan2, ``training/networks_stylegan2.py``, ``num_new_features``).

Both compute their statistics over the samples of the batch they are called on. Call the
discriminator on real and generated images in separate batches (as the GAN base class
does), or real samples will "see" fakes. Under ``tf.distribute`` each replica only sees its
own per-replica batch, as in the official single-GPU code.
"""

import math

import keras
import tensorflow as tf
from keras import ops


def _positive_int(value, what):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what} must be a positive int; received {value!r}.")
    return value


@keras.saving.register_keras_serializable(package="keras_gans")
class MinibatchDiscrimination(keras.layers.Layer):
    """Minibatch discrimination (Salimans et al. 2016, section 3.2).

    For features ``x`` of shape ``[B, A]`` (inputs of higher rank are flattened, as in the
    official code) and a learned tensor ``T`` of shape ``[A, num_kernels, kernel_dim]``::

        M_i        = x_i T                                  [num_kernels, kernel_dim]
        c_b(i, j)  = exp(-||M_{i,b} - M_{j,b}||_1)
        o(x_i)_b   = sum_{j != i} c_b(i, j) + bias_b
        output     = concat([x, o(x)], axis=-1)             [B, A + num_kernels]

    Follows ``MinibatchLayer`` in openai/improved-gan ``mnist_svhn_cifar10/nn.py``:

    * ``T`` is weight-normalised: ``T = theta * exp(log_weight_scale) / ||theta||_2``, the
      norm taken over the input axis for each (kernel, dim) column; ``theta`` starts from
      N(0, 0.05), ``log_weight_scale`` from 0 and the per-kernel ``bias`` from -1 (the
      official defaults). ``weight_norm=False`` uses ``theta`` directly as ``T`` (the
      paper's plain tensor).
    * the self term ``j = i`` is left out of the sum: the official code adds ``1e6`` to the
      diagonal distances so that ``exp`` underflows to 0; here the diagonal is masked to 0,
      which gives the same values.
    * the official code's data-dependent initialisation (the ``init=True`` pass run once on
      500 training images) is :meth:`initialize_from_data`.

    The official CIFAR-10 discriminator uses ``num_kernels=100`` and ``kernel_dim=5``
    (``dim_per_kernel``'s default), after global pooling.

    Args:
        num_kernels: B in the paper: number of similarity features appended.
        kernel_dim: C in the paper: dimension of each kernel's projection.
        weight_norm: parameterise ``T`` by weight normalisation as the official code does.
        use_bias: add the learned per-kernel bias (official code: yes, init -1).
        kernel_initializer: initializer of ``theta`` (official: N(0, 0.05)).

    Example:
        >>> layer = MinibatchDiscrimination(num_kernels=100, kernel_dim=5)
        >>> layer(keras.ops.zeros((8, 192))).shape
        (8, 292)
    """

    def __init__(
        self,
        num_kernels,
        kernel_dim=5,
        weight_norm=True,
        use_bias=True,
        kernel_initializer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_kernels = _positive_int(num_kernels, "num_kernels")
        self.kernel_dim = _positive_int(kernel_dim, "kernel_dim")
        self.weight_norm = bool(weight_norm)
        self.use_bias = bool(use_bias)
        if kernel_initializer is None:
            kernel_initializer = keras.initializers.RandomNormal(mean=0.0, stddev=0.05)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        dims = tuple(input_shape[1:])
        if any(d is None for d in dims):
            raise ValueError(
                "MinibatchDiscrimination needs known non-batch input dimensions; received "
                f"input shape {tuple(input_shape)}."
            )
        self._input_dim = int(math.prod(dims))
        self.theta = self.add_weight(
            name="theta",
            shape=(self._input_dim, self.num_kernels, self.kernel_dim),
            initializer=self.kernel_initializer,
        )
        self.log_weight_scale = None
        if self.weight_norm:
            self.log_weight_scale = self.add_weight(
                name="log_weight_scale",
                shape=(self.num_kernels, self.kernel_dim),
                initializer="zeros",
            )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.num_kernels,),
                initializer=keras.initializers.Constant(-1.0),
            )

    def kernel(self):
        """The effective tensor ``T`` of shape ``[A, num_kernels, kernel_dim]``."""
        if not self.weight_norm:
            return self.theta
        norm = ops.sqrt(ops.sum(ops.square(self.theta), axis=0))
        return self.theta * (ops.exp(self.log_weight_scale) / norm)[None]

    def _distances(self, inputs):
        """Flattened inputs and the L1 distances ``[B, num_kernels, B]`` (i, b, j)."""
        x = ops.reshape(inputs, (-1, self._input_dim))
        activation = ops.tensordot(x, self.kernel(), axes=[[1], [0]])  # [B, K, D]
        diff = activation[:, :, :, None] - ops.transpose(activation, (1, 2, 0))[None]
        return x, ops.sum(ops.abs(diff), axis=2)

    def _similarity(self, abs_dif):
        batch = ops.shape(abs_dif)[0]
        off_diagonal = 1.0 - ops.eye(batch, dtype=abs_dif.dtype)  # drop the j = i term
        return ops.sum(ops.exp(-abs_dif) * off_diagonal[:, None, :], axis=2)  # [B, K]

    def call(self, inputs):
        x, abs_dif = self._distances(inputs)
        o = self._similarity(abs_dif)
        if self.bias is not None:
            o = o + self.bias
        return ops.concatenate([x, ops.cast(o, x.dtype)], axis=-1)

    def initialize_from_data(self, inputs):
        """The official data-dependent initialisation (``get_output_for(init=True)``).

        On a batch of discriminator features ``inputs`` (the official script uses 500
        training images): the nearest-neighbour L1 distance of each sample is measured
        per kernel; ``log_weight_scale`` is lowered by ``log(s_b)`` with ``s_b`` half the
        batch mean of those distances (so the mean nearest-neighbour distance becomes 2),
        and ``bias`` is set to minus the batch mean of the rescaled similarity sums (so
        ``o`` has zero batch mean). Needs ``weight_norm=True`` and ``use_bias=True``.
        """
        if not (self.weight_norm and self.use_bias):
            raise ValueError(
                "initialize_from_data needs weight_norm=True and use_bias=True; received "
                f"weight_norm={self.weight_norm}, use_bias={self.use_bias}."
            )
        inputs = ops.convert_to_tensor(inputs)
        if not self.built:
            self.build(inputs.shape)
        if inputs.shape[0] is not None and inputs.shape[0] < 2:
            raise ValueError(
                f"initialize_from_data needs a batch of at least 2 samples; received {inputs.shape[0]}."
            )
        _, abs_dif = self._distances(inputs)
        batch = ops.shape(abs_dif)[0]
        eye = ops.eye(batch, dtype=abs_dif.dtype)[:, None, :]
        nearest = ops.min(abs_dif + 1e6 * eye, axis=2)  # [B, K], self excluded as officially
        scale = 0.5 * ops.mean(nearest, axis=0)  # [K]
        f = self._similarity(abs_dif / scale[None, :, None])
        self.log_weight_scale.assign(self.log_weight_scale - ops.log(scale)[:, None])
        self.bias.assign(-ops.mean(f, axis=0))

    def compute_output_shape(self, input_shape):
        dims = tuple(input_shape[1:])
        size = None if any(d is None for d in dims) else int(math.prod(dims)) + self.num_kernels
        return (input_shape[0], size)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_kernels": self.num_kernels,
                "kernel_dim": self.kernel_dim,
                "weight_norm": self.weight_norm,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gans")
class MinibatchStddev(keras.layers.Layer):
    """Minibatch standard deviation (Karras et al. 2018, ProGAN, section 3).

    For NHWC inputs ``x`` of shape ``[N, H, W, C]`` and ``G = min(group_size, N)``, the batch
    is split into ``M = N / G`` groups; sample ``n`` belongs to group ``n mod M`` (the
    official ``reshape(x, [G, M, ...])``, so groups are strided, not consecutive). Per group:
    the (biased) standard deviation over its ``G`` samples of every feature and pixel,
    ``sqrt(var + 1e-8)``, averaged over H, W and C to one number, which is appended to each
    of the group's samples as a constant feature map -> ``[N, H, W, C + 1]``.

    ``num_new_features > 1`` is StyleGAN2's generalisation (``mbstd_num_features``): the
    channels are split into that many contiguous blocks, each giving its own map ->
    ``[N, H, W, C + num_new_features]``. The statistics are computed in float32 and cast back,
    as in the official code.

    Follows ``minibatch_stddev_layer`` in tkarras/progressive_growing_of_gans ``networks.py``
    (NCHW there, NHWC here). Official rule kept: the batch must be divisible by
    ``group_size`` or smaller than it. Where the official code fails inside ``reshape``, this
    layer raises a ``ValueError`` when the batch size is known while tracing, and a
    ``tf.errors.InvalidArgumentError`` naming the sizes when it is only known at run time.

    Args:
        group_size: samples per group (4 in ProGAN and StyleGAN2).
        num_new_features: number of appended maps (1 in ProGAN and StyleGAN2's configs).

    Example:
        >>> layer = MinibatchStddev(group_size=4)
        >>> layer(keras.ops.zeros((8, 4, 4, 512))).shape
        (8, 4, 4, 513)
    """

    def __init__(self, group_size=4, num_new_features=1, **kwargs):
        super().__init__(**kwargs)
        self.group_size = _positive_int(group_size, "group_size")
        self.num_new_features = _positive_int(num_new_features, "num_new_features")
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels % self.num_new_features:
            raise ValueError(
                f"MinibatchStddev needs a known channel count divisible by num_new_features="
                f"{self.num_new_features}; received input shape {tuple(input_shape)}."
            )

    def call(self, inputs):
        x = tf.convert_to_tensor(inputs)
        static_batch = x.shape[0]
        height, width, channels = x.shape[1], x.shape[2], x.shape[3]
        dynamic = tf.shape(x)
        if static_batch is not None:
            group = min(self.group_size, static_batch)
            if static_batch % group:
                raise ValueError(
                    f"MinibatchStddev: a batch of {static_batch} does not split into groups of "
                    f"group_size={self.group_size}; use a batch divisible by (or smaller than) "
                    "the group size."
                )
        else:
            group = tf.minimum(self.group_size, dynamic[0])
            check = tf.debugging.assert_equal(
                dynamic[0] % group,
                0,
                message=f"MinibatchStddev: the batch size must be divisible by (or smaller than) "
                f"group_size={self.group_size}",
            )
            with tf.control_dependencies([check]):  # check before the reshape can fail
                x = tf.identity(x)
        features = self.num_new_features
        h = height if height is not None else dynamic[1]
        w = width if width is not None else dynamic[2]
        y = tf.reshape(x, tf.stack([group, -1, h, w, features, channels // features]))
        y = tf.cast(y, tf.float32)
        y = y - tf.reduce_mean(y, axis=0, keepdims=True)
        y = tf.sqrt(tf.reduce_mean(tf.square(y), axis=0) + 1e-8)  # [M, H, W, F, c]
        y = tf.reduce_mean(y, axis=[1, 2, 4])  # [M, F]
        y = tf.cast(y, x.dtype)
        y = tf.tile(y, tf.stack([group, 1]))  # [N, F]: sample n gets group n mod M
        y = y[:, None, None, :] * tf.ones(tf.stack([1, h, w, 1]), x.dtype)
        return tf.concat([x, y], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1]
        return tuple(input_shape[:-1]) + (
            None if channels is None else channels + self.num_new_features,
        )

    def get_config(self):
        config = super().get_config()
        config.update({"group_size": self.group_size, "num_new_features": self.num_new_features})
        return config
