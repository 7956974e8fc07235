"""Steps declared as data: which roles a phase updates, with which loss, on which schedule."""

import numbers
from typing import NamedTuple, Optional

import tensorflow as tf


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


class Phase:
    """One update inside a training step (StyleGAN2-ADA's ``Gmain``, ``Dreg``, ...).

    ``train_step`` runs a model's phases in order. A phase calls the model method named
    ``loss`` on its inputs, takes the gradients of the result with respect to the trainable
    variables of the roles in ``update`` and applies each role's own optimizer.

    Schedules (all counted in training steps, i.e. ``train_step`` calls, from 0):

    * ``every=k``: runs on steps ``start, start + k, start + 2k, ...`` (lazy regularisation);
    * ``start=N``: not before step N (a warm-up without the discriminator);
    * ``stop=N``: not from step N on (pre-training);
    * ``repeat=r``: runs r times per step on the model's r input chunks (n_critic).

    A scheduled phase stays inside the one traced step: its loss and gradients are computed
    under ``tf.cond``, and on a step where it does not run its optimizers' update is undone
    exactly (weights and optimizer state), so the step is replica-safe under any
    ``tf.distribute`` strategy (Keras' optimizers synchronise replicas and cannot run inside
    ``tf.cond``). A scheduled phase's loss must therefore not synchronise replicas itself.

    Args:
        name: the phase's name (logs and errors).
        update: role names whose optimizers apply this phase's gradients.
        loss: the name of a model method ``fn(inputs, draw) -> PhaseOutput``.
        every, start, stop, repeat: the schedule (see above).
        optimizers: ``{role: optimizer key}`` for a role this phase updates with one of the
            model's ``EXTRA_OPTIMIZERS`` instead of the role's own optimizer.
    """

    def __init__(self, name, update, loss, every=1, start=0, stop=None, repeat=1, optimizers=None):
        if not isinstance(name, str) or not name:
            raise ValueError(f"A phase name must be a non-empty string; received {name!r}.")
        if isinstance(update, str):
            update = (update,)
        update = tuple(update)
        if not update or not all(isinstance(r, str) for r in update):
            raise ValueError(f"Phase {name!r}: update must name one or more roles; received {update!r}.")
        if not isinstance(loss, str) or not loss:
            raise ValueError(f"Phase {name!r}: loss must name a model method; received {loss!r}.")
        for what, value, low in (("every", every, 1), ("start", start, 0), ("repeat", repeat, 1)):
            if not _is_int(value) or value < low:
                raise ValueError(f"Phase {name!r}: {what} must be an int >= {low}; received {value!r}.")
        if stop is not None and (not _is_int(stop) or stop <= start):
            raise ValueError(
                f"Phase {name!r}: stop must be None or an int > start={start}; received {stop!r}."
            )
        optimizers = dict(optimizers or {})
        stray = [r for r in optimizers if r not in update]
        if stray or not all(isinstance(k, str) and k for k in optimizers.values()):
            raise ValueError(
                f"Phase {name!r}: optimizers maps roles it updates ({list(update)}) to optimizer "
                f"keys (strings); received {optimizers!r}."
            )
        self.optimizers = optimizers
        self.name, self.update, self.loss = name, update, loss
        self.every, self.start, self.stop, self.repeat = int(every), int(start), stop, int(repeat)

    def optimizer_key(self, role):
        """The key in ``model.optimizers`` of the optimizer that updates ``role`` here."""
        return self.optimizers.get(role, role)

    @property
    def scheduled(self):
        """Whether the phase skips some steps (so it needs the model's step counter)."""
        return self.every > 1 or self.start > 0 or self.stop is not None

    def runs_between(self, first, end):
        """How many of the steps ``first .. end - 1`` (Python ints) the phase runs on."""
        low = max(first, self.start)
        high = end if self.stop is None else min(end, self.stop)
        if high <= low:
            return 0
        # The runs are the steps start + k * every; count the k that land in [low, high).
        return -(-(high - self.start) // self.every) - -(-(low - self.start) // self.every)

    def active(self, step):
        """A boolean tensor: does the phase run at training step ``step`` (int64)?"""
        step = tf.cast(step, tf.int64)
        on = tf.logical_and(step >= self.start, (step - self.start) % self.every == 0)
        if self.stop is not None:
            on = tf.logical_and(on, step < self.stop)
        return on

    def get_config(self):
        return {"name": self.name, "update": list(self.update), "loss": self.loss, "every": self.every,
                "start": self.start, "stop": self.stop, "repeat": self.repeat,
                "optimizers": dict(self.optimizers)}

    def __repr__(self):
        return "Phase(" + ", ".join(f"{k}={v!r}" for k, v in self.get_config().items()) + ")"

    def __eq__(self, other):
        return isinstance(other, Phase) and self.get_config() == other.get_config()


class PhaseOutput(NamedTuple):
    """What a phase's loss method returns.

    Attributes:
        loss: the per-replica scalar loss of every updated role, or a dict ``{role: loss}``
            when the roles minimise different losses from one forward pass (VAE-GAN).
        logs: ``{tracker name: scalar}`` to log (means over the epoch).
        gates: optional ``{role: boolean scalar}``: a role whose gate is false keeps its
            weights and optimizer state this step (VAE-GAN's equilibrium rule). Gates must be
            equal on every replica.
    """

    loss: object
    logs: dict
    gates: Optional[dict] = None


def updates_between(phases, optimizer_keys, first, end):
    """``{optimizer key: updates}`` in the training steps ``first .. end - 1``: each phase's
    ``repeat`` for every step it runs on, for every role it updates."""
    counts = {key: 0 for key in optimizer_keys}
    for phase in phases:
        runs = phase.repeat * phase.runs_between(first, end)
        for role in phase.update:
            counts[phase.optimizer_key(role)] += runs
    return counts
