"""Upscaling with a super-resolution generator, as users need it (issue 12, item 4).

Most super-resolution users never train: they upscale their images with released weights
(:func:`keras_gans.networks.convert.load_official`). This module wraps such a generator for
that:

* :func:`upscale_functions` - ``tf.function`` s for export: ``serving_default(images)`` and
  ``tiled(images, tile_size, overlap)``, both tiled with :func:`keras_gans.tiling.tiled_apply`
  (memory flat in the image size) and clipped to [0, 1].
* :func:`export_upscaler` - writes them as a versioned SavedModel
  (:func:`keras_gans.export.write_saved_model`); loading needs TensorFlow only.
* :func:`upscale_array` - one ``uint8`` ``[H, W, 3]`` image in, ``uint8`` ``[H * s, W * s, 3]``
  out, rounded as Real-ESRGAN's ``inference_realesrgan.py`` does (used by ``python -m
  zoo.upscale``).

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

import numpy as np
import tensorflow as tf

from keras_gans import export, tiling

__all__ = ["network_multiple", "upscale_functions", "export_upscaler", "upscale_array"]


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
        tile is reflection-padded to one tile and cropped back (module docstring).
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

    return {"serving_default": serving_default, "tiled": tiled}


def export_upscaler(generator, base_dir, scale, name, version=None, **tile_defaults):
    """Writes the :func:`upscale_functions` of ``generator`` to ``<base_dir>/<version>``.

    ``tile_defaults``: ``default_tile``, ``default_overlap`` (and ``multiple``,
    ``batch_size``) of :func:`upscale_functions`. Metadata (``assets.extra/keras_gans.json``):
    ``task``, ``scale``, ``input_range``, ``output_range``, ``name``, ``default_tile``,
    ``default_overlap``.

    Returns:
        The path of the written version directory.
    """
    functions = upscale_functions(generator, scale, **tile_defaults)
    metadata = {"task": "super_resolution", "scale": int(scale), "input_range": [0, 1],
                "output_range": [0, 1], "name": name,
                "default_tile": int(tile_defaults.get("default_tile", 256)),
                "default_overlap": int(tile_defaults.get("default_overlap", 16))}
    return export.write_saved_model(base_dir, functions, generator.weights, metadata,
                                    version=version)


_CACHE = weakref.WeakKeyDictionary()  # generator -> {(scale, multiple): tiled tf.function}


def _tiled_function(generator, scale, multiple):
    per_model = _CACHE.setdefault(generator, {})
    key = (int(scale), int(multiple))
    if key not in per_model:
        # The defaults only need to be valid; the "tiled" signature takes the settings.
        per_model[key] = upscale_functions(generator, scale, default_tile=4 * multiple,
                                           default_overlap=0, multiple=multiple)["tiled"]
    return per_model[key]


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
    h, w = image.shape[:2]
    if max(h, w) <= tile_size:
        tile_size = -(-max(h, w) // multiple) * multiple
        overlap = 0
    fn = _tiled_function(generator, scale, multiple)
    x = tf.constant(image[None].astype(np.float32) / 255.0)
    out = fn(x, tf.constant(tile_size, tf.int32), tf.constant(overlap, tf.int32))["images"]
    out = np.clip(out.numpy()[0], 0.0, 1.0)
    return (out * 255.0).round().astype(np.uint8)


def timed_upscale_array(*args, **kwargs):
    """:func:`upscale_array` and its wall time in seconds."""
    start = time.perf_counter()
    out = upscale_array(*args, **kwargs)
    return out, time.perf_counter() - start
