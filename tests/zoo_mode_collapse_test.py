"""Tests for the mode-collapse benchmark (zoo/mode_collapse/)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_gans.data import mixtures
from zoo.mode_collapse import lib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_tiny_benchmark_run_writes_table_json_and_pngs(tmp_path):
    out = tmp_path / "mc"
    cmd = [sys.executable, "-m", "zoo.mode_collapse.benchmark", "--mixtures=ring8",
           "--variants=gan,wgan_gp", "--seeds=2", "--steps=3", "--num_samples=300",
           "--steps_per_execution=3", "--jit_variants=", f"--output_dir={out}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("results.md", "results.json", "scatter_ring8.png"):
        assert (out / name).is_file(), name
    result = json.load(open(out / "results.json"))
    runs = result["runs"]
    assert [(r["variant"], r["seed"]) for r in runs] == [("gan", 0), ("gan", 1), ("wgan_gp", 0), ("wgan_gp", 1)]
    for r in runs:
        cov = r["coverage"]
        assert r["g_updates"] == 3 and r["d_updates"] == 3 * (5 if r["variant"] == "wgan_gp" else 1)
        assert cov["num_samples"] == 300 and len(cov["counts"]) == 8
        assert cov["modes_covered"] == sum(c >= 1 for c in cov["counts"])
        assert cov["high_quality_share"] == pytest.approx(sum(cov["counts"]) / 300)
    for s in result["summary"]:
        group = [r["coverage"]["modes_covered"] for r in runs if r["variant"] == s["variant"]]
        assert s["modes_covered_mean"] == pytest.approx(np.mean(group))
        assert s["modes_covered_std"] == pytest.approx(np.std(group, ddof=1))
    table = open(out / "results.md").read()
    assert "## ring8 (8 modes)" in table and "| wgan_gp | mixture_wgan_gp |" in table
    image = Image.open(out / "scatter_ring8.png")
    assert image.size[0] > 0 and image.mode == "RGB"


def test_summary_against_hand_computation():
    def run(variant, seed, modes, share):
        return {"mixture": "ring8", "variant": variant, "seed": seed, "train_seconds": 1.0,
                "coverage": {"modes_covered": modes, "high_quality_share": share, "num_modes": 8}}

    runs = [run("gan", 0, 8, 0.5), run("gan", 1, 6, 0.7), run("gan", 2, 7, 0.6), run("r1", 0, 3, 0.25)]
    summary = {s["variant"]: s for s in lib.summarize(runs)}
    assert summary["gan"]["modes_covered_mean"] == 7.0
    assert summary["gan"]["modes_covered_std"] == pytest.approx(1.0)  # sample std of 8, 6, 7
    assert summary["gan"]["high_quality_share_mean"] == pytest.approx(0.6)
    assert summary["gan"]["high_quality_share_std"] == pytest.approx(0.1)
    assert summary["r1"]["seeds"] == 1 and summary["r1"]["modes_covered_std"] == 0.0
    config = lib.BenchmarkConfig(output_dir="x", mixtures=("ring8",), variants=("gan", "r1"), seeds=3)
    table = lib.markdown_table(lib.summarize(runs), config)
    assert "| gan | mixture_gan | 7.0 ± 1.0 / 8 | 60.0 ± 10.0 % | 8, 6, 7 | 1 |" in table


def test_scatter_draws_points_and_mode_circles(tmp_path):
    path = str(tmp_path / "s.png")
    centers = np.array([[1.0, 0.0], [-1.0, 0.0]])
    points = np.array([[0.0, 0.0]] * 5)  # the panel's middle
    lib.scatter_png([("a", points)], centers, 0.1, path, panel_size=101, extent=2.0)
    pixels = np.asarray(Image.open(path).convert("RGB")).astype(int)
    title_h = 16
    # (0, 0) -> column 50, row 50 of the panel; scale (101 - 1) / 4 = 25 px per unit.
    assert pixels[title_h + 50, 50].max() < 100  # dark: 5 points drawn there
    assert tuple(pixels[title_h + 10, 10]) == (255, 255, 255)  # empty space stays white
    # A red circle of radius max(3, 3 * 0.1 * 25) = 7.5 px around (1, 0) -> column 75.
    ring = pixels[title_h + 42:title_h + 59, 67:84]
    red = (ring[..., 0] > 200) & (ring[..., 1] < 80) & (ring[..., 2] < 80)
    assert red.sum() >= 8
    assert not ((pixels[..., 0] > 200) & (pixels[..., 1] < 80))[title_h + 45:title_h + 56, 45:56].any()


def test_config_validation():
    with pytest.raises(ValueError, match="Unknown mixture variant 'wgan'"):
        lib.BenchmarkConfig(output_dir="x", variants=("wgan",)).validate()
    with pytest.raises(ValueError, match="Unknown mixture"):
        lib.BenchmarkConfig(output_dir="x", mixtures=("ring9",)).validate()
    with pytest.raises(ValueError, match="steps must be a positive int"):
        lib.BenchmarkConfig(output_dir="x", steps=0).validate()
    assert lib.preset_name("r1") == lib.preset_name("mixture_r1") == "mixture_r1"
    assert set(mixtures.MIXTURES) == {"ring8", "grid25"}
