"""Real-ESRGAN's second-order degradation model, in TensorFlow.

Wang et al. 2021, "Real-ESRGAN: Training Real-World Blind Super-Resolution with
Pure Synthetic Data": low-resolution training images are synthesised from
high-resolution patches by two rounds of blur -> resize -> noise -> JPEG, then a
final resize to the target size with a 2-D sinc filter, in one of two orders.
This module reimplements, from the authors' code (Real-ESRGAN's
`RealESRGANDataset` / `RealESRGANModel.feed_data` and BasicSR's degradation
helpers), everything needed to run that model inside `tf.data` or a traced
train step: stateless random ops only, every draw from an explicit seed.

**Value range.** As everywhere in `keras_gans.data` (see
`keras_gans.data.super_resolution`), images are float in [-1, 1], `[B, H, W, C]`
(`C` = 3, or 1 for gray). Internally the pipeline works in [0, 1] as the
official code does (`x01 = (x + 1) / 2`), so every constant keeps its official
meaning (noise sigmas and the USM threshold are on the 0..255 scale); the
results are mapped back to [-1, 1]. `degrade` returns values on the 8-bit grid:
`(y + 1) * 127.5` is an integer 0..255 (the official code rounds to 1/255 steps
of [0, 1]).

**Pipeline** (`degrade`, the order of `RealESRGANModel.feed_data`):

1. blur with `kernel1` (per image: a random size 7..21 odd, a sinc kernel with
   `sinc_prob`, else one of six Gaussian-like kernels by `kernel_prob`);
2. resize by a random factor: up / down / keep by `resize_prob`, up in
   `[1, resize_range[1]]`, down in `[resize_range[0], 1]`, one of `area`,
   `bilinear`, `bicubic`;
3. Gaussian noise with `gaussian_noise_prob` (sigma in `noise_range` on 0..255),
   else Poisson noise (`poisson_scale_range`); gray noise per image with
   `gray_noise_prob`; clip to [0, 1];
4. JPEG with a quality per image in `jpeg_range`;
5. blur with `kernel2` with `second_blur_prob`;
6. resize to `(H / scale * s, W / scale * s)`, `s` drawn from
   `resize_prob2` / `resize_range2`;
7. noise as 3 with the `*2` options;
8. with probability 1/2 `[resize to (H // scale, W // scale) + sinc filter]`
   then JPEG (`jpeg_range2`), else JPEG then `[resize + sinc filter]`; the
   final "sinc" is a random circular low-pass kernel with `final_sinc_prob`,
   else a pulse (no filtering);
9. clamp to [0, 1] and round to the 8-bit grid.

As in the official code, the up/down/keep choice, the resize factor and mode,
Gaussian-versus-Poisson, whether the second blur happens and the order of
step 8 are drawn **once per batch** (a batch must keep one shape); kernels,
noise sigmas / scales, gray-or-colour noise and JPEG qualities are drawn **per
image**. Call `degrade` on batches of 1 (as `degradation_pairs` does on
unbatched datasets) to make every choice per image.

**Where this differs from the official PyTorch code** (all deliberate):

* Resizing is `tf.image.resize(..., antialias=False)` (PyTorch's
  `F.interpolate` does not antialias either). TF's `"bicubic"` is Keys' cubic
  with a = -0.5 and taps outside the image dropped and renormalised, PyTorch's
  uses a = -0.75 and clamps indices to the border; TF's `"area"` weights
  fractional pixel overlaps, PyTorch's is `adaptive_avg_pool2d`: the plain
  mean of the input pixels an integer-bounded bin touches (they differ when the
  factor is not an integer, and when upscaling, where PyTorch's copies or
  averages whole pixels). For the first resize PyTorch maps
  coordinates with the requested factor, TF with the size ratio
  `floor(H * s) / H` (less than a pixel apart). The output sizes are the
  official ones: `floor(H * s)`, `floor(H / scale * s)`, `H // scale` (at
  least 1).
* JPEG is libjpeg, per image in `tf.map_fn`: the encoder of
  `tf.image.adjust_jpeg_quality` (baseline, 4:2:0 chroma) with the accurate
  integer IDCT to decode (`adjust_jpeg_quality` itself decodes with the fast
  IDCT, which adds errors of up to 12 levels even at quality 100), on the image
  rounded to uint8, with an integer quality drawn uniformly from `jpeg_range`
  inclusive. The official code uses BasicSR's
  `DiffJPEG` (with `differentiable=False`): a batched PyTorch re-implementation
  of baseline JPEG (YCbCr, 4:2:0 chroma averaging, 8x8 DCT, the standard
  tables scaled by a real-valued quality, zero padding to multiples of 16) on
  unrounded floats, whose output is not rounded to 8 bits. Its artefacts are
  close to, not bit-equal to, a real encoder's. Neither is differentiable here
  (`degrade` makes data; no gradient flows through it), and the JPEG ops cannot
  run under `jit_compile=True` (XLA).
* Gray Gaussian noise: an independent gray pattern per image (BasicSR draws one
  `[H, W]` pattern for the whole batch, scaled by each image's sigma).
* Blurs use reflect padding like BasicSR's `filter2D`, generalised to pads
  larger than the image (PyTorch refuses those), so small images do not fail.
* JPEG can be skipped with `jpeg_range=None` / `jpeg_range2=None` (not an
  official setting: the official pipeline always compresses), which with the
  other probabilities at 0 reduces the pipeline to its resizes (see the tests).

Not here (model-side): the official crop-or-pad of every ground truth to
400 x 400 before degrading, the paired random crop to `gt_size` after it, and
the training-pair pool (`queue_size` 180) that mixes degradations across
batches.

**Options.** `DegradationOptions` holds every value of Real-ESRGAN's
`options/train_realesrgan_x4plus.yml` under the yml's names, plus the values the
official code hard-codes (kernel sizes 7..21, rotation range, sinc cutoff
ranges, the resize modes, the 1/2 for the final order). `REALESRGAN_X4PLUS` is
the official setting; `train_realesrgan_x2plus.yml` (and the Real-ESRNet ymls)
use the same degradation values, only the scale (an argument here) differs.
Change values with `REALESRGAN_X4PLUS.replace(noise_range=(1, 10), ...)`.

**USM.** Real-ESRGAN degrades the *sharpened* ground truth (`feed_data` blurs
`self.gt_usm`) and uses it as the target of the L1 and perceptual losses (the
GAN loss sees the plain one). `usm_sharp` is BasicSR's `USMSharp`;
`degradation_pairs` returns both and by default degrades the sharpened image.

Example:

```python
from keras_gans.data import degradations as deg

low = deg.degrade(high, seed=tf.constant([0, step]), scale=4)   # high: [B, 256, 256, 3] in [-1, 1]
ds = deg.degradation_pairs(hr_patches_ds, scale=4, seed=0)      # {"low", "high", "high_sharp"}
```
"""

