"""The SeqGAN zoo script end to end on the tiny preset and a small text file."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

WORDS = ["the", "cat", "dog", "sat", "ran", "on", "a", "mat", "log", "fast", "slowly", "and"]


def _corpus(path, n=300, seed=0):
    rng = np.random.default_rng(seed)
    lines = [" ".join(rng.choice(WORDS, rng.integers(3, 9))) + " ." for _ in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_script_trains_writes_text_scores_and_a_text_export(run_zoo_script, tmp_path):
    corpus = _corpus(tmp_path / "corpus.txt")
    out, summary = run_zoo_script(
        "zoo.seqgan.train", "--preset=seqgan_tiny", f"--dataset=text:{corpus}", "--batch_size=8",
        "--steps_per_epoch=4", "--pretrain_epochs=1", "--discriminator_pretrain_steps=2",
        "--discriminator_steps=2", "--rounds=1", "--grid_size=5", "--score_samples=20")
    # 4 MLE steps + 2 D steps + one round of 2: 8 steps, two epochs of 4.
    assert summary["status"] == "finished" and summary["epochs"] == 2 and summary["steps_per_epoch"] == 4
    assert {"mle_loss", "d_loss", "g_loss", "reward", "d_accuracy"} <= set(summary["history"])
    lines = (out / "samples" / "final.txt").read_text().splitlines()
    assert len(lines) == 5 and all(set(line.split()) <= set(WORDS) | {"<unk>", "."} for line in lines)
    scores = json.load(open(out / "text_scores.json"))
    assert scores["samples"] == 20 and 0 <= scores["bleu_2"] <= 1 and 0 < scores["distinct_1"] <= 1

    # The export samples sequences and words in a process without keras_gans.
    loader = tmp_path / "load.py"
    loader.write_text(
        "import sys\nsys.modules['keras_gans'] = None\nimport tensorflow as tf\n"
        "f = tf.saved_model.load(sys.argv[1]).signatures['serving_default']\n"
        "out = f(num_sequences=tf.constant(3), seed=tf.constant(0), temperature=tf.constant(0.7))\n"
        "print(out['tokens'].shape)\n"
        "for t in out['text'].numpy(): print(t.decode())\n")
    proc = subprocess.run([sys.executable, str(loader), str(out / "saved_model" / "1")], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = proc.stdout.splitlines()
    assert printed[0] == "(3, 20)"
    assert len(printed) == 4 and all(set(line.split()) <= set(WORDS) | {"<unk>", "."} for line in printed[1:])


@pytest.mark.parametrize("flag, message", [
    ("--discriminator_steps=0", "--discriminator_steps must be >= 1; received 0"),
    ("--rounds=-1", "--rounds must be >= 0; received -1"),
    ("--preset=dcgan_tiny", "is not a SeqGAN preset"),
])
def test_bad_flags_are_one_line_errors(tmp_path, flag, message):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-m", "zoo.seqgan.train", f"--output_dir={tmp_path}", flag],
                          cwd=repo, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr[-2000:]


def test_oracle_task_logs_nll_oracle_to_the_history_and_tensorboard(run_zoo_script):
    out, summary = run_zoo_script(
        "zoo.seqgan.train", "--preset=seqgan_tiny", "--dataset=seqgan_oracle", "--batch_size=8",
        "--steps_per_epoch=3", "--pretrain_epochs=1", "--discriminator_pretrain_steps=1",
        "--discriminator_steps=2", "--rounds=1", "--nll_samples=100", "--nll_every=1", "--score_samples=0",
        "--export=false")
    nll = summary["history"]["nll_oracle"]
    # Random ids under the oracle: about log(5000) = 8.5 nats or more per token.
    assert len(nll) == 2 and all(7.0 < v < 30.0 for v in nll)
    header = (out / "history.csv").read_text().splitlines()[0].split(",")
    assert "nll_oracle" in header
    import tensorflow as tf

    tags = set()
    for event_file in (out / "logs" / "train").glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(event_file)):
            tags |= {v.tag for v in event.summary.value}
    assert "epoch_nll_oracle" in tags
