"""A small image classifier used as an offline feature extractor for GAN metrics.

InceptionV3's ImageNet weights cannot be downloaded everywhere, and Inception features of
28x28 gray images are a poor fit anyway. Like the "LeNet/classifier FID" used by many
MNIST-scale GAN papers, we train a small CNN on the real data and use its penultimate
activations as the feature space of FID / KID / precision-recall, and its logits for the
Inception Score and class coverage (see ``keras_gans.metrics.extractors``).

Architecture (``image_classifier``): three stages of 3x3 conv-BN-ReLU blocks
(``filters`` per stage, ``convs_per_stage`` convolutions each) with 2x2 max pooling and
dropout between stages, global average pooling, a dense ``feature_dim`` "features" layer
with BN + ReLU, dropout, and a dense layer to ``num_classes`` logits.

Inputs are float32 images in [-1, 1], like every generator's output in this project.
"""

import keras
from keras import layers

__all__ = ["image_classifier", "augmentation"]


def _check_positive_ints(name, values):
    if not isinstance(values, (tuple, list)) or not values or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values
    ):
        raise ValueError(f"{name} must be a non-empty tuple of positive ints; received {values!r}.")
    return tuple(values)


def image_classifier(
    image_shape=(28, 28, 1),
    num_classes=10,
    filters=(32, 64, 128),
    convs_per_stage=2,
    feature_dim=128,
    dropout=0.25,
    head_dropout=0.5,
    weight_decay=0.0,
    name="classifier",
):
    """Builds the CNN as a functional ``keras.Model`` with two outputs.

    Args:
        image_shape: ``(height, width, channels)`` of the inputs (in [-1, 1]).
        num_classes: number of logits.
        filters: channels of each stage; a 2x2 max pool follows every stage but the last.
        convs_per_stage: 3x3 conv-BN-ReLU blocks per stage (an int, or one per stage).
        feature_dim: width of the penultimate "features" layer.
        dropout: dropout rate after each pooled stage.
        head_dropout: dropout rate between the features and the logits.
        weight_decay: L2 factor on conv / dense kernels (0 to disable).
        name: model name.

    Returns:
        A ``keras.Model`` mapping images ``[B, H, W, C]`` to a dict
        ``{"features": [B, feature_dim], "logits": [B, num_classes]}``. The features are the
        post-ReLU penultimate activations (the input of the logits layer).

    Example:
        >>> net = image_classifier()
        >>> out = net(keras.ops.zeros([2, 28, 28, 1]))
        >>> out["features"].shape, out["logits"].shape
        (TensorShape([2, 128]), TensorShape([2, 10]))
    """
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 3
        or not all(isinstance(d, int) and d > 0 for d in image_shape)
    ):
        raise ValueError(f"image_shape must be (height, width, channels) positive ints; received {image_shape!r}.")
    filters = _check_positive_ints("filters", filters)
    if isinstance(convs_per_stage, int):
        convs_per_stage = (convs_per_stage,) * len(filters)
    convs_per_stage = _check_positive_ints("convs_per_stage", convs_per_stage)
    if len(convs_per_stage) != len(filters):
        raise ValueError(
            f"convs_per_stage has {len(convs_per_stage)} entries for {len(filters)} stages."
        )
    for arg, value in (("num_classes", num_classes), ("feature_dim", feature_dim)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{arg} must be a positive int; received {value!r}.")
    for arg, value in (("dropout", dropout), ("head_dropout", head_dropout)):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{arg} must be in [0, 1); received {value!r}.")
    reg = keras.regularizers.L2(weight_decay) if weight_decay else None

    inputs = keras.Input(tuple(image_shape), name="images")
    x = inputs
    for stage, (width, convs) in enumerate(zip(filters, convs_per_stage)):
        for j in range(convs):
            prefix = f"stage{stage + 1}_conv{j + 1}"
            x = layers.Conv2D(width, 3, padding="same", use_bias=False, kernel_regularizer=reg,
                              name=prefix)(x)
            x = layers.BatchNormalization(name=prefix + "_bn")(x)
            x = layers.ReLU(name=prefix + "_relu")(x)
        if stage < len(filters) - 1:
            x = layers.MaxPooling2D(2, name=f"stage{stage + 1}_pool")(x)
            if dropout:
                x = layers.Dropout(dropout, name=f"stage{stage + 1}_dropout")(x)
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    x = layers.Dense(feature_dim, use_bias=False, kernel_regularizer=reg, name="features_dense")(x)
    x = layers.BatchNormalization(name="features_bn")(x)
    features = layers.ReLU(name="features")(x)
    h = layers.Dropout(head_dropout, name="head_dropout")(features) if head_dropout else features
    logits = layers.Dense(num_classes, kernel_regularizer=reg, name="logits")(h)
    return keras.Model(inputs, {"features": features, "logits": logits}, name=name)


def augmentation(translate=2, flip=True, image_shape=(28, 28, 1), seed=None, name="augmentation"):
    """Light training-time augmentation: random shifts by up to ``translate`` pixels
    (zero padding in [-1, 1] units is -1, the background) and horizontal flips.

    Returns a ``keras.Sequential`` that is the identity at inference.
    """
    height, width = image_shape[:2]
    steps = [keras.Input(tuple(image_shape))]
    if flip:
        steps.append(layers.RandomFlip("horizontal", seed=seed))
    if translate:
        steps.append(
            layers.RandomTranslation(
                translate / height, translate / width, fill_mode="constant", fill_value=-1.0,
                interpolation="nearest", seed=seed,
            )
        )
    return keras.Sequential(steps, name=name)
