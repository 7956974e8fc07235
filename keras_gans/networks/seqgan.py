"""SeqGAN networks (Yu, Zhang, Wang & Yu 2017, "SeqGAN: Sequence Generative Adversarial Nets
with Policy Gradient"), as in the authors' TensorFlow code (github LantaoYu/SeqGAN).

Reference files and what was read there (commit 5f2c0a5c):

* ``sequence_gan.py``: generator ``EMB_DIM = 32``, ``HIDDEN_DIM = 32``, ``SEQ_LENGTH = 20``,
  ``START_TOKEN = 0``, ``vocab_size = 5000``; discriminator ``dis_embedding_dim = 64``,
  ``dis_filter_sizes = [1..10, 15, 20]``, ``dis_num_filters = [100, 200 x4, 100 x5, 160, 160]``,
  ``dis_dropout_keep_prob = 0.75``, ``dis_l2_reg_lambda = 0.2``, ``num_classes=2``.
* ``generator.py``: an embedding ``[vocab, emb]``, an LSTM written by hand (input, forget and
  output gates and the cell candidate, each with ``W [emb, h]``, ``U [h, h]``, ``b [h]``;
  ``c = f * c_prev + i * c_``, ``h = o * tanh(c)``) and an output layer ``W_o [h, vocab]``,
  ``b_o [vocab]`` giving logits. Every one of these (biases included) is initialised by
  ``init_matrix`` = ``tf.random_normal(shape, stddev=0.1)`` (``init_vector``, zeros, is
  defined but never used). Sampling and teacher forcing both start from the embedding of the
  start token 0 with ``h0 = c0 = 0``; teacher forcing then feeds ``x_1 .. x_{T-1}``.
* ``target_lstm.py``: the oracle, the same architecture with its weights loaded from
  ``save/target_params.pkl``. Its ``init_matrix`` is ``tf.random_normal(shape, stddev=1.0)``
  but it is never called (the weights come from the pickle); the paper (section "Synthetic
  Data Experiments") says the oracle's parameters are drawn from N(0, 1). We draw our own
  oracle from N(0, 1) with a seed (:func:`seqgan_oracle`).
* ``discriminator.py``: embedding ``[vocab, 64]`` initialised U(-1, 1); for each filter size
  ``k`` a conv ``[k, 64, 1, n_k]`` (truncated normal 0.1, bias 0.1), VALID padding over the
  embedded sequence, ReLU, max-pooling over all ``T - k + 1`` positions; the pooled features
  concatenated (``F = sum(num_filters) = 1720``); a highway layer; dropout (keep 0.75); an
  output layer ``[F, 2]`` (truncated normal 0.1, bias 0.1) giving 2 logits (softmax
  cross-entropy). The loss is ``mean CE + l2_reg_lambda * (l2_loss(W) + l2_loss(b))`` with
  ``tf.nn.l2_loss(x) = sum(x ** 2) / 2`` on the **output layer's W and b only**.
* The highway (``highway(input_, size, num_layers=1, bias=-2.0, f=tf.nn.relu)``):
  ``g = relu(W_H y + b_H)``, ``t = sigmoid(W_T y + b_T + bias)``, ``out = t * g + (1 - t) * y``,
  with ``W`` and ``b`` from ``tf.get_variable`` with no initializer given (TF1's default,
  Glorot uniform, for the biases too). **The discriminator calls it with ``bias=0``**
  (``highway(self.h_pool_flat, ..., 1, 0)``), not with the default -2: the gate's constant
  offset is 0 in the official model, and that is our default (``highway_gate_bias=0.0``);
  pass ``-2.0`` for the function's default.

Parameter counts at the official sizes: generator (and oracle) 5000*32 + 4*(32*32 + 32*32 + 32)
+ (32*5000 + 5000) = 160,000 + 8,320 + 165,000 = 333,320; discriminator 320,000 (embedding) +
801,720 (convs) + 5,920,240 (highway, 2 x (1720^2 + 1720)) + 3,442 (output) = 7,045,402.
"""

import keras
from keras import layers, ops

from keras_gans.networks.checks import check_int, check_rate

__all__ = [
    "Highway",
    "seqgan_discriminator",
    "seqgan_generator",
    "seqgan_oracle",
    "teacher_forcing_inputs",
]

OFFICIAL_FILTER_SIZES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20)
OFFICIAL_NUM_FILTERS = (100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160)

# Layer names of the generator / oracle, for a step-by-step sampler reusing the weights.
EMBEDDING = "embedding"
LSTM = "lstm"
OUTPUT = "output"


def _seeded(init_cls, seed, offset, **kwargs):
    return init_cls(seed=None if seed is None else seed + offset, **kwargs)


def teacher_forcing_inputs(tokens, start_token=0):
    """``[B, T]`` targets ``x_1 .. x_T`` -> the generator's inputs ``[start, x_1 .. x_{T-1}]``."""
    tokens = ops.convert_to_tensor(tokens, dtype="int32")
    start = ops.full((ops.shape(tokens)[0], 1), start_token, dtype="int32")
    return ops.concatenate([start, tokens[:, :-1]], axis=1)


