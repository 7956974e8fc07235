"""Tests for feature extractors (keras_gans/metrics/extractors.py), the shipped Fashion-MNIST
classifier (saved_models/fmnist_classifier) and the EvaluateMetrics callback.

No test needs downloaded weights: InceptionV3's preprocessing runs through a tiny stand-in
with the same layer names, and the offline error is provoked with DNS lookups disabled.
"""

import csv
import json
import os
import socket
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import data, presets
from keras_gans.callbacks import EvaluateMetrics
from keras_gans.metrics import extractors as ex
from keras_gans.metrics import functional as F
from zoo.classifier.train_lib import export_classifier

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = os.path.join(REPO, "saved_models", "fmnist_classifier")


def _tiny_model(image_shape=(8, 8, 1), feature_dim=6, num_classes=10, seed=0):
    inputs = keras.Input(image_shape)
    x = keras.layers.Conv2D(4, 3, strides=2, activation="relu",
                            kernel_initializer=keras.initializers.GlorotUniform(seed))(inputs)
    x = keras.layers.Flatten()(x)
    features = keras.layers.Dense(feature_dim, activation="tanh",
                                  kernel_initializer=keras.initializers.GlorotUniform(seed + 1))(x)
    logits = keras.layers.Dense(num_classes, kernel_initializer=keras.initializers.GlorotUniform(seed + 2))(features)
    return keras.Model(inputs, {"features": features, "logits": logits})


def _tiny_extractor(**kwargs):
    return ex.ModelExtractor(_tiny_model(**kwargs), name="tiny")


@pytest.fixture(scope="module")
def fmnist_test():
    x, y = data.load_numpy("fashion_mnist", "test")
    return x, y


@pytest.fixture(scope="module")
def shipped():
    return ex.SavedModelClassifierExtractor(SHIPPED)


# --------------------------------------------------------------------------------------
# The shipped classifier
# --------------------------------------------------------------------------------------

