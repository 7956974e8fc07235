"""Optional discriminator layers that training tricks add to any builder."""

import keras

from keras_gans.layers.minibatch import MinibatchDiscrimination


def add_minibatch_discrimination(x, spec, seed=None):
    """Applies the layer a builder's ``minibatch_discrimination`` argument asks for to ``x``.

    Args:
        x: the features ``[B, A]`` before a discriminator's logit layer.
        spec: ``None`` (no layer: ``x`` is returned as is), an int (number of kernels, the other
            arguments at their defaults) or a dict of :class:`MinibatchDiscrimination`
            arguments.
        seed: int seed for its kernel initializer.
    """
    if spec is None:
        return x
    if isinstance(spec, int) and not isinstance(spec, bool):
        spec = {"num_kernels": spec}
    if not isinstance(spec, dict):
        raise ValueError(
            "minibatch_discrimination must be None, a number of kernels or a dict of "
            f"MinibatchDiscrimination arguments; received {spec!r}."
        )
    spec = dict(spec)
    if seed is not None and "kernel_initializer" not in spec:
        spec["kernel_initializer"] = keras.initializers.RandomNormal(stddev=0.05, seed=seed + 300)
    return MinibatchDiscrimination(name="minibatch_discrimination", **spec)(x)
