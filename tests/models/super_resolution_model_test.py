"""SuperResolution (SRGAN / ESRGAN / Real-ESRGAN's training scheme) on tiny networks."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import losses, presets, testing
from keras_gans.losses import perceptual as perceptual_lib
from keras_gans.models.super_resolution import SuperResolution, interpolate_weights


def _softplus(x):
    return np.logaddexp(0.0, x)


def _pairs(n=4, size=32, scale=4, seed=0, sharp=False):
    rng = np.random.default_rng(seed)
    high = rng.uniform(-1, 1, (n, size, size, 3)).astype("float32")
    low = tf.image.resize(high, (size // scale, size // scale), "area").numpy()
    pairs = {"low": low, "high": high}
    if sharp:
        pairs["high_sharp"] = np.clip(1.2 * high, -1, 1).astype("float32")
    return pairs


def test_esrgan_losses_are_basicsr_s_halved_terms_with_detached_means():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(3, 4, 4, 1)), rng.normal(size=(3, 4, 4, 1))
    per = lambda x: x.reshape(3, -1).mean(1)  # noqa: E731
    d = 0.5 * (per(_softplus(-(real - fake.mean()))) + per(_softplus(fake - real.mean())))
    g = 0.5 * (per(_softplus(real - fake.mean())) + per(_softplus(-(fake - real.mean()))))
    pair = losses.get("esrgan")
    np.testing.assert_allclose(pair.discriminator(real, fake), d, rtol=1e-5)
    np.testing.assert_allclose(pair.generator(fake, real), g, rtol=1e-5)
    # Gradients: the other side's mean is a constant in each D term.
    r, f = tf.Variable(real, dtype=tf.float32), tf.Variable(fake, dtype=tf.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(pair.discriminator(r, f))
    grad_real, grad_fake = tape.gradient(loss, [r, f])
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    # d/dr of 0.5 * mean_i softplus(-(r_i - m_f)) summed over examples: -0.5 sigmoid(-(r - m_f)) / 16.
    np.testing.assert_allclose(grad_real, -0.5 * sigmoid(-(real - fake.mean())) / 16, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(grad_fake, 0.5 * sigmoid(fake - real.mean()) / 16, rtol=1e-4, atol=1e-7)


def test_generator_step_is_the_weighted_sum_of_its_terms():
    model = presets.build("esrgan_tiny", seed=0)
    model.compile(optimizers={"generator": keras.optimizers.SGD(0.0)})
    batch = _pairs()
    low, high = (batch["low"] + 1) / 2, (batch["high"] + 1) / 2
    # A copy of D as it is before the step: its spectral norm's power iteration moves on every
    # training call, so the copy replays the step's two calls (real, then fake) in order.
    d = keras.models.clone_model(model.discriminator)
    d.set_weights(model.discriminator.get_weights())
    logs = model.update("generator", model.unpack_batch(batch))
    out = model.generator(low, training=True).numpy()
    pixel = np.abs(high - out).mean()
    feats = lambda x: model.perceptual(x)  # noqa: E731
    perceptual = np.abs(np.asarray(feats(high)[0]) - np.asarray(feats(out)[0])).mean()
    real, fake = d(high, training=True).numpy(), d(out, training=True).numpy()
    adversarial = np.mean(losses.get("esrgan").generator(fake, real))
    np.testing.assert_allclose(float(logs["pixel"]), pixel, rtol=1e-4)
    np.testing.assert_allclose(float(logs["perceptual"]), perceptual, rtol=1e-4)
    np.testing.assert_allclose(float(logs["g_loss"]), adversarial, rtol=1e-4)
    assert model.pixel_weight == 1e-2 and model.perceptual_weight == 1.0 and model.adversarial_weight == 5e-3


def test_sharpened_targets_feed_the_pixel_term_only():
    model = presets.build("realesrgan_x4plus", seed=0, network_overrides={
        "generator": {"num_blocks": 1, "num_features": 8, "growth": 4},
        "discriminator": {"num_features": 4},
        "perceptual": {"layers": ("conv1_2",), "weights": None}}, perceptual_layer_weights=(1.0,))
    model.compile(optimizers={"generator": keras.optimizers.SGD(0.0)})
    assert model.sharpened_targets and model.adversarial_weight == 0.1 and model.loss_name == "modified"
    batch = _pairs(n=2, size=32, sharp=True)
    d = keras.models.clone_model(model.discriminator)
    d.set_weights(model.discriminator.get_weights())
    logs = model.update("generator", model.unpack_batch(batch))
    out = model.generator((batch["low"] + 1) / 2, training=True).numpy()
    np.testing.assert_allclose(float(logs["pixel"]), np.abs((batch["high_sharp"] + 1) / 2 - out).mean(), rtol=1e-4)
    # The GAN term (vanilla: no real logits) sees the generated images only.
    fake = d(out, training=True)
    np.testing.assert_allclose(float(logs["g_loss"]), np.mean(losses.get("modified").generator(fake)), rtol=1e-4)


def test_psnr_presets_train_the_generator_alone():
    model = presets.build("rrdbnet_psnr_tiny", seed=0)
    assert [p.name for p in model.phases] == ["generator"]
    before = [w.numpy() for w in model.discriminator.weights]
    model.compile()
    model.fit(tf.data.Dataset.from_tensors(_pairs()).repeat(), steps_per_epoch=2, verbose=0)
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(before, model.discriminator.weights))
    assert int(model.optimizers["generator"].iterations) == 2


def test_shared_checks(tmp_path):
    model = presets.build("esrgan_tiny", seed=0)
    testing.run_config_roundtrip_check(model)
    testing.run_fit_check(model, _pairs(8), steps=2)
    testing.run_save_restore_check(model, str(tmp_path))
    testing.run_export_check(model, str(tmp_path))
    # The EMA (0.999, as BasicSR) is what the model serves.
    assert model.serving_generator() is model.generator_ema


def test_mirrored_fit():
    testing.run_mirrored_fit_check(lambda: presets.build("esrgan_tiny", seed=0), _pairs(8), steps=2)


def test_starting_gan_training_from_psnr_weights_and_interpolating():
    psnr = presets.build("rrdbnet_psnr_tiny", seed=1)
    gan = presets.build("esrgan_tiny", seed=2)
    gan.load_generator_weights(psnr)
    for a, b in zip(gan.generator.weights, psnr.generator_ema.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    other = presets.build("esrgan_tiny", seed=3).generator
    mixed = interpolate_weights(psnr.generator, other, 0.8)
    for m, a, b in zip(mixed.get_weights(), psnr.generator.get_weights(), other.get_weights()):
        np.testing.assert_allclose(m, 0.2 * a + 0.8 * b, rtol=1e-6)
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\]; received 1.5"):
        interpolate_weights(psnr.generator, other, 1.5)


def test_bad_input_and_arguments_are_refused_clearly():
    model = presets.build("esrgan_tiny", seed=0)
    model.compile()
    with pytest.raises(ValueError, match=r"trains on \{'low': ..., 'high': ...\} batches"):
        model.fit(tf.data.Dataset.from_tensors({"source": np.zeros((2, 8, 8, 3), "float32")}).repeat(),
                  steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="uint8 pixels"):
        model.fit(tf.data.Dataset.from_tensors({k: (v * 100).astype("uint8") for k, v in _pairs().items()}).repeat(),
                  steps_per_epoch=1, verbose=0)
    g, d = model.generator, model.discriminator
    with pytest.raises(ValueError, match="needs a perceptual feature network"):
        SuperResolution(g, d, perceptual_weight=1.0)
    with pytest.raises(ValueError, match="Every loss weight is 0"):
        SuperResolution(g, d, pixel_weight=0.0)
    with pytest.raises(ValueError, match=r"one weight per feature map \(1\)"):
        SuperResolution(g, d, perceptual=perceptual_lib.vgg19_features(("conv1_2",), weights=None),
                        perceptual_weight=1.0, perceptual_layer_weights=(1.0, 2.0))


def test_bilinear_upsampling_equals_keras_and_traces_any_size():
    from keras_gans.layers import BilinearUpsampling

    x = np.random.default_rng(0).normal(size=(2, 5, 7, 3)).astype("float32")
    np.testing.assert_allclose(BilinearUpsampling(4)(x), keras.layers.UpSampling2D(4, interpolation="bilinear")(x),
                               atol=1e-6)
    f = tf.function(lambda t: BilinearUpsampling(2)(t), input_signature=[tf.TensorSpec([None, None, None, 3])])
    assert f(x).shape == (2, 10, 14, 3)


@pytest.mark.parametrize("name, generator, discriminator", [
    ("srresnet", 1_547_350, 14_499_401),       # Lornatang's SRResNet; BasicSR's VGG-style D (128 px)
    ("msrresnet_psnr", 1_517_571, 14_499_401),  # BasicSR's MSRResNet
    ("rrdbnet_psnr", 16_697_987, 14_499_401),   # BasicSR's RRDBNet (ESRGAN)
    ("realesrnet_x4plus", 16_697_987, 4_376_897),  # Real-ESRGAN's U-Net D with spectral norm
])
def test_paper_presets_have_the_official_trainable_parameter_counts(name, generator, discriminator):
    model = presets.build(name, seed=0)

    def trainable(network):
        return int(sum(np.prod(w.shape) for w in network.trainable_weights))

    assert (trainable(model.generator), trainable(model.discriminator)) == (generator, discriminator)
