"""Maxout (Goodfellow et al. 2013): the max over ``pieces`` affine maps per output unit."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class Maxout(keras.layers.Layer):
    """A dense maxout layer.

        z = x W + b,        W: [d_in, units * pieces],  b: [units * pieces]
        y_j = max_{i < pieces} z_{j * pieces + i}

    Unit ``j`` takes the max over the ``pieces`` consecutive columns ``j * pieces ...
    j * pieces + pieces - 1``, the grouping of pylearn2's ``Maxout`` layer (its default
    ``pool_stride = num_pieces``), which the original GAN's discriminator uses
    (goodfeli/adversarial, mnist.yaml: 240 units x 5 pieces). The parameter count is
    ``(d_in + 1) * units * pieces``.

    Reference: Goodfellow, Warde-Farley, Mirza, Courville & Bengio, "Maxout Networks", 2013.

    Args:
        units: number of output units.
        pieces: number of linear pieces each unit takes the max over.
        use_bias: add the bias ``b``.
        kernel_initializer / bias_initializer: Keras initializer identifiers.
        kernel_regularizer / bias_regularizer: optional Keras regularizers.
        kernel_constraint / bias_constraint: optional Keras constraints.

    Example:
        >>> layer = Maxout(240, pieces=5)
        >>> layer(keras.ops.zeros((2, 784))).shape
        (2, 240)
    """

    def __init__(
        self,
        units,
        pieces,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for value, what in ((units, "units"), (pieces, "pieces")):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{what} must be a positive int; received {value!r}.")
        self.units = units
        self.pieces = pieces
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)
        self.bias_constraint = keras.constraints.get(bias_constraint)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Maxout needs a known last input dimension; received {input_shape}.")
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_dim, self.units * self.pieces),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units * self.pieces,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs):
        z = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            z = ops.add(z, self.bias)
        shape = ops.shape(z)
        z = ops.reshape(z, tuple(shape[:-1]) + (self.units, self.pieces))
        return ops.max(z, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "pieces": self.pieces,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": keras.constraints.serialize(self.kernel_constraint),
                "bias_constraint": keras.constraints.serialize(self.bias_constraint),
            }
        )
        return config
