"""Trains LSGAN (Mao et al. 2017): least-squares losses (a=0, b=1, c=1), Adam 1e-3 beta1 0.5.

Default: the paper's scene architecture and training at Fashion-MNIST's 28x28 (preset
lsgan_28), 1 epoch (937 steps; 100 steps took 6 minutes on a busy 2-core CPU, so use a GPU
or --steps_per_epoch for a quick look). The paper's 112x112 RGB config is --preset=lsgan
--dataset=lsun/church_outdoor.

    python -m zoo.lsgan.train --output_dir=runs/lsgan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="lsgan_28", output_dir="runs/lsgan", epochs=1)
