"""Trains the super-resolution models: SRResNet / SRGAN, RRDBNet / ESRGAN, Real-ESRNet /
Real-ESRGAN (keras_gans.models.SuperResolution).

Default: ESRGAN's PSNR-oriented RRDBNet (preset rrdbnet_psnr) on x4 patches of the
scikit-image photographs (sr_x4/skimage_photos), 1 epoch. GAN training starts from the
generator of a PSNR-oriented run (its EMA when it keeps one), which every run writes to
<output_dir>/generator.weights.h5: pass it as --init_generator.

    python -m zoo.esrgan.train --output_dir=runs/rrdbnet_psnr
    python -m zoo.esrgan.train --preset=esrgan --init_generator=runs/rrdbnet_psnr/generator.weights.h5

The export is the tiled upscaler (float images in [0, 1], any size), as zoo.upscale writes.
"""

import os
import sys

from absl import app, flags

from zoo.common.flags import config_from_flags, define_flags

define_flags(preset="rrdbnet_psnr", output_dir="runs/esrgan", epochs=1, grid_size=6)
flags.DEFINE_string("init_generator", None, "A .weights.h5 file of the generator to start from (a PSNR-oriented "
                    "run's <output_dir>/generator.weights.h5).")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    from keras_gans import presets
    from keras_gans.callbacks import TrainingInterrupted
    from zoo.common.train_lib import run

    FLAGS = flags.FLAGS
    config = config_from_flags()
    if config.preset not in presets.names() or presets.get(config.preset)["data"]["format"] != "low_high":
        raise ValueError(f"--preset={config.preset!r} is not a super-resolution preset; use one of "
                         f"{[n for n in presets.names() if presets.get(n)['data']['format'] == 'low_high']}.")
    extra = []
    if FLAGS.init_generator:
        if not os.path.isfile(FLAGS.init_generator):
            raise ValueError(f"--init_generator={FLAGS.init_generator!r} is not a file.")
        import keras

        class InitGenerator(keras.callbacks.Callback):
            """Loads the PSNR-oriented generator before the first step of a fresh run."""

            def on_train_begin(self, logs=None):
                if int(self.model.optimizers["generator"].iterations) == 0:
                    self.model.load_generator_weights(FLAGS.init_generator)

        extra.append(InitGenerator())
    try:
        summary = run(config, extra_callbacks=extra)
    except TrainingInterrupted as stop:
        sys.stderr.write(f"{stop}\n")
        return 130
    path = os.path.join(config.output_dir, "generator.weights.h5")
    summary["model"].serving_generator().save_weights(path)
    print(f"Samples: {summary.get('grid')}\nGenerator weights: {path}\nSavedModel: {summary.get('export')}")


if __name__ == "__main__":
    from zoo.common.cli import run_app

    from keras_gans.callbacks import TrainingDiverged

    run_app(main, user_errors=(TrainingDiverged,))
