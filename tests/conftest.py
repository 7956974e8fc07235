import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep pytest's summary the last line
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import tensorflow as tf  # noqa: E402

# Two logical CPUs for the MirroredStrategy tests; this must run before TF uses a device.
_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _own_collective_keys():
    """Every MirroredStrategy starts at the same collective group/instance keys, so a second
    strategy in one process whose all-reduces differ from the first's fails with "Shape
    mismatch in the collective instance 100" (tensorflow/tensorflow#62790). TF's own tests
    give each strategy a fresh key range through this class attribute."""
    tf.distribute.MirroredStrategy._collective_key_base += 10_000
    yield


@pytest.fixture
def run_zoo_script(tmp_path):
    """Runs ``python -m <module> --verbose=0 --output_dir=<tmp>/<name> <flags...>`` from the
    repository root; asserts it succeeded and returns ``(output_dir, summary.json dict)``."""
    import json
    import subprocess
    import sys

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def run(module, *flags, timeout=600, name=None):
        out = tmp_path / (name or module.split(".")[-2])
        cmd = [sys.executable, "-m", module, "--verbose=0", f"--output_dir={out}", *flags]
        proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        assert proc.returncode == 0, proc.stderr[-3000:]
        with open(out / "summary.json") as f:
            return out, json.load(f)

    return run
