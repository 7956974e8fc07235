"""Feature extractors for GAN metrics: images in [-1, 1] -> features and logits.

An extractor is a callable object mapping a batch of images (float32 NHWC in [-1, 1]) to
``{"features": [B, feature_dim], "logits": [B, num_classes]}``: the features feed FID,
KID and precision/recall, the logits the Inception Score and class coverage. Every
extractor has

* ``name``: a short tag for protocol names, e.g. ``"inception"`` or ``"fmnist"`` (the
  Fashion-MNIST classifier), giving metric names such as ``fid10k_fmnist_test``;
* ``feature_dim``, ``num_classes``;
* ``image_shape``: the ``(H, W, C)`` it accepts (``None`` entries for "any");
* ``extract(images, batch_size=..., verbose=...)``: runs over a big array (or a
  ``tf.data.Dataset`` of batches) in batches, with a ``keras.utils.Progbar``, and returns
  NumPy arrays.

Extractors shipped here:

* :class:`InceptionV3Extractor`: the standard FID / IS protocol (``keras.applications``
  InceptionV3 with ImageNet weights, bilinear resize to 299x299, gray -> RGB, 2048-d
  pool-3 features and the 1000 ImageNet logits). Needs the weights, which only an online
  machine (or a copied file) provides.
* :class:`SavedModelClassifierExtractor`: any classifier exported as a SavedModel with a
  ``serving_default(images) -> {features, logits}`` signature, e.g. the Fashion-MNIST
  classifier shipped in ``saved_models/fmnist_classifier/`` (``zoo/classifier/train.py``).
* :class:`ModelExtractor`: any Keras model returning features and logits (tests, custom
  feature spaces).

:func:`default_extractor` picks the shipped classifier for Fashion-MNIST and InceptionV3
for everything else.
"""

import json
import os
import re

import keras
import numpy as np
import tensorflow as tf

__all__ = [
    "CLASSIFIER_DIR_ENV",
    "FeatureExtractor",
    "InceptionV3Extractor",
    "InceptionWeightsUnavailableError",
    "ModelExtractor",
    "SavedModelClassifierExtractor",
    "default_classifier_dir",
    "default_extractor",
    "protocol_name",
]

CLASSIFIER_DIR_ENV = "KERAS_GANS_CLASSIFIER_DIR"

# keras.applications' InceptionV3 ImageNet weights (with the top), as in
# keras/src/applications/inception_v3.py; fetched through keras.utils.get_file, which
# caches them in ~/.keras/models/.
INCEPTION_V3_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
)
INCEPTION_V3_WEIGHTS_HASH = "9a0d58056eeedaa3f26cb7ebd46da564"

_SHORT_DATASET_NAMES = {"fashion_mnist": "fmnist"}


def protocol_name(metric, num_samples, tag, split=None):
    """``fid`` + 10000 + ``fmnist`` + ``test`` -> ``"fid10k_fmnist_test"`` (StyleGAN2-ADA style)."""
    count = f"{num_samples // 1000}k" if num_samples >= 1000 and num_samples % 1000 == 0 else str(num_samples)
    parts = [f"{metric}{count}", tag] + ([split] if split else [])
    return "_".join(p for p in parts if p)


def _to_float_images(images):
    """uint8 -> float32 in [-1, 1]; float arrays are checked to lie (about) in [-1, 1]."""
    if isinstance(images, (list, tuple)):
        images = np.asarray(images)
    if isinstance(images, np.ndarray):
        if images.dtype == np.uint8:
            return images.astype(np.float32) / 127.5 - 1.0
        images = images.astype(np.float32, copy=False)
        if images.size:
            lo, hi = float(images.min()), float(images.max())
            if lo < -1.5 or hi > 1.5:
                raise ValueError(
                    f"Extractors take images in [-1, 1] (or uint8 0..255); received float values "
                    f"in [{lo:g}, {hi:g}]. Scale them with x / 127.5 - 1."
                )
        return images
    images = tf.convert_to_tensor(images)
    if images.dtype == tf.uint8:
        return tf.cast(images, tf.float32) / 127.5 - 1.0
    return tf.cast(images, tf.float32)


