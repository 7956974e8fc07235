"""Multi-scale PatchGAN discriminator of pix2pixHD (Wang et al. 2018, "High-Resolution Image
Synthesis and Semantic Manipulation with Conditional GANs") and of GauGAN / SPADE (Park et al.
2019, "Semantic Image Synthesis with Spatially-Adaptive Normalization").

Architecture as in the authors' official PyTorch code: pix2pixHD's ``models/networks.py``
(``MultiscaleDiscriminator`` and ``NLayerDiscriminator`` with ``getIntermFeat=True``, which the
feature-matching loss needs) and SPADE's ``models/networks/discriminator.py`` (the same two
class names) with ``models/networks/normalization.py`` (``get_nonspade_norm_layer``).

One discriminator per scale, each with its own weights. Scale 0 sees the input at full
resolution, scale ``s`` the input downsampled ``s`` times by PyTorch's ``AvgPool2d(3,
stride=2, padding=1, count_include_pad=False)`` (:class:`ExcludePadAveragePooling2D`). The
input is ``[conditions, images]`` concatenated on channels, condition first (the code's
``torch.cat((label, image), dim=1)``); the downsampling applies to the concatenation.

Each scale is a PatchGAN. With ``f = base_filters`` (``ndf``), every convolution is 4x4 with
``ceil(3 / 2) = 2`` pixels of zero padding on every side (so a stride-1 layer *grows* the map
by one pixel, and a stride-2 layer maps ``h`` to ``h // 2 + 1``):

* a stride-2 convolution to ``f`` channels with a bias, no normalisation, LeakyReLU 0.2;
* the normalised convolutions, each doubling the channels up to ``max_filters`` (512 in both
  codes, an absolute cap), each followed by normalisation and LeakyReLU 0.2. Their number and
  strides differ between the codes (``variant``):

  - ``"pix2pixhd"``: ``num_layers - 1`` with stride 2, then one with stride 1, so a scale has
    ``num_layers + 2`` convolutions (``n_layers_D = 3``: strides 2, 2, 2, 1, then the logits);
  - ``"spade"``: ``num_layers - 1``, all with stride 2 but the last, which has stride 1, so a
    scale has ``num_layers + 1`` convolutions. SPADE's ``n_layers_D = 4`` is therefore the same
    stack of strides and widths as pix2pixHD's ``n_layers_D = 3`` (64, 128, 256, 512 channels;
    strides 2, 2, 2, 1, 1);

* a stride-1 convolution to one channel with a bias: a map of logits (no sigmoid; the loss
  applies it. pix2pixHD's ``--no_lsgan`` adds a ``Sigmoid`` module instead).

The model returns a nested list: one list per scale (full resolution first), each holding the
output of every convolution group (after its LeakyReLU), the logits last: ``num_layers + 2``
(pix2pixHD) or ``num_layers + 1`` (SPADE) maps per scale. With ``intermediate_features=False``
each scale's list holds the logits only (the code's ``getIntermFeat=False`` / SPADE's
``--no_ganFeat_loss``).

Normalisation and biases:

* pix2pixHD (``norm_layer``: ``"instance"`` is ``InstanceNorm2d(affine=False)``, ``"batch"``
  ``BatchNorm2d(affine=True)``): every convolution keeps its bias, even before a norm.
* SPADE's ``--norm_D spectralinstance`` (its default): ``spectral_norm=True`` and
  ``normalization="instance"``: the normalised convolutions are wrapped in spectral
  normalisation (``keras.layers.SpectralNormalization``, one power iteration as
  ``torch.nn.utils.spectral_norm``) and **lose their bias**, which
  ``get_nonspade_norm_layer`` deletes because the norm that follows cancels it; the first and
  the last convolutions are plain, with biases. With ``normalization=None`` (``spectralnone``)
  the bias stays. (``spectral_norm=True`` with ``variant="pix2pixhd"`` wraps the same
  convolutions but keeps every bias, as pix2pixHD never removes one.)

Instance norm is ``GroupNormalization(groups=-1, center=False, scale=False, epsilon=1e-5)``
(statistics per image and channel, no weights); batch norm has PyTorch's momentum 0.1 and
epsilon 1e-5.

Initialisation: pix2pixHD's ``weights_init``: kernels N(0, 0.02); it leaves the convolution
biases at PyTorch's default, uniform in +-1/sqrt(fan_in); batch norm gains N(1, 0.02).
SPADE's ``init_weights("xavier", 0.02)``: Xavier-normal kernels with gain 0.02 (standard
deviation ``0.02 * sqrt(2 / (fan_in + fan_out))``), biases 0, batch norm gains N(1, 0.02).

Sizes (see :func:`receptive_fields`): each logit sees 70 x 70 input pixels at scale 0 (for
pix2pixHD's 3 layers and SPADE's 4), 141 x 141 at scale 1 and 283 x 283 at scale 2. Each
stride-2 layer maps ``h`` to ``h // 2 + 1``, each stride-1 one to ``h + 1``, each pooling to
``ceil(h / 2)``: 512 -> 257, 129, 65, 66, 67 at scale 0 and 256 -> 129, 65, 33, 34, 35 at
scale 1. No size is too small for the convolutions (their
2-pixel padding covers any map), but PyTorch's instance norm refuses a 1 x 1 map ("Expected more
than 1 spatial element"), which, e.g., a 2 x 2 input produces at scale 1; Keras' group norm
would return zeros silently, so fixed sizes that give an instance norm a 1 x 1 map are refused
here (unknown sizes are not checked).

Weight layout against the official modules: our scale ``s`` (0 = full resolution) is
pix2pixHD's ``scale{num_D - 1 - s}_layer*`` (its full resolution uses the *last* D) and SPADE's
``discriminator_{s}``. Layer names: ``scale{s}_conv{j}`` (j = 0, 1, ...; a
``SpectralNormalization`` wrapper around ``scale{s}_conv{j}_inner`` when spectrally
normalised), ``scale{s}_norm{j}``, ``scale{s}_logits``, ``downsample{s}``.

Parameter counts at the papers' configurations (all trainable; with spectral norm the
non-trainable ``vector_u`` of each wrapped convolution comes on top):

==================================================================  =========
pix2pixHD Cityscapes 512p (input 35 labels + 1 edge + 3, 2 scales)  5,603,202
pix2pixHD Cityscapes 1024p (the same, 3 scales)                     8,404,803
SPADE ADE20K (150 labels + 1 don't-care + 3, 2 scales)              5,836,930
SPADE Cityscapes (35 labels + 1 edge + 3; no don't-care label)      5,601,410
SPADE COCO-Stuff (182 labels + 1 don't-care + 1 edge + 3)           5,904,514
==================================================================  =========

(SPADE's D has 1,792 fewer than pix2pixHD's at the same input: the 128 + 256 + 512 biases of
the normalised convolutions at each of the 2 scales; it has as many non-trainable
``vector_u`` entries.)
"""


