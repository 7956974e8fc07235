"""Upscaling with a super-resolution generator, as users need it (issue 12, item 4).

Most super-resolution users never train: they upscale their images with released weights
(:func:`keras_gans.networks.convert.load_official`). This module wraps such a generator for
that:

* :func:`upscale_functions` - ``tf.function`` s for export: ``serving_default(images)`` and
  ``tiled(images, tile_size, overlap)``, both tiled with :func:`keras_gans.tiling.tiled_apply`
  (memory flat in the image size) and clipped to [0, 1], and ``uint8(images, tile_size,
  overlap)``, the same on 8-bit images (``/ 255`` in, rounded to ``uint8`` out, as
  :func:`upscale_array`), the signature a TF Serving client sending decoded photos wants;
  and ``tiles(images)``, the bare network on a batch of tiles (clipped ``images`` and the
  ``unclipped`` values), so that a caller can drive the tiles itself
  (:func:`keras_gans.tiling.tiled_apply_steps`) and report progress over them.
* :func:`export_upscaler` - writes them as a versioned SavedModel
  (:func:`keras_gans.export.write_saved_model`); loading needs TensorFlow only.
* :func:`upscale_array` - one ``uint8`` ``[H, W, 3]`` image in, ``uint8`` ``[H * s, W * s, 3]``
  out, rounded as Real-ESRGAN's ``inference_realesrgan.py`` does.
* :func:`upscale_float` - one float image in [0, 1] with 1 (gray), 2 (gray + alpha), 3 (RGB)
  or 4 (RGBA) channels, through a generator or an exported ``tiled`` signature, as
  Real-ESRGAN's inference treats those layouts; any bit depth (``python -m zoo.upscale``
  uses it for 8- and 16-bit images). :func:`tile_count` - how many tiles it runs per plane.
  With ``on_tiles=`` and a generator or a :class:`TileNetwork` (over an export's ``tiles``
  signature) it runs the tiles batch by batch from Python and reports them, with the same
  output as the ``tiled`` signature (bit for bit, measured).

Value range. The networks of :mod:`keras_gans.networks.super_resolution` take float images in
[0, 1] (``uint8 / 255``), NHWC RGB, as the official PyTorch code; the output is not clamped
by the network, so the functions here clip it to [0, 1].

Tiling. Images are cut into square tiles of ``tile_size`` input pixels overlapping by at least
``overlap`` (``2 * overlap < tile_size``); outputs are cross-faded in the overlaps
(``tiled_apply`` defaults: cosine ramp over the central half of the overlap). A network whose
receptive radius is at most ``overlap / 4`` input pixels gives the whole-image result (up to
float rounding). An RRDBNet's receptive radius is about ``2 + 15 * num_blocks`` input pixels
(347 for RealESRGAN_x4plus), far beyond any practical overlap, so its tiled output differs
from the whole-image one near the seams; the residual scaling (0.2) keeps distant pixels'
influence small, and Real-ESRGAN's own ``--tile`` option makes the same trade. An axis shorter than a tile is padded at the bottom/right to one tile by
reflection and the output cropped back: an image smaller than the tile is therefore *not* the
network's zero-padded whole-image output near its bottom/right border (the network sees
reflected context there). :func:`upscale_array` instead runs an image that fits in one tile as
a single tile of its own (square, rounded up) size, to avoid computing a 256 x 256 tile for a
small image.

Networks with pixel-unshuffle (``rrdbnet(scale=2)`` needs sizes that are multiples of 2,
``scale=1`` of 4) need ``multiple``: the tile size must be a multiple of it and tiles are
placed on multiples of it (``align=True``), so every tile sees the whole image's sampling grid.
"""

import time
import weakref

import keras
import numpy as np
import tensorflow as tf

from keras_gans import export, tiling

__all__ = ["network_multiple", "upscale_functions", "export_upscaler", "upscale_array",
           "upscale_float", "tile_count", "TileNetwork", "LUMA"]


def network_multiple(generator):
    """The side multiple ``generator`` needs: 4 // scale for a pixel-unshuffling RRDBNet
    (a ``pixel_unshuffle`` layer), else 1."""
    for layer in generator.layers:
        if layer.name == "pixel_unshuffle":
            return int(layer.scale)
    return 1


