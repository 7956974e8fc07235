"""Scores a CycleGAN export on held-out images of two Fashion-MNIST classes.

For the test images of both domains (``fashion_mnist_pair/<a>-<b>``, 1,000 each) it reports,
per direction:

* **target-class rate**: the share of translated images the shipped Fashion-MNIST classifier
  (``saved_models/fmnist_classifier``, 92.79% test accuracy) calls the target class, against
  the same rate for the untranslated inputs (the baseline: how often the classifier already
  calls a source image the target class);
* **FID** (classifier features) between the translated images and the real images of the
  target domain, against the untranslated inputs' FID to them;
* **cycle error**: the mean absolute difference (pixels in [-1, 1]) between an input and its
  reconstruction ``F(G(a))``, against how far the translation itself moved it, ``|G(a) - a|``,
  and the mean distance between two different test images of the same domain.

    python -m zoo.cyclegan.evaluate --export=runs/cyclegan/saved_model [--output=scores.json] \\
        [--grid=docs/images/cyclegan.png]
"""

import json
import os

from absl import app, flags

FLAGS = flags.FLAGS


def define_flags():
    """The command's flags (defined only when it runs, so importing :func:`scores` defines none)."""
    flags.DEFINE_string("export", None, "The CycleGAN SavedModel (a version directory or its base directory).")
    flags.DEFINE_string("dataset", "fashion_mnist_pair/sneaker-ankle_boot", "The unpaired class pair.")
    flags.DEFINE_string("output", None, "JSON file for the scores.")
    flags.DEFINE_string("grid", None, "PNG: rows of a, G(a), F(G(a)) and b, F(b), G(F(b)) for 8 test images each.")


def _run(signature, images, batch=250):
    import numpy as np
    import tensorflow as tf

    return np.concatenate([signature(images=tf.constant(images[i:i + batch]))["images"].numpy()
                           for i in range(0, len(images), batch)])


def scores(export_dir, dataset):
    import numpy as np
    import tensorflow as tf

    from keras_gans import data
    from keras_gans.data import paired
    from keras_gans.metrics import extractors, functional

    m = paired._PAIR_RE.match(dataset)
    if m is None or m.group("base") != "fashion_mnist":
        raise ValueError(f"--dataset must be fashion_mnist_pair/<a>-<b> (the classifier knows Fashion-MNIST); "
                         f"received {dataset!r}.")
    class_a, class_b = paired.class_index("fashion_mnist", m.group("a")), paired.class_index("fashion_mnist", m.group("b"))
    test = next(iter(data.load(dataset, split="test", batch_size=100_000, shuffle=False, drop_remainder=False)))
    a, b = test["a"].numpy(), test["b"].numpy()
    from zoo.common import exports

    version, meta, where = exports.find_version(export_dir, "expected a CycleGAN export (zoo.cyclegan.train).",
                                                flag="--export")
    if "b_to_a" not in (meta.get("signatures") or {}).values():
        raise ValueError(f"{where} is not a two-direction (CycleGAN) export: its metadata lists {meta}.")
    loaded = exports.load(version)
    ab, ba = loaded.signatures["serving_default"], loaded.signatures["b_to_a"]
    fake_b, fake_a = _run(ab, a), _run(ba, b)
    rec_a, rec_b = _run(ba, fake_b), _run(ab, fake_a)
    classifier = extractors.default_extractor("fashion_mnist")

    def extract(x):
        out = classifier.extract(x, verbose=0)
        return out["features"], out["logits"].argmax(-1)

    feats = {k: extract(v) for k, v in {"a": a, "b": b, "fake_a": fake_a, "fake_b": fake_b}.items()}
    rng = np.random.default_rng(0)

    def pair_distance(x):
        perm = rng.permutation(len(x))
        other = np.where(perm == np.arange(len(x)), (perm + 1) % len(x), perm)
        return float(np.abs(x - x[other]).mean())

    result = {"dataset": dataset, "export": version, "num_test": {"a": len(a), "b": len(b)}}
    for direction, src, fake, rec, target_key, target_class, src_key in (
            ("a_to_b", a, fake_b, rec_a, "b", class_b, "a"), ("b_to_a", b, fake_a, rec_b, "a", class_a, "b")):
        result[direction] = {
            "target_class_rate": float(np.mean(feats["fake_" + target_key][1] == target_class)),
            "target_class_rate_untranslated": float(np.mean(feats[src_key][1] == target_class)),
            "fid_to_target": float(functional.fid_from_features(feats[target_key][0], feats["fake_" + target_key][0])),
            "fid_to_target_untranslated": float(functional.fid_from_features(feats[target_key][0], feats[src_key][0])),
            "cycle_l1": float(np.abs(rec - src).mean()),
            "translation_l1": float(np.abs(fake - src).mean()),
            "l1_between_test_images": pair_distance(src),
        }
    return result, {"a": a[:8], "fake_b": fake_b[:8], "rec_a": rec_a[:8], "b": b[:8], "fake_a": fake_a[:8],
                    "rec_b": rec_b[:8]}


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    if not FLAGS.export or not os.path.isdir(FLAGS.export):
        raise ValueError(f"--export must be a CycleGAN SavedModel directory; received {FLAGS.export!r}.")
    result, examples = scores(FLAGS.export, FLAGS.dataset)
    print(json.dumps(result, indent=1))
    if FLAGS.output:
        with open(FLAGS.output, "w") as f:
            json.dump(result, f, indent=1)
    if FLAGS.grid:
        import numpy as np
        from PIL import Image

        def row(*arrays):
            return np.concatenate([np.concatenate(list(x), axis=1) for x in arrays], axis=0)

        grid = row(examples["a"], examples["fake_b"], examples["rec_a"], examples["b"], examples["fake_a"],
                   examples["rec_b"])
        grid = np.clip((grid[..., 0] + 1) * 127.5, 0, 255).round().astype(np.uint8)
        Image.fromarray(np.kron(grid, np.ones((3, 3), np.uint8))).save(FLAGS.grid)
        print(f"grid (rows: a, G(a), F(G(a)), b, F(b), G(F(b))): {FLAGS.grid}")
    return 0


if __name__ == "__main__":
    from zoo.common.cli import run_app

    define_flags()
    run_app(main)
