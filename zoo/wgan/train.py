"""Trains WGAN (Arjovsky et al. 2017): weight-clipped critic, RMSProp 5e-5, n_critic 5.

Default: the official code's architecture and training at Fashion-MNIST's 28x28 (preset
wgan_28; 5 x 64 real images per generator update, 187 generator updates per epoch; 100 took
3.6 minutes on a busy 2-core CPU), 1 epoch. The paper's 64x64 RGB config is --preset=wgan
--dataset=lsun/bedroom.

    python -m zoo.wgan.train --output_dir=runs/wgan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="wgan_28", output_dir="runs/wgan", epochs=1)
