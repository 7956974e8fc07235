"""Presets of Pix2Pix (Isola et al. 2017), as the authors' PyTorch code trains it.

``pix2pix`` is the paper's 256x256 configuration (``--model pix2pix --netG unet_256
--netD basic --norm batch --gan_mode vanilla --lambda_L1 100 --batch_size 1``);
``pix2pix_64`` the same recipe at 64x64 with half the widths, a size this repo's 2-core CPUs
train in half an hour; ``pix2pix_l1_64`` its L1-only ablation (the paper's Table 1 "L1"
row: same network, no discriminator); ``pix2pix_tiny`` for tests.
"""

from keras_gans.core.optimizers import adam, constant_then_linear_decay
from keras_gans.models.translation import PairedTranslation
from keras_gans.networks.patchgan import patchgan_discriminator
from keras_gans.networks.unet import unet_generator
from keras_gans.presets import at_resolution, registry_table, variant

NETWORKS = registry_table(unet_generator, patchgan_discriminator)
MODEL_CLASSES = registry_table(PairedTranslation)

# lr 2e-4 constant for 100 epochs, then linearly to 0 over 100 (the official --n_epochs 100
# --n_epochs_decay 100, per epoch); an epoch of facades, the paper's first dataset, is 400
# updates at batch 1. Pass another schedule for another dataset size.
_LR = constant_then_linear_decay(2e-4, 100, 100, 400)


def _adam(learning_rate):
    return adam(learning_rate, 0.5, 0.999)


_PIX2PIX = {
    "metadata": {
        "paper": "Isola, Zhu, Zhou & Efros 2017, Image-to-Image Translation with Conditional "
                 "Adversarial Networks",
        "code": "junyanz/pytorch-CycleGAN-and-pix2pix (models/pix2pix_model.py, models/networks.py, "
                "data/base_dataset.py)",
        "differences": "The official code computes G(x) once per iteration for both updates; here "
                       "each phase runs G, so D and G see different dropout masks (the same "
                       "distribution). Trainable parameter counts equal the official unet_256 "
                       "(54,413,955) and basic D on 6 channels (2,768,705).",
    },
    "model_class": "PairedTranslation",
    "networks": {
        # U-Net with 8 downsamplings at 256 px, skips, batch norm, dropout 0.5 in the three
        # ngf*8 decoder blocks (kept on at test time), weights N(0, 0.02), BN gains N(1, 0.02).
        "generator": ("unet_generator", {"image_shape": (256, 256, 3), "output_channels": 3,
                                         "base_filters": 64, "num_downs": 8, "normalization": "batch",
                                         "dropout": 0.5}),
        # 70x70 PatchGAN on (input, output) concatenated on channels.
        "discriminator": ("patchgan_discriminator", {"image_shape": (256, 256, 3),
                                                     "condition_shape": (256, 256, 3), "base_filters": 64,
                                                     "num_layers": 3, "normalization": "batch"}),
    },
    # cGAN (gan_mode vanilla: BCE with logits, G's target 1) + 100 x L1; D's objective halved.
    "model": {"loss": "modified", "terms": {"l1": ("l1", 100.0)}, "discriminator_weight": 0.5,
              "adversarial_weight": 1.0, "dropout_at_inference": True},
    "optimizers": {"generator": _adam(_LR), "discriminator": _adam(_LR)},
    # Batch 1; training pairs jittered (resize 286, random crop 256, the same flip on both).
    "data": {"format": "paired", "dataset": "skimage_blur2sharp", "batch_size": 1,
             "image_shape": (256, 256, 3)},
}

_CONSTANT_LR = {"generator": _adam(2e-4), "discriminator": _adam(2e-4)}
PRESETS = {
    "pix2pix": _PIX2PIX,
    # The paper's recipe at 64x64: 6 downsamplings (the 256 px net minus its two innermost
    # levels, so one dropout level), ngf = ndf = 32, batch 4, a constant lr (the short runs
    # here end long before the paper's decay).
    "pix2pix_64": at_resolution(_PIX2PIX, (64, 64, 3), batch_size=4, optimizers=_CONSTANT_LR, networks={
        "generator": {"base_filters": 32, "num_downs": 6}, "discriminator": {"base_filters": 32}}),
    "pix2pix_tiny": at_resolution(_PIX2PIX, (32, 32, 3), batch_size=4, optimizers=_CONSTANT_LR, networks={
        "generator": {"base_filters": 8, "num_downs": 5},
        "discriminator": {"base_filters": 8, "num_layers": 2}}),
}
# The paper's L1-only row: the same network and data, no discriminator phase.
PRESETS["pix2pix_l1_64"] = variant(PRESETS["pix2pix_64"], model={"adversarial_weight": 0.0})
# One-channel sources (gray -> colour, edges -> photo): the same networks on 1-channel inputs.
_GRAY = {"generator": {"image_shape": (64, 64, 1)}, "discriminator": {"condition_shape": (64, 64, 1)}}
PRESETS["pix2pix_gray_64"] = variant(PRESETS["pix2pix_64"], networks=_GRAY, data={"dataset": "skimage_gray2color"})
PRESETS["pix2pix_l1_gray_64"] = variant(PRESETS["pix2pix_l1_64"], networks=_GRAY,
                                        data={"dataset": "skimage_gray2color"})
# Edges -> Fashion-MNIST items at 32x32 (pix2pix's edges2shoes, offline, 60,000 training
# pairs): 5 downsamplings, ngf = ndf = 32, 1 channel in and out.
_EDGES = {"generator": {"image_shape": (32, 32, 1), "output_channels": 1, "num_downs": 5},
          "discriminator": {"image_shape": (32, 32, 1), "condition_shape": (32, 32, 1)}}
PRESETS["pix2pix_edges_32"] = variant(PRESETS["pix2pix_64"], networks=_EDGES, data={
    "dataset": "fashion_mnist_edges2item", "image_shape": (32, 32, 1)})
PRESETS["pix2pix_l1_edges_32"] = variant(PRESETS["pix2pix_edges_32"], model={"adversarial_weight": 0.0})
# Label map -> photo (the baseline of pix2pixHD and GauGAN on the same task): the one-hot map
# plus the instance-edge channel (9 channels: 8 k-means classes + edges) as the source image,
# the same 64 x 64 crops as pix2pixhd_small / gaugan_small.
_LABELS = {"generator": {"image_shape": (64, 64, 9)}, "discriminator": {"condition_shape": (64, 64, 9)}}
PRESETS["pix2pix_labels_64"] = variant(PRESETS["pix2pix_64"], networks=_LABELS, data={
    "dataset": "onehot/skimage_labels2photo", "options": {"photo_size": 128, "num_classes": 8}})
