"""Tests for the class-coverage benchmark (zoo/mode_collapse/class_coverage.py, fmnist.py).

A stand-in classifier replaces the shipped Fashion-MNIST one: it sorts an image into one
of 10 classes by its mean brightness (class k for a mean nearest -0.9 + 0.2 k), so the
class of a hand-made image is known. Training runs use the 8x8 ``digits`` tiny presets.
"""

import json
import math
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gans import presets
from keras_gans.metrics.extractors import ModelExtractor
from zoo.mode_collapse import class_coverage as cc

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CENTERS = -0.9 + 0.2 * np.arange(10)


def brightness_classifier(image_shape=(8, 8, 1)):
    """Logit_k = -(m - c_k)^2 + const for the image mean m: argmax is the nearest centre."""
    images = keras.Input(image_shape)
    mean = keras.layers.GlobalAveragePooling2D()(images)  # [B, 1]
    features = keras.layers.Concatenate()(
        [mean, keras.layers.Lambda(lambda m: m * m)(mean),
         keras.layers.Flatten()(keras.layers.AveragePooling2D(4)(images))]
    )
    head = keras.layers.Dense(10)
    logits = head(features)
    kernel = np.zeros((features.shape[-1], 10), np.float32)
    kernel[0], kernel[1] = 2.0 * CENTERS, -1.0  # 2 c_k m - m^2 - c_k^2
    head.set_weights([kernel, -(CENTERS ** 2).astype(np.float32)])
    return ModelExtractor(keras.Model(images, {"features": features, "logits": logits}), name="standin")


TINY = {
    "gan_tiny": cc.Variant("gan_tiny"),
    "dcgan_tiny": cc.Variant("dcgan_tiny"),
    # A remedy-style entry: the preset plus model and discriminator overrides.
    "gan_tiny+wide_d": cc.Variant("gan_tiny", {"loss": "minimax"}, {"units": 24}),
}


def test_coverage_counting_against_a_hand_made_histogram():
    hist = [2000, 1500, 1000, 400, 50, 49, 1, 0, 0, 0]  # 5,000 samples
    labels = np.repeat(np.arange(10), hist)
    np.random.default_rng(0).shuffle(labels)
    stats = cc.coverage_stats(labels, 10, min_share=0.1)
    # 0.1 x (5000 / 10) = 50 samples needed: classes 0-4 (class 5 has 49).
    assert stats["min_count"] == 50 and stats["classes_covered"] == 5
    assert stats["histogram"] == hist and stats["num_samples"] == 5000
    assert stats["largest_share"] == pytest.approx(0.4) and stats["largest_class"] == 0
    p = np.array(hist) / 5000
    entropy = -sum(q * math.log(q) for q in p if q > 0)
    assert stats["balance"] == pytest.approx(entropy / math.log(10))
    assert stats["kl_to_uniform"] == pytest.approx(math.log(10) - entropy)
    assert stats["tvd_to_uniform"] == pytest.approx(0.5 * np.abs(p - 0.1).sum())
    assert cc.coverage_stats(labels, 10, min_share=0.002)["classes_covered"] == 7  # >= 1 sample
    assert cc.coverage_stats(labels, 10, min_share=1.0)["classes_covered"] == 3  # >= 500
    # Logits give the same answer through their argmax.
    logits = np.eye(10)[labels] * 3.0 - 1.0
    assert cc.coverage_stats(logits, 10)["histogram"] == hist
    one_class = cc.coverage_stats(np.zeros(100, int), 10)
    assert (one_class["classes_covered"], one_class["largest_share"], one_class["balance"]) == (1, 1.0, 0.0)
    uniform = cc.coverage_stats(np.arange(1000) % 10, 10)
    assert uniform["balance"] == pytest.approx(1.0) and uniform["largest_share"] == pytest.approx(0.1)


