"""Trains CycleGAN (Zhu et al. 2017) on unpaired images.

Default: sneaker <-> ankle boot between two Fashion-MNIST classes (preset cyclegan_fmnist, the
paper's recipe at CPU size), 1 epoch. The paper's 256x256 config is --preset=cyclegan
(horse2zebra from TFDS: --dataset=cycle_gan/horse2zebra), the code's 128 px one
--preset=cyclegan_128; your own data: --dataset=<directory with trainA/ trainB/ testA/ testB/>.
Grids show rows of a, G(a), F(G(a)), b, F(b), G(F(b)) on held-out images; the export serves
both directions (serving_default: A -> B, b_to_a; tiled variants for large images).

    python -m zoo.cyclegan.train --output_dir=runs/cyclegan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="cyclegan_fmnist", output_dir="runs/cyclegan", epochs=1, grid_size=8)
