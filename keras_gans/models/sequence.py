"""``SequenceGAN``: discrete sequences by policy gradient (Yu et al. 2017, SeqGAN)."""

import keras
import numpy as np
import tensorflow as tf

from keras_gans.core import distributed
from keras_gans.core.distributed import replica_loss
from keras_gans.core.model import AdversarialModel
from keras_gans.core.phases import Phase, PhaseOutput
from keras_gans.data.sequences import Vocabulary
from keras_gans.networks import seqgan as seqgan_networks
from keras_gans.networks.checks import check_int

# The official losses take log(clip(softmax, 1e-20, 1)).
_LOG_FLOOR = float(np.log(1e-20))


def token_log_probs(logits, tokens):
    """``log p(tokens)`` ``[B, T]`` under next-token ``logits`` ``[B, T, V]``, floored at
    ``log 1e-20`` as the official ``log(clip(softmax, 1e-20, 1))``."""
    log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32), axis=-1)
    picked = tf.gather(log_probs, tokens, axis=-1, batch_dims=2)
    return tf.maximum(picked, _LOG_FLOOR)


class _Steps:
    """The step-by-step pieces of a SeqGAN language model (:func:`seqgan_generator`'s
    ``embedding``, ``lstm.cell`` and ``output`` layers)."""

    def __init__(self, network):
        self.embedding = network.get_layer(seqgan_networks.EMBEDDING)
        self.cell = network.get_layer(seqgan_networks.LSTM).cell
        self.output = network.get_layer(seqgan_networks.OUTPUT)
        self.units = int(self.cell.units)

    def zero_state(self, n):
        return [tf.zeros([n, self.units]), tf.zeros([n, self.units])]

    def advance(self, tokens, state):
        """Consumes ``tokens`` ``[N]``: the new state and the logits of the next token."""
        h, state = self.cell(self.embedding(tokens), state)
        return list(state), tf.cast(self.output(h), tf.float32)


def _fold(seed, value):
    return tf.random.experimental.stateless_fold_in(tf.cast(seed, tf.int32), value)


def sample_sequences(network, num, length, seed, start_token=0, temperature=1.0):
    """``num`` sequences ``[num, length]`` int32 sampled from a SeqGAN language model, each
    token drawn from ``softmax(logits / temperature)`` (the official ``generate``: start token,
    zero state, then its own samples). ``seed``: a stateless seed (int32 ``[2]``). Graph-safe;
    the loop over positions is unrolled when traced (``length`` is static)."""
    steps = _Steps(network)
    tokens = tf.fill([num], tf.constant(start_token, tf.int32))
    state = steps.zero_state(num)
    out = []
    for t in range(length):
        state, logits = steps.advance(tokens, state)
        tokens = tf.cast(tf.random.stateless_categorical(logits / temperature, 1, _fold(seed, t))[:, 0],
                         tf.int32)
        out.append(tokens)
    return tf.stack(out, axis=1)


def rollout_rewards(rollout, discriminator, sequences, num_rollouts, seed, start_token=0):
    """SeqGAN's Monte-Carlo rewards ``[B, T]`` of ``sequences`` ``[B, T]`` (the official
    ``ROLLOUT.get_reward``): for a prefix of ``g < T`` tokens, the mean over ``num_rollouts``
    completions of the prefix by the ``rollout`` network of D's probability that the
    completion is real (class 1); for the last token, D's probability for the sequence itself.

    Batched: the rollout network reads each sequence once (teacher forcing); the completions
    of every prefix length and rollout run as one batch that grows by ``num_rollouts x B`` rows
    at each position (the completions of the prefix of length ``g`` join when token ``g + 1``
    is drawn), so the network makes exactly the ``num_rollouts * B * T (T - 1) / 2`` token
    draws of the official loop. D scores the ``T - 1`` groups of completions one group at a
    time (memory bounded by one group). ``seed``: a stateless seed (int32 ``[2]``)."""
    length = int(sequences.shape[1])
    batch = tf.shape(sequences)[0]
    steps = _Steps(rollout)
    inputs = seqgan_networks.teacher_forcing_inputs(sequences, start_token)
    # states[g], logits[g]: after reading the start token and x_1 .. x_g; logits of x_{g+1}.
    state, states, logits = steps.zero_state(batch), [], []
    for t in range(length):
        state, next_logits = steps.advance(inputs[:, t], state)
        states.append(state)
        logits.append(next_logits)

    def tile(x):
        return tf.tile(x, [num_rollouts] + [1] * (len(x.shape) - 1))

    rows = num_rollouts * batch
    active = None  # (state, logits) of the completions under way, prefix lengths 1 .. g - 1
    completions = []  # completions[g - 1]: the tokens drawn after the prefix of length g
    for g in range(1, length):
        state, step_logits = [tile(s) for s in states[g]], tile(logits[g])
        if active is not None:
            state = [tf.concat([a, s], 0) for a, s in zip(active[0], state)]
            step_logits = tf.concat([active[1], step_logits], 0)
        drawn = tf.cast(tf.random.stateless_categorical(step_logits, 1, _fold(seed, g))[:, 0], tf.int32)
        completions.append([])
        for h in range(g):  # the rows of prefix length h + 1, in the order they joined
            completions[h].append(drawn[h * rows:(h + 1) * rows])
        if g < length - 1:
            active = steps.advance(drawn, state)

    def real_probability(x):
        return tf.nn.softmax(tf.cast(discriminator(x, training=False), tf.float32), axis=-1)[:, 1]

    rewards = []
    for g in range(1, length):
        full = tf.concat([tile(sequences[:, :g]), tf.stack(completions[g - 1], axis=1)], axis=1)
        rewards.append(tf.reduce_mean(tf.reshape(real_probability(full), [num_rollouts, batch]), axis=0))
    rewards.append(real_probability(sequences))
    return tf.stack(rewards, axis=1)


