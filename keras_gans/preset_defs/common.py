"""Helpers for writing presets: optimizer configs and variants of a preset."""

import copy


def adam(learning_rate, beta_1, beta_2=0.999):
    return {
        "class_name": "Adam",
        "config": {"learning_rate": learning_rate, "beta_1": beta_1, "beta_2": beta_2},
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


def adam_eps(learning_rate, beta_1, beta_2=0.999, epsilon=1e-8):
    return {
        "class_name": "Adam",
        "config": {"learning_rate": learning_rate, "beta_1": beta_1, "beta_2": beta_2,
                   "epsilon": epsilon},
    }


def rmsprop(learning_rate, rho=0.99, epsilon=1e-16):
    """PyTorch's RMSprop defaults (alpha 0.99, eps 1e-8 added after the square root) in Keras,
    which adds epsilon under the root: 1e-16 gives the same denominator where v = 0."""
    return {"class_name": "RMSprop", "config": {"learning_rate": learning_rate, "rho": rho, "epsilon": epsilon}}


def variant(base, **changes):
    """A deep copy of preset ``base`` with ``changes``: network builder arguments and model
    arguments are merged into the base's, other keys replaced."""
    preset = copy.deepcopy(base)
    for key, value in changes.items():
        if key in ("generator", "discriminator"):
            preset[key] = (preset[key][0], {**preset[key][1], **value})
        elif key == "model":
            preset[key] = {**preset[key], **value}
        else:
            preset[key] = value
    return preset


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
