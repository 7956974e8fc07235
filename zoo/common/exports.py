"""Finding and loading the SavedModels the zoo exports, for commands that take ``--model``.

An export (``keras_gans.export.write_saved_model``) is a version directory holding
``saved_model.pb`` and ``assets.extra/keras_gans.json`` (its metadata, e.g. ``"task"``), or
the base directory of numbered versions, of which the highest is used. The metadata is read
without importing TensorFlow, so that flag errors stay fast.
"""

import json
import os
import re


def read_metadata(version_dir):
    """``assets.extra/keras_gans.json`` of a version directory, or ``None`` if absent or
    unreadable."""
    file = os.path.join(version_dir, "assets.extra", "keras_gans.json")
    if not os.path.isfile(file):
        return None
    try:
        with open(file) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def find_version(path, needs, flag="--model"):
    """``(version_dir, metadata, where)`` of the export at the directory ``path``: ``path``
    itself when it holds ``saved_model.pb``, else its highest numbered version. ``where``
    names it for messages (``--model='runs/x' (its highest version, runs/x/2)``); ``needs``
    ends the error messages (what the command expects)."""
    where = f"{flag}={path!r}"
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        version = path
    else:
        versions = [int(d) for d in os.listdir(path) if re.fullmatch(r"\d+", d)
                    and os.path.isfile(os.path.join(path, d, "saved_model.pb"))]
        if not versions:
            raise ValueError(f"{where} is a directory without saved_model.pb and without numbered "
                             f"version directories holding one; {needs}")
        version = os.path.join(path, str(max(versions)))
        where = f"{where} (its highest version, {version})"
    meta = read_metadata(version)
    if meta is None:
        raise ValueError(f"{where} has no readable assets.extra/keras_gans.json; {needs}")
    return version, meta, where


def load(version_dir):
    """``tf.saved_model.load(version_dir)``, a failure as a user error (``ValueError``)."""
    import tensorflow as tf

    try:
        return tf.saved_model.load(version_dir)
    except (OSError, tf.errors.OpError) as e:
        raise ValueError(f"Cannot load the SavedModel {version_dir}: {e}") from e
