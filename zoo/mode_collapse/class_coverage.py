"""The flag-free library behind ``zoo/mode_collapse/fmnist.py``: class coverage on images.

Seed 004 claims that "a plain GAN makes only 1s on MNIST, WGAN-GP covers 0-9". This is
that check on Fashion-MNIST, judged by a classifier (by default the shipped one,
``saved_models/fmnist_classifier``, 92.79% test accuracy). For every (variant, seed) it

1. trains the variant's preset with ``zoo.common.train_lib.run`` for ``steps`` generator
   updates (``variant_steps`` can give slow presets fewer; ``export=False``; the run's sample grids, TensorBoard logs and history stay in
   ``<output_dir>/runs/<variant>/seed_<k>/``),
2. draws ``num_samples`` images (latents from seed ``10_000 + seed``),
3. classifies them and measures
   * **classes covered**: a class counts when at least ``min_share`` times its uniform
     share of the samples are classified as it (default 0.1: 1% of the samples, 50 of
     5,000 with 10 classes). Not "at least one sample": a collapsed generator still gets
     a few stray decisions in most classes (the classifier is wrong on 7% of real test
     images), and one stray image is not a mode;
   * the **largest class share** (1/K for a perfectly balanced model, 1 for one class);
   * the **class balance** H(p) / log K of the predicted-class histogram p (1 uniform,
     0 one class);
   * the histogram itself;
   * **FID** against the reference split (``split``, the 10,000 test images by default)
     in the classifier's feature space (``keras_gans.metrics.fid_from_features``).

A reference row scores ``num_samples`` real training images the same way (the floor). It
writes ``results.md`` (mean ± sample std over seeds, and the mean class histogram),
``results.json`` (every run plus the summary) and ``grid_<variant>.png``: the seed-0
samples sorted by predicted class, one row per class (gray cells: fewer samples of that
class than columns), into the output directory.

Variants are named in :data:`VARIANTS`: ``name -> Variant(preset, model_overrides,
discriminator_overrides)``. A remedy that changes the model (e.g. a minibatch
discrimination layer in D) is one more entry there.
"""

import copy
import dataclasses
import gc
import json
import math
import os
import re
import shutil
import time
from typing import Mapping, NamedTuple, Optional, Sequence

import numpy as np
from PIL import Image, ImageDraw

from keras_gans import data, presets
from keras_gans.core.optimizers import adam
from keras_gans.metrics import extractors as extractors_lib
from keras_gans.metrics import functional as F
from zoo.common import train_lib
from zoo.mode_collapse.lib import mean_std


class Variant(NamedTuple):
    """A preset plus changes: what one row of the benchmark trains.

    Attributes:
        preset: a key of ``keras_gans.presets.PRESETS`` that generates images.
        model_overrides: model constructor arguments to change (e.g. ``{"loss": "hinge"}``).
        discriminator_overrides: discriminator builder arguments to change.
    """

    preset: str
    model_overrides: Mapping = {}
    discriminator_overrides: Mapping = {}


_ADAM = {"generator_optimizer": adam(2e-4, 0.5), "discriminator_optimizer": adam(2e-4, 0.5)}

