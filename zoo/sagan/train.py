"""Trains SAGAN (Zhang et al. 2019): class-conditional ResNet G with conditional batch norm and
self-attention, projection D, spectral norm in both, hinge loss, TTUR (lr_G 1e-4, lr_D 4e-4).

Default: a 28x28 Fashion-MNIST config (preset sagan_28); grids have one column per class and
the export's signature takes latents and labels. The paper's ImageNet config is
--preset=sagan --dataset=imagenet2012 (needs TFDS data).

    python -m zoo.sagan.train --output_dir=runs/sagan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="sagan_28", output_dir="runs/sagan", epochs=1, grid_size=100)
