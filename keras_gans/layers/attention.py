"""Self-attention for GANs (Zhang, Goodfellow, Metaxas & Odena 2019, SAGAN)."""

import keras
from keras import layers, ops


def _check_positive_int(value, what):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what} must be a positive int; received {value!r}.")


@keras.saving.register_keras_serializable(package="keras_gans")
class SelfAttention(keras.layers.Layer):
    """The SAGAN self-attention block over the positions of an NHWC feature map.

    With ``C`` input channels and ``N = H * W`` positions::

        theta = x W_theta              [N, C / 8]   (query, 1x1 conv, "f" in the paper)
        phi   = maxpool2(x W_phi)      [N / 4, C / 8]   (key, "g")
        g     = maxpool2(x W_g)        [N / 4, C / 2]   (value, "h")
        beta  = softmax(theta phi^T)   [N, N / 4]   (softmax over the key positions)
        o     = (beta g) W_o           [N, C]       (1x1 conv back to C channels, "v")
        y     = x + gamma * o          gamma a learnable scalar initialised to 0

    so a freshly initialised block is the identity. This follows the authors' official code
    (brain-research/self-attention-gan, ``non_local.py``, ``sn_non_local_block_sim``) and
    BigGAN-PyTorch's ``layers.Attention``: C/8 query and key channels, C/2 value channels,
    2x2 max-pooled keys and values (the paper's equations have no pooling; set
    ``pool_keys=False`` for that), 1x1 convolutions without biases, Xavier (Glorot uniform)
    initialisation, and spectral normalisation on all four convolutions in both G and D of
    SAGAN (``spectral_norm=True``, Keras' ``SpectralNormalization`` with one power iteration).

    Keras' ``SpectralNormalization`` writes ``W / sigma`` into the kernel in training mode
    before using it, so gradients do not flow through ``sigma`` as they do in the official
    TF1 code; this is a property of Keras' wrapper, used everywhere in this project.

    Reference: Zhang et al., "Self-Attention Generative Adversarial Networks", ICML 2019.

    Args:
        spectral_norm: wrap the four 1x1 convolutions in ``keras.layers.SpectralNormalization``.
        pool_keys: 2x2 max-pool the keys and values (the official code); needs even H and W.
        key_divisor: query/key channels are ``C // key_divisor`` (8).
        value_divisor: value channels are ``C // value_divisor`` (2).
        kernel_initializer: initializer of the 1x1 convolutions (Glorot uniform = Xavier).
        power_iterations: power iterations of the spectral norm estimate.

    Example:
        >>> layer = SelfAttention(spectral_norm=True)
        >>> layer(keras.ops.zeros((2, 32, 32, 256))).shape
        (2, 32, 32, 256)
    """

    def __init__(
        self,
        spectral_norm=False,
        pool_keys=True,
        key_divisor=8,
        value_divisor=2,
        kernel_initializer="glorot_uniform",
        power_iterations=1,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_positive_int(key_divisor, "key_divisor")
        _check_positive_int(value_divisor, "value_divisor")
        _check_positive_int(power_iterations, "power_iterations")
        self.spectral_norm = bool(spectral_norm)
        self.pool_keys = bool(pool_keys)
        self.key_divisor = key_divisor
        self.value_divisor = value_divisor
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.power_iterations = power_iterations
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def _conv(self, filters, name, offset):
        initializer = self.kernel_initializer
        config = initializer.get_config()
        if config.get("seed") is not None:  # distinct draws for the four kernels
            initializer = initializer.__class__.from_config({**config, "seed": config["seed"] + offset})
        conv = layers.Conv2D(
            filters, 1, use_bias=False, kernel_initializer=initializer, dtype=self.dtype_policy, name=name
        )
        if self.spectral_norm:
            conv = layers.SpectralNormalization(
                conv, power_iterations=self.power_iterations, dtype=self.dtype_policy, name=f"sn_{name}"
            )
        return conv

    def build(self, input_shape):
        _, height, width, channels = input_shape
        if channels is None:
            raise ValueError(f"SelfAttention needs a known channel count; received input shape {input_shape}.")
        key_channels = channels // self.key_divisor
        value_channels = channels // self.value_divisor
        if key_channels < 1 or value_channels < 1:
            raise ValueError(
                f"SelfAttention needs at least {max(self.key_divisor, self.value_divisor)} channels "
                f"(query/key channels C // {self.key_divisor}, value channels C // "
                f"{self.value_divisor}); received input shape {input_shape}."
            )
        if self.pool_keys and any(d is not None and d % 2 for d in (height, width)):
            raise ValueError(
                "SelfAttention with pool_keys=True max-pools keys and values 2x2 and needs even "
                f"height and width; received input shape {input_shape}. Use pool_keys=False."
            )
        self.key_channels, self.value_channels = key_channels, value_channels
        self.theta = self._conv(key_channels, "theta", 0)
        self.phi = self._conv(key_channels, "phi", 1)
        self.g = self._conv(value_channels, "g", 2)
        self.o = self._conv(channels, "o", 3)
        self.theta.build(input_shape)
        self.phi.build(input_shape)
        self.g.build(input_shape)
        self.o.build(tuple(input_shape[:-1]) + (value_channels,))
        self.pool = layers.MaxPooling2D(2, dtype=self.dtype_policy, name="pool") if self.pool_keys else None
        self.gamma = self.add_weight(name="gamma", shape=(), initializer="zeros")
        self.input_spec = keras.layers.InputSpec(ndim=4, axes={-1: channels})

    def call(self, inputs, training=False):
        shape = ops.shape(inputs)
        batch, height, width = shape[0], shape[1], shape[2]
        theta = self.theta(inputs, training=training)
        phi = self.phi(inputs, training=training)
        g = self.g(inputs, training=training)
        if self.pool is not None:
            phi = self.pool(phi)
            g = self.pool(g)
        theta = ops.reshape(theta, (batch, -1, self.key_channels))
        phi = ops.reshape(phi, (batch, -1, self.key_channels))
        g = ops.reshape(g, (batch, -1, self.value_channels))
        attention = ops.softmax(ops.matmul(theta, ops.transpose(phi, (0, 2, 1))), axis=-1)
        attended = ops.reshape(ops.matmul(attention, g), (batch, height, width, self.value_channels))
        out = self.o(attended, training=training)
        return inputs + ops.cast(self.gamma, out.dtype) * out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "spectral_norm": self.spectral_norm,
                "pool_keys": self.pool_keys,
                "key_divisor": self.key_divisor,
                "value_divisor": self.value_divisor,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "power_iterations": self.power_iterations,
            }
        )
        return config
