"""Tests for the original GAN's zoo script (zoo/gan/train.py)."""

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_script_trains_the_tiny_preset_and_exports(tmp_path):
    out = tmp_path / "gan"
    cmd = [sys.executable, "-m", "zoo.gan.train", "--preset=gan_tiny", "--epochs=1",
           "--steps_per_epoch=2", "--grid_size=4", "--verbose=0", f"--output_dir={out}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.load(open(out / "summary.json"))
    assert summary["preset"] == "gan_tiny" and summary["dataset"] == "digits"
    assert summary["batch_size"] == 32 and len(summary["history"]["g_loss"]) == 1
    assert (out / "samples" / "final.png").is_file()
    assert (out / "saved_model" / "1" / "saved_model.pb").is_file()



def test_veegan_script_trains_the_tiny_preset_and_exports(tmp_path):
    out = tmp_path / "veegan"
    cmd = [sys.executable, "-m", "zoo.veegan.train", "--preset=veegan_tiny", "--epochs=1",
           "--steps_per_epoch=2", "--grid_size=4", "--verbose=0", f"--output_dir={out}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.load(open(out / "summary.json"))
    assert summary["preset"] == "veegan_tiny" and "recon" in summary["history"]
    assert (out / "saved_model" / "1" / "saved_model.pb").is_file()