class FeatureExtractor:
    """Base class: subclasses set the attributes and implement ``call(images)``.

    Attributes:
        name: tag used in metric protocol names (``fid10k_<name>_test``).
        feature_dim: size of the feature vectors.
        num_classes: number of logits.
        image_shape: accepted ``(H, W, C)``; ``None`` entries accept any size.
    """

    name = "extractor"
    feature_dim = None
    num_classes = None
    image_shape = (None, None, None)
    default_batch_size = 500

    def call(self, images):
        """Maps float32 ``[B, H, W, C]`` in [-1, 1] to ``{"features", "logits"}`` tensors."""
        raise NotImplementedError

    def check_image_shape(self, shape):
        """Raises ValueError when ``shape`` (``[..., H, W, C]``) does not fit this extractor."""
        shape = tuple(shape)
        if len(shape) != 4:
            raise ValueError(
                f"Extractor {self.name!r} takes a batch of images [N, H, W, C]; received shape {shape}."
            )
        for got, want in zip(shape[1:], self.image_shape):
            if want is not None and got is not None and got != want:
                raise ValueError(
                    f"Extractor {self.name!r} expects images of shape (H, W, C) = "
                    f"{tuple(self.image_shape)}; received images of shape {shape[1:]}. Resize the "
                    "images or pick another extractor."
                )

    @tf.function
    def _traced(self, images):
        out = self.call(images)
        return {"features": tf.cast(out["features"], tf.float32), "logits": tf.cast(out["logits"], tf.float32)}

    def __call__(self, images):
        images = _to_float_images(images)
        self.check_image_shape(images.shape)
        return self._traced(tf.convert_to_tensor(images, tf.float32))

    def extract(self, images, batch_size=None, verbose=1, total=None, outputs=("features", "logits")):
        """Runs the extractor over many images in batches.

        Args:
            images: a NumPy array ``[N, H, W, C]`` (float in [-1, 1], or uint8 0..255),
                a ``tf.data.Dataset`` yielding such batches, or any iterator of batches
                (arrays or tensors, e.g. a generator's outputs).
            batch_size: images per call (array input only); default ``default_batch_size``.
            verbose: show a ``keras.utils.Progbar``.
            total: number of images an iterator will yield (for the progress bar only).
            outputs: which outputs to keep.

        Returns:
            dict of float32 NumPy arrays, ``{"features": [N, D], "logits": [N, C]}``.
        """
        batch_size = int(batch_size or self.default_batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive int; received {batch_size}.")
        if isinstance(images, (list, tuple)):
            images = np.asarray(images)
        if isinstance(images, np.ndarray) or tf.is_tensor(images):
            self.check_image_shape(images.shape)
            total = int(images.shape[0])
            batches = (images[i : i + batch_size] for i in range(0, total, batch_size))
        elif isinstance(images, tf.data.Dataset) or hasattr(images, "__iter__"):
            batches = images
        else:
            raise ValueError(
                "images must be an array [N, H, W, C], a tf.data.Dataset or an iterator of batches; "
                f"received {type(images).__name__}."
            )
        progbar = keras.utils.Progbar(total, unit_name="image") if verbose else None
        collected = {k: [] for k in outputs}
        done = 0
        for batch in batches:
            out = self(batch)
            for k in outputs:
                collected[k].append(out[k].numpy())
            done += int(batch.shape[0])
            if progbar is not None:
                progbar.update(done)
        if not collected[outputs[0]]:
            raise ValueError(f"Extractor {self.name!r} received no images.")
        return {k: np.concatenate(v, axis=0) for k, v in collected.items()}

    def __repr__(self):
        return (
            f"{type(self).__name__}(name={self.name!r}, feature_dim={self.feature_dim}, "
            f"num_classes={self.num_classes}, image_shape={tuple(self.image_shape)})"
        )


def _split_outputs(out, what):
    if isinstance(out, dict):
        if "features" not in out or "logits" not in out:
            raise ValueError(f"{what} must return 'features' and 'logits'; it returns keys {sorted(out)}.")
        return out["features"], out["logits"]
    if isinstance(out, (list, tuple)) and len(out) == 2:
        return out[0], out[1]
    raise ValueError(
        f"{what} must return a dict {{'features', 'logits'}} or a (features, logits) pair."
    )


class ModelExtractor(FeatureExtractor):
    """Wraps a Keras model that maps images in [-1, 1] to features and logits.

    Args:
        model: a ``keras.Model`` returning ``{"features", "logits"}`` or
            ``(features, logits)``; its input shape gives ``image_shape``.
        name: protocol tag.
        batch_size: default batch size of ``extract``.
    """

    def __init__(self, model, name, batch_size=500):
        if not isinstance(model, keras.Model):
            raise ValueError(f"model must be a keras.Model; received {type(model).__name__}.")
        self.model = model
        self.name = str(name)
        self.default_batch_size = int(batch_size)
        self.image_shape = tuple(model.input_shape[1:])
        features, logits = _split_outputs(model.output, f"Model {model.name!r}")
        self.feature_dim = int(features.shape[-1])
        self.num_classes = int(logits.shape[-1])

    def call(self, images):
        return dict(zip(("features", "logits"), _split_outputs(self.model(images, training=False), "model")))


class InceptionWeightsUnavailableError(RuntimeError):
    """InceptionV3's ImageNet weights are neither cached nor downloadable here."""


class InceptionV3Extractor(FeatureExtractor):
    """InceptionV3 pool-3 features and ImageNet logits: the standard FID / IS protocol.

    Preprocessing: images in [-1, 1] (InceptionV3's own input scaling, so no rescale),
    gray images repeated to 3 channels, bilinear resize (no antialiasing, as TF-GAN) to
    ``input_size`` x ``input_size`` (299). Features are the 2048-d global average pool
    ("avg_pool", the "pool_3" of the original TF graph), logits the pre-softmax outputs of
    the 1000-way "predictions" layer (kernel applied to the pool features).

    Note that ``keras.applications``' InceptionV3 is not bit-identical to the original
    2015 TF graph used by TF-GAN / pytorch-fid (1008 classes), so absolute FIDs are
    comparable with other Keras-based numbers, not exactly with published ones.

    Args:
        weights: ``"imagenet"`` (downloaded to / read from ``~/.keras/models/``), a path
            to the ``.h5`` weights file, or ``None`` for random weights. **FID / IS values
            from random weights are meaningless**; ``None`` exists for tests of the
            preprocessing path.
        model: instead of building InceptionV3, a stand-in ``keras.Model`` with the same
            interface: input ``[B, input_size, input_size, 3]``, a layer named
            ``"avg_pool"`` whose output are the features and a final ``Dense`` layer
            named ``"predictions"`` (softmax) whose pre-activation are the logits.
        input_size: resize target (299 for InceptionV3).
        name: protocol tag.
        batch_size: default batch size of ``extract`` (299x299 images are big).
        cache_dir: where ``keras.utils.get_file`` caches the weights (default ``~/.keras``).

    Raises:
        InceptionWeightsUnavailableError: ``weights="imagenet"`` and the weights are not
            cached and cannot be downloaded (e.g. on an offline machine).
    """

    def __init__(self, weights="imagenet", model=None, input_size=299, name="inception",
                 batch_size=50, cache_dir=None):
        self.name = str(name)
        self.default_batch_size = int(batch_size)
        self.input_size = int(input_size)
        self.image_shape = (None, None, None)
        if model is None:
            if weights == "imagenet":
                weights = self._fetch_weights(cache_dir)
            elif weights is not None and not os.path.isfile(os.fspath(weights)):
                raise InceptionWeightsUnavailableError(
                    f"InceptionV3 weights file {weights!r} does not exist."
                )
            model = keras.applications.InceptionV3(
                weights=weights, include_top=True, input_shape=(self.input_size, self.input_size, 3)
            )
        self.weights = weights
        try:
            pool = model.get_layer("avg_pool")
            predictions = model.get_layer("predictions")
        except ValueError as e:
            raise ValueError(
                "The InceptionV3 model (or stand-in) needs layers named 'avg_pool' (features) and "
                f"'predictions' (a Dense layer giving the logits): {e}"
            ) from e
        if not isinstance(predictions, keras.layers.Dense):
            raise ValueError("The 'predictions' layer must be a Dense layer.")
        self.model = model
        self._backbone = keras.Model(model.inputs, pool.output, name=f"{model.name}_pool")
        self._predictions = predictions
        self.feature_dim = int(pool.output.shape[-1])
        self.num_classes = int(predictions.units)

    @staticmethod
    def _fetch_weights(cache_dir):
        try:
            return keras.utils.get_file(
                "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
                INCEPTION_V3_WEIGHTS_URL,
                cache_subdir="models",
                file_hash=INCEPTION_V3_WEIGHTS_HASH,
                cache_dir=cache_dir,
            )
        except Exception as e:  # noqa: BLE001 -- get_file raises a bare Exception offline.
            raise InceptionWeightsUnavailableError(
                "InceptionV3's ImageNet weights could not be loaded: they are not cached in "
                f"{os.path.join(cache_dir or '~/.keras', 'models')} and this machine cannot "
                f"download them ({str(e).splitlines()[0][:300]}).\n"
                "Options:\n"
                "  * offline, use the shipped Fashion-MNIST classifier as the feature network: "
                "keras_gans.metrics.default_extractor('fashion_mnist') or "
                "SavedModelClassifierExtractor('saved_models/fmnist_classifier') "
                "(zoo/evaluate.py --extractor=default); train one with "
                "`python -m zoo.classifier.train`;\n"
                f"  * copy {INCEPTION_V3_WEIGHTS_URL.rsplit('/', 1)[-1]} (from "
                f"{INCEPTION_V3_WEIGHTS_URL}) into ~/.keras/models/ or pass "
                "InceptionV3Extractor(weights='/path/to/it.h5')."
            ) from e

    def preprocess(self, images):
        """[B, H, W, 1 or 3] in [-1, 1] -> [B, input_size, input_size, 3] (still in [-1, 1])."""
        images = tf.convert_to_tensor(images, tf.float32)
        channels = images.shape[-1]
        if channels == 1:
            images = tf.repeat(images, 3, axis=-1)
        elif channels != 3:
            raise ValueError(
                f"Extractor {self.name!r} takes 1- or 3-channel images; received shape {images.shape}."
            )
        return tf.image.resize(images, (self.input_size, self.input_size), method="bilinear",
                               antialias=False)

    def check_image_shape(self, shape):
        super().check_image_shape(shape)
        if shape[-1] not in (1, 3, None):
            raise ValueError(
                f"Extractor {self.name!r} takes 1- or 3-channel images; received shape {tuple(shape)}."
            )

    def call(self, images):
        features = self._backbone(self.preprocess(images), training=False)
        logits = tf.matmul(features, self._predictions.kernel)
        if self._predictions.use_bias:
            logits = logits + self._predictions.bias
        return {"features": features, "logits": logits}


def _latest_version_dir(base):
    if os.path.isfile(os.path.join(base, "saved_model.pb")):
        return base
    versions = []
    if os.path.isdir(base):
        versions = [int(d) for d in os.listdir(base)
                    if re.fullmatch(r"\d+", d) and os.path.isfile(os.path.join(base, d, "saved_model.pb"))]
    if not versions:
        return None
    return os.path.join(base, str(max(versions)))


class SavedModelClassifierExtractor(FeatureExtractor):
    """A classifier SavedModel (``serving_default: images -> {features, logits}``).

    Loaded with plain ``tf.saved_model.load``, so no project code is needed to use it.
    The Fashion-MNIST classifier from ``zoo/classifier/train.py`` is one: 28x28x1 images in
    [-1, 1], 128-d post-ReLU penultimate features, 10 logits.

    Args:
        path: a SavedModel directory, or a base directory of integer versions (the latest
            is taken).
        name: protocol tag; default: from ``metadata.json`` next to ``saved_model.pb``
            (``fmnist`` for Fashion-MNIST), else the directory name.
        batch_size: default batch size of ``extract``.

    Attributes:
        path: the SavedModel directory actually loaded.
        metadata: the parsed ``metadata.json`` (``{}`` without one).
    """

    def __init__(self, path, name=None, batch_size=1000):
        path = os.path.expanduser(os.fspath(path))
        resolved = _latest_version_dir(path)
        if resolved is None:
            raise FileNotFoundError(
                f"No classifier SavedModel at {path!r} (no saved_model.pb there or in an integer "
                "version subdirectory). Train and export one with `python -m zoo.classifier.train`, "
                f"or point {CLASSIFIER_DIR_ENV} at one."
            )
        self.path = resolved
        self.default_batch_size = int(batch_size)
        self._loaded = tf.saved_model.load(resolved)
        if "serving_default" not in self._loaded.signatures:
            raise ValueError(f"SavedModel {resolved!r} has no 'serving_default' signature.")
        self._fn = self._loaded.signatures["serving_default"]
        inputs = self._fn.structured_input_signature[1]
        outputs = self._fn.structured_outputs
        if list(inputs) != ["images"] or not {"features", "logits"} <= set(outputs):
            raise ValueError(
                f"SavedModel {resolved!r}: serving_default must take 'images' and return 'features' "
                f"and 'logits'; it takes {sorted(inputs)} and returns {sorted(outputs)}."
            )
        self.image_shape = tuple(inputs["images"].shape[1:])
        self.feature_dim = int(outputs["features"].shape[-1])
        self.num_classes = int(outputs["logits"].shape[-1])
        self.metadata = {}
        meta_path = os.path.join(resolved, "metadata.json")
        if os.path.isfile(meta_path):
            with open(meta_path) as f:
                self.metadata = json.load(f)
        if name is None:
            dataset = self.metadata.get("dataset")
            name = _SHORT_DATASET_NAMES.get(dataset, dataset) if dataset else os.path.basename(
                os.path.dirname(resolved.rstrip(os.sep))
            )
        self.name = str(name)

    def call(self, images):
        return self._fn(images=images)


def default_classifier_dir():
    """Where the shipped Fashion-MNIST classifier lives: ``$KERAS_GANS_CLASSIFIER_DIR`` if set,
    else ``saved_models/fmnist_classifier`` at the repository root (next to the package)."""
    env = os.environ.get(CLASSIFIER_DIR_ENV)
    if env:
        return os.path.expanduser(env)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(repo, "saved_models", "fmnist_classifier")


def default_extractor(dataset_name, **kwargs):
    """The feature network to score a model of ``dataset_name`` with.

    Fashion-MNIST: the shipped classifier (:func:`default_classifier_dir`, latest version).
    Anything else: :class:`InceptionV3Extractor` (needs ImageNet weights; raises
    :class:`InceptionWeightsUnavailableError` offline). ``kwargs`` go to the constructor.
    """
    key = str(dataset_name).lower().replace("-", "_")
    if key == "fashion_mnist":
        base = default_classifier_dir()
        if _latest_version_dir(base) is None:
            raise FileNotFoundError(
                f"The Fashion-MNIST classifier was not found in {base!r}. Set {CLASSIFIER_DIR_ENV} "
                "to its directory, or train and export it with `python -m zoo.classifier.train` "
                "(writes saved_models/fmnist_classifier/<version>/)."
            )
        return SavedModelClassifierExtractor(base, **kwargs)
    return InceptionV3Extractor(**kwargs)
