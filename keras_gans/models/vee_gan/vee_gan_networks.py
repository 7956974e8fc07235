"""VEEGAN's two extra networks, MLPs built from :mod:`keras_gans.networks.mlp`'s pieces.

VEEGAN (:class:`keras_gans.models.veegan.VEEGAN`) adds a reconstructor F: x -> z and trains its
discriminator on (z, x) pairs:

* :func:`joint_mlp_discriminator`: ``[z, x]`` -> ``concat([z, flatten(x)])`` -> ``depth``
  hidden layers -> one logit (the official code concatenates the two the same way, as a
  plain MLP input);
* :func:`mlp_reconstructor`: data (vectors or images, flattened) -> ``depth`` hidden layers
  -> ``latent_dim`` linear outputs (the mean of the official Gaussian reconstructor).
"""

import keras
from keras import layers

from keras_gans.networks.checks import check_int
from keras_gans.networks.mlp import flat_input, hidden_layers, output_layer

__all__ = ["joint_mlp_discriminator", "mlp_reconstructor"]


def joint_mlp_discriminator(
    latent_dim,
    input_dim=None,
    image_shape=None,
    width=128,
    depth=2,
    activation="relu",
    dropout=0.0,
    kernel_initializer="glorot_uniform",
    seed=None,
    name="joint_discriminator",
):
    """Builds a discriminator on (z, x) pairs: ``[z, x]`` -> one logit ``[B, 1]``.

    Args:
        latent_dim: size of z (the first input).
        input_dim: size of a data vector (2 for the 2-D mixtures). Pass this or
            ``image_shape``.
        image_shape: shape of a data image; it is flattened.
        width: units per hidden layer.
        depth: number of hidden layers.
        activation: hidden activation.
        dropout: dropout rate after every hidden layer (0.5 in the official MNIST notebook).
        kernel_initializer: Keras initializer identifier for every weight matrix; zero biases.
        seed: optional int seed (layer ``i`` uses ``seed + 100 + i``, as ``mlp_discriminator``).
        name: model name.

    Returns:
        A functional ``keras.Model`` with inputs ``[latents, data]``.
    """
    check_int(latent_dim, "latent_dim")
    z = keras.Input((latent_dim,), name="latents")
    data, x = flat_input(input_dim, image_shape)
    h = hidden_layers(layers.Concatenate(name="pair")([z, x]), width, depth, activation,
                      kernel_initializer, seed, 100, dropout=dropout)
    logits = output_layer(h, 1, kernel_initializer, seed, 100 + depth, name="logits")
    return keras.Model([z, data], logits, name=name)


def mlp_reconstructor(
    latent_dim,
    input_dim=None,
    image_shape=None,
    width=128,
    depth=2,
    activation="relu",
    kernel_initializer="glorot_uniform",
    seed=None,
    name="reconstructor",
):
    """Builds VEEGAN's reconstructor F: data -> ``[B, latent_dim]`` (linear output).

    Args:
        latent_dim: size of z (the output).
        input_dim / image_shape: the data, a vector size or an image shape (flattened).
        width: units per hidden layer.
        depth: number of hidden layers.
        activation: hidden activation.
        kernel_initializer: Keras initializer identifier; zero biases.
        seed: optional int seed (layer ``i`` uses ``seed + 200 + i``).
        name: model name.
    """
    check_int(latent_dim, "latent_dim")
    data, x = flat_input(input_dim, image_shape)
    h = hidden_layers(x, width, depth, activation, kernel_initializer, seed, 200)
    z = output_layer(h, latent_dim, kernel_initializer, seed, 200 + depth, name="latents")
    return keras.Model(data, z, name=name)
