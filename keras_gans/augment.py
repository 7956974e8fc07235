"""Differentiable Augmentation (DiffAugment; Zhao et al. 2020, "Differentiable Augmentation
for Data-Efficient GAN Training").

Follows ``DiffAugment_tf.py`` of the official code (mit-han-lab/data-efficient-gans): the
same three policies, the same per-sample parameter ranges and the same order of operations.
Apply the same policy to *both* real and generated images every time the discriminator
sees them, in the discriminator step and in the generator step; gradients flow through the
augmentation into the generator.

Differences from the official code:

* randomness is stateless: every draw comes from ``seed`` (a ``[2]`` integer tensor) folded
  with a fixed per-draw constant (see :data:`DRAW_IDS`), so a train step is reproducible and
  replicas can differ by passing different seeds. The official code uses stateful
  ``tf.random.uniform``. Float draws are made from integers (:func:`stateless_unit_uniform`)
  so that the same seed gives the same augmentation with and without ``jit_compile``.
* translation and cutout are written with index arithmetic and masks instead of
  ``gather_nd`` on a padded copy / ``scatter_nd``; the results are the same (checked in
  ``tests/augment_test.py`` against a NumPy transcription of the official indexing).
* policy strings are validated (unknown names raise ``ValueError``) and entries may have
  surrounding spaces.

Value range: the official TF code (StyleGAN2 / BigGAN pipelines) feeds images in [-1, 1],
as this project does, so the official magnitudes are used unchanged: brightness adds
U[-0.5, 0.5), saturation scales the deviation from the per-pixel channel mean by U[0, 2),
contrast scales the deviation from the per-image mean by U[0.5, 1.5); translation shifts by
an integer in [-size/8, size/8] per axis with zero fill; cutout zeroes a square of half the
image size (in each axis) centred at a random point (zero is mid-grey in [-1, 1]).
"""

import tensorflow as tf

POLICIES = {
    "color": ("brightness", "saturation", "contrast"),
    "translation": ("translation",),
    "cutout": ("cutout",),
}

#: The constant folded into ``seed`` for each random draw.
DRAW_IDS = {
    "brightness": 0,
    "saturation": 1,
    "contrast": 2,
    "translation_w": 3,
    "translation_h": 4,
    "cutout_h": 5,
    "cutout_w": 6,
}


def _nonnegative(seed):
    return tf.bitwise.bitwise_and(seed, tf.constant(seed.dtype.max, seed.dtype))


def fold_seed(seed, data):
    """``stateless_fold_in(seed, data)`` with the sign bits of the seeds cleared.

    TF's stateless random ops (``stateless_fold_in`` included) give different numbers under
    ``jit_compile=True`` than without it when a seed entry is negative (measured on TF 2.21,
    CPU); with non-negative seeds they agree. Seeds built from step counters and offsets
    (e.g. ``GAN._step_seed``) can be negative, so both the seed and the folded result are
    masked to non-negative values.
    """
    seed = _nonnegative(tf.convert_to_tensor(seed))
    return _nonnegative(tf.random.experimental.stateless_fold_in(seed, data))


def draw_seed(seed, draw):
    """The stateless seed used for ``draw`` (a key of :data:`DRAW_IDS`)."""
    return fold_seed(seed, DRAW_IDS[draw])


def stateless_unit_uniform(shape, seed):
    """``U[0, 1)`` on the grid ``k / 2**24`` from a stateless seed, the same with and without XLA.

    ``tf.random.stateless_uniform`` for floats gives different numbers under
    ``jit_compile=True`` than without it (measured on TF 2.21, CPU, for both ``auto_select``
    and ``philox``), while its integer form agrees; so the float is made from a uniform
    integer in ``[0, 2**24)`` (exactly uniform: ``2**24`` divides ``2**32``).
    """
    k = tf.random.stateless_uniform(shape, seed, minval=0, maxval=1 << 24, dtype=tf.int32)
    return tf.cast(k, tf.float32) * (1.0 / (1 << 24))


