"""Seeded losses of every existing model, to prove a refactor changes no behaviour.

    python -m benchmarks.golden_losses --record=/tmp/before.json   # before a change
    python -m benchmarks.golden_losses --compare=/tmp/before.json  # after it

Each case is a seeded zoo run (``zoo.common.train_lib.run``: 2 epochs of 2 steps, no export)
of a tiny preset, or, for the 2-D mixture presets, a seeded ``fit`` of 2 x 2 steps; trick
variants add one constructor option. The per-epoch losses are recorded to full precision;
``--compare`` prints the largest relative difference per case and fails above ``--rtol``.
"""

import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gans import presets  # noqa: E402
from keras_gans.data import mixtures  # noqa: E402
from zoo.common import train_lib  # noqa: E402

# (case name, preset, model overrides)
ZOO_CASES = [
    ("gan_tiny", "gan_tiny", {}),
    ("dcgan_tiny", "dcgan_tiny", {}),
    ("dcgan_tiny+ema", "dcgan_tiny", {"ema_decay": 0.9}),
    ("dcgan_tiny+label_flip", "dcgan_tiny", {"label_flip": 0.2}),
    ("dcgan_tiny+instance_noise", "dcgan_tiny", {"instance_noise": 0.1, "instance_noise_steps": 10}),
    ("dcgan_tiny+diff_augment", "dcgan_tiny", {"diff_augment": "color,translation,cutout"}),
    ("dcgan_tiny+image_pool", "dcgan_tiny", {"image_pool_size": 8}),
    ("wgan_tiny", "wgan_tiny", {}),
    ("wgan_gp_tiny", "wgan_gp_tiny", {}),
    ("lsgan_tiny", "lsgan_tiny", {}),
    ("dragan_tiny", "dragan_tiny", {}),
    ("dragan_tiny+diff_augment", "dragan_tiny", {"diff_augment": "translation"}),
    ("cgan_tiny", "cgan_tiny", {}),
    ("cgan_tiny+label_flip", "cgan_tiny", {"label_flip": 0.2}),
    ("sngan_tiny", "sngan_tiny", {}),
    ("sagan_tiny", "sagan_tiny", {}),
    ("vaegan_tiny", "vaegan_tiny", {}),
    ("vaegan_tiny+ema", "vaegan_tiny", {"ema_decay": 0.9}),
    ("veegan_tiny", "veegan_tiny", {}),
]
MIXTURE_CASES = [
    "mixture_gan", "mixture_gan_ns", "mixture_lsgan", "mixture_hinge", "mixture_wgan_gp",
    "mixture_dragan", "mixture_r1", "mixture_unrolled", "mixture_minibatch",
    "mixture_feature_matching", "mixture_veegan",
]


def zoo_case(preset, overrides):
    with tempfile.TemporaryDirectory() as out:
        summary = train_lib.run(train_lib.TrainConfig(
            preset=preset, output_dir=out, epochs=2, steps_per_epoch=2, export=False,
            grid_size=4, verbose=0, seed=0, model_overrides=dict(overrides),
        ))
    return {**summary["history"], **_samples(summary["model"])}


def _samples(gan):
    """Sums of generated samples (the inference generator: EMA, standing statistics)."""
    images = np.asarray(gan.generate(4, seed=0), np.float64)
    return {"samples_sum": [float(images.sum())], "samples_abs_sum": [float(np.abs(images).sum())]}


def mixture_case(preset):
    keras.utils.set_random_seed(0)
    gan = presets.build(preset, seed=0)
    gan.compile()
    batch = presets.get(preset)["data"]["batch_size"] * gan.n_critic
    history = gan.fit(mixtures.load("ring8", batch_size=batch, seed=0), epochs=2, steps_per_epoch=2,
                      verbose=0)
    return {**{k: [float(v) for v in vs] for k, vs in history.history.items()}, **_samples(gan)}


def run_all(only=None):
    results = {}
    for name, preset, overrides in ZOO_CASES:
        if only and name not in only:
            continue
        results[name] = zoo_case(preset, overrides)
        print(name, json.dumps(results[name]), flush=True)
    for preset in MIXTURE_CASES:
        if only and preset not in only:
            continue
        results[preset] = mixture_case(preset)
        print(preset, json.dumps(results[preset]), flush=True)
    return results


def compare(before, after, rtol):
    worst_all = 0.0
    ok = True
    for case, logs in before.items():
        if case not in after:
            print(f"{case}: missing after")
            ok = False
            continue
        worst = 0.0
        for key, values in logs.items():
            if key not in after[case]:
                print(f"{case}: log {key!r} missing after (has {sorted(after[case])})")
                ok = False
                continue
            a, b = np.array(values), np.array(after[case][key])
            worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-6))))
        extra = sorted(set(after[case]) - set(logs))
        print(f"{case}: max relative difference {worst:.2e}" + (f" (new logs {extra})" if extra else ""))
        worst_all = max(worst_all, worst)
        ok = ok and worst <= rtol
    print(f"largest relative difference over all cases: {worst_all:.2e}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", help="write the losses to this JSON file")
    parser.add_argument("--compare", help="compare with the losses in this JSON file")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--only", nargs="*", help="case names to run")
    args = parser.parse_args()
    results = run_all(args.only)
    if args.record:
        with open(args.record, "w") as f:
            json.dump(results, f, indent=1)
    if args.compare:
        with open(args.compare) as f:
            before = json.load(f)
        if args.only:
            before = {k: v for k, v in before.items() if k in args.only}
        sys.exit(0 if compare(before, results, args.rtol) else 1)


if __name__ == "__main__":
    main()
