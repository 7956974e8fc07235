"""PyTorch reference for GauGAN / SPADE (Park et al. 2019), for
tests/networks/spade_networks_test.py. A helper module: no tests in here.

Rebuilt from reading the authors' code (NVlabs/SPADE: ``models/networks/normalization.py``
``SPADE`` and ``get_nonspade_norm_layer``, ``architecture.py`` ``SPADEResnetBlock``,
``generator.py`` ``SPADEGenerator``, ``encoder.py`` ``ConvEncoder``, ``base_network.py``
``init_weights``), independently of ``keras_gans``; the option object of the official code is
replaced by plain constructor arguments. Submodules carry the official attribute names and
order, so ``state_dict()`` keys are those of the released checkpoints (``head_0.conv_0.
weight_orig``, ``head_0.norm_0.mlp_shared.0.weight``, ``layer1.0.weight_u``, ``fc_mu.bias``...).

Deliberate simplifications, none of which changes a number:

* The official default ``SynchronizedBatchNorm2d`` (J. Mao's sync_batchnorm, eps 1e-5,
  momentum 0.1) computes exactly ``nn.BatchNorm2d`` on one device; the reference uses the
  latter for ``"syncbatch"`` and ``"batch"``.
* ``get_nonspade_norm_layer`` removes the bias of a convolution followed by a norm; the
  reference creates it with ``bias=False`` (same keys, same parameters). Only the spectral
  variants run in the official code (for ``norm_E="instance"`` its ``subnorm_type`` is never
  assigned and building fails); without spectral norm the reference builds what that function
  means: a bias-free convolution, then the norm.
* ``ConvEncoder`` keeps the official dependence on ``crop_size`` (``layer6`` only for
  ``crop_size >= 256``) and the official resize of every input to 256 x 256, so that a test can
  show that the official encoder cannot run for ``crop_size < 256``.
"""

import re

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils import spectral_norm as _sn

__all__ = [
    "ConvEncoder",
    "SPADE",
    "SPADEGenerator",
    "SPADEResnetBlock",
    "count_parameters",
    "init_weights_",
    "latent_size",
    "randomize_",
    "semantic_nc",
]

NUM_UP = {"normal": 5, "more": 6, "most": 7}


def semantic_nc(label_nc, contain_dontcare_label, no_instance):
    """Channels of the generator's input, as ``BaseOptions.parse`` sets ``opt.semantic_nc``."""
    return label_nc + int(bool(contain_dontcare_label)) + int(not no_instance)


def latent_size(crop_size, aspect_ratio, num_upsampling_layers):
    """``(sw, sh)`` of ``SPADEGenerator.compute_latent_vector_size`` (width first, Python's
    round)."""
    sw = crop_size // (2 ** NUM_UP[num_upsampling_layers])
    return sw, round(sw / aspect_ratio)


def _lrelu(x):
    return F.leaky_relu(x, 0.2)


