"""Load the authors' released PyTorch checkpoints of pix2pixHD (NVIDIA/pix2pixHD) and GauGAN /
SPADE (NVlabs/SPADE) into :mod:`keras_gans.networks.pix2pixhd`, :mod:`keras_gans.networks.spade`
and :mod:`keras_gans.networks.multiscale` (issue 11).

Both codes save ``net.state_dict()`` of each network (``latest_net_G.pth``, ``latest_net_D.pth``,
``latest_net_E.pth``), so a checkpoint is a flat mapping of PyTorch keys. Our layer names are not
the PyTorch module paths (the official generators are ``nn.Sequential`` lists indexed by
position), so each family has a *rename*: PyTorch module path -> Keras layer path, built from
the Keras model (its depth, blocks and scales are read from its layer names) and handed to
:func:`keras_gans.networks.convert.load_state_dict`, which checks every shape, missing and
unexpected key before assigning anything.

pix2pixHD (``networks.py``)::

    GlobalGenerator.model = [pad, conv1, norm, relu]                 indices 0-3
                            + [down_i, norm, relu] * n_downsampling   from 4, three each
                            + [ResnetBlock] * n_blocks                one index each; inside,
                              conv_block = [pad, conv1, norm1, relu, pad, conv2, norm2]
                            + [up_i (ConvTranspose2d), norm, relu] * n_downsampling
                            + [pad, conv_out, tanh]
    LocalEnhancer.model = the global generator's list without its last three (no conv_out);
    model{n}_1 = [pad, conv1, norm, relu, down, norm, relu];
    model{n}_2 = [ResnetBlock] * n_blocks_local + [up, norm, relu] (+ [pad, conv_out, tanh] for
    the last n).
    MultiscaleDiscriminator: ``scale{i}_layer{j}`` = [conv, (norm), LeakyReLU] with
    intermediate features, else ``layer{i}.model`` (the flat list); scale i = num_D - 1 is the
    full resolution, which is our scale 0 (ours lists scales full resolution first).

SPADE (``models/networks/``): generator keys ``fc``, ``{head_0, G_middle_0, G_middle_1, up_0,
..., up_4}.{conv_0, conv_1, conv_s}`` (spectral norm: ``weight_orig`` / ``weight_u`` /
``weight_v``) and ``.{norm_0, norm_1, norm_s}.{mlp_shared.0, mlp_gamma, mlp_beta,
param_free_norm}`` (the :class:`~keras_gans.layers.spade.SPADE` layer's sub-layers), ``conv_img``;
encoder ``layer{1..6}.0`` (Sequential(spectral conv, InstanceNorm)), ``fc_mu``, ``fc_var``;
discriminator ``discriminator_{i}.model{j}.0`` (first and last layers, plain convs) or
``.model{j}.0.0`` (Sequential(spectral conv, norm)), scale i = ours.

Spectral norm: by default the SPADE loaders write PyTorch's eval-mode weight ``weight_orig /
sigma`` into the kernel (``spectral_norm="eval"``), so that Keras inference equals the official
``model.eval()``; training on from there normalises an already normalised kernel (sigma ~ 1),
so the same file also serves fine-tuning. ``spectral_norm="weight_orig"`` keeps PyTorch's raw
parametrisation instead (see :mod:`keras_gans.networks.convert`).

A ``module.`` prefix (``nn.DataParallel``) is removed first.
"""

import re

from keras_gans.networks import convert
from keras_gans.networks.pix2pixhd import GLOBAL_PREFIX

__all__ = ["OFFICIAL_MODELS", "build_official", "load_pix2pixhd", "load_spade", "pix2pixhd_rename", "spade_rename",
           "strip_data_parallel"]


def strip_data_parallel(state_dict):
    """``module.x`` -> ``x`` when every key has the prefix (a checkpoint of ``nn.DataParallel``)."""
    if state_dict and all(k.startswith("module.") for k in state_dict):
        return {k[len("module."):]: v for k, v in state_dict.items()}
    return dict(state_dict)


def _count(names, pattern, start=1):
    """How many of ``pattern.format(start)``, ``pattern.format(start + 1)``, ... are in ``names``
    (stopping at the first missing one)."""
    n = 0
    while pattern.format(start + n) in names:
        n += 1
    return n


