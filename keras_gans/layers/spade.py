"""SPADE, spatially-adaptive (de)normalisation (Park et al. 2019, "Semantic Image Synthesis with
Spatially-Adaptive Normalization", GauGAN), and PyTorch's nearest-neighbour resize.

As in the authors' code (NVlabs/SPADE, ``models/networks/normalization.py``, class ``SPADE``)::

    normalized = param_free_norm(x)
    seg = F.interpolate(segmap, size=x.size()[2:], mode="nearest")
    hidden = ReLU(conv_shared(seg))              # 128 channels, k x k
    out = normalized * (1 + conv_gamma(hidden)) + conv_beta(hidden)

Two details that ports get wrong:

* **``1 + gamma``.** The official modulation is ``normalized * (1 + gamma) + beta``, so
  gamma = beta = 0 is the plain normalisation; the keras.io GauGAN example multiplies by
  ``gamma`` alone. This layer keeps the ``1 +``.
* **The nearest-neighbour rule.** PyTorch's ``F.interpolate(mode="nearest")`` (no
  ``align_corners``, no half-pixel offset) takes output pixel ``i`` from input pixel
  ``min(floor(i * scale), in - 1)`` with ``scale = in / out``, both computed in float32
  (``float(in) / out`` then ``float(i) * scale``; the same results as its special cases
  ``out == in`` and ``out == 2 in``). ``tf.image.resize(method="nearest")`` samples at
  half-pixel centres, ``floor((i + 0.5) * scale)``, another pixel for most non-integer ratios
  (e.g. 3 -> 2 pixels: PyTorch takes rows 0, 1, TF rows 0, 2). Note also that the float32
  product is not always ``floor(i * in / out)`` in exact arithmetic: for 26 -> 22 pixels,
  output row 11 is input row 12 in PyTorch (``11 * float32(26 / 22) = 12.999999``), not 13;
  for 2 -> 82, row 41 is row 0, not 1.
  :func:`torch_nearest_indices` reproduces PyTorch's rule exactly; :func:`torch_nearest_resize`
  and :class:`NearestResize` apply it (as two gathers).

The parameter-free normalisation:

* ``norm="batch"`` (the official default, ``spadesyncbatch3x3`` in ``norm_G =
  "spectralspadesyncbatch3x3"``): ``keras.layers.BatchNormalization(center=False,
  scale=False)``. Batch statistics in training, moving statistics at inference, as PyTorch's
  ``train()`` / ``eval()``. Mapping of the PyTorch settings: PyTorch's ``momentum=0.1`` (the
  weight of the *new* batch) is Keras' ``momentum=0.9`` (the weight of the *old* average),
  ``eps=1e-5`` is ``epsilon=1e-5`` (Keras' default is 1e-3), so those are the defaults here.
  One difference remains: PyTorch's running variance averages the unbiased batch variance
  (``n / (n - 1)`` times the biased one), Keras' the biased one; the normalisation itself
  uses the biased variance in both, so only the moving variance differs, by that factor in the
  update. The official synchronised BN (``SynchronizedBatchNorm2d``, statistics over every
  GPU's batch) is ``synchronized=True`` (cross-replica statistics under a ``tf.distribute``
  strategy; without a strategy it is the plain batch norm).
* ``norm="instance"`` (``spadeinstance3x3``): PyTorch's ``InstanceNorm2d(affine=False)``,
  i.e. ``keras.layers.GroupNormalization(groups=-1, center=False, scale=False,
  epsilon=1e-5)``; the statistics of each image and channel, in training and at inference.

Initialisation: the official ``init_weights("xavier", 0.02)`` (``BaseNetwork``), i.e. Xavier
normal with *gain* 0.02 (``std = 0.02 * sqrt(2 / (fan_in + fan_out))``) on the three
convolutions and zero biases (:func:`xavier_normal`).
"""

import keras
import numpy as np
from keras import layers, ops

__all__ = ["NearestResize", "SPADE", "torch_nearest_indices", "torch_nearest_resize", "xavier_normal"]

_NORMS = ("batch", "instance")


def xavier_normal(gain=0.02, seed=None):
    """PyTorch's ``nn.init.xavier_normal_(w, gain)``: an untruncated normal with std
    ``gain * sqrt(2 / (fan_in + fan_out))`` (the fans including the kernel's spatial size), as
    a Keras initializer. SPADE's ``init_weights("xavier", 0.02)`` uses gain 0.02."""
    return keras.initializers.VarianceScaling(
        scale=float(gain) ** 2, mode="fan_avg", distribution="untruncated_normal", seed=seed
    )