def parse_policy(policy):
    """Validates a DiffAugment policy string and returns its names as a tuple.

    ``"color,translation,cutout"`` -> ``("color", "translation", "cutout")``; ``""`` or
    ``None`` -> ``()`` (no augmentation).
    """
    if policy is None:
        return ()
    if not isinstance(policy, str):
        raise ValueError(f"policy must be a string like 'color,translation,cutout'; received {policy!r}.")
    if not policy.strip():
        return ()
    names = tuple(p.strip() for p in policy.split(","))
    bad = [p for p in names if p not in POLICIES]
    if bad:
        raise ValueError(
            f"Unknown DiffAugment policy {bad} in {policy!r}; expected a comma-separated "
            f"subset of {sorted(POLICIES)}."
        )
    return names


def check_policy(policy):
    """Raises ``ValueError`` unless ``policy`` is a valid DiffAugment policy string; returns
    the parsed names (same as :func:`parse_policy`), for validating constructor arguments."""
    return parse_policy(policy)


def _check_images(images):
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4:
        raise ValueError(f"DiffAugment expects NHWC images of rank 4; received shape {images.shape}.")
    if not images.dtype.is_floating:
        raise ValueError(f"DiffAugment expects floating-point images; received dtype {images.dtype.name}.")
    return images


def _check_seed(seed):
    seed = tf.convert_to_tensor(seed)
    if seed.shape.rank != 1 or (seed.shape[0] is not None and seed.shape[0] != 2):
        raise ValueError(f"seed must be a shape [2] integer tensor; received shape {seed.shape}.")
    if not seed.dtype.is_integer:
        raise ValueError(f"seed must be an integer tensor; received dtype {seed.dtype.name}.")
    return seed


def _per_sample(images, seed, draw, minval=None, maxval=None):
    """One draw per sample: ``U[0, 1)`` in the images' dtype, or integers in ``[minval, maxval)``."""
    shape, draw_seed_ = [tf.shape(images)[0]], draw_seed(seed, draw)
    if minval is None:
        return tf.cast(stateless_unit_uniform(shape, draw_seed_), images.dtype)
    return tf.random.stateless_uniform(shape, draw_seed_, minval=minval, maxval=maxval, dtype=tf.int32)


def rand_brightness(images, seed):
    """``x + (u - 0.5)``, ``u ~ U[0, 1)`` per sample (official ``rand_brightness``)."""
    magnitude = _per_sample(images, seed, "brightness") - 0.5
    return images + magnitude[:, None, None, None]


def rand_saturation(images, seed):
    """``(x - mean_c x) * 2u + mean_c x``, ``u ~ U[0, 1)`` per sample (official ``rand_color``)."""
    magnitude = _per_sample(images, seed, "saturation") * 2.0
    mean = tf.reduce_mean(images, axis=3, keepdims=True)
    return (images - mean) * magnitude[:, None, None, None] + mean


def rand_contrast(images, seed):
    """``(x - mean x) * (u + 0.5) + mean x``, mean over H, W, C, ``u ~ U[0, 1)`` per sample."""
    magnitude = _per_sample(images, seed, "contrast") + 0.5
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    return (images - mean) * magnitude[:, None, None, None] + mean


def _shift_axis(images, shift, axis):
    """``out[..., i, ...] = x[..., i + shift_b, ...]`` along ``axis`` (1 or 2), zero outside."""
    size = tf.shape(images)[axis]
    source = tf.range(size)[None, :] + shift[:, None]  # [B, size]
    valid = tf.logical_and(source >= 0, source < size)
    shifted = tf.gather(images, tf.clip_by_value(source, 0, size - 1), axis=axis, batch_dims=1)
    mask = tf.cast(valid, images.dtype)
    mask = mask[:, :, None, None] if axis == 1 else mask[:, None, :, None]
    return shifted * mask


