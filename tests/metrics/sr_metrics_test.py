"""The SR evaluation protocol (BasicSR's calculate_psnr / calculate_ssim) against hand
computations and scikit-image, whose Gaussian SSIM filters with 'reflect' borders and then
drops the 5-pixel strip a border touches: the same positions as BasicSR's 'valid' filtering."""

import math

import numpy as np
import pytest
from scipy import ndimage
from skimage.color import rgb2ycbcr
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from keras_gans.metrics import super_resolution as srm
from keras_gans.metrics.super_resolution import rgb_to_y, sr_psnr, sr_ssim


def _unit_images(n=3, size=40, seed=0):
    """Smooth RGB images in [0, 1], float32 (like network outputs)."""
    rng = np.random.default_rng(seed)
    base = ndimage.gaussian_filter(rng.uniform(0, 1, (n, size, size, 3)), sigma=(0, 1.5, 1.5, 0))
    return np.clip((base - 0.5) * 5 + 0.5, 0, 1).astype(np.float32)


def _pair(seed=0, noise=0.05):
    target = _unit_images(seed=seed)
    rng = np.random.default_rng(seed + 100)
    output = np.clip(target + rng.normal(0, noise, target.shape), 0, 1).astype(np.float32)
    return output, target


def _reference_y(unit_images, crop):
    """Independent reference: tensor2img rounding, crop, skimage's BT.601 rgb2ycbcr Y."""
    levels = np.round(np.clip(unit_images, 0, 1) * 255).astype(np.uint8)
    if crop:
        levels = levels[..., crop:-crop, crop:-crop, :]
    return rgb2ycbcr(levels.astype(np.float64) / 255.0)[..., 0], levels.astype(np.float64)


# ---------------------------------------------------------------------------------- rgb_to_y


def test_rgb_to_y_primaries_by_hand():
    # Y = 16 + 65.481 R + 128.553 G + 24.966 B, R, G, B in [0, 1]:
    # red 16 + 65.481 = 81.481; green 16 + 128.553 = 144.553; blue 16 + 24.966 = 40.966;
    # white 16 + (65.481 + 128.553 + 24.966 = 219) = 235; black 16.
    # (128, 64, 32): 16 + (65.481*128 + 128.553*64 + 24.966*32) / 255
    #              = 16 + (8381.568 + 8227.392 + 798.912) / 255 = 16 + 17407.872 / 255 = 84.266165
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0], [128, 64, 32]]],
                      dtype=np.uint8)
    want = [81.481, 144.553, 40.966, 235.0, 16.0, 84.26616470588235]
    y = rgb_to_y(pixels)
    assert y.shape == (1, 6, 1) and y.dtype == np.float64
    np.testing.assert_allclose(y[0, :, 0], want, rtol=0, atol=1e-9)
    # Float [0, 1] input with data_range=1.0 and a batch: the same values on the 0..255 scale.
    batch = rgb_to_y(np.stack([pixels, pixels]).astype(np.float64) / 255.0, data_range=1.0)
    assert batch.shape == (2, 1, 6, 1)
    np.testing.assert_allclose(batch[..., 0], [[want], [want]], rtol=0, atol=1e-9)
    # Floats on the 0..255 scale with data_range=255; not rounded (84.266..., not 84).
    np.testing.assert_allclose(rgb_to_y(pixels.astype(np.float32), data_range=255)[0, :, 0], want, atol=1e-4)


# ------------------------------------------------------------------------------------ PSNR