@keras.saving.register_keras_serializable(package="keras_gans")
class SequenceGAN(AdversarialModel):
    """SeqGAN (Yu, Zhang, Wang & Yu 2017): a language-model generator trained by maximum
    likelihood, then by policy gradient with a CNN discriminator's judgement as its reward.

    Training is one ``fit`` over batches ``{"tokens": int32 [B, T]}`` of real sequences; the
    phases follow each other on the step counter:

    1. ``mle`` (steps ``[0, P)``, ``P = pretrain_steps``): teacher-forced negative
       log-likelihood of the batch (mean over tokens), the generator's own optimizer.
    2. ``discriminator`` (every step from ``P``): softmax cross-entropy of D on ``B // 2``
       real sequences of the batch (class 1) and ``B - B // 2`` fresh samples of G (class 0),
       a batch of ``B`` as the official mixed batches, plus D's L2 term. The first
       ``discriminator_pretrain_steps`` of them are D's pre-training.
    3. ``generator`` (from ``P + discriminator_pretrain_steps``, every
       ``discriminator_steps`` steps, before that step's D update): one policy-gradient
       update on ``B`` samples of G, ``-sum_{b,t} log G(x_t | x_<t) Q(x_<=t)`` summed over the
       batch and the positions as the official ``g_loss``, with the rewards ``Q`` of
       :func:`rollout_rewards` (``num_rollouts`` completions by the rollout network), using
       the extra optimizer ``generator_adversarial`` (the official code's second Adam, fresh
       when adversarial training starts). So an adversarial round is ``discriminator_steps``
       training steps: one G update, then ``discriminator_steps`` D updates.

    The rollout network (role ``rollout``, never trained by a gradient) is copied from G
    after every MLE update, and after every policy-gradient update moves towards G as the
    official ``ROLLOUT.update_params``: LSTM and output weights
    ``rate * rollout + (1 - rate) * G`` (``rollout_update_rate``, 0.8), the embedding copied.
    (In the official TensorFlow graph these updates never reach the rollout: its sampling
    graph is built once from ``tf.identity`` reads of G's variables, so it always samples with
    G's current weights; ``rollout_update_rate=0`` gives that behaviour.)

    With ``adversarial=False`` the model is the MLE baseline: the ``mle`` phase on every step.

    Args:
        generator: a :func:`~keras_gans.networks.seqgan.seqgan_generator` (layers named
            ``embedding``, ``lstm``, ``output``): ``[B, T]`` tokens -> ``[B, T, V]`` logits.
        discriminator: ``[B, T]`` tokens -> 2 logits (class 1 = real).
        rollout: the rollout network (default: a copy of the generator).
        pretrain_steps: MLE steps ``P`` (120 epochs of 156 batches officially: 18,720).
        discriminator_pretrain_steps: D steps before the first policy-gradient update
            (officially 50 x 3 epochs of 312 batches: 46,800).
        discriminator_steps: D updates per adversarial round (officially 5 x 3 epochs: 4,680).
        num_rollouts: Monte-Carlo completions per prefix (16).
        rollout_update_rate: see above (0.8).
        adversarial: False for the MLE baseline.
        start_token: the token fed at the first step (0 officially).
        **kwargs: :class:`~keras_gans.core.model.AdversarialModel` arguments (optimizers
            ``generator``, ``generator_adversarial``, ``discriminator``; seed; name).
    """

    ROLES = ("generator", "discriminator", "rollout")
    OPTIMIZER_ALIASES = {"g_optimizer": "generator", "d_optimizer": "discriminator"}
    EXTRA_OPTIMIZERS = {"generator_adversarial": "generator"}
    SEED_ROLE = "generator"
    OPTIMIZER_COPIES = {"generator_adversarial": "generator"}
    data_format = "tokens"
    serving_output = "tokens"

    def __init__(self, generator, discriminator, rollout=None, pretrain_steps=18720,
                 discriminator_pretrain_steps=46800, discriminator_steps=4680, num_rollouts=16,
                 rollout_update_rate=0.8, adversarial=True, start_token=0, vocabulary=None, **kwargs):
        self.pretrain_steps = check_int(pretrain_steps, "pretrain_steps", 0)
        self.discriminator_pretrain_steps = check_int(discriminator_pretrain_steps,
                                                      "discriminator_pretrain_steps", 0)
        self.discriminator_steps = check_int(discriminator_steps, "discriminator_steps", 1)
        self.num_rollouts = check_int(num_rollouts, "num_rollouts", 1)
        self.start_token = check_int(start_token, "start_token", 0)
        if isinstance(rollout_update_rate, bool) or not isinstance(rollout_update_rate, (int, float)) \
                or not 0.0 <= rollout_update_rate < 1.0:
            raise ValueError(f"rollout_update_rate must be in [0, 1); received {rollout_update_rate!r}.")
        self.rollout_update_rate = float(rollout_update_rate)
        self.adversarial = bool(adversarial)
        for name, network in (("generator", generator), ("rollout", rollout)):
            if network is None:
                continue
            missing = [n for n in (seqgan_networks.EMBEDDING, seqgan_networks.LSTM, seqgan_networks.OUTPUT)
                       if n not in [layer.name for layer in network.layers]]
            if missing:
                raise ValueError(
                    f"The {name} must be a SeqGAN language model (keras_gans.networks.seqgan_generator) "
                    f"with layers 'embedding', 'lstm' and 'output'; {network.name!r} lacks {missing}."
                )
        if rollout is None:
            rollout = keras.models.clone_model(generator)
            rollout.set_weights(generator.get_weights())
        self.sequence_length = int(generator.input_shape[1])
        self.vocabulary_size = int(generator.output_shape[-1])
        if int(discriminator.input_shape[1]) != self.sequence_length:
            raise ValueError(
                f"The discriminator reads sequences of {discriminator.input_shape[1]} tokens, the "
                f"generator writes {self.sequence_length}."
            )
        if self.start_token >= self.vocabulary_size:
            raise ValueError(f"start_token={start_token} is not below the vocabulary size {self.vocabulary_size}.")
        self.vocabulary = None if vocabulary is None else [str(w) for w in vocabulary]
        if self.vocabulary is not None and list(Vocabulary(self.vocabulary).tokens) != self.vocabulary:
            raise ValueError("vocabulary must be the tokens of a keras_gans.data.sequences.Vocabulary, id 0 "
                             f"'<pad>' and id 1 '<unk>' first; received {self.vocabulary[:3]!r}...")
        if self.vocabulary is not None and len(self.vocabulary) != self.vocabulary_size:
            raise ValueError(
                f"The vocabulary has {len(self.vocabulary)} words, the generator {self.vocabulary_size} ids."
            )
        super().__init__({"generator": generator, "discriminator": discriminator, "rollout": rollout},
                         frozen=("rollout",), **kwargs)
        self.add_tracker("mle_loss")
        self.phases = []
        if not self.adversarial:
            self.phases.append(Phase("mle", "generator", "mle_step"))
        else:
            start_d = self.pretrain_steps
            start_g = start_d + self.discriminator_pretrain_steps
            self.add_tracker("d_loss")
            self.add_tracker("d_accuracy")
            self.add_tracker("g_loss")
            self.add_tracker("reward")
            if self.pretrain_steps:
                self.phases.append(Phase("mle", "generator", "mle_step", stop=self.pretrain_steps))
            self.phases.append(Phase("generator", "generator", "policy_gradient_step", start=start_g,
                                     every=self.discriminator_steps,
                                     optimizers={"generator": "generator_adversarial"}))
            self.phases.append(Phase("discriminator", "discriminator", "discriminator_step", start=start_d))
        self.build_phases()

    def get_config(self):
        return {
            **super().get_config(),
            "pretrain_steps": self.pretrain_steps,
            "discriminator_pretrain_steps": self.discriminator_pretrain_steps,
            "discriminator_steps": self.discriminator_steps,
            "num_rollouts": self.num_rollouts,
            "rollout_update_rate": self.rollout_update_rate,
            "adversarial": self.adversarial,
            "start_token": self.start_token,
            "vocabulary": self.vocabulary,
        }

    # ------------------------------------------------------------------ schedule
    @property
    def adversarial_start(self):
        """The training step of the first policy-gradient update."""
        return self.pretrain_steps + self.discriminator_pretrain_steps

    def total_steps(self, rounds):
        """Training steps of the whole schedule with ``rounds`` adversarial rounds."""
        return self.adversarial_start + rounds * self.discriminator_steps if self.adversarial else self.pretrain_steps

    def seed_step(self):
        """The step counter: the generator's two optimizers each pause in some phases."""
        if self._step_counter is None:
            return super().seed_step()
        return self._step_counter % 0x3FFFFFFF

    # ------------------------------------------------------------------ training
    def unpack_batch(self, data):
        tokens = data.get("tokens") if isinstance(data, dict) else data
        if tokens is None:
            raise ValueError(f"A SeqGAN batch is {{'tokens': int [B, T]}}; received keys {sorted(data)}.")
        tokens = tf.convert_to_tensor(tokens)
        if not tokens.dtype.is_integer:
            raise ValueError(f"tokens must be integer ids; received dtype {tokens.dtype.name}.")
        if tokens.shape.rank != 2 or (tokens.shape[1] is not None and tokens.shape[1] != self.sequence_length):
            raise ValueError(
                f"tokens must be [batch, {self.sequence_length}]; received shape {tokens.shape}."
            )
        tokens = tf.cast(tokens, tf.int32)
        check = tf.debugging.Assert(
            tf.logical_and(tf.reduce_min(tokens) >= 0, tf.reduce_max(tokens) < self.vocabulary_size),
            [f"token ids must be in [0, {self.vocabulary_size}); received values in", tf.reduce_min(tokens),
             tf.reduce_max(tokens)])
        with tf.control_dependencies([check]):
            return tf.identity(tokens)

    def log_likelihood(self, network, tokens):
        """``log p(tokens)`` per token ``[B, T]`` under ``network`` (teacher forcing)."""
        logits = network(seqgan_networks.teacher_forcing_inputs(tokens, self.start_token), training=True)
        return token_log_probs(logits, tokens)

    def mle_step(self, tokens, draw):
        nll = -tf.reduce_mean(self.log_likelihood(self.generator, tokens), axis=1)
        return PhaseOutput(replica_loss(nll, self.generator), {"mle_loss": tf.reduce_mean(nll)})

    def discriminator_step(self, tokens, draw):
        batch = tf.shape(tokens)[0]
        half = batch // 2
        fake = sample_sequences(self.generator, batch - half, self.sequence_length, self.step_seed(draw + 1),
                                self.start_token)
        inputs = tf.concat([tokens[:half], fake], axis=0)
        labels = tf.concat([tf.ones([half], tf.int32), tf.zeros([batch - half], tf.int32)], axis=0)
        logits = tf.cast(self.discriminator(inputs, training=True), tf.float32)
        per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), labels), tf.float32))
        return PhaseOutput(replica_loss(per_example, self.discriminator),
                           {"d_loss": tf.reduce_mean(per_example), "d_accuracy": accuracy})

    def policy_gradient_step(self, tokens, draw):
        batch = tf.shape(tokens)[0]
        samples = sample_sequences(self.generator, batch, self.sequence_length, self.step_seed(draw + 2),
                                   self.start_token)
        rewards = tf.stop_gradient(rollout_rewards(self.rollout, self.discriminator, samples, self.num_rollouts,
                                                   self.step_seed(draw + 3), self.start_token))
        per_sequence = -tf.reduce_sum(self.log_likelihood(self.generator, samples) * rewards, axis=1)
        # Summed over the global batch as the official loss: the mean over it times its size.
        global_batch = tf.cast(batch * distributed.num_replicas(), tf.float32)
        return PhaseOutput(replica_loss(per_sequence * global_batch, self.generator),
                           {"g_loss": tf.reduce_mean(per_sequence), "reward": tf.reduce_mean(rewards)})

    def _rollout_groups(self):
        """(copied, averaged): pairs of (rollout variable, generator variable). Not cached on
        the model: Keras would track a list of variables as the model's own."""
        copied, averaged = [], []
        for name in (seqgan_networks.EMBEDDING, seqgan_networks.LSTM, seqgan_networks.OUTPUT):
            pairs = list(zip(self.rollout.get_layer(name).weights, self.generator.get_layer(name).weights))
            (copied if name == seqgan_networks.EMBEDDING else averaged).extend(pairs)
        return copied, averaged

    def after_update(self, phase, inputs):
        if not self.adversarial or phase.name not in ("mle", "generator"):
            return
        active = phase.active(self._step_counter) if phase.scheduled else tf.constant(True)
        copied, averaged = self._rollout_groups()
        rate = 0.0 if phase.name == "mle" else self.rollout_update_rate
        keep = lambda decay: tf.where(active, decay, 1.0)  # noqa: E731  (unchanged when skipped)
        distributed.ema_update([r for r, _ in copied], [g for _, g in copied], keep(0.0))
        distributed.ema_update([r for r, _ in averaged], [g for _, g in averaged], keep(rate))

    # ------------------------------------------------------------------ inference and contract
    def generate(self, num_sequences, seed=0, temperature=1.0):
        """``num_sequences`` sequences sampled from G, NumPy int32 ``[N, T]``."""
        num_sequences = check_int(num_sequences, "num_sequences", 0)
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
            raise ValueError(f"temperature must be a positive number; received {temperature!r}.")
        return self._generate(tf.constant(num_sequences), tf.constant(int(seed)),
                              tf.constant(float(temperature))).numpy()

    @tf.function(reduce_retracing=True)
    def _generate(self, num, seed, temperature):
        return sample_sequences(self.generator, num, self.sequence_length, tf.stack([seed, 0]), self.start_token,
                                temperature)

    def decode(self, tokens):
        """Token ids ``[N, T]`` -> N strings (words joined by spaces, cut at the first 0, the
        padding / end id of keras_gans.data.sequences); needs the model's vocabulary."""
        if self.vocabulary is None:
            raise ValueError("This model has no vocabulary (pass vocabulary= to the model); its outputs are ids.")
        vocabulary = Vocabulary(self.vocabulary)
        return [vocabulary.decode(row) for row in np.asarray(tokens)]

    def sample_text(self, num_samples=64, seed=0):
        """``num_samples`` sampled sequences as lines: words with a vocabulary, else ids."""
        tokens = self.generate(num_samples, seed=seed)
        if self.vocabulary is not None:
            return self.decode(tokens)
        return [" ".join(str(int(t)) for t in row) for row in tokens]

    def serving_functions(self):
        """``serving_default``: ``num_sequences`` (int32), ``seed`` (int32), ``temperature``
        (float32 > 0) -> ``tokens`` int32 ``[N, T]`` (and ``text`` [N] strings with a vocabulary)."""
        vocabulary = None if self.vocabulary is None else tf.constant(self.vocabulary)

        @tf.function(input_signature=[tf.TensorSpec([], tf.int32, name="num_sequences"),
                                      tf.TensorSpec([], tf.int32, name="seed"),
                                      tf.TensorSpec([], tf.float32, name="temperature")])
        def serve(num_sequences, seed, temperature):
            checks = [tf.debugging.assert_non_negative(num_sequences, message="num_sequences must be >= 0"),
                      tf.debugging.assert_positive(temperature, message="temperature must be > 0")]
            with tf.control_dependencies(checks):
                tokens = sample_sequences(self.generator, num_sequences, self.sequence_length,
                                          tf.stack([seed, 0]), self.start_token, temperature)
            out = {"tokens": tokens}
            if vocabulary is not None:
                # Words up to the first 0 (padding / end), joined by spaces.
                kept = tf.cumsum(tf.cast(tf.equal(tokens, 0), tf.int32), axis=1) == 0
                words = tf.where(kept, tf.gather(vocabulary, tokens), "")
                text = tf.strings.strip(tf.strings.reduce_join(words, axis=1, separator=" "))
                out["text"] = tf.strings.regex_replace(text, " +", " ")
            return out

        return {"serving_default": serve}

    def serving_variables(self):
        return self.generator.variables

    def serving_metadata(self):
        return {"name": self.name, "task": "sequences", "sequence_length": self.sequence_length,
                "vocabulary_size": self.vocabulary_size, "start_token": self.start_token,
                "has_text": self.vocabulary is not None}

    def example_serving_inputs(self, num_samples=4, seed=0):
        return {"num_sequences": np.int32(num_samples), "seed": np.int32(seed), "temperature": np.float32(1.0)}

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)
