"""Faults a long run meets, reproduced: interrupts during backups, damaged or foreign backups,
divergence, interrupted exports, finished runs started again, data that does not fit.

The interrupt tests run the zoo command in a subprocess and kill it (SIGKILL, SIGINT), so they
exercise what a user sees, whatever the runner's internals become.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import export as export_lib
from keras_gans import presets
from keras_gans.callbacks import METADATA_FILE, BackupError, TrainingDiverged, latest_backup
from zoo.common.train_lib import TrainConfig, run

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _config(tmp_path, **kwargs):
    defaults = dict(preset="dcgan_tiny", output_dir=str(tmp_path / "run"), epochs=1, steps_per_epoch=3,
                    grid_size=4, verbose=0, export=False)
    defaults.update(kwargs)
    return TrainConfig(**defaults)


def _backup(tmp_path):
    return str(tmp_path / "run" / "backup")


# --------------------------------------------------------------------------- interrupts (CLI)
def _start(out, *flags):
    cmd = [sys.executable, "-m", "zoo.dcgan.train", "--preset=dcgan_tiny", f"--output_dir={out}",
           "--steps_per_epoch=20", "--backup_every=1", "--grid_every=1000", "--grid_size=4", "--verbose=0",
           *flags]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_training(process, backup_dir, timeout=120):
    """Until the run has written a backup newer than the one it may have resumed."""
    meta = os.path.join(backup_dir, METADATA_FILE)
    before = os.path.getmtime(meta) if os.path.exists(meta) else 0
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the run ended early: {process.communicate()[1][-2000:]}")
        if os.path.exists(meta) and os.path.getmtime(meta) > before:
            return
        time.sleep(0.05)
    raise AssertionError("no backup within the timeout")


def _assert_resumable(backup_dir):
    weights, meta = latest_backup(backup_dir)  # raises BackupError if damaged
    with h5py.File(weights, "r"):
        pass
    assert os.path.getsize(weights) == meta["bytes"]
    return meta


def test_kills_during_backup_writes_always_leave_a_resumable_backup(tmp_path):
    """Four runs killed at random instants while they back up every step (three SIGKILL, one
    Ctrl-C): after each, the backup loads; a final run resumes from it and finishes."""
    out = str(tmp_path / "run")
    backup_dir = os.path.join(out, "backup")
    rng = random.Random(0)
    steps = []
    for sig in (signal.SIGKILL, signal.SIGKILL, signal.SIGKILL, signal.SIGINT):
        process = _start(out, "--epochs=200", "--export=false")
        try:
            _wait_for_training(process, backup_dir)
            time.sleep(rng.uniform(0.0, 0.8))
            process.send_signal(sig)
            _, err = process.communicate(timeout=60)
        finally:
            process.kill()
        meta = _assert_resumable(backup_dir)
        steps.append(meta["step"])
        if sig == signal.SIGINT:  # a clean stop after the current step, saved, exit code 130
            assert process.returncode == 130, err[-2000:]
            assert err.strip().splitlines()[-1].startswith("interrupted at epoch") and "resume" in err
            summary = json.load(open(os.path.join(out, "summary.json")))
            assert summary["status"] == "interrupted" and summary["interrupted"]["step"] == meta["step"]
    assert steps == sorted(steps) and steps[-1] > steps[0]  # every run resumed and trained on
    epoch = _assert_resumable(backup_dir)["epoch"]
    final = subprocess.run(
        [sys.executable, "-m", "zoo.dcgan.train", "--preset=dcgan_tiny", f"--output_dir={out}",
         "--steps_per_epoch=20", f"--epochs={epoch + 1}", "--grid_size=4", "--verbose=0", "--export=false"],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert final.returncode == 0, final.stderr[-3000:]
    assert f"epoch {epoch}" in final.stdout and "Resumed from" in final.stdout
    summary = json.load(open(os.path.join(out, "summary.json")))
    assert summary["status"] == "finished" and summary["resumed_from"]["epoch"] == epoch
    assert summary["data_source"] == "sklearn:load_digits"  # dcgan_tiny's dataset, as read
    assert len(summary["history"]["d_loss"]) == epoch + 1  # the resumed epochs' history continued


# --------------------------------------------------------------------------- damaged backups
def _finished_backup(tmp_path, **kwargs):
    run(_config(tmp_path, **kwargs))
    weights, meta = latest_backup(_backup(tmp_path))
    return weights, meta


@pytest.mark.parametrize("damage, message", [
    ("truncate", "bytes, its metadata says"),
    ("delete_weights", "which is missing"),
    ("garbage_metadata", "is damaged"),
    ("delete_metadata", "but no training_metadata.json"),
])
def test_a_damaged_backup_is_reported_in_one_line_naming_the_file(tmp_path, damage, message):
    weights, _ = _finished_backup(tmp_path)
    meta_path = os.path.join(_backup(tmp_path), METADATA_FILE)
    if damage == "truncate":
        with open(weights, "r+b") as f:
            f.truncate(os.path.getsize(weights) // 2)
    elif damage == "delete_weights":
        os.remove(weights)
    elif damage == "garbage_metadata":
        with open(meta_path, "w") as f:
            f.write('{"epoch": 1, "ste')
    else:
        os.remove(meta_path)
    with pytest.raises(BackupError, match=message) as err:
        run(_config(tmp_path, epochs=2))
    text = str(err.value)
    assert "\n" not in text and _backup(tmp_path) in text and "--restart" in text
    # --restart discards it and trains from scratch.
    summary = run(_config(tmp_path, epochs=1, restart=True))
    assert summary["status"] == "finished" and summary["resumed_from"] is None


def test_a_backup_of_another_configuration_is_refused(tmp_path):
    _finished_backup(tmp_path)
    with pytest.raises(BackupError, match=r"another configuration \(differs in \['ema_decay'") as err:
        run(_config(tmp_path, epochs=2, ema_decay=0.99))
    assert "use another --output_dir" in str(err.value)
    with pytest.raises(BackupError, match="preset"):
        run(_config(tmp_path, epochs=2, preset="lsgan_tiny"))


def test_a_legacy_keras_backup_is_not_taken_silently(tmp_path):
    """Weights without this version's metadata (e.g. Keras' own latest.weights.h5)."""
    os.makedirs(_backup(tmp_path))
    model = presets.build("dcgan_tiny")
    model.save_weights(os.path.join(_backup(tmp_path), "latest.weights.h5"))
    with pytest.raises(BackupError, match="latest.weights.h5"):
        run(_config(tmp_path))


# --------------------------------------------------------------------------- divergence
class _PoisonAt(keras.callbacks.Callback):
    """Makes the discriminator's weights NaN after a given step (a diverging run)."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch = (epoch, batch), 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            for v in self.model.discriminator.trainable_variables:
                v.assign(tf.fill(v.shape, float("nan")))


