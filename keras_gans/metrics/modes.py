"""Mode coverage on Gaussian mixtures: modes covered and share of high-quality samples.

The protocol of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018) on the 2-D
ring and grid, written exactly as the PacGAN authors' code computes it (github
fjxmlzn/PacGAN, ``synthetic_data_experiments/PacGAN/pacgan/extensions.py``, ``MetricLogger``):

1. Each sample ``x`` is assigned to the mode ``k`` with the smallest standardised distance
   ``d_k(x) = ||x - mu_k|| / sigma_k`` (their ``sqrt(sum((x - mu)^2 / var))``).
2. The sample is *high quality* if that smallest distance is **below** ``threshold``
   (3 standard deviations; their ``min_dis < dis_thre`` with ``dis_thre=3``).
3. ``counts[k]`` is the number of high-quality samples assigned to mode ``k``; a mode is
   *covered* when ``counts[k] >= min_count``. Their code counts a mode as soon as it has
   one high-quality sample (``len(numpy.nonzero(detail_of_coverage)[0])``), so the default
   here is ``min_count=1``; pass a larger value for a rule that ignores stray samples.
4. The high-quality share is ``sum(counts) / num_samples``. The PacGAN code evaluates
   2,500 generated points (``num_log_figure_sample``).

The ``min_count=1`` rule lets a diffuse generator that sprays points everywhere "cover"
every mode with a stray sample or two; read ``modes_covered`` together with
``high_quality_share`` and ``counts``.

Example:

```python
from keras_gans.data import mixtures
from keras_gans.metrics.modes import mode_coverage

centers, std = mixtures.mode_centers("grid25")
result = mode_coverage(gan.generate(2500), centers, std)
result.modes_covered, result.high_quality_share, result.counts
```
"""

import dataclasses
import numbers

import numpy as np

__all__ = ["ModeCoverage", "mode_coverage"]

_CHUNK = 65536  # samples per block when computing the [N, K] distance matrix


@dataclasses.dataclass(frozen=True)
class ModeCoverage:
    """The result of :func:`mode_coverage`.

    Attributes:
        modes_covered: number of modes with at least ``min_count`` high-quality samples.
        high_quality_share: share of all samples within ``threshold`` std of their nearest
            mode, in [0, 1].
        counts: ``[K]`` int64 number of high-quality samples per mode.
        num_modes: K.
        num_samples: N.
        threshold: the threshold in standard deviations.
        min_count: the coverage rule's minimum count.
    """

    modes_covered: int
    high_quality_share: float
    counts: np.ndarray
    num_modes: int
    num_samples: int
    threshold: float
    min_count: int

    def as_dict(self):
        """A JSON-serialisable dict."""
        return {
            "modes_covered": int(self.modes_covered),
            "high_quality_share": float(self.high_quality_share),
            "counts": [int(c) for c in self.counts],
            "num_modes": int(self.num_modes),
            "num_samples": int(self.num_samples),
            "threshold": float(self.threshold),
            "min_count": int(self.min_count),
        }


def mode_coverage(samples, centers, std, threshold=3.0, min_count=1):
    """Counts the modes a generator covers and its share of high-quality samples.

    Args:
        samples: ``[N, D]`` generated points (NumPy or tensor; float).
        centers: ``[K, D]`` mode centres.
        std: the modes' standard deviation: a positive scalar, or ``[K]`` per mode.
        threshold: a sample is high quality if it lies less than ``threshold`` standard
            deviations from its nearest mode (3 in the PacGAN code).
        min_count: a mode is covered if it has at least this many high-quality samples
            (1 in the PacGAN code).

    Returns:
        A :class:`ModeCoverage`.
    """
    samples = np.asarray(samples, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[0] < 1:
        raise ValueError(f"samples must have shape [N, D] with N >= 1; received {samples.shape}.")
    if centers.ndim != 2 or centers.shape[0] < 1 or centers.shape[1] != samples.shape[1]:
        raise ValueError(
            f"centers must have shape [K, {samples.shape[1]}] to match samples; received "
            f"{centers.shape}."
        )
    if not np.all(np.isfinite(centers)):
        raise ValueError("centers must be finite.")
    num_modes = centers.shape[0]
    std = np.asarray(std, dtype=np.float64)
    if std.ndim == 0:
        std = np.full(num_modes, float(std))
    if std.shape != (num_modes,) or not np.all(np.isfinite(std)) or np.any(std <= 0):
        raise ValueError(
            f"std must be a positive scalar or a [K={num_modes}] vector of positive values; "
            f"received {std!r}."
        )
    if not isinstance(threshold, numbers.Real) or isinstance(threshold, bool) or threshold <= 0:
        raise ValueError(f"threshold must be a positive number; received {threshold!r}.")
    if not isinstance(min_count, numbers.Integral) or isinstance(min_count, bool) or min_count < 1:
        raise ValueError(f"min_count must be a positive int; received {min_count!r}.")

    counts = np.zeros(num_modes, dtype=np.int64)
    for start in range(0, samples.shape[0], _CHUNK):
        block = samples[start : start + _CHUNK]
        # Standardised distances [n, K]; NaN / inf samples are never high quality.
        diff = block[:, None, :] - centers[None, :, :]
        dist = np.sqrt(np.sum(diff * diff, axis=-1)) / std[None, :]
        dist = np.where(np.isfinite(dist), dist, np.inf)
        nearest = np.argmin(dist, axis=1)
        good = dist[np.arange(block.shape[0]), nearest] < threshold
        counts += np.bincount(nearest[good], minlength=num_modes)

    return ModeCoverage(
        modes_covered=int(np.sum(counts >= min_count)),
        high_quality_share=float(counts.sum() / samples.shape[0]),
        counts=counts,
        num_modes=num_modes,
        num_samples=int(samples.shape[0]),
        threshold=float(threshold),
        min_count=int(min_count),
    )
