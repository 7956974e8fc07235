"""Image files for the zoo's image commands (``python -m zoo.upscale``, ``python -m
zoo.translate``): which files ``--input`` names, reading them, where the outputs go, writing
them atomically, and the per-file loop that reports unreadable files and progress.

Typical use (what both commands do)::

    files = list_images(FLAGS.input)
    targets = output_targets(files, FLAGS.output, FLAGS.output_dir,
                             os.path.isdir(FLAGS.input), suffix="_x4")
    make_output_dirs(targets)
    failed = process_files(files, targets, weights, process)  # process(path, image, note)
    return report_failures(failed, len(files))                # 0, or 1 if a file failed

Reading. :func:`read_image` returns the image as stored: ``uint8`` or ``uint16`` ``[H, W,
C]`` with ``C`` 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA). 16-bit PNGs are decoded with
``tf.io.decode_png`` (PIL reads 16-bit RGB as 8 bits), everything else with PIL: palette
images become RGB (RGBA with transparency), ``tRNS`` transparency an alpha channel, 1-bit
images gray, JPEG CMYK / YCbCr RGB (with a note). Writing (:func:`write_png`): ``uint8`` with
PIL, ``uint16`` with ``tf.io.encode_png``, through a hidden ``.<name>.<random>.partial`` file
beside the target renamed into place when complete (:func:`write_atomically`), so a failure
or an interrupt never leaves a half-written output.

Failures. An unreadable input is :class:`UnreadableImageError` (reported by
:func:`process_files` as ``error: <file>: <reason>`` on stderr; the other files go on, and
:func:`report_failures` makes the exit code 1); a failed write is :class:`WriteError` (a user
error that stops the run: pass it to ``run_app(main, user_errors=(WriteError,))``).

TensorFlow is imported only to read or write a 16-bit PNG, so flag errors stay fast.
"""

import io
import os
import sys
import tempfile
import time

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PARTIAL_SUFFIX = ".partial"
# Endings that --output could mean as a file but the commands cannot write (they write PNG).
NOT_PNG = (".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")
LAYOUTS = {1: "gray", 2: "gray+alpha", 3: "RGB", 4: "RGBA"}


class UnreadableImageError(ValueError):
    """An input file that is not a readable PNG/JPEG image (reported, the others go on)."""


class WriteError(OSError):
    """An output that could not be written (a user error: disk full, no permission)."""


# ------------------------------------------------------------------------ inputs, outputs
def define_file_flags(names):
    """Defines ``--input``, ``--output`` and ``--output_dir`` (absl), shared by the commands that
    read image files and write PNGs; ``names`` says how outputs are named in a directory."""
    from absl import flags

    flags.DEFINE_string("input", None, "A PNG/JPEG image or a directory of them.")
    flags.DEFINE_string("output", None, "Output directory, or a .png file when --input is one file.")
    flags.DEFINE_string("output_dir", None, f"Output directory ({names} files); same as a directory --output.")


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


def output_targets(files, output, output_dir, input_is_dir, suffix):
    """``[target path]`` per input file, from ``--output`` / ``--output_dir``.

    ``--output`` is a directory, or a ``.png`` file path when ``--input`` is one file;
    ``--output_dir`` is the directory form (exactly one of the two). In a directory, input
    ``<stem>.<ext>`` goes to ``<stem><suffix>.png``; two inputs with the same stem are an
    error."""
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
        if lower.endswith(NOT_PNG) and not os.path.isdir(output):
            raise ValueError(f"--output={output!r}: the command writes PNG; give a .png file "
                             f"path or a directory.")
        directory = output
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise NotADirectoryError(f"The output directory {directory!r} exists and is a file.")
    targets = [os.path.join(directory, os.path.splitext(os.path.basename(f))[0] + suffix + ".png")
               for f in files]
    seen = {}
    for f, t in zip(files, targets):
        if t in seen:
            raise ValueError(f"{seen[t]} and {f} would both be written to {t}; rename one or "
                             f"run them separately.")
        seen[t] = f
    return targets


def make_output_dirs(targets):
    """Creates the directories of ``targets`` (before the work: a bad directory fails fast)."""
    for directory in sorted({os.path.dirname(t) or "." for t in targets}):
        os.makedirs(directory, exist_ok=True)


# ------------------------------------------------------------------------------- reading
def png_bit_depth(data):
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
    if png_bit_depth(data) == 16:  # PIL reads 16-bit RGB(A) as 8 bits; TF keeps 16
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


def header_layout(path):
    """``(height, width, planes)`` from the file's header (PIL opens lazily; ``planes`` 2 with
    an alpha channel), ``None`` if unreadable: for weighting an ETA before reading."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            alpha = "A" in image.mode or "transparency" in image.info
            return image.size[1], image.size[0], 2 if alpha else 1
    except Exception:  # reported when the file is read
        return None


def describe(array):
    """``"28x20 RGB"``, ``"10x7 gray 16-bit"``: an ``[H, W, C]`` array's size and layout."""
    bits = " 16-bit" if array.dtype.name == "uint16" else ""
    return f"{array.shape[1]}x{array.shape[0]} {LAYOUTS[array.shape[-1]]}{bits}"


