"""Trains Pix2Pix (Isola et al. 2017).

Default: the paper's recipe at 64x64 (preset pix2pix_64) on blurred -> sharp crops of the
scikit-image photographs, 5 epochs (a CPU demo). The paper's 256x256 config is
--preset=pix2pix; the L1-only ablation --preset=pix2pix_l1_64; other paired data with
--dataset=skimage_gray2color, skimage_edges2photo or a folder with A/ and B/.

    python -m zoo.pix2pix.train --output_dir=runs/pix2pix
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="pix2pix_64", output_dir="runs/pix2pix", epochs=5, grid_size=8)
