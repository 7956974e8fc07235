"""Reconstruction terms: pixel L1 / L2, feature matching, cycle, identity, KL.

The weighted non-adversarial terms of image-to-image and super-resolution models
(pix2pix's L1, pix2pixHD's and GauGAN's discriminator feature matching, CycleGAN's
cycle and identity terms, GauGAN's KL of the style encoder, SRGAN / ESRGAN's pixel
losses). Each is a plain function that returns a **per-example float32 vector of
shape ``[batch]``**; unless its docstring says otherwise it is the mean over every
non-batch element, so ``tf.nn.compute_average_loss`` of the result is the batch
mean, the value PyTorch's ``nn.L1Loss()`` / ``nn.MSELoss()`` give on the whole
batch, and the loss is scaled correctly under ``tf.distribute``. The caller
multiplies it by its weight (``lambda = 100`` for pix2pix's L1, 10 for CycleGAN's
cycle term, ...). Inputs of any float dtype are cast to float32; shapes must
match exactly (no broadcasting) and have a batch axis.

`TERMS` maps a term's name to its function, for presets that list terms as data,
e.g. ``{"pixel": ("l1", 1e-2)}``; `get_term(name)` looks one up.
"""

import numbers

from keras import ops

from keras_gans.losses import _common

__all__ = [
    "TERMS",
    "cycle_consistency",
    "feature_matching",
    "get_term",
    "identity",
    "kl_divergence",
    "l1",
    "l2",
    "register_term",
]


def _pair(a, b, fn, names):
    a = _common.to_float32(a, fn, names[0])
    b = _common.to_float32(b, fn, names[1])
    _common.check_same_shape(a, b, fn, names)
    return a, b


def l1(target, output):
    """Mean absolute error per example: `mean(|target - output|)`.

    The pixel loss of pix2pix (`lambda = 100`) and ESRGAN (`1e-2`), averaged
    over every non-batch element (PyTorch's `nn.L1Loss()` on the whole batch is
    the batch mean of this).

    Reference: Isola et al., "Image-to-Image Translation with Conditional
    Adversarial Networks", 2017 (equation 3).

    Args:
        target: ground truth, `[batch, ...]`.
        output: prediction, same shape.

    Returns:
        Per-example loss, shape `[batch]`, float32.

    Raises:
        ValueError: for a scalar, unknown rank, or mismatched shapes.
    """
    target, output = _pair(target, output, "l1", ("target", "output"))
    return _common.mean_per_example(ops.abs(target - output))


def l2(target, output):
    """Mean squared error per example: `mean((target - output)^2)`.

    SRGAN's MSE pixel loss (SRResNet pre-training). No factor 1/2.

    Reference: Ledig et al., "Photo-Realistic Single Image Super-Resolution
    Using a Generative Adversarial Network", 2017 (equation 4).

    Args:
        target: ground truth, `[batch, ...]`.
        output: prediction, same shape.

    Returns:
        Per-example loss, shape `[batch]`, float32.

    Raises:
        ValueError: for a scalar, unknown rank, or mismatched shapes.
    """
    target, output = _pair(target, output, "l2", ("target", "output"))
    return _common.mean_per_example(ops.square(target - output))


def cycle_consistency(real, reconstructed):
    """Cycle-consistency loss of one direction: `mean(|x - F(G(x))|)`.

    The L1 of CycleGAN, averaged over every non-batch element. The paper's full
    term is `lambda * (cycle(x, F(G(x))) + cycle(y, G(F(y))))`, `lambda = 10`:
    call this once per direction and sum. (TF-GAN's `cycle_consistency_loss`
    returns the *average* of the two directions, half of that sum; its
    CycleGAN example compensates with its own weight.)

    Reference: Zhu et al., "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks", 2017 (equation 2).

    Args:
        real: images `x`, `[batch, ...]`.
        reconstructed: `F(G(x))`, same shape.

    Returns:
        Per-example loss, shape `[batch]`, float32.

    Raises:
        ValueError: for a scalar, unknown rank, or mismatched shapes.
    """
    real, reconstructed = _pair(
        real, reconstructed, "cycle_consistency", ("real", "reconstructed")
    )
    return _common.mean_per_example(ops.abs(real - reconstructed))


def identity(real, mapped):
    """Identity-mapping loss: `mean(|y - G(y)|)` for `G: X -> Y`, `y` in Y.

    CycleGAN's identity term (weight `0.5 * lambda` in the official code):
    a generator fed an image of its own output domain should leave it
    unchanged. L1 averaged over every non-batch element.

    Reference: Zhu et al., "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks", 2017 (section 5.2; Taigman et
    al. 2017).

    Args:
        real: images `y` of the generator's output domain, `[batch, ...]`.
        mapped: `G(y)`, same shape.

    Returns:
        Per-example loss, shape `[batch]`, float32.

    Raises:
        ValueError: for a scalar, unknown rank, or mismatched shapes.
    """
    real, mapped = _pair(real, mapped, "identity", ("real", "mapped"))
    return _common.mean_per_example(ops.abs(real - mapped))


