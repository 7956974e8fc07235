"""Named configurations: paper configs and tiny configs for tests and CPU demos.

A preset is data: which network builders to call with which arguments, how the GAN is
trained (loss, n_critic, penalty), the paper's optimizers, batch size and dataset.
``build(name)`` turns it into an uncompiled :class:`keras_gans.models.gan.GAN` whose
``compile()`` with no arguments uses the paper's optimizers.
"""

import copy

from keras_gans.models.gan import GAN
from keras_gans.networks import dcgan
from keras_gans.networks import mlp
from keras_gans.networks import lsgan, wgan
from keras_gans.preset_defs import conditional, resnet, vaegan, veegan
from keras_gans.preset_defs.common import adam, adam_eps, rmsprop, sgd_decay, variant


NETWORKS = {
    "dcgan_generator": dcgan.dcgan_generator,
    "dcgan_discriminator": dcgan.dcgan_discriminator,
    "mlp_generator": mlp.mlp_generator,
    "mlp_discriminator": mlp.mlp_discriminator,
    "gan_generator": mlp.goodfellow_generator,
    "gan_discriminator": mlp.goodfellow_discriminator,
    "wgan_generator": wgan.wgan_generator,
    "lsgan_generator": lsgan.lsgan_generator,
    "lsgan_discriminator": lsgan.lsgan_discriminator,
}

_DCGAN = {
    "paper": "Radford et al. 2015, Unsupervised Representation Learning with DCGANs",
    "generator": ("dcgan_generator", {"latent_dim": 100, "image_shape": (64, 64, 3), "base_filters": 128}),
    "discriminator": ("dcgan_discriminator", {"image_shape": (64, 64, 3), "base_filters": 128}),
    # Non-saturating G loss and z ~ U[-1, 1], as in the official code.
    "model": {"loss": "modified", "latent_distribution": "uniform"},
    "optimizers": {"generator": adam(2e-4, 0.5), "discriminator": adam(2e-4, 0.5)},
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
    "optimizers": {"generator": adam(1e-4, 0.5, 0.9), "discriminator": adam(1e-4, 0.5, 0.9)},
    "batch_size": 50,
    "dataset": "fashion_mnist",
}


# The original GAN: the authors' MNIST configuration (goodfeli/adversarial, mnist.yaml).
# G 100 -> 1200 ReLU -> 1200 ReLU -> 784 (tanh here, sigmoid there: our images are in [-1, 1]),
# D maxout 240x5 -> maxout 240x5 -> 1 with dropout 0.2 on its input and 0.5 on later layers,
# z ~ N(0, 1), batch 100, SGD lr 0.1 divided by 1.000004 after every update, momentum 0.5.
# Differences we keep, and why: the official D objective is 0.5 * (CE_real + CE_fake); ours is
# CE_real + CE_fake, so D's lr is 0.05 (the same SGD update). The yaml raises the momentum
# linearly from 0.5 (epoch 1) to 0.7 (epoch 250) and floors the lr at 1e-6 (reached after
# ~2.9M updates); Keras' SGD keeps a constant momentum, so we keep 0.5, the value over the first
# epochs. The official code updates G and D simultaneously from one batch; our GAN alternates
# (D first). The G loss is the non-saturating -log D(G(z)) (AdversaryCost2); gan_minimax keeps
# the paper's minimax log(1 - D(G(z))). The authors trained on MNIST (--dataset=mnist).
_GAN = {
    "paper": "Goodfellow et al. 2014, Generative Adversarial Nets",
    "generator": ("gan_generator", {"latent_dim": 100, "image_shape": (28, 28, 1), "width": 1200}),
    "discriminator": ("gan_discriminator", {"image_shape": (28, 28, 1), "units": 240, "pieces": 5}),
    "model": {"loss": "modified", "latent_distribution": "normal"},
    "optimizers": {"generator": sgd_decay(0.1, 0.5, 1.000004),
                   "discriminator": sgd_decay(0.05, 0.5, 1.000004)},
    "batch_size": 100,
    "dataset": "fashion_mnist",
}