import dataclasses
import math
import numbers
from collections.abc import Mapping

import numpy as np
import tensorflow as tf

__all__ = [
    "DegradationOptions",
    "KERNEL_SIZES",
    "KERNEL_TYPES",
    "KINDS",
    "PAD_TO",
    "REALESRGAN_X4PLUS",
    "RESIZE_MODES",
    "circular_lowpass_kernel",
    "degradation_pairs",
    "degrade",
    "filter2d",
    "gaussian_kernel",
    "generalized_gaussian_kernel",
    "kernels_from_params",
    "plateau_kernel",
    "pulse_kernel",
    "random_kernel",
    "sample_kernel_params",
    "usm_sharp",
]

KERNEL_TYPES = ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso")
KINDS = KERNEL_TYPES + ("sinc", "pulse")  # the `kind` codes of `sample_kernel_params`
SINC, PULSE = 6, 7
KERNEL_SIZES = (7, 9, 11, 13, 15, 17, 19, 21)
PAD_TO = 21  # every kernel is padded to 21 x 21, as the official dataset does
RESIZE_MODES = ("area", "bilinear", "bicubic")
_TF_RESIZE_METHODS = ("area", "bilinear", "bicubic", "nearest", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")
_FAMILY_OF_KIND = (0, 0, 0, 0, 1, 1, 2, 3)  # 0 (generalised) Gaussian, 1 plateau, 2 sinc, 3 pulse
# Multiplying by this rather than dividing by a constant: under tf.function, Grappler rewrites `x / c` as
# `x * (1 / c)`, and the one-ulp difference from eager mode can flip a rounding (and a Poisson draw).
_INV255 = 1.0 / 255.0


# --------------------------------------------------------------------------- #
# Options
# --------------------------------------------------------------------------- #


@dataclasses.dataclass(frozen=True)
class DegradationOptions:
    """Every setting of the second-order degradation (defaults: the official x4plus values).

    Names follow Real-ESRGAN's yml; fields without a suffix are the first
    degradation (and its kernel), `*2` the second. Kernel settings:
    `kernel_list` / `kernel_prob` (the types and their weights), `sinc_prob`,
    `blur_sigma` (both sigmas' range), `betag_range` (generalised Gaussian
    shape), `betap_range` (plateau shape); `final_sinc_prob` for the last
    filter. Model settings: `resize_prob` (up, down, keep), `resize_range`,
    `gaussian_noise_prob` (else Poisson), `noise_range` (Gaussian sigma on
    0..255), `poisson_scale_range`, `gray_noise_prob`, `jpeg_range` (None: no
    JPEG, not official), `second_blur_prob`. Values the official code
    hard-codes: `kernel_sizes`, `rotation_range`, `sinc_cutoff_small` (kernel
    size < 13), `sinc_cutoff_large` (>= 13), `final_sinc_cutoff`,
    `resize_modes` (drawn uniformly for every resize) and
    `resize_sinc_first_prob` (the order of the last step).
    """

    kernel_list: tuple = KERNEL_TYPES
    kernel_prob: tuple = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
    sinc_prob: float = 0.1
    blur_sigma: tuple = (0.2, 3.0)
    betag_range: tuple = (0.5, 4.0)
    betap_range: tuple = (1.0, 2.0)

    kernel_list2: tuple = KERNEL_TYPES
    kernel_prob2: tuple = (0.45, 0.25, 0.12, 0.03, 0.12, 0.03)
    sinc_prob2: float = 0.1
    blur_sigma2: tuple = (0.2, 1.5)
    betag_range2: tuple = (0.5, 4.0)
    betap_range2: tuple = (1.0, 2.0)

    final_sinc_prob: float = 0.8

    resize_prob: tuple = (0.2, 0.7, 0.1)
    resize_range: tuple = (0.15, 1.5)
    gaussian_noise_prob: float = 0.5
    noise_range: tuple = (1.0, 30.0)
    poisson_scale_range: tuple = (0.05, 3.0)
    gray_noise_prob: float = 0.4
    jpeg_range: tuple = (30, 95)

    second_blur_prob: float = 0.8
    resize_prob2: tuple = (0.3, 0.4, 0.3)
    resize_range2: tuple = (0.3, 1.2)
    gaussian_noise_prob2: float = 0.5
    noise_range2: tuple = (1.0, 25.0)
    poisson_scale_range2: tuple = (0.05, 2.5)
    gray_noise_prob2: float = 0.4
    jpeg_range2: tuple = (30, 95)

    kernel_sizes: tuple = KERNEL_SIZES
    rotation_range: tuple = (-math.pi, math.pi)
    sinc_cutoff_small: tuple = (math.pi / 3, math.pi)
    sinc_cutoff_large: tuple = (math.pi / 5, math.pi)
    final_sinc_cutoff: tuple = (math.pi / 3, math.pi)
    resize_modes: tuple = RESIZE_MODES
    resize_sinc_first_prob: float = 0.5

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        for name in ("sinc_prob", "sinc_prob2", "final_sinc_prob", "gaussian_noise_prob", "gray_noise_prob",
                     "second_blur_prob", "gaussian_noise_prob2", "gray_noise_prob2", "resize_sinc_first_prob"):
            set_(name, _probability(name, getattr(self, name)))
        for suffix in ("", "2"):
            types = _string_tuple(f"kernel_list{suffix}", getattr(self, f"kernel_list{suffix}"))
            bad = [t for t in types if t not in KERNEL_TYPES]
            if bad or not types:
                raise ValueError(f"kernel_list{suffix} must be a non-empty list of {KERNEL_TYPES}; got {types!r}.")
            set_(f"kernel_list{suffix}", types)
            set_(f"kernel_prob{suffix}", _weights(f"kernel_prob{suffix}", getattr(self, f"kernel_prob{suffix}"),
                                                  len(types)))
            set_(f"blur_sigma{suffix}", _range(f"blur_sigma{suffix}", getattr(self, f"blur_sigma{suffix}"), 0, True))
            for beta in ("betag_range", "betap_range"):
                r = _range(beta + suffix, getattr(self, beta + suffix), 0, True)
                if not r[0] <= 1 <= r[1]:
                    raise ValueError(
                        f"{beta}{suffix} must contain 1 (the shape is drawn from [lo, 1] or [1, hi] with "
                        f"probability 1/2 each, as BasicSR does); got {r!r}."
                    )
                set_(beta + suffix, r)
            set_(f"resize_prob{suffix}", _weights(f"resize_prob{suffix}", getattr(self, f"resize_prob{suffix}"), 3))
            r = _range(f"resize_range{suffix}", getattr(self, f"resize_range{suffix}"), 0, True)
            if not r[0] <= 1 <= r[1]:
                raise ValueError(f"resize_range{suffix} must contain 1 (down from lo, up to hi); got {r!r}.")
            set_(f"resize_range{suffix}", r)
            set_(f"noise_range{suffix}", _range(f"noise_range{suffix}", getattr(self, f"noise_range{suffix}"), 0))
            set_(f"poisson_scale_range{suffix}",
                 _range(f"poisson_scale_range{suffix}", getattr(self, f"poisson_scale_range{suffix}"), 0))
            jpeg = getattr(self, f"jpeg_range{suffix}")
            if jpeg is not None:
                if not (isinstance(jpeg, (tuple, list)) and len(jpeg) == 2 and all(_is_int(q) for q in jpeg)
                        and 0 <= jpeg[0] <= jpeg[1] <= 100):
                    raise ValueError(
                        f"jpeg_range{suffix} must be (lo, hi) integer JPEG qualities with 0 <= lo <= hi <= 100, "
                        f"or None for no JPEG; got {jpeg!r}."
                    )
                set_(f"jpeg_range{suffix}", (int(jpeg[0]), int(jpeg[1])))
        sizes = getattr(self, "kernel_sizes")
        if not (isinstance(sizes, (tuple, list)) and sizes
                and all(_is_int(k) and k % 2 == 1 and 1 <= k <= PAD_TO for k in sizes)):
            raise ValueError(f"kernel_sizes must be odd ints in 1..{PAD_TO}; got {sizes!r}.")
        set_("kernel_sizes", tuple(int(k) for k in sizes))
        set_("rotation_range", _range("rotation_range", self.rotation_range, None))
        for name in ("sinc_cutoff_small", "sinc_cutoff_large", "final_sinc_cutoff"):
            set_(name, _range(name, getattr(self, name), 0, True))
        modes = _string_tuple("resize_modes", self.resize_modes)
        if not modes or any(m not in _TF_RESIZE_METHODS for m in modes):
            raise ValueError(f"resize_modes must be a non-empty list of tf.image.resize methods "
                             f"{_TF_RESIZE_METHODS}; got {modes!r}.")
        set_("resize_modes", modes)

    def replace(self, **changes):
        """A copy with some fields changed (`dataclasses.replace`)."""
        return dataclasses.replace(self, **changes)


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def _is_real(x):
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _probability(name, p):
    if not (_is_real(p) and 0 <= p <= 1):
        raise ValueError(f"{name} must be a probability in [0, 1]; got {p!r}.")
    return float(p)


def _string_tuple(name, value):
    if isinstance(value, str) or not isinstance(value, (tuple, list)):
        raise ValueError(f"{name} must be a list or tuple of names; got {value!r}.")
    return tuple(value)


def _weights(name, value, n):
    if not (isinstance(value, (tuple, list)) and len(value) == n and all(_is_real(v) and v >= 0 for v in value)
            and sum(value) > 0):
        raise ValueError(f"{name} must be {n} non-negative weights with a positive sum; got {value!r}.")
    return tuple(float(v) for v in value)


def _range(name, value, low, positive=False):
    if not (isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_real(v) for v in value)
            and value[0] <= value[1] and (low is None or value[0] >= low) and (not positive or value[0] > 0)):
        bound = "" if low is None else (" with lo > 0" if positive else f" with lo >= {low}")
        raise ValueError(f"{name} must be a (lo, hi) pair of numbers, lo <= hi{bound}; got {value!r}.")
    return (float(value[0]), float(value[1]))


