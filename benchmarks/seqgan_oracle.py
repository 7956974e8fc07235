"""SeqGAN's synthetic-data experiment (Yu et al. 2017, Table 1) on this machine.

For each seed: G is pre-trained by MLE on the 10,000 sequences of the oracle
(``seqgan_oracle``); from that G, (a) SeqGAN: D pre-training, then adversarial rounds, and
(b) the MLE baseline: the same G trained on by MLE. NLL-oracle (10,000 samples) is measured
every 5 MLE epochs and every 5 adversarial rounds. One JSON file per seed:

    python -m benchmarks.seqgan_oracle --seed=0 --output=/tmp/seqgan_oracle_0.json
    python -m benchmarks.seqgan_oracle --summarize --rounds=40 --mle_extra_epochs=20 \
        --output=/tmp/seqgan_oracle_0.json,/tmp/seqgan_oracle_1.json,...   # the README table

The official schedule is --pretrain_epochs=120 --d_pretrain_steps=46800 --rounds=200
--d_steps=4680 (about a day of this 2-core CPU for D alone); the defaults are what we ran.
"""

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags  # noqa: E402

import keras  # noqa: E402

from keras_gans import data, presets  # noqa: E402
from keras_gans.data.sequences import oracle  # noqa: E402
from keras_gans.metrics.oracle import OracleNLL  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_integer("seed", 0, "Seed of G, D and the data order (the oracle is fixed).")
flags.DEFINE_integer("pretrain_epochs", 80, "MLE epochs before the two branches (official 120).")
flags.DEFINE_integer("d_pretrain_steps", 2000, "D pre-training steps of batch 64 (official 46,800).")
flags.DEFINE_integer("rounds", 60, "Adversarial rounds (official 200); a multiple of 5.")
flags.DEFINE_integer("d_steps", 50, "D steps per round (official 4,680).")
flags.DEFINE_integer("mle_extra_epochs", 40, "MLE epochs of the baseline after the branch point.")
flags.DEFINE_integer("eval_samples", 10000, "Generated sequences per NLL-oracle.")
flags.DEFINE_string("output", None, "JSON file to write (after every stage); with --summarize, "
                    "comma-separated JSON files to read.")
flags.DEFINE_boolean("speed", False, "Time each phase of the seqgan preset (batch 64) and exit.")
flags.DEFINE_boolean("summarize", False, "Print the markdown table of finished runs at --rounds rounds "
                     "and --mle_extra_epochs MLE epochs after the branch point.")

STEPS_PER_EPOCH = 10000 // 64  # 156, as the official loader


class Progress(keras.callbacks.Callback):
    def __init__(self, name, nll):
        super().__init__()
        self.name, self.nll, self.start = name, nll, time.time()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        shown = {k: round(float(v), 4) for k, v in logs.items() if v == v}
        print(f"[{self.name}] epoch {epoch + 1} {time.time() - self.start:.0f}s {shown}", flush=True)


def _fit(model, ds, name, epochs, steps, every, record):
    nll = OracleNLL(ORACLE, num_samples=FLAGS.eval_samples, every=every, seed=FLAGS.seed)
    start = time.time()
    history = model.fit(ds, epochs=epochs, steps_per_epoch=steps, verbose=0, shuffle=False,
                        callbacks=[nll, Progress(name, nll)])
    record[name] = {"seconds": round(time.time() - start, 1), "steps_per_epoch": steps, "epochs": epochs,
                    "nll_oracle": [(e + 1, s, v) for e, s, v in nll.history],
                    "history": {k: [float(x) for x in v] for k, v in history.history.items()}}


def _at(evaluations, epoch):
    """NLL-oracle of the evaluation closest to ``epoch`` epochs of a stage (MLE is scored
    after epochs 1, 6, 11, ... and the last)."""
    return min(evaluations, key=lambda x: (abs(x[0] - epoch), x[0]))[2]


