"""Callbacks for GAN training: sample grids written during ``fit``."""

import json
import math
import os
import re

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from keras_gans.data import to_uint8
from keras_gans.grids import interleave


def image_grid(images, columns=None, padding=2):
    """Tiles images in [-1, 1] (``[N, H, W, C]``, C = 1 or 3) into one uint8 array."""
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or images.shape[0] == 0:
        raise ValueError(f"images must be [N>0, H, W, 1 or 3]; received shape {images.shape}.")
    if columns is not None and (not isinstance(columns, int) or columns < 1):
        raise ValueError(f"columns must be a positive int or None; received {columns!r}.")
    n, h, w, c = images.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    grid = np.full(
        (rows * (h + padding) + padding, columns * (w + padding) + padding, c), 255, np.uint8
    )
    pixels = to_uint8(images)
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top : top + h, left : left + w] = pixels[i]
    return grid


def save_image_grid(images, path, columns=None, scale=1, padding=2):
    """Writes :func:`image_grid` of ``images`` as a PNG (``scale`` enlarges it, nearest)."""
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive int; received {scale!r}.")
    grid = image_grid(images, columns, padding)
    image = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    if scale != 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    image.save(path)
    return path


class BackupError(ValueError):
    """A backup that cannot be resumed from (damaged, incomplete, or of another run)."""


class TrainingDiverged(RuntimeError):
    """Training stopped because a logged loss became NaN or infinite."""


METADATA_FILE = "training_metadata.json"
_WEIGHTS_RE = re.compile(r"^ckpt-(\d+)\.weights\.h5$")


def _finite_logs(logs, model=None):
    """``(key, value)`` of the first non-finite number in ``logs``, or ``None``; with
    ``model``, only the keys of its own metrics (its losses; not scores that callbacks add,
    such as an unscored epoch's NaN FID)."""
    names = None if model is None else {m.name for m in model.metrics}
    for key, value in (logs or {}).items():
        if names is not None and key not in names:
            continue
        try:
            number = float(np.asarray(value))
        except (TypeError, ValueError):
            continue
        if not math.isfinite(number):
            return key, number
    return None


