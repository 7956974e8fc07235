"""The super-resolution zoo script: a PSNR-oriented run, then GAN training from its generator."""

import json

import numpy as np
import tensorflow as tf
from PIL import Image


def test_psnr_then_gan_from_its_generator_and_the_export_upscales(run_zoo_script, tmp_path):
    out, summary = run_zoo_script("zoo.esrgan.train", "--preset=rrdbnet_psnr_tiny", "--epochs=1",
                                  "--steps_per_epoch=2")
    assert summary["status"] == "finished" and set(summary["history"]) == {"pixel"}
    assert (out / "generator.weights.h5").is_file()
    weights = tmp_path / "psnr_generator.weights.h5"
    weights.write_bytes((out / "generator.weights.h5").read_bytes())
    # The grid: 6 held-out patches, rows of bicubic / output / target (32 px, scale 4).
    with Image.open(out / "samples" / "final.png") as png:
        assert png.size == ((3 * (32 + 2) + 2) * 4, (6 * (32 + 2) + 2) * 4)
    gan_out, gan = run_zoo_script("zoo.esrgan.train", "--preset=esrgan_tiny", "--epochs=1", "--steps_per_epoch=2",
                                  f"--init_generator={weights}", f"--export_dir={tmp_path / 'gan_export'}",
                                  "--restart")  # the fixture's output_dir holds the PSNR run
    assert {"pixel", "perceptual", "g_loss", "d_loss"} == set(gan["history"])
    assert all(np.isfinite(v[0]) for v in gan["history"].values())
    export = tmp_path / "gan_export" / "1"
    meta = json.load(open(export / "assets.extra" / "keras_gans.json"))
    assert meta["task"] == "super_resolution" and meta["scale"] == 4
    serve = tf.saved_model.load(str(export)).signatures["serving_default"]
    images = tf.random.uniform([1, 13, 9, 3])  # any size
    up = serve(images=images)["images"]
    assert up.shape == (1, 52, 36, 3) and 0.0 <= float(tf.reduce_min(up)) and float(tf.reduce_max(up)) <= 1.0
