"""SequenceGAN (SeqGAN's training scheme): sampling, rollout rewards, the phases, the contract."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import presets, testing
from keras_gans.metrics.oracle import OracleNLL, oracle_nll
from keras_gans.models.sequence import SequenceGAN, rollout_rewards, sample_sequences, token_log_probs
from keras_gans.networks.seqgan import seqgan_discriminator, seqgan_generator, teacher_forcing_inputs

V, T = 3, 4


def _net(seed=0, vocab=V, length=T, stddev=1.0):
    return seqgan_generator(vocab, embedding_dim=4, hidden_dim=4, sequence_length=length,
                            initializer_stddev=stddev, seed=seed)


def _log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def _sequence_log_prob(network, sequences):
    """log p(sequence) [N] from the network's teacher-forced logits (NumPy reference)."""
    sequences = np.asarray(sequences, np.int32)
    logits = np.asarray(network(teacher_forcing_inputs(sequences)))
    lp = _log_softmax(logits.astype(np.float64))
    return np.take_along_axis(lp, sequences[..., None], -1)[..., 0].sum(-1)


def _tiny(**model):
    return presets.build("seqgan_tiny", seed=0, **model)


def _tokens(n=8, vocab=50, length=8, seed=0):
    return {"tokens": np.random.default_rng(seed).integers(0, vocab, (n, length)).astype("int32")}


def test_token_log_probs_is_log_softmax_floored_at_log_1e_20():
    logits = np.array([[[0.0, 1.0, 2.0], [0.0, 0.0, 80.0]]], np.float32)
    tokens = np.array([[2, 0]], np.int32)
    got = np.asarray(token_log_probs(logits, tokens))
    expected = _log_softmax(logits.astype(np.float64))[0, [0, 1], [2, 0]]
    np.testing.assert_allclose(got[0, 0], expected[0], rtol=1e-6)
    assert expected[1] < np.log(1e-20)
    np.testing.assert_allclose(got[0, 1], np.log(1e-20), rtol=1e-6)


def test_sampled_sequences_follow_the_model_distribution():
    network = _net(length=2)
    n = 6000
    samples = np.asarray(sample_sequences(network, n, 2, tf.constant([1, 2])))
    every = np.array(list(itertools.product(range(V), repeat=2)))
    probs = np.exp(_sequence_log_prob(network, every))
    np.testing.assert_allclose(probs.sum(), 1.0, atol=1e-5)
    counts = np.array([np.sum(np.all(samples == s, axis=1)) for s in every])
    # Each frequency within 4.5 binomial standard deviations of its probability.
    np.testing.assert_array_less(np.abs(counts / n - probs), 4.5 * np.sqrt(probs * (1 - probs) / n) + 1e-3)
    # A low temperature takes the most likely token each step.
    cold = np.asarray(sample_sequences(network, 4, 2, tf.constant([1, 2]), temperature=1e-4))
    first = np.asarray(network(np.zeros((1, 2), np.int32)))[0, 0].argmax()
    assert np.all(cold[:, 0] == first)


def test_rollout_rewards_equal_the_exact_expected_discriminator_score():
    """Each reward is the mean D score of completions of the prefix; with many rollouts it
    approaches the exact expectation, enumerated over every completion here."""
    rollout = _net(seed=3)
    d = seqgan_discriminator(V, T, embedding_dim=4, filter_sizes=(1, 2), num_filters=(3, 3), seed=4)
    sequences = np.array([[0, 1, 2, 1], [2, 2, 0, 1]], np.int32)
    r = 400
    got = np.asarray(rollout_rewards(rollout, d, tf.constant(sequences), r, tf.constant([5, 6])))
    assert got.shape == (2, T)

    def score(x):
        return np.asarray(tf.nn.softmax(d(np.asarray(x, np.int32), training=False)))[:, 1]

    for b, seq in enumerate(sequences):
        for g in range(1, T):
            completions = np.array([list(seq[:g]) + list(c) for c in itertools.product(range(V), repeat=T - g)])
            # p(completion | prefix) = p(full) / p(prefix): the prefix factor is shared.
            weights = np.exp(_sequence_log_prob(rollout, completions))
            weights /= weights.sum()
            values = score(completions)
            exact = float(weights @ values)
            spread = float(np.sqrt(weights @ (values - exact) ** 2))
            assert abs(got[b, g - 1] - exact) <= 4.5 * spread / np.sqrt(r) + 1e-6, (b, g, got[b, g - 1], exact)
        np.testing.assert_allclose(got[b, T - 1], score(seq[None])[0], rtol=1e-5)


