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

from keras_gans.core.optimizers import sgd_decay
from keras_gans.models.gan import GAN
from keras_gans.networks import cgan
from keras_gans.presets import DIGITS_8, FASHION_MNIST, at_resolution, registry_table, variant

NETWORKS = registry_table(cgan.cgan_generator, cgan.cgan_discriminator)
MODEL_CLASSES = registry_table(GAN)

_CGAN = {
    "metadata": {
        "paper": "Mirza & Osindero 2014, Conditional Generative Adversarial Nets",
        "code": "none public; the paper's MNIST model (keras_gans/networks/cgan.py)",
        "differences": "Constant momentum 0.5 (the paper raises it to 0.7) and no lr floor of "
                       "1e-6. Non-saturating G loss (the paper writes the minimax game). D also "
                       "sees real images with wrong labels as fakes (mismatched_pairs, the "
                       "matching-aware loss of Reed et al. 2016; cgan_paper leaves it out). "
                       "Fashion-MNIST instead of MNIST.",
    },
    "model_class": "GAN",
    "networks": {
        "generator": ("cgan_generator", {"latent_dim": 100, "num_classes": 10,
                                         "image_shape": FASHION_MNIST}),
        "discriminator": ("cgan_discriminator", {"num_classes": 10, "image_shape": FASHION_MNIST}),
    },
    "model": {"loss": "modified", "latent_distribution": "uniform", "num_classes": 10,
              "mismatched_pairs": True},
    "optimizers": {"generator": sgd_decay(0.1, 0.5, 1.00004), "discriminator": sgd_decay(0.1, 0.5, 1.00004)},
    "data": {"format": "labelled_images", "dataset": "fashion_mnist", "batch_size": 100,
             "image_shape": FASHION_MNIST},
}

PRESETS = {
    "cgan": _CGAN,
    "cgan_paper": variant(
        _CGAN,
        metadata={"differences": "Constant momentum 0.5 (the paper raises it to 0.7) and no lr "
                                 "floor of 1e-6. Non-saturating G loss (the paper writes the "
                                 "minimax game). Fashion-MNIST instead of MNIST."},
        model={"mismatched_pairs": False},
    ),
    "cgan_tiny": at_resolution(_CGAN, DIGITS_8, "digits", batch_size=32, networks={
        "generator": {"latent_dim": 16, "latent_units": 16, "label_units": 16, "joint_units": 32},
        "discriminator": {"image_units": 16, "label_units": 8, "joint_units": 16}}),
}
