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
An export runs through its ``tiled`` signature (float32 images in [0, 1], so 16-bit images
keep their precision); its scale comes from the metadata. A released name wins over a
directory of the same name (pass ``./<name>`` for the directory).

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
an image that fits in one tile runs as one tile of its own size. The tiles of an image run
inside one TensorFlow call, so progress is per file: one line per image with its size and
layout, the number of tiles it was cut into, its time, and the elapsed time and the ETA
(weighted by the tiles still to run); on a terminal a tqdm bar over the files as well.

Failures. An unreadable or corrupt input file is reported on stderr as ``error: <file>:
<reason>``, the other files are processed, and the command exits with code 1 at the end,
listing the files that failed (a single unreadable ``--input`` file: the same, exit code
1). Bad flags and an unusable model are one-line ``error:`` messages with exit code 2
(:mod:`zoo.common.cli`); so is a failed write (it stops the run).
Nothing is half-written: each output is written to a hidden ``.<name>.<random>.partial``
file beside it and renamed into place when complete, and removed on any failure or
interrupt (only a hard kill can leave one, never a partial ``<stem>_x4.png``).

``--export_dir`` (released models only) also writes the model as a SavedModel
(``serving_default``: float32 ``[N, H, W, 3]`` in [0, 1] -> ``{"images": [N, sH, sW, 3]}`` in
[0, 1]; ``tiled`` takes ``tile_size`` and ``overlap`` too; ``uint8`` the same on 8-bit images),
which ``--model`` takes back.
"""

import io
import json
import math
import os
import re
import sys
import tempfile

from absl import app, flags

FLAGS = flags.FLAGS
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PARTIAL_SUFFIX = ".partial"
# Endings that --output could mean as a file but the command cannot write (it writes PNG).
_NOT_PNG = (".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")


def define_flags():
    flags.DEFINE_string("model", None, "Released model name (e.g. RealESRGAN_x4plus) or the path "
                        "of an exported super-resolution SavedModel (version or base directory).")
    flags.DEFINE_string("weights", None, "A released model's checkpoint: .pth / .pt (needs torch) "
                        "or .safetensors. Not for an exported --model.")
    flags.DEFINE_string("input", None, "A PNG/JPEG image or a directory of them.")
    flags.DEFINE_string("output", None, "Output directory, or a .png file when --input is one file.")
    flags.DEFINE_string("output_dir", None, "Output directory (<stem>_x<outscale>.png files); "
                        "same as a directory --output.")
    flags.DEFINE_float("outscale", None, "Final scale factor (> 0; default: the model's): the "
                       "model's scale, then a Lanczos resize.")
    flags.DEFINE_integer("tile_size", 256, "Tile side in input pixels (memory knob).")
    flags.DEFINE_integer("overlap", 16, "Minimum overlap of neighbouring tiles, input pixels.")
    flags.DEFINE_string("export_dir", None, "Also write a versioned SavedModel to this base "
                        "directory (released models only).")


class UnreadableImageError(ValueError):
    """An input file that is not a readable PNG/JPEG image (reported, the others go on)."""


class WriteError(OSError):
    """An output that could not be written (a user error: disk full, no permission)."""


# ------------------------------------------------------------------------------ the model
def _metadata(version_dir):
    """``assets.extra/keras_gans.json`` of a version directory, or ``None`` (read without
    importing TensorFlow, so that flag errors stay fast)."""
    file = os.path.join(version_dir, "assets.extra", "keras_gans.json")
    if not os.path.isfile(file):
        return None
    try:
        with open(file) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _export_version(path):
    """``(version_dir, metadata)`` of the super-resolution SavedModel at ``path`` (a version
    directory, or a base directory: its highest numbered version)."""
    where = f"--model={path!r}"
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        version = path
    else:
        versions = [int(d) for d in os.listdir(path) if re.fullmatch(r"\d+", d)
                    and os.path.isfile(os.path.join(path, d, "saved_model.pb"))]
        if not versions:
            raise ValueError(f"{where} is a directory without saved_model.pb and without numbered "
                             f"version directories holding one; {_EXPORT_NEEDS}")
        version = os.path.join(path, str(max(versions)))
        where = f"--model={path!r} (its highest version, {version})"
    meta = _metadata(version)
    if meta is None:
        raise ValueError(f"{where} has no readable assets.extra/keras_gans.json; {_EXPORT_NEEDS}")
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
def list_images(path):
    """The image files ``--input`` names (sorted), with user errors for the rest."""
    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path)
                       if f.lower().endswith(IMAGE_EXTENSIONS)
                       and os.path.isfile(os.path.join(path, f)))
        if not files:
            raise ValueError(f"--input={path!r} is a directory without PNG/JPEG images "
                             f"({', '.join(IMAGE_EXTENSIONS)}).")
        return files
    if not os.path.exists(path):
        raise FileNotFoundError(f"--input={path!r} does not exist.")
    if not path.lower().endswith(IMAGE_EXTENSIONS):
        raise ValueError(f"--input={path!r} is neither a directory nor a PNG/JPEG image "
                         f"({', '.join(IMAGE_EXTENSIONS)}).")
    return [path]


def scale_name(outscale):
    """``4.0 -> "4"``, ``3.5 -> "3.5"``: the ``_x<...>`` of the output names."""
    return f"{outscale:g}"


def output_targets(files, output, output_dir, input_is_dir, outscale):
    """``[target path]`` per input file, from ``--output`` / ``--output_dir``."""
    if output and output_dir:
        raise ValueError("Give --output or --output_dir, not both (--output_dir is the "
                         "directory form of --output).")
    if not (output or output_dir):
        raise ValueError("--output is required (a directory, or a .png file for one --input "
                         "file; --output_dir also names a directory).")
    directory = output_dir
    if output:
        lower = output.lower()
        if lower.endswith(".png") and not os.path.isdir(output):
            if input_is_dir:
                raise ValueError(f"--output={output!r} names a .png file but --input is a "
                                 f"directory; give an output directory.")
            return [output]
        if lower.endswith(_NOT_PNG) and not os.path.isdir(output):
            raise ValueError(f"--output={output!r}: the command writes PNG; give a .png file "
                             f"path or a directory.")
        directory = output
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise NotADirectoryError(f"The output directory {directory!r} exists and is a file.")
    suffix = f"_x{scale_name(outscale)}.png"
    targets = [os.path.join(directory, os.path.splitext(os.path.basename(f))[0] + suffix)
               for f in files]
    seen = {}
    for f, t in zip(files, targets):
        if t in seen:
            raise ValueError(f"{seen[t]} and {f} would both be written to {t}; rename one or "
                             f"run them separately.")
        seen[t] = f
    return targets


def _png_bit_depth(data):
    """The bit depth in a PNG's IHDR chunk (``None`` for a non-PNG)."""
    if data[:8] == PNG_SIGNATURE and len(data) >= 26 and data[12:16] == b"IHDR":
        return data[24]
    return None


