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

from absl import app, flags

from zoo.common.flags import config_from_flags, define_flags, init_weights_callback, train_and_save_generator

define_flags(preset="rrdbnet_psnr", output_dir="runs/esrgan", epochs=1, grid_size=6)
flags.DEFINE_string("init_generator", None, "A .weights.h5 file of the generator to start from (a PSNR-oriented "
                    "run's <output_dir>/generator.weights.h5).")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    from keras_gans import presets

    FLAGS = flags.FLAGS
    config = config_from_flags()
    if config.preset not in presets.names() or presets.get(config.preset)["data"]["format"] != "low_high":
        raise ValueError(f"--preset={config.preset!r} is not a super-resolution preset; use one of "
                         f"{[n for n in presets.names() if presets.get(n)['data']['format'] == 'low_high']}.")
    extra = []
    if FLAGS.init_generator:
        extra.append(init_weights_callback("--init_generator", FLAGS.init_generator,
                                           lambda model, path: model.load_generator_weights(path)))
    return train_and_save_generator(config, extra, lambda model: model.serving_generator())


if __name__ == "__main__":
    from zoo.common.cli import run_app

    from keras_gans.callbacks import TrainingDiverged

    run_app(main, user_errors=(TrainingDiverged,))
