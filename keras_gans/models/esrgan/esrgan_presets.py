"""Presets of the super-resolution GANs, as their authors' code trains them.

* ``srresnet`` / ``srgan`` (Ledig et al. 2017): SRResNet (16 residual blocks with BN and
  PReLU) pre-trained on MSE, then SRGAN: VGG54 content loss (after the ReLU, MSE, features
  / 12.75) + 1e-3 x the GAN loss, VGG-style D (here the 128 px BasicSR one: the paper's D
  reads 96 px patches), Adam 1e-4 beta1 0.9, batch 16.
* ``rrdbnet_psnr`` / ``esrgan`` (Wang et al. 2018, BasicSR ``train_RRDBNet_PSNR_x4.yml`` and
  ``train_ESRGAN_x4.yml``): RRDBNet (23 blocks) on L1 (Adam 2e-4, betas 0.9 / 0.99), then
  ESRGAN: L1 1e-2 + perceptual L1 on conv5_4 *before* its ReLU (weight 1) + 5e-3 x the
  relativistic average GAN loss (BasicSR's form, ``"esrgan"``), Adam 1e-4 (0.9, 0.99), EMA
  0.999, HR patches 128, batch 16.
* ``realesrnet_x4plus`` / ``realesrgan_x4plus`` (Wang et al. 2021, ``train_realesrnet_x4plus.yml``,
  ``train_realesrgan_x4plus.yml``): RRDBNet on L1 (2e-4), then L1 1 + perceptual L1 over conv1_2,
  conv2_2, conv3_4, conv4_4, conv5_4 (0.1, 0.1, 1, 1, 1; weight 1) + 0.1 x the vanilla GAN
  loss from the U-Net D with spectral norm; the L1 and perceptual terms on the sharpened
  ground truth; Adam 1e-4 (0.9, 0.99), EMA 0.999, HR patches 256, batch 12 per GPU (x4 GPUs).
* ``msrresnet_psnr`` / ``msrgan`` (BasicSR ``train_MSRResNet_x4.yml``, ``train_MSRGAN_x4.yml``):
  the BN-free MSRResNet on L1 (2e-4, EMA 0.999), then L1 1e-2 + perceptual conv5_4 L1 1 +
  5e-3 x the vanilla GAN loss from the VGG-style D, Adam 1e-4 (0.9, 0.99), HR patches 128.
* ``*_tiny``: for tests (a random VGG truncated at conv1_2, small networks).

The learning-rate schedules of the option files (MultiStepLR halvings, cosine restarts over
1e6 iterations) are left out: the presets keep the constant base rate; pass a schedule as the
optimizer's ``learning_rate`` for a paper-length run. The perceptual networks load VGG19's
ImageNet weights through ``keras.applications`` (offline: pass ``weights=<local .h5 file>``
as a network override); the official codes use torchvision's VGG19 (see
keras_gans/losses/perceptual.py).
"""

from keras_gans.core.optimizers import adam
from keras_gans.losses.perceptual import vgg19_features
from keras_gans.models.super_resolution import SuperResolution
from keras_gans.networks.super_resolution import (msrresnet, rrdbnet, srresnet, unet_discriminator_sn,
                                                  vgg_style_discriminator)
from keras_gans.presets import registry_table, variant

NETWORKS = registry_table(rrdbnet, msrresnet, srresnet, vgg_style_discriminator, unet_discriminator_sn,
                          vgg19_features)
MODEL_CLASSES = registry_table(SuperResolution)

_BASICSR_ADAM = {2e-4: adam(2e-4, 0.9, 0.99), 1e-4: adam(1e-4, 0.9, 0.99)}
_VGG_D = ("vgg_style_discriminator", {"input_size": 128, "num_features": 64})
_RRDB = ("rrdbnet", {"scale": 4, "num_blocks": 23, "num_features": 64, "growth": 32})


def _features(layers, before_activation=False):
    return ("vgg19_features", {"layers": layers, "before_activation": before_activation, "weights": "imagenet",
                               "input_range": (0.0, 1.0)})


def _preset(paper, code, differences, networks, model, optimizers, patch, batch):
    return {
        "metadata": {"paper": paper, "code": code, "differences": differences},
        "model_class": "SuperResolution",
        "networks": networks,
        "model": {"scale": 4, **model},
        "optimizers": optimizers,
        "data": {"format": "low_high", "dataset": "sr_x4/skimage_photos", "batch_size": batch,
                 "image_shape": (patch, patch, 3)},
    }


