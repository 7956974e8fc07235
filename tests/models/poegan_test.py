"""MultimodalSynthesis (PoE-GAN): the product of experts and the KL against NumPy, the
projection discriminator's terms by hand, absent modalities having no effect, modality dropout,
the colour captions and sketches, and the shared checks."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import testing
from keras_gans import data, presets
from keras_gans.models.poegan import (MODALITIES, VOCABULARY, MultimodalSynthesis, add_sketch_and_caption,
                                      build, describe_colours, tokenize)
from keras_gans.networks import poegan as P

SIZE = 8
CLASSES = 3
TOKENS = 6


def _nets(seed=0):
    g = P.poegan_generator(SIZE, num_classes=CLASSES, vocab_size=len(VOCABULARY), max_tokens=TOKENS, z_dim=4,
                           z_channels=2, filters=4, max_filters=8, encoder_filters=4, hidden_filters=4, seed=seed)
    d = P.poegan_discriminator(SIZE, num_classes=CLASSES, vocab_size=len(VOCABULARY), max_tokens=TOKENS, filters=4,
                               max_filters=8, seed=seed + 1)
    return g, d


def _model(**kwargs):
    g, d = _nets()
    return MultimodalSynthesis(g, d, num_classes=CLASSES, optimizers={
        "generator": keras.optimizers.Adam(1e-3), "discriminator": keras.optimizers.Adam(1e-3)}, **kwargs)


def _batch(n=4, seed=0):
    rng = np.random.default_rng(seed)
    return {"labels": rng.integers(0, CLASSES, (n, SIZE, SIZE, 1)).astype("int32"),
            "target": rng.uniform(-1, 1, (n, SIZE, SIZE, 3)).astype("float32"),
            "sketch": np.where(rng.random((n, SIZE, SIZE, 1)) < 0.2, -1.0, 1.0).astype("float32"),
            "text": rng.integers(2, len(VOCABULARY), (n, TOKENS)).astype("int32")}


def _np_poe(mus, logvars, mask, prior=None):
    clip = lambda v: np.clip(v, -P.LOGVAR_LIMIT, P.LOGVAR_LIMIT)  # noqa: E731
    if prior is None:
        precision, weighted = np.ones_like(mus[0]), np.zeros_like(mus[0])
    else:
        precision = np.exp(-clip(prior[1]))
        weighted = prior[0] * precision
    for i, (mu, lv) in enumerate(zip(mus, logvars)):
        m = mask[:, i].reshape((-1,) + (1,) * (mu.ndim - 1))
        precision = precision + m * np.exp(-clip(lv))
        weighted = weighted + m * mu * np.exp(-clip(lv))
    return weighted / precision, -np.log(precision)


def test_product_of_experts_matches_numpy():
    rng = np.random.default_rng(0)
    mus = [rng.normal(size=(4, 3, 3, 2)) for _ in range(3)]
    lvs = [rng.normal(size=(4, 3, 3, 2)) for _ in range(3)]
    mask = np.array([[1, 1, 1], [1, 0, 1], [0, 0, 0], [0, 1, 0]], np.float64)
    prior = (rng.normal(size=(4, 3, 3, 2)), rng.normal(size=(4, 3, 3, 2)))
    # By hand for one entry: N(0, 1) x N(m1, v1) x N(m3, v3), example 1.
    v1, v3 = np.exp(lvs[0][1, 0, 0, 0]), np.exp(lvs[2][1, 0, 0, 0])
    t = 1 + 1 / v1 + 1 / v3
    hand_mu = (mus[0][1, 0, 0, 0] / v1 + mus[2][1, 0, 0, 0] / v3) / t
    for with_prior in (False, True):
        want_mu, want_lv = _np_poe(mus, lvs, mask, prior if with_prior else None)
        args = (prior[0], prior[1]) if with_prior else (None, None)
        mu, lv = P.product_of_experts([tf.constant(x) for x in mus], [tf.constant(x) for x in lvs],
                                      tf.constant(mask), *[None if a is None else tf.constant(a) for a in args])
        np.testing.assert_allclose(mu.numpy(), want_mu, rtol=1e-10)
        np.testing.assert_allclose(lv.numpy(), want_lv, rtol=1e-10)
        layer = P.ProductOfExperts(learned_prior=with_prior)
        inputs = (list(prior) if with_prior else []) + [mask] + [x for pair in zip(mus, lvs) for x in pair]
        out = layer([tf.constant(x, tf.float32) for x in inputs])
        np.testing.assert_allclose(out[0].numpy(), want_mu, rtol=1e-4, atol=1e-5)
    want_mu, want_lv = _np_poe(mus, lvs, mask)
    assert want_mu[1, 0, 0, 0] == pytest.approx(hand_mu)
    assert want_lv[1, 0, 0, 0] == pytest.approx(-np.log(t))
    np.testing.assert_allclose(want_mu[2], 0.0)  # nothing present: the prior N(0, 1)
    np.testing.assert_allclose(want_lv[2], 0.0)
    # An absent expert's values never reach the product, even non-finite ones.
    bad = [mus[0], np.full_like(mus[1], np.nan), mus[2]]
    mu, _ = P.product_of_experts([tf.constant(x) for x in bad], [tf.constant(x) for x in lvs], tf.constant(mask))
    np.testing.assert_allclose(mu.numpy()[[1, 2]], want_mu[[1, 2]], rtol=1e-10)


def test_gaussian_kl_matches_numpy():
    rng = np.random.default_rng(1)
    mu, lv, pm, plv = (rng.normal(size=(3, 2, 2, 2)) for _ in range(4))
    want = 0.5 * np.sum(plv - lv + (np.exp(lv) + (mu - pm) ** 2) / np.exp(plv) - 1, axis=(1, 2, 3))
    np.testing.assert_allclose(P.gaussian_kl(*map(tf.constant, (mu, lv, pm, plv))).numpy(), want, rtol=1e-10)
    standard = -0.5 * np.sum(1 + lv - mu ** 2 - np.exp(lv), axis=(1, 2, 3))
    np.testing.assert_allclose(P.gaussian_kl(tf.constant(mu), tf.constant(lv)).numpy(), standard, rtol=1e-10)


def test_projection_discriminator_terms_by_hand():
    _, d = _nets()
    b = _batch(n=4, seed=2)
    segmap = np.eye(CLASSES, dtype=np.float32)[b["labels"][..., 0]]
    presence = np.array([[1, 1, 1, 1], [0, 1, 0, 1], [1, 0, 1, 0], [0, 0, 0, 0]], np.float32)
    inputs = [b["target"], segmap, b["sketch"], b["target"][::-1].copy(), b["text"], presence]
    (r,) = {int(n.split("_")[-1]) for n in (l.name for l in d.layers) if n.startswith("segmentation_projection_")}
    names = ["pooled", "uncond_logit", "style_embedding", "text_embedding"] + [
        f"{p}_{m}_{r}" if p == "image_features" else f"{m}_features_{r}"
        for m in P.SPATIAL_MODALITIES for p in ("image_features", "modality")]
    probe = keras.Model(d.inputs, [d.get_layer(n).output for n in names])
    pooled, uncond, e_style, e_text, f_seg, g_seg, f_sk, g_sk = [np.asarray(x, np.float64) for x in probe(inputs)]
    want = (uncond[:, 0] + presence[:, 2] * np.sum(pooled * e_style, -1) + presence[:, 3] * np.sum(pooled * e_text, -1)
            + presence[:, 0] * np.mean(np.sum(f_seg * g_seg, -1), axis=(1, 2))
            + presence[:, 1] * np.mean(np.sum(f_sk * g_sk, -1), axis=(1, 2)))
    logits = np.asarray(d(inputs))[:, 0]
    np.testing.assert_allclose(logits, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(logits[3], uncond[3, 0], rtol=1e-6)  # nothing present: unconditional
    # Changing a modality's input moves exactly the examples where it is present.
    for column, index in ((0, 1), (1, 2), (2, 3), (3, 4)):
        changed = list(inputs)
        changed[index] = (np.asarray(inputs[index]) * 0 + 2 if column != 3 else
                          np.full_like(b["text"], 3))
        moved = np.abs(np.asarray(d(changed))[:, 0] - logits) > 1e-6
        np.testing.assert_array_equal(moved, presence[:, column] > 0, err_msg=MODALITIES[column])


def test_absent_modalities_have_no_effect_and_present_ones_do():
    m = _model()
    b = _batch(n=4, seed=3)
    presence = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0], [0, 0, 1, 1]], np.int32)
    args = [b["labels"], b["sketch"], b["target"], b["text"]]
    base = m.synthesize_tensor(*args, presence, seed=5).numpy()
    other = _batch(n=4, seed=4)
    replacements = [other["labels"], other["sketch"], other["target"], other["text"]]
    for column in range(4):
        changed = list(args)
        changed[column] = replacements[column]
        out = m.synthesize_tensor(*changed, presence, seed=5).numpy()
        diff = np.abs(out - base).reshape(4, -1).max(-1)
        absent = presence[:, column] == 0
        np.testing.assert_array_equal(out[absent], base[absent], err_msg=MODALITIES[column])
        assert np.all(diff[~absent] > 1e-5), (MODALITIES[column], diff)
    # The NumPy front end: None is absent, text may be captions.
    seg_only = m.synthesize(labels=b["labels"], seed=5)
    want = m.synthesize_tensor(b["labels"], *replacements[1:], np.tile([[1, 0, 0, 0]], (4, 1)), seed=5)
    np.testing.assert_array_equal(seg_only, want.numpy())
    a = m.synthesize(text=["a photo in red", "a photo in blue"], seed=1)
    c = m.synthesize(text=["a photo in green", "a photo in blue"], seed=1)
    assert np.abs(a[0] - c[0]).max() > 1e-5 and np.array_equal(a[1], c[1])
    assert m.synthesize(count=2, seed=0).shape == (2, SIZE, SIZE, 3)
    # Seeds change the unconditional draw; the same seed gives the same images.
    np.testing.assert_array_equal(m.synthesize(count=2, seed=0), m.synthesize(count=2, seed=0))
    assert np.abs(m.synthesize(count=2, seed=0) - m.synthesize(count=2, seed=1)).max() > 1e-5
    grid, columns = m.sample_grids(b)["samples"]
    assert columns == 7 and grid.shape == (28, SIZE, SIZE, 3)


def test_presets_build_and_the_multimodal_data_feeds_them():
    m = build("gaugan2_tiny", seed=1)
    preset = presets.get("gaugan2_tiny")
    size = preset["data"]["image_shape"][0]
    assert m.image_shape == (size, size, 3) and m.max_tokens == 8
    assert m.synthesize(count=1).shape == (1, size, size, 3)
    with pytest.raises(ValueError, match="gaugan2_small"):
        build("gaugan3")
    ds = data.load(preset["data"]["dataset"], batch_size=2, image_size=size, **preset["data"]["options"])
    batch = next(iter(ds))
    assert batch["sketch"].shape == (2, size, size, 1) and batch["text"].shape == (2, 8)
    info = data.info(preset["data"]["dataset"], **preset["data"]["options"])
    assert info.kind == "multimodal" and info.shapes["sketch"][-1] == 1
    segmap, sketch, target, text = m.unpack_batch(batch)
    assert segmap.shape[-1] == 8 and sketch.shape == batch["sketch"].shape


def test_any_text_network_plugs_in():
    tokens = keras.Input((TOKENS,), dtype="int32")
    x = keras.layers.Embedding(len(VOCABULARY), 5, name="my_embedding")(tokens)
    mine = keras.Model(tokens, keras.layers.Dense(7, name="my_dense")(keras.layers.Flatten()(x)), name="mine")
    g = P.poegan_generator(SIZE, num_classes=CLASSES, max_tokens=TOKENS, z_dim=4, z_channels=2, filters=4,
                           max_filters=8, encoder_filters=4, hidden_filters=4, text_network=mine, seed=0)
    assert "mine" in [layer.name for layer in g.layers]
    m = MultimodalSynthesis(g, _nets()[1], num_classes=CLASSES)
    a = m.synthesize(text=["a photo in red", "a photo in red"], seed=2)
    b = m.synthesize(text=["a photo in red", "red in a photo"], seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert np.abs(a[1] - b[1]).max() > 1e-6  # word order matters to this encoder


def test_modality_dropout_and_the_generator_step():
    m = _model(kl_weight=0.5)
    m.compile()
    p = m.dropout_presence(4000, tf.constant([3, 4])).numpy()
    assert set(np.unique(p)) == {0.0, 1.0}
    assert abs(p.mean() - 0.5) < 0.03
    assert 0.03 < np.mean(p.sum(-1) == 0) < 0.1  # all four dropped: 1/16 of the examples
    np.testing.assert_array_equal(p, m.dropout_presence(4000, tf.constant([3, 4])).numpy())
    inputs = m.unpack_batch(_batch(seed=6))
    segmap, sketch, target, tokens = inputs
    seed = m.step_seed(0)
    presence = m.dropout_presence(4, seed)
    fake, kl = m.generate(segmap, sketch, target, tokens, presence, m.noise(4, seed), training=True)
    logits = m.discriminate(fake, segmap, sketch, target, tokens, presence)
    want = np.mean(-np.asarray(logits)[:, 0] + 0.5 * np.asarray(kl))
    out = m.generator_step(inputs, 0)
    assert float(out.loss) == pytest.approx(want, rel=1e-4)
    assert np.all(np.asarray(kl) >= 0)


def test_captions_and_sketches():
    image = np.zeros((8, 8, 3), np.uint8)
    image[:, :5] = (40, 80, 200)  # blue
    image[:, 5:7] = (235, 235, 235)  # white
    image[:, 7:] = (200, 30, 30)  # red
    assert describe_colours(image) == "a photo in blue white and red"
    assert describe_colours(image.astype(np.float32) / 127.5 - 1) == "a photo in blue white and red"
    assert describe_colours(np.zeros((4, 4, 3), np.uint8) + 20) == "a photo in black"
    ids = tokenize(["a photo in blue white and red", "zebra"], 8)
    assert [VOCABULARY[i] for i in ids[0][:7]] == "a photo in blue white and red".split() and ids[0, 7] == 0
    assert list(ids[1]) == [1] + [0] * 7
    square = np.full((2, 16, 16, 3), -1.0, np.float32)
    square[:, 4:12, 4:12] = 1.0
    labels = np.zeros((2, 16, 16, 1), np.int32)
    ds = add_sketch_and_caption(tf.data.Dataset.from_tensors({"labels": labels, "target": square}),
                                max_tokens=TOKENS)
    element = next(iter(ds))
    sketch = element["sketch"].numpy()
    assert sketch.shape == (2, 16, 16, 1) and set(np.unique(sketch)) == {-1.0, 1.0}
    assert sketch[0, 0, 0, 0] == 1.0 and (sketch[0, :, :, 0] == -1).sum() >= 16  # the square's outline
    assert element["text"].shape == (2, TOKENS)
    assert [VOCABULARY[i] for i in element["text"].numpy()[0] if i] == "a photo in black and white".split()


def test_shared_checks_and_serving(tmp_path):
    m = _model()
    meta = m.serving_metadata()
    assert meta["modalities"] == list(MODALITIES) and meta["max_tokens"] == TOKENS
    sig = m.serving_functions()["serving_default"]
    names = [s.name for s in sig.input_signature]
    assert names == ["labels", "sketch", "style_images", "text", "segmentation_present", "sketch_present",
                     "style_present", "text_present", "seed"]
    testing.run_config_roundtrip_check(m)
    history = testing.run_fit_check(m, _batch(n=4), steps=2, batch_size=2)
    assert {"d_loss", "g_loss", "kl"} <= set(history.history)
    testing.run_save_restore_check(m, str(tmp_path))
    testing.run_export_check(m, str(tmp_path))
    with pytest.raises(ValueError, match="'sketch', 'text'"):
        m.unpack_batch({"labels": _batch()["labels"], "target": _batch()["target"]})


def _features(seed=0):
    """A tiny frozen feature network standing in for VGG: two conv maps of [-1, 1] images."""
    x = keras.Input((SIZE, SIZE, 3))
    a = keras.layers.Conv2D(3, 3, padding="same", kernel_initializer=keras.initializers.GlorotUniform(seed))(x)
    b = keras.layers.Conv2D(2, 3, strides=2, padding="same",
                            kernel_initializer=keras.initializers.GlorotUniform(seed + 1))(a)
    return keras.Model(x, [a, b])


def test_image_contrastive_term_of_the_generator_step():
    """G's loss = hinge + kl_weight * KL + image_contrastive_weight * (InfoNCE of each output's
    features against the batch's real ones, summed over the maps): the wiring (weights,
    temperature, which images); the InfoNCE itself is tested against NumPy in
    tests/losses/losses_perceptual_test.py."""
    from keras_gans.losses.perceptual import contrastive_criterion

    g, d = _nets()
    features = _features()
    m = MultimodalSynthesis(g, d, perceptual=features, num_classes=CLASSES, kl_weight=0.5,
                            image_contrastive_weight=0.7, contrastive_temperature=0.2, optimizers={
                                "generator": keras.optimizers.Adam(1e-3), "discriminator": keras.optimizers.Adam(1e-3)})
    m.compile()
    inputs = m.unpack_batch(_batch(seed=6))
    segmap, sketch, target, tokens = inputs
    seed = m.step_seed(0)
    presence = m.dropout_presence(4, seed)
    fake, kl = m.generate(segmap, sketch, target, tokens, presence, m.noise(4, seed), training=True)
    logits = np.asarray(m.discriminate(fake, segmap, sketch, target, tokens, presence))[:, 0]
    real_maps = [np.asarray(t) for t in features(target)]
    fake_maps = [np.asarray(t) for t in features(fake)]
    info_nce = contrastive_criterion(0.2)
    contrastive = sum(np.asarray(info_nce(r, f)) for r, f in zip(real_maps, fake_maps))
    out = m.generator_step(inputs, 0)
    want = np.mean(-logits + 0.5 * np.asarray(kl) + 0.7 * contrastive)
    assert float(out.loss) == pytest.approx(want, rel=1e-4)
    assert float(out.logs["contrastive"]) == pytest.approx(contrastive.mean(), rel=1e-4)
    assert "perceptual" not in [v.path.split("/")[0] for v in m.trainable_variables]  # frozen
    with pytest.raises(ValueError, match="image_contrastive_weight=1.0 needs a perceptual network"):
        MultimodalSynthesis(*_nets(), num_classes=CLASSES, image_contrastive_weight=1.0)


def test_skip_connections_feed_the_spatial_encoders_to_every_decoder_block():
    """The paper's skip connections: each decoder block's modulation input holds the gated
    segmentation and sketch features at its resolution (also at the output resolution, where
    there is no latent); without them only [z_k, w]."""
    g, _ = _nets()
    for size in (4, SIZE):
        cond = g.get_layer(f"cond_{size}")
        parents = {t._keras_history[0].name for t in cond.input}
        assert {f"segmentation_skip_{size}", f"sketch_skip_{size}"} <= parents, (size, parents)
    plain = P.poegan_generator(SIZE, num_classes=CLASSES, vocab_size=len(VOCABULARY), max_tokens=TOKENS, z_dim=4,
                               z_channels=2, filters=4, max_filters=8, encoder_filters=4, hidden_filters=4,
                               skip_connections=False, seed=0)
    assert not [layer for layer in plain.layers if isinstance(layer, P.PresenceGate)]
    gate = P.PresenceGate()
    x = np.array([[[1.0, np.nan]], [[2.0, 3.0]]], "float32")
    np.testing.assert_array_equal(np.asarray(gate([x, np.array([[0.0], [1.0]], "float32")])),
                                  [[[0.0, 0.0]], [[2.0, 3.0]]])
