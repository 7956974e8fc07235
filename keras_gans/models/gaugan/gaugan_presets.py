"""Presets of GauGAN / SPADE (Park et al. 2019), as the authors' code trains it
(NVlabs/SPADE: ``options/*.py``, ``data/{ade20k,cityscapes,coco}_dataset.py``,
``models/pix2pix_model.py``).

Common recipe: SPADE residual generator (``ngf 64``, spectral norm, parameter-free synchronized
batch norm in every SPADE, 3x3 convolutions of 128 hidden channels on the map), two
discriminators of 4 layers (``variant="spade"``: spectral norm + instance norm, the normalised
convolutions without bias), hinge loss averaged over the scales, feature matching 10, VGG 10,
G's step then D's (on a new G forward), TTUR: Adam G 1e-4 and D 4e-4, betas (0, 0.9) (the
paper says 0.999; the code and the authors use 0.9), the code's defaults ``--niter 50
--niter_decay 0`` (a constant lr; pass a schedule for the paper's decay). With the style
encoder (``*_vae``, ``--use_vae``) G starts from ``z`` (256) and the KL term weighs 0.05; the
encoder trains with G's optimizer settings.

* ``gaugan``: ADE20K, 256 x 256 (load 286, crop 256), 150 classes + the don't-care label
  (label 0 shifted to 150, as ``ade20k_dataset.py``), no instance maps: 151 channels.
  G 96,492,483 trainable parameters (111,942,595 with ``use_vae``), D 5,836,930, encoder
  10,463,424.
* ``gaugan_cityscapes``: 256 x 512 (``--aspect_ratio 2``, ``num_upsampling="more"``), 35 label
  ids + instance edges (36 channels), batch 16: G 93,048,003, D 5,601,410.
* ``gaugan_coco``: COCO-Stuff, 256 x 256, 182 classes + don't care (255) + instance edges (184
  channels): G 97,480,899, D 5,904,514.
* ``gaugan_vae``: ``gaugan`` with the style encoder (multi-modal synthesis).
* ``gaugan_small``: CPU size on the offline ``skimage_labels2photo`` task (64 x 64, 8 classes +
  edges), ``ngf 16`` / ``ndf 32``, with the style encoder (``ndf 16``), batch 4; a seeded random VGG19.
* ``gaugan_tiny``: tests.

Data: the datasets' own folders (``datasets/ADEChallengeData2016`` as ADE20K ships it;
``datasets/cityscapes``, ``datasets/coco_stuff`` in the ``train_img/ train_label/ train_inst/``
layout), read by :mod:`keras_gans.data.label_maps`.
"""

from keras_gans.core.optimizers import adam
from keras_gans.losses.perceptual import PERCEPTUAL_SETTINGS, vgg19_features
from keras_gans.models.semantic import SemanticSynthesis
from keras_gans.networks.multiscale import multiscale_discriminator
from keras_gans.networks.spade import spade_generator, style_encoder
from keras_gans.presets import registry_table, variant

NETWORKS = registry_table(spade_generator, style_encoder, multiscale_discriminator, vgg19_features)
MODEL_CLASSES = registry_table(SemanticSynthesis)


def _ttur():
    return {"generator": adam(1e-4, 0.0, 0.9), "discriminator": adam(4e-4, 0.0, 0.9)}


def _networks(h, w, channels, num_upsampling="normal", base_filters=64, d_filters=64):
    return {
        "generator": ("spade_generator", {"label_shape": (h, w, channels), "output_channels": 3,
                                          "base_filters": base_filters, "num_upsampling": num_upsampling,
                                          "crop_size": w, "aspect_ratio": w / h, "use_vae": False}),
        "discriminator": ("multiscale_discriminator", {"image_shape": (h, w, 3), "condition_shape": (h, w, channels),
                                                       "base_filters": d_filters, "num_layers": 4, "num_scales": 2,
                                                       "spectral_norm": True, "variant": "spade"}),
        "perceptual": ("vgg19_features", {"layers": PERCEPTUAL_SETTINGS["pix2pixhd"]["layers"],
                                          "weights": "imagenet", "input_range": (-1.0, 1.0),
                                          "imagenet_scale": PERCEPTUAL_SETTINGS["pix2pixhd"]["imagenet_scale"]}),
    }


_MODEL = {"loss": "hinge", "scale_reduction": "mean", "adversarial_weight": 1.0, "discriminator_weight": 1.0,
          "feature_matching_weight": 10.0, "feature_matching_layer_weight": 1.0, "perceptual_weight": 10.0,
          "kl_weight": 0.05, "joint_update": False}

