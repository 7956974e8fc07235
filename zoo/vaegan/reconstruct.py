"""Writes a VAE-GAN reconstruction grid: real images and Dec(Enc(x)) in alternating rows.

Reads the weights a ``zoo.vaegan.train`` run backed up (the newest ``<output_dir>/backup/ckpt-<n>.weights.h5``,
written every ``--backup_every`` steps; pass ``--backup_every=<steps_per_epoch>`` to train so
the last backup is the final model) and writes ``<output_dir>/samples/reconstructions.png``.

    python -m zoo.vaegan.reconstruct --output_dir=runs/vaegan [--preset=vaegan_28]
"""

import os


from keras_gans import presets
from keras_gans.callbacks import reconstruction_grid
from zoo.common.train_lib import real_images


def write_reconstructions(preset, weights, output_path, dataset=None, split=None, num_images=32, columns=8,
                          data_dir=None, seed=0):
    """Builds ``preset``, loads ``weights`` and writes the reconstruction grid of test images.

    Returns ``(path, mean squared pixel error)``.
    """
    spec = presets.get(preset)
    image_size = spec["data"]["image_shape"][0]
    model = presets.build(preset, seed=seed)
    model.compile()  # the backup holds the optimizers' state too
    model.load_weights(weights)
    images = real_images(dataset or spec["data"]["dataset"], image_size, num_images, split, data_dir, seed)
    return reconstruction_grid(model, images, output_path, columns=columns, scale=max(1, 128 // image_size))


def main(argv):
    from absl import flags

    del argv
    f = flags.FLAGS
    weights = f.weights
    if weights is None:
        from keras_gans.callbacks import latest_backup

        found = latest_backup(os.path.join(f.output_dir, "backup"))
        weights = found[0] if found else os.path.join(f.output_dir, "backup")
    if not os.path.isfile(weights):
        raise FileNotFoundError(f"No weights at {weights!r}; train first (python -m zoo.vaegan.train).")
    path, mse = write_reconstructions(
        f.preset, weights, os.path.join(f.output_dir, "samples", "reconstructions.png"), dataset=f.dataset,
        split=f.split, num_images=f.num_images, data_dir=f.data_dir, seed=f.seed,
    )
    print(f"Reconstructions: {path} (mean squared pixel error {mse:.4f})")


if __name__ == "__main__":
    from absl import flags

    flags.DEFINE_string("output_dir", "runs/vaegan", "The training run's output directory.")
    flags.DEFINE_string("preset", "vaegan_28", "The run's preset.")
    flags.DEFINE_string("weights", None, "Weights file; default: the backup in <output_dir>/backup.")
    flags.DEFINE_string("dataset", None, "Dataset; default: the preset's.")
    flags.DEFINE_string("split", None, "Split; default: test when the dataset has one, else train.")
    flags.DEFINE_string("data_dir", None, "Directory with local dataset files.")
    flags.DEFINE_integer("num_images", 32, "Real images in the grid (rounded down to rows of 8).")
    flags.DEFINE_integer("seed", 0, "Seed of the image draw.")
    from zoo.common.cli import run_app

    run_app(main)
