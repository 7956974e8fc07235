"""NLL-oracle: how likely an oracle language model finds generated sequences (SeqGAN's
synthetic-data score, Yu et al. 2017 section "Synthetic Data Experiments")."""

import keras
import numpy as np
import tensorflow as tf

from keras_gans.networks.seqgan import teacher_forcing_inputs

__all__ = ["OracleNLL", "oracle_nll"]


def oracle_nll(oracle, tokens, batch_size=1000, start_token=0):
    """The mean over sequences and positions of ``-log p_oracle(x_t | x_<t)`` for ``tokens``
    ``[N, T]`` (the official ``target_loss``: the oracle's teacher-forced ``pretrain_loss``,
    ``log(clip(softmax, 1e-20, 1))``, averaged over batches of equal size).

    ``oracle``: a model ``[B, T]`` tokens -> ``[B, T, V]`` next-token logits, fed
    ``[start, x_1 .. x_{T-1}]``."""
    from keras_gans.models.sequence import token_log_probs

    tokens = np.asarray(tokens)
    if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"tokens must be integer ids [N, T]; received {tokens.dtype} of shape {tokens.shape}.")
    if len(tokens) == 0:
        raise ValueError("tokens is empty; NLL-oracle needs at least one sequence.")
    vocab = int(oracle.output_shape[-1])
    if tokens.min() < 0 or tokens.max() >= vocab:
        raise ValueError(f"token ids must be in [0, {vocab}); received values in [{tokens.min()}, {tokens.max()}].")
    total = 0.0
    for i in range(0, len(tokens), batch_size):
        x = tf.constant(tokens[i:i + batch_size], tf.int32)
        logits = oracle(teacher_forcing_inputs(x, start_token), training=False)
        total += float(tf.reduce_sum(token_log_probs(logits, x)))
    return -total / tokens.size


class OracleNLL(keras.callbacks.Callback):
    """Logs ``nll_oracle``: :func:`oracle_nll` of ``num_samples`` sequences the model
    generates, after the first epoch and every ``every`` epochs (official: 10,000 samples,
    every 5 epochs of pre-training and every 5 adversarial rounds). Put it before TensorBoard
    and CSVLogger so they record it; ``self.history`` keeps ``(epoch, step, value)``."""

    def __init__(self, oracle, num_samples=10000, every=5, seed=0):
        super().__init__()
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"every must be a positive int; received {every!r}.")
        self.oracle, self.num_samples, self.every, self.seed = oracle, int(num_samples), every, int(seed)
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        if epoch % self.every and epoch != self.params.get("epochs", 0) - 1:
            return
        samples = self.model.generate(self.num_samples, seed=self.seed + epoch)
        value = oracle_nll(self.oracle, samples, start_token=self.model.start_token)
        step = None if self.model.step_counter is None else int(self.model.step_counter.numpy())
        self.history.append((epoch, step, value))
        if logs is not None:
            logs["nll_oracle"] = value
