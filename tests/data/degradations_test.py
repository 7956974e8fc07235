"""Tests of keras_gans.data.degradations: Real-ESRGAN's second-order degradation model.

The kernels, filters and USM are checked against independent NumPy / SciPy
implementations of the formulas (BasicSR's `bivariate_Gaussian`,
`bivariate_generalized_Gaussian`, `bivariate_plateau`, `circular_lowpass_kernel`,
`filter2D`, `USMSharp`), the sampling against the official ranges and
probabilities, and the pipeline by switching its parts off one at a time.
"""

import dataclasses
import math

import numpy as np
import pytest
import scipy.ndimage
import scipy.special
import tensorflow as tf

from keras_gans.data import degradations as deg
from keras_gans.data import paired

PI = math.pi


# --------------------------------------------------------------------------- #
# Independent references
# --------------------------------------------------------------------------- #


def np_bivariate(family, k, sx, sy, theta, beta=1.0, pad_to=21):
    """BasicSR's kernels from the paper's formulas: Q = v^T Sigma^-1 v, v = (column, row) offsets."""
    ax = np.arange(k) - k // 2
    xx, yy = np.meshgrid(ax, ax)  # xx varies along columns
    v = np.stack([xx, yy], -1).astype(np.float64)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    cov = rot @ np.diag([sx**2, sy**2]) @ rot.T
    q = np.einsum("...i,ij,...j->...", v, np.linalg.inv(cov), v)
    if family == "gaussian":
        ker = np.exp(-0.5 * q)
    elif family == "generalized":
        ker = np.exp(-0.5 * q**beta)
    else:
        ker = 1.0 / (1.0 + q**beta)
    ker /= ker.sum()
    p = (pad_to - k) // 2
    return np.pad(ker, p)


