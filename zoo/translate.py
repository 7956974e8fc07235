"""Translates images with an exported image-to-image model (Pix2Pix, CycleGAN, any export
whose metadata has ``"task": "image_to_image"``).

    # a paired model (zoo.pix2pix.train): one direction, dropout noise seeded by --seed
    python -m zoo.translate --model=runs/pix2pix/saved_model --input=photos/ --output=out/ \\
        [--seed=0] [--tile_size=256 --overlap=32]
    # an unpaired model (zoo.cyclegan.train): either direction
    python -m zoo.translate --model=runs/cyclegan/saved_model --input=horse.png \\
        --output=zebra.png [--direction=a_to_b|b_to_a]

Model. ``--model`` is the path of the SavedModel that ``keras_gans.export.export_model``
writes for a ``PairedTranslation`` or ``UnpairedTranslation`` (what ``zoo.pix2pix.train`` and
``zoo.cyclegan.train`` export): a version directory holding ``saved_model.pb`` and
``assets.extra/keras_gans.json``, or the base directory of numbered versions (the highest is
used). Its metadata's ``"task"`` must be ``"image_to_image"``; a super-resolution export is
refused with a pointer to ``python -m zoo.upscale``. The model runs from the SavedModel's
signatures alone (no model code), as a serving client would run it.

Direction and signature. An export whose metadata lists ``"directions"`` (CycleGAN:
``a_to_b``, ``b_to_a``) runs ``--direction`` (default ``a_to_b``) through the signature its
metadata's ``"signatures"`` names (``serving_default``, ``b_to_a``); ``--direction`` on a
one-direction export (Pix2Pix) is an error. With ``--tile_size`` (and optionally
``--overlap``, default ``tile_size // 8``) the matching tiled signature runs instead
(``tiled``; ``tiled_<name>`` for another direction): tiles of that many pixels (rounded up by
the model to the side multiple its generator needs), blended over at least ``--overlap``
pixels. Without them ``serving_default`` / ``b_to_a`` tile at the training size, with an
eighth of it as overlap (the model's defaults). A signature with a ``seed`` input (Pix2Pix:
the dropout noise at test time) gets ``--seed`` (default 0) for every image, so an image's
output does not depend on the other files in the folder; a signature without one (CycleGAN
is deterministic) gets none, and an explicit ``--seed`` is ignored with a note.

Images and channels. The model sees float32 images in [-1, 1]: ``x / 255 * 2 - 1`` for 8-bit
images, ``x / 65535 * 2 - 1`` for 16-bit PNGs; its output is mapped back with ``(y + 1) / 2``,
clipped to [0, 1] and rounded. The model's input channels come from the signature (its
metadata's ``source_shape``; ``image_shape`` for ``b_to_a``):

* a 3-channel model gets gray images (``L``, 1-bit, 16-bit gray) repeated to RGB;
* a 1-channel model gets RGB images (and JPEG CMYK / YCbCr, converted) as their BT.601 luma;
* an alpha channel (RGBA, gray + alpha; palette or ``tRNS`` transparency) is dropped with a
  note: the networks translate colour, and a translated alpha would not mean anything.

A note names every such conversion. The output has the model's output channels (1: gray, 3:
RGB; 2 / 4 as gray + alpha / RGBA), the input's size, and the input's bit depth: an 8-bit
PNG, or a 16-bit PNG for a 16-bit input.

Input and output (:mod:`zoo.common.image_io`, shared with ``python -m zoo.upscale``).
``--input`` is a PNG/JPEG file or a directory (its ``.png``, ``.jpg``, ``.jpeg`` files, not
recursive). ``--output`` is a directory, or a ``.png`` file path when ``--input`` is one file;
``--output_dir`` is the directory form. In a directory every image is written to
``<stem>_<direction>.png`` (``photo_a_to_b.png``, ``photo_b_to_a.png``) for an export with
directions, ``<stem>_translated.png`` otherwise. One progress line per image (sizes and
layouts, tiles, time, elapsed time and an ETA weighted by tiles; a tqdm bar on a terminal;
the tile counts follow the zoo's models: tiles of the metadata's training size, or of
``--tile_size``, rounded up to the generator's side multiple).
An unreadable or corrupt file is reported as ``error: <file>: <reason>``, the others are
processed, and the command exits with code 1 at the end, naming the files that failed.
Outputs are written atomically (a hidden ``.partial`` file renamed into place). Bad flags and
an unusable model are one-line ``error:`` messages with exit code 2 (:mod:`zoo.common.cli`).
"""

import os

from absl import app, flags

from zoo.common import exports
from zoo.common.image_io import (
    WriteError, define_file_flags, full_scale, header_layout, list_images, make_output_dirs, output_targets,
    process_files, quantize, report_failures, to_channels)

FLAGS = flags.FLAGS

# Which metadata shapes a direction's input and output are.
DIRECTION_SHAPES = {"a_to_b": ("source_shape", "image_shape"),
                    "b_to_a": ("image_shape", "source_shape")}
INT32 = (-2**31, 2**31 - 1)

