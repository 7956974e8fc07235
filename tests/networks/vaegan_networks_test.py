"""Tests for the VAE-GAN encoder, decoder and discriminator (keras_gans/networks/vaegan.py).

Expected shapes and parameter counts are the authors' official networks written out below
(andersbll/autoencoding_beyond_pixels, architectures.py, img64x64), not read back from our code.
"""

import re

import keras
import numpy as np
import pytest

from keras_gans.networks.vaegan import vaegan_decoder, vaegan_discriminator, vaegan_encoder


def _conv(k, cin, cout, bias):
    return k * k * cin * cout + (cout if bias else 0)


def _bn(c):
    return 2 * c  # trainable scale and offset


# img64x64 with z = 128 (celeba_aegan.py: n_hidden=128). Batch norm follows every layer without
# a bias; the latent heads (NormalEncoder) and the last layers of Dec and D have biases.
OFFICIAL_ENCODER = (
    _conv(5, 3, 64, False) + _bn(64) + _conv(5, 64, 128, False) + _bn(128) + _conv(5, 128, 256, False) + _bn(256)
    + 256 * 8 * 8 * 1024 + _bn(1024)  # affine(n_encoder=1024, bias=None) + BN
    + 2 * (1024 * 128 + 128)  # z_mu, z_log_sigma
)
OFFICIAL_DECODER = (
    128 * 256 * 8 * 8 + _bn(256 * 8 * 8)  # affine(n_decoder, bias=None) + BN over its units
    + _conv(5, 256, 256, False) + _bn(256) + _conv(5, 256, 128, False) + _bn(128)
    + _conv(5, 128, 32, False) + _bn(32) + _conv(5, 32, 3, True)
)
OFFICIAL_DISCRIMINATOR = (
    _conv(5, 3, 32, True)
    + _conv(5, 32, 128, False) + _bn(128) + _conv(5, 128, 256, False) + _bn(256) + _conv(5, 256, 256, False) + _bn(256)
    + 256 * 8 * 8 * 512 + _bn(512) + 512 + 1
)


def _trainable(model):
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


def test_official_counts_by_hand():
    assert (OFFICIAL_ENCODER, OFFICIAL_DECODER, OFFICIAL_DISCRIMINATOR) == (18_071_360, 4_693_155, 10_953_857)


def test_paper_networks_have_the_official_parameter_counts_and_shapes():
    enc, dec, dis = vaegan_encoder(), vaegan_decoder(), vaegan_discriminator()
    assert (_trainable(enc), _trainable(dec), _trainable(dis)) == (
        OFFICIAL_ENCODER, OFFICIAL_DECODER, OFFICIAL_DISCRIMINATOR)
    x = keras.random.normal((2, 64, 64, 3), seed=0)
    mu, log_var = enc(x)
    assert mu.shape == log_var.shape == (2, 128)
    images = dec(mu)
    assert images.shape == (2, 64, 64, 3)
    assert np.all(np.abs(np.array(images)) <= 1.0)
    assert dis(images).shape == (2, 1)
    # The similarity metric: the 4th convolution's output, 8x8x256, before its batch norm.
    conv4 = dis.get_layer("conv4")
    assert conv4.output.shape[1:] == (8, 8, 256) and conv4.strides == (2, 2)
    assert dis.get_layer("bn4").input is conv4.output
    assert dis.get_layer("conv1").strides == (1, 1) and dis.get_layer("conv1").filters == 32


def test_layer_details_follow_the_official_code():
    dis = vaegan_discriminator((28, 28, 1), seed=0)
    dec = vaegan_decoder(image_shape=(28, 28, 1), seed=0)
    enc = vaegan_encoder((28, 28, 1), seed=0)
    # ReLU everywhere in D (not LeakyReLU), no bias where BN follows, bias on the first conv.
    assert {type(l).__name__ for l in dis.layers} >= {"ReLU"} and not any(
        isinstance(l, keras.layers.LeakyReLU) for l in dis.layers)
    assert dis.get_layer("conv1").use_bias and not dis.get_layer("conv2").use_bias
    assert dis.get_layer("logits").use_bias and not dis.get_layer("dense").use_bias
    assert dec.get_layer("to_image").use_bias and not dec.get_layer("deconv1").use_bias
    assert enc.get_layer("mu").use_bias and not enc.get_layer("dense").use_bias
    # Batch-norm gains start in U(0, 1) (deeppy), momentum 0.9.
    gammas = np.concatenate([np.array(l.gamma).ravel() for m in (enc, dec, dis) for l in m.layers
                             if isinstance(l, keras.layers.BatchNormalization)])
    assert gammas.min() >= 0.0 and gammas.max() <= 1.0 and 0.4 < gammas.mean() < 0.6
    assert all(l.momentum == 0.9 for l in dis.layers if isinstance(l, keras.layers.BatchNormalization))
    # deeppy AutoFiller: U(-a, a), a = 1 / sqrt(3 * fan_in); fan_in 5*5*128 for D's conv3.
    kernel = np.array(dis.get_layer("conv3").kernel)
    a = 1.0 / np.sqrt(3 * 5 * 5 * 128)
    assert np.abs(kernel).max() <= a and np.abs(kernel).max() > 0.99 * a
    np.testing.assert_allclose(kernel.std(), a / np.sqrt(3), rtol=0.02)
    # A transposed convolution's fan-in is k * k * its output channels in both frameworks.
    deconv = np.array(dec.get_layer("deconv2").kernel)  # (5, 5, 128 out, 256 in)
    assert deconv.shape == (5, 5, 128, 256)
    assert np.abs(deconv).max() <= 1.0 / np.sqrt(3 * 5 * 5 * 128)


