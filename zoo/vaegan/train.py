"""Trains VAE-GAN (Larsen et al. 2016): a VAE whose reconstruction error is measured in the
features of a GAN discriminator (encoder, decoder = generator, discriminator).

Default: the paper's 64x64 CelebA networks and the official code's training (RMSProp 3.125e-4
annealed, gamma 1e-5, real weight 0.66, equilibrium rule 0.68 +- 0.35, batch 64) at
Fashion-MNIST's 28x28 (preset vaegan_28), 1 epoch (937 steps; use a GPU or --steps_per_epoch
for a quick look on a CPU). The paper's config is --preset=vaegan --dataset=celeb_a.
Samples go to <output_dir>/samples and the decoder is exported as a SavedModel; a grid of real
images and their reconstructions is written from the run's last backup (every --backup_every
steps) by zoo.vaegan.reconstruct:

    python -m zoo.vaegan.train --output_dir=runs/vaegan
    python -m zoo.vaegan.reconstruct --output_dir=runs/vaegan
"""

from zoo.common.flags import script_main

if __name__ == "__main__":
    script_main(preset="vaegan_28", output_dir="runs/vaegan", epochs=1)
