"""Load the authors' released PyTorch checkpoints into the super-resolution networks (issue 12,
item 3, "Official weights").

* :func:`load_state_dict` assigns a PyTorch ``state_dict`` (key -> NumPy array, PyTorch shapes)
  to a Keras model built by :mod:`keras_gans.networks.super_resolution`, by that module's
  naming rule: the key ``<prefix>.<suffix>`` goes to the layer named ``prefix`` with every ``.``
  replaced by ``_``, and the suffix picks the weight:

  ==========================  ===========================  ==================================
  Keras layer                 PyTorch suffix               Keras weight (layout change)
  ==========================  ===========================  ==================================
  ``Conv2D``                  ``weight`` (O, I, kh, kw)    ``kernel`` (kh, kw, I, O)
                              ``bias`` (O,)                ``bias``
  ``Dense``                   ``weight`` (O, I)            ``kernel`` (I, O)
                              ``bias`` (O,)                ``bias``
  ``BatchNormalization``      ``weight``, ``bias``         ``gamma``, ``beta``
                              ``running_mean``,            ``moving_mean``,
                              ``running_var``              ``moving_variance``
                              ``num_batches_tracked``      (accepted and dropped)
  ``PReLU``                   ``weight`` (n,)              ``alpha`` reshaped (e.g. (1, 1, 1))
  ``SpectralNormalization``   ``weight_orig``              wrapped layer's ``kernel`` (as above)
                              ``weight_u`` (O,)            ``vector_u`` (1, O)
                              ``weight_v`` (N,)            (shape-checked, otherwise dropped)
                              ``bias``                     wrapped layer's ``bias``
  ==========================  ===========================  ==================================

  Spectral norm. ``torch.nn.utils.spectral_norm`` stores the unnormalised weight as
  ``weight_orig`` and the power-iteration vectors as buffers: ``weight_u`` of length O (the
  left singular vector of ``weight_orig.reshape(O, -1)``) and ``weight_v`` of length
  ``I * kh * kw``. Keras' ``SpectralNormalization`` keeps the unnormalised kernel in the wrapped
  layer and ``vector_u`` of shape ``(1, O)``, multiplying it by ``kernel.reshape(-1, O)``; that
  is the same O-dimensional vector, so ``weight_u`` is only reshaped. Keras recomputes v from u
  and has no slot for ``weight_v``. One difference remains: PyTorch's eval mode uses
  ``weight_orig / sigma`` (sigma from the stored u and v), while Keras' inference call uses the
  kernel as it is (only a training call normalises it). The default
  ``spectral_norm="weight_orig"`` loads the checkpoint for further training (the next training
  call normalises, as PyTorch's would); ``spectral_norm="eval"`` writes PyTorch's eval-mode
  weight ``weight_orig / (u . (W v))`` into the kernel instead, so that inference matches
  PyTorch's ``model.eval()`` outputs.

  Nothing is assigned unless the whole state dict checks out (mis-shaped keys always raise, as
  in PyTorch; with ``strict`` missing and unexpected keys raise too).
* :func:`read_checkpoint` reads ``.safetensors`` (``safetensors.numpy``, no torch needed) and
  ``.pth`` / ``.pt`` files (``torch.load(..., weights_only=True)``, torch optional), unwraps
  BasicSR / Real-ESRGAN's ``{"params_ema": ..., "params": ...}`` and renames the original ESRGAN
  repository's old keys to BasicSR's, as BasicSR's ``scripts/model_conversion/convert_models.py``
  (``convert_esrgan_model``) does.
* :func:`load_official` builds the network of a released model (:data:`OFFICIAL_MODELS`) and
  loads its file.
"""

import collections
import collections.abc
import os

import numpy as np
from keras import layers

from keras_gans.networks.super_resolution import msrresnet, rrdbnet

__all__ = [
    "OFFICIAL_MODELS",
    "LoadResult",
    "load_official",
    "load_state_dict",
    "read_checkpoint",
    "rename_old_esrgan_keys",
    "unwrap_checkpoint",
]