def test_28x28_ladder_and_features():
    enc = vaegan_encoder((28, 28, 1))
    dec = vaegan_decoder(image_shape=(28, 28, 1))
    dis = vaegan_discriminator((28, 28, 1))
    assert enc.get_layer("relu3").output.shape[1:] == (4, 4, 256)
    assert dec.get_layer("reshape").output.shape[1:] == (4, 4, 256)
    assert dec.get_layer("crop1").output.shape[1:] == (7, 7, 256)
    assert dec.output_shape[1:] == (28, 28, 1)
    assert dis.get_layer("conv4").output.shape[1:] == (4, 4, 256)


def test_no_normalization_gives_biases_and_no_batch_norm():
    for model in (vaegan_encoder((16, 16, 1), 4, (4, 4, 4), 8, normalization=None),
                  vaegan_decoder(4, (16, 16, 1), 8, (4, 4, 4), normalization=None),
                  vaegan_discriminator((16, 16, 1), 4, (4, 4, 4), 8, normalization=None)):
        assert not any(isinstance(l, keras.layers.BatchNormalization) for l in model.layers)
        assert all(l.use_bias for l in model.layers if hasattr(l, "use_bias"))


def test_weight_decay_covers_every_kernel_but_the_latent_heads():
    enc = vaegan_encoder((16, 16, 1), 4, (4, 4, 4), 8, weight_decay=1e-3)
    dec = vaegan_decoder(4, (16, 16, 1), 8, (4, 4, 4), weight_decay=1e-3)
    dis = vaegan_discriminator((16, 16, 1), 4, (4, 4, 4), 8, weight_decay=1e-3)
    regularized = lambda m: sorted(l.name for l in m.layers if getattr(l, "kernel_regularizer", None))  # noqa: E731
    assert regularized(enc) == ["conv1", "conv2", "conv3", "dense"]
    assert regularized(dec) == ["deconv1", "deconv2", "deconv3", "project", "to_image"]
    assert regularized(dis) == ["conv1", "conv2", "conv3", "conv4", "dense", "logits"]
    # The penalty is 1e-3 * sum(W^2) over those kernels.
    expected = 1e-3 * sum(float(np.sum(np.square(np.array(dis.get_layer(n).kernel)))) for n in regularized(dis))
    np.testing.assert_allclose(float(sum(dis.losses)), expected, rtol=1e-5)
    assert not vaegan_discriminator((16, 16, 1), 4, (4, 4, 4), 8).losses


def test_seed_makes_networks_reproducible():
    a = vaegan_encoder((16, 16, 1), 4, (4, 4, 4), 8, seed=3)
    b = vaegan_encoder((16, 16, 1), 4, (4, 4, 4), 8, seed=3)
    c = vaegan_encoder((16, 16, 1), 4, (4, 4, 4), 8, seed=4)
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)
    assert not np.allclose(a.get_weights()[0], c.get_weights()[0])


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: vaegan_encoder((16, 8, 1)), "need square images; received image_shape=(16, 8, 1)"),
        (lambda: vaegan_encoder((16, 16)), "image_shape must be (height, width, channels)"),
        (lambda: vaegan_encoder(latent_dim=0), "latent_dim must be a positive int; received 0"),
        (lambda: vaegan_decoder(filters=()), "filters must be a non-empty list of positive ints; received ()"),
        (lambda: vaegan_discriminator(normalization="layer"), "normalization must be one of ('batch', None); "
                                                               "received 'layer'"),
        (lambda: vaegan_discriminator(weight_decay=-1.0), "weight_decay must be a non-negative number; received -1.0"),
        (lambda: vaegan_discriminator(dense_units=1.5), "dense_units must be a positive int; received 1.5"),
    ],
)
def test_bad_arguments_raise_with_what_was_received(build, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build()
