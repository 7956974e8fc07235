"""2-D Gaussian mixtures, the standard mode-collapse benchmark, as NumPy arrays and `tf.data`.

Two mixtures, each with equal weights and isotropic components:

* ``"ring8"``: 8 Gaussians with means evenly spaced on a circle of radius 2,
  ``(2 cos(2 pi k / 8), 2 sin(2 pi k / 8))`` for ``k = 0..7``, standard deviation 0.02.
  The setting of the unrolled-GAN paper (Metz et al. 2017).
  Their public notebook (github poolio/unrolled_gan, "Unrolled GAN demo.ipynb") says its
  settings differ from the paper's: it samples radius 1, std 0.01, and takes the angles from
  ``np.linspace(0, 2 pi, 8)``, whose first and last angles coincide, so it draws only 7
  distinct modes. We use the paper's radius and std with 8 distinct angles.
* ``"grid25"``: 25 Gaussians with means on the grid ``{-4, -2, 0, 2, 4}^2``, standard
  deviation 0.05, as in VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018; the
  official code, github fjxmlzn/PacGAN, ``2DGrid_GAN&PacGAN/config.py``, has exactly these
  means and variances ``0.05**2 * I``).

Every batch from :func:`load` is a fresh draw (an infinite stream, as in the unrolled-GAN and
WGAN-GP toy code), made in-graph from stateless random ops, so it costs no Python per step and
is reproducible from ``seed``.

Example:

```python
from keras_gans.data import mixtures

ds = mixtures.load("ring8", batch_size=512, seed=0)   # [512, 2] float32 batches, forever
x, modes = mixtures.sample("grid25", 2500, seed=1, return_modes=True)
centers, std = mixtures.mode_centers("ring8")           # [8, 2] float64, 0.02
```
"""

import dataclasses
import numbers

import numpy as np
import tensorflow as tf

__all__ = ["MIXTURES", "Mixture", "get", "load", "mode_centers", "sample"]


@dataclasses.dataclass(frozen=True)
class Mixture:
    """An equal-weight mixture of isotropic 2-D Gaussians.

    Attributes:
        name: the mixture's name.
        centers: ``[K, 2]`` float64 array of component means.
        std: the standard deviation of every component (per coordinate).
        reference: where the setting comes from.
    """

    name: str
    centers: np.ndarray
    std: float
    reference: str

    @property
    def num_modes(self):
        return int(self.centers.shape[0])


def _ring(num_modes, radius):
    angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def _grid(values):
    values = np.asarray(values, dtype=np.float64)
    xs, ys = np.meshgrid(values, values, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


MIXTURES = {
    "ring8": Mixture(
        "ring8",
        _ring(8, 2.0),
        0.02,
        "Metz et al. 2017, Unrolled Generative Adversarial Networks",
    ),
    "grid25": Mixture(
        "grid25",
        _grid([-4.0, -2.0, 0.0, 2.0, 4.0]),
        0.05,
        "Srivastava et al. 2017 (VEEGAN); Lin et al. 2018 (PacGAN)",
    ),
}


def get(name):
    """Returns the :class:`Mixture` called ``name`` (``"ring8"`` or ``"grid25"``)."""
    if not isinstance(name, str) or name not in MIXTURES:
        raise ValueError(f"Unknown mixture {name!r}; available mixtures: {sorted(MIXTURES)}.")
    return MIXTURES[name]


def mode_centers(name):
    """Returns ``(centers, std)``: the ``[K, 2]`` component means (a copy) and their std."""
    mixture = get(name)
    return mixture.centers.copy(), mixture.std


def _check_positive_int(value, what):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what} must be a positive int; received {value!r}.")


def _check_seed(seed):
    if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)):
        raise ValueError(f"seed must be an int or None; received {seed!r}.")


def sample(name, num_samples, seed=None, return_modes=False):
    """Draws ``num_samples`` points with NumPy.

    Args:
        name: ``"ring8"`` or ``"grid25"``.
        num_samples: how many points.
        seed: int seed for ``np.random.default_rng``; ``None`` for fresh entropy.
        return_modes: also return the component index of each point.

    Returns:
        ``[num_samples, 2]`` float32 points, and ``[num_samples]`` int64 component indices
        when ``return_modes``.
    """
    mixture = get(name)
    _check_positive_int(num_samples, "num_samples")
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    modes = rng.integers(0, mixture.num_modes, size=num_samples)
    points = mixture.centers[modes] + mixture.std * rng.standard_normal((num_samples, 2))
    points = points.astype(np.float32)
    return (points, modes.astype(np.int64)) if return_modes else points


def load(name, batch_size=512, seed=None, num_batches=None, with_modes=False):
    """Returns a `tf.data.Dataset` of ``[batch_size, 2]`` float32 batches of fresh draws.

    Batch ``i`` is drawn with the stateless seed ``(seed, i)``: the same ``seed`` gives the
    same stream, and different batches are independent.

    Args:
        name: ``"ring8"`` or ``"grid25"``.
        batch_size: points per batch (for a GAN with ``n_critic > 1``: the batch of one
            train step, i.e. ``n_critic`` critic batches).
        seed: int seed; ``None`` draws one at random.
        num_batches: stop after this many batches; ``None`` (default) never stops.
        with_modes: yield ``(points, modes)`` with int32 component indices.
    """
    mixture = get(name)
    _check_positive_int(batch_size, "batch_size")
    _check_seed(seed)
    if num_batches is not None:
        _check_positive_int(num_batches, "num_batches")
    if seed is None:
        seed = int(np.random.default_rng().integers(0, 2**31 - 1))
    centers = tf.constant(mixture.centers, tf.float32)
    num_modes = mixture.num_modes
    std = float(mixture.std)
    base = tf.constant(int(seed) % (2**31 - 1), tf.int64)

    def draw(index):
        key = tf.stack([base, index])
        keys = tf.random.experimental.stateless_split(key, 2)
        modes = tf.random.stateless_uniform(
            [batch_size], keys[0], minval=0, maxval=num_modes, dtype=tf.int32
        )
        noise = tf.random.stateless_normal([batch_size, 2], keys[1], stddev=std)
        points = tf.gather(centers, modes) + noise
        return (points, modes) if with_modes else points

    indices = tf.data.Dataset.range(num_batches) if num_batches else tf.data.Dataset.counter()
    return indices.map(draw, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(
        tf.data.AUTOTUNE
    )
