"""The flag-free training library every zoo script calls: ``run(TrainConfig(...))``.

It builds a preset under a distribution strategy, trains it with ``model.fit`` (or the
multi-worker loop), writes sample grids, TensorBoard logs and resumable backups, and
exports the generator as a TF Serving SavedModel.
"""

import dataclasses
import json
import math
import os
import shutil
import tempfile
import time
from typing import Optional

import keras

from keras_gans import data, presets
from keras_gans import distribute as distribute_lib
import numpy as np
import tensorflow as tf

from keras_gans.callbacks import EvaluateMetrics, ResumableBackup, SampleGrid, StandingStatistics
from keras_gans.export import export_model
from keras_gans.metrics.extractors import default_extractor


@dataclasses.dataclass
class TrainConfig:
    """Everything a training run needs; each zoo script fills it from its flags."""

    preset: str
    output_dir: str
    dataset: Optional[str] = None  # None: the preset's dataset
    split: str = "train"
    data_dir: Optional[str] = None
    epochs: int = 1
    steps_per_epoch: Optional[int] = None  # None: one pass over the split
    batch_size: Optional[int] = None  # None: the preset's (paper's) batch size
    strategy: str = "default"
    tpu: Optional[str] = None
    seed: int = 0
    jit_compile: bool = False  # XLA measured 10x slower on CPU (benchmarks/train_speed.py)
    # Keras mixed precision for every network ("mixed_float16" with loss scaling for every
    # optimizer, or "mixed_bfloat16"); outputs, losses and exports stay float32. None: off.
    mixed_precision: Optional[str] = None
    steps_per_execution: int = 1
    ema_decay: Optional[float] = None
    backup_every: int = 200  # steps between resumable backups
    grid_every: int = 1  # epochs between sample grids
    grid_size: int = 64
    eval_every: int = 0  # epochs between FID/KID/precision/recall/coverage scores; 0: off
    eval_samples: int = 5000
    # Batches of generated samples over which to re-estimate G's batch-norm statistics before
    # each sample grid and score and before the export (BigGAN's standing statistics); 0: keep
    # the moving averages.
    standing_stats: int = 0
    export_dir: Optional[str] = None  # None: <output_dir>/saved_model
    export: bool = True
    verbose: int = 1
    # Library-only (no flags): changes to the preset's model / discriminator arguments, e.g.
    # {"label_flip": 0.05} or {"minibatch_discrimination": 100}; passed to presets.build.
    model_overrides: dict = dataclasses.field(default_factory=dict)
    discriminator_overrides: dict = dataclasses.field(default_factory=dict)

    def validate(self):
        """Checks every field before any work starts; raises ValueError saying what is wrong."""
        if self.preset not in presets.PRESETS:
            raise ValueError(
                f"--preset={self.preset!r} is not a preset; available: {sorted(presets.PRESETS)}."
            )
        positive = {
            "epochs": self.epochs,
            "steps_per_execution": self.steps_per_execution,
            "backup_every": self.backup_every,
            "grid_every": self.grid_every,
            "grid_size": self.grid_size,
        }
        if self.batch_size is not None:
            positive["batch_size"] = self.batch_size
        if not isinstance(self.standing_stats, int) or isinstance(self.standing_stats, bool) \
                or self.standing_stats < 0:
            raise ValueError(
                f"--standing_stats must be a non-negative integer; received {self.standing_stats!r}."
            )
        if self.eval_every:
            positive["eval_every"] = self.eval_every
            positive["eval_samples"] = self.eval_samples
        if self.steps_per_epoch is not None:
            positive["steps_per_epoch"] = self.steps_per_epoch
        for name, value in positive.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"--{name} must be a positive integer; received {value!r}.")
        if self.mixed_precision not in MIXED_PRECISION:
            raise ValueError(
                f"--mixed_precision={self.mixed_precision!r} is not one of {MIXED_PRECISION[1:]} "
                "(or unset)."
            )
        if self.strategy not in distribute_lib.STRATEGIES:
            raise ValueError(
                f"--strategy={self.strategy!r} is not one of {distribute_lib.STRATEGIES}."
            )
        if self.ema_decay is not None and not 0.0 < self.ema_decay < 1.0:
            raise ValueError(f"--ema_decay must be in (0, 1); received {self.ema_decay!r}.")
        if not self.output_dir:
            raise ValueError("--output_dir must be a non-empty path.")
        if self.data_dir is not None and not os.path.isdir(self.data_dir):
            raise ValueError(f"--data_dir={self.data_dir!r} is not a directory.")
        preset = presets.get(self.preset)
        image_shape = preset["data"]["image_shape"]
        if preset["data"]["format"] == "points":
            raise ValueError(
                f"--preset={self.preset!r} generates {preset['data']['dataset']!r} points, not images; "
                "train it with `python -m zoo.mode_collapse.benchmark`."
            )
        if self.eval_every and preset["data"]["format"] not in LATENT_FORMATS:
            raise ValueError(
                f"--eval_every scores samples of latent GANs (FID, KID, ...); preset {self.preset!r} "
                f"trains on {preset['data']['format']!r} data. Pass --eval_every=0."
            )
        dataset = self.dataset or preset["data"]["dataset"]
        info = data.info(dataset)
        shapes = getattr(info, "shapes", None) or {}
        if preset["data"]["format"] == "paired" and "source" in shapes:
            expected = {"source": preset["networks"]["generator"][1].get("image_shape"),
                        "target": preset["data"]["image_shape"]}
            for key, shape in expected.items():
                have = shapes[key][-1] if shapes.get(key) else None
                if shape is not None and have is not None and have != shape[-1]:
                    raise ValueError(
                        f"--dataset={dataset!r} has {have}-channel {key} images but preset "
                        f"{self.preset!r} takes {shape[-1]}-channel ones; pick a matching preset."
                    )
        if preset["data"]["format"] in LATENT_FORMATS and info.image_shape is not None \
                and info.image_shape[-1] != image_shape[-1]:
            raise ValueError(
                f"--dataset={dataset!r} has {info.image_shape[-1]}-channel images but preset "
                f"{self.preset!r} makes {image_shape[-1]}-channel ones; pick a matching preset."
            )
        return self


