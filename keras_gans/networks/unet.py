"""Pix2Pix U-Net generator (Isola et al. 2017, "Image-to-Image Translation with Conditional
Adversarial Networks").

Architecture as in the authors' official PyTorch code (junyanz/pytorch-CycleGAN-and-pix2pix,
``models/networks.py``: ``UnetGenerator`` built from nested ``UnetSkipConnectionBlock``\\ s),
written here as one flat encoder / decoder. With ``num_downs = n`` and ``f = base_filters``
(``ngf``):

* Encoder: ``n`` 4x4 convolutions with stride 2, widths ``f, 2f, 4f, 8f, 8f, ...``. Every
  convolution but the first is preceded by LeakyReLU 0.2; every one but the first (outermost)
  and the last (innermost, 1x1 at 256 px with ``n = 8``) is followed by normalisation.
* Decoder: ReLU then a 4x4 transposed convolution with stride 2 at each level, normalisation
  after all of them but the outermost, which ends in tanh. Each decoder level but the first
  reads the concatenation ``[encoder features, decoder features]`` of its level (skip
  connections; encoder features first, as in the code's ``torch.cat([x, model(x)], 1)``).
* Dropout (0.5) on the outputs of the ``n - 5`` middle ``8f`` decoder levels, after their
  normalisation and before the concatenation. **The code, not the paper:** the paper's decoder
  (``CD512-CD1024-CD1024-C1024-...``) and the authors' earlier Lua code put dropout on the three
  innermost decoder layers; the PyTorch code has none on the innermost one and puts it on the
  next three (at 256 px: on the 4x4, 8x8 and 16x16 decoder outputs, not on the 2x2 one).
* Biases exactly as the code: ``use_bias = (norm is InstanceNorm2d)``, so no biases with batch
  norm (and none either with ``normalization=None``, as the code's identity "norm" gives), but
  always a bias on the outermost transposed convolution.
* ``init_weights(init_type="normal", gain=0.02)``: conv kernels N(0, 0.02), biases 0, batch
  norm gains N(1, 0.02), offsets 0.

Paddings: PyTorch's ``padding=1`` with a 4x4 kernel and stride 2 pads one pixel on every side.
Keras' ``"same"`` computes the same padding here: a stride-2 4x4 convolution of an even size
``2h`` needs ``(h - 1) * 2 + 4 - 2h = 2`` pixels in total, split 1 before / 1 after, and
``Conv2DTranspose(padding="same")`` is its transpose (output ``2h``, the PyTorch
``ConvTranspose2d(4, 2, padding=1)`` output). Every level of a U-Net has an even size (the
height and width must divide by ``2**num_downs``), so "same" is exact; it was checked
numerically against a PyTorch build of the official classes, 256 px, in eval and in
training mode (max difference below 1e-5).

The official code's in-place LeakyReLU at the start of each block also overwrites the tensor
that its skip connection concatenates, so the skip carries ``LeakyReLU(x)`` rather than ``x``.
The only consumer of the concatenation is the parent level's ReLU, and
``ReLU(LeakyReLU(x)) == ReLU(x)``, so the outputs and the gradients equal those of the plain
skip used here.

Pix2pix runs G with ``training=True`` at test time too (dropout on, batch statistics): that is
the model's job; these are ordinary Keras ``Dropout`` / ``BatchNormalization`` layers.

Parameter count at the paper's configuration (``unet_256``: 256x256x3 -> 3 channels,
``base_filters=64``, ``num_downs=8``, batch norm): 54,413,955 trainable, the same as the
official code.
"""

import math

import keras
from keras import layers

from keras_gans.networks.checks import check_int, check_rate

__all__ = ["unet_generator"]

_NORMALIZATIONS = ("batch", "instance", None)


def check_normalization(normalization):
    if normalization not in _NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {_NORMALIZATIONS}; received {normalization!r}."
        )
    return normalization


def check_spatial_shape(shape, what):
    """``(height, width, channels)``: channels a positive int; height and width positive ints,
    or None for a fully convolutional model of any size."""
    if (
        not isinstance(shape, (tuple, list))
        or len(shape) != 3
        or not all(
            (d is None and i < 2) or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
            for i, d in enumerate(shape)
        )
    ):
        raise ValueError(
            f"{what} must be (height, width, channels) with positive ints (height and width may "
            f"be None); received {shape!r}."
        )
    return tuple(shape)


def check_condition_shape(image_shape, condition_shape):
    """``condition_shape`` checked (``check_spatial_shape``) to have ``image_shape``'s height
    and width (a conditional discriminator concatenates the two on channels); None passes."""
    if condition_shape is None:
        return None
    condition_shape = check_spatial_shape(condition_shape, "condition_shape")
    if condition_shape[:2] != image_shape[:2]:
        raise ValueError(
            f"condition_shape must have the height and width of image_shape "
            f"{image_shape!r}; received condition_shape={condition_shape!r}."
        )
    return condition_shape


def offset_seed(seed, offset):
    return None if seed is None else seed + offset


def kernel_init(seed, offset):
    return keras.initializers.RandomNormal(0.0, 0.02, seed=offset_seed(seed, offset))


def torch_bias_init(fan_in, seed):
    """PyTorch's default convolution / linear bias: uniform in +-1/sqrt(fan_in) (what the
    official codes keep when their ``weights_init`` only redraws the kernels)."""
    bound = 1.0 / math.sqrt(fan_in)
    return keras.initializers.RandomUniform(-bound, bound, seed=seed)


