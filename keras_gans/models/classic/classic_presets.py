"""Presets of the classic unconditional GANs: GAN, DCGAN, WGAN, WGAN-GP, LSGAN, DRAGAN.

Each paper preset has variants: ``_28`` (the same networks and training at Fashion-MNIST's
28x28x1) and ``_tiny`` (widths and resolution shrunk for tests and CPU demos, training
settings unchanged, dataset "digits"), both made with :func:`keras_gans.presets.at_resolution`;
``gan_minimax`` is the paper's minimax G loss.
"""

from keras_gans.core.optimizers import adam, adam_eps, rmsprop, sgd_decay
from keras_gans.models.gan import GAN
from keras_gans.networks import dcgan, lsgan, mlp, wgan
from keras_gans.presets import DIGITS_8, FASHION_MNIST, at_resolution, registry_table, variant

NETWORKS = registry_table(
    dcgan.dcgan_generator, dcgan.dcgan_discriminator, mlp.mlp_generator, mlp.mlp_discriminator,
    mlp.goodfellow_generator, mlp.goodfellow_discriminator, wgan.wgan_generator,
    lsgan.lsgan_generator, lsgan.lsgan_discriminator)
MODEL_CLASSES = registry_table(GAN)

# DCGAN: non-saturating G loss and z ~ U[-1, 1], as in the official code.
_DCGAN = {
    "metadata": {
        "paper": "Radford et al. 2015, Unsupervised Representation Learning with DCGANs",
        "code": "Newmu/dcgan_code",
        "differences": "None recorded: the non-saturating G loss and z ~ U[-1, 1] follow the "
                       "official code.",
    },
    "model_class": "GAN",
    "networks": {
        "generator": ("dcgan_generator", {"latent_dim": 100, "image_shape": (64, 64, 3), "base_filters": 128}),
        "discriminator": ("dcgan_discriminator", {"image_shape": (64, 64, 3), "base_filters": 128}),
    },
    "model": {"loss": "modified", "latent_distribution": "uniform"},
    "optimizers": {"generator": adam(2e-4, 0.5), "discriminator": adam(2e-4, 0.5)},
    "data": {"format": "images", "dataset": "celeb_a", "batch_size": 128, "image_shape": (64, 64, 3)},
}

