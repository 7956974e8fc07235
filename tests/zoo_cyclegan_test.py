"""The CycleGAN zoo script and its evaluation end to end on the tiny preset."""

import json

import numpy as np
import pytest
from PIL import Image

from zoo.common.train_lib import TrainConfig


def test_script_trains_grids_exports_and_the_evaluation_scores_it(run_zoo_script, tmp_path):
    out, summary = run_zoo_script("zoo.cyclegan.train", "--preset=cyclegan_tiny", "--epochs=1",
                                  "--steps_per_epoch=2", "--grid_size=4")
    assert summary["preset"] == "cyclegan_tiny" and summary["dataset"] == "fashion_mnist_pair/sneaker-ankle_boot"
    assert set(summary["history"]) == {"g_loss", "cycle", "identity", "d_loss"}
    assert all(np.isfinite(v[0]) for v in summary["history"].values())
    # The grid: 8 held-out pairs, a row each of a, G(a), F(G(a)), b, F(b), G(F(b)) (28 px test
    # images translated in 16 px tiles).
    with Image.open(out / "samples" / "final.png") as png:
        width, height = png.size
    assert width / height == pytest.approx((6 * 30 + 2) / (8 * 30 + 2), rel=0.02)
    export = out / "saved_model" / "1"
    meta = json.load(open(export / "assets.extra" / "keras_gans.json"))
    assert meta["task"] == "image_to_image" and meta["directions"] == ["a_to_b", "b_to_a"]

    from zoo.cyclegan import evaluate

    result, examples = evaluate.scores(str(out / "saved_model"), "fashion_mnist_pair/sneaker-ankle_boot")
    assert result["num_test"] == {"a": 1000, "b": 1000}
    for direction in ("a_to_b", "b_to_a"):
        r = result[direction]
        assert 0 <= r["target_class_rate"] <= 1 and 0 <= r["target_class_rate_untranslated"] < 0.1
        assert r["fid_to_target_untranslated"] > 10  # sneakers are far from ankle boots in features
        assert r["cycle_l1"] > 0 and r["l1_between_test_images"] > 0.1
    assert examples["fake_b"].shape == (8, 28, 28, 1)


def test_unpaired_presets_are_checked():
    with pytest.raises(ValueError, match="--eval_every scores samples of latent GANs"):
        TrainConfig(preset="cyclegan_tiny", output_dir="x", eval_every=1).validate()
