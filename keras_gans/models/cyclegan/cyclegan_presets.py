"""Presets of CycleGAN (Zhu et al. 2017), as the authors' PyTorch code trains it.

``cyclegan`` is the paper's 256x256 configuration (``--model cycle_gan --netG resnet_9blocks
--netD basic --norm instance --no_dropout --gan_mode lsgan --lambda_A 10 --lambda_B 10
--lambda_identity 0.5 --pool_size 50 --batch_size 1 --lr 2e-4 --beta1 0.5 --n_epochs 100
--n_epochs_decay 100``, load 286 then a random 256 crop and flip); ``cyclegan_128`` the
code's 128 px setting (``resnet_6blocks``); ``cyclegan_fmnist`` a CPU-sized run between two
Fashion-MNIST classes; ``cyclegan_tiny`` for tests.
"""

from keras_gans.core.optimizers import adam, constant_then_linear_decay
from keras_gans.models.unpaired import UnpairedTranslation
from keras_gans.networks.cyclegan import resnet_generator
from keras_gans.networks.patchgan import patchgan_discriminator
from keras_gans.presets import at_resolution, registry_table, variant

NETWORKS = registry_table(resnet_generator, patchgan_discriminator)
MODEL_CLASSES = registry_table(UnpairedTranslation)

# lr 2e-4 for 100 epochs, then linearly to 0 over 100 more, per epoch; an epoch is
# max(|A|, |B|) images at batch 1: 1,334 for horse2zebra (1,067 horses, 1,334 zebras).
_LR = constant_then_linear_decay(2e-4, 100, 100, 1334)


def _adam(learning_rate):
    return adam(learning_rate, 0.5, 0.999)


def _networks(shape, blocks, filters=64, layers=3):
    g = ("resnet_generator", {"image_shape": shape, "output_channels": shape[-1], "base_filters": filters,
                              "num_blocks": blocks, "normalization": "instance"})
    d = ("patchgan_discriminator", {"image_shape": shape, "base_filters": filters, "num_layers": layers,
                                    "normalization": "instance"})
    return {"generator": g, "discriminator": d, "generator_ba": g, "discriminator_a": d}


_CYCLEGAN = {
    "metadata": {
        "paper": "Zhu, Park, Isola & Efros 2017, Unpaired Image-to-Image Translation using "
                 "Cycle-Consistent Adversarial Networks",
        "code": "junyanz/pytorch-CycleGAN-and-pix2pix (models/cycle_gan_model.py, models/networks.py, "
                "util/image_pool.py)",
        "differences": "One Adam per network instead of one over both generators (and both "
                       "discriminators): Adam is per weight, so the updates are the same. The official "
                       "MSELoss G term is twice our least-squares loss: adversarial_weight 2. Trainable "
                       "parameters per generator 11,378,179 (9 blocks) / 7,837,699 (6 blocks), per "
                       "discriminator 2,764,737, equal to the official code.",
    },
    "model_class": "UnpairedTranslation",
    "networks": _networks((256, 256, 3), 9),
    "model": {"loss": "least_squares", "cycle_weight": 10.0, "identity_weight": 0.5, "adversarial_weight": 2.0,
              "discriminator_weight": 1.0, "pool_size": 50},
    "optimizers": {role: _adam(_LR) for role in ("generator", "discriminator", "generator_ba", "discriminator_a")},
    "data": {"format": "unpaired", "dataset": "cycle_gan/horse2zebra", "batch_size": 1,
             "image_shape": (256, 256, 3)},
}

_CONSTANT = {role: _adam(2e-4) for role in _CYCLEGAN["optimizers"]}


def _replace_networks(base, networks, **changes):
    preset = variant(base, **changes)
    preset["networks"] = networks
    return preset


PRESETS = {
    "cyclegan": _CYCLEGAN,
    "cyclegan_128": _replace_networks(
        at_resolution(_CYCLEGAN, (128, 128, 3)), _networks((128, 128, 3), 6)),
    # Sneaker <-> ankle boot (6,000 each, 28x28 gray): the paper's recipe with 32 filters and 6
    # blocks (about a fifth of the 128 px net's parameters), a 2-layer PatchGAN (the 3-layer one
    # would see a 3x3 grid of a 28 px image), batch 16 and a constant lr for a CPU-length run.
    "cyclegan_fmnist": _replace_networks(
        at_resolution(_CYCLEGAN, (28, 28, 1), "fashion_mnist_pair/sneaker-ankle_boot", batch_size=16,
                      optimizers=_CONSTANT),
        _networks((28, 28, 1), 6, filters=32, layers=2),
        metadata={"differences": "CPU-sized: 32 filters, 6 blocks, a 2-layer PatchGAN, batch 16, constant "
                                 "lr 2e-4, 28x28 gray images without jitter."}),
    "cyclegan_tiny": _replace_networks(
        at_resolution(_CYCLEGAN, (16, 16, 1), "fashion_mnist_pair/sneaker-ankle_boot", batch_size=4,
                      optimizers=_CONSTANT),
        _networks((16, 16, 1), 1, filters=4, layers=1), model={"pool_size": 4}),
}