_FRESH = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf
    d = np.load(sys.argv[2])
    serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
    out = serve(images=tf.constant(d["images"]))
    acc = float(np.mean(np.argmax(out["logits"].numpy(), axis=1) == d["labels"]))
    print(json.dumps({"accuracy": acc, "features": list(out["features"].shape),
                      "project_code": sorted(m for m in sys.modules if m.startswith(("keras_gans", "zoo")))}))
    """
)


def test_shipped_classifier_is_accurate_in_a_fresh_process(tmp_path, fmnist_test):
    x, y = fmnist_test
    images = x[:2000].astype(np.float32) / 127.5 - 1.0
    np.savez(tmp_path / "test.npz", images=images, labels=y[:2000])
    (tmp_path / "fresh.py").write_text(_FRESH)
    version = ex._latest_version_dir(SHIPPED)
    result = subprocess.run(
        [sys.executable, str(tmp_path / "fresh.py"), version, str(tmp_path / "test.npz")],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=300,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["project_code"] == []
    assert out["features"] == [2000, 128]
    assert out["accuracy"] > 0.9, out


def test_shipped_classifier_interface_metadata_and_size(shipped):
    assert isinstance(shipped, ex.SavedModelClassifierExtractor)
    assert (shipped.name, shipped.feature_dim, shipped.num_classes) == ("fmnist", 128, 10)
    assert shipped.image_shape == (28, 28, 1)
    meta = shipped.metadata
    for key in ("test_accuracy", "epochs", "parameters", "command"):
        assert key in meta, key
    assert meta["dataset"] == "fashion_mnist" and meta["test_examples"] == 10000
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(shipped.path) for f in fs)
    assert size < 3 * 1024**2, size


def test_default_extractor_finds_the_shipped_classifier(monkeypatch, shipped):
    monkeypatch.delenv(ex.CLASSIFIER_DIR_ENV, raising=False)
    assert ex.default_classifier_dir() == SHIPPED
    extractor = ex.default_extractor("fashion-mnist")
    assert isinstance(extractor, ex.SavedModelClassifierExtractor)
    assert extractor.path == shipped.path


def test_env_override_and_latest_version(monkeypatch, tmp_path):
    net = _tiny_model(image_shape=(28, 28, 1), feature_dim=5, num_classes=10)
    for version in (2, 10):  # 10 is the latest (numeric, not lexicographic, order)
        export_classifier(net, str(tmp_path / "clf" / str(version)), (28, 28, 1))
    (tmp_path / "clf" / "11").mkdir()  # no saved_model.pb: ignored
    monkeypatch.setenv(ex.CLASSIFIER_DIR_ENV, str(tmp_path / "clf"))
    extractor = ex.default_extractor("fashion_mnist")
    assert extractor.path == str(tmp_path / "clf" / "10")
    assert (extractor.feature_dim, extractor.num_classes) == (5, 10)
    assert extractor.name == "clf"  # no metadata.json: the base directory's name
    images = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(extractor(images)["features"], net(images)["features"], rtol=1e-5, atol=1e-6)


def test_missing_classifier_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setenv(ex.CLASSIFIER_DIR_ENV, str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError) as error:
        ex.default_extractor("fashion_mnist")
    assert "zoo.classifier.train" in str(error.value) and ex.CLASSIFIER_DIR_ENV in str(error.value)
    with pytest.raises(FileNotFoundError, match="No classifier SavedModel"):
        ex.SavedModelClassifierExtractor(str(tmp_path))


def test_saved_model_without_features_is_rejected(tmp_path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", lambda latents: {"images": model(latents)},
                         input_signature=[tf.TensorSpec([None, 4], tf.float32, name="latents")])
    archive.write_out(str(tmp_path / "g"), verbose=False)
    with pytest.raises(ValueError, match="must take 'images' and return 'features' and 'logits'"):
        ex.SavedModelClassifierExtractor(str(tmp_path / "g"))


# --------------------------------------------------------------------------------------
# Batching, input types, shape errors
# --------------------------------------------------------------------------------------


def test_batched_extraction_equals_one_call():
    extractor = _tiny_extractor()
    images = np.random.default_rng(1).uniform(-1, 1, (23, 8, 8, 1)).astype("float32")
    whole = extractor.model(images)
    for batch_size in (1, 5, 23, 100):
        out = extractor.extract(images, batch_size=batch_size, verbose=0)
        assert out["features"].shape == (23, 6) and out["logits"].shape == (23, 10)
        np.testing.assert_allclose(out["features"], whole["features"], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(out["logits"], whole["logits"], rtol=1e-5, atol=1e-6)
    # A dataset of batches and an iterator of tensors give the same result.
    ds = tf.data.Dataset.from_tensor_slices(images).batch(4)
    np.testing.assert_allclose(extractor.extract(ds, verbose=0)["logits"], whole["logits"], rtol=1e-5, atol=1e-6)
    it = (tf.constant(images[i : i + 6]) for i in range(0, 23, 6))
    np.testing.assert_allclose(extractor.extract(it, verbose=1, total=23)["features"], whole["features"],
                               rtol=1e-5, atol=1e-6)


def test_shipped_classifier_batching_and_uint8_input(shipped, fmnist_test):
    x = fmnist_test[0][:50]
    whole = shipped(x.astype(np.float32) / 127.5 - 1.0)
    out = shipped.extract(x, batch_size=16, verbose=0)  # uint8 in, mapped to [-1, 1]
    np.testing.assert_allclose(out["features"], whole["features"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out["logits"], whole["logits"], rtol=1e-4, atol=1e-4)


def test_shape_and_range_errors(shipped):
    with pytest.raises(ValueError, match=r"expects images of shape \(H, W, C\) = \(28, 28, 1\); received "
                                         r"images of shape \(8, 8, 1\)"):
        shipped.extract(np.zeros((4, 8, 8, 1), np.float32), verbose=0)
    with pytest.raises(ValueError, match=r"in \[-1, 1\]"):
        shipped(np.full((2, 28, 28, 1), 255.0, np.float32))
    with pytest.raises(ValueError, match=r"\[N, H, W, C\]"):
        shipped(np.zeros((28, 28, 1), np.float32))


def test_protocol_names():
    assert ex.protocol_name("fid", 10000, "fmnist", "test") == "fid10k_fmnist_test"
    assert ex.protocol_name("kid", 5000, "inception", "train") == "kid5k_inception_train"
    assert ex.protocol_name("is", 50000, "inception") == "is50k_inception"
    assert ex.protocol_name("fid", 1500, "tiny", "test") == "fid1500_tiny_test"


# --------------------------------------------------------------------------------------
# InceptionV3: preprocessing through a stand-in, architecture, offline error
# --------------------------------------------------------------------------------------


def _bilinear_reference(image, size):
    """Half-pixel-centre bilinear resize (TF2's tf.image.resize), separably in NumPy."""

    def weights(n_in, n_out):
        src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        w = np.zeros((n_out, n_in))
        w[np.arange(n_out), lo] += 1 - (src - lo)
        w[np.arange(n_out), hi] += src - lo
        return w

    wy, wx = weights(image.shape[0], size), weights(image.shape[1], size)
    return np.einsum("yh,hwc,xw->yxc", wy, image.astype(np.float64), wx)


def _inception_stand_in(num_classes=4):
    inputs = keras.Input((299, 299, 3))
    pool = keras.layers.GlobalAveragePooling2D(name="avg_pool")(inputs)
    probs = keras.layers.Dense(num_classes, activation="softmax", name="predictions",
                               kernel_initializer=keras.initializers.RandomNormal(0, 1, seed=0),
                               bias_initializer=keras.initializers.RandomNormal(0, 1, seed=1))(pool)
    return keras.Model(inputs, probs)


def test_inception_preprocessing_resizes_to_299_and_repeats_gray():
    stand_in = _inception_stand_in()
    extractor = ex.InceptionV3Extractor(model=stand_in)
    assert (extractor.feature_dim, extractor.num_classes) == (3, 4)
    gray = np.random.default_rng(2).uniform(-1, 1, (2, 5, 7, 1)).astype("float32")
    pre = extractor.preprocess(gray).numpy()
    assert pre.shape == (2, 299, 299, 3)
    np.testing.assert_array_equal(pre[..., 0], pre[..., 1])
    np.testing.assert_array_equal(pre[..., 0], pre[..., 2])
    np.testing.assert_allclose(pre[0], np.repeat(_bilinear_reference(gray[0], 299), 3, -1), atol=1e-5)
    assert pre.min() >= -1 and pre.max() <= 1  # already InceptionV3's input range: no rescale
    # Through the model: features are the pool of the preprocessed image; logits are
    # pre-softmax (softmax gives the stand-in's own probabilities).
    out = extractor.extract(gray, verbose=0)
    np.testing.assert_allclose(out["features"], pre.mean(axis=(1, 2)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tf.nn.softmax(out["logits"]).numpy(), stand_in(pre).numpy(), rtol=1e-5, atol=1e-6)
    # RGB keeps its channel order; constant images stay constant.
    rgb = np.broadcast_to(np.array([-0.5, 0.1, 0.75], np.float32), (1, 9, 9, 3))
    np.testing.assert_allclose(extractor(rgb)["features"].numpy(), [[-0.5, 0.1, 0.75]], atol=1e-4)
    with pytest.raises(ValueError, match="1- or 3-channel"):
        extractor(np.zeros((1, 8, 8, 2), np.float32))


def test_inception_architecture_with_random_weights():
    # The real keras.applications graph (random weights: values meaningless, shapes not),
    # at its smallest input size (75) to keep the test fast; the protocol uses 299.
    extractor = ex.InceptionV3Extractor(weights=None, input_size=75)
    assert (extractor.feature_dim, extractor.num_classes) == (2048, 1000)
    out = extractor.extract(np.zeros((2, 28, 28, 1), np.uint8), verbose=0)
    assert out["features"].shape == (2, 2048) and out["logits"].shape == (2, 1000)
    probs = extractor.model(extractor.preprocess(np.zeros((2, 28, 28, 1), np.float32) - 1.0))
    np.testing.assert_allclose(tf.nn.softmax(out["logits"]).numpy(), probs.numpy(), rtol=1e-4, atol=1e-6)
    assert np.all(out["features"] >= 0)  # post-ReLU average pool


def test_inception_without_weights_fails_clearly_offline(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", offline)  # no download, whatever the machine
    with pytest.raises(ex.InceptionWeightsUnavailableError) as error:
        ex.InceptionV3Extractor(cache_dir=str(tmp_path))
    message = str(error.value)
    assert "cannot download" in message
    assert "default_extractor('fashion_mnist')" in message and "zoo.classifier.train" in message
    assert not os.path.exists(tmp_path / "models" / "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
    with pytest.raises(ex.InceptionWeightsUnavailableError, match="does not exist"):
        ex.InceptionV3Extractor(weights=str(tmp_path / "missing.h5"))
    monkeypatch.setenv(ex.CLASSIFIER_DIR_ENV, str(tmp_path))
    with pytest.raises(ex.InceptionWeightsUnavailableError):
        ex.default_extractor("cifar10", cache_dir=str(tmp_path))  # not Fashion-MNIST: InceptionV3


# --------------------------------------------------------------------------------------
# EvaluateMetrics callback
# --------------------------------------------------------------------------------------


def _digits_float():
    x, _ = data.load_numpy("digits")
    return x.astype(np.float32) / 127.5 - 1.0


def test_evaluate_metrics_writes_protocol_keys_into_history_and_csv(tmp_path):
    real = _digits_float()[:200]
    extractor = _tiny_extractor()
    gan = presets.build("dcgan_tiny", seed=0)
    gan.compile()
    callback = EvaluateMetrics(real, extractor, num_samples=64, every=2, split="train",
                               metrics=("fid", "kid", "precision", "recall", "coverage", "is"),
                               kid_subset_size=50, seed=3)
    csv_path = tmp_path / "history.csv"
    ds = tf.data.Dataset.from_tensor_slices(real).batch(32, drop_remainder=True).repeat()
    history = gan.fit(ds, epochs=3, steps_per_epoch=2, verbose=0,
                      callbacks=[callback, keras.callbacks.CSVLogger(str(csv_path))])
    names = ["fid64_tiny_train", "kid64_tiny_train", "precision64_tiny_train", "recall64_tiny_train",
             "coverage64_tiny_train", "is64_tiny"]
    for name in names:
        values = history.history[name]
        assert len(values) == 3, name
        # every=2: epoch 1 is not scored (NaN), epoch 2 is, and the last epoch always is.
        assert np.isnan(values[0]) and np.isfinite(values[1]) and np.isfinite(values[2]), (name, values)
    assert [e for e, _ in callback.results] == [1, 2]
    rows = list(csv.DictReader(open(csv_path)))
    assert len(rows) == 3 and float(rows[2]["fid64_tiny_train"]) == pytest.approx(history.history["fid64_tiny_train"][2])

    # The last scores, recomputed independently from the same fixed latents.
    latents = gan.sample_latents(64, tf.constant([3, 1]))
    fake = extractor.model(gan.generator(latents, training=False))
    real_out = extractor.model(real)
    last = {k: history.history[k][2] for k in names}
    assert last["fid64_tiny_train"] == pytest.approx(F.fid_from_features(real_out["features"], fake["features"]), rel=1e-5)
    p, r = F.precision_recall(real_out["features"], fake["features"], k=3)
    assert (last["precision64_tiny_train"], last["recall64_tiny_train"]) == pytest.approx((p, r))
    kid = F.kernel_inception_distance(real_out["features"], fake["features"], subset_size=50, seed=3)[0]
    assert last["kid64_tiny_train"] == pytest.approx(kid, rel=1e-4, abs=1e-7)
    assert last["coverage64_tiny_train"] == F.class_coverage(fake["logits"].numpy(), 10)["covered"]
    assert last["is64_tiny"] == pytest.approx(F.inception_score(fake["logits"], splits=10, from_logits=True)[0], rel=1e-5)


def test_evaluate_metrics_rejects_bad_arguments():
    real = _digits_float()[:50]
    with pytest.raises(ValueError, match="subset of"):
        EvaluateMetrics(real, _tiny_extractor(), metrics=("fid", "lpips"))
    with pytest.raises(ValueError, match="every must be a positive int"):
        EvaluateMetrics(real, _tiny_extractor(), every=0)
    with pytest.raises(ValueError, match=r"expects images of shape"):
        EvaluateMetrics(np.zeros((10, 28, 28, 1), np.float32), _tiny_extractor())
    gan = presets.build("dcgan_tiny", seed=0)
    gan.compile()
    callback = EvaluateMetrics(np.zeros((10, 28, 28, 1), np.float32),
                               _tiny_extractor(image_shape=(28, 28, 1)), num_samples=8)
    with pytest.raises(ValueError, match=r"received images of shape \(8, 8, 1\)"):
        gan.fit(tf.data.Dataset.from_tensor_slices(real).batch(32, drop_remainder=True), epochs=1,
                verbose=0, callbacks=[callback])
