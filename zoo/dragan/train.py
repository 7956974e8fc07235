"""Trains DRAGAN (Kodali et al. 2017): gradient penalty around perturbed real data, lambda 10.

Default: the authors' MNIST MLP config (preset dragan) on Fashion-MNIST, 20 epochs (the
networks are small: 5 epochs took 39 s on a busy 2-core CPU). The authors' data is
--dataset=mnist.

    python -m zoo.dragan.train --output_dir=runs/dragan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="dragan", output_dir="runs/dragan", epochs=20)
