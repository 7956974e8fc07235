"""Trains CGAN (Mirza & Osindero 2014), the paper's MNIST MLP, class-conditional.

Default: preset cgan on Fashion-MNIST (D also rejects real images with wrong labels, seed 002),
5 epochs. Sample grids have one column per class; the export's signature takes latents and
labels.

    python -m zoo.cgan.train --output_dir=runs/cgan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="cgan", output_dir="runs/cgan", epochs=5, grid_size=100)
