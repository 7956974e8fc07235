"""Reader for the IDX file format used by MNIST and Fashion-MNIST.

An IDX file is a big-endian array dump::

    bytes 0-1   0x00 0x00
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16,
                0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions n
    4 * n bytes each dimension's size, big-endian uint32
    ...         the data, row-major, big-endian

Files may be gzipped (detected from the content, not the file name).
See http://yann.lecun.com/exdb/mnist/ (the format's original description).
"""

import gzip
import os
import zlib

import numpy as np

__all__ = ["IDXFormatError", "read_idx"]

_GZIP_MAGIC = b"\x1f\x8b"

# IDX type code -> big-endian numpy dtype.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IDXFormatError(ValueError):
    """Raised when a file is not a valid (complete) IDX file."""


def _read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise IDXFormatError(
            f"{path}: corrupt or truncated gzip data ({type(e).__name__}: {e}). "
            "Delete the file and fetch it again."
        ) from e


def read_idx(path, expected_ndim=None):
    """Reads an IDX file (optionally gzipped) into a numpy array.

    Args:
        path: path of the file (`str` or path-like).
        expected_ndim: if given, the number of dimensions the file must have
            (3 for image files, 1 for label files).

    Returns:
        A read-only numpy array in native byte order with the file's shape
        (e.g. `uint8 [N, 28, 28]` for MNIST images, `uint8 [N]` for labels).

    Raises:
        IDXFormatError: the file is not IDX (bad magic number), has the wrong
            number of dimensions, or is truncated / has trailing bytes. The
            message names the file.
        FileNotFoundError: the file does not exist.
    """
    path = os.fspath(path)
    buf = _read_bytes(path)
    if len(buf) < 4:
        raise IDXFormatError(
            f"{path}: too short to be an IDX file ({len(buf)} bytes, need a 4-byte header)."
        )
    magic = buf[:4]
    type_code, ndim = magic[2], magic[3]
    if magic[0] != 0 or magic[1] != 0 or type_code not in _IDX_DTYPES:
        raise IDXFormatError(
            f"{path}: not an IDX file: bad magic number 0x{magic.hex()} (expected "
            "0x0000TTNN with type TT in {08,09,0b,0c,0d,0e}, e.g. 0x00000803 for "
            "images and 0x00000801 for labels). The file may be corrupt."
        )
    if expected_ndim is not None and ndim != expected_ndim:
        raise IDXFormatError(
            f"{path}: IDX file has {ndim} dimensions (magic 0x{magic.hex()}), expected "
            f"{expected_ndim}. Are the image and label files swapped?"
        )
    header_len = 4 + 4 * ndim
    if len(buf) < header_len:
        raise IDXFormatError(
            f"{path}: truncated IDX header ({len(buf)} bytes, need {header_len})."
        )
    shape = tuple(int(d) for d in np.frombuffer(buf, ">u4", count=ndim, offset=4))
    dtype = _IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(buf) - header_len
    if actual != expected:
        what = "truncated" if actual < expected else "has trailing bytes"
        raise IDXFormatError(
            f"{path}: IDX file {what}: header says shape {shape} of {dtype.name} "
            f"({expected} data bytes) but the file holds {actual} data bytes."
        )
    arr = np.frombuffer(buf, dtype, offset=header_len).reshape(shape)
    if dtype.itemsize > 1:
        arr = arr.astype(dtype.newbyteorder("="))
    arr.flags.writeable = False
    return arr