import keras
from keras import layers, ops

from keras_gans.networks.checks import check_int
from keras_gans.layers.spade import xavier_normal
from keras_gans.networks.unet import (
    check_condition_shape,
    check_spatial_shape,
    conditional_inputs,
    kernel_init,
    norm_layer,
    offset_seed,
    torch_bias_init,
)

__all__ = ["ExcludePadAveragePooling2D", "multiscale_discriminator", "receptive_fields"]

VARIANTS = ("pix2pixhd", "spade")
_NORMALIZATIONS = ("instance", "batch", None)


@keras.saving.register_keras_serializable(package="keras_gans")
class ExcludePadAveragePooling2D(keras.layers.Layer):
    """PyTorch's ``AvgPool2d(pool_size, stride=strides, padding=padding,
    count_include_pad=False)`` (``ceil_mode=False``) for ``[B, H, W, C]``.

    The windows start at ``-padding`` and step by ``strides`` (output size
    ``(H + 2 padding - pool_size) // strides + 1``; ``ceil(H / 2)`` for the 3 / 2 / 1 pooling of
    pix2pixHD and SPADE), and each window's sum is divided by the number of its pixels that lie
    inside the image, not by ``pool_size**2``. Keras' ``AveragePooling2D(3, 2,
    padding="same")`` also leaves the padding out of its divisor, and agrees on odd sizes, but
    on even ones it pads 0 pixels before the image and 1 after, so its windows are one pixel
    off PyTorch's (and its border windows hold other counts). Here the zero-padded sums are
    divided by the pooled indicator of the real pixels. Works for unknown H and W."""

    def __init__(self, pool_size=3, strides=2, padding=1, **kwargs):
        super().__init__(**kwargs)
        check_int(pool_size, "pool_size")
        check_int(strides, "strides")
        check_int(padding, "padding", minimum=0)
        if padding > pool_size // 2:
            raise ValueError(
                f"padding must be at most pool_size // 2 = {pool_size // 2} (as in PyTorch, so "
                f"that every window holds an image pixel); received padding={padding!r}."
            )
        self.pool_size = pool_size
        self.strides = strides
        self.padding = padding

    def call(self, x):
        p = self.padding
        pads = [[0, 0], [p, p], [p, p], [0, 0]]
        sums = ops.average_pool(ops.pad(x, pads), self.pool_size, self.strides, padding="valid")
        inside = ops.pad(ops.ones_like(x[..., :1]), pads)
        counts = ops.average_pool(inside, self.pool_size, self.strides, padding="valid")
        return sums / counts

    def compute_output_shape(self, input_shape):
        def pooled(d):
            if d is None:
                return None
            return (d + 2 * self.padding - self.pool_size) // self.strides + 1

        return (input_shape[0], pooled(input_shape[1]), pooled(input_shape[2]), input_shape[3])

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
        }


