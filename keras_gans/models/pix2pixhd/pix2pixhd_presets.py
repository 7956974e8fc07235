"""Presets of pix2pixHD (Wang et al. 2018), as the authors' code trains it (NVIDIA/pix2pixHD:
``scripts/train_512p.sh``, ``scripts/train_1024p_24G.sh``, ``options/*.py``).

* ``pix2pixhd``: the 512p global generator (Cityscapes at 512 x 1024, 35 label ids + the
  instance-edge channel = 36 input channels, ``ngf 64``, 4 downsamplings, 9 blocks, instance
  norm), 2 discriminators of 3 layers, LSGAN, feature matching 10, VGG 10, Adam 2e-4 (0.5,
  0.999), batch 1, lr constant for 100 epochs then linearly to 0 over 100 (2,975 Cityscapes
  training images an epoch).
* ``pix2pixhd_1024``: the 1024p local enhancer (1024 x 2048, ``--netG local --ngf 32 --num_D
  3``) around the 512p global generator, whose trained weights it starts from
  (``python -m zoo.pix2pixhd.train --preset=pix2pixhd_1024 --init_global=<512p run>/generator.weights.h5``,
  the official ``--load_pretrain``); the global part stays fixed for the first 10 epochs
  (``--niter_fix_global 10``), lr constant 50 epochs then linear over 50.
* ``pix2pixhd_small``: the recipe at CPU size on the offline ``skimage_labels2photo`` task
  (64 x 64 crops of photos resized to a shorter side of 128, 8 classes + edges); the
  perceptual term reads a random VGG19 (seeded by the run; no ImageNet weights offline; pass
  ``weights=<vgg19 .h5>`` in the perceptual network's arguments on a machine that has them).
* ``pix2pixhd_64``: ``pix2pixhd_small`` with the paper's widths (``ngf 64``, ``ndf 64``) and 2
  downsamplings (a 16 x 16 bottleneck at 64 x 64).
* ``pix2pixhd_tiny`` / ``pix2pixhd_local_tiny``: tests.

The data of the paper presets is the official layout (``--dataroot ./datasets/cityscapes``:
``train_img/``, ``train_label/`` (labelIds), ``train_inst/`` (instanceIds)), which
:mod:`keras_gans.data.label_maps` reads; TFDS' ``cityscapes`` has no instance maps.
"""

from keras_gans.core.optimizers import adam, constant_then_linear_decay
from keras_gans.losses.perceptual import PERCEPTUAL_SETTINGS, vgg19_features
from keras_gans.models.semantic import SemanticSynthesis
from keras_gans.networks.multiscale import multiscale_discriminator
from keras_gans.networks.pix2pixhd import GLOBAL_PREFIX, pix2pixhd_generator
from keras_gans.presets import registry_table, variant

NETWORKS = registry_table(pix2pixhd_generator, multiscale_discriminator, vgg19_features)
MODEL_CLASSES = registry_table(SemanticSynthesis)

CITYSCAPES_TRAIN_IMAGES = 2975
CITYSCAPES_CLASSES = 35  # label_nc: the labelIds 0..33 and one more, as the official options
_VGG_LAYERS = PERCEPTUAL_SETTINGS["pix2pixhd"]["layers"]


def _adam(learning_rate):
    return adam(learning_rate, 0.5, 0.999)


def _lr(constant_epochs, decay_epochs):
    return constant_then_linear_decay(2e-4, constant_epochs, decay_epochs, CITYSCAPES_TRAIN_IMAGES)


_H, _W, _C = 512, 1024, CITYSCAPES_CLASSES + 1
_PIX2PIXHD = {
    "metadata": {
        "paper": "Wang, Liu, Zhu, Tao, Kautz & Catanzaro 2018, High-Resolution Image Synthesis and "
                 "Semantic Manipulation with Conditional GANs",
        "code": "NVIDIA/pix2pixHD (models/networks.py, models/pix2pixHD_model.py, scripts/train_512p.sh)",
        "differences": "VGG19 is Keras' (Caffe weights, its own preprocessing) where the official feeds "
                       "[-1, 1] images to torchvision's unnormalised (its maps scaled by 1 / 127.5 to the official's "
                       "magnitude: perceptual.OFFICIAL_TORCHVISION_SCALE); biases keep PyTorch's default "
                       "initialisation. Trainable parameter counts equal the official: global G "
                       "182,546,755, D (2 scales, 39 input channels) 5,603,202. The optional instance-"
                       "wise feature encoder (--instance_feat) is not implemented.",
    },
    "model_class": "SemanticSynthesis",
    "networks": {
        "generator": ("pix2pixhd_generator", {"input_shape": (_H, _W, _C), "output_channels": 3,
                                              "base_filters": 64, "num_downsampling": 4, "num_blocks": 9}),
        "discriminator": ("multiscale_discriminator", {"image_shape": (_H, _W, 3), "condition_shape": (_H, _W, _C),
                                                       "base_filters": 64, "num_layers": 3, "num_scales": 2}),
        "perceptual": ("vgg19_features", {"layers": _VGG_LAYERS, "weights": "imagenet", "input_range": (-1.0, 1.0),
                                          "imagenet_scale": PERCEPTUAL_SETTINGS["pix2pixhd"]["imagenet_scale"]}),
    },
    # LSGAN (nn.MSELoss: our least squares G loss x 2; D (MSE_real + MSE_fake) / 2), summed over
    # the scales; feature matching 10 over every D layer and scale; VGG 10; one forward per step.
    "model": {"num_classes": CITYSCAPES_CLASSES, "instance_edges": True, "loss": "least_squares",
              "scale_reduction": "sum", "adversarial_weight": 2.0, "discriminator_weight": 1.0,
              "feature_matching_weight": 10.0, "perceptual_weight": 10.0, "joint_update": True},
    "optimizers": {"generator": _adam(_lr(100, 100)), "discriminator": _adam(_lr(100, 100))},
    "data": {"format": "label_map", "dataset": "datasets/cityscapes", "batch_size": 1,
             "image_shape": (_H, _W, 3), "options": {"num_classes": CITYSCAPES_CLASSES}},
}

