"""Class-conditional GAN presets: CGAN (Mirza & Osindero 2014).

CGAN, the paper's MNIST model (keras_gans/networks/cgan.py): G z=100 -> 200 ReLU, y -> 1000 ReLU,
joint 1200 ReLU -> 784; D maxout x 240x5, y 50x5, joint 240x4 -> 1; dropout 0.5 in both;
SGD batch 100, lr 0.1 decayed exponentially by a factor 1.00004 per update (towards 1e-6),
momentum 0.5 (the paper raises it to 0.7; Keras' SGD keeps it constant, so we keep the start
value). G's loss is the non-saturating -log D(G(z|y)) (the paper writes the minimax game;
the original GAN's code trains G this way). Seed 002 also trains D on real images paired with
wrong labels as fakes: ``mismatched_pairs=True`` (the matching-aware D loss of Reed et al.
2016, ``(L(real, fake) + L(real, mismatched)) / 2``). ``cgan_paper`` leaves that out.
The paper trained on MNIST; offline we train on Fashion-MNIST.
"""

from keras_gans.networks import cgan
from keras_gans.preset_defs.common import sgd_decay, variant

NETWORKS = {
    "cgan_generator": cgan.cgan_generator,
    "cgan_discriminator": cgan.cgan_discriminator,
}

_CGAN = {
    "paper": "Mirza & Osindero 2014, Conditional Generative Adversarial Nets",
    "generator": ("cgan_generator", {"latent_dim": 100, "num_classes": 10, "image_shape": (28, 28, 1)}),
    "discriminator": ("cgan_discriminator", {"num_classes": 10, "image_shape": (28, 28, 1)}),
    "model": {"loss": "modified", "latent_distribution": "uniform", "num_classes": 10,
              "mismatched_pairs": True},
    "optimizers": {"generator": sgd_decay(0.1, 0.5, 1.00004), "discriminator": sgd_decay(0.1, 0.5, 1.00004)},
    "batch_size": 100,
    "dataset": "fashion_mnist",
}

PRESETS = {
    "cgan": _CGAN,
    "cgan_paper": variant(_CGAN, model={**_CGAN["model"], "mismatched_pairs": False}),
    "cgan_tiny": variant(
        _CGAN,
        generator={"latent_dim": 16, "image_shape": (8, 8, 1), "latent_units": 16, "label_units": 16,
                   "joint_units": 32},
        discriminator={"image_shape": (8, 8, 1), "image_units": 16, "label_units": 8, "joint_units": 16},
        batch_size=32,
        dataset="digits",
    ),
}

MODEL_CLASSES = {}