def _check_variant(variant):
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}; received {variant!r}.")
    return variant


def _plan(num_layers, variant, base_filters, max_filters):
    """``[(filters, stride, normalised)]`` of one scale's convolutions, the logits last."""
    plan = [(base_filters, 2, False)]
    filters = base_filters
    for k in range(1, num_layers):
        filters = min(2 * filters, max_filters)
        stride = 1 if (variant == "spade" and k == num_layers - 1) else 2
        plan.append((filters, stride, True))
    if variant == "pix2pixhd":
        filters = min(2 * filters, max_filters)
        plan.append((filters, 1, True))
    plan.append((1, 1, False))
    return plan


def receptive_fields(num_layers=3, num_scales=2, variant="pix2pixhd"):
    """The side, in input pixels, of the square seen by one logit of each scale: the 3 x 3
    stride-2 poolings before the scale, then its 4 x 4 convolutions (``[70, 141, 283]`` for
    pix2pixHD's ``n_layers_D=3`` and for SPADE's ``n_layers_D=4``)."""
    _check_variant(variant)
    check_int(num_layers, "num_layers", minimum=0 if variant == "pix2pixhd" else 1)
    check_int(num_scales, "num_scales")
    fields = []
    for scale in range(num_scales):
        chain = [(3, 2)] * scale + [(4, s) for _, s, _ in _plan(num_layers, variant, 1, 1)]
        field, jump = 1, 1
        for kernel, stride in chain:
            field += (kernel - 1) * jump
            jump *= stride
        fields.append(field)
    return fields


def _check_instance_norm_sizes(image_shape, plan, num_scales):
    """Refuses fixed sizes where some instance norm would see a single pixel."""
    height, width = image_shape[:2]
    if height is None or width is None:
        return
    h, w = height, width
    for scale in range(num_scales):
        if scale:
            h, w = (h - 1) // 2 + 1, (w - 1) // 2 + 1
        sh, sw = h, w
        for j, (_, stride, normalised) in enumerate(plan):
            sh, sw = sh // stride + 1, sw // stride + 1
            if normalised and sh * sw == 1:
                raise ValueError(
                    f"multiscale_discriminator: a {height} x {width} input leaves a 1 x 1 map at "
                    f"scale {scale}, layer {j}, which instance norm cannot normalise (PyTorch "
                    f"refuses it); use larger images or fewer scales."
                )