def kl_divergence(mu, log_var):
    """KL(N(mu, diag(exp(log_var))) || N(0, I)) per example, summed over latents.

        KL = -0.5 * sum_j (1 + log_var_j - mu_j^2 - exp(log_var_j))

    **Summed**, not averaged, over every non-batch element (the latent
    dimensions). GauGAN's style encoder (`lambda_kld = 0.05`) uses this; note
    SPADE's `KLDLoss` sums over the batch as well (`torch.sum` over all
    elements, per GPU), so its term is the per-GPU batch size times the batch
    mean of this one: to match it, multiply the weight by that batch size.

    Reference: Kingma & Welling, "Auto-Encoding Variational Bayes", 2014
    (appendix B); Park et al., "Semantic Image Synthesis with
    Spatially-Adaptive Normalization", 2019.

    Args:
        mu: means, `[batch, latent_dim]` (or `[batch, ...]`).
        log_var: log-variances, same shape.

    Returns:
        Per-example KL, shape `[batch]`, float32.

    Raises:
        ValueError: for inputs of rank < 2 or mismatched shapes.
    """
    mu, log_var = _pair(mu, log_var, "kl_divergence", ("mu", "log_var"))
    if mu.shape.rank < 2:
        raise ValueError(
            "`kl_divergence` expects `mu` and `log_var` of shape "
            f"[batch, latent_dim]; received shape {mu.shape}."
        )
    return -0.5 * _common.sum_per_example(
        1.0 + log_var - ops.square(mu) - ops.exp(log_var)
    )


# --------------------------------------------------------------------------
# Feature matching (pix2pixHD, GauGAN)
# --------------------------------------------------------------------------


def _is_sequence(x):
    return isinstance(x, (list, tuple))


def _as_scales(features, arg):
    """A list of feature maps, or a list of such lists, as a list of lists."""
    if not _is_sequence(features):
        features = [features]
    if not features:
        raise ValueError(f"`feature_matching`: `{arg}` is empty.")
    nested = [_is_sequence(f) for f in features]
    if all(nested):
        if any(not scale for scale in features):
            raise ValueError(f"`feature_matching`: `{arg}` holds an empty scale.")
        return [list(scale) for scale in features], True
    if any(nested):
        raise ValueError(
            f"`feature_matching`: `{arg}` mixes feature maps and lists of feature "
            "maps; pass a list of maps (one discriminator) or a list of lists "
            "(one list per scale)."
        )
    return [list(features)], False


def _feature_matching_weights(weights, layers_per_scale, nested):
    num_d = len(layers_per_scale)
    if weights is None or (isinstance(weights, str) and weights.lower() == "pix2pixhd"):
        return [[4.0 / (n * num_d)] * n for n in layers_per_scale]
    if isinstance(weights, str) and weights.lower() == "spade":
        return [[1.0 / num_d] * n for n in layers_per_scale]
    if isinstance(weights, str):
        raise ValueError(
            f"`feature_matching`: unknown weights {weights!r}; use None / "
            '"pix2pixhd", "spade" or a list of numbers.'
        )
    if not _is_sequence(weights):
        raise ValueError(
            "`feature_matching`: `weights` must be None, \"pix2pixhd\", \"spade\" "
            f"or a list matching the features; received {weights!r}."
        )
    scales = [list(w) if _is_sequence(w) else w for w in weights] if nested else [list(weights)]
    shape = [len(s) if _is_sequence(s) else None for s in scales]
    if len(scales) != num_d or shape != list(layers_per_scale):
        raise ValueError(
            "`feature_matching`: `weights` must have the features' structure "
            f"(layers per scale {list(layers_per_scale)}"
            f"{'' if nested else ', a flat list'}); received {weights!r}."
        )
    for scale in scales:
        for w in scale:
            if not isinstance(w, numbers.Real) or isinstance(w, bool):
                raise ValueError(
                    f"`feature_matching`: weights must be numbers; received {w!r}."
                )
    return [[float(w) for w in scale] for scale in scales]