_SRGAN_PAPER = "Ledig et al. 2017, Photo-Realistic Single Image Super-Resolution Using a GAN"
_SRGAN_CODE = "no official code; BasicSR (XPixelGroup/BasicSR) and Lornatang/SRGAN-PyTorch for the networks"
_ESRGAN_PAPER = "Wang et al. 2018, ESRGAN: Enhanced Super-Resolution Generative Adversarial Networks"
_ESRGAN_CODE = "XPixelGroup/BasicSR (options/train/ESRGAN/*.yml, basicsr/models/esrgan_model.py)"
_REAL_PAPER = "Wang et al. 2021, Real-ESRGAN: Training Real-World Blind Super-Resolution with Pure Synthetic Data"
_REAL_CODE = "xinntao/Real-ESRGAN (options/train_realesr*_x4plus.yml, realesrgan/models/)"
_LR_NOTE = "Constant learning rates (the option files' step / cosine schedules left out; see the module). "

PRESETS = {
    "srresnet": _preset(
        _SRGAN_PAPER, _SRGAN_CODE, _LR_NOTE + "SRResNet 1,547,350 trainable parameters (Lornatang's "
        "SRResNet).", {"generator": ("srresnet", {"scale": 4, "num_blocks": 16, "num_features": 64}),
                       "discriminator": ("vgg_style_discriminator", {"input_size": 128})},
        {"pixel_loss": "l2", "pixel_weight": 1.0}, {"generator": adam(1e-4, 0.9), "discriminator": adam(1e-4, 0.9)},
        96, 16),
    "rrdbnet_psnr": _preset(
        _ESRGAN_PAPER, _ESRGAN_CODE, _LR_NOTE + "RRDBNet 16,697,987 trainable parameters as BasicSR.",
        {"generator": _RRDB, "discriminator": _VGG_D}, {"pixel_loss": "l1", "pixel_weight": 1.0, "ema_decay": 0.999},
        {"generator": _BASICSR_ADAM[2e-4], "discriminator": _BASICSR_ADAM[1e-4]}, 128, 16),
}
PRESETS["srgan"] = variant(
    PRESETS["srresnet"],
    metadata={"differences": _LR_NOTE + "The paper's D reads 96 px patches; BasicSR's VGG-style D takes 128, so "
                                        "the SRGAN preset trains on 128 px HR patches."},
    networks={"perceptual": _features(("relu5_4",))},
    model={"loss": "modified", "pixel_weight": 0.0, "perceptual_weight": 1.0, "perceptual_criterion": "l2",
           "perceptual_feature_scale": 1.0 / 12.75, "adversarial_weight": 1e-3},
    data={"image_shape": (128, 128, 3)})
PRESETS["esrgan"] = variant(
    PRESETS["rrdbnet_psnr"], networks={"perceptual": _features(("conv5_4",))},
    model={"loss": "esrgan", "pixel_weight": 1e-2, "perceptual_weight": 1.0, "perceptual_criterion": "l1",
           "adversarial_weight": 5e-3},
    optimizers={"generator": _BASICSR_ADAM[1e-4]})
PRESETS["realesrnet_x4plus"] = variant(
    PRESETS["rrdbnet_psnr"], metadata={"paper": _REAL_PAPER, "code": _REAL_CODE},
    data={"batch_size": 12, "image_shape": (256, 256, 3), "dataset": "realesrgan_x4/skimage_photos"})
# Real-ESRGAN's U-Net D with spectral norm (replaced whole: variant() would merge the
# VGG-style D's arguments into it).
PRESETS["realesrnet_x4plus"]["networks"]["discriminator"] = (
    "unet_discriminator_sn", {"num_features": 64, "skip_connection": True})
PRESETS["realesrgan_x4plus"] = variant(
    PRESETS["realesrnet_x4plus"],
    networks={"perceptual": _features(("conv1_2", "conv2_2", "conv3_4", "conv4_4", "conv5_4"))},
    model={"loss": "modified", "pixel_weight": 1.0, "perceptual_weight": 1.0,
           "perceptual_layer_weights": (0.1, 0.1, 1.0, 1.0, 1.0), "perceptual_criterion": "l1",
           "adversarial_weight": 0.1, "sharpened_targets": True},
    optimizers={"generator": _BASICSR_ADAM[1e-4]})

_BASICSR_CODE = "XPixelGroup/BasicSR (options/train/SRResNet_SRGAN/train_MSRResNet_x4.yml, train_MSRGAN_x4.yml)"
PRESETS["msrresnet_psnr"] = variant(
    PRESETS["rrdbnet_psnr"], metadata={"paper": _SRGAN_PAPER, "code": _BASICSR_CODE,
                                       "differences": _LR_NOTE + "MSRResNet 1,517,571 trainable parameters."})
