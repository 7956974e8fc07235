"""CycleGAN ResNet generator (Zhu et al. 2017, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks"), after Johnson et al.'s fast style transfer network.

Architecture as in the authors' official PyTorch code (junyanz/pytorch-CycleGAN-and-pix2pix,
``models/networks.py``: ``ResnetGenerator`` and ``ResnetBlock`` with ``padding_type="reflect"``
and ``use_dropout=False``, CycleGAN's default ``--no_dropout``). With ``f = base_filters``
(``ngf``), ``n = num_downsampling`` (2 in the code, where it is fixed) and ``B = num_blocks``,
in the paper's notation (``c7s1-64, d128, d256, R256 x B, u128, u64, c7s1-3``):

* reflection padding 3, a 7x7 convolution to ``f`` channels, normalisation, ReLU;
* ``n`` downsamplings: one pixel of zero padding, a 3x3 convolution with stride 2 doubling the
  channels (``2f``, ``4f``, ...), normalisation, ReLU;
* ``B`` residual blocks at ``2**n f`` channels, each ``x + N(conv(pad(ReLU(N(conv(pad(x)))))))``
  with reflection padding 1 and 3x3 convolutions; no ReLU after the sum;
* ``n`` upsamplings: a 3x3 transposed convolution with stride 2 halving the channels (PyTorch's
  ``ConvTranspose2d(k=3, stride=2, padding=1, output_padding=1)``), normalisation, ReLU;
* reflection padding 3, a 7x7 convolution to ``output_channels`` with a bias, tanh (images in
  [-1, 1]).

Biases exactly as the code: ``use_bias = (norm is InstanceNorm2d)`` on every convolution but
the last, which always has one (so none with batch norm, and none with ``normalization=None``,
the code's identity "norm"). Instance norm is the code's ``InstanceNorm2d(affine=False,
track_running_stats=False)``: statistics of each image and channel, epsilon 1e-5, **no
learnable scale or offset** and no running averages (``GroupNormalization(groups=-1,
center=False, scale=False)``; the keras.io CycleGAN example uses an affine instance norm
instead, which adds parameters the official model does not have). Initialisation as the
code's ``init_weights("normal", 0.02)``: kernels N(0, 0.02), biases 0 (batch norm gains
N(1, 0.02), offsets 0).

Paddings are explicit, because Keras' "same" is not PyTorch's here:

* a stride-2 3x3 convolution with ``padding="same"`` on an even size pads 0 before and 1
  after, PyTorch's ``padding=1`` pads 1 on both sides (the outputs are shifted by one
  input pixel), so this module uses ``ZeroPadding2D(1)`` and a "valid" convolution;
* PyTorch's transposed convolution computes the full ``2h + 1`` result and drops its
  *first* row and column (``padding=1`` crops one on each side, ``output_padding=1`` gives
  one back at the end); Keras' ``Conv2DTranspose(padding="same")`` drops the *last* ones, a
  one-pixel offset. This module uses a "valid" ``Conv2DTranspose`` (the full result) and
  ``Cropping2D(((1, 0), (1, 0)))``. The kernels need no spatial flip: PyTorch's weight
  ``[in, out, kh, kw]`` is Keras' kernel ``[kh, kw, out, in]`` transposed.

Both were checked numerically against a PyTorch build of the official classes
(tests/networks/cyclegan_resnet_test.py; max difference below 1e-5).

Image sizes: the official network maps ``H`` to ``2**n * ceil(H / 2**n)`` (each stride-2
convolution gives ``ceil(h / 2)``, each transposed one ``2h``), so its output is larger than
its input unless ``H`` divides by ``2**n`` (e.g. 30 -> 15 -> 8 -> 16 -> 32 with ``n = 2``),
which breaks CycleGAN's cycle loss. A fixed ``image_shape`` must therefore be a multiple of
``2**n``, or the builder raises. It must also give a bottleneck of at least 2 x 2 pixels and
be at least 4 pixels (8 with ``n = 2``): PyTorch refuses smaller images (its reflection
paddings need more pixels than they pad, and its instance norm more than one pixel). With
unknown sizes (None), the model follows PyTorch's arithmetic exactly, oversize output
included; images too small for a reflection padding fail at run time as in PyTorch.

Parameter counts at the paper's configurations (3 -> 3 channels, ``base_filters=64``,
``num_downsampling=2``, instance norm): 11,378,179 with 9 blocks (``resnet_9blocks``, used for
256x256 images) and 7,837,699 with 6 blocks (``resnet_6blocks``, 128x128), all trainable, the
same as the official code; no non-trainable weights.
"""

