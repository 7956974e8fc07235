"""Export trained generators as versioned SavedModels for TF Serving.

Layout: ``<base_dir>/<version>/saved_model.pb`` (TF Serving's model base path is
``<base_dir>``). The ``serving_default`` signature takes ``latents`` (float32
``[N, latent_dim]``) and returns ``images`` (float32 ``[N, H, W, C]`` in [-1, 1]); a
class-conditional generator's signature also takes ``labels`` (int32 ``[N]`` class ids).
Loading needs TensorFlow only: ``tf.saved_model.load(path).signatures["serving_default"]``.
``assets.extra/keras_gans.json`` records what a client needs to sample correctly: the latent
size and prior (``normal`` or ``uniform``), the image shape, the model's name and, for a
conditional model, ``num_classes``.

The SavedModel is written from a plain ``tf.Module`` that tracks the generator's variables
once; ``keras.export.ExportArchive`` stored every variable twice (measured: 11.6 MB instead of
5.7 MB for the 1.43M-parameter ``dcgan_28`` generator).
"""

import json
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


def export_generator(generator, base_dir, version=None, latent_dim=None, latent_distribution=None, name=None,
                     num_classes=None):
    """Writes ``generator`` to ``<base_dir>/<version>`` with a ``serving_default`` signature.

    Args:
        generator: a ``keras.Model`` from latents to images, or a GAN (its inference
            generator, the EMA copy when there is one, is exported).
        base_dir: the model's base directory, e.g. ``saved_models/dcgan_28``.
        version: positive int; default: the next free version number.
        latent_dim: the latent size; read from the generator's input shape by default.
        latent_distribution: ``"normal"`` or ``"uniform"``, recorded for clients; a GAN's
            own setting by default, else ``"normal"``.
        name: model name recorded in the metadata (default: the GAN's or generator's name).
        num_classes: for a class-conditional generator (inputs ``[latents, labels]``), the
            number of classes; a GAN's own setting by default.

    Returns:
        The path of the written version directory.
    """
    if hasattr(generator, "inference_generator"):
        latent_distribution = latent_distribution or generator.latent_distribution
        name = name or generator.name
        num_classes = num_classes or getattr(generator, "num_classes", None)
        generator = generator.inference_generator
    latent_distribution = latent_distribution or "normal"
    if latent_distribution not in ("normal", "uniform"):
        raise ValueError(
            f"latent_distribution must be 'normal' or 'uniform'; received {latent_distribution!r}."
        )
    if not isinstance(generator, keras.Model):
        raise ValueError(f"generator must be a keras.Model or a GAN; received {type(generator).__name__}.")
    conditional = isinstance(generator.input_shape, list)
    if conditional != bool(num_classes):
        raise ValueError(
            "A generator with inputs [latents, labels] needs num_classes (and one with a single "
            f"latents input must not get it); received input shape {generator.input_shape} and "
            f"num_classes={num_classes!r}."
        )
    if latent_dim is None:
        latent_dim = (generator.input_shape[0] if conditional else generator.input_shape)[-1]
    if version is None:
        version = next_version(base_dir)
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"version must be a positive int; received {version!r}.")
    path = os.path.join(base_dir, str(version))
    if os.path.exists(path):
        raise FileExistsError(f"{path} already exists; pick another version or remove it.")

    signature = [tf.TensorSpec([None, latent_dim], tf.float32, name="latents")]
    if conditional:
        signature.append(tf.TensorSpec([None], tf.int32, name="labels"))

    class _Serving(tf.Module):
        def __init__(self):
            super().__init__()
            self.model_variables = [v.value if isinstance(v, keras.Variable) else v for v in generator.weights]

    module = _Serving()

    if conditional:

        @tf.function(input_signature=signature)
        def serve(latents, labels):
            return {"images": tf.cast(generator([latents, labels], training=False), tf.float32)}

    else:

        @tf.function(input_signature=signature)
        def serve(latents):
            return {"images": tf.cast(generator(latents, training=False), tf.float32)}

    module.serve = serve
    tf.saved_model.save(module, path, signatures={"serving_default": serve})
    metadata = {
        "name": name or generator.name,
        "latent_dim": int(latent_dim),
        "latent_distribution": latent_distribution,
        "image_shape": [int(d) for d in generator.output_shape[1:]],
        "output_range": [-1.0, 1.0],
    }
    if conditional:
        metadata["num_classes"] = int(num_classes)
    os.makedirs(os.path.join(path, "assets.extra"), exist_ok=True)
    with open(os.path.join(path, "assets.extra", "keras_gans.json"), "w") as f:
        json.dump(metadata, f, indent=1)
    return path


def read_metadata(path):
    """The ``keras_gans.json`` written by :func:`export_generator`, or ``None`` if absent."""
    file = os.path.join(path, "assets.extra", "keras_gans.json")
    if not os.path.isfile(file):
        return None
    with open(file) as f:
        return json.load(f)
