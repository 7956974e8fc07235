"""Tests for the VAE-GAN zoo scripts (zoo/vaegan/train.py, zoo/vaegan/reconstruct.py)."""

import json
import os
import re

import numpy as np
from PIL import Image

from keras_gans.callbacks import latest_backup
from zoo.common.train_lib import TrainConfig
from zoo.vaegan.reconstruct import write_reconstructions

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_script_trains_the_tiny_preset_exports_and_reconstructs(run_zoo_script, tmp_path):
    out, summary = run_zoo_script("zoo.vaegan.train", "--preset=vaegan_tiny", "--epochs=1",
                                  "--steps_per_epoch=2", "--backup_every=2", "--grid_size=4")
    assert summary["preset"] == "vaegan_tiny" and summary["dataset"] == "digits" and summary["batch_size"] == 16
    history = summary["history"]
    assert {"d_loss", "g_loss", "kl", "llike", "real_cost", "fake_cost", "d_updated", "g_updated"} <= set(history)
    assert all(np.isfinite(v[0]) for v in history.values())
    assert (out / "samples" / "final.png").is_file()
    assert (out / "saved_model" / "1" / "saved_model.pb").is_file()
    # train_lib adds a reconstruction grid (x and Dec(Enc(x)) rows) for autoencoding models.
    assert (out / "reconstructions" / "epoch_001.png").is_file()
    meta = json.load(open(out / "saved_model" / "1" / "assets.extra" / "keras_gans.json"))
    assert meta["latent_dim"] == 16 and meta["image_shape"] == [16, 16, 1]

    # The reconstruction grid from the run's backup: 2 rows of 8 reals + 2 of reconstructions.
    path, mse = write_reconstructions("vaegan_tiny", latest_backup(str(out / "backup"))[0],
                                      str(tmp_path / "recon.png"), num_images=16)
    grid = np.array(Image.open(path))
    scale = 128 // 16
    assert grid.shape == ((4 * 18 + 2) * scale, (8 * 18 + 2) * scale)
    assert 0.0 < mse < 4.0


def test_default_preset_is_vaegan_28_on_fashion_mnist(tmp_path):
    with open(os.path.join(REPO, "zoo", "vaegan", "train.py")) as f:
        script = f.read()
    assert re.search(r'script_main\(preset="vaegan_28"', script), script
    TrainConfig(preset="vaegan_28", output_dir=str(tmp_path)).validate()