REALESRGAN_X4PLUS = DegradationOptions()


def _options(options):
    if isinstance(options, DegradationOptions):
        return options
    if isinstance(options, Mapping):
        return DegradationOptions(**options)  # unspecified fields keep the official values
    raise TypeError(
        f"options must be a DegradationOptions (e.g. REALESRGAN_X4PLUS.replace(...)) or a dict of its "
        f"fields; got {type(options).__name__}."
    )


# --------------------------------------------------------------------------- #
# Seeds and draws
# --------------------------------------------------------------------------- #


def _seed(seed):
    """An int64 `[2]` seed for the `tf.random.stateless_*` ops, from an int or a `[2]` int tensor."""
    if _is_int(seed):
        return tf.constant([0, int(seed)], tf.int64)
    seed = tf.convert_to_tensor(seed)
    if not seed.dtype.is_integer or seed.shape.rank != 1 or seed.shape[0] not in (None, 2):
        raise ValueError(
            f"seed must be an int or an integer tensor of shape [2] (a stateless RNG seed); got "
            f"{seed.dtype.name} with shape {seed.shape}."
        )
    return tf.cast(seed, tf.int64)


def _split(seed, names):
    keys = tf.random.experimental.stateless_split(seed, len(names))
    return {name: keys[i] for i, name in enumerate(names)}


def _uniform(shape, seed, lo, hi, dtype=tf.float32):
    return tf.random.stateless_uniform(shape, seed, minval=lo, maxval=hi, dtype=dtype) if hi > lo else (
        tf.fill(shape, tf.constant(lo, dtype)))


def _choice(u, weights):
    """Index drawn with the given (unnormalised) weights, from uniforms `u` in [0, 1) (inverse CDF)."""
    cdf = np.cumsum(weights) / np.sum(weights)
    edges = tf.constant(cdf[:-1], tf.float32)
    return tf.reduce_sum(tf.cast(u[..., None] >= edges, tf.int32), axis=-1)


def _shape(shape):
    if _is_int(shape):
        return [int(shape)]
    if isinstance(shape, (tuple, list)):
        return list(shape)
    return tf.convert_to_tensor(shape, tf.int32)


# --------------------------------------------------------------------------- #
# Kernels
# --------------------------------------------------------------------------- #


