"""``BilinearUpsampling``: PyTorch's ``F.interpolate(x, scale_factor=s, mode="bilinear",
align_corners=False)`` for inputs of any size."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_gans")
class BilinearUpsampling(keras.layers.Layer):
    """Enlarges ``[B, H, W, C]`` by an integer ``scale`` with bilinear interpolation on
    half-pixel centres (``tf.image.resize``, no antialiasing when enlarging), which is
    PyTorch's ``align_corners=False``. Keras' ``UpSampling2D(interpolation="bilinear")``
    computes the same values, but it cannot be traced for inputs whose height and width are
    unknown (the tiles of a tiled upscaler); this layer reads the size at run time."""

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
            raise ValueError(f"scale must be a positive int; received {scale!r}.")
        self.scale = scale

    def call(self, x):
        size = tf.shape(x)[1:3] * self.scale
        return tf.cast(tf.image.resize(x, size, method="bilinear"), x.dtype)

    def compute_output_shape(self, input_shape):
        def times(d):
            return None if d is None else d * self.scale

        return (input_shape[0], times(input_shape[1]), times(input_shape[2]), input_shape[3])

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