def _fraction(size, ratio):
    """``size * ratio[0] // ratio[1]`` in int32 (the official integer arithmetic; no float64,
    which TPUs lack)."""
    numerator, denominator = ratio
    return size * numerator // denominator


def rand_translation(images, seed, ratio=(1, 8)):
    """Integer translation per sample with zero fill (official ``rand_translation``).

    Shifts ``t_x`` (width) and ``t_y`` (height) are drawn uniformly from
    ``[-size * 1 // 8, size * 1 // 8]`` (``ratio = (1, 8)``); the output pixel ``(h, w)`` is the input
    pixel ``(h + t_y, w + t_x)``, or 0 when that lies outside the image.
    """
    height, width = tf.shape(images)[1], tf.shape(images)[2]
    max_x, max_y = _fraction(width, ratio), _fraction(height, ratio)
    shift_x = _per_sample(images, seed, "translation_w", -max_x, max_x + 1)
    shift_y = _per_sample(images, seed, "translation_h", -max_y, max_y + 1)
    images = _shift_axis(images, shift_x, axis=2)
    return _shift_axis(images, shift_y, axis=1)


def cutout_mask(images, seed, ratio=(1, 2)):
    """The ``[B, H, W, 1]`` 0/1 mask of :func:`rand_cutout` (0 inside the cut square)."""
    height, width = tf.shape(images)[1], tf.shape(images)[2]
    cut_h, cut_w = _fraction(height, ratio), _fraction(width, ratio)
    # Centres as in the official code: offset in [0, size + (1 - cut % 2)).
    offset_y = _per_sample(images, seed, "cutout_h", 0, height + (1 - cut_h % 2))
    offset_x = _per_sample(images, seed, "cutout_w", 0, width + (1 - cut_w % 2))
    top = offset_y - cut_h // 2
    left = offset_x - cut_w // 2
    rows = tf.range(height)[None, :]
    cols = tf.range(width)[None, :]
    in_rows = tf.logical_and(rows >= top[:, None], rows < (top + cut_h)[:, None])  # [B, H]
    in_cols = tf.logical_and(cols >= left[:, None], cols < (left + cut_w)[:, None])  # [B, W]
    cut = tf.logical_and(in_rows[:, :, None], in_cols[:, None, :])
    return 1.0 - tf.cast(cut, images.dtype)[..., None]


def rand_cutout(images, seed, ratio=(1, 2)):
    """Zeroes one ``(H // 2) x (W // 2)`` square per sample (official ``rand_cutout``).

    The square's centre row is drawn from ``[0, H + (1 - cut_h % 2))`` (likewise for
    columns), the square spans rows ``[centre - cut_h // 2, centre - cut_h // 2 + cut_h)``
    clipped to the image, as in the official code.
    """
    return images * cutout_mask(images, seed, ratio)


_OPS = {
    "brightness": rand_brightness,
    "saturation": rand_saturation,
    "contrast": rand_contrast,
    "translation": rand_translation,
    "cutout": rand_cutout,
}


def diff_augment(images, policy="color,translation,cutout", seed=None):
    """Applies DiffAugment to a batch of NHWC images (Zhao et al. 2020).

    Args:
        images: ``[B, H, W, C]`` float images in [-1, 1].
        policy: comma-separated subset of ``color``, ``translation``, ``cutout`` applied in
            the given order (the paper uses ``"color,translation,cutout"``; ``""`` is the
            identity).
        seed: stateless seed, a ``[2]`` integer tensor; required unless the policy is empty.
            Same seed -> same augmentation. Give each step and each replica its own seed
            (e.g. ``GAN._step_seed``).

    Returns:
        The augmented images, same shape and dtype, differentiable w.r.t. ``images``.
    """
    names = parse_policy(policy)
    images = _check_images(images)
    if not names:
        return images
    if seed is None:
        raise ValueError("diff_augment needs a stateless seed (a [2] integer tensor); received None.")
    seed = _check_seed(seed)
    for name in names:
        for op in POLICIES[name]:
            images = _OPS[op](images, seed)
    return images
