"""Image-quality metrics against scikit-image's and hand computations."""

import numpy as np
import pytest
from scipy import ndimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from keras_gans.metrics import image_quality


def _images(n=3, size=24, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.uniform(-1, 1, (n, size, size, channels)), sigma=(0, 2, 2, 0))
    return np.clip(base * 3, -1, 1).astype("float32")


def test_psnr_and_ssim_agree_with_scikit_image():
    targets = _images(seed=0)
    outputs = np.clip(targets + 0.1 * _images(seed=1), -1, 1)
    psnr, ssim = image_quality.psnr(targets, outputs), image_quality.ssim(targets, outputs)
    for i in range(3):
        t, o = (targets[i] + 1) / 2, (outputs[i] + 1) / 2
        assert psnr[i] == pytest.approx(peak_signal_noise_ratio(t, o, data_range=1.0), rel=1e-4)
        want = structural_similarity(t, o, data_range=1.0, channel_axis=-1, gaussian_weights=True,
                                     sigma=1.5, use_sample_covariance=False)
        assert ssim[i] == pytest.approx(want, abs=2e-3)


def test_l1_by_hand_and_identical_images():
    targets = _images()
    outputs = targets * 0.5
    np.testing.assert_allclose(image_quality.l1_distance(targets, outputs),
                               np.mean(np.abs(targets - outputs), axis=(1, 2, 3)), rtol=1e-5)
    np.testing.assert_allclose(image_quality.ssim(targets, targets), 1.0, atol=1e-6)
    np.testing.assert_array_equal(image_quality.l1_distance(targets, targets), 0.0)


def test_gradient_magnitude_falls_with_blur():
    sharp = _images(channels=1)
    blurred = ndimage.gaussian_filter(sharp, sigma=(0, 2, 2, 0))
    assert np.all(image_quality.gradient_magnitude(blurred) < image_quality.gradient_magnitude(sharp))
    ramp = np.tile(np.linspace(-1, 1, 32, dtype="float32"), (32, 1))[None, :, :, None]
    # A horizontal ramp on [0, 1]: 1/31 per pixel; Sobel's x kernel sums to 8x that in the interior.
    inner = image_quality.gradient_magnitude(ramp)[0]
    assert 0.9 * 8 / 31 < inner < 8 / 31 * 1.0001


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="must have one shape"):
        image_quality.psnr(_images(), _images(channels=1))
    with pytest.raises(ValueError, match=r"\[N, H, W, C\]"):
        image_quality.ssim(np.zeros((4, 4)), np.zeros((4, 4)))
