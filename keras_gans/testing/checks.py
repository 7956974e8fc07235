"""Checks for any model of the zoo: config round trip, fit, save/restore, export, two replicas.

Each iterates over what the model declares (``model.networks``, ``model.optimizers``,
``model.phases``, ``model.serving_functions()``, ``model.example_serving_inputs()``), so a
family's test file is a few calls whatever its roles. Each raises ``AssertionError`` with a
message when the property does not hold. ``build_fn`` is a zero-argument callable returning
a fresh, uncompiled model (it is called under a strategy scope where needed).
"""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import tensorflow as tf

from keras_gans.export import export_model


def _int(variable):
    """A scalar variable's value as an int, also for a mirrored one."""
    return int(keras.ops.convert_to_numpy(variable.value))


def _weights(model):
    return [np.array(w) for w in model.weights]


def _serve(model, inputs):
    """``serving_default`` of ``model`` called in this process on NumPy ``inputs``."""
    fn = model.serving_functions()["serving_default"]
    return fn(**{k: tf.constant(v) for k, v in inputs.items()})[model.serving_output].numpy()


def _random_inputs(network, batch=3, seed=1):
    """Inputs for ``network`` from its input specs (floats in [-1, 1], integer inputs 0/1);
    ``None`` when a non-batch dimension is unknown."""
    rng = np.random.default_rng(seed)
    values = []
    for spec in network.inputs:
        shape = tuple(spec.shape[1:])
        if any(d is None for d in shape):
            return None
        if "int" in str(spec.dtype):
            values.append(rng.integers(0, 2, (batch,) + shape).astype(str(spec.dtype)))
        else:
            values.append(rng.uniform(-1, 1, (batch,) + shape).astype("float32"))
    return values if len(values) > 1 else values[0]


def run_config_roundtrip_check(model):
    """``from_config(get_config())`` rebuilds the same roles; with copied weights every
    role's network and the served output are identical."""
    config = model.get_config()
    json.dumps(config)  # the config must be JSON-serializable
    clone = model.__class__.from_config(config)
    assert clone.get_config() == config, "get_config() differs after from_config()"
    assert list(clone.networks) == list(model.networks), "the roles differ after from_config()"
    for role, network in model.networks.items():
        clone.networks[role].set_weights(network.get_weights())
        inputs = _random_inputs(network)
        if inputs is not None:
            np.testing.assert_allclose(
                np.asarray(clone.networks[role](inputs, training=False)),
                np.asarray(network(inputs, training=False)), rtol=1e-5, atol=1e-5,
                err_msg=f"the {role} differs after from_config()",
            )
    inputs = model.example_serving_inputs(3)
    np.testing.assert_allclose(_serve(clone, inputs), _serve(model, inputs), rtol=1e-5, atol=1e-5)
    return clone


def _dataset(data, labels, batch_size):
    if isinstance(data, tf.data.Dataset):
        return data
    elements = data if labels is None else (data, labels)
    return tf.data.Dataset.from_tensor_slices(elements).repeat().batch(batch_size, drop_remainder=True)


def expected_updates(model, steps, start=0):
    """``{role: optimizer updates}`` in ``steps`` training steps from step ``start`` (every
    phase's repeats; a scheduled phase counts the steps it runs)."""
    counts = {role: 0 for role in model.optimizers}
    for phase in model.phases:
        runs = steps * phase.repeat
        if phase.scheduled:
            runs = phase.repeat * sum(1 for s in range(start, start + steps) if bool(phase.active(s)))
        for role in phase.update:
            counts[phase.optimizer_key(role)] += runs
    return counts


def run_fit_check(model, data, steps=3, batch_size=None, labels=None):
    """A few ``fit`` steps on ``data`` (an array of images, a dict of arrays such as
    ``{"source", "target"}``, or a ``tf.data.Dataset``; with ``labels`` for a conditional
    model): losses are finite, every trainable role's weights move, and each role's
    optimizer took the updates the phases declare."""
    if not model.optimizers:
        model.compile()
    batch_size = batch_size or 4 * model.batch_chunks
    ds = _dataset(data, labels, batch_size)
    before = {role: _weights(model.networks[role]) for role in model.trainable_roles}
    iterations = {role: _int(o.iterations) for role, o in model.optimizers.items()}
    start = _int(model.step_counter) if model.step_counter is not None else 0
    history = model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), f"{name} is not finite: {values}"
    for role, weights in before.items():
        moved = any(not np.allclose(a, b) for a, b in zip(weights, _weights(model.networks[role])) if a.size)
        assert moved, f"the {role}'s weights did not change in {steps} steps"
    for role, count in expected_updates(model, steps, start).items():
        got = _int(model.optimizers[role].iterations) - iterations[role]
        assert got == count, f"the {role}'s optimizer took {got} updates; the phases declare {count}"
    return history


