"""Presets of the resnet family (merged into keras_gans.presets)."""

PRESETS = {}
NETWORKS = {}
MODEL_CLASSES = {}
