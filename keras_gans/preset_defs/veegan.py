"""Presets of the veegan family (merged into keras_gans.presets)."""

PRESETS = {}
NETWORKS = {}
MODEL_CLASSES = {}
