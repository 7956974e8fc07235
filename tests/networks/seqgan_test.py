"""Tests for the SeqGAN networks (keras_gans/networks/seqgan.py), checked against the
authors' TensorFlow code (LantaoYu/SeqGAN, generator.py / target_lstm.py / discriminator.py /
sequence_gan.py) written out as variable shapes."""

import keras
import numpy as np
import pytest

from keras_gans.networks import seqgan

V, EMB, H, T = 5000, 32, 32, 20
# generator.py: g_embeddings [V, emb]; Wi, Ui, bi, Wf, Uf, bf, Wog, Uog, bog, Wc, Uc, bc with
# W [emb, h], U [h, h], b [h]; Wo [h, V], bo [V].
OFFICIAL_G_SHAPES = [(V, EMB)] + [(EMB, H), (H, H), (H,)] * 4 + [(H, V), (V,)]
# sequence_gan.py + discriminator.py.
D_EMB = 64
FILTER_SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20]
NUM_FILTERS = [100, 200, 200, 200, 200, 100, 100, 100, 100, 100, 160, 160]
F = sum(NUM_FILTERS)
OFFICIAL_D_SHAPES = (
    [(V, D_EMB)]
    + [s for k, n in zip(FILTER_SIZES, NUM_FILTERS) for s in ((k, D_EMB, 1, n), (n,))]
    + [(F, F), (F,), (F, F), (F,)]  # highway_lin_0 and highway_gate_0: Matrix, Bias
    + [(F, 2), (2,)]
)


def _count(shapes):
    return sum(int(np.prod(s)) for s in shapes)


def _tokens(batch=3, length=T, vocab=V, seed=0):
    return np.random.default_rng(seed).integers(0, vocab, size=(batch, length)).astype("int32")


def test_generator_matches_the_official_parameter_count_and_shapes():
    g = seqgan.seqgan_generator()
    assert F == 1720
    assert _count(OFFICIAL_G_SHAPES) == 5000 * 32 + 4 * (32 * 32 + 32 * 32 + 32) + 32 * 5000 + 5000
    assert _count(OFFICIAL_G_SHAPES) == 333_320
    assert g.count_params() == _count(OFFICIAL_G_SHAPES)
    # Keras' LSTM keeps the 4 gates' W, U, b concatenated.
    lstm = g.get_layer("lstm").cell
    assert tuple(lstm.kernel.shape) == (EMB, 4 * H)
    assert tuple(lstm.recurrent_kernel.shape) == (H, 4 * H)
    assert tuple(lstm.bias.shape) == (4 * H,)
    assert g(_tokens()).shape == (3, T, V)


def test_oracle_has_the_generator_architecture():
    o = seqgan.seqgan_oracle(seed=1)
    g = seqgan.seqgan_generator(seed=1)
    assert [tuple(w.shape) for w in o.weights] == [tuple(w.shape) for w in g.weights]
    assert o.count_params() == 333_320
    assert [layer.name for layer in o.layers] == [layer.name for layer in g.layers]


@pytest.mark.parametrize("builder, stddev", [(seqgan.seqgan_generator, 0.1),
                                             (seqgan.seqgan_oracle, 1.0)])
def test_initialisation_is_normal_with_the_official_stddev_biases_included(builder, stddev):
    model = builder(seed=3)
    for w in model.weights:
        values = np.asarray(w).ravel()
        if values.size < 100:
            continue
        assert abs(values.mean()) < 0.15 * stddev, w.path
        assert values.std() == pytest.approx(stddev, rel=0.2), w.path
    # The LSTM bias is N(0, stddev) too (no forget bias of 1).
    bias = np.asarray(model.get_layer("lstm").cell.bias)
    assert bias.std() == pytest.approx(stddev, rel=0.3)
    assert not np.allclose(bias[H:2 * H], 1.0, atol=0.2 * stddev)


