"""pix2pixHD's generators (Wang et al. 2018, "High-Resolution Image Synthesis and Semantic
Manipulation with Conditional GANs"): the global generator G1 and the local enhancer G2.

Architecture as in the authors' official PyTorch code (NVIDIA/pix2pixHD, ``models/networks.py``:
``GlobalGenerator``, ``LocalEnhancer``, ``ResnetBlock``; defaults from ``options/*.py`` and
``scripts/*.sh``). The multi-scale discriminator is :mod:`keras_gans.networks.multiscale`.

Global generator, with ``f = base_filters`` (``ngf``, 64), ``n = num_downsampling``
(``n_downsample_global``, 4) and ``B = num_blocks`` (``n_blocks_global``, 9):

* reflection padding 3, a 7x7 convolution to ``f`` channels, normalisation, ReLU;
* ``n`` stride-2 3x3 convolutions with one pixel of zero padding, doubling the channels, each
  followed by normalisation and ReLU;
* ``B`` residual blocks at ``2**n f`` channels, ``x + N(conv(pad(ReLU(N(conv(pad(x)))))))``
  with reflection padding 1 and 3x3 convolutions;
* ``n`` transposed convolutions, PyTorch's ``ConvTranspose2d(3, stride=2, padding=1,
  output_padding=1)`` halving the channels, each followed by normalisation and ReLU;
* reflection padding 3, a 7x7 convolution to ``output_channels``, tanh.

This is CycleGAN's ResNet generator (:mod:`keras_gans.networks.cyclegan`, whose docstring
explains the explicit paddings and the transposed convolution's crop) with two differences:
**every convolution has a bias** (pix2pixHD never passes ``bias=False``, so its convolutions
keep one before batch norm too, where CycleGAN's drop it), and the biases keep PyTorch's
default initialisation, uniform in +-1/sqrt(fan_in)
(``weights_init`` only redraws the kernels, N(0, 0.02), and batch norm gains, N(1, 0.02);
for a transposed convolution PyTorch's fan_in is ``out_channels * 9``). Normalisation is
``"instance"`` (``InstanceNorm2d(affine=False)``: ``GroupNormalization(groups=-1,
center=False, scale=False, epsilon=1e-5)``, no weights) or ``"batch"``; the code has no other.

Local enhancer (``--netG local``), with ``K = num_enhancers`` (``n_local_enhancers``, 1) and
``f = base_filters`` (32 at 1024p): the global generator built with ``f * 2**K`` filters,
minus its final padding, convolution and tanh, runs on the input downsampled ``K`` times by
``AvgPool2d(3, stride=2, padding=1, count_include_pad=False)``
(:class:`~keras_gans.networks.multiscale.ExcludePadAveragePooling2D`). Then for the levels
``k = 1 .. K`` (coarse to fine, with ``f_k = f * 2**(K - k)``):

* the input downsampled ``K - k`` times goes through reflection padding 3, a 7x7 convolution to
  ``f_k``, norm, ReLU, a stride-2 3x3 convolution to ``2 f_k``, norm, ReLU;
* that is **added** to the previous level's output (``2 f_k`` channels, the same size);
* ``num_blocks_local`` residual blocks at ``2 f_k``, a transposed convolution to ``f_k``, norm,
  ReLU; after the last level, reflection padding 3, a 7x7 convolution to ``output_channels``
  and tanh.

Coarse-to-fine training: :func:`local_enhancer` takes a (trained) :func:`global_generator`
model and **reuses its layers**, so the enhancer and the global model share those variables
(what the official code gets by loading the 512p checkpoint into the enhancer's ``model``).
All the global generator's layers, and so the paths of its variables, start with
``"global_"`` (:data:`GLOBAL_PREFIX`); the enhancer's own layers with ``"enhancer{k}_"``.
For the official ``--niter_fix_global`` epochs (only the outermost enhancer trains), freeze
:func:`global_variables` (``include_inner_enhancers=True`` for ``K > 1``, as the official
optimiser then takes only ``model{K}_*``), e.g. by their path prefixes
(:func:`global_prefixes`).

Sizes. The global generator maps ``H`` to ``2**n ceil(H / 2**n)`` (stride-2 convolutions
round up), so a fixed height or width must be a multiple of ``2**n`` (16 with the paper's
``n = 4``) and at least ``max(4, 2 * 2**n)`` (32): the 3-pixel reflection paddings need 4
pixels, the blocks' 1-pixel reflection padding and PyTorch's instance norm a bottleneck of 2.
The local enhancer adds its input to the global output, which the official code only can when
``H`` is a multiple of ``2**(n + K)`` (32 at 1024p); its minimum is ``2**K`` times the global
one (64). With unknown sizes (None), the models follow PyTorch's arithmetic; sizes the
official code refuses fail at run time.

Parameter counts at the paper's configurations (Cityscapes: 35 label channels + 1
instance-edge channel = 36 input channels, 3 output channels, instance norm, all trainable):

* 512p global generator (``ngf 64``, 4 downsamplings, 9 blocks): 182,546,755;
* 1024p local enhancer (``--netG local --ngf 32``, 1 enhancer, 3 local blocks, the global
  generator at 64 filters inside): 182,857,059, of which 182,537,344 are the global part's
  (the 512p generator minus its 9,411-parameter last convolution) and 319,715 the
  enhancer's own.
"""


