"""Tests for keras_gans.losses.perceptual: VGG19 features (random weights) and the loss.

Nothing here downloads ImageNet weights: the VGG19 is built with ``weights=None`` on
32x32 inputs, the loss is checked on an injected tiny feature network, and the offline
error path is simulated.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import losses
from keras_gans.losses import perceptual

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(-1, 1, size=(2, 32, 32, 3)).astype(np.float32)
OTHER = RNG.uniform(-1, 1, size=(2, 32, 32, 3)).astype(np.float32)


def _bmean(x):
    x = np.asarray(x, np.float64)
    return x.reshape(x.shape[0], -1).mean(axis=1)


# ----------------------------------------------------------------------------- perceptual_loss
def _tiny_feature_net():
    """Two conv maps of a 8x8 RGB image: any keras.Model returning a list of tensors."""
    x_in = keras.Input((8, 8, 3))
    h1 = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="c1")(x_in)
    h2 = keras.layers.Conv2D(2, 3, strides=2, padding="same", name="c2")(h1)
    net = keras.Model(x_in, [h1, h2])
    rng = np.random.default_rng(1)
    net.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in net.get_weights()])
    return net


def test_perceptual_loss_on_an_injected_network_against_numpy():
    net = _tiny_feature_net()
    real_img = RNG.uniform(-1, 1, (3, 8, 8, 3)).astype(np.float32)
    fake_img = RNG.uniform(-1, 1, (3, 8, 8, 3)).astype(np.float32)
    real, fake = net(real_img), net(fake_img)
    r = [np.asarray(t, np.float64) for t in real]
    f = [np.asarray(t, np.float64) for t in fake]
    weights = (0.25, 2.0)
    out = losses.perceptual_loss(real, fake, weights)
    assert out.shape == (3,) and out.dtype == tf.float32
    np.testing.assert_allclose(out, 0.25 * _bmean(np.abs(r[0] - f[0])) + 2.0 * _bmean(np.abs(r[1] - f[1])),
                               rtol=1e-5)
    np.testing.assert_allclose(losses.perceptual_loss(real, fake, np.array(weights)), out, rtol=1e-6)
    # MSE with SRGAN's rescaling: features / 12.75, i.e. MSE / 12.75^2.
    out = losses.perceptual_loss(real, fake, weights, criterion="l2", feature_scale=1 / 12.75)
    expected = sum(w * _bmean((ri / 12.75 - fi / 12.75) ** 2) for w, ri, fi in zip(weights, r, f))
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    np.testing.assert_allclose(
        out, losses.perceptual_loss(real, fake, weights, criterion="mse") / 12.75**2, rtol=1e-5)
    # L1 with a feature scale: the scale times the L1.
    np.testing.assert_allclose(
        losses.perceptual_loss(real, fake, weights, feature_scale=0.5),
        0.5 * losses.perceptual_loss(real, fake, weights), rtol=1e-6)
    # Default weights are 1; a single tensor is one layer; a callable criterion works.
    np.testing.assert_allclose(
        losses.perceptual_loss(real, fake), losses.l1(real[0], fake[0]) + losses.l1(real[1], fake[1]), rtol=1e-6)
    np.testing.assert_allclose(losses.perceptual_loss(real[1], fake[1], 3.0), 3.0 * losses.l1(real[1], fake[1]),
                               rtol=1e-6)
    np.testing.assert_allclose(
        losses.perceptual_loss(real, fake, criterion=losses.l2),
        losses.perceptual_loss(real, fake, criterion="l2"), rtol=1e-6)


def test_perceptual_loss_by_hand():
    real = [np.array([[0.0, 2.0]], np.float32), np.array([[[1.0]]], np.float32)]
    fake = [np.array([[1.0, 0.0]], np.float32), np.array([[[4.0]]], np.float32)]
    # L1: 1/2 * (1 + 2) / 2 + 1 * 3 = 0.75 + 3; L2: 1/2 * (1 + 4) / 2 + 9 = 1.25 + 9.
    np.testing.assert_allclose(losses.perceptual_loss(real, fake, [0.5, 1.0]), [3.75])
    np.testing.assert_allclose(losses.perceptual_loss(real, fake, [0.5, 1.0], criterion="l2"), [10.25])


def test_perceptual_loss_trains_only_through_the_fake_features():
    net = _tiny_feature_net()
    real_img = tf.Variable(RNG.uniform(-1, 1, (2, 8, 8, 3)).astype(np.float32))
    fake_img = tf.Variable(RNG.uniform(-1, 1, (2, 8, 8, 3)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        loss = tf.reduce_mean(losses.perceptual_loss(net(real_img), net(fake_img), (1.0, 1.0)))
    assert tape.gradient(loss, real_img) is None
    grad = tape.gradient(loss, fake_img)
    assert grad is not None and np.all(np.isfinite(grad)) and np.any(grad.numpy() != 0)


def test_perceptual_loss_bad_inputs():
    a = [np.zeros((2, 4, 4, 3), np.float32), np.zeros((2, 2, 2, 8), np.float32)]
    with pytest.raises(ValueError, match=r"same number of layers; received 2 and 1"):
        losses.perceptual_loss(a, a[:1])
    with pytest.raises(ValueError, match=r"\(layer 1\).*same shape; received \(2, 2, 2, 8\) and \(2, 2, 2, 4\)"):
        losses.perceptual_loss(a, [a[0], a[1][..., :4]])
    with pytest.raises(ValueError, match=r"one number per layer \(2\)"):
        losses.perceptual_loss(a, a, [1.0])
    with pytest.raises(ValueError, match="one number per layer"):
        losses.perceptual_loss(a, a, ["x", 1.0])
    with pytest.raises(ValueError, match='"l1", "l2"'):
        losses.perceptual_loss(a, a, criterion="lpips")
    with pytest.raises(ValueError, match="feature_scale"):
        losses.perceptual_loss(a, a, feature_scale=0.0)
    with pytest.raises(ValueError, match="empty"):
        losses.perceptual_loss([], [])
    with pytest.raises(ValueError, match="scalar"):
        losses.perceptual_loss([np.float32(1.0)], [np.float32(1.0)])


# ----------------------------------------------------------------------------- preprocessing
def test_preprocessing_equals_keras_vgg19_preprocess_input():
    expected = keras.applications.vgg19.preprocess_input((IMAGES.copy() + 1.0) * 127.5)
    got = perceptual.VGGPreprocessing()(IMAGES)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-4)
    # By hand: white (1, 1, 1) -> 255 - BGR mean; black -> -BGR mean; red is channel 2 in BGR.
    white_black_red = np.array([[[[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0], [1.0, -1.0, -1.0]]]], np.float32)
    got = keras.ops.convert_to_numpy(perceptual.VGGPreprocessing()(white_black_red))[0, 0]
    np.testing.assert_allclose(got[0], [255 - 103.939, 255 - 116.779, 255 - 123.68], rtol=1e-6)
    np.testing.assert_allclose(got[1], [-103.939, -116.779, -123.68], rtol=1e-6)
    np.testing.assert_allclose(got[2], [-103.939, -116.779, 255 - 123.68], rtol=1e-6)
    # [0, 1] inputs (SR pipelines).
    unit = (IMAGES + 1.0) / 2.0
    np.testing.assert_allclose(
        perceptual.VGGPreprocessing(input_range=(0, 1))(unit), keras.applications.vgg19.preprocess_input(unit * 255.0),
        rtol=1e-5, atol=1e-3)
    layer = perceptual.VGGPreprocessing(input_range=(0, 1), name="p")
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, perceptual.VGGPreprocessing) and restored.input_range == (0.0, 1.0)
    for bad in ((1, 0), (0,), "x", (0, "1")):
        with pytest.raises(ValueError, match="input_range"):
            perceptual.VGGPreprocessing(input_range=bad)


# ----------------------------------------------------------------------------- vgg19_features
LAYERS = ("conv1_1", "relu1_1", "block2_conv2", "conv5_4", "relu5_4", "pool3")


@pytest.fixture(scope="module", name="vgg")
def _vgg():
    """A random-weights VGG19 and our feature model copied from it."""
    base = keras.applications.VGG19(include_top=False, weights=None, input_shape=(32, 32, 3))
    keys = [perceptual._resolve_layer(name, False) for name in LAYERS]
    model = perceptual._features_from_vgg(base, keys, (32, 32, 3), (-1.0, 1.0), "vgg19_features")
    return base, model


def test_features_equal_keras_vgg19_on_preprocessed_images(vgg):
    base, model = vgg
    outs = model(IMAGES)
    assert isinstance(outs, list) and len(outs) == len(LAYERS)
    keras_names = ["block1_conv1", "block1_conv1", "block2_conv2", "block5_conv4", "block5_conv4", "block3_pool"]
    reference = keras.Model(base.input, [base.get_layer(n).output for n in keras_names])
    expected = reference(keras.applications.vgg19.preprocess_input((IMAGES.copy() + 1.0) * 127.5))
    after = [1, 2, 4, 5]  # after-activation outputs are Keras' own layer outputs
    for i in after:
        np.testing.assert_allclose(outs[i], expected[i], rtol=1e-5, atol=1e-5 * float(np.abs(expected[i]).max()))
    # The pre-activation conv1_1 is the conv of the preprocessed image with the copied kernel.
    kernel, bias = base.get_layer("block1_conv1").get_weights()
    pre = tf.nn.conv2d(keras.applications.vgg19.preprocess_input((IMAGES.copy() + 1.0) * 127.5), kernel, 1,
                       "SAME") + bias
    np.testing.assert_allclose(outs[0], pre, rtol=1e-4, atol=1e-2)


def test_before_activation_can_be_negative_after_is_not(vgg):
    _, model = vgg
    conv1_1, relu1_1, block2_conv2, conv5_4, relu5_4, pool3 = [keras.ops.convert_to_numpy(o) for o in model(IMAGES)]
    assert conv1_1.min() < 0 and conv5_4.min() < 0
    assert relu1_1.min() >= 0 and relu5_4.min() >= 0 and block2_conv2.min() >= 0 and pool3.min() >= 0
    np.testing.assert_array_equal(relu1_1, np.maximum(conv1_1, 0))
    np.testing.assert_array_equal(relu5_4, np.maximum(conv5_4, 0))
    assert conv5_4.shape == (2, 2, 2, 512) and pool3.shape == (2, 4, 4, 256)


def test_weights_are_copied_and_frozen(vgg):
    base, model = vgg
    assert model.trainable is False and model.trainable_weights == []
    for name in ("block1_conv1", "block3_conv4", "block5_conv4"):
        for ours, theirs in zip(model.get_layer(name).get_weights(), base.get_layer(name).get_weights()):
            np.testing.assert_array_equal(ours, theirs)
    assert model.get_layer("block5_conv4").get_config()["activation"] == "linear"
    # The model stops at the deepest requested layer (block5_conv4 here, no block5_pool).
    assert "block5_pool" not in [layer.name for layer in model.layers]


def test_vgg19_features_end_to_end_with_random_weights():
    model = perceptual.vgg19_features(("relu1_1", "block2_conv1"), before_activation=True, weights=None,
                                      input_shape=(None, None, 3))
    one = perceptual.vgg19_features("relu1_1", weights=None, input_shape=(32, 32, 3))
    assert isinstance(one(IMAGES), list) and len(one(IMAGES)) == 1  # a list even for one layer
    relu1_1, block2_conv1 = model(IMAGES)
    assert relu1_1.shape == (2, 32, 32, 64) and float(tf.reduce_min(relu1_1)) >= 0
    assert float(tf.reduce_min(block2_conv1)) < 0  # before_activation applies to Keras names
    assert model.trainable_weights == []
    # Gradients reach the generated images through the frozen network.
    fake = tf.Variable(OTHER)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(losses.perceptual_loss(model(IMAGES), model(fake), (1.0, 0.5)))
    grad = tape.gradient(loss, fake)
    assert grad is not None and np.all(np.isfinite(grad)) and np.any(grad.numpy() != 0)


def test_layer_names_and_aliases():
    resolve = perceptual._resolve_layer
    assert resolve("relu1_1", True) == ("block1_conv1", False)  # aliases carry their activation
    assert resolve("conv5_4", False) == ("block5_conv4", True)
    assert resolve("CONV3_4", False) == ("block3_conv4", True)
    assert resolve("pool2", True) == ("block2_pool", False)
    assert resolve("block5_conv4", False) == ("block5_conv4", False)
    assert resolve("block5_conv4", True) == ("block5_conv4", True)
    assert resolve("block4_pool", True) == ("block4_pool", False)
    for bad in ("relu1_3", "conv6_1", "relu5_5", "block2_conv3", "fc1", "pool6"):
        with pytest.raises(ValueError, match=rf"Unknown VGG19 layer '{bad}'.*block1_conv1.*relu1_1"):
            resolve(bad, False)
    for setting in perceptual.PERCEPTUAL_SETTINGS.values():
        assert len(setting["layers"]) == len(setting["weights"])
        for name in setting["layers"]:
            resolve(name, False)
    assert [resolve(n, False) for n in perceptual.PERCEPTUAL_SETTINGS["esrgan"]["layers"]] == [("block5_conv4", True)]
    assert [resolve(n, False) for n in perceptual.PERCEPTUAL_SETTINGS["srgan"]["layers"]] == [("block5_conv4", False)]


def test_vgg19_features_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="Unknown VGG19 layer 'relu9_9'"):
        perceptual.vgg19_features(("relu1_1", "relu9_9"), weights=None)
    with pytest.raises(ValueError, match="non-empty sequence"):
        perceptual.vgg19_features((), weights=None)
    with pytest.raises(ValueError, match=r"\(height, width, 3\).*input_shape=\(32, 32, 1\)"):
        perceptual.vgg19_features(weights=None, input_shape=(32, 32, 1))
    with pytest.raises(FileNotFoundError, match="no file at"):
        perceptual.vgg19_features(weights=str(tmp_path / "missing.h5"))


def test_offline_imagenet_weights_give_a_clear_error(monkeypatch):
    def offline(**kwargs):
        assert kwargs["weights"] == "imagenet" and kwargs["include_top"] is False
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- [Errno -2] "
                        "Name or service not known")

    monkeypatch.setattr(keras.applications, "VGG19", offline)
    with pytest.raises(RuntimeError, match=r"Could not download VGG19's ImageNet weights.*"
                                           r"weights='/path/to/vgg19_weights_tf_dim_ordering_tf_kernels_notop\.h5'"
                       ) as info:
        perceptual.vgg19_features()
    assert "URL fetch failure" in str(info.value) and isinstance(info.value.__cause__, Exception)


def test_local_weights_file_is_passed_to_keras(monkeypatch, tmp_path):
    path = tmp_path / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    path.write_bytes(b"")
    seen = {}
    real_vgg19 = keras.applications.VGG19

    def record(**kwargs):
        seen.update(kwargs)
        return real_vgg19(**{**kwargs, "weights": None})

    monkeypatch.setattr(keras.applications, "VGG19", record)
    model = perceptual.vgg19_features("relu1_1", weights=path, input_shape=(32, 32, 3))
    assert seen["weights"] == str(path) and isinstance(model(IMAGES), list)


def test_imagenet_scale_multiplies_loaded_maps_and_leaves_random_ones(tmp_path):
    """With loaded weights every map is imagenet_scale times the unscaled one (so the loss on
    L1 is too); the seeded random network ignores it; a bad value is refused."""
    base = keras.applications.VGG19(include_top=False, weights=None, input_shape=(32, 32, 3))
    path = str(tmp_path / "vgg19.weights.h5")
    base.save_weights(path)
    layers = ("relu1_1", "conv2_1", "relu3_1")
    plain = perceptual.vgg19_features(layers, weights=path, input_shape=(32, 32, 3))
    scaled = perceptual.vgg19_features(layers, weights=path, input_shape=(32, 32, 3), imagenet_scale=0.25)
    for a, b in zip(plain(IMAGES), scaled(IMAGES)):
        assert float(np.max(np.abs(a))) > 0
        np.testing.assert_allclose(np.asarray(b), 0.25 * np.asarray(a), rtol=1e-6, atol=1e-6)
    other = IMAGES[::-1]
    np.testing.assert_allclose(
        np.asarray(perceptual.perceptual_loss(scaled(IMAGES), scaled(other))),
        0.25 * np.asarray(perceptual.perceptual_loss(plain(IMAGES), plain(other))), rtol=1e-5)
    random_a = perceptual.vgg19_features(layers, weights=None, seed=3, input_shape=(32, 32, 3))
    random_b = perceptual.vgg19_features(layers, weights=None, seed=3, input_shape=(32, 32, 3), imagenet_scale=0.25)
    for a, b in zip(random_a(IMAGES), random_b(IMAGES)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(ValueError, match="`imagenet_scale` must be a positive number; received 0"):
        perceptual.vgg19_features(layers, weights=None, imagenet_scale=0)


def test_official_torchvision_scale_is_in_the_paper_presets():
    from keras_gans import presets

    assert perceptual.OFFICIAL_TORCHVISION_SCALE == pytest.approx(0.45 / (255 * 0.226), rel=0.01)
    for name in ("pix2pixhd", "pix2pixhd_1024", "gaugan", "gaugan_cityscapes", "gaugan_coco", "pix2pixhd_64"):
        builder, kwargs = presets.get(name)["networks"]["perceptual"]
        assert builder == "vgg19_features" and kwargs["imagenet_scale"] == perceptual.OFFICIAL_TORCHVISION_SCALE, name


def _np_info_nce(real, fake, temperature):
    """Independent NumPy InfoNCE: row i's positive is real i, the other reals are negatives."""
    r = real.reshape(len(real), -1).astype(np.float64)
    f = fake.reshape(len(fake), -1).astype(np.float64)
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    out = []
    for i in range(len(f)):
        s = np.array([f[i] @ r[j] for j in range(len(r))]) / temperature
        out.append(np.log(np.exp(s).sum()) - s[i])
    return np.array(out)


