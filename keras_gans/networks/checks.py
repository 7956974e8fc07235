"""Argument checks shared by the network builders: each raises a ValueError saying what was
received and what was expected."""


def check_int(value, what, minimum=1):
    """``value`` must be an int (not a bool) >= ``minimum``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{what} must be an int >= {minimum}; received {value!r}.")
    return value


def check_rate(value, what):
    """``value`` must be a number in [0, 1) (a dropout rate)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value < 1.0:
        raise ValueError(f"{what} must be in [0, 1); received {value!r}.")
    return value


def check_image_shape(image_shape):
    """Any non-empty tuple of positive ints, e.g. ``(28, 28, 1)``; returned as a tuple."""
    if (
        not isinstance(image_shape, (tuple, list))
        or not image_shape
        or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in image_shape)
    ):
        raise ValueError(
            f"image_shape must be a tuple of positive ints, e.g. (28, 28, 1); received {image_shape!r}."
        )
    return tuple(image_shape)


def check_square_image_shape(image_shape, family, min_size=1):
    """``(height, width, channels)`` positive ints with height == width >= ``min_size``;
    ``family`` names the networks in the message."""
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 3
        or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in image_shape)
    ):
        raise ValueError(
            f"image_shape must be (height, width, channels) with positive ints; received {image_shape!r}."
        )
    if image_shape[0] != image_shape[1]:
        raise ValueError(f"{family} networks need square images; received image_shape={image_shape!r}.")
    if image_shape[0] < min_size:
        raise ValueError(f"{family} networks need images of at least {min_size} pixels; "
                         f"received image_shape={image_shape!r}.")
    return tuple(image_shape)
