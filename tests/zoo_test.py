"""Tests for the zoo's training library and scripts (zoo/common, zoo/<model>/train.py)."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import testing
from zoo.common.train_lib import TrainConfig, run

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _config(tmp_path, **kwargs):
    defaults = dict(preset="dcgan_tiny", output_dir=str(tmp_path / "run"), epochs=2,
                    steps_per_epoch=3, grid_size=4, verbose=0)
    defaults.update(kwargs)
    return TrainConfig(**defaults)


def test_run_trains_writes_grids_logs_and_exports(tmp_path):
    summary = run(_config(tmp_path))
    out = tmp_path / "run"
    for name in ("epoch_001.png", "epoch_002.png", "final.png"):
        assert (out / "samples" / name).is_file(), name
    assert (out / "saved_model" / "1" / "saved_model.pb").is_file()
    assert any(f.startswith("events") for f in os.listdir(out / "logs" / "train"))
    assert len(summary["history"]["d_loss"]) == 2
    assert all(np.isfinite(summary["history"]["g_loss"]))
    assert json.load(open(out / "summary.json"))["steps_per_epoch"] == 3
    gan = summary["model"]
    assert int(gan.g_optimizer.iterations) == 6
    testing.run_export_check(gan, str(tmp_path))


def test_wgan_gp_run_feeds_n_critic_fresh_batches(tmp_path):
    summary = run(_config(tmp_path, preset="wgan_gp_tiny", epochs=1, export=False))
    gan = summary["model"]
    assert int(gan.d_optimizer.iterations) == 5 * int(gan.g_optimizer.iterations) == 15
    assert summary["history"]["gp"][0] > 0


class _Interrupt(Exception):
    pass


class _KillAt(keras.callbacks.Callback):
    """Simulates a crash: raises in the middle of an epoch."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, self.batch):
            raise _Interrupt()