_EXPORT_NEEDS = ("an image-to-image SavedModel is a directory with saved_model.pb and "
                 "assets.extra/keras_gans.json whose \"task\" is \"image_to_image\" (as "
                 "keras_gans.export.export_model writes for a PairedTranslation or an "
                 "UnpairedTranslation, e.g. zoo.pix2pix.train and zoo.cyclegan.train), or its "
                 "base directory of numbered versions (the highest is used).")


def define_flags():
    flags.DEFINE_string("model", None, "Path of an exported image-to-image SavedModel (version "
                        "or base directory).")
    define_file_flags("<stem>_<direction>.png or <stem>_translated.png")
    flags.DEFINE_string("direction", None, "For exports with directions (CycleGAN): a_to_b "
                        "(default) or b_to_a.")
    flags.DEFINE_integer("tile_size", None, "Tile side in pixels: runs the tiled signature "
                         "(default: the model's tiles of its training size).")
    flags.DEFINE_integer("overlap", None, "Minimum overlap of neighbouring tiles in pixels, with "
                         "--tile_size (default tile_size // 8).")
    flags.DEFINE_integer("seed", None, "Dropout noise seed for models whose signature takes one "
                         "(Pix2Pix), the same for every image (default 0).")


# ------------------------------------------------------------------------------ the model
def resolve_export(path):
    """``(version_dir, metadata, where)`` of the image-to-image export at ``path``."""
    if not os.path.isdir(path):
        if os.path.exists(path):
            raise NotADirectoryError(f"--model={path!r} is a file; {_EXPORT_NEEDS}")
        raise FileNotFoundError(f"--model={path!r} does not exist; {_EXPORT_NEEDS}")
    version, meta, where = exports.find_version(path, _EXPORT_NEEDS)
    task = meta.get("task")
    if task == "super_resolution":
        raise ValueError(f"{where} is a super-resolution export (x{meta.get('scale', '?')}), "
                         f"not an image-to-image one: upscale with python -m zoo.upscale "
                         f"--model={path} --input=... --output=...")
    if task != "image_to_image":
        what = (": a latent generator (it samples images from latents and takes none)"
                if "latent_dim" in meta else "")
        raise ValueError(f"{where} is not an image-to-image export (its metadata has "
                         f"task={task!r}){what}; {_EXPORT_NEEDS}")
    return version, meta, where


def plan_signature(meta, where, direction, tiled):
    """``(direction or None, signature name, input channels, output channels)`` from the
    metadata (channels ``None`` when it does not record them; the signature decides)."""
    directions = meta.get("directions")
    if directions:
        if not (isinstance(directions, list) and all(isinstance(d, str) for d in directions)):
            raise ValueError(f"{where}: its metadata's directions must be a list of names; found "
                             f"{directions!r}.")
        if direction is None:
            direction = "a_to_b" if "a_to_b" in directions else directions[0]
        if direction not in directions:
            raise ValueError(f"--direction={direction!r} is not a direction of {where}; it has "
                             f"{', '.join(directions)}.")
        names = meta.get("signatures") or {}
        plain = names.get(direction) or ("serving_default" if direction == directions[0]
                                         else direction)
    else:
        if direction is not None:
            raise ValueError(f"--direction is for exports that translate both ways (CycleGAN: "
                             f"a_to_b, b_to_a); {meta.get('name', 'the model')} at {where} "
                             f"translates one way: drop --direction.")
        plain = "serving_default"
    name = plain if not tiled else ("tiled" if plain == "serving_default" else f"tiled_{plain}")
    source, target = DIRECTION_SHAPES.get(direction or "a_to_b", (None, None))

    def channels(key):
        shape = meta.get(key) if key else None
        if isinstance(shape, list) and shape and isinstance(shape[-1], int):
            return shape[-1]
        return None

    return direction, name, channels(source), channels(target)


def check_signature(loaded, version, name, tiled, direction):
    """The signature ``name`` of the loaded export, its input names and its input / output
    channels; user errors for what the command cannot call."""
    if name not in loaded.signatures:
        which = f" for {direction}" if direction else ""
        fix = " (run without --tile_size / --overlap)" if tiled else ""
        raise ValueError(f"The SavedModel {version} has no {name!r} signature{which}{fix}; its "
                         f"signatures: {', '.join(sorted(loaded.signatures))}.")
    signature = loaded.signatures[name]
    _, inputs = signature.structured_input_signature
    need = {"images"} | ({"tile_size", "overlap"} if tiled else set())
    if not need <= set(inputs) or set(inputs) - need - {"seed"}:
        raise ValueError(f"The signature {name!r} of {version} takes {', '.join(sorted(inputs))}; "
                         f"zoo.translate calls images{', tile_size, overlap' if tiled else ''} "
                         f"and an optional seed.")
    images = inputs["images"]
    outputs = signature.structured_outputs
    if images.shape.rank != 4 or images.dtype.name != "float32" or "images" not in outputs:
        raise ValueError(f"The signature {name!r} of {version} must map float32 images [N, H, W, "
                         f"C] to {{'images': ...}}; it takes {images} and returns "
                         f"{', '.join(sorted(outputs))}.")
    return signature, set(inputs), images.shape[-1], outputs["images"].shape[-1]


