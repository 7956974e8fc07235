"""The standard super-resolution evaluation protocol (PSNR / SSIM as BasicSR reports them).

Single-image super-resolution papers (SRCNN, EDSR, RCAN, ESRGAN, SwinIR, ...) report PSNR and
SSIM computed the way BasicSR's ``basicsr.metrics.calculate_psnr`` / ``calculate_ssim`` do,
which follow the MATLAB scripts of the earlier papers:

1. The network output and the ground truth are *uint8 images*. BasicSR gets there through
   ``basicsr.utils.tensor2img``: the float32 tensor in [0, 1] is clamped to [0, 1], multiplied
   by 255, rounded (``numpy.round``, half to even) and cast to uint8. So an output that is off
   by less than half a level scores the same as an exact one.
2. ``crop_border`` pixels are removed from each side (by convention the upscaling factor).
3. With ``test_y_channel`` the RGB image is converted to the BT.601 luma of MATLAB's
   ``rgb2ycbcr`` (BasicSR's ``to_y_channel``: a float in [16, 235] on the 0..255 scale,
   *not* rounded); otherwise the three RGB channels are used.
4. PSNR: ``10 log10(255^2 / MSE)``, the MSE over all remaining pixels and channels in float64;
   identical images give ``inf``. SSIM: Wang et al.'s SSIM with the 11x11 Gaussian window
   (sigma 1.5), 'valid' filtering (only windows entirely inside the cropped image), K1 0.01,
   K2 0.03, L 255; for RGB the mean over channels of the per-channel SSIM.

BasicSR's functions take one HWC image with values in [0, 255] (uint8, or floats that are
already uint8 levels; BGR order for ``test_y_channel``, since its images come from OpenCV).
These take RGB images, HWC (one image -> a Python float) or NHWC (a batch -> a float64 array
of per-image values; the protocol's score for a data set is their mean), uint8 or float, with
their range stated by ``data_range``: 255 (values in [0, 255]) or 1.0 (values in [0, 1]).
Images in the zoo's [-1, 1] range must be mapped with ``(x + 1) / 2`` and ``data_range=1.0``.

Two further scores tell GAN outputs from PSNR-oriented ones, which PSNR / SSIM rank the other
way round (the ESRGAN paper's point):

* :func:`feature_distance`: LPIPS' form without its learned weights (Zhang et al. 2018, the
  "baseline" deep-feature distance): for every feature map of an extractor, each pixel's
  channel vector is scaled to unit length, the squared distance between output and target is
  summed over channels and averaged over pixels; the layers' values are summed. With
  VGG features (``vgg19_features(("relu1_2", "relu2_2", "relu3_4", "relu4_4", "relu5_4"))``)
  this is the usual VGG perceptual distance. The extractor is an argument: no pretrained
  network can be downloaded on an offline machine, and a random one is a much weaker judge.
* :func:`sharpness_ratio`: the mean gradient magnitude of the output's Y channel over the
  target's. 1 is as much edge and texture energy as the ground truth; bicubic and
  PSNR-oriented outputs, which average over the plausible details, score well below 1.

SSIM reuses :func:`keras_gans.metrics.image_quality.ssim` (``tf.image.ssim``: the same window,
constants, valid filtering and channel mean); it computes in float32 where BasicSR uses
float64, which moves SSIM by about 1e-6 (SR tables print 4 decimals).
"""

import numbers

import numpy as np

from keras_gans.metrics import image_quality

__all__ = ["feature_distance", "rgb_to_y", "sharpness_ratio", "sr_psnr", "sr_ssim"]

# MATLAB rgb2ycbcr / ITU-R BT.601 luma for R, G, B in [0, 1], on the 0..255 scale
# (the same constants as BasicSR's rgb2ycbcr / bgr2ycbcr, y_only=True).
_Y_WEIGHTS = np.array([65.481, 128.553, 24.966], dtype=np.float64)
_Y_OFFSET = 16.0
_SSIM_WINDOW = 11


