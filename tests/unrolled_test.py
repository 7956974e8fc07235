"""Tests for keras_gans/tricks/unrolled.py: functional Adam / SGD unrolling of the discriminator."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import losses
from keras_gans.tricks.unrolled import (
    unrolled_discriminator_weights,
    unrolled_generator_loss,
    call_with_weights,
)

D_LOSS = losses.minimax_discriminator_loss


def _saddle(fake_logits, real_logits):
    """The paper's generator objective: minus the discriminator loss."""
    return -D_LOSS(real_logits, fake_logits)


def _linear_d(dim=2, seed=0, dtype="float64"):
    d = keras.Sequential([keras.Input((dim,), dtype=dtype), keras.layers.Dense(1, dtype=dtype)])
    rng = np.random.default_rng(seed)
    d.set_weights([rng.normal(size=(dim, 1)), rng.normal(size=(1,))])
    return d


def _mlp_d(dim=2, hidden=4, seed=0, dtype="float64"):
    d = keras.Sequential([
        keras.Input((dim,), dtype=dtype),
        keras.layers.Dense(hidden, activation="tanh", dtype=dtype),
        keras.layers.Dense(1, dtype=dtype),
    ])
    rng = np.random.default_rng(seed)
    d.set_weights([rng.normal(size=w.shape) for w in d.get_weights()])
    return d


def _linear_g(latent=3, dim=2, seed=1, dtype="float64"):
    g = keras.Sequential([keras.Input((latent,), dtype=dtype), keras.layers.Dense(dim, dtype=dtype)])
    rng = np.random.default_rng(seed)
    g.set_weights([rng.normal(size=w.shape) for w in g.get_weights()])
    return g


def _batches(n=5, latent=3, seed=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)), rng.normal(size=(n, latent))


def _real_fake(n=5, seed=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)), rng.normal(loc=0.5, size=(n, 2))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_linear_grads(w, b, real, fake):
    """Gradient of mean_i [softplus(-D(x_i)) + softplus(D(G(z_i)))] for D(x) = x w + b."""
    r, f = real @ w + b, fake @ w + b
    coef_r, coef_f = -_sigmoid(-r), _sigmoid(f)  # [B, 1]
    n = real.shape[0]
    gw = (real.T @ coef_r + fake.T @ coef_f) / n
    gb = (coef_r.sum(0) + coef_f.sum(0)) / n
    return gw, gb


def _built(optimizer, model):
    optimizer.build(model.trainable_variables)
    return optimizer


def _warm_up(optimizer, model, steps=2, seed=3):
    """Real optimizer steps with random gradients, so its state is not the initial one."""
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        grads = [tf.constant(rng.normal(size=v.shape), v.dtype) for v in model.trainable_variables]
        optimizer.apply_gradients(zip(grads, model.trainable_variables))


def _snapshot(*objects):
    return [np.array(v) for obj in objects for v in obj.variables]


# ---------------------------------------------------------------------------- update rules
def test_zero_steps_returns_the_current_weights():
    d = _linear_d()
    opt = _built(keras.optimizers.Adam(0.1), d)
    real, fake = _real_fake()
    values = unrolled_discriminator_weights(d, opt, D_LOSS, real, fake, steps=0)
    assert len(values) == len(d.trainable_variables)
    for got, var in zip(values, d.trainable_variables):
        assert tf.is_tensor(got)
        np.testing.assert_array_equal(np.array(got), np.array(var))


