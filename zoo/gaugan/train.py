"""Trains GauGAN / SPADE (Park et al. 2019): semantic label map -> photo, optionally
multi-modal with the style encoder.

Default: preset gaugan_small (with the style encoder) on the offline skimage_labels2photo task
(64 x 64 crops, 8 classes + instance edges), 1 epoch. The paper's configs read the datasets'
own folders: --preset=gaugan (ADE20K, ``datasets/ADEChallengeData2016`` or
--dataset=<that directory>), gaugan_vae (with the encoder), gaugan_cityscapes, gaugan_coco.

    python -m zoo.gaugan.train --output_dir=runs/gaugan_small

Grids show rows of label map (colours) / output / target on held-out maps. The export serves
label maps of any size (``labels`` [+ ``instances``], ``seed``: the latent draw); encoder models
also serve ``style`` (``style_images``: the output takes that image's style).
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="gaugan_small", output_dir="runs/gaugan", epochs=1, grid_size=8)