def np_sinc(k, cutoff, pad_to=21):
    ax = np.arange(k) - k // 2
    r = np.hypot(*np.meshgrid(ax, ax))
    with np.errstate(divide="ignore", invalid="ignore"):
        ker = cutoff * scipy.special.j1(cutoff * r) / (2 * np.pi * r)
    ker[k // 2, k // 2] = cutoff**2 / (4 * np.pi)
    ker /= ker.sum()
    return np.pad(ker, (pad_to - k) // 2)


def np_from_params(p, i):
    kind = deg.KINDS[int(p["kind"][i])]
    k = int(p["kernel_size"][i])
    sx, sy, th, beta = (float(p[n][i]) for n in ("sigma_x", "sigma_y", "theta", "beta"))
    if kind == "sinc":
        return np_sinc(k, float(p["cutoff"][i]))
    if kind == "pulse":
        out = np.zeros((21, 21))
        out[10, 10] = 1
        return out
    if kind.endswith("_iso") or kind == "iso":
        sy, th = sx, 0.0  # isotropic: only sigma_x matters
    family = "gaussian" if kind in ("iso", "aniso") else kind.split("_")[0]
    return np_bivariate(family, k, sx, sy, th, beta)


def np_usm(img01, ksize, sigma, weight=0.5, threshold=10):
    """USM with SciPy's Gaussian: 'mirror' is reflect without repeating the edge (PyTorch's 'reflect')."""
    blur = lambda a: scipy.ndimage.gaussian_filter(  # noqa: E731
        a, sigma=(0,) * (a.ndim - 3) + (sigma, sigma, 0), mode="mirror", truncate=(ksize // 2) / sigma)
    residual = img01 - blur(img01)
    mask = (np.abs(residual) * 255 > threshold).astype(np.float64)
    soft = blur(mask)
    sharp = np.clip(img01 + weight * residual, 0, 1)
    return soft * sharp + (1 - soft) * img01


def levels(x):
    """uint8 levels of [-1, 1] values, asserting they are on the 8-bit grid."""
    v = (np.asarray(x, np.float64) + 1) * 127.5
    assert np.abs(v - np.round(v)).max() < 1e-3, "not on the 8-bit grid"
    return np.round(v).astype(np.int64)


def smooth_image(h=64, w=64, c=3, seed=0, batch=2):
    """Smooth random images in [-1, 1] (JPEG at quality 100 barely changes them)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (batch, h // 32 + 2, w // 32 + 2, c))
    x = tf.image.resize(x, (h, w), "bicubic").numpy()
    x = scipy.ndimage.gaussian_filter(x, (0, 1.5, 1.5, 0))
    return np.clip(x * 1.6 - 0.8, -1, 1).astype(np.float32)


def photo_crops(size=64, batch=2):
    img = paired.skimage_photo("astronaut")  # uint8 512 x 512 x 3
    crops = [img[100 + 50 * i : 100 + 50 * i + size, 150 : 150 + size] for i in range(batch)]
    return (np.stack(crops).astype(np.float32) / 127.5 - 1).astype(np.float32)


# Every part off: identity blurs (a Gaussian of sigma 1e-3 is a pulse), no resize factor, no noise, no JPEG.
IDENTITY = deg.REALESRGAN_X4PLUS.replace(
    kernel_list=("iso",), kernel_prob=(1.0,), blur_sigma=(1e-3, 1e-3), sinc_prob=0.0,
    kernel_list2=("iso",), kernel_prob2=(1.0,), blur_sigma2=(1e-3, 1e-3), sinc_prob2=0.0,
    final_sinc_prob=0.0, second_blur_prob=0.0,
    resize_prob=(0, 0, 1), resize_prob2=(0, 0, 1),
    noise_range=(0, 0), poisson_scale_range=(0, 0), noise_range2=(0, 0), poisson_scale_range2=(0, 0),
    jpeg_range=None, jpeg_range2=None,
)


# --------------------------------------------------------------------------- #
# Options
# --------------------------------------------------------------------------- #


def test_official_option_values():
    o = deg.REALESRGAN_X4PLUS
    official = {  # options/train_realesrgan_x4plus.yml (x2plus has the same values)
        "kernel_list": ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso"),
        "kernel_prob": (0.45, 0.25, 0.12, 0.03, 0.12, 0.03), "sinc_prob": 0.1, "blur_sigma": (0.2, 3.0),
        "betag_range": (0.5, 4.0), "betap_range": (1.0, 2.0),
        "kernel_prob2": (0.45, 0.25, 0.12, 0.03, 0.12, 0.03), "sinc_prob2": 0.1, "blur_sigma2": (0.2, 1.5),
        "betag_range2": (0.5, 4.0), "betap_range2": (1.0, 2.0), "final_sinc_prob": 0.8,
        "resize_prob": (0.2, 0.7, 0.1), "resize_range": (0.15, 1.5), "gaussian_noise_prob": 0.5,
        "noise_range": (1.0, 30.0), "poisson_scale_range": (0.05, 3.0), "gray_noise_prob": 0.4,
        "jpeg_range": (30, 95), "second_blur_prob": 0.8, "resize_prob2": (0.3, 0.4, 0.3),
        "resize_range2": (0.3, 1.2), "gaussian_noise_prob2": 0.5, "noise_range2": (1.0, 25.0),
        "poisson_scale_range2": (0.05, 2.5), "gray_noise_prob2": 0.4, "jpeg_range2": (30, 95),
        # hard-coded in RealESRGANDataset / RealESRGANModel
        "kernel_sizes": (7, 9, 11, 13, 15, 17, 19, 21), "rotation_range": (-PI, PI),
        "sinc_cutoff_small": (PI / 3, PI), "sinc_cutoff_large": (PI / 5, PI), "final_sinc_cutoff": (PI / 3, PI),
        "resize_modes": ("area", "bilinear", "bicubic"), "resize_sinc_first_prob": 0.5,
    }
    for name, value in official.items():
        got = getattr(o, name)
        if isinstance(value, tuple) and isinstance(value[0], str):
            assert got == value, name
        else:
            assert got == pytest.approx(value, abs=1e-12), name
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.sinc_prob = 0.5


@pytest.mark.parametrize("change, words", [
    (dict(sinc_prob=1.5), ["sinc_prob", "1.5"]),
    (dict(kernel_list=("iso", "box")), ["kernel_list", "box"]),
    (dict(kernel_prob=(0.5, 0.5)), ["kernel_prob", "6"]),
    (dict(resize_range=(0.5, 0.9)), ["resize_range", "contain 1"]),
    (dict(jpeg_range=(30, 101)), ["jpeg_range", "101"]),
    (dict(resize_modes=("cubic",)), ["resize_modes", "cubic"]),
])
def test_bad_options_are_named(change, words):
    with pytest.raises(ValueError) as err:
        deg.REALESRGAN_X4PLUS.replace(**change)
    for w in words:
        assert w in str(err.value)
    with pytest.raises(TypeError, match="DegradationOptions"):
        deg.degrade(tf.zeros([1, 8, 8, 3]), 0, 4, options="x4plus")


# --------------------------------------------------------------------------- #
# Kernels
# --------------------------------------------------------------------------- #


def test_bivariate_kernels_match_numpy():
    cases = [  # (family, size, sigma_x, sigma_y or None, theta, beta)
        ("gaussian", 21, 2.5, None, 0.0, 1.0), ("gaussian", 7, 0.7, None, 0.0, 1.0),
        ("gaussian", 15, 3.0, 0.6, 0.7, 1.0), ("gaussian", 21, 0.4, 2.9, -2.5, 1.0),
        ("generalized", 13, 1.8, None, 0.0, 0.55), ("generalized", 19, 2.7, 1.1, 1.2, 3.7),
        ("plateau", 11, 1.3, None, 0.0, 1.0), ("plateau", 21, 2.2, 0.9, -0.4, 1.9),
    ]
    fns = {"gaussian": lambda k, sx, sy, th, b: deg.gaussian_kernel(k, sx, sy, th),
           "generalized": deg.generalized_gaussian_kernel, "plateau": deg.plateau_kernel}
    for family, k, sx, sy, th, beta in cases:
        got = fns[family](k, sx, sy, th, beta).numpy()
        want = np_bivariate(family, k, sx, sx if sy is None else sy, 0.0 if sy is None else th, beta)
        assert got.shape == (21, 21)
        np.testing.assert_allclose(got, want, atol=2e-7, rtol=2e-5, err_msg=str((family, k, sx, sy, th, beta)))
        assert got.sum() == pytest.approx(1.0, abs=1e-5)
    # The rotation is not a no-op, and x runs along columns: theta = 0 with sigma_x > sigma_y is wide.
    wide = deg.gaussian_kernel(21, 3.0, 0.5, 0.0).numpy()
    assert wide[10, 14] > 10 * wide[14, 10]
    # Tensor arguments broadcast to a batch of kernels, with per-kernel sizes.
    batch = deg.plateau_kernel(tf.constant([7, 21]), tf.constant([1.0, 2.0]), tf.constant([2.0, 0.5]),
                               tf.constant([0.3, -1.0]), tf.constant([1.5, 1.0])).numpy()
    np.testing.assert_allclose(batch[0], np_bivariate("plateau", 7, 1.0, 2.0, 0.3, 1.5), atol=2e-7, rtol=2e-5)
    np.testing.assert_allclose(batch[1], np_bivariate("plateau", 21, 2.0, 0.5, -1.0, 1.0), atol=2e-7, rtol=2e-5)
    with pytest.raises(ValueError, match="odd"):
        deg.gaussian_kernel(8, 1.0)


def test_circular_lowpass_matches_scipy_bessel_and_pulse():
    for k, w in ((7, PI / 3), (11, 2.5), (13, PI / 5), (21, 1.1), (21, PI)):
        got = deg.circular_lowpass_kernel(k, w).numpy()
        np.testing.assert_allclose(got, np_sinc(k, w), atol=1e-6, rtol=1e-4, err_msg=str((k, w)))
        assert got.shape == (21, 21) and got.sum() == pytest.approx(1.0, abs=1e-5)
        assert np.all(got[: (21 - k) // 2] == 0)  # zero padding outside the k x k window
    assert np.min(deg.circular_lowpass_kernel(21, 1.1).numpy()) < 0  # sinc ringing: negative lobes
    pulse = deg.pulse_kernel().numpy()
    assert pulse[10, 10] == 1 and pulse.sum() == 1


def test_kernel_sampling_follows_the_official_ranges_and_probabilities():
    n = 6000
    p = {k: v.numpy() for k, v in deg.sample_kernel_params(tf.constant([3, 4]), stage=1, shape=[n]).items()}
    sizes, kind = p["kernel_size"], p["kind"]
    assert set(sizes) == set(range(7, 22, 2))
    assert np.abs(np.bincount(sizes)[7::2] / n - 1 / 8).max() < 0.03
    sinc = kind == deg.SINC
    assert abs(sinc.mean() - 0.1) < 0.02
    # sinc cutoffs: [pi/3, pi] below size 13, [pi/5, pi] from 13 (and some below pi/3 there)
    small, large = sinc & (sizes < 13), sinc & (sizes >= 13)
    assert p["cutoff"][small].min() >= PI / 3 - 1e-6 and p["cutoff"][small].max() <= PI + 1e-6
    assert p["cutoff"][large].min() >= PI / 5 - 1e-6 and (p["cutoff"][large] < PI / 3).any()
    freq = np.bincount(kind[~sinc], minlength=6)[:6] / (~sinc).sum()
    np.testing.assert_allclose(freq, [0.45, 0.25, 0.12, 0.03, 0.12, 0.03], atol=0.025)
    sx, sy, th, beta = p["sigma_x"], p["sigma_y"], p["theta"], p["beta"]
    assert sx.min() >= 0.2 and sx.max() <= 3.0 and sy.min() >= 0.2 and sy.max() <= 3.0
    iso = np.isin(kind, [0, 2, 4])
    assert np.all(sy[iso] == sx[iso]) and np.all(th[iso] == 0)
    aniso = np.isin(kind, [1, 3, 5])
    assert th[aniso].min() < -2.5 and th[aniso].max() > 2.5 and np.all(np.abs(th) <= PI)
    assert np.all(beta[kind < 2] == 1)
    g = np.isin(kind, [2, 3])
    assert beta[g].min() >= 0.5 and beta[g].max() <= 4 and abs((beta[g] < 1).mean() - 0.5) < 0.1
    pl = np.isin(kind, [4, 5])
    assert beta[pl].min() >= 1 and beta[pl].max() <= 2 and abs((beta[pl] == 1).mean() - 0.5) < 0.1
    # Stage 2: its own sigma range.
    p2 = deg.sample_kernel_params(5, stage=2, shape=[2000])
    assert p2["sigma_x"].numpy().max() <= 1.5 and p2["sigma_x"].numpy().max() > 1.4
    # Final: sinc with probability 0.8 (cutoff in [pi/3, pi]), else the pulse.
    pf = {k: v.numpy() for k, v in deg.sample_kernel_params(6, stage="final", shape=[3000]).items()}
    assert set(pf["kind"]) == {deg.SINC, deg.PULSE} and abs((pf["kind"] == deg.SINC).mean() - 0.8) < 0.03
    assert pf["cutoff"].min() >= PI / 3 - 1e-6
    # The kernels are those of the drawn parameters.
    kernels = deg.kernels_from_params(p).numpy()
    assert kernels.shape == (n, 21, 21)
    np.testing.assert_allclose(kernels.sum(axis=(1, 2)), 1.0, atol=1e-5)
    picks = [int(np.flatnonzero(kind == t)[0]) for t in range(7)]
    for i in picks:
        np.testing.assert_allclose(kernels[i], np_from_params(p, i), atol=1e-6, rtol=1e-4, err_msg=str(i))
        half, pad = sizes[i] // 2, (21 - sizes[i]) // 2
        outside = np.ones((21, 21), bool)
        outside[10 - half : 11 + half, 10 - half : 11 + half] = False
        assert np.all(kernels[i][outside] == 0), pad
    final = deg.kernels_from_params(pf).numpy()
    j = int(np.flatnonzero(pf["kind"] == deg.PULSE)[0])
    np.testing.assert_array_equal(final[j], np_from_params(pf, j))


def test_random_kernel_is_seeded_and_chooses_by_kernel_prob():
    a = deg.random_kernel(tf.constant([1, 2]), shape=[4]).numpy()
    np.testing.assert_array_equal(a, deg.random_kernel(tf.constant([1, 2]), shape=[4]).numpy())
    assert not np.allclose(a, deg.random_kernel(tf.constant([1, 3]), shape=[4]).numpy())
    assert deg.random_kernel(0).shape == (21, 21)
    only = deg.REALESRGAN_X4PLUS.replace(kernel_list=("plateau_aniso", "aniso"), kernel_prob=(0.0, 1.0),
                                         sinc_prob=0.0)
    kinds = deg.sample_kernel_params(0, only, 1, [200])["kind"].numpy()
    assert set(kinds) == {deg.KINDS.index("aniso")}
    kinds = deg.sample_kernel_params(0, only.replace(kernel_prob=(1, 0)), 1, [200])["kind"].numpy()
    assert set(kinds) == {deg.KINDS.index("plateau_aniso")}


def test_filter2d_matches_scipy_correlate_with_reflect_borders():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (2, 30, 26, 3)).astype(np.float32)
    kernels = deg.random_kernel(tf.constant([0, 7]), deg.REALESRGAN_X4PLUS.replace(
        kernel_list=("aniso",), kernel_prob=(1,)), shape=[2]).numpy()
    kernels[1] = np.roll(kernels[1], 3, axis=1)  # not point-symmetric: correlation, not convolution
    got = deg.filter2d(x, kernels).numpy()
    for b in range(2):
        want = scipy.ndimage.correlate(x[b], kernels[b][:, :, None], mode="mirror")
        np.testing.assert_allclose(got[b], want, atol=1e-5)
    # Pads larger than the image (PyTorch would refuse): reflection repeats.
    tiny = rng.uniform(0, 1, (1, 5, 4, 1)).astype(np.float32)
    want = scipy.ndimage.correlate(tiny[0], kernels[0][:, :, None], mode="mirror")
    np.testing.assert_allclose(deg.filter2d(tiny, kernels[:1]).numpy()[0], want, atol=1e-5)


# --------------------------------------------------------------------------- #
# USM
# --------------------------------------------------------------------------- #


def test_usm_sharp_matches_scipy():
    x = photo_crops(48, batch=2)[:, :40]
    got = deg.usm_sharp(x).numpy()
    want = np_usm((x.astype(np.float64) + 1) / 2, 51, 8.0) * 2 - 1  # cv2: sigma 0 -> 0.3 * (25 - 1) + 0.8 = 8
    np.testing.assert_allclose(got, want, atol=2e-5)
    assert np.abs(got - x).max() > 0.05  # it does sharpen
    # Other settings; one image [H, W, C]; even radius + 1 as BasicSR.
    got = deg.usm_sharp(x[0], radius=10, sigma=0, weight=1.0, threshold=4).numpy()
    want = np_usm((x[0].astype(np.float64) + 1) / 2, 11, 2.0, 1.0, 4) * 2 - 1  # sigma 0.3 * 4 + 0.8 = 2
    np.testing.assert_allclose(got, want, atol=2e-5)
    got = deg.usm_sharp(x[:1], radius=9, sigma=1.5).numpy()
    np.testing.assert_allclose(got[0], np_usm((x[0].astype(np.float64) + 1) / 2, 9, 1.5) * 2 - 1, atol=2e-5)
    flat = np.full((1, 30, 30, 3), 0.2, np.float32)
    np.testing.assert_allclose(deg.usm_sharp(flat).numpy(), flat, atol=1e-6)


# --------------------------------------------------------------------------- #
# degrade
# --------------------------------------------------------------------------- #


def test_degrade_shapes_grid_range_and_seeds():
    x = photo_crops(64, batch=2)
    y = deg.degrade(x, tf.constant([0, 1]), scale=4)
    assert y.shape == (2, 16, 16, 3) and y.dtype == tf.float32
    v = levels(y)
    assert v.min() >= 0 and v.max() <= 255
    np.testing.assert_array_equal(y.numpy(), deg.degrade(x, tf.constant([0, 1]), scale=4).numpy())
    assert not np.array_equal(y.numpy(), deg.degrade(x, tf.constant([0, 2]), scale=4).numpy())
    # Degraded, not merely downscaled.
    plain = np.round(tf.image.resize((x + 1) / 2, (16, 16), "area").numpy() * 255)
    assert np.abs(v - plain).mean() > 1
    y2 = deg.degrade(x, 7, scale=2)
    assert y2.shape == (2, 32, 32, 3)
    gray = deg.degrade(x[..., :1], 3, scale=4)
    assert gray.shape == (2, 16, 16, 1)
    levels(gray)


def test_degrade_in_tf_function_with_dynamic_shapes():
    x = photo_crops(64, batch=2)
    f = tf.function(deg.degrade, input_signature=[tf.TensorSpec([None, None, None, 3]), tf.TensorSpec([2], tf.int64)])
    seeds = [tf.constant([0, s], tf.int64) for s in (11, 12)]
    for s in seeds:
        got = f(x, s).numpy()
        eager = deg.degrade(x, s).numpy()
        assert got.shape == (2, 16, 16, 3)
        levels(got)
        # Equal up to float rounding (Grappler reorders some arithmetic): at most 1 level, rarely.
        diff = np.abs(levels(got) - levels(eager))
        assert diff.max() <= 1 and (diff > 0).mean() < 0.01
    np.testing.assert_array_equal(f(x, seeds[0]).numpy(), f(x, seeds[0]).numpy())
    with pytest.raises(tf.errors.InvalidArgumentError, match="multiples of scale 4"):
        f(x[:, :62], seeds[0])


def test_degradation_pairs_in_dataset_map():
    x = photo_crops(64, batch=3)
    ds = tf.data.Dataset.from_tensor_slices({"high": x, "id": tf.range(3)})
    out = deg.degradation_pairs(ds, scale=4, seed=5)
    first = [{k: v.numpy() for k, v in e.items()} for e in out]
    second_pass = [e["low"].numpy() for e in out]
    again = [{k: v.numpy() for k, v in e.items()} for e in deg.degradation_pairs(ds, scale=4, seed=5)]
    assert [e["id"] for e in first] == [0, 1, 2]
    for i, (e, f) in enumerate(zip(first, again)):
        assert e["low"].shape == (16, 16, 3) and e["high"].shape == (64, 64, 3)
        levels(e["low"])
        np.testing.assert_array_equal(e["high"], x[i])
        np.testing.assert_allclose(e["high_sharp"], deg.usm_sharp(x[i]).numpy(), atol=1e-6)
        np.testing.assert_array_equal(e["low"], f["low"])  # same seed, same pairs
    assert not np.array_equal(second_pass[0], first[0]["low"])  # fresh degradations every pass
    # Batched elements.
    batched = next(iter(deg.degradation_pairs(tf.data.Dataset.from_tensors({"high": x[:2]}), 4, 0)))
    assert batched["low"].shape == (2, 16, 16, 3) and batched["high_sharp"].shape == (2, 64, 64, 3)


@pytest.mark.parametrize("mode", ["area", "bilinear", "bicubic"])
def test_with_everything_off_degrade_is_the_plain_resize(mode):
    x = smooth_image(64, 48)
    x01 = (x + 1) / 2
    opts = IDENTITY.replace(resize_modes=(mode,))
    resize = lambda a: tf.image.resize(a, (16, 12), mode, antialias=False)  # noqa: E731
    want = levels(tf.round(tf.clip_by_value(resize(x01), 0, 1) * 255) / 127.5 - 1)
    for seed in (0, 1, 2):  # Gaussian or Poisson noise with zero amplitude, either order of the last step
        np.testing.assert_array_equal(levels(deg.degrade(x, seed, 4, opts)), want)
    # JPEG at quality 100 (not lossless: 4:2:0 chroma, integer DCT): the same resizes composed with libjpeg.
    q100 = opts.replace(jpeg_range=(100, 100), jpeg_range2=(100, 100))
    u8 = lambda a: tf.cast(tf.round(tf.clip_by_value(a, 0, 1) * 255), tf.uint8)  # noqa: E731

    def jpeg(a):  # times 1 / 255 as degrade does: area / bilinear means of 8-bit levels often end in .5 exactly
        one = lambda i: tf.io.decode_jpeg(  # noqa: E731
            tf.raw_ops.EncodeJpegVariableQuality(images=i, quality=100), dct_method="INTEGER_ACCURATE")
        return tf.cast(tf.map_fn(one, u8(a)), tf.float32) * (1.0 / 255)

    want100 = levels(tf.round(jpeg(tf.clip_by_value(resize(jpeg(x01)), 0, 1)) * 255) / 127.5 - 1)
    np.testing.assert_array_equal(levels(deg.degrade(x, 0, 4, q100)), want100)
    # On gray content (no chroma loss) the accurate IDCT keeps quality-100 JPEG within a level per pass.
    g = np.repeat(x[..., :1], 3, axis=-1)
    plain = levels(tf.round(tf.clip_by_value(resize((g + 1) / 2), 0, 1) * 255) / 127.5 - 1)
    assert np.abs(levels(deg.degrade(g, 0, 4, q100)) - plain).max() <= 2


def test_gaussian_noise_sigma_and_gray_noise():
    x = np.zeros((2, 64, 64, 3), np.float32)  # mid-gray 0.5 in [0, 1]: no clipping
    opts = IDENTITY.replace(gaussian_noise_prob=1.0, noise_range=(20, 20), gray_noise_prob=0.0)
    y = levels(deg.degrade(x, 0, 1, opts)) - 127.5
    assert abs(y.std() - 20) < 1.0  # sigma 20 on 0..255
    assert np.corrcoef(y[..., 0].ravel(), y[..., 1].ravel())[0, 1] < 0.1
    g = levels(deg.degrade(x, 0, 1, opts.replace(gray_noise_prob=1.0))) - 127.5
    assert abs(g.std() - 20) < 1.0
    np.testing.assert_array_equal(g[..., 0], g[..., 1])
    assert not np.array_equal(g[0], g[1])  # an independent gray pattern per image
    # sigma drawn per image from the range
    r = levels(deg.degrade(x, 4, 1, opts.replace(noise_range=(1, 30)))) - 127.5
    assert abs(r[0].std() - r[1].std()) > 0.5


def test_poisson_noise_scales_with_distinct_levels():
    # Two gray ramps: one with all 256 levels (vals 256), one with 100 levels (vals 128): twice the variance.
    ramp256 = np.tile(np.arange(256), (64, 1))  # 64 x 256, all 256 levels
    ramp100 = np.round(ramp256 * 99 / 255) * 2 + 28  # 100 levels, values 28..226
    x = np.stack([ramp256, ramp100])[..., None].repeat(3, -1).astype(np.float32) / 127.5 - 1
    opts = IDENTITY.replace(gaussian_noise_prob=0.0, poisson_scale_range=(1.0, 1.0), gray_noise_prob=0.0)
    y = levels(deg.degrade(x, 0, 1, opts)) - levels(x)
    mid = (levels(x) > 90) & (levels(x) < 170)
    img01 = levels(x) / 255
    for b, vals in ((0, 256), (1, 128)):
        m = mid[b]
        expected = np.mean(img01[b][m] / vals) * 255**2  # Var(Poisson(v x) / v) = x / v, on 0..255
        assert abs(np.var(y[b][m]) / expected - 1) < 0.1, (b, np.var(y[b][m]), expected)
    # Gray Poisson noise: the same on every channel of a gray image; scale multiplies it.
    g = levels(deg.degrade(x, 0, 1, opts.replace(gray_noise_prob=1.0, poisson_scale_range=(2.0, 2.0))))
    np.testing.assert_array_equal(g[..., 0], g[..., 2])
    d = g - levels(x)
    m = mid[0]
    assert abs(np.var(d[0][m]) / (4 * np.mean(img01[0][m] / 256) * 255**2) - 1) < 0.15


def test_bad_inputs_say_what_was_received_and_expected():
    with pytest.raises(ValueError, match=r"\[B, H, W, C\].*rank 3"):
        deg.degrade(tf.zeros([64, 64, 3]), 0)
    with pytest.raises(TypeError, match="float.*uint8"):
        deg.degrade(tf.zeros([1, 64, 64, 3], tf.uint8), 0)
    with pytest.raises(ValueError, match="height 66 is not a multiple of scale 4"):
        deg.degrade(tf.zeros([1, 66, 64, 3]), 0, scale=4)
    with pytest.raises(ValueError, match="width 30 is not a multiple of scale 4"):
        deg.degrade(tf.zeros([1, 64, 30, 3]), 0, scale=4)
    with pytest.raises(ValueError, match="1 or 3 channels.*4"):
        deg.degrade(tf.zeros([1, 64, 64, 4]), 0)
    with pytest.raises(ValueError, match="scale must be a positive int.*0"):
        deg.degrade(tf.zeros([1, 64, 64, 3]), 0, scale=0)
    with pytest.raises(ValueError, match=r"seed.*shape \[2\].*\(3,\)"):
        deg.degrade(tf.zeros([1, 64, 64, 3]), tf.constant([1, 2, 3]))
    with pytest.raises(ValueError, match="rank 2"):
        deg.usm_sharp(tf.zeros([64, 64]))
    with pytest.raises(TypeError, match="int32"):
        deg.usm_sharp(tf.zeros([1, 64, 64, 3], tf.int32))
    with pytest.raises(ValueError, match="'high'"):
        deg.degradation_pairs(tf.data.Dataset.from_tensors({"hr": tf.zeros([8, 8, 3])}))