def test_contrastive_criterion_matches_numpy_and_plugs_into_perceptual_loss():
    from keras_gans.losses.perceptual import contrastive_criterion

    rng = np.random.default_rng(0)
    real = [rng.normal(size=(3, 4, 4, 2)).astype("float32"), rng.normal(size=(3, 2, 2, 5)).astype("float32")]
    fake = [r + rng.normal(scale=s, size=r.shape).astype("float32") for r, s in zip(real, (0.3, 2.0))]
    got = np.asarray(losses.perceptual_loss(real, fake, weights=[1.0, 0.5], criterion=contrastive_criterion(0.2)))
    want = _np_info_nce(real[0], fake[0], 0.2) + 0.5 * _np_info_nce(real[1], fake[1], 0.2)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    # A fake equal to its own real (up to scale) beats every mismatch: the loss is below log(B).
    same = np.asarray(contrastive_criterion(0.1)(real[0], 3.0 * real[0]))
    assert np.all(same < np.log(3)) and np.all(same >= 0)
    shuffled = np.asarray(contrastive_criterion(0.1)(real[0], real[0][[1, 2, 0]]))
    assert np.all(shuffled > np.log(3))
    np.testing.assert_allclose(np.asarray(contrastive_criterion()(real[0][:1], fake[0][:1])), [0.0], atol=1e-6)
    with pytest.raises(ValueError, match="temperature must be a positive number; received 0"):
        contrastive_criterion(0)