def multiscale_discriminator(
    image_shape=(None, None, 3),
    condition_shape=None,
    base_filters=64,
    num_layers=3,
    num_scales=2,
    normalization="instance",
    spectral_norm=False,
    max_filters=512,
    variant="pix2pixhd",
    intermediate_features=True,
    seed=None,
    name="multiscale_discriminator",
):
    """Builds the multi-scale discriminator of pix2pixHD or SPADE (module docstring).

    pix2pixHD's D (Cityscapes, 36 label + edge channels): ``multiscale_discriminator((None,
    None, 3), (None, None, 36), num_scales=2)`` (3 scales at 1024p). SPADE's D:
    ``multiscale_discriminator(..., num_layers=4, variant="spade", spectral_norm=True)``.

    Args:
        image_shape: ``(H, W, C)`` of the judged images; H and W may be None (any size).
        condition_shape: ``(H, W, C_cond)`` of the conditions (label maps), the same H and W;
            None for an unconditional D taking images alone.
        base_filters: filters of the first convolution (``ndf``; 64 in both papers).
        num_layers: ``n_layers_D`` (3 in pix2pixHD, 4 in SPADE), counted as ``variant``'s code
            does (module docstring). At least 0 (pix2pixHD) or 1 (SPADE).
        num_scales: ``num_D``, the number of scales / discriminators (2, or 3 at 1024p).
        normalization: ``"instance"`` (both papers), ``"batch"``, or None.
        spectral_norm: spectral normalisation on the normalised convolutions (SPADE's
            ``spectral*`` norms).
        max_filters: the cap on the channels (512 in both codes).
        variant: ``"pix2pixhd"`` or ``"spade"``: the count and strides of the layers, whether
            the normalised convolutions keep a bias, and the initialisation.
        intermediate_features: return every feature map per scale (the default, for feature
            matching) or the logits only.
        seed: optional int seed for the initialisers.
        name: model name.

    Returns:
        A functional ``keras.Model`` taking ``[conditions, images]`` (or ``images``) and
        returning ``[[features..., logits] per scale]``, full resolution first.
    """
    _check_variant(variant)
    image_shape = check_spatial_shape(image_shape, "image_shape")
    condition_shape = check_condition_shape(image_shape, condition_shape)
    check_int(base_filters, "base_filters")
    check_int(num_layers, "num_layers", minimum=0 if variant == "pix2pixhd" else 1)
    check_int(num_scales, "num_scales")
    check_int(max_filters, "max_filters")
    if normalization not in _NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {_NORMALIZATIONS} (use spectral_norm=True for SPADE's "
            f"'spectralinstance'); received {normalization!r}."
        )
    if not isinstance(spectral_norm, bool):
        raise ValueError(f"spectral_norm must be True or False; received {spectral_norm!r}.")
    if not isinstance(intermediate_features, bool):
        raise ValueError(
            f"intermediate_features must be True or False; received {intermediate_features!r}."
        )
    plan = _plan(num_layers, variant, base_filters, max_filters)
    if normalization == "instance":
        _check_instance_norm_sizes(image_shape, plan, num_scales)
    # SPADE's get_nonspade_norm_layer deletes the bias of a convolution that a norm follows.
    normed_bias = not (variant == "spade" and normalization is not None)

    def initializers(fan_in, fan_out, offset):
        if variant == "spade":  # init_weights("xavier", 0.02): xavier_normal_(gain=0.02)
            return xavier_normal(0.02, seed=offset_seed(seed, offset)), "zeros"
        return kernel_init(seed, offset), torch_bias_init(fan_in, offset_seed(seed, offset + 500))

    inputs, x = conditional_inputs(image_shape, condition_shape)

    outputs = []
    for scale in range(num_scales):
        if scale:
            x = ExcludePadAveragePooling2D(3, 2, 1, name=f"downsample{scale}")(x)
        h = x
        features = []
        for j, (filters, stride, normalised) in enumerate(plan):
            last = j == len(plan) - 1
            offset = 1000 * scale + j
            conv_name = f"scale{scale}_logits" if last else f"scale{scale}_conv{j}"
            wrapped = normalised and spectral_norm
            kernel, bias = initializers(16 * h.shape[-1], 16 * filters, offset)
            h = layers.ZeroPadding2D(2, name=f"scale{scale}_pad{j}")(h)
            conv = layers.Conv2D(
                filters,
                4,
                strides=stride,
                padding="valid",
                use_bias=normed_bias if normalised else True,
                kernel_initializer=kernel,
                bias_initializer=bias,
                dtype="float32" if last else None,
                name=f"{conv_name}_inner" if wrapped else conv_name,
            )
            if wrapped:
                conv = layers.SpectralNormalization(conv, power_iterations=1, name=conv_name)
            h = conv(h)
            if normalised:
                norm = norm_layer(normalization, f"scale{scale}_norm{j}", seed, 200 + offset)
                if norm is not None:
                    h = norm(h)
            if not last:
                h = layers.LeakyReLU(0.2, name=f"scale{scale}_lrelu{j}")(h)
            features.append(h)
        outputs.append(features if intermediate_features else features[-1:])
    return keras.Model(inputs, outputs, name=name)
