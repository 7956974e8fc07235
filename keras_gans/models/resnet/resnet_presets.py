"""Presets of the ResNet family: SNGAN and SAGAN.

Networks in :mod:`keras_gans.networks.resnet`. Each paper preset has a 28x28x1 Fashion-MNIST
variant (``_28``) and a tiny one (``_tiny``: widths and resolution shrunk, training settings
unchanged, dataset "digits"), both made with :func:`keras_gans.presets.at_resolution`.
"""

from keras_gans.core.optimizers import adam_eps, linear_decay
from keras_gans.models.gan import GAN
from keras_gans.networks import resnet
from keras_gans.presets import DIGITS_8, FASHION_MNIST, at_resolution, registry_table

NETWORKS = registry_table(resnet.sngan_generator, resnet.sngan_discriminator,
                          resnet.sagan_generator, resnet.sagan_discriminator)
MODEL_CLASSES = registry_table(GAN)

# SNGAN: the CIFAR-10 ResNet of Miyato et al. 2018 as in the official code
# (pfnet-research/sngan_projection, configs/sn_cifar10_unconditional.yml, train.py, updater.py):
# z = 128 ~ N(0, 1), G width 256, D width 128, hinge loss, 5 D updates per G update (each on a
# fresh batch of 64 real images), Adam alpha 2e-4, beta1 0, beta2 0.9 (Chainer's eps 1e-8) for
# both. train.py also shifts alpha linearly from 2e-4 to 0 over the run's 50,000 iterations
# (iteration_decay_start: 0), i.e. over 50,000 G updates and 250,000 D updates: the schedules
# below (the paper states only the constant 2e-4; we follow the code). Where we differ: the
# code's G update draws 128 samples (n_gen_samples), our GAN's G step draws one critic batch
# (64).
_SNGAN = {
    "metadata": {
        "paper": "Miyato et al. 2018, Spectral Normalization for Generative Adversarial Networks",
        "code": "pfnet-research/sngan_projection, configs/sn_cifar10_unconditional.yml, train.py, "
                "updater.py",
        "differences": "The code's linear decay of alpha to 0 (the paper states only the constant "
                       "2e-4). G's update draws one critic batch (64 samples), not the code's 128 "
                       "(n_gen_samples).",
    },
    "model_class": "GAN",
    "networks": {
        "generator": ("sngan_generator", {"latent_dim": 128, "image_shape": (32, 32, 3), "channels": 256}),
        "discriminator": ("sngan_discriminator", {"image_shape": (32, 32, 3), "channels": 128}),
    },
    "model": {"loss": "hinge", "n_critic": 5, "latent_distribution": "normal"},
    "optimizers": {
        "generator": adam_eps(linear_decay(2e-4, 50_000), 0.0, 0.9),
        "discriminator": adam_eps(linear_decay(2e-4, 250_000), 0.0, 0.9),
    },
    "data": {"format": "images", "dataset": "cifar10", "batch_size": 64, "image_shape": (32, 32, 3)},
}

# SAGAN: Zhang et al. 2019 on ImageNet 128x128 (official brain-research/self-attention-gan,
# model.py with the "test" networks, train_imagenet.py, README: batch 64 x 4 GPUs = 256):
# z = 128 ~ N(0, 1), gf_dim = df_dim = 64, 1000 classes, hinge loss, one D update per G update,
# TTUR Adam lr_G 1e-4, lr_D 4e-4, beta1 0. beta2: the paper says 0.9; the code leaves TF's
# default 0.999. We keep the paper's 0.9 (as the project brief asks) -- a deliberate exception
# to "follow the code", noted here. Attention at 32x32 in G and D, SN in both networks.
_SAGAN = {
    "metadata": {
        "paper": "Zhang et al. 2019, Self-Attention Generative Adversarial Networks",
        "code": "brain-research/self-attention-gan, model.py (the \"test\" networks), "
                "train_imagenet.py",
        "differences": "Adam beta2 0.9 as the paper says, not the code's TF default 0.999 (a "
                       "deliberate exception to following the code, as the project brief asks).",
    },
    "model_class": "GAN",
    "networks": {
        "generator": (
            "sagan_generator",
            {"latent_dim": 128, "num_classes": 1000, "image_shape": (128, 128, 3), "base_channels": 64,
             "attention_resolution": 32},
        ),
        "discriminator": (
            "sagan_discriminator",
            {"num_classes": 1000, "image_shape": (128, 128, 3), "base_channels": 64, "attention_resolution": 32},
        ),
    },
    "model": {"loss": "hinge", "n_critic": 1, "latent_distribution": "normal", "num_classes": 1000},
    "optimizers": {"generator": adam_eps(1e-4, 0.0, 0.9), "discriminator": adam_eps(4e-4, 0.0, 0.9)},
    "data": {"format": "labelled_images", "dataset": "imagenet2012", "batch_size": 256,
             "image_shape": (128, 128, 3)},
}

PRESETS = {
    "sngan": _SNGAN,
    # The same networks at 28x28x1: a 7x7 bottom and 2 up-blocks in G; D unchanged (28 -> 14 -> 7).
    "sngan_28": at_resolution(_SNGAN, FASHION_MNIST, "fashion_mnist"),
    "sngan_tiny": at_resolution(_SNGAN, DIGITS_8, "digits", batch_size=10, networks={
        "generator": {"latent_dim": 16, "channels": 16}, "discriminator": {"channels": 16}}),
    "sagan": _SAGAN,
    # 28x28x1, 10 classes: G 7x7x128 -> 14x14x128 (attention) -> 28x28x64; D 28 -> 14x14x64
    # (attention) -> 7x7x128 -> plain 7x7x128.
    "sagan_28": at_resolution(_SAGAN, FASHION_MNIST, "fashion_mnist", model={"num_classes": 10}, networks={
        "generator": {"num_classes": 10, "attention_resolution": 14},
        "discriminator": {"num_classes": 10, "attention_resolution": 14}}),
    # 8x8x1, 10 classes, width 16: attention on the 4x4 maps (after G's linear, after D's
    # first block).
    "sagan_tiny": at_resolution(
        _SAGAN, DIGITS_8, "digits", batch_size=16, model={"num_classes": 10},
        networks={"generator": {"latent_dim": 16, "num_classes": 10, "base_channels": 16,
                                "attention_resolution": 4},
                  "discriminator": {"num_classes": 10, "base_channels": 16, "attention_resolution": 4}}),
}