def test_phases_follow_the_official_schedule():
    model = _tiny()  # 4 MLE steps, 2 D pre-training steps, rounds of 2 steps
    model.compile()
    ds = tf.data.Dataset.from_tensors(_tokens()).repeat()
    model.fit(ds, steps_per_epoch=10, epochs=1, verbose=0)
    iterations = {k: int(o.iterations) for k, o in model.optimizers.items()}
    # MLE on steps 0-3; D on steps 4-9; policy gradient on steps 6 and 8 (rounds of 2).
    assert iterations == {"generator": 4, "discriminator": 6, "generator_adversarial": 2}
    assert model.total_steps(3) == 4 + 2 + 3 * 2


def test_rollout_copies_after_mle_and_follows_with_delay_after_policy_gradient():
    model = _tiny(pretrain_steps=1, discriminator_pretrain_steps=0, discriminator_steps=1)
    model.compile()
    ds = tf.data.Dataset.from_tensors(_tokens()).repeat()
    model.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)  # step 0: MLE (then D)
    for a, b in zip(model.rollout.weights, model.generator.weights):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    old = {w.path: np.array(w) for w in model.rollout.weights}
    model.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)  # step 1: policy gradient (then D)
    assert int(model.optimizers["generator_adversarial"].iterations) == 1
    for r, g in zip(model.rollout.weights, model.generator.weights):
        new = np.array(g)
        expected = new if "embedding" in r.path else 0.8 * old[r.path] + 0.2 * new
        np.testing.assert_allclose(np.array(r), expected, rtol=1e-5, atol=1e-7, err_msg=r.path)
        assert not np.allclose(old[r.path], new)


def test_policy_gradient_loss_is_the_reward_weighted_log_likelihood_summed():
    model = _tiny(pretrain_steps=0, discriminator_pretrain_steps=0, discriminator_steps=1)
    model.compile(optimizers={"generator_adversarial": keras.optimizers.SGD(0.0)})
    tokens = tf.constant(_tokens(4)["tokens"])
    seed = model.step_seed(2)
    samples = sample_sequences(model.generator, 4, 8, seed)
    rewards = rollout_rewards(model.rollout, model.discriminator, samples, model.num_rollouts, model.step_seed(3))
    logs = model.update("generator", tokens)
    lp = token_log_probs(model.generator(teacher_forcing_inputs(samples)), samples)
    expected = -np.mean(np.sum(np.asarray(lp) * np.asarray(rewards), axis=1))
    np.testing.assert_allclose(float(logs["g_loss"]), expected, rtol=1e-5)
    np.testing.assert_allclose(float(logs["reward"]), np.mean(rewards), rtol=1e-5)


def test_oracle_nll_against_numpy():
    oracle = _net(seed=7)
    tokens = np.array([[0, 1, 2, 1], [2, 2, 0, 1], [1, 0, 0, 0]], np.int32)
    expected = -_sequence_log_prob(oracle, tokens).sum() / tokens.size
    np.testing.assert_allclose(oracle_nll(oracle, tokens, batch_size=2), expected, rtol=1e-5)
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 3\); received values in \[1, 3\]"):
        oracle_nll(oracle, tokens + 1)
    with pytest.raises(ValueError, match="integer ids"):
        oracle_nll(oracle, tokens.astype("float32"))


def test_oracle_callback_logs_nll_oracle():
    model = _tiny(adversarial=False)
    model.compile()
    oracle = seqgan_generator(50, embedding_dim=8, hidden_dim=8, sequence_length=8, initializer_stddev=1.0, seed=9)
    callback = OracleNLL(oracle, num_samples=64, every=2)
    history = model.fit(tf.data.Dataset.from_tensors(_tokens()).repeat(), steps_per_epoch=1, epochs=3, verbose=0,
                        callbacks=[callback])
    assert [e for e, _, _ in callback.history] == [0, 2]
    assert history.history["nll_oracle"][-1] == callback.history[-1][2]
    assert np.isfinite(callback.history[-1][2]) and callback.history[-1][2] > 0


