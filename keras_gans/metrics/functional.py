"""GAN evaluation metrics as plain functions over features, probabilities or logits.

Everything here is NumPy in float64 and returns Python floats (or NumPy arrays where
said). Inputs may be NumPy arrays, lists or TensorFlow tensors (they go through
`np.asarray`). Feature extraction (InceptionV3 pool features, classifier logits) is the
caller's business, so these functions test and run without any pretrained weights.

Protocols follow the reference implementations people compare against:

- FID: Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a
  Local Nash Equilibrium". Statistics in float64, covariance with ddof=1 (as pytorch-fid
  and TF-GAN).
- KID: Bińkowski et al. 2018, "Demystifying MMD GANs". Unbiased MMD^2 with the cubic
  polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged over random subsets.
- IS: Salimans et al. 2016, "Improved Techniques for Training GANs".
  exp(E_x KL(p(y|x) || p(y))), 10 splits, mean and std over splits.
- Precision / recall: Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric
  for Assessing Generative Models", k = 3.
"""

import numpy as np
import scipy.linalg

__all__ = [
    "feature_statistics",
    "sqrtm_psd_product",
    "frechet_distance",
    "fid_from_features",
    "kernel_inception_distance",
    "inception_score",
    "precision_recall",
    "class_coverage",
]


def _as_features(x, name):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array of shape (num_samples, feature_dim); "
            f"received shape {x.shape}."
        )
    return x



def _feature_pair(real_features, fake_features):
    """Both arrays as 2-D float64 features with the same feature dimension, or ValueError."""
    real_features = _as_features(real_features, "real_features")
    fake_features = _as_features(fake_features, "fake_features")
    if real_features.shape[1] != fake_features.shape[1]:
        raise ValueError(
            "real_features and fake_features must have the same feature dimension; "
            f"received shapes {real_features.shape} and {fake_features.shape}."
        )
    return real_features, fake_features


def _psd_factor(sigma):
    """A factor F with F @ F.T == sigma, for a symmetric PSD matrix sigma.

    Cholesky when sigma is numerically positive definite (the usual case for FID with
    more samples than dimensions; about 6x cheaper than an eigendecomposition at
    2048-d); otherwise (rank-deficient covariances, e.g. fewer samples than
    dimensions) F = V diag(sqrt(max(lambda, 0))) from the symmetric eigendecomposition,
    with round-off negative eigenvalues clipped to 0.
    """
    sigma = 0.5 * (sigma + sigma.T)
    try:
        return scipy.linalg.cholesky(sigma, lower=True, check_finite=False)
    except np.linalg.LinAlgError:
        pass
    eigvals, eigvecs = scipy.linalg.eigh(sigma, driver="evd", check_finite=False)
    return eigvecs * np.sqrt(np.clip(eigvals, 0.0, None))


def feature_statistics(features):
    """Mean and covariance (ddof=1) of a feature matrix, in float64.

    Args:
        features: array of shape (num_samples, feature_dim), num_samples >= 2.

    Returns:
        (mu, sigma): float64 arrays of shapes (feature_dim,) and
        (feature_dim, feature_dim).
    """
    features = _as_features(features, "features")
    if features.shape[0] < 2:
        raise ValueError(
            "feature_statistics needs at least 2 samples for a covariance; "
            f"received {features.shape[0]}."
        )
    mu = features.mean(axis=0)
    sigma = np.cov(features, rowvar=False, ddof=1)
    return mu, np.atleast_2d(sigma)