def torch_nearest_indices(in_size, out_size):
    """Source indices of PyTorch's ``F.interpolate(mode="nearest")`` along one axis (NumPy
    int64, length ``out_size``): ``min(floor(float32(i) * float32(in / out)), in - 1)`` in
    float32 arithmetic, as PyTorch's ``nearest_idx``."""
    for value, what in ((in_size, "in_size"), (out_size, "out_size")):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{what} must be a positive int; received {value!r}.")
    scale = np.float32(in_size) / np.float32(out_size)
    index = np.floor(np.arange(out_size, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(index, in_size - 1)


def _axis_indices(in_size, out_size):
    """Static sizes: the NumPy indices (None when the axis is unchanged); otherwise the same
    float32 arithmetic on tensors."""
    if isinstance(in_size, int) and isinstance(out_size, int):
        if in_size == out_size:
            return None
        return ops.convert_to_tensor(torch_nearest_indices(in_size, out_size).astype(np.int32))
    scale = ops.divide(ops.cast(in_size, "float32"), ops.cast(out_size, "float32"))
    index = ops.floor(ops.multiply(ops.cast(ops.arange(out_size), "float32"), scale))
    return ops.minimum(ops.cast(index, "int32"), ops.cast(in_size, "int32") - 1)


def _static(d):
    return int(d) if isinstance(d, (int, np.integer)) else None


def torch_nearest_resize(images, size):
    """PyTorch's ``F.interpolate(images, size=size, mode="nearest")`` for channels-last
    ``[B, H, W, C]``; ``size = (out_h, out_w)``, ints or scalar tensors. Exact (a gather of the
    source pixels), for any dtype."""
    out_h, out_w = size
    shape = ops.shape(images)
    in_h = _static(images.shape[1]) or shape[1]
    in_w = _static(images.shape[2]) or shape[2]
    rows = _axis_indices(in_h, _static(out_h) or out_h)
    if rows is not None:
        images = ops.take(images, rows, axis=1)
    cols = _axis_indices(in_w, _static(out_w) or out_w)
    if cols is not None:
        images = ops.take(images, cols, axis=2)
    return images


def _check_size(size):
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in size)
    ):
        raise ValueError(f"size must be (height, width) with positive ints; received {size!r}.")
    return tuple(size)


@keras.saving.register_keras_serializable(package="keras_gans")
class NearestResize(keras.layers.Layer):
    """Resizes ``[B, H, W, C]`` to ``size = (height, width)`` with PyTorch's
    ``F.interpolate(mode="nearest")`` rule (module docstring), e.g. SPADE's generator input
    ``F.interpolate(segmap, size=(sh, sw))``."""

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = _check_size(size)

    def call(self, images):
        return torch_nearest_resize(images, self.size)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.size, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@keras.saving.register_keras_serializable(package="keras_gans")
