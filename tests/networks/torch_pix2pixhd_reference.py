"""PyTorch reference networks for tests/networks/pix2pixhd_networks_test.py. A helper module:
no tests in here, and nothing from ``keras_gans``.

Written from reading the official code, not copied from it:

* :class:`GlobalGenerator`, :class:`LocalEnhancer` - NVIDIA/pix2pixHD ``models/networks.py``
  (``GlobalGenerator``, ``LocalEnhancer``, ``ResnetBlock`` with reflection padding and the
  default ReLU, no dropout; every convolution biased).
* :class:`Pix2PixHDMultiscaleD` - the same file's ``MultiscaleDiscriminator`` /
  ``NLayerDiscriminator`` with ``getIntermFeat=True`` and no sigmoid: the submodules are
  registered as ``scale{i}_layer{j}`` and the full-resolution input goes to the *last*
  scale (``scale{num_D-1}``), as in the official forward.
* :class:`SpadeMultiscaleD` - NVlabs/SPADE ``models/networks/discriminator.py``
  (``MultiscaleDiscriminator``, ``NLayerDiscriminator``) with ``get_nonspade_norm_layer``
  (``models/networks/normalization.py``) for ``spectral<norm>``: the middle convolutions are
  ``spectral_norm`` wrapped and lose their bias when a norm follows.

The module attributes follow the official names and order, so ``state_dict()`` has the
official keys (``model.1.weight``, ``model1_1.1.weight``, ``scale0_layer1.0.weight``,
``discriminator_0.model1.0.0.weight_orig``, ...). Instance norm is ``InstanceNorm2d(affine=
False)`` (no running statistics), batch norm ``BatchNorm2d(affine=True)``.
"""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "GlobalGenerator",
    "LocalEnhancer",
    "Pix2PixHDMultiscaleD",
    "SpadeMultiscaleD",
    "downsample",
    "param_count",
    "randomize_",
]


def _norm(normalization, channels):
    if normalization == "instance":
        return nn.InstanceNorm2d(channels, affine=False)
    if normalization == "batch":
        return nn.BatchNorm2d(channels, affine=True)
    if normalization is None:
        return None
    raise ValueError(f"unknown normalization {normalization!r}")


def downsample(x):
    """The pyramid step of both codes: 3x3 average, stride 2, padding 1, padding not counted."""
    return F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)


def param_count(module):
    return sum(p.numel() for p in module.parameters())


# ----------------------------------------------------------------------------- generators
class ResnetBlock(nn.Module):
    """``x + conv_block(x)``; ``conv_block`` = pad, conv, norm, ReLU, pad, conv, norm."""

    def __init__(self, dim, normalization):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), _norm(normalization, dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), _norm(normalization, dim),
        )

    def forward(self, x):
        return x + self.conv_block(x)


def _c7(in_ch, out_ch, normalization):
    return [nn.ReflectionPad2d(3), nn.Conv2d(in_ch, out_ch, 7), _norm(normalization, out_ch),
            nn.ReLU(True)]


def _down(in_ch, out_ch, normalization):
    return [nn.Conv2d(in_ch, out_ch, 3, stride=2, padding=1), _norm(normalization, out_ch),
            nn.ReLU(True)]


def _up(in_ch, out_ch, normalization):
    return [nn.ConvTranspose2d(in_ch, out_ch, 3, stride=2, padding=1, output_padding=1),
            _norm(normalization, out_ch), nn.ReLU(True)]


def _head(in_ch, out_ch):
    return [nn.ReflectionPad2d(3), nn.Conv2d(in_ch, out_ch, 7), nn.Tanh()]


def global_generator_layers(input_nc, output_nc, ngf, n_downsampling, n_blocks, normalization):
    """The modules of ``GlobalGenerator.model`` in order (the last three are the head)."""
    seq = _c7(input_nc, ngf, normalization)
    for i in range(n_downsampling):
        seq += _down(ngf * 2**i, ngf * 2 ** (i + 1), normalization)
    width = ngf * 2**n_downsampling
    seq += [ResnetBlock(width, normalization) for _ in range(n_blocks)]
    for i in range(n_downsampling, 0, -1):
        seq += _up(ngf * 2**i, ngf * 2 ** (i - 1), normalization)
    return seq + _head(ngf, output_nc)


class GlobalGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, ngf=64, n_downsampling=4, n_blocks=9,
                 normalization="instance"):
        super().__init__()
        self.model = nn.Sequential(*global_generator_layers(
            input_nc, output_nc, ngf, n_downsampling, n_blocks, normalization))

    def forward(self, x):
        return self.model(x)


class LocalEnhancer(nn.Module):
    """``model``: the global generator (``ngf * 2**K`` filters) without its head;
    ``model{n}_1``: c7 + stride-2 conv of level n; ``model{n}_2``: its blocks, transposed
    conv (and the head at n = K)."""

    def __init__(self, input_nc, output_nc, ngf=32, n_downsample_global=4, n_blocks_global=9,
                 n_local_enhancers=1, n_blocks_local=3, normalization="instance"):
        super().__init__()
        self.n_local_enhancers = n_local_enhancers
        trunk = global_generator_layers(input_nc, output_nc, ngf * 2**n_local_enhancers,
                                        n_downsample_global, n_blocks_global, normalization)
        self.model = nn.Sequential(*trunk[:-3])
        for n in range(1, n_local_enhancers + 1):
            width = ngf * 2 ** (n_local_enhancers - n)
            first = _c7(input_nc, width, normalization) + _down(width, 2 * width, normalization)
            second = [ResnetBlock(2 * width, normalization) for _ in range(n_blocks_local)]
            second += _up(2 * width, width, normalization)
            if n == n_local_enhancers:
                second += _head(ngf, output_nc)
            setattr(self, f"model{n}_1", nn.Sequential(*first))
            setattr(self, f"model{n}_2", nn.Sequential(*second))

    def forward(self, x):
        pyramid = [x]
        for _ in range(self.n_local_enhancers):
            pyramid.append(downsample(pyramid[-1]))
        out = self.model(pyramid[-1])
        for n in range(1, self.n_local_enhancers + 1):
            level_input = pyramid[self.n_local_enhancers - n]
            out = getattr(self, f"model{n}_2")(getattr(self, f"model{n}_1")(level_input) + out)
        return out


