"""Mode-collapse benchmark: does a plain GAN collapse on 2-D Gaussian mixtures, and do the
remedies cover the modes? (Seed 004's claim, issue #3.)

Trains every variant (preset ``mixture_<variant>``) on every mixture for several seeds with
``fit``, then measures modes covered and the share of high-quality samples on 2,500 samples
(the VEEGAN / PacGAN protocol, ``keras_gans.metrics.modes``). Writes ``results.md``,
``results.json`` and ``scatter_<mixture>.png`` into ``--output_dir``.

    python -m zoo.mode_collapse.benchmark --output_dir=runs/mode_collapse
    python -m zoo.mode_collapse.benchmark --mixtures=ring8 --variants=gan,wgan_gp --seeds=1 \\
        --steps=500 --output_dir=/tmp/mc
"""

from absl import app, flags

from zoo.mode_collapse.lib import DEFAULT_VARIANTS, BenchmarkConfig, run

FLAGS = flags.FLAGS
flags.DEFINE_list("mixtures", ["ring8", "grid25"], "Mixtures (keras_gans.data.mixtures).")
flags.DEFINE_list("variants", list(DEFAULT_VARIANTS), "Variants: preset mixture_<variant>.")
flags.DEFINE_integer("seeds", 3, "Seeds per (mixture, variant): 0 .. seeds - 1.")
flags.DEFINE_integer("steps", 2000, "Generator updates per run.")
flags.DEFINE_integer("num_samples", 2500, "Generated points per evaluation.")
flags.DEFINE_float("threshold", 3.0, "High-quality radius in standard deviations.")
flags.DEFINE_integer("min_count", 1, "High-quality samples a mode needs to count as covered.")
flags.DEFINE_integer("steps_per_execution", 100, "Train steps per tf.function call.")
flags.DEFINE_list("jit_variants", ["wgan_gp"],
                  "Variants compiled with XLA (measured 2x faster for wgan_gp on CPU, slower "
                  "for the others).")
flags.DEFINE_string("output_dir", "runs/mode_collapse", "Where the table, JSON and PNGs go.")
flags.DEFINE_integer("verbose", 1, "0 silent, 1 one line per run.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    config = BenchmarkConfig(
        output_dir=FLAGS.output_dir,
        mixtures=tuple(FLAGS.mixtures),
        variants=tuple(FLAGS.variants),
        seeds=FLAGS.seeds,
        steps=FLAGS.steps,
        num_samples=FLAGS.num_samples,
        threshold=FLAGS.threshold,
        min_count=FLAGS.min_count,
        steps_per_execution=FLAGS.steps_per_execution,
        jit_variants=tuple(FLAGS.jit_variants),
        verbose=FLAGS.verbose,
    )
    result = run(config, log=lambda line: print(line, flush=True))
    print(result["table"])
    print("\n".join(f"{k}: {v}" for k, v in result["files"].items()))


if __name__ == "__main__":
    from zoo.common.cli import run_app

    run_app(main)
