"""Upscales images with a super-resolution model: a released one or an export (issue 12, item 4).

    # a released model, from its authors' checkpoint
    python -m zoo.upscale --model=RealESRGAN_x4plus --weights=RealESRGAN_x4plus.pth \\
        --input=photos/ --output=out/ [--outscale=2] [--tile_size=256] [--overlap=16] \\
        [--export_dir=dir]
    # an exported SavedModel (zoo.esrgan.train --export_dir, zoo.upscale --export_dir,
    # keras_gans.upscale.export_upscaler): a version directory or its base directory
    python -m zoo.upscale --model=runs/esrgan/saved_model --input=photo.png \\
        --output=photo_big.png [--outscale=3.5]

Model. ``--model`` is a released model's name (``--weights``: its checkpoint, ``.pth`` /
``.pt`` (needs torch) or ``.safetensors``, required) or the path of an exported
super-resolution SavedModel (``--weights`` then not allowed): a version directory holding
``saved_model.pb`` and ``assets.extra/keras_gans.json`` whose ``"task"`` is
``"super_resolution"``, or the base directory of numbered versions (the highest is used).
An export runs through its ``tiles`` signature (the network on a batch of tiles, float32 in
[0, 1], so 16-bit images keep their precision), the command cutting and blending the tiles
exactly as the export's ``tiled`` signature does; an export written before ``tiles`` existed
runs each image through ``tiled`` in one call (a line says so). Its scale comes from the
metadata. A released name wins over a directory of the same name (pass ``./<name>`` for the
directory).

Input and output. ``--input`` is a PNG/JPEG file or a directory (its ``.png``, ``.jpg``,
``.jpeg`` files, not recursive; none is an error). ``--output`` is a directory, or a ``.png``
file path when ``--input`` is one file; ``--output_dir`` is the directory form (give one of
the two). In a directory every image is written to ``<stem>_x<outscale>.png`` (``_x4.png``,
``_x3.5.png``; two inputs with the same stem are an error). ``--outscale`` (float > 0,
default the model's scale): the image is upscaled at the model's scale, then resized to
``round(outscale * H) x round(outscale * W)`` (halves up) with PIL's LANCZOS filter, in
float before quantization (Real-ESRGAN's ``--outscale`` resizes with cv2's INTER_LANCZOS4).

Image modes: the output keeps the input's channel layout and bit depth.

* RGB (and JPEG CMYK / YCbCr, converted) - through the network.
* Gray (``L``, 1-bit, 16-bit gray ``I;16``) - repeated to RGB through the network and back to
  one channel with the BT.601 luma, as Real-ESRGAN does.
* RGBA / gray + alpha (``LA``; palette and ``tRNS`` transparency become RGBA / LA) - the
  colour planes as above, the alpha plane separately through the network (repeated to RGB,
  back with the luma: Real-ESRGAN's ``alpha_upsampler='realesrgan'``). The alpha plane
  doubles the tiles run.
* 16-bit PNGs (any of these layouts; read and written with ``tf.io.decode_png`` /
  ``encode_png``, since PIL reads 16-bit RGB as 8 bits) run in float (``/ 65535``) and are
  written as 16-bit PNGs. 8-bit images: ``/ 255`` in, ``round(255 y)`` out; the RGB output is
  :func:`keras_gans.upscale.upscale_array`'s.

Tiles and progress. Large images are processed tile by tile (``--tile_size`` input pixels,
``--overlap`` at least; memory does not grow with the image; see :mod:`keras_gans.upscale`);
an image that fits in one tile runs as one tile of its own size. The command drives the tiles
itself (:func:`keras_gans.tiling.tiled_apply_steps`: batches of tiles through the network,
the same output as the in-graph ``tiled_apply``) and reports them: on a terminal a tqdm bar
over the tiles of the current image (the alpha plane's tiles included) under the tqdm bar
over the files; otherwise at most 9 lines per image, ``  <file>: <done>/<total> tiles
(<s> s, ETA <s> s)``, one each time the tiles done reach another tenth (none for an image of
one tile batch). After each image, one line with its size and layout, the number of tiles it
was cut into, its time, and the elapsed time and the ETA (weighted by the tiles still to
run). An old export without the ``tiles`` signature has per-file progress only.

Failures. An unreadable or corrupt input file is reported on stderr as ``error: <file>:
<reason>``, the other files are processed, and the command exits with code 1 at the end,
listing the files that failed (a single unreadable ``--input`` file: the same, exit code
1). Bad flags and an unusable model are one-line ``error:`` messages with exit code 2
(:mod:`zoo.common.cli`); so is a failed write (it stops the run).
Nothing is half-written: each output is written to a hidden ``.<name>.<random>.partial``
file beside it and renamed into place when complete, and removed on any failure or
interrupt (only a hard kill can leave one, never a partial ``<stem>_x4.png``).
The file handling (listing, reading, writing, this loop) is :mod:`zoo.common.image_io`,
shared with ``python -m zoo.translate``.

``--export_dir`` (released models only) also writes the model as a SavedModel
(``serving_default``: float32 ``[N, H, W, 3]`` in [0, 1] -> ``{"images": [N, sH, sW, 3]}`` in
[0, 1]; ``tiled`` takes ``tile_size`` and ``overlap`` too; ``uint8`` the same on 8-bit images;
``tiles`` the network on a batch of tiles, which this command drives), which ``--model`` takes
back.
"""