def _check_data_range(images, data_range, what):
    """Returns the range (255.0 or 1.0) that ``images``' values are stated to lie in."""
    integer = np.issubdtype(images.dtype, np.integer)
    if data_range is None:
        if integer:
            return 255.0
        raise ValueError(
            f"{what}: float images need data_range=1.0 (values in [0, 1]) or data_range=255 "
            f"(values in [0, 255]); received dtype {images.dtype} and data_range=None."
        )
    if (isinstance(data_range, bool) or not isinstance(data_range, numbers.Real)
            or float(data_range) not in (1.0, 255.0)):
        raise ValueError(
            f"{what}: data_range must be 255 (values in [0, 255]) or 1.0 (values in [0, 1]); "
            f"received {data_range!r}. Map [-1, 1] images with (x + 1) / 2 and use 1.0."
        )
    if integer and float(data_range) != 255.0:
        raise ValueError(
            f"{what}: integer images hold 0..255 levels and need data_range=255; "
            f"received dtype {images.dtype} and data_range={data_range!r}."
        )
    return float(data_range)


def _as_images(images, what):
    """Checks an HWC / NHWC RGB array; returns (array, batched)."""
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            f"{what} must be an RGB image [H, W, 3] or a batch [N, H, W, 3]; received shape {images.shape}."
        )
    if images.shape[-1] != 3:
        raise ValueError(
            f"{what} must have 3 (RGB) channels in the last axis ([H, W, 3] or [N, H, W, 3]); "
            f"received shape {images.shape} with {images.shape[-1]} channels."
        )
    numeric = np.issubdtype(images.dtype, np.integer) or np.issubdtype(images.dtype, np.floating)
    if images.dtype == np.bool_ or not numeric:
        raise ValueError(f"{what} must be uint8 or float images; received dtype {images.dtype}.")
    if np.issubdtype(images.dtype, np.floating) and not np.all(np.isfinite(images)):
        raise ValueError(f"{what} contains NaN or infinite values.")
    return images, images.ndim == 4


def rgb_to_y(images, data_range=None):
    """BT.601 luma of RGB images as MATLAB's ``rgb2ycbcr`` computes it (the Y of YCbCr).

    ``Y = 16 + 65.481 R + 128.553 G + 24.966 B`` for R, G, B in [0, 1], i.e. on the 0..255
    scale: black -> 16, white -> 235 (the constants sum to 219). The result is float64 and
    *not rounded*, as BasicSR's ``to_y_channel`` (MATLAB's ``rgb2ycbcr`` of a uint8 image and
    BasicSR's ``rgb2ycbcr`` of one round to uint8; the SR protocol does not). Nothing is
    clipped or quantized here.

    Args:
        images: RGB ``[H, W, 3]`` or ``[N, H, W, 3]``, uint8 (or integer) or float.
        data_range: 255 if the values lie in [0, 255], 1.0 if in [0, 1]; ``None`` means 255
            for integer images and is an error for float ones.

    Returns:
        float64 ``[H, W, 1]`` / ``[N, H, W, 1]`` with Y on the 0..255 scale (in [16, 235] for
        in-range inputs), whatever ``data_range`` is.
    """
    images, _ = _as_images(images, "rgb_to_y images")
    scale = _check_data_range(images, data_range, "rgb_to_y")
    rgb = images.astype(np.float64) / scale
    return (rgb @ _Y_WEIGHTS + _Y_OFFSET)[..., None]


def _to_uint8_levels(images, data_range, what):
    """Rounds images to uint8 levels the way BasicSR's ``tensor2img`` does; float64 result."""
    if np.issubdtype(images.dtype, np.integer):
        if images.size and (images.min() < 0 or images.max() > 255):
            raise ValueError(
                f"{what}: integer images must hold levels in [0, 255]; received values in "
                f"[{images.min()}, {images.max()}]."
            )
        return images.astype(np.float64)
    if data_range == 1.0:
        # tensor2img: float32, clamp to [0, 1], * 255, round half to even, uint8.
        levels = np.clip(images.astype(np.float32), 0.0, 1.0) * np.float32(255.0)
    else:
        levels = np.clip(images.astype(np.float32), 0.0, 255.0)
    return np.round(levels).astype(np.uint8).astype(np.float64)


