"""Zoo commands report a user error as one line, ``error: <message>``, exit code 2, with the
traceback only under ``--debug`` (zoo/common/cli.py), on a stderr free of TensorFlow's
start-up noise (zoo/__init__.py); ``--help`` lists the shared flags."""

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _zoo(module, *args, timeout=120):
    # conftest.py sets TF_CPP_MIN_LOG_LEVEL=3 for this process: drop it so that the
    # command's own default (zoo/__init__.py) is what is tested.
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _assert_one_error_line(proc, *fragments):
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr[-3000:]
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("flag, fragments", [
    ("--preset=nope", ["--preset='nope' is not a preset"]),
    ("--epochs=0", ["--epochs must be a positive integer; received 0"]),
    ("--data_dir={tmp}/missing", ["--data_dir='{tmp}/missing'"]),
])
def test_train_script_user_error_is_one_line(tmp_path, flag, fragments):
    out = tmp_path / "run"
    proc = _zoo("zoo.dcgan.train", flag.format(tmp=tmp_path), f"--output_dir={out}")
    _assert_one_error_line(proc, *[f.format(tmp=tmp_path) for f in fragments])
    assert not out.exists()  # rejected before any work


def test_debug_shows_the_traceback(tmp_path):
    proc = _zoo("zoo.dcgan.train", "--epochs=0", "--debug", f"--output_dir={tmp_path}/run")
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback (most recent call last):" in proc.stderr
    assert "ValueError: --epochs must be a positive integer" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "error: --epochs must be a positive integer; received 0."


def test_help_lists_the_shared_flags():
    proc = _zoo("zoo.dcgan.train", "--help")
    for flag in ("--preset", "--epochs", "--output_dir", "--data_dir", "--[no]debug"):
        assert flag in proc.stdout, proc.stdout[-3000:]
    assert "(default: 'dcgan_28')" in proc.stdout  # the script's own defaults


def test_other_scripts_use_the_same_reporting(tmp_path):
    proc = _zoo("zoo.pix2pix.benchmark", "--exports=/nonexistent", f"--output_dir={tmp_path}/o")
    _assert_one_error_line(proc, "--exports: '/nonexistent' holds no saved_model.pb")
    proc = _zoo("zoo.pix2pix.benchmark", "--image_size=abc")  # rejected by absl's flag parser
    _assert_one_error_line(proc, "flag --image_size=abc: invalid literal for int()")


def test_which_errors_are_user_errors():
    from absl import app

    from keras_gans.data import DatasetNotFoundError, ImageFolderError
    from zoo.common import cli

    for error in (ValueError("v"), FileNotFoundError("f"), NotADirectoryError("d"), PermissionError("p"),
                  app.UsageError("u"), DatasetNotFoundError("n"), ImageFolderError("i")):
        assert cli.is_user_error(error), error
    assert not cli.is_user_error(RuntimeError("bug")) and not cli.is_user_error(KeyError("bug"))

    def fails(error):
        def main(argv):
            raise error
        return cli.main_with_errors(main)

    assert fails(ValueError("a\n  b"))([]) == 2
    with pytest.raises(KeyError):  # a bug keeps its traceback
        fails(KeyError("k"))([])
    assert cli.one_line(ValueError("first\n  second")) == "first second"


def test_tf_start_up_noise_filter():
    import zoo

    text = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
            "I0000 00:00:1796122487.220624   14727 port.cc:153] oneDNN custom operations are on.\n"
            "W0000 00:00:1796122487.220624   14727 x.cc:1] a warning\n"
            "E0000 00:00:1796122492.638455   14727 cuda_platform.cc:52] failed call to cuInit\n"
            "a Python warning\n")
    lines = text.splitlines(keepends=True)
    assert zoo._filter_tf_log(text, 0) == text
    assert zoo._filter_tf_log(text, 2) == lines[3] + lines[4]
    assert zoo._filter_tf_log(text, 3) == lines[4]


def test_a_successful_run_writes_nothing_to_stderr(tmp_path):
    """Training, grids and the export with TensorFlow's defaults: no start-up lines, no INFO
    lines from the SavedModel writer, no Keras shuffle warning."""
    proc = _zoo("zoo.dcgan.train", "--preset=dcgan_tiny", f"--output_dir={tmp_path / 'run'}", "--epochs=1",
                "--steps_per_epoch=2", "--grid_size=4", "--verbose=0", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr == "" and "SavedModel:" in proc.stdout
