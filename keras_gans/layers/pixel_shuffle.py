"""Sub-pixel layers with PyTorch's channel order, for channels-last (NHWC) tensors.

* :class:`PixelShuffle` is ``torch.nn.PixelShuffle(scale)`` (Shi et al. 2016): depth to
  space, ``[B, H, W, C * r * r] -> [B, H * r, W * r, C]``.
* :class:`PixelUnshuffle` is ``torch.nn.functional.pixel_unshuffle`` (and BasicSR's
  ``basicsr/archs/arch_util.py`` ``pixel_unshuffle``, which Real-ESRGAN's x2 / x1 RRDBNet
  feeds its input through): space to depth, ``[B, H * r, W * r, C] -> [B, H, W, C * r * r]``.

Channel order. PyTorch (NCHW) and TensorFlow's ``tf.nn.depth_to_space`` (NHWC, "DCR" order)
read the ``C * r * r`` input channels differently::

    PyTorch:   out[n, c, h*r + i, w*r + j] = in[n, c*r*r + i*r + j, h, w]
    TF (DCR):  out[n, h*r + i, w*r + j, c] = in[n, h, w, (i*r + j)*C + c]

These layers follow PyTorch's order (``c*r*r + i*r + j``) so that a convolution converted from
an official PyTorch checkpoint (kernel ``OIHW -> HWIO``, no channel permutation) feeds them
unchanged. :class:`PixelShuffle` first regroups the channels ``(c, k) -> (k, c)`` with
``k = i*r + j`` and then calls ``tf.nn.depth_to_space``; :class:`PixelUnshuffle` calls
``tf.nn.space_to_depth`` and regroups ``(k, c) -> (c, k)``. With ``C = 1`` (or ``r = 1``) the
two orders coincide.
"""

import keras
import tensorflow as tf


def _check_scale(scale):
    if not isinstance(scale, int) or isinstance(scale, bool) or scale < 1:
        raise ValueError(f"scale must be an int >= 1; received {scale!r}.")
    return scale


def _mul(d, r):
    return None if d is None else d * r


def _div(d, r, what):
    if d is None:
        return None
    if d % r:
        raise ValueError(f"{what} {d} is not divisible by scale {r}.")
    return d // r


@keras.saving.register_keras_serializable(package="keras_gans")
class PixelShuffle(keras.layers.Layer):
    """``torch.nn.PixelShuffle(scale)`` for NHWC tensors (PyTorch channel order).

    ``[B, H, W, C * scale**2] -> [B, H * scale, W * scale, C]`` with
    ``out[b, h*r + i, w*r + j, c] = in[b, h, w, c*r*r + i*r + j]``.

    Example:
        >>> PixelShuffle(2)(keras.ops.zeros((1, 3, 5, 12))).shape
        TensorShape([1, 6, 10, 3])
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = _check_scale(scale)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels % (self.scale * self.scale):
            raise ValueError(
                f"PixelShuffle({self.scale}) needs a known number of input channels divisible "
                f"by {self.scale * self.scale}; received input shape {tuple(input_shape)}."
            )
        self._out_channels = channels // (self.scale * self.scale)

    def call(self, inputs):
        r = self.scale
        if r == 1:
            return inputs
        c = self._out_channels
        shape = tf.shape(inputs)
        # (c, k) -> (k, c) regrouping of the channels, then TF's DCR depth_to_space.
        x = tf.reshape(inputs, tf.stack([shape[0], shape[1], shape[2], c, r * r]))
        x = tf.transpose(x, [0, 1, 2, 4, 3])
        x = tf.reshape(x, shape)
        return tf.nn.depth_to_space(x, r)

    def compute_output_shape(self, input_shape):
        b, h, w, ch = input_shape
        r = self.scale
        return (b, _mul(h, r), _mul(w, r), None if ch is None else ch // (r * r))

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="keras_gans")
class PixelUnshuffle(keras.layers.Layer):
    """``torch.nn.functional.pixel_unshuffle(x, scale)`` for NHWC tensors (PyTorch order).

    ``[B, H * scale, W * scale, C] -> [B, H, W, C * scale**2]`` with
    ``out[b, h, w, c*r*r + i*r + j] = in[b, h*r + i, w*r + j, c]``; the inverse of
    :class:`PixelShuffle`. Height and width must be multiples of ``scale``.
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = _check_scale(scale)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(
                f"PixelUnshuffle needs a known number of input channels; received input shape "
                f"{tuple(input_shape)}."
            )
        for d, what in ((input_shape[1], "height"), (input_shape[2], "width")):
            _div(d, self.scale, f"PixelUnshuffle({self.scale}): input {what}")
        self._channels = input_shape[-1]

    def call(self, inputs):
        r = self.scale
        if r == 1:
            return inputs
        x = tf.nn.space_to_depth(inputs, r)  # channel (i*r + j)*C + c
        shape = tf.shape(x)
        x = tf.reshape(x, tf.stack([shape[0], shape[1], shape[2], r * r, self._channels]))
        x = tf.transpose(x, [0, 1, 2, 4, 3])  # -> c*r*r + i*r + j
        return tf.reshape(x, shape)

    def compute_output_shape(self, input_shape):
        b, h, w, ch = input_shape
        r = self.scale
        return (b, _div(h, r, "height"), _div(w, r, "width"), _mul(ch, r * r))

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
