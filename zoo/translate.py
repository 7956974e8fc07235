"""Translates images with an exported image-to-image model (Pix2Pix, CycleGAN, any export
whose metadata has ``"task": "image_to_image"``), and synthesizes photos from label maps with
an exported label-to-image model (pix2pixHD, GauGAN: ``"task": "label_to_image"``).

    # a paired model (zoo.pix2pix.train): one direction, dropout noise seeded by --seed
    python -m zoo.translate --model=runs/pix2pix/saved_model --input=photos/ --output=out/ \\
        [--seed=0] [--tile_size=256 --overlap=32]
    # an unpaired model (zoo.cyclegan.train): either direction
    python -m zoo.translate --model=runs/cyclegan/saved_model --input=horse.png \\
        --output=zebra.png [--direction=a_to_b|b_to_a]
    # pix2pixHD (zoo.pix2pixhd.train): Cityscapes labelIds with their instanceIds, matched by
    # name (frankfurt_000000_000294_gtFine_labelIds.png <-> ..._gtFine_instanceIds.png)
    python -m zoo.translate --model=runs/label2city_512p/saved_model \\
        --input=datasets/cityscapes/test_label/ --instances=datasets/cityscapes/test_inst/ \\
        --output=out/ [--tile_size=512 --overlap=64]
    # GauGAN (zoo.gaugan.train): ADE20K maps (0 = don't care), a latent draw per --seed, or
    # the style of one photo (models with the style encoder)
    python -m zoo.translate --model=runs/gaugan/saved_model --input=annotations/ \\
        --output=out/ --dont_care=0 [--seed=7 | --style=sunset.jpg]
    # the authors' released checkpoints, converted on the fly (keep the SavedModel with
    # --export_dir): pix2pixHD's label2city_1024p, SPADE's ade20k / coco / cityscapes_pretrained
    python -m zoo.translate --model=ade20k_pretrained \
        --weights=checkpoints/ade20k_pretrained/latest_net_G.pth --input=annotations/ \
        --output=out/ --dont_care=0 [--export_dir=runs/ade20k_pretrained]

Model. ``--model`` is the path of the SavedModel that ``keras_gans.export.export_model``
writes for a ``PairedTranslation`` or ``UnpairedTranslation`` (what ``zoo.pix2pix.train`` and
``zoo.cyclegan.train`` export), or for a ``SemanticSynthesis`` (``zoo.pix2pixhd.train``,
``zoo.gaugan.train``): a version directory holding ``saved_model.pb`` and
``assets.extra/keras_gans.json``, or the base directory of numbered versions (the highest is
used), or the name of a released checkpoint (``keras_gans.networks.convert_translation.
OFFICIAL_MODELS``) with ``--weights``: the preset it fits is built, the state dict loaded by
the official key names and exported first. Its metadata's ``"task"`` must be ``"image_to_image"`` or ``"label_to_image"``; a
super-resolution export is refused with a pointer to ``python -m zoo.upscale``. The model runs
from the SavedModel's signatures alone (no model code), as a serving client would run it.

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

Label maps (``"task": "label_to_image"``; the metadata gives ``num_classes``,
``instance_edges``, ``style_encoder`` and the training size ``label_shape``). ``--input`` is
a label-map PNG or a directory of them: single-channel (gray) 8- or 16-bit PNGs of class ids
(1/2/4-bit too), read as :mod:`keras_gans.data.label_maps` reads training maps. A colour,
palette or alpha PNG, a JPEG, or a map with an id outside ``[0, num_classes)`` is an error for
that file (``error: <file>: <reason>``; the other files are processed, exit code 1 at the end).
``--dont_care`` is the raw value of "don't care" pixels (SPADE's rule, the loaders'
``dont_care``: 255 for COCO-Stuff / Cityscapes-style data, 0 for ADE20K): it becomes the
model's last class ``num_classes - 1`` and the values above it move down by one.

* Instances (models with ``instance_edges``: pix2pixHD, GauGAN on Cityscapes / COCO): only
  their boundaries matter. ``--instances`` is an instance-map PNG (one ``--input`` file) or a
  directory whose files are matched to the label maps by name, without extension and
  Cityscapes suffixes (:func:`keras_gans.data.label_maps.map_stem`, as the training loader
  pairs them); a label map without its instance map is an error before anything runs, an
  instance map of another size an error for that file. Without ``--instances`` every label
  map is used as its own instance map and a note says so once: the edges are then the class
  boundaries. That is what the models saw for "stuff" classes (Cityscapes' instanceIds hold
  the label id there; the offline ``skimage_labels2photo`` instances are the connected regions
  of the class map, whose boundaries are exactly the class boundaries), so an output is still
  meaningful; only the boundaries between touching objects of one class are missing. An
  error would leave users with label maps alone (a drawn map, ADE20K) no way to run the
  model, and an edge-free map would be further from the training data. ``--instances`` for
  a model without instance edges is an error.
* Latents and style (models with the style encoder, GauGAN's VAE option): ``z`` is drawn from
  ``--seed`` (default 0; the same draw for every map, so a map's output does not depend on
  the folder). ``--style`` is an RGB image (PNG/JPEG; gray repeated to RGB, alpha dropped,
  with a note) whose style every output takes: stretched to the training size
  (``tf.image.resize``, antialiased bicubic, on [0, 1] values), mapped to [-1, 1] and read by
  the encoder through the ``style`` signature (``--seed`` keys its reparameterisation draw).
  ``--style`` needs a model with the encoder, and the ``style`` signature tiles at the
  training size only (no ``--tile_size``). Without an encoder (pix2pixHD) the model is
  deterministic: an explicit ``--seed`` changes nothing (a note says so).
* Signatures: ``serving_default`` (``labels`` int32 ``[1, H, W, 1]``, ``instances``, ``seed``),
  ``tiled`` with ``--tile_size`` / ``--overlap`` (as above; a size the generator cannot run is
  a one-line error), ``style`` with ``--style``. The output is an RGB 8-bit PNG of the label
  map's size, ``<stem>_synthesized.png`` in a directory. ``--direction`` is an error.

Input and output (:mod:`zoo.common.image_io`, shared with ``python -m zoo.upscale``).
``--input`` is a PNG/JPEG file or a directory (its ``.png``, ``.jpg``, ``.jpeg`` files, not
recursive). ``--output`` is a directory, or a ``.png`` file path when ``--input`` is one file;
``--output_dir`` is the directory form. In a directory every image is written to
``<stem>_<direction>.png`` (``photo_a_to_b.png``, ``photo_b_to_a.png``) for an export with
directions, ``<stem>_synthesized.png`` for a label-to-image one, ``<stem>_translated.png``
otherwise. One progress line per image (sizes and
layouts, tiles, time, elapsed time and an ETA weighted by tiles; a tqdm bar on a terminal;
the tile counts follow the zoo's models: tiles of the metadata's training size, or of
``--tile_size``, rounded up to the generator's side multiple).
An unreadable or corrupt file is reported as ``error: <file>: <reason>``, the others are
processed, and the command exits with code 1 at the end, naming the files that failed.
Outputs are written atomically (a hidden ``.partial`` file renamed into place). Bad flags and
an unusable model are one-line ``error:`` messages with exit code 2 (:mod:`zoo.common.cli`).
"""

