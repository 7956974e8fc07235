"""Presets of the 2-D mode-collapse benchmark: ``mixture_gan`` and its remedies.

A plain GAN (minimax G loss, the unrolled-GAN notebook's), then remedies that change only the
objective / regulariser (same networks, batch, optimizers unless said). Use dataset="ring8"
or "grid25".
"""

from keras_gans.core.optimizers import adam_eps
from keras_gans.models.gan import GAN
from keras_gans.networks import mlp
from keras_gans.presets import registry_table, variant

NETWORKS = registry_table(mlp.mlp_generator, mlp.mlp_discriminator)
MODEL_CLASSES = registry_table(GAN)

_SAME_NETWORKS = ("The benchmark's networks, batch and optimizers (mixture_gan's, the unrolled-GAN "
                  "notebook's) unless said, so that only the method changes.")

# 2-D mixtures (keras_gans/data/mixtures.py), the mode-collapse benchmark. Networks and
# training of the unrolled-GAN authors' public notebook (poolio/unrolled_gan, "Unrolled GAN
# demo.ipynb", with unrolling_steps=0: a plain GAN): G z=256 ~ N(0, 1) -> 128 tanh -> 128 tanh
# -> 2 linear, D 2 -> 128 tanh -> 128 tanh -> 1 logit, orthogonal init with gain 1.4 (slim's
# default zero biases), batch 512, Adam lr_G 1e-3, lr_D 1e-4, beta1 0.5, epsilon 1e-8, G loss
# the minimax one (the notebook's G minimises -L_D). The notebook says its settings differ from
# the paper's; it also updates G and D simultaneously, our GAN alternates (D first).
_MIXTURE_GAN = {
    "metadata": {
        "paper": "Metz et al. 2017, Unrolled Generative Adversarial Networks (official notebook)",
        "code": "poolio/unrolled_gan, Unrolled GAN demo.ipynb (unrolling_steps=0)",
        "differences": "The notebook's settings, which it says differ from the paper's. G and D "
                       "alternate (D first) instead of updating simultaneously.",
    },
    "model_class": "GAN",
    "networks": {
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
    },
    "model": {"loss": "minimax"},
    "optimizers": {"generator": adam_eps(1e-3, 0.5), "discriminator": adam_eps(1e-4, 0.5)},
    "data": {"format": "points", "dataset": "ring8", "batch_size": 512, "image_shape": None},
}


def _remedy(paper, code, differences=_SAME_NETWORKS, **changes):
    return variant(_MIXTURE_GAN, metadata={"paper": paper, "code": code, "differences": differences},
                   **changes)