LoadResult = collections.namedtuple("LoadResult", ["missing_keys", "unexpected_keys"])
LoadResult.__doc__ = """What :func:`load_state_dict` left out: ``missing_keys`` (PyTorch-style
names of Keras weights nothing was assigned to) and ``unexpected_keys`` (state-dict keys not
used), both in order."""


# ----------------------------------------------------------------------------- per-layer rules
class _Slot:
    """One PyTorch parameter of a layer: its Keras variable (None: accepted and dropped), the
    PyTorch shape it must have (None: any) and the layout change to Keras."""

    def __init__(self, variable, torch_shape, to_keras, required=True):
        self.variable = variable
        self.torch_shape = None if torch_shape is None else tuple(torch_shape)
        self.to_keras = to_keras
        self.required = required


def _conv_kernel_slot(kernel):
    kh, kw, i, o = kernel.shape
    return _Slot(kernel, (o, i, kh, kw), lambda a: np.transpose(a, (2, 3, 1, 0)))


def _dense_kernel_slot(kernel):
    i, o = kernel.shape
    return _Slot(kernel, (o, i), lambda a: np.transpose(a))


def _same_slot(variable):
    return _Slot(variable, tuple(variable.shape), lambda a: a)


def _transposed_kernel_slot(kernel):
    kh, kw, o, i = kernel.shape  # Keras Conv2DTranspose: (kh, kw, out, in); torch: (in, out, kh, kw)
    return _Slot(kernel, (i, o, kh, kw), lambda a: np.transpose(a, (2, 3, 1, 0)))


def _kernel_and_bias(layer):
    if isinstance(layer, layers.Conv2DTranspose):
        slots = {"weight": _transposed_kernel_slot(layer.kernel)}
    elif isinstance(layer, layers.Conv2D):
        slots = {"weight": _conv_kernel_slot(layer.kernel)}
    elif isinstance(layer, layers.Dense):
        slots = {"weight": _dense_kernel_slot(layer.kernel)}
    else:
        return None
    if layer.use_bias:
        slots["bias"] = _same_slot(layer.bias)
    return slots


def _layer_slots(layer):
    """PyTorch suffix -> _Slot for a layer with weights; None for a layer type with no rule."""
    if isinstance(layer, layers.SpectralNormalization):
        inner = _kernel_and_bias(layer.layer)
        if inner is None or not hasattr(layer, "vector_u"):
            return None
        slots = {"weight_orig": inner.pop("weight"), **inner}
        (o,) = layer.vector_u.shape[1:]
        n = int(np.prod(layer.kernel.shape[:-1]))
        slots["weight_u"] = _Slot(layer.vector_u, (o,), lambda a: np.reshape(a, (1, o)))
        slots["weight_v"] = _Slot(None, (n,), None, required=False)
        return slots
    slots = _kernel_and_bias(layer)
    if slots is not None:
        return slots
    if isinstance(layer, layers.BatchNormalization):
        slots = {}
        if layer.scale:
            slots["weight"] = _same_slot(layer.gamma)
        if layer.center:
            slots["bias"] = _same_slot(layer.beta)
        slots["running_mean"] = _same_slot(layer.moving_mean)
        slots["running_var"] = _same_slot(layer.moving_variance)
        slots["num_batches_tracked"] = _Slot(None, None, None, required=False)
        return slots
    if isinstance(layer, layers.PReLU):
        shape = tuple(layer.alpha.shape)
        return {"weight": _Slot(layer.alpha, (int(np.prod(shape)),),
                                lambda a: np.reshape(a, shape))}
    return None


# ----------------------------------------------------------------------------- load_state_dict
def _shape(value):
    return tuple(np.shape(value))


def _module_prefixes(keys):
    """Every dotted module path of the keys (``a.b.c.weight`` -> ``a``, ``a.b``, ``a.b.c``)."""
    out = set()
    for key in keys:
        parts = key.split(".")[:-1]
        out.update(".".join(parts[:j]) for j in range(1, len(parts) + 1))
    return out