# 2-D mixtures (keras_gans/data/mixtures.py), the mode-collapse benchmark. Networks and
# training of the unrolled-GAN authors' public notebook (poolio/unrolled_gan, "Unrolled GAN
# demo.ipynb", with unrolling_steps=0: a plain GAN): G z=256 ~ N(0, 1) -> 128 tanh -> 128 tanh
# -> 2 linear, D 2 -> 128 tanh -> 128 tanh -> 1 logit, orthogonal init with gain 1.4 (slim's
# default zero biases), batch 512, Adam lr_G 1e-3, lr_D 1e-4, beta1 0.5, epsilon 1e-8, G loss
# the minimax one (the notebook's G minimises -L_D). The notebook says its settings differ from
# the paper's; it also updates G and D simultaneously, our GAN alternates (D first).
_MIXTURE_GAN = {
    "paper": "Metz et al. 2017, Unrolled Generative Adversarial Networks (official notebook)",
    "generator": (
        "mlp_generator",
        {"latent_dim": 256, "output_dim": 2, "width": 128, "depth": 2, "activation": "tanh",
         "kernel_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.4}}},
    ),
    "discriminator": (
        "mlp_discriminator",
        {"input_dim": 2, "width": 128, "depth": 2, "activation": "tanh",
         "kernel_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.4}}},
    ),
    "model": {"loss": "minimax"},
    "optimizers": {"generator": adam_eps(1e-3, 0.5), "discriminator": adam_eps(1e-4, 0.5)},
    "batch_size": 512,
    "dataset": "ring8",
}


# WGAN: the authors' code (martinarjovsky/WassersteinGAN, main.py, models/dcgan.py), whose
# defaults are the paper's LSUN-bedroom run: PyTorch-style DCGAN G and critic (4x4 kernels,
# ngf = ndf = 64, batch norm in G *and* in the critic, no biases, N(0, 0.02) init), no sigmoid,
# z = 100 ~ N(0, 1), 64x64x3, batch 64, RMSProp lr 5e-5 for both, 5 critic updates per G update
# (each on a fresh real batch), every critic parameter (BN scales and offsets included) clipped
# to [-0.01, 0.01]. Where we differ from the code, and why:
# * it clamps just before each critic update, we clip just after it (the paper's Algorithm 1),
#   so our G step sees a critic inside the box, theirs one RMSProp step outside it;
# * it runs 100 critic updates for the first 25 generator updates and at every 500th: not
#   supported. A train_step here consumes n_critic fixed-size real batches; 100 fresh batches
#   in some steps would need a different batch size per step, which fit() on one dataset (and
#   steps_per_execution) cannot give, and reusing the same batches would not be the code's
#   rule either. The paper's Algorithm 1 has a constant n_critic = 5;
# * its critic minimises f(real) - f(fake), ours f(fake) - f(real): clipping is symmetric,
#   so this only flips the sign of the critic.
_WGAN = {
    "paper": "Arjovsky, Chintala & Bottou 2017, Wasserstein GAN",
    "generator": ("wgan_generator", {"latent_dim": 100, "image_shape": (64, 64, 3), "base_filters": 64}),
    "discriminator": ("dcgan_discriminator", {"image_shape": (64, 64, 3), "base_filters": 64, "kernel_size": 4}),
    "model": {"loss": "wasserstein", "n_critic": 5, "weight_clip": 0.01, "latent_distribution": "normal"},
    "optimizers": {"generator": rmsprop(5e-5), "discriminator": rmsprop(5e-5)},
    "batch_size": 64,
    "dataset": "lsun/bedroom",
}

# LSGAN: the authors' scene-generation code (xudonmao/LSGAN, train_lsun.py, vgg.py, ops.py),
# the paper's LSUN architecture (keras_gans/networks/lsgan.py): 112x112x3 (the code's default
# data file is church112), z = 1024 ~ U[-1, 1], batch 64, Adam lr 1e-3 beta1 0.5 for both (TF1
# defaults beta2 0.999, epsilon 1e-8), least-squares losses with the 0-1 coding a=0, b=1, c=1,
# each a half squared error (tf.nn.l2_loss). Where we differ from the code: it sums the squared
# errors over the batch, we average them, the same Adam update up to epsilon (Adam is invariant
# to the loss scale); it feeds one z batch to both steps of an iteration, we draw fresh latents.
_LSGAN = {
    "paper": "Mao et al. 2017, Least Squares Generative Adversarial Networks",
    "generator": ("lsgan_generator", {"latent_dim": 1024, "image_shape": (112, 112, 3), "base_filters": 64}),
    "discriminator": ("lsgan_discriminator", {"image_shape": (112, 112, 3), "base_filters": 64}),
    "model": {"loss": "least_squares", "latent_distribution": "uniform"},
    "optimizers": {"generator": adam_eps(1e-3, 0.5), "discriminator": adam_eps(1e-3, 0.5)},
    "batch_size": 64,
    "dataset": "lsun/church_outdoor",
}

# DRAGAN: the authors' code (kodalinaveen3/DRAGAN, DRAGAN.ipynb), an MNIST MLP: G z = 100 ~
# U[-1, 1] -> 128 ReLU -> 784, D 784 -> 128 ReLU -> 1 logit, weights N(0, 2 / fan_in) (their
# "xavier_init" is He's, untruncated), zero biases, batch 128, one D update per G update,
# sigmoid cross-entropy D loss and non-saturating G loss, penalty 10 * (||grad D(x_hat)|| - 1)^2
# at x_hat = x + alpha * (x_p - x), x_p = x + 0.5 * std(x) * U[0, 1] (losses.dragan_penalty),
# Adam lr 1e-4 betas (0.5, 0.9) for both (TF1 epsilon 1e-8). The paper writes the perturbation
# as N(0, cI) noise; we follow the code. Where we differ: their G ends in a sigmoid for MNIST in
# [0, 1], ours in tanh for this project's [-1, 1] data (the perturbation scales with std(x), so
# it is the same relative to the data). They trained on MNIST (--dataset=mnist).
_HE_NORMAL = {"class_name": "VarianceScaling",
              "config": {"scale": 2.0, "mode": "fan_in", "distribution": "untruncated_normal"}}
_DRAGAN = {
    "paper": "Kodali et al. 2017, On Convergence and Stability of GANs",
    "generator": (
        "mlp_generator",
        {"latent_dim": 100, "image_shape": (28, 28, 1), "width": 128, "depth": 1, "activation": "relu",
         "output_activation": "tanh", "kernel_initializer": _HE_NORMAL},
    ),
    "discriminator": (
        "mlp_discriminator",
        {"image_shape": (28, 28, 1), "width": 128, "depth": 1, "activation": "relu",
         "kernel_initializer": _HE_NORMAL},
    ),
    "model": {"loss": "modified", "gradient_penalty": "dragan", "gradient_penalty_weight": 10.0,
              "latent_distribution": "uniform"},
    "optimizers": {"generator": adam_eps(1e-4, 0.5, 0.9), "discriminator": adam_eps(1e-4, 0.5, 0.9)},
    "batch_size": 128,
    "dataset": "fashion_mnist",
}


PRESETS = {
    "dcgan": _DCGAN,
    # The paper's architecture and training at Fashion-MNIST's 28x28x1 with ndf = ngf = 64.
    "dcgan_28": variant(
        _DCGAN,
        generator={"image_shape": (28, 28, 1), "base_filters": 64},
        discriminator={"image_shape": (28, 28, 1), "base_filters": 64},
        dataset="fashion_mnist",
    ),
    # Widths and resolution shrunk for tests and CPU demos; training settings unchanged.
    "dcgan_tiny": variant(
        _DCGAN,
        generator={"latent_dim": 16, "image_shape": (8, 8, 1), "base_filters": 8},
        discriminator={"image_shape": (8, 8, 1), "base_filters": 8},
        batch_size=32,
        dataset="digits",
    ),
    "wgan_gp": _WGAN_GP,
    "wgan_gp_tiny": variant(
        _WGAN_GP,
        generator={"latent_dim": 16, "image_shape": (8, 8, 1), "base_filters": 8},
        discriminator={"image_shape": (8, 8, 1), "base_filters": 8},
        batch_size=10,
        dataset="digits",
    ),
    # Original GAN (Goodfellow et al. 2014); G loss non-saturating, as the authors trained it.
    "gan": _GAN,
    "gan_minimax": variant(_GAN, model={"loss": "minimax", "latent_distribution": "normal"}),
    "gan_tiny": variant(
        _GAN,
        generator={"latent_dim": 16, "image_shape": (8, 8, 1), "width": 32},
        discriminator={"image_shape": (8, 8, 1), "units": 16},
        batch_size=32,
        dataset="digits",
    ),
    # 2-D mixtures: a plain GAN (minimax G loss, the unrolled-GAN notebook's), then remedies
    # that change only the objective / regulariser (same networks, batch, optimizers unless
    # said). Use dataset="ring8" or "grid25".
    "mixture_gan": _MIXTURE_GAN,
    # Non-saturating G loss: the baseline for DRAGAN and R1, which use it.
    "mixture_gan_ns": variant(_MIXTURE_GAN, model={"loss": "modified"}),
    "mixture_lsgan": variant(_MIXTURE_GAN, model={"loss": "least_squares"}),
    "mixture_hinge": variant(_MIXTURE_GAN, model={"loss": "hinge"}),
    # The WGAN-GP authors' toy code (igul222/improved_wgan_training, gan_toy.py): 5 critic
    # steps, lambda 0.1 ("smaller lambda makes things faster for toy tasks"; the paper's 10
    # is for images), Adam 1e-4 betas (0.5, 0.9) for both, batch 256. Their toy networks are
    # 3 x 512 ReLU; we keep the notebook's so that only the method changes.
    "mixture_wgan_gp": variant(
        _MIXTURE_GAN,
        model={"loss": "wasserstein", "n_critic": 5, "gradient_penalty": "wgan",
               "gradient_penalty_weight": 0.1},
        optimizers={"generator": adam_eps(1e-4, 0.5, 0.9), "discriminator": adam_eps(1e-4, 0.5, 0.9)},
        batch_size=256,
    ),
    # DRAGAN (Kodali et al. 2017): non-saturating loss + penalty around perturbed real data,
    # lambda 10 as in the paper.
    "mixture_dragan": variant(
        _MIXTURE_GAN,
        model={"loss": "modified", "gradient_penalty": "dragan", "gradient_penalty_weight": 10.0},
    ),
    # R1 (Mescheder et al. 2018): non-saturating loss + reg_param * mean ||grad D(x_real)||^2
    # with reg_param 10, the authors' default (LMescheder/GAN_stability, configs/default.yaml).
    "mixture_r1": variant(
        _MIXTURE_GAN,
        model={"loss": "modified", "gradient_penalty": "r1", "gradient_penalty_weight": 10.0},
    ),
    # Remedies aimed at mode collapse (seed 004), each the plain GAN plus one change.
    # Unrolled GAN (Metz et al. 2017): G's loss through D unrolled 5 steps of D's own Adam,
    # the official notebook's unrolling_steps=5 (same networks, batch and optimizers).
    "mixture_unrolled": variant(_MIXTURE_GAN, model={"loss": "minimax", "unrolled_steps": 5}),
    # Minibatch discrimination (Salimans et al. 2016) before D's logit: 5 kernels of dimension
    # 3. The official improved-gan layer has 100 x 5, but its cost grows as batch^2 x kernels x
    # dim: at this benchmark's batch of 512 a D call's forward + backward took 0.26 s with 16 x 5
    # on 2 cores (25 min per 2,000-step run), 0.04 s with 5 x 3. Small for 2-D data anyway.
    "mixture_minibatch": variant(_MIXTURE_GAN, discriminator={
        "minibatch_discrimination": {"num_kernels": 5, "kernel_dim": 3}}),
    # Feature matching (Salimans et al. 2016) on D's last hidden layer.
    "mixture_feature_matching": variant(_MIXTURE_GAN, model={"loss": "minimax",
                                                             "feature_matching_layer": "dense2"}),
    # WGAN, LSGAN, DRAGAN: the paper configs, the same at Fashion-MNIST's 28x28x1 (WGAN,
    # LSGAN), and tiny configs (widths and resolution shrunk; training settings unchanged).
    "wgan": _WGAN,
    "wgan_28": variant(
        _WGAN,
        generator={"image_shape": (28, 28, 1)},
        discriminator={"image_shape": (28, 28, 1)},
        dataset="fashion_mnist",
    ),
    # 16x16 (digits upsampled), not 8x8: the smallest size at which the critic has a BN layer.
    "wgan_tiny": variant(
        _WGAN,
        generator={"latent_dim": 16, "image_shape": (16, 16, 1), "base_filters": 8},
        discriminator={"image_shape": (16, 16, 1), "base_filters": 8},
        batch_size=10,
        dataset="digits",
    ),
    "lsgan": _LSGAN,
    "lsgan_28": variant(
        _LSGAN,
        generator={"image_shape": (28, 28, 1)},
        discriminator={"image_shape": (28, 28, 1)},
        dataset="fashion_mnist",
    ),
    "lsgan_tiny": variant(
        _LSGAN,
        generator={"latent_dim": 16, "image_shape": (8, 8, 1), "base_filters": 4},
        discriminator={"image_shape": (8, 8, 1), "base_filters": 4},
        batch_size=16,
        dataset="digits",
    ),
    "dragan": _DRAGAN,
    "dragan_tiny": variant(
        _DRAGAN,
        generator={"latent_dim": 16, "image_shape": (8, 8, 1), "width": 16},
        discriminator={"image_shape": (8, 8, 1), "width": 16},
        batch_size=32,
        dataset="digits",
    ),
}


# Model families defined in their own modules (keras_gans/preset_defs/<family>.py), each with
# PRESETS, NETWORKS and MODEL_CLASSES dicts of the same form as here.
MODEL_CLASSES = {"GAN": GAN}
for _family in (conditional, resnet, vaegan, veegan):
    for _table, _entries in (
        (PRESETS, _family.PRESETS), (NETWORKS, _family.NETWORKS), (MODEL_CLASSES, _family.MODEL_CLASSES)
    ):
        _clash = set(_table) & set(_entries)
        if _clash:
            raise ImportError(f"{_family.__name__} redefines {sorted(_clash)}")
        _table.update(_entries)


def get(name):
    """Returns a deep copy of the preset ``name``."""
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}; available presets: {sorted(PRESETS)}.")
    return copy.deepcopy(PRESETS[name])


def _build_network(spec, overrides, seed):
    builder, kwargs = spec
    kwargs = {**kwargs, **(overrides or {})}
    if seed is not None:
        kwargs.setdefault("seed", seed)
    return NETWORKS[builder](**kwargs)


def build(name, seed=None, generator_overrides=None, discriminator_overrides=None,
          network_overrides=None, **model_overrides):
    """Builds the uncompiled model of preset ``name``.

    A preset names its model class in ``"model_class"`` (default ``"GAN"``, see
    ``MODEL_CLASSES``); networks besides the generator and discriminator (an encoder, a
    reconstructor) are listed in ``"networks"`` and passed to the class by keyword.

    Args:
        name: a key of ``PRESETS``.
        seed: int seed for weight initialisation and the model's random draws.
        generator_overrides / discriminator_overrides: network builder arguments to change.
        network_overrides: ``{network keyword: {builder argument: value}}`` for the extra
            networks.
        **model_overrides: model constructor arguments to change (e.g. ``ema_decay=0.999``).
    """
    preset = get(name)
    generator = _build_network(preset["generator"], generator_overrides, seed)
    discriminator = _build_network(preset["discriminator"], discriminator_overrides, seed)
    extra = {
        key: _build_network(spec, (network_overrides or {}).get(key), seed)
        for key, spec in preset.get("networks", {}).items()
    }
    model_kwargs = {
        **preset["model"],
        "generator_optimizer": preset["optimizers"]["generator"],
        "discriminator_optimizer": preset["optimizers"]["discriminator"],
        "seed": seed,
        **extra,
        **model_overrides,
    }
    model_class = MODEL_CLASSES[preset.get("model_class", "GAN")]
    return model_class(generator, discriminator, name=name, **model_kwargs)
