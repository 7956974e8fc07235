"""Helpers shared by the loss modules (private)."""

import tensorflow as tf
from keras import ops


def to_float(x):
    """Tensor of `x`, cast to float32 unless it is float32/float64 already."""
    x = ops.convert_to_tensor(x)
    if x.dtype not in (tf.float32, tf.float64):
        x = ops.cast(x, "float32")
    return x


def per_example(x):
    """Mean over every axis except the batch axis: `[B, ...] -> [B]`."""
    rank = len(x.shape)
    if rank == 0:
        raise ValueError(
            "Losses expect logits with a batch axis, shape [batch, ...]; "
            f"received a scalar of shape {x.shape}."
        )
    if rank == 1:
        return x
    return ops.mean(x, axis=tuple(range(1, rank)))


def to_float32(x, fn, arg):
    """`x` as a float32 tensor of known rank >= 1; errors name `fn` and `arg`."""
    x = ops.convert_to_tensor(x)
    if x.dtype != tf.float32:
        x = ops.cast(x, "float32")
    rank = x.shape.rank
    if rank is None:
        raise ValueError(f"`{fn}`: `{arg}` must have a known rank; received shape {x.shape}.")
    if rank == 0:
        raise ValueError(
            f"`{fn}` expects `{arg}` with a batch axis, shape [batch, ...]; "
            f"received a scalar of shape {x.shape}."
        )
    return x


def check_same_shape(a, b, fn, names):
    """Raises ValueError when the static shapes of `a` and `b` cannot be equal."""
    if not a.shape.is_compatible_with(b.shape):
        raise ValueError(
            f"`{fn}`: `{names[0]}` and `{names[1]}` must have the same shape; "
            f"received {a.shape} and {b.shape}."
        )


def mean_per_example(x):
    """Mean over every non-batch axis of a tensor of known rank >= 1: `[B, ...] -> [B]`."""
    rank = x.shape.rank
    if rank == 1:
        return x
    return ops.mean(x, axis=tuple(range(1, rank)))


def sum_per_example(x):
    """Sum over every non-batch axis of a tensor of known rank >= 1: `[B, ...] -> [B]`."""
    rank = x.shape.rank
    if rank == 1:
        return x
    return ops.sum(x, axis=tuple(range(1, rank)))


def lookup(table, name, what, names, alternative):
    """``table[name]`` with the name case-folded and ``-`` read as ``_``; an unknown name
    raises ``ValueError`` listing ``names`` and the ``alternative`` a caller may pass."""
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else None
    if key not in table:
        raise ValueError(f"Unknown {what} {name!r}. Valid names: {', '.join(names)}; or pass {alternative}.")
    return table[key]