def _check_tiles(tile_size, overlap, multiple, what=""):
    if isinstance(tile_size, bool) or not isinstance(tile_size, (int, np.integer)) \
            or tile_size < 1 or tile_size % multiple:
        need = f"a positive multiple of {multiple}" if multiple > 1 else "a positive int"
        raise ValueError(f"{what}tile_size must be {need} (what the network needs); "
                         f"received {tile_size!r}.")
    if isinstance(overlap, bool) or not isinstance(overlap, (int, np.integer)) or overlap < 0 \
            or 2 * overlap >= tile_size:
        raise ValueError(f"{what}overlap must be an int with 0 <= overlap < tile_size / 2 "
                         f"(tiles overlap on both sides); received overlap={overlap!r}, "
                         f"tile_size={tile_size!r}.")


def upscale_functions(generator, scale, default_tile=256, default_overlap=16, multiple=None,
                      batch_size=4):
    """``tf.function`` s that upscale with ``generator``, for export or direct use.

    Args:
        generator: a super-resolution ``keras.Model`` ``[N, H, W, 3] -> [N, sH, sW, 3]`` on
            float images in [0, 1] (e.g. :func:`~keras_gans.networks.convert.load_official`).
        scale: its static upscaling factor ``s`` (4 for RealESRGAN_x4plus).
        default_tile, default_overlap: tile settings of ``serving_default`` (input pixels;
            ``2 * overlap < tile``).
        multiple: side multiple the network needs (default :func:`network_multiple`).
        batch_size: tiles per network call.

    Returns:
        ``{"serving_default": f(images), "tiled": f(images, tile_size, overlap)}``; ``images``
        float32 ``[N, H, W, 3]`` in [0, 1], any ``H, W >= 1``; ``tile_size``, ``overlap``
        int32 scalars (checked at run time: ``InvalidArgumentError``). Both return
        ``{"images": float32 [N, sH, sW, 3]}`` clipped to [0, 1]. An image smaller than a
        tile is reflection-padded to one tile and cropped back (module docstring). And
        ``"uint8": f(images, tile_size, overlap)``: ``uint8 [N, H, W, 3]`` in, ``{"images":
        uint8 [N, sH, sW, 3]}`` out (``tiled`` on ``images / 255``, then ``round(255 y)``).
        And ``"tiles": f(images)``: the bare network on a batch of tiles, float32 ``[n, t, t,
        3]`` -> ``{"images": [n, st, st, 3]`` clipped to [0, 1], ``"unclipped": ...}`` (the
        same before clipping; ``t`` a multiple of ``multiple``, checked at run time), for a
        caller that drives the tiles itself (:class:`TileNetwork`, :func:`upscale_float` with
        ``on_tiles``). Blending ``unclipped`` tiles with
        :func:`keras_gans.tiling.tiled_apply_steps` and clipping gives ``tiled``'s result;
        blending the clipped ``images`` would not (the clip comes after the blend).
    """
    multiple = network_multiple(generator) if multiple is None else int(multiple)
    _check_tiles(default_tile, default_overlap, multiple, "default ")
    align = multiple > 1

    def run(images, tile_size, overlap):
        out = tiling.tiled_apply(lambda t: generator(t, training=False), images, tile_size,
                                 overlap, scale=scale, multiple=multiple, align=align,
                                 batch_size=batch_size)
        return {"images": tf.clip_by_value(tf.cast(out, tf.float32), 0.0, 1.0)}

    images_spec = tf.TensorSpec([None, None, None, 3], tf.float32, name="images")

    @tf.function(input_signature=[images_spec])
    def serving_default(images):
        return run(images, default_tile, default_overlap)

    @tf.function(input_signature=[images_spec, tf.TensorSpec([], tf.int32, name="tile_size"),
                                  tf.TensorSpec([], tf.int32, name="overlap")])
    def tiled(images, tile_size, overlap):
        if multiple > 1:
            check = tf.debugging.Assert(
                tf.equal(tile_size % multiple, 0),
                [f"tile_size must be a multiple of {multiple}; received", tile_size])
            with tf.control_dependencies([check]):
                tile_size = tf.identity(tile_size)
        return run(images, tile_size, overlap)

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8, name="images"),
                                  tf.TensorSpec([], tf.int32, name="tile_size"),
                                  tf.TensorSpec([], tf.int32, name="overlap")])
    def uint8(images, tile_size, overlap):
        out = tiled(tf.cast(images, tf.float32) / 255.0, tile_size, overlap)["images"]
        return {"images": tf.cast(tf.round(out * 255.0), tf.uint8)}

    @tf.function(input_signature=[images_spec])
    def tiles(images):
        if multiple > 1:
            sides = tf.shape(images)[1:3]
            check = tf.debugging.Assert(
                tf.reduce_all(tf.equal(sides % multiple, 0)),
                [f"tiles must have sides that are multiples of {multiple}; received tiles of "
                 f"shape", tf.shape(images)], summarize=8)
            with tf.control_dependencies([check]):
                images = tf.identity(images)
        out = tf.cast(generator(images, training=False), tf.float32)
        return {"images": tf.clip_by_value(out, 0.0, 1.0), "unclipped": out}

    return {"serving_default": serving_default, "tiled": tiled, "uint8": uint8, "tiles": tiles}


