"""Full-reference image quality for image-to-image models: L1, PSNR, SSIM, gradients.

Images are float in [-1, 1] (the zoo's range), ``[N, H, W, C]``; every function returns one
value per image (NumPy float64), computed on the [0, 1] rescaling of the images with
TensorFlow's ops (``tf.image.psnr`` / ``tf.image.ssim``: 11x11 Gaussian window, sigma 1.5,
K1 0.01, K2 0.03, the window inside the image, channels averaged; the same as scikit-image's
``structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=1)``). ``gradient_magnitude`` is the mean Sobel gradient magnitude of the
grayscale image: a sharpness statistic (blurry outputs have smaller gradients than their
targets; Isola et al. 2017 compare such statistics of L1 and cGAN outputs).
"""

import numpy as np
import tensorflow as tf


def _unit(images, what):
    images = tf.convert_to_tensor(images, tf.float32)
    if images.shape.rank != 4:
        raise ValueError(f"{what} must be [N, H, W, C] images in [-1, 1]; received shape {images.shape}.")
    return tf.clip_by_value((images + 1.0) / 2.0, 0.0, 1.0)


def _pair(targets, outputs):
    t, o = _unit(targets, "targets"), _unit(outputs, "outputs")
    if t.shape != o.shape:
        raise ValueError(f"targets and outputs must have one shape; received {t.shape} and {o.shape}.")
    return t, o


def l1_distance(targets, outputs):
    """Mean absolute difference per image, in [-1, 1] units (the Pix2Pix L1)."""
    t, o = _pair(targets, outputs)
    return (2.0 * tf.reduce_mean(tf.abs(t - o), axis=[1, 2, 3])).numpy().astype(np.float64)


def psnr(targets, outputs):
    """Peak signal-to-noise ratio in dB per image (peak 1 on the [0, 1] scale)."""
    t, o = _pair(targets, outputs)
    return tf.image.psnr(t, o, max_val=1.0).numpy().astype(np.float64)


def ssim(targets, outputs):
    """Structural similarity per image (channels averaged)."""
    t, o = _pair(targets, outputs)
    return tf.image.ssim(t, o, max_val=1.0).numpy().astype(np.float64)


def gradient_magnitude(images):
    """Mean Sobel gradient magnitude of the grayscale image, per image (the [0, 1] scale)."""
    x = _unit(images, "images")
    if x.shape[-1] == 3:
        x = tf.image.rgb_to_grayscale(x)
    sobel = tf.image.sobel_edges(x)  # [N, H, W, 1, 2]: dy, dx
    return tf.reduce_mean(tf.norm(sobel, axis=-1), axis=[1, 2, 3]).numpy().astype(np.float64)
