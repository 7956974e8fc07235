"""Trains WGAN-GP (Gulrajani et al. 2017).

Default: the authors' MNIST config (preset wgan_gp: no BN, n_critic 5, lambda 10) on
Fashion-MNIST, a short CPU run.

    python -m zoo.wgan_gp.train --output_dir=runs/wgan_gp
"""

from absl import app

from zoo.common import flags as zoo_flags
from zoo.common.train_lib import run

zoo_flags.define_flags(preset="wgan_gp", output_dir="runs/wgan_gp", epochs=2)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    summary = run(zoo_flags.config_from_flags())
    print(f"Samples: {summary.get('grid')}\nSavedModel: {summary.get('export')}")


if __name__ == "__main__":
    app.run(main)
