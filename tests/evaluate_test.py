"""Tests for zoo/evaluate.py: scoring exported generators, the real-vs-real floor, errors."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import data, presets
from keras_gans.export import export_generator
from keras_gans.metrics import extractors as ex
from keras_gans.metrics import functional as F
from zoo import evaluate

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = os.path.join(REPO, "saved_models", "fmnist_classifier")


def _tiny_extractor():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, strides=2, activation="relu",
                            kernel_initializer=keras.initializers.GlorotUniform(0))(inputs)
    features = keras.layers.Dense(6, activation="tanh",
                                  kernel_initializer=keras.initializers.GlorotUniform(1))(keras.layers.Flatten()(x))
    logits = keras.layers.Dense(10, kernel_initializer=keras.initializers.GlorotUniform(2))(features)
    return ex.ModelExtractor(keras.Model(inputs, {"features": features, "logits": logits}), name="tiny")


@pytest.fixture(scope="module")
def tiny_export(tmp_path_factory):
    gan = presets.build("dcgan_tiny", seed=0)
    path = export_generator(gan, str(tmp_path_factory.mktemp("gen") / "saved_model"))
    return gan, path


def test_scores_equal_the_functional_metrics(tiny_export):
    gan, path = tiny_export
    extractor = _tiny_extractor()
    result = evaluate.evaluate(saved_model=path, dataset="digits", split="train", num_samples=300,
                               extractor=extractor, seed=4, batch_size=64, verbose=0,
                               kid_subset_size=100, return_features=True)
    # Independently: real digits and the generator (the Keras model, not the export) on
    # the documented latents.
    real_images, _ = data.load_numpy("digits")
    real = extractor.model(real_images.astype(np.float32) / 127.5 - 1.0)
    # DCGAN presets sample z ~ U[-1, 1]; the export records it and evaluate() follows it.
    assert result["latent_distribution"] == "uniform"
    latents = tf.random.stateless_uniform([300, 16], tf.constant([4, 0], tf.int64), minval=-1.0, maxval=1.0)
    fake = extractor.model(gan.generator(latents, training=False))
    m = result["metrics"]
    assert m["fid300_tiny_train"] == pytest.approx(F.fid_from_features(real["features"], fake["features"]), rel=1e-4)
    np.testing.assert_allclose(result["fake"]["features"], fake["features"], rtol=1e-4, atol=1e-5)
    kid = F.kernel_inception_distance(result["real"]["features"], result["fake"]["features"], subset_size=100, seed=4)
    assert (m["kid300_tiny_train"], m["kid300_tiny_train_std"]) == pytest.approx(kid)
    p, r = F.precision_recall(result["real"]["features"], result["fake"]["features"], k=3)
    assert (m["precision300_tiny_train"], m["recall300_tiny_train"]) == pytest.approx((p, r))
    assert m["is300_tiny"] == pytest.approx(F.inception_score(fake["logits"], 10, from_logits=True)[0], rel=1e-4)
    assert sum(result["class_histogram"]) == 300
    assert m["coverage300_tiny"] == sum(c > 0 for c in result["class_histogram"])
    assert result["num_real"] == 1797 and result["saved_model"] == path
    # The batch size does not change the samples.
    again = evaluate.evaluate(saved_model=os.path.dirname(path), dataset="digits", split="train",
                              num_samples=300, extractor=extractor, seed=4, batch_size=300, verbose=0,
                              kid_subset_size=100)
    assert again["metrics"]["fid300_tiny_train"] == pytest.approx(m["fid300_tiny_train"], rel=1e-5)


@pytest.fixture(scope="module")
def floor500():
    """train (500 random images) vs test (500 random images) through the shipped classifier."""
    return evaluate.evaluate(real_vs_real=True, num_samples=500, num_real=500, extractor=SHIPPED, verbose=0)


def test_real_vs_real_floor_is_far_below_noise(floor500):
    m = floor500["metrics"]
    extractor = ex.SavedModelClassifierExtractor(SHIPPED)
    real = extractor.extract(evaluate._real_images("fashion_mnist", "test", 500, 0, None), verbose=0)
    noise = np.random.default_rng(0).uniform(-1, 1, (500, 28, 28, 1)).astype("float32")
    noise_features = extractor.extract(noise, verbose=0)["features"]
    noise_fid = F.fid_from_features(real["features"], noise_features)
    assert 0 < m["fid500_fmnist_test"] < 0.05 * noise_fid, (m, noise_fid)
    noise_kid = F.kernel_inception_distance(real["features"], noise_features)[0]
    assert abs(m["kid500_fmnist_test"]) < 0.01 * noise_kid, (m, noise_kid)
    assert m["precision500_fmnist_test"] > 0.6 and m["recall500_fmnist_test"] > 0.6
    # Noise lands in one small region of feature space: its balls cover no real image.
    assert F.precision_recall(real["features"], noise_features)[1] < 0.05
    assert m["coverage500_fmnist"] == 10 and m["coverage500_fmnist_kl_to_uniform"] < 0.05
    assert floor500["real_vs_real"] and floor500["num_real"] == 500


def test_cli_real_vs_real_writes_json(tmp_path, floor500):
    out = tmp_path / "floor.json"
    result = subprocess.run(
        [sys.executable, "-m", "zoo.evaluate", "--real_vs_real", "--num_samples=500", "--num_real=500",
         "--verbose=0", f"--output={out}"],
        cwd=REPO, capture_output=True, text=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    scores = json.load(open(out))
    assert scores["real_vs_real"] and scores["extractor"]["name"] == "fmnist"
    assert scores["extractor"]["path"] == floor500["extractor"]["path"]  # --extractor=default: the shipped one
    assert (scores["num_samples"], scores["num_real"]) == (500, 500)
    assert scores["metrics"] == pytest.approx(floor500["metrics"], rel=1e-5)
    assert scores["class_histogram"] == floor500["class_histogram"]
    assert "fid500_fmnist_test" in result.stdout and "±" in result.stdout
    assert scores["command"].startswith("python -m zoo.evaluate --real_vs_real")


def test_cli_missing_saved_model_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "zoo.evaluate", f"--saved_model={tmp_path}/nope", "--verbose=0"],
        cwd=REPO, capture_output=True, text=True, timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert result.returncode == 2  # a user error: one line, exit 2 (zoo.common.cli)
    assert f"--saved_model='{tmp_path}/nope' does not exist" in result.stderr


def test_errors(tmp_path, tiny_export):
    _, path = tiny_export
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no saved_model.pb"):
        evaluate.evaluate(saved_model=str(tmp_path / "empty"), verbose=0)
    # An 8x8 generator against the 28x28 Fashion-MNIST classifier.
    with pytest.raises(ValueError, match=r"expects images of shape \(H, W, C\) = \(28, 28, 1\); "
                                         r"received images of shape \(8, 8, 1\)"):
        evaluate.evaluate(saved_model=path, extractor=SHIPPED, verbose=0)
    with pytest.raises(ValueError, match="is not a generator export"):
        evaluate.evaluate(saved_model=SHIPPED, verbose=0)
    with pytest.raises(ValueError, match="not both"):
        evaluate.evaluate(saved_model=path, real_vs_real=True, verbose=0)
    with pytest.raises(ValueError, match="--saved_model is required"):
        evaluate.evaluate(verbose=0)
    with pytest.raises(ValueError, match="--num_samples must be a positive integer"):
        evaluate.evaluate(saved_model=path, num_samples=0, verbose=0)


def test_conditional_export_is_scored_with_requested_labels(tmp_path):
    """A CGAN export takes labels; evaluate asks for class i % 10 and reports how often the
    classifier agrees, equal to an independent computation on the Keras generator."""
    gan = presets.build("cgan_tiny", seed=0)
    path = export_generator(gan, str(tmp_path / "saved_model"))
    extractor = _tiny_extractor()
    result = evaluate.evaluate(saved_model=path, dataset="digits", split="train", num_samples=200,
                               extractor=extractor, seed=4, batch_size=64, verbose=0, kid_subset_size=100)
    latents = tf.random.stateless_uniform([200, 16], tf.constant([4, 0], tf.int64), minval=-1.0, maxval=1.0)
    requested = np.arange(200) % 10
    images = gan.generator([latents, tf.constant(requested, tf.int32)], training=False)
    predicted = np.argmax(extractor.model(images)["logits"], axis=1)
    assert result["metrics"]["conditional_accuracy200_tiny"] == pytest.approx(np.mean(predicted == requested))
    per_class = [np.mean(predicted[requested == c] == c) for c in range(10)]
    np.testing.assert_allclose(result["conditional_accuracy_per_class"], per_class)