PRESETS = {"pix2pixhd": _PIX2PIXHD}

_H2, _W2 = 1024, 2048
PRESETS["pix2pixhd_1024"] = variant(
    _PIX2PIXHD,
    networks={
        "generator": {"input_shape": (_H2, _W2, _C), "base_filters": 32, "num_enhancers": 1, "num_blocks_local": 3},
        "discriminator": {"image_shape": (_H2, _W2, 3), "condition_shape": (_H2, _W2, _C), "num_scales": 3},
    },
    model={"fixed_generator_variables": ((GLOBAL_PREFIX,), 10 * CITYSCAPES_TRAIN_IMAGES)},
    optimizers={"generator": _adam(_lr(50, 50)), "discriminator": _adam(_lr(50, 50))},
    data={"image_shape": (_H2, _W2, 3)},
    metadata={"differences": _PIX2PIXHD["metadata"]["differences"].replace(
        "global G 182,546,755, D (2 scales, 39 input channels) 5,603,202",
        "local enhancer G 182,857,059 (of which the global part 182,537,344), D (3 scales) 8,404,803")
        + " After --niter_fix_global the official code makes a new Adam over all of G; here G's "
          "Adam keeps the enhancer's moments and starts the global part's from zero."},
)

# CPU size: 64 x 64 crops of the offline label-map task (8 k-means classes + edges = 9 channels).
_S, _SC = 64, 9
_CONSTANT = {"generator": _adam(2e-4), "discriminator": _adam(2e-4)}
PRESETS["pix2pixhd_small"] = variant(
    _PIX2PIXHD,
    networks={
        "generator": {"input_shape": (_S, _S, _SC), "base_filters": 32, "num_downsampling": 3, "num_blocks": 4},
        "discriminator": {"image_shape": (_S, _S, 3), "condition_shape": (_S, _S, _SC), "base_filters": 32},
        "perceptual": {"weights": None},
    },
    model={"num_classes": 8},
    optimizers=_CONSTANT,
    data={"dataset": "skimage_labels2photo", "batch_size": 4, "image_shape": (_S, _S, 3),
          "options": {"photo_size": 128, "num_classes": 8}},
    metadata={"differences": "CPU size: 64 x 64, ngf 32, 3 downsamplings, 4 blocks, ndf 32, batch 4, "
                             "constant lr; a seeded random VGG19 for the perceptual term (no ImageNet "
                             "weights offline)."},
)
# The same task with the paper's widths (ngf = ndf = 64) and 2 downsamplings: at 64 x 64 that
# leaves a 16 x 16 bottleneck (3 leave 8 x 8; the 512p preset's 4 leave 32 x 64). Measured
# better than pix2pixhd_small on the held-out regions of skimage_labels2photo_regions (README).
PRESETS["pix2pixhd_64"] = variant(
    PRESETS["pix2pixhd_small"],
    networks={"generator": {"base_filters": 64, "num_downsampling": 2}, "discriminator": {"base_filters": 64}},
    metadata={"differences": "CPU size: 64 x 64, ngf 64, 2 downsamplings, 4 blocks, ndf 64, batch 4, "
                             "constant lr (--decay_epochs for the papers' linear decay); a seeded random "
                             "VGG19 for the perceptual term (no ImageNet weights offline)."},
)
_T = 32
PRESETS["pix2pixhd_tiny"] = variant(
    PRESETS["pix2pixhd_small"],
    networks={
        "generator": {"input_shape": (_T, _T, _SC), "base_filters": 4, "num_downsampling": 2, "num_blocks": 1},
        "discriminator": {"image_shape": (_T, _T, 3), "condition_shape": (_T, _T, _SC), "base_filters": 4,
                          "num_layers": 2},
        "perceptual": {"layers": ("relu1_1", "relu2_1")},
    },
    data={"batch_size": 2, "image_shape": (_T, _T, 3), "options": {"photo_size": 64}},
    metadata={"differences": "tests"},
)
PRESETS["pix2pixhd_local_tiny"] = variant(
    PRESETS["pix2pixhd_tiny"],
    networks={"generator": {"base_filters": 2, "num_enhancers": 1, "num_blocks_local": 1}},
    model={"fixed_generator_variables": ((GLOBAL_PREFIX,), 2)},
)
