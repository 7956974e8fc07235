"""Replica-safe building blocks of a training step.

Every function here works in and out of a ``tf.distribute`` replica context, so a model's
``train_step`` gives the same update on one device and under ``MirroredStrategy`` (see
DESIGN.md: gradients are summed across replicas, so per-replica losses are divided by the
*global* batch).
"""

import keras
import tensorflow as tf


def _unwrap(v):
    return v.value if isinstance(v, keras.Variable) else v


def replica_id():
    """This replica's index in its sync group (0 outside a strategy), int32."""
    context = tf.distribute.get_replica_context()
    if context is None:
        return tf.constant(0, tf.int32)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def num_replicas():
    """How many replicas run this step (1 outside a strategy)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def update_per_device(variables, update_fn, args=None):
    """Calls ``update_fn(variable, *args)`` for each variable, replica-safe.

    Under a strategy the update is done once per device through ``merge_call`` +
    ``extended.update`` (the route Keras' optimizers take), since mirrored variables without
    an aggregation cannot be assigned from a replica. ``args`` is one tuple per variable
    (variables in it are passed per device too); ``update_fn`` must give every device the
    same result.
    """
    variables = [_unwrap(v) for v in variables]
    args = [()] * len(variables) if args is None else [tuple(_unwrap(a) for a in arg) for arg in args]

    def merge_fn(strategy, variables, args):
        for var, arg in zip(variables, args):
            strategy.extended.update(var, update_fn, args=arg, group=False)

    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context
        merge_fn(tf.distribute.get_strategy(), variables, args)
    else:
        context.merge_call(merge_fn, args=(variables, args))


def ema_update(ema_variables, variables, decay):
    """``ema = decay * ema + (1 - decay) * value`` for pairs of variables, replica-safe."""

    def update(var, value):
        return var.assign(decay * var + (1.0 - decay) * tf.cast(value, var.dtype))

    update_per_device(ema_variables, update, args=[(v,) for v in variables])


def clip_weights(variables, clip_value):
    """Clips every variable to ``[-clip_value, clip_value]`` in place, replica-safe (WGAN).

    Mirrored copies receive the same clip of the same (already synchronised) values, so
    replicas stay identical.
    """

    def clip(var):
        return var.assign(tf.clip_by_value(var, -clip_value, clip_value))

    update_per_device(variables, clip)


def increment(variable, amount=1):
    """``variable += amount``, replica-safe (one increment per step, not per replica)."""
    update_per_device([variable], lambda var: var.assign_add(tf.cast(amount, var.dtype)))


def read_values(variables):
    """Current values of ``variables`` (this replica's copy under a strategy)."""
    return [tf.identity(_unwrap(v)) for v in variables]


def restore_unless(keep, variables, saved):
    """``var = var if keep else saved`` for each variable, replica-safe: undoes an update
    that a gate or a schedule skips. ``keep`` must be the same on every replica."""

    def restore(var, old, flag):
        return var.assign(tf.where(flag, var, tf.cast(old, var.dtype)))

    update_per_device(variables, restore, args=[(old, keep) for old in saved])


def global_means(per_example_terms, batch):
    """Means over the global batch (all replicas) of ``[B]`` vectors; ``batch`` is this
    replica's batch size."""
    sums = tf.stack([tf.reduce_sum(t) for t in per_example_terms])
    context = tf.distribute.get_replica_context()
    replicas = 1
    if context is not None:
        sums = context.all_reduce(tf.distribute.ReduceOp.SUM, sums)
        replicas = context.num_replicas_in_sync
    return tf.unstack(sums / tf.cast(batch * replicas, tf.float32))


def replica_loss(per_example, *networks):
    """Per-replica loss: the per-example mean over the *global* batch (gradients are summed
    across replicas) plus the networks' regularisers, divided by the replica count."""
    loss = tf.nn.compute_average_loss(per_example)
    for network in networks:
        if network.losses:
            loss += tf.nn.scale_regularization_loss(tf.add_n(network.losses))
    return loss
