"""Adversarial losses: the generator / discriminator loss pairs.

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

The batch mean of each per-example loss equals TF-GAN's value of the function
with the same name (TF-GAN reduces with ``SUM_BY_NONZERO_WEIGHTS``, the mean over
every element), checked in ``tests/losses/losses_tfgan_compat_test.py`` on
``[B, 1]`` and ``[B, 30, 30, 1]`` logits, except where a docstring says
otherwise (``minimax_generator_loss``: a constant; the relativistic names).

`get(name)` returns a `LossPair` for a loss name, for model constructors that take
``loss="hinge"``.
"""

import dataclasses
import numbers
from typing import Callable

from keras import ops

from keras_gans.losses._common import lookup as _lookup
from keras_gans.losses._common import per_example as _per_example
from keras_gans.losses._common import to_float as _to_float

__all__ = [
    "LossPair",
    "esrgan_discriminator_loss",
    "esrgan_generator_loss",
    "get",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "modified_discriminator_loss",
    "modified_generator_loss",
    "relativistic_average_discriminator_loss",
    "relativistic_average_generator_loss",
    "relativistic_discriminator_loss",
    "relativistic_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


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

    TF-GAN's `minimax_generator_loss` returns this minus `softplus(-1)`
    (about 0.3133): it evaluates `-minimax_discriminator_loss` with the *real
    logits* set to `ones_like(fake)`, which adds the constant
    `log sigmoid(1)` (with TF-GAN's generator `label_smoothing=s`, the
    constant is `-(softplus(-1) + s / 2)`). The gradients are the same.

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

    Sigmoid cross-entropy from logits with target `1 - s / 2` on real samples
    (one-sided label smoothing, Salimans et al. 2016) and target 0 on fakes:

        L_D = CE(l_real, 1 - s / 2) + CE(l_fake, 0),
        CE(l, t) = t * softplus(-l) + (1 - t) * softplus(l).

    `label_smoothing = s` has TF-GAN's and Keras' meaning: the real target
    `1` is mixed with `0.5` as `1 * (1 - s) + 0.5 * s = 1 - s / 2` (TF-GAN's
    `tf.losses.sigmoid_cross_entropy(..., label_smoothing)`,
    `keras.losses.BinaryCrossentropy(label_smoothing=s)`). So TF-GAN's
    default `s = 0.25` gives a real target of 0.875, and Salimans et al.'s
    real target 0.9 is `s = 0.2`. Our default is `s = 0` (TF-GAN's is 0.25).

    The negative of this loss (with s = 0) is the value function V(D, G); at
    the optimum for identical distributions D = 1/2 everywhere and
    V = -log 4.

    Reference: Goodfellow et al., "Generative Adversarial Networks", 2014;
    Salimans et al., "Improved Techniques for Training GANs", 2016.

    Args:
        real_logits: discriminator logits on real samples, `[batch, ...]`.
        fake_logits: discriminator logits on generated samples, same shape.
        label_smoothing: `s` in [0, 1); the real target becomes `1 - s / 2`.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    _check_label_smoothing(label_smoothing)
    real_logits = _to_float(real_logits)
    fake_logits = _to_float(fake_logits)
    real_target = ops.cast(1.0 - 0.5 * label_smoothing, real_logits.dtype)
    real_loss = _sigmoid_cross_entropy(real_logits, real_target)
    fake_loss = ops.softplus(fake_logits)  # CE(l, 0)
    return _per_example(real_loss) + _per_example(fake_loss)


def modified_generator_loss(fake_logits, real_logits=None):
    """Non-saturating ("modified") generator loss: `-log D(G(z))`.

    Computed stably as `softplus(-l_fake)`. Same fixed point as the minimax
    loss but strong gradients early in training. Equals TF-GAN's
    `modified_generator_loss` at its default `label_smoothing=0` (TF-GAN
    also offers smoothing of the generator's target; we do not).

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
    `-log D(x) - log(1 - D(G(z)))`, with optional one-sided label smoothing
    (real target `1 - label_smoothing / 2`, TF-GAN's and Keras' meaning).

    Reference: Goodfellow et al., "Generative Adversarial Networks", 2014.

    Args:
        real_logits: discriminator logits on real samples, `[batch, ...]`.
        fake_logits: discriminator logits on generated samples, same shape.
        label_smoothing: `s` in [0, 1); the real target becomes `1 - s / 2`.

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

    Acts on raw discriminator outputs (no sigmoid). Default `c = 1`. The
    factor 1/2 is the paper's and TF-GAN's; the PyTorch CycleGAN / pix2pixHD
    code uses `nn.MSELoss` (no 1/2) for G, so its adversarial term is twice
    ours next to the same cycle / feature-matching weights: a model
    reproducing those papers weights this loss by 2. (Their D objective,
    halved, `(MSE_real + MSE_fake) / 2`, equals our discriminator loss.)

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

    on raw outputs (no sigmoid), with `b = real_label = 1`, `a = fake_label = 0`
    (TF-GAN's formula and defaults; see `least_squares_generator_loss` for the
    PyTorch codes' missing 1/2).

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

    TF-GAN has no `hinge_*` names: this is its
    `wasserstein_hinge_generator_loss` (an alias of its Wasserstein G loss).

    Reference: Lim & Ye, "Geometric GAN", 2017; Miyato et al., "Spectral
    Normalization for Generative Adversarial Networks", 2018.

    Args:
        fake_logits: discriminator outputs on generated samples, `[batch, ...]`.
        real_logits: unused; accepted so every generator loss has one signature.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    return wasserstein_generator_loss(fake_logits, real_logits)


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss: `relu(1 - f(x)) + relu(1 + f(G(z)))`.

    TF-GAN has no `hinge_*` names: this is its
    `wasserstein_hinge_discriminator_loss` at its defaults
    `real_hinge = generated_hinge = 1`.

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

    Not TF-GAN's function of the same name: TF-GAN's
    `relativistic_generator_loss(real, fake)` (real first) is the
    relativistic *average* loss, here `relativistic_average_generator_loss`
    (with `mean_over="all"` for PatchGAN maps).

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

    Not TF-GAN's function of the same name: TF-GAN's
    `relativistic_discriminator_loss` is the relativistic *average* loss,
    here `relativistic_average_discriminator_loss` (with `mean_over="all"`
    for PatchGAN maps).

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


def _relativistic_means(real_logits, fake_logits, mean_over):
    """E[f(x)] and E[f(G(z))] of RaGAN, over the batch axis or over everything."""
    if mean_over == "batch":
        return (
            ops.mean(real_logits, axis=0, keepdims=True),
            ops.mean(fake_logits, axis=0, keepdims=True),
        )
    if mean_over == "all":
        return ops.mean(real_logits), ops.mean(fake_logits)
    raise ValueError(
        f'`mean_over` must be "batch" or "all"; received mean_over={mean_over!r}.'
    )


def relativistic_average_generator_loss(fake_logits, real_logits=None, mean_over="batch"):
    """Relativistic average GAN (RaGAN) generator loss, as used in ESRGAN.

        L_G = softplus(-(f(G(z)) - E[f(x)]))
            + softplus(f(x) - E[f(G(z))])

    i.e. `-log sigmoid(C(fake) - mean C(real)) - log(1 - sigmoid(C(real) -
    mean C(fake)))`. With `mean_over="batch"` (default) the averages `E` run
    over the batch axis only, so a PatchGAN map keeps its spatial positions.
    With `mean_over="all"` each `E` is one scalar, the mean over every element
    (batch and map positions): TF-GAN's `relativistic_generator_loss` and
    BasicSR's ESRGAN code (`torch.mean(pred)`). The two agree for `[B, 1]`
    logits (ESRGAN's VGG-style discriminator).

    Note the batch mean couples the examples: under a distribution strategy the
    average is per replica, as in the reference implementations.

    TF-GAN calls this loss `relativistic_generator_loss(real, fake)`, with the
    real logits first; our `relativistic_generator_loss` is RSGAN.

    Reference: Jolicoeur-Martineau, "The relativistic discriminator: a key
    element missing from standard GAN", 2018; Wang et al., "ESRGAN", 2018.

    Args:
        fake_logits: discriminator outputs on generated samples, `[batch, ...]`.
        real_logits: discriminator outputs on real samples, same shape.
            Required.
        mean_over: `"batch"` (per map position) or `"all"` (TF-GAN, BasicSR).

    Returns:
        Per-example loss, shape `[batch]`.

    Raises:
        ValueError: if `real_logits` is None or `mean_over` is unknown.
    """
    _require_real(real_logits, "relativistic_average_generator_loss")
    fake_logits = _to_float(fake_logits)
    real_logits = _to_float(real_logits)
    mean_real, mean_fake = _relativistic_means(real_logits, fake_logits, mean_over)
    return _per_example(ops.softplus(-(fake_logits - mean_real))) + _per_example(
        ops.softplus(real_logits - mean_fake)
    )


def relativistic_average_discriminator_loss(real_logits, fake_logits, mean_over="batch"):
    """Relativistic average GAN (RaGAN) discriminator loss, as used in ESRGAN.

        L_D = softplus(-(f(x) - E[f(G(z))]))
            + softplus(f(G(z)) - E[f(x)])

    The averages `E` run over the batch axis only by default; `mean_over="all"`
    takes one scalar mean over every element, as TF-GAN's
    `relativistic_discriminator_loss` and BasicSR do (see
    `relativistic_average_generator_loss`).

    Reference: Jolicoeur-Martineau, "The relativistic discriminator: a key
    element missing from standard GAN", 2018; Wang et al., "ESRGAN", 2018.

    Args:
        real_logits: discriminator outputs on real samples, `[batch, ...]`.
        fake_logits: discriminator outputs on generated samples, same shape.
        mean_over: `"batch"` (per map position) or `"all"` (TF-GAN, BasicSR).

    Returns:
        Per-example loss, shape `[batch]`.

    Raises:
        ValueError: if `mean_over` is unknown.
    """
    real_logits = _to_float(real_logits)
    fake_logits = _to_float(fake_logits)
    mean_real, mean_fake = _relativistic_means(real_logits, fake_logits, mean_over)
    return _per_example(ops.softplus(-(real_logits - mean_fake))) + _per_example(
        ops.softplus(fake_logits - mean_real)
    )


def esrgan_generator_loss(fake_logits, real_logits=None):
    """ESRGAN's relativistic average generator loss as BasicSR's ``ESRGANModel`` computes it:
    the mean of its two terms, each mean taken over every element (``torch.mean(pred)``)::

        L_G = (softplus(r - mean(f)) + softplus(-(f - mean(r)))) / 2

    with ``r`` D's logits on real images (detached: no gradient reaches them) and ``f`` on
    generated ones. Half of :func:`relativistic_average_generator_loss` with
    ``mean_over="all"``, so ESRGAN's weight 5e-3 applies as in its option files.

    Returns:
        Per-example loss, shape `[batch]`.
    """
    _require_real(real_logits, "esrgan_generator_loss")
    real_logits = ops.stop_gradient(_to_float(real_logits))
    return 0.5 * relativistic_average_generator_loss(fake_logits, real_logits, mean_over="all")


def esrgan_discriminator_loss(real_logits, fake_logits):
    """ESRGAN's relativistic average discriminator loss as BasicSR's ``ESRGANModel``: each
    term halved, and the mean of the *other* side detached in each (the code backpropagates
    ``0.5 * BCE(r - mean(f.detach()), 1)`` and ``0.5 * BCE(f - mean(r.detach()), 0)``)::

        L_D = (softplus(-(r - sg(mean(f)))) + softplus(f - sg(mean(r)))) / 2

    The value equals half of :func:`relativistic_average_discriminator_loss` (``mean_over=
    "all"``); the gradients differ (no gradient through the means).

    Returns:
        Per-example loss, shape `[batch]`.
    """
    real_logits = _to_float(real_logits)
    fake_logits = _to_float(fake_logits)
    mean_real, mean_fake = ops.stop_gradient(ops.mean(real_logits)), ops.stop_gradient(ops.mean(fake_logits))
    return 0.5 * (_per_example(ops.softplus(-(real_logits - mean_fake)))
                  + _per_example(ops.softplus(fake_logits - mean_real)))


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
        LossPair("esrgan", esrgan_generator_loss, esrgan_discriminator_loss, generator_needs_real=True),
    )
}


def get(name):
    """Returns the `LossPair` registered under `name`.

    Args:
        name: one of `"minimax"`, `"modified"`, `"wasserstein"`,
            `"least_squares"`, `"hinge"`, `"relativistic"`,
            `"relativistic_average"`, `"esrgan"` (BasicSR's ESRGAN form of it)
            (case-insensitive; `-` reads as `_`),
            or a `LossPair`, returned as is.

    Returns:
        A `LossPair`.

    Raises:
        ValueError: for an unknown name.
    """
    if isinstance(name, LossPair):
        return name
    return _lookup(_REGISTRY, name, "GAN loss", list(_REGISTRY), "a `keras_gans.losses.LossPair`")
