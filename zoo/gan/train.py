"""Trains the original GAN (Goodfellow et al. 2014).

Default: the authors' MNIST networks and training (preset gan: MLP G 100 -> 1200 -> 1200 -> 784,
maxout D 240x5 -> 240x5 -> 1 with dropout, SGD with momentum, batch 100, non-saturating G loss)
on Fashion-MNIST, 5 epochs (a few CPU minutes). --preset=gan_minimax keeps the paper's
minimax G loss; --dataset=mnist is the paper's data.

    python -m zoo.gan.train --output_dir=runs/gan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="gan", output_dir="runs/gan", epochs=5)