PRESETS = {
    "mixture_gan": _MIXTURE_GAN,
    # Non-saturating G loss: the baseline for DRAGAN and R1, which use it.
    "mixture_gan_ns": _remedy(
        "Goodfellow et al. 2014, Generative Adversarial Nets (non-saturating G loss)",
        "poolio/unrolled_gan, Unrolled GAN demo.ipynb (networks and training)",
        model={"loss": "modified"},
    ),
    "mixture_lsgan": _remedy(
        "Mao et al. 2017, Least Squares Generative Adversarial Networks",
        "poolio/unrolled_gan, Unrolled GAN demo.ipynb (networks and training)",
        model={"loss": "least_squares"},
    ),
    "mixture_hinge": _remedy(
        "Lim & Ye 2017, Geometric GAN (the hinge loss)",
        "poolio/unrolled_gan, Unrolled GAN demo.ipynb (networks and training)",
        model={"loss": "hinge"},
    ),
    # The WGAN-GP authors' toy code (igul222/improved_wgan_training, gan_toy.py): 5 critic
    # steps, lambda 0.1 ("smaller lambda makes things faster for toy tasks"; the paper's 10
    # is for images), Adam 1e-4 betas (0.5, 0.9) for both, batch 256. Their toy networks are
    # 3 x 512 ReLU; we keep the notebook's so that only the method changes.
    "mixture_wgan_gp": _remedy(
        "Gulrajani et al. 2017, Improved Training of Wasserstein GANs (toy configuration)",
        "igul222/improved_wgan_training, gan_toy.py",
        "The toy code's critic steps, lambda 0.1, Adam and batch 256, but the benchmark's "
        "networks (2 x 128 tanh) instead of the toy code's 3 x 512 ReLU, so that only the "
        "method changes.",
        model={"loss": "wasserstein", "n_critic": 5, "gradient_penalty": "wgan",
               "gradient_penalty_weight": 0.1},
        optimizers={"generator": adam_eps(1e-4, 0.5, 0.9), "discriminator": adam_eps(1e-4, 0.5, 0.9)},
        data={"batch_size": 256},
    ),
    # DRAGAN (Kodali et al. 2017): non-saturating loss + penalty around perturbed real data,
    # lambda 10 as in the paper.
    "mixture_dragan": _remedy(
        "Kodali et al. 2017, On Convergence and Stability of GANs",
        "kodalinaveen3/DRAGAN, DRAGAN.ipynb (the penalty)",
        model={"loss": "modified", "gradient_penalty": "dragan", "gradient_penalty_weight": 10.0},
    ),
    # R1 (Mescheder et al. 2018): non-saturating loss + reg_param * mean ||grad D(x_real)||^2
    # with reg_param 10, the authors' default (LMescheder/GAN_stability, configs/default.yaml).
    "mixture_r1": _remedy(
        "Mescheder et al. 2018, Which Training Methods for GANs do actually Converge?",
        "LMescheder/GAN_stability, configs/default.yaml (reg_param 10)",
        model={"loss": "modified", "gradient_penalty": "r1", "gradient_penalty_weight": 10.0},
    ),
    # Remedies aimed at mode collapse (seed 004), each the plain GAN plus one change.
    # Unrolled GAN (Metz et al. 2017): G's loss through D unrolled 5 steps of D's own Adam,
    # the official notebook's unrolling_steps=5 (same networks, batch and optimizers).
    "mixture_unrolled": _remedy(
        "Metz et al. 2017, Unrolled Generative Adversarial Networks",
        "poolio/unrolled_gan, Unrolled GAN demo.ipynb (unrolling_steps=5)",
        "The notebook's settings, which it says differ from the paper's. G and D alternate "
        "(D first) instead of updating simultaneously.",
        model={"loss": "minimax", "unrolled_steps": 5},
    ),
    # Minibatch discrimination (Salimans et al. 2016) before D's logit: 5 kernels of dimension
    # 3. The official improved-gan layer has 100 x 5, but its cost grows as batch^2 x kernels x
    # dim: at this benchmark's batch of 512 a D call's forward + backward took 0.26 s with 16 x 5
    # on 2 cores (25 min per 2,000-step run), 0.04 s with 5 x 3. Small for 2-D data anyway.
    "mixture_minibatch": _remedy(
        "Salimans et al. 2016, Improved Techniques for Training GANs (minibatch discrimination)",
        "openai/improved-gan",
        "5 kernels of dimension 3 instead of the official 100 x 5: the layer's cost grows as "
        "batch^2 x kernels x dim (0.26 s per D call with 16 x 5 at batch 512 on 2 cores, 0.04 s "
        "with 5 x 3). " + _SAME_NETWORKS,
        networks={"discriminator": {"minibatch_discrimination": {"num_kernels": 5, "kernel_dim": 3}}},
    ),
    # Feature matching (Salimans et al. 2016) on D's last hidden layer.
    "mixture_feature_matching": _remedy(
        "Salimans et al. 2016, Improved Techniques for Training GANs (feature matching)",
        "openai/improved-gan",
        "Feature matching on D's last hidden layer (dense2). " + _SAME_NETWORKS,
        model={"loss": "minimax", "feature_matching_layer": "dense2"},
    ),
}
