"""Presets of the VAE-GAN family (merged into keras_gans.presets).

VAE-GAN (Larsen et al. 2016), the authors' CelebA configuration (andersbll/
autoencoding_beyond_pixels: ``celeba_aegan.py``, ``aegan.py``, ``architectures.py``,
``model/aegan.py``):

* networks: ``keras_gans/networks/vaegan.py`` (64x64x3, z = 128), the similarity metric read
  from D's 4th convolution (``recon_depth=9``);
* losses: decoder ``1e-5 * L_llike + (1 - 1e-5) * L_G`` (``recon_vs_gan_weight=1e-5``), i.e.
  gamma = 1e-5 / (1 - 1e-5); D's real examples weighted 0.66 against 0.17 for each kind of
  fake (``real_vs_gen_weight=0.66``); the minimax generator loss; the equilibrium rule with
  equilibrium 0.68 and margin 0.35;
* optimizer: RMSProp (decay 0.9) for all three networks, rate 0.02 / 64 = 3.125e-4 at the start
  (the paper's "3e-4"), annealed per epoch of 250 updates over 150 epochs to 1e-5 / 64 with
  exponent 0.75 (deeppy's ``GammaAnnealer``); batch 64;
* weight decay 1e-5 on every kernel but the latent heads. deeppy adds ``2 * 1e-5 * W`` to the
  gradient of the batch-*sum* loss; our loss is the batch mean, so the L2 coefficient is
  1e-5 / 64 (the same RMSProp step).

Not reproduced: the code's CelebA crop and its data augmentation (random flips, small
translations, scalings, rotations, gamma/contrast/hue jitter); that belongs to the data
pipeline. ``vaegan_28`` and ``vaegan_tiny`` change image size and widths only.
"""

import copy

from keras_gans.models.vaegan import VAEGAN
from keras_gans.networks import vaegan as vaegan_networks

_BATCH = 64
_STEPS_PER_EPOCH = 250
_EPOCHS = 150


def _rmsprop_annealed(start=0.02 / _BATCH, stop=1e-5 / _BATCH):
    # deeppy's RMSProp adds eps = 1e-8 after the square root of the mean square of summed
    # gradients; Keras adds epsilon under the root: 1e-16 gives the same denominator at v = 0.
    return {
        "class_name": "RMSprop",
        "config": {
            "learning_rate": {
                "module": None,
                "class_name": "GammaAnnealing",
                "config": {
                    "initial_learning_rate": start,
                    "final_learning_rate": stop,
                    "decay_steps": _EPOCHS * _STEPS_PER_EPOCH,
                    "gamma": 0.75,
                    "steps_per_stage": _STEPS_PER_EPOCH,
                },
                "registered_name": "keras_gans>GammaAnnealing",
            },
            "rho": 0.9,
            "epsilon": 1e-16,
        },
    }


_WEIGHT_DECAY = 1e-5 / _BATCH
_IMAGE = (64, 64, 3)

_VAEGAN = {
    "paper": "Larsen et al. 2016, Autoencoding beyond pixels using a learned similarity metric",
    "model_class": "VAEGAN",
    "generator": ("vaegan_decoder", {"latent_dim": 128, "image_shape": _IMAGE, "weight_decay": _WEIGHT_DECAY}),
    "discriminator": ("vaegan_discriminator", {"image_shape": _IMAGE, "weight_decay": _WEIGHT_DECAY}),
    "networks": {
        "encoder": ("vaegan_encoder", {"image_shape": _IMAGE, "latent_dim": 128, "weight_decay": _WEIGHT_DECAY}),
    },
    "model": {
        "loss": "minimax",
        "latent_distribution": "normal",
        "feature_layer": "conv4",
        "reconstruction_weight": 1e-5 / (1.0 - 1e-5),
        "real_weight": 0.66,
        "equilibrium": 0.68,
        "margin": 0.35,
        "encoder_optimizer": _rmsprop_annealed(),
    },
    "optimizers": {"generator": _rmsprop_annealed(), "discriminator": _rmsprop_annealed()},
    "batch_size": _BATCH,
    "dataset": "celeb_a",
}


def _variant(base, image_shape, widths=None, latent_dim=None, batch_size=None, dataset=None):
    preset = copy.deepcopy(base)
    enc = preset["networks"]["encoder"][1]
    dec = preset["generator"][1]
    dis = preset["discriminator"][1]
    for kwargs in (enc, dec, dis):
        kwargs["image_shape"] = image_shape
    for key, value in (widths or {}).items():
        network, arg = key.split(".")
        {"enc": enc, "dec": dec, "dis": dis}[network][arg] = value
    if latent_dim is not None:
        enc["latent_dim"] = dec["latent_dim"] = latent_dim
    if batch_size is not None:
        preset["batch_size"] = batch_size
    if dataset is not None:
        preset["dataset"] = dataset
    return preset


PRESETS = {
    "vaegan": _VAEGAN,
    # The paper's networks and training at Fashion-MNIST's 28x28x1 (D's features: 4x4x256).
    "vaegan_28": _variant(_VAEGAN, (28, 28, 1), dataset="fashion_mnist"),
    # 16x16 digits (8x8 upsampled), widths / 8, z = 16; training settings unchanged.
    "vaegan_tiny": _variant(
        _VAEGAN,
        (16, 16, 1),
        widths={
            "enc.filters": (8, 16, 32), "enc.dense_units": 32,
            "dec.projection_filters": 32, "dec.filters": (32, 16, 4),
            "dis.first_filters": 4, "dis.filters": (16, 32, 32), "dis.dense_units": 32,
        },
        latent_dim=16,
        batch_size=16,
        dataset="digits",
    ),
}

NETWORKS = {
    "vaegan_encoder": vaegan_networks.vaegan_encoder,
    "vaegan_decoder": vaegan_networks.vaegan_decoder,
    "vaegan_discriminator": vaegan_networks.vaegan_discriminator,
}

MODEL_CLASSES = {"VAEGAN": VAEGAN}