def _resnet_block(torch_prefix, keras_prefix, out):
    for index, name in ((1, "conv1"), (2, "norm1"), (5, "conv2"), (6, "norm2")):
        out[f"{torch_prefix}.conv_block.{index}"] = f"{keras_prefix}_{name}"


def _generator_map(names):
    out = {}
    g = GLOBAL_PREFIX
    n_down = _count(names, g + "down{}")
    n_blocks = _count(names, g + "block{}_add")
    out["model.1"], out["model.2"] = g + "conv1", g + "conv1_norm"
    for i in range(n_down):
        out[f"model.{4 + 3 * i}"], out[f"model.{5 + 3 * i}"] = f"{g}down{i + 1}", f"{g}down{i + 1}_norm"
    start = 4 + 3 * n_down
    for b in range(n_blocks):
        _resnet_block(f"model.{start + b}", f"{g}block{b + 1}", out)
    start += n_blocks
    for i in range(n_down):
        out[f"model.{start + 3 * i}"], out[f"model.{start + 3 * i + 1}"] = f"{g}up{i + 1}", f"{g}up{i + 1}_norm"
    out[f"model.{start + 3 * n_down + 1}"] = g + "conv_out"
    for k in range(1, _count(names, "enhancer{}_conv1") + 1):
        e = f"enhancer{k}_"
        for index, name in ((1, "conv1"), (2, "conv1_norm"), (4, "down"), (5, "down_norm")):
            out[f"model{k}_1.{index}"] = e + name
        n_local = _count(names, e + "block{}_add")
        for b in range(n_local):
            _resnet_block(f"model{k}_2.{b}", f"{e}block{b + 1}", out)
        out[f"model{k}_2.{n_local}"], out[f"model{k}_2.{n_local + 1}"] = e + "up", e + "up_norm"
        out[f"model{k}_2.{n_local + 4}"] = e + "conv_out"
    return {t: k for t, k in out.items() if k in names}


def _discriminator_layers(names):
    """(scales, convs before the logits) of a multi-scale discriminator's layer names."""
    return _count(names, "scale{}_logits", start=0), _count(names, "scale0_conv{}", start=0)


def _keras_d_layer(scale, j, depth, norm=False):
    if norm:
        return f"scale{scale}_norm{j}"
    return f"scale{scale}_logits" if j == depth else f"scale{scale}_conv{j}"


def pix2pixhd_rename(model):
    """PyTorch module path -> Keras layer name (None: no such layer) for a pix2pixHD
    ``global_generator`` / ``local_enhancer`` / ``pix2pixhd_generator`` or a
    ``multiscale_discriminator(variant="pix2pixhd")``."""
    names = {layer.name for layer in model.layers}
    table = _generator_map(names)
    num_scales, depth = _discriminator_layers(names)
    for i in range(num_scales):
        s = num_scales - 1 - i  # official scale i = ours num_scales - 1 - i
        flat = 0
        for j in range(depth + 1):
            table[f"scale{i}_layer{j}.0"] = _keras_d_layer(s, j, depth)
            table[f"layer{i}.model.{flat}"] = _keras_d_layer(s, j, depth)
            if 0 < j < depth:  # [conv, norm, LeakyReLU]
                table[f"scale{i}_layer{j}.1"] = _keras_d_layer(s, j, depth, norm=True)
                table[f"layer{i}.model.{flat + 1}"] = _keras_d_layer(s, j, depth, norm=True)
                flat += 3
            else:  # [conv, LeakyReLU] / [conv]
                flat += 2
    if not table:
        raise ValueError(f"{model.name!r} is not a pix2pixHD generator or discriminator (no layers named "
                         f"{GLOBAL_PREFIX}conv1, enhancer1_conv1 or scale0_logits).")
    return table.get


_SPADE_NORM = re.compile(r"^(?P<block>(?:head|G_middle|up)_\d+)\.(?P<norm>norm_[01s])\.(?P<sub>\w+?)(?:\.0)?$")
_SPADE_ENCODER = re.compile(r"^(?P<layer>layer\d+)\.0$")
_SPADE_D = re.compile(r"^discriminator_(?P<scale>\d+)\.model(?P<j>\d+)\.0(?P<normed>\.[01])?$")