import keras
from keras import layers

from keras_gans.networks.checks import check_int
from keras_gans.networks.cyclegan import ReflectionPadding2D
from keras_gans.networks.multiscale import ExcludePadAveragePooling2D
from keras_gans.networks.unet import check_spatial_shape, kernel_init, norm_layer, offset_seed, torch_bias_init

__all__ = [
    "GLOBAL_PREFIX",
    "global_generator",
    "global_prefixes",
    "global_variables",
    "load_global_weights",
    "local_enhancer",
    "pix2pixhd_generator",
]

GLOBAL_PREFIX = "global_"
_NORMALIZATIONS = ("instance", "batch")
_NORM_CLASSES = {"instance": layers.GroupNormalization, "batch": layers.BatchNormalization}


def _check_normalization(normalization):
    if normalization not in _NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {_NORMALIZATIONS} (pix2pixHD's --norm); received "
            f"{normalization!r}."
        )
    return normalization


class _Layers:
    """Hands out the layers of one network part by name: new ones (``source`` None), or the
    layers of the same names in ``source``, so that one graph-building code either builds a
    network or replays an existing one on other tensors (sharing its weights)."""

    def __init__(self, prefix, seed, normalization, source=None):
        self.prefix = prefix
        self.seed = seed
        self.normalization = normalization
        self.source = source

    def __call__(self, name, cls, make):
        full = self.prefix + name
        if self.source is None:
            return make(full)
        try:
            layer = self.source.get_layer(full)
        except ValueError:
            layer = None
        if not isinstance(layer, cls):
            raise ValueError(
                f"global_model must be a global_generator model: it has no {cls.__name__} layer "
                f"named {full!r}."
            )
        return layer

    def conv(self, x, name, filters, kernel_size, strides=1, offset=0, dtype=None):
        fan_in = kernel_size * kernel_size * x.shape[-1]
        return self(name, layers.Conv2D, lambda n: layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            kernel_initializer=kernel_init(self.seed, offset),
            bias_initializer=_torch_bias_init(fan_in, self.seed, offset),
            dtype=dtype,
            name=n,
        ))(x)

    def norm_relu(self, x, name, offset):
        norm = self(f"{name}_norm", _NORM_CLASSES[self.normalization],
                    lambda n: norm_layer(self.normalization, n, self.seed, 10_000 + offset))
        return self(f"{name}_relu", layers.ReLU, lambda n: layers.ReLU(name=n))(norm(x))

    def reflect(self, x, name, padding):
        return self(name, ReflectionPadding2D, lambda n: ReflectionPadding2D(padding, name=n))(x)


def _torch_bias_init(fan_in, seed, offset):
    return torch_bias_init(fan_in, offset_seed(seed, 50_000 + offset))


def _stem(L, x, filters, offset):
    """Reflection padding 3, 7x7 convolution, norm, ReLU (``conv1``)."""
    x = L.reflect(x, "conv1_pad", 3)
    x = L.conv(x, "conv1", filters, 7, offset=offset)
    return L.norm_relu(x, "conv1", offset)


