"""Flag-free training and export of the Fashion-MNIST feature classifier.

``train(ClassifierConfig(...))`` trains :func:`keras_gans.networks.classifier.image_classifier`
on a dataset's train split, exports it as a versioned SavedModel whose ``serving_default``
signature takes ``images`` (float32 ``[N, H, W, C]`` in [-1, 1]) and returns
``{"features": [N, D], "logits": [N, num_classes]}``, measures the test accuracy of the
*exported* model (reloaded with plain ``tf.saved_model.load``) and writes ``metadata.json``
next to ``saved_model.pb``. :class:`keras_gans.metrics.extractors.SavedModelClassifierExtractor`
loads the result.
"""

import dataclasses
import json
import os
import time
from typing import Optional

import keras
import numpy as np
import tensorflow as tf

from keras_gans import data
from keras_gans.export import next_version
from keras_gans.networks.classifier import augmentation, image_classifier

FASHION_MNIST_CLASSES = (
    "t-shirt/top", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle boot",
)


@dataclasses.dataclass
class ClassifierConfig:
    export_base: str = "saved_models/fmnist_classifier"
    dataset: str = "fashion_mnist"
    data_dir: Optional[str] = None
    epochs: int = 7
    batch_size: int = 128
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    translate: int = 0
    flip: bool = True
    filters: tuple = (32, 64, 128)
    convs_per_stage: int = 2
    feature_dim: int = 128
    dropout: float = 0.1
    head_dropout: float = 0.3
    max_train_examples: Optional[int] = None  # None: the whole train split
    version: Optional[int] = None  # None: next free version
    seed: int = 0
    verbose: int = 2
    command: str = ""

    def validate(self):
        for name in ("epochs", "batch_size", "feature_dim", "convs_per_stage"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"--{name} must be a positive integer; received {value!r}.")
        if self.max_train_examples is not None and self.max_train_examples < self.batch_size:
            raise ValueError(
                f"--max_train_examples must be at least --batch_size ({self.batch_size}); "
                f"received {self.max_train_examples}."
            )
        if not self.learning_rate > 0:
            raise ValueError(f"--learning_rate must be positive; received {self.learning_rate!r}.")
        if self.translate < 0:
            raise ValueError(f"--translate must be >= 0; received {self.translate!r}.")
        if self.version is not None and self.version < 1:
            raise ValueError(f"--version must be a positive integer; received {self.version!r}.")
        return self


def to_float(images_uint8):
    """uint8 ``[N, H, W, C]`` -> float32 in [-1, 1] (the project's image convention)."""
    return images_uint8.astype(np.float32) / 127.5 - 1.0


def export_classifier(net, path, image_shape):
    """Writes ``net`` (images -> {"features", "logits"}) to ``path`` as a SavedModel."""
    archive = keras.export.ExportArchive()
    archive.track(net)

    def serve(images):
        out = net(images, training=False)
        return {"features": tf.cast(out["features"], tf.float32),
                "logits": tf.cast(out["logits"], tf.float32)}

    archive.add_endpoint(
        name="serving_default",
        fn=serve,
        input_signature=[tf.TensorSpec([None, *image_shape], tf.float32, name="images")],
    )
    archive.write_out(path, verbose=False)
    return path


def saved_model_accuracy(path, images, labels, batch_size=1000):
    """Top-1 accuracy of an exported classifier, loaded with ``tf.saved_model.load`` only."""
    serve = tf.saved_model.load(path).signatures["serving_default"]
    correct = 0
    for i in range(0, len(images), batch_size):
        logits = serve(images=tf.constant(images[i : i + batch_size]))["logits"]
        correct += int(np.sum(np.argmax(logits.numpy(), axis=1) == labels[i : i + batch_size]))
    return correct / len(images)


def train(config):
    """Trains, exports and evaluates; returns the metadata dict (also in metadata.json)."""
    config.validate()
    keras.utils.set_random_seed(config.seed)
    x_train, y_train = data.load_numpy(config.dataset, "train", data_dir=config.data_dir)
    x_test, y_test = data.load_numpy(config.dataset, "test", data_dir=config.data_dir)
    if config.max_train_examples:
        x_train, y_train = x_train[: config.max_train_examples], y_train[: config.max_train_examples]
    x_train, x_test = to_float(x_train), to_float(x_test)
    image_shape = tuple(int(d) for d in x_train.shape[1:])
    num_classes = int(max(y_train.max(), y_test.max())) + 1

    net = image_classifier(
        image_shape=image_shape, num_classes=num_classes, filters=tuple(config.filters),
        convs_per_stage=config.convs_per_stage, feature_dim=config.feature_dim,
        dropout=config.dropout, head_dropout=config.head_dropout, weight_decay=config.weight_decay, name=f"{config.dataset}_classifier",
    )
    aug = augmentation(config.translate, config.flip, image_shape, seed=config.seed)
    inputs = keras.Input(image_shape)
    trainer = keras.Model(inputs, net(aug(inputs))["logits"], name="trainer")
    steps = config.epochs * (len(x_train) // config.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps, alpha=0.01)
    trainer.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    ds = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train))
        .shuffle(len(x_train), seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    start = time.time()
    history = trainer.fit(ds, epochs=config.epochs, validation_data=(x_test, y_test),
                          validation_batch_size=1000, verbose=config.verbose)
    seconds = time.time() - start

    version = config.version or next_version(config.export_base)
    path = os.path.join(config.export_base, str(version))
    if os.path.exists(path):
        raise FileExistsError(f"{path} already exists; pick another --version or remove it.")
    export_classifier(net, path, image_shape)
    accuracy = saved_model_accuracy(path, x_test, y_test)
    metadata = {
        "dataset": config.dataset,
        "train_split": "train",
        "train_examples": int(len(x_train)),
        "test_split": "test",
        "test_examples": int(len(x_test)),
        "test_accuracy": round(accuracy, 4),
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
        "augmentation": {"translate_pixels": config.translate, "horizontal_flip": config.flip},
        "parameters": int(net.count_params()),
        "feature_dim": config.feature_dim,
        "num_classes": num_classes,
        "class_names": list(FASHION_MNIST_CLASSES) if config.dataset == "fashion_mnist" else None,
        "image_shape": list(image_shape),
        "input_range": [-1.0, 1.0],
        "signature": "serving_default: images float32 [N, H, W, C] in [-1, 1] -> "
                     "{features: [N, feature_dim] (post-ReLU penultimate layer), logits: [N, num_classes]}",
        "architecture": {"filters": list(config.filters), "convs_per_stage": config.convs_per_stage,
                         "dropout": config.dropout, "head_dropout": config.head_dropout},
        "train_seconds": round(seconds, 1),
        "history": {k: [round(float(v), 4) for v in vs] for k, vs in history.history.items()},
        "seed": config.seed,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "command": config.command,
    }
    with open(os.path.join(path, "metadata.json"), "w") as f:
        json.dump(metadata, f, indent=1)
    metadata["path"] = path
    return metadata
