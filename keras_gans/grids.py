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


def label_colors(labels, num_classes):
    """Label maps ``[N, H, W, 1]`` (ints) -> RGB images in [-1, 1] to look at: class ``k``
    gets the colour of the PASCAL VOC colour map (the bits of ``k`` spread over R, G, B from
    the most significant bit down), so neighbouring ids get distinct colours."""
    ids = np.arange(max(int(num_classes), 1))
    palette = np.zeros((len(ids), 3), np.int64)
    value = ids.copy()
    for shift in range(7, -1, -1):
        for channel in range(3):
            palette[:, channel] |= ((value >> channel) & 1) << shift
        value >>= 3
    palette = palette.astype(np.float32) / 127.5 - 1.0
    labels = np.asarray(labels)[..., 0].astype(np.int64)
    return palette[np.clip(labels, 0, len(ids) - 1)]


def source_colors(source):
    """Source images to look at: 1- and 3-channel images as they are, an encoded label map
    (one-hot classes, maybe plus an instance-edge channel) as the colours of its argmax."""
    source = np.asarray(source)
    if source.shape[-1] in (1, 3):
        return source
    return label_colors(np.argmax(source, axis=-1)[..., None], source.shape[-1])
