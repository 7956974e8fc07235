"""Mixed precision: every float16 network's optimizer scales its loss; a step is close to the
float32 step; outputs, logs and exports stay float32."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import presets


@pytest.fixture
def policy():
    """Sets a global policy for the test's builds and restores float32 after it."""
    def set_policy(name):
        keras.mixed_precision.set_global_policy(name)
    yield set_policy
    keras.mixed_precision.set_global_policy("float32")


def _digits(n):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (n, 8, 8, 1)).astype("float32")


def _one_step(name, policy_name, policy, **overrides):
    policy(policy_name)
    keras.utils.set_random_seed(0)
    model = presets.build(name, seed=0, **overrides)
    model.compile()
    policy("float32")
    latents = tf.random.stateless_normal([8, 2, model.latent_dim], [1, 2])
    ds = tf.data.Dataset.from_tensors({"images": _digits(8), "latents": latents})
    history = model.fit(ds, epochs=1, verbose=0)
    return model, history


@pytest.mark.parametrize("policy_name, rtol, min_cosine", [("mixed_float16", 2e-2, 0.9),
                                                           ("mixed_bfloat16", 5e-2, 0.8)])
def test_a_step_under_the_policy_is_close_to_the_float32_step(policy, policy_name, rtol, min_cosine):
    reference, ref_history = _one_step("dcgan_tiny", "float32", policy)
    mixed, history = _one_step("dcgan_tiny", policy_name, policy)
    assert mixed.generator.dtype_policy.name == policy_name
    scaled = policy_name == "mixed_float16"
    for role, optimizer in mixed.optimizers.items():
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == scaled, role
    for key, values in history.history.items():
        assert np.isfinite(values).all(), key
        assert values[0] == pytest.approx(ref_history.history[key][0], rel=rtol, abs=1e-3), key
    for role in ("generator", "discriminator"):
        before = presets.build("dcgan_tiny", seed=0).networks[role]
        step_mixed = np.concatenate([(np.array(a) - np.array(w0)).ravel() for a, w0 in
                                     zip(mixed.networks[role].trainable_weights, before.trainable_weights)])
        step_ref = np.concatenate([(np.array(b) - np.array(w0)).ravel() for b, w0 in
                                   zip(reference.networks[role].trainable_weights, before.trainable_weights)])
        # The update (Adam, lr 2e-4) points the same way. Adam's first step is about
        # lr * sign(gradient), so weights whose gradient is ~0 may flip; the whole update agrees.
        cosine = step_mixed @ step_ref / (np.linalg.norm(step_mixed) * np.linalg.norm(step_ref))
        assert cosine > min_cosine, (role, cosine)
    images = mixed.generate(4)
    assert images.dtype == np.float32


def _tiny_loss_step(policy, **compile_kwargs):
    """One update of a float16 U-Net on L1 times 1e-7: gradients below float16's smallest
    subnormal (6e-8) unless the loss is scaled."""
    from keras_gans.models.translation import PairedTranslation
    from keras_gans.networks.patchgan import patchgan_discriminator
    from keras_gans.networks.unet import unet_generator

    policy("mixed_float16")
    g = unet_generator((32, 32, 1), output_channels=1, base_filters=4, num_downs=5, seed=0)
    d = patchgan_discriminator((32, 32, 1), condition_shape=(32, 32, 1), base_filters=4, num_layers=2, seed=0)
    policy("float32")
    model = PairedTranslation(g, d, terms={"l1": ("l1", 1e-7)}, adversarial_weight=0.0,
                              optimizers={"generator": "adam", "discriminator": "adam"})
    model.compile(**compile_kwargs)
    before = [np.array(w) for w in g.trainable_weights]
    x = _digits(4).repeat(4, 1).repeat(4, 2)
    model.fit(tf.data.Dataset.from_tensors({"source": x, "target": -x}), epochs=1, verbose=0)
    return [np.abs(np.array(w) - b).max() > 0 for w, b in zip(g.trainable_weights, before)]


def test_loss_scaling_keeps_tiny_gradients(policy):
    scaled = _tiny_loss_step(policy)  # compile() wraps Adam in a dynamic LossScaleOptimizer
    unscaled = _tiny_loss_step(policy, generator_optimizer=keras.optimizers.LossScaleOptimizer(
        keras.optimizers.Adam(), initial_scale=1.0))
    # Measured: 19 of 25 weight tensors move with scaling (the rest stay below float16's
    # range even scaled), none without.
    assert sum(scaled) >= 0.7 * len(scaled), f"only {sum(scaled)} of {len(scaled)} weights moved with scaling"
    assert sum(unscaled) <= 0.2 * len(unscaled), "without scaling the gradients survived: the test shows nothing"


def test_zoo_run_and_export_stay_float32(tmp_path):
    from zoo.common import train_lib

    summary = train_lib.run(train_lib.TrainConfig(
        preset="pix2pix_tiny", output_dir=str(tmp_path), epochs=1, steps_per_epoch=2, verbose=0,
        mixed_precision="mixed_float16", grid_size=4,
    ))
    model = summary["model"]
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after the build
    assert model.generator.dtype_policy.name == "mixed_float16"
    assert all(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in model.optimizers.values())
    assert all(np.isfinite(v).all() for v in summary["history"].values())
    serve = tf.saved_model.load(summary["export"]).signatures["serving_default"]
    out = serve(images=tf.zeros([1, 32, 32, 3]), seed=tf.constant(0))["images"]
    assert out.dtype == tf.float32 and out.shape == (1, 32, 32, 3)


def test_bad_policy_is_refused():
    from zoo.common import train_lib

    with pytest.raises(ValueError, match="--mixed_precision='float8' is not one of"):
        train_lib.TrainConfig(preset="dcgan_tiny", output_dir="x", mixed_precision="float8").validate()
