"""Trains DCGAN (Radford et al. 2015).

Default: the paper's architecture and optimizer at Fashion-MNIST's 28x28 (preset dcgan_28),
a short CPU run. The paper's 64x64 RGB config is --preset=dcgan --dataset=celeb_a.

    python -m zoo.dcgan.train --output_dir=runs/dcgan
"""

from absl import app

from zoo.common import flags as zoo_flags
from zoo.common.train_lib import run

zoo_flags.define_flags(preset="dcgan_28", output_dir="runs/dcgan", epochs=2)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    summary = run(zoo_flags.config_from_flags())
    print(f"Samples: {summary.get('grid')}\nSavedModel: {summary.get('export')}")


if __name__ == "__main__":
    app.run(main)