def _grid(pad_to):
    """Offsets from the centre of a `pad_to` x `pad_to` kernel: x along columns, y along rows."""
    r = pad_to // 2
    ax = tf.range(-r, r + 1, dtype=tf.float32)
    return ax[None, :], ax[:, None]


def _kernel_values(family, kernel_size, sigma_x, sigma_y, theta, beta, cutoff, pad_to=PAD_TO):
    """Kernels `[..., pad_to, pad_to]` from broadcastable parameter tensors (the shared math).

    family: 0 generalised Gaussian exp(-Q^beta / 2) (beta = 1: Gaussian), 1 plateau
    1 / (1 + Q^beta), 2 circular low-pass, 3 pulse; Q = v^T Sigma^-1 v with
    Sigma = R(theta) diag(sigma_x^2, sigma_y^2) R(theta)^T. Values outside the
    central kernel_size x kernel_size window are 0; the window sums to 1.
    """
    f = lambda t: tf.cast(t, tf.float32)[..., None, None]  # noqa: E731
    family = tf.cast(family, tf.int32)[..., None, None]
    half = tf.cast(kernel_size, tf.int32)[..., None, None] // 2
    sx, sy, th, beta, w = f(sigma_x), f(sigma_y), f(theta), f(beta), f(cutoff)
    x, y = _grid(pad_to)
    c, s = tf.cos(th), tf.sin(th)
    p, q = tf.math.reciprocal(tf.square(sx)), tf.math.reciprocal(tf.square(sy))
    quad = (c * c * p + s * s * q) * x * x + 2.0 * c * s * (p - q) * x * y + (s * s * p + c * c * q) * y * y
    quad = tf.maximum(quad, 0.0)
    shaped = tf.pow(quad, beta)
    r = tf.sqrt(x * x + y * y)
    r_safe = tf.where(r > 0, r, 1.0)
    sinc = tf.where(r > 0, w * tf.math.special.bessel_j1(w * r_safe) / (2.0 * math.pi * r_safe),
                    w * w * (0.25 / math.pi))
    pulse = tf.cast((x == 0) & (y == 0), tf.float32)
    kernel = tf.where(family == 0, tf.exp(-0.5 * shaped),
                      tf.where(family == 1, tf.math.reciprocal(1.0 + shaped), tf.where(family == 2, sinc, pulse)))
    r_int = tf.cast(tf.abs(x), tf.int32), tf.cast(tf.abs(y), tf.int32)
    inside = (r_int[0] <= half) & (r_int[1] <= half)
    kernel = tf.where(inside, kernel, 0.0)
    return kernel / tf.reduce_sum(kernel, axis=[-2, -1], keepdims=True)


def _check_kernel_size(kernel_size, pad_to):
    if not (_is_int(pad_to) and pad_to % 2 == 1 and pad_to > 0):
        raise ValueError(f"pad_to must be a positive odd int; got {pad_to!r}.")
    sizes = np.asarray(kernel_size) if not tf.is_tensor(kernel_size) else None
    if sizes is not None:
        if not (np.issubdtype(sizes.dtype, np.integer) and np.all(sizes % 2 == 1) and np.all(sizes >= 1)
                and np.all(sizes <= pad_to)):
            raise ValueError(f"kernel_size must be odd ints in 1..pad_to={pad_to}; got {kernel_size!r}.")


def _bivariate(family, kernel_size, sigma_x, sigma_y, theta, beta, pad_to):
    _check_kernel_size(kernel_size, pad_to)
    if sigma_y is None:  # isotropic: Sigma = sigma_x^2 I
        sigma_y, theta = sigma_x, 0.0
    zero = tf.zeros([], tf.float32)
    return _kernel_values(family, kernel_size, sigma_x, sigma_y, theta, beta, zero, pad_to)


def gaussian_kernel(kernel_size, sigma_x, sigma_y=None, theta=0.0, pad_to=PAD_TO):
    """Bivariate Gaussian kernel (BasicSR's `bivariate_Gaussian`), zero-padded to `pad_to`.

    `exp(-v^T Sigma^-1 v / 2)` over the offsets `v = (x, y)` of a
    `kernel_size` x `kernel_size` window (x along columns, y along rows), with
    `Sigma = R(theta) diag(sigma_x^2, sigma_y^2) R(theta)^T`, normalised to sum
    to 1, then zero-padded to `pad_to` x `pad_to`. `sigma_y=None` is the
    isotropic kernel (`sigma_y = sigma_x`, `theta` ignored). Arguments may be
    tensors of one broadcastable shape `S` (an odd `kernel_size` each); returns
    float32 `[*S, pad_to, pad_to]`.
    """
    return _bivariate(0, kernel_size, sigma_x, sigma_y, theta, 1.0, pad_to)


def generalized_gaussian_kernel(kernel_size, sigma_x, sigma_y=None, theta=0.0, beta=1.0, pad_to=PAD_TO):
    """Generalised Gaussian `exp(-(v^T Sigma^-1 v)^beta / 2)` (BasicSR's `bivariate_generalized_Gaussian`).

    As `gaussian_kernel` (beta = 1 gives it), `beta` the shape parameter.
    """
    return _bivariate(0, kernel_size, sigma_x, sigma_y, theta, beta, pad_to)


def plateau_kernel(kernel_size, sigma_x, sigma_y=None, theta=0.0, beta=1.0, pad_to=PAD_TO):
    """Plateau kernel `1 / (1 + (v^T Sigma^-1 v)^beta)` (BasicSR's `bivariate_plateau`).

    As `gaussian_kernel`, `beta` the shape parameter.
    """
    return _bivariate(1, kernel_size, sigma_x, sigma_y, theta, beta, pad_to)


def circular_lowpass_kernel(kernel_size, cutoff, pad_to=PAD_TO):
    """2-D sinc (circularly symmetric ideal low-pass) kernel, zero-padded to `pad_to`.

    `cutoff * J1(cutoff * r) / (2 pi r)` at distance `r` from the centre
    (`cutoff^2 / (4 pi)` at r = 0; J1 the Bessel function of the first kind),
    `cutoff` in radians (pi is the Nyquist frequency), normalised over the
    `kernel_size` window (BasicSR's `circular_lowpass_kernel`). Tensor
    arguments broadcast; returns `[*S, pad_to, pad_to]`.
    """
    _check_kernel_size(kernel_size, pad_to)
    z = tf.ones([], tf.float32)
    return _kernel_values(2, kernel_size, z, z, 0.0 * z, z, cutoff, pad_to)


