"""Tiled inference: run an image-to-image network on images of any size, tile by tile.

Translation generators (pix2pix/CycleGAN U-Nets and ResNets) and super-resolution
generators are fully convolutional, but a whole high-resolution image rarely fits in memory
at once, and a U-Net only accepts sizes that are multiples of ``2**depth``.
:func:`tiled_apply` cuts each image into overlapping tiles of one fixed size, runs the
network on batches of tiles inside a ``tf.while_loop`` (so the network's activations stay the
size of one tile batch however large the image is, and the whole thing traces once inside a
``tf.function`` with an ``input_signature`` of ``[None, None, None, C]`` and exports to a
SavedModel) and cross-fades the outputs where tiles overlap. Running all tiles in one TF call
leaves no point where a caller could report progress; :func:`tiled_apply_steps` is the same
computation (the same placement, batches, weights and overlap-add, through the same helpers)
driven from Python: it calls ``fn`` on one tile batch at a time and ``on_tiles(done, total)``
after each, for a progress bar over tiles (``python -m zoo.upscale``) or to run the network
through a SavedModel signature on tile batches.

Placement. Along each axis of length ``L`` (``L >= tile``) the ``n = 1 + ceil((L - tile) /
(tile - overlap))`` tiles are spread evenly from ``0`` to ``L - tile``, so the border tiles
lie inside the image (no padding artefacts at the image border) and every two neighbours
overlap by at least ``overlap`` pixels. An axis shorter than a tile is padded at the
bottom/right to one tile (``pad_mode``, reflection by default) and the output is cropped.

Blending. Along an axis, a tile's weight is 1 except within ``overlap`` pixels (times
``scale`` at the output) of an edge that has a neighbouring tile; there it rises from 0 at
the edge to 1 with a ramp that occupies the central ``blend_width`` of the overlap strip
(cosine, ``sin**2``, or linear). The outer ``(1 - blend_width) / 2`` of the strip gets
weight 0, because a tile's outermost pixels carry the network's zero-padding artefacts: a
translation-equivariant network whose receptive radius is at most
``overlap * (1 - blend_width) / 2`` gives exactly the whole-image result (up to float
rounding). The ramps of two tiles that overlap by exactly ``overlap`` sum to 1; elsewhere the
weights are normalised by their sum per pixel, and a 2-D tile's weight is the product of its
row and column weights, so a function that returns its input gives the image back.
``blend_width=0`` is a hard seam in the middle of the overlap (Real-ESRGAN's ``tile_pad``
scheme: the overlap only gives each tile context).

Memory and work. ``fn``'s activations are those of one tile batch. What grows with the image
is output-sized: the weighted output tiles (about ``(t / (t - overlap))**2`` times the output)
and the copies made by the final overlap-add (two segment sums, one per axis). Measured for a
3-layer 64-channel conv net on a 2048x2048 image (CPU): the whole-image call raised peak RSS
by 2.2 GB, ``tiled_apply`` with 256-pixel tiles by 0.16 GB, in the same time. The tiles cover
``n_h * n_w * t**2`` pixels, which can be well above ``H * W`` when a tile barely misses
(512 pixels with ``t=256, overlap=32`` needs 3 tiles per axis, 2.25x the pixels; ``t=272``
needs 2, 1.13x): pick ``tile_size`` with :func:`tile_counts`. Eagerly, every batch is a
Python step (a few ms of overhead each); call it inside a ``tf.function`` for speed.
:func:`tiled_apply_steps` keeps the same tensors; give it a ``tf.function`` (or a
SavedModel signature) as ``fn`` and each batch costs that call plus a few eager ops.
Measured through an exported upscaler (its ``tiled`` signature, vs its ``tiles`` signature
per batch of 4) on a 1024 x 1024 image at x4 (256-pixel tiles, overlap 16: 25 tiles), 2 CPU
cores shared with other jobs: with a 2-block, 16-feature RRDBNet 7.5 s vs 7.2 s wall (median
of 3; CPU 12.1 s vs 12.3 s), the same within the noise; with a 1-block, 8-feature one peak RSS
grew by 0.93 GB vs 1.10 GB (eager intermediates live until Python drops them).

Example::

    from keras_gans.tiling import tiled_apply, tiled_apply_steps

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32),
                                  tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32)])
    def upscale(images, tile_size, overlap):
        return tiled_apply(lambda t: generator(t, training=False), images, tile_size, overlap,
                           scale=4)

    # The same result, one tile batch per call, with a progress bar:
    net = tf.function(lambda t: generator(t, training=False))
    with tqdm(unit="tile") as bar:
        out = tiled_apply_steps(net, images, 256, 16, scale=4,
                                on_tiles=lambda done, total: bar.update(done - bar.n))
"""