def _prepare(output, target, crop_border, test_y_channel, data_range, name, min_size):
    """Validates, rounds to uint8 levels, crops, optionally converts to Y; float64 NHWC."""
    output, batched = _as_images(output, f"{name} output")
    target, _ = _as_images(target, f"{name} target")
    if output.shape != target.shape:
        raise ValueError(
            f"{name}: output and target must have the same shape; received output {output.shape} "
            f"and target {target.shape}."
        )
    if isinstance(crop_border, bool) or not isinstance(crop_border, numbers.Integral) or crop_border < 0:
        raise ValueError(
            f"{name}: crop_border must be a non-negative integer (pixels removed from each side, "
            f"by convention the upscaling factor); received {crop_border!r}."
        )
    crop_border = int(crop_border)
    height, width = output.shape[-3], output.shape[-2]
    left_h, left_w = height - 2 * crop_border, width - 2 * crop_border
    if left_h < min_size or left_w < min_size:
        raise ValueError(
            f"{name}: crop_border={crop_border} leaves {max(left_h, 0)}x{max(left_w, 0)} of the "
            f"{height}x{width} images; {name} needs at least {min_size}x{min_size}."
        )
    o_range = _check_data_range(output, data_range, f"{name} output")
    t_range = _check_data_range(target, data_range, f"{name} target")
    output = _to_uint8_levels(output, o_range, f"{name} output")
    target = _to_uint8_levels(target, t_range, f"{name} target")
    if not batched:
        output, target = output[None], target[None]
    if crop_border:
        output = output[:, crop_border:-crop_border, crop_border:-crop_border, :]
        target = target[:, crop_border:-crop_border, crop_border:-crop_border, :]
    if test_y_channel:
        output, target = rgb_to_y(output, 255), rgb_to_y(target, 255)
    return output, target, batched


def sr_psnr(output, target, crop_border, test_y_channel=True, data_range=None):
    """PSNR in dB as BasicSR's ``calculate_psnr`` (the SR papers' protocol).

    Both images are rounded to uint8 levels (floats: clipped to the range, ``* 255`` when
    ``data_range`` is 1.0, rounded half to even, as ``tensor2img``), ``crop_border`` pixels are
    removed from each side, the Y channel (:func:`rgb_to_y`) is taken when ``test_y_channel``
    (else RGB), and ``PSNR = 10 log10(255^2 / MSE)`` with the MSE over all remaining pixels
    (and channels) in float64; ``inf`` when the rounded, cropped images are identical.

    Args:
        output, target: RGB ``[H, W, 3]`` or ``[N, H, W, 3]``, one shape, uint8 or float.
        crop_border: non-negative int, pixels cropped from each side (the scale, by convention).
        test_y_channel: evaluate on the Y channel (default, as SR papers) or on RGB. BasicSR's
            own default is False; its SR configs set ``test_y_channel: true``.
        data_range: 255 or 1.0, the range of float inputs (``None``: 255 for integer images).

    Returns:
        A Python float for one image, a float64 ``[N]`` array of per-image values for a batch.
    """
    output, target, batched = _prepare(output, target, crop_border, test_y_channel, data_range, "sr_psnr", 1)
    mse = np.mean((output - target) ** 2, axis=(1, 2, 3))
    with np.errstate(divide="ignore"):
        values = np.where(mse == 0, np.inf, 10.0 * np.log10(255.0 * 255.0 / np.where(mse == 0, 1.0, mse)))
    return values.astype(np.float64) if batched else float(values[0])


