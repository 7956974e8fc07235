"""Trains GauGAN2 / PoE-GAN (Huang et al. 2022; a reconstruction, no public code): one
generator for any subset of {segmentation map, sketch, style image, text}.

Default: preset gaugan2_small on multimodal/skimage_labels2photo (64 x 64 label maps with Canny
sketches and colour captions of the photos), 1 epoch. Grids show, per held-out example: label
map, sketch, the output from every modality, from the labels only, from the text only,
unconditional, target. The export serves every modality with a presence flag each.

    python -m zoo.gaugan2.train --output_dir=runs/gaugan2
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="gaugan2_small", output_dir="runs/gaugan2", epochs=1, grid_size=8)
