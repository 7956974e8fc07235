"""Conditional GAN networks (Mirza & Osindero 2014, "Conditional Generative Adversarial Nets").

The paper's MNIST model (section 4.1); its code was never published, so the paper's text is
the reference:

* G (:func:`cgan_generator`): z (100) -> 200 ReLU and the one-hot label y -> 1000 ReLU, the two
  concatenated -> 1200 ReLU -> 784 sigmoid. **We use tanh** at the output: this project's
  images are in [-1, 1]. The paper draws z from the unit hypercube U[0, 1]^100; the preset
  uses U[-1, 1] (``latent_distribution="uniform"``), the same prior shifted and scaled.
* D (:func:`cgan_discriminator`): x -> maxout 240 units x 5 pieces and y -> maxout 50 units x 5
  pieces, concatenated -> maxout 240 units x 4 pieces -> one sigmoid unit (we return its
  logit; the losses apply the sigmoid).
* "Dropout with probability of 0.5 was applied to both the generator and discriminator": on
  the hidden layers' outputs in both networks here (the paper does not say which layers).

Inputs follow the project's conditional contract: G takes ``[latents, labels]``, D takes
``[images, labels]``, labels are int class ids ``[B]`` (one-hot encoded inside).

Parameter counts at the paper's sizes (10 classes, 28x28): G 20,200 + 11,000 + 1,441,200 +
941,584 = 2,413,984; D 942,000 + 2,750 + 279,360 + 241 = 1,224,351.
"""

import math

import keras
from keras import layers

from keras_gans.layers.maxout import Maxout
from keras_gans.networks.checks import check_image_shape, check_int, check_rate
from keras_gans.networks.mlp import initializer

__all__ = ["cgan_discriminator", "cgan_generator"]


def _one_hot(labels, num_classes, name):
    return layers.CategoryEncoding(num_classes, output_mode="one_hot", name=name)(labels)


def _drop(x, rate, seed, offset):
    """Dropout after a hidden layer (the identity at rate 0), seeded per layer."""
    return layers.Dropout(rate, seed=None if seed is None else seed + 100 + offset)(x) if rate else x


def cgan_generator(
    latent_dim=100,
    num_classes=10,
    image_shape=(28, 28, 1),
    latent_units=200,
    label_units=1000,
    joint_units=1200,
    dropout=0.5,
    kernel_initializer="glorot_uniform",
    seed=None,
    name="cgan_generator",
):
    """Builds the CGAN generator ``[latents, labels] -> images`` (module docstring).

    Args:
        latent_dim: size of z.
        num_classes: number of classes (labels in ``[0, num_classes)``).
        image_shape: output image shape; ``tanh`` output in [-1, 1].
        latent_units / label_units / joint_units: widths of the z branch, the y branch and
            the joint hidden layer (200, 1000, 1200 in the paper).
        dropout: dropout rate after each hidden layer (0.5 in the paper).
        kernel_initializer: initializer for every dense kernel (the paper does not say).
        seed: int seed for initialisation and dropout.
    """
    for value, what in ((latent_dim, "latent_dim"), (num_classes, "num_classes"),
                        (latent_units, "latent_units"), (label_units, "label_units"),
                        (joint_units, "joint_units")):
        check_int(value, what)
    check_rate(dropout, "dropout")
    image_shape = check_image_shape(image_shape)

    def dense(units, offset, activation, layer_name):
        return layers.Dense(units, activation=activation, name=layer_name,
                            kernel_initializer=initializer(kernel_initializer, seed, offset))


    z = keras.Input((latent_dim,), name="latents")
    y = keras.Input((), dtype="int32", name="labels")
    hz = _drop(dense(latent_units, 0, "relu", "latent_dense")(z), dropout, seed, 0)
    hy = _drop(dense(label_units, 1, "relu", "label_dense")(_one_hot(y, num_classes, "one_hot")), dropout, seed, 1)
    h = layers.Concatenate(name="joint")([hz, hy])
    h = _drop(dense(joint_units, 2, "relu", "joint_dense")(h), dropout, seed, 2)
    x = dense(math.prod(image_shape), 3, "tanh", "output_dense")(h)
    x = layers.Reshape(image_shape, name="images")(x)
    return keras.Model([z, y], x, name=name)


def cgan_discriminator(
    image_shape=(28, 28, 1),
    num_classes=10,
    image_units=240,
    image_pieces=5,
    label_units=50,
    label_pieces=5,
    joint_units=240,
    joint_pieces=4,
    dropout=0.5,
    kernel_initializer="glorot_uniform",
    seed=None,
    name="cgan_discriminator",
):
    """Builds the CGAN discriminator ``[images, labels] -> logits [B, 1]`` (module docstring).

    Args:
        image_shape: input image shape (flattened inside).
        num_classes: number of classes.
        image_units / image_pieces: maxout layer on x (240 x 5 in the paper).
        label_units / label_pieces: maxout layer on y (50 x 5).
        joint_units / joint_pieces: joint maxout layer (240 x 4).
        dropout: dropout rate after each hidden layer (0.5 in the paper).
        kernel_initializer: initializer for every kernel (the paper does not say).
        seed: int seed for initialisation and dropout.
    """
    for value, what in ((num_classes, "num_classes"), (image_units, "image_units"),
                        (image_pieces, "image_pieces"), (label_units, "label_units"),
                        (label_pieces, "label_pieces"), (joint_units, "joint_units"),
                        (joint_pieces, "joint_pieces")):
        check_int(value, what)
    check_rate(dropout, "dropout")
    image_shape = check_image_shape(image_shape)

    def maxout(units, pieces, offset, layer_name):
        return Maxout(units, pieces, kernel_initializer=initializer(kernel_initializer, seed, offset),
                      name=layer_name)


    x_in = keras.Input(image_shape, name="images")
    y = keras.Input((), dtype="int32", name="labels")
    hx = _drop(maxout(image_units, image_pieces, 0, "image_maxout")(layers.Flatten()(x_in)), dropout, seed, 0)
    hy = _drop(maxout(label_units, label_pieces, 1, "label_maxout")(_one_hot(y, num_classes, "one_hot")), dropout, seed, 1)
    h = layers.Concatenate(name="joint")([hx, hy])
    h = _drop(maxout(joint_units, joint_pieces, 2, "joint_maxout")(h), dropout, seed, 2)
    logits = layers.Dense(1, name="logits", kernel_initializer=initializer(kernel_initializer, seed, 3))(h)
    return keras.Model([x_in, y], logits, name=name)
