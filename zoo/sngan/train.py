"""Trains SNGAN (Miyato et al. 2018): ResNet G and spectrally normalised ResNet D, hinge loss,
5 D updates per G update, Adam 2e-4 betas (0, 0.9).

Default: the paper's CIFAR-10 networks at Fashion-MNIST's 28x28 (preset sngan_28). The paper's
config is --preset=sngan --dataset=cifar10 (needs TFDS data).

    python -m zoo.sngan.train --output_dir=runs/sngan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="sngan_28", output_dir="runs/sngan", epochs=1)
