"""The Pix2Pix zoo script and benchmark end to end on the tiny preset."""

import json

import numpy as np
import pytest
from PIL import Image

from zoo.common.train_lib import TrainConfig


def test_script_trains_grids_exports_and_the_benchmark_scores_it(run_zoo_script, tmp_path):
    out, summary = run_zoo_script("zoo.pix2pix.train", "--preset=pix2pix_tiny", "--epochs=1",
                                  "--steps_per_epoch=2", "--grid_size=4")
    assert summary["preset"] == "pix2pix_tiny" and summary["dataset"] == "skimage_blur2sharp"
    assert set(summary["history"]) == {"d_loss", "g_loss", "l1"}
    assert all(np.isfinite(v[0]) for v in summary["history"].values())
    # The grid: 8 held-out examples, a row each of input / output / target (32 px, scale 4).
    with Image.open(out / "samples" / "final.png") as png:
        assert png.size == ((3 * (32 + 2) + 2) * 4, (8 * (32 + 2) + 2) * 4)
    export = out / "saved_model" / "1"
    meta = json.load(open(export / "assets.extra" / "keras_gans.json"))
    assert meta["task"] == "image_to_image" and meta["source_shape"] == [32, 32, 3]

    import tensorflow as tf

    loaded = tf.saved_model.load(str(export))
    assert set(loaded.signatures) == {"serving_default", "tiled"}
    images = tf.random.uniform([2, 50, 41, 3], -1, 1)  # larger than a tile, not a multiple
    out_default = loaded.signatures["serving_default"](images=images, seed=tf.constant(1))["images"]
    out_tiled = loaded.signatures["tiled"](images=images, seed=tf.constant(1), tile_size=tf.constant(32),
                                           overlap=tf.constant(4))["images"]
    assert out_default.shape == (2, 50, 41, 3) and out_tiled.shape == (2, 50, 41, 3)
    np.testing.assert_allclose(out_default.numpy(), out_tiled.numpy(), atol=1e-6)  # the same defaults

    from zoo.pix2pix import benchmark

    result = benchmark.run("skimage_blur2sharp", 32, [str(export)], ["tiny"])
    assert result["num_pairs"] == 48 and set(result["rows"]) == {"input (baseline)", "tiny"}
    baseline = result["rows"]["input (baseline)"]
    assert 0 < baseline["l1"] < 0.2 and baseline["psnr"] > 20  # a blurred copy is close to its target


def test_paired_channels_are_checked_before_training():
    with pytest.raises(ValueError, match=r"has 1-channel source images but preset 'pix2pix_64' takes 3-channel"):
        TrainConfig(preset="pix2pix_64", output_dir="x", dataset="skimage_gray2color").validate()
    with pytest.raises(ValueError, match="--eval_every scores samples of latent GANs"):
        TrainConfig(preset="pix2pix_tiny", output_dir="x", eval_every=1).validate()