def test_a_diverging_run_stops_keeps_its_last_good_backup_and_exports_nothing(tmp_path):
    config = _config(tmp_path, epochs=3, steps_per_epoch=4, backup_every=100, export=True)
    with pytest.raises(TrainingDiverged, match=r"diverged at epoch 2, step 7: d_loss = nan") as err:
        run(config, extra_callbacks=[_PoisonAt(epoch=1, batch=1)])
    message = str(err.value)
    assert "\n" not in message and "nothing exported" in message and "epoch 1, step 4" in message
    out = tmp_path / "run"
    assert not (out / "saved_model").exists() or not os.listdir(out / "saved_model")
    summary = json.loads((out / "summary.json").read_text())  # valid JSON (no NaN tokens)
    assert summary["status"] == "diverged" and summary["diverged"]["step"] == 7
    assert summary["history"]["d_loss"][0] is not None
    weights, meta = latest_backup(str(out / "backup"))
    assert (meta["epoch"], meta["step"]) == (1, 4)  # the backup of epoch 1, not the NaN state
    model = presets.build("dcgan_tiny")
    model.compile()
    model.load_weights(weights)
    assert all(np.isfinite(np.asarray(v)).all() for v in model.weights)


def test_the_readme_divergence_case_stops_within_a_few_steps(tmp_path):
    """Preset gan with minibatch discrimination (100 kernels): the run the issue reported as
    exiting 0 with an all-NaN export. Now it stops with TrainingDiverged and no export."""
    config = _config(tmp_path, preset="gan", epochs=2, steps_per_epoch=10, export=True,
                     discriminator_overrides={"minibatch_discrimination": 100})
    with pytest.raises(TrainingDiverged, match="diverged at epoch 1"):
        run(config)
    assert not (tmp_path / "run" / "saved_model").exists() or not os.listdir(tmp_path / "run" / "saved_model")
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["status"] == "diverged"