def _lstm_language_model(vocab_size, embedding_dim, hidden_dim, sequence_length, stddev, seed,
                         name):
    for value, what in ((vocab_size, "vocab_size"), (embedding_dim, "embedding_dim"),
                        (hidden_dim, "hidden_dim"), (sequence_length, "sequence_length")):
        check_int(value, what)
    if not isinstance(stddev, (int, float)) or isinstance(stddev, bool) or stddev <= 0:
        raise ValueError(f"initializer_stddev must be a positive number; received {stddev!r}.")

    def normal(offset):
        return _seeded(keras.initializers.RandomNormal, seed, offset, mean=0.0, stddev=stddev)

    tokens = keras.Input((sequence_length,), dtype="int32", name="tokens")
    x = layers.Embedding(vocab_size, embedding_dim, embeddings_initializer=normal(0),
                         name=EMBEDDING)(tokens)
    # Keras' LSTM is the official cell: sigmoid gates i, f, o and a tanh candidate, each with
    # W [emb, h], U [h, h], b [h] (stored concatenated: kernel [emb, 4h] in the order i, f, c, o,
    # recurrent_kernel [h, 4h], bias [4h]); unit_forget_bias=False so the bias is N(0, stddev)
    # as the official init_matrix, not 1 on the forget gate. h0 = c0 = 0 as the official code.
    x = layers.LSTM(hidden_dim, return_sequences=True, kernel_initializer=normal(1),
                    recurrent_initializer=normal(2), bias_initializer=normal(3),
                    unit_forget_bias=False, name=LSTM)(x)
    logits = layers.Dense(vocab_size, kernel_initializer=normal(4), bias_initializer=normal(5),
                          name=OUTPUT)(x)
    return keras.Model(tokens, logits, name=name)


def seqgan_generator(vocab_size=5000, embedding_dim=32, hidden_dim=32, sequence_length=20,
                     initializer_stddev=0.1, seed=None, name="seqgan_generator"):
    """The SeqGAN generator for teacher-forced training: tokens ``[B, T]`` int32 -> next-token
    logits ``[B, T, vocab_size]`` (embedding -> LSTM -> dense).

    Start token: the official generator (start token 0) feeds the start token's embedding at
    step 1, then its own sample (sampling) or the previous data token (teacher forcing). So for
    teacher forcing on data ``x_1 .. x_T`` give this model ``[start, x_1 .. x_{T-1}]``
    (:func:`teacher_forcing_inputs`); logits ``[:, t]`` are the distribution of ``x_{t+1}``.
    The start token is an ordinary vocabulary entry (id 0, also a data token in the official
    oracle data), as in the official code.

    Pieces for a step-by-step sampler (same weights): ``model.get_layer("embedding")``
    (ids -> ``[B, embedding_dim]``), ``model.get_layer("lstm").cell`` (a ``keras.layers.LSTMCell``:
    ``h, [h, c] = cell(x_t, [h, c])``, start from zeros ``[B, hidden_dim]``) and
    ``model.get_layer("output")`` (``h`` -> logits ``[B, vocab_size]``).

    All weights, biases included, are drawn from N(0, ``initializer_stddev``) (0.1 officially).
    ``seed``: int seed for the initialisers (each weight gets ``seed + offset``).
    """
    return _lstm_language_model(vocab_size, embedding_dim, hidden_dim, sequence_length,
                                initializer_stddev, seed, name)


def seqgan_oracle(vocab_size=5000, embedding_dim=32, hidden_dim=32, sequence_length=20,
                  initializer_stddev=1.0, seed=None, name="seqgan_oracle"):
    """The oracle ("target LSTM") of the synthetic experiment: the generator's architecture and
    layer names (:func:`seqgan_generator`) with every weight drawn from N(0, 1). The official
    code loads fixed weights from ``save/target_params.pkl``; we draw our own from ``seed``."""
    return _lstm_language_model(vocab_size, embedding_dim, hidden_dim, sequence_length,
                                initializer_stddev, seed, name)