# WGAN-GP: the authors' MNIST configuration (igul222/improved_wgan_training, gan_mnist.py):
# DCGAN-like G and critic without any normalisation, z=128 ~ N(0, 1), DIM=64, batch 50,
# lambda 10, 5 critic iterations with a fresh real batch each. The paper's Algorithm 1 says
# Adam betas (0, 0.9); that MNIST script uses (0.5, 0.9). We follow the code.
_WGAN_GP = {
    "metadata": {
        "paper": "Gulrajani et al. 2017, Improved Training of Wasserstein GANs",
        "code": "igul222/improved_wgan_training, gan_mnist.py",
        "differences": "Adam betas (0.5, 0.9) as in the MNIST script, not Algorithm 1's (0, 0.9). "
                       "Trained on Fashion-MNIST (offline) instead of MNIST.",
    },
    "model_class": "GAN",
    "networks": {
        "generator": (
            "dcgan_generator",
            {"latent_dim": 128, "image_shape": FASHION_MNIST, "base_filters": 64, "normalization": None,
             "kernel_initializer": "glorot_uniform"},
        ),
        "discriminator": (
            "dcgan_discriminator",
            {"image_shape": FASHION_MNIST, "base_filters": 64, "normalization": None,
             "kernel_initializer": "glorot_uniform"},
        ),
    },
    "model": {"loss": "wasserstein", "n_critic": 5, "gradient_penalty": "wgan",
              "gradient_penalty_weight": 10.0},
    "optimizers": {"generator": adam(1e-4, 0.5, 0.9), "discriminator": adam(1e-4, 0.5, 0.9)},
    "data": {"format": "images", "dataset": "fashion_mnist", "batch_size": 50, "image_shape": FASHION_MNIST},
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
    "metadata": {
        "paper": "Goodfellow et al. 2014, Generative Adversarial Nets",
        "code": "goodfeli/adversarial, mnist.yaml",
        "differences": "G ends in tanh (data in [-1, 1]), not a sigmoid. D's loss is CE_real + "
                       "CE_fake, not half of it, so D's lr is 0.05 (the same SGD update). Constant "
                       "momentum 0.5 (the yaml ramps it to 0.7) and no lr floor of 1e-6 (reached "
                       "after ~2.9M updates). G and D alternate (D first) instead of updating "
                       "simultaneously. Non-saturating G loss, as the code (gan_minimax: the "
                       "paper's minimax). Fashion-MNIST instead of MNIST.",
    },
    "model_class": "GAN",
    "networks": {
        "generator": ("goodfellow_generator", {"latent_dim": 100, "image_shape": FASHION_MNIST,
                                               "width": 1200}),
        "discriminator": ("goodfellow_discriminator", {"image_shape": FASHION_MNIST, "units": 240,
                                                       "pieces": 5}),
    },
    "model": {"loss": "modified", "latent_distribution": "normal"},
    "optimizers": {"generator": sgd_decay(0.1, 0.5, 1.000004),
                   "discriminator": sgd_decay(0.05, 0.5, 1.000004)},
    "data": {"format": "images", "dataset": "fashion_mnist", "batch_size": 100, "image_shape": FASHION_MNIST},
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
    "metadata": {
        "paper": "Arjovsky, Chintala & Bottou 2017, Wasserstein GAN",
        "code": "martinarjovsky/WassersteinGAN, main.py, models/dcgan.py",
        "differences": "Weights clipped just after each critic update (Algorithm 1), not just "
                       "before it. No 100-critic-update phases (first 25 G updates, every 500th): "
                       "a train_step consumes n_critic fixed-size batches; n_critic stays 5 as in "
                       "Algorithm 1. The critic's sign is flipped (f(fake) - f(real)), harmless "
                       "under symmetric clipping.",
    },
    "model_class": "GAN",
    "networks": {
        "generator": ("wgan_generator", {"latent_dim": 100, "image_shape": (64, 64, 3), "base_filters": 64}),
        "discriminator": ("dcgan_discriminator", {"image_shape": (64, 64, 3), "base_filters": 64, "kernel_size": 4}),
    },
    "model": {"loss": "wasserstein", "n_critic": 5, "weight_clip": 0.01, "latent_distribution": "normal"},
    "optimizers": {"generator": rmsprop(5e-5), "discriminator": rmsprop(5e-5)},
    "data": {"format": "images", "dataset": "lsun/bedroom", "batch_size": 64, "image_shape": (64, 64, 3)},
}

# LSGAN: the authors' scene-generation code (xudonmao/LSGAN, train_lsun.py, vgg.py, ops.py),
# the paper's LSUN architecture (keras_gans/networks/lsgan.py): 112x112x3 (the code's default
# data file is church112), z = 1024 ~ U[-1, 1], batch 64, Adam lr 1e-3 beta1 0.5 for both (TF1
# defaults beta2 0.999, epsilon 1e-8), least-squares losses with the 0-1 coding a=0, b=1, c=1,
# each a half squared error (tf.nn.l2_loss). Where we differ from the code: it sums the squared
# errors over the batch, we average them, the same Adam update up to epsilon (Adam is invariant
# to the loss scale); it feeds one z batch to both steps of an iteration, we draw fresh latents.
_LSGAN = {
    "metadata": {
        "paper": "Mao et al. 2017, Least Squares Generative Adversarial Networks",
        "code": "xudonmao/LSGAN, train_lsun.py, vgg.py, ops.py",
        "differences": "Squared errors averaged over the batch, not summed (the same Adam update "
                       "up to epsilon). Fresh latents for each step of an iteration, not one z "
                       "batch for both.",
    },
    "model_class": "GAN",
    "networks": {
        "generator": ("lsgan_generator", {"latent_dim": 1024, "image_shape": (112, 112, 3), "base_filters": 64}),
        "discriminator": ("lsgan_discriminator", {"image_shape": (112, 112, 3), "base_filters": 64}),
    },
    "model": {"loss": "least_squares", "latent_distribution": "uniform"},
    "optimizers": {"generator": adam_eps(1e-3, 0.5), "discriminator": adam_eps(1e-3, 0.5)},
    "data": {"format": "images", "dataset": "lsun/church_outdoor", "batch_size": 64,
             "image_shape": (112, 112, 3)},
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
    "metadata": {
        "paper": "Kodali et al. 2017, On Convergence and Stability of GANs",
        "code": "kodalinaveen3/DRAGAN, DRAGAN.ipynb",
        "differences": "Perturbation 0.5 * std(x) * U[0, 1] as in the code, not the paper's "
                       "N(0, cI). G ends in tanh for [-1, 1] data, not a sigmoid. Fashion-MNIST "
                       "instead of MNIST.",
    },
    "model_class": "GAN",
    "networks": {
        "generator": (
            "mlp_generator",
            {"latent_dim": 100, "image_shape": FASHION_MNIST, "width": 128, "depth": 1, "activation": "relu",
             "output_activation": "tanh", "kernel_initializer": _HE_NORMAL},
        ),
        "discriminator": (
            "mlp_discriminator",
            {"image_shape": FASHION_MNIST, "width": 128, "depth": 1, "activation": "relu",
             "kernel_initializer": _HE_NORMAL},
        ),
    },
    "model": {"loss": "modified", "gradient_penalty": "dragan", "gradient_penalty_weight": 10.0,
              "latent_distribution": "uniform"},
    "optimizers": {"generator": adam_eps(1e-4, 0.5, 0.9), "discriminator": adam_eps(1e-4, 0.5, 0.9)},
    "data": {"format": "images", "dataset": "fashion_mnist", "batch_size": 128, "image_shape": FASHION_MNIST},
}


