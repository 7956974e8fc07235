"""Class-conditional batch normalization (de Vries et al. 2017; Miyato & Koyama 2018; SAGAN)."""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="keras_gans")
class ConditionalBatchNormalization(keras.layers.Layer):
    """Batch norm without its own affine, then a per-class gain and bias.

    Called on ``[x, labels]`` with ``x`` of shape ``[B, ..., C]`` (channels last) and
    ``labels`` int ``[B]`` (or ``[B, 1]``)::

        y = gamma[labels] * (x - mean) / sqrt(var + epsilon) + beta[labels]

    ``gamma`` and ``beta`` are ``[num_classes, C]`` tables initialised to 1 and 0, one row
    per class, as in SAGAN's official ``ops.ConditionalBatchNorm``
    (brain-research/self-attention-gan) and the projection-cGAN generator's
    ``CategoricalConditionalBatchNormalization`` (pfnet-research/sngan_projection).
    ``mean`` and ``var`` are the batch's statistics over every axis but the last in training
    and the moving statistics at inference (``moving = momentum * moving + (1 - momentum) *
    batch``); the normalisation is a ``keras.layers.BatchNormalization(center=False,
    scale=False)`` sublayer, so ``synchronized=True`` gives cross-replica statistics under a
    ``tf.distribute`` strategy. The moving variance is the biased batch variance, as in the
    SAGAN code (Chainer's batch norm, used by the projection-cGAN code, keeps the unbiased one).

    BigGAN's variant (gains ``1 + W y`` from a shared embedding) is not this layer.

    References: de Vries et al., "Modulating early visual processing by language", 2017;
    Miyato & Koyama, "cGANs with Projection Discriminator", 2018; Zhang et al. 2019 (SAGAN).

    Args:
        num_classes: number of classes (rows of ``gamma`` and ``beta``).
        momentum: moving-statistics momentum (0.999 in SAGAN's code; Chainer's 0.9 in the
            projection-cGAN code).
        epsilon: variance epsilon (1e-5 in SAGAN's code; 2e-5 in Chainer).
        gamma_initializer / beta_initializer: initializers of the per-class tables.
        synchronized: synchronise the batch statistics across replicas.

    Example:
        >>> cbn = ConditionalBatchNormalization(num_classes=10)
        >>> x, y = keras.ops.ones((4, 8, 8, 16)), keras.ops.array([0, 1, 2, 3])
        >>> cbn([x, y], training=True).shape
        (4, 8, 8, 16)
    """

    def __init__(
        self,
        num_classes,
        momentum=0.999,
        epsilon=1e-5,
        gamma_initializer="ones",
        beta_initializer="zeros",
        synchronized=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive int; received {num_classes!r}.")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1); received {momentum!r}.")
        if not epsilon > 0:
            raise ValueError(f"epsilon must be positive; received {epsilon!r}.")
        self.num_classes = num_classes
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.gamma_initializer = keras.initializers.get(gamma_initializer)
        self.beta_initializer = keras.initializers.get(beta_initializer)
        self.synchronized = bool(synchronized)
        self.norm = layers.BatchNormalization(
            momentum=self.momentum,
            epsilon=self.epsilon,
            center=False,
            scale=False,
            synchronized=self.synchronized,
            dtype=self.dtype_policy,
            name="norm",
        )

    @staticmethod
    def _split(input_shape, what):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 or not isinstance(
            input_shape[0], (list, tuple)
        ):
            raise ValueError(
                f"ConditionalBatchNormalization takes [x, labels]; received {what} {input_shape!r}."
            )
        return tuple(input_shape[0]), tuple(input_shape[1])

    def build(self, input_shape):
        x_shape, label_shape = self._split(input_shape, "input shape")
        if len(x_shape) < 2 or x_shape[-1] is None:
            raise ValueError(f"x must be [B, ..., C] with a known C; received shape {x_shape}.")
        if len(label_shape) > 2 or (len(label_shape) == 2 and label_shape[1] not in (1, None)):
            raise ValueError(f"labels must have shape [B] or [B, 1]; received shape {label_shape}.")
        channels = x_shape[-1]
        self.norm.build(x_shape)
        self.gamma = self.add_weight(
            name="gamma", shape=(self.num_classes, channels), initializer=self.gamma_initializer
        )
        self.beta = self.add_weight(
            name="beta", shape=(self.num_classes, channels), initializer=self.beta_initializer
        )

    def call(self, inputs, training=False):
        x, labels = inputs
        normalized = self.norm(x, training=training)
        labels = ops.reshape(ops.cast(labels, "int32"), (-1,))
        # [B, C] -> [B, 1, ..., 1, C] to broadcast over the spatial axes.
        broadcast = (-1,) + (1,) * (len(x.shape) - 2) + (x.shape[-1],)
        gamma = ops.reshape(ops.take(self.gamma, labels, axis=0), broadcast)
        beta = ops.reshape(ops.take(self.beta, labels, axis=0), broadcast)
        return normalized * ops.cast(gamma, normalized.dtype) + ops.cast(beta, normalized.dtype)

    def compute_output_shape(self, input_shape):
        x_shape, _ = self._split(input_shape, "input shape")
        return x_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_classes": self.num_classes,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "gamma_initializer": keras.initializers.serialize(self.gamma_initializer),
                "beta_initializer": keras.initializers.serialize(self.beta_initializer),
                "synchronized": self.synchronized,
            }
        )
        return config