# The Fashion-MNIST (28x28x1) presets as they are; remedies go here as preset + overrides.
VARIANTS = {
    "gan": Variant("gan"),  # Goodfellow et al. MLP, non-saturating G loss
    "gan_minimax": Variant("gan_minimax"),  # the same with the paper's minimax G loss
    "dcgan_28": Variant("dcgan_28"),
    "wgan_gp": Variant("wgan_gp"),
    "lsgan_28": Variant("lsgan_28"),
    "dragan": Variant("dragan"),
    "wgan_28": Variant("wgan_28"),
    # Remedies (seed 004), each the original GAN plus one change.
    "gan+minibatch": Variant("gan", {}, {"minibatch_discrimination": 100}),
    "gan+feature_matching": Variant("gan", {"feature_matching_layer": "maxout2"}),
    "gan_minimax+unrolled": Variant("gan_minimax", {"unrolled_steps": 5}),
    "gan+instance_noise": Variant("gan", {"instance_noise": 0.2, "instance_noise_steps": 1000}),
    "gan+label_flip": Variant("gan", {"label_flip": 0.05}),
    # Minibatch discrimination with the paper's SGD (lr 0.05 for D) blows up: the initial G's
    # near-identical samples give minibatch features near the batch size, one SGD step scales
    # D's logits to ~1e4 and the losses are NaN within 6 steps. The improved-gan code trains
    # with Adam, so this pair compares Adam(2e-4, 0.5) with and without the layer.
    "gan+adam": Variant("gan", _ADAM),
    "gan+adam+minibatch": Variant("gan", _ADAM, {"minibatch_discrimination": 100}),
}
DEFAULT_VARIANTS = tuple(VARIANTS)

