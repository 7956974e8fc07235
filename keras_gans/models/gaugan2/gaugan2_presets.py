"""Presets of GauGAN2 / PoE-GAN (Huang, Mallya, Wang & Liu 2022). No public code exists; the
model is a reconstruction from the paper (:mod:`keras_gans.models.poegan` lists paper vs ours),
at sizes that train on a CPU:

* ``gaugan2_small``: 64 x 64 on ``multimodal/skimage_labels2photo`` (8 classes; Canny sketches
  and colour captions of the targets), batch 4;
* ``gaugan2_tiny``: 16 x 16, tests.

Optimizers (ours): Adam, G 1e-4, D 4e-4, betas (0, 0.99). Losses: hinge, the image contrastive
loss (weight 1, temperature 0.1) on a seeded random VGG19's relu1_1 .. relu4_1 (no ImageNet
weights offline), no KL (``kl_weight`` 0: the 0.01 of the first attempt, summed over 5,472
latent dimensions, outweighed the adversarial term; see the README's GauGAN2 section).
"""

from keras_gans.core.optimizers import adam
from keras_gans.data.multimodal import VOCABULARY
from keras_gans.losses.perceptual import vgg19_features
from keras_gans.models.poegan import MultimodalSynthesis
from keras_gans.networks.poegan import poegan_discriminator, poegan_generator
from keras_gans.presets import registry_table

NETWORKS = registry_table(poegan_generator, poegan_discriminator, vgg19_features)
MODEL_CLASSES = registry_table(MultimodalSynthesis)


def _preset(size, batch, photo_size, generator, discriminator, vgg_layers, differences):
    common = {"image_size": size, "num_classes": 8, "vocab_size": len(VOCABULARY), "max_tokens": 8}
    return {
        "metadata": {
            "paper": "Huang, Mallya, Wang & Liu 2022, Multimodal Conditional Image Synthesis with "
                     "Product-of-Experts GANs",
            "code": "none public; reconstructed from the paper (keras_gans/models/poegan.py)",
            "differences": differences,
        },
        "model_class": "MultimodalSynthesis",
        "networks": {"generator": ("poegan_generator", {**common, **generator}),
                     "discriminator": ("poegan_discriminator", {**common, **discriminator}),
                     "perceptual": ("vgg19_features", {"layers": vgg_layers, "weights": None,
                                                       "input_range": (-1.0, 1.0)})},
        "model": {"num_classes": 8, "loss": "hinge", "kl_weight": 0.0, "image_contrastive_weight": 1.0,
                  "contrastive_temperature": 0.1, "modality_dropout": 0.5},
        "optimizers": {"generator": adam(1e-4, 0.0, 0.99), "discriminator": adam(4e-4, 0.0, 0.99)},
        "data": {"format": "multimodal", "dataset": "multimodal/skimage_labels2photo", "batch_size": batch,
                 "image_shape": (size, size, 3), "options": {"photo_size": photo_size, "num_classes": 8}},
    }


_DIFF = ("A small text encoder trained with G instead of CLIP; one SPADE modulation for z_k, w and the "
         "encoders' skip features instead of spatial + AdaIN; the image contrastive loss on a random VGG19, "
         "not D's modality contrastive terms; no KL, no spectral norm; CPU size.")
PRESETS = {
    "gaugan2_small": _preset(64, 4, 128, {"z_dim": 32, "z_channels": 4, "filters": 32, "max_filters": 128,
                                          "encoder_filters": 16, "hidden_filters": 32},
                             {"filters": 32, "max_filters": 128}, ("relu1_1", "relu2_1", "relu3_1", "relu4_1"), _DIFF),
    "gaugan2_tiny": _preset(16, 4, 64, {"z_dim": 8, "z_channels": 2, "filters": 8, "max_filters": 32,
                                        "encoder_filters": 8, "hidden_filters": 8},
                            {"filters": 8, "max_filters": 32}, ("relu1_1", "relu2_1"), "tests"),
}