def _down(L, x, name, filters, offset):
    """PyTorch's ``Conv2d(3, stride=2, padding=1)``, norm, ReLU."""
    x = L(f"{name}_pad", layers.ZeroPadding2D, lambda n: layers.ZeroPadding2D(1, name=n))(x)
    x = L.conv(x, name, filters, 3, strides=2, offset=offset)
    return L.norm_relu(x, name, offset)


def _block(L, x, name, offset):
    """``x + N(conv(pad(ReLU(N(conv(pad(x)))))))``, reflection padding 1, 3x3 convolutions."""
    shortcut = x
    for k in (1, 2):
        x = L.reflect(x, f"{name}_pad{k}", 1)
        x = L.conv(x, f"{name}_conv{k}", shortcut.shape[-1], 3, offset=offset + k)
        norm = L(f"{name}_norm{k}", _NORM_CLASSES[L.normalization],
                 lambda n: norm_layer(L.normalization, n, L.seed, 10_000 + offset + k))
        x = norm(x)
        if k == 1:
            x = L(f"{name}_relu", layers.ReLU, lambda n: layers.ReLU(name=n))(x)
    return L(f"{name}_add", layers.Add, lambda n: layers.Add(name=n))([shortcut, x])


def _up(L, x, name, filters, offset):
    """PyTorch's ``ConvTranspose2d(3, stride=2, padding=1, output_padding=1)`` (the full
    ``2h + 1`` result, its first row and column dropped), norm, ReLU."""
    up = L(name, layers.Conv2DTranspose, lambda n: layers.Conv2DTranspose(
        filters,
        3,
        strides=2,
        padding="valid",
        kernel_initializer=kernel_init(L.seed, offset),
        bias_initializer=_torch_bias_init(9 * filters, L.seed, offset),  # fan_in: weight dim 1
        name=n,
    ))
    x = up(x)
    x = L(f"{name}_crop", layers.Cropping2D,
          lambda n: layers.Cropping2D(((1, 0), (1, 0)), name=n))(x)
    return L.norm_relu(x, name, offset)


def _head(L, x, output_channels):
    """Reflection padding 3, 7x7 convolution to the image channels, tanh."""
    x = L.reflect(x, "conv_out_pad", 3)
    x = L.conv(x, "conv_out", output_channels, 7, offset=2, dtype="float32")
    return L("tanh", layers.Activation, lambda n: layers.Activation("tanh", dtype="float32",
                                                                    name=n))(x)


def _trunk(L, x, base_filters, num_downsampling, num_blocks):
    """The global generator without its head."""
    x = _stem(L, x, base_filters, 1)
    filters = base_filters
    for i in range(1, num_downsampling + 1):
        filters *= 2
        x = _down(L, x, f"down{i}", filters, 100 + i)
    for b in range(1, num_blocks + 1):
        x = _block(L, x, f"block{b}", 1_000 + 2 * b)
    for i in range(1, num_downsampling + 1):
        filters //= 2
        x = _up(L, x, f"up{i}", filters, 200 + i)
    return x


def _check_sizes(input_shape, factor, min_size, what, why):
    for size, axis in zip(input_shape[:2], ("height", "width")):
        if size is None:
            continue
        if size % factor:
            raise ValueError(
                f"{what} needs the input {axis} divisible by {factor} ({why}); received "
                f"input_shape={input_shape!r}."
            )
        if size < min_size:
            raise ValueError(
                f"{what} needs an input {axis} of at least {min_size} pixels (4 for the 7x7 "
                f"convolutions' reflection padding, 2 at the bottleneck); received "
                f"input_shape={input_shape!r}."
            )