def test_standin_classifier_and_class_grid(tmp_path):
    extractor = brightness_classifier()
    hist = [0, 30, 0, 12, 0, 0, 5, 0, 0, 1]
    labels = np.repeat(np.arange(10), hist)
    images = np.broadcast_to(CENTERS[labels, None, None, None], (len(labels), 8, 8, 1)).astype(np.float32)
    out = extractor.extract(images, verbose=0)
    stats = cc.coverage_stats(out["logits"], 10, min_share=0.5)  # 0.5 x 4.8 -> 3 samples needed
    assert stats["histogram"] == hist and stats["classes_covered"] == 3 and stats["min_count"] == 3

    path = cc.class_grid_png(images, out["logits"].argmax(axis=1), [f"c{k}" for k in range(10)],
                             str(tmp_path / "g.png"), columns=4, scale=2, label_width=50)
    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
    cell = 8 * 2 + 2

    def cell_value(row, column):  # the centre pixel of one sample cell
        return pixels[2 + row * cell + 8, 50 + 2 + column * cell + 8]

    expected_gray = round((CENTERS[1] + 1) * 127.5)
    assert tuple(cell_value(1, 3)) == (expected_gray,) * 3  # class 1 fills all 4 columns
    assert tuple(cell_value(0, 0)) == (160, 160, 160)  # class 0: no samples, gray cells
    assert tuple(cell_value(9, 0)) == (round((CENTERS[9] + 1) * 127.5),) * 3
    assert tuple(cell_value(9, 1)) == (160, 160, 160)  # class 9 has one sample


def test_tiny_benchmark_run_writes_table_json_and_grids(tmp_path):
    out = tmp_path / "cc"
    config = cc.BenchmarkConfig(output_dir=str(out), variants=tuple(TINY), seeds=2, steps=3,
                                variant_steps={"dcgan_tiny": 2}, num_samples=200, dataset="digits",
                                split="train", verbose=0)
    result = cc.run(config, extractor=brightness_classifier(), registry=TINY)
    for name in ("results.md", "results.json", "grid_gan_tiny.png", "grid_dcgan_tiny.png",
                 "grid_gan_tiny+wide_d.png"):
        assert (out / name).is_file(), name
    assert "gan_tiny+wide_d" not in presets.PRESETS  # variants never become presets
    saved = json.load(open(out / "results.json"))
    runs = saved["runs"]
    assert [(r["variant"], r["seed"]) for r in runs] == [(v, s) for v in TINY for s in (0, 1)]
    by_variant = {r["variant"]: r for r in runs}
    # The overrides reached the model: 24 maxout units instead of 16 in D.
    assert by_variant["gan_tiny+wide_d"]["discriminator_params"] > by_variant["gan_tiny"]["discriminator_params"]
    assert by_variant["gan_tiny+wide_d"]["generator_params"] == by_variant["gan_tiny"]["generator_params"]
    for r in runs:
        cov = r["coverage"]
        steps = 2 if r["variant"] == "dcgan_tiny" else 3
        assert r["steps"] == r["g_updates"] == r["d_updates"] == steps
        assert cov["num_samples"] == 200 and sum(cov["histogram"]) == 200 and cov["min_count"] == 2
        assert cov["classes_covered"] == sum(c >= 2 for c in cov["histogram"])
        assert cov["largest_share"] == pytest.approx(max(cov["histogram"]) / 200)
        assert np.isfinite(cov["fid"]) and cov["fid"] >= 0
        # train_lib's own grids are kept; its backup is removed (no resuming on a rerun).
        assert os.path.isfile(os.path.join(r["run_dir"], "samples", "final.png"))
        assert not os.path.exists(os.path.join(r["run_dir"], "backup"))
    for s in saved["summary"]:
        group = [r["coverage"]["classes_covered"] for r in runs if r["variant"] == s["variant"]]
        assert s["classes_covered_mean"] == pytest.approx(np.mean(group))
        assert s["classes_covered_std"] == pytest.approx(np.std(group, ddof=1))
    assert saved["baseline"]["num_samples"] == 200
    table = open(out / "results.md").read()
    for variant in TINY:
        assert f"| {variant} | " in table
    assert '| gan_tiny+wide_d | gan_tiny + D {"units": 24} + model {"loss": "minimax"} | 3 | 2 |' in table
    assert "| dcgan_tiny | dcgan_tiny | 2 | 2 |" in table and "| gan_tiny | gan_tiny | 3 | 2 |" in table
    assert "| real (train split) |" in table and "fid200_standin_train" in table


