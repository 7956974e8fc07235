"""LSGAN generator and discriminator (Mao et al. 2017), as in the authors' official code.

Architecture of the paper's scene-generation model (LSUN, 112x112), checked against the
official TensorFlow code (github xudonmao/LSGAN, ``vgg.py`` and ``ops.py``). It does not fit
the DCGAN ladder of :mod:`keras_gans.networks.dcgan`: the generator starts at 7x7, uses 3x3
kernels, adds stride-1 layers and ends with a stride-1 layer, and every layer has a bias.

* G (:func:`lsgan_generator`), with ``b = base_filters`` (64): z (1024) -> dense to
  ``s/16 x s/16 x 4b`` -> BN, ReLU -> 3x3 transposed convolutions ``4b`` stride 2, ``4b``
  stride 1, ``4b`` stride 2, ``4b`` stride 1, ``2b`` stride 2, ``b`` stride 2, each followed by
  BN + ReLU -> 3x3 transposed convolution to C channels, stride 1 -> tanh.
* D (:func:`lsgan_discriminator`): 5x5 convolutions with stride 2 of ``b, 2b, 4b, 8b``
  channels, BN after all but the first, LeakyReLU 0.2, then a dense layer to one output
  (no sigmoid: the least-squares loss acts on raw outputs).
* Biases on every convolution and dense layer, also where BN follows (as in the official
  ``conv2d`` / ``deconv2d`` / ``linear``), initialised to zero. Weights: truncated normal
  (stddev 0.02) in D's convolutions, normal (stddev 0.02) elsewhere. BN (``tf.contrib``
  defaults as used there): decay 0.9, epsilon 1e-5, scale 1 and offset 0 at the start.

At 112x112x3 with z = 1024 and ``b = 64`` the trainable parameter counts equal the
official ones: G 15,591,427, D 4,333,441.

Other sizes: the four stride-2 steps halve the image size with rounding up (28: 28 -> 14 ->
7 -> 4 -> 2), so the generator starts from the smallest size and crops after an upsampling
that overshoots (2 -> 4 -> 8, cropped to 7 -> 14 -> 28), as the DCGAN builder does.
"""

import keras
from keras import layers

from keras_gans.networks.checks import check_int, check_square_image_shape

__all__ = ["lsgan_discriminator", "lsgan_generator"]

_N_DOWN = 4  # stride-2 steps in both networks


def _sizes(size):
    """Spatial sizes from the smallest map to ``size``, e.g. 112 -> [7, 14, 28, 56, 112]."""
    sizes = [size]
    for _ in range(_N_DOWN):
        sizes.append((sizes[-1] + 1) // 2)
    return sizes[::-1]


def _check(image_shape, base_filters):
    image_shape = check_square_image_shape(image_shape, "LSGAN", min_size=8)
    check_int(base_filters, "base_filters")
    return image_shape


def _normal(seed, offset, truncated=False):
    cls = keras.initializers.TruncatedNormal if truncated else keras.initializers.RandomNormal
    return cls(0.0, 0.02, seed=None if seed is None else seed + offset)


def _bn(name):
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name)


def lsgan_generator(
    latent_dim=1024,
    image_shape=(112, 112, 3),
    base_filters=64,
    seed=None,
    name="lsgan_generator",
):
    """Builds the LSGAN scene generator: latents ``[B, latent_dim]`` -> images in [-1, 1].

    Args:
        latent_dim: size of z (1024 in the paper and code, drawn from U[-1, 1]).
        image_shape: ``(H, W, C)`` of the output; H == W >= 8 (112x112x3 for LSUN).
        base_filters: ``b``; the layers have ``4b, 4b, 4b, 4b, 4b, 2b, b`` channels (64).
        seed: optional int seed for the initializers.
        name: model name.

    Returns:
        A functional ``keras.Model``.

    Example:
        >>> g = lsgan_generator(latent_dim=1024, image_shape=(112, 112, 3))
        >>> g(keras.random.uniform((2, 1024), -1, 1)).shape
        TensorShape([2, 112, 112, 3])
    """
    image_shape = _check(image_shape, base_filters)
    if not isinstance(latent_dim, int) or isinstance(latent_dim, bool) or latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive int; received {latent_dim!r}.")
    sizes = _sizes(image_shape[0])
    b = base_filters
    # (filters, stride) of the hidden transposed convolutions; each stride 2 reaches sizes[k].
    plan = [(4 * b, 2), (4 * b, 1), (4 * b, 2), (4 * b, 1), (2 * b, 2), (b, 2)]

    z = keras.Input((latent_dim,), name="latents")
    x = layers.Dense(sizes[0] * sizes[0] * 4 * b, kernel_initializer=_normal(seed, 0), name="project")(z)
    x = layers.Reshape((sizes[0], sizes[0], 4 * b), name="reshape")(x)
    x = _bn("project_norm")(x)
    x = layers.ReLU(name="project_relu")(x)
    level = 0
    for i, (filters, stride) in enumerate(plan, start=1):
        x = layers.Conv2DTranspose(
            filters, 3, strides=stride, padding="same", kernel_initializer=_normal(seed, i), name=f"deconv{i}"
        )(x)
        if stride == 2:
            level += 1
            if x.shape[1] != sizes[level]:  # 8 -> 7 on the way to 28: drop the last row and column.
                crop = x.shape[1] - sizes[level]
                x = layers.Cropping2D(((0, crop), (0, crop)), name=f"crop{i}")(x)
        x = _bn(f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    x = layers.Conv2DTranspose(
        image_shape[-1], 3, strides=1, padding="same", kernel_initializer=_normal(seed, len(plan) + 1),
        name="deconv_out",
    )(x)
    x = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, x, name=name)


def lsgan_discriminator(
    image_shape=(112, 112, 3),
    base_filters=64,
    seed=None,
    name="lsgan_discriminator",
):
    """Builds the LSGAN scene discriminator: images -> one raw output per image, ``[B, 1]``.

    Args:
        image_shape: ``(H, W, C)`` of the input; H == W >= 8.
        base_filters: channels of the first convolution (``df_dim``, 64); then 2x, 4x, 8x.
        seed: optional int seed for the initializers.
        name: model name.
    """
    image_shape = _check(image_shape, base_filters)
    images = keras.Input(image_shape, name="images")
    x = images
    for i in range(_N_DOWN):
        x = layers.Conv2D(
            base_filters * 2**i, 5, strides=2, padding="same",
            kernel_initializer=_normal(seed, 100 + i, truncated=True), name=f"conv{i + 1}",
        )(x)
        if i > 0:
            x = _bn(f"bn{i + 1}")(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    logits = layers.Dense(1, kernel_initializer=_normal(seed, 200), dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name=name)