def test_teacher_forcing_inputs_shift_in_the_start_token():
    x = np.array([[5, 6, 7], [8, 9, 10]], dtype="int32")
    np.testing.assert_array_equal(np.asarray(seqgan.teacher_forcing_inputs(x)),
                                  [[0, 5, 6], [0, 8, 9]])
    np.testing.assert_array_equal(np.asarray(seqgan.teacher_forcing_inputs(x, start_token=4)),
                                  [[4, 5, 6], [4, 8, 9]])


def test_named_pieces_reproduce_the_model_step_by_step():
    g = seqgan.seqgan_generator(vocab_size=50, sequence_length=6, seed=0)
    x = _tokens(batch=2, length=6, vocab=50)
    full = np.asarray(g(x))
    emb, cell, out = g.get_layer("embedding"), g.get_layer("lstm").cell, g.get_layer("output")
    state = [np.zeros((2, H), "float32"), np.zeros((2, H), "float32")]
    for t in range(6):
        h, state = cell(emb(x[:, t]), state)
        np.testing.assert_allclose(np.asarray(out(h)), full[:, t], atol=1e-5)


def test_discriminator_matches_the_official_parameter_count_and_shapes():
    d = seqgan.seqgan_discriminator()
    expected = (5000 * 64
                + sum(k * 64 * n + n for k, n in zip(FILTER_SIZES, NUM_FILTERS))
                + 2 * (F * F + F)
                + F * 2 + 2)
    assert _count(OFFICIAL_D_SHAPES) == expected == 7_045_402
    assert d.count_params() == expected
    for k, n in zip(FILTER_SIZES, NUM_FILTERS):
        conv = d.get_layer(f"conv_{k}")
        assert tuple(conv.kernel.shape) == (k, D_EMB, n) and conv.padding == "valid"
        # max over the whole T - k + 1 positions of the VALID conv
        assert conv.output.shape[1] == T - k + 1
        assert d.get_layer(f"max_pool_{k}").output.shape[1:] == (n,)
    assert d.get_layer("features").output.shape[1:] == (F,)
    assert d(_tokens()).shape == (3, 2)


def test_discriminator_official_initialisation():
    d = seqgan.seqgan_discriminator(seed=0)
    emb = np.asarray(d.get_layer("embedding").embeddings)
    assert emb.min() >= -1 and emb.max() <= 1 and emb.std() == pytest.approx(2 / np.sqrt(12), rel=0.05)
    conv = d.get_layer("conv_3")
    kernel = np.asarray(conv.kernel)
    assert np.abs(kernel).max() <= 0.2 + 1e-6  # truncated normal stddev 0.1
    np.testing.assert_allclose(np.asarray(conv.bias), 0.1)
    np.testing.assert_allclose(np.asarray(d.get_layer("output").bias), 0.1)


def test_highway_is_the_official_formula_with_gate_offset_zero_by_default():
    d = seqgan.seqgan_discriminator(seed=0)
    hw = d.get_layer("highway")
    # discriminator.py calls highway(h_pool_flat, size, 1, 0): the gate's constant offset is 0.
    assert hw.gate_bias == 0.0
    assert seqgan.seqgan_discriminator(seed=0, highway_gate_bias=-2.0).get_layer(
        "highway").gate_bias == -2.0
    y = np.random.default_rng(0).normal(size=(4, F)).astype("float32")
    wh, bh, wt, bt = (np.asarray(w) for w in (hw.transform_kernel, hw.transform_bias,
                                              hw.gate_kernel, hw.gate_bias_weight))
    # Glorot-uniform biases (TF1 get_variable default), not zeros.
    assert np.abs(bt).max() <= np.sqrt(3 / F) + 1e-6 and bt.std() > 0.01
    for offset in (0.0, -2.0):
        layer = seqgan.Highway(gate_bias=offset)
        layer.build((None, F))
        layer.set_weights([wh, bh, wt, bt])
        g = np.maximum(y @ wh + bh, 0)
        t = 1 / (1 + np.exp(-(y @ wt + bt + offset)))
        np.testing.assert_allclose(np.asarray(layer(y)), t * g + (1 - t) * y, atol=1e-4)


