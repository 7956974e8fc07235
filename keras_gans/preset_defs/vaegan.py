"""Presets of the vaegan family (merged into keras_gans.presets)."""

PRESETS = {}
NETWORKS = {}
MODEL_CLASSES = {}
