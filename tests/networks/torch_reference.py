"""PyTorch reference networks for the tests that compare our Keras super-resolution networks
with the official code numerically (tests/networks/torch_convert_test.py) and for
benchmarks/sr_speed.py. A helper module: no tests in here.

Written from the official architectures, independently of ``keras_gans``:

* :class:`RRDBNet` - BasicSR ``basicsr/archs/rrdbnet_arch.py`` (``ResidualDenseBlock``,
  ``RRDB``, ``RRDBNet``) with ``basicsr/archs/arch_util.py``'s ``pixel_unshuffle`` for the
  scale 2 / 1 input.
* :class:`MSRResNet` - BasicSR ``basicsr/archs/srresnet_arch.py`` with ``arch_util.py``'s
  ``ResidualBlockNoBN`` (``res_scale`` 1).
* :class:`VGGStyleDiscriminator` - BasicSR ``basicsr/archs/discriminator_arch.py``.
* :class:`UNetDiscriminatorSN` - Real-ESRGAN ``realesrgan/archs/discriminator_arch.py`` (the same
  as BasicSR's copy), spectrally normalised with ``torch.nn.utils.spectral_norm``.

The submodules are registered under the official attribute names and in the official order, so
``state_dict()`` has exactly the keys and shapes of the released checkpoints (``conv_first.weight``,
``body.0.rdb1.conv1.weight``, ..., ``conv_last.bias``; ``conv1.weight_orig``, ``conv1.weight_u``,
``conv1.weight_v`` for the spectrally normalised convolutions). The initialisation follows the
official code too (BasicSR's ``default_init_weights(..., 0.1)`` where the official code calls it,
PyTorch's defaults elsewhere); the tests overwrite it with :func:`randomize_` anyway, so that
zero biases or unit BN statistics cannot hide a loading error.
"""

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "MSRResNet",
    "RRDBNet",
    "UNetDiscriminatorSN",
    "VGGStyleDiscriminator",
    "cloned_state_dict",
    "eval_forward",
    "numpy_state_dict",
    "pixel_unshuffle",
    "randomize_",
]


# ----------------------------------------------------------------------------- helpers
@torch.no_grad()
def _scaled_kaiming_(convs, scale=0.1):
    """BasicSR's ``default_init_weights(convs, scale)``: Kaiming normal (fan-in, gain sqrt(2))
    multiplied by ``scale``, biases zero."""
    for conv in convs:
        nn.init.kaiming_normal_(conv.weight)
        conv.weight.mul_(scale)
        if conv.bias is not None:
            conv.bias.zero_()


def pixel_unshuffle(x, factor):
    """Space to depth in PyTorch's channel order: ``[B, C, H*r, W*r] -> [B, C*r*r, H, W]`` with
    output channel ``c*r*r + i*r + j`` taken from pixel ``(h*r + i, w*r + j)`` of channel c."""
    b, c, hr, wr = x.shape
    if hr % factor or wr % factor:
        raise ValueError(f"pixel_unshuffle({factor}) needs H and W divisible by {factor}; "
                         f"received {tuple(x.shape)}.")
    h, w = hr // factor, wr // factor
    x = x.reshape(b, c, h, factor, w, factor)
    return x.permute(0, 1, 3, 5, 2, 4).reshape(b, c * factor * factor, h, w)


def _lrelu(x, slope=0.2):
    return F.leaky_relu(x, negative_slope=slope)


# ----------------------------------------------------------------------------- RRDBNet
class _DenseBlock(nn.Module):
    """ESRGAN's residual dense block: conv1..conv4 (growth channels, each seeing the block input
    and every earlier output concatenated in that order) with LeakyReLU 0.2, conv5 back to
    ``num_feat`` without activation, and ``0.2 * conv5 + input``."""

    def __init__(self, num_feat, num_grow_ch):
        super().__init__()
        for k in range(1, 5):
            setattr(self, f"conv{k}", nn.Conv2d(num_feat + (k - 1) * num_grow_ch, num_grow_ch,
                                                3, 1, 1))
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)
        _scaled_kaiming_([getattr(self, f"conv{k}") for k in range(1, 6)], 0.1)

    def forward(self, x):
        features = [x]
        for k in range(1, 5):
            features.append(_lrelu(getattr(self, f"conv{k}")(torch.cat(features, dim=1))))
        return self.conv5(torch.cat(features, dim=1)) * 0.2 + x