_GAUGAN = {
    "metadata": {
        "paper": "Park, Liu, Wang & Zhu 2019, Semantic Image Synthesis with Spatially-Adaptive Normalization",
        "code": "NVlabs/SPADE (models/networks/{generator,architecture,normalization,discriminator,encoder}.py, "
                "models/pix2pix_model.py, options/*.py)",
        "differences": "VGG19 is Keras' (Caffe weights, its own preprocessing) where the official feeds [-1, 1] "
                       "images to torchvision's; Keras' SpectralNormalization does not differentiate through "
                       "sigma; the KL is per example (the official sums over each GPU's batch). Trainable "
                       "parameter counts equal the official: G 96,492,483, D 5,836,930.",
    },
    "model_class": "SemanticSynthesis",
    "networks": _networks(256, 256, 151),
    "model": {**_MODEL, "num_classes": 151, "instance_edges": False},
    "optimizers": _ttur(),
    "data": {"format": "label_map", "dataset": "datasets/ADEChallengeData2016", "batch_size": 1,
             "image_shape": (256, 256, 3), "options": {"num_classes": 151, "dont_care": 0, "instances": False}},
}

_ENCODER = ("style_encoder", {"image_shape": (256, 256, 3), "base_filters": 64, "z_dim": 256})


def _with_encoder(preset, encoder=_ENCODER, differences=None):
    out = variant(preset, networks={"generator": {"use_vae": True, "z_dim": encoder[1]["z_dim"]}})
    out["networks"]["encoder"] = encoder
    out["optimizers"]["encoder"] = adam(1e-4, 0.0, 0.9)
    if differences:
        out["metadata"]["differences"] = differences
    return out


PRESETS = {
    "gaugan": _GAUGAN,
    "gaugan_cityscapes": variant(
        _GAUGAN, networks=_networks(256, 512, 36, "more"), model={"num_classes": 35, "instance_edges": True},
        data={"dataset": "datasets/cityscapes", "batch_size": 16, "image_shape": (256, 512, 3),
              "options": {"num_classes": 35, "dont_care": None, "instances": True}},
        metadata={"differences": _GAUGAN["metadata"]["differences"].replace(
            "G 96,492,483, D 5,836,930", "G 93,048,003, D 5,601,410")}),
    "gaugan_coco": variant(
        _GAUGAN, networks=_networks(256, 256, 184), model={"num_classes": 183, "instance_edges": True},
        data={"dataset": "datasets/coco_stuff", "options": {"num_classes": 183, "dont_care": 255, "instances": True}},
        metadata={"differences": _GAUGAN["metadata"]["differences"].replace(
            "G 96,492,483, D 5,836,930", "G 97,480,899, D 5,904,514")}),
}
PRESETS["gaugan_vae"] = _with_encoder(_GAUGAN, differences=_GAUGAN["metadata"]["differences"].replace(
    "G 96,492,483", "G 111,942,595, encoder 10,463,424"))

_S = 64
PRESETS["gaugan_small"] = _with_encoder(
    variant(_GAUGAN, networks=_networks(_S, _S, 9, base_filters=16, d_filters=32),
            model={"num_classes": 8, "instance_edges": True},
            data={"dataset": "skimage_labels2photo", "batch_size": 4, "image_shape": (_S, _S, 3),
                  "options": {"photo_size": 128, "num_classes": 8}}),
    encoder=("style_encoder", {"image_shape": (_S, _S, 3), "base_filters": 16, "z_dim": 256}),
    differences="CPU size: 64 x 64, ngf 16, ndf 32, encoder ndf 16, batch 4; a seeded random VGG19 for "
                "the perceptual term (no ImageNet weights offline).")
PRESETS["gaugan_small"]["networks"]["perceptual"][1].update({"weights": None})
del PRESETS["gaugan_small"]["data"]["options"]["dont_care"], PRESETS["gaugan_small"]["data"]["options"]["instances"]

_T = 32
PRESETS["gaugan_tiny"] = _with_encoder(
    variant(PRESETS["gaugan_small"], networks={
        **_networks(_T, _T, 9, base_filters=4, d_filters=4),
        "perceptual": ("vgg19_features", {"layers": ("relu1_1", "relu2_1"), "weights": None,
                                          "input_range": (-1.0, 1.0),
                                          "imagenet_scale": PERCEPTUAL_SETTINGS["pix2pixhd"]["imagenet_scale"]})},
        data={"batch_size": 2, "image_shape": (_T, _T, 3), "options": {"photo_size": 64}}),
    encoder=("style_encoder", {"image_shape": (_T, _T, 3), "base_filters": 2, "z_dim": 8}),
    differences="tests")