class SPADE(nn.Module):
    """``config_text`` like ``"spadesyncbatch3x3"``; ``norm_nc`` channels of x, ``label_nc`` of
    the segmentation map. Parameter-free norm of x, then ``* (1 + gamma) + beta`` with gamma,
    beta from a 128-channel ReLU conv and two convs on the nearest-resized map."""

    def __init__(self, config_text, norm_nc, label_nc):
        super().__init__()
        found = re.fullmatch(r"spade(\D+)(\d)x\d", config_text)
        if found is None:
            raise ValueError(f"bad SPADE config {config_text!r}")
        kind, ks = found.group(1), int(found.group(2))
        if kind in ("syncbatch", "batch"):
            self.param_free_norm = nn.BatchNorm2d(norm_nc, affine=False)
        elif kind == "instance":
            self.param_free_norm = nn.InstanceNorm2d(norm_nc, affine=False)
        else:
            raise ValueError(f"unknown parameter-free norm {kind!r}")
        hidden = 128
        self.mlp_shared = nn.Sequential(nn.Conv2d(label_nc, hidden, ks, padding=ks // 2), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden, norm_nc, ks, padding=ks // 2)
        self.mlp_beta = nn.Conv2d(hidden, norm_nc, ks, padding=ks // 2)

    def forward(self, x, segmap):
        seg = F.interpolate(segmap, size=tuple(x.shape[2:]), mode="nearest")
        hidden = self.mlp_shared(seg)
        return self.param_free_norm(x) * (1 + self.mlp_gamma(hidden)) + self.mlp_beta(hidden)


class SPADEResnetBlock(nn.Module):
    """``norm_G`` like ``"spectralspadesyncbatch3x3"``: "spectral" wraps conv_0, conv_1 and
    conv_s in spectral norm, the rest is the SPADE config."""

    def __init__(self, fin, fout, norm_G, semantic_nc):
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        sn = _sn if "spectral" in norm_G else (lambda m: m)
        self.conv_0 = sn(nn.Conv2d(fin, fmiddle, 3, padding=1))
        self.conv_1 = sn(nn.Conv2d(fmiddle, fout, 3, padding=1))
        if self.learned_shortcut:
            self.conv_s = sn(nn.Conv2d(fin, fout, 1, bias=False))
        spade = norm_G.replace("spectral", "")
        self.norm_0 = SPADE(spade, fin, semantic_nc)
        self.norm_1 = SPADE(spade, fmiddle, semantic_nc)
        if self.learned_shortcut:
            self.norm_s = SPADE(spade, fin, semantic_nc)

    def forward(self, x, seg):
        skip = self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut else x
        dx = self.conv_0(_lrelu(self.norm_0(x, seg)))
        dx = self.conv_1(_lrelu(self.norm_1(dx, seg)))
        return skip + dx


class SPADEGenerator(nn.Module):
    def __init__(self, semantic_nc, ngf=64, num_upsampling_layers="normal", crop_size=256,
                 aspect_ratio=1.0, use_vae=False, z_dim=256, norm_G="spectralspadesyncbatch3x3"):
        super().__init__()
        nf = ngf
        self.mode, self.use_vae, self.z_dim, self.nf = num_upsampling_layers, use_vae, z_dim, nf
        self.sw, self.sh = latent_size(crop_size, aspect_ratio, num_upsampling_layers)
        if use_vae:
            self.fc = nn.Linear(z_dim, 16 * nf * self.sw * self.sh)
        else:
            self.fc = nn.Conv2d(semantic_nc, 16 * nf, 3, padding=1)

        def block(fin, fout):
            return SPADEResnetBlock(fin, fout, norm_G, semantic_nc)

        self.head_0 = block(16 * nf, 16 * nf)
        self.G_middle_0 = block(16 * nf, 16 * nf)
        self.G_middle_1 = block(16 * nf, 16 * nf)
        self.up_0 = block(16 * nf, 8 * nf)
        self.up_1 = block(8 * nf, 4 * nf)
        self.up_2 = block(4 * nf, 2 * nf)
        self.up_3 = block(2 * nf, nf)
        last = nf
        if num_upsampling_layers == "most":
            self.up_4 = block(nf, nf // 2)
            last = nf // 2
        self.conv_img = nn.Conv2d(last, 3, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, seg, z=None):
        if self.use_vae:
            if z is None:  # the official draws it when none is given
                z = torch.randn(seg.shape[0], self.z_dim)
            x = self.fc(z).view(-1, 16 * self.nf, self.sh, self.sw)
        else:
            x = self.fc(F.interpolate(seg, size=(self.sh, self.sw)))
        x = self.head_0(x, seg)
        x = self.G_middle_0(self.up(x), seg)
        if self.mode in ("more", "most"):
            x = self.up(x)
        x = self.G_middle_1(x, seg)
        for name in ("up_0", "up_1", "up_2", "up_3") + (("up_4",) if self.mode == "most" else ()):
            x = getattr(self, name)(self.up(x), seg)
        return torch.tanh(self.conv_img(_lrelu(x)))


class ConvEncoder(nn.Module):
    """``norm_E="spectralinstance"`` (the official default) or ``"instance"``."""

    def __init__(self, ngf=64, crop_size=256, norm_E="spectralinstance", z_dim=256):
        super().__init__()
        sn = _sn if norm_E.startswith("spectral") else (lambda m: m)
        ndf = ngf
        widths = [3, ndf, 2 * ndf, 4 * ndf, 8 * ndf, 8 * ndf, 8 * ndf]
        self.n_layers = 6 if crop_size >= 256 else 5
        for i in range(1, self.n_layers + 1):
            conv = sn(nn.Conv2d(widths[i - 1], widths[i], 3, stride=2, padding=1, bias=False))
            setattr(self, f"layer{i}", nn.Sequential(conv, nn.InstanceNorm2d(widths[i], affine=False)))
        self.fc_mu = nn.Linear(8 * ndf * 16, z_dim)  # the official hard-codes 256 outputs
        self.fc_var = nn.Linear(8 * ndf * 16, z_dim)

    def forward(self, x):
        if tuple(x.shape[2:]) != (256, 256):
            x = F.interpolate(x, size=(256, 256), mode="bilinear", align_corners=False)
        x = self.layer1(x)
        for i in range(2, self.n_layers + 1):
            x = getattr(self, f"layer{i}")(_lrelu(x))
        x = _lrelu(x).reshape(x.shape[0], -1)
        return self.fc_mu(x), self.fc_var(x)


# ----------------------------------------------------------------------------- test utilities
def count_parameters(module):
    """What the official ``print_network`` counts: every parameter (spectral norm's u, v and
    the BN statistics are buffers)."""
    return sum(p.numel() for p in module.parameters())


@torch.no_grad()
def init_weights_(module, gain=0.02):
    """The official ``init_weights("xavier", 0.02)``: every Conv / Linear weight (the
    ``weight_orig`` under spectral norm) Xavier normal with gain 0.02, biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = m.weight_orig if hasattr(m, "weight_orig") else m.weight
            nn.init.xavier_normal_(w, gain=gain)
            if m.bias is not None:
                m.bias.zero_()
    return module


@torch.no_grad()
def randomize_(module, seed):
    """Seeded random values in every parameter and buffer, so that no zero bias, unit
    variance or near-1 sigma can hide a loading error:

    * weights normal with std ``1 / sqrt(fan_in)`` (``weight_orig`` also scaled by 2 or 1/2,
      so that sigma is far from 1); biases uniform +-0.2;
    * BN ``running_mean`` normal(0, 0.3), ``running_var`` uniform [0.5, 2];
    * spectral norm's u, v: three power iterations from a random u (a positive sigma).
    """
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = m.weight_orig if hasattr(m, "weight_orig") else m.weight
            std = 1.0 / np.sqrt(w[0].numel())
            if hasattr(m, "weight_orig"):
                std *= 2.0 if torch.rand((), generator=g) < 0.5 else 0.5
            w.copy_(torch.randn(w.shape, generator=g) * std)
            if m.bias is not None:
                m.bias.copy_(torch.rand(m.bias.shape, generator=g) * 0.4 - 0.2)
            if hasattr(m, "weight_u"):
                mat = w.reshape(w.shape[0], -1)
                u = F.normalize(torch.randn(m.weight_u.shape, generator=g), dim=0)
                for _ in range(3):
                    v = F.normalize(mat.t() @ u, dim=0)
                    u = F.normalize(mat @ v, dim=0)
                m.weight_u.copy_(u)
                m.weight_v.copy_(v)
        elif isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.3)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) * 1.5 + 0.5)
            m.num_batches_tracked.fill_(7)
    return module