def test_psnr_by_hand_rgb_and_y():
    target = np.zeros((2, 2, 3), np.uint8)
    output = target.copy()
    output[0, 0, 1] = 10
    # RGB: MSE over 2*2*3 = 12 values = 10^2 / 12; PSNR = 10 log10(255^2 * 12 / 100)
    #      = 10 log10(7803) = 38.92262 dB.
    assert sr_psnr(output, target, 0, test_y_channel=False) == pytest.approx(38.92261606915535, abs=1e-9)
    # Y: gray pixels (v, v, v) have Y = 16 + 219 v / 255; a 10-level gray step is
    # dY = 2190 / 255 = 8.588235 at one of 4 pixels: MSE = 8.588235^2 / 4 = 18.439446;
    # PSNR = 10 log10(65025 / 18.439446) = 10 log10(3526.41) = 35.47332 dB.
    gray_t = np.full((2, 2, 3), 100, np.uint8)
    gray_o = gray_t.copy()
    gray_o[1, 1, :] = 110
    assert sr_psnr(gray_o, gray_t, 0) == pytest.approx(35.47332483383546, abs=1e-9)


def test_psnr_matches_scikit_image_on_cropped_y_and_rgb():
    output, target = _pair()
    got_y = sr_psnr(output, target, 4, data_range=1.0)
    got_rgb = sr_psnr(output, target, 4, test_y_channel=False, data_range=1.0)
    assert got_y.shape == (3,) and got_y.dtype == np.float64
    (oy, orgb), (ty, trgb) = _reference_y(output, 4), _reference_y(target, 4)
    for i in range(3):
        assert got_y[i] == pytest.approx(peak_signal_noise_ratio(ty[i], oy[i], data_range=255), abs=1e-9)
        assert got_rgb[i] == pytest.approx(peak_signal_noise_ratio(trgb[i], orgb[i], data_range=255), abs=1e-9)
    assert not np.allclose(got_y, got_rgb, atol=1e-3)  # the Y / RGB switch is in effect


# ------------------------------------------------------------------------------------ SSIM


def _skimage_ssim(a, b, channel_axis=None):
    return structural_similarity(a, b, data_range=255, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, channel_axis=channel_axis)


@pytest.mark.parametrize("noise", [0.01, 0.05, 0.2])
def test_ssim_matches_scikit_image_on_cropped_y(noise):
    output, target = _pair(noise=noise)
    got = sr_ssim(output, target, 4, data_range=1.0)
    (oy, _), (ty, _) = _reference_y(output, 4), _reference_y(target, 4)
    want = np.array([_skimage_ssim(o, t) for o, t in zip(oy, ty)])
    assert got.shape == (3,)
    # float32 (tf.image.ssim) against float64: measured gap ~1e-6.
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    # The tolerance is tight enough to see the crop: the uncropped reference differs by more.
    (oy0, _), (ty0, _) = _reference_y(output, 0), _reference_y(target, 0)
    uncropped = np.array([_skimage_ssim(o, t) for o, t in zip(oy0, ty0)])
    assert np.max(np.abs(uncropped - want)) > 1e-4


def test_ssim_rgb_is_the_channel_mean_and_matches_scikit_image():
    output, target = _pair(noise=0.05)
    got = sr_ssim(output, target, 2, test_y_channel=False, data_range=1.0)
    (_, orgb), (_, trgb) = _reference_y(output, 2), _reference_y(target, 2)
    for i in range(3):
        per_channel = [_skimage_ssim(orgb[i, ..., c], trgb[i, ..., c]) for c in range(3)]
        assert got[i] == pytest.approx(np.mean(per_channel), abs=1e-5)
        assert got[i] == pytest.approx(_skimage_ssim(orgb[i], trgb[i], channel_axis=-1), abs=1e-5)
    assert not np.allclose(got, sr_ssim(output, target, 2, data_range=1.0), atol=1e-4)


# ------------------------------------------------------------------- protocol behaviours