class _RRDB(nn.Module):
    """Three dense blocks in a row, then ``0.2 * result + input``."""

    def __init__(self, num_feat, num_grow_ch):
        super().__init__()
        self.rdb1 = _DenseBlock(num_feat, num_grow_ch)
        self.rdb2 = _DenseBlock(num_feat, num_grow_ch)
        self.rdb3 = _DenseBlock(num_feat, num_grow_ch)

    def forward(self, x):
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    """BasicSR's ``RRDBNet(num_in_ch, num_out_ch, scale, num_feat, num_block, num_grow_ch)``.

    Scale 4 works on the image itself; scale 2 / 1 pixel-unshuffle it by 2 / 4 first (so
    ``conv_first`` sees 4 / 16 times the channels). Then ``conv_first``, ``num_block`` RRDBs
    (``body``), ``conv_body`` plus the long skip from ``conv_first``'s output, two
    [nearest-neighbour x2 -> ``conv_up{1,2}`` -> LeakyReLU 0.2], ``conv_hr`` -> LeakyReLU 0.2 ->
    ``conv_last``.
    """

    def __init__(self, num_in_ch, num_out_ch, scale=4, num_feat=64, num_block=23, num_grow_ch=32):
        super().__init__()
        if scale not in (1, 2, 4):
            raise ValueError(f"scale must be 1, 2 or 4; received {scale!r}.")
        self.scale = scale
        self.unshuffle = {4: 1, 2: 2, 1: 4}[scale]
        in_ch = num_in_ch * self.unshuffle ** 2
        self.conv_first = nn.Conv2d(in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[_RRDB(num_feat, num_grow_ch) for _ in range(num_block)])
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)

    def forward(self, x):
        if self.unshuffle > 1:
            x = pixel_unshuffle(x, self.unshuffle)
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        for conv in (self.conv_up1, self.conv_up2):
            feat = _lrelu(conv(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(_lrelu(self.conv_hr(feat)))


# ----------------------------------------------------------------------------- MSRResNet
class _ResidualBlockNoBN(nn.Module):
    """``conv2(relu(conv1(x))) + x`` (BasicSR's ``ResidualBlockNoBN`` with res_scale 1)."""

    def __init__(self, num_feat):
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        _scaled_kaiming_([self.conv1, self.conv2], 0.1)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(x)))


class MSRResNet(nn.Module):
    """BasicSR's ``MSRResNet(num_in_ch, num_out_ch, num_feat, num_block, upscale)``.

    ``conv_first`` + LeakyReLU 0.1, ``num_block`` residual blocks (``body``), then for x4 two
    [``upconv{1,2}`` to 4 * num_feat -> pixel shuffle 2 -> LeakyReLU 0.1], for x2 / x3 one
    [``upconv1`` to scale^2 * num_feat -> pixel shuffle by the scale -> LeakyReLU 0.1],
    ``conv_hr`` + LeakyReLU 0.1, ``conv_last``, plus the input enlarged bilinearly
    (``align_corners=False``).
    """

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_block=16, upscale=4):
        super().__init__()
        if upscale not in (2, 3, 4):
            raise ValueError(f"upscale must be 2, 3 or 4; received {upscale!r}.")
        self.upscale = upscale
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[_ResidualBlockNoBN(num_feat) for _ in range(num_block)])
        step = 2 if upscale == 4 else upscale
        self.upconv1 = nn.Conv2d(num_feat, num_feat * step * step, 3, 1, 1)
        if upscale == 4:
            self.upconv2 = nn.Conv2d(num_feat, num_feat * step * step, 3, 1, 1)
        self.pixel_shuffle = nn.PixelShuffle(step)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        _scaled_kaiming_([self.conv_first, self.upconv1, self.conv_hr, self.conv_last]
                         + ([self.upconv2] if upscale == 4 else []), 0.1)

    def forward(self, x):
        out = self.body(_lrelu(self.conv_first(x), 0.1))
        ups = [self.upconv1] + ([self.upconv2] if self.upscale == 4 else [])
        for conv in ups:
            out = _lrelu(self.pixel_shuffle(conv(out)), 0.1)
        out = self.conv_last(_lrelu(self.conv_hr(out), 0.1))
        base = F.interpolate(x, scale_factor=self.upscale, mode="bilinear", align_corners=False)
        return out + base


