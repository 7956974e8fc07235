"""Penalties on the discriminator's input gradient, and WGAN weight clipping.

The penalties (WGAN-GP, DRAGAN, R1, R2) take ``critic_fn``, any callable that maps
an image batch to logits (wrap a conditional critic in a ``lambda``), and return
unweighted per-example vectors ``[batch]``; the caller multiplies them by its
lambda / gamma. They differentiate with respect to the critic's *input* with a
``tf.GradientTape``; call them inside the tape that records the critic's
weights and the penalty is differentiable with respect to those weights
(double backpropagation).
"""

import numbers

import keras
import tensorflow as tf
from keras import ops

from keras_gans.losses._common import to_float as _to_float

__all__ = [
    "WeightClip",
    "dragan_penalty",
    "r1_penalty",
    "r2_penalty",
    "wasserstein_gradient_penalty",
]


# --------------------------------------------------------------------------
# Penalties on the discriminator's input gradient
# --------------------------------------------------------------------------


def _input_gradients(critic_fn, x):
    """Gradient of `sum(critic_fn(x))` with respect to `x`, in float32.

    Each example's output depends only on its own input for the usual critics,
    so the gradient of the sum is the per-example gradient (for a PatchGAN map
    it is the gradient of the sum over the map, as in the reference code).
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = critic_fn(x)
    grads = tape.gradient(logits, x)
    if grads is None:
        raise ValueError(
            "`critic_fn` output does not depend on its input: the input "
            "gradient is None."
        )
    return _to_float(grads)


def _sum_squares_per_example(g):
    rank = len(g.shape)
    return ops.sum(ops.square(g), axis=tuple(range(1, rank)))


def _uniform(shape, dtype, seed):
    """U[0, 1) draw; `seed` is None, an int or a `keras.random.SeedGenerator`.

    With `seed=None` this is TF's stateful `tf.random.uniform` (it follows
    `keras.utils.set_random_seed`): Keras' unseeded path creates a global
    `SeedGenerator` variable on first use, which fails inside a `tf.function`
    run through `strategy.run`.
    """
    if seed is None:
        return tf.random.uniform(shape, dtype=dtype)
    return keras.random.uniform(shape, dtype=dtype, seed=seed)


def _per_example_uniform(x, seed):
    """U[0, 1) of shape `[B, 1, ..., 1]` that broadcasts against `x`."""
    shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
    return _uniform(shape, x.dtype, seed)


def _as_per_example(alpha, x):
    """Turns a scalar, `[B]` or `[B, 1, ...]` alpha into a broadcastable tensor."""
    alpha = ops.cast(ops.convert_to_tensor(alpha), x.dtype)
    if len(alpha.shape) == 1 and len(x.shape) > 1:
        alpha = ops.reshape(alpha, (-1,) + (1,) * (len(x.shape) - 1))
    return alpha


def wasserstein_gradient_penalty(
    critic_fn,
    real,
    fake,
    alpha=None,
    one_sided=False,
    epsilon=1e-10,
    seed=None,
):
    """WGAN-GP gradient penalty.

        x_hat = alpha * x + (1 - alpha) * G(z),   alpha ~ U[0, 1] per example
        penalty = (||grad f(x_hat)||_2 - 1)^2

    or `max(0, ||grad|| - 1)^2` when `one_sided`. The norm per example is
    `sqrt(sum(g^2 over non-batch axes) + epsilon)`, which keeps its gradient
    finite where `g = 0`. Returned unweighted: the paper adds `lambda = 10`
    times its batch mean to the critic loss.

    TF-GAN's `wasserstein_gradient_penalty` computes the same penalty (same
    `epsilon = 1e-10` under the root, same one-sided option, batch mean); it
    writes the interpolate as `x + alpha' * (G(z) - x)`, i.e. its `alpha'` is
    our `1 - alpha` (ours weights the real sample, as Algorithm 1 does); both
    draw it U[0, 1], so the distributions agree. TF-GAN's extra `target`
    (`||grad|| / target - 1`) has no counterpart here: ours is `target = 1`.

    Reference: Gulrajani et al., "Improved Training of Wasserstein GANs", 2017
    (Algorithm 1).

    Args:
        critic_fn: callable mapping an image batch to critic logits.
        real: real batch, `[batch, ...]`.
        fake: generated batch, same shape.
        alpha: optional interpolation weights (scalar, `[batch]` or
            `[batch, 1, ..., 1]`); drawn from U[0, 1] per example if None.
        one_sided: penalise only gradient norms above 1.
        epsilon: added under the square root of the norm.
        seed: int or `keras.random.SeedGenerator` for the alpha draw. An int
            gives the same draw on every call of a `tf.function`; pass a
            `SeedGenerator` for fresh draws each step.

    Returns:
        Per-example penalty, shape `[batch]`.
    """
    real = ops.convert_to_tensor(real)
    fake = ops.cast(ops.convert_to_tensor(fake), real.dtype)
    if alpha is None:
        alpha = _per_example_uniform(real, seed)
    else:
        alpha = _as_per_example(alpha, real)
    x_hat = alpha * real + (1.0 - alpha) * fake
    grads = _input_gradients(critic_fn, x_hat)
    norm = ops.sqrt(_sum_squares_per_example(grads) + epsilon)
    excess = norm - 1.0
    if one_sided:
        excess = ops.relu(excess)
    return ops.square(excess)


def dragan_penalty(
    critic_fn,
    real,
    alpha=None,
    perturbation=None,
    epsilon=1e-10,
    seed=None,
    scale=0.5,
):
    """DRAGAN gradient penalty around the real data.

        x_p   = x + scale * std(x) * u,      u ~ U[0, 1], same shape as x
        x_hat = x + alpha * (x_p - x),       alpha ~ U[0, 1] per example
        penalty = (||grad f(x_hat)||_2 - 1)^2

    `std(x)` is the (population) standard deviation over the whole batch, a
    scalar. The norm is `sqrt(sum(g^2) + epsilon)`. Returned unweighted: the
    paper uses `lambda = 10`.

    Checked against the authors' official code (github kodalinaveen3/DRAGAN,
    DRAGAN.ipynb): the perturbed batch is built outside the graph as
    `X + 0.5 * X.std() * np.random.random(X.shape)` (NumPy's std over the whole
    minibatch, positive uniform noise of the full shape), alpha is drawn
    U[0, 1] with shape `[batch, 1]`, and the penalty is taken at
    `X + alpha * (X_p - X)` as `(||grad|| - 1)^2`, averaged, times lambda = 10.
    The paper writes the noise as N_d(0, cI); we follow the code, as
    DESIGN.md asks. Because the official perturbation is a constant fed to
    the graph, no gradient flows through it here either (`stop_gradient`).
    Their README calls the 0.5 factor `c` and asks to tune it to the data
    range: that is `scale`.

    Reference: Kodali et al., "On Convergence and Stability of GANs", 2017.

    Args:
        critic_fn: callable mapping an image batch to critic logits.
        real: real batch, `[batch, ...]`.
        alpha: optional interpolation weights (scalar, `[batch]` or
            `[batch, 1, ..., 1]`); drawn from U[0, 1] per example if None.
        perturbation: optional noise `u` with the shape of `real` (the U[0, 1]
            draw before scaling by `scale * std(real)`); drawn if None.
        epsilon: added under the square root of the norm.
        seed: int or `keras.random.SeedGenerator` for the random draws (see
            `wasserstein_gradient_penalty`).
        scale: the official code's `c = 0.5`: size of the local region
            relative to the batch's standard deviation.

    Returns:
        Per-example penalty, shape `[batch]`.
    """
    real = ops.convert_to_tensor(real)
    if perturbation is None:
        perturbation = _uniform(ops.shape(real), real.dtype, seed)
    else:
        perturbation = ops.cast(ops.convert_to_tensor(perturbation), real.dtype)
    if alpha is None:
        alpha = _per_example_uniform(real, seed)
    else:
        alpha = _as_per_example(alpha, real)
    delta = scale * ops.std(real) * perturbation  # x_p - x
    x_hat = ops.stop_gradient(real + alpha * delta)
    grads = _input_gradients(critic_fn, x_hat)
    norm = ops.sqrt(_sum_squares_per_example(grads) + epsilon)
    return ops.square(norm - 1.0)


def r1_penalty(critic_fn, real):
    """R1 regulariser: squared input-gradient norm on real data.

        penalty = ||grad f(x)||_2^2       (sum of squares, no square root)

    The regulariser added to the discriminator loss is `gamma / 2` times the
    batch mean of this (StyleGAN2 applies it lazily, every 16 steps, scaled
    by 16).

    Reference: Mescheder, Geiger & Nowozin, "Which Training Methods for GANs
    do actually Converge?", 2018.

    Args:
        critic_fn: callable mapping an image batch to discriminator logits.
        real: real batch, `[batch, ...]`.

    Returns:
        Per-example penalty, shape `[batch]`.
    """
    real = ops.convert_to_tensor(real)
    return _sum_squares_per_example(_input_gradients(critic_fn, real))


def r2_penalty(critic_fn, fake):
    """R2 regulariser: squared input-gradient norm on generated data.

        penalty = ||grad f(G(z))||_2^2

    Added to the discriminator loss as `gamma / 2` times its batch mean.

    Reference: Mescheder, Geiger & Nowozin, "Which Training Methods for GANs
    do actually Converge?", 2018.

    Args:
        critic_fn: callable mapping an image batch to discriminator logits.
        fake: generated batch, `[batch, ...]`.

    Returns:
        Per-example penalty, shape `[batch]`.
    """
    fake = ops.convert_to_tensor(fake)
    return _sum_squares_per_example(_input_gradients(critic_fn, fake))


# --------------------------------------------------------------------------
# Weight clipping (WGAN)
# --------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="keras_gans")
class WeightClip(keras.constraints.Constraint):
    """Clips every weight to `[-clip_value, clip_value]` after each update.

    The original WGAN's crude way to keep the critic Lipschitz.

    Reference: Arjovsky, Chintala & Bottou, "Wasserstein GAN", 2017
    (Algorithm 1, c = 0.01).

    Example:

    ```python
    layer = keras.layers.Dense(1, kernel_constraint=WeightClip(0.01))
    ```

    Args:
        clip_value: positive bound `c`.
    """

    def __init__(self, clip_value=0.01):
        if (
            not isinstance(clip_value, numbers.Real)
            or isinstance(clip_value, bool)
            or not clip_value > 0
        ):
            raise ValueError(
                "`clip_value` must be a positive number; "
                f"received clip_value={clip_value!r}."
            )
        self.clip_value = float(clip_value)

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.clip(w, -self.clip_value, self.clip_value)

    def get_config(self):
        return {"clip_value": self.clip_value}
