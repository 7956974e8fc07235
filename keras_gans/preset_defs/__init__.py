"""Preset families kept in their own modules; ``keras_gans.presets`` merges them.

Each module defines ``PRESETS`` (name -> preset dict, the format documented in
``keras_gans/presets.py``), ``NETWORKS`` (builder name -> function) and ``MODEL_CLASSES``
(class name -> ``GAN`` subclass).
"""