@pytest.mark.parametrize(
    "momentum,nesterov,steps,schedule",
    [(0.0, False, 1, False), (0.0, False, 3, True), (0.875, False, 2, False), (0.875, True, 2, False)],
)
def test_sgd_matches_numpy(momentum, nesterov, steps, schedule):
    """w <- w - lr * grad (steps=1) by hand; momentum / Nesterov / a schedule as in Keras.

    Hyperparameters are exact in float32 (Keras casts them through float32)."""
    d = _linear_d()
    lr = 0.25
    rate = (keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=1, decay_rate=0.5)
            if schedule else lr)
    opt = _built(keras.optimizers.SGD(rate, momentum=momentum, nesterov=nesterov), d)
    _warm_up(opt, d, steps=1)
    real, fake = _real_fake()
    w, b = (np.array(v) for v in d.trainable_variables)
    m = [np.array(v) for v in opt.momentums] if momentum else [0 * w, 0 * b]
    it = int(opt.iterations)
    for k in range(steps):
        rate_k = lr * 0.5 ** (it + k) if schedule else lr
        grads = _np_linear_grads(w, b, real, fake)
        if momentum:
            m = [mi * momentum - g * rate_k for mi, g in zip(m, grads)]
            deltas = [mi * momentum - g * rate_k for mi, g in zip(m, grads)] if nesterov else m
        else:
            deltas = [-g * rate_k for g in grads]
        w, b = w + deltas[0], b + deltas[1]
    got = unrolled_discriminator_weights(d, opt, D_LOSS, real, fake, steps=steps)
    np.testing.assert_allclose(np.array(got[0]), w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.array(got[1]), b, rtol=1e-10, atol=1e-12)
    if steps == 1 and not momentum:  # the formula of the brief, spelled out
        gw, gb = _np_linear_grads(np.array(d.trainable_variables[0]), np.array(d.trainable_variables[1]),
                                  real, fake)
        np.testing.assert_allclose(np.array(got[0]), np.array(d.trainable_variables[0]) - lr * gw, rtol=1e-12)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_two_steps_match_numpy_from_the_current_state(amsgrad):
    d = _linear_d()
    opt = _built(keras.optimizers.Adam(0.125, beta_1=0.5, beta_2=0.75, epsilon=1e-3, amsgrad=amsgrad), d)
    _warm_up(opt, d, steps=2)
    real, fake = _real_fake()
    params = [np.array(v) for v in d.trainable_variables]
    m = [np.array(v) for v in opt._momentums]
    v = [np.array(x) for x in opt._velocities]
    v_hat = [np.array(x) for x in opt._velocity_hats] if amsgrad else None
    assert int(opt.iterations) == 2 and all(np.abs(x).sum() > 0 for x in m + v)
    b1, b2, eps, lr = 0.5, 0.75, 1e-3, 0.125
    for k in range(2):
        t = 2 + k + 1
        grads = _np_linear_grads(params[0], params[1], real, fake)
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        for j, g in enumerate(grads):
            m[j] = b1 * m[j] + (1 - b1) * g
            v[j] = b2 * v[j] + (1 - b2) * g * g
            denom = v[j]
            if amsgrad:
                v_hat[j] = np.maximum(v_hat[j], v[j])
                denom = v_hat[j]
            params[j] = params[j] - alpha * m[j] / (np.sqrt(denom) + eps)
    got = unrolled_discriminator_weights(d, opt, D_LOSS, real, fake, steps=2)
    for a, b in zip(got, params):
        np.testing.assert_allclose(np.array(a), b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("optimizer", ["adam", "sgd_nesterov"])
def test_unrolled_weights_equal_the_real_optimizers_steps(optimizer):
    """K unrolled steps = K real ``apply_gradients`` steps of a copy of the optimizer on the same
    batch (default float32 hyperparameters, e.g. Adam's 0.9 / 0.999 / 1e-7)."""
    d = _mlp_d(dtype="float32")
    make = {"adam": lambda: keras.optimizers.Adam(0.01),
            "sgd_nesterov": lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True)}[optimizer]
    opt = _built(make(), d)
    _warm_up(opt, d, steps=2)
    real, fake = (tf.constant(x, tf.float32) for x in _real_fake())
    got = unrolled_discriminator_weights(d, opt, D_LOSS, real, fake, steps=3)

    twin = _mlp_d(dtype="float32")
    twin.set_weights(d.get_weights())
    twin_opt = _built(make(), twin)
    for target, source in zip(twin_opt.variables, opt.variables):
        target.assign(source)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(D_LOSS(twin(real), twin(fake)))
        twin_opt.apply_gradients(zip(tape.gradient(loss, twin.trainable_variables),
                                     twin.trainable_variables))
    for a, b in zip(got, twin.trainable_variables):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-5, atol=1e-6)
    assert max(float(np.max(np.abs(np.array(a) - w))) for a, w in zip(got, d.get_weights())) > 1e-3


