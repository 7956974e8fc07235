"""GAN evaluation metrics: FID, KID, Inception Score, precision/recall, mode coverage.

`functional` holds NumPy float64 functions over features / probabilities / logits;
`streaming` holds `keras.metrics.Metric` classes that accumulate bounded state batch by
batch. Feature extractors (InceptionV3 pool features, classifiers) are injected by the
caller, so nothing here downloads weights.
"""

from keras_gans.metrics.functional import class_coverage
from keras_gans.metrics.functional import conditional_accuracy
from keras_gans.metrics.functional import feature_statistics
from keras_gans.metrics.functional import fid_from_features
from keras_gans.metrics.functional import frechet_distance
from keras_gans.metrics.functional import inception_score
from keras_gans.metrics.functional import kernel_inception_distance
from keras_gans.metrics.functional import precision_recall
from keras_gans.metrics.functional import sqrtm_psd_product
from keras_gans.metrics.streaming import ClassCoverage
from keras_gans.metrics.streaming import FrechetDistance
from keras_gans.metrics.streaming import InceptionScore
from keras_gans.metrics.streaming import KernelInceptionDistance

__all__ = [
    "class_coverage",
    "conditional_accuracy",
    "feature_statistics",
    "fid_from_features",
    "frechet_distance",
    "inception_score",
    "kernel_inception_distance",
    "precision_recall",
    "sqrtm_psd_product",
    "ClassCoverage",
    "FrechetDistance",
    "InceptionScore",
    "KernelInceptionDistance",
]

# Feature extractors (images in [-1, 1] -> {"features", "logits"}).
from keras_gans.metrics.extractors import CLASSIFIER_DIR_ENV  # noqa: E402
from keras_gans.metrics.extractors import FeatureExtractor  # noqa: E402
from keras_gans.metrics.extractors import InceptionV3Extractor  # noqa: E402
from keras_gans.metrics.extractors import InceptionWeightsUnavailableError  # noqa: E402
from keras_gans.metrics.extractors import ModelExtractor  # noqa: E402
from keras_gans.metrics.extractors import SavedModelClassifierExtractor  # noqa: E402
from keras_gans.metrics.extractors import default_classifier_dir  # noqa: E402
from keras_gans.metrics.extractors import default_extractor  # noqa: E402
from keras_gans.metrics.extractors import protocol_name  # noqa: E402

from keras_gans.metrics import extractors as _extractors  # noqa: E402
from keras_gans.metrics.modes import mode_coverage  # noqa: E402

__all__ += _extractors.__all__ + ["mode_coverage"]

# Super-resolution's evaluation protocol, text scores and NLL-oracle (as modules:
# `metrics.super_resolution.sr_psnr`, `metrics.text.bleu`, `metrics.oracle.oracle_nll`).
from keras_gans.metrics import oracle, super_resolution, text  # noqa: E402
from keras_gans.metrics.super_resolution import feature_distance, rgb_to_y, sharpness_ratio, sr_psnr, sr_ssim  # noqa: E402,E501

__all__ += ["feature_distance", "oracle", "rgb_to_y", "sharpness_ratio", "sr_psnr", "sr_ssim", "super_resolution", "text"]