import math
import os
import re

from absl import app, flags

from zoo.common import exports
from zoo.common.image_io import (
    WriteError, define_file_flags, full_scale, header_layout, list_images, make_output_dirs, output_targets,
    process_files, quantize, report_failures)
# The file helpers moved to zoo.common.image_io (shared with zoo.translate); still importable
# from here.
from zoo.common.image_io import (  # noqa: F401
    UnreadableImageError, read_image, write_atomically, write_png)

FLAGS = flags.FLAGS


def define_flags():
    flags.DEFINE_string("model", None, "Released model name (e.g. RealESRGAN_x4plus) or the path "
                        "of an exported super-resolution SavedModel (version or base directory).")
    flags.DEFINE_string("weights", None, "A released model's checkpoint: .pth / .pt (needs torch) "
                        "or .safetensors. Not for an exported --model.")
    define_file_flags("<stem>_x<outscale>.png")
    flags.DEFINE_float("outscale", None, "Final scale factor (> 0; default: the model's): the "
                       "model's scale, then a Lanczos resize.")
    flags.DEFINE_integer("tile_size", 256, "Tile side in input pixels (memory knob).")
    flags.DEFINE_integer("overlap", 16, "Minimum overlap of neighbouring tiles, input pixels.")
    flags.DEFINE_string("export_dir", None, "Also write a versioned SavedModel to this base "
                        "directory (released models only).")


# ------------------------------------------------------------------------------ the model
def _export_version(path):
    """``(version_dir, metadata)`` of the super-resolution SavedModel at ``path`` (a version
    directory, or a base directory: its highest numbered version)."""
    version, meta, where = exports.find_version(path, _EXPORT_NEEDS)
    if meta.get("task") != "super_resolution":
        raise ValueError(f"{where} is not a super-resolution export (its metadata has "
                         f"task={meta.get('task')!r}); {_EXPORT_NEEDS}")
    scale = meta.get("scale")
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"{where}: its metadata's scale must be a positive int; found {scale!r}.")
    return version, meta


_EXPORT_NEEDS = ("a super-resolution SavedModel is a directory with saved_model.pb and "
                 "assets.extra/keras_gans.json whose \"task\" is \"super_resolution\" (as "
                 "keras_gans.upscale.export_upscaler, zoo.upscale --export_dir and "
                 "zoo.esrgan.train --export_dir write), or its base directory of numbered "
                 "versions (the highest is used).")


def resolve_model(value, official_names):
    """``("official", name, None)`` or ``("export", version_dir, metadata)``."""
    if value in official_names:
        return "official", value, None
    if os.path.isdir(value):
        return ("export",) + _export_version(value)
    known = f"Unknown --model={value!r}; known: {', '.join(sorted(official_names))}."
    if os.path.isfile(value):
        raise ValueError(f"{known} {value!r} is a file: a released model's checkpoint goes to "
                         f"--weights, with its name as --model; and {_EXPORT_NEEDS}")
    raise ValueError(f"{known} --model also takes a path: {_EXPORT_NEEDS}")


def _tqdm_bars():
    """Whether progress goes to tqdm bars: stderr is a terminal and tqdm is installed (the
    file bar of :class:`zoo.common.image_io.Progress` follows the same rule)."""
    import importlib.util
    import sys

    return importlib.util.find_spec("tqdm") is not None and sys.stderr.isatty()