def _guess_torch_prefix(layer_name, known):
    """The PyTorch module path a Keras layer name most likely came from: ``.`` -> ``_`` loses
    information, so among the ways of turning ``_`` back into ``.`` pick the one whose parent
    modules occur most in the state dict (``body_0_rdb1_conv1`` -> ``body.0.rdb1.conv1`` when
    ``body.0.rdb1`` is there), then the one with fewest dots."""
    parts = layer_name.split("_")
    if len(parts) == 1 or len(parts) > 10:
        return layer_name
    best = None
    for mask in range(2 ** (len(parts) - 1)):
        cand = parts[0]
        for j, part in enumerate(parts[1:]):
            cand += ("." if mask >> j & 1 else "_") + part
        comps = cand.split(".")
        score = 0
        for j in range(1, len(comps)):
            if ".".join(comps[:j]) not in known:
                break
            score += 1
        rank = (score, -cand.count("."))
        if best is None or rank > best[0]:
            best = (rank, cand)
    return best[1]


def _describe(items, what, fmt):
    """``what`` has a ``{s}`` for the plural ending: "2 keys missing; the first: ... (and 1
    other)"."""
    others = len(items) - 1
    tail = f" (and {others} other{'s' if others != 1 else ''})" if others else ""
    head = what.format(s="s" if len(items) != 1 else "")
    return f"{len(items)} {head}; the first: {fmt(items[0])}{tail}"


def _converted_layers(model):
    """Keras layer path -> (layer, slots) for every layer with weights: a top-level layer by its
    name; the sub-layers of a composite layer with no rule of its own (e.g.
    :class:`keras_gans.layers.spade.SPADE`) as ``"<layer>/<sub-layer>"``."""
    out = {}
    for layer in model.layers:
        if not layer.weights:
            continue
        slots = _layer_slots(layer)
        subs = [] if slots is not None else [
            sub for sub in layer._flatten_layers(include_self=False, recursive=False) if sub.weights]
        if slots is None and subs and sum(len(sub.weights) for sub in subs) == len(layer.weights):
            for sub in subs:
                out[f"{layer.name}/{sub.name}"] = (sub, _layer_slots(sub))
        else:
            out[layer.name] = (layer, slots)
    return out


