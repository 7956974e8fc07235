"""The model zoo: one ``python -m zoo.<model>.train`` script per model, benchmarks, evaluation.

Every ``python -m zoo.<x>`` imports this package first, so this is where TensorFlow's C++
start-up noise is turned down, before anything imports TensorFlow:

- ``TF_CPP_MIN_LOG_LEVEL`` defaults to 2 (no INFO / WARNING lines). On a machine without a
  CUDA driver (no ``libcuda.so.1``) it defaults to 3: there TF logs, at ERROR level, "failed
  call to cuInit: ... UNKNOWN ERROR (303)" at its first op, and that line is only hidden at 3.
  With a driver it stays 2, so CUDA errors stay visible. Set the variable to override.
- TF 2.21 writes some lines before absl::InitializeLog() ("WARNING: All log messages before
  absl::InitializeLog() is called are written to STDERR", then INFO lines of port.cc
  (oneDNN) and cudart_stub.cc ("Could not find cuda drivers"), twice) and those ignore
  ``TF_CPP_MIN_LOG_LEVEL``. So the first ``import tensorflow`` runs with stderr (fd 2)
  captured, and what it wrote is replayed minus the absl log lines below the level (and the
  banner). ``TF_CPP_MIN_LOG_LEVEL=0`` turns the capture off (e.g. to see a crash during
  the import itself, whose output the capture would lose).
"""

import importlib.abc
import importlib.util
import os
import re
import sys
import tempfile


def _default_tf_log_level():
    if not sys.platform.startswith("linux"):
        return "3"  # TF on Windows / macOS has no CUDA: nothing to keep visible
    import ctypes

    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return "3"
    return "2"


if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = _default_tf_log_level()

_BANNER = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
_ABSL_LINE = re.compile(r"^([IWEF])\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [^\]]+\] ")
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}


def _min_log_level():
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def _filter_tf_log(text, level):
    """``text`` without the absl log lines below ``level`` (and the pre-init banner)."""
    kept = []
    for line in text.splitlines(keepends=True):
        match = _ABSL_LINE.match(line)
        if match and _SEVERITY[match.group(1)] < level:
            continue
        if level > 0 and line.rstrip("\r\n") == _BANNER:
            continue
        kept.append(line)
    return "".join(kept)


def _run_with_filtered_stderr(fn, *args):
    level = _min_log_level()
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no usable fd 2 (e.g. a GUI or pytest capture)
        return fn(*args)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            return fn(*args)
        finally:
            try:
                sys.stderr.flush()
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            capture.seek(0)
            rest = _filter_tf_log(capture.read().decode("utf-8", "replace"), level)
            if rest:
                sys.stderr.write(rest)
                sys.stderr.flush()


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Runs the first ``import tensorflow`` under ``_run_with_filtered_stderr``, then leaves."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module
        spec.loader.exec_module = lambda module: _run_with_filtered_stderr(exec_module, module)
        return spec


if "tensorflow" not in sys.modules and _min_log_level() > 0:
    sys.meta_path.insert(0, _QuietTensorFlowImport())
