"""SNGAN and SAGAN trained as GANs: the shared checks, class conditioning, two replicas."""

import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

from keras_gans import presets, testing
from keras_gans.export import read_metadata


def _digits(n=64):
    data = load_digits()
    return (data.images[:n, ..., None] / 8.0 - 1.0).astype("float32"), data.target[:n].astype("int32")


def test_sagan_tiny_passes_the_shared_checks(tmp_path):
    images, labels = _digits()
    gan = presets.build("sagan_tiny", seed=0)
    assert gan.num_classes == 10 and gan.loss_name == "hinge"
    testing.run_fit_check(gan, images, labels=labels, steps=2)
    testing.run_config_roundtrip_check(gan)
    testing.run_save_restore_check(gan, str(tmp_path))
    path = testing.run_export_check(gan, str(tmp_path))
    assert read_metadata(path)["num_classes"] == 10


def test_sagan_generator_depends_on_the_label():
    gan = presets.build("sagan_tiny", seed=0)
    z = tf.repeat(tf.random.normal([1, gan.latent_dim], seed=1), 2, axis=0)
    a, b = gan.generate(latents=z, labels=[3, 7])
    # Conditional BN gains start at 1 and biases at 0 for every class: identical outputs (up to
    # float32 rounding: the two rows of a batched matmul may be summed in different orders).
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # One step on a batch of 64 (every class drawn as a fake label) makes them differ.
    images, labels = _digits()
    testing.run_fit_check(gan, images, labels=labels, steps=1, batch_size=64)
    a, b = gan.generate(latents=z, labels=[3, 7])
    assert np.max(np.abs(a - b)) > 1e-4


@pytest.mark.parametrize("name", ["sagan_tiny", "sngan_tiny"])
def test_trains_under_mirrored_strategy(name):
    """SNGAN with 2 critic steps, not its 5: the same repeated-phase path, and the step graph
    (traced once per replica) builds in about half the time."""
    images, labels = _digits()
    overrides = {"n_critic": 2} if name.startswith("sngan") else {}
    testing.run_mirrored_fit_check(lambda: presets.build(name, seed=0, **overrides), images,
                                   labels=labels if name.startswith("sagan") else None, steps=1)


@pytest.mark.parametrize("script,preset", [("sagan", "sagan_tiny"), ("sngan", "sngan_tiny")])
def test_zoo_scripts(run_zoo_script, script, preset):
    out, summary = run_zoo_script(f"zoo.{script}.train", f"--preset={preset}", "--epochs=1",
                                  "--steps_per_epoch=1", "--grid_size=10")
    assert summary["preset"] == preset and np.isfinite(summary["history"]["d_loss"][0])
    assert summary["standing_stats"] == (100 if script == "sagan" else 0)  # the script's default
    assert (out / "samples" / "final.png").is_file()
    meta = read_metadata(summary["export"])
    assert meta.get("num_classes") == (10 if script == "sagan" else None)