class TileProgress:
    """Progress over the tiles of one image, fed by ``on_tiles(done, total)`` callbacks.

    With ``bar``, a tqdm bar on stderr (``leave=False``: it disappears when the image is done,
    under the file bar). Otherwise lines on ``stream`` (stdout): one each time ``done`` reaches
    another ``1 / lines`` of ``total``, never for the last batch (the file's own line follows),
    so at most ``lines - 1`` per image and none for an image of one batch.
    """

    def __init__(self, name, bar=False, lines=10, stream=None, clock=None):
        import sys
        import time

        self.name, self.use_bar, self.lines = name, bar, lines
        self.stream = stream or sys.stdout
        self.clock = clock or time.perf_counter
        self.start = self.clock()
        self.done, self.total, self.step, self.bar = 0, None, 0, None

    def __call__(self, done, total):
        if not 0 < done <= total or done <= self.done or self.total not in (None, total):
            raise ValueError(f"Tile progress must grow to a fixed total: received "
                             f"done={done}, total={total} after done={self.done}, "
                             f"total={self.total}.")
        self.total = total
        if self.use_bar:
            if self.bar is None:
                import sys

                from tqdm import tqdm

                self.bar = tqdm(total=total, desc=self.name, unit="tile", leave=False,
                                file=sys.stderr, dynamic_ncols=True)
            self.bar.update(done - self.done)
        else:
            step = done * self.lines // total
            if done < total and step > self.step:
                self.step = step
                elapsed = self.clock() - self.start
                eta = elapsed / done * (total - done)
                self.stream.write(f"  {self.name}: {done}/{total} tiles ({elapsed:.1f} s, "
                                  f"ETA {eta:.1f} s)\n")
                self.stream.flush()
        self.done = done

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _probe_multiple(tiled):
    """The tile multiple an export's ``tiled`` signature needs, for exports whose metadata
    does not record it: its assert names it (``rrdbnet(scale=2)``: 2), else 1."""
    import tensorflow as tf

    try:
        tiled(images=tf.zeros([1, 1, 1, 3]), tile_size=tf.constant(1), overlap=tf.constant(0))
    except tf.errors.InvalidArgumentError as e:
        found = re.search(r"tile_size must be a multiple of (\d+)", str(e))
        if found:
            return int(found.group(1))
    return 1


# ----------------------------------------------------------------------------- the files
def scale_name(outscale):
    """``4.0 -> "4"``, ``3.5 -> "3.5"``: the ``_x<...>`` of the output names."""
    return f"{outscale:g}"


def output_size(height, width, outscale):
    """``round(outscale * side)``, halves up, at least 1."""
    return tuple(max(1, int(math.floor(outscale * s + 0.5))) for s in (height, width))


def lanczos_resize(image, height, width):
    """float32 ``[h, w, C]`` in [0, 1] -> ``[height, width, C]`` with PIL's LANCZOS filter
    (per plane, in float), clipped to [0, 1]."""
    import numpy as np
    from PIL import Image

    if image.shape[:2] == (height, width):
        return image
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(image[..., c]), "F")
                         .resize((width, height), Image.LANCZOS)) for c in range(image.shape[-1])]
    return np.clip(np.stack(planes, axis=-1), 0.0, 1.0)


