"""Distribution strategies from a flag, and a training loop for many machines.

``model.fit`` covers one machine (default strategy, ``MirroredStrategy``, ``TPUStrategy``).
Keras 3's ``fit`` does not run under ``MultiWorkerMirroredStrategy`` (keras-team/keras
#20585), so :func:`fit_distributed` drives the model's own ``train_step`` through
``strategy.run`` over a distributed dataset, with the stock Keras callbacks. ``train_step``
stays the single source of the update rule.
"""

import keras
import tensorflow as tf

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


def get_strategy(name="default", tpu_address=None):
    """Returns a ``tf.distribute.Strategy`` by name.

    Args:
        name: ``"default"`` (one device), ``"mirrored"`` (all local GPUs, or the CPU),
            ``"multi_worker"`` (``MultiWorkerMirroredStrategy``; the cluster comes from the
            ``TF_CONFIG`` environment variable), or ``"tpu"``.
        tpu_address: TPU name or address for ``"tpu"`` (default: the local TPU).
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu_address or "")
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    raise ValueError(f"Unknown strategy {name!r}; expected one of {STRATEGIES}.")


def is_multi_worker(strategy):
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def fit_distributed(model, dataset, epochs, steps_per_epoch, strategy, callbacks=(), verbose=1):
    """Trains ``model`` with its ``train_step`` under ``strategy`` without ``model.fit``.

    Args:
        model: a compiled model built under ``strategy.scope()``.
        dataset: a ``tf.data.Dataset`` of global batches (repeated, or at least
            ``epochs * steps_per_epoch`` batches long).
        epochs: number of epochs.
        steps_per_epoch: steps in each epoch.
        strategy: the ``tf.distribute.Strategy`` the model was built under.
        callbacks: Keras callbacks; they get the usual ``on_*`` calls.
        verbose: 1 adds a progress bar (on the chief only).

    Returns:
        A ``keras.callbacks.History``.
    """
    history = keras.callbacks.History()
    callbacks = list(callbacks) + [history]
    task = getattr(strategy.cluster_resolver, "task_id", 0) if hasattr(strategy, "cluster_resolver") else 0
    if verbose and not task:
        callbacks.append(keras.callbacks.ProgbarLogger())
    callback_list = keras.callbacks.CallbackList(
        callbacks, model=model, epochs=epochs, steps=steps_per_epoch, verbose=verbose
    )
    distributed = strategy.experimental_distribute_dataset(dataset)
    iterator = iter(distributed)

    @tf.function
    def step(iterator):
        logs = strategy.run(model.train_step, args=(next(iterator),))
        return {k: strategy.reduce(tf.distribute.ReduceOp.MEAN, v, axis=None) for k, v in logs.items()}

    model.stop_training = False
    callback_list.on_train_begin()
    # BackupAndRestore sets _initial_epoch when it restores a backup (as fit() reads it).
    initial_epoch = getattr(model, "_initial_epoch", None) or 0
    logs = {}
    for epoch in range(initial_epoch, epochs):
        for metric in model.metrics:
            metric.reset_state()
        callback_list.on_epoch_begin(epoch)
        for batch in range(steps_per_epoch):
            callback_list.on_train_batch_begin(batch)
            logs = {k: float(v) for k, v in step(iterator).items()}
            callback_list.on_train_batch_end(batch, logs)
            if model.stop_training:  # e.g. StopOnDivergence: stop at this step
                break
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    return history