def spade_rename(model):
    """PyTorch module path -> Keras layer path for a SPADE ``spade_generator``, ``style_encoder``
    or ``multiscale_discriminator(variant="spade")``."""
    names = {layer.name for layer in model.layers}
    _, depth = _discriminator_layers(names)

    def rename(prefix):
        m = _SPADE_NORM.match(prefix)
        if m:
            return f"{m['block']}_{m['norm']}/{m['sub']}"
        m = _SPADE_ENCODER.match(prefix)
        if m:
            return m["layer"]
        m = _SPADE_D.match(prefix)
        if m:
            scale, j = int(m["scale"]), int(m["j"])
            return _keras_d_layer(scale, j, depth, norm=m["normed"] == ".1")
        return prefix.replace(".", "_")

    return rename


def _state(checkpoint, key):
    if isinstance(checkpoint, (str, bytes)) or hasattr(checkpoint, "__fspath__"):
        checkpoint, _ = convert.read_checkpoint(checkpoint, key=key, rename_old_esrgan=False)
    elif key is not None:
        checkpoint, _ = convert.unwrap_checkpoint(checkpoint, key)
    return strip_data_parallel(checkpoint)


def load_pix2pixhd(model, checkpoint, strict=True, key=None):
    """Loads an official pix2pixHD ``latest_net_G.pth`` / ``latest_net_D.pth`` (a path, or a
    state dict) into ``model`` (built with the checkpoint's options: ``--ngf``,
    ``--n_downsample_global``, ``--n_blocks_global``, ``--netG local`` / ``--n_local_enhancers``,
    ``--num_D``, ``--n_layers_D``, ``--label_nc`` + instance edges). Returns
    :class:`~keras_gans.networks.convert.LoadResult`."""
    return convert.load_state_dict(model, _state(checkpoint, key), strict=strict, rename=pix2pixhd_rename(model))


def load_spade(model, checkpoint, strict=True, spectral_norm="eval", key=None):
    """Loads an official SPADE / GauGAN ``latest_net_G.pth``, ``latest_net_E.pth`` or
    ``latest_net_D.pth`` (a path, or a state dict) into ``model`` (module docstring for
    ``spectral_norm``). Returns :class:`~keras_gans.networks.convert.LoadResult`."""
    return convert.load_state_dict(model, _state(checkpoint, key), strict=strict, spectral_norm=spectral_norm,
                                   rename=spade_rename(model))


# Released checkpoints -> (the preset whose networks they fit, the loader). The folder names are
# the authors' (pix2pixHD's README: checkpoints/label2city_1024p, trained with --netG local
# --ngf 32; SPADE's checkpoints.tar.gz: checkpoints/{ade20k,coco,cityscapes}_pretrained).
OFFICIAL_MODELS = {
    "label2city_1024p": ("pix2pixhd_1024", "pix2pixhd"),
    "ade20k_pretrained": ("gaugan", "spade"),
    "coco_pretrained": ("gaugan_coco", "spade"),
    "cityscapes_pretrained": ("gaugan_cityscapes", "spade"),
}
_LOADERS = {"pix2pixhd": load_pix2pixhd, "spade": load_spade}


def build_official(name, generator_weights, encoder_weights=None, official_models=None):
    """The :class:`~keras_gans.models.semantic.SemanticSynthesis` of the released model ``name``
    (:data:`OFFICIAL_MODELS`) with the authors' generator (``latest_net_G.pth``; and the style
    encoder's ``latest_net_E.pth`` for a VAE model) loaded: ready for ``synthesize`` or
    :func:`keras_gans.export.export_model`. The discriminator and the perceptual network keep
    their initial weights (inference needs neither; the VGG is built without ImageNet weights
    so that this works offline)."""
    from keras_gans import presets

    table = OFFICIAL_MODELS if official_models is None else official_models
    if name not in table:
        raise ValueError(f"Unknown released model {name!r}; known: {', '.join(sorted(table))}.")
    preset, family = table[name]
    overrides = {"perceptual": {"weights": None}} if "perceptual" in presets.get(preset)["networks"] else {}
    model = presets.build(preset, seed=0, network_overrides=overrides)
    load = _LOADERS[family]
    load(model.generator, generator_weights)
    if encoder_weights is not None:
        if "encoder" not in model.networks:
            raise ValueError(f"{name} ({preset}) has no style encoder; drop the encoder weights "
                             f"{encoder_weights!r}.")
        load(model.encoder, encoder_weights)
    return model
