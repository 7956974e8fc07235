"""The generators shipped under saved_models/ reload and reproduce their published scores.

Each shipped generator version holds ``assets.extra/scores.json``: the scores `zoo/evaluate.py`
gave when it was shipped, under a small protocol (``check``) that this test re-runs.
"""

import glob
import json
import os

import pytest

from zoo import evaluate

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = sorted(glob.glob(os.path.join(REPO, "saved_models", "*", "*", "assets.extra", "scores.json")))


def test_at_least_one_generator_is_shipped():
    assert SHIPPED, "no saved_models/<name>/<version>/assets.extra/scores.json found"


@pytest.mark.parametrize("scores_file", SHIPPED, ids=lambda p: p.split("saved_models/")[-1].split("/assets")[0])
def test_shipped_generator_reproduces_its_scores(scores_file):
    with open(scores_file) as f:
        recorded = json.load(f)["check"]
    path = os.path.dirname(os.path.dirname(scores_file))
    result = evaluate.evaluate(saved_model=path, verbose=0, **recorded["protocol"])
    for name in ("fid", "precision", "recall"):
        key = next(k for k in recorded["metrics"] if k.startswith(name))
        assert result["metrics"][key] == pytest.approx(recorded["metrics"][key], rel=1e-3, abs=1e-3), key
    for key, value in recorded["metrics"].items():  # conditional models: agreement with the asked class
        if key.startswith("conditional_accuracy"):
            assert result["metrics"][key] == pytest.approx(value, abs=0.005), key
    # Class decisions near a boundary may flip with float round-off on another CPU.
    assert sum(result["class_histogram"]) == sum(recorded["class_histogram"])
    assert max(abs(a - b) for a, b in zip(result["class_histogram"], recorded["class_histogram"])) <= 5
