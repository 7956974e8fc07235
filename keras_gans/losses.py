"""Adversarial losses and discriminator regularisers.

Every adversarial loss is a plain function over discriminator outputs ("logits":
raw, pre-sigmoid values), in pairs that follow TF-GAN's names:

* ``<name>_generator_loss(fake_logits, real_logits=None, **kwargs)``
* ``<name>_discriminator_loss(real_logits, fake_logits, **kwargs)``

Logits may have any shape ``[batch, ...]``: ``[B, 1]`` for a classic
discriminator or ``[B, H, W, 1]`` for a PatchGAN map. **Every loss returns a
per-example vector of shape ``[batch]``** (the mean over all non-batch axes), not
a scalar. Models reduce it with ``tf.nn.compute_average_loss`` so that the loss
is divided by the *global* batch size and gradients are scaled correctly under
``tf.distribute`` strategies. Half-precision logits (mixed precision) are cast
to float32 before any arithmetic.

The penalties (WGAN-GP, DRAGAN, R1, R2) take ``critic_fn``, any callable that maps
an image batch to logits (wrap a conditional critic in a ``lambda``), and return
unweighted per-example vectors ``[batch]``; the caller multiplies them by its
lambda / gamma. They differentiate with respect to the critic's *input* with a
``tf.GradientTape``; call them inside the tape that records the critic's
weights and the penalty is differentiable with respect to those weights
(double backpropagation).

`get(name)` returns a `LossPair` for a loss name, for model constructors that take
``loss="hinge"``.
"""

import dataclasses
import numbers
from typing import Callable

import keras
import tensorflow as tf
from keras import ops

__all__ = [
    "LossPair",
    "WeightClip",
    "dragan_penalty",
    "get",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "modified_discriminator_loss",
    "modified_generator_loss",
    "r1_penalty",
    "r2_penalty",
    "relativistic_average_discriminator_loss",
    "relativistic_average_generator_loss",
    "relativistic_discriminator_loss",
    "relativistic_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
    "wasserstein_gradient_penalty",
]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _to_float(x):
    """Tensor of `x`, cast to float32 unless it is float32/float64 already."""
    x = ops.convert_to_tensor(x)
    if x.dtype not in (tf.float32, tf.float64):
        x = ops.cast(x, "float32")
    return x


def _per_example(x):
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


def _check_label_smoothing(label_smoothing):
    if isinstance(label_smoothing, numbers.Number) and not (
        0.0 <= label_smoothing < 1.0
    ):
        raise ValueError(
            "`label_smoothing` must be in [0, 1); "
            f"received label_smoothing={label_smoothing}."
        )


def _sigmoid_cross_entropy(logits, target):
    """-t log sigmoid(l) - (1 - t) log(1 - sigmoid(l)), computed stably.

    Uses log sigmoid(l) = -softplus(-l) and log(1 - sigmoid(l)) = -softplus(l).
    """
    return target * ops.softplus(-logits) + (1.0 - target) * ops.softplus(logits)


def _require_real(real_logits, name):
    if real_logits is None:
        raise ValueError(
            f"`{name}` compares fake logits with real ones: pass `real_logits` "
            "(the discriminator's output on the real batch)."
        )


# --------------------------------------------------------------------------
# Minimax / modified (Goodfellow et al. 2014)
# --------------------------------------------------------------------------


