"""VAE-GAN encoder, decoder and discriminator (Larsen et al. 2016).

"Autoencoding beyond pixels using a learned similarity metric", ICML 2016. The architecture
is the paper's 64x64 CelebA one as written in the authors' official code
(andersbll/autoencoding_beyond_pixels, ``architectures.py``, ``img64x64``):

* Enc: three 5x5 convolutions with stride 2 (64, 128, 256 channels), each followed by batch
  norm and ReLU, a fully-connected layer (1024 units, BN, ReLU), then two linear heads for the
  mean and the log-variance of q(z|x) (z = 128). The paper's table says 2048 units; the code
  has 1024, which we follow (``dense_units``).
* Dec: a fully-connected layer to an 8x8x256 map (BN, ReLU), three 5x5 transposed
  convolutions with stride 2 (256, 128, 32 channels, BN, ReLU), a 5x5 convolution to the
  image channels and tanh.
* Dis: a 5x5 convolution with 32 channels and ReLU (stride 1, no BN), three 5x5 convolutions
  with stride 2 (128, 256, 256 channels, BN, ReLU), a fully-connected layer (512, BN, ReLU)
  and one output unit. The official code ends in a sigmoid; ours returns the logit and the
  losses apply the sigmoid (numerically stable).

The discriminator is an ordinary ``images -> logits`` model, so it works with everything that
takes a GAN discriminator. Its layers are named ``conv1`` .. ``conv4``; the VAE-GAN's learned
similarity metric is read from the output of ``conv4`` (the last convolution, before its batch
norm), the layer the official code uses (``recon_depth=9`` in ``celeba_aegan.py``).
:class:`keras_gans.models.vaegan.VAEGAN` builds a two-output view ``images -> (logits,
features)`` of it from that layer name.

Details from the official code: no biases where batch norm follows (biases elsewhere),
deeppy's ``AutoFiller`` initialisation, i.e. U(-a, a) with a = 1 / sqrt(3 * fan_in) (Keras'
``VarianceScaling(1/9, "fan_in", "uniform")``, ``kernel_initializer="vaegan"``), batch-norm
gains drawn from U(0, 1), momentum 0.9, epsilon 1e-6 after convolutions and 1e-5 after dense
layers, and L2 weight decay on every convolution and dense kernel except the two latent heads
(``weight_decay``, a Keras ``L2`` coefficient on the batch-mean loss; the presets convert the
code's per-batch-sum value).

Convolutions use Keras' ``"same"`` padding; for even sizes it pads one pixel less on the
top/left than deeppy's symmetric ``k // 2`` (the output sizes are the same).

Other sizes: every stride-2 layer halves the size (rounding up), and the decoder starts at the
size the encoder ends at and crops after a transposed convolution where the size is odd, so
28x28 runs 28 -> 14 -> 7 -> 4 down and 4 -> 8 (cropped to 7) -> 14 -> 28 up.
"""

import keras
from keras import layers

from keras_gans.networks.checks import check_square_image_shape

_NORMALIZATIONS = ("batch", None)


