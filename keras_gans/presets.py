"""Named configurations: paper configs and tiny configs for tests and CPU demos.

A preset is data: which network builders to call with which arguments, how the GAN is
trained (loss, n_critic, penalty), the paper's optimizers, batch size and dataset.
``build(name)`` turns it into an uncompiled :class:`keras_gans.models.gan.GAN` whose
``compile()`` with no arguments uses the paper's optimizers.
"""

import copy

from keras_gans.models.gan import GAN
from keras_gans.networks import dcgan


def _adam(learning_rate, beta_1, beta_2=0.999):
    return {
        "class_name": "Adam",
        "config": {"learning_rate": learning_rate, "beta_1": beta_1, "beta_2": beta_2},
    }


NETWORKS = {
    "dcgan_generator": dcgan.dcgan_generator,
    "dcgan_discriminator": dcgan.dcgan_discriminator,
}

_DCGAN = {
    "paper": "Radford et al. 2015, Unsupervised Representation Learning with DCGANs",
    "generator": ("dcgan_generator", {"latent_dim": 100, "image_shape": (64, 64, 3), "base_filters": 128}),
    "discriminator": ("dcgan_discriminator", {"image_shape": (64, 64, 3), "base_filters": 128}),
    # Non-saturating G loss and z ~ U[-1, 1], as in the official code.
    "model": {"loss": "modified", "latent_distribution": "uniform"},
    "optimizers": {"generator": _adam(2e-4, 0.5), "discriminator": _adam(2e-4, 0.5)},
    "batch_size": 128,
    "dataset": "celeb_a",
}

# WGAN-GP: the authors' MNIST configuration (igul222/improved_wgan_training, gan_mnist.py):
# DCGAN-like G and critic without any normalisation, z=128 ~ N(0, 1), DIM=64, batch 50,
# lambda 10, 5 critic iterations with a fresh real batch each. The paper's Algorithm 1 says
# Adam betas (0, 0.9); that MNIST script uses (0.5, 0.9). We follow the code.
_WGAN_GP = {
    "paper": "Gulrajani et al. 2017, Improved Training of Wasserstein GANs",
    "generator": (
        "dcgan_generator",
        {"latent_dim": 128, "image_shape": (28, 28, 1), "base_filters": 64, "normalization": None,
         "kernel_initializer": "glorot_uniform"},
    ),
    "discriminator": (
        "dcgan_discriminator",
        {"image_shape": (28, 28, 1), "base_filters": 64, "normalization": None,
         "kernel_initializer": "glorot_uniform"},
    ),
    "model": {"loss": "wasserstein", "n_critic": 5, "gradient_penalty": "wgan",
              "gradient_penalty_weight": 10.0},
    "optimizers": {"generator": _adam(1e-4, 0.5, 0.9), "discriminator": _adam(1e-4, 0.5, 0.9)},
    "batch_size": 50,
    "dataset": "fashion_mnist",
}


def _variant(base, **changes):
    preset = copy.deepcopy(base)
    for key, value in changes.items():
        if key in ("generator", "discriminator"):
            preset[key] = (preset[key][0], {**preset[key][1], **value})
        else:
            preset[key] = value
    return preset


PRESETS = {
    "dcgan": _DCGAN,
    # The paper's architecture and training at Fashion-MNIST's 28x28x1 with ndf = ngf = 64.
    "dcgan_28": _variant(
        _DCGAN,
        generator={"image_shape": (28, 28, 1), "base_filters": 64},
        discriminator={"image_shape": (28, 28, 1), "base_filters": 64},
        dataset="fashion_mnist",
    ),
    # Widths and resolution shrunk for tests and CPU demos; training settings unchanged.
    "dcgan_tiny": _variant(
        _DCGAN,
        generator={"latent_dim": 16, "image_shape": (8, 8, 1), "base_filters": 8},
        discriminator={"image_shape": (8, 8, 1), "base_filters": 8},
        batch_size=32,
        dataset="digits",
    ),
    "wgan_gp": _WGAN_GP,
    "wgan_gp_tiny": _variant(
        _WGAN_GP,
        generator={"latent_dim": 16, "image_shape": (8, 8, 1), "base_filters": 8},
        discriminator={"image_shape": (8, 8, 1), "base_filters": 8},
        batch_size=10,
        dataset="digits",
    ),
}


def get(name):
    """Returns a deep copy of the preset ``name``."""
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}; available presets: {sorted(PRESETS)}.")
    return copy.deepcopy(PRESETS[name])


def build(name, seed=None, generator_overrides=None, discriminator_overrides=None, **model_overrides):
    """Builds the uncompiled GAN of preset ``name``.

    Args:
        name: a key of ``PRESETS``.
        seed: int seed for weight initialisation and the GAN's random draws.
        generator_overrides / discriminator_overrides: network builder arguments to change.
        **model_overrides: GAN constructor arguments to change (e.g. ``ema_decay=0.999``).
    """
    preset = get(name)
    g_name, g_kwargs = preset["generator"]
    d_name, d_kwargs = preset["discriminator"]
    g_kwargs = {**g_kwargs, **(generator_overrides or {})}
    d_kwargs = {**d_kwargs, **(discriminator_overrides or {})}
    if seed is not None:
        g_kwargs.setdefault("seed", seed)
        d_kwargs.setdefault("seed", seed)
    generator = NETWORKS[g_name](**g_kwargs)
    discriminator = NETWORKS[d_name](**d_kwargs)
    model_kwargs = {
        **preset["model"],
        "generator_optimizer": preset["optimizers"]["generator"],
        "discriminator_optimizer": preset["optimizers"]["discriminator"],
        "seed": seed,
        **model_overrides,
    }
    return GAN(generator, discriminator, name=name, **model_kwargs)