def pulse_kernel(pad_to=PAD_TO):
    """The `pad_to` x `pad_to` identity kernel (1 at the centre): filtering with it changes nothing."""
    _check_kernel_size(1, pad_to)
    z = tf.ones([], tf.float32)
    return _kernel_values(3, 1, z, z, 0.0 * z, z, z, pad_to)


def _stage(options, stage):
    """The kernel settings of stage 1, 2 or "final"."""
    if stage in (1, "1"):
        o = options
        return dict(types=o.kernel_list, prob=o.kernel_prob, sinc=o.sinc_prob, sigma=o.blur_sigma,
                    betag=o.betag_range, betap=o.betap_range)
    if stage in (2, "2"):
        o = options
        return dict(types=o.kernel_list2, prob=o.kernel_prob2, sinc=o.sinc_prob2, sigma=o.blur_sigma2,
                    betag=o.betag_range2, betap=o.betap_range2)
    if stage == "final":
        return None
    raise ValueError(f"stage must be 1, 2 or 'final'; got {stage!r}.")


def sample_kernel_params(seed, options=REALESRGAN_X4PLUS, stage=1, shape=()):
    """Draws kernel parameters as `RealESRGANDataset.__getitem__` does, for `shape` images.

    Args:
        seed: int, or int tensor `[2]`.
        options: `DegradationOptions` (or a dict of its fields).
        stage: 1 (the first blur), 2 (the second blur) or `"final"` (the last filter).
        shape: the batch shape (int, list, or int tensor); `()` for one kernel.

    Returns:
        A dict of tensors of that shape: `kind` (int32 index into `KINDS`:
        the kernel type, `6` sinc, `7` pulse), `kernel_size` (int32, uniform
        over `options.kernel_sizes`), `sigma_x`, `sigma_y`, `theta`, `beta`,
        `cutoff` (float32; unused ones hold neutral values: isotropic types have
        `sigma_y = sigma_x`, `theta = 0`; Gaussian types `beta = 1`).

    Stages 1 and 2: a sinc kernel with `sinc_prob` (cutoff uniform in
    `sinc_cutoff_small` for sizes < 13, else `sinc_cutoff_large`), otherwise a
    type from `kernel_list` by `kernel_prob`, sigmas uniform in `blur_sigma`,
    `theta` uniform in `rotation_range`, and `beta` uniform in `[lo, 1]` or
    `[1, hi]` (probability 1/2 each) of `betag_range` (generalised) or
    `betap_range` (plateau). Final: a sinc kernel with `final_sinc_prob`
    (cutoff in `final_sinc_cutoff`), else a pulse.
    """
    options = _options(options)
    spec = _stage(options, stage)
    seed = _seed(seed)
    shape = _shape(shape)
    k = _split(seed, ("size", "sinc", "cutoff", "type", "sx", "sy", "theta", "half", "beta"))
    sizes = tf.constant(options.kernel_sizes, tf.int32)
    size = tf.gather(sizes, tf.random.stateless_uniform(shape, k["size"], 0, len(options.kernel_sizes), tf.int32))
    u_cut = tf.random.stateless_uniform(shape, k["cutoff"])
    if spec is None:
        lo, hi = options.final_sinc_cutoff
        is_sinc = tf.random.stateless_uniform(shape, k["sinc"]) < options.final_sinc_prob
        one = tf.ones(shape, tf.float32)
        return dict(kind=tf.where(is_sinc, SINC, PULSE), kernel_size=size, sigma_x=one, sigma_y=one,
                    theta=0.0 * one, beta=one, cutoff=lo + u_cut * (hi - lo))
    small = size < 13
    (slo, shi), (llo, lhi) = options.sinc_cutoff_small, options.sinc_cutoff_large
    cutoff = tf.where(small, slo + u_cut * (shi - slo), llo + u_cut * (lhi - llo))
    is_sinc = tf.random.stateless_uniform(shape, k["sinc"]) < spec["sinc"]
    canonical = tf.constant([KERNEL_TYPES.index(t) for t in spec["types"]], tf.int32)
    kind = tf.gather(canonical, _choice(tf.random.stateless_uniform(shape, k["type"]), spec["prob"]))
    lo, hi = spec["sigma"]
    sx = _uniform(shape, k["sx"], lo, hi)
    sy = _uniform(shape, k["sy"], lo, hi)
    theta = _uniform(shape, k["theta"], *options.rotation_range)
    iso = kind % 2 == 0
    sy = tf.where(iso, sx, sy)
    theta = tf.where(iso, 0.0, theta)
    u_beta = tf.random.stateless_uniform(shape, k["beta"])
    low_half = tf.random.stateless_uniform(shape, k["half"]) < 0.5

    def beta_in(r):
        return tf.where(low_half, r[0] + u_beta * (1.0 - r[0]), 1.0 + u_beta * (r[1] - 1.0))

    beta = tf.where(kind < 2, 1.0, tf.where(kind < 4, beta_in(spec["betag"]), beta_in(spec["betap"])))
    return dict(kind=tf.where(is_sinc, SINC, kind), kernel_size=size, sigma_x=sx, sigma_y=sy, theta=theta,
                beta=beta, cutoff=cutoff)


def kernels_from_params(params, pad_to=PAD_TO):
    """The kernels `[..., pad_to, pad_to]` of a `sample_kernel_params` dict (float32, each sums to 1)."""
    family = tf.gather(tf.constant(_FAMILY_OF_KIND, tf.int32), tf.cast(params["kind"], tf.int32))
    return _kernel_values(family, params["kernel_size"], params["sigma_x"], params["sigma_y"], params["theta"],
                          params["beta"], params["cutoff"], pad_to)


def random_kernel(seed, options=REALESRGAN_X4PLUS, stage=1, shape=()):
    """Random 21 x 21 blur kernels as the official dataset makes them (`kernel1`, `kernel2`, `sinc_kernel`).

    `kernels_from_params(sample_kernel_params(seed, options, stage, shape))`:
    float32 `[*shape, 21, 21]`, each a random-size (7..21, odd) kernel
    zero-padded to 21 x 21 and summing to 1. See `sample_kernel_params`.
    """
    return kernels_from_params(sample_kernel_params(seed, options, stage, shape))


# --------------------------------------------------------------------------- #
# Image operations (on [0, 1] values, [B, H, W, C])
# --------------------------------------------------------------------------- #


