"""Does one GauGAN2 / PoE-GAN export follow whichever inputs it is given?

On the 48 held-out crops of ``multimodal/skimage_labels2photo``, the export synthesises from
each single modality, from all four and from none, and every output is scored against the
inputs it was given. To see following rather than luck, each modality is also given from
*another* example (example ``i`` takes the input of example ``i + 16``, another photo), and the
same agreement is measured against that input; the unconditional outputs (no input at all)
give the chance level of each agreement:

* segmentation: L1 (in [-1, 1] units) between the output and the map painted in its classes'
  k-means colours (lower: follows the map);
* sketch: the output's mean gradient magnitude on the sketch's lines over its mean off them
  (higher: edges where the sketch has lines);
* style: L1 between the output's mean colour and the style image's (lower: takes its colours);
* text: the share of the caption's colour words among the output's three dominant palette
  colours (:func:`keras_gans.data.multimodal.describe_colours`; higher: follows the caption).

The last column, *output change*, is the mean L1 between the outputs given the example's own
input and another example's (0: the model ignores that modality). The text agreement is a
coarse measure (the held-out captions share their dark colours, so any dark output finds about
0.58 of them); the output change shows whether the caption does anything at all.

    python -m benchmarks.gaugan2_modalities --model=runs/gaugan2/saved_model --output=scores.json \\
        --grid=gaugan2_modalities.png
"""

import json

import numpy as np
from absl import app, flags

FLAGS = flags.FLAGS
if __name__ == "__main__":
    flags.DEFINE_string("model", None, "A GauGAN2 (MultimodalSynthesis) SavedModel.")
    flags.DEFINE_integer("photo_size", 128, "skimage_labels2photo's photo_size (the training data).")
    flags.DEFINE_string("output", None, "JSON file of the scores.")
    flags.DEFINE_string("grid", None, "PNG: rows of label map / sketch / outputs from each modality, all, none "
                                      "/ target.")
    flags.DEFINE_integer("seed", 0, "Latent seed.")

MODALITIES = ("segmentation", "sketch", "style", "text")
SHIFT = 16  # the mismatched inputs: example i gets example i + 16's (another held-out photo)


def agreement(kind, outputs, given, centres):
    """Per-image agreement of ``outputs`` with the ``given`` input of ``kind``."""
    from keras_gans.data.multimodal import VOCABULARY, describe_colours

    if kind == "segmentation":
        painted = centres[given[..., 0]].astype(np.float32) / 127.5 - 1.0
        return np.abs(outputs - painted).mean(axis=(1, 2, 3))
    if kind == "sketch":
        gray = outputs.mean(-1)
        gy, gx = np.gradient(gray, axis=(1, 2))
        magnitude = np.hypot(gx, gy)
        lines = given[..., 0] < 0
        on = np.array([m[li].mean() if li.any() else np.nan for m, li in zip(magnitude, lines)])
        off = np.array([m[~li].mean() for m, li in zip(magnitude, lines)])
        return on / off
    if kind == "style":
        return np.abs(outputs.mean(axis=(1, 2)) - given.mean(axis=(1, 2))).mean(-1)
    colours = set(VOCABULARY[6:])  # the palette's names
    scores = []
    for image, tokens in zip(outputs, given):
        asked = {VOCABULARY[t] for t in tokens if VOCABULARY[t] in colours}
        got = set(describe_colours(image).split()) & colours
        scores.append(len(asked & got) / max(len(asked), 1))
    return np.array(scores)


def main(argv):
    del argv
    import tensorflow as tf
    from PIL import Image

    from keras_gans import data
    from keras_gans.data import label_maps
    from keras_gans.grids import label_colors
    from zoo.common import exports

    version, meta, _ = exports.find_version(FLAGS.model, "a GauGAN2 (MultimodalSynthesis) export is needed.")
    serve = exports.load(version).signatures["serving_default"]
    size = int(meta["image_shape"][0]) if "image_shape" in meta else 64
    ds = data.load("multimodal/skimage_labels2photo", split="test", batch_size=48, image_size=size,
                   shuffle=False, photo_size=FLAGS.photo_size, num_classes=8)
    batch = {k: v.numpy() for k, v in next(iter(ds)).items()}
    n = len(batch["labels"])
    centres = label_maps.skimage_label_maps(FLAGS.photo_size, 8).centers_rgb
    inputs = {"segmentation": batch["labels"], "sketch": batch["sketch"], "style": batch["target"],
              "text": batch["text"]}
    shifted = {k: np.roll(v, -SHIFT, axis=0) for k, v in inputs.items()}

    def run(given, present):
        feed = {"labels": given["segmentation"], "sketch": given["sketch"], "style_images": given["style"],
                "text": given["text"], "seed": np.int32(FLAGS.seed)}
        for m in MODALITIES:
            feed[f"{m}_present"] = np.full([n], int(m in present), np.int32)
        return serve(**{k: tf.constant(v) for k, v in feed.items()})["images"].numpy()

    none = run(inputs, ())
    results = {"crops": n, "agreement": {}}
    lower_better = {"segmentation": True, "sketch": False, "style": True, "text": False}
    for m in MODALITIES:
        own = run(inputs, (m,))
        other = run(shifted, (m,))
        results["agreement"][m] = {
            "lower_is_better": lower_better[m],
            "given_own": float(np.nanmean(agreement(m, own, inputs[m], centres))),
            "given_another": float(np.nanmean(agreement(m, other, shifted[m], centres))),
            "no_input": float(np.nanmean(agreement(m, none, inputs[m], centres))),
            "output_change": float(np.abs(own - other).mean()),
        }
        results.setdefault("outputs", {})[m] = own
    full = run(inputs, MODALITIES)
    results["outputs"]["all"] = full
    from keras_gans.metrics import image_quality

    for name, images in (("all four", full), ("none", none)):
        results.setdefault("quality", {})[name] = {
            "l1": float(np.mean(image_quality.l1_distance(batch["target"], images))),
            "ssim": float(np.mean(image_quality.ssim(batch["target"], images)))}
    outputs = results.pop("outputs")
    print("| modality | agreement | given its own | given another example's | no input (chance) | output change |")
    print("|---|---|---|---|---|---|")
    names = {"segmentation": "L1 to the painted map", "sketch": "edge contrast on the lines",
             "style": "mean-colour L1 to the style", "text": "caption colours found"}
    for m, r in results["agreement"].items():
        print(f"| {m} | {names[m]} ({'lower' if r['lower_is_better'] else 'higher'} is better) | "
              f"{r['given_own']:.3f} | {r['given_another']:.3f} | {r['no_input']:.3f} | {r['output_change']:.3f} |")
    for name, q in results["quality"].items():
        print(f"{name}: L1 {q['l1']:.3f}, SSIM {q['ssim']:.3f} to the target")
    if FLAGS.grid:
        picks = np.linspace(0, n - 1, 8).astype(int)
        cols = [label_colors(batch["labels"][picks], 8), np.repeat(batch["sketch"][picks], 3, -1)]
        cols += [outputs[m][picks] for m in MODALITIES] + [outputs["all"][picks], none[picks], batch["target"][picks]]
        grid = np.concatenate([np.concatenate([c[i] for c in cols], 1) for i in range(len(picks))], 0)
        Image.fromarray(np.round((grid + 1) * 127.5).clip(0, 255).astype(np.uint8)).save(FLAGS.grid)
    if FLAGS.output:
        with open(FLAGS.output, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    app.run(main)