import keras
from keras import layers

from keras_gans.networks.checks import check_int
from keras_gans.networks.unet import (
    check_normalization,
    check_spatial_shape,
    kernel_init,
    norm_layer,
)

__all__ = ["ReflectionPadding2D", "resnet_generator"]


@keras.saving.register_keras_serializable(package="keras_gans")
class ReflectionPadding2D(keras.layers.Layer):
    """PyTorch's ``ReflectionPad2d(padding)`` for ``[B, H, W, C]``: mirrors ``padding`` rows
    and columns on every side without repeating the edge (``[1, 2, 3] -> [3, 2, 1, 2, 3, 2, 1]``
    for a padding of 2). Works for unknown H and W; as in PyTorch, each must exceed ``padding``
    at run time."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        check_int(padding, "padding")
        self.padding = padding

    def call(self, x):
        p = self.padding
        return keras.ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        def grown(d):
            return None if d is None else d + 2 * self.padding

        return (input_shape[0], grown(input_shape[1]), grown(input_shape[2]), input_shape[3])

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def _min_size(num_downsampling):
    """Smallest height or width the official network maps through: its 3-pixel reflection
    paddings at the ends need 4 pixels, and the bottleneck needs 2 (the blocks' 1-pixel
    reflection padding, and instance norm, which PyTorch refuses on a 1 x 1 map)."""
    return max(4, 2 * 2**num_downsampling)


def resnet_generator(
    image_shape=(256, 256, 3),
    output_channels=3,
    base_filters=64,
    num_blocks=9,
    num_downsampling=2,
    normalization="instance",
    seed=None,
    name="resnet_generator",
):
    """Builds the CycleGAN ResNet generator: images ``[B, H, W, C]`` -> images in [-1, 1].

    The official ``ResnetGenerator`` (``resnet_9blocks`` for 256 px, ``resnet_6blocks`` for
    128 px); see the module docstring for the layers.

    Args:
        image_shape: ``(H, W, C)`` of the input. H and W must be multiples of
            ``2**num_downsampling`` (so that the output has the input's size) and at least
            ``max(4, 2 * 2**num_downsampling)`` (8 pixels with the defaults); either may be
            None for a fully convolutional model, which then follows PyTorch's size
            arithmetic (module docstring).
        output_channels: channels of the output image (``output_nc``).
        base_filters: filters of the first convolution (``ngf``; 64 in the paper).
        num_blocks: residual blocks at the bottleneck (``n_blocks``; 9 or 6). 0 is allowed,
            as in the code.
        num_downsampling: stride-2 convolutions down and transposed convolutions up (the
            code's fixed ``n_downsampling = 2``); 0 is allowed.
        normalization: ``"instance"`` (CycleGAN: instance norm without scale or offset,
            convolutions with biases), ``"batch"`` (the code's ``--norm batch``) or None.
        seed: optional int seed for the initialisers.
        name: model name.

    Returns:
        A functional ``keras.Model`` with one input named ``"images"``.

    Example:
        >>> g = resnet_generator((32, 32, 3), base_filters=8, num_blocks=2)
        >>> g(keras.random.normal((2, 32, 32, 3))).shape
        TensorShape([2, 32, 32, 3])
    """
    image_shape = check_spatial_shape(image_shape, "image_shape")
    check_int(output_channels, "output_channels")
    check_int(base_filters, "base_filters")
    check_int(num_blocks, "num_blocks", minimum=0)
    check_int(num_downsampling, "num_downsampling", minimum=0)
    check_normalization(normalization)
    factor = 2**num_downsampling
    min_size = _min_size(num_downsampling)
    for size, axis in zip(image_shape[:2], ("height", "width")):
        if size is None:
            continue
        if size % factor:
            raise ValueError(
                f"resnet_generator needs the image {axis} divisible by 2**num_downsampling = "
                f"{factor} (num_downsampling={num_downsampling}), else the output is larger "
                f"than the input; received image_shape={image_shape!r}."
            )
        if size < min_size:
            raise ValueError(
                f"resnet_generator with num_downsampling={num_downsampling} needs an image "
                f"{axis} of at least {min_size} pixels (2 at the bottleneck, 4 for the "
                f"reflection paddings); received image_shape={image_shape!r}."
            )

    use_bias = normalization == "instance"

    def normalize(x, layer_name, offset):
        norm = norm_layer(normalization, layer_name, seed, offset)
        return x if norm is None else norm(x)

    images = keras.Input(image_shape, name="images")
    x = ReflectionPadding2D(3, name="conv1_pad")(images)
    x = layers.Conv2D(
        base_filters, 7, use_bias=use_bias, kernel_initializer=kernel_init(seed, 1), name="conv1"
    )(x)
    x = normalize(x, "conv1_norm", 10_001)
    x = layers.ReLU(name="conv1_relu")(x)

    filters = base_filters
    for i in range(1, num_downsampling + 1):
        filters *= 2
        x = layers.ZeroPadding2D(1, name=f"down{i}_pad")(x)  # PyTorch padding=1 (not "same")
        x = layers.Conv2D(
            filters,
            3,
            strides=2,
            use_bias=use_bias,
            kernel_initializer=kernel_init(seed, 100 + i),
            name=f"down{i}",
        )(x)
        x = normalize(x, f"down{i}_norm", 10_100 + i)
        x = layers.ReLU(name=f"down{i}_relu")(x)

    for b in range(1, num_blocks + 1):
        shortcut = x
        for k in (1, 2):
            offset = 1_000 + 2 * (b - 1) + (k - 1)
            x = ReflectionPadding2D(1, name=f"block{b}_pad{k}")(x)
            x = layers.Conv2D(
                filters,
                3,
                use_bias=use_bias,
                kernel_initializer=kernel_init(seed, offset),
                name=f"block{b}_conv{k}",
            )(x)
            x = normalize(x, f"block{b}_norm{k}", 10_000 + offset)
            if k == 1:
                x = layers.ReLU(name=f"block{b}_relu")(x)
        x = layers.Add(name=f"block{b}_add")([shortcut, x])

    for i in range(1, num_downsampling + 1):
        filters //= 2
        # The full transposed convolution (2h + 1), then PyTorch's crop: the first row and
        # column go (padding=1), the last ones stay (output_padding=1).
        x = layers.Conv2DTranspose(
            filters,
            3,
            strides=2,
            padding="valid",
            use_bias=use_bias,
            kernel_initializer=kernel_init(seed, 200 + i),
            name=f"up{i}",
        )(x)
        x = layers.Cropping2D(((1, 0), (1, 0)), name=f"up{i}_crop")(x)
        x = normalize(x, f"up{i}_norm", 10_200 + i)
        x = layers.ReLU(name=f"up{i}_relu")(x)

    x = ReflectionPadding2D(3, name="conv_out_pad")(x)
    x = layers.Conv2D(
        output_channels, 7, kernel_initializer=kernel_init(seed, 2), name="conv_out"
    )(x)
    x = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(images, x, name=name)
