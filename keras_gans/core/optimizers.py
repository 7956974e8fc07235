"""Optimizer specs: a Keras optimizer, a name, or a serialized config dict."""

import copy

import keras
import tensorflow as tf


def optimizer_from(spec, what):
    """A Keras optimizer from ``spec`` (an optimizer object is returned as it is)."""
    if isinstance(spec, keras.optimizers.Optimizer):
        return spec
    if isinstance(spec, (str, dict)):
        # A copy: Keras' deserialisation writes schedule objects back into the dict.
        return keras.optimizers.get(copy.deepcopy(spec))
    raise ValueError(
        f"{what} must be a keras Optimizer, an optimizer name or a serialized optimizer "
        f"config dict; received {spec!r}."
    )


def serialize_optimizer(spec):
    """A JSON-able form of ``spec`` (``None``, names and dicts pass through)."""
    if spec is None or isinstance(spec, (str, dict)):
        return spec
    return keras.optimizers.serialize(spec)


# ---------------------------------------------------------------------- config helpers
# Serialized optimizer / schedule configs for presets (plain dicts, so presets stay data).
# Moved unchanged from keras_gans/preset_defs/common.py.


def adam(learning_rate, beta_1, beta_2=0.999):
    return {
        "class_name": "Adam",
        "config": {"learning_rate": learning_rate, "beta_1": beta_1, "beta_2": beta_2},
    }


def adam_eps(learning_rate, beta_1, beta_2=0.999, epsilon=1e-8):
    return {
        "class_name": "Adam",
        "config": {"learning_rate": learning_rate, "beta_1": beta_1, "beta_2": beta_2,
                   "epsilon": epsilon},
    }


def sgd_decay(learning_rate, momentum, decay_rate):
    """SGD with momentum whose rate is divided by ``decay_rate`` after every update.

    Written as ``lr * (decay_rate ** -10000) ** (step / 10000)``: the same curve, but a
    per-step rate of 1 / 1.000004 rounds in float32 to a 3e-3 error after 1e5 steps.
    """
    return {
        "class_name": "SGD",
        "config": {
            "learning_rate": {
                "module": "keras.optimizers.schedules",
                "class_name": "ExponentialDecay",
                "config": {"initial_learning_rate": learning_rate, "decay_steps": 10_000,
                           "decay_rate": decay_rate ** -10_000},
                "registered_name": None,
            },
            "momentum": momentum,
        },
    }


def rmsprop(learning_rate, rho=0.99, epsilon=1e-16):
    """PyTorch's RMSprop defaults (alpha 0.99, eps 1e-8 added after the square root) in Keras,
    which adds epsilon under the root: 1e-16 gives the same denominator where v = 0."""
    return {"class_name": "RMSprop", "config": {"learning_rate": learning_rate, "rho": rho, "epsilon": epsilon}}


def linear_decay(learning_rate, decay_steps):
    """A learning-rate schedule config: ``learning_rate`` falling linearly to 0 over
    ``decay_steps`` optimizer updates."""
    return {
        "module": "keras.optimizers.schedules",
        "class_name": "PolynomialDecay",
        "config": {"initial_learning_rate": learning_rate, "decay_steps": decay_steps,
                   "end_learning_rate": 0.0, "power": 1.0},
        "registered_name": None,
    }


@keras.saving.register_keras_serializable(package="keras_gans")
class ConstantThenLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The learning rate of Pix2Pix and CycleGAN (``--lr_policy linear``): constant for
    ``constant_epochs`` epochs, then linearly to 0 over ``decay_epochs`` more, changed once
    per epoch of ``steps_per_epoch`` updates as the official ``lambda_rule``:
    ``lr * (1 - max(0, epoch + 1 - constant_epochs) / (decay_epochs + 1))`` for 0-based
    ``epoch = floor(step / steps_per_epoch)``, never below 0.

    Args:
        initial_learning_rate: the rate of the constant part.
        constant_epochs, decay_epochs: the official ``n_epochs`` and ``n_epochs_decay``.
        steps_per_epoch: optimizer updates per epoch (the training set size at batch 1).
    """

    def __init__(self, initial_learning_rate, constant_epochs, decay_epochs, steps_per_epoch):
        for name, value in (("constant_epochs", constant_epochs), ("decay_epochs", decay_epochs),
                            ("steps_per_epoch", steps_per_epoch)):
            if not isinstance(value, int) or isinstance(value, bool) or value < (0 if name == "constant_epochs" else 1):
                raise ValueError(f"{name} must be a positive int; received {value!r}.")
        if not isinstance(initial_learning_rate, (int, float)) or not initial_learning_rate > 0:
            raise ValueError(f"initial_learning_rate must be positive; received {initial_learning_rate!r}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_epochs = constant_epochs
        self.decay_epochs = decay_epochs
        self.steps_per_epoch = steps_per_epoch

    def __call__(self, step):
        epoch = tf.floor(tf.cast(step, tf.float32) / self.steps_per_epoch)
        factor = 1.0 - tf.maximum(0.0, epoch + 1.0 - self.constant_epochs) / (self.decay_epochs + 1.0)
        return self.initial_learning_rate * tf.maximum(factor, 0.0)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "constant_epochs": self.constant_epochs,
                "decay_epochs": self.decay_epochs, "steps_per_epoch": self.steps_per_epoch}


def constant_then_linear_decay(learning_rate, constant_epochs, decay_epochs, steps_per_epoch):
    """The config of :class:`ConstantThenLinearDecay`, for presets."""
    return {
        "module": None,
        "class_name": "ConstantThenLinearDecay",
        "config": {"initial_learning_rate": learning_rate, "constant_epochs": constant_epochs,
                   "decay_epochs": decay_epochs, "steps_per_epoch": steps_per_epoch},
        "registered_name": "keras_gans>ConstantThenLinearDecay",
    }


def with_linear_decay(spec, constant_epochs, decay_epochs, steps_per_epoch, what="the optimizer"):
    """A copy of the serialized optimizer ``spec`` whose learning rate stays constant for
    ``constant_epochs`` epochs of ``steps_per_epoch`` updates, then falls linearly to 0 over
    ``decay_epochs`` more (:class:`ConstantThenLinearDecay`, the official ``--niter`` /
    ``--niter_decay``). The rate is the spec's number, or the initial rate of the
    ``ConstantThenLinearDecay`` it has (which this replaces); another schedule is an error."""
    spec = copy.deepcopy(spec)
    config = spec.get("config") if isinstance(spec, dict) else None
    rate = config.get("learning_rate") if isinstance(config, dict) else None
    if isinstance(rate, dict) and rate.get("class_name") == "ConstantThenLinearDecay":
        rate = rate["config"]["initial_learning_rate"]
    if isinstance(rate, bool) or not isinstance(rate, (int, float)):
        raise ValueError(
            f"{what}'s learning rate must be a number (or a ConstantThenLinearDecay) to decay it "
            f"linearly; received {rate!r}."
        )
    config["learning_rate"] = constant_then_linear_decay(float(rate), constant_epochs, decay_epochs, steps_per_epoch)
    return spec
