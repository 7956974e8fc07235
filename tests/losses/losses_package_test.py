"""The keras_gans.losses package keeps the public API of the former losses.py module."""

import importlib

import keras
import numpy as np

from keras_gans import losses

# Every public name of keras_gans/losses.py before it became a package.
FORMER_API = [
    "LossPair", "WeightClip", "dragan_penalty", "get", "hinge_discriminator_loss", "hinge_generator_loss",
    "least_squares_discriminator_loss", "least_squares_generator_loss", "minimax_discriminator_loss",
    "minimax_generator_loss", "modified_discriminator_loss", "modified_generator_loss", "r1_penalty",
    "r2_penalty", "relativistic_average_discriminator_loss", "relativistic_average_generator_loss",
    "relativistic_discriminator_loss", "relativistic_generator_loss", "wasserstein_discriminator_loss",
    "wasserstein_generator_loss", "wasserstein_gradient_penalty",
]
MODULES = {
    "adversarial": ["LossPair", "get", "minimax_generator_loss", "hinge_discriminator_loss"],
    "penalties": ["WeightClip", "wasserstein_gradient_penalty", "dragan_penalty", "r1_penalty", "r2_penalty"],
    "reconstruction": ["l1", "l2", "feature_matching", "cycle_consistency", "identity", "kl_divergence", "TERMS",
                       "get_term", "register_term"],
    "perceptual": ["vgg19_features", "perceptual_loss", "VGGPreprocessing", "FeatureModel",
                   "PERCEPTUAL_SETTINGS"],
}


def test_former_api_is_importable_from_the_package():
    for name in FORMER_API:
        assert name in losses.__all__, name
        assert hasattr(losses, name), name
    from keras_gans.losses import dragan_penalty, get, r1_penalty, wasserstein_gradient_penalty  # noqa: F401


def test_each_name_lives_in_its_module_and_is_reexported():
    every = set()
    for module_name, names in MODULES.items():
        module = importlib.import_module(f"keras_gans.losses.{module_name}")
        assert getattr(losses, module_name) is module
        assert set(names) <= set(module.__all__), module_name
        for name in module.__all__:
            assert getattr(losses, name) is getattr(module, name), name
        every |= set(module.__all__)
    assert set(losses.__all__) == every


def test_weight_clip_configs_saved_before_the_split_still_load():
    config = {"module": "keras_gans.losses", "class_name": "WeightClip", "config": {"clip_value": 0.05},
              "registered_name": "keras_gans>WeightClip"}
    restored = keras.saving.deserialize_keras_object(config)
    assert isinstance(restored, losses.WeightClip) and restored.clip_value == 0.05
    np.testing.assert_allclose(restored(np.array([-1.0, 0.01], np.float32)), [-0.05, 0.01])


def test_loss_pairs_keep_their_attributes():
    pair = losses.get("relativistic_average")
    assert pair.generator is losses.relativistic_average_generator_loss
    assert pair.discriminator is losses.relativistic_average_discriminator_loss
    assert pair.generator_needs_real is True
    assert losses.get("hinge").generator_needs_real is False