# Class names for datasets whose classifier does not record them.
CLASS_NAMES = {
    "fashion_mnist": ("t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                      "sneaker", "bag", "ankle boot"),
}

REAL_ROW = "real (train split)"


def resolve_variant(name, registry=None):
    """Returns the :class:`Variant` called ``name`` in ``registry`` (default :data:`VARIANTS`).

    Raises:
        ValueError: the name is not registered, its preset does not exist, or a variant
            with overrides is named like an existing preset (its rows and grids would pass
            for that preset's).
    """
    registry = VARIANTS if registry is None else registry
    if name not in registry:
        raise ValueError(f"Unknown variant {name!r}; expected one of {sorted(registry)}.")
    spec = registry[name]
    if isinstance(spec, str):  # a bare preset name
        spec = Variant(spec)
    if not isinstance(spec, Variant):
        try:
            spec = Variant(*spec)
        except TypeError:
            raise ValueError(
                f"Variant {name!r} must be (preset, model_overrides, discriminator_overrides); "
                f"received {spec!r}."
            ) from None
    if spec.preset not in presets.PRESETS:
        raise ValueError(
            f"Variant {name!r} names preset {spec.preset!r}, which does not exist; available: "
            f"{sorted(presets.PRESETS)}."
        )
    for what in ("model_overrides", "discriminator_overrides"):
        if not isinstance(getattr(spec, what), Mapping):
            raise ValueError(
                f"Variant {name!r}: {what} must be a dict; received {getattr(spec, what)!r}."
            )
    if (spec.model_overrides or spec.discriminator_overrides) and name in presets.PRESETS:
        raise ValueError(
            f"Variant {name!r} changes preset {spec.preset!r} but is named like an existing "
            "preset; give it a new name (e.g. 'gan+minibatch')."
        )
    return spec


def variant_label(name, registry=None):
    """``"gan"`` -> ``"gan"``; a variant with overrides -> ``"gan + D{...} + model{...}"``."""
    spec = resolve_variant(name, registry)
    parts = [spec.preset]
    if spec.discriminator_overrides:
        parts.append(f"D {json.dumps(dict(spec.discriminator_overrides), sort_keys=True, default=repr)}")
    if spec.model_overrides:
        parts.append(f"model {json.dumps(dict(spec.model_overrides), sort_keys=True, default=repr)}")
    return " + ".join(parts)


@dataclasses.dataclass
class BenchmarkConfig:
    """Everything one benchmark run needs.

    Attributes:
        output_dir: where results.md, results.json, the grids and the per-run folders go.
        variants: names in :data:`VARIANTS` (or the registry passed to :func:`run`).
        seeds: seeds per variant: 0 .. seeds - 1.
        steps: generator updates per run (each after ``n_critic`` discriminator updates).
        variant_steps: ``{variant: steps}`` for variants that train for another number of
            generator updates than ``steps`` (slow presets on a small budget).
        num_samples: generated images per evaluation.
        min_share: a class is covered when at least ``min_share / num_classes`` of the
            samples are classified as it (0.1: 1% of the samples with 10 classes).
        dataset: training data and the source of the reference images.
        split: the reference split for FID (the test split; ``digits`` has only ``train``).
        real_baseline: also score ``num_samples`` real training images (the floor).
        steps_per_execution: train steps per ``tf.function`` call.
        jit_compile: XLA for the train step (measured 9-11x slower for convolutional GANs on
            this project's CPUs; try it on GPU).
        grid_columns: samples per class row in ``grid_<variant>.png``.
        verbose: 0 silent, 1 one line per run.
    """

    output_dir: str
    variants: Sequence[str] = DEFAULT_VARIANTS
    seeds: int = 2
    steps: int = 1000
    variant_steps: Mapping[str, int] = dataclasses.field(default_factory=dict)
    num_samples: int = 5000
    min_share: float = 0.1
    dataset: str = "fashion_mnist"
    split: str = "test"
    real_baseline: bool = True
    steps_per_execution: int = 10
    jit_compile: bool = False
    grid_columns: int = 10
    verbose: int = 1

    def validate(self, registry=None):
        """Checks every field before any work starts; raises ValueError saying what is wrong."""
        if not self.output_dir:
            raise ValueError("output_dir must be a non-empty path.")
        if isinstance(self.variants, str) or not self.variants:
            raise ValueError(f"variants must be a non-empty list of names; received {self.variants!r}.")
        if len(set(self.variants)) != len(self.variants):
            raise ValueError(f"variants must not repeat; received {list(self.variants)}.")
        for name in ("seeds", "steps", "num_samples", "steps_per_execution", "grid_columns"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int; received {value!r}.")
        if not isinstance(self.variant_steps, Mapping):
            raise ValueError(f"variant_steps must be a dict {{variant: steps}}; received "
                             f"{self.variant_steps!r}.")
        for variant, steps in self.variant_steps.items():
            if variant not in self.variants:
                raise ValueError(f"variant_steps names {variant!r}, which is not among the variants "
                                 f"{list(self.variants)}.")
            if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
                raise ValueError(f"variant_steps[{variant!r}] must be a positive int; received {steps!r}.")
        if self.num_samples < 2:
            raise ValueError(f"num_samples must be at least 2 (FID needs a covariance); "
                             f"received {self.num_samples}.")
        if not 0.0 < self.min_share <= 1.0:
            raise ValueError(f"min_share must be in (0, 1]; received {self.min_share!r}.")
        info = data.info(self.dataset)
        if info.num_examples and self.split not in info.num_examples:
            raise ValueError(f"split={self.split!r} is not a split of {self.dataset!r}; expected one "
                             f"of {sorted(info.num_examples)}.")
        if not info.num_classes:
            raise ValueError(f"dataset={self.dataset!r} has no class labels to cover.")
        for variant in self.variants:
            spec = resolve_variant(variant, registry)
            shape = presets.get(spec.preset)["data"]["image_shape"]
            if shape is None or tuple(shape) != tuple(info.image_shape):
                raise ValueError(
                    f"Variant {variant!r} (preset {spec.preset!r}) generates "
                    f"{'points' if shape is None else tuple(shape)}, not {self.dataset!r}'s "
                    f"{tuple(info.image_shape)} images; pick a preset made for this dataset."
                )
        return self

    def steps_for(self, variant):
        """Generator updates for ``variant``: ``variant_steps[variant]``, else ``steps``."""
        return self.variant_steps.get(variant, self.steps)


def parse_variant_steps(items):
    """``["wgan_gp:300", "dcgan_28:200"]`` -> ``{"wgan_gp": 300, "dcgan_28": 200}``.

    Raises:
        ValueError: an item is not ``name:steps`` with an integer, or a name repeats.
    """
    result = {}
    for item in items or ():
        name, sep, value = str(item).partition(":")
        if not sep or not name or not re.fullmatch(r"-?\d+", value.strip()):
            raise ValueError(f"variant_steps items must look like name:steps (e.g. wgan_gp:300); "
                             f"received {item!r}.")
        if name in result:
            raise ValueError(f"variant_steps names {name!r} twice.")
        result[name] = int(value)
    return result


def min_class_count(min_share, num_samples, num_classes):
    """Samples a class needs to count as covered: ``ceil(min_share * num_samples / num_classes)``,
    at least 1."""
    # Round first so 0.1 * 5000 / 10 = 50.000000000000007 gives 50, not 51.
    return max(1, int(math.ceil(round(min_share * num_samples / num_classes, 9))))


def coverage_stats(labels, num_classes, min_share=0.1):
    """Class coverage of predicted labels.

    Args:
        labels: predicted classes ``[N]`` (ints), or logits / probabilities ``[N, K]``.
        num_classes: K.
        min_share: a class is covered with at least ``min_share * N / K`` samples.

    Returns:
        dict: ``num_samples``, ``num_classes``, ``min_count`` (the samples a class needs,
        ``ceil(min_share * N / K)``), ``classes_covered``, ``histogram`` (counts),
        ``largest_share``, ``largest_class``, ``balance`` (H(p) / log K in [0, 1]),
        ``kl_to_uniform`` (nats) and ``tvd_to_uniform``.
    """
    labels = np.asarray(labels)
    n = labels.shape[0]
    if n == 0:
        raise ValueError("coverage_stats needs at least one label.")
    min_count = min_class_count(min_share, n, num_classes)
    cov = F.class_coverage(labels, num_classes, min_count=min_count)
    hist = cov["histogram"]
    kl = cov["kl_to_uniform"]
    return {
        "num_samples": int(n),
        "num_classes": int(num_classes),
        "min_count": min_count,
        "classes_covered": int(cov["covered"]),
        "histogram": [int(c) for c in hist],
        "largest_share": float(hist.max() / n),
        "largest_class": int(hist.argmax()),
        "balance": float(max(0.0, 1.0 - kl / math.log(num_classes))) if num_classes > 1 else 1.0,
        "kl_to_uniform": float(kl),
        "tvd_to_uniform": float(cov["tvd_to_uniform"]),
    }


def score(features, logits, real_features, num_classes, min_share):
    """Coverage stats of the samples' logits plus their FID to ``real_features``."""
    stats = coverage_stats(np.asarray(logits), num_classes, min_share)
    stats["fid"] = float(F.fid_from_features(real_features, features))
    return stats


def _image_shape(registry, variant):
    return tuple(presets.get(resolve_variant(variant, registry).preset)["data"]["image_shape"])


def train_variant(variant, seed, config, registry=None):
    """Trains ``variant`` with ``train_lib.run`` in a fresh ``<output_dir>/runs/<variant>/seed_<k>``.

    Returns ``(gan, info dict)``.
    """
    steps = config.steps_for(variant)
    run_dir = os.path.join(config.output_dir, "runs", variant, f"seed_{seed}")
    # A fresh folder: train_lib's BackupAndRestore would otherwise resume an older run.
    shutil.rmtree(run_dir, ignore_errors=True)
    spec = resolve_variant(variant, registry)
    summary = train_lib.run(train_lib.TrainConfig(
        preset=spec.preset,
        model_overrides=copy.deepcopy(dict(spec.model_overrides)),
        discriminator_overrides=copy.deepcopy(dict(spec.discriminator_overrides)),
        output_dir=run_dir,
        dataset=config.dataset,
        epochs=1,
        steps_per_epoch=steps,
        seed=seed,
        jit_compile=config.jit_compile,
        steps_per_execution=min(config.steps_per_execution, steps),
        backup_every=steps,
        export=False,
        verbose=0,
    ))
    shutil.rmtree(os.path.join(run_dir, "backup"), ignore_errors=True)  # no resuming wanted
    gan = summary["model"]
    info = {
        "preset": spec.preset,
        "run_dir": run_dir,
        "train_seconds": summary["seconds"],
        "final_logs": {k: v[-1] for k, v in summary["history"].items()},
        "d_updates": int(gan.d_optimizer.iterations),
        "g_updates": int(gan.g_optimizer.iterations),
        "generator_params": int(gan.generator.count_params()),
        "discriminator_params": int(gan.discriminator.count_params()),
    }
    return gan, info


def class_grid_png(images, labels, class_names, path, columns=10, scale=2, label_width=110):
    """Writes the samples sorted by predicted class: one row per class (its name and count
    on the left), the first ``columns`` samples of that class; gray cells where a class has
    fewer samples. Images are ``[N, H, W, 1 or 3]`` in [-1, 1]."""
    images = np.asarray(images, np.float32)
    labels = np.asarray(labels).reshape(-1)
    n, h, w, c = images.shape
    pad = 2
    cell_h, cell_w = h * scale + pad, w * scale + pad
    canvas = Image.new("RGB", (label_width + columns * cell_w + pad, len(class_names) * cell_h + pad),
                       "white")
    draw = ImageDraw.Draw(canvas)
    pixels = data.to_uint8(images)
    for k, name in enumerate(class_names):
        picked = np.flatnonzero(labels == k)
        top = pad + k * cell_h
        draw.text((4, top + max(0, (h * scale - 10) // 2)), f"{name} ({picked.size})", fill="black")
        for j in range(columns):
            left = label_width + pad + j * cell_w
            if j < picked.size:
                tile = pixels[picked[j]]
                tile = np.repeat(tile, 3, axis=-1) if c == 1 else tile
                tile = Image.fromarray(tile).resize((w * scale, h * scale), Image.NEAREST)
            else:
                tile = Image.new("RGB", (w * scale, h * scale), (160, 160, 160))
            canvas.paste(tile, (left, top))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    canvas.save(path)
    return path


def summarize(runs):
    """Groups per-run results by variant: mean and sample std over seeds, mean histogram."""
    groups = {}
    for run_ in runs:
        groups.setdefault(run_["variant"], []).append(run_)
    summary = []
    for variant, all_runs in groups.items():
        # Diverged runs (NaN) are counted, and left out of the statistics.
        group = [r for r in all_runs if not r.get("diverged")]
        row = {"variant": variant, "label": all_runs[0].get("label", variant),
               "steps": all_runs[0].get("steps"), "seeds": len(all_runs),
               "diverged": len(all_runs) - len(group),
               "train_seconds_mean": float(np.mean([r.get("train_seconds", 0.0) for r in all_runs]))}
        if not group:
            summary.append(row)
            continue
        row["num_classes"] = group[0]["coverage"]["num_classes"]
        for key in ("classes_covered", "largest_share", "balance", "fid"):
            values = [r["coverage"][key] for r in group]
            row[f"{key}_mean"], row[f"{key}_std"] = mean_std(values)
            row[f"{key}_per_seed"] = values
        # Each seed's largest class, repeats dropped (seed order).
        row["largest_classes"] = list(dict.fromkeys(r["coverage"]["largest_class"] for r in group))
        shares = np.array([np.array(r["coverage"]["histogram"]) / r["coverage"]["num_samples"]
                           for r in group])
        row["class_shares_mean"] = [float(s) for s in shares.mean(axis=0)]
        summary.append(row)
    return summary


def markdown_table(summary, config, class_names, extractor_name, fid_name, baseline=None):
    """The results as Markdown: the main table, then the mean class histogram per variant."""
    num_classes = len(class_names)
    min_count = min_class_count(config.min_share, config.num_samples, num_classes)
    lines = [
        f"# Class coverage on {config.dataset}",
        "",
        f"{config.steps} generator updates per run"
        + (" (other counts where the steps column says so)" if config.variant_steps else "")
        + f", {config.num_samples} samples per evaluation "
        f"classified by the `{extractor_name}` classifier, mean ± sample std over "
        f"{config.seeds} seed(s) (runs that diverged to NaN are counted in the seeds column and left "
        f"out of the statistics). A class is covered when at least {config.min_share:g} x its "
        f"uniform share of the samples ({min_count} of {config.num_samples}) is classified as it. "
        "Largest share: the most frequent predicted class's share of the samples (10% is "
        "balanced; in brackets that class, each seed's where they differ). Balance: H(p) / log K of the predicted-class histogram "
        f"(1 = uniform, 0 = one class). {fid_name}: FID in the classifier's feature space "
        f"against the {config.dataset} {config.split} split.",
        "",
        f"| variant | preset | steps | seeds | classes covered | largest share | balance | "
        f"{fid_name} | classes per seed | s / run |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    if baseline is not None:
        b = baseline
        lines.append(
            f"| {REAL_ROW} | - | - | - | {b['classes_covered']} / {num_classes} | "
            f"{100 * b['largest_share']:.1f} % ({class_names[b['largest_class']]}) | "
            f"{b['balance']:.3f} | {b['fid']:.2f} | - | - |"
        )
    for s in summary:
        seeds = f"{s['seeds']}" + (f" ({s['diverged']} diverged)" if s["diverged"] else "")
        if s["diverged"] == s["seeds"]:
            lines.append(f"| {s['variant']} | {s['label']} | {s['steps']} | {seeds} | - | - | - | - | - | "
                         f"{s['train_seconds_mean']:.0f} |")
            continue
        lines.append(
            f"| {s['variant']} | {s['label']} | {s['steps']} | {seeds} | "
            f"{s['classes_covered_mean']:.1f} ± {s['classes_covered_std']:.1f} / {num_classes} | "
            f"{100 * s['largest_share_mean']:.1f} ± {100 * s['largest_share_std']:.1f} % "
            f"({', '.join(class_names[k] for k in s['largest_classes'])}) | "
            f"{s['balance_mean']:.3f} ± {s['balance_std']:.3f} | "
            f"{s['fid_mean']:.2f} ± {s['fid_std']:.2f} | "
            f"{', '.join(str(m) for m in s['classes_covered_per_seed'])} | "
            f"{s['train_seconds_mean']:.0f} |"
        )
    lines += [
        "",
        "## Predicted-class shares (%, mean over seeds)",
        "",
        "| variant | " + " | ".join(class_names) + " |",
        "|---|" + "---|" * num_classes,
    ]
    if baseline is not None:
        n = baseline["num_samples"]
        lines.append(f"| {REAL_ROW} | " + " | ".join(f"{100 * c / n:.1f}" for c in baseline["histogram"]) + " |")
    for s in summary:
        if "class_shares_mean" in s:
            lines.append(f"| {s['variant']} | " + " | ".join(f"{100 * p:.1f}" for p in s["class_shares_mean"]) + " |")
    lines.append("")
    return "\n".join(lines)


def _class_names(dataset, extractor, num_classes):
    names = getattr(extractor, "metadata", {}).get("class_names") or CLASS_NAMES.get(dataset)
    if not names or len(names) != num_classes:
        names = [str(k) for k in range(num_classes)]
    return list(names)


def _subset(images, count, seed):
    if count >= len(images):
        return images
    return images[np.sort(np.random.default_rng(seed).choice(len(images), count, replace=False))]


def run(config, extractor=None, registry=None, log=print):
    """Runs the benchmark.

    Args:
        config: a :class:`BenchmarkConfig`.
        extractor: a ``keras_gans.metrics`` feature extractor (``{"features", "logits"}``
            from images in [-1, 1]); default ``default_extractor(config.dataset)``, the
            shipped classifier for Fashion-MNIST.
        registry: variant registry; default :data:`VARIANTS`.
        log: called with one line per run when ``config.verbose``.

    Returns:
        ``{"runs": [...], "summary": [...], "baseline": {...} or None, "files": {...},
        "table": str}``.
    """
    config.validate(registry)
    start = time.perf_counter()
    if extractor is None:
        extractor = extractors_lib.default_extractor(config.dataset)
    for variant in config.variants:
        extractor.check_image_shape((None,) + _image_shape(registry, variant))
    num_classes = int(extractor.num_classes)
    class_names = _class_names(config.dataset, extractor, num_classes)
    fid_name = extractors_lib.protocol_name("fid", config.num_samples, extractor.name, config.split)
    os.makedirs(config.output_dir, exist_ok=True)

    reference, _ = data.load_numpy(config.dataset, config.split)
    real = extractor.extract(reference, verbose=0)
    baseline = None
    if config.real_baseline:
        train_images, _ = data.load_numpy(config.dataset, "train")
        train_images = _subset(train_images, config.num_samples, seed=0)
        out = extractor.extract(train_images, verbose=0)
        baseline = score(out["features"], out["logits"], real["features"], num_classes, config.min_share)
        if config.verbose:
            log(f"{REAL_ROW}: {baseline['classes_covered']}/{num_classes} classes, largest share "
                f"{100 * baseline['largest_share']:.1f}%, {fid_name} {baseline['fid']:.2f}")

    runs, files = [], {}
    for variant in config.variants:
        for seed in range(config.seeds):
            gan, info = train_variant(variant, seed, config, registry)
            samples = gan.generate(config.num_samples, seed=10_000 + seed)
            if not np.all(np.isfinite(samples)):  # training diverged (train_lib stops on NaN)
                runs.append({"variant": variant, "label": variant_label(variant, registry), "seed": seed,
                             "steps": config.steps_for(variant), "diverged": True, **info})
                if config.verbose:
                    log(f"{variant} seed {seed}: diverged (non-finite losses and samples)")
                del gan, samples
                gc.collect()
                continue
            out = extractor.extract(samples, verbose=0)
            coverage = score(out["features"], out["logits"], real["features"], num_classes,
                             config.min_share)
            runs.append({"variant": variant, "label": variant_label(variant, registry),
                         "seed": seed, "steps": config.steps_for(variant), "coverage": coverage, **info})
            if seed == 0:
                files[f"grid_{variant}"] = class_grid_png(
                    samples, out["logits"].argmax(axis=1), class_names,
                    os.path.join(config.output_dir, f"grid_{variant}.png"), columns=config.grid_columns,
                )
            if config.verbose:
                log(f"{variant} seed {seed}: {coverage['classes_covered']}/{num_classes} classes, "
                    f"largest share {100 * coverage['largest_share']:.1f}% "
                    f"({class_names[coverage['largest_class']]}), balance {coverage['balance']:.3f}, "
                    f"{fid_name} {coverage['fid']:.2f}, {info['train_seconds']:.1f} s")
            del gan, samples, out
            gc.collect()
    summary = summarize(runs)
    table = markdown_table(summary, config, class_names, extractor.name, fid_name, baseline)
    files["table"] = os.path.join(config.output_dir, "results.md")
    with open(files["table"], "w") as f:
        f.write(table)
    files["json"] = os.path.join(config.output_dir, "results.json")
    with open(files["json"], "w") as f:
        json.dump({
            "config": dataclasses.asdict(config),
            "extractor": {"name": extractor.name, "type": type(extractor).__name__,
                          "path": getattr(extractor, "path", None), "num_classes": num_classes,
                          "feature_dim": extractor.feature_dim},
            "class_names": class_names,
            "fid_protocol": fid_name,
            "num_reference": int(len(reference)),
            "baseline": baseline,
            "summary": summary,
            "runs": runs,
            "total_seconds": round(time.perf_counter() - start, 1),
        }, f, indent=1, default=list)
    return {"runs": runs, "summary": summary, "baseline": baseline, "files": files, "table": table}
