"""Tests for keras_gans/export.py (the clean-process reload is in tests/models/gan_test.py)."""

import os

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import presets
from keras_gans.export import export_generator, next_version


def test_versions_count_up_and_never_overwrite(tmp_path):
    base = str(tmp_path / "dcgan_tiny")
    assert next_version(base) == 1
    gan = presets.build("dcgan_tiny", seed=0)
    assert export_generator(gan, base) == os.path.join(base, "1")
    os.makedirs(os.path.join(base, "not_a_version"))
    assert export_generator(gan.generator, base) == os.path.join(base, "2")
    assert next_version(base) == 3
    with pytest.raises(FileExistsError, match="already exists"):
        export_generator(gan, base, version=2)
    with pytest.raises(ValueError, match="version must be a positive int; received 0"):
        export_generator(gan, base, version=0)
    with pytest.raises(ValueError, match="keras.Model or a GAN; received str"):
        export_generator("generator", base)


def test_signature_names_and_batch_dimension(tmp_path):
    gan = presets.build("dcgan_tiny", seed=0, ema_decay=0.5)
    path = export_generator(gan, str(tmp_path))
    serve = tf.saved_model.load(path).signatures["serving_default"]
    assert list(serve.structured_input_signature[1]) == ["latents"]
    assert list(serve.structured_outputs) == ["images"]
    z = np.random.default_rng(1).normal(size=(7, 16)).astype("float32")
    out = serve(latents=tf.constant(z))["images"].numpy()
    assert out.shape == (7, 8, 8, 1)
    # A GAN with EMA exports the EMA generator.
    np.testing.assert_allclose(out, gan.generator_ema(z, training=False), atol=1e-5)


def test_metadata_records_the_latent_prior_and_variables_are_stored_once(tmp_path):
    from keras_gans.export import read_metadata

    gan = presets.build("dcgan_tiny", seed=0)  # DCGAN samples z ~ U[-1, 1]
    path = export_generator(gan, str(tmp_path))
    assert read_metadata(path) == {
        "name": "dcgan_tiny", "latent_dim": 16, "latent_distribution": "uniform",
        "image_shape": [8, 8, 1], "output_range": [-1.0, 1.0],
    }
    assert read_metadata(str(tmp_path)) is None
    wgan = presets.build("wgan_gp_tiny", seed=0)
    assert read_metadata(export_generator(wgan, str(tmp_path / "w")))["latent_distribution"] == "normal"
    # Every weight once: the data file holds 4 bytes per float32 generator weight, plus a
    # little overhead (ExportArchive wrote every variable twice).
    weight_bytes = sum(int(np.prod(w.shape)) * 4 for w in gan.generator.weights)
    data_file = [f for f in os.listdir(os.path.join(path, "variables")) if f.startswith("variables.data")]
    size = sum(os.path.getsize(os.path.join(path, "variables", f)) for f in data_file)
    assert weight_bytes <= size < 1.5 * weight_bytes
    with pytest.raises(ValueError, match="latent_distribution must be 'normal' or 'uniform'; received 'cauchy'"):
        export_generator(gan.generator, str(tmp_path / "x"), latent_distribution="cauchy")
    with pytest.raises(ValueError, match="A zoo model exports what it declares"):
        export_generator(gan, str(tmp_path / "x"), latent_distribution="normal")