def _sizes(size, n):
    """Sizes after each of ``n`` stride-2 "same" layers, largest first: 28, 3 -> [28, 14, 7, 4]."""
    sizes = [size]
    for _ in range(n):
        sizes.append((sizes[-1] + 1) // 2)
    return sizes


def _check_positive(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int; received {value!r}.")


def _check_filters(name, filters):
    if (
        not isinstance(filters, (tuple, list))
        or not filters
        or not all(isinstance(f, int) and not isinstance(f, bool) and f > 0 for f in filters)
    ):
        raise ValueError(f"{name} must be a non-empty list of positive ints; received {filters!r}.")
    return tuple(filters)


def _check_common(kernel_size, normalization, weight_decay):
    _check_positive("kernel_size", kernel_size)
    if normalization not in _NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {_NORMALIZATIONS}; received {normalization!r}.")
    if not isinstance(weight_decay, (int, float)) or isinstance(weight_decay, bool) or weight_decay < 0:
        raise ValueError(f"weight_decay must be a non-negative number; received {weight_decay!r}.")


def _init(kernel_initializer, seed, offset):
    layer_seed = None if seed is None else seed + offset
    if kernel_initializer == "vaegan":
        # deeppy AutoFiller(gain=1): U(-a, a), a = 1 / sqrt(3 * fan_in), variance 1 / (9 fan_in).
        return keras.initializers.VarianceScaling(1.0 / 9.0, "fan_in", "uniform", seed=layer_seed)
    initializer = keras.initializers.get(kernel_initializer)
    config = initializer.get_config()
    if seed is not None and "seed" in config:
        initializer = initializer.__class__.from_config({**config, "seed": layer_seed})
    return initializer


def _regularizer(weight_decay):
    return keras.regularizers.L2(float(weight_decay)) if weight_decay else None


def _norm(normalization, name, seed, offset, dense=False):
    if normalization is None:
        return None
    return layers.BatchNormalization(
        momentum=0.9,
        epsilon=1e-5 if dense else 1e-6,
        gamma_initializer=keras.initializers.RandomUniform(0.0, 1.0, seed=None if seed is None else seed + offset),
        name=name,
    )


def _down_stack(x, filters, first, dense_units, kernel_size, normalization, kernel_initializer, seed,
                seed_offset, regularizer):
    """Stride-2 convs ``conv<first>...`` (each BN + ReLU), flatten, dense + BN + ReLU: the body
    the encoder and the discriminator share (seed offsets keep their initial draws apart)."""
    for i, f in enumerate(filters, start=first):
        x = layers.Conv2D(
            f, kernel_size, strides=2, padding="same", use_bias=normalization is None,
            kernel_initializer=_init(kernel_initializer, seed, seed_offset + i), kernel_regularizer=regularizer,
            name=f"conv{i}",
        )(x)
        norm = _norm(normalization, f"bn{i}", seed, 300 + seed_offset + i)
        if norm is not None:
            x = norm(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(
        dense_units, use_bias=normalization is None,
        kernel_initializer=_init(kernel_initializer, seed, 50 + seed_offset),
        kernel_regularizer=regularizer, name="dense",
    )(x)
    norm = _norm(normalization, "dense_bn", seed, 350 + seed_offset, dense=True)
    if norm is not None:
        x = norm(x)
    return layers.ReLU(name="dense_relu")(x)


def vaegan_encoder(
    image_shape=(64, 64, 3),
    latent_dim=128,
    filters=(64, 128, 256),
    dense_units=1024,
    kernel_size=5,
    normalization="batch",
    weight_decay=0.0,
    kernel_initializer="vaegan",
    seed=None,
    name="vaegan_encoder",
):
    """Builds the VAE-GAN encoder: images ``[B, H, W, C]`` -> ``[mu, log_var]``, each ``[B, latent_dim]``.

    ``log_var`` is the log of the variance of q(z|x) (the official code's ``z_log_sigma`` is
    used as a log-variance: z = mu + exp(log_var / 2) * eps).

    Args:
        image_shape: ``(H, W, C)``, square.
        latent_dim: size of z (128 in the paper).
        filters: channels of the stride-2 convolutions (64, 128, 256).
        dense_units: width of the fully-connected layer (1024 in the official code).
        kernel_size: convolution kernel (5).
        normalization: ``"batch"`` (the paper) or ``None`` (no batch norm, biases instead).
        weight_decay: L2 coefficient on the convolution and dense kernels (not the heads).
        kernel_initializer: ``"vaegan"`` (the official code's filler) or a Keras initializer.
        seed: optional int seed for the initializers.
        name: model name.

    Example:
        >>> enc = vaegan_encoder((64, 64, 3), latent_dim=128)
        >>> mu, log_var = enc(keras.random.normal((2, 64, 64, 3)))
    """
    image_shape = check_square_image_shape(image_shape, "VAE-GAN")
    filters = _check_filters("filters", filters)
    _check_positive("latent_dim", latent_dim)
    _check_positive("dense_units", dense_units)
    _check_common(kernel_size, normalization, weight_decay)
    regularizer = _regularizer(weight_decay)

    images = keras.Input(image_shape, name="images")
    x = images
    x = _down_stack(x, filters, 1, dense_units, kernel_size, normalization, kernel_initializer, seed, 0,
                    regularizer)
    mu = layers.Dense(latent_dim, kernel_initializer=_init(kernel_initializer, seed, 60), dtype="float32",
                      name="mu")(x)
    log_var = layers.Dense(latent_dim, kernel_initializer=_init(kernel_initializer, seed, 61), dtype="float32",
                           name="log_var")(x)
    return keras.Model(images, [mu, log_var], name=name)


def vaegan_decoder(
    latent_dim=128,
    image_shape=(64, 64, 3),
    projection_filters=256,
    filters=(256, 128, 32),
    kernel_size=5,
    normalization="batch",
    weight_decay=0.0,
    kernel_initializer="vaegan",
    seed=None,
    name="vaegan_decoder",
):
    """Builds the VAE-GAN decoder (the GAN's generator): ``[B, latent_dim]`` -> images in [-1, 1].

    Args:
        latent_dim: size of z (128).
        image_shape: ``(H, W, C)`` of the output, square.
        projection_filters: channels of the map the dense layer projects z to (256, at 8x8 for
            64x64 images: the size the encoder's convolutions end at).
        filters: channels of the stride-2 transposed convolutions (256, 128, 32).
        kernel_size: kernel of every (transposed) convolution (5).
        normalization: ``"batch"`` (the paper) or ``None``.
        weight_decay: L2 coefficient on every kernel.
        kernel_initializer: ``"vaegan"`` or a Keras initializer.
        seed: optional int seed for the initializers.
        name: model name.
    """
    image_shape = check_square_image_shape(image_shape, "VAE-GAN")
    filters = _check_filters("filters", filters)
    _check_positive("latent_dim", latent_dim)
    _check_positive("projection_filters", projection_filters)
    _check_common(kernel_size, normalization, weight_decay)
    regularizer = _regularizer(weight_decay)
    sizes = _sizes(image_shape[0], len(filters))[::-1]  # smallest first
    start = sizes[0]

    z = keras.Input((latent_dim,), name="latents")
    x = layers.Dense(
        start * start * projection_filters, use_bias=normalization is None,
        kernel_initializer=_init(kernel_initializer, seed, 0), kernel_regularizer=regularizer, name="project",
    )(z)
    norm = _norm(normalization, "project_bn", seed, 300, dense=True)
    if norm is not None:
        x = norm(x)
    x = layers.ReLU(name="project_relu")(x)
    x = layers.Reshape((start, start, projection_filters), name="reshape")(x)
    for i, (f, size) in enumerate(zip(filters, sizes[1:]), start=1):
        x = layers.Conv2DTranspose(
            f, kernel_size, strides=2, padding="same", use_bias=normalization is None,
            kernel_initializer=_init(kernel_initializer, seed, i), kernel_regularizer=regularizer,
            name=f"deconv{i}",
        )(x)
        if x.shape[1] != size:  # 8 -> 7 on the way to 28: drop the last row and column.
            crop = x.shape[1] - size
            x = layers.Cropping2D(((0, crop), (0, crop)), name=f"crop{i}")(x)
        norm = _norm(normalization, f"bn{i}", seed, 300 + i)
        if norm is not None:
            x = norm(x)
        x = layers.ReLU(name=f"relu{i}")(x)
    x = layers.Conv2D(
        image_shape[-1], kernel_size, padding="same", kernel_initializer=_init(kernel_initializer, seed, 20),
        kernel_regularizer=regularizer, name="to_image",
    )(x)
    images = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, images, name=name)


def vaegan_discriminator(
    image_shape=(64, 64, 3),
    first_filters=32,
    filters=(128, 256, 256),
    dense_units=512,
    kernel_size=5,
    normalization="batch",
    weight_decay=0.0,
    kernel_initializer="vaegan",
    seed=None,
    name="vaegan_discriminator",
):
    """Builds the VAE-GAN discriminator: images -> one logit per image, ``[B, 1]``.

    Layers ``conv1`` (stride 1, ``first_filters``, ReLU, no BN) and ``conv2`` ..
    ``conv{len(filters) + 1}`` (stride 2, BN, ReLU). The learned similarity metric of the paper
    is the output of the last convolution (``conv4`` by default), before its batch norm.

    Args:
        image_shape: ``(H, W, C)`` of the input, square.
        first_filters: channels of the first, stride-1 convolution (32).
        filters: channels of the stride-2 convolutions (128, 256, 256).
        dense_units: width of the fully-connected layer (512).
        kernel_size: convolution kernel (5).
        normalization: ``"batch"`` (the paper) or ``None``.
        weight_decay: L2 coefficient on every kernel.
        kernel_initializer: ``"vaegan"`` or a Keras initializer.
        seed: optional int seed for the initializers.
        name: model name.
    """
    image_shape = check_square_image_shape(image_shape, "VAE-GAN")
    filters = _check_filters("filters", filters)
    _check_positive("first_filters", first_filters)
    _check_positive("dense_units", dense_units)
    _check_common(kernel_size, normalization, weight_decay)
    regularizer = _regularizer(weight_decay)

    images = keras.Input(image_shape, name="images")
    x = layers.Conv2D(
        first_filters, kernel_size, padding="same", kernel_initializer=_init(kernel_initializer, seed, 100),
        kernel_regularizer=regularizer, name="conv1",
    )(images)
    x = layers.ReLU(name="relu1")(x)
    x = _down_stack(x, filters, 2, dense_units, kernel_size, normalization, kernel_initializer, seed, 100,
                    regularizer)
    logits = layers.Dense(
        1, kernel_initializer=_init(kernel_initializer, seed, 160), kernel_regularizer=regularizer,
        dtype="float32", name="logits",
    )(x)
    return keras.Model(images, logits, name=name)