def sqrtm_psd_product(sigma1, sigma2):
    """Trace of sqrtm(sigma1 @ sigma2) for symmetric PSD sigma1, sigma2.

    With any factor sigma1 = F @ F.T, the product sigma1 @ sigma2 has the same
    eigenvalues as the symmetric PSD matrix M = F.T @ sigma2 @ F (eig(AB) = eig(BA)),
    so tr sqrtm(sigma1 sigma2) = sum_i sqrt(max(eig_i(M), 0)) (eigenvalues below
    d * eps * max eig, i.e. zero to working precision, count as 0). F is the Cholesky
    factor when sigma1 is positive definite and V sqrt(Lambda) from `eigh` (negative
    eigenvalues clipped to 0) when it is only semi-definite; F = V sqrt(Lambda) gives
    M = V.T sqrt(sigma1) sigma2 sqrt(sigma1) V, the textbook symmetric form.

    Symmetric factorisations replace scipy.linalg.sqrtm's Schur-based square root of
    a non-symmetric matrix: several times faster at 2048-d and free of the spurious
    imaginary parts sqrtm produces on near-singular covariances (no eps offset).

    Args:
        sigma1, sigma2: symmetric PSD arrays of the same shape (d, d).

    Returns:
        float: tr sqrtm(sigma1 @ sigma2).
    """
    sigma1 = np.asarray(sigma1, dtype=np.float64)
    sigma2 = np.asarray(sigma2, dtype=np.float64)
    if sigma1.ndim != 2 or sigma1.shape[0] != sigma1.shape[1] or sigma1.shape != sigma2.shape:
        raise ValueError(
            "sqrtm_psd_product needs two square matrices of the same shape; received "
            f"shapes {sigma1.shape} and {sigma2.shape}."
        )
    if not (np.all(np.isfinite(sigma1)) and np.all(np.isfinite(sigma2))):
        raise ValueError("sqrtm_psd_product received non-finite covariance entries.")
    factor = _psd_factor(sigma1)
    m = factor.T @ sigma2 @ factor
    m = 0.5 * (m + m.T)
    eigvals = scipy.linalg.eigh(m, eigvals_only=True, driver="evd", check_finite=False)
    # Eigenvalues below the usual numerical-rank tolerance (d * eps * largest) are
    # round-off around an exact zero; their square roots (~1e-8 each) would otherwise
    # add up on rank-deficient covariances.
    tol = eigvals.shape[0] * np.finfo(np.float64).eps * max(float(eigvals.max()), 0.0)
    eigvals = np.where(eigvals > tol, eigvals, 0.0)
    return float(np.sum(np.sqrt(eigvals)))


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    d^2 = ||mu1 - mu2||^2 + tr(sigma1) + tr(sigma2) - 2 tr sqrtm(sigma1 sigma2)

    (Heusel et al. 2017). With Inception pool features this is the FID.

    Args:
        mu1, mu2: mean vectors of shape (d,).
        sigma1, sigma2: covariance matrices of shape (d, d).

    Returns:
        float. Tiny negative values from round-off are clipped to 0.
    """
    mu1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    mu2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    sigma1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    d = mu1.shape[0]
    if (
        mu1.ndim != 1
        or mu2.shape != mu1.shape
        or sigma1.shape != (d, d)
        or sigma2.shape != (d, d)
    ):
        raise ValueError(
            "frechet_distance needs mu1, mu2 of shape (d,) and sigma1, sigma2 of shape "
            f"(d, d) with the same d; received mu1 {mu1.shape}, sigma1 {sigma1.shape}, "
            f"mu2 {mu2.shape}, sigma2 {sigma2.shape}."
        )
    diff = mu1 - mu2
    tr_covmean = sqrtm_psd_product(sigma1, sigma2)
    value = float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean)
    return max(value, 0.0)


def fid_from_features(real_features, fake_features):
    """Fréchet Inception Distance between two feature sets of shape (n, d).

    Args:
        real_features: (n_real, d) features of real samples (e.g. InceptionV3 pool3,
            d = 2048).
        fake_features: (n_fake, d) features of generated samples.

    Returns:
        float FID.
    """
    real_features, fake_features = _feature_pair(real_features, fake_features)
    mu1, sigma1 = feature_statistics(real_features)
    mu2, sigma2 = feature_statistics(fake_features)
    return frechet_distance(mu1, sigma1, mu2, sigma2)


def _polynomial_kernel(x, y):
    d = x.shape[1]
    return (x @ y.T / d + 1.0) ** 3


def _unbiased_polynomial_mmd2(x, y):
    """Unbiased MMD^2 estimate with k(a, b) = (a.b / d + 1)^3 for equal-size x, y."""
    m = x.shape[0]
    k_xx = _polynomial_kernel(x, x)
    k_yy = _polynomial_kernel(y, y)
    k_xy = _polynomial_kernel(x, y)
    sum_xx = k_xx.sum() - np.trace(k_xx)
    sum_yy = k_yy.sum() - np.trace(k_yy)
    return sum_xx / (m * (m - 1)) + sum_yy / (m * (m - 1)) - 2.0 * k_xy.sum() / (m * m)


def kernel_inception_distance(
    real_features, fake_features, num_subsets=100, subset_size=1000, seed=0
):
    """Kernel Inception Distance (Bińkowski et al. 2018).

    For each of `num_subsets` subsets, draws `subset_size` real and `subset_size` fake
    features without replacement and computes the unbiased MMD^2 with the cubic
    polynomial kernel k(x, y) = (x.y / d + 1)^3: the within-set kernel sums exclude
    their diagonals, so the estimate is 0 in expectation when both sets come from the
    same distribution (and can be negative).

    Subsets are drawn with `rng = np.random.default_rng(seed)`, for each subset first
    `rng.choice(n_real, m, replace=False)` then `rng.choice(n_fake, m, replace=False)`.

    Args:
        real_features: (n_real, d) array.
        fake_features: (n_fake, d) array.
        num_subsets: number of random subsets.
        subset_size: samples per subset and side; clipped to min(n_real, n_fake).
        seed: seed of the subset draws.

    Returns:
        (mean, std) over subsets, Python floats (std with ddof=0).
    """
    real_features, fake_features = _feature_pair(real_features, fake_features)
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be >= 1; received {num_subsets}.")
    n_real, n_fake = real_features.shape[0], fake_features.shape[0]
    m = min(int(subset_size), n_real, n_fake)
    if m < 2:
        raise ValueError(
            "kernel_inception_distance needs subsets of at least 2 samples; received "
            f"subset_size={subset_size}, n_real={n_real}, n_fake={n_fake}."
        )
    rng = np.random.default_rng(seed)
    values = np.empty(num_subsets, dtype=np.float64)
    for i in range(num_subsets):
        x = real_features[rng.choice(n_real, m, replace=False)]
        y = fake_features[rng.choice(n_fake, m, replace=False)]
        values[i] = _unbiased_polynomial_mmd2(x, y)
    return float(values.mean()), float(values.std())


def _log_probs(probs_or_logits, from_logits):
    x = np.asarray(probs_or_logits, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(
            "inception_score needs a 2-D array of shape (num_samples, num_classes); "
            f"received shape {x.shape}."
        )
    if from_logits:
        shifted = x - x.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return np.exp(log_p), log_p
    if np.any(x < 0):
        raise ValueError(
            "inception_score received negative probabilities; pass from_logits=True "
            "for logits."
        )
    with np.errstate(divide="ignore"):
        log_p = np.log(x)
    return x, log_p


def _split_indices(num_samples, splits, assignment):
    if assignment == "contiguous":
        return [
            np.arange(i * num_samples // splits, (i + 1) * num_samples // splits)
            for i in range(splits)
        ]
    if assignment == "round_robin":
        return [np.arange(i, num_samples, splits) for i in range(splits)]
    raise ValueError(
        "assignment must be 'contiguous' or 'round_robin'; received "
        f"{assignment!r}."
    )


def inception_score(probs_or_logits, splits=10, from_logits=False, assignment="contiguous"):
    """Inception Score (Salimans et al. 2016).

    IS = exp(E_x KL(p(y|x) || p(y))), with p(y) the mean of p(y|x) over the split,
    computed per split; returns the mean and std over splits.

    Args:
        probs_or_logits: (num_samples, num_classes) class probabilities, or logits with
            `from_logits=True`.
        splits: number of splits (10 in the paper).
        from_logits: whether the input is logits (softmax is applied in float64).
        assignment: how samples go to splits. "contiguous" (default, as the original
            code and TF-GAN): split i holds samples [i*N//splits, (i+1)*N//splits).
            "round_robin": sample j goes to split j % splits, which is what the
            streaming `InceptionScore` metric does (it does not know N in advance).

    Returns:
        (mean, std) over splits, Python floats (std with ddof=0).
    """
    probs, log_p = _log_probs(probs_or_logits, from_logits)
    num_samples = probs.shape[0]
    if not 1 <= splits <= num_samples:
        raise ValueError(
            f"splits must be between 1 and the number of samples ({num_samples}); "
            f"received {splits}."
        )
    scores = []
    for idx in _split_indices(num_samples, splits, assignment):
        p, lp = probs[idx], log_p[idx]
        marginal = p.mean(axis=0)
        # 0 * log 0 = 0: terms with p(y|x) = 0 contribute nothing.
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(p > 0, p * (lp - np.log(marginal)), 0.0).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    scores = np.asarray(scores)
    return float(scores.mean()), float(scores.std())


def _sq_norms(x):
    return np.einsum("ij,ij->i", x, x)


def _sq_dists(a, a_sq, b, b_sq):
    d2 = a_sq[:, None] + b_sq[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d2, 0.0)


def _kth_nn_sq_radii(x, k, batch_size):
    """Squared distance of each row of x to its k-th nearest other row, in blocks."""
    n = x.shape[0]
    x_sq = _sq_norms(x)
    radii = np.empty(n, dtype=np.float64)
    for r0 in range(0, n, batch_size):
        rows = slice(r0, min(r0 + batch_size, n))
        best = None  # running k+1 smallest squared distances (self included)
        for c0 in range(0, n, batch_size):
            cols = slice(c0, min(c0 + batch_size, n))
            d2 = _sq_dists(x[rows], x_sq[rows], x[cols], x_sq[cols])
            cand = d2 if best is None else np.concatenate([best, d2], axis=1)
            kk = min(k + 1, cand.shape[1])
            best = np.partition(cand, kk - 1, axis=1)[:, :kk]
        # Sorted position k (0-based) counts the sample itself at position 0.
        radii[rows] = np.sort(best, axis=1)[:, k]
    return radii


def _mutual_coverage(real, fake, real_sq_radii, fake_sq_radii, batch_size):
    """Fractions of fakes in some real ball and of reals in some fake ball.

    Each (fake block x real block) distance matrix serves both directions.
    """
    real_sq, fake_sq = _sq_norms(real), _sq_norms(fake)
    fake_inside = np.zeros(fake.shape[0], dtype=bool)
    real_inside = np.zeros(real.shape[0], dtype=bool)
    for r0 in range(0, fake.shape[0], batch_size):
        rows = slice(r0, min(r0 + batch_size, fake.shape[0]))
        for c0 in range(0, real.shape[0], batch_size):
            cols = slice(c0, min(c0 + batch_size, real.shape[0]))
            d2 = _sq_dists(fake[rows], fake_sq[rows], real[cols], real_sq[cols])
            fake_inside[rows] |= np.any(d2 <= real_sq_radii[None, cols], axis=1)
            real_inside[cols] |= np.any(d2 <= fake_sq_radii[rows, None], axis=0)
    return float(fake_inside.mean()), float(real_inside.mean())


def precision_recall(real_features, fake_features, k=3, batch_size=4096):
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    Each sample's manifold ball has radius equal to the distance to its k-th nearest
    neighbour in its own set (itself excluded). Precision is the fraction of fake
    samples inside at least one real ball (distance <= radius); recall is the fraction
    of real samples inside at least one fake ball.

    Distances are computed in (batch_size x batch_size) float64 blocks, so memory is
    O(batch_size^2 + n * d) whatever the number of samples (4096 -> 134 MB per block).

    Args:
        real_features: (n_real, d) array, n_real > k.
        fake_features: (n_fake, d) array, n_fake > k.
        k: neighbourhood size (3 in the paper).
        batch_size: block size for the pairwise distances.

    Returns:
        (precision, recall), Python floats in [0, 1].
    """
    real, fake = _feature_pair(real_features, fake_features)
    if k < 1 or real.shape[0] <= k or fake.shape[0] <= k:
        raise ValueError(
            f"precision_recall needs k >= 1 and more than k samples per set; received "
            f"k={k}, n_real={real.shape[0]}, n_fake={fake.shape[0]}."
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; received {batch_size}.")
    real_radii = _kth_nn_sq_radii(real, k, batch_size)
    fake_radii = _kth_nn_sq_radii(fake, k, batch_size)
    return _mutual_coverage(real, fake, real_radii, fake_radii, batch_size)


def class_coverage(predicted_labels, num_classes, min_count=1):
    """Mode coverage of generated samples as seen by a classifier.

    Args:
        predicted_labels: integer class labels of shape (n,), or class probabilities /
            logits of shape (n, num_classes) (argmax is taken).
        num_classes: number of classes.
        min_count: a class counts as covered when it has at least this many samples.

    Returns:
        dict with
          covered: number of classes with >= min_count samples (int),
          histogram: int64 counts per class, shape (num_classes,),
          kl_to_uniform: KL(p || uniform) = log(num_classes) - H(p), in nats
              (0 for a perfectly balanced sample, log(num_classes) for one class),
          tvd_to_uniform: 0.5 * sum |p - 1/num_classes| (total variation distance).
    """
    labels = np.asarray(predicted_labels)
    if labels.ndim == 2:
        if labels.shape[1] != num_classes:
            raise ValueError(
                f"class_coverage got scores of shape {labels.shape} for "
                f"num_classes={num_classes}."
            )
        labels = labels.argmax(axis=1)
    labels = labels.reshape(-1).astype(np.int64)
    if labels.size == 0:
        raise ValueError("class_coverage needs at least one label.")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(
            f"labels must lie in [0, {num_classes}); received values in "
            f"[{labels.min()}, {labels.max()}]."
        )
    hist = np.bincount(labels, minlength=num_classes).astype(np.int64)
    return _coverage_summary(hist, min_count)


def conditional_accuracy(predicted, requested_labels, num_classes):
    """How often a classifier agrees with the class a conditional generator was asked for.

    Args:
        predicted: the classifier's labels ``(n,)`` or scores ``(n, num_classes)`` (argmax).
        requested_labels: the labels the samples were generated with, ``(n,)``.
        num_classes: number of classes.

    Returns:
        dict with ``accuracy`` (share of samples classified as requested) and
        ``per_class`` (that share for each requested class; NaN where none was requested).
    """
    predicted = np.asarray(predicted)
    if predicted.ndim == 2:
        if predicted.shape[1] != num_classes:
            raise ValueError(f"conditional_accuracy got scores of shape {predicted.shape} for "
                             f"num_classes={num_classes}.")
        predicted = predicted.argmax(axis=1)
    requested = np.asarray(requested_labels).reshape(-1).astype(np.int64)
    predicted = predicted.reshape(-1).astype(np.int64)
    if predicted.shape != requested.shape or requested.size == 0:
        raise ValueError(f"predicted and requested labels must be two non-empty arrays of one length; "
                         f"received {predicted.shape} and {requested.shape}.")
    if requested.min() < 0 or requested.max() >= num_classes:
        raise ValueError(f"requested labels must lie in [0, {num_classes}); received values in "
                         f"[{requested.min()}, {requested.max()}].")
    hits = predicted == requested
    counts = np.bincount(requested, minlength=num_classes)
    per_class = np.bincount(requested, weights=hits, minlength=num_classes) / np.maximum(counts, 1)
    per_class = np.where(counts > 0, per_class, np.nan)
    return {"accuracy": float(hits.mean()), "per_class": per_class}


def _coverage_summary(hist, min_count):
    hist = np.asarray(hist).astype(np.int64)
    num_classes = hist.shape[0]
    p = hist / max(hist.sum(), 1)
    nz = p > 0
    kl = float(np.sum(p[nz] * np.log(p[nz] * num_classes)))
    tvd = float(0.5 * np.abs(p - 1.0 / num_classes).sum())
    return dict(
        covered=int(np.sum(hist >= min_count)),
        histogram=hist,
        kl_to_uniform=kl,
        tvd_to_uniform=tvd,
    )
