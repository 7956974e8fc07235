"""Trains pix2pixHD (Wang et al. 2018): label map -> photo with the global generator, or
coarse-to-fine with the local enhancer.

Default: preset pix2pixhd_small on the offline skimage_labels2photo task (64 x 64 crops, 8
classes + instance edges), 1 epoch. The paper's configs read the official Cityscapes layout
(``./datasets/cityscapes`` with ``train_img/``, ``train_label/``, ``train_inst/``, or
--dataset=<that directory>): first the 512p global generator, then the 1024p local enhancer
started from it. Every run writes its generator's weights to
``<output_dir>/generator.weights.h5``:

    python -m zoo.pix2pixhd.train --output_dir=runs/pix2pixhd_small
    python -m zoo.pix2pixhd.train --preset=pix2pixhd --output_dir=runs/label2city_512p
    python -m zoo.pix2pixhd.train --preset=pix2pixhd_1024 --output_dir=runs/label2city_1024p \\
        --init_global=runs/label2city_512p/generator.weights.h5

Grids show rows of label map (colours) / output / target on held-out maps; the export serves
label maps of any size (``labels``, ``instances``; tiles of the training size beyond it).
"""

from absl import app, flags

from zoo.common.flags import config_from_flags, define_flags, init_weights_callback, train_and_save_generator

if __name__ == "__main__":
    define_flags(preset="pix2pixhd_small", output_dir="runs/pix2pixhd", epochs=1, grid_size=8)
    flags.DEFINE_string("init_global", None, "A global generator's .weights.h5 (a 512p run's "
                        "<output_dir>/generator.weights.h5) to start a local-enhancer preset from.")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    from keras_gans import presets
    from keras_gans.networks.pix2pixhd import load_global_weights

    FLAGS = flags.FLAGS
    config = config_from_flags()
    preset = presets.get(config.preset)
    if preset["model_class"] != "SemanticSynthesis" or preset["networks"]["generator"][0] != "pix2pixhd_generator":
        names = [n for n in presets.names() if presets.get(n)["networks"]["generator"][0] == "pix2pixhd_generator"]
        raise ValueError(f"--preset={config.preset!r} is not a pix2pixHD preset; use one of {names}.")
    extra = []
    if FLAGS.init_global:
        if not preset["networks"]["generator"][1].get("num_enhancers"):
            raise ValueError(f"--init_global starts a local enhancer from a global generator; preset "
                             f"{config.preset!r} has no enhancer (pix2pixhd_1024 has).")
        extra.append(init_weights_callback("--init_global", FLAGS.init_global,
                                           lambda model, path: load_global_weights(model.generator, path)))
    return train_and_save_generator(config, extra, lambda model: model.generator)


if __name__ == "__main__":
    from keras_gans.callbacks import TrainingDiverged
    from zoo.common.cli import run_app

    run_app(main, user_errors=(TrainingDiverged,))