# ----------------------------------------------------------------------------- discriminators
class VGGStyleDiscriminator(nn.Module):
    """BasicSR's ``VGGStyleDiscriminator(num_in_ch, num_feat, input_size)`` (128 or 256).

    ``conv0_0`` (3x3, bias) + LeakyReLU 0.2; ``conv0_1`` (4x4 stride 2) + ``bn0_1``; then per
    stage i = 1..4 (..5 at 256) ``conv{i}_0`` 3x3 and ``conv{i}_1`` 4x4 stride 2 (no bias), each
    followed by ``bn{i}_{j}``, every BN by LeakyReLU 0.2; the NCHW 4x4 map flattened,
    ``linear1`` to 100 + LeakyReLU 0.2, ``linear2`` to one logit.
    """

    def __init__(self, num_in_ch, num_feat, input_size=128):
        super().__init__()
        if input_size not in (128, 256):
            raise ValueError(f"input_size must be 128 or 256; received {input_size!r}.")
        self.input_size = input_size
        self.conv0_0 = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1, bias=True)
        self.conv0_1 = nn.Conv2d(num_feat, num_feat, 4, 2, 1, bias=False)
        self.bn0_1 = nn.BatchNorm2d(num_feat, affine=True)
        widths = [1, 2, 4, 8, 8] + ([8] if input_size == 256 else [])
        self.num_stages = len(widths)
        for i in range(1, self.num_stages):
            cin, cout = num_feat * widths[i - 1], num_feat * widths[i]
            setattr(self, f"conv{i}_0", nn.Conv2d(cin, cout, 3, 1, 1, bias=False))
            setattr(self, f"bn{i}_0", nn.BatchNorm2d(cout, affine=True))
            setattr(self, f"conv{i}_1", nn.Conv2d(cout, cout, 4, 2, 1, bias=False))
            setattr(self, f"bn{i}_1", nn.BatchNorm2d(cout, affine=True))
        self.linear1 = nn.Linear(num_feat * 8 * 4 * 4, 100)
        self.linear2 = nn.Linear(100, 1)

    def forward(self, x):
        if x.shape[2] != self.input_size or x.shape[3] != self.input_size:
            raise ValueError(f"input must be {self.input_size}x{self.input_size}; received "
                             f"{tuple(x.shape)}.")
        feat = _lrelu(self.conv0_0(x))
        feat = _lrelu(self.bn0_1(self.conv0_1(feat)))
        for i in range(1, self.num_stages):
            for j in (0, 1):
                feat = _lrelu(getattr(self, f"bn{i}_{j}")(getattr(self, f"conv{i}_{j}")(feat)))
        feat = _lrelu(self.linear1(feat.flatten(1)))
        return self.linear2(feat)


class UNetDiscriminatorSN(nn.Module):
    """Real-ESRGAN's ``UNetDiscriminatorSN(num_in_ch, num_feat, skip_connection)``.

    ``conv0`` 3x3 (bias); ``conv1..3`` 4x4 stride 2; ``conv4..6`` 3x3, each after a bilinear x2
    (``align_corners=False``) and followed (after its LeakyReLU) by the encoder feature of the
    same size when ``skip_connection``; ``conv7``, ``conv8`` 3x3; ``conv9`` 3x3 to one channel
    (bias). Every convolution but the last is followed by LeakyReLU 0.2; ``conv1..conv8`` have no
    bias and are wrapped in ``torch.nn.utils.spectral_norm`` (keys ``weight_orig``,
    ``weight_u``, ``weight_v``).
    """

    def __init__(self, num_in_ch, num_feat=64, skip_connection=True):
        super().__init__()
        self.skip_connection = skip_connection
        sn = nn.utils.spectral_norm
        nf = num_feat
        self.conv0 = nn.Conv2d(num_in_ch, nf, kernel_size=3, stride=1, padding=1)
        self.conv1 = sn(nn.Conv2d(nf, nf * 2, 4, 2, 1, bias=False))
        self.conv2 = sn(nn.Conv2d(nf * 2, nf * 4, 4, 2, 1, bias=False))
        self.conv3 = sn(nn.Conv2d(nf * 4, nf * 8, 4, 2, 1, bias=False))
        self.conv4 = sn(nn.Conv2d(nf * 8, nf * 4, 3, 1, 1, bias=False))
        self.conv5 = sn(nn.Conv2d(nf * 4, nf * 2, 3, 1, 1, bias=False))
        self.conv6 = sn(nn.Conv2d(nf * 2, nf, 3, 1, 1, bias=False))
        self.conv7 = sn(nn.Conv2d(nf, nf, 3, 1, 1, bias=False))
        self.conv8 = sn(nn.Conv2d(nf, nf, 3, 1, 1, bias=False))
        self.conv9 = nn.Conv2d(nf, 1, 3, 1, 1)

    def forward(self, x):
        x0 = _lrelu(self.conv0(x))
        x1 = _lrelu(self.conv1(x0))
        x2 = _lrelu(self.conv2(x1))
        x = _lrelu(self.conv3(x2))
        for conv, skip in ((self.conv4, x2), (self.conv5, x1), (self.conv6, x0)):
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = _lrelu(conv(x))
            if self.skip_connection:
                x = x + skip
        x = _lrelu(self.conv7(x))
        x = _lrelu(self.conv8(x))
        return self.conv9(x)