# ------------------------------------------------------------------------------- main
def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    for name in ("model", "input"):
        if not FLAGS[name].value:
            raise ValueError(f"--{name} is required.")
    from keras_gans.networks.convert import OFFICIAL_MODELS

    kind, model, meta = resolve_model(FLAGS.model, OFFICIAL_MODELS)
    if kind == "official":
        if not FLAGS.weights:
            hint = (f" (to use the SavedModel directory {FLAGS.model!r}, pass ./{FLAGS.model})"
                    if os.path.isdir(FLAGS.model) else "")
            raise ValueError(f"--weights is required for the released model {FLAGS.model}: its "
                             f"checkpoint (.pth / .pt / .safetensors){hint}.")
        if not os.path.isfile(FLAGS.weights):
            raise FileNotFoundError(f"--weights={FLAGS.weights!r}: no such file (download the "
                                    f"{FLAGS.model} checkpoint from its authors' release).")
        builder, kwargs = OFFICIAL_MODELS[FLAGS.model]
        scale = kwargs.get("scale", 4)
        # rrdbnet(scale=2) pixel-unshuffles by 2 (scale 1: by 4): tiles must be multiples of it.
        multiple = 4 // scale if builder.__name__ == "rrdbnet" and scale < 4 else 1
    else:
        if FLAGS.weights:
            raise ValueError(f"--weights is for released models; --model={FLAGS.model!r} is an "
                             f"exported SavedModel ({model}), whose weights are inside it.")
        if FLAGS.export_dir:
            raise ValueError(f"--export_dir is for released models; --model={FLAGS.model!r} "
                             f"already is an export ({model}).")
        scale = meta["scale"]
        multiple = meta.get("multiple")  # None: asked of the export once loaded
        if isinstance(multiple, bool) or not isinstance(multiple, int) or multiple < 1:
            multiple = None
    outscale = float(scale) if FLAGS.outscale is None else FLAGS.outscale
    if not (outscale > 0 and math.isfinite(outscale)):
        raise ValueError(f"--outscale must be a number > 0 (the model's scale, {scale}, by "
                         f"default); received {FLAGS.outscale!r}.")
    tile_size, overlap = FLAGS.tile_size, FLAGS.overlap

    def check_tiles(multiple):
        if tile_size < 1 or tile_size % multiple:
            need = f"a positive multiple of {multiple}" if multiple > 1 else "positive"
            name = FLAGS.model if kind == "official" else model
            raise ValueError(f"--tile_size must be {need} for {name}; received {tile_size}.")

    check_tiles(multiple or 1)
    if overlap < 0 or 2 * overlap >= tile_size:
        raise ValueError(f"--overlap must satisfy 0 <= overlap < tile_size / 2 (tiles overlap "
                         f"on both sides); received --overlap={overlap}, --tile_size={tile_size}.")
    files = list_images(FLAGS.input)
    targets = output_targets(files, FLAGS.output, FLAGS.output_dir, os.path.isdir(FLAGS.input),
                             suffix=f"_x{scale_name(outscale)}")

    import time

    from keras_gans import upscale

    start = time.perf_counter()
    if kind == "official":
        from keras_gans.networks.convert import load_official

        network = generator = load_official(FLAGS.model, FLAGS.weights)
        print(f"Loaded {FLAGS.model} (x{scale}) from {FLAGS.weights} in "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    else:
        loaded = exports.load(model)
        if "tiled" not in loaded.signatures:
            raise ValueError(f"The SavedModel {model} has no 'tiled' signature (signatures: "
                             f"{', '.join(sorted(loaded.signatures))}); export it with "
                             f"keras_gans.upscale.export_upscaler.")
        network = loaded.signatures["tiled"]
        if multiple is None:
            multiple = _probe_multiple(network)
            check_tiles(multiple)
        print(f"Loaded the SavedModel {model} ({meta.get('name', '?')}, x{scale}) in "
              f"{time.perf_counter() - start:.1f} s", flush=True)
        if "tiles" in loaded.signatures:
            batch = meta.get("batch_size")
            if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
                batch = upscale.DEFAULT_BATCH_SIZE  # the tiled signature's default
            network = upscale.TileNetwork(loaded.signatures["tiles"], batch_size=batch)
        else:
            print(f"note: {model} has no 'tiles' signature (it was exported before keras_gans "
                  f"added it): each image runs in one call of its 'tiled' signature, so progress "
                  f"is per file; re-export it (keras_gans.upscale.export_upscaler) for progress "
                  f"over tiles", flush=True)
    per_tile = isinstance(network, upscale.TileNetwork) or kind == "official"
    bars = _tqdm_bars()

    make_output_dirs(targets)
    # The ETA's weights: tiles per file, from the headers (1 for a file that cannot be read).
    weights = []
    for f in files:
        layout = header_layout(f)
        weights.append(1 if layout is None else
                       upscale.tile_count(*layout[:2], tile_size, overlap, multiple) * layout[2])

    def process(path, image, note):
        h, w, channels = image.shape
        per_plane = upscale.tile_count(h, w, tile_size, overlap, multiple)
        tiles = TileProgress(os.path.basename(path), bar=bars) if per_tile else None
        try:
            out = upscale.upscale_float(network, image.astype("float32") / full_scale(image.dtype),
                                        scale, tile_size=tile_size, overlap=overlap,
                                        multiple=multiple, on_tiles=tiles)
        finally:
            if tiles is not None:
                tiles.close()
        if outscale != scale:
            out = lanczos_resize(out, *output_size(h, w, outscale))
        planes = f"{per_plane} tile{'s' if per_plane > 1 else ''}" + (
            " + as many for alpha" if channels in (2, 4) else "")
        return quantize(out, image.dtype), planes

    failed = process_files(files, targets, weights, process)
    if kind == "official" and FLAGS.export_dir:
        path = upscale.export_upscaler(generator, FLAGS.export_dir, scale, FLAGS.model,
                                       default_tile=tile_size, default_overlap=overlap,
                                       multiple=multiple)
        print(f"Wrote the SavedModel {path}", flush=True)
    return report_failures(failed, len(files))


if __name__ == "__main__":
    from zoo.common.cli import run_app

    define_flags()
    run_app(main, user_errors=(WriteError,))
