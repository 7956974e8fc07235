"""DCGAN generator and discriminator (Radford et al. 2015), also used by WGAN-GP.

Architecture as in the authors' official code (Newmu/dcgan_code, faces/train_uncond_dcgan.py):

* G: a dense projection of z to a 4x4 map with ``base_filters * 2**(n-1)`` channels,
  batch norm over the dense units, ReLU, then ``n`` fractionally-strided 5x5 convolutions
  with stride 2 that halve the channels, BN + ReLU after each but the last, tanh output.
* D: ``n`` strided 5x5 convolutions with stride 2 that double the channels starting at
  ``base_filters``, LeakyReLU 0.2, BN after each but the first, then a dense layer to one logit.
* Weights N(0, 0.02); BN gains N(1, 0.02) and zero betas; no biases where BN follows (the
  official code has none at all in its BN configuration, outputs included).

The paper's 64x64 figure (4x4x1024 -> 64x64x3) is ``base_filters=128``, the official value.
Sizes that are not a power of two times 4 are reached by cropping after the first upsampling,
as the WGAN-GP authors' MNIST code does (4 -> 8, cropped to 7 -> 14 -> 28); its critic is the
same ladder with no normalisation and with biases (``normalization=None``).
"""

import keras
from keras import layers

from keras_gans.layers.minibatch import MinibatchStddev
from keras_gans.networks.options import add_minibatch_discrimination

_NORMALIZATIONS = ("batch", "layer", None)


def _ladder(size):
    """Spatial sizes from 4x4 up to ``size`` by doubling, e.g. 28 -> [4, 7, 14, 28]."""
    if size < 8:
        raise ValueError(
            f"image size must be at least 8 pixels to build a DCGAN ladder; received {size}."
        )
    sizes = [size]
    while sizes[-1] > 4:
        sizes.append((sizes[-1] + 1) // 2)
    return sizes[::-1]


def _check_image_shape(image_shape):
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 3
        or not all(isinstance(d, int) and d > 0 for d in image_shape)
    ):
        raise ValueError(
            f"image_shape must be (height, width, channels) with positive ints; "
            f"received {image_shape!r}."
        )
    height, width, _ = image_shape
    if height != width:
        raise ValueError(f"DCGAN networks need square images; received {image_shape!r}.")
    _ladder(height)
    return tuple(image_shape)


def _check_common(base_filters, kernel_size, normalization):
    if not isinstance(base_filters, int) or base_filters < 1:
        raise ValueError(f"base_filters must be a positive int; received {base_filters!r}.")
    if not isinstance(kernel_size, int) or kernel_size < 1:
        raise ValueError(f"kernel_size must be a positive int; received {kernel_size!r}.")
    if normalization not in _NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {_NORMALIZATIONS}; received {normalization!r}."
        )


def _norm(normalization, name, dense=False, seed=None):
    if normalization == "batch":
        # momentum 0.9 = PyTorch's 0.1; official Theano code used batch statistics only.
        return layers.BatchNormalization(
            momentum=0.9,
            epsilon=1e-5,
            gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02, seed=seed),
            name=name,
        )
    if normalization == "layer":
        return layers.LayerNormalization(axis=-1 if dense else [-3, -2, -1], name=name)
    return None


def _gamma_seed(seed, offset):
    return None if seed is None else seed + 300 + offset


def _init(kernel_initializer, seed, offset):
    if kernel_initializer != "dcgan":
        initializer = keras.initializers.get(kernel_initializer)
        config = initializer.get_config()
        if seed is not None and "seed" in config:
            initializer = initializer.__class__.from_config({**config, "seed": seed + offset})
        return initializer
    return keras.initializers.RandomNormal(0.0, 0.02, seed=None if seed is None else seed + offset)