PRESETS["msrresnet_psnr"]["networks"]["generator"] = ("msrresnet", {"scale": 4, "num_blocks": 16, "num_features": 64})
PRESETS["msrgan"] = variant(
    PRESETS["msrresnet_psnr"], networks={"perceptual": _features(("conv5_4",))},
    model={"loss": "modified", "pixel_weight": 1e-2, "perceptual_weight": 1.0, "perceptual_criterion": "l1",
           "adversarial_weight": 5e-3},
    optimizers={"generator": _BASICSR_ADAM[1e-4]})

_TINY = {"generator": ("msrresnet", {"scale": 4, "num_blocks": 1, "num_features": 8}),
         "discriminator": ("unet_discriminator_sn", {"num_features": 4})}
_TINY_VGG = ("vgg19_features", {"layers": ("conv1_2",), "weights": None, "input_range": (0.0, 1.0)})


def _tiny(base, networks):
    """``base`` with small networks (replaced whole, not merged) on 32 px patches."""
    tiny = variant(base, data={"batch_size": 4, "image_shape": (32, 32, 3)})
    tiny["networks"] = {role: networks[role] for role in tiny["networks"]}
    return tiny


PRESETS["esrgan_tiny"] = _tiny(PRESETS["esrgan"], {**_TINY, "perceptual": _TINY_VGG})
PRESETS["rrdbnet_psnr_tiny"] = _tiny(PRESETS["rrdbnet_psnr"], _TINY)

# CPU-sized presets for the README's evidence runs (the paper presets take ~13 s a step here):
# the paper's losses, optimizers and EMA with a 4-block, 32-feature RRDBNet (growth 16) on 128 px
# patches, batch 8. No ImageNet VGG19 can be loaded offline, so the perceptual term reads a
# random VGG19 (seeded by the run) up to conv2_2 (before its ReLU); pass weights=<vgg19 .h5> in the perceptual network's
# arguments for the paper's features.
_SMALL_RRDB = ("rrdbnet", {"scale": 4, "num_blocks": 4, "num_features": 32, "growth": 16})
_SMALL_NOTE = ("CPU-sized: RRDBNet with 4 blocks, 32 features, growth 16 (the paper: 23, 64, 32), 128 px "
               "patches, batch 8, EMA decay 0.99 (the paper 0.999, for 10^5+ updates); perceptual features from a "
               "random VGG19 to conv2_2 (no ImageNet "
               "weights offline). ")
# The papers' EMA decay 0.999 averages over ~1,000 of their 10^5 - 10^6 updates; over a CPU
# run of a few thousand updates it still carries the early weights (measured: a 3,000-step
# rrdbnet_psnr_small EMA 4.5 dB below its own generator on chelsea, darker by 15 levels).
# 0.99 keeps the same ratio of averaging window to run length roughly.
_SMALL_EMA = 0.99
_SMALL_VGG = ("vgg19_features", {"layers": ("conv2_2",), "weights": None, "input_range": (0.0, 1.0)})


def _small(base, networks, dataset="sr_x4/skimage_photos"):
    small = variant(base, metadata={"differences": _SMALL_NOTE + base["metadata"]["differences"]},
                    data={"batch_size": 8, "image_shape": (128, 128, 3), "dataset": dataset},
                    model={"ema_decay": _SMALL_EMA})
    small["networks"] = {role: networks[role] for role in small["networks"]}
    return small


_SMALL_NETS = {"generator": _SMALL_RRDB, "perceptual": _SMALL_VGG,
               "discriminator": ("vgg_style_discriminator", {"input_size": 128, "num_features": 32})}
_SMALL_REAL_NETS = {**_SMALL_NETS, "discriminator": ("unet_discriminator_sn", {"num_features": 32})}
PRESETS["rrdbnet_psnr_small"] = _small(PRESETS["rrdbnet_psnr"], _SMALL_NETS)
PRESETS["esrgan_small"] = _small(PRESETS["esrgan"], _SMALL_NETS)
PRESETS["realesrnet_small"] = _small(PRESETS["realesrnet_x4plus"], _SMALL_REAL_NETS, "realesrgan_x4/skimage_photos")
PRESETS["realesrgan_small"] = _small(PRESETS["realesrgan_x4plus"], _SMALL_REAL_NETS, "realesrgan_x4/skimage_photos")
PRESETS["realesrgan_small"]["model"]["perceptual_layer_weights"] = (1.0,)  # one VGG layer here