def minimax_generator_loss(fake_logits, real_logits=None):
    """Original minimax generator loss: `log(1 - D(G(z)))`.

    The generator minimises `log(1 - sigmoid(l_fake))`, computed stably as
    `-softplus(l_fake)`. It saturates when the discriminator rejects fakes
    confidently; see `modified_generator_loss` for the non-saturating form.

    Reference: Goodfellow et al., "Generative Adversarial Networks", 2014.

    Args:
        fake_logits: discriminator logits on generated samples, `[batch, ...]`.
        real_logits: unused; accepted so every generator loss has one signature.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    del real_logits
    fake_logits = _to_float(fake_logits)
    return _per_example(-ops.softplus(fake_logits))


def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Minimax discriminator loss: `-log D(x) - log(1 - D(G(z)))`.

    Sigmoid cross-entropy from logits with target `1 - label_smoothing` on real
    samples (one-sided label smoothing, Salimans et al. 2016) and target 0 on
    fakes:

        L_D = CE(l_real, 1 - s) + CE(l_fake, 0),
        CE(l, t) = t * softplus(-l) + (1 - t) * softplus(l).

    The negative of this loss (with s = 0) is the value function V(D, G); at
    the optimum for identical distributions D = 1/2 everywhere and
    V = -log 4.

    Reference: Goodfellow et al., "Generative Adversarial Networks", 2014.

    Args:
        real_logits: discriminator logits on real samples, `[batch, ...]`.
        fake_logits: discriminator logits on generated samples, same shape.
        label_smoothing: amount `s` in [0, 1) taken off the real target.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    _check_label_smoothing(label_smoothing)
    real_logits = _to_float(real_logits)
    fake_logits = _to_float(fake_logits)
    real_target = ops.cast(1.0 - label_smoothing, real_logits.dtype)
    real_loss = _sigmoid_cross_entropy(real_logits, real_target)
    fake_loss = ops.softplus(fake_logits)  # CE(l, 0)
    return _per_example(real_loss) + _per_example(fake_loss)


def modified_generator_loss(fake_logits, real_logits=None):
    """Non-saturating ("modified") generator loss: `-log D(G(z))`.

    Computed stably as `softplus(-l_fake)`. Same fixed point as the minimax
    loss but strong gradients early in training.

    Reference: Goodfellow et al., "Generative Adversarial Networks", 2014
    (section 3).

    Args:
        fake_logits: discriminator logits on generated samples, `[batch, ...]`.
        real_logits: unused; accepted so every generator loss has one signature.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    del real_logits
    fake_logits = _to_float(fake_logits)
    return _per_example(ops.softplus(-fake_logits))


def modified_discriminator_loss(real_logits, fake_logits, label_smoothing=0.0):
    """Discriminator loss paired with `modified_generator_loss`.

    Identical to `minimax_discriminator_loss`:
    `-log D(x) - log(1 - D(G(z)))`, with optional one-sided label smoothing.

    Reference: Goodfellow et al., "Generative Adversarial Networks", 2014.

    Args:
        real_logits: discriminator logits on real samples, `[batch, ...]`.
        fake_logits: discriminator logits on generated samples, same shape.
        label_smoothing: amount in [0, 1) taken off the real target.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    return minimax_discriminator_loss(
        real_logits, fake_logits, label_smoothing=label_smoothing
    )


# --------------------------------------------------------------------------
# Wasserstein (Arjovsky et al. 2017)
# --------------------------------------------------------------------------


def wasserstein_generator_loss(fake_logits, real_logits=None):
    """Wasserstein generator loss: `-f(G(z))`.

    Reference: Arjovsky, Chintala & Bottou, "Wasserstein GAN", 2017.

    Args:
        fake_logits: critic outputs on generated samples, `[batch, ...]`.
        real_logits: unused; accepted so every generator loss has one signature.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    del real_logits
    return _per_example(-_to_float(fake_logits))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Wasserstein critic loss: `f(G(z)) - f(x)`.

    Needs a Lipschitz constraint on `f`: `WeightClip` (WGAN),
    `wasserstein_gradient_penalty` (WGAN-GP) or spectral normalisation.

    Reference: Arjovsky, Chintala & Bottou, "Wasserstein GAN", 2017.

    Args:
        real_logits: critic outputs on real samples, `[batch, ...]`.
        fake_logits: critic outputs on generated samples, same shape.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    return _per_example(_to_float(fake_logits)) - _per_example(_to_float(real_logits))


# --------------------------------------------------------------------------
# Least squares (Mao et al. 2017)
# --------------------------------------------------------------------------