# ---------------------------------------------------------------------------- gradients
def _unrolled_g_loss(g, d, opt, real, z, steps):
    fake = g(z)
    values = unrolled_discriminator_weights(d, opt, D_LOSS, real, fake, steps)
    return tf.reduce_mean(unrolled_generator_loss(d, values, _saddle, fake, real))


def _g_grads(g, d, opt, real, z, steps):
    with tf.GradientTape() as tape:
        loss = _unrolled_g_loss(g, d, opt, real, z, steps)
    return loss, tape.gradient(loss, g.trainable_variables)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_generator_gradient_through_the_unrolling_matches_finite_differences(optimizer):
    g, d = _linear_g(), _mlp_d()
    opt = (keras.optimizers.SGD(0.5, momentum=0.5) if optimizer == "sgd"
           else keras.optimizers.Adam(0.125, beta_1=0.5, beta_2=0.75, epsilon=1e-3))
    _built(opt, d)
    _warm_up(opt, d, steps=2)  # non-trivial moments: Adam's first step is ~lr * sign(grad)
    real, z = _batches()
    steps = 3
    _, grads = _g_grads(g, d, opt, real, z, steps)
    _, plain = _g_grads(g, d, opt, real, z, 0)
    # The unrolled gradient is a different one (the point of the method) ...
    diff = max(float(np.max(np.abs(np.array(a) - np.array(b)))) for a, b in zip(grads, plain))
    assert diff > 1e-3, diff
    # ... and it is the exact derivative of the unrolled loss: central differences in float64.
    h = 1e-6
    for var, grad in zip(g.trainable_variables, grads):
        base = np.array(var)
        numeric = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            for sign in (1, -1):
                pert = base.copy()
                pert[idx] += sign * h
                var.assign(pert)
                numeric[idx] += sign * float(_unrolled_g_loss(g, d, opt, real, z, steps)) / (2 * h)
            var.assign(base)
        np.testing.assert_allclose(np.array(grad), numeric, rtol=1e-6, atol=1e-8)


def test_real_variables_are_unchanged_and_tf_function_agrees():
    g, d = _linear_g(), _mlp_d()
    opt = _built(keras.optimizers.Adam(0.125, beta_1=0.5), d)
    _warm_up(opt, d, steps=1)
    real, z = _batches()
    before = _snapshot(d, opt) + [int(opt.iterations)]
    loss, grads = _g_grads(g, d, opt, real, z, 3)
    after = _snapshot(d, opt) + [int(opt.iterations)]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)

    @tf.function
    def compiled(real, z):
        return _g_grads(g, d, opt, real, z, 3)

    loss_fn, grads_fn = compiled(tf.constant(real), tf.constant(z))
    np.testing.assert_allclose(float(loss_fn), float(loss), rtol=1e-12)
    for a, b in zip(grads_fn, grads):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-10, atol=1e-12)
    for a, b in zip(before, _snapshot(d, opt) + [int(opt.iterations)]):
        np.testing.assert_array_equal(a, b)


def test_zero_discriminator_gradients_keep_the_generator_gradient_finite():
    """A hidden unit whose outgoing weight is 0 has exactly zero gradients at the first
    unrolled step; from Adam's initial state (v = 0) the derivative of sqrt(v) is infinite
    there, which must not turn G's gradient into NaN (0 * inf)."""
    g = _linear_g()
    d = keras.Sequential([
        keras.Input((2,), dtype="float64"),
        keras.layers.Dense(2, activation="tanh", dtype="float64"),
        keras.layers.Dense(1, dtype="float64"),
    ])
    d.set_weights([np.array([[1.0, 0.3], [0.5, -0.2]]), np.array([0.1, 0.2]),
                   np.array([[1.0], [0.0]]), np.array([0.0])])
    opt = _built(keras.optimizers.Adam(0.1), d)
    real, z = _batches()
    values = unrolled_discriminator_weights(d, opt, D_LOSS, real, g(z), steps=1)
    # The second unit's incoming weights did not move (zero gradient -> zero Adam step).
    np.testing.assert_array_equal(np.array(values[0])[:, 1], [0.3, -0.2])
    loss, grads = _g_grads(g, d, opt, real, z, 2)
    assert np.isfinite(float(loss))
    assert all(np.all(np.isfinite(np.array(x))) for x in grads)


