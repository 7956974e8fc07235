"""Fully connected generators and discriminators, and the original GAN's MNIST networks.

Generic builders:

* :func:`mlp_generator`: latents ``[B, latent_dim]`` -> ``depth`` hidden layers of ``width``
  units -> a vector ``[B, output_dim]`` or, with ``image_shape``, an image ``[B, H, W, C]``
  (the output layer has ``H * W * C`` units, reshaped), so one builder serves 2-D toy data
  and MNIST-like images.
* :func:`mlp_discriminator`: vectors ``[B, input_dim]`` or images (flattened) -> ``depth``
  hidden layers (dense + activation, or maxout) -> one logit ``[B, 1]``, with optional
  dropout on its input and on every later layer's input.

Both are made of the public pieces :func:`flat_input`, :func:`hidden_layers` and
:func:`output_layer` (with :func:`output_size`, :func:`initializer`, :func:`check_activation`),
which other MLPs (VEEGAN's joint discriminator and reconstructor) reuse.

The original GAN (Goodfellow et al. 2014), as in the authors' code (github
goodfeli/adversarial, ``mnist.yaml``, pylearn2):

* G (:func:`goodfellow_generator`): z (100, N(0, 1)) -> 1200 ReLU -> 1200 ReLU -> 784
  sigmoid; weights U(-0.05, 0.05), zero biases. **We use tanh** at the output, since this
  project's images are in [-1, 1]; the official sigmoid output's bias was initialised from
  the data's pixel marginals, ours is zero.
* D (:func:`goodfellow_discriminator`): 784 -> maxout 240 units x 5 pieces -> maxout 240 x 5
  -> 1 sigmoid unit (we return its logit; the losses apply the sigmoid); weights
  U(-0.005, 0.005), zero biases. Dropout as in ``AdversaryCost2``: input kept with
  probability 0.8 (rate 0.2, scale 1.25), every later layer's input kept with probability 0.5
  (rate 0.5, scale 2), i.e. Keras ``Dropout`` with those rates. The dropped-out D is used for
  both players' losses (``no_drop_in_d_for_g`` is False), as our ``GAN`` does.

Parameter counts (equal to the official pylearn2 shapes): G 121,200 + 1,441,200 + 941,584 =
2,503,984; D 942,000 + 289,200 + 241 = 1,231,441.
"""

import math

import keras
from keras import layers

from keras_gans.layers.maxout import Maxout
from keras_gans.networks.checks import check_image_shape, check_int, check_rate
from keras_gans.networks.options import add_minibatch_discrimination

__all__ = [
    "check_activation",
    "flat_input",
    "goodfellow_discriminator",
    "goodfellow_generator",
    "hidden_layers",
    "initializer",
    "mlp_discriminator",
    "mlp_generator",
    "output_layer",
    "output_size",
]


def output_size(dim, image_shape, dim_name):
    """Resolves ``dim`` / ``image_shape`` (exactly one given) to (flat size, shape)."""
    if (dim is None) == (image_shape is None):
        raise ValueError(
            f"Pass exactly one of {dim_name} (vectors) or image_shape (images); received "
            f"{dim_name}={dim!r}, image_shape={image_shape!r}."
        )
    if image_shape is not None:
        image_shape = check_image_shape(image_shape)
        return math.prod(image_shape), image_shape
    check_int(dim, dim_name)
    return dim, (dim,)


def initializer(spec, seed, offset):
    """A fresh initializer from an identifier, seeded with ``seed + offset`` when seeded."""
    init = keras.initializers.get(spec)
    config = init.get_config()
    if "seed" in config:
        config = {**config, "seed": None if seed is None else seed + offset}
        init = init.__class__.from_config(config)
    return init


def check_activation(activation, what):
    """Raises ValueError unless ``activation`` is a Keras activation (``None``: linear)."""
    try:
        keras.activations.get(activation)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what}={activation!r} is not a Keras activation.") from err


def flat_input(input_dim, image_shape):
    """A data input and it flattened: ``(inputs, x)`` with ``x`` ``[B, size]``.

    Exactly one of ``input_dim`` (vectors ``[B, input_dim]``, an input named ``"points"``) and
    ``image_shape`` (an input named ``"images"``, flattened by a layer ``"flatten"``).
    """
    _, shape = output_size(input_dim, image_shape, "input_dim")
    inputs = keras.Input(shape, name="images" if image_shape is not None else "points")
    return inputs, layers.Flatten(name="flatten")(inputs) if len(shape) > 1 else inputs


