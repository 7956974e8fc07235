"""Trains DCGAN (Radford et al. 2015).

Default: the paper's architecture and optimizer at Fashion-MNIST's 28x28 (preset dcgan_28),
2 epochs (a few CPU minutes). The paper's 64x64 RGB config is --preset=dcgan --dataset=celeb_a.

    python -m zoo.dcgan.train --output_dir=runs/dcgan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="dcgan_28", output_dir="runs/dcgan", epochs=2)