def summarize(paths, rounds, mle_epochs):
    import numpy as np

    rows = []
    for path in paths:
        with open(path) as f:
            r = json.load(f)
        branch = r["pretrain"]["nll_oracle"][-1][2]
        # The MLE baseline: the mean of its evaluations over the epochs after the branch point
        # (each evaluation has about +-0.01 of sampling noise).
        mle = float(np.mean([v for e, _, v in r["mle"]["nll_oracle"] if e <= mle_epochs + 1]))
        seqgan = _at(r["seqgan"]["nll_oracle"], rounds // 5)
        best = min(v for e, _, v in r["seqgan"]["nll_oracle"] if e <= rounds // 5)
        rows.append((r["seed"], r["flags"]["pretrain_epochs"], branch, mle, seqgan, best))
    print(f"| seed | NLL-oracle after {rows[0][1]} MLE epochs | MLE, {mle_epochs} more epochs (mean of its scores) | "
          f"SeqGAN, {rounds} rounds | SeqGAN, best of every 5 rounds | SeqGAN - MLE |")
    print("|---|---|---|---|---|---|")
    for seed, _, branch, mle, seqgan, best in rows:
        print(f"| {seed} | {branch:.3f} | {mle:.3f} | {seqgan:.3f} | {best:.3f} | {seqgan - mle:+.3f} |")
    a = np.array([row[2:] for row in rows])
    mean, std = a.mean(0), a.std(0, ddof=1) if len(a) > 1 else np.zeros(a.shape[1])
    gap = a[:, 2] - a[:, 1]
    print(f"| mean +- sd | {mean[0]:.3f} +- {std[0]:.3f} | {mean[1]:.3f} +- {std[1]:.3f} | "
          f"{mean[2]:.3f} +- {std[2]:.3f} | {mean[3]:.3f} +- {std[3]:.3f} | "
          f"{gap.mean():+.3f} +- {gap.std(ddof=1) if len(gap) > 1 else 0:.3f} |")


def speed(repeats=5):
    """Seconds per update of each phase at the official sizes (batch 64), trace excluded."""
    import numpy as np
    import tensorflow as tf

    model = presets.build("seqgan", seed=0, pretrain_steps=0, discriminator_pretrain_steps=0, discriminator_steps=1)
    model.compile()
    tokens = tf.constant(np.random.default_rng(0).integers(0, 5000, (64, 20)), tf.int32)
    for phase in ("mle", "discriminator", "generator"):
        if phase == "mle":
            mle = presets.build("seqgan_mle", seed=0)
            mle.compile()
            step = tf.function(lambda x: mle.update("mle", x))
        else:
            step = tf.function(lambda x, p=phase: model.update(p, x))
        step(tokens)
        start = time.time()
        for _ in range(repeats):
            step(tokens)
        seconds = (time.time() - start) / repeats
        print(f"| {phase} | {1000 * seconds:.0f} ms | {64 / seconds:.0f} sequences/s |", flush=True)


def main(argv):
    del argv
    if FLAGS.speed:
        speed()
        return
    if not FLAGS.output:
        raise app.UsageError("--output is required.")
    if FLAGS.summarize:
        summarize(FLAGS.output.split(","), FLAGS.rounds, FLAGS.mle_extra_epochs)
        return
    global ORACLE
    ORACLE = oracle()
    keras.utils.set_random_seed(FLAGS.seed)
    record = {"seed": FLAGS.seed, "flags": {k: FLAGS[k].value for k in (
        "pretrain_epochs", "d_pretrain_steps", "rounds", "d_steps", "mle_extra_epochs", "eval_samples")}}

    def save():
        tmp = FLAGS.output + ".partial"
        with open(tmp, "w") as f:
            json.dump(record, f, indent=1)
        os.replace(tmp, FLAGS.output)

    ds = data.load("seqgan_oracle", batch_size=64, seed=FLAGS.seed, repeat=True)
    mle = presets.build("seqgan_mle", seed=FLAGS.seed)
    mle.compile()
    _fit(mle, ds, "pretrain", FLAGS.pretrain_epochs, STEPS_PER_EPOCH, 5, record)
    save()
    weights = mle.generator.get_weights()

    gan = presets.build("seqgan", seed=FLAGS.seed, pretrain_steps=0,
                        discriminator_pretrain_steps=FLAGS.d_pretrain_steps, discriminator_steps=FLAGS.d_steps)
    gan.generator.set_weights(weights)
    gan.rollout.set_weights(weights)
    gan.compile()
    _fit(gan, ds, "discriminator_pretrain", 1, FLAGS.d_pretrain_steps, 1, record)
    save()
    _fit(gan, ds, "seqgan", FLAGS.rounds // 5, 5 * FLAGS.d_steps, 1, record)
    save()
    _fit(mle, ds, "mle", FLAGS.mle_extra_epochs, STEPS_PER_EPOCH, 5, record)
    save()
    print(json.dumps({k: v["nll_oracle"][-1] for k, v in record.items() if isinstance(v, dict) and "nll_oracle" in v}))


if __name__ == "__main__":
    app.run(main)