def run_save_restore_check(model, directory):
    """A ``.keras`` file restores every role and every optimizer's state."""
    path = os.path.join(directory, "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    inputs = model.example_serving_inputs(2)
    np.testing.assert_allclose(_serve(restored, inputs), _serve(model, inputs), rtol=1e-6, atol=1e-6)
    assert set(restored.optimizers) == set(model.optimizers), "the optimizers were not restored"
    for role, optimizer in model.optimizers.items():
        assert _int(restored.optimizers[role].iterations) == _int(optimizer.iterations), role
        for a, b in zip(restored.optimizers[role].variables, optimizer.variables):
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
    np.save(sys.argv[3], out[sys.argv[4]].numpy())
    """
)


def run_export_check(model, directory, num_samples=4):
    """Exports the model and reloads it in a fresh Python process in which ``keras_gans``
    cannot be imported; the served images equal the model's own serving function on the
    model's example inputs."""
    path = export_model(model, os.path.join(directory, "export"))
    inputs = model.example_serving_inputs(num_samples)
    np.savez(os.path.join(directory, "inputs.npz"), **inputs)
    script = os.path.join(directory, "load.py")
    with open(script, "w") as f:
        f.write(_LOADER)
    out_path = os.path.join(directory, "served.npy")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    result = subprocess.run(
        [sys.executable, script, path, os.path.join(directory, "inputs.npz"), out_path, model.serving_output],
        cwd=directory, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"loader failed:\n{result.stderr[-3000:]}"
    served = np.load(out_path)
    np.testing.assert_allclose(served, _serve(model, inputs), rtol=1e-5, atol=1e-5)
    return path


def run_mirrored_equivalence_check(build_fn, images, latents=None, steps=2, atol=1e-5, labels=None,
                                   fake_labels=None):
    """Two replicas (``MirroredStrategy`` over two logical devices) end with the same
    weights in every role as one device fed the same global batches.

    ``images`` is ``[steps * B, ...]`` (or a dict of such arrays, e.g. ``{"source",
    "target"}``) and ``latents`` ``[steps * B, 2, latent_dim]`` for latent models (fed, so no
    draw depends on the replica count); the model must not use batch norm (per-replica
    statistics differ by design). A conditional model also gets ``labels`` ``[steps * B]``
    (real labels) and ``fake_labels`` ``[steps * B, 2]`` (fed like ``latents``).
    """
    devices = tf.config.list_logical_devices("CPU")
    assert len(devices) >= 2, "needs two logical CPU devices (see tests/conftest.py)"
    features = dict(images) if isinstance(images, dict) else {"images": images}
    batch = len(next(iter(features.values()))) // steps
    if latents is not None:
        features["latents"] = latents
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
            model = build_fn()
            model.compile()
        model.fit(ds, epochs=1, verbose=0, shuffle=False)
        results.append({role: _weights(network) for role, network in model.networks.items()})
    one, two = results
    for role in one:
        for a, b in zip(one[role], two[role]):
            np.testing.assert_allclose(a, b, atol=atol, rtol=1e-4, err_msg=f"the {role} differs")
    fresh = build_fn()
    assert any(not np.allclose(a, b) for a, b in zip(_weights(fresh.generator), one["generator"])), \
        "no training happened"


def run_mirrored_fit_check(build_fn, images, labels=None, steps=2, batch_size=None):
    """Trains under ``MirroredStrategy`` on two logical devices: losses finite, weights moved,
    the step counters right. For models whose replicas legitimately differ from one device
    (batch norm, spectral norm's power iteration), where the equivalence check cannot apply."""
    devices = tf.config.list_logical_devices("CPU")
    assert len(devices) >= 2, "needs two logical CPU devices (see tests/conftest.py)"
    strategy = tf.distribute.MirroredStrategy([d.name for d in devices[:2]])
    with strategy.scope():
        model = build_fn()
        model.compile()
    return run_fit_check(model, images, steps=steps, labels=labels,
                         batch_size=batch_size or 4 * model.batch_chunks)


def record_calls(network):
    """Wraps ``network.call`` so that every call's inputs are appended, as NumPy arrays (a
    list of arrays for a multi-input network), to the returned list (eager tests that look at
    what a network was shown, e.g. which fakes reached D)."""
    seen = []
    call = network.call

    def recording(inputs, *args, **kwargs):
        as_numpy = [np.array(x) for x in inputs] if isinstance(inputs, (list, tuple)) else np.array(inputs)
        seen.append(as_numpy)
        return call(inputs, *args, **kwargs)

    network.call = recording
    return seen
