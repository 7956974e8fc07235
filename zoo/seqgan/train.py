"""Trains SeqGAN (Yu et al. 2017): MLE pre-training, D pre-training, adversarial rounds.

Default: a CPU demo of the paper's recipe on the Debian ``fortunes`` sentences (preset
seqgan_fortunes; vocabulary and length from the data): 10 MLE epochs, 300 D steps, 10
rounds of 1 policy-gradient step + 20 D steps. The paper's schedule is
--pretrain_epochs=120 --discriminator_pretrain_steps=46800 --discriminator_steps=4680
--rounds=200; its synthetic experiment --dataset=seqgan_oracle --preset=seqgan (NLL-oracle is
then logged every 5 epochs; benchmarks/seqgan_oracle.py runs the whole comparison).

    python -m zoo.seqgan.train --output_dir=runs/seqgan

Writes sample sentences (samples/epoch_NNN.txt), text scores on the test split
(text_scores.json: BLEU-2..4 against it, Self-BLEU, distinct-n) and a SavedModel whose
``serving_default`` samples sequences (num_sequences, seed, temperature -> tokens, text).
"""

import json
import math
import os
import sys

from absl import app, flags

from zoo.common.flags import FLAGS, config_from_flags, define_flags

define_flags(preset="seqgan_fortunes", output_dir="runs/seqgan", epochs=1, grid_size=32)
flags.DEFINE_integer("pretrain_epochs", 10, "MLE epochs over the training split (official 120).")
flags.DEFINE_integer("discriminator_pretrain_steps", 300, "D steps before the first policy-gradient update "
                     "(official 46,800: 50 x 3 epochs of 312 batches).")
flags.DEFINE_integer("discriminator_steps", 20, "D steps per adversarial round (official 4,680).")
flags.DEFINE_integer("rounds", 10, "Adversarial rounds (official 200); the run stops at the end of the "
                     "epoch in which they are done.")
flags.DEFINE_integer("nll_samples", 10000, "With --dataset=seqgan_oracle: generated sequences per NLL-oracle "
                     "(official 10,000).")
flags.DEFINE_integer("nll_every", 5, "With --dataset=seqgan_oracle: epochs between NLL-oracle scores "
                     "(into the logs, history.csv and TensorBoard).")
flags.DEFINE_integer("score_samples", 1000, "Generated sentences scored against the test split at the end.")


def schedule(steps_per_epoch):
    """``(model overrides, epochs)`` for the flags' schedule."""
    for name in ("pretrain_epochs", "discriminator_pretrain_steps", "rounds", "score_samples"):
        if getattr(FLAGS, name) < 0:
            raise ValueError(f"--{name} must be >= 0; received {getattr(FLAGS, name)}.")
    if FLAGS.discriminator_steps < 1:
        raise ValueError(f"--discriminator_steps must be >= 1; received {FLAGS.discriminator_steps}.")
    overrides = {"pretrain_steps": FLAGS.pretrain_epochs * steps_per_epoch,
                 "discriminator_pretrain_steps": FLAGS.discriminator_pretrain_steps,
                 "discriminator_steps": FLAGS.discriminator_steps}
    adversarial = FLAGS.discriminator_pretrain_steps + FLAGS.rounds * FLAGS.discriminator_steps
    total = overrides["pretrain_steps"] + (adversarial if FLAGS.rounds else 0)
    if not total:
        raise ValueError("Nothing to train: --pretrain_epochs=0 and --rounds=0.")
    if not FLAGS.rounds:
        overrides["adversarial"] = False
    return overrides, max(1, math.ceil(total / steps_per_epoch))


def text_scores(model, dataset, data_dir, num_samples, seed):
    """BLEU-2..4 of ``num_samples`` samples against the test split, Self-BLEU-2..4 and
    distinct-1..4 (ids cut at the first 0, the padding / end of keras_gans.data.sequences)."""
    from keras_gans import data
    from keras_gans.metrics import text

    info = data.info(dataset, data_dir=data_dir)
    test, _ = data.load_numpy(dataset, "test", data_dir=data_dir, max_length=info.max_length)
    samples = model.generate(num_samples, seed=seed)
    pad = None if dataset == data.sequences.ORACLE else 0
    scores = {"samples": int(num_samples), "test_sentences": int(len(test))}
    for n in (2, 3, 4):
        scores[f"bleu_{n}"] = text.bleu(samples, test, max_n=n, pad_id=pad)
        scores[f"self_bleu_{n}"] = text.self_bleu(samples, max_n=n, pad_id=pad)
    for n in (1, 2, 3, 4):
        scores[f"distinct_{n}"] = text.distinct_n(samples, n, pad_id=pad)
    return scores


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    from keras_gans import data, presets
    from keras_gans.callbacks import TrainingInterrupted
    from zoo.common.train_lib import run

    config = config_from_flags()
    preset = presets.get(config.preset) if config.preset in presets.names() else None
    if preset is None or preset["data"]["format"] != "tokens":
        raise ValueError(f"--preset={config.preset!r} is not a SeqGAN preset; use one of "
                         f"{[n for n in presets.names() if n.startswith('seqgan')]}.")
    dataset = config.dataset or preset["data"]["dataset"]
    counts = data.info(dataset, data_dir=config.data_dir).num_examples
    batch = config.batch_size or preset["data"]["batch_size"]
    steps_per_epoch = config.steps_per_epoch or max(1, counts["train"] // batch)
    overrides, epochs = schedule(steps_per_epoch)
    config.model_overrides = {**overrides, **config.model_overrides}
    config.steps_per_epoch, config.epochs = steps_per_epoch, epochs
    extra = []
    if dataset == data.sequences.ORACLE:
        from keras_gans.metrics.oracle import OracleNLL

        if FLAGS.nll_samples < 1 or FLAGS.nll_every < 1:
            raise ValueError(f"--nll_samples and --nll_every must be >= 1; received {FLAGS.nll_samples} "
                             f"and {FLAGS.nll_every}.")
        extra.append(OracleNLL(data.sequences.oracle(), num_samples=FLAGS.nll_samples, every=FLAGS.nll_every,
                               seed=config.seed))
    try:
        summary = run(config, metric_callbacks=extra)
    except TrainingInterrupted as stop:
        sys.stderr.write(f"{stop}\n")
        return 130
    if FLAGS.score_samples:
        scores = text_scores(summary["model"], dataset, config.data_dir, FLAGS.score_samples, config.seed)
        path = os.path.join(config.output_dir, "text_scores.json")
        with open(path, "w") as f:
            json.dump(scores, f, indent=1)
        print("Scores: " + ", ".join(f"{k} {v:.4f}" for k, v in scores.items() if isinstance(v, float)))
    print(f"Samples: {summary.get('grid')}\nSavedModel: {summary.get('export')}")


if __name__ == "__main__":
    from zoo.common.cli import run_app

    from keras_gans.callbacks import TrainingDiverged

    run_app(main, user_errors=(TrainingDiverged,))
