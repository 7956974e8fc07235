"""PatchGAN discriminator (Isola et al. 2017, "Image-to-Image Translation with Conditional
Adversarial Networks"), also CycleGAN's discriminator (Zhu et al. 2017).

Architecture as in the authors' official PyTorch code (junyanz/pytorch-CycleGAN-and-pix2pix,
``models/networks.py``: ``NLayerDiscriminator``; ``--netD basic`` is ``n_layers=3``, the
70x70 PatchGAN). With ``n = num_layers`` and ``f = base_filters`` (``ndf``), every
convolution 4x4 with one pixel of zero padding on each side:

* a stride-2 convolution to ``f`` channels with a bias and no normalisation, LeakyReLU 0.2;
* ``n - 1`` stride-2 convolutions to ``f * min(2**k, 8)`` channels (k = 1 .. n - 1), each
  followed by normalisation and LeakyReLU 0.2;
* one stride-1 convolution to ``f * min(2**n, 8)`` channels, normalisation, LeakyReLU 0.2;
* a stride-1 convolution to one channel with a bias: a map of logits (no sigmoid; the loss
  applies it, as the code's ``GANLoss`` does with ``BCEWithLogitsLoss`` or ``MSELoss``).

Biases exactly as the code: ``use_bias = (norm is InstanceNorm2d)`` for the middle
convolutions (none with batch norm, and none with ``normalization=None`` either, as the
code's identity "norm" gives); the first and the last convolutions always have one.
Initialisation as the code's ``init_weights("normal", 0.02)``: kernels N(0, 0.02), biases 0,
batch norm gains N(1, 0.02), offsets 0.

Padding is explicit (``ZeroPadding2D(1)`` and a "valid" convolution), which equals PyTorch's
``padding=1`` for every input size; Keras' "same" would not for the stride-1 layers (it pads
1 before / 2 after a 4x4 kernel and keeps the size, where PyTorch's output shrinks by one).
A 256x256 input gives a 30x30 map of logits (256 -> 128 -> 64 -> 32 -> 31 -> 30), each
seeing a 70x70 patch of the input.

Pix2pix's D judges (input, output) pairs: with ``condition_shape`` the model takes
``[conditions, images]`` and concatenates them on channels, condition first (the code's
``torch.cat((real_A, fake_B), 1)``, ``input_nc = 6`` for RGB to RGB). Without it, one image
input (CycleGAN).

Parameter counts at the paper's configurations (256x256, ``base_filters=64``,
``num_layers=3``): 2,768,705 for pix2pix's D (3 + 3 channels, batch norm) and 2,764,737 for
CycleGAN's D (3 channels, instance norm), both the same as the official code.
"""

import keras
from keras import layers

from keras_gans.networks.checks import check_int
from keras_gans.networks.unet import (
    check_condition_shape,
    conditional_inputs,
    check_normalization,
    check_spatial_shape,
    kernel_init,
    norm_layer,
)

__all__ = ["patchgan_discriminator"]


def _output_size(size, num_layers):
    """Spatial size after the PatchGAN's convolutions (PyTorch's floor arithmetic), or None
    if some layer would see fewer than 2 pixels (less than its 4x4 kernel after padding)."""
    for stride in [2] * max(num_layers, 1) + [1, 1]:  # the first convolution always strides 2
        if size < 2:
            return None
        size = (size + 2 - 4) // stride + 1
    return size


def patchgan_discriminator(
    image_shape=(256, 256, 3),
    condition_shape=None,
    base_filters=64,
    num_layers=3,
    normalization="batch",
    seed=None,
    name="patchgan_discriminator",
):
    """Builds the PatchGAN discriminator: images -> a map of logits ``[B, H', W', 1]``.

    The official ``NLayerDiscriminator``; see the module docstring for the layers.

    Args:
        image_shape: ``(H, W, C)`` of the judged images; H and W may be None (any size).
        condition_shape: ``(H, W, C_cond)`` of the conditioning images (pix2pix), or None for
            an unconditional D on images alone (CycleGAN). Height and width must equal
            ``image_shape``'s; the channels may differ.
        base_filters: filters of the first convolution (``ndf``; 64 in the paper).
        num_layers: number of stride-2 convolutions (``n_layers``; 3 gives the 70x70
            PatchGAN, 1 the 16x16 and 5 the 286x286 of the paper). 0 is allowed as in the
            code: the first convolution still has stride 2, followed by the stride-1 layers
            (``base_filters`` wide) and the logits.
        normalization: ``"batch"`` (pix2pix), ``"instance"`` (CycleGAN: instance norm without
            scale or offset; the middle convolutions then have biases) or None.
        seed: optional int seed for the initialisers.
        name: model name.

    Returns:
        A functional ``keras.Model`` taking ``images`` or ``[conditions, images]``.

    Example:
        >>> d = patchgan_discriminator((256, 256, 3), condition_shape=(256, 256, 3))
        >>> a, b = keras.random.normal((1, 256, 256, 3)), keras.random.normal((1, 256, 256, 3))
        >>> d([a, b]).shape
        TensorShape([1, 30, 30, 1])
    """
    image_shape = check_spatial_shape(image_shape, "image_shape")
    condition_shape = check_condition_shape(image_shape, condition_shape)
    check_int(base_filters, "base_filters")
    check_int(num_layers, "num_layers", minimum=0)
    check_normalization(normalization)
    for size, axis in zip(image_shape[:2], ("height", "width")):
        if size is not None and not _output_size(size, num_layers):
            raise ValueError(
                f"patchgan_discriminator with num_layers={num_layers} needs a larger image "
                f"{axis}: {size} pixels leave no output; received image_shape={image_shape!r}."
            )

    use_bias = normalization == "instance"
    inputs, x = conditional_inputs(image_shape, condition_shape)

    # (filters, stride, bias, normalised) per convolution, the logits last.
    plan = [(base_filters, 2, True, False)]
    plan += [(base_filters * min(2**k, 8), 2, use_bias, True) for k in range(1, num_layers)]
    plan += [(base_filters * min(2**num_layers, 8), 1, use_bias, True)]
    plan += [(1, 1, True, False)]
    for i, (filters, stride, bias, normalised) in enumerate(plan, start=1):
        last = i == len(plan)
        x = layers.ZeroPadding2D(1, name=f"pad{i}")(x)
        x = layers.Conv2D(
            filters,
            4,
            strides=stride,
            padding="valid",
            use_bias=bias,
            kernel_initializer=kernel_init(seed, i),
            dtype="float32" if last else None,
            name="logits" if last else f"conv{i}",
        )(x)
        if last:
            break
        if normalised:
            norm = norm_layer(normalization, f"norm{i}", seed, 100 + i)
            if norm is not None:
                x = norm(x)
        x = layers.LeakyReLU(0.2, name=f"lrelu{i}")(x)
    return keras.Model(inputs, x, name=name)
