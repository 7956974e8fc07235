"""Checks for any GAN model: config round trip, fit, save/restore, export, two replicas.

Each raises ``AssertionError`` with a message when the property does not hold, so a model's
test file is a few calls. ``build_fn`` is a zero-argument callable returning a fresh,
uncompiled GAN (it is called under a strategy scope where needed).
"""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import tensorflow as tf

from keras_gans.export import export_generator


def _int(variable):
    """A scalar variable's value as an int, also for a mirrored one."""
    return int(keras.ops.convert_to_numpy(variable.value))


def _weights(model):
    return [np.array(w) for w in model.weights]


def run_config_roundtrip_check(gan):
    """``from_config(get_config())`` rebuilds the same networks; with copied weights the
    generator and discriminator give identical outputs."""
    config = gan.get_config()
    json.dumps(config)  # the config must be JSON-serializable
    clone = gan.__class__.from_config(config)
    assert clone.get_config() == config, "get_config() differs after from_config()"
    clone.generator.set_weights(gan.generator.get_weights())
    clone.discriminator.set_weights(gan.discriminator.get_weights())
    z = tf.random.normal([3, gan.latent_dim], seed=1)
    labels = tf.constant([0, 1, 1]) if getattr(gan, "num_classes", None) else None
    np.testing.assert_allclose(_g(clone, z, labels), _g(gan, z, labels), rtol=1e-6, atol=1e-6)
    images = _g(gan, z, labels)
    d_in = images if labels is None else [images, labels]
    np.testing.assert_allclose(
        clone.discriminator(d_in), gan.discriminator(d_in), rtol=1e-5, atol=1e-5
    )
    return clone


def _g(gan, latents, labels, generator=None):
    generator = generator or gan.generator
    return generator(latents if labels is None else [latents, labels], training=False)


def run_fit_check(gan, images, steps=3, batch_size=None, labels=None):
    """A few ``fit`` steps on ``images`` (with ``labels`` for a conditional model): losses are
    finite, both networks' weights move, and the optimizers took n_critic discriminator steps
    per generator step."""
    if gan.g_optimizer is None:
        gan.compile()
    batch_size = batch_size or 4 * gan.n_critic
    ds = tf.data.Dataset.from_tensor_slices(images if labels is None else (images, labels)).repeat().batch(batch_size, drop_remainder=True)
    g_before, d_before = _weights(gan.generator), _weights(gan.discriminator)
    d_it0, g_it0 = _int(gan.d_optimizer.iterations), _int(gan.g_optimizer.iterations)
    history = gan.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), f"{name} is not finite: {values}"
    for label, before, model in (("generator", g_before, gan.generator), ("discriminator", d_before, gan.discriminator)):
        moved = any(not np.allclose(a, b) for a, b in zip(before, _weights(model)) if a.size)
        assert moved, f"the {label}'s weights did not change in {steps} steps"
    assert _int(gan.g_optimizer.iterations) - g_it0 == steps
    assert _int(gan.d_optimizer.iterations) - d_it0 == steps * gan.n_critic
    return history


def run_save_restore_check(gan, directory):
    """A ``.keras`` file restores the networks and both optimizers' state."""
    path = os.path.join(directory, "gan.keras")
    gan.save(path)
    restored = keras.saving.load_model(path)
    z = tf.random.normal([2, gan.latent_dim], seed=2)
    labels = tf.constant([0, 1]) if getattr(gan, "num_classes", None) else None
    np.testing.assert_allclose(_g(restored, z, labels), _g(gan, z, labels), rtol=1e-6, atol=1e-6)
    assert restored.g_optimizer is not None, "the optimizers were not restored"
    assert int(restored.d_optimizer.iterations) == _int(gan.d_optimizer.iterations)
    for a, b in zip(restored.d_optimizer.variables, gan.d_optimizer.variables):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-6, atol=1e-7)
    return restored


_LOADER = textwrap.dedent(
    """
    import sys
    sys.modules["keras_gans"] = None  # prove the SavedModel needs none of our code
    try:
        import keras_gans  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("keras_gans is importable in the loader process")
    import numpy as np
    import tensorflow as tf
    inputs = dict(np.load(sys.argv[2]))
    serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
    out = serve(**{k: tf.constant(v) for k, v in inputs.items()})
    np.save(sys.argv[3], out["images"].numpy())
    """
)