# ----------------------------------------------------------------------------- test utilities
@torch.no_grad()
def randomize_(module, seed, gain=1.0):
    """Overwrites every parameter and buffer of ``module`` with seeded random values, in place.

    * Convolution / Linear weights (``weight`` or spectral norm's ``weight_orig``): normal with
      std ``gain / sqrt(fan_in)``, so activations keep their scale through a deep network. Such
      a matrix has a spectral norm near 1, which would hide a missing division by sigma, so
      ``weight_orig`` is further multiplied by a random factor in [1.5, 3] or its inverse
      (PyTorch's eval output does not depend on that factor).
    * Biases: uniform in +-0.2 (never zero, unlike BasicSR's init, so a dropped bias shows).
    * BatchNorm: weight uniform [0.5, 1.5], bias uniform +-0.2, ``running_mean`` normal(0, 0.2),
      ``running_var`` uniform [0.5, 2], ``num_batches_tracked`` a random count.
    * Spectral norm's ``weight_u`` / ``weight_v``: one power iteration from a random u, as one
      training forward pass of PyTorch leaves them (``v = normalize(W^T u0)``,
      ``u = normalize(W v)``); then ``u . W v`` is a positive estimate of the spectral norm
      but not yet the converged one.

    Returns ``module``.
    """
    g = torch.Generator().manual_seed(seed)

    def normal(shape, std):
        return torch.randn(shape, generator=g) * std

    def uniform(shape, lo, hi):
        return torch.rand(shape, generator=g) * (hi - lo) + lo

    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = m.weight_orig if hasattr(m, "weight_orig") else m.weight
            std = gain / math.sqrt(w[0].numel())
            if hasattr(m, "weight_orig"):  # keep sigma away from 1, so the division shows
                factor = float(uniform((), 1.5, 3.0))
                std *= factor if torch.rand((), generator=g) < 0.5 else 1.0 / factor
            w.copy_(normal(w.shape, std))
            if m.bias is not None:
                m.bias.copy_(uniform(m.bias.shape, -0.2, 0.2))
            if hasattr(m, "weight_u"):
                w_mat = w.reshape(w.shape[0], -1)
                u0 = F.normalize(normal(m.weight_u.shape, 1.0), dim=0)
                v = F.normalize(w_mat.t() @ u0, dim=0)
                m.weight_v.copy_(v)
                m.weight_u.copy_(F.normalize(w_mat @ v, dim=0))
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.copy_(uniform(m.weight.shape, 0.5, 1.5))
            m.bias.copy_(uniform(m.bias.shape, -0.2, 0.2))
            m.running_mean.copy_(normal(m.running_mean.shape, 0.2))
            m.running_var.copy_(uniform(m.running_var.shape, 0.5, 2.0))
            m.num_batches_tracked.fill_(int(torch.randint(1, 100_000, (1,), generator=g)))
    return module


def numpy_state_dict(module):
    """``{key: np.ndarray}`` copies of ``module.state_dict()``."""
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def cloned_state_dict(module):
    """``{key: torch.Tensor}`` detached copies of ``module.state_dict()`` (what torch.save and
    safetensors.torch.save_file are given)."""
    return {k: v.detach().clone().contiguous() for k, v in module.state_dict().items()}


@torch.no_grad()
def eval_forward(module, x_nchw):
    """``module.eval()(x)`` on a NumPy NCHW float32 array; returns NumPy (NCHW for images)."""
    module.eval()
    return module(torch.from_numpy(np.ascontiguousarray(x_nchw, np.float32))).numpy()
