"""Export trained generators as versioned SavedModels for TF Serving.

Layout: ``<base_dir>/<version>/saved_model.pb`` (TF Serving's model base path is
``<base_dir>``). The ``serving_default`` signature takes ``latents`` (float32
``[N, latent_dim]``) and returns ``images`` (float32 ``[N, H, W, C]`` in [-1, 1]).
Loading needs TensorFlow only: ``tf.saved_model.load(path).signatures["serving_default"]``.
"""

import os
import re

import keras
import tensorflow as tf


def next_version(base_dir):
    """1 + the largest integer-named subdirectory of ``base_dir`` (1 when there is none)."""
    if not os.path.isdir(base_dir):
        return 1
    versions = [int(d) for d in os.listdir(base_dir) if re.fullmatch(r"\d+", d)]
    return max(versions, default=0) + 1


def export_generator(generator, base_dir, version=None, latent_dim=None):
    """Writes ``generator`` to ``<base_dir>/<version>`` with a ``serving_default`` signature.

    Args:
        generator: a ``keras.Model`` from latents to images, or a GAN (its inference
            generator, the EMA copy when there is one, is exported).
        base_dir: the model's base directory, e.g. ``saved_models/dcgan_28``.
        version: positive int; default: the next free version number.
        latent_dim: the latent size; read from the generator's input shape by default.

    Returns:
        The path of the written version directory.
    """
    if hasattr(generator, "inference_generator"):
        generator = generator.inference_generator
    if not isinstance(generator, keras.Model):
        raise ValueError(f"generator must be a keras.Model or a GAN; received {type(generator).__name__}.")
    if latent_dim is None:
        latent_dim = generator.input_shape[-1]
    if version is None:
        version = next_version(base_dir)
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"version must be a positive int; received {version!r}.")
    path = os.path.join(base_dir, str(version))
    if os.path.exists(path):
        raise FileExistsError(f"{path} already exists; pick another version or remove it.")

    archive = keras.export.ExportArchive()
    archive.track(generator)

    def serve(latents):
        return {"images": tf.cast(generator(latents, training=False), tf.float32)}

    archive.add_endpoint(
        name="serving_default",
        fn=serve,
        input_signature=[tf.TensorSpec([None, latent_dim], tf.float32, name="latents")],
    )
    archive.write_out(path, verbose=False)
    return path