def global_generator(
    input_shape=(None, None, 36),
    output_channels=3,
    base_filters=64,
    num_downsampling=4,
    num_blocks=9,
    normalization="instance",
    seed=None,
    name="global_generator",
):
    """Builds pix2pixHD's global generator (``--netG global``): ``[B, H, W, C]`` label maps
    (one-hot classes, plus the instance-edge channel) -> images in [-1, 1].

    Args:
        input_shape: ``(H, W, C)``; H and W multiples of ``2**num_downsampling`` and at least
            ``max(4, 2 * 2**num_downsampling)``, or None (module docstring). C is the label
            channels (36 for Cityscapes with instance edges).
        output_channels: image channels (``output_nc``).
        base_filters: ``ngf`` (64).
        num_downsampling: ``n_downsample_global`` (4).
        num_blocks: ``n_blocks_global`` (9); 0 is allowed.
        normalization: ``"instance"`` (the default ``--norm``) or ``"batch"``.
        seed: optional int seed for the initialisers.
        name: model name.

    Returns:
        A functional ``keras.Model`` with one input named ``"labels"``; its layer names all
        start with :data:`GLOBAL_PREFIX`.
    """
    input_shape = check_spatial_shape(input_shape, "input_shape")
    check_int(output_channels, "output_channels")
    check_int(base_filters, "base_filters")
    check_int(num_downsampling, "num_downsampling", minimum=0)
    check_int(num_blocks, "num_blocks", minimum=0)
    _check_normalization(normalization)
    factor = 2**num_downsampling
    _check_sizes(input_shape, factor, max(4, 2 * factor), "global_generator",
                 f"2**num_downsampling, num_downsampling={num_downsampling}; else the output is "
                 f"larger than the input")
    L = _Layers(GLOBAL_PREFIX, seed, normalization)
    labels = keras.Input(input_shape, name="labels")
    x = _trunk(L, labels, base_filters, num_downsampling, num_blocks)
    return keras.Model(labels, _head(L, x, output_channels), name=name)


def _global_config(global_model):
    """(input channels, base filters, num_downsampling, num_blocks, normalization) of a
    :func:`global_generator` model, read from its layers."""
    if not isinstance(global_model, keras.Model):
        raise ValueError(
            f"global_model must be a global_generator keras.Model; received {global_model!r}."
        )
    names = {layer.name for layer in global_model.layers}
    stem = f"{GLOBAL_PREFIX}conv1"
    head = f"{GLOBAL_PREFIX}conv_out"
    if stem not in names or head not in names or len(global_model.inputs) != 1:
        raise ValueError(
            f"global_model must be a global_generator model (layers {stem!r} ... {head!r}); "
            f"received the model {global_model.name!r}."
        )
    num_downsampling = 0
    while f"{GLOBAL_PREFIX}down{num_downsampling + 1}" in names:
        num_downsampling += 1
    num_blocks = 0
    while f"{GLOBAL_PREFIX}block{num_blocks + 1}_add" in names:
        num_blocks += 1
    norm = global_model.get_layer(f"{stem}_norm")
    normalization = next((k for k, cls in _NORM_CLASSES.items() if isinstance(norm, cls)), None)
    return (global_model.inputs[0].shape[-1], global_model.get_layer(stem).filters,
            num_downsampling, num_blocks, normalization)


