"""Scores image-to-image exports on the held-out split of a paired dataset.

For each SavedModel (``--exports``, comma-separated; any image-to-image export of the zoo)
and for the trivial baseline that returns the input itself (gray inputs repeated to three
channels), reports the mean L1 (in [-1, 1] units), PSNR (dB), SSIM and the mean Sobel
gradient magnitude of the outputs next to the targets' (sharpness). Writes
``results.md`` and ``results.json`` to ``--output_dir``.

    python -m zoo.pix2pix.benchmark --dataset=skimage_blur2sharp --image_size=64 \\
        --exports=runs/pix2pix/saved_model/1,runs/pix2pix_l1/saved_model/1 --output_dir=runs/p2p_eval
"""

import json
import os

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("dataset", "skimage_blur2sharp", "A paired dataset (its 'test' split is scored).")
flags.DEFINE_integer("image_size", 64, "Crop size of the test pairs.")
flags.DEFINE_list("exports", [], "SavedModel version directories to score.")
flags.DEFINE_list("names", [], "A name per export (default: the directories).")
flags.DEFINE_integer("seed", 0, "Seed of the dropout noise.")
flags.DEFINE_string("output_dir", "runs/pix2pix_benchmark", "Where results.md and results.json go.")


def score(targets, outputs):
    import numpy as np

    from keras_gans.metrics import image_quality

    return {
        "l1": float(np.mean(image_quality.l1_distance(targets, outputs))),
        "psnr": float(np.mean(image_quality.psnr(targets, outputs))),
        "ssim": float(np.mean(image_quality.ssim(targets, outputs))),
        "gradient": float(np.mean(image_quality.gradient_magnitude(outputs))),
    }


def run(dataset, image_size, exports, names, seed=0):
    import numpy as np
    import tensorflow as tf

    from keras_gans import data
    from keras_gans.metrics import image_quality

    test = data.load(dataset, split="test", batch_size=None, image_size=image_size, shuffle=False)
    pairs = [(np.asarray(e["source"]), np.asarray(e["target"])) for e in test]
    source = np.stack([p[0] for p in pairs])
    target = np.stack([p[1] for p in pairs])
    baseline = source if source.shape[-1] == target.shape[-1] else np.repeat(source, target.shape[-1], -1)
    rows = {"input (baseline)": score(target, baseline)}
    for name, path in zip(names, exports):
        serve = tf.saved_model.load(path).signatures["serving_default"]
        outputs = serve(images=tf.constant(source), seed=tf.constant(seed, tf.int32))["images"].numpy()
        rows[name] = score(target, outputs)
    target_gradient = float(np.mean(image_quality.gradient_magnitude(target)))
    return {"dataset": dataset, "image_size": image_size, "num_pairs": len(pairs),
            "target_gradient": target_gradient, "rows": rows}


def markdown(result):
    lines = [f"{result['num_pairs']} held-out {result['image_size']}x{result['image_size']} pairs of "
             f"`{result['dataset']}`; targets' mean gradient magnitude {result['target_gradient']:.4f}.", "",
             "| output | L1 | PSNR (dB) | SSIM | gradient magnitude |", "|---|---|---|---|---|"]
    for name, r in result["rows"].items():
        lines.append(f"| {name} | {r['l1']:.4f} | {r['psnr']:.2f} | {r['ssim']:.4f} | {r['gradient']:.4f} |")
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    names = FLAGS.names or FLAGS.exports
    if len(names) != len(FLAGS.exports):
        raise app.UsageError(f"--names has {len(names)} entries for {len(FLAGS.exports)} exports.")
    for path in FLAGS.exports:
        if not os.path.isfile(os.path.join(path, "saved_model.pb")):
            raise app.UsageError(f"--exports: {path!r} holds no saved_model.pb (pass a version directory).")
    result = run(FLAGS.dataset, FLAGS.image_size, FLAGS.exports, names, FLAGS.seed)
    os.makedirs(FLAGS.output_dir, exist_ok=True)
    with open(os.path.join(FLAGS.output_dir, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    text = markdown(result)
    with open(os.path.join(FLAGS.output_dir, "results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    from zoo.common.cli import run_app

    run_app(main)
