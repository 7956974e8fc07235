"""Trains WGAN-GP (Gulrajani et al. 2017).

Default: the authors' MNIST config (preset wgan_gp: no normalisation, n_critic 5, lambda 10)
on Fashion-MNIST, 2 epochs (a few CPU minutes).

    python -m zoo.wgan_gp.train --output_dir=runs/wgan_gp
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="wgan_gp", output_dir="runs/wgan_gp", epochs=2)