def local_enhancer(
    global_model,
    input_shape=(None, None, 36),
    output_channels=3,
    base_filters=32,
    num_enhancers=1,
    num_blocks_local=3,
    normalization="instance",
    seed=None,
    name="local_enhancer",
):
    """Builds pix2pixHD's local enhancer (``--netG local``) around ``global_model``, whose
    layers (all but its last padding, convolution and tanh) it reuses: the two models share
    those variables (module docstring).

    Args:
        global_model: a :func:`global_generator` model with ``base_filters * 2**num_enhancers``
            filters (64 for the paper's 1024p enhancer), usually trained at the resolution
            divided by ``2**num_enhancers``; its input size does not matter, its channels must
            be ``input_shape``'s.
        input_shape: ``(H, W, C)`` at full resolution; H and W multiples of
            ``2**(num_downsampling + num_enhancers)`` and at least ``2**num_enhancers`` times
            the global generator's minimum, or None.
        output_channels: image channels.
        base_filters: ``ngf`` of the enhancer (32 at 1024p).
        num_enhancers: ``n_local_enhancers`` (1).
        num_blocks_local: ``n_blocks_local`` (3); 0 is allowed.
        normalization: ``"instance"`` or ``"batch"``; must be the global generator's.
        seed: optional int seed for the initialisers of the enhancer's own layers.
        name: model name.

    Returns:
        A functional ``keras.Model`` with one input named ``"labels"``. The global part's
        layers are ``global_model``'s (names starting with :data:`GLOBAL_PREFIX`), level k's
        start with ``"enhancer{k}_"``; see :func:`global_variables`.
    """
    input_shape = check_spatial_shape(input_shape, "input_shape")
    check_int(output_channels, "output_channels")
    check_int(base_filters, "base_filters")
    check_int(num_enhancers, "num_enhancers")
    check_int(num_blocks_local, "num_blocks_local", minimum=0)
    _check_normalization(normalization)
    config = _global_config(global_model)
    channels, global_filters, num_downsampling, num_blocks, global_norm = config
    if global_filters != base_filters * 2**num_enhancers:
        raise ValueError(
            f"local_enhancer with base_filters={base_filters} and num_enhancers={num_enhancers} "
            f"needs a global generator with base_filters * 2**num_enhancers = "
            f"{base_filters * 2**num_enhancers} filters; global_model has {global_filters}."
        )
    if global_norm != normalization:
        raise ValueError(
            f"local_enhancer normalization={normalization!r} differs from the global "
            f"generator's ({global_norm!r}); the official code uses one norm throughout."
        )
    if channels != input_shape[-1]:
        raise ValueError(
            f"input_shape has {input_shape[-1]} channels, global_model's input has {channels} "
            f"channels; both must take the same label maps."
        )
    factor = 2 ** (num_downsampling + num_enhancers)
    _check_sizes(input_shape, factor, 2**num_enhancers * max(4, 2 * 2**num_downsampling),
                 "local_enhancer",
                 f"2**(num_downsampling + num_enhancers) with the global generator's "
                 f"num_downsampling={num_downsampling}, so that the global output can be added")

    labels = keras.Input(input_shape, name="labels")
    pyramid = [labels]
    for k in range(1, num_enhancers + 1):
        pyramid.append(ExcludePadAveragePooling2D(3, 2, 1, name=f"downsample{k}")(pyramid[-1]))
    shared = _Layers(GLOBAL_PREFIX, None, normalization, source=global_model)
    x = _trunk(shared, pyramid[num_enhancers], global_filters, num_downsampling, num_blocks)
    for k in range(1, num_enhancers + 1):
        L = _Layers(f"enhancer{k}_", offset_seed(seed, 100_000 * k), normalization)
        filters = base_filters * 2 ** (num_enhancers - k)
        y = _stem(L, pyramid[num_enhancers - k], filters, 1)
        y = _down(L, y, "down", 2 * filters, 101)
        x = layers.Add(name=f"enhancer{k}_add")([y, x])  # model_downsample(input) + output_prev
        for b in range(1, num_blocks_local + 1):
            x = _block(L, x, f"block{b}", 1_000 + 2 * b)
        x = _up(L, x, "up", filters, 201)
        if k == num_enhancers:
            x = _head(L, x, output_channels)
    return keras.Model(labels, x, name=name)


def _num_enhancers(model):
    k = 0
    while any(layer.name == f"enhancer{k + 1}_add" for layer in model.layers):
        k += 1
    return k


def global_prefixes(model, include_inner_enhancers=False):
    """The layer-name (and variable-path) prefixes of ``model``'s global part: ``("global_",)``,
    plus ``"enhancer1_" .. "enhancer{K-1}_"`` with ``include_inner_enhancers`` (what the
    official ``--niter_fix_global`` keeps fixed when ``K > 1``: it trains ``model{K}_*``
    only)."""
    prefixes = (GLOBAL_PREFIX,)
    if include_inner_enhancers:
        prefixes += tuple(f"enhancer{k}_" for k in range(1, _num_enhancers(model)))
    return prefixes


def global_variables(model, include_inner_enhancers=False):
    """The variables (trainable and not) of the layers of ``model`` (a :func:`local_enhancer`
    or :func:`global_generator` model) whose names start with :func:`global_prefixes`: the ones
    to keep fixed for pix2pixHD's first ``niter_fix_global`` epochs. Setting
    ``layer.trainable = False`` on those layers freezes them (in the global model too, which
    shares them)."""
    prefixes = global_prefixes(model, include_inner_enhancers)
    return [v for layer in model.layers if layer.name.startswith(prefixes) for v in layer.weights]


