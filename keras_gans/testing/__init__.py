"""Shared checks every model's tests call (in the spirit of KerasHub's run_*_test)."""

from keras_gans.testing.checks import (
    expected_updates,
    record_calls,
    run_config_roundtrip_check,
    run_export_check,
    run_fit_check,
    run_mirrored_equivalence_check,
    run_mirrored_fit_check,
    run_save_restore_check,
)

__all__ = [
    "expected_updates",
    "record_calls",
    "run_config_roundtrip_check",
    "run_export_check",
    "run_fit_check",
    "run_mirrored_equivalence_check",
    "run_mirrored_fit_check",
    "run_save_restore_check",
]