def test_dropout_is_keep_075_and_active_only_in_training():
    d = seqgan.seqgan_discriminator(vocab_size=100, seed=0)
    assert d.get_layer("dropout").rate == 0.25
    x = _tokens(batch=8, vocab=100)
    eval_1, eval_2 = np.asarray(d(x, training=False)), np.asarray(d(x, training=False))
    np.testing.assert_array_equal(eval_1, eval_2)
    train = np.asarray(d(x, training=True))
    assert not np.allclose(train, eval_1)


def test_l2_only_on_the_output_weights_and_biases_as_the_official_loss():
    d = seqgan.seqgan_discriminator(vocab_size=100, seed=0)
    regularised = [(layer.name, attr) for layer in d.layers
                   for attr in ("kernel_regularizer", "bias_regularizer",
                                "embeddings_regularizer", "activity_regularizer")
                   if getattr(layer, attr, None) is not None]
    assert regularised == [("output", "kernel_regularizer"), ("output", "bias_regularizer")]
    assert len(d.losses) == 2
    w, b = (np.asarray(v) for v in (d.get_layer("output").kernel, d.get_layer("output").bias))
    # l2_reg_lambda * (tf.nn.l2_loss(W) + tf.nn.l2_loss(b)), tf.nn.l2_loss(x) = sum(x^2) / 2
    official = 0.2 * ((w ** 2).sum() / 2 + (b ** 2).sum() / 2)
    assert float(sum(np.asarray(loss) for loss in d.losses)) == pytest.approx(official, rel=1e-5)
    assert seqgan.seqgan_discriminator(vocab_size=100, l2=0.0).losses == []


def test_seeds_make_builds_reproducible():
    def weights(model):
        return [np.asarray(w) for w in model.weights]

    for build in (lambda s: seqgan.seqgan_generator(vocab_size=200, seed=s),
                  lambda s: seqgan.seqgan_oracle(vocab_size=200, seed=s),
                  lambda s: seqgan.seqgan_discriminator(vocab_size=200, seed=s)):
        a, b, c = weights(build(7)), weights(build(7)), weights(build(8))
        for wa, wb in zip(a, b):
            np.testing.assert_array_equal(wa, wb)
        assert any(not np.array_equal(wa, wc) for wa, wc in zip(a, c))
    # distinct weights within one seeded build get distinct draws
    g = weights(seqgan.seqgan_generator(vocab_size=200, seed=7))
    assert not np.allclose(g[1][:, :H], g[2][:, :H])


def test_seeded_dropout_is_reproducible():
    x = _tokens(batch=4, vocab=100)
    a = np.asarray(seqgan.seqgan_discriminator(vocab_size=100, seed=5)(x, training=True))
    b = np.asarray(seqgan.seqgan_discriminator(vocab_size=100, seed=5)(x, training=True))
    np.testing.assert_array_equal(a, b)


def test_argument_checks():
    with pytest.raises(ValueError, match="same length"):
        seqgan.seqgan_discriminator(filter_sizes=(1, 2), num_filters=(3,))
    with pytest.raises(ValueError, match="exceeds sequence_length"):
        seqgan.seqgan_discriminator(sequence_length=5, filter_sizes=(6,), num_filters=(2,))
    with pytest.raises(ValueError, match="dropout"):
        seqgan.seqgan_discriminator(dropout=1.0)
    with pytest.raises(ValueError, match="hidden_dim"):
        seqgan.seqgan_generator(hidden_dim=0)
    with pytest.raises(ValueError, match="initializer_stddev"):
        seqgan.seqgan_oracle(initializer_stddev=0)


def test_highway_serialises():
    layer = seqgan.Highway(gate_bias=-2.0, seed=3, name="hw")
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert clone.gate_bias == -2.0 and clone.seed == 3