class _Record(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.start_iterations = int(self.model.g_optimizer.iterations)
        self.start_weights = self.model.generator.get_weights()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def test_interrupted_run_resumes_from_last_backup(tmp_path):
    config = _config(tmp_path, epochs=3, steps_per_epoch=4, backup_every=2, export=False)
    snapshot = {}

    class _Snapshot(keras.callbacks.Callback):  # what the backup at epoch 1, batch 1 holds
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if (self.epoch, batch) == (1, 1):
                snapshot["weights"] = self.model.generator.get_weights()

    with pytest.raises(_Interrupt):
        run(config, extra_callbacks=[_Snapshot(), _KillAt(epoch=1, batch=2)])
    meta = json.load(open(tmp_path / "run" / "backup" / "training_metadata.json"))
    assert meta["epoch"] == 1

    record = _Record()
    summary = run(config, extra_callbacks=[record])
    # Backed up after 4 + 2 steps; resumes at epoch 1 with those weights and optimizer state.
    assert record.start_iterations == 6
    for saved, restored in zip(snapshot["weights"], record.start_weights):
        np.testing.assert_array_equal(saved, restored)
    assert record.epochs == [1, 2]
    assert int(summary["model"].g_optimizer.iterations) == 6 + 2 * 4


def test_finished_run_continues_with_more_epochs_without_redoing_any(tmp_path):
    """A run shorter than --backup_every still leaves a backup (saved at each epoch end), and
    calling it again with more epochs trains only the new ones."""
    run(_config(tmp_path, epochs=1, steps_per_epoch=3, export=False))
    meta = json.load(open(tmp_path / "run" / "backup" / "training_metadata.json"))
    assert (meta["epoch"], meta["batch"], meta["step"], meta["weights"]) == (1, 0, 3, "ckpt-1.weights.h5")
    record = _Record()
    summary = run(_config(tmp_path, epochs=2, steps_per_epoch=3, export=False), extra_callbacks=[record])
    assert record.start_iterations == 3 and record.epochs == [1]
    assert int(summary["model"].g_optimizer.iterations) == 6


@pytest.mark.parametrize(
    "change,message",
    [
        ({"epochs": 0}, "--epochs must be a positive integer; received 0"),
        ({"batch_size": -4}, "--batch_size must be a positive integer; received -4"),
        ({"preset": "dcgan_huge"}, "is not a preset"),
        ({"strategy": "horovod"}, "--strategy='horovod' is not one of"),
        ({"ema_decay": 1.5}, "--ema_decay must be in (0, 1)"),
        ({"decay_epochs": 0}, "--decay_epochs must be a positive integer; received 0"),
        ({"decay_epochs": 3}, "--decay_epochs=3 must be at most --epochs=2"),
        ({"perceptual_weights": "imagenet"}, "--perceptual_weights is for presets with a perceptual (VGG19) "
                                             "loss; --preset=dcgan_tiny has networks ['discriminator', 'generator']"),
        ({"preset": "pix2pixhd_tiny", "perceptual_weights": "vgg.h5"},
         "--perceptual_weights must be one of ('imagenet', 'imagenet_q8', 'random') or a weights file; "
         "received 'vgg.h5' (no such file)"),
        ({"dataset": "cifar10"}, "has 3-channel images but preset"),
        ({"data_dir": "/nonexistent/dir"}, "is not a directory"),
        ({"preset": "mixture_gan"}, "generates 'ring8' points, not images"),
    ],
)
def test_bad_config_is_rejected_before_training(tmp_path, change, message):
    with pytest.raises(ValueError) as error:
        run(_config(tmp_path, **change))
    assert message in str(error.value)
    assert not (tmp_path / "run").exists(), "nothing may be written before validation passes"


def test_script_rejects_a_bad_flag_with_a_clear_message(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "zoo.wgan_gp.train", "--steps_per_epoch=-1", f"--output_dir={tmp_path}/x"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode != 0
    assert "--steps_per_epoch must be a positive integer; received -1" in result.stderr
    assert not (tmp_path / "x").exists()


_WORKER = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np
    sys.path.insert(0, sys.argv[3])
    from zoo.common.train_lib import TrainConfig, run
    out = sys.argv[1]
    summary = run(TrainConfig(preset="dcgan_tiny", output_dir=out, strategy="multi_worker", epochs=1,
                              steps_per_epoch=3, grid_size=4, verbose=0, seed=1))
    gan = summary["model"]
    np.savez(os.path.join(out, "weights.npz"), *[np.array(w) for w in gan.generator.trainable_weights
                                                + gan.discriminator.trainable_weights])
    print("EXPORT", summary.get("export"))
    """
)


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_multi_worker_strategy_two_local_workers_train_and_export(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    procs = []
    for index in range(2):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_CONFIG=json.dumps(
            {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}))
        procs.append(subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / f"w{index}"), str(index), REPO],
            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = [p.communicate(timeout=420) for p in procs]
    for p, (stdout, stderr) in zip(procs, outputs):
        assert p.returncode == 0, stderr[-3000:]
    chief = np.load(tmp_path / "w0" / "weights.npz")
    other = np.load(tmp_path / "w1" / "weights.npz")
    assert len(chief.files) > 0
    for key in chief.files:  # gradients were all-reduced: both workers hold the same weights
        np.testing.assert_allclose(chief[key], other[key], rtol=1e-6, atol=1e-7)
    export = outputs[0][0].split("EXPORT ")[-1].strip()
    assert os.path.isfile(os.path.join(export, "saved_model.pb"))
    serve = tf.saved_model.load(export).signatures["serving_default"]
    images = serve(latents=tf.zeros([2, 16]))["images"]
    assert images.shape == (2, 8, 8, 1)
    assert not (tmp_path / "w1" / "saved_model").exists(), "only the chief keeps the export"


def test_eval_every_logs_scores_to_history_and_csv(tmp_path):
    """--eval_every scores the generator with the shipped classifier on the test split."""
    summary = run(_config(tmp_path, preset="dragan", epochs=2,  # a small 28x28 MLP
                          steps_per_epoch=2, eval_every=2, eval_samples=200, export=False))
    history = summary["history"]
    assert history["fid200_fmnist_test"][0] is None  # epoch 1 is not scored (NaN in the logs; JSON null)
    assert np.isfinite(history["fid200_fmnist_test"][1]) and history["fid200_fmnist_test"][1] > 0
    assert 0 <= history["precision200_fmnist_test"][1] <= 1
    assert "fid200_fmnist_test" in open(tmp_path / "run" / "history.csv").readline()


class _LearningRates(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.rates = []

    def on_train_batch_begin(self, batch, logs=None):
        self.rates.append({k: float(o.learning_rate) for k, o in self.model.optimizers.items()})


def test_decay_epochs_takes_every_rate_linearly_to_zero(tmp_path):
    """--decay_epochs=2 of 3 epochs: the official lambda rule, 1 - max(0, epoch + 1 - 1) / 3 per
    epoch, for G (1 update a step) and the critic (5 a step: its epochs are 5x the updates)."""
    from keras_gans import presets

    rates = _LearningRates()
    summary = run(_config(tmp_path, preset="wgan_gp_tiny", epochs=3, steps_per_epoch=2, decay_epochs=2, export=False),
                  extra_callbacks=[rates])
    gan = summary["model"]
    preset = presets.get("wgan_gp_tiny")["optimizers"]
    for role in ("generator", "discriminator"):
        base = preset[role]["config"]["learning_rate"]
        got = [r[role] for r in rates.rates]
        np.testing.assert_allclose(got, np.array([1, 1, 2 / 3, 2 / 3, 1 / 3, 1 / 3]) * base, rtol=1e-6)
        config = gan.optimizers[role].get_config()
        for key, value in preset[role]["config"].items():  # everything else as the preset's
            if key != "learning_rate":
                assert config[key] == pytest.approx(value), (role, key)
    schedule = gan.optimizers["discriminator"].get_config()["learning_rate"]["config"]
    assert (schedule["constant_epochs"], schedule["decay_epochs"], schedule["steps_per_epoch"]) == (1, 2, 10)
    assert summary["decay_epochs"] == 2


def test_decay_epochs_errors():
    from types import SimpleNamespace

    from keras_gans.core import Phase
    from keras_gans.core.optimizers import adam, constant_then_linear_decay, with_linear_decay
    from zoo.common.train_lib import decayed_optimizers

    # Complementary phases (pix2pixHD's fixed global part, then all of G) still update every step.
    fixed = SimpleNamespace(phases=[Phase("g_fixed", "generator", "x", stop=3), Phase("g", "generator", "x", start=3)],
                            optimizers={"generator": keras.optimizers.Adam(1e-3)})
    spec = decayed_optimizers(fixed, 1, 1, 4)["generator"]
    assert spec["config"]["learning_rate"]["config"] == {  # the rate as the built optimizer holds it (float32)
        "initial_learning_rate": pytest.approx(1e-3, rel=1e-7), "constant_epochs": 1, "decay_epochs": 1,
        "steps_per_epoch": 4}
    late = SimpleNamespace(phases=[Phase("d", "discriminator", "x", start=3)],
                           optimizers={"discriminator": keras.optimizers.Adam(1e-3)})
    with pytest.raises(ValueError, match=r"the discriminator's optimizer takes \[1, 4\] updates in the 2 epochs"):
        decayed_optimizers(late, 1, 1, 4)
    # A ConstantThenLinearDecay is replaced from its own initial rate; another schedule is refused.
    again = with_linear_decay(adam(constant_then_linear_decay(2e-4, 100, 100, 2975), 0.5), 3, 2, 7)
    assert again["config"]["learning_rate"]["config"] == {
        "initial_learning_rate": 2e-4, "constant_epochs": 3, "decay_epochs": 2, "steps_per_epoch": 7}
    other = keras.optimizers.serialize(keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.5)))
    with pytest.raises(ValueError, match="the optimizer's learning rate must be a number .* received {'module'"):
        with_linear_decay(other, 1, 1, 1)


def test_perceptual_weights_replace_the_presets_vgg(tmp_path):
    """--perceptual_weights=<file> loads that VGG19 into the preset's perceptual network (the
    preset's layers kept), "random" keeps the seeded random one; the choice is in the fingerprint."""
    from zoo.common.train_lib import build_model, run_fingerprint

    base = keras.applications.VGG19(include_top=False, weights=None)
    path = str(tmp_path / "vgg19.weights.h5")
    base.save_weights(path)
    config = _config(tmp_path, preset="pix2pixhd_tiny", perceptual_weights=path)
    config.validate()
    model = build_model(config)
    assert [layer.name for layer in model.perceptual.layers if isinstance(layer, keras.layers.Conv2D)] == [
        "block1_conv1", "block1_conv2", "block2_conv1"]  # the preset's relu1_1, relu2_1
    for name in ("block1_conv1", "block2_conv1"):
        for loaded, saved in zip(model.perceptual.get_layer(name).get_weights(), base.get_layer(name).get_weights()):
            np.testing.assert_array_equal(loaded, saved)
    random = build_model(_config(tmp_path, preset="pix2pixhd_tiny", perceptual_weights="random"))
    preset = build_model(_config(tmp_path, preset="pix2pixhd_tiny"))
    kernel = random.perceptual.get_layer("block1_conv1").get_weights()[0]
    np.testing.assert_array_equal(kernel, preset.perceptual.get_layer("block1_conv1").get_weights()[0])
    assert not np.allclose(kernel, base.get_layer("block1_conv1").get_weights()[0])
    assert run_fingerprint(config, model, 2)["perceptual_weights"] == path
    assert "perceptual_weights" not in run_fingerprint(_config(tmp_path, preset="pix2pixhd_tiny"), preset, 2)
