"""Presets of the VAE-GAN family.

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

from keras_gans.models.vaegan import VAEGAN
from keras_gans.networks import vaegan as vaegan_networks
from keras_gans.presets import FASHION_MNIST, at_resolution, registry_table

NETWORKS = registry_table(vaegan_networks.vaegan_encoder, vaegan_networks.vaegan_decoder,
                          vaegan_networks.vaegan_discriminator)
MODEL_CLASSES = registry_table(VAEGAN)

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
    "metadata": {
        "paper": "Larsen et al. 2016, Autoencoding beyond pixels using a learned similarity metric",
        "code": "andersbll/autoencoding_beyond_pixels, celeba_aegan.py, aegan.py, architectures.py, "
                "model/aegan.py",
        "differences": "L2 coefficient 1e-5 / 64 on the batch-mean loss (deeppy's 1e-5 on the "
                       "batch sum: the same RMSProp step). RMSProp epsilon 1e-16 under the root "
                       "for deeppy's 1e-8 after it. Not reproduced: the code's CelebA crop and "
                       "data augmentation (flips, translations, scalings, rotations, colour "
                       "jitter), which belong to the data pipeline.",
    },
    "model_class": "VAEGAN",
    "networks": {
        "generator": ("vaegan_decoder", {"latent_dim": 128, "image_shape": _IMAGE, "weight_decay": _WEIGHT_DECAY}),
        "discriminator": ("vaegan_discriminator", {"image_shape": _IMAGE, "weight_decay": _WEIGHT_DECAY}),
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
    },
    "optimizers": {"generator": _rmsprop_annealed(), "discriminator": _rmsprop_annealed(),
                   "encoder": _rmsprop_annealed()},
    "data": {"format": "images", "dataset": "celeb_a", "batch_size": _BATCH, "image_shape": _IMAGE},
}

_TINY = (16, 16, 1)

PRESETS = {
    "vaegan": _VAEGAN,
    # The paper's networks and training at Fashion-MNIST's 28x28x1 (D's features: 4x4x256).
    "vaegan_28": at_resolution(_VAEGAN, FASHION_MNIST, "fashion_mnist"),
    # 16x16 digits (8x8 upsampled), widths / 8, z = 16; training settings unchanged.
    "vaegan_tiny": at_resolution(_VAEGAN, _TINY, "digits", batch_size=16, networks={
        "generator": {"latent_dim": 16, "projection_filters": 32, "filters": (32, 16, 4)},
        "discriminator": {"first_filters": 4, "filters": (16, 32, 32), "dense_units": 32},
        "encoder": {"latent_dim": 16, "filters": (8, 16, 32), "dense_units": 32}}),
}