import os
import re
import sys
import time

from absl import app, flags

from zoo.common import exports
from zoo.common.image_io import (
    IMAGE_EXTENSIONS, Progress, WriteError, define_file_flags, describe, full_scale, header_layout,
    list_images, make_output_dirs, output_targets, process_files, quantize, read_image,
    report_failures, to_channels, write_png)

FLAGS = flags.FLAGS

# Which metadata shapes a direction's input and output are.
DIRECTION_SHAPES = {"a_to_b": ("source_shape", "image_shape"),
                    "b_to_a": ("image_shape", "source_shape")}
INT32 = (-2**31, 2**31 - 1)
TASKS = ("image_to_image", "label_to_image")
# Flags only a label-to-image export takes.
LABEL_FLAGS = ("instances", "dont_care", "style")

_EXPORT_NEEDS = ("an image-to-image SavedModel is a directory with saved_model.pb and "
                 "assets.extra/keras_gans.json whose \"task\" is \"image_to_image\" (as "
                 "keras_gans.export.export_model writes for a PairedTranslation or an "
                 "UnpairedTranslation, e.g. zoo.pix2pix.train and zoo.cyclegan.train) or "
                 "\"label_to_image\" (a SemanticSynthesis: zoo.pix2pixhd.train, "
                 "zoo.gaugan.train), or its base directory of numbered versions (the highest is "
                 "used).")