def sr_ssim(output, target, crop_border, test_y_channel=True, data_range=None):
    """SSIM as BasicSR's ``calculate_ssim`` (which follows Wang et al.'s MATLAB ``ssim``).

    The same rounding, cropping and Y conversion as :func:`sr_psnr`; then SSIM with the 11x11
    Gaussian window (sigma 1.5), 'valid' filtering (the mean over the positions where the
    window lies inside the cropped image), C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2; on RGB
    the mean over the three channels of the per-channel SSIM. Identical images give 1.0.
    Computed by :func:`keras_gans.metrics.image_quality.ssim` (``tf.image.ssim``) in float32:
    within about 1e-6 of BasicSR's float64 value.

    Args and returns as :func:`sr_psnr`; the cropped images must be at least 11x11.
    """
    output, target, batched = _prepare(
        output, target, crop_border, test_y_channel, data_range, "sr_ssim", _SSIM_WINDOW
    )
    # image_quality.ssim takes [-1, 1] images and evaluates them on the [0, 1] scale with
    # max_val 1, which is the 0..255 scale with L = 255 (the constants scale with L).
    values = image_quality.ssim(target / 127.5 - 1.0, output / 127.5 - 1.0)
    values = np.asarray(values, dtype=np.float64)
    return values if batched else float(values[0])


def feature_distance(output, target, extractor, crop_border=0, data_range=None, eps=1e-10):
    """LPIPS-style distance on ``extractor``'s features, without learned weights (module docstring).

    ``d = sum_l mean_{h, w} || f_l(output)[h, w] / |f_l(output)[h, w]| - f_l(target)[h, w] /
    |f_l(target)[h, w]| ||^2``, the norms over channels (``+ eps``, as LPIPS). 0 for identical
    images, at most 4 per layer.

    Args:
        output, target: RGB images, HWC or NHWC, uint8 or float, as :func:`sr_psnr` (rounded to
            uint8 levels, ``crop_border`` cut from each side), the same shape.
        extractor: a callable (a ``keras.Model``) from float32 NHWC images in [0, 1] to a
            feature map ``[N, h, w, c]`` or a list of them, e.g.
            ``keras_gans.losses.perceptual.vgg19_features(..., input_range=(0.0, 1.0))``.
        crop_border, data_range: as :func:`sr_psnr`.
        eps: added to the channel norms.

    Returns:
        A float (HWC input) or a float64 array of per-image distances (NHWC).
    """
    if not callable(extractor):
        raise ValueError(f"extractor must be a callable from [0, 1] images to feature maps; got {extractor!r}.")
    output, target, batched = _prepare(output, target, crop_border, False, data_range, "feature_distance", 1)
    values = []
    for a, b in zip(output, target):  # one image at a time: full photos, bounded memory
        fa, fb = extractor(a[None].astype(np.float32) / 255.0), extractor(b[None].astype(np.float32) / 255.0)
        if not isinstance(fa, (list, tuple)):
            fa, fb = [fa], [fb]
        total = 0.0
        for x, y in zip(fa, fb):
            x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
            if x.ndim != 4 or x.shape != y.shape:
                raise ValueError(f"extractor must return NHWC feature maps of equal shapes; got {x.shape} and "
                                 f"{y.shape}.")
            x = x / (np.sqrt((x ** 2).sum(-1, keepdims=True)) + eps)
            y = y / (np.sqrt((y ** 2).sum(-1, keepdims=True)) + eps)
            total += float(((x - y) ** 2).sum(-1).mean())
        values.append(total)
    values = np.asarray(values, np.float64)
    return values if batched else float(values[0])


def sharpness_ratio(output, target, crop_border=0, data_range=None):
    """Mean gradient magnitude of the output's Y channel over the target's (module docstring).

    The gradient is the forward difference in each direction, ``sqrt(dx^2 + dy^2)`` over the
    pixels where both exist, on BT.601 Y of the uint8-rounded, cropped images (as
    :func:`sr_psnr` prepares them).

    Returns:
        A float (HWC) or a float64 array of per-image ratios (NHWC); ``inf`` where the target
        is flat.
    """
    output, target, batched = _prepare(output, target, crop_border, True, data_range, "sharpness_ratio", 2)

    def energy(y):
        y = y[..., 0]
        dx, dy = y[:, :-1, 1:] - y[:, :-1, :-1], y[:, 1:, :-1] - y[:, :-1, :-1]
        return np.sqrt(dx ** 2 + dy ** 2).mean(axis=(1, 2))

    with np.errstate(divide="ignore", invalid="ignore"):
        values = energy(output) / energy(target)
    return values if batched else float(values[0])
