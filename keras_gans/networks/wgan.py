"""WGAN generator (Arjovsky, Chintala & Bottou 2017), as in the authors' official code.

The official code (github martinarjovsky/WassersteinGAN, ``models/dcgan.py``) uses the
PyTorch flavour of the DCGAN networks, which differs from Radford et al.'s Theano code that
:mod:`keras_gans.networks.dcgan` follows in three ways: 4x4 kernels (not 5x5), batch norm
of the first generator layer per channel (``BatchNorm2d`` after a 4x4 transposed convolution
of z; Theano normalised each of the ``4 * 4 * C`` dense units), and a critic head that is a
4x4 valid convolution (the same map as a bias-free dense layer on the flattened 4x4 map).

* G (:func:`wgan_generator`, ``DCGAN_G``): z -> 4x4x``ngf * 2**(n-1)`` (a bias-free dense
  projection, equal to the official 4x4 transposed convolution of a 1x1 input), BN, ReLU,
  then ``n`` 4x4 fractionally-strided convolutions with stride 2 that halve the channels,
  BN + ReLU after each but the last, tanh output; no biases anywhere. ``batch_norm=False``
  is the official ``DCGAN_G_nobn`` (``--noBN``).
* D: the official critic ``DCGAN_D`` *is* :func:`keras_gans.networks.dcgan.dcgan_discriminator`
  with ``kernel_size=4`` and ``base_filters=ndf``: BN after every convolution but the first
  (the WGAN critic keeps batch norm), LeakyReLU 0.2, no biases, no sigmoid.
* Initialisation as the official ``weights_init``: convolution weights N(0, 0.02), BN
  scales N(1, 0.02) and zero offsets.

At 64x64x3 with ``ngf = ndf = 64`` and z = 100 (the official defaults) the trainable
parameter counts equal the official ones: G 3,576,704, D 2,765,568.

Sizes that are not 4 times a power of two (the official code asserts a multiple of 16) are
reached by cropping after an upsampling, as :mod:`~keras_gans.networks.dcgan` does
(28: 4 -> 8, cropped to 7 -> 14 -> 28).
"""

from keras_gans.networks.dcgan import dcgan_generator

__all__ = ["wgan_generator"]


def wgan_generator(
    latent_dim=100,
    image_shape=(64, 64, 3),
    base_filters=64,
    kernel_size=4,
    batch_norm=True,
    seed=None,
    name="wgan_generator",
):
    """Builds the official WGAN DCGAN generator: latents ``[B, latent_dim]`` -> images in [-1, 1].

    Args:
        latent_dim: size of z (``nz``, 100).
        image_shape: ``(H, W, C)`` of the output; H == W >= 8.
        base_filters: channels of the last hidden layer (``ngf``, 64).
        kernel_size: transposed-convolution kernel (4 in the official code).
        batch_norm: batch norm after every layer but the output (``DCGAN_G``); ``False``
            gives ``DCGAN_G_nobn``.
        seed: optional int seed for the initializers.
        name: model name.

    Returns:
        A functional ``keras.Model``.

    Example:
        >>> g = wgan_generator(latent_dim=100, image_shape=(64, 64, 3))
        >>> g(keras.random.normal((2, 100))).shape
        TensorShape([2, 64, 64, 3])
    """
    if not isinstance(batch_norm, bool):
        raise ValueError(f"batch_norm must be True or False; received {batch_norm!r}.")
    return dcgan_generator(
        latent_dim,
        image_shape,
        base_filters,
        kernel_size,
        normalization="batch" if batch_norm else None,
        seed=seed,
        name=name,
        projection_norm="channels",
        use_bias=False,
    )