def export_upscaler(generator, base_dir, scale, name, version=None, **tile_defaults):
    """Writes the :func:`upscale_functions` of ``generator`` to ``<base_dir>/<version>``.

    ``tile_defaults``: ``default_tile``, ``default_overlap`` (and ``multiple``,
    ``batch_size``) of :func:`upscale_functions`. Signatures: ``serving_default``, ``tiled``,
    ``uint8`` and ``tiles`` (exports written before ``tiles`` was added lack it; ``python -m
    zoo.upscale`` then runs each image in one ``tiled`` call). Metadata
    (``assets.extra/keras_gans.json``): ``task``, ``scale``, ``input_range``,
    ``output_range``, ``name``, ``default_tile``, ``default_overlap``, ``batch_size`` (tiles
    per network call in ``tiled``; a caller driving ``tiles`` uses it to run the same
    batches), and ``multiple`` when the network needs side multiples (> 1; the ``tiled`` and
    ``tiles`` signatures then reject other tile sizes).

    Returns:
        The path of the written version directory.
    """
    functions = upscale_functions(generator, scale, **tile_defaults)
    metadata = {"task": "super_resolution", "scale": int(scale), "input_range": [0, 1],
                "output_range": [0, 1], "name": name,
                "default_tile": int(tile_defaults.get("default_tile", 256)),
                "default_overlap": int(tile_defaults.get("default_overlap", 16)),
                "batch_size": int(tile_defaults.get("batch_size", 4))}
    multiple = tile_defaults.get("multiple")
    multiple = network_multiple(generator) if multiple is None else int(multiple)
    if multiple > 1:
        metadata["multiple"] = multiple
    return export.write_saved_model(base_dir, functions, generator.weights, metadata,
                                    version=version)


_CACHE = weakref.WeakKeyDictionary()  # generator -> {(scale, multiple): upscale_functions}


def _functions(generator, scale, multiple):
    per_model = _CACHE.setdefault(generator, {})
    key = (int(scale), int(multiple))
    if key not in per_model:
        # The defaults only need to be valid; the "tiled" signature takes the settings. Each
        # tf.function is traced on its first call only.
        per_model[key] = upscale_functions(generator, scale, default_tile=4 * multiple,
                                           default_overlap=0, multiple=multiple)
    return per_model[key]


def _tiled_function(generator, scale, multiple):
    return _functions(generator, scale, multiple)["tiled"]


DEFAULT_BATCH_SIZE = 4  # upscale_functions' batch_size


class TileNetwork:
    """A network on tile batches, for :func:`upscale_float`'s per-tile path.

    ``fn`` maps float32 ``[n, t, t, 3]`` in [0, 1] to ``[n, st, st, 3]`` and returns the
    images or a dict holding them: ``"unclipped"`` when present (the ``tiles`` signature of
    :func:`upscale_functions` / :func:`export_upscaler`), else ``"images"``. E.g.
    ``TileNetwork(tf.saved_model.load(path).signatures["tiles"], batch_size=metadata's)``.
    ``batch_size`` is the number of tiles per call (the memory knob; the export's own
    ``batch_size`` runs the same batches as its ``tiled`` signature).
    """

    def __init__(self, fn, batch_size=DEFAULT_BATCH_SIZE):
        if not callable(fn):
            raise ValueError(f"fn must be callable on a tile batch; received {type(fn).__name__}.")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int; received {batch_size!r}.")
        self.fn, self.batch_size = fn, int(batch_size)

    def __call__(self, tiles):
        out = self.fn(images=tiles) if _takes_images_keyword(self.fn) else self.fn(tiles)
        if isinstance(out, dict):
            if "unclipped" in out:
                out = out["unclipped"]
            elif "images" in out:
                out = out["images"]
            else:
                raise ValueError(f"The tile function returned a dict without 'unclipped' or "
                                 f"'images' (keys: {sorted(out)}).")
        return tf.cast(out, tf.float32)


