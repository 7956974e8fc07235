"""Arranging images for sample grids (the layouts models declare in ``sample_grids``)."""

import numpy as np


def interleave(groups, columns):
    """Rows of ``columns`` images taken in turn from each array of ``groups``: for groups
    (x, y) the grid rows are x[0:c], y[0:c], x[c:2c], y[c:2c], ... Every group is
    ``[N, H, W, C]``; N is rounded down to a multiple of ``columns``; grayscale groups are
    repeated to the largest channel count."""
    groups = [np.asarray(g, np.float32) for g in groups]
    n = (min(len(g) for g in groups) // columns) * columns
    if n == 0:
        raise ValueError(f"Need at least columns={columns} images; received {min(len(g) for g in groups)}.")
    channels = max(g.shape[-1] for g in groups)
    groups = [np.repeat(g, channels, axis=-1) if g.shape[-1] == 1 < channels else g for g in groups]
    rows = []
    for start in range(0, n, columns):
        rows += [g[start : start + columns] for g in groups]
    return np.concatenate(rows)