def full_scale(dtype):
    """65535 for ``uint16`` images, 255 otherwise: ``array / full_scale`` is in [0, 1]."""
    import numpy as np

    return np.float32(65535 if np.dtype(dtype) == np.uint16 else 255)


# ITU-R BT.601 luma (PIL's convert("L"), OpenCV's COLOR_RGB2GRAY; keras_gans.upscale.LUMA).
LUMA = (0.299, 0.587, 0.114)


def to_channels(image, channels, name="the image"):
    """float ``[H, W, C]`` (``C`` 1..4, as :func:`read_image`) -> ``([H, W, channels],
    notes)`` for a network that takes ``channels`` (1 or 3): an alpha plane is dropped, gray
    is repeated to RGB, RGB becomes gray with the BT.601 :data:`LUMA`; ``notes`` says which
    of these happened (``name`` starts each)."""
    import numpy as np

    if channels not in (1, 3):
        raise ValueError(f"to_channels converts to 1 or 3 channels; received {channels}.")
    notes = []
    c = image.shape[-1]
    if c in (2, 4):
        image = image[..., :-1]
        notes.append(f"{name}: its alpha channel is dropped (translating alpha is not "
                     f"meaningful); the output has none")
    if image.shape[-1] == 1 and channels == 3:
        image = np.repeat(image, 3, axis=-1)
        notes.append(f"{name}: gray repeated to RGB for the model's 3 input channels")
    elif image.shape[-1] == 3 and channels == 1:
        image = (image @ np.asarray(LUMA, image.dtype))[..., None]
        notes.append(f"{name}: RGB converted to gray (BT.601 luma) for the model's 1 input "
                     f"channel")
    return image, notes


def quantize(image, dtype):
    """float ``[H, W, C]`` in [0, 1] -> ``uint8`` / ``uint16`` (``round(max * y)``)."""
    import numpy as np

    top = 65535.0 if dtype == np.uint16 else 255.0
    return (image * top).round().astype(dtype)


# ------------------------------------------------------------------------------- writing
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


# ------------------------------------------------------------------------ the file loop
class Progress:
    """Per-file progress: lines on stdout with elapsed time and a weighted ETA (weights: e.g.
    the tiles of each file), and a tqdm bar on stderr when it is a terminal (and tqdm is
    installed)."""

    def __init__(self, total_files, total_weight):
        self.time = time.perf_counter
        self.start = self.time()
        self.total_tiles, self.done_tiles = max(total_weight, 1), 0
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

    def advance(self, weight):
        """Counts a file of ``weight`` done; returns ``(elapsed, eta)`` in seconds."""
        self.done_tiles += weight
        elapsed = self.time() - self.start
        left = max(self.total_tiles - self.done_tiles, 0)
        eta = elapsed / max(self.done_tiles, 1) * left
        if self.bar is not None:
            self.bar.update(1)
        return elapsed, eta

    def close(self):
        if self.bar is not None:
            self.bar.close()


def process_files(files, targets, weights, process):
    """Reads every file, runs ``process`` on it and writes the result to its target.

    ``process(path, image, note)`` gets the :func:`read_image` array and a ``note(text)``
    function (prints ``note: <text>`` without breaking the bar) and returns ``(output array,
    detail)``: a ``uint8`` / ``uint16`` ``[H, W, C]`` array written with :func:`write_png`,
    and the text in the progress line's parentheses (e.g. ``"4 tiles"``). Each file gets one
    line ``[i/n] <input> <size layout> -> <target> <size layout> (<detail>, <s> s; elapsed
    <s> s, ETA <s> s)`` (the ETA weighted by ``weights``, one number per file). A file
    :func:`read_image` cannot read is reported as ``error: <file>: <reason>`` on stderr and
    skipped. Returns the paths that could not be read; a :class:`WriteError` (or any error
    of ``process``) stops the loop."""
    progress = Progress(len(files), sum(weights))
    failed = []

    def note(text):
        progress.write(f"note: {text}")

    try:
        for i, (path, target, weight) in enumerate(zip(files, targets, weights), 1):
            try:
                image, read_note = read_image(path)
            except UnreadableImageError as e:
                failed.append(path)
                progress.write(f"error: {e}", file=sys.stderr)
                progress.advance(weight)
                continue
            if read_note:
                note(read_note)
            t0 = time.perf_counter()
            out, detail = process(path, image, note)
            write_png(target, out)
            seconds = time.perf_counter() - t0
            elapsed, eta = progress.advance(weight)
            progress.write(f"[{i}/{len(files)}] {path} {describe(image)} -> {target} "
                           f"{describe(out)} ({detail}, {seconds:.2f} s; elapsed "
                           f"{elapsed:.1f} s, ETA {eta:.1f} s)")
    finally:
        progress.close()
    return failed


def report_failures(failed, total):
    """The exit code after :func:`process_files`: 0, or 1 after an ``error:`` line on stderr
    listing the files that could not be read."""
    if not failed:
        return 0
    others = "; the others were written" if len(failed) < total else ""
    sys.stderr.write(f"error: {len(failed)} of {total} input files could not be read: "
                     f"{', '.join(failed)}{others}\n")
    sys.stderr.flush()
    return 1
