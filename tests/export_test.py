"""Tests for keras_gans/export.py (the clean-process reload is in tests/models/gan_test.py)."""

import os

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import presets
from keras_gans.export import export_generator, export_model, next_version


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


_SERVE_CHECKS = r"""
import json, sys
import numpy as np
import tensorflow as tf

results = {}
for name, path in json.loads(sys.argv[1]).items():
    serve = tf.saved_model.load(path).signatures["serving_default"]
    conditional = "labels" in serve.structured_input_signature[1]
    cases = {"ok": (np.ones((2, 16), "float32"), [0, 9]),
             "label_-1": (np.ones((2, 16), "float32"), [-1, 3]),
             "label_10": (np.ones((2, 16), "float32"), [10, 0]),
             "latent_17": (np.ones((2, 17), "float32"), [0, 1]),
             "latent_rank1": (np.ones((16,), "float32"), [0] * 16),
             "latent_rank3": (np.ones((2, 1, 16), "float32"), [0, 1]),
             "batch_3_vs_2": (np.ones((3, 16), "float32"), [0, 1])}
    for case, (z, labels) in cases.items():
        if not conditional and case.startswith(("label", "batch")):
            continue
        kwargs = {"latents": tf.constant(z)}
        if conditional:
            kwargs["labels"] = tf.constant(labels, tf.int32)
        try:
            out = serve(**kwargs)["images"].numpy()
            results[f"{name}/{case}"] = out.tolist()
        except tf.errors.InvalidArgumentError as e:
            results[f"{name}/{case}"] = "error: " + e.message
print(json.dumps(results))
"""


def test_exports_reject_bad_labels_and_latents_in_a_clean_process(tmp_path):
    """A loaded SavedModel (no keras_gans imported) says what it expected: labels in
    [0, num_classes) (an embedding lookup would map -1 to class 9), latents [N, 16]."""
    import json
    import subprocess
    import sys

    cgan = presets.build("cgan_tiny", seed=0)
    dcgan = presets.build("dcgan_tiny", seed=0)
    assert cgan.num_classes == 10 and cgan.latent_dim == dcgan.latent_dim == 16
    paths = {"cgan": export_model(cgan, str(tmp_path / "cgan")),
             "dcgan": export_model(dcgan, str(tmp_path / "dcgan"))}
    result = subprocess.run([sys.executable, "-c", _SERVE_CHECKS, json.dumps(paths)],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    got = json.loads(result.stdout.strip().splitlines()[-1])

    # Valid inputs: the generator's images, unchanged by the checks.
    ones = np.ones((2, 16), "float32")
    np.testing.assert_allclose(got["cgan/ok"], cgan.generate(latents=ones, labels=np.array([0, 9], "int32")),
                               atol=1e-5)
    np.testing.assert_allclose(got["dcgan/ok"], dcgan.generate(latents=ones), atol=1e-5)
    range_msg = "labels must be class ids in [0, 10) (num_classes=10); received] [{}]"
    assert got["cgan/label_-1"].startswith("error: ") and range_msg.format("-1 3") in got["cgan/label_-1"]
    assert range_msg.format("10 0") in got["cgan/label_10"]
    for name in ("cgan", "dcgan"):
        assert "latents must have shape [N, 16] (latent_dim=16); received shape] [2 17]" in got[f"{name}/latent_17"]
        assert "latents must have shape [N, 16] (latent_dim=16); received shape] [16]" in got[f"{name}/latent_rank1"]
        assert "received shape] [2 1 16]" in got[f"{name}/latent_rank3"]
    assert ("labels and latents must have the same length N; received labels of length] [2] "
            "[and latents of length] [3]") in got["cgan/batch_3_vs_2"]