def conditional_inputs(image_shape, condition_shape):
    """``(inputs, x)`` of a (conditional) discriminator: ``images`` alone, or ``[conditions,
    images]`` concatenated on channels, condition first (``torch.cat((label, image), 1)``)."""
    images = keras.Input(image_shape, name="images")
    if condition_shape is None:
        return images, images
    conditions = keras.Input(condition_shape, name="conditions")
    return [conditions, images], layers.Concatenate(axis=-1, name="concat")([conditions, images])


def norm_layer(normalization, name, seed, offset):
    """The official ``norm_layer``: BatchNorm2d (affine, PyTorch momentum 0.1, eps 1e-5) or
    InstanceNorm2d (affine=False, no running statistics); None for no normalisation."""
    if normalization == "batch":
        return layers.BatchNormalization(
            momentum=0.9,  # Keras keeps 0.9 of the old average = PyTorch momentum 0.1.
            epsilon=1e-5,
            gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02, seed=offset_seed(seed, offset)),
            name=name,
        )
    if normalization == "instance":
        return layers.GroupNormalization(groups=-1, epsilon=1e-5, center=False, scale=False, name=name)
    return None


def unet_generator(
    image_shape=(256, 256, 3),
    output_channels=3,
    base_filters=64,
    num_downs=8,
    normalization="batch",
    dropout=0.5,
    seed=None,
    name="unet_generator",
):
    """Builds the pix2pix U-Net generator: images ``[B, H, W, C]`` -> images in [-1, 1].

    The official ``UnetGenerator`` (``unet_256`` is ``num_downs=8``, ``unet_128`` is
    ``num_downs=7``); see the module docstring for the layer-by-layer description.

    Args:
        image_shape: ``(H, W, C)`` of the input. H and W must be divisible by
            ``2**num_downs`` (the innermost level is ``H / 2**num_downs`` pixels high); either
            may be None to accept any such size at call time.
        output_channels: channels of the output image (``output_nc``).
        base_filters: filters of the outermost convolution (``ngf``; 64 in the paper).
        num_downs: number of stride-2 downsamplings, at least 5 (8 for 256 px).
        normalization: ``"batch"`` (pix2pix), ``"instance"`` (instance norm without scale or
            offset, the code's ``--norm instance``; convolutions then have biases) or None
            (no normalisation and, as in the code, no biases but the output's).
        dropout: rate of the dropout in the ``num_downs - 5`` middle decoder levels (0.5 in
            the code); 0 or None for none (the code's ``--no_dropout``).
        seed: optional int seed for the initialisers and the dropout layers.
        name: model name.

    Returns:
        A functional ``keras.Model`` with one input named ``"images"``.

    Example:
        >>> g = unet_generator((32, 32, 3), base_filters=8, num_downs=5)
        >>> g(keras.random.normal((2, 32, 32, 3)), training=True).shape
        TensorShape([2, 32, 32, 3])
    """
    image_shape = check_spatial_shape(image_shape, "image_shape")
    check_int(output_channels, "output_channels")
    check_int(base_filters, "base_filters")
    check_int(num_downs, "num_downs", minimum=5)
    check_normalization(normalization)
    if dropout is not None:
        check_rate(dropout, "dropout")
    factor = 2**num_downs
    for size, axis in zip(image_shape[:2], ("height", "width")):
        if size is not None and size % factor:
            raise ValueError(
                f"unet_generator needs the image {axis} divisible by 2**num_downs = {factor} "
                f"(num_downs={num_downs}); received image_shape={image_shape!r}."
            )

    use_bias = normalization == "instance"
    # Encoder widths, outermost first: ngf, 2 ngf, 4 ngf, then 8 ngf down to the innermost.
    widths = [base_filters * min(2**i, 8) for i in range(num_downs)]
    # Level i (1-based) decodes back to the width of level i - 1 (the input's for level 1).
    decoder_widths = [output_channels] + widths[:-1]
    # Dropout on the middle 8-ngf levels: 5 .. num_downs - 1 (1-based), not the innermost.
    dropout_levels = set(range(5, num_downs)) if dropout else set()

    images = keras.Input(image_shape, name="images")
    x = images
    skips = []
    for level in range(1, num_downs + 1):
        if level > 1:
            x = layers.LeakyReLU(0.2, name=f"down{level}_lrelu")(x)
        x = layers.Conv2D(
            widths[level - 1],
            4,
            strides=2,
            padding="same",  # = PyTorch padding=1 on even sizes (module docstring).
            use_bias=use_bias,
            kernel_initializer=kernel_init(seed, level),
            name=f"down{level}",
        )(x)
        if 1 < level < num_downs:
            norm = norm_layer(normalization, f"down{level}_norm", seed, 200 + level)
            if norm is not None:
                x = norm(x)
        skips.append(x)

    x = skips.pop()  # the innermost features: the decoder starts from them, no skip
    for level in range(num_downs, 0, -1):
        outermost = level == 1
        x = layers.ReLU(name=f"up{level}_relu")(x)
        x = layers.Conv2DTranspose(
            decoder_widths[level - 1],
            4,
            strides=2,
            padding="same",  # = PyTorch ConvTranspose2d(4, 2, padding=1): output 2x.
            use_bias=True if outermost else use_bias,  # the code's outermost upconv has a bias
            kernel_initializer=kernel_init(seed, 100 + level),
            name=f"up{level}",
        )(x)
        if outermost:
            x = layers.Activation("tanh", dtype="float32", name="tanh")(x)
            break
        norm = norm_layer(normalization, f"up{level}_norm", seed, 300 + level)
        if norm is not None:
            x = norm(x)
        if level in dropout_levels:
            x = layers.Dropout(dropout, seed=offset_seed(seed, 400 + level), name=f"up{level}_dropout")(x)
        x = layers.Concatenate(axis=-1, name=f"skip{level - 1}")([skips.pop(), x])
    return keras.Model(images, x, name=name)