def least_squares_generator_loss(fake_logits, real_logits=None, real_label=1.0):
    """Least-squares generator loss: `0.5 * (f(G(z)) - c)^2`.

    Acts on raw discriminator outputs (no sigmoid). Default `c = 1`.

    Reference: Mao et al., "Least Squares Generative Adversarial Networks",
    2017 (equation 2, a=0, b=1, c=1).

    Args:
        fake_logits: discriminator outputs on generated samples, `[batch, ...]`.
        real_logits: unused; accepted so every generator loss has one signature.
        real_label: the target `c` the generator wants its samples to get.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    del real_logits
    fake_logits = _to_float(fake_logits)
    return _per_example(0.5 * ops.square(fake_logits - real_label))


def least_squares_discriminator_loss(
    real_logits, fake_logits, real_label=1.0, fake_label=0.0
):
    """Least-squares discriminator loss.

        L_D = 0.5 * (f(x) - b)^2 + 0.5 * (f(G(z)) - a)^2

    on raw outputs (no sigmoid), with `b = real_label = 1`, `a = fake_label = 0`.

    Reference: Mao et al., "Least Squares Generative Adversarial Networks",
    2017 (equation 2).

    Args:
        real_logits: discriminator outputs on real samples, `[batch, ...]`.
        fake_logits: discriminator outputs on generated samples, same shape.
        real_label: target `b` for real samples.
        fake_label: target `a` for generated samples.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    real_logits = _to_float(real_logits)
    fake_logits = _to_float(fake_logits)
    real_loss = 0.5 * ops.square(real_logits - real_label)
    fake_loss = 0.5 * ops.square(fake_logits - fake_label)
    return _per_example(real_loss) + _per_example(fake_loss)


# --------------------------------------------------------------------------
# Hinge (Lim & Ye 2017; Miyato et al. 2018)
# --------------------------------------------------------------------------


def hinge_generator_loss(fake_logits, real_logits=None):
    """Hinge generator loss: `-f(G(z))`.

    Reference: Lim & Ye, "Geometric GAN", 2017; Miyato et al., "Spectral
    Normalization for Generative Adversarial Networks", 2018.

    Args:
        fake_logits: discriminator outputs on generated samples, `[batch, ...]`.
        real_logits: unused; accepted so every generator loss has one signature.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    del real_logits
    return _per_example(-_to_float(fake_logits))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss: `relu(1 - f(x)) + relu(1 + f(G(z)))`.

    Reference: Lim & Ye, "Geometric GAN", 2017; Miyato et al., "Spectral
    Normalization for Generative Adversarial Networks", 2018.

    Args:
        real_logits: discriminator outputs on real samples, `[batch, ...]`.
        fake_logits: discriminator outputs on generated samples, same shape.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    real_logits = _to_float(real_logits)
    fake_logits = _to_float(fake_logits)
    return _per_example(ops.relu(1.0 - real_logits)) + _per_example(
        ops.relu(1.0 + fake_logits)
    )


# --------------------------------------------------------------------------
# Relativistic (Jolicoeur-Martineau 2018)
# --------------------------------------------------------------------------


def relativistic_generator_loss(fake_logits, real_logits=None):
    """Relativistic standard GAN (RSGAN) generator loss.

        L_G = -log sigmoid(f(G(z)) - f(x)) = softplus(-(f(G(z)) - f(x)))

    with real and fake samples paired elementwise (same shape).

    Reference: Jolicoeur-Martineau, "The relativistic discriminator: a key
    element missing from standard GAN", 2018.

    Args:
        fake_logits: discriminator outputs on generated samples, `[batch, ...]`.
        real_logits: discriminator outputs on real samples, same shape.
            Required.

    Returns:
        Per-example loss, shape `[batch]`.

    Raises:
        ValueError: if `real_logits` is None.
    """
    _require_real(real_logits, "relativistic_generator_loss")
    fake_logits = _to_float(fake_logits)
    real_logits = _to_float(real_logits)
    return _per_example(ops.softplus(-(fake_logits - real_logits)))


def relativistic_discriminator_loss(real_logits, fake_logits):
    """Relativistic standard GAN (RSGAN) discriminator loss.

        L_D = -log sigmoid(f(x) - f(G(z))) = softplus(-(f(x) - f(G(z))))

    with real and fake samples paired elementwise (same shape).

    Reference: Jolicoeur-Martineau, "The relativistic discriminator: a key
    element missing from standard GAN", 2018.

    Args:
        real_logits: discriminator outputs on real samples, `[batch, ...]`.
        fake_logits: discriminator outputs on generated samples, same shape.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    real_logits = _to_float(real_logits)
    fake_logits = _to_float(fake_logits)
    return _per_example(ops.softplus(-(real_logits - fake_logits)))


