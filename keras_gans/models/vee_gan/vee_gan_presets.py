"""Presets of the VEEGAN family.

VEEGAN (Srivastava et al. 2017, :class:`keras_gans.models.veegan.VEEGAN`) adds a
reconstructor F: x -> z and trains its discriminator on (z, x) pairs (networks in
:mod:`keras_gans.models.vee_gan.vee_gan_networks`).

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

from keras_gans.core.optimizers import adam_eps
from keras_gans.models.vee_gan.vee_gan_networks import joint_mlp_discriminator, mlp_reconstructor
from keras_gans.models.veegan import VEEGAN
from keras_gans.networks import mlp
from keras_gans.presets import DIGITS_8, FASHION_MNIST, at_resolution, registry_table

NETWORKS = registry_table(mlp.mlp_generator, joint_mlp_discriminator, mlp_reconstructor)
MODEL_CLASSES = registry_table(VEEGAN)

_ORTHOGONAL = {"class_name": "Orthogonal", "config": {"gain": 1.4}}
_LATENT = 256  # the benchmark generator's z (mixture_gan)

_OFFICIAL_2D_ADAM = adam_eps(1e-3, 0.5)  # TF1 AdamOptimizer defaults: beta_2 0.999, eps 1e-8
_MIXTURE_VEEGAN = {
    "metadata": {
        "paper": "Srivastava et al. 2017, VEEGAN: Reducing Mode Collapse in GANs using Implicit "
                 "Variational Learning (official 2-D code; benchmark networks)",
        "code": "akashgit/VEEGAN, VEEGAN_2D_RING.ipynb",
        "differences": "The benchmark's G (mixture_gan's: 2 x 128 tanh on z = 256) and D "
                       "architecture (2 x 128 tanh, orthogonal gain 1.4, on the joint input) "
                       "instead of the official D (one hidden layer of 128 ReLU) and G (2 x 128 "
                       "ReLU on 254-d noise plus a 1-d extra noise input), so that only the "
                       "method changes. The reconstructor and training are the official code's.",
    },
    "model_class": "VEEGAN",
    "networks": {
        # The same generator as mixture_gan (tests/models/veegan_test.py checks it).
        "generator": (
            "mlp_generator",
            {"latent_dim": _LATENT, "output_dim": 2, "width": 128, "depth": 2, "activation": "tanh",
             "kernel_initializer": _ORTHOGONAL},
        ),
        "discriminator": (
            "joint_mlp_discriminator",
            {"latent_dim": _LATENT, "input_dim": 2, "width": 128, "depth": 2, "activation": "tanh",
             "kernel_initializer": _ORTHOGONAL},
        ),
        "reconstructor": (
            "mlp_reconstructor",
            {"latent_dim": _LATENT, "input_dim": 2, "width": 128, "depth": 2, "activation": "relu",
             "kernel_initializer": "glorot_uniform"},
        ),
    },
    "model": {"loss": "minimax", "reconstruction_weight": 0.5, "reconstructor_noise_std": 1.0},
    "optimizers": {"generator": _OFFICIAL_2D_ADAM, "discriminator": _OFFICIAL_2D_ADAM,
                   "reconstructor": _OFFICIAL_2D_ADAM},
    "data": {"format": "points", "dataset": "ring8", "batch_size": 500, "image_shape": None},
}

_MNIST_ADAM = adam_eps(1e-3, 0.7)  # Knet's Adam defaults: beta_2 0.999, eps 1e-8
_VEEGAN = {
    "metadata": {
        "paper": "Srivastava et al. 2017, VEEGAN (official MNIST notebook, veegan_julia_mnist.ipynb)",
        "code": "akashgit/VEEGAN, veegan_julia_mnist.ipynb",
        "differences": "G ends in tanh (images in [-1, 1]), not a sigmoid. F gets only the "
                       "reconstruction gradient (the paper's Algorithm 1 and the official 2-D "
                       "code), not the notebook's extra term mean D(x_real, F(G(z))). "
                       "Fashion-MNIST instead of MNIST.",
    },
    "model_class": "VEEGAN",
    "networks": {
        "generator": (
            "mlp_generator",
            {"latent_dim": 32, "image_shape": FASHION_MNIST, "width": 256, "depth": 1,
             "activation": "relu", "output_activation": "tanh",
             "kernel_initializer": "glorot_uniform"},
        ),
        "discriminator": (
            "joint_mlp_discriminator",
            {"latent_dim": 32, "image_shape": FASHION_MNIST, "width": 256, "depth": 1,
             "activation": "relu", "dropout": 0.5, "kernel_initializer": "glorot_uniform"},
        ),
        "reconstructor": (
            "mlp_reconstructor",
            {"latent_dim": 32, "image_shape": FASHION_MNIST, "width": 256, "depth": 1,
             "activation": "relu", "kernel_initializer": "glorot_uniform"},
        ),
    },
    "model": {"loss": "minimax", "reconstruction_weight": 1.0, "reconstructor_noise_std": 0.0},
    "optimizers": {"generator": _MNIST_ADAM, "discriminator": _MNIST_ADAM, "reconstructor": _MNIST_ADAM},
    "data": {"format": "images", "dataset": "fashion_mnist", "batch_size": 200, "image_shape": FASHION_MNIST},
}

_TINY = {"latent_dim": 8, "width": 32}

PRESETS = {
    "mixture_veegan": _MIXTURE_VEEGAN,
    "veegan": _VEEGAN,
    # Widths and resolution shrunk for tests and CPU demos; training settings unchanged.
    "veegan_tiny": at_resolution(_VEEGAN, DIGITS_8, "digits", batch_size=32, networks={
        "generator": _TINY, "discriminator": _TINY, "reconstructor": _TINY}),
}