def load_state_dict(model, state_dict, strict=True, spectral_norm="weight_orig", rename=None):
    """Assigns a PyTorch ``state_dict`` to ``model`` by the naming rule (module docstring).

    Args:
        model: a Keras model whose layer names are the PyTorch module paths with ``.`` -> ``_``
            (the builders of :mod:`keras_gans.networks.super_resolution`), or any model with a
            ``rename``.
        state_dict: mapping PyTorch key -> array in PyTorch layout (NumPy arrays; anything
            ``np.asarray`` accepts). Unwrap ``params_ema`` / ``params`` first
            (:func:`read_checkpoint` / :func:`unwrap_checkpoint` do).
        strict: raise if a key of ``state_dict`` is not used, or a Keras weight (trainable,
            BN statistic, spectral-norm ``vector_u``) gets no value.
        spectral_norm: ``"weight_orig"`` (default: the unnormalised weight into the kernel) or
            ``"eval"`` (PyTorch's eval-mode ``weight_orig / sigma``; needs ``weight_v``).
        rename: PyTorch module path (the key without its last part) -> Keras layer path, or
            None for a module with no Keras layer; a sub-layer of a composite layer is
            ``"<layer>/<sub-layer>"``. None: the naming rule (``.`` -> ``_``).
            :mod:`keras_gans.networks.convert_translation` has the rules of pix2pixHD and SPADE.

    Returns:
        :class:`LoadResult` ``(missing_keys, unexpected_keys)``; both empty after a strict load.

    Raises:
        ValueError: naming, per kind of problem (mis-shaped, missing, unexpected key), the
            first offending key with its expected and received PyTorch shapes and how many
            others there are. Mis-shaped keys raise even without ``strict``. Nothing is
            assigned when it raises.
    """
    if spectral_norm not in ("weight_orig", "eval"):
        raise ValueError(f'spectral_norm must be "weight_orig" or "eval"; received '
                         f"{spectral_norm!r}.")
    if not isinstance(state_dict, collections.abc.Mapping):
        raise ValueError(f"state_dict must be a mapping key -> array; received "
                         f"{type(state_dict).__name__}.")
    for wrapper in ("params_ema", "params"):
        if isinstance(state_dict.get(wrapper), collections.abc.Mapping):
            raise ValueError(f"state_dict is wrapped in {wrapper!r}; unwrap it first "
                             "(read_checkpoint / unwrap_checkpoint pick params_ema, else params).")

    by_name = _converted_layers(model)
    to_keras = (lambda prefix: prefix.replace(".", "_")) if rename is None else rename

    assignments = []  # (variable, keras value)
    filled = set()  # id(variable)
    used_slots = {}  # layer name -> {suffix: array}
    unexpected, mismatched = [], []
    for key, value in state_dict.items():
        prefix, _, suffix = key.rpartition(".")
        target = to_keras(prefix) if prefix else None
        entry = by_name.get(target) if target else None
        slot = entry[1].get(suffix) if entry is not None and entry[1] is not None else None
        if slot is None:
            if entry is None:
                why = (f"no Keras layer named {target!r}" if target else
                       f"module {prefix!r} has no Keras layer")
            elif entry[1] is None:
                why = (f"layer {entry[0].name!r} ({type(entry[0]).__name__}) has no conversion "
                       "rule")
            else:
                why = (f"layer {entry[0].name!r} ({type(entry[0]).__name__}) takes only "
                       f"{sorted(entry[1])}")
            unexpected.append((key, _shape(value), why))
            continue
        value = np.asarray(value)
        if slot.torch_shape is not None and value.shape != slot.torch_shape:
            mismatched.append((key, slot.torch_shape, value.shape))
            continue
        used_slots.setdefault(entry[0].name, {})[suffix] = value
        if slot.variable is not None:
            assignments.append([slot.variable, slot.to_keras(value), entry[0], suffix])
            filled.add(id(slot.variable))

    known = _module_prefixes(state_dict)
    if rename is None:
        guess = lambda name: _guess_torch_prefix(name, known)  # noqa: E731
    else:
        inverse = {to_keras(p): p for p in known}
        guess = lambda name: inverse.get(name, f"<the module of Keras layer {name}>")  # noqa: E731
    missing = []  # (guessed key, keras weight path, expected torch shape)
    for name, (layer, slots) in by_name.items():
        if slots is None:
            for var in layer.weights:
                if id(var) not in filled:
                    missing.append((f"{guess(name)}.{var.name}",
                                    f"{name}/{var.name} ({type(layer).__name__}: no conversion "
                                    "rule)", tuple(var.shape)))
            continue
        for suffix, slot in slots.items():
            if slot.variable is not None and id(slot.variable) not in filled:
                missing.append((f"{guess(name)}.{suffix}",
                                f"{name}/{slot.variable.name}", slot.torch_shape))

    if spectral_norm == "eval" and not mismatched:  # mis-shaped keys are reported first, below
        for var_value in assignments:
            var, _, layer, suffix = var_value
            if isinstance(layer, layers.SpectralNormalization) and suffix == "weight_orig":
                got = used_slots[layer.name]
                if "weight_u" not in got or "weight_v" not in got:
                    raise ValueError(f'spectral_norm="eval" needs weight_u and weight_v of '
                                     f"layer {layer.name!r}; the state dict lacks "
                                     f"{sorted({'weight_u', 'weight_v'} - set(got))}.")
                w = got["weight_orig"].astype(np.float64)
                sigma = float(got["weight_u"] @ (w.reshape(w.shape[0], -1) @ got["weight_v"]))
                var_value[1] = var_value[1] / sigma

    problems = []
    if mismatched:
        problems.append(_describe(
            mismatched, "mis-shaped key{s}",
            lambda m: f"{m[0]!r}: expected PyTorch shape {m[1]}, received {m[2]}"))
    if strict and missing:
        problems.append(_describe(
            missing, "key{s} missing from the state dict",
            lambda m: f"{m[0]!r} (Keras weight {m[1]}): expected PyTorch shape {m[2]}, "
                      "received nothing"))
    if strict and unexpected:
        problems.append(_describe(
            unexpected, "unexpected key{s} in the state dict",
            lambda u: f"{u[0]!r}: expected nothing ({u[2]}), received shape {u[1]}"))
    if problems:
        raise ValueError(f"Cannot load the state dict into {model.name!r}: "
                         + "; ".join(problems) + ".")

    for var, value, _, _ in assignments:
        var.assign(value.astype(var.dtype))
    return LoadResult([m[0] for m in missing], [u[0] for u in unexpected])