def relativistic_average_generator_loss(fake_logits, real_logits=None):
    """Relativistic average GAN (RaGAN) generator loss, as used in ESRGAN.

        L_G = softplus(-(f(G(z)) - E_batch[f(x)]))
            + softplus(f(x) - E_batch[f(G(z))])

    i.e. `-log sigmoid(C(fake) - mean C(real)) - log(1 - sigmoid(C(real) -
    mean C(fake)))`. The averages run over the batch axis only, so a PatchGAN
    map keeps its spatial positions.

    Note the batch mean couples the examples: under a distribution strategy the
    average is per replica, as in the reference implementations.

    Reference: Jolicoeur-Martineau, "The relativistic discriminator: a key
    element missing from standard GAN", 2018; Wang et al., "ESRGAN", 2018.

    Args:
        fake_logits: discriminator outputs on generated samples, `[batch, ...]`.
        real_logits: discriminator outputs on real samples, same shape.
            Required.

    Returns:
        Per-example loss, shape `[batch]`.

    Raises:
        ValueError: if `real_logits` is None.
    """
    _require_real(real_logits, "relativistic_average_generator_loss")
    fake_logits = _to_float(fake_logits)
    real_logits = _to_float(real_logits)
    mean_real = ops.mean(real_logits, axis=0, keepdims=True)
    mean_fake = ops.mean(fake_logits, axis=0, keepdims=True)
    return _per_example(ops.softplus(-(fake_logits - mean_real))) + _per_example(
        ops.softplus(real_logits - mean_fake)
    )


def relativistic_average_discriminator_loss(real_logits, fake_logits):
    """Relativistic average GAN (RaGAN) discriminator loss, as used in ESRGAN.

        L_D = softplus(-(f(x) - E_batch[f(G(z))]))
            + softplus(f(G(z)) - E_batch[f(x)])

    The averages run over the batch axis only (see
    `relativistic_average_generator_loss`).

    Reference: Jolicoeur-Martineau, "The relativistic discriminator: a key
    element missing from standard GAN", 2018; Wang et al., "ESRGAN", 2018.

    Args:
        real_logits: discriminator outputs on real samples, `[batch, ...]`.
        fake_logits: discriminator outputs on generated samples, same shape.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    real_logits = _to_float(real_logits)
    fake_logits = _to_float(fake_logits)
    mean_real = ops.mean(real_logits, axis=0, keepdims=True)
    mean_fake = ops.mean(fake_logits, axis=0, keepdims=True)
    return _per_example(ops.softplus(-(real_logits - mean_fake))) + _per_example(
        ops.softplus(fake_logits - mean_real)
    )


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LossPair:
    """A generator loss and the discriminator loss it is trained against.

    Args:
        name: registry name, e.g. `"hinge"`.
        generator: `fn(fake_logits, real_logits=None, **kwargs) -> [batch]`.
        discriminator: `fn(real_logits, fake_logits, **kwargs) -> [batch]`.
        generator_needs_real: True when the generator loss needs the
            discriminator's logits on real data (relativistic losses), so the
            model must run D on the real batch during the generator step.
    """

    name: str
    generator: Callable
    discriminator: Callable
    generator_needs_real: bool = False


_REGISTRY = {
    pair.name: pair
    for pair in (
        LossPair("minimax", minimax_generator_loss, minimax_discriminator_loss),
        LossPair("modified", modified_generator_loss, modified_discriminator_loss),
        LossPair(
            "wasserstein", wasserstein_generator_loss, wasserstein_discriminator_loss
        ),
        LossPair(
            "least_squares",
            least_squares_generator_loss,
            least_squares_discriminator_loss,
        ),
        LossPair("hinge", hinge_generator_loss, hinge_discriminator_loss),
        LossPair(
            "relativistic",
            relativistic_generator_loss,
            relativistic_discriminator_loss,
            generator_needs_real=True,
        ),
        LossPair(
            "relativistic_average",
            relativistic_average_generator_loss,
            relativistic_average_discriminator_loss,
            generator_needs_real=True,
        ),
    )
}


def get(name):
    """Returns the `LossPair` registered under `name`.

    Args:
        name: one of `"minimax"`, `"modified"`, `"wasserstein"`,
            `"least_squares"`, `"hinge"`, `"relativistic"`,
            `"relativistic_average"` (case-insensitive; `-` reads as `_`),
            or a `LossPair`, returned as is.

    Returns:
        A `LossPair`.

    Raises:
        ValueError: for an unknown name.
    """
    if isinstance(name, LossPair):
        return name
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else None
    if key not in _REGISTRY:
        raise ValueError(
            f"Unknown GAN loss {name!r}. Valid names: {', '.join(_REGISTRY)}; "
            "or pass a `keras_gans.losses.LossPair`."
        )
    return _REGISTRY[key]


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