def test_crop_border_removes_exactly_that_many_pixels_per_side():
    target = np.round(_unit_images(n=1, size=32)[0] * 255).astype(np.uint8)
    output = target.copy()
    # Corrupt the outer 4-pixel ring only, one pixel on each side at the ring's inner edge.
    output[3, 10:20] = 255 - output[3, 10:20]
    output[-4, 10:20] = 255 - output[-4, 10:20]
    output[10:20, 3] = 255 - output[10:20, 3]
    output[10:20, -4] = 255 - output[10:20, -4]
    assert math.isinf(sr_psnr(output, target, 4)) and sr_ssim(output, target, 4) == pytest.approx(1.0, abs=1e-6)
    # Crop 3 keeps the corrupted pixels; SSIM sees them only through the edge taps of the
    # windows centred 5 pixels inside (weight ~exp(-25 / 4.5)), hence a small but clear drop.
    assert math.isfinite(sr_psnr(output, target, 3)) and sr_ssim(output, target, 3) < 0.9999
    # One side alone is enough to show in crop 3 (no asymmetric crop).
    for row, col in [(3, slice(10, 20)), (-4, slice(10, 20))]:
        one = target.copy()
        one[row, col] = 255 - one[row, col]
        assert math.isfinite(sr_psnr(one, target, 3)) and math.isinf(sr_psnr(one, target, 4))
    for col in [3, -4]:
        one = target.copy()
        one[10:20, col] = 255 - one[10:20, col]
        assert math.isfinite(sr_psnr(one, target, 3)) and math.isinf(sr_psnr(one, target, 4))


def test_outputs_are_rounded_to_uint8_levels_first():
    target = np.round(_unit_images(n=2, size=24) * 255)  # float levels
    for offset in (0.4, -0.4):
        # Off by 0.4 levels (on the 0..255 scale and on [0, 1]) scores as exact.
        assert np.all(np.isinf(sr_psnr(target + offset, target, 2, data_range=255)))
        off_unit = ((target + offset) / 255).astype(np.float32)
        assert np.all(np.isinf(sr_psnr(off_unit, target / 255, 2, data_range=1.0)))
        np.testing.assert_allclose(sr_ssim(off_unit, target / 255, 2, data_range=1.0), 1.0, atol=1e-6)
    # 0.6 levels rounds to the next level: no longer exact.
    assert np.all(np.isfinite(sr_psnr(target + 0.6, target, 2, data_range=255)))
    # Out-of-range values are clamped as tensor2img clamps: 1.3 scores as 1.0, -0.2 as 0.
    ones, zeros = np.ones((16, 16, 3), np.float32), np.zeros((16, 16, 3), np.float32)
    assert math.isinf(sr_psnr(ones * 1.3, ones, 0, data_range=1.0))
    assert math.isinf(sr_psnr(zeros - 0.2, zeros, 0, data_range=1.0))
    # uint8 and the equivalent [0, 1] floats give the same score.
    output, target01 = _pair()
    as_uint8 = [np.round(x * 255).astype(np.uint8) for x in (output, target01)]
    np.testing.assert_allclose(sr_psnr(*as_uint8, 4), sr_psnr(output, target01, 4, data_range=1.0), atol=1e-12)


def test_identical_images_give_inf_psnr_and_ssim_one():
    image = np.round(_unit_images(n=1, size=20)[0] * 255).astype(np.uint8)
    value = sr_psnr(image, image, 4)
    assert isinstance(value, float) and value == float("inf")
    assert sr_psnr(image, image, 0, test_y_channel=False) == float("inf")
    ssim = sr_ssim(image, image, 4)
    assert isinstance(ssim, float) and ssim == pytest.approx(1.0, abs=1e-6)


def test_batch_gives_the_per_image_values():
    output, target = _pair()
    psnr, ssim = sr_psnr(output, target, 3, data_range=1.0), sr_ssim(output, target, 3, data_range=1.0)
    assert psnr.shape == ssim.shape == (3,)
    for i in range(3):
        assert psnr[i] == pytest.approx(sr_psnr(output[i], target[i], 3, data_range=1.0), abs=1e-12)
        assert ssim[i] == pytest.approx(sr_ssim(output[i], target[i], 3, data_range=1.0), abs=1e-6)
    assert np.ptp(psnr) > 0  # the images differ, so per-image values (not one mean) are returned