def test_call_with_weights_equals_a_model_with_those_weights():
    d = _mlp_d()
    other = _mlp_d(seed=5)
    x = tf.constant(_batches()[0])
    got = call_with_weights(d, [v.value for v in other.trainable_variables], x)
    np.testing.assert_allclose(np.array(got), np.array(other(x)), rtol=1e-12)


# ---------------------------------------------------------------------------- errors
def test_errors_say_what_was_received():
    d = _linear_d()
    real, fake = _real_fake()
    with pytest.raises(ValueError, match="RMSprop"):
        unrolled_discriminator_weights(d, _built(keras.optimizers.RMSprop(), d), D_LOSS, real, fake, 1)
    with pytest.raises(ValueError, match="clipnorm"):
        unrolled_discriminator_weights(d, _built(keras.optimizers.Adam(clipnorm=1.0), d), D_LOSS,
                                       real, fake, 1)
    with pytest.raises(ValueError, match="not built"):
        unrolled_discriminator_weights(d, keras.optimizers.Adam(), D_LOSS, real, fake, 1)
    with pytest.raises(ValueError, match="other variables"):
        unrolled_discriminator_weights(d, _built(keras.optimizers.Adam(), _linear_d()), D_LOSS,
                                       real, fake, 1)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="non-negative int"):
            unrolled_discriminator_weights(d, _built(keras.optimizers.SGD(), d), D_LOSS, real, fake, bad)


# ---------------------------------------------------------------------------- two replicas
def test_two_replicas_unroll_the_same_weights_as_one_device():
    """Under MirroredStrategy the unrolled D gradients are summed across replicas: every
    replica unrolls the single-device weights, and the per-replica G gradients add up to the
    single-device gradient of the same global batch."""
    devices = tf.config.list_logical_devices("CPU")
    assert len(devices) >= 2, "needs two logical CPU devices (see tests/conftest.py)"
    dtype = "float32"
    g_ref, d_ref = _linear_g(dtype=dtype), _mlp_d(dtype=dtype)
    opt_ref = _built(keras.optimizers.Adam(0.125, beta_1=0.5), d_ref)
    real, z = (x.astype("float32") for x in _batches(n=8))
    ref_w = unrolled_discriminator_weights(d_ref, opt_ref, D_LOSS, real, g_ref(z), steps=2)
    _, ref_grads = _g_grads(g_ref, d_ref, opt_ref, real, z, 2)

    strategy = tf.distribute.MirroredStrategy([x.name for x in devices[:2]])
    with strategy.scope():
        g, d = _linear_g(dtype=dtype), _mlp_d(dtype=dtype)
        opt = _built(keras.optimizers.Adam(0.125, beta_1=0.5), d)
    g.set_weights(g_ref.get_weights())
    d.set_weights(d_ref.get_weights())
    data = strategy.experimental_distribute_dataset(tf.data.Dataset.from_tensors((real, z)))

    @tf.function
    def step(batch):
        def replica_fn(real, z):
            with tf.GradientTape() as tape:
                fake = g(z)
                values = unrolled_discriminator_weights(d, opt, D_LOSS, real, fake, 2)
                loss = tf.nn.compute_average_loss(unrolled_generator_loss(d, values, _saddle, fake, real))
            return values, tape.gradient(loss, g.trainable_variables)
        return strategy.run(replica_fn, args=batch)

    values, grads = step(next(iter(data)))
    for ref, per_replica in zip(ref_w, values):
        for local in strategy.experimental_local_results(per_replica):
            np.testing.assert_allclose(np.array(local), np.array(ref), rtol=1e-5, atol=1e-6)
    for ref, per_replica in zip(ref_grads, grads):
        total = sum(np.array(x) for x in strategy.experimental_local_results(per_replica))
        np.testing.assert_allclose(total, np.array(ref), rtol=1e-4, atol=1e-6)
