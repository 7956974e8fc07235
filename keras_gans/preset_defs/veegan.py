"""Presets of the VEEGAN family (merged into keras_gans.presets), and its two extra networks.

VEEGAN (Srivastava et al. 2017, :class:`keras_gans.models.veegan.VEEGAN`) adds a
reconstructor F: x -> z and trains its discriminator on (z, x) pairs. The builders here:

* :func:`joint_mlp_discriminator`: ``[z, x]`` -> ``concat([z, flatten(x)])`` -> ``depth``
  hidden layers -> one logit (the official code concatenates the two the same way, as a
  plain MLP input);
* :func:`mlp_reconstructor`: data (vectors or images, flattened) -> ``depth`` hidden layers
  -> ``latent_dim`` linear outputs (the mean of the official Gaussian reconstructor).

Presets:

* ``mixture_veegan`` (2-D mode-collapse benchmark, ``zoo/mode_collapse``): the benchmark's
  generator, unchanged (the unrolled-GAN notebook's, as in ``mixture_gan``), and its
  discriminator architecture (2 x 128 tanh, orthogonal init gain 1.4) on the joint input
  (256 + 2), so that only the method changes. The reconstructor, which the benchmark lacks,
  and the training settings are the official 2-D code's (akashgit/VEEGAN,
  ``VEEGAN_2D_RING.ipynb``; read through faithful copies, the notebook itself is not in our
  code index): F 2 -> 128 ReLU -> 128 ReLU -> z (slim's default Glorot-uniform init, zero
  biases) with unit-variance Gaussian output, so D's reconstructor pairs carry N(0, I) noise
  and the reconstruction term is 0.5 * ||z - F(G(z))||^2; one Adam(1e-3, beta_1=0.5) setting
  (TF1 defaults beta_2 0.999, epsilon 1e-8) for G, F and D; batch 500. The official networks
  differ: its D has one hidden layer of 128 ReLU units, its G is 2 x 128 ReLU on 254-d noise
  plus a 1-d extra noise input.
* ``veegan`` (Fashion-MNIST) and ``veegan_tiny`` (8x8 digits, widths shrunk): the official
  MNIST notebook (akashgit/VEEGAN, ``veegan_julia_mnist.ipynb``): z = 32 ~ N(0, 1); G z -> 256
  ReLU -> 784; D [x; z] -> 256 ReLU -> dropout 0.5 -> 1; F x -> 256 ReLU -> 32 (deterministic,
  so no noise in D's pairs); Xavier (Glorot-uniform) weights, zero biases; Adam(1e-3,
  beta_1=0.7) for all three; batch 200; G/F loss -mean(D) + mean ||z - F(G(z))||^2 (weight
  1). Where we differ: G ends in tanh (our images are in [-1, 1]) instead of a sigmoid; the
  notebook also gives F the term mean D(x_real, F(G(z))), which pairs a real image with the
  code of a generated one and is not in the paper's Algorithm 1 (F gets only the
  reconstruction gradient); we follow the paper, as the official TensorFlow 2-D code does.
"""

import keras
from keras import layers

from keras_gans.models.veegan import VEEGAN
from keras_gans.preset_defs.common import adam_eps
from keras_gans.networks.checks import check_int, check_rate
from keras_gans.networks.mlp import _check_activation, _initializer, _output_size

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
    _, shape = _output_size(input_dim, image_shape, "input_dim")
    check_int(width, "width")
    check_int(depth, "depth", minimum=0)
    _check_activation(activation, "activation")
    check_rate(dropout, "dropout")
    z = keras.Input((latent_dim,), name="latents")
    data = keras.Input(shape, name="images" if image_shape is not None else "points")
    x = layers.Flatten(name="flatten")(data) if len(shape) > 1 else data
    h = layers.Concatenate(name="pair")([z, x])
    for i in range(depth):
        h = layers.Dense(width, activation=activation,
                         kernel_initializer=_initializer(kernel_initializer, seed, 100 + i),
                         name=f"dense{i + 1}")(h)
        if dropout:
            h = layers.Dropout(dropout, seed=None if seed is None else seed + 1 + i,
                               name=f"dropout{i + 1}")(h)
    logits = layers.Dense(1, kernel_initializer=_initializer(kernel_initializer, seed, 100 + depth),
                          dtype="float32", name="logits")(h)
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
    _, shape = _output_size(input_dim, image_shape, "input_dim")
    check_int(width, "width")
    check_int(depth, "depth", minimum=0)
    _check_activation(activation, "activation")
    data = keras.Input(shape, name="images" if image_shape is not None else "points")
    h = layers.Flatten(name="flatten")(data) if len(shape) > 1 else data
    for i in range(depth):
        h = layers.Dense(width, activation=activation,
                         kernel_initializer=_initializer(kernel_initializer, seed, 200 + i),
                         name=f"dense{i + 1}")(h)
    z = layers.Dense(latent_dim, kernel_initializer=_initializer(kernel_initializer, seed, 200 + depth),
                     dtype="float32", name="latents")(h)
    return keras.Model(data, z, name=name)