import numbers

import numpy as np
import tensorflow as tf

PAD_MODES = ("REFLECT", "SYMMETRIC", "CONSTANT")

# Everything here is plain TF ops with explicit control flow; AutoGraph's conversion of
# tiled_apply alone took 2.4 s of a 2.5 s trace (measured), so it is skipped. ``fn`` is then
# called as plain Python: a Keras model or a ``tf.function`` works as is.
_no_autograph = tf.autograph.experimental.do_not_convert
BLENDS = ("linear", "cosine")


# ----------------------------------------------------------------------------- validation


def _int_argument(name, value, minimum):
    """``(static, tensor)`` for a Python/NumPy int or a scalar integer tensor.

    ``static`` is the Python int when the value is known while tracing (Python ints, NumPy
    ints, eager and constant tensors), else ``None``. Known values are checked here
    (``ValueError``); the caller asserts on unknown ones.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be an int >= {minimum}; received the bool {value!r}.")
    if isinstance(value, (numbers.Integral, np.integer)):
        static = int(value)
    elif isinstance(value, (tf.Tensor, tf.Variable)) or tf.is_tensor(value):
        if not value.dtype.is_integer:
            raise ValueError(
                f"{name} must be an integer scalar; received a {value.dtype.name} tensor."
            )
        if value.shape.rank not in (None, 0):
            raise ValueError(f"{name} must be a scalar; received a tensor of shape {value.shape}.")
        static = None if isinstance(value, tf.Variable) else tf.get_static_value(value)
        if static is None:
            return None, tf.cast(tf.reshape(value, []), tf.int32)
        static = int(static)
    else:
        raise ValueError(
            f"{name} must be an int or a scalar integer tensor; received {type(value).__name__} "
            f"{value!r}."
        )
    if static < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; received {static}.")
    return static, tf.constant(static, tf.int32)


def _assert(condition, *data):
    return tf.debugging.Assert(condition, list(data), summarize=8)


def _check_rank4(images, what="images"):
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4:
        raise ValueError(
            f"{what} must have shape [N, H, W, C]; received a tensor of shape {images.shape}."
        )
    return images


def _check_pad_mode(pad_mode):
    mode = pad_mode.upper() if isinstance(pad_mode, str) else pad_mode
    if mode not in PAD_MODES:
        raise ValueError(f"pad_mode must be one of {PAD_MODES}; received {pad_mode!r}.")
    return mode


# --------------------------------------------------------------------------------- padding


def _source_index(idx, n, mode):
    """The index into an axis of length ``n`` read for position ``idx >= 0`` of the axis padded
    at its end. ``REFLECT`` and ``SYMMETRIC`` agree with ``tf.pad`` where ``tf.pad`` accepts the
    padding and keep mirroring beyond it; ``REFLECT`` of a 1-pixel axis is ``SYMMETRIC``
    (replicate). ``CONSTANT`` clamps (the caller masks)."""
    if mode == "CONSTANT":
        return tf.minimum(idx, n - 1)
    period = 2 * n
    r = idx % period
    symmetric = tf.where(r < n, r, period - 1 - r)
    if mode == "SYMMETRIC":
        return symmetric
    period = tf.maximum(2 * n - 2, 1)
    r = idx % period
    return tf.where(n > 1, tf.where(r < n, r, period - r), symmetric)


def _pad_end(images, height, width, mode):
    """``images`` padded at the bottom and right to ``[N, height, width, C]``."""
    shape = tf.shape(images)
    h, w = shape[1], shape[2]
    if mode == "CONSTANT":
        return tf.pad(images, [[0, 0], [0, height - h], [0, width - w], [0, 0]])
    images = tf.gather(images, _source_index(tf.range(height), h, mode), axis=1)
    return tf.gather(images, _source_index(tf.range(width), w, mode), axis=2)


@_no_autograph
def pad_to_multiple(images, multiple, mode="REFLECT"):
    """Pads ``images`` at the bottom and right so that height and width are multiples of
    ``multiple`` (a U-Net with ``d`` stride-2 downsamplings needs multiples of ``2**d``).

    Args:
        images: ``[N, H, W, C]``, any ``H, W >= 1``.
        multiple: positive int or scalar int tensor.
        mode: ``"REFLECT"`` (default), ``"SYMMETRIC"`` or ``"CONSTANT"`` (zeros). The mirror
            modes equal ``tf.pad``'s where ``tf.pad`` accepts the padding and keep mirroring
            where it would not (padding longer than the image); reflecting a 1-pixel side
            repeats it.

    Returns:
        ``(padded, size)``: the padded images and the original ``[H, W]`` (int32), for
        :func:`crop_to_size`.

    Example::

        padded, size = pad_to_multiple(images, 256)
        outputs = crop_to_size(unet(padded), size)
    """
    images = _check_rank4(images)
    mode = _check_pad_mode(mode)
    static, multiple = _int_argument("multiple", multiple, 1)
    checks = [] if static is not None else [
        _assert(multiple >= 1, "multiple must be >= 1; received multiple =", multiple)]
    with tf.control_dependencies(checks):
        shape = tf.shape(images)
        size = shape[1:3]
        padded_size = -(-size // multiple) * multiple
    padded = _pad_end(images, padded_size[0], padded_size[1], mode)
    return padded, size


@_no_autograph
def crop_to_size(images, size, scale=1):
    """The top-left ``[size[0] * scale, size[1] * scale]`` of ``images`` (undoes
    :func:`pad_to_multiple` on a network's output; ``scale`` for super-resolution)."""
    images = _check_rank4(images)
    size = tf.cast(size, tf.int32) * scale
    return images[:, : size[0], : size[1]]


@_no_autograph
def padded_apply(fn, images, multiple, scale=1, mode="REFLECT"):
    """Whole-image call: ``fn`` on ``images`` padded to a multiple of ``multiple``, cropped back
    to ``[N, H * scale, W * scale, C_out]``."""
    padded, size = pad_to_multiple(images, multiple, mode)
    return crop_to_size(fn(padded), size, scale)


# ---------------------------------------------------------------------------------- tiling


def _axis_plan(length, tile, stride, align):
    """Tile origins along one axis of (padded) ``length >= tile``: ``n`` tiles from ``0`` to
    ``length - tile``, evenly spread, on multiples of ``align`` (``length - tile`` and
    ``stride`` are multiples of ``align``); neighbours are at most ``stride`` apart."""
    extra = length - tile
    n = 1 + -(-extra // stride)
    steps = extra // align
    return align * ((tf.range(n) * steps) // tf.maximum(n - 1, 1))


def _ramp(d, width, blend, blend_width):
    """Weight at distance ``d`` (pixels, float) from a tile edge with a neighbour, for an
    overlap of ``width`` output pixels."""
    one = tf.ones_like(d)
    u = (d + 0.5) / tf.maximum(width, 1.0)
    if blend_width > 0:
        margin = (1.0 - blend_width) / 2.0
        t = tf.clip_by_value((u - margin) / blend_width, 0.0, 1.0)
    else:
        t = tf.where(u < 0.5, 0.0 * one, tf.where(u > 0.5, one, 0.5 * one))
    if blend == "cosine":
        # tf.square, not ``** 2``: Grappler rewrites a graph's Pow(x, 2) into Square, which
        # rounds differently from the eager Pow; with Square, eager, traced and exported
        # weights agree bit for bit (tiled_apply_steps vs a SavedModel's tiled_apply).
        t = tf.square(tf.sin(t * (np.pi / 2)))
    return tf.where(width > 0, t, one)


def _axis_weights(origins, tile, length, scale, overlap, blend, blend_width, dtype):
    """``[n, tile * scale]`` weights of the tiles along one axis, normalised so that they sum
    to 1 at every output pixel of ``[0, length * scale)``."""
    size = tile * scale
    d = tf.cast(tf.range(size), dtype)
    width = tf.cast(overlap * scale, dtype)
    rise = _ramp(d, width, blend, blend_width)
    fall = tf.reverse(rise, [0])
    has_before = (origins > 0)[:, None]
    has_after = (origins + tile < length)[:, None]
    one = tf.ones_like(rise)[None]
    w = tf.where(has_before, rise[None], one) * tf.where(has_after, fall[None], one)
    positions = origins[:, None] * scale + tf.range(size)[None]
    total = tf.math.unsorted_segment_sum(tf.reshape(w, [-1]), tf.reshape(positions, [-1]),
                                         length * scale)
    return w / tf.gather(total, positions)


class _Plan:
    """Everything :func:`tiled_apply` and :func:`tiled_apply_steps` derive from their
    arguments: tile placement, blend weights, the flattened images (tensors; eager tensors when
    run eagerly)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def _check_fn(fn):
    if not callable(fn):
        raise ValueError(f"fn must be callable; received {type(fn).__name__} {fn!r}.")


def _plan(images, tile_size, overlap, scale, multiple, batch_size, blend, blend_width, align,
          pad_mode):
    """Checks the arguments of :func:`tiled_apply` (but ``fn``) and returns its :class:`_Plan`."""
    if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, (numbers.Integral, np.integer)) \
            or scale < 1:
        raise ValueError(f"scale must be a static Python int >= 1; received {scale!r}.")
    scale = int(scale)
    if blend not in BLENDS:
        raise ValueError(f"blend must be one of {BLENDS}; received {blend!r}.")
    if isinstance(blend_width, (bool, np.bool_)) or not isinstance(blend_width, numbers.Real) \
            or not 0.0 <= float(blend_width) <= 1.0:
        raise ValueError(f"blend_width must be a float in [0, 1]; received {blend_width!r}.")
    blend_width = float(blend_width)
    if not isinstance(align, (bool, np.bool_)):
        raise ValueError(f"align must be a Python bool; received {align!r}.")
    align = bool(align)
    pad_mode = _check_pad_mode(pad_mode)

    tile_static, tile = _int_argument("tile_size", tile_size, 1)
    overlap_static, overlap = _int_argument("overlap", overlap, 0)
    multiple_static, multiple = _int_argument("multiple", multiple, 1)
    batch_static, batch = _int_argument("batch_size", batch_size, 1)

    # Run-time checks of tensor arguments, and the relations between arguments.
    checks = []
    if tile_static is None:
        checks.append(_assert(tile >= 1, "tile_size must be >= 1; received tile_size =", tile))
    if overlap_static is None:
        checks.append(_assert(overlap >= 0, "overlap must be >= 0; received overlap =", overlap))
    if multiple_static is None:
        checks.append(_assert(multiple >= 1, "multiple must be >= 1; received multiple =", multiple))
    if batch_static is None:
        checks.append(_assert(batch >= 1, "batch_size must be >= 1; received batch_size =", batch))
    tile_eff_static = None
    if tile_static is not None and multiple_static is not None:
        tile_eff_static = -(-tile_static // multiple_static) * multiple_static
    if tile_static is not None and overlap_static is not None:
        if not 2 * overlap_static < tile_static:
            raise ValueError(
                f"overlap must be less than tile_size / 2; received tile_size={tile_static}, "
                f"overlap={overlap_static}."
            )
    else:
        checks.append(_assert(2 * overlap < tile, "overlap must be less than tile_size / 2; "
                              "received tile_size =", tile, "overlap =", overlap))
    with tf.control_dependencies(checks):
        tile = tf.identity(-(-tile // multiple) * multiple)  # rounded up to a multiple
    stride = tile - overlap
    if align:
        stride = (stride // multiple) * multiple
        if tile_eff_static is not None and overlap_static is not None:
            if tile_eff_static - overlap_static < multiple_static:
                raise ValueError(
                    f"align=True needs tile_size - overlap >= multiple; received tile_size="
                    f"{tile_static} (rounded up to {tile_eff_static}), overlap={overlap_static}, "
                    f"multiple={multiple_static}."
                )
        else:
            checks.append(_assert(stride >= multiple, "align=True needs tile_size - overlap >= "
                                  "multiple; received tile_size (rounded up) =", tile,
                                  "overlap =", overlap, "multiple =", multiple))

    shape = tf.shape(images)
    n_images, height, width = shape[0], shape[1], shape[2]
    in_pixels = tf.cast(n_images, tf.int64) * tf.cast(height, tf.int64) * tf.cast(width, tf.int64)
    checks.append(_assert(tf.reduce_all(shape[:3] >= 1),
                          "images must have N, H, W >= 1; received shape", shape))
    checks.append(_assert(in_pixels < 2**31, "tiled_apply needs N * H * W < 2**31 (int32 "
                          "indices); received images of shape", shape))

    with tf.control_dependencies(checks):
        stride = tf.identity(stride)
        align_step = multiple if align else tf.constant(1, tf.int32)
        len_h = tf.maximum(height, tile)
        len_w = tf.maximum(width, tile)
        if align:
            len_h = -(-len_h // multiple) * multiple
            len_w = -(-len_w // multiple) * multiple
        origins_h = _axis_plan(len_h, tile, stride, align_step)
        origins_w = _axis_plan(len_w, tile, stride, align_step)

    n_h, n_w = tf.size(origins_h), tf.size(origins_w)
    per_image = n_h * n_w
    n_tiles = n_images * per_image
    acc_dtype = tf.float64 if images.dtype == tf.float64 else tf.float32
    return _Plan(
        scale=scale, pad_mode=pad_mode, tile=tile, batch=batch, tile_eff_static=tile_eff_static,
        out_tile=tile * scale,
        out_tile_static=None if tile_eff_static is None else tile_eff_static * scale,
        n_images=n_images, height=height, width=width, channels=images.shape[-1],
        static_shape=images.shape, origins_h=origins_h, origins_w=origins_w, n_h=n_h, n_w=n_w,
        per_image=per_image, n_tiles=n_tiles, n_batches=-(-n_tiles // batch), acc_dtype=acc_dtype,
        weights_h=_axis_weights(origins_h, tile, len_h, scale, overlap, blend, blend_width,
                                acc_dtype),
        weights_w=_axis_weights(origins_w, tile, len_w, scale, overlap, blend, blend_width,
                                acc_dtype),
        flat_images=tf.reshape(images, tf.concat([[-1], shape[3:]], 0)),
    )


def _gather_tiles(p, start, count):
    """Tiles ``start, ..., start + count - 1`` (image-major, then row-major) as ``[count, t, t,
    C]``, and their image, row and column indices."""
    t = start + tf.range(count)
    b, ti, tj = t // p.per_image, (t % p.per_image) // p.n_w, t % p.n_w
    offsets = tf.range(p.tile)
    rows = tf.gather(p.origins_h, ti)[:, None] + offsets[None]  # [count, tile]
    cols = tf.gather(p.origins_w, tj)[:, None] + offsets[None]
    src = ((b[:, None, None] * p.height + _source_index(rows, p.height, p.pad_mode)[:, :, None])
           * p.width + _source_index(cols, p.width, p.pad_mode)[:, None, :])
    tiles = tf.gather(p.flat_images, src)
    if p.pad_mode == "CONSTANT":
        inside = (rows < p.height)[:, :, None] & (cols < p.width)[:, None, :]
        tiles = tiles * tf.cast(inside, tiles.dtype)[..., None]
    tiles = tf.ensure_shape(tiles, [None, p.tile_eff_static, p.tile_eff_static, p.channels])
    return tiles, ti, tj


def _weighted_tiles(p, out, tiles, count, ti, tj):
    """``fn``'s output ``out`` for ``tiles``, checked and multiplied by the tiles' blend weights
    (in the accumulation dtype)."""
    out = tf.convert_to_tensor(out)
    scale = p.scale
    if out.shape.rank is not None and out.shape.rank != 4:
        raise ValueError(f"fn must return [n, t * scale, t * scale, C_out]; it returned shape "
                         f"{out.shape} for tiles of shape {tiles.shape}.")
    if p.out_tile_static is not None and any(
            d is not None and d != p.out_tile_static for d in out.shape[1:3]):
        raise ValueError(
            f"fn must map tiles [n, t, t, C] to [n, t * scale, t * scale, C_out] (scale={scale}); "
            f"it returned shape {out.shape} for tiles of shape {tiles.shape}."
        )
    out_shape = tf.shape(out)
    check = _assert(tf.reduce_all(out_shape[:3] == tf.stack([count, p.out_tile, p.out_tile])),
                    f"fn must map tiles [n, t, t, C] to [n, t * scale, t * scale, C_out] "
                    f"(scale={scale}); received output shape", out_shape,
                    "for tiles of shape", tf.shape(tiles))
    with tf.control_dependencies([check]):
        w = tf.gather(p.weights_h, ti)[:, :, None] * tf.gather(p.weights_w, tj)[:, None, :]
        return tf.cast(out, p.acc_dtype) * w[..., None], out.dtype


def _overlap_add(p, tiles_out, out_dtype):
    """The blended ``[N, H * scale, W * scale, C_out]`` from the weighted output tiles
    ``[n_tiles, t * scale, t * scale, C_out]`` (a tensor, or a list of batches, which is
    emptied), cast to ``out_dtype`` (when not ``None``)."""
    # One axis at a time (two segment sums over small id vectors; measured 2x faster than one
    # segment sum over per-pixel ids, and no id tensor the size of the output). Output pixels
    # that fall in the padding get id -1 and are dropped. The ``del`` s free each
    # intermediate as soon as it is used when run eagerly (tiled_apply_steps), as the graph
    # executor does: without them the eager peak was 0.8 GB higher on a 1024 x 1024 image at x4.
    if isinstance(tiles_out, list):
        parts = tiles_out
        tiles_out = parts[0] if len(parts) == 1 else tf.concat(parts, 0)
        parts.clear()
    scale = p.scale
    out_h, out_w = p.height * scale, p.width * scale
    out_channels = tf.shape(tiles_out)[-1]
    out_offsets = tf.range(p.out_tile)

    def axis_ids(origins, out_length):
        ids = origins[:, None] * scale + out_offsets[None]
        return tf.where(ids < out_length, ids, -1)

    grid = tf.reshape(tiles_out, tf.stack([p.n_images, p.n_h, p.n_w, p.out_tile, p.out_tile,
                                           out_channels]))
    del tiles_out
    grid = tf.transpose(grid, [2, 4, 0, 1, 3, 5])  # [n_w, x, N, n_h, y, C]
    # [W, N, n_h, y, C]
    rows = tf.math.unsorted_segment_sum(grid, axis_ids(p.origins_w, out_w), out_w)
    del grid
    rows = tf.transpose(rows, [2, 3, 1, 0, 4])  # [n_h, y, N, W, C]
    result = tf.math.unsorted_segment_sum(rows, axis_ids(p.origins_h, out_h), out_h)  # [H, N, W, C]
    del rows
    result = tf.transpose(result, [1, 0, 2, 3])
    static = p.static_shape
    result = tf.ensure_shape(result, [
        static[0],
        None if static[1] is None else static[1] * scale,
        None if static[2] is None else static[2] * scale,
        None,
    ])
    return result if out_dtype is None else tf.cast(result, out_dtype)


@_no_autograph
def tiled_apply(fn, images, tile_size, overlap, scale=1, *, multiple=1, batch_size=8,
                blend="cosine", blend_width=0.5, align=False, pad_mode="REFLECT"):
    """Applies the image-to-image function ``fn`` to ``images`` of any size, tile by tile.

    ``fn`` is called on batches of tiles ``[n, t, t, C]`` (``n <= batch_size``, ``t`` the tile
    size) inside a ``tf.while_loop`` and must return ``[n, t * scale, t * scale, C_out]``. The
    tiles overlap by at least ``overlap`` input pixels; border tiles lie inside the image and
    an axis shorter than a tile is padded to one tile and cropped back (see the module
    docstring for placement and blending). Works eagerly and in a ``tf.function`` whose
    images have dynamic height and width, and exports to a SavedModel (``tile_size`` and
    ``overlap`` can be signature inputs). :func:`tiled_apply_steps` is the same computation
    driven from Python, batch by batch, with a progress callback.

    Args:
        fn: callable on a tile batch, e.g. ``lambda t: generator(t, training=False)``. It is
            traced once (called once in graph mode, once per batch eagerly); it may have side
            effects such as counters. It is called as plain Python, without AutoGraph: a Keras
            model or a ``tf.function`` works; wrap a function that branches on tensor values
            in ``tf.function``.
        images: ``[N, H, W, C]``, ``N, H, W >= 1``, any dtype ``fn`` accepts.
        tile_size: positive int or scalar int tensor: the tile's side in input pixels,
            rounded up to a multiple of ``multiple``.
        overlap: int or scalar int tensor, ``0 <= overlap < tile_size / 2``: the minimum
            overlap of neighbouring tiles, in input pixels.
        scale: static positive int, the output/input size ratio of ``fn`` (1 for
            translation, 2 or 4 for super-resolution).
        multiple: int or scalar int tensor: side lengths ``fn`` accepts must be multiples of
            it (``2**d`` for a U-Net with ``d`` downsamplings). The tile side is rounded up to
            a multiple (so a multiple works as is).
        batch_size: int or scalar int tensor: tiles per call of ``fn`` (memory knob).
        blend: ``"cosine"`` (default, ``sin**2`` cross-fade) or ``"linear"``.
        blend_width: float in ``[0, 1]``: the share of the overlap strip over which tiles
            cross-fade, centred in the strip; the outer rest of each tile's strip gets weight 0.
            ``0`` is a hard seam in the middle of the overlap.
        align: static bool. If true, tile origins are multiples of ``multiple`` (the stride
            rounded down to a multiple, so there may be more tiles; the image is padded at the
            bottom/right to a multiple as well) so that a network with strided stages sees
            every tile on the whole image's sampling grid: with small receptive fields the
            result then equals :func:`padded_apply`. Needs
            ``tile - overlap >= multiple``.
        pad_mode: how axes shorter than a tile (and, with ``align``, up to a multiple) are
            padded: ``"REFLECT"`` (default), ``"SYMMETRIC"`` or ``"CONSTANT"``; see
            :func:`pad_to_multiple`.

    Returns:
        ``[N, H * scale, W * scale, C_out]`` in ``fn``'s output dtype (blended in float32,
        float64 for float64 images).

    Raises:
        ValueError: for bad arguments known while tracing (Python values, constant tensors).
            Tensor arguments only known at run time are checked with ``tf.debugging``
            asserts (``InvalidArgumentError`` whose message names the argument and value).
    """
    images = _check_rank4(images)
    _check_fn(fn)
    p = _plan(images, tile_size, overlap, scale, multiple, batch_size, blend, blend_width, align,
              pad_mode)
    out_dtype = []  # fn's output dtype, recorded when the loop body is traced (or run eagerly)

    def body(i, outputs):
        start = i * p.batch
        count = tf.minimum(p.batch, p.n_tiles - start)
        tiles, ti, tj = _gather_tiles(p, start, count)
        weighted, dtype = _weighted_tiles(p, fn(tiles), tiles, count, ti, tj)
        out_dtype[:] = [dtype]
        return i + 1, outputs.write(i, weighted)

    outputs = tf.TensorArray(p.acc_dtype, size=p.n_batches, infer_shape=False)
    _, outputs = tf.while_loop(lambda i, _: i < p.n_batches, body, [tf.constant(0), outputs],
                               parallel_iterations=1)
    tiles_out = outputs.concat()  # [n_tiles, out_tile, out_tile, C_out]
    return _overlap_add(p, tiles_out, out_dtype[0] if out_dtype else None)


def tiled_apply_steps(fn, images, tile_size, overlap, scale=1, *, multiple=1, batch_size=8,
                      blend="cosine", blend_width=0.5, align=False, pad_mode="REFLECT",
                      on_tiles=None):
    """:func:`tiled_apply` driven from Python: one call of ``fn`` per tile batch, with progress.

    The same tiles, batches (image-major, rows then columns), blend weights and overlap-add as
    :func:`tiled_apply` with the same arguments (its own helpers), so the result equals its
    result up to float rounding of ``fn`` itself (bit for bit when ``fn`` computes the same
    values in both). The difference is who runs the loop: here a Python ``for`` over the
    batches calls ``fn`` on each batch as it is and calls ``on_tiles(done, total)`` after it,
    so a caller can show a progress bar, or drive tiles through a SavedModel signature that
    runs the network on a tile batch. Memory is :func:`tiled_apply`'s: ``fn``'s activations
    for one batch, and output-sized accumulators (the weighted output tiles, then the
    overlap-add).

    Eager only (it loops in Python; inside a ``tf.function`` use :func:`tiled_apply`). For
    speed pass a ``tf.function`` (or a SavedModel signature) as ``fn``: each batch costs one
    call of it plus a few eager ops for gathering and weighting the tiles (no per-pixel Python
    work).

    Args:
        fn: callable on an eager tile batch ``[n, t, t, C]`` returning ``[n, t * scale, t *
            scale, C_out]`` (a tensor or array).
        images, tile_size, overlap, scale, multiple, batch_size, blend, blend_width, align,
            pad_mode: as :func:`tiled_apply`.
        on_tiles: ``None`` or a callable ``on_tiles(done, total)``, called after every batch
            with the number of tiles done so far and the total ``N * rows * columns`` (Python
            ints; the last call has ``done == total``).

    Returns:
        :func:`tiled_apply`'s result, an eager tensor.

    Raises:
        ValueError: as :func:`tiled_apply`; also for a non-callable ``on_tiles``.
        RuntimeError: when called inside a ``tf.function``.
    """
    if not tf.executing_eagerly():
        raise RuntimeError("tiled_apply_steps loops over the tile batches in Python and runs "
                           "eagerly only; inside a tf.function use tiled_apply.")
    images = _check_rank4(images)
    _check_fn(fn)
    if on_tiles is not None and not callable(on_tiles):
        raise ValueError(f"on_tiles must be None or a callable on_tiles(done, total); received "
                         f"{type(on_tiles).__name__} {on_tiles!r}.")
    p = _plan(images, tile_size, overlap, scale, multiple, batch_size, blend, blend_width, align,
              pad_mode)
    n_tiles, batch = int(p.n_tiles), int(p.batch)
    parts, out_dtype = [], None
    for start in range(0, n_tiles, batch):
        count = min(batch, n_tiles - start)
        tiles, ti, tj = _gather_tiles(p, start, count)
        weighted, out_dtype = _weighted_tiles(p, fn(tiles), tiles, count, ti, tj)
        parts.append(weighted)
        del tiles, weighted  # only the weighted output tiles stay
        if on_tiles is not None:
            on_tiles(start + count, n_tiles)
    return _overlap_add(p, parts, out_dtype)  # consumes parts


def tile_counts(height, width, tile_size, overlap, multiple=1, align=False):
    """``(rows, columns)`` of tiles :func:`tiled_apply` uses for an ``height x width`` image
    (Python ints; for planning batch sizes and in tests)."""
    tile = -(-tile_size // multiple) * multiple
    stride = tile - overlap
    if align:
        stride = stride // multiple * multiple

    def count(length):
        length = max(length, tile)
        if align:
            length = -(-length // multiple) * multiple
        return 1 + -(-(length - tile) // stride)

    return count(height), count(width)