def _reflect_indices(n, pad):
    """Indices of a reflect padding by `pad` of an axis of length `n` (mirror without repeating the edge)."""
    i = tf.range(-pad, n + pad)
    period = tf.maximum(2 * (n - 1), 1)
    m = tf.math.floormod(i, period)
    return tf.where(n > 1, tf.where(m < n, m, period - m), tf.zeros_like(i))


def _reflect_pad(x, pad):
    shape = tf.shape(x)
    x = tf.gather(x, _reflect_indices(shape[1], pad), axis=1)
    return tf.gather(x, _reflect_indices(shape[2], pad), axis=2)


def filter2d(images, kernels):
    """Filters each image with its own kernel, reflect-padded to the same size (BasicSR's `filter2D`).

    Args:
        images: float `[B, H, W, C]`.
        kernels: float `[B, k, k]` (one per image) or `[k, k]` (for all), `k` odd.

    Returns:
        `[B, H, W, C]`: cross-correlation with the kernel (as `F.conv2d`; the
        random kernels here are point-symmetric, so it is also convolution),
        every channel alike, the borders reflect-padded (also when the pad
        exceeds the image).
    """
    images = tf.convert_to_tensor(images)
    kernels = tf.cast(kernels, images.dtype)
    k = kernels.shape[-1]
    if k is None or k % 2 == 0 or kernels.shape[-2] != k or kernels.shape.rank not in (2, 3):
        raise ValueError(f"kernels must be [B, k, k] or [k, k] with k odd; got shape {kernels.shape}.")
    x = _reflect_pad(images, k // 2)
    if kernels.shape.rank == 2:
        kernels = tf.broadcast_to(kernels, tf.concat([tf.shape(images)[:1], [k, k]], 0))
    shape = tf.shape(images)
    b, h, w, c = shape[0], shape[1], shape[2], shape[3]
    padded = tf.shape(x)
    # Images as the channels of one image, so a depthwise convolution applies each image's kernel to it.
    x = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), tf.stack([1, padded[1], padded[2], b * c]))
    f = tf.repeat(tf.transpose(kernels, [1, 2, 0]), c, axis=2)[..., None]  # [k, k, B * C, 1]
    y = tf.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], "VALID")
    y = tf.transpose(tf.reshape(y, tf.stack([h, w, b, c])), [2, 0, 1, 3])
    y.set_shape(images.shape)
    return y


def _resize(x, size, mode, modes):
    def one(method):
        return lambda: tf.image.resize(x, size, method=method, antialias=False)

    if len(modes) == 1:
        return one(modes[0])()
    return tf.switch_case(mode, [one(m) for m in modes])


def _random_resize_factor(seed, weights, bounds):
    """The official up / down / keep draw: a factor in [1, hi], [lo, 1] or exactly 1 (float64)."""
    k = _split(seed, ("updown", "factor"))
    updown = _choice(tf.random.stateless_uniform([], k["updown"]), weights)
    u = tf.random.stateless_uniform([], k["factor"], dtype=tf.float64)
    lo, hi = bounds
    up, down = 1.0 + u * (hi - 1.0), lo + u * (1.0 - lo)
    return tf.where(updown == 0, up, tf.where(updown == 1, down, tf.constant(1.0, tf.float64)))


def _floor_size(length, factor):
    return tf.maximum(tf.cast(tf.floor(tf.cast(length, tf.float64) * factor), tf.int32), 1)


_POW2_CEIL = np.array([1] + [2 ** int(np.ceil(np.log2(n))) for n in range(1, 257)], np.float32)


def _shot_noise(img, seed):
    """BasicSR's Poisson noise before scaling: Poisson(img * vals) / vals - img on the 8-bit-rounded image,
    `vals` the number of distinct 8-bit levels of the image rounded up to a power of 2."""
    img = tf.clip_by_value(tf.round(img * 255.0), 0.0, 255.0) * _INV255
    b = tf.shape(img)[0]
    levels = tf.reshape(tf.cast(tf.round(img * 255.0), tf.int32), tf.stack([b, -1]))
    distinct = tf.math.count_nonzero(tf.math.bincount(levels, minlength=256, maxlength=256, axis=-1), axis=-1)
    vals = tf.gather(tf.constant(_POW2_CEIL), distinct)[:, None, None, None]
    out = tf.random.stateless_poisson(tf.shape(img), seed, lam=img * vals, dtype=tf.float32) / vals
    return out - img


def _add_noise(x, seed, gaussian_prob, sigma_range, poisson_range, gray_prob):
    """Gaussian noise with `gaussian_prob` (one draw for the batch), else Poisson noise; then clip to [0, 1]."""
    k = _split(seed, ("which", "amount", "gray", "color", "mono"))
    b = tf.shape(x)[:1]
    gray = (tf.random.stateless_uniform(b, k["gray"]) < gray_prob)[:, None, None, None]
    c = x.shape[-1]

    def gaussian():
        sigma = _uniform(b, k["amount"], *sigma_range)[:, None, None, None] * _INV255
        color = tf.random.stateless_normal(tf.shape(x), k["color"])
        mono = tf.random.stateless_normal(tf.concat([tf.shape(x)[:3], [1]], 0), k["mono"])
        return tf.where(gray, mono, color) * sigma

    def poisson():
        scale = _uniform(b, k["amount"], *poisson_range)[:, None, None, None]
        color = _shot_noise(x, k["color"])
        if c == 1:
            return color * scale
        mono = tf.cond(tf.reduce_any(gray), lambda: _shot_noise(tf.image.rgb_to_grayscale(x), k["mono"]),
                       lambda: tf.zeros_like(x[..., :1]))
        return tf.where(gray, mono, color) * scale

    use_gaussian = tf.random.stateless_uniform([], k["which"]) < gaussian_prob
    noise = tf.cond(use_gaussian, gaussian, poisson)
    return tf.clip_by_value(x + noise, 0.0, 1.0)


def _jpeg(x, seed, quality_range):
    """libjpeg compression of each image at an integer quality uniform in `quality_range` (inclusive).

    The encoder of `tf.image.adjust_jpeg_quality` (`EncodeJpegVariableQuality`, which takes the quality as a
    tensor), but decoded with the accurate integer IDCT: `adjust_jpeg_quality` decodes with libjpeg's fast
    IDCT, which alone adds errors of up to 12 levels at quality 100 (measured on gray 16 x 16 images).
    """
    if quality_range is None:
        return x
    lo, hi = quality_range
    c = x.shape[-1]
    quality = tf.random.stateless_uniform(tf.shape(x)[:1], seed, lo, hi + 1, tf.int32)
    u8 = tf.cast(tf.round(tf.clip_by_value(x, 0.0, 1.0) * 255.0), tf.uint8)

    def one(args):
        image, q = args
        encoded = tf.raw_ops.EncodeJpegVariableQuality(images=image, quality=q)
        return tf.io.decode_jpeg(encoded, channels=c, dct_method="INTEGER_ACCURATE")

    out = tf.map_fn(one, (u8, quality), fn_output_signature=tf.TensorSpec([None, None, c], tf.uint8))
    out = tf.reshape(out, tf.shape(x))
    return tf.cast(out, tf.float32) * _INV255