def _takes_images_keyword(fn):
    """SavedModel signatures (concrete functions) are called with keyword arguments."""
    return isinstance(fn, tf.types.experimental.ConcreteFunction)


def _tile_network(generator, scale, multiple):
    return TileNetwork(_functions(generator, scale, multiple)["tiles"])


def _tile_plan(h, w, tile_size, overlap, multiple):
    """``(tile_size, overlap)`` actually used for an ``h x w`` image: an image that fits in a
    tile runs as one square tile of side ``max(h, w)`` rounded up to ``multiple``."""
    if max(h, w) <= tile_size:
        return -(-max(h, w) // multiple) * multiple, 0
    return tile_size, overlap


def tile_count(height, width, tile_size=256, overlap=16, multiple=1):
    """The number of tiles :func:`upscale_array` / :func:`upscale_float` run the network on
    for one ``height x width`` plane (1 for an image that fits in a tile; an RGBA or
    gray + alpha image runs its alpha plane through the same number again)."""
    if max(height, width) <= tile_size:
        return 1
    rows, cols = tiling.tile_counts(height, width, tile_size, overlap, multiple,
                                    align=multiple > 1)
    return rows * cols


def _run_tiled(fn, x, tile_size, overlap):
    """``fn`` (the ``tiled`` signature) on float32 ``[1, H, W, 3]`` -> NumPy float32, clipped."""
    out = fn(images=tf.constant(x), tile_size=tf.constant(tile_size, tf.int32),
             overlap=tf.constant(overlap, tf.int32))
    if isinstance(out, dict):
        out = out["images"]
    return np.clip(np.asarray(out)[0], 0.0, 1.0)


def _run_steps(network, x, scale, tile_size, overlap, multiple, on_tiles):
    """:func:`_run_tiled`'s result, the tiles driven from Python through ``network`` (a
    :class:`TileNetwork`): the same tiles, batches and blending as the ``tiled`` signature."""
    out = tiling.tiled_apply_steps(network, tf.constant(x), tile_size, overlap, scale=scale,
                                   multiple=multiple, align=multiple > 1,
                                   batch_size=network.batch_size, on_tiles=on_tiles)
    return np.clip(out.numpy()[0], 0.0, 1.0)


def upscale_array(generator, image_uint8, scale, tile_size=256, overlap=16, multiple=None):
    """Upscales one image: ``uint8 [H, W, 3]`` (or ``[1, H, W, 3]``) -> ``uint8 [sH, sW, 3]``.

    As Real-ESRGAN's ``inference_realesrgan.py``: ``image / 255`` in, output clipped to
    [0, 1], ``* 255``, rounded. An image with both sides ``<= tile_size`` runs as a single
    square tile of side ``max(H, W)`` rounded up to ``multiple`` (reflection-padded, no
    overlap); a larger one is tiled with ``tile_size`` / ``overlap``. The tiled function is
    traced once per generator and reused for every image size and tile setting.
    """
    image = np.asarray(image_uint8)
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim != 3 or image.shape[-1] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image_uint8 must be a uint8 array [H, W, 3]; received {image.dtype} "
                         f"of shape {image.shape}.")
    multiple = network_multiple(generator) if multiple is None else int(multiple)
    _check_tiles(tile_size, overlap, multiple)
    tile_size, overlap = _tile_plan(*image.shape[:2], tile_size, overlap, multiple)
    fn = _tiled_function(generator, scale, multiple)
    out = _run_tiled(fn, image[None].astype(np.float32) / 255.0, tile_size, overlap)
    return (out * 255.0).round().astype(np.uint8)


# ITU-R BT.601 luma, as OpenCV's COLOR_RGB2GRAY (Real-ESRGAN's way back to one channel) and
# PIL's convert("L").
LUMA = (0.299, 0.587, 0.114)