def test_summary_and_table_against_hand_computation():
    def run(variant, seed, covered, largest, fid, histogram):
        return {"variant": variant, "label": variant, "seed": seed, "steps": 100, "train_seconds": 2.0,
                "coverage": {"classes_covered": covered, "largest_share": largest, "balance": 0.5,
                             "fid": fid, "largest_class": int(np.argmax(histogram)), "num_classes": 3,
                             "num_samples": sum(histogram), "histogram": histogram}}

    runs = [run("gan", 0, 3, 0.5, 10.0, [5, 3, 2]), run("gan", 1, 1, 0.7, 14.0, [1, 7, 2]),
            run("gan", 2, 2, 0.6, 12.0, [6, 2, 2]), run("wgan_gp", 0, 3, 0.4, 5.0, [4, 3, 3])]
    summary = {s["variant"]: s for s in cc.summarize(runs)}
    gan = summary["gan"]
    assert gan["classes_covered_mean"] == 2.0 and gan["classes_covered_std"] == pytest.approx(1.0)
    assert gan["largest_share_mean"] == pytest.approx(0.6) and gan["largest_share_std"] == pytest.approx(0.1)
    assert gan["fid_mean"] == pytest.approx(12.0) and gan["fid_std"] == pytest.approx(2.0)
    assert gan["largest_classes"] == [0, 1]  # per seed 0, 1, 0; repeats dropped
    assert gan["class_shares_mean"] == pytest.approx([0.4, 0.4, 0.2])
    assert summary["wgan_gp"]["seeds"] == 1 and summary["wgan_gp"]["classes_covered_std"] == 0.0
    config = cc.BenchmarkConfig(output_dir="x", variants=("gan", "wgan_gp"), seeds=3, steps=100,
                                num_samples=10)
    table = cc.markdown_table(cc.summarize(runs), config, ["a", "b", "c"], "fmnist", "fid10_fmnist_test")
    assert ("| gan | gan | 100 | 3 | 2.0 ± 1.0 / 3 | 60.0 ± 10.0 % (a, b) | 0.500 ± 0.000 | "
            "12.00 ± 2.00 | 3, 1, 2 | 2 |") in table
    assert "| wgan_gp | wgan_gp | 100 | 1 | 3.0 ± 0.0 / 3 | 40.0 ± 0.0 % (a) |" in table
    assert "| gan | 40.0 | 40.0 | 20.0 |" in table
    assert "(1 of 10)" in table  # 0.1 x 10 / 3 -> at least 1 sample


def test_diverged_runs_are_counted_and_left_out():
    good = {"variant": "gan", "label": "gan", "seed": 0, "steps": 100, "train_seconds": 2.0,
            "coverage": {"classes_covered": 2, "largest_share": 0.6, "balance": 0.5, "fid": 10.0,
                         "largest_class": 0, "num_classes": 3, "num_samples": 10, "histogram": [6, 4, 0]}}
    bad = {"variant": "gan", "label": "gan", "seed": 1, "steps": 100, "train_seconds": 4.0, "diverged": True}
    only_bad = {**bad, "variant": "unrolled", "label": "unrolled"}
    summary = {s["variant"]: s for s in cc.summarize([good, bad, only_bad])}
    assert summary["gan"]["seeds"] == 2 and summary["gan"]["diverged"] == 1
    assert summary["gan"]["classes_covered_mean"] == 2.0 and summary["gan"]["fid_std"] == 0.0
    config = cc.BenchmarkConfig(output_dir="x", variants=("gan", "unrolled"), seeds=2, steps=100, num_samples=10)
    table = cc.markdown_table(list(summary.values()), config, ["a", "b", "c"], "fmnist", "fid")
    assert "| gan | gan | 100 | 2 (1 diverged) | 2.0 ± 0.0 / 3 |" in table
    assert "| unrolled | unrolled | 100 | 1 (1 diverged) | - | - | - | - | - | 4 |" in table