def define_flags():
    flags.DEFINE_string("model", None, "Path of an exported image-to-image or label-to-image "
                        "SavedModel (version or base directory), or the name of a released "
                        "pix2pixHD / SPADE checkpoint (label2city_1024p, ade20k_pretrained, "
                        "coco_pretrained, cityscapes_pretrained) with --weights.")
    flags.DEFINE_string("weights", None, "With a released --model: its generator checkpoint "
                        "(the authors' latest_net_G.pth).")
    flags.DEFINE_string("encoder_weights", None, "With a released SPADE --model trained with "
                        "its style encoder: latest_net_E.pth.")
    flags.DEFINE_string("export_dir", None, "With a released --model: write the converted "
                        "SavedModel here (then pass it as --model next time); default a "
                        "temporary directory, removed at the end.")
    define_file_flags("<stem>_<direction>.png, <stem>_translated.png or <stem>_synthesized.png")
    flags.DEFINE_string("direction", None, "For exports with directions (CycleGAN): a_to_b "
                        "(default) or b_to_a.")
    flags.DEFINE_integer("tile_size", None, "Tile side in pixels: runs the tiled signature "
                         "(default: the model's tiles of its training size).")
    flags.DEFINE_integer("overlap", None, "Minimum overlap of neighbouring tiles in pixels, with "
                         "--tile_size (default tile_size // 8).")
    flags.DEFINE_integer("seed", None, "Noise seed, the same for every image (default 0): the "
                         "dropout noise of Pix2Pix, the latent draw of GauGAN.")
    flags.DEFINE_string("instances", None, "Label-map models with instance edges (pix2pixHD, "
                        "GauGAN): an instance-map PNG (for one --input map) or a directory of "
                        "them matched to the label maps by name (default: each label map as "
                        "its own instance map).")
    flags.DEFINE_integer("dont_care", None, "Label-map models: the label value of don't-care "
                         "pixels, mapped to the model's last class (SPADE's rule; e.g. 255, or 0 "
                         "for ADE20K).")
    flags.DEFINE_string("style", None, "Label-map models with a style encoder (GauGAN): an RGB "
                        "image whose style every output takes (default: latents drawn from "
                        "--seed).")


# ------------------------------------------------------------------------------ the model
def export_released(name, official_models):
    """Converts the released checkpoint ``--weights`` of ``name`` into a SavedModel
    (``--export_dir`` or a temporary directory) and returns its base directory."""
    import tempfile

    if not FLAGS.weights:
        raise ValueError(f"--weights is required for the released model {name}: the authors' "
                         f"latest_net_G.pth (to use a SavedModel directory named {name!r}, pass "
                         f"./{name}).")
    for flag in ("weights", "encoder_weights"):
        path = FLAGS[flag].value
        if path and not os.path.isfile(path):
            raise FileNotFoundError(f"--{flag}={path!r}: no such file (download {name} from its "
                                    f"authors' release).")
    from keras_gans.export import export_model
    from keras_gans.networks.convert_translation import build_official

    start = time.perf_counter()
    model = build_official(name, FLAGS.weights, FLAGS.encoder_weights, official_models)
    base = FLAGS.export_dir or tempfile.mkdtemp(prefix=f"{name}_")
    version = export_model(model, base)
    print(f"Converted {name} from {FLAGS.weights} into the SavedModel {version} in "
          f"{time.perf_counter() - start:.1f} s", flush=True)
    return base


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
    if task not in TASKS:
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