# ------------------------------------------------------------------------------------ errors


def test_mismatched_shapes_are_reported():
    a, b = np.zeros((16, 16, 3), np.uint8), np.zeros((16, 18, 3), np.uint8)
    for fn in (sr_psnr, sr_ssim):
        with pytest.raises(ValueError, match=r"same shape.*\(16, 16, 3\).*\(16, 18, 3\)"):
            fn(a, b, 0)


@pytest.mark.parametrize("crop", [-1, 2.0, True, "4"])
def test_bad_crop_border_is_reported(crop):
    a = np.zeros((16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match=r"crop_border must be a non-negative integer.*received " + repr(crop)):
        sr_psnr(a, a, crop)


def test_crop_border_too_large_is_reported():
    a = np.zeros((30, 30, 3), np.uint8)
    with pytest.raises(ValueError, match=r"crop_border=15 leaves 0x0 of the 30x30 images; sr_psnr needs at least 1x1"):
        sr_psnr(a, a, 15)
    # SSIM's 11x11 window: crop 10 leaves 10x10.
    with pytest.raises(ValueError, match=r"crop_border=10 leaves 10x10 of the 30x30 images; sr_ssim needs at least 11x11"):
        sr_ssim(a, a, 10)
    assert sr_ssim(a, a, 9) == pytest.approx(1.0, abs=1e-6)  # 12x12 is enough


@pytest.mark.parametrize("shape", [(16, 16, 1), (16, 16, 4), (2, 16, 16, 1)])
def test_wrong_channel_count_is_reported(shape):
    a = np.zeros(shape, np.uint8)
    msg = r"3 \(RGB\) channels.*received shape " + re_shape(shape) + rf" with {shape[-1]} channels"
    for call in (lambda: sr_psnr(a, a, 0), lambda: sr_ssim(a, a, 0), lambda: rgb_to_y(a)):
        with pytest.raises(ValueError, match=msg):
            call()


def re_shape(shape):
    return "\\(" + ", ".join(str(s) for s in shape) + "\\)"


def test_wrong_rank_is_reported():
    with pytest.raises(ValueError, match=r"\[H, W, 3\] or a batch \[N, H, W, 3\]; received shape \(16, 16\)"):
        sr_psnr(np.zeros((16, 16)), np.zeros((16, 16)), 0)


def test_data_range_errors():
    floats = np.zeros((16, 16, 3), np.float32)
    with pytest.raises(ValueError, match=r"float images need data_range=1.0.*received dtype float32 and data_range=None"):
        sr_psnr(floats, floats, 0)
    with pytest.raises(ValueError, match=r"data_range must be 255.*or 1.0.*received 2"):
        sr_psnr(floats, floats, 0, data_range=2)
    with pytest.raises(ValueError, match=r"integer images .* need data_range=255; received dtype uint8 and data_range=1.0"):
        sr_psnr(floats.astype(np.uint8), floats.astype(np.uint8), 0, data_range=1.0)
    with pytest.raises(ValueError, match=r"levels in \[0, 255\]; received values in \[0, 300\]"):
        ints = np.zeros((16, 16, 3), np.int64)
        ints[0, 0, 0] = 300
        sr_psnr(ints, ints, 0)
    with pytest.raises(ValueError, match=r"NaN or infinite"):
        sr_psnr(floats + np.nan, floats, 0, data_range=1.0)


# ----------------------------------------------------------------- feature_distance / sharpness
def test_feature_distance_hand_values():
    """Identity features: a red image against a green one has orthogonal unit channel vectors,
    squared distance 2 at every pixel; the same image, 0; a scaled copy (same directions), 0."""
    red = np.zeros((8, 8, 3), np.uint8); red[..., 0] = 200
    green = np.zeros((8, 8, 3), np.uint8); green[..., 1] = 200
    ident = lambda x: x  # noqa: E731
    assert srm.feature_distance(red, green, ident) == pytest.approx(2.0, abs=1e-8)  # eps 1e-10
    assert srm.feature_distance(red, red, ident) == 0.0
    half = (red // 2).astype(np.uint8)
    assert srm.feature_distance(half, red, ident) == pytest.approx(0.0, abs=1e-9)
    # Two layers add: identity plus the same again gives twice the distance.
    assert srm.feature_distance(red, green, lambda x: [x, x]) == pytest.approx(4.0, abs=1e-8)


def test_feature_distance_against_numpy_loops():
    """A 1x1-conv extractor; the reference normalises and averages pixel by pixel in loops."""
    import keras

    rng = np.random.default_rng(3)
    w = rng.normal(size=(3, 5)).astype(np.float32)
    inp = keras.Input((None, None, 3))
    conv = keras.layers.Conv2D(5, 1, use_bias=False)
    model = keras.Model(inp, [conv(inp), keras.layers.AveragePooling2D(2)(conv(inp))])
    conv.set_weights([w[None, None]])
    a = rng.integers(0, 256, (2, 6, 8, 3)).astype(np.uint8)
    b = rng.integers(0, 256, (2, 6, 8, 3)).astype(np.uint8)
    got = srm.feature_distance(a, b, model, crop_border=1)
    for n in range(2):
        total = 0.0
        xa, xb = a[n, 1:-1, 1:-1] / 255.0, b[n, 1:-1, 1:-1] / 255.0
        fa, fb = xa @ w, xb @ w
        pa = fa.reshape(2, 2, 3, 2, 5).mean(axis=(1, 3))  # 4x6 -> 2x3 average pooling
        pb = fb.reshape(2, 2, 3, 2, 5).mean(axis=(1, 3))
        for x, y in ((fa, fb), (pa, pb)):
            d = []
            for i in range(x.shape[0]):
                for j in range(x.shape[1]):
                    u = x[i, j] / (np.linalg.norm(x[i, j]) + 1e-10)
                    v = y[i, j] / (np.linalg.norm(y[i, j]) + 1e-10)
                    d.append(((u - v) ** 2).sum())
            total += np.mean(d)
        assert got[n] == pytest.approx(total, rel=1e-5)
    with pytest.raises(ValueError, match="extractor must be a callable"):
        srm.feature_distance(a, b, "vgg")


def test_sharpness_ratio_hand_values():
    """Gray steps: Y is affine in the grey level, so a step of half the height has half the
    gradient energy; a flat target gives inf; the same image 1."""
    target = np.full((1, 10, 10, 3), 40, np.uint8); target[:, :, 5:] = 240
    output = np.full((1, 10, 10, 3), 90, np.uint8); output[:, :, 5:] = 190
    np.testing.assert_allclose(srm.sharpness_ratio(output, target), [0.5], rtol=1e-12)
    assert srm.sharpness_ratio(target[0], target[0]) == pytest.approx(1.0)
    flat = np.full((8, 8, 3), 7, np.uint8)
    assert srm.sharpness_ratio(target[0, :8, :8], flat) == np.inf
    # The energy of a diagonal ramp: dx = dy = 10 grey levels, |grad| = sqrt(2) * 10 * 219 / 255.
    ramp = (np.add.outer(np.arange(6), np.arange(6)) * 10).astype(np.uint8)
    ramp = np.repeat(ramp[..., None], 3, -1)
    step = np.zeros((6, 6, 3), np.uint8); step[:, 3:] = 255
    e_step = 219 / 5  # a 219-level Y jump (16 -> 235) in one of the 5 gradient columns
    ratio = srm.sharpness_ratio(ramp, step)
    assert ratio == pytest.approx(np.sqrt(2) * 10 * 219 / 255 / e_step, rel=1e-4)
