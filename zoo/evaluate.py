"""Scores an exported generator (SavedModel, ``serving_default: latents -> images``).

Reports FID, KID (mean ± std over subsets), precision and recall (k=3), the Inception
Score of the extractor's logits and class coverage (covered classes, histogram, KL and
total variation to uniform), all against the real images of ``--dataset``/``--split``,
in the extractor's feature space. Metric names follow the protocol,
``<metric><num_samples>_<extractor>_<split>`` (e.g. ``fid10k_fmnist_test``).

    python -m zoo.evaluate --saved_model=runs/dcgan/saved_model/1 --output=scores.json
    python -m zoo.evaluate --real_vs_real        # the floor: train split vs test split

``--extractor``: ``default`` (the shipped Fashion-MNIST classifier for fashion_mnist,
InceptionV3 otherwise), ``inception`` (needs ImageNet weights), or the path of a
classifier SavedModel (``serving_default: images -> {features, logits}``).

Latents are ``tf.random.stateless_normal([num_samples, latent_dim], seed=[seed, 0])``
(``stateless_uniform`` in [-1, 1] for a ``uniform`` prior, as the DCGAN presets train with;
the prior comes from the export's ``assets.extra/keras_gans.json`` unless
``--latent_distribution`` says otherwise), drawn once, so the samples do not depend on
``--batch_size``.
"""

import json
import os
import re
import sys
import time

import numpy as np
import tensorflow as tf
from absl import app, flags

from keras_gans import data
from keras_gans.export import read_metadata
from keras_gans.metrics import functional as F
from keras_gans.metrics import extractors as extractors_lib


def load_generator(path):
    """Loads ``path`` (a SavedModel dir or a base dir of versions, latest taken).

    Returns a dict: ``serve`` (the signature), ``loaded`` (the object, which must stay
    alive while ``serve`` is used), ``latent_dim``, ``image_shape``, ``path``.
    """
    path = os.path.expanduser(os.fspath(path))
    resolved = path
    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        versions = []
        if os.path.isdir(path):
            versions = [int(d) for d in os.listdir(path)
                        if re.fullmatch(r"\d+", d) and os.path.isfile(os.path.join(path, d, "saved_model.pb"))]
        if not versions:
            what = "does not exist" if not os.path.exists(path) else "holds no saved_model.pb (nor integer version subdirectories with one)"
            raise FileNotFoundError(
                f"--saved_model={path!r} {what}. Pass the directory an export wrote, e.g. "
                "runs/dcgan/saved_model/1 (or its base directory runs/dcgan/saved_model)."
            )
        resolved = os.path.join(path, str(max(versions)))
    loaded = tf.saved_model.load(resolved)
    if "serving_default" not in loaded.signatures:
        raise ValueError(f"SavedModel {resolved!r} has no 'serving_default' signature.")
    serve = loaded.signatures["serving_default"]
    inputs = serve.structured_input_signature[1]
    outputs = serve.structured_outputs
    if "latents" not in inputs or "images" not in outputs:
        raise ValueError(
            f"SavedModel {resolved!r} is not a generator export: serving_default must take "
            f"'latents' and return 'images'; it takes {sorted(inputs)} and returns {sorted(outputs)}."
        )
    latent_dim = inputs["latents"].shape[-1]
    image_shape = tuple(outputs["images"].shape[1:])
    num_classes = None
    if "labels" in inputs:  # a class-conditional generator
        num_classes = (read_metadata(resolved) or {}).get("num_classes")
        if not num_classes:
            raise ValueError(f"SavedModel {resolved!r} takes labels but its assets.extra/keras_gans.json "
                             "does not say num_classes.")
    return {"serve": serve, "loaded": loaded, "latent_dim": int(latent_dim),
            "image_shape": image_shape, "path": resolved, "num_classes": num_classes}


def make_extractor(spec, dataset):
    """``default`` | ``inception`` | a classifier SavedModel path -> an extractor."""
    if isinstance(spec, extractors_lib.FeatureExtractor):
        return spec
    if spec == "default":
        return extractors_lib.default_extractor(dataset)
    if spec == "inception":
        return extractors_lib.InceptionV3Extractor()
    return extractors_lib.SavedModelClassifierExtractor(spec)


def draw_latents(num_samples, latent_dim, seed, distribution="normal"):
    shape, s = [num_samples, latent_dim], tf.constant([seed, 0], tf.int64)
    if distribution == "uniform":
        return tf.random.stateless_uniform(shape, s, minval=-1.0, maxval=1.0)
    if distribution == "normal":
        return tf.random.stateless_normal(shape, s)
    raise ValueError(f"latent_distribution must be 'normal' or 'uniform'; received {distribution!r}.")


def requested_labels(num_samples, num_classes):
    """The labels a conditional generator is scored with: sample ``i`` asks for class
    ``i % num_classes`` (balanced, like the real test sets)."""
    return np.arange(num_samples) % num_classes