def run_export_check(gan, directory, num_samples=4):
    """Exports the inference generator and reloads it in a fresh Python process in which
    ``keras_gans`` cannot be imported; the served images equal the Keras model's (a
    conditional model's signature takes ``labels`` too)."""
    path = export_generator(gan, os.path.join(directory, "export"))
    latents = np.random.default_rng(0).normal(size=(num_samples, gan.latent_dim)).astype("float32")
    inputs = {"latents": latents}
    num_classes = getattr(gan, "num_classes", None)
    if num_classes:
        inputs["labels"] = (np.arange(num_samples) % num_classes).astype("int32")
    np.savez(os.path.join(directory, "inputs.npz"), **inputs)
    script = os.path.join(directory, "load.py")
    with open(script, "w") as f:
        f.write(_LOADER)
    out_path = os.path.join(directory, "served.npy")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    result = subprocess.run(
        [sys.executable, script, path, os.path.join(directory, "inputs.npz"), out_path],
        cwd=directory, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"loader failed:\n{result.stderr[-3000:]}"
    served = np.load(out_path)
    expected = _g(gan, latents, inputs.get("labels"), gan.inference_generator).numpy()
    np.testing.assert_allclose(served, expected, rtol=1e-5, atol=1e-5)
    return path


def run_mirrored_equivalence_check(build_fn, images, latents, steps=2, atol=1e-5, labels=None,
                                   fake_labels=None):
    """Two replicas (``MirroredStrategy`` over two logical devices) end with the same
    weights as one device fed the same global batches and latents.

    ``images`` is ``[steps * B, ...]`` and ``latents`` ``[steps * B, 2, latent_dim]``; the
    model must not use batch norm (per-replica statistics differ by design). A conditional
    model also gets ``labels`` ``[steps * B]`` (real labels) and ``fake_labels``
    ``[steps * B, 2]`` (fed like ``latents``, so no draw depends on the replica count).
    """
    devices = tf.config.list_logical_devices("CPU")
    assert len(devices) >= 2, "needs two logical CPU devices (see tests/conftest.py)"
    batch = images.shape[0] // steps
    features = {"images": images, "latents": latents}
    if labels is not None:
        features["labels"] = labels
        features["fake_labels"] = fake_labels
    ds = tf.data.Dataset.from_tensor_slices(features).batch(batch)

    results = []
    for strategy in (
        tf.distribute.OneDeviceStrategy(devices[0].name),
        tf.distribute.MirroredStrategy([d.name for d in devices[:2]]),
    ):
        keras.utils.set_random_seed(0)
        with strategy.scope():
            gan = build_fn()
            gan.compile()
        gan.fit(ds, epochs=1, verbose=0, shuffle=False)
        results.append((_weights(gan.generator), _weights(gan.discriminator)))
    (g1, d1), (g2, d2) = results
    for one, two in zip(g1 + d1, g2 + d2):
        np.testing.assert_allclose(one, two, atol=atol, rtol=1e-4)
    moved = build_fn()
    assert any(not np.allclose(a, b) for a, b in zip(_weights(moved.generator), g1)), "no training happened"


def run_mirrored_fit_check(build_fn, images, labels=None, steps=2, batch_size=None):
    """Trains under ``MirroredStrategy`` on two logical devices: losses finite, weights moved,
    the step counters right. For models whose replicas legitimately differ from one device
    (batch norm, spectral norm's power iteration), where the equivalence check cannot apply."""
    devices = tf.config.list_logical_devices("CPU")
    assert len(devices) >= 2, "needs two logical CPU devices (see tests/conftest.py)"
    strategy = tf.distribute.MirroredStrategy([d.name for d in devices[:2]])
    with strategy.scope():
        gan = build_fn()
        gan.compile()
    return run_fit_check(gan, images, steps=steps, labels=labels,
                         batch_size=batch_size or 4 * gan.n_critic)