def latest_backup(backup_dir):
    """``(weights path, metadata dict)`` of the backup in ``backup_dir``, or ``None`` when the
    directory holds none. Raises :class:`BackupError` (one line naming the file and what to
    do) for a damaged or incomplete backup."""
    meta_path = os.path.join(backup_dir, METADATA_FILE)
    if not os.path.exists(meta_path):
        leftovers = [f for f in os.listdir(backup_dir) if f.endswith(".h5")] if os.path.isdir(backup_dir) else []
        if leftovers:
            raise BackupError(
                f"{backup_dir} holds weights ({', '.join(sorted(leftovers))}) but no {METADATA_FILE}: an "
                f"incomplete or foreign backup; delete {backup_dir} (or pass --restart) to start over."
            )
        return None
    try:
        with open(meta_path) as f:
            meta = json.load(f)
        weights = os.path.join(backup_dir, meta["weights"])
        int(meta["epoch"]), int(meta["step"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise BackupError(
            f"{meta_path} is damaged ({type(err).__name__}: {err}); delete {backup_dir} (or pass --restart) "
            "to start over."
        ) from None
    if not os.path.isfile(weights):
        raise BackupError(
            f"{meta_path} names {weights}, which is missing; delete {backup_dir} (or pass --restart) to "
            "start over."
        )
    if meta.get("bytes") is not None and os.path.getsize(weights) != meta["bytes"]:
        raise BackupError(
            f"{weights} has {os.path.getsize(weights)} bytes, its metadata says {meta['bytes']}: a damaged "
            f"backup; delete {backup_dir} (or pass --restart) to start over."
        )
    return weights, meta


class ResumableBackup(keras.callbacks.BackupAndRestore):
    """Keras' ``BackupAndRestore`` made safe against any interrupt, checked on resume, and
    backing up at the end of every epoch too.

    Saving: the weights go to a new file ``ckpt-<n>.weights.h5`` (written under a temporary
    name, then renamed), then ``training_metadata.json`` (epoch, batch, step, the weights
    file's name and size, and ``fingerprint``) is replaced atomically, and only then are
    older weights deleted. A kill at any instant leaves a metadata file that names complete
    weights. A save is skipped when the latest logs or any weight are NaN / infinite, so a
    diverging run never overwrites its last good backup.

    Resuming (at ``on_train_begin``): a damaged or incomplete backup, one whose
    ``fingerprint`` differs (another preset or options), or weights that do not load raise
    :class:`BackupError` with one line that names the file and what to do. ``resumed``
    then holds ``{"epoch", "step", "file"}`` (``None`` for a fresh start).

    With an integer ``save_freq`` Keras saves only every ``save_freq`` batches, and records a
    save made at an epoch's last batch as "in that epoch": a resumed ``fit`` then trains that
    epoch again, and a run shorter than ``save_freq`` leaves no backup at all. Saving at each
    epoch end as well records the finished epoch, so an interrupted run loses at most
    ``min(save_freq, one epoch)`` batches and a finished run continues exactly where it stopped
    when ``fit`` is called again with more epochs.

    Args:
        backup_dir: the directory of the backup.
        save_freq: ``"epoch"`` or a number of batches.
        fingerprint: a JSON-able dict that identifies the run's configuration (the zoo
            passes the preset and the model's config); compared on resume.
        delete_checkpoint: as Keras' (default False: keep the backup after training).
    """

    def __init__(self, backup_dir, save_freq="epoch", fingerprint=None, delete_checkpoint=False):
        super().__init__(backup_dir, save_freq=save_freq, delete_checkpoint=delete_checkpoint)
        self.fingerprint = fingerprint
        self.resumed = None
        self.skipped_saves = 0
        self._counter = _StepCounter()
        self._last_logs = None

    # ------------------------------------------------------------------ resume
    def on_train_begin(self, logs=None):
        self._load_model()

    def _load_model(self):
        found = latest_backup(self.backup_dir)
        if found is None:
            return
        weights, meta = found
        saved = meta.get("fingerprint")
        if self.fingerprint is not None and saved != _jsonable(self.fingerprint):
            differs = sorted(k for k in set(saved or {}) | set(self.fingerprint)
                             if (saved or {}).get(k) != _jsonable(self.fingerprint).get(k))
            raise BackupError(
                f"{os.path.join(self.backup_dir, METADATA_FILE)} is a backup of another configuration "
                f"(differs in {differs}: {_brief(saved, differs)} there, {_brief(self.fingerprint, differs)} now); "
                f"use another --output_dir, or delete {self.backup_dir} (or pass --restart) to start over."
            )
        try:
            self.model.load_weights(weights)
        except Exception as err:  # h5py and Keras raise many kinds
            raise BackupError(
                f"{weights} does not load into this model ({type(err).__name__}: {str(err).splitlines()[0]}); "
                f"delete {self.backup_dir} (or pass --restart) to start over."
            ) from None
        self.model._initial_epoch = int(meta["epoch"])
        self._counter = _StepCounter(int(meta["step"]))
        self.resumed = {"epoch": int(meta["epoch"]), "step": int(meta["step"]), "file": weights}

    # ------------------------------------------------------------------ save
    def on_epoch_begin(self, epoch, logs=None):
        self._counter.epoch_begin()

    def on_train_batch_end(self, batch, logs=None):
        self._counter.batch_end(batch)
        self._last_logs = logs
        super().on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._last_logs = logs
        super().on_epoch_end(epoch, logs)
        steps = int((self.params or {}).get("steps") or 0)
        if self.model.stop_training and steps and self._counter.in_epoch < steps:
            # Stopped mid-epoch (an interrupt, a divergence): Keras still ends the epoch, but
            # it is not finished; record it as the epoch to train again.
            self._current_epoch = epoch
            self._last_batch_seen = self._counter.in_epoch
        if self.save_freq != "epoch":  # "epoch" mode already saved
            self._batches_seen_since_last_saving = 0
            self._save_model()

    def _healthy(self):
        if _finite_logs(self._last_logs, self.model) is not None:
            return False
        return all(np.isfinite(np.asarray(v)).all() for v in self.model.trainable_weights)

    def _save_model(self):
        if not self._healthy():
            self.skipped_saves += 1
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        previous = _newest_checkpoint(self.backup_dir)
        number = previous[1] + 1 if previous else 1
        name = f"ckpt-{number}.weights.h5"
        partial = os.path.join(self.backup_dir, f"partial-{os.getpid()}.weights.h5")
        self.model.save_weights(partial, overwrite=True)
        _fsync(partial)
        final = os.path.join(self.backup_dir, name)
        os.replace(partial, final)
        meta = {"epoch": self._current_epoch, "batch": self._last_batch_seen, "step": self._counter.steps,
                "weights": name, "bytes": os.path.getsize(final), "fingerprint": _jsonable(self.fingerprint)}
        meta_partial = os.path.join(self.backup_dir, f"partial-{os.getpid()}.json")
        with open(meta_partial, "w") as f:
            json.dump(meta, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(meta_partial, os.path.join(self.backup_dir, METADATA_FILE))
        _fsync_dir(self.backup_dir)
        for other in os.listdir(self.backup_dir):
            if other != name and (_WEIGHTS_RE.match(other) or other.startswith("partial-")):
                try:
                    os.remove(os.path.join(self.backup_dir, other))
                except OSError:
                    pass


class _StepCounter:
    """Counts the train steps of a ``fit`` from the batch indices Keras reports (which jump
    by ``steps_per_execution``) and restart at 0 each epoch."""

    def __init__(self, start=0):
        self.steps, self._last = start, -1

    def epoch_begin(self):
        self._last = -1

    def batch_end(self, batch):
        self.steps += max(int(batch) - self._last, 0)
        self._last = int(batch)
        return self.steps

    @property
    def in_epoch(self):
        """Steps of the current epoch so far."""
        return self._last + 1


def _newest_checkpoint(backup_dir):
    """``(name, number)`` of the newest ``ckpt-<n>`` weights file in ``backup_dir``, or None."""
    numbers = [(int(m.group(1)), f) for f in os.listdir(backup_dir) if (m := _WEIGHTS_RE.match(f))]
    if not numbers:
        return None
    number, name = max(numbers)
    return name, number


def _jsonable(value):
    return json.loads(json.dumps(value, sort_keys=True, default=str)) if value is not None else None


def _brief(fingerprint, keys):
    fingerprint = _jsonable(fingerprint) or {}
    parts = []
    for k in keys:
        v = json.dumps(fingerprint.get(k), sort_keys=True)
        parts.append(f"{k}={v if len(v) <= 60 else v[:57] + '...'}")
    return ", ".join(parts)


def _fsync(path):
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class TrainingInterrupted(Exception):
    """Training stopped at a step boundary after Ctrl-C (see :class:`StopOnInterrupt`)."""


class StopOnInterrupt(keras.callbacks.Callback):
    """Turns the first Ctrl-C (SIGINT) during ``fit`` into a clean stop after the current
    step: the backup callbacks then save a consistent state, instead of a
    ``KeyboardInterrupt`` landing in the middle of a weights write. A second Ctrl-C
    interrupts at once, as usual. ``interrupted`` then holds ``{"epoch", "step"}``. The
    handler is installed for the duration of ``fit`` in the main thread only."""

    def __init__(self):
        super().__init__()
        self.interrupted = None
        self.start_step = 0
        self._requested = False
        self._previous = None
        self._epoch = 0
        self._counter = _StepCounter()

    def _handler(self, signum, frame):
        if self._requested:  # the second Ctrl-C: now
            raise KeyboardInterrupt
        self._requested = True
        print("\nInterrupted: stopping after this step and saving a backup (Ctrl-C again to quit at once).",
              flush=True)

    def on_train_begin(self, logs=None):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._counter.epoch_begin()

    def on_train_batch_end(self, batch, logs=None):
        steps = self._counter.batch_end(batch)
        if self._requested and self.interrupted is None:
            self.interrupted = {"epoch": self._epoch + 1, "step": self.start_step + steps}
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


class StopOnDivergence(keras.callbacks.Callback):
    """Stops training when any loss the model logs (its metrics) is NaN or infinite.

    Keras' ``TerminateOnNaN`` watches only ``logs["loss"]``, which adversarial models do not
    log. ``diverged`` then holds ``{"epoch", "batch", "step", "key", "value"}`` (``None``
    while training is healthy; ``step`` counts from ``start_step``, steps trained before this
    ``fit``, e.g. a resumed backup's); the runner keeps the last good backup, exports nothing and
    reports it. Put it before :class:`ResumableBackup`, which also refuses to save non-finite
    state."""

    def __init__(self):
        super().__init__()
        self.diverged = None
        self.start_step = 0
        self._epoch = 0
        self._counter = _StepCounter()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._counter.epoch_begin()

    def on_train_batch_end(self, batch, logs=None):
        steps = self._counter.batch_end(batch)
        bad = _finite_logs(logs, self.model)
        if bad is not None and self.diverged is None:
            self.diverged = {"epoch": self._epoch + 1, "batch": int(batch) + 1, "step": self.start_step + steps,
                             "key": bad[0], "value": str(bad[1])}
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        bad = _finite_logs(logs, self.model)
        if bad is not None and self.diverged is None:
            self.diverged = {"epoch": epoch + 1, "batch": None, "step": self.start_step + self._counter.steps,
                             "key": bad[0], "value": str(bad[1])}
            self.model.stop_training = True


class StandingStatistics(keras.callbacks.Callback):
    """Re-estimates the inference generator's batch-norm statistics (BigGAN's standing
    statistics, ``GAN.accumulate_standing_statistics``) at the end of every ``every`` epochs.
    Place it before :class:`SampleGrid` / :class:`EvaluateMetrics` so that grids and scores
    show the generator as it will be exported. Training itself uses batch statistics and is
    unaffected.

    Args:
        num_batches: generated batches to average over.
        batch_size: their size (use the training batch size).
        every: re-estimate every this many epochs.
        seed: seed of the latents (and labels) drawn.
    """

    def __init__(self, num_batches, batch_size, every=1, seed=0):
        super().__init__()
        for arg, value in (("num_batches", num_batches), ("batch_size", batch_size), ("every", every)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{arg} must be a positive int; received {value!r}.")
        self.num_batches = num_batches
        self.batch_size = batch_size
        self.every = every
        self.seed = seed

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.model.accumulate_standing_statistics(self.num_batches, self.batch_size, seed=self.seed)


class SampleGrid(keras.callbacks.Callback):
    """Writes the model's sample grids at the end of each epoch.

    The grids are what the model declares in ``sample_grids(examples, num_samples, seed)``:
    for a latent GAN samples from fixed latents (the same points across training; a
    class-conditional model has one column per class), for VAE-GAN also reconstructions of
    ``examples``, for image-to-image models rows of input / output / target. The grid
    ``"samples"`` goes to ``<directory>/epoch_<NNN>.png``, any other grid ``name`` to
    ``<directory>/../<name>/epoch_<NNN>.png``; with ``log_dir`` each also goes to TensorBoard.

    Args:
        directory: where the sample PNG files go.
        num_samples: images in the grid (a square number looks best).
        seed: seed for the fixed latents (and any noise the model draws).
        every: write every this many epochs.
        scale: enlarge the PNG by this integer factor (small images are hard to see).
        log_dir: optional TensorBoard log directory for an image summary.
        examples: the real examples the model's grids need (``model.grid_examples`` of
            them, in its data format), or ``None``.
    """

    def __init__(self, directory, num_samples=64, seed=0, every=1, scale=1, log_dir=None, examples=None):
        super().__init__()
        self.directory = directory
        self.num_samples = num_samples
        self.seed = seed
        self.every = every
        self.scale = scale
        self.log_dir = log_dir
        self.examples = examples
        self._writer = None

    def on_train_begin(self, logs=None):
        if self.log_dir:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "samples"))

    def grid_path(self, name, file_name):
        if name == "samples":
            return os.path.join(self.directory, file_name)
        return os.path.join(os.path.dirname(os.path.abspath(self.directory)), name, file_name)

    def write(self, file_name, step=None):
        """Writes every grid the model declares as ``file_name``; returns ``{name: path}``."""
        grids = self.model.sample_grids(self.examples, num_samples=self.num_samples, seed=self.seed)
        paths = {}
        for name, (images, columns) in grids.items():
            paths[name] = save_image_grid(images, self.grid_path(name, file_name), columns=columns,
                                          scale=self.scale)
            if self._writer is not None and step is not None:
                # record_if(True): a TensorBoard callback's update_freq condition, left pushed by
                # an interrupted fit in the same process, would otherwise drop the image.
                with self._writer.as_default(), tf.summary.record_if(True):
                    tf.summary.image(name, image_grid(images, columns)[None], step=step)
        if self._writer is not None:
            self._writer.flush()
        return paths

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        self.write(f"epoch_{epoch + 1:03d}.png", step=epoch + 1)


class TensorBoard(keras.callbacks.TensorBoard):
    """``keras.callbacks.TensorBoard`` that writes every epoch's scalars.

    Keras (3.x) writes the epoch summaries inside the ``record_if`` of its batch-level
    ``update_freq``, so with ``update_freq=N`` an epoch's losses and scores reach the file only
    when the global batch count at the epoch's end is a multiple of N (an epoch of 156 steps
    and ``update_freq=50``: none at all). Here the epoch summaries are always recorded."""

    def on_epoch_end(self, epoch, logs=None):
        with tf.summary.record_if(True):
            super().on_epoch_end(epoch, logs)


class SampleText(keras.callbacks.Callback):
    """Writes ``num_samples`` sequences of a sequence model (``model.sample_text``: words with
    a vocabulary, ids otherwise), one a line, to ``<directory>/epoch_<NNN>.txt`` at the end of
    every ``every`` epochs, from the same seed each time; with ``log_dir`` also to TensorBoard.
    The text counterpart of :class:`SampleGrid` (same arguments; ``scale`` and ``examples``
    are accepted and unused)."""

    def __init__(self, directory, num_samples=64, seed=0, every=1, scale=1, log_dir=None, examples=None):
        super().__init__()
        del scale, examples
        self.directory, self.num_samples, self.seed, self.every, self.log_dir = (
            directory, num_samples, seed, every, log_dir)
        self._writer = None

    def on_train_begin(self, logs=None):
        if self.log_dir:
            self._writer = tf.summary.create_file_writer(os.path.join(self.log_dir, "samples"))

    def write(self, file_name, step=None):
        lines = self.model.sample_text(self.num_samples, seed=self.seed)
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, file_name)
        with open(path + ".partial", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(path + ".partial", path)
        if self._writer is not None and step is not None:
            with self._writer.as_default(), tf.summary.record_if(True):
                tf.summary.text("samples", tf.constant("\n\n".join(lines[:16])), step=step)
            self._writer.flush()
        return {"samples": path}

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        self.write(f"epoch_{epoch + 1:03d}.txt", step=epoch + 1)


class ReconstructionGrid(keras.callbacks.Callback):
    """Writes :func:`reconstruction_grid` of fixed real images at the end of each epoch.

    Args:
        images: real images ``[N, H, W, C]`` in [-1, 1].
        directory: PNGs go to ``<directory>/epoch_<NNN>.png``.
        columns, scale: grid layout (see :func:`reconstruction_grid`).
        every: write every this many epochs.
    """

    def __init__(self, images, directory, columns=8, scale=1, every=1):
        super().__init__()
        self.images = np.asarray(images, np.float32)
        self.directory = directory
        self.columns = columns
        self.scale = scale
        self.every = every

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        path = os.path.join(self.directory, f"epoch_{epoch + 1:03d}.png")
        reconstruction_grid(self.model, self.images, path, columns=self.columns, scale=self.scale)


def reconstruction_grid(model, images, path, columns=8, scale=1):
    """Saves a grid whose odd rows are ``images`` and even rows their reconstructions.

    Args:
        model: a :class:`keras_gans.models.vaegan.VAEGAN` (anything with ``reconstruct``).
        images: ``[N, H, W, C]`` in [-1, 1]; N is rounded down to a multiple of ``columns``.
        path: PNG path.
        columns: images per row.
        scale: integer enlargement.

    Returns:
        ``(path, mean squared pixel error of the reconstructions)``.
    """
    images = np.asarray(images, np.float32)
    n = (len(images) // columns) * columns
    if n == 0:
        raise ValueError(f"Need at least columns={columns} images; received {len(images)}.")
    images = images[:n]
    recon = model.reconstruct(images)
    save_image_grid(interleave([images, recon], columns), path, columns=columns, scale=scale)
    return path, float(np.mean((recon - images) ** 2))


# --------------------------------------------------------------------------------------
# Metric evaluation during fit
# --------------------------------------------------------------------------------------

from keras_gans.metrics import functional as _metric_fns  # noqa: E402
from keras_gans.metrics.extractors import protocol_name as _protocol_name  # noqa: E402


class EvaluateMetrics(keras.callbacks.Callback):
    """Scores the generator every ``every`` epochs and writes the scores into ``logs``.

    Generates ``num_samples`` images from fixed latents (drawn once, so successive scores
    differ by the model only), maps them and the real reference through ``extractor``
    (features for FID / KID / precision-recall, logits for IS and class coverage) and
    adds the scores to the epoch's ``logs`` under protocol names such as
    ``fid5k_fmnist_test``, ``kid5k_fmnist_test``, ``precision5k_fmnist_test``,
    ``recall5k_fmnist_test``, ``coverage5k_fmnist_test`` (number of classes the
    classifier finds among the samples), ``is5k_fmnist`` (``<metric><count>_<tag>_<split>``,
    the tag being ``extractor.name``). Place it before ``History`` (always last),
    ``CSVLogger`` and ``TensorBoard`` in the callback list so they record the scores.

    The real features (and their mean / covariance) are computed once, at the first
    ``on_train_begin``. In epochs that are not scored the keys are written as NaN, so
    ``History`` lists and CSV columns stay aligned with epochs (the last epoch of a
    ``fit`` is always scored).

    Args:
        real_images: real reference images ``[N, H, W, C]``, float in [-1, 1] (or uint8).
        extractor: a :class:`keras_gans.metrics.extractors.FeatureExtractor` (e.g.
            ``default_extractor("fashion_mnist")``).
        num_samples: generated images per evaluation.
        every: score every this many epochs.
        metrics: any of ``"fid"``, ``"kid"``, ``"precision"``, ``"recall"``, ``"coverage"``,
            ``"is"``.
        split: name of the real reference in the protocol names (e.g. ``"test"``).
        tag: protocol tag; default ``extractor.name``.
        seed: seed of the fixed latents (stream ``[seed, 1]`` of ``model.sample_latents``).
        k: neighbourhood size of precision / recall (3, Kynkäänniemi et al. 2019).
        kid_subsets, kid_subset_size: KID subsets (Bińkowski et al. 2018: 100 of 1000).
        batch_size: generator and extractor batch size.
        verbose: print the scores after each evaluation.

    Example:
        >>> real, _ = data.load_numpy("fashion_mnist", "test")
        >>> cb = EvaluateMetrics(real[:5000], default_extractor("fashion_mnist"), every=5)
        >>> gan.fit(ds, epochs=20, callbacks=[cb, keras.callbacks.CSVLogger("h.csv")])
    """

    METRICS = ("fid", "kid", "precision", "recall", "coverage", "is")

    def __init__(self, real_images, extractor, num_samples=5000, every=1,
                 metrics=("fid", "kid", "precision", "recall", "coverage"), split="test", tag=None,
                 seed=0, k=3, kid_subsets=100, kid_subset_size=1000, batch_size=500, verbose=0):
        super().__init__()
        unknown = sorted(set(metrics) - set(self.METRICS))
        if unknown or not metrics:
            raise ValueError(f"metrics must be a non-empty subset of {self.METRICS}; received {tuple(metrics)}.")
        for arg, value in (("num_samples", num_samples), ("every", every), ("batch_size", batch_size),
                           ("k", k), ("kid_subsets", kid_subsets), ("kid_subset_size", kid_subset_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{arg} must be a positive int; received {value!r}.")
        if ("precision" in metrics or "recall" in metrics) and num_samples <= k:
            raise ValueError(f"precision / recall need num_samples > k={k}; received {num_samples}.")
        if not hasattr(extractor, "extract") or not hasattr(extractor, "feature_dim"):
            raise ValueError(
                f"extractor must be a keras_gans.metrics.extractors.FeatureExtractor; received "
                f"{type(extractor).__name__}."
            )
        real_images = np.asarray(real_images)
        extractor.check_image_shape(real_images.shape)
        if len(real_images) < 2:
            raise ValueError(f"real_images needs at least 2 images; received shape {real_images.shape}.")
        self.real_images = real_images
        self.extractor = extractor
        self.num_samples = num_samples
        self.every = every
        self.metrics_to_compute = tuple(m for m in self.METRICS if m in metrics)
        self.split = split
        self.tag = extractor.name if tag is None else tag
        self.seed = int(seed)
        self.k = k
        self.kid_subsets = kid_subsets
        self.kid_subset_size = kid_subset_size
        self.batch_size = batch_size
        self.verbose = verbose
        self.names = {
            m: _protocol_name(m, num_samples, self.tag, None if m == "is" else split)
            for m in self.metrics_to_compute
        }
        self.results = []  # (epoch, {name: value}) for every scored epoch
        self._real = None
        self._latents = None

    def _real_reference(self):
        if self._real is None:
            out = self.extractor.extract(self.real_images, batch_size=self.batch_size, verbose=0)
            mu, sigma = _metric_fns.feature_statistics(out["features"])
            self._real = {"features": out["features"], "mu": mu, "sigma": sigma}
        return self._real

    def on_train_begin(self, logs=None):
        generator = getattr(self.model, "inference_generator", None) or self.model.generator
        self.extractor.check_image_shape((None,) + tuple(generator.output_shape[1:]))
        self._latents = self.model.sample_latents(self.num_samples, tf.constant([self.seed, 1]))
        self._real_reference()

    def evaluate(self):
        """Scores the model now; returns ``{protocol_name: value}``."""
        if self._latents is None:
            self._latents = self.model.sample_latents(self.num_samples, tf.constant([self.seed, 1]))
        real = self._real_reference()
        images = self.model.generate(latents=self._latents, batch_size=self.batch_size)
        fake = self.extractor.extract(images, batch_size=self.batch_size, verbose=0)
        feats, logits = fake["features"], fake["logits"]
        scores = {}
        if "fid" in self.names:
            mu, sigma = _metric_fns.feature_statistics(feats)
            scores[self.names["fid"]] = _metric_fns.frechet_distance(real["mu"], real["sigma"], mu, sigma)
        if "kid" in self.names:
            scores[self.names["kid"]] = _metric_fns.kernel_inception_distance(
                real["features"], feats, num_subsets=self.kid_subsets,
                subset_size=self.kid_subset_size, seed=self.seed,
            )[0]
        if "precision" in self.names or "recall" in self.names:
            precision, recall = _metric_fns.precision_recall(real["features"], feats, k=self.k)
            for metric, value in (("precision", precision), ("recall", recall)):
                if metric in self.names:
                    scores[self.names[metric]] = value
        if "coverage" in self.names:
            coverage = _metric_fns.class_coverage(logits, self.extractor.num_classes)
            scores[self.names["coverage"]] = float(coverage["covered"])
        if "is" in self.names:
            scores[self.names["is"]] = _metric_fns.inception_score(
                logits, splits=min(10, len(logits)), from_logits=True
            )[0]
        return {name: float(value) for name, value in scores.items()}

    def on_epoch_end(self, epoch, logs=None):
        last = self.params.get("epochs") if self.params else None
        if (epoch + 1) % self.every and (last is None or epoch + 1 != last):
            if logs is not None:
                logs.update({name: float("nan") for name in self.names.values()})
            return
        scores = self.evaluate()
        self.results.append((epoch, scores))
        if logs is not None:
            logs.update(scores)
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: " + ", ".join(f"{k}={v:.4g}" for k, v in scores.items()))
