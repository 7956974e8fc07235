"""The model contract (keras_gans.core): roles, optimizers, config, phases and schedules."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import testing
from keras_gans.core import AdversarialModel, Phase, PhaseOutput
from keras_gans.core.distributed import replica_loss


def _dense(name, units=1, inputs=2):
    x = keras.Input((inputs,))
    return keras.Model(x, keras.layers.Dense(units, kernel_initializer="ones", name=f"{name}_dense")(x), name=name)


@keras.saving.register_keras_serializable(package="keras_gans_tests")
class Toy(AdversarialModel):
    """Two roles: ``a`` minimises mean(a(x)) every step; ``b`` minimises mean(b(x)^2) on the
    schedule given (``every``, ``start``, ``stop``)."""

    ROLES = ("a", "b")
    SEED_ROLE = "a"

    def __init__(self, a, b, every=1, start=0, stop=None, gate_b=False, **kwargs):
        super().__init__({"a": a, "b": b}, **kwargs)
        self.every, self.start, self.stop, self.gate_b = every, start, stop, gate_b
        self.add_tracker("a_loss")
        self.add_tracker("b_loss")
        self.phases = [Phase("a", "a", "a_step"), Phase("b", "b", "b_step", every=every, start=start, stop=stop)]
        self.build_phases()

    def get_config(self):
        return {**super().get_config(), "every": self.every, "start": self.start, "stop": self.stop,
                "gate_b": self.gate_b}

    def a_step(self, x, draw):
        out = tf.reduce_mean(self.a(x), axis=-1)
        return PhaseOutput(replica_loss(out, self.a), {"a_loss": tf.reduce_mean(out)})

    def b_step(self, x, draw):
        out = tf.reduce_mean(tf.square(self.b(x)), axis=-1)
        gates = {"b": tf.reduce_mean(x) > 100.0} if self.gate_b else None  # never true here
        return PhaseOutput(replica_loss(out, self.b), {"b_loss": tf.reduce_mean(out)}, gates)


def _toy(**kwargs):
    return Toy(_dense("a"), _dense("b"), optimizers={"a": keras.optimizers.SGD(0.1), "b": keras.optimizers.Adam(0.1)},
               **kwargs)


def _data(n=4):
    return tf.data.Dataset.from_tensors(tf.ones([n, 2])).repeat()


def _b_weights(model):
    return [np.array(w) for w in model.b.trainable_weights]


def test_roles_optimizers_and_config():
    model = _toy(ema={"a": 0.5}, seed=3)
    assert list(model.networks) == ["a", "b"] and model.trainable_roles == ("a", "b")
    assert model.ema_network("a") is model.a_ema and model.ema_network("b") is None
    model.compile()
    assert type(model.optimizers["a"]).__name__ == "SGD" and type(model.optimizers["b"]).__name__ == "Adam"
    model.compile(b_optimizer=keras.optimizers.SGD(0.5))  # <role>_optimizer overrides one role
    assert type(model.optimizers["b"]).__name__ == "SGD" and type(model.optimizers["a"]).__name__ == "SGD"
    clone = Toy.from_config(model.get_config())
    assert clone.get_config() == model.get_config() and clone.seed == 3
    restored = Toy.from_config(model.get_config())
    restored.compile_from_config(model.get_compile_config())
    assert float(restored.optimizers["b"].learning_rate) == pytest.approx(0.5)


def test_compile_errors_name_the_roles():
    model = Toy(_dense("a"), _dense("b"))
    with pytest.raises(ValueError, match=re.escape("No optimizer given for the a")):
        model.compile()
    opt = keras.optimizers.SGD()
    with pytest.raises(ValueError, match="an optimizer object of its own"):
        model.compile(optimizers={"a": opt, "b": opt})
    with pytest.raises(ValueError, match=re.escape("Optimizers for ['c'], which are not trainable roles")):
        model.compile(optimizers={"a": "sgd", "b": "sgd", "c": "sgd"})
    with pytest.raises(ValueError, match="Unknown roles"):
        Toy(_dense("a"), _dense("b"), ema={"z": 0.9})
    with pytest.raises(ValueError, match="The b must be a keras.Model"):
        AdversarialModel({"a": _dense("a"), "b": "not a model"})


def test_frozen_roles_get_no_optimizer_and_do_not_train():
    model = AdversarialModel({"a": _dense("a"), "feat": _dense("feat")}, frozen=("feat",),
                             optimizers={"a": "sgd"})
    model.compile()
    assert list(model.optimizers) == ["a"] and not model.feat.trainable
    model.phases = [Phase("p", "feat", "call")]  # a phase must update trainable roles
    with pytest.raises(ValueError, match=re.escape("Phase 'p' updates ['feat'], which are not trainable roles")):
        model.build_phases()


@pytest.mark.parametrize("every, start, stop, runs", [
    (1, 0, None, [0, 1, 2, 3, 4, 5]),
    (4, 0, None, [0, 4]),
    (2, 1, None, [1, 3, 5]),
    (1, 2, None, [2, 3, 4, 5]),
    (1, 0, 3, [0, 1, 2]),
])
def test_scheduled_phase_runs_on_its_steps_only(every, start, stop, runs):
    model = _toy(every=every, start=start, stop=stop)
    model.compile()
    assert (model.step_counter is not None) == model.phases[1].scheduled
    seen = []
    for step in range(6):
        before = _b_weights(model)
        slots = [np.array(v) for v in model.optimizers["b"].variables]
        model.fit(_data(), steps_per_epoch=1, epochs=1, verbose=0)
        moved = any(not np.array_equal(a, b) for a, b in zip(before, _b_weights(model)))
        if moved:
            seen.append(step)
        else:  # a skipped step leaves the weights *and* the optimizer state exactly
            for a, b in zip(slots, model.optimizers["b"].variables):
                np.testing.assert_array_equal(a, np.array(b))
    assert seen == runs
    assert int(model.optimizers["b"].iterations) == len(runs)
    assert int(model.optimizers["a"].iterations) == 6
    assert testing.expected_updates(model, 6) == {"a": 6, "b": len(runs)}


def test_skipped_steps_log_nothing_and_leave_the_ema():
    model = _toy(every=3, ema={"b": 0.5})
    model.compile()
    history = model.fit(_data(), steps_per_epoch=3, epochs=1, verbose=0)  # b runs at step 0 only
    # b runs at step 0 only, before any update: b(x) = 1 + 1 = 2 (ones kernel, zero bias), loss
    # 4; the two skipped steps add nothing to the epoch's mean.
    assert history.history["b_loss"][0] == pytest.approx(4.0, rel=1e-6)
    ema_after = [np.array(w) for w in model.b_ema.weights]
    model.fit(_data(), steps_per_epoch=2, epochs=1, verbose=0)  # steps 3 (runs) and 4 (skipped)
    model.fit(_data(), steps_per_epoch=1, epochs=1, verbose=0)  # step 5: skipped
    ema_now = [np.array(w) for w in model.b_ema.weights]
    assert any(not np.array_equal(a, b) for a, b in zip(ema_after, ema_now))  # moved at step 3 only
    before = [np.array(w) for w in model.b_ema.weights]
    model.fit(_data(), steps_per_epoch=1, epochs=1, verbose=0)  # step 6 runs; 7, 8 will not
    mid = [np.array(w) for w in model.b_ema.weights]
    model.fit(_data(), steps_per_epoch=2, epochs=1, verbose=0)
    for a, b in zip(mid, model.b_ema.weights):
        np.testing.assert_array_equal(a, np.array(b))
    assert any(not np.array_equal(a, b) for a, b in zip(before, mid))


def test_gates_undo_an_update():
    model = _toy(gate_b=True)
    model.compile()
    before = _b_weights(model)
    model.fit(_data(), steps_per_epoch=2, epochs=1, verbose=0)
    for a, b in zip(before, _b_weights(model)):
        np.testing.assert_array_equal(a, b)
    assert int(model.optimizers["b"].iterations) == 0  # the optimizer's state is restored too


def test_scheduled_phases_under_two_replicas_equal_one_device():
    devices = tf.config.list_logical_devices("CPU")
    results = []
    for strategy in (tf.distribute.OneDeviceStrategy(devices[0].name),
                     tf.distribute.MirroredStrategy([d.name for d in devices[:2]])):
        with strategy.scope():
            model = _toy(every=2, start=1)
            model.compile()
        x = np.arange(16, dtype="float32").reshape(8, 2) / 16
        model.fit(tf.data.Dataset.from_tensor_slices(x).batch(4).repeat(), steps_per_epoch=5, epochs=1, verbose=0)
        results.append(([np.array(w) for w in model.weights],
                        int(keras.ops.convert_to_numpy(model.optimizers["b"].iterations.value))))
    (one, it1), (two, it2) = results
    assert it1 == it2 == 2
    for a, b in zip(one, two):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_phase_arguments_are_checked():
    for kwargs, message in (
        ({"every": 0}, "every must be an int >= 1; received 0"),
        ({"start": -1}, "start must be an int >= 0; received -1"),
        ({"start": 5, "stop": 5}, "stop must be None or an int > start=5; received 5"),
        ({"repeat": 1.5}, "repeat must be an int >= 1; received 1.5"),
    ):
        with pytest.raises(ValueError, match=re.escape(message)):
            Phase("p", "a", "a_step", **kwargs)
    with pytest.raises(ValueError, match="update must name one or more roles"):
        Phase("p", (), "a_step")
    with pytest.raises(RuntimeError, match="Call compile"):
        _toy().update("a", tf.ones([2, 2]))
    with pytest.raises(ValueError, match=re.escape("Unknown phase 'c'; this model's phases are ['a', 'b']")):
        _toy().update("c", tf.ones([2, 2]))
    model = _toy()
    model.phases = [Phase("p", "a", "no_such_method")]
    with pytest.raises(ValueError, match="the model has no method 'no_such_method'"):
        model.build_phases()


@keras.saving.register_keras_serializable(package="keras_gans_tests")
class TwoOptimizers(AdversarialModel):
    """One role ``a`` minimising mean(a(x)): with its own optimizer for ``switch`` steps, then
    with the extra optimizer ``a_late`` (SeqGAN's fresh Adam for adversarial training)."""

    ROLES = ("a",)
    SEED_ROLE = "a"
    EXTRA_OPTIMIZERS = {"a_late": "a"}

    def __init__(self, a, switch=2, **kwargs):
        super().__init__({"a": a}, **kwargs)
        self.switch = switch
        self.add_tracker("a_loss")
        self.phases = [Phase("early", "a", "a_step", stop=switch),
                       Phase("late", "a", "a_step", start=switch, optimizers={"a": "a_late"})]
        self.build_phases()

    def get_config(self):
        return {**super().get_config(), "switch": self.switch}

    def a_step(self, x, draw):
        out = tf.reduce_mean(self.a(x), axis=-1)
        return PhaseOutput(replica_loss(out, self.a), {"a_loss": tf.reduce_mean(out)})


def test_a_phase_can_update_a_role_with_an_extra_optimizer(tmp_path):
    model = TwoOptimizers(_dense("a"), optimizers={"a": keras.optimizers.SGD(0.1),
                                                   "a_late": keras.optimizers.SGD(1.0)})
    model.compile()
    assert set(model.optimizers) == {"a", "a_late"}
    model.fit(_data(), steps_per_epoch=2, epochs=1, verbose=0)
    # d mean(a(x)) / d kernel = mean(x) = 1 per entry: two SGD(0.1) steps from 1.
    np.testing.assert_allclose(np.array(model.a.trainable_weights[0]), 0.8, atol=1e-6)
    assert int(model.optimizers["a_late"].iterations) == 0
    model.fit(_data(), steps_per_epoch=2, epochs=1, verbose=0)
    # then two SGD(1.0) steps; the first optimizer no longer moves.
    np.testing.assert_allclose(np.array(model.a.trainable_weights[0]), 0.8 - 2.0, atol=1e-6)
    assert int(model.optimizers["a"].iterations) == 2
    assert int(model.optimizers["a_late"].iterations) == 2
    path = str(tmp_path / "m.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    assert float(restored.optimizers["a_late"].learning_rate) == 1.0
    assert int(restored.optimizers["a_late"].iterations) == 2


def test_extra_optimizer_errors():
    with pytest.raises(ValueError, match="not one of this model's extra optimizers"):
        class Bad(TwoOptimizers):
            EXTRA_OPTIMIZERS = {}
        Bad(_dense("a"), optimizers={"a": "sgd"})
    with pytest.raises(ValueError, match="optimizers maps roles it updates"):
        Phase("p", "a", "a_step", optimizers={"b": "a_late"})
    with pytest.raises(ValueError, match="Unknown roles"):
        TwoOptimizers(_dense("a"), optimizers={"a": "sgd", "nope": "sgd"})


@pytest.mark.parametrize("every, start, stop", [(1, 0, None), (3, 0, None), (2, 5, None), (1, 4, 9), (4, 2, 17)])
def test_runs_between_counts_the_steps_a_phase_runs_on(every, start, stop):
    """Against the step-by-step rule (Phase.active) on every range of steps 0..24."""
    from keras_gans.core.phases import updates_between

    phase = Phase("p", "a", "loss", every=every, start=start, stop=stop, repeat=3)
    on = [bool(phase.active(s)) for s in range(25)]
    for first in range(25):
        for end in range(first, 26):
            assert phase.runs_between(first, end) == sum(on[first:end]), (first, end)
    plain = Phase("q", ("a", "b"), "loss", optimizers={"b": "b_extra"})
    assert updates_between([phase, plain], ["a", "b_extra"], 0, 10) == {"a": 3 * sum(on[:10]) + 10, "b_extra": 10}