# ------------------------------------------------------------------------------- main
def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    for name in ("model", "input"):
        if not FLAGS[name].value:
            raise ValueError(f"--{name} is required.")
    version, meta, where = resolve_export(FLAGS.model)
    tile_size, overlap = FLAGS.tile_size, FLAGS.overlap
    if overlap is not None and tile_size is None:
        raise ValueError("--overlap needs --tile_size (without them the model tiles at its "
                         "training size).")
    tiled = tile_size is not None
    if tiled:
        if tile_size < 1:
            raise ValueError(f"--tile_size must be positive; received {tile_size}.")
        overlap = tile_size // 8 if overlap is None else overlap
        if overlap < 0 or 2 * overlap >= tile_size:
            raise ValueError(f"--overlap must satisfy 0 <= overlap < tile_size / 2 (tiles overlap "
                             f"on both sides); received --overlap={overlap}, "
                             f"--tile_size={tile_size}.")
    seed = 0 if FLAGS.seed is None else FLAGS.seed
    if not INT32[0] <= seed <= INT32[1]:
        raise ValueError(f"--seed must be an int32 (in [-2**31, 2**31 - 1]); received {seed}.")
    direction, name, meta_in, meta_out = plan_signature(meta, where, FLAGS.direction, tiled)
    files = list_images(FLAGS.input)
    targets = output_targets(files, FLAGS.output, FLAGS.output_dir, os.path.isdir(FLAGS.input),
                             suffix=f"_{direction or 'translated'}")

    import time

    import numpy as np
    import tensorflow as tf

    start = time.perf_counter()
    loaded = exports.load(version)
    signature, inputs, in_channels, out_channels = check_signature(loaded, version, name, tiled,
                                                                   direction)
    in_channels = in_channels or meta_in
    out_channels = out_channels or meta_out
    if in_channels not in (1, 3):
        raise ValueError(f"The signature {name!r} of {version} takes {in_channels}-channel "
                         f"images; zoo.translate feeds 1-channel (gray) or 3-channel (RGB) ones.")
    if out_channels is not None and out_channels not in (1, 2, 3, 4):
        raise ValueError(f"The signature {name!r} of {version} returns {out_channels}-channel "
                         f"images; a PNG holds 1 to 4.")
    which = f"{direction}: " if direction else ""
    print(f"Loaded the SavedModel {version} ({meta.get('name', '?')}; {which}signature "
          f"{name!r}, {in_channels} -> {out_channels or '?'} channels) in "
          f"{time.perf_counter() - start:.1f} s", flush=True)
    if "seed" not in inputs and FLAGS.seed is not None:
        print(f"note: --seed is ignored: the signature {name!r} takes no seed (the model is "
              f"deterministic)", flush=True)
    elif "seed" in inputs and FLAGS.seed is not None and meta.get("dropout_at_inference") is False:
        print("note: the model runs without dropout at inference: --seed changes nothing",
              flush=True)

    # Tile counts, for the progress lines and the ETA's weights: the zoo's translation models
    # tile at their training size (the metadata's side) with an eighth of it as overlap, and
    # round a tile up to the side multiple of their generator.
    from keras_gans.models.translation import size_multiple
    from keras_gans.tiling import tile_counts

    shape = meta.get(DIRECTION_SHAPES.get(direction or "a_to_b", ("source_shape",))[0]) or [None]
    side = shape[0] if isinstance(shape[0], int) and shape[0] > 0 else None
    multiple = size_multiple(side)
    tile, tile_overlap = (tile_size, overlap) if tiled else (side, (side or 0) // 8)
    if tiled and tile % multiple:
        print(f"note: --tile_size={tile_size} is rounded up to {-(-tile // multiple) * multiple} "
              f"by the model (its generator takes sides that are multiples of {multiple})",
              flush=True)

    def tiles(height, width):
        if tile is None:
            return 1
        rows, cols = tile_counts(height, width, tile, tile_overlap, multiple)
        return rows * cols

    make_output_dirs(targets)
    weights = []
    for f in files:
        layout = header_layout(f)
        weights.append(1 if layout is None else tiles(*layout[:2]))
    extra = {"seed": tf.constant(seed, tf.int32)} if "seed" in inputs else {}
    if tiled:
        extra.update(tile_size=tf.constant(tile_size, tf.int32),
                     overlap=tf.constant(overlap, tf.int32))

    def process(path, image, note):
        x, notes = to_channels(image.astype(np.float32) / full_scale(image.dtype), in_channels,
                               os.path.basename(path))
        for text in notes:
            note(text)
        y = signature(images=tf.constant(x[None] * 2 - 1), **extra)["images"].numpy()[0]
        out = quantize(np.clip((y + 1) / 2, 0.0, 1.0), image.dtype)
        count = tiles(*image.shape[:2])
        return out, f"{count} tile{'s' if count > 1 else ''}"

    failed = process_files(files, targets, weights, process)
    return report_failures(failed, len(files))


if __name__ == "__main__":
    from zoo.common.cli import run_app

    define_flags()
    run_app(main, user_errors=(WriteError,))