def _generated_batches(serve, latents, batch_size, labels=None):
    for i in range(0, int(latents.shape[0]), batch_size):
        inputs = {"latents": latents[i : i + batch_size]}
        if labels is not None:
            inputs["labels"] = tf.constant(labels[i : i + batch_size], tf.int32)
        yield serve(**inputs)["images"]


def score(real, fake, extractor, num_samples, split, kid_subsets=100, kid_subset_size=1000, k=3, seed=0):
    """All metrics from extractor outputs ``{"features", "logits"}`` of both sides."""
    tag = extractor.name
    name = lambda metric, s=split: extractors_lib.protocol_name(metric, num_samples, tag, s)  # noqa: E731
    fid = F.fid_from_features(real["features"], fake["features"])
    kid_mean, kid_std = F.kernel_inception_distance(
        real["features"], fake["features"], num_subsets=kid_subsets, subset_size=kid_subset_size, seed=seed
    )
    precision, recall = F.precision_recall(real["features"], fake["features"], k=k)
    splits = min(10, len(fake["logits"]))
    is_mean, is_std = F.inception_score(fake["logits"], splits=splits, from_logits=True)
    real_is_mean, real_is_std = F.inception_score(real["logits"], splits=min(10, len(real["logits"])),
                                                  from_logits=True)
    coverage = F.class_coverage(fake["logits"], extractor.num_classes)
    metrics = {
        name("fid"): fid,
        name("kid"): kid_mean,
        name("kid") + "_std": kid_std,
        name("precision"): precision,
        name("recall"): recall,
        name("is", None): is_mean,
        name("is", None) + "_std": is_std,
        name("coverage", None): coverage["covered"],
        name("coverage", None) + "_kl_to_uniform": coverage["kl_to_uniform"],
        name("coverage", None) + "_tvd_to_uniform": coverage["tvd_to_uniform"],
    }
    return {
        "metrics": {k_: (int(v) if isinstance(v, (int, np.integer)) else float(v)) for k_, v in metrics.items()},
        "class_histogram": [int(c) for c in coverage["histogram"]],
        "real_inception_score": [float(real_is_mean), float(real_is_std)],
        "settings": {"kid_subsets": kid_subsets, "kid_subset_size": min(kid_subset_size, len(real["features"]),
                                                                        len(fake["features"])),
                     "k": k, "is_splits": splits},
    }


def _real_images(dataset, split, num_real, seed, data_dir):
    images, _ = data.load_numpy(dataset, split, data_dir=data_dir)
    if num_real is not None and num_real < len(images):
        idx = np.sort(np.random.default_rng(seed).choice(len(images), num_real, replace=False))
        images = images[idx]
    return images


