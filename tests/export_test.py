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