_ORTHOGONAL = {"class_name": "Orthogonal", "config": {"gain": 1.4}}
_LATENT = 256  # the benchmark generator's z (mixture_gan)

_OFFICIAL_2D_ADAM = adam_eps(1e-3, 0.5)  # TF1 AdamOptimizer defaults: beta_2 0.999, eps 1e-8
_MIXTURE_VEEGAN = {
    "paper": "Srivastava et al. 2017, VEEGAN: Reducing Mode Collapse in GANs using Implicit "
             "Variational Learning (official 2-D code; benchmark networks)",
    # The same generator as mixture_gan (tests/models/veegan_test.py checks it).
    "generator": (
        "mlp_generator",
        {"latent_dim": _LATENT, "output_dim": 2, "width": 128, "depth": 2, "activation": "tanh",
         "kernel_initializer": _ORTHOGONAL},
    ),
    "discriminator": (
        "veegan_joint_discriminator",
        {"latent_dim": _LATENT, "input_dim": 2, "width": 128, "depth": 2, "activation": "tanh",
         "kernel_initializer": _ORTHOGONAL},
    ),
    "networks": {
        "reconstructor": (
            "veegan_reconstructor",
            {"latent_dim": _LATENT, "input_dim": 2, "width": 128, "depth": 2, "activation": "relu",
             "kernel_initializer": "glorot_uniform"},
        ),
    },
    "model_class": "VEEGAN",
    "model": {"loss": "minimax", "reconstruction_weight": 0.5, "reconstructor_noise_std": 1.0,
              "reconstructor_optimizer": _OFFICIAL_2D_ADAM},
    "optimizers": {"generator": _OFFICIAL_2D_ADAM, "discriminator": _OFFICIAL_2D_ADAM},
    "batch_size": 500,
    "dataset": "ring8",
}


def _mnist_notebook(latent_dim, image_shape, width, batch_size, dataset):
    adam = adam_eps(1e-3, 0.7)  # Knet's Adam defaults: beta_2 0.999, eps 1e-8
    return {
        "paper": "Srivastava et al. 2017, VEEGAN (official MNIST notebook, veegan_julia_mnist.ipynb)",
        "generator": (
            "mlp_generator",
            {"latent_dim": latent_dim, "image_shape": image_shape, "width": width, "depth": 1,
             "activation": "relu", "output_activation": "tanh",
             "kernel_initializer": "glorot_uniform"},
        ),
        "discriminator": (
            "veegan_joint_discriminator",
            {"latent_dim": latent_dim, "image_shape": image_shape, "width": width, "depth": 1,
             "activation": "relu", "dropout": 0.5, "kernel_initializer": "glorot_uniform"},
        ),
        "networks": {
            "reconstructor": (
                "veegan_reconstructor",
                {"latent_dim": latent_dim, "image_shape": image_shape, "width": width, "depth": 1,
                 "activation": "relu", "kernel_initializer": "glorot_uniform"},
            ),
        },
        "model_class": "VEEGAN",
        "model": {"loss": "minimax", "reconstruction_weight": 1.0, "reconstructor_noise_std": 0.0,
                  "reconstructor_optimizer": adam},
        "optimizers": {"generator": adam, "discriminator": adam},
        "batch_size": batch_size,
        "dataset": dataset,
    }


PRESETS = {
    "mixture_veegan": _MIXTURE_VEEGAN,
    "veegan": _mnist_notebook(32, (28, 28, 1), 256, 200, "fashion_mnist"),
    # Widths and resolution shrunk for tests and CPU demos; training settings unchanged.
    "veegan_tiny": _mnist_notebook(8, (8, 8, 1), 32, 32, "digits"),
}
NETWORKS = {
    "veegan_joint_discriminator": joint_mlp_discriminator,
    "veegan_reconstructor": mlp_reconstructor,
}
MODEL_CLASSES = {"VEEGAN": VEEGAN}