def pix2pixhd_generator(
    input_shape=(None, None, 36),
    output_channels=3,
    base_filters=64,
    num_downsampling=4,
    num_blocks=9,
    num_enhancers=0,
    num_blocks_local=3,
    normalization="instance",
    global_weights=None,
    seed=None,
):
    """pix2pixHD's generator as a preset builds it: the global generator alone
    (``num_enhancers=0``, ``--netG global``), or the local enhancer around a fresh global
    generator with ``base_filters * 2**num_enhancers`` filters (``--netG local``; ``base_filters``
    is then the enhancer's ``ngf``, 32 at 1024p).

    Args:
        input_shape, output_channels, normalization: as :func:`global_generator`.
        base_filters: ``ngf``.
        num_downsampling, num_blocks: the global generator's (``n_downsample_global``,
            ``n_blocks_global``).
        num_enhancers, num_blocks_local: the local enhancer's (0: no enhancer).
        global_weights: with an enhancer, a ``.weights.h5`` file of a trained global
            generator of the same configuration (what ``python -m zoo.pix2pixhd.train``
            writes to ``<output_dir>/generator.weights.h5``): the coarse-to-fine start
            (:func:`load_global_weights`).
        seed: optional int seed of the initialisers.
    """
    check_int(num_enhancers, "num_enhancers", minimum=0)
    if not num_enhancers:
        if global_weights is not None:
            raise ValueError("global_weights is for a local enhancer (num_enhancers >= 1); load a global "
                             "generator's own weights with model.load_weights.")
        return global_generator(input_shape, output_channels, base_filters, num_downsampling, num_blocks,
                                normalization, seed=seed)
    inner = global_generator((None, None, input_shape[-1]), output_channels, base_filters * 2**num_enhancers,
                             num_downsampling, num_blocks, normalization, seed=seed)
    model = local_enhancer(inner, input_shape, output_channels, base_filters, num_enhancers, num_blocks_local,
                           normalization, seed=offset_seed(seed, 7))
    if global_weights is not None:
        load_global_weights(model, global_weights)
    return model


def _inner_config(model):
    """``(channels, filters, num_downsampling, num_blocks, normalization)`` of the global part
    of a :func:`local_enhancer` (or a :func:`global_generator`) model."""
    names = {layer.name for layer in model.layers}
    stem = f"{GLOBAL_PREFIX}conv1"
    if stem not in names:
        raise ValueError(f"The model {model.name!r} has no pix2pixHD global part (no layer {stem!r}).")
    conv = model.get_layer(stem)
    num_downsampling = 0
    while f"{GLOBAL_PREFIX}down{num_downsampling + 1}" in names:
        num_downsampling += 1
    num_blocks = 0
    while f"{GLOBAL_PREFIX}block{num_blocks + 1}_add" in names:
        num_blocks += 1
    norm = model.get_layer(f"{stem}_norm")
    normalization = next((k for k, cls in _NORM_CLASSES.items() if isinstance(norm, cls)), None)
    return int(conv.kernel.shape[2]), int(conv.filters), num_downsampling, num_blocks, normalization


def load_global_weights(model, path):
    """Loads a trained :func:`global_generator`'s ``.weights.h5`` file into the global part of
    the local enhancer ``model`` (pix2pixHD's ``--load_pretrain`` of the 512p checkpoint): a
    global generator of the enhancer's global configuration reads the file, and its layers'
    weights are copied into the enhancer's layers of the same name (all but the global
    generator's final convolution, which the enhancer does not use). Raises ``ValueError``
    naming both configurations when the file does not fit."""
    import os

    if not isinstance(path, (str, os.PathLike)) or not os.path.isfile(path):
        raise ValueError(f"global_weights must be the path of a .weights.h5 file; no file at {path!r}.")
    channels, filters, num_downsampling, num_blocks, normalization = _inner_config(model)
    donor = global_generator((None, None, channels), model.output_shape[-1], filters, num_downsampling,
                             num_blocks, normalization)
    try:
        donor.load_weights(os.fspath(path))
    except Exception as error:  # Keras raises ValueError / KeyError for a mismatched file
        raise ValueError(
            f"{path} is not the weights of a global generator with {channels} input channels, "
            f"{filters} filters, {num_downsampling} downsamplings and {num_blocks} blocks "
            f"({normalization} norm), the global part of {model.name!r}: {error}") from error
    copied = 0
    for layer in donor.layers:
        if layer.weights and layer.name.startswith(GLOBAL_PREFIX) and any(
                other.name == layer.name for other in model.layers):
            model.get_layer(layer.name).set_weights(layer.get_weights())
            copied += 1
    return copied