MIXED_PRECISION = (None, "mixed_float16", "mixed_bfloat16")
# Data formats of models that sample from latents (FID & co. apply, channels must match).
LATENT_FORMATS = ("images", "labelled_images")


def real_images(dataset, image_size, num_images, split=None, data_dir=None, seed=0, **kwargs):
    """``num_images`` examples of ``dataset`` in [-1, 1] (its test split when it has one), as
    NumPy: an array of images, or a dict of arrays for paired data."""
    if split is None:
        counts = data.info(dataset, data_dir=data_dir).num_examples or {}
        split = "test" if "test" in counts else "train"
    ds = data.load(dataset, split=split, batch_size=num_images, image_size=image_size, shuffle=True,
                   seed=seed, data_dir=data_dir, cache=False, **kwargs)
    return tf.nest.map_structure(lambda t: np.asarray(t), next(iter(ds)))


def build_model(config):
    """The uncompiled model of ``config.preset`` with the config's overrides."""
    return presets.build(
        config.preset,
        seed=config.seed,
        discriminator_overrides=config.discriminator_overrides,
        **({"ema_decay": config.ema_decay} if config.ema_decay is not None else {}),
        **config.model_overrides,
    )


def _is_chief(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    return resolver is None or not getattr(resolver, "task_type", None) or (
        resolver.task_type in ("chief",) or (resolver.task_type == "worker" and resolver.task_id == 0)
    )


def run(config, extra_callbacks=()):
    """Trains, writes grids, exports.

    Args:
        config: a :class:`TrainConfig`.
        extra_callbacks: Keras callbacks run after the built-in ones.

    Returns:
        A dict summary (also written to ``<output_dir>/summary.json``); its ``"model"``
        entry, left out of the JSON file, is the trained GAN.
    """
    config.validate()
    preset = presets.get(config.preset)
    dataset_name = config.dataset or preset["data"]["dataset"]
    strategy = distribute_lib.get_strategy(config.strategy, config.tpu)
    chief = _is_chief(strategy)
    keras.utils.set_random_seed(config.seed)

    policy = keras.mixed_precision.global_policy()
    if config.mixed_precision:  # layers take the policy when they are made
        keras.mixed_precision.set_global_policy(config.mixed_precision)
    try:
        with strategy.scope():
            gan = build_model(config)
            gan.compile(jit_compile=config.jit_compile, steps_per_execution=config.steps_per_execution)
    finally:
        keras.mixed_precision.set_global_policy(policy)
    if config.standing_stats and not gan.supports_standing_statistics:
        raise ValueError(
            f"--standing_stats={config.standing_stats} re-estimates batch-norm statistics, but "
            f"preset {config.preset!r}'s generator has no BatchNormalization layer; pass 0."
        )

    image_size = preset["data"]["image_shape"][0]
    batch_size = config.batch_size or preset["data"]["batch_size"]
    # One train_step consumes batch_chunks chunks (GAN: n_critic) of batch_size examples.
    global_batch = batch_size * gan.batch_chunks
    data_kwargs = {"with_labels": True} if gan.data_format == "labelled_images" else {}
    ds = data.load(
        dataset_name,
        split=config.split,
        batch_size=global_batch,
        image_size=image_size,
        seed=config.seed,
        data_dir=config.data_dir,
        drop_remainder=True,
        **data_kwargs,
    )
    steps_per_epoch = config.steps_per_epoch
    if steps_per_epoch is None:
        steps_per_epoch = int(ds.cardinality())
        counts = data.info(dataset_name, data_dir=config.data_dir).num_examples or {}
        if steps_per_epoch < 1 and counts.get(config.split):
            steps_per_epoch = counts[config.split] // global_batch
        if steps_per_epoch < 1:
            raise ValueError(
                f"Cannot tell the length of {dataset_name!r}/{config.split}; pass --steps_per_epoch."
            )
    ds = ds.repeat()

    out = config.output_dir
    os.makedirs(out, exist_ok=True)
    backup = ResumableBackup(
        os.path.join(out, "backup"), save_freq=config.backup_every, delete_checkpoint=False
    )
    callbacks = [backup, keras.callbacks.TerminateOnNaN()]
    if chief and config.standing_stats:  # grids and scores show the generator as exported
        every = math.gcd(config.grid_every, config.eval_every) if config.eval_every else config.grid_every
        callbacks.append(StandingStatistics(config.standing_stats, batch_size, every=every, seed=config.seed))
    scale = max(1, 128 // image_size)
    examples = None
    if chief and gan.grid_examples:  # real examples the model's grids show (test split)
        examples = real_images(dataset_name, image_size, gan.grid_examples, data_dir=config.data_dir,
                               seed=config.seed)
    if chief:
        callbacks += [
            SampleGrid(
                os.path.join(out, "samples"),
                num_samples=config.grid_size,
                seed=config.seed,
                every=config.grid_every,
                scale=scale,
                log_dir=os.path.join(out, "logs"),
                examples=examples,
            ),
        ]
        if config.eval_every:
            # Before TensorBoard and CSVLogger, which then record the scores it adds to logs.
            real, _ = data.load_numpy(dataset_name, "test", data_dir=config.data_dir)
            callbacks.append(EvaluateMetrics(
                real.astype("float32") / 127.5 - 1.0, default_extractor(dataset_name),
                num_samples=config.eval_samples, every=config.eval_every, seed=config.seed,
            ))
        callbacks += [
            keras.callbacks.TensorBoard(os.path.join(out, "logs"), update_freq=50),
            keras.callbacks.CSVLogger(os.path.join(out, "history.csv"), append=True),
        ]
    callbacks += list(extra_callbacks)

    start = time.time()
    if distribute_lib.is_multi_worker(strategy):
        history = distribute_lib.fit_distributed(
            gan, ds, config.epochs, steps_per_epoch, strategy, callbacks, verbose=config.verbose
        )
    else:
        history = gan.fit(
            ds, epochs=config.epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks,
            verbose=config.verbose,
        )
    seconds = time.time() - start
    if config.standing_stats:  # every worker, so that each exports the same generator
        gan.accumulate_standing_statistics(config.standing_stats, batch_size=batch_size, seed=config.seed)

    summary = {
        "preset": config.preset,
        "dataset": dataset_name,
        "epochs": config.epochs,
        "steps_per_epoch": steps_per_epoch,
        "batch_size": batch_size,
        "seconds": round(seconds, 1),
        "standing_stats": config.standing_stats,
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
    }
    if chief:
        grids = SampleGrid(os.path.join(out, "samples"), num_samples=config.grid_size, seed=config.seed,
                           scale=scale, examples=examples)
        grids.set_model(gan)
        summary["grid"] = grids.write("final.png")["samples"]
    if config.export:
        export_base = config.export_dir or os.path.join(out, "saved_model")
        if not chief:  # every worker writes (MultiWorkerMirroredStrategy); only the chief keeps it
            export_base = tempfile.mkdtemp()
        path = export_model(gan, export_base)
        if chief:
            summary["export"] = path
        else:
            shutil.rmtree(export_base, ignore_errors=True)
    if chief:
        with open(os.path.join(out, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
    summary["model"] = gan
    return summary