# --------------------------------------------------------------------------- label maps
class BadMapError(ValueError):
    """A label map (or its instance map) that cannot be used: reported, the others go on."""


def plan_labels(meta, where):
    """``(num_classes, instance_edges, style_encoder, training side or None, style size or
    None)`` from a label-to-image export's metadata."""
    num_classes = meta.get("num_classes")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"{where}: its metadata's num_classes must be a positive int (the label "
                         f"map's classes); found {num_classes!r}.")
    switches = []
    for key in ("instance_edges", "style_encoder"):
        value = meta.get(key, False)
        if not isinstance(value, bool):
            raise ValueError(f"{where}: its metadata's {key} must be true or false; found "
                             f"{value!r}.")
        switches.append(value)

    def side_of(key):
        shape = meta.get(key)
        if (isinstance(shape, list) and len(shape) == 3
                and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape[:2])):
            return tuple(shape[:2])
        return None

    labels, images = side_of("label_shape"), side_of("image_shape")
    return num_classes, switches[0], switches[1], labels[0] if labels else None, images


def match_instances(path, files, stem):
    """The instance-map file of every label map in ``files``: ``path`` itself (one label map),
    or the file of ``path``'s directory with the same ``stem``; user errors otherwise."""
    if os.path.isdir(path):
        by_stem = {}
        for name in sorted(os.listdir(path)):
            full = os.path.join(path, name)
            if name.lower().endswith(IMAGE_EXTENSIONS) and os.path.isfile(full):
                by_stem.setdefault(stem(full), []).append(full)
        matched, missing = [], []
        for f in files:
            found = by_stem.get(stem(f), [])
            if len(found) > 1:
                raise ValueError(f"--instances={path!r}: {', '.join(found)} all match the label map "
                                 f"{f} (files are matched by name without extension and Cityscapes "
                                 f"suffixes); keep one.")
            (matched if found else missing).append(found[0] if found else f)
        if missing:
            shown = ", ".join(os.path.basename(m) for m in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise ValueError(f"--instances={path!r} has no instance map for {len(missing)} of the "
                             f"{len(files)} label maps: {shown}{more} (matched by name without "
                             f"extension and Cityscapes suffixes such as _gtFine_labelIds / "
                             f"_gtFine_instanceIds); add them, or drop --instances to use each "
                             f"label map as its own instance map.")
        return matched
    if not os.path.exists(path):
        raise FileNotFoundError(f"--instances={path!r} does not exist.")
    if len(files) != 1:
        raise ValueError(f"--instances={path!r} is one file but --input has {len(files)} label "
                         f"maps; give a directory of instance maps (matched by name).")
    return [path]


def check_label_signature(loaded, version, name, inputs_needed):
    """The signature ``name`` of a label-to-image export and its output channels; user errors
    when it does not take exactly ``inputs_needed``."""
    if name not in loaded.signatures:
        raise ValueError(f"The SavedModel {version} has no {name!r} signature; its signatures: "
                         f"{', '.join(sorted(loaded.signatures))}.")
    signature = loaded.signatures[name]
    _, inputs = signature.structured_input_signature
    outputs = signature.structured_outputs
    if set(inputs) != set(inputs_needed) or "images" not in outputs:
        raise ValueError(f"The signature {name!r} of {version} takes {', '.join(sorted(inputs))} and "
                         f"returns {', '.join(sorted(outputs))}; for its metadata zoo.translate "
                         f"calls {', '.join(sorted(inputs_needed))} -> images.")
    labels = inputs["labels"]
    if labels.shape.rank != 4 or not labels.dtype.is_integer:
        raise ValueError(f"The signature {name!r} of {version} must take int label maps [N, H, W, "
                         f"1]; it takes {labels}.")
    channels = outputs["images"].shape[-1]
    if channels not in (None, 1, 3):
        raise ValueError(f"The signature {name!r} of {version} returns {channels}-channel images; "
                         f"zoo.translate writes gray or RGB PNGs.")
    return signature


def checked_labels(raw, labels, num_classes, dont_care, path):
    """``labels`` (``raw`` after the don't-care remap), or :class:`BadMapError` when a pixel is
    not one of the model's classes."""
    import numpy as np

    limit = num_classes if dont_care is None else num_classes - 1
    bad = labels >= limit
    if dont_care is not None:
        bad &= raw != dont_care
    if not bad.any():
        return labels
    values = np.unique(raw[bad])
    shown = ", ".join(str(v) for v in values[:8]) + (", ..." if len(values) > 8 else "")
    if dont_care is None:
        allowed = f"class ids 0..{num_classes - 1} (the model's num_classes={num_classes})"
        hint = (f"; if {values[0]} marks don't-care pixels, pass --dont_care={values[0]}"
                if len(values) == 1 else "")
    else:
        ok = f"0..{num_classes - 1}" if dont_care < limit else f"0..{limit - 1} or {dont_care}"
        allowed = (f"values {ok} (the model's num_classes={num_classes}, its last class "
                   f"{num_classes - 1} being don't care: --dont_care={dont_care} maps to it and "
                   f"the values above move down by one)")
        hint = ""
    raise BadMapError(f"{path}: {int(bad.sum())} pixel(s) hold {shown}, outside the model's "
                      f"classes: a label map holds {allowed}{hint}.")


def run_maps(files, targets, weights, read, process):
    """The per-file loop of :func:`zoo.common.image_io.process_files` for label maps, which
    are read with ``read(index, path) -> (item, description)`` instead of as images: a file
    ``read`` rejects (:class:`BadMapError`) is reported as ``error: <reason>`` and skipped;
    ``process(item) -> (output array, detail)``. The same progress lines; returns the paths
    that failed."""
    progress = Progress(len(files), sum(weights))
    failed = []
    try:
        for i, (path, target, weight) in enumerate(zip(files, targets, weights), 1):
            try:
                item, description = read(i - 1, path)
            except BadMapError as e:
                failed.append(path)
                progress.write(f"error: {e}", file=sys.stderr)
                progress.advance(weight)
                continue
            t0 = time.perf_counter()
            out, detail = process(item, lambda text: progress.write(f"note: {text}"))
            write_png(target, out)
            seconds = time.perf_counter() - t0
            elapsed, eta = progress.advance(weight)
            progress.write(f"[{i}/{len(files)}] {path} {description} -> {target} "
                           f"{describe(out)} ({detail}, {seconds:.2f} s; elapsed "
                           f"{elapsed:.1f} s, ETA {eta:.1f} s)")
    finally:
        progress.close()
    return failed


def style_input(path, image, note, size):
    """The ``--style`` image (``image, note``: :func:`read_image` of ``path``) as float32
    ``[1, height, width, 3]`` in [-1, 1] at the model's training ``size`` (stretched,
    antialiased bicubic), and the notes on its conversion."""
    import numpy as np
    import tensorflow as tf

    name = os.path.basename(path)
    x, notes = to_channels(image.astype(np.float32) / full_scale(image.dtype), 3, name)
    notes = ([note] if note else []) + notes
    if tuple(x.shape[:2]) != tuple(size):
        notes.append(f"{name}: the style image ({describe(image)}) is resized to the model's "
                     f"training size {size[1]}x{size[0]} (stretched: the encoder takes that size)")
        x = tf.image.resize(x[None], size, method="bicubic", antialias=True)[0].numpy()
    return tf.constant(np.clip(x, 0.0, 1.0)[None] * 2 - 1), notes


def synthesize(version, meta, where, tile_size, overlap, seed):
    """``main`` for a label-to-image export (pix2pixHD, GauGAN); returns the exit code."""
    model_name = meta.get("name", "the model")
    if FLAGS.direction is not None:
        raise ValueError(f"--direction is for exports that translate both ways (CycleGAN: a_to_b, "
                         f"b_to_a); {model_name} at {where} synthesizes images from label maps: "
                         f"drop --direction.")
    num_classes, edges, encoder, side, image_size = plan_labels(meta, where)
    tiled = tile_size is not None
    if FLAGS.style is not None:
        if not encoder:
            raise ValueError(f"--style needs a model with a style encoder (GauGAN's VAE option); "
                             f"{model_name} at {where} has none (its metadata's style_encoder is "
                             f"false): drop --style.")
        if tiled:
            raise ValueError("--style runs the export's 'style' signature, which tiles at the "
                             "training size only: drop --tile_size / --overlap.")
        if not os.path.isfile(FLAGS.style):
            raise FileNotFoundError(f"--style={FLAGS.style!r} is not an image file.")
        if image_size is None:
            raise ValueError(f"{where}: its metadata has no image_shape, the size the style "
                             f"encoder takes; --style cannot be used.")
    if FLAGS.instances is not None and not edges:
        raise ValueError(f"--instances is for models with instance edges; {model_name} at {where} "
                         f"does not use instance maps (its metadata's instance_edges is false): "
                         f"drop --instances.")
    dont_care = FLAGS.dont_care
    if dont_care is not None:
        if not 0 <= dont_care <= 65535:
            raise ValueError(f"--dont_care must be a label value of a PNG (0..65535); received "
                             f"{dont_care}.")
        if num_classes < 2:
            raise ValueError(f"--dont_care maps to the model's last class, but {model_name} has "
                             f"num_classes={num_classes}: drop --dont_care.")
    files = list_images(FLAGS.input)
    targets = output_targets(files, FLAGS.output, FLAGS.output_dir, os.path.isdir(FLAGS.input),
                             suffix="_synthesized")
    # An unreadable style image fails before anything loads.
    style = read_image(FLAGS.style) if FLAGS.style is not None else None

    import numpy as np
    import tensorflow as tf

    from keras_gans.data import label_maps
    from keras_gans.tiling import tile_counts

    instance_files = (match_instances(FLAGS.instances, files, label_maps.map_stem)
                      if FLAGS.instances is not None else None)
    name = "style" if style is not None else "tiled" if tiled else "serving_default"
    needed = ({"labels", "seed"} | ({"instances"} if edges else set())
              | ({"tile_size", "overlap"} if tiled else set())
              | ({"style_images"} if name == "style" else set()))
    start = time.perf_counter()
    loaded = exports.load(version)
    signature = check_label_signature(loaded, version, name, needed)
    what = f"{num_classes} classes" + (" + instance edges" if edges else "")
    print(f"Loaded the SavedModel {version} ({model_name}; signature {name!r}, label maps of "
          f"{what} -> images) in {time.perf_counter() - start:.1f} s", flush=True)
    feed = {"seed": tf.constant(seed, tf.int32)}
    if tiled:
        feed.update(tile_size=tf.constant(tile_size, tf.int32),
                    overlap=tf.constant(overlap, tf.int32))
    if style is not None:
        feed["style_images"], notes = style_input(FLAGS.style, *style, image_size)
        for text in notes:
            print(f"note: {text}", flush=True)
    if not encoder and FLAGS.seed is not None:
        print(f"note: --seed changes nothing: {model_name} has no style encoder (no latent to "
              f"draw; the model is deterministic)", flush=True)
    if edges and instance_files is None:
        print("note: no --instances: each label map is also used as its instance map, so the "
              "instance edges are the class boundaries (pass --instances=<PNG or directory> for "
              "the real instance maps)", flush=True)

    # Tiles, for the progress lines and the ETA's weights: the training size with an eighth of
    # it as overlap (the export's default), or --tile_size / --overlap.
    tile, tile_overlap = (tile_size, overlap) if tiled else (side, (side or 0) // 8)

    def tiles(height, width):
        if tile is None:
            return 1
        rows, cols = tile_counts(height, width, tile, tile_overlap)
        return rows * cols

    make_output_dirs(targets)
    weights = []
    for f in files:
        layout = header_layout(f)
        weights.append(1 if layout is None else tiles(*layout[:2]))

    def read(index, path):
        try:
            raw, depth = label_maps.read_map_png(path, "label map")
        except label_maps.ImageFolderError as e:
            raise BadMapError(str(e)) from None
        labels = raw if dont_care is None else (
            label_maps.remap_dont_care(raw, num_classes, dont_care).numpy())
        labels = checked_labels(raw, labels, num_classes, dont_care, path)
        instances, source = None, None
        if edges and instance_files is not None:
            source = instance_files[index]
            try:
                instances, _ = label_maps.read_map_png(source, "instance map")
            except label_maps.ImageFolderError as e:
                raise BadMapError(f"{path}: its instance map {e}") from None
            if instances.shape != raw.shape:
                raise BadMapError(f"{path}: its instance map {source} is "
                                  f"{instances.shape[1]}x{instances.shape[0]}, the label map "
                                  f"{raw.shape[1]}x{raw.shape[0]}: they must have the same size.")
        elif edges:
            instances = labels
        bits = " 16-bit" if depth == 16 else ""
        return (labels, instances, source), f"{raw.shape[1]}x{raw.shape[0]} label map{bits}"

    def process(item, note):
        labels, instances, source = item
        inputs = dict(feed, labels=tf.constant(labels[None], tf.int32))
        if edges:
            inputs["instances"] = tf.constant(instances[None], tf.int32)
        try:
            y = signature(**inputs)["images"].numpy()[0]
        except tf.errors.InvalidArgumentError as e:
            if tiled and "fn must map tiles" in str(e):
                got = re.search(r"received output shape\]\s*\[\d+ (\d+) ", str(e))
                returned = f" (it returned {got.group(1)}-pixel tiles)" if got else ""
                raise ValueError(f"The model cannot run tiles of --tile_size={tile_size} "
                                 f"pixels{returned}: its generator needs sides that are "
                                 f"multiples of its downsampling factor (its training size "
                                 f"{side} is one); pick another --tile_size.") from None
            raise
        out = quantize(np.clip((y + 1) / 2, 0.0, 1.0), np.uint8)
        count = tiles(*labels.shape[:2])
        detail = f"{count} tile{'s' if count > 1 else ''}"
        if source is not None:
            detail += f", instances {source}"
        return out, detail

    failed = run_maps(files, targets, weights, read, process)
    return report_failures(failed, len(files))


def check_tiles_and_seed():
    """``(tile_size or None, overlap, seed)`` from the flags, with user errors."""
    tile_size, overlap = FLAGS.tile_size, FLAGS.overlap
    if overlap is not None and tile_size is None:
        raise ValueError("--overlap needs --tile_size (without them the model tiles at its "
                         "training size).")
    if tile_size is not None:
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
    return tile_size, overlap, seed


# ------------------------------------------------------------------------------- main
def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    for name in ("model", "input"):
        if not FLAGS[name].value:
            raise ValueError(f"--{name} is required.")
    from keras_gans.networks import convert_translation

    released = convert_translation.OFFICIAL_MODELS
    if FLAGS.model not in released:
        for flag in ("weights", "encoder_weights", "export_dir"):
            if FLAGS[flag].value:
                raise ValueError(f"--{flag} is for a released --model ({', '.join(sorted(released))}); "
                                 f"--model={FLAGS.model!r} is a SavedModel path: drop --{flag}.")
        return translate(FLAGS.model)
    base = export_released(FLAGS.model, released)
    try:
        return translate(base)
    finally:
        if not FLAGS.export_dir:
            import shutil

            shutil.rmtree(base, ignore_errors=True)


def translate(model_path):
    version, meta, where = resolve_export(model_path)
    tile_size, overlap, seed = check_tiles_and_seed()
    if meta.get("task") == "label_to_image":
        return synthesize(version, meta, where, tile_size, overlap, seed)
    for flag in LABEL_FLAGS:
        if FLAGS[flag].value is not None:
            raise ValueError(f"--{flag} is for label-map models (task label_to_image: pix2pixHD, "
                             f"GauGAN); {meta.get('name', 'the model')} at {where} translates "
                             f"images: drop --{flag}.")
    tiled = tile_size is not None
    direction, name, meta_in, meta_out = plan_signature(meta, where, FLAGS.direction, tiled)
    files = list_images(FLAGS.input)
    targets = output_targets(files, FLAGS.output, FLAGS.output_dir, os.path.isdir(FLAGS.input),
                             suffix=f"_{direction or 'translated'}")

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