def dcgan_generator(
    latent_dim=100,
    image_shape=(64, 64, 3),
    base_filters=128,
    kernel_size=5,
    normalization="batch",
    kernel_initializer="dcgan",
    seed=None,
    name="dcgan_generator",
    projection_norm="units",
    use_bias=None,
):
    """Builds the DCGAN generator: latents ``[B, latent_dim]`` -> images in [-1, 1].

    Args:
        latent_dim: size of z (100 in the paper, 128 in the WGAN-GP MNIST code).
        image_shape: ``(H, W, C)`` of the output; H == W >= 8.
        base_filters: channels of the last hidden layer (``ngf``; 128 in the official code).
        kernel_size: transposed-convolution kernel (5 in the official code).
        normalization: ``"batch"`` (DCGAN), ``"layer"`` or ``None`` (WGAN-GP MNIST code).
        kernel_initializer: ``"dcgan"`` for N(0, 0.02) or any Keras initializer identifier.
        seed: optional int seed for the initializers.
        name: model name.
        projection_norm: ``"units"`` normalises each of the ``4 * 4 * C`` dense units before
            the reshape (the official Theano code); ``"channels"`` normalises per channel
            after it (PyTorch's DCGAN, used by the WGAN code).
        use_bias: biases on every layer; default: only without normalisation.

    Returns:
        A functional ``keras.Model``.

    Example:
        >>> g = dcgan_generator(latent_dim=100, image_shape=(64, 64, 3))
        >>> g(keras.random.normal((2, 100))).shape
        TensorShape([2, 64, 64, 3])
    """
    image_shape = _check_image_shape(image_shape)
    _check_common(base_filters, kernel_size, normalization)
    if not isinstance(latent_dim, int) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive int; received {latent_dim!r}.")
    if projection_norm not in ("units", "channels"):
        raise ValueError(f"projection_norm must be 'units' or 'channels'; received {projection_norm!r}.")
    sizes = _ladder(image_shape[0])
    n_up = len(sizes) - 1
    if use_bias is None:
        use_bias = normalization is None
    channels = base_filters * 2 ** (n_up - 1)

    z = keras.Input((latent_dim,), name="latents")
    x = layers.Dense(
        4 * 4 * channels,
        use_bias=use_bias,
        kernel_initializer=_init(kernel_initializer, seed, 0),
        name="project",
    )(z)
    if projection_norm == "channels":
        x = layers.Reshape((4, 4, channels), name="reshape")(x)
    norm = _norm(normalization, "project_norm", dense=projection_norm == "units", seed=_gamma_seed(seed, 0))
    if norm is not None:
        x = norm(x)
    x = layers.ReLU(name="project_relu")(x)
    if projection_norm == "units":
        x = layers.Reshape((4, 4, channels), name="reshape")(x)
    for i, size in enumerate(sizes[1:], start=1):
        last = i == n_up
        filters = image_shape[-1] if last else channels // 2**i
        x = layers.Conv2DTranspose(
            filters,
            kernel_size,
            strides=2,
            padding="same",
            use_bias=use_bias,
            kernel_initializer=_init(kernel_initializer, seed, i),
            name=f"deconv{i}",
        )(x)
        if x.shape[1] != size:  # 8 -> 7 on the way to 28: drop the last row and column.
            crop = x.shape[1] - size
            x = layers.Cropping2D(((0, crop), (0, crop)), name=f"crop{i}")(x)
        if last:
            x = layers.Activation("tanh", dtype="float32", name="tanh")(x)
        else:
            norm = _norm(normalization, f"bn{i}", seed=_gamma_seed(seed, i))
            if norm is not None:
                x = norm(x)
            x = layers.ReLU(name=f"relu{i}")(x)
    return keras.Model(z, x, name=name)


def dcgan_discriminator(
    image_shape=(64, 64, 3),
    base_filters=128,
    kernel_size=5,
    normalization="batch",
    kernel_initializer="dcgan",
    seed=None,
    minibatch_discrimination=None,
    minibatch_stddev=None,
    name="dcgan_discriminator",
):
    """Builds the DCGAN discriminator (or the WGAN-GP critic with ``normalization=None``).

    Returns one unbounded logit per image, shape ``[B, 1]``; losses apply the sigmoid.

    Args:
        image_shape: ``(H, W, C)`` of the input; H == W >= 8.
        base_filters: channels of the first convolution (``ndf``).
        kernel_size: convolution kernel (5 in the official code).
        normalization: ``"batch"`` (DCGAN: every layer but the first), ``"layer"``, or
            ``None`` (WGAN-GP: no batch norm in the critic).
        kernel_initializer: ``"dcgan"`` for N(0, 0.02) or any Keras initializer identifier.
        seed: optional int seed for the initializers.
        minibatch_discrimination: if set, a :class:`MinibatchDiscrimination` layer with this
            many kernels (an int, or a dict of its arguments) on the flattened features,
            before the logit (Salimans et al. 2016).
        minibatch_stddev: if set, a :class:`MinibatchStddev` layer with this group size after
            the last convolution (Karras et al. 2018 put it before the last block).
        name: model name.
    """
    image_shape = _check_image_shape(image_shape)
    _check_common(base_filters, kernel_size, normalization)
    n_down = len(_ladder(image_shape[0])) - 1
    use_bias = normalization is None

    images = keras.Input(image_shape, name="images")
    x = images
    for i in range(n_down):
        x = layers.Conv2D(
            base_filters * 2**i,
            kernel_size,
            strides=2,
            padding="same",
            use_bias=use_bias,
            kernel_initializer=_init(kernel_initializer, seed, 100 + i),
            name=f"conv{i + 1}",
        )(x)
        if i > 0:
            norm = _norm(normalization, f"bn{i + 1}", seed=_gamma_seed(seed, 100 + i))
            if norm is not None:
                x = norm(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i + 1}")(x)
    if minibatch_stddev is not None:
        x = MinibatchStddev(minibatch_stddev, name="minibatch_stddev")(x)
    x = layers.Flatten(name="flatten")(x)
    x = add_minibatch_discrimination(x, minibatch_discrimination, seed)
    logits = layers.Dense(
        1,
        use_bias=use_bias,
        kernel_initializer=_init(kernel_initializer, seed, 200),
        dtype="float32",
        name="logits",
    )(x)
    return keras.Model(images, logits, name=name)