# ----------------------------------------------------------------------------- checkpoints
_OLD_ESRGAN = (  # xinntao/ESRGAN RRDBNet_arch.py -> BasicSR RRDBNet (convert_esrgan_model)
    ("trunk_conv.", "conv_body."),
    ("upconv1.", "conv_up1."),
    ("upconv2.", "conv_up2."),
    ("HRconv.", "conv_hr."),
)


def rename_old_esrgan_keys(state_dict):
    """Renames the original ESRGAN repository's keys (``RRDB_ESRGAN_x4.pth``,
    ``RRDB_PSNR_x4.pth``) to BasicSR's: ``RRDB_trunk.N.RDBk.convj`` -> ``body.N.rdbk.convj``,
    ``trunk_conv`` -> ``conv_body``, ``upconv1/2`` -> ``conv_up1/2``, ``HRconv`` -> ``conv_hr``;
    ``conv_first`` / ``conv_last`` keep their names. A dict without ``RRDB_trunk.`` keys is
    returned unchanged (MSRResNet's own ``upconv1`` must stay). Returns a new dict."""
    if not any(k.startswith("RRDB_trunk.") for k in state_dict):
        return dict(state_dict)
    out = {}
    for key, value in state_dict.items():
        new = key
        if key.startswith("RRDB_trunk."):
            parts = key.split(".")
            new = ".".join(["body", parts[1]] + [p.replace("RDB", "rdb", 1) if p.startswith("RDB")
                                                 else p for p in parts[2:]])
        else:
            for old, crt in _OLD_ESRGAN:
                if key.startswith(old):
                    new = crt + key[len(old):]
        if new in out:
            raise ValueError(f"Renaming old ESRGAN keys: {key!r} and another key both map to "
                             f"{new!r}.")
        out[new] = value
    return out


def _is_array(value):
    return hasattr(value, "shape") and hasattr(value, "dtype")


def unwrap_checkpoint(checkpoint, key=None):
    """Picks the state dict out of a loaded checkpoint.

    ``key=None``: ``params_ema`` when present (the EMA weights the authors evaluate), else
    ``params``, else the checkpoint itself. Wrappers are nested dicts (``.pth``) or flat key
    prefixes (``params_ema.conv_first.weight``, e.g. in a ``.safetensors`` file).

    Returns:
        ``(state_dict, which)``: which is ``"params_ema"``, ``"params"``, the given key or
        ``None`` (a bare state dict).
    """
    if not isinstance(checkpoint, collections.abc.Mapping):
        raise ValueError(f"A checkpoint must be a dict; received {type(checkpoint).__name__}.")

    def pick(name):
        if isinstance(checkpoint.get(name), collections.abc.Mapping):
            return dict(checkpoint[name])
        flat = {k[len(name) + 1:]: v for k, v in checkpoint.items() if k.startswith(name + ".")}
        return flat or None

    if key is not None:
        sd = pick(key)
        if sd is None:
            tops = sorted({k.split(".")[0] for k in checkpoint})
            raise ValueError(f"The checkpoint holds no {key!r}; its top-level keys: {tops}.")
        return sd, key
    for name in ("params_ema", "params"):
        sd = pick(name)
        if sd is not None:
            return sd, name
    nested = [k for k, v in checkpoint.items() if isinstance(v, collections.abc.Mapping)]
    if nested:
        raise ValueError(f"The checkpoint holds neither params_ema nor params but the dicts "
                         f"{nested}; pass key= to pick one.")
    return dict(checkpoint), None


