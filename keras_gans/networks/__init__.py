"""Generator and discriminator builders per paper (no training logic)."""

from keras_gans.networks.cgan import cgan_discriminator, cgan_generator
from keras_gans.networks.dcgan import dcgan_discriminator, dcgan_generator
from keras_gans.networks.lsgan import lsgan_discriminator, lsgan_generator
from keras_gans.networks.mlp import (
    goodfellow_discriminator,
    goodfellow_generator,
    mlp_discriminator,
    mlp_generator,
)
from keras_gans.networks.multiscale import multiscale_discriminator
from keras_gans.networks.pix2pixhd import global_generator, local_enhancer, pix2pixhd_generator
from keras_gans.networks.resnet import (
    sagan_discriminator,
    sagan_generator,
    sngan_discriminator,
    sngan_generator,
)
from keras_gans.networks.seqgan import seqgan_discriminator, seqgan_generator, seqgan_oracle
from keras_gans.networks.spade import spade_generator, style_encoder
from keras_gans.networks.super_resolution import (
    msrresnet,
    rrdbnet,
    srresnet,
    unet_discriminator_sn,
    vgg_style_discriminator,
)
from keras_gans.networks.vaegan import vaegan_decoder, vaegan_discriminator, vaegan_encoder
from keras_gans.networks.wgan import wgan_generator

__all__ = [
    "cgan_discriminator",
    "cgan_generator",
    "dcgan_discriminator",
    "dcgan_generator",
    "global_generator",
    "goodfellow_discriminator",
    "goodfellow_generator",
    "local_enhancer",
    "lsgan_discriminator",
    "lsgan_generator",
    "mlp_discriminator",
    "mlp_generator",
    "msrresnet",
    "multiscale_discriminator",
    "pix2pixhd_generator",
    "rrdbnet",
    "sagan_discriminator",
    "sagan_generator",
    "seqgan_discriminator",
    "seqgan_generator",
    "seqgan_oracle",
    "sngan_discriminator",
    "sngan_generator",
    "spade_generator",
    "srresnet",
    "style_encoder",
    "unet_discriminator_sn",
    "vaegan_decoder",
    "vaegan_discriminator",
    "vaegan_encoder",
    "vgg_style_discriminator",
    "wgan_generator",
]
