"""The super-resolution models shipped under saved_models/ reload without project code and
reproduce their recorded scores; ``python -m zoo.upscale`` runs them on a folder of photos.

Each shipped version holds ``assets.extra/sr_scores.json``: Y-PSNR / Y-SSIM (crop 4) of the
model and of bicubic on a fixed 256 x 256 crop of the held-out photo ``chelsea``, x4 bicubic LR
(``check``), computed by :func:`protocol` when it was shipped.
"""

import glob
import json
import os
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED = sorted(glob.glob(os.path.join(REPO, "saved_models", "*", "*", "assets.extra", "sr_scores.json")))


def protocol(version_dir):
    """``{"psnr_y", "ssim_y", "bicubic_psnr_y", "bicubic_ssim_y"}`` of the export's ``uint8``
    signature on chelsea's central 256 x 256 crop reduced x4 by antialiased bicubic."""
    import tensorflow as tf

    from keras_gans.data import paired
    from keras_gans.data import super_resolution as sr_data
    from keras_gans.metrics import super_resolution as srm

    photo = paired.skimage_photo("chelsea")
    y, x = (photo.shape[0] - 256) // 2, (photo.shape[1] - 256) // 2
    high = photo[y:y + 256, x:x + 256]
    low = sr_data.degrade(high, 4).numpy()
    sig = tf.saved_model.load(version_dir).signatures["uint8"]
    out = sig(images=tf.constant(low[None]), tile_size=tf.constant(64), overlap=tf.constant(8))["images"].numpy()[0]
    bicubic = tf.image.resize(tf.constant(low, tf.float32), (256, 256), "bicubic", antialias=True).numpy()
    bicubic = np.clip(np.round(bicubic), 0, 255).astype(np.uint8)
    return {"psnr_y": srm.sr_psnr(out, high, 4), "ssim_y": srm.sr_ssim(out, high, 4),
            "bicubic_psnr_y": srm.sr_psnr(bicubic, high, 4), "bicubic_ssim_y": srm.sr_ssim(bicubic, high, 4)}


def test_an_upscaler_is_shipped():
    assert SHIPPED, "no saved_models/<name>/<version>/assets.extra/sr_scores.json found"


@pytest.mark.parametrize("scores_file", SHIPPED, ids=lambda p: p.split("saved_models/")[-1].split("/assets")[0])
def test_shipped_upscaler_reproduces_its_scores_and_beats_bicubic(scores_file):
    with open(scores_file) as f:
        recorded = json.load(f)["check"]
    got = protocol(os.path.dirname(os.path.dirname(scores_file)))
    for key, value in recorded.items():
        assert got[key] == pytest.approx(value, abs=0.02 if "psnr" in key else 1e-3), key
    assert got["psnr_y"] > got["bicubic_psnr_y"]


def test_upscale_command_on_a_folder_of_photos(tmp_path):
    """The README's command from a fresh clone: the shipped model on held-out photos."""
    from PIL import Image

    from keras_gans.data import paired

    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("chelsea", "coffee"):
        photo = paired.skimage_photo(name)[:96, :120]
        Image.fromarray(photo).save(folder / f"{name}.png")
    model = os.path.dirname(os.path.dirname(SHIPPED[0]))
    proc = subprocess.run([sys.executable, "-m", "zoo.upscale", f"--model={model}", f"--input={folder}",
                           f"--output={tmp_path / 'out'}"], cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("chelsea", "coffee"):
        with Image.open(tmp_path / "out" / f"{name}_x4.png") as image:
            assert image.size == (480, 384) and image.mode == "RGB"
