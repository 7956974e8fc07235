"""Class coverage on Fashion-MNIST: how many of the 10 classes does each GAN's output cover?

Seed 004 says a plain GAN on MNIST makes only one digit while WGAN-GP covers all ten. This
trains every variant (``zoo.mode_collapse.class_coverage.VARIANTS``: a preset, optionally
with model / discriminator overrides) for ``--steps`` generator updates and ``--seeds``
seeds with ``zoo.common.train_lib.run``, classifies ``--num_samples`` samples with the
shipped Fashion-MNIST classifier and reports classes covered (a class needs at least
``--min_share`` x its uniform share of the samples), the largest class share, the class
balance H(p) / log K, the class histogram and FID against the test split in the
classifier's feature space. Writes ``results.md``, ``results.json`` and one class-sorted
sample grid per variant (seed 0) into ``--output_dir``.

    python -m zoo.mode_collapse.fmnist --output_dir=runs/class_coverage
    python -m zoo.mode_collapse.fmnist --variants=gan,dragan --seeds=1 --steps=300 \\
        --output_dir=/tmp/cc
    python -m zoo.mode_collapse.fmnist --variants=gan,wgan_gp --steps=1000 \\
        --variant_steps=wgan_gp:200     # slow presets may get fewer generator updates
"""

from absl import app, flags

from zoo.mode_collapse.class_coverage import (DEFAULT_VARIANTS, BenchmarkConfig, parse_variant_steps,
                                              run)

FLAGS = flags.FLAGS
flags.DEFINE_list("variants", list(DEFAULT_VARIANTS),
                  "Variants (zoo/mode_collapse/class_coverage.py VARIANTS).")
flags.DEFINE_integer("seeds", 2, "Seeds per variant: 0 .. seeds - 1.")
flags.DEFINE_integer("steps", 1000, "Generator updates per run.")
flags.DEFINE_list("variant_steps", [], "Per-variant generator updates as name:steps (e.g. "
                  "wgan_gp:300); the other variants train for --steps.")
flags.DEFINE_integer("num_samples", 5000, "Generated images per evaluation.")
flags.DEFINE_float("min_share", 0.1, "A class is covered with at least min_share / num_classes of "
                   "the samples (0.1: 1%).")
flags.DEFINE_string("dataset", "fashion_mnist", "Training data and reference images.")
flags.DEFINE_string("split", "test", "Reference split for FID.")
flags.DEFINE_boolean("real_baseline", True, "Also score real training images (the floor).")
flags.DEFINE_integer("steps_per_execution", 10, "Train steps per tf.function call.")
flags.DEFINE_boolean("jit_compile", False, "XLA train steps (slower on CPU; try it on GPU).")
flags.DEFINE_integer("grid_columns", 10, "Samples per class row in grid_<variant>.png.")
flags.DEFINE_string("output_dir", "runs/class_coverage", "Where the table, JSON and grids go.")
flags.DEFINE_integer("verbose", 1, "0 silent, 1 one line per run.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    config = BenchmarkConfig(
        output_dir=FLAGS.output_dir,
        variants=tuple(FLAGS.variants),
        seeds=FLAGS.seeds,
        steps=FLAGS.steps,
        variant_steps=parse_variant_steps(FLAGS.variant_steps),
        num_samples=FLAGS.num_samples,
        min_share=FLAGS.min_share,
        dataset=FLAGS.dataset,
        split=FLAGS.split,
        real_baseline=FLAGS.real_baseline,
        steps_per_execution=FLAGS.steps_per_execution,
        jit_compile=FLAGS.jit_compile,
        grid_columns=FLAGS.grid_columns,
        verbose=FLAGS.verbose,
    )
    config.validate()
    result = run(config, log=lambda line: print(line, flush=True))
    print(result["table"])
    print("\n".join(f"{k}: {v}" for k, v in result["files"].items()))
    return 0


if __name__ == "__main__":
    from zoo.common.cli import run_app

    run_app(main)