PRESETS = {
    "dcgan": _DCGAN,
    # The paper's architecture and training at Fashion-MNIST's 28x28x1 with ndf = ngf = 64.
    "dcgan_28": at_resolution(_DCGAN, FASHION_MNIST, "fashion_mnist", networks={
        "generator": {"base_filters": 64}, "discriminator": {"base_filters": 64}}),
    # Widths and resolution shrunk for tests and CPU demos; training settings unchanged.
    "dcgan_tiny": at_resolution(_DCGAN, DIGITS_8, "digits", batch_size=32, networks={
        "generator": {"latent_dim": 16, "base_filters": 8}, "discriminator": {"base_filters": 8}}),
    "wgan_gp": _WGAN_GP,
    "wgan_gp_tiny": at_resolution(_WGAN_GP, DIGITS_8, "digits", batch_size=10, networks={
        "generator": {"latent_dim": 16, "base_filters": 8}, "discriminator": {"base_filters": 8}}),
    # Original GAN (Goodfellow et al. 2014); G loss non-saturating, as the authors trained it.
    "gan": _GAN,
    "gan_minimax": variant(_GAN, model={"loss": "minimax", "latent_distribution": "normal"}),
    "gan_tiny": at_resolution(_GAN, DIGITS_8, "digits", batch_size=32, networks={
        "generator": {"latent_dim": 16, "width": 32}, "discriminator": {"units": 16}}),
    # WGAN, LSGAN, DRAGAN: the paper configs, the same at Fashion-MNIST's 28x28x1 (WGAN,
    # LSGAN), and tiny configs (widths and resolution shrunk; training settings unchanged).
    "wgan": _WGAN,
    "wgan_28": at_resolution(_WGAN, FASHION_MNIST, "fashion_mnist"),
    # 16x16 (digits upsampled), not 8x8: the smallest size at which the critic has a BN layer.
    "wgan_tiny": at_resolution(_WGAN, (16, 16, 1), "digits", batch_size=10, networks={
        "generator": {"latent_dim": 16, "base_filters": 8}, "discriminator": {"base_filters": 8}}),
    "lsgan": _LSGAN,
    "lsgan_28": at_resolution(_LSGAN, FASHION_MNIST, "fashion_mnist"),
    "lsgan_tiny": at_resolution(_LSGAN, DIGITS_8, "digits", batch_size=16, networks={
        "generator": {"latent_dim": 16, "base_filters": 4}, "discriminator": {"base_filters": 4}}),
    "dragan": _DRAGAN,
    "dragan_tiny": at_resolution(_DRAGAN, DIGITS_8, "digits", batch_size=32, networks={
        "generator": {"latent_dim": 16, "width": 16}, "discriminator": {"width": 16}}),
}
