"""Trains VEEGAN (Srivastava et al. 2017): a GAN whose reconstructor F: x -> z and joint
discriminator D(z, x) push the generator to cover the data's modes.

Default: the authors' MNIST configuration on Fashion-MNIST (preset veegan), 5 epochs. The 2-D
mixture version (mixture_veegan) runs in zoo/mode_collapse/benchmark.py.

    python -m zoo.veegan.train --output_dir=runs/veegan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="veegan", output_dir="runs/veegan", epochs=5)
