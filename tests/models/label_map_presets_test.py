"""The pix2pixHD and GauGAN presets: trainable parameter counts of the paper configs equal the
authors' code (the literals come from PyTorch builds of the official networks, see
tests/networks/pix2pixhd_networks_test.py and spade_networks_test.py), the model settings
that define each paper, and the small presets train through the zoo scripts."""

import json

import numpy as np
import pytest

from keras_gans import presets
from keras_gans.presets import _build_network


def _count(preset, role):
    spec = presets.get(preset)["networks"][role]
    return sum(int(np.prod(v.shape)) for v in _build_network(spec, None, 0).trainable_variables)


# (preset, role, official trainable parameters)
PAPER_COUNTS = [
    ("pix2pixhd", "generator", 182_546_755),        # global G, 36 -> 3, ngf 64
    ("pix2pixhd", "discriminator", 5_603_202),      # 2 scales, 39 input channels
    ("pix2pixhd_1024", "generator", 182_857_059),   # local enhancer ngf 32 around the ngf 64 global G
    ("pix2pixhd_1024", "discriminator", 8_404_803),  # 3 scales
    ("gaugan", "generator", 96_492_483),            # ADE20K: 151 label channels
    ("gaugan", "discriminator", 5_836_930),
    ("gaugan_vae", "generator", 111_942_595),
    ("gaugan_vae", "encoder", 10_463_424),
    ("gaugan_cityscapes", "generator", 93_048_003),  # 36 channels, 256 x 512, "more"
    ("gaugan_cityscapes", "discriminator", 5_601_410),
    ("gaugan_coco", "generator", 97_480_899),       # 184 channels
    ("gaugan_coco", "discriminator", 5_904_514),
]


@pytest.mark.parametrize("preset,role,count", PAPER_COUNTS)
def test_paper_presets_have_the_official_parameter_counts(preset, role, count):
    assert _count(preset, role) == count


def test_paper_settings():
    hd, local = presets.get("pix2pixhd"), presets.get("pix2pixhd_1024")
    assert hd["model"]["loss"] == "least_squares" and hd["model"]["scale_reduction"] == "sum"
    assert hd["model"]["adversarial_weight"] == 2.0 and hd["model"]["joint_update"]  # nn.MSELoss, one forward
    assert local["model"]["fixed_generator_variables"] == (("global_",), 10 * 2975)  # --niter_fix_global 10
    assert hd["networks"]["perceptual"][1]["layers"] == ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    gg = presets.get("gaugan")
    assert gg["model"]["loss"] == "hinge" and gg["model"]["scale_reduction"] == "mean"
    assert not gg["model"]["joint_update"] and gg["model"]["kl_weight"] == 0.05
    for role, lr in (("generator", 1e-4), ("discriminator", 4e-4)):  # TTUR, betas (0, 0.9)
        config = gg["optimizers"][role]["config"]
        assert (config["learning_rate"], config["beta_1"], config["beta_2"]) == (lr, 0.0, 0.9)
    assert gg["data"]["options"] == {"num_classes": 151, "dont_care": 0, "instances": False}


def test_pix2pixhd_script_coarse_to_fine(run_zoo_script, tmp_path):
    """The local-enhancer run starts from a global generator's weights file (--init_global),
    keeps that global part fixed for its first steps (2 here: the weights it writes still hold
    the file's global part), trains the enhancer, and exports a label-map signature."""
    from keras_gans.networks.pix2pixhd import global_variables, load_global_weights

    weights = tmp_path / "global.weights.h5"
    donor = presets.build("pix2pixhd_tiny", seed=5).generator
    donor.save_weights(str(weights))
    donor_values = {v.path: v.numpy() for v in donor.variables}
    out, summary = run_zoo_script("zoo.pix2pixhd.train", "--preset=pix2pixhd_local_tiny", "--epochs=1",
                                  "--steps_per_epoch=2", f"--init_global={weights}", "--grid_size=4")
    assert set(summary["history"]) >= {"d_loss", "g_loss", "feature_matching", "perceptual"}
    assert all(np.isfinite(v[0]) for v in summary["history"].values())
    meta = json.load(open(out / "saved_model" / "1" / "assets.extra" / "keras_gans.json"))
    assert meta["task"] == "label_to_image" and meta["num_classes"] == 8 and meta["instance_edges"]
    trained = presets.build("pix2pixhd_local_tiny").generator
    fresh = [v.numpy().copy() for v in trained.variables]
    trained.load_weights(str(out / "generator.weights.h5"))
    for v in global_variables(trained):
        np.testing.assert_array_equal(v.numpy(), donor_values[v.path])
    moved = [not np.array_equal(a, v.numpy()) for a, v in zip(fresh, trained.variables)
             if v.path.startswith("enhancer") and "kernel" in v.path]
    assert moved and all(moved)  # the enhancer itself trained
    # A file of another configuration is refused, naming what was expected.
    other = tmp_path / "other.weights.h5"
    presets.build("pix2pixhd_tiny", network_overrides={"generator": {"base_filters": 8}}).generator.save_weights(
        str(other))
    with pytest.raises(ValueError, match="is not the weights of a global generator with 9 input channels, 4"):
        load_global_weights(trained, str(other))


def test_gaugan_preset_trains_with_its_real_networks():
    """gaugan_tiny (SPADE G with batch norm and spectral norm, the style encoder, the SPADE D,
    a random VGG) trains on the label-map data: losses finite, every role moves, the phases'
    update counts. (zoo/gaugan/train.py is the shared script_main; the export's signatures are
    exercised by tests/zoo_translate_labels_test.py and semantic_test's clean-process check.)"""
    from keras_gans import data, testing

    ds = data.load("skimage_labels2photo", batch_size=2, image_size=32, photo_size=64, num_classes=8, seed=0)
    history = testing.run_fit_check(presets.build("gaugan_tiny", seed=0), ds, steps=1)
    assert set(history.history) >= {"d_loss", "g_loss", "feature_matching", "kl", "perceptual"}


def test_the_gaugan2_modality_benchmark_measures_agreement():
    """benchmarks/gaugan2_modalities' agreement measures on hand-made cases."""
    from benchmarks.gaugan2_modalities import agreement
    from keras_gans.data.multimodal import tokenize

    centres = np.array([[255, 0, 0], [0, 0, 255]], np.uint8)
    labels = np.zeros((1, 4, 4, 1), np.int64)
    labels[0, :, 2:] = 1
    painted = centres[labels[..., 0]].astype(np.float32) / 127.5 - 1
    assert agreement("segmentation", painted, labels, centres)[0] == pytest.approx(0.0)
    sketch = np.ones((1, 4, 4, 1), np.float32)
    sketch[0, :, 1:3] = -1  # lines where the image steps
    step = np.zeros((1, 4, 4, 3), np.float32)
    step[0, :, 2:] = 1
    assert agreement("sketch", step, sketch, centres)[0] > 1
    red = np.zeros((1, 4, 4, 3), np.float32) + np.array([200, 30, 30]) / 127.5 - 1
    assert agreement("text", red, tokenize(["a photo in red"]), centres)[0] == 1.0
    assert agreement("text", red, tokenize(["a photo in blue"]), centres)[0] == 0.0
    assert agreement("style", red, red, centres)[0] == pytest.approx(0.0)