def upscale_float(fn_or_generator, image, scale, tile_size=256, overlap=16, multiple=None, *,
                  on_tiles=None):
    """Upscales one float image in [0, 1] with 1, 2, 3 or 4 channels.

    Args:
        fn_or_generator: one of
            * a super-resolution ``keras.Model``: run through the same cached ``tiled``
              function as :func:`upscale_array`; with ``on_tiles``, tile batch by tile batch
              through its cached ``tiles`` function instead (the same tiles and batches);
            * a :class:`TileNetwork` (e.g. over an export's ``tiles`` signature): tile batch
              by tile batch (:func:`keras_gans.tiling.tiled_apply_steps`);
            * a function with the ``tiled`` signature of :func:`upscale_functions`: called as
              ``fn(images=, tile_size=, overlap=)`` on float32 ``[1, H, W, 3]`` and returning
              ``{"images": ...}`` or the images (e.g.
              ``tf.saved_model.load(path).signatures["tiled"]``): a plane's tiles run in one
              call.
        image: float ``[H, W, C]`` (or ``[1, H, W, C]``) in [0, 1] (``uint8 / 255``,
            ``uint16 / 65535``); ``C``: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
        scale: the network's factor ``s``.
        tile_size, overlap, multiple: as :func:`upscale_array` (``multiple``: default
            :func:`network_multiple` for a model, 1 for a function).
        on_tiles: ``None`` or ``on_tiles(done, total)``, called with the tiles of this image
            done so far and its total (:func:`tile_count` times the planes run: 2 with alpha):
            after every tile batch on the per-tile paths, after every plane with a ``tiled``
            function. Every tile is counted once; the last call has ``done == total``.

    Returns:
        float32 ``[sH, sW, C]`` in [0, 1]. The colour planes go through the network as RGB (a
        gray plane repeated to 3 channels and brought back with :data:`LUMA`, as Real-ESRGAN
        does for gray images); an alpha plane goes through the network on its own, the same
        way (Real-ESRGAN's ``alpha_upsampler='realesrgan'``). The RGB planes of an RGB image
        are exactly :func:`upscale_array`'s before its ``* 255`` and rounding (up to float
        rounding on the per-tile paths: the same tiles, batches, weights and overlap-add, with
        the network called outside the ``tf.while_loop``).
    """
    x = np.asarray(image)
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3 or x.shape[-1] not in (1, 2, 3, 4) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"image must be a float array [H, W, C] with C in 1..4; received "
                         f"{x.dtype} of shape {x.shape}.")
    if on_tiles is not None and not callable(on_tiles):
        raise ValueError(f"on_tiles must be None or a callable on_tiles(done, total); received "
                         f"{type(on_tiles).__name__}.")
    if isinstance(fn_or_generator, keras.Model):
        multiple = network_multiple(fn_or_generator) if multiple is None else int(multiple)
        fn = (_tiled_function(fn_or_generator, scale, multiple) if on_tiles is None
              else _tile_network(fn_or_generator, scale, multiple))
    elif callable(fn_or_generator):
        multiple = 1 if multiple is None else int(multiple)
        fn = fn_or_generator
    else:
        raise ValueError(f"fn_or_generator must be a keras.Model, a TileNetwork or a tiled "
                         f"function; received {type(fn_or_generator).__name__}.")
    _check_tiles(tile_size, overlap, multiple)
    h, w = x.shape[:2]
    tile_size, overlap = _tile_plan(h, w, tile_size, overlap, multiple)
    x = x.astype(np.float32)
    channels = x.shape[-1]
    n_planes = 2 if channels in (2, 4) else 1
    per_plane = tile_count(h, w, tile_size, overlap, multiple)

    def colour(planes, index=0):  # [H, W, 3] -> [sH, sW, 3]; index: the plane's rank in the run
        offset = index * per_plane
        if isinstance(fn, TileNetwork):
            report = None if on_tiles is None else (
                lambda done, total: on_tiles(offset + done, n_planes * total))
            return _run_steps(fn, planes[None], scale, tile_size, overlap, multiple, report)
        out = _run_tiled(fn, planes[None], tile_size, overlap)
        if on_tiles is not None:
            on_tiles(offset + per_plane, n_planes * per_plane)
        return out

    def gray(plane, index=0):  # [H, W] -> [sH, sW]
        out = colour(np.repeat(plane[..., None], 3, axis=-1), index)
        return np.clip(out @ np.asarray(LUMA, np.float32), 0.0, 1.0)

    if channels == 3:
        return colour(x)
    planes = [colour(x[..., :3])] if channels == 4 else [gray(x[..., 0])[..., None]]
    if channels in (2, 4):
        planes.append(gray(x[..., -1], 1)[..., None])
    return np.concatenate(planes, axis=-1)


def timed_upscale_array(*args, **kwargs):
    """:func:`upscale_array` and its wall time in seconds."""
    start = time.perf_counter()
    out = upscale_array(*args, **kwargs)
    return out, time.perf_counter() - start