def test_config_validation():
    ok = dict(output_dir="x", variants=("gan",))
    cc.BenchmarkConfig(**ok).validate()
    with pytest.raises(ValueError, match=r"Unknown variant 'nope'; expected one of \["):
        cc.BenchmarkConfig(output_dir="x", variants=("gan", "nope")).validate()
    with pytest.raises(ValueError, match="steps must be a positive int; received 0"):
        cc.BenchmarkConfig(**ok, steps=0).validate()
    with pytest.raises(ValueError, match="seeds must be a positive int; received -1"):
        cc.BenchmarkConfig(**ok, seeds=-1).validate()
    with pytest.raises(ValueError, match=r"min_share must be in \(0, 1\]; received 0.0"):
        cc.BenchmarkConfig(**ok, min_share=0.0).validate()
    with pytest.raises(ValueError, match="split='validation' is not a split of 'fashion_mnist'"):
        cc.BenchmarkConfig(**ok, split="validation").validate()
    with pytest.raises(ValueError, match=r"variant_steps names 'wgan_gp', which is not among the variants \['gan'\]"):
        cc.BenchmarkConfig(**ok, variant_steps={"wgan_gp": 10}).validate()
    with pytest.raises(ValueError, match=r"variant_steps\['gan'\] must be a positive int; received 0"):
        cc.BenchmarkConfig(**ok, variant_steps={"gan": 0}).validate()
    assert cc.parse_variant_steps(["wgan_gp:300", "gan:5"]) == {"wgan_gp": 300, "gan": 5}
    assert cc.parse_variant_steps([]) == {}
    for bad in ("wgan_gp", "wgan_gp:", ":3", "wgan_gp:3.5"):
        with pytest.raises(ValueError, match="must look like name:steps"):
            cc.parse_variant_steps([bad])
    with pytest.raises(ValueError, match="names 'gan' twice"):
        cc.parse_variant_steps(["gan:1", "gan:2"])
    config = cc.BenchmarkConfig(output_dir="x", variants=("gan", "wgan_gp"), steps=50,
                                variant_steps={"wgan_gp": 7})
    assert (config.steps_for("gan"), config.steps_for("wgan_gp")) == (50, 7)
    with pytest.raises(ValueError, match="must not repeat"):
        cc.BenchmarkConfig(output_dir="x", variants=("gan", "gan")).validate()
    # gan_tiny makes 8x8 digits, not Fashion-MNIST's 28x28 images.
    with pytest.raises(ValueError, match=r"generates \(8, 8, 1\), not 'fashion_mnist'"):
        cc.BenchmarkConfig(output_dir="x", variants=("gan_tiny",)).validate(registry=TINY)
    with pytest.raises(ValueError, match="names preset 'nope'"):
        cc.resolve_variant("x", {"x": cc.Variant("nope")})
    with pytest.raises(ValueError, match="named like an existing preset"):
        cc.resolve_variant("dragan", {"dragan": cc.Variant("gan", {"loss": "hinge"})})
    with pytest.raises(ValueError, match=r"must be \(preset, model_overrides, discriminator_overrides\)"):
        cc.resolve_variant("x", {"x": ("gan", {}, {}, {}, "extra")})
    # Plain tuples and bare preset names work as registry entries too.
    assert cc.resolve_variant("g", {"g": "gan_tiny"}) == cc.Variant("gan_tiny")
    assert cc.resolve_variant("g", {"g": ("gan", {}, {"units": 8})}).discriminator_overrides == {"units": 8}
    # Every registered variant builds on a 28x28x1 Fashion-MNIST preset.
    for name in cc.VARIANTS:
        spec = cc.resolve_variant(name)
        assert presets.get(spec.preset)["data"]["image_shape"] == (28, 28, 1), name
    for name in cc.VARIANTS:  # every registered variant fits Fashion-MNIST
        cc.BenchmarkConfig(output_dir="x", variants=(name,)).validate()


def test_variant_overrides_reach_the_trained_model(tmp_path):
    """Model overrides (optimizers included) and D overrides go through TrainConfig to
    presets.build; the base preset is untouched."""
    adam = {"class_name": "Adam", "config": {"learning_rate": 2e-4, "beta_1": 0.5}}
    registry = {"gan_tiny+x": cc.Variant("gan_tiny", {"loss": "hinge", "generator_optimizer": adam,
                                                      "discriminator_optimizer": adam}, {"units": 8})}
    config = cc.BenchmarkConfig(output_dir=str(tmp_path), variants=("gan_tiny+x",), seeds=1, steps=1,
                                num_samples=20, dataset="digits", split="train", verbose=0)
    gan, _ = cc.train_variant("gan_tiny+x", 0, config, registry)
    assert gan.loss_name == "hinge"
    assert type(gan.g_optimizer).__name__ == "Adam" and type(gan.d_optimizer).__name__ == "Adam"
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-4)
    assert gan.discriminator.get_layer("maxout1").units == 8
    assert presets.get("gan_tiny")["model"]["loss"] == "modified"


@pytest.mark.parametrize(
    "flag, message",
    [("--variants=gan,nope", "error: Unknown variant 'nope'; expected one of ['dcgan_28', "),
     ("--steps=0", "error: steps must be a positive int; received 0."),
     ("--variant_steps=wgan_gp", "error: variant_steps items must look like name:steps (e.g. "
      "wgan_gp:300); received 'wgan_gp'.")],
)
def test_script_rejects_bad_flags(tmp_path, flag, message):
    cmd = [sys.executable, "-m", "zoo.mode_collapse.fmnist", flag, f"--output_dir={tmp_path / 'o'}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert message in proc.stderr
    assert not (tmp_path / "o").exists()  # nothing was started