def test_shared_checks(tmp_path):
    model = _tiny()
    testing.run_config_roundtrip_check(model)
    testing.run_fit_check(model, _tokens(16), steps=10)
    testing.run_save_restore_check(model, str(tmp_path))
    testing.run_export_check(model, str(tmp_path))


def test_mirrored_fit():
    testing.run_mirrored_fit_check(_tiny, _tokens(16), steps=10)


def test_export_with_a_vocabulary_serves_text(tmp_path):
    words = ["<pad>", "<unk>"] + [f"w{i}" for i in range(48)]
    model = _tiny(vocabulary=words)
    out = model.serving_functions()["serving_default"](
        num_sequences=tf.constant(5), seed=tf.constant(1), temperature=tf.constant(1.0))
    tokens, text = np.asarray(out["tokens"]), [t.decode() for t in np.asarray(out["text"])]
    assert tokens.shape == (5, 8)
    assert text == model.decode(tokens)
    assert model.generate(5, seed=1).tolist() == tokens.tolist()


def test_bad_input_is_refused_clearly():
    model = _tiny()
    model.compile()
    with pytest.raises(ValueError, match=r"tokens must be \[batch, 8\]; received shape"):
        model.fit(tf.data.Dataset.from_tensors({"tokens": np.zeros((4, 5), np.int32)}).repeat(), steps_per_epoch=1,
                  verbose=0)
    with pytest.raises(ValueError, match="tokens must be integer ids; received dtype float32"):
        model.fit(tf.data.Dataset.from_tensors({"tokens": np.zeros((4, 8), np.float32)}).repeat(),
                  steps_per_epoch=1, verbose=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"token ids must be in \[0, 50\)"):
        model.fit(tf.data.Dataset.from_tensors({"tokens": np.full((4, 8), 50, np.int32)}).repeat(),
                  steps_per_epoch=1, verbose=0)
    with pytest.raises(ValueError, match="id 0 '<pad>' and id 1 '<unk>' first"):
        _tiny(vocabulary=[f"w{i}" for i in range(50)])
    with pytest.raises(ValueError, match="rollout_update_rate must be in"):
        _tiny(rollout_update_rate=1.0)
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        model.generate(2, temperature=0)
    with pytest.raises(ValueError, match="lacks"):
        SequenceGAN(keras.Sequential([keras.Input((8,), dtype="int32"), keras.layers.Embedding(50, 4)]),
                    model.discriminator)


def test_a_backup_resumes_every_optimizer_and_the_schedule(tmp_path):
    """A run stopped after 2 epochs and started again restores every weight and every
    optimizer's state exactly (both generator optimizers, D's) and the step counter, and then
    follows the schedule on: after 4 epochs its updates per optimizer equal an uninterrupted
    run's. (Weights after further training are not compared: a sampled token flips with the
    last bit of a logit, so two runs' trajectories part under CPU float nondeterminism.)"""
    from keras_gans.callbacks import ResumableBackup

    def run(epochs, directory):
        model = _tiny()
        model.compile()
        ds = tf.data.Dataset.from_tensors(_tokens()).repeat()
        model.fit(ds, steps_per_epoch=3, epochs=epochs, verbose=0,
                  callbacks=[ResumableBackup(str(directory), save_freq="epoch")])
        return model

    stopped = run(2, tmp_path / "a")  # 6 steps, then stopped
    restored = run(2, tmp_path / "a")  # restores the finished 2 epochs; trains nothing
    assert int(restored.step_counter) == int(stopped.step_counter) == 6
    for key, optimizer in stopped.optimizers.items():
        for a, b in zip(optimizer.variables, restored.optimizers[key].variables):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=f"{key}: {a.path}")
    for a, b in zip(stopped.weights, restored.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=a.path)
    resumed = run(4, tmp_path / "a")  # resumes at epoch 3
    whole = run(4, tmp_path / "b")
    for key in whole.optimizers:
        assert int(resumed.optimizers[key].iterations) == int(whole.optimizers[key].iterations), key
    assert int(resumed.step_counter) == int(whole.step_counter) == 12
    assert int(whole.optimizers["generator_adversarial"].iterations) == 3  # steps 6, 8, 10