# --------------------------------------------------------------------------- exports
def test_an_interrupted_export_leaves_no_version_and_the_next_one_is_whole(tmp_path, monkeypatch):
    model = presets.build("dcgan_tiny")
    model.compile()
    base = str(tmp_path / "export")
    real_save = tf.saved_model.save

    def interrupted(module, path, signatures=None):
        real_save(module, path, signatures=signatures)
        raise KeyboardInterrupt  # after the graph and variables are written, before the rename

    monkeypatch.setattr(tf.saved_model, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export_lib.export_model(model, base)
    assert os.listdir(base) == []  # no version and no partial directory
    os.makedirs(os.path.join(base, export_lib.PARTIAL_PREFIX + "1-x", "variables"))  # a kill -9's leftover
    monkeypatch.setattr(tf.saved_model, "save", real_save)
    path = export_lib.export_model(model, base)
    assert path == os.path.join(base, "1") and sorted(os.listdir(base)) == ["1"]
    assert os.listdir(os.path.join(path, "variables"))


def test_a_finished_run_started_again_does_nothing(tmp_path, capsys):
    config = _config(tmp_path, export=True)
    first = run(config)
    record = (tmp_path / "run" / "summary.json").read_text()
    again = run(config)
    assert again["already_finished"] and "already finished" in capsys.readouterr().out
    assert sorted(os.listdir(tmp_path / "run" / "saved_model")) == ["1"]
    assert (tmp_path / "run" / "summary.json").read_text() == record
    for a, b in zip(first["model"].generator.get_weights(), again["model"].generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    more = run(_config(tmp_path, export=True, epochs=2))  # more epochs: trains on, new version
    assert more["resumed_from"]["epoch"] == 1 and len(more["history"]["d_loss"]) == 2
    assert sorted(os.listdir(tmp_path / "run" / "saved_model")) == ["1", "2"]
    assert [r["status"] for r in more["runs"]] == ["finished", "finished"]


# --------------------------------------------------------------------------- bad input, before training
def test_paths_and_batch_sizes_are_checked_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    start = time.time()
    with pytest.raises(ValueError, match=r"--export_dir .* is a file, not a directory"):
        run(_config(tmp_path, export=True, export_dir=str(blocker)))
    with pytest.raises(ValueError, match=r"--output_dir .* is a file"):
        run(_config(tmp_path, output_dir=str(blocker)))
    with pytest.raises(ValueError, match=r"has 1797 examples, fewer than one training batch of 5000"):
        run(_config(tmp_path, batch_size=5000))
    assert time.time() - start < 60
    assert not (tmp_path / "run" / "backup").exists() or not os.listdir(tmp_path / "run" / "backup")


def test_a_diverged_run_ends_the_command_with_one_error_line(tmp_path):
    """The CLI path of a divergence: ``script_main`` reports TrainingDiverged as one line and
    exit code 2 (the divergence itself is reproduced in-process above)."""
    code = (
        "import sys\n"
        "import zoo  # first, as under python -m zoo.<x>: it quiets TensorFlow's start-up lines\n"
        "from keras_gans.callbacks import TrainingDiverged\n"
        "from zoo.common import train_lib\n"
        "def run(config):\n"
        "    raise TrainingDiverged('training diverged at epoch 2, step 7: d_loss = nan; nothing exported')\n"
        "train_lib.run = run\n"
        "from zoo.common.flags import script_main\n"
        f"sys.argv = ['train', '--output_dir={tmp_path / 'o'}']\n"
        "script_main(preset='dcgan_tiny', output_dir='unused')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and lines == [
        "error: training diverged at epoch 2, step 7: d_loss = nan; nothing exported"], proc.stderr[-2000:]


def test_uint8_looking_images_fed_to_a_model_are_caught():
    from keras_gans.core.model import checked_images

    gan = presets.build("dcgan_tiny")
    gan.compile()
    pixels = np.full((8,) + gan.image_shape, 200, np.uint8)
    with pytest.raises(ValueError, match=r"must be floats in \[-1, 1\]; received dtype uint8 \(uint8 pixels\?"):
        gan.fit(tf.data.Dataset.from_tensor_slices(pixels).batch(4), epochs=1, verbose=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"uint8-scaled pixels\?.*received values up to"):
        gan.fit(tf.data.Dataset.from_tensor_slices(pixels.astype("float32")).batch(4), epochs=1, verbose=0)
    ok = np.linspace(-1, 1, 16, dtype="float32")
    np.testing.assert_array_equal(checked_images(ok), ok)


def test_a_kill_during_the_export_leaves_no_version_and_the_next_run_exports_whole(tmp_path):
    """SIGKILL the command the moment its export directory appears (a .partial-* directory
    while TensorFlow writes): no numbered version exists; the same command again exports
    version 1, whole, from the backup, without training again."""
    out = str(tmp_path / "run")
    export = os.path.join(out, "saved_model")
    process = _start(out, "--epochs=1", "--steps_per_epoch=5")
    try:
        deadline = time.time() + 180
        while time.time() < deadline and process.poll() is None:
            if os.path.isdir(export) and os.listdir(export):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        process.communicate(timeout=60)
    finally:
        process.kill()
    assert os.path.isdir(export), "the run ended before its export began"
    assert not [d for d in os.listdir(export) if d.isdigit()]  # TF Serving sees no version
    again = subprocess.run(
        [sys.executable, "-m", "zoo.dcgan.train", "--preset=dcgan_tiny", f"--output_dir={out}", "--epochs=1",
         "--steps_per_epoch=5", "--grid_size=4", "--verbose=0"],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert again.returncode == 0, again.stderr[-3000:]
    assert sorted(os.listdir(export)) == ["1"]
    assert os.listdir(os.path.join(export, "1", "variables"))
    summary = json.load(open(os.path.join(out, "summary.json")))
    assert summary["status"] == "finished" and summary["resumed_from"]["epoch"] == 1
    assert len(summary["history"]["d_loss"]) == 1  # the finished epoch, not trained twice


def test_the_command_reports_a_damaged_backup_in_one_line(tmp_path):
    weights, _ = _finished_backup(tmp_path)
    with open(weights, "r+b") as f:
        f.truncate(100)
    proc = subprocess.run(
        [sys.executable, "-m", "zoo.dcgan.train", "--preset=dcgan_tiny", f"--output_dir={tmp_path / 'run'}",
         "--epochs=2", "--steps_per_epoch=3", "--verbose=0"],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr[-3000:]
    assert lines[0].startswith("error: ") and weights in lines[0] and "--restart" in lines[0]
    assert os.path.getsize(weights) == 100  # reported, not replaced
