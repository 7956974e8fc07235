"""Upscales images with a released super-resolution model (issue 12, item 4).

    python -m zoo.upscale --model=RealESRGAN_x4plus --weights=RealESRGAN_x4plus.pth \\
        --input=photo.png --output_dir=out [--tile_size=256] [--overlap=16] [--export_dir=dir]

``--input`` is a PNG/JPEG file or a directory (its ``.png``, ``.jpg``, ``.jpeg`` files, not
recursive). Every image is read as RGB (gray and palette images are converted; an alpha
channel is dropped, with a note) and written to ``<output_dir>/<stem>_x<scale>.png``, one
progress line per image with its time. Large images are processed tile by tile
(``--tile_size`` input pixels, ``--overlap`` at least; memory does not grow with the image);
see :mod:`keras_gans.upscale`. ``--export_dir`` also writes the model as a SavedModel
(``serving_default``: float32 ``[N, H, W, 3]`` in [0, 1] -> ``{"images": [N, sH, sW, 3]}``
in [0, 1]; ``tiled`` takes ``tile_size`` and ``overlap`` too). ``--weights``: ``.pth`` /
``.pt`` (needs torch) or ``.safetensors``.
"""

import os
import sys

from absl import app, flags

FLAGS = flags.FLAGS
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def define_flags():
    flags.DEFINE_string("model", None, "Released model name, e.g. RealESRGAN_x4plus.")
    flags.DEFINE_string("weights", None, "Its checkpoint: .pth / .pt (needs torch) or .safetensors.")
    flags.DEFINE_string("input", None, "A PNG/JPEG image or a directory of them.")
    flags.DEFINE_string("output_dir", None, "Where <stem>_x<scale>.png files are written.")
    flags.DEFINE_integer("tile_size", 256, "Tile side in input pixels (memory knob).")
    flags.DEFINE_integer("overlap", 16, "Minimum overlap of neighbouring tiles, input pixels.")
    flags.DEFINE_string("export_dir", None, "Also write a versioned SavedModel to this base directory.")


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


def read_rgb(path):
    """``(uint8 [H, W, 3], note or None)``."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
    except (UnidentifiedImageError, OSError) as e:
        raise ValueError(f"Cannot read {path} as an image: {e}") from e
    note = None
    mode = image.mode
    if mode == "P" and "transparency" in image.info:
        image, mode = image.convert("RGBA"), "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        note = f"{os.path.basename(path)}: alpha channel dropped"
    if mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit gray: to 8 bits
        array = np.asarray(image, dtype=np.float64)
        array = np.clip(np.round(array / 257.0), 0, 255).astype(np.uint8)
        return np.repeat(array[..., None], 3, axis=-1), note
    return np.asarray(image.convert("RGB"), dtype=np.uint8), note


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    for name in ("model", "weights", "input", "output_dir"):
        if not FLAGS[name].value:
            raise ValueError(f"--{name} is required.")
    from keras_gans.networks.convert import OFFICIAL_MODELS

    if FLAGS.model not in OFFICIAL_MODELS:
        raise ValueError(f"Unknown --model={FLAGS.model!r}; known: "
                         f"{', '.join(sorted(OFFICIAL_MODELS))}.")
    if not os.path.isfile(FLAGS.weights):
        raise FileNotFoundError(f"--weights={FLAGS.weights!r}: no such file (download the "
                                f"{FLAGS.model} checkpoint from its authors' release).")
    builder, kwargs = OFFICIAL_MODELS[FLAGS.model]
    scale = kwargs.get("scale", 4)
    # rrdbnet(scale=2) pixel-unshuffles by 2 (scale 1: by 4): tiles must be multiples of it.
    multiple = 4 // scale if builder.__name__ == "rrdbnet" and scale < 4 else 1
    tile_size, overlap = FLAGS.tile_size, FLAGS.overlap
    if tile_size < 1 or tile_size % multiple:
        need = f"a positive multiple of {multiple}" if multiple > 1 else "positive"
        raise ValueError(f"--tile_size must be {need} for {FLAGS.model}; received {tile_size}.")
    if overlap < 0 or 2 * overlap >= tile_size:
        raise ValueError(f"--overlap must satisfy 0 <= overlap < tile_size / 2 (tiles overlap "
                         f"on both sides); received --overlap={overlap}, --tile_size={tile_size}.")
    files = list_images(FLAGS.input)

    import time

    from PIL import Image

    from keras_gans import upscale
    from keras_gans.networks.convert import load_official

    start = time.perf_counter()
    generator = load_official(FLAGS.model, FLAGS.weights)
    print(f"Loaded {FLAGS.model} (x{scale}) from {FLAGS.weights} in "
          f"{time.perf_counter() - start:.1f} s", flush=True)
    os.makedirs(FLAGS.output_dir, exist_ok=True)
    for i, path in enumerate(files, 1):
        image, note = read_rgb(path)
        if note:
            print(f"note: {note}", flush=True)
        out, seconds = upscale.timed_upscale_array(generator, image, scale, tile_size=tile_size,
                                                   overlap=overlap, multiple=multiple)
        stem = os.path.splitext(os.path.basename(path))[0]
        target = os.path.join(FLAGS.output_dir, f"{stem}_x{scale}.png")
        Image.fromarray(out, "RGB").save(target)
        print(f"[{i}/{len(files)}] {path} {image.shape[1]}x{image.shape[0]} -> {target} "
              f"{out.shape[1]}x{out.shape[0]} ({seconds:.2f} s)", flush=True)
    if FLAGS.export_dir:
        path = upscale.export_upscaler(generator, FLAGS.export_dir, scale, FLAGS.model,
                                       default_tile=tile_size, default_overlap=overlap,
                                       multiple=multiple)
        print(f"Wrote the SavedModel {path}", flush=True)
    return 0


if __name__ == "__main__":
    from zoo.common.cli import run_app

    define_flags()
    run_app(main)
