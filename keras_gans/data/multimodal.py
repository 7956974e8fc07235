"""Multimodal label-map data for PoE-GAN (GauGAN2): a label-map dataset plus a sketch and a
caption of every target (:mod:`keras_gans.models.poegan`).

``"multimodal/<label-map dataset>"`` (e.g. ``multimodal/skimage_labels2photo``) through
``keras_gans.data.load`` gives batches ``{"labels", "target", ["instances",] "sketch": float32
[B, H, W, 1] in [-1, 1], "text": int32 [B, max_tokens]}``.

Captions (offline). :func:`describe_colours` names the target's dominant colours: every pixel
takes the nearest colour of :data:`PALETTE` (RGB, Euclidean), the three most frequent (ties:
palette order) give ``"a photo in red blue and white"``; :func:`tokenize` maps words to
:data:`VOCABULARY` ids (0 padding, 1 unknown). Sketches: ``skimage.feature.canny`` of the
grey target (``sketch_sigma``, default 1 at small sizes), black lines (-1) on white (+1), as
:mod:`keras_gans.data.paired`'s ``skimage_edges2photo``.
"""

import numpy as np
import tensorflow as tf

__all__ = ["PALETTE", "VOCABULARY", "MULTIMODAL_PREFIX", "add_sketch_and_caption", "describe_colours",
           "load_multimodal", "load_named", "info_named", "multimodal_base", "tokenize"]

MULTIMODAL_PREFIX = "multimodal/"

PALETTE = (
    ("black", (20, 20, 20)), ("white", (235, 235, 235)), ("gray", (128, 128, 128)), ("red", (200, 30, 30)),
    ("orange", (240, 140, 30)), ("yellow", (235, 220, 50)), ("green", (50, 160, 60)), ("blue", (40, 80, 200)),
    ("purple", (130, 60, 160)), ("pink", (240, 150, 190)), ("brown", (120, 80, 40)),
)
VOCABULARY = ("<pad>", "<unk>", "a", "photo", "in", "and") + tuple(name for name, _ in PALETTE)
_WORD_IDS = {w: i for i, w in enumerate(VOCABULARY)}


def describe_colours(image, count=3):
    """The caption of an image (``[H, W, 3]`` in [-1, 1] or uint8): its ``count`` dominant
    palette colours, e.g. ``"a photo in blue white and gray"``."""
    image = np.asarray(image)
    rgb = image.astype(np.float64) if image.dtype == np.uint8 else (np.asarray(image, np.float64) + 1.0) * 127.5
    colours = np.array([c for _, c in PALETTE], np.float64)
    nearest = np.argmin(((rgb.reshape(-1, 1, 3) - colours[None]) ** 2).sum(-1), axis=1)
    counts = np.bincount(nearest, minlength=len(PALETTE))
    order = sorted((i for i in range(len(PALETTE)) if counts[i]), key=lambda i: (-counts[i], i))[:count]
    names = [PALETTE[i][0] for i in order]
    words = names if len(names) == 1 else names[:-1] + ["and", names[-1]]
    return "a photo in " + " ".join(words)


def tokenize(captions, max_tokens=8):
    """int32 ``[N, max_tokens]`` token ids of captions (lower-cased words; unknown words 1,
    padding 0, truncated to ``max_tokens``)."""
    if isinstance(captions, str):
        captions = [captions]
    out = np.zeros((len(captions), max_tokens), np.int32)
    for row, caption in enumerate(captions):
        ids = [_WORD_IDS.get(w, 1) for w in str(caption).lower().split()][:max_tokens]
        out[row, : len(ids)] = ids
    return out


def _sketch_and_tokens(target, sigma, max_tokens):
    import skimage.color
    import skimage.feature

    target = np.asarray(target, np.float32)
    sketches, captions = [], []
    for image in target:
        gray = skimage.color.rgb2gray(np.clip((image + 1.0) / 2.0, 0.0, 1.0))
        edges = skimage.feature.canny(gray, sigma=sigma)
        sketches.append(np.where(edges, -1.0, 1.0).astype(np.float32)[..., None])
        captions.append(describe_colours(image))
    return np.stack(sketches), tokenize(captions, max_tokens)


def add_sketch_and_caption(dataset, sketch_sigma=1.0, max_tokens=8):
    """Adds ``"sketch"`` (float32 ``[B, H, W, 1]``, Canny edges of the target) and ``"text"``
    (int32 ``[B, max_tokens]``, the colour caption) to a batched ``{"labels", "target", ...}``
    dataset (:mod:`keras_gans.data.label_maps`)."""

    def add(element):
        sketch, text = tf.numpy_function(lambda t: _sketch_and_tokens(t, sketch_sigma, max_tokens),
                                         [element["target"]], [tf.float32, tf.int32])
        shape = element["target"].shape
        sketch.set_shape(shape[:-1].concatenate([1]))
        text.set_shape([shape[0], max_tokens])
        return {**element, "sketch": sketch, "text": text}

    return dataset.map(add, num_parallel_calls=tf.data.AUTOTUNE)


def load_multimodal(name="skimage_labels2photo", sketch_sigma=1.0, max_tokens=8, **kwargs):
    """``keras_gans.data.load(name, **kwargs)`` with sketches and captions added."""
    from keras_gans import data

    return add_sketch_and_caption(data.load(name, **kwargs), sketch_sigma, max_tokens)


def multimodal_base(name):
    """The label-map dataset behind ``"multimodal/<name>"``, or None for any other name."""
    from keras_gans.data import label_maps

    if not isinstance(name, str) or not name.startswith(MULTIMODAL_PREFIX):
        return None
    base = name[len(MULTIMODAL_PREFIX):]
    return base if base and (label_maps.is_label_map_name(base) or label_maps.is_label_map_directory(base)) else None


def load_named(name, split="train", batch_size=64, image_size=None, sketch_sigma=1.0, max_tokens=8, **kwargs):
    """``keras_gans.data.load("multimodal/<label-map dataset>", ...)``: the label-map dataset's
    batches with ``"sketch"`` and ``"text"`` added (batched data only)."""
    base = multimodal_base(name)
    if base is None:
        raise ValueError(f"{name!r} is not '{MULTIMODAL_PREFIX}<label-map dataset>'.")
    if batch_size is None:
        raise ValueError("multimodal datasets are batched (sketches and captions are made per batch); pass "
                         "a batch_size.")
    return load_multimodal(base, sketch_sigma, max_tokens, split=split, batch_size=batch_size,
                           image_size=image_size, **kwargs)


def info_named(name, data_dir=None, **kwargs):
    """The label-map dataset's info, ``kind="multimodal"``, with the sketch and text shapes."""
    import dataclasses

    from keras_gans.data import label_maps

    base = multimodal_base(name)
    if base is None:
        raise ValueError(f"{name!r} is not '{MULTIMODAL_PREFIX}<label-map dataset>'.")
    kwargs = {k: v for k, v in kwargs.items() if k not in ("sketch_sigma", "max_tokens")}
    info = label_maps.label_map_info(base, data_dir=data_dir, **kwargs)
    shapes = dict(info.shapes or {})
    labels = shapes.get("labels") or (None, None, 1)
    shapes.update({"sketch": tuple(labels[:2]) + (1,), "text": (None,)})
    return dataclasses.replace(info, name=name, kind="multimodal", shapes=shapes,
                               description=info.description + "; with Canny sketches and colour captions")