def _check_images(images, what):
    images = tf.convert_to_tensor(images)
    if not images.dtype.is_floating:
        raise TypeError(
            f"{what} expects float images in [-1, 1]; got dtype {images.dtype.name} (for uint8 images use "
            f"keras_gans.data.folders.to_float, i.e. x / 127.5 - 1)."
        )
    return images


def degrade(images_high, seed, scale=4, options=REALESRGAN_X4PLUS):
    """Real-ESRGAN's second-order degradation: low-resolution images from high-resolution ones.

    Args:
        images_high: float `[B, H, W, C]` in [-1, 1], `C` 1 or 3, `H` and `W`
            multiples of `scale`. (Real-ESRGAN passes the USM-sharpened patch:
            see `usm_sharp` / `degradation_pairs`.)
        seed: int, or int tensor `[2]`: the same seed gives the same result
            in eager mode, and in a given `tf.function` or `tf.data` graph.
            Eager and graph results agree up to float rounding (TF's graph
            optimiser reorders some arithmetic), so about one value in 10^5
            may land on the neighbouring 8-bit level.
        scale: int >= 1, the super-resolution factor.
        options: `DegradationOptions` (default: the official x4plus values) or
            a dict of its fields.

    Returns:
        `[B, H // scale, W // scale, C]` in [-1, 1], the input's dtype, on the
        8-bit grid (`(y + 1) * 127.5` integral). The steps, which draws are per
        batch and which per image, and where they differ from the official
        PyTorch code are in the module docstring.

    Raises:
        ValueError: rank not 4, channels not 1 or 3, `H` or `W` not a multiple
            of `scale` (checked when the graph runs if the sizes are dynamic),
            bad `scale` or `seed`.
        TypeError: integer images, bad `options`.
    """
    options = _options(options)
    if not (_is_int(scale) and scale >= 1):
        raise ValueError(f"scale must be a positive int (the super-resolution factor); got {scale!r}.")
    images_high = _check_images(images_high, "degrade")
    if images_high.shape.rank != 4:
        raise ValueError(
            f"degrade expects a batch [B, H, W, C]; got shape {images_high.shape} (rank "
            f"{images_high.shape.rank}). For one image use images[None]."
        )
    c = images_high.shape[-1]
    if c not in (1, 3):
        raise ValueError(f"degrade expects 1 or 3 channels (gray or RGB: JPEG and gray noise need it); got "
                         f"shape {images_high.shape}.")
    for axis, name in ((1, "height"), (2, "width")):
        n = images_high.shape[axis]
        if n is not None and n % scale:
            raise ValueError(
                f"degrade: image {name} {n} is not a multiple of scale {scale} (shape {images_high.shape}); "
                f"crop the high-resolution images to a multiple of {scale} (e.g. {n - n % scale})."
            )
    seed = _seed(seed)
    shape = tf.shape(images_high)
    h, w = shape[1], shape[2]
    checks = []
    if images_high.shape[1] is None or images_high.shape[2] is None:
        checks = [tf.debugging.assert_equal(
            tf.stack([h % scale, w % scale]), 0,
            message=f"degrade: image height and width must be multiples of scale {scale}; got (height, width) =")]
    with tf.control_dependencies(checks):
        x = (tf.cast(images_high, tf.float32) + 1.0) * 0.5
    o = options
    k = _split(seed, ("kernel1", "kernel2", "final_kernel", "resize1", "mode1", "noise1", "jpeg1", "blur2",
                      "resize2", "mode2", "noise2", "order", "mode3", "jpeg2"))
    b = shape[:1]
    n_modes = len(o.resize_modes)
    mode = lambda key: tf.random.stateless_uniform([], key, 0, n_modes, tf.int32)  # noqa: E731

    # The first degradation: blur, resize, noise, JPEG.
    out = filter2d(x, random_kernel(k["kernel1"], o, 1, b))
    factor = _random_resize_factor(k["resize1"], o.resize_prob, o.resize_range)
    out = _resize(out, tf.stack([_floor_size(h, factor), _floor_size(w, factor)]), mode(k["mode1"]),
                  o.resize_modes)
    out = _add_noise(out, k["noise1"], o.gaussian_noise_prob, o.noise_range, o.poisson_scale_range,
                     o.gray_noise_prob)
    out = _jpeg(out, k["jpeg1"], o.jpeg_range)

    # The second degradation: blur (maybe), resize relative to the final size, noise.
    kernel2 = random_kernel(k["kernel2"], o, 2, b)
    out = tf.cond(tf.random.stateless_uniform([], k["blur2"]) < o.second_blur_prob,
                  lambda: filter2d(out, kernel2), lambda: out)
    factor = _random_resize_factor(k["resize2"], o.resize_prob2, o.resize_range2)
    out = _resize(out, tf.stack([_floor_size(h // scale, factor), _floor_size(w // scale, factor)]),
                  mode(k["mode2"]), o.resize_modes)
    out = _add_noise(out, k["noise2"], o.gaussian_noise_prob2, o.noise_range2, o.poisson_scale_range2,
                     o.gray_noise_prob2)

    # [resize to the final size + sinc filter] and JPEG, in a random order.
    final_kernel = random_kernel(k["final_kernel"], o, "final", b)
    final_mode = mode(k["mode3"])

    def resize_sinc(y):
        return filter2d(_resize(y, tf.stack([h // scale, w // scale]), final_mode, o.resize_modes), final_kernel)

    out = tf.cond(tf.random.stateless_uniform([], k["order"]) < o.resize_sinc_first_prob,
                  lambda: _jpeg(resize_sinc(out), k["jpeg2"], o.jpeg_range2),
                  lambda: resize_sinc(_jpeg(out, k["jpeg2"], o.jpeg_range2)))
    out = tf.clip_by_value(tf.round(out * 255.0), 0.0, 255.0) * (2.0 * _INV255) - 1.0
    hs, ws = images_high.shape[1], images_high.shape[2]
    out.set_shape([images_high.shape[0], None if hs is None else hs // scale, None if ws is None else ws // scale, c])
    return tf.cast(out, images_high.dtype)


# --------------------------------------------------------------------------- #
# USM sharpening
# --------------------------------------------------------------------------- #

_SMALL_GAUSSIANS = {  # OpenCV's fixed kernels for getGaussianKernel(ksize <= 7, sigma <= 0)
    1: [1.0],
    3: [0.25, 0.5, 0.25],
    5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
    7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
}


def _gaussian_1d(ksize, sigma):
    """OpenCV's `getGaussianKernel(ksize, sigma)` (float64, sums to 1)."""
    if sigma <= 0 and ksize in _SMALL_GAUSSIANS:
        return np.array(_SMALL_GAUSSIANS[ksize])
    if sigma <= 0:
        sigma = 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8
    t = np.arange(ksize) - (ksize - 1) / 2
    g = np.exp(-(t * t) / (2 * sigma * sigma))
    return g / g.sum()


def _separable_blur(x, g):
    """Blur `[B, H, W, C]` with the outer product of the 1-D kernel `g` with itself, reflect-padded."""
    k = len(g)
    shape = tf.shape(x)
    b, h, w, c = shape[0], shape[1], shape[2], shape[3]
    y = _reflect_pad(x, k // 2)
    y = tf.reshape(tf.transpose(y, [0, 3, 1, 2]), tf.stack([b * c, h + k - 1, w + k - 1, 1]))
    g = tf.constant(g, x.dtype)
    y = tf.nn.conv2d(y, tf.reshape(g, [k, 1, 1, 1]), 1, "VALID")
    y = tf.nn.conv2d(y, tf.reshape(g, [1, k, 1, 1]), 1, "VALID")
    y = tf.transpose(tf.reshape(y, tf.stack([b, c, h, w])), [0, 2, 3, 1])
    y.set_shape(x.shape)
    return y


def usm_sharp(images, radius=50, sigma=0, weight=0.5, threshold=10):
    """Unsharp masking as BasicSR's `USMSharp` (Real-ESRGAN's sharpened ground truth).

    On `I` in [0, 1]: `B` = `I` blurred by a `radius` x `radius` Gaussian
    (`radius` made odd by +1; OpenCV's `getGaussianKernel(radius, sigma)`, so
    `sigma <= 0` means `0.3 * ((radius - 1) / 2 - 1) + 0.8`, i.e. 8 for the
    default 51), reflect-padded; mask = `|I - B| * 255 > threshold`, blurred
    the same way; result = `mask * clip(I + weight * (I - B), 0, 1) + (1 - mask) * I`.

    Args:
        images: float `[B, H, W, C]` or `[H, W, C]` in [-1, 1].
        radius: int, the Gaussian's size (50 -> 51).
        sigma: the Gaussian's standard deviation in pixels (<= 0: from `radius`).
        weight: the sharpening strength.
        threshold: the residual (on 0..255) below which nothing is sharpened.

    Returns:
        The sharpened images, same shape and dtype, in [-1, 1] (not rounded).
    """
    images = _check_images(images, "usm_sharp")
    rank = images.shape.rank
    if rank not in (3, 4):
        raise ValueError(f"usm_sharp expects [B, H, W, C] or [H, W, C]; got shape {images.shape} (rank {rank}).")
    if not (_is_int(radius) and radius > 0):
        raise ValueError(f"radius must be a positive int (the Gaussian's size); got {radius!r}.")
    if not _is_real(sigma) or not _is_real(weight) or not _is_real(threshold):
        raise ValueError(f"sigma, weight and threshold must be numbers; got {sigma!r}, {weight!r}, {threshold!r}.")
    if radius % 2 == 0:
        radius += 1
    g = _gaussian_1d(radius, float(sigma))
    x = tf.cast(images if rank == 4 else images[None], tf.float32)
    x = (x + 1.0) * 0.5
    residual = x - _separable_blur(x, g)
    mask = tf.cast(tf.abs(residual) * 255.0 > threshold, tf.float32)
    soft = _separable_blur(mask, g)
    sharp = tf.clip_by_value(x + weight * residual, 0.0, 1.0)
    out = (soft * sharp + (1.0 - soft) * x) * 2.0 - 1.0
    return tf.cast(out if rank == 4 else out[0], images.dtype)


# --------------------------------------------------------------------------- #
# tf.data
# --------------------------------------------------------------------------- #


def degradation_pairs(dataset, scale=4, seed=0, options=REALESRGAN_X4PLUS, degrade_sharpened=True):
    """Maps `{"high": ...}` elements to `{"low", "high", "high_sharp"}` training pairs.

    Args:
        dataset: a `tf.data.Dataset` of dicts with `"high"`: float `[H, W, C]`
            (unbatched: every degradation choice per image) or `[B, H, W, C]`
            in [-1, 1]; other keys pass through.
        scale: the super-resolution factor.
        seed: int; each element gets the key `[seed, r]` of
            `keras_gans.data.folders.keyed_map` (reproducible, fresh every pass).
        options: `DegradationOptions`.
        degrade_sharpened: degrade `high_sharp` (the official Real-ESRGAN
            pipeline) rather than `high`.

    Returns:
        The dataset with `"low"` (`degrade(...)`, `[..., H // scale, W // scale, C]`),
        `"high"` (unchanged) and `"high_sharp"` (`usm_sharp(high)`, the L1 /
        perceptual target).
    """
    from keras_gans.data import folders as _folders

    options = _options(options)
    if not _is_int(seed):
        raise ValueError(f"seed must be an int; got {seed!r}.")
    spec = dataset.element_spec
    if not (isinstance(spec, Mapping) and "high" in spec):
        raise ValueError(f"degradation_pairs expects dataset elements {{'high': ...}}; got {spec!r}.")
    rank = spec["high"].shape.rank
    if rank not in (3, 4):
        raise ValueError(f"degradation_pairs: 'high' must be [H, W, C] or [B, H, W, C]; got shape "
                         f"{spec['high'].shape}.")

    def pair(element, key):
        high = element["high"]
        sharp = usm_sharp(high)
        source = sharp if degrade_sharpened else high
        batch = source if rank == 4 else source[None]
        low = degrade(batch, key, scale, options)
        return {**element, "low": low if rank == 4 else low[0], "high": high, "high_sharp": sharp}

    return _folders.keyed_map(dataset, pair, seed)