def _to_numpy(value):
    if _is_array(value) and not isinstance(value, np.ndarray) and hasattr(value, "detach"):
        value = value.detach().cpu()
        if str(value.dtype) == "torch.bfloat16":
            value = value.float()
        return value.numpy()
    return np.asarray(value) if _is_array(value) else value


def read_checkpoint(path, key=None, rename_old_esrgan=True):
    """Reads a released checkpoint into ``{PyTorch key: np.ndarray}``.

    Args:
        path: ``.safetensors`` (read with ``safetensors.numpy``; no torch needed) or ``.pth`` /
            ``.pt`` (``torch.load(path, map_location="cpu", weights_only=True)``; needs
            ``pip install torch``).
        key: wrapper to use; ``None`` picks ``params_ema``, else ``params``, else the bare dict
            (:func:`unwrap_checkpoint`).
        rename_old_esrgan: rename the original ESRGAN repository's keys to BasicSR's
            (:func:`rename_old_esrgan_keys`).

    Returns:
        ``(state_dict, which)`` with which ``"params_ema"``, ``"params"``, ``key`` or ``None``
        (the file was a bare state dict).
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext == ".safetensors":
        try:
            from safetensors.numpy import load_file
        except ImportError as e:
            raise ImportError(f"Reading {path} needs the safetensors package: "
                              "pip install safetensors.") from e
        checkpoint = load_file(path)
    elif ext in (".pth", ".pt"):
        try:
            import torch
        except ImportError as e:
            raise ImportError(
                f"Reading the PyTorch checkpoint {path} needs torch, which is not installed: "
                "pip install torch (CPU build is enough), or convert the file to .safetensors "
                "where torch is available (safetensors.torch.save_file of its params_ema / "
                "params dict) and read that.") from e
        if not os.path.exists(path):
            raise FileNotFoundError(path)
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    else:
        raise ValueError(f"Unknown checkpoint format {ext or '(no extension)'!r} of {path}; "
                         "expected .safetensors, .pth or .pt.")
    state_dict, which = unwrap_checkpoint(checkpoint, key)
    bad = [k for k, v in state_dict.items() if not _is_array(v)]
    if bad:
        raise ValueError(f"{path} ({which or 'bare dict'}) is not a state dict: {bad[0]!r} "
                         f"holds a {type(state_dict[bad[0]]).__name__}, not a tensor.")
    state_dict = {k: _to_numpy(v) for k, v in state_dict.items()}
    if rename_old_esrgan:
        state_dict = rename_old_esrgan_keys(state_dict)
    return state_dict, which


# ----------------------------------------------------------------------------- released models
OFFICIAL_MODELS = {
    # original ESRGAN repository (xinntao/ESRGAN), old key names
    "RRDB_ESRGAN_x4": (rrdbnet, {}),
    "RRDB_PSNR_x4": (rrdbnet, {}),
    # Real-ESRGAN releases (params_ema)
    "RealESRGAN_x4plus": (rrdbnet, {}),
    "RealESRNet_x4plus": (rrdbnet, {}),
    "RealESRGAN_x2plus": (rrdbnet, {"scale": 2}),
    "RealESRGAN_x4plus_anime_6B": (rrdbnet, {"num_blocks": 6}),
    # BasicSR model zoo
    "MSRResNet_x4": (msrresnet, {}),
    "MSRGAN_x4": (msrresnet, {}),
}
"""Released model name -> (builder, keyword arguments) of its generator."""


def load_official(name, path, key=None, strict=True):
    """Builds the generator of the released model ``name`` (:data:`OFFICIAL_MODELS`) and loads
    the checkpoint at ``path`` (:func:`read_checkpoint`, then :func:`load_state_dict`).

    Returns:
        The loaded ``keras.Model`` (named ``name``).
    """
    if name not in OFFICIAL_MODELS:
        raise ValueError(f"Unknown released model {name!r}; known: "
                         f"{', '.join(sorted(OFFICIAL_MODELS))}.")
    builder, kwargs = OFFICIAL_MODELS[name]
    state_dict, _ = read_checkpoint(path, key=key)
    model = builder(name=name, **kwargs)
    load_state_dict(model, state_dict, strict=strict)
    return model