def feature_matching(real_features, fake_features, weights=None):
    """Discriminator feature-matching loss (pix2pixHD, GauGAN).

        L_FM = sum_k sum_i w_{k,i} * mean(|D_k^(i)(s, x) - D_k^(i)(s, G(s))|)

    over the intermediate feature maps `D_k^(i)` of each discriminator scale
    `k`. The real features are detached (`stop_gradient`), as in both official
    codes: the term trains G only.

    Pass each scale's *intermediate* outputs, without the final prediction map
    (both official codes exclude it). With `weights=None` (or `"pix2pixhd"`)
    the weights are pix2pixHD's: `w_{k,i} = 4 / (n_layers_D + 1) * 1 / num_D`,
    where `n_layers_D + 1` is the number of feature maps given for the scale
    (pix2pixHD's D, `n_layers_D = 3`, returns 4, so each gets 1 / num_D).
    `"spade"` gives GauGAN's rule, `w = 1 / num_D` for every layer (SPADE's
    `pix2pix_model.py`); with SPADE's default `n_layers_D = 4` (4 feature maps)
    the two rules coincide. A list (or list of lists, one per scale) gives the
    weights themselves. The caller multiplies the result by `lambda_feat = 10`.

    Reference: Wang et al., "High-Resolution Image Synthesis and Semantic
    Manipulation with Conditional GANs", 2018 (equation 4); Park et al.,
    "Semantic Image Synthesis with Spatially-Adaptive Normalization", 2019.

    Args:
        real_features: the discriminator's feature maps on real inputs: a list
            of `[batch, ...]` tensors (one discriminator) or a list of such
            lists (one per scale of a multi-scale discriminator).
        fake_features: the same on generated inputs; same structure and shapes.
        weights: None / `"pix2pixhd"`, `"spade"`, or numbers in the features'
            structure.

    Returns:
        Per-example loss, shape `[batch]`, float32.

    Raises:
        ValueError: for mismatched structures or shapes, empty lists or bad
            weights.
    """
    real_scales, real_nested = _as_scales(real_features, "real_features")
    fake_scales, fake_nested = _as_scales(fake_features, "fake_features")
    if real_nested != fake_nested or len(real_scales) != len(fake_scales):
        raise ValueError(
            "`feature_matching`: `real_features` and `fake_features` must have the "
            f"same structure; received {len(real_scales)} and {len(fake_scales)} "
            f"scale(s) ({'nested' if real_nested else 'flat'} and "
            f"{'nested' if fake_nested else 'flat'})."
        )
    layers_per_scale = [len(scale) for scale in real_scales]
    if layers_per_scale != [len(scale) for scale in fake_scales]:
        raise ValueError(
            "`feature_matching`: `real_features` and `fake_features` must have the "
            f"same number of layers per scale; received {layers_per_scale} and "
            f"{[len(scale) for scale in fake_scales]}."
        )
    layer_weights = _feature_matching_weights(weights, layers_per_scale, real_nested)
    total = None
    for k, (real_scale, fake_scale) in enumerate(zip(real_scales, fake_scales)):
        for i, (real, fake) in enumerate(zip(real_scale, fake_scale)):
            where = f"feature_matching (scale {k}, layer {i})"
            real, fake = _pair(real, fake, where, ("real", "fake"))
            term = layer_weights[k][i] * _common.mean_per_example(
                ops.abs(ops.stop_gradient(real) - fake)
            )
            total = term if total is None else total + term
    return total


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------

TERMS = {
    "l1": l1,
    "l2": l2,
    "feature_matching": feature_matching,
    "cycle_consistency": cycle_consistency,
    "identity": identity,
    "kl_divergence": kl_divergence,
}


def register_term(name, fn):
    """Adds `fn` to `TERMS` under `name` (lower case); refuses to replace one.

    Args:
        name: the term's registry name, e.g. `"perceptual"`.
        fn: a callable returning a per-example `[batch]` loss.

    Raises:
        ValueError: if `name` is taken or `fn` is not callable.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"A term's name must be a non-empty string; received {name!r}.")
    key = name.strip().lower().replace("-", "_")
    if not callable(fn):
        raise ValueError(f"Term {name!r} must be callable; received {fn!r}.")
    if key in TERMS and TERMS[key] is not fn:
        raise ValueError(f"A loss term named {key!r} is already registered.")
    TERMS[key] = fn


def get_term(name):
    """Returns the loss-term function registered under `name`.

    Args:
        name: one of `TERMS` (`"l1"`, `"l2"`, `"feature_matching"`,
            `"cycle_consistency"`, `"identity"`, `"kl_divergence"`,
            `"perceptual"`; case-insensitive, `-` reads as `_`), or a callable,
            returned as is.

    Returns:
        The term's function.

    Raises:
        ValueError: for an unknown name.
    """
    if callable(name):
        return name
    return _common.lookup(TERMS, name, "loss term", sorted(TERMS), "a callable")