@keras.saving.register_keras_serializable(package="keras_gans")
class Highway(layers.Layer):
    """One highway layer as the official ``highway``: ``g = relu(y W_H + b_H)``,
    ``t = sigmoid(y W_T + b_T + gate_bias)``, ``out = t * g + (1 - t) * y``.

    ``gate_bias`` is a constant (not a weight); the official discriminator passes 0. The
    kernels and biases are Glorot uniform (TF1's ``get_variable`` default), seeded.
    """

    def __init__(self, gate_bias=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.gate_bias = float(gate_bias)
        self.seed = seed

    def build(self, input_shape):
        size = int(input_shape[-1])

        def glorot(offset):
            return _seeded(keras.initializers.GlorotUniform, self.seed, offset)

        self.transform_kernel = self.add_weight(name="transform_kernel", shape=(size, size),
                                                initializer=glorot(0))
        self.transform_bias = self.add_weight(name="transform_bias", shape=(size,),
                                              initializer=glorot(1))
        self.gate_kernel = self.add_weight(name="gate_kernel", shape=(size, size),
                                           initializer=glorot(2))
        self.gate_bias_weight = self.add_weight(name="gate_bias", shape=(size,),
                                                initializer=glorot(3))

    def call(self, y):
        g = ops.relu(ops.matmul(y, self.transform_kernel) + self.transform_bias)
        t = ops.sigmoid(ops.matmul(y, self.gate_kernel) + self.gate_bias_weight + self.gate_bias)
        return t * g + (1.0 - t) * y

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "gate_bias": self.gate_bias, "seed": self.seed}


def seqgan_discriminator(vocab_size=5000, sequence_length=20, embedding_dim=64,
                         filter_sizes=OFFICIAL_FILTER_SIZES, num_filters=OFFICIAL_NUM_FILTERS,
                         dropout=0.25, l2=0.2, highway_gate_bias=0.0, num_classes=2, seed=None,
                         name="seqgan_discriminator"):
    """The SeqGAN CNN discriminator: tokens ``[B, T]`` int32 -> ``num_classes`` logits
    (softmax; officially class 1 = real, as the one-hot labels ``[0, 1]`` of the data loader).

    Embedding (U(-1, 1)) -> for each ``(k, n)`` in ``zip(filter_sizes, num_filters)`` a VALID
    conv of ``n`` filters ``[k, embedding_dim]`` + ReLU, max over the ``T - k + 1`` positions ->
    concatenation -> :class:`Highway` (gate offset ``highway_gate_bias``, 0 officially) ->
    dropout (``dropout`` = 1 - keep prob 0.75) -> dense ``num_classes``.

    ``l2`` is the official ``l2_reg_lambda``: the loss term ``l2 * (sum W^2 / 2 + sum b^2 / 2)``
    on the output layer's kernel and bias only, attached as Keras L2 regularizers of factor
    ``l2 / 2`` (Keras' L2 is ``factor * sum(x^2)``), so ``model.losses`` holds exactly those two.
    ``seed``: int seed for the initialisers and the dropout.
    """
    for value, what in ((vocab_size, "vocab_size"), (sequence_length, "sequence_length"),
                        (embedding_dim, "embedding_dim"), (num_classes, "num_classes")):
        check_int(value, what)
    check_rate(dropout, "dropout")
    if not isinstance(l2, (int, float)) or isinstance(l2, bool) or l2 < 0:
        raise ValueError(f"l2 must be a number >= 0; received {l2!r}.")
    filter_sizes, num_filters = tuple(filter_sizes), tuple(num_filters)
    if not filter_sizes or len(filter_sizes) != len(num_filters):
        raise ValueError("filter_sizes and num_filters must be non-empty and of the same length; "
                         f"received {filter_sizes!r} and {num_filters!r}.")
    for k in filter_sizes:
        check_int(k, "each filter size")
        if k > sequence_length:
            raise ValueError(f"filter size {k} exceeds sequence_length={sequence_length}.")
    for n in num_filters:
        check_int(n, "each num_filters entry")

    def offset(i):
        return None if seed is None else seed + i

    tokens = keras.Input((sequence_length,), dtype="int32", name="tokens")
    x = layers.Embedding(vocab_size, embedding_dim, name="embedding",
                         embeddings_initializer=_seeded(keras.initializers.RandomUniform, seed, 0,
                                                        minval=-1.0, maxval=1.0))(tokens)
    pooled = []
    for i, (k, n) in enumerate(zip(filter_sizes, num_filters)):
        h = layers.Conv1D(n, k, padding="valid", activation="relu", name=f"conv_{k}",
                          kernel_initializer=_seeded(keras.initializers.TruncatedNormal, seed,
                                                     1 + i, stddev=0.1),
                          bias_initializer=keras.initializers.Constant(0.1))(x)
        pooled.append(layers.GlobalMaxPooling1D(name=f"max_pool_{k}")(h))
    x = layers.Concatenate(name="features")(pooled) if len(pooled) > 1 else pooled[0]
    x = Highway(gate_bias=highway_gate_bias, seed=offset(100), name="highway")(x)
    x = layers.Dropout(dropout, seed=offset(200), name="dropout")(x)
    reg = keras.regularizers.L2(l2 / 2.0) if l2 else None
    logits = layers.Dense(num_classes, name="output",
                          kernel_initializer=_seeded(keras.initializers.TruncatedNormal, seed, 300,
                                                     stddev=0.1),
                          bias_initializer=keras.initializers.Constant(0.1),
                          kernel_regularizer=reg, bias_regularizer=reg)(x)
    return keras.Model(tokens, logits, name=name)