def hidden_layers(x, width, depth, activation="relu", kernel_initializer="glorot_uniform", seed=None,
                  seed_offset=0, dropout=0.0, maxout_pieces=None):
    """Applies ``depth`` hidden layers of ``width`` units to ``x`` and returns the result.

    Layer ``i`` (from 1) is ``Dense(width, activation)`` named ``dense<i>``, or with
    ``maxout_pieces`` a :class:`Maxout` named ``maxout<i>``, followed when ``dropout`` > 0 by
    ``Dropout(dropout)`` named ``dropout<i>``. Its kernel initializer is seeded with
    ``seed + seed_offset + i - 1`` and its dropout with ``seed + i`` (see :func:`initializer`);
    biases start at zero. The arguments are checked first (ValueError).
    """
    check_int(width, "width")
    check_int(depth, "depth", minimum=0)
    if maxout_pieces is not None:
        check_int(maxout_pieces, "maxout_pieces")
    else:
        check_activation(activation, "activation")
    check_rate(dropout, "dropout")
    for i in range(depth):
        init = initializer(kernel_initializer, seed, seed_offset + i)
        if maxout_pieces is not None:
            x = Maxout(width, maxout_pieces, kernel_initializer=init, name=f"maxout{i + 1}")(x)
        else:
            x = layers.Dense(width, activation=activation, kernel_initializer=init,
                             name=f"dense{i + 1}")(x)
        if dropout:
            x = layers.Dropout(dropout, seed=None if seed is None else seed + 1 + i,
                               name=f"dropout{i + 1}")(x)
    return x


def output_layer(x, units, kernel_initializer, seed, seed_offset, activation=None, name="output"):
    """A float32 ``Dense(units, activation)`` output on ``x``, its kernel seeded with
    ``seed + seed_offset`` (the offset after the hidden layers'), zero bias."""
    return layers.Dense(units, activation=activation,
                        kernel_initializer=initializer(kernel_initializer, seed, seed_offset),
                        dtype="float32", name=name)(x)


def mlp_generator(
    latent_dim=2,
    output_dim=None,
    image_shape=None,
    width=128,
    depth=2,
    activation="relu",
    output_activation=None,
    kernel_initializer="glorot_uniform",
    seed=None,
    name="mlp_generator",
):
    """Builds an MLP generator: latents ``[B, latent_dim]`` -> vectors or images.

    Args:
        latent_dim: size of z.
        output_dim: size of the output vector (2 for the 2-D mixtures). Pass this or
            ``image_shape``, not both.
        image_shape: ``(H, W, C)`` (any shape): the output layer has ``prod(image_shape)``
            units, reshaped to ``[B, *image_shape]``.
        width: units per hidden layer.
        depth: number of hidden layers (0 gives a linear / affine generator).
        activation: hidden-layer activation (a Keras activation name).
        output_activation: ``None`` (linear, for 2-D data) or e.g. ``"tanh"`` (images in
            [-1, 1]).
        kernel_initializer: Keras initializer identifier (name or ``{"class_name", "config"}``
            dict) for every weight matrix; biases start at zero.
        seed: optional int seed for the initializers (layer ``i`` uses ``seed + i``).
        name: model name.

    Returns:
        A functional ``keras.Model``.

    Example:
        >>> g = mlp_generator(latent_dim=256, output_dim=2, width=128, depth=2,
        ...                   activation="tanh")
        >>> g(keras.random.normal((4, 256))).shape
        (4, 2)
    """
    check_int(latent_dim, "latent_dim")
    size, shape = output_size(output_dim, image_shape, "output_dim")
    z = keras.Input((latent_dim,), name="latents")
    x = hidden_layers(z, width, depth, activation, kernel_initializer, seed)
    check_activation(output_activation, "output_activation")
    x = output_layer(x, size, kernel_initializer, seed, depth, activation=output_activation)
    if image_shape is not None:
        x = layers.Reshape(shape, name="reshape")(x)
    return keras.Model(z, x, name=name)