def evaluate(saved_model=None, dataset="fashion_mnist", split="test", num_samples=10000,
             extractor="default", seed=0, batch_size=500, latent_distribution=None,
             real_vs_real=False, num_real=None, data_dir=None, verbose=1, return_features=False,
             kid_subsets=100, kid_subset_size=1000, k=3):
    """Scores a generator SavedModel (or, with ``real_vs_real``, the train split) against
    ``dataset``/``split``. Returns the result dict (what ``--output`` writes)."""
    start = time.time()
    for arg, value in (("num_samples", num_samples), ("batch_size", batch_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"--{arg} must be a positive integer; received {value!r}.")
    if num_samples <= k:
        raise ValueError(f"--num_samples must be larger than k={k}; received {num_samples}.")
    if real_vs_real and saved_model:
        raise ValueError("Pass either --saved_model or --real_vs_real, not both.")
    if not real_vs_real and not saved_model:
        raise ValueError("--saved_model is required (or --real_vs_real for the real-data floor).")
    if not real_vs_real:
        generator = load_generator(saved_model)
        latent_dim, image_shape, resolved = generator["latent_dim"], generator["image_shape"], generator["path"]
        if latent_distribution is None:  # the prior the export recorded, else N(0, 1)
            latent_distribution = (read_metadata(resolved) or {}).get("latent_distribution", "normal")
    extractor = make_extractor(extractor, dataset)
    if not real_vs_real:
        extractor.check_image_shape((None,) + image_shape)

    real_images = _real_images(dataset, split, num_real, seed, data_dir)
    extractor.check_image_shape(real_images.shape)
    if verbose:
        print(f"Real: {dataset}/{split}, {len(real_images)} images -> {extractor!r}")
    real = extractor.extract(real_images, batch_size=batch_size, verbose=verbose)

    result = {"dataset": dataset, "split": split, "num_samples": num_samples, "num_real": len(real_images),
              "seed": seed, "extractor": {"name": extractor.name, "type": type(extractor).__name__,
                                          "path": getattr(extractor, "path", None),
                                          "feature_dim": extractor.feature_dim,
                                          "num_classes": extractor.num_classes}}
    if real_vs_real:
        if split == "train":
            raise ValueError("--real_vs_real scores the train split against --split; pick --split=test.")
        fake_images = _real_images(dataset, "train", num_samples, seed + 1, data_dir)
        if len(fake_images) < num_samples:
            raise ValueError(f"The train split has only {len(fake_images)} images; lower --num_samples.")
        if verbose:
            print(f"Samples: {dataset}/train, {len(fake_images)} images")
        fake = extractor.extract(fake_images, batch_size=batch_size, verbose=verbose)
        result.update({"saved_model": None, "real_vs_real": True})
    else:
        latents = draw_latents(num_samples, latent_dim, seed, latent_distribution)
        if verbose:
            print(f"Samples: {num_samples} from {resolved} ({latent_distribution} latents, dim {latent_dim})")
        labels = None
        if generator["num_classes"]:
            labels = requested_labels(num_samples, generator["num_classes"])
        batches = _generated_batches(generator["serve"], latents, batch_size, labels)
        fake = extractor.extract(batches, verbose=verbose, total=num_samples)
        result.update({"saved_model": resolved, "real_vs_real": False,
                       "latent_distribution": latent_distribution})
    result.update(score(real, fake, extractor, num_samples, split, kid_subsets, kid_subset_size, k, seed))
    if not real_vs_real and generator["num_classes"]:
        if generator["num_classes"] != extractor.num_classes:
            raise ValueError(f"The generator has {generator['num_classes']} classes, the classifier "
                             f"{extractor.num_classes}; conditional accuracy needs the same classes.")
        agreement = F.conditional_accuracy(fake["logits"], labels, extractor.num_classes)
        result["metrics"][extractors_lib.protocol_name("conditional_accuracy", num_samples, extractor.name)] = (
            agreement["accuracy"])
        result["conditional_accuracy_per_class"] = [float(a) for a in agreement["per_class"]]
    result["seconds"] = round(time.time() - start, 1)
    if return_features:
        result["real"], result["fake"] = real, fake
    return result


def format_result(result):
    lines = [("real train split" if result["real_vs_real"] else result["saved_model"])
             + f" vs {result['dataset']}/{result['split']} ({result['num_real']} real), "
             f"{result['extractor']['name']} features:"]
    m = result["metrics"]
    for key, value in m.items():
        if key.endswith("_std"):
            continue
        std = m.get(key + "_std")
        lines.append(f"  {key:40s} {value:.6g}" + (f" ± {std:.3g}" if std is not None else ""))
    lines.append(f"  class histogram: {result['class_histogram']}")
    lines.append(f"  IS of the real images: {result['real_inception_score'][0]:.4g} "
                 f"± {result['real_inception_score'][1]:.3g}")
    return "\n".join(lines)


FLAGS = flags.FLAGS


def define_flags():
    flags.DEFINE_string("saved_model", None, "Generator SavedModel directory (or base dir of versions).")
    flags.DEFINE_string("dataset", "fashion_mnist", "Dataset of the real images.")
    flags.DEFINE_string("split", "test", "Split of the real images.")
    flags.DEFINE_string("data_dir", None, "Directory with local dataset files.")
    flags.DEFINE_integer("num_samples", 10000, "Generated images (train images with --real_vs_real).")
    flags.DEFINE_integer("num_real", None, "Use a random subset of this many real images (default: all).")
    flags.DEFINE_string("extractor", "default", "default | inception | path of a classifier SavedModel.")
    flags.DEFINE_enum("latent_distribution", None, ["normal", "uniform"],
                      "Latent prior of the generator; default: the one the export recorded "
                      "(assets.extra/keras_gans.json), else normal.")
    flags.DEFINE_integer("seed", 0, "Seed of the latents and subsets.")
    flags.DEFINE_integer("batch_size", 500, "Batch size of generation and feature extraction.")
    flags.DEFINE_boolean("real_vs_real", False, "Score the train split against --split (the metric floor).")
    flags.DEFINE_string("output", None, "Write the results to this JSON file.")
    flags.DEFINE_integer("verbose", 1, "Progress bars (1) or not (0).")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    result = evaluate(
        saved_model=FLAGS.saved_model, dataset=FLAGS.dataset, split=FLAGS.split,
        num_samples=FLAGS.num_samples, extractor=FLAGS.extractor, seed=FLAGS.seed,
        batch_size=FLAGS.batch_size, latent_distribution=FLAGS.latent_distribution,
        real_vs_real=FLAGS.real_vs_real, num_real=FLAGS.num_real, data_dir=FLAGS.data_dir,
        verbose=FLAGS.verbose,
    )
    result["command"] = "python -m zoo.evaluate " + " ".join(sys.argv[1:])
    print(format_result(result))
    if FLAGS.output:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
        with open(FLAGS.output, "w") as f:
            json.dump(result, f, indent=1)
        print(f"Wrote {FLAGS.output}")
    return 0


if __name__ == "__main__":
    from zoo.common.cli import run_app

    define_flags()
    # Missing ImageNet weights (a RuntimeError) is the user's to fix as well.
    run_app(main, user_errors=(extractors_lib.InceptionWeightsUnavailableError,))