# ----------------------------------------------------------------------------- discriminators
def _conv4(in_ch, out_ch, stride, bias=True):
    return nn.Conv2d(in_ch, out_ch, 4, stride=stride, padding=int(np.ceil(3 / 2)), bias=bias)


class Pix2PixHDMultiscaleD(nn.Module):
    """pix2pixHD's D with intermediate features: per scale, groups ``layer0`` (conv s2,
    LeakyReLU), ``layer1 .. layer{n-1}`` (conv s2, norm, LeakyReLU), ``layer{n}`` (conv s1, norm,
    LeakyReLU), ``layer{n+1}`` (conv s1 to 1). Channels double from ndf up to 512."""

    def __init__(self, input_nc, ndf=64, n_layers=3, normalization="instance", num_D=3,
                 max_nf=512):
        super().__init__()
        self.num_D, self.n_layers = num_D, n_layers
        for i in range(num_D):
            groups = [[_conv4(input_nc, ndf, 2), nn.LeakyReLU(0.2, True)]]
            nf = ndf
            for n in range(1, n_layers + 1):
                prev, nf = nf, min(2 * nf, max_nf)
                stride = 2 if n < n_layers else 1
                norm = _norm(normalization, nf)
                groups.append([_conv4(prev, nf, stride)] + ([norm] if norm else [])
                              + [nn.LeakyReLU(0.2, True)])
            groups.append([_conv4(nf, 1, 1)])
            for j, group in enumerate(groups):
                setattr(self, f"scale{i}_layer{j}", nn.Sequential(*group))

    def forward(self, x):
        result = []
        for i in range(self.num_D):
            index = self.num_D - 1 - i  # the full resolution goes to the last scale's D
            features, h = [], x
            for j in range(self.n_layers + 2):
                h = getattr(self, f"scale{index}_layer{j}")(h)
                features.append(h)
            result.append(features)
            if i != self.num_D - 1:
                x = downsample(x)
        return result


class _SpadeNLayerD(nn.Module):
    """SPADE's NLayerDiscriminator: ``model0`` (conv s2, LeakyReLU), ``model1 ..
    model{n-1}`` ([spectral] conv (stride 1 for the last, 2 otherwise) [+ norm], LeakyReLU),
    ``model{n}`` (conv s1 to 1)."""

    def __init__(self, input_nc, ndf, n_layers, norm_D, max_nf=512):
        super().__init__()
        spectral = norm_D.startswith("spectral")
        sub = norm_D[len("spectral"):] if spectral else norm_D
        sub = None if sub in ("", "none") else sub
        groups = [[_conv4(input_nc, ndf, 2), nn.LeakyReLU(0.2, False)]]
        nf = ndf
        for n in range(1, n_layers):
            prev, nf = nf, min(2 * nf, max_nf)
            conv = _conv4(prev, nf, 1 if n == n_layers - 1 else 2, bias=sub is None)
            if spectral:
                conv = nn.utils.spectral_norm(conv)
            layer = conv if sub is None else nn.Sequential(conv, _norm(sub, nf))
            groups.append([layer, nn.LeakyReLU(0.2, False)])
        groups.append([_conv4(nf, 1, 1)])
        for j, group in enumerate(groups):
            self.add_module(f"model{j}", nn.Sequential(*group))

    def forward(self, x):
        features = []
        for child in self.children():
            x = child(x)
            features.append(x)
        return features


class SpadeMultiscaleD(nn.Module):
    """``discriminator_{i}`` judges the input downsampled i times (0 = full resolution)."""

    def __init__(self, input_nc, ndf=64, n_layers=4, norm_D="spectralinstance", num_D=2,
                 max_nf=512):
        super().__init__()
        for i in range(num_D):
            self.add_module(f"discriminator_{i}",
                            _SpadeNLayerD(input_nc, ndf, n_layers, norm_D, max_nf))

    def forward(self, x):
        result = []
        for d in self.children():
            result.append(d(x))
            x = downsample(x)
        return result


# ----------------------------------------------------------------------------- helpers
@torch.no_grad()
def randomize_(module, seed=0):
    """Weights with fan-in scaling (activations of order 1), non-zero biases, batch norm
    gains/offsets and running statistics away from 1 / 0, spectral-norm ``u`` vectors random:
    so that no parameter copied to the wrong place goes unnoticed."""
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            name = "weight_orig" if hasattr(m, "weight_orig") else "weight"
            w = getattr(m, name)
            fan_in = w[0].numel() if isinstance(m, nn.Conv2d) else w.shape[0] * w[0, 0].numel()
            w.copy_(torch.randn(w.shape, generator=g) / np.sqrt(fan_in))
            if m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
            if hasattr(m, "weight_u"):
                u = torch.randn(m.weight_u.shape, generator=g)
                m.weight_u.copy_(u / u.norm())
                v = torch.randn(m.weight_v.shape, generator=g)
                m.weight_v.copy_(v / v.norm())
        elif isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            m.weight.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.copy_(0.2 * torch.randn(n, generator=g))
            m.running_mean.copy_(0.1 * torch.randn(n, generator=g))
            m.running_var.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