def mlp_discriminator(
    input_dim=None,
    image_shape=None,
    width=128,
    depth=2,
    activation="relu",
    maxout_pieces=None,
    input_dropout=0.0,
    dropout=0.0,
    kernel_initializer="glorot_uniform",
    seed=None,
    minibatch_discrimination=None,
    name="mlp_discriminator",
):
    """Builds an MLP discriminator: vectors or images -> one logit ``[B, 1]`` (no sigmoid).

    Args:
        input_dim: size of the input vector (2 for the 2-D mixtures). Pass this or
            ``image_shape``, not both.
        image_shape: shape of an input image; it is flattened first.
        width: units per hidden layer.
        depth: number of hidden layers (0 gives a linear discriminator).
        activation: hidden-layer activation for dense layers; ignored with maxout.
        maxout_pieces: if set, every hidden layer is a :class:`Maxout` with ``width`` units
            of this many pieces (the original GAN: 240 x 5).
        input_dropout: dropout rate on the input (original GAN: 0.2).
        dropout: dropout rate on the input of every later layer, the logit layer included
            (original GAN: 0.5).
        kernel_initializer: Keras initializer identifier for every weight matrix; zero biases.
        seed: optional int seed for the initializers (layer ``i`` uses ``seed + 100 + i``)
            and the dropout masks.
        minibatch_discrimination: if set, a :class:`MinibatchDiscrimination` layer with this
            many kernels (an int, or a dict of its arguments) before the logit layer, where
            Salimans et al. 2016 put it.
        name: model name.
    """
    inputs, x = flat_input(input_dim, image_shape)
    check_rate(input_dropout, "input_dropout")
    if input_dropout:
        x = layers.Dropout(input_dropout, seed=seed, name="input_dropout")(x)
    x = hidden_layers(x, width, depth, activation, kernel_initializer, seed, 100, dropout=dropout,
                      maxout_pieces=maxout_pieces)
    x = add_minibatch_discrimination(x, minibatch_discrimination, seed)
    logits = output_layer(x, 1, kernel_initializer, seed, 100 + depth, name="logits")
    return keras.Model(inputs, logits, name=name)


def _uniform(limit):
    if not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit <= 0:
        raise ValueError(f"init_range must be a positive number; received {limit!r}.")
    limit = float(limit)
    return {"class_name": "RandomUniform", "config": {"minval": -limit, "maxval": limit}}


def goodfellow_generator(
    latent_dim=100,
    image_shape=(28, 28, 1),
    width=1200,
    depth=2,
    init_range=0.05,
    seed=None,
    name="gan_generator",
):
    """The original GAN's MNIST generator (goodfeli/adversarial, mnist.yaml), tanh output.

    z -> ``depth`` x (``width`` ReLU) -> ``prod(image_shape)`` tanh, reshaped; weights
    U(-``init_range``, ``init_range``) (the yaml's ``irange: .05``), zero biases.

    Args:
        latent_dim: size of z (100).
        image_shape: output image shape ((28, 28, 1)).
        width: hidden units (1200).
        depth: hidden layers (2).
        init_range: half-width of the uniform weight initialisation (0.05).
        seed: optional int seed.
        name: model name.
    """
    return mlp_generator(
        latent_dim=latent_dim,
        image_shape=image_shape,
        width=width,
        depth=depth,
        activation="relu",
        output_activation="tanh",
        kernel_initializer=_uniform(init_range),
        seed=seed,
        name=name,
    )


def goodfellow_discriminator(
    image_shape=(28, 28, 1),
    units=240,
    pieces=5,
    depth=2,
    input_dropout=0.2,
    dropout=0.5,
    init_range=0.005,
    seed=None,
    minibatch_discrimination=None,
    name="gan_discriminator",
):
    """The original GAN's MNIST discriminator (goodfeli/adversarial, mnist.yaml).

    Flattened image -> dropout 0.2 -> ``depth`` x (maxout ``units`` x ``pieces`` -> dropout
    0.5) -> one logit; weights U(-``init_range``, ``init_range``) (``irange: .005``), zero
    biases.

    Args:
        image_shape: input image shape ((28, 28, 1)).
        units: maxout units per layer (240).
        pieces: pieces per maxout unit (5).
        depth: maxout layers (2).
        input_dropout: dropout rate on the input (0.2: include probability 0.8).
        dropout: dropout rate on later layers' inputs (0.5).
        init_range: half-width of the uniform weight initialisation (0.005).
        seed: optional int seed.
        minibatch_discrimination: optional minibatch discrimination before the logit (a
            trick, not the paper's; see :func:`mlp_discriminator`).
        name: model name.
    """
    return mlp_discriminator(
        image_shape=image_shape,
        width=units,
        depth=depth,
        maxout_pieces=pieces,
        input_dropout=input_dropout,
        dropout=dropout,
        kernel_initializer=_uniform(init_range),
        seed=seed,
        minibatch_discrimination=minibatch_discrimination,
        name=name,
    )