class SPADE(keras.layers.Layer):
    """Spatially-adaptive normalisation, called on ``[x, segmap]``.

    ``x`` is ``[B, H, W, C]``; ``segmap`` ``[B, h, w, L]`` (the one-hot label map, plus the
    instance-edge channel if any, as floats) at any size: it is resized to ``H x W`` by
    PyTorch's nearest-neighbour rule. The output has ``x``'s shape::

        normalized(x) * (1 + gamma) + beta,
        gamma, beta = conv_gamma(h), conv_beta(h),  h = ReLU(conv_shared(resize(segmap)))

    ``conv_shared`` has ``hidden_filters`` (128 in the official code) outputs, ``conv_gamma`` and
    ``conv_beta`` C each; all three are ``kernel_size`` x ``kernel_size`` with "same" padding
    (PyTorch's ``padding=k // 2``) and biases. The sublayers are ``param_free_norm``,
    ``mlp_shared``, ``mlp_gamma`` and ``mlp_beta``, the official attribute names.

    Args:
        norm: ``"batch"`` (the official ``spadesyncbatch3x3``: batch norm without scale or
            offset, moving statistics at inference) or ``"instance"`` (``spadeinstance3x3``).
        kernel_size: odd size of the three convolutions (3; the official config string allows
            e.g. ``spadebatch5x5``).
        hidden_filters: width of the shared convolution (128, hard-coded in the official code).
        momentum: batch-norm moving-average momentum in Keras' sense (0.9 = PyTorch 0.1).
        epsilon: normalisation epsilon (1e-5, PyTorch's).
        synchronized: cross-replica batch statistics (the official ``SynchronizedBatchNorm2d``);
            only with ``norm="batch"``.
        kernel_initializer: initializer of the three kernels; None for the official Xavier
            normal with gain 0.02 (:func:`xavier_normal`), seeded from ``seed``.
        bias_initializer: initializer of the three biases (zeros, as the official).
        seed: optional int; the three default kernel initializers get ``seed``, ``seed + 1``
            and ``seed + 2``.

    Example:
        >>> spade = SPADE()
        >>> x, seg = keras.ops.ones((2, 8, 8, 16)), keras.ops.ones((2, 32, 32, 5))
        >>> spade([x, seg], training=True).shape
        (2, 8, 8, 16)
    """

    def __init__(
        self,
        norm="batch",
        kernel_size=3,
        hidden_filters=128,
        momentum=0.9,
        epsilon=1e-5,
        synchronized=False,
        kernel_initializer=None,
        bias_initializer="zeros",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if norm not in _NORMS:
            raise ValueError(f"norm must be one of {_NORMS}; received {norm!r}.")
        if (
            not isinstance(kernel_size, int)
            or isinstance(kernel_size, bool)
            or kernel_size < 1
            or kernel_size % 2 == 0
        ):
            raise ValueError(f"kernel_size must be a positive odd int; received {kernel_size!r}.")
        if not isinstance(hidden_filters, int) or isinstance(hidden_filters, bool) or hidden_filters < 1:
            raise ValueError(f"hidden_filters must be a positive int; received {hidden_filters!r}.")
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1) (Keras' sense: 0.9 = PyTorch's 0.1); "
                             f"received {momentum!r}.")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon > 0:
            raise ValueError(f"epsilon must be a positive number; received {epsilon!r}.")
        if not isinstance(synchronized, bool):
            raise ValueError(f"synchronized must be a bool; received {synchronized!r}.")
        if synchronized and norm != "batch":
            raise ValueError(f'synchronized=True needs norm="batch" (instance norm has no batch '
                             f"statistics to synchronise); received norm={norm!r}.")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(f"seed must be an int or None; received {seed!r}.")
        self.norm = norm
        self.kernel_size = kernel_size
        self.hidden_filters = hidden_filters
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.synchronized = synchronized
        self.kernel_initializer = (
            None if kernel_initializer is None else keras.initializers.get(kernel_initializer)
        )
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.seed = seed
        if norm == "batch":
            self.param_free_norm = layers.BatchNormalization(
                momentum=self.momentum,
                epsilon=self.epsilon,
                center=False,
                scale=False,
                synchronized=synchronized,
                dtype=self.dtype_policy,
                name="param_free_norm",
            )
        else:
            self.param_free_norm = layers.GroupNormalization(
                groups=-1,
                epsilon=self.epsilon,
                center=False,
                scale=False,
                dtype=self.dtype_policy,
                name="param_free_norm",
            )

    def _kernel_init(self, offset):
        if self.kernel_initializer is None:
            return xavier_normal(0.02, None if self.seed is None else self.seed + offset)
        # A fresh copy per convolution (a seeded initializer object reused would repeat itself).
        return keras.initializers.get(keras.initializers.serialize(self.kernel_initializer))

    def _conv(self, filters, offset, name):
        return layers.Conv2D(
            filters,
            self.kernel_size,
            padding="same",
            kernel_initializer=self._kernel_init(offset),
            bias_initializer=keras.initializers.get(keras.initializers.serialize(self.bias_initializer)),
            dtype=self.dtype_policy,
            name=name,
        )

    @staticmethod
    def _split(input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) != 2
            or not all(isinstance(s, (list, tuple)) for s in input_shape)
        ):
            raise ValueError(f"SPADE takes [x, segmap]; received input shape {input_shape!r}.")
        x_shape, seg_shape = (tuple(s) for s in input_shape)
        if len(x_shape) != 4 or x_shape[-1] is None:
            raise ValueError(f"SPADE's x must be [B, H, W, C] with a known C; received shape {x_shape}.")
        if len(seg_shape) != 4 or seg_shape[-1] is None:
            raise ValueError(f"SPADE's segmap must be [B, H, W, label_channels] with known label "
                             f"channels; received shape {seg_shape}.")
        return x_shape, seg_shape

    def build(self, input_shape):
        x_shape, seg_shape = self._split(input_shape)
        channels = x_shape[-1]
        self.mlp_shared = self._conv(self.hidden_filters, 0, "mlp_shared")
        self.mlp_gamma = self._conv(channels, 1, "mlp_gamma")
        self.mlp_beta = self._conv(channels, 2, "mlp_beta")
        self.param_free_norm.build(x_shape)
        resized = (seg_shape[0], x_shape[1], x_shape[2], seg_shape[3])
        self.mlp_shared.build(resized)
        hidden = (seg_shape[0], x_shape[1], x_shape[2], self.hidden_filters)
        self.mlp_gamma.build(hidden)
        self.mlp_beta.build(hidden)

    def call(self, inputs, training=None):
        x, segmap = inputs
        if self.norm == "batch":
            normalized = self.param_free_norm(x, training=training)
        else:
            normalized = self.param_free_norm(x)
        shape = ops.shape(x)
        size = (_static(x.shape[1]) or shape[1], _static(x.shape[2]) or shape[2])
        seg = torch_nearest_resize(ops.cast(segmap, self.compute_dtype), size)
        hidden = ops.relu(self.mlp_shared(seg))
        gamma = self.mlp_gamma(hidden)
        beta = self.mlp_beta(hidden)
        return normalized * (1.0 + gamma) + beta

    def compute_output_shape(self, input_shape):
        x_shape, _ = self._split(input_shape)
        return x_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "norm": self.norm,
                "kernel_size": self.kernel_size,
                "hidden_filters": self.hidden_filters,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "synchronized": self.synchronized,
                "kernel_initializer": None
                if self.kernel_initializer is None
                else keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "seed": self.seed,
            }
        )
        return config