def read_image(path):
    """``(array [H, W, C] uint8 or uint16, note or None)``, ``C``: 1 gray, 2 gray + alpha,
    3 RGB, 4 RGBA. Raises :class:`UnreadableImageError` naming the file."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    name = os.path.basename(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise UnreadableImageError(f"{path}: cannot read it: {e.strerror or e}") from e
    if _png_bit_depth(data) == 16:  # PIL reads 16-bit RGB(A) as 8 bits; TF keeps 16
        import tensorflow as tf

        try:
            return tf.io.decode_png(data, channels=0, dtype=tf.uint16).numpy(), None
        except tf.errors.InvalidArgumentError as e:
            reason = e.message.split("[Op:")[0].split("}}")[-1].strip()
            raise UnreadableImageError(f"{path}: not a readable 16-bit PNG ({reason}).") from e
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as e:
        raise UnreadableImageError(f"{path}: not a readable PNG/JPEG image ({e}).") from e
    note, mode = None, image.mode
    if "transparency" in image.info and mode in ("P", "L", "RGB"):
        mode = "LA" if mode == "L" else "RGBA"
        image = image.convert(mode)
        note = f"{name}: its transparency is read as an alpha channel"
    if mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit gray read by PIL (not from a PNG)
        array = np.clip(np.asarray(image, dtype=np.int64), 0, 65535).astype(np.uint16)
        return array[..., None], note
    target = {"1": "L", "L": "L", "LA": "LA", "La": "LA", "PA": "RGBA", "RGBA": "RGBA",
              "RGBa": "RGBA"}.get(mode, "RGB")
    if target != mode:
        if mode not in ("1", "P", "PA", "La", "RGBa"):
            note = f"{name}: {mode} converted to {target}"
        image = image.convert(target)
    array = np.asarray(image, dtype=np.uint8)
    return (array[..., None] if array.ndim == 2 else array), note


LAYOUTS = {1: "gray", 2: "gray+alpha", 3: "RGB", 4: "RGBA"}


def describe(array):
    bits = " 16-bit" if array.dtype.name == "uint16" else ""
    return f"{array.shape[1]}x{array.shape[0]} {LAYOUTS[array.shape[-1]]}{bits}"


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


def quantize(image, dtype):
    """float ``[H, W, C]`` in [0, 1] -> ``uint8`` / ``uint16`` (``round(max * y)``)."""
    import numpy as np

    top = 65535.0 if dtype == np.uint16 else 255.0
    return (image * top).round().astype(dtype)


def write_atomically(target, write):
    """Calls ``write(file)`` on a hidden temporary file beside ``target`` and renames it to
    ``target`` when it returns; on any failure or interrupt the temporary file is removed
    (``target`` is left as it was) and the error raised again."""
    directory = os.path.dirname(target) or "."
    fd, partial = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.",
                                   suffix=PARTIAL_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(partial, 0o666 & ~_umask())  # mkstemp's 0600 -> what open() would give
        os.replace(partial, target)
    except BaseException:
        try:
            os.remove(partial)
        except OSError:
            pass
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_png(target, array):
    """``uint8`` (PIL) or ``uint16`` (``tf.io.encode_png``) ``[H, W, C]`` as a PNG, atomically."""
    if array.dtype.name == "uint16":
        import tensorflow as tf

        data = tf.io.encode_png(array).numpy()

        def write(f):
            f.write(data)
    else:
        from PIL import Image

        image = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)

        def write(f):
            image.save(f, format="PNG")
    try:
        write_atomically(target, write)
    except OSError as e:
        raise WriteError(f"Cannot write {target}: {e.strerror or e}") from e


class _Progress:
    """Per-file progress: lines on stdout with elapsed time and a tile-weighted ETA, and a
    tqdm bar on stderr when it is a terminal (and tqdm is installed)."""

    def __init__(self, total_files, total_tiles):
        import time

        self.time = time.perf_counter
        self.start = self.time()
        self.total_tiles, self.done_tiles = max(total_tiles, 1), 0
        self.bar = None
        try:
            from tqdm import tqdm

            if sys.stderr.isatty():
                self.bar = tqdm(total=total_files, unit="file", file=sys.stderr, dynamic_ncols=True)
        except ImportError:
            pass

    def write(self, line, file=None):
        file = file or sys.stdout
        if self.bar is not None:
            self.bar.write(line, file=file)  # clears the bar, writes, redraws it
        else:
            file.write(line + "\n")
            file.flush()

    def advance(self, tiles):
        """Counts a file of ``tiles`` tiles done; returns ``(elapsed, eta)`` in seconds."""
        self.done_tiles += tiles
        elapsed = self.time() - self.start
        left = max(self.total_tiles - self.done_tiles, 0)
        eta = elapsed / max(self.done_tiles, 1) * left
        if self.bar is not None:
            self.bar.update(1)
        return elapsed, eta

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _header_layout(path):
    """``(height, width, planes)`` from the file's header (PIL opens lazily; ``planes`` 2 with
    an alpha channel), ``None`` if unreadable: the tile counts the ETA is weighted with."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            alpha = "A" in image.mode or "transparency" in image.info
            return image.size[1], image.size[0], 2 if alpha else 1
    except Exception:  # reported when the file is read
        return None


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
                             outscale)

    import time

    import numpy as np

    from keras_gans import upscale

    start = time.perf_counter()
    if kind == "official":
        from keras_gans.networks.convert import load_official

        network = generator = load_official(FLAGS.model, FLAGS.weights)
        print(f"Loaded {FLAGS.model} (x{scale}) from {FLAGS.weights} in "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    else:
        import tensorflow as tf

        try:
            loaded = tf.saved_model.load(model)
        except (OSError, tf.errors.OpError) as e:
            raise ValueError(f"Cannot load the SavedModel {model}: {e}") from e
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

    for directory in sorted({os.path.dirname(t) or "." for t in targets}):
        os.makedirs(directory, exist_ok=True)  # before the work: a bad directory fails fast
    # The ETA's weights: tiles per file, from the headers (1 for a file that cannot be read).
    weights = []
    for f in files:
        layout = _header_layout(f)
        weights.append(1 if layout is None else
                       upscale.tile_count(*layout[:2], tile_size, overlap, multiple) * layout[2])
    progress = _Progress(len(files), sum(weights))
    failed = []
    try:
        for i, (path, target, weight) in enumerate(zip(files, targets, weights), 1):
            try:
                image, note = read_image(path)
            except UnreadableImageError as e:
                failed.append(path)
                progress.write(f"error: {e}", file=sys.stderr)
                progress.advance(weight)
                continue
            if note:
                progress.write(f"note: {note}")
            h, w, channels = image.shape
            per_plane = upscale.tile_count(h, w, tile_size, overlap, multiple)
            t0 = time.perf_counter()
            top = np.float32(65535 if image.dtype == np.uint16 else 255)
            out = upscale.upscale_float(network, image.astype(np.float32) / top, scale,
                                        tile_size=tile_size, overlap=overlap, multiple=multiple)
            if outscale != scale:
                out = lanczos_resize(out, *output_size(h, w, outscale))
            out = quantize(out, image.dtype)
            write_png(target, out)
            seconds = time.perf_counter() - t0
            elapsed, eta = progress.advance(weight)
            planes = f"{per_plane} tile{'s' if per_plane > 1 else ''}" + (
                " + as many for alpha" if channels in (2, 4) else "")
            progress.write(f"[{i}/{len(files)}] {path} {describe(image)} -> {target} "
                           f"{describe(out)} ({planes}, {seconds:.2f} s; elapsed "
                           f"{elapsed:.1f} s, ETA {eta:.1f} s)")
    finally:
        progress.close()
    if kind == "official" and FLAGS.export_dir:
        path = upscale.export_upscaler(generator, FLAGS.export_dir, scale, FLAGS.model,
                                       default_tile=tile_size, default_overlap=overlap,
                                       multiple=multiple)
        print(f"Wrote the SavedModel {path}", flush=True)
    if failed:
        others = "; the others were written" if len(failed) < len(files) else ""
        sys.stderr.write(f"error: {len(failed)} of {len(files)} input files could not be read: "
                         f"{', '.join(failed)}{others}\n")
        sys.stderr.flush()
        return 1
    return 0


if __name__ == "__main__":
    from zoo.common.cli import run_app

    define_flags()
    run_app(main, user_errors=(WriteError,))
