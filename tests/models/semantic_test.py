"""SemanticSynthesis (pix2pixHD, GauGAN): the losses against NumPy formulas, pix2pixHD's joint
iteration and SPADE's G-then-D order against hand-written steps, the fixed global generator,
the style encoder, inference on any size, the shared checks and MirroredStrategy."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from keras_gans import testing
from keras_gans.data import label_maps
from keras_gans.grids import label_colors
from keras_gans.models.semantic import SemanticSynthesis

SIZE = 16
CLASSES = 3


def _generator(channels, z_dim=None, seed=0, prefix=""):
    init = keras.initializers.RandomNormal(0.0, 0.3, seed=seed)
    segmap = keras.Input((SIZE, SIZE, channels), name="segmap")
    inputs = [segmap]
    x = layers.Conv2D(6, 3, padding="same", kernel_initializer=init, name=prefix + "conv_in")(segmap)
    if z_dim:
        z = keras.Input((z_dim,), name="z")
        inputs.append(z)
        style = layers.Reshape((1, 1, 6))(layers.Dense(6, kernel_initializer=init, name="z_dense")(z))
        x = layers.Add()([x, style])
    x = layers.Activation("relu")(x)
    out = layers.Conv2D(3, 3, padding="same", activation="tanh", kernel_initializer=init, name="conv_out")(x)
    return keras.Model(inputs if z_dim else segmap, out)


def _discriminator(channels, scales=2, seed=1):
    """A small multi-scale D with nested outputs: per scale [features, features, logits]."""
    init = keras.initializers.RandomNormal(0.0, 0.3, seed=seed)
    segmap = keras.Input((None, None, channels))
    image = keras.Input((None, None, 3))
    x = layers.Concatenate()([segmap, image])
    outputs = []
    for s in range(scales):
        h = x if s == 0 else layers.AveragePooling2D(2 ** s)(x)
        f1 = layers.LeakyReLU(0.2)(layers.Conv2D(4, 3, strides=2, padding="same", kernel_initializer=init)(h))
        f2 = layers.LeakyReLU(0.2)(layers.Conv2D(4, 3, padding="same", kernel_initializer=init)(f1))
        outputs.append([f1, f2, layers.Conv2D(1, 3, padding="same", kernel_initializer=init)(f2)])
    return keras.Model([segmap, image], outputs)


def _encoder(z_dim=4, seed=2):
    init = keras.initializers.RandomNormal(0.0, 0.1, seed=seed)
    image = keras.Input((SIZE, SIZE, 3))
    x = layers.Flatten()(layers.Conv2D(2, 3, strides=4, padding="same", kernel_initializer=init)(image))
    return keras.Model(image, [layers.Dense(z_dim, kernel_initializer=init)(x),
                               layers.Dense(z_dim, kernel_initializer=init)(x)])


def _perceptual():
    image = keras.Input((None, None, 3))
    a = layers.Conv2D(2, 3, padding="same", kernel_initializer=keras.initializers.RandomNormal(0, 0.5, seed=5))(image)
    model = keras.Model(image, [a, layers.AveragePooling2D(2)(a)])
    model.trainable = False
    return model


def _model(instance_edges=True, encoder=False, perceptual=False, sgd=None, **kwargs):
    channels = CLASSES + int(instance_edges)
    z_dim = 4 if encoder else None
    nets = {"generator": _generator(channels, z_dim), "discriminator": _discriminator(channels)}
    if encoder:
        nets["encoder"] = _encoder(z_dim)
    if perceptual:
        nets["perceptual"] = _perceptual()
    opt = (lambda: keras.optimizers.SGD(sgd)) if sgd else (lambda: keras.optimizers.Adam(1e-3))
    optimizers = {role: opt() for role in nets if role != "perceptual"}
    return SemanticSynthesis(**nets, num_classes=CLASSES, instance_edges=instance_edges, optimizers=optimizers,
                             **kwargs)


def _batch(n=2, size=SIZE, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, (n, size, size, 1)).astype("int32")
    # Blocky instances so the edge channel is neither all 0 nor all 1.
    instances = np.kron(rng.integers(0, 3, (n, size // 4, size // 4)), np.ones((4, 4)))[..., None].astype("int32")
    target = rng.uniform(-1, 1, (n, size, size, 3)).astype("float32")
    return {"labels": labels, "instances": instances, "target": target}


def _nested(outputs):
    return [[np.asarray(t, np.float64) for t in scale] for scale in outputs]


def _np_d(model, segmap, image):
    return _nested(model.discriminator([segmap, tf.constant(image, tf.float32)], training=True))


def _np_terms(real, fake, scale_reduction, loss, layer_weight=None):
    """NumPy: (D objective, G adversarial, feature matching) per the two papers' formulas."""
    scales = len(real)
    if loss == "least_squares":  # pix2pixHD: MSE; D (real + fake) / 2; G MSE (= 2 x our 0.5 MSE)
        d = [0.5 * (np.mean((r[-1] - 1) ** 2) + np.mean(f[-1] ** 2)) for r, f in zip(real, fake)]
        g = [0.5 * np.mean((f[-1] - 1) ** 2) for f in fake]
    else:  # hinge
        d = [np.mean(np.maximum(0, 1 - r[-1])) + np.mean(np.maximum(0, 1 + f[-1])) for r, f in zip(real, fake)]
        g = [-np.mean(f[-1]) for f in fake]
    reduce = np.sum if scale_reduction == "sum" else np.mean
    fm = 0.0
    for r, f in zip(real, fake):
        w = 4.0 / (len(r) - 1) if layer_weight is None else layer_weight
        fm += sum(w / scales * np.mean(np.abs(a - b)) for a, b in zip(r[:-1], f[:-1]))
    return reduce(d), reduce(g), fm


def test_label_colors_are_distinct_and_in_range():
    colours = label_colors(np.arange(20).reshape(1, 4, 5, 1), 20)
    assert colours.shape == (1, 4, 5, 3) and colours.min() >= -1 and colours.max() <= 1
    assert len({tuple(c) for c in colours.reshape(-1, 3)}) == 20
    np.testing.assert_allclose(colours[0, 0, 1], np.array([128, 0, 0]) / 127.5 - 1, atol=1e-6)  # VOC: class 1 is dark red
    np.testing.assert_allclose(colours[0, 0, 2], np.array([0, 128, 0]) / 127.5 - 1, atol=1e-6)


@pytest.mark.parametrize("loss,reduction", [("least_squares", "sum"), ("hinge", "mean")])
def test_joint_step_is_the_pix2pixhd_objective_by_hand(loss, reduction):
    m = _model(loss=loss, scale_reduction=reduction, adversarial_weight=2.0, perceptual=True)
    m.compile()
    batch = _batch()
    segmap, target = m.unpack_batch(batch)
    fake = np.asarray(m.generator(segmap, training=True))
    real_out, fake_out = _np_d(m, segmap, target), _np_d(m, segmap, fake)
    d, g, fm = _np_terms(real_out, fake_out, reduction, loss)
    pr = [np.asarray(t, np.float64) for t in m.perceptual(target)]
    pf = [np.asarray(t, np.float64) for t in m.perceptual(tf.constant(fake))]
    vgg = sum(np.mean(np.abs(a - b)) for a, b in zip(pr, pf))  # 2 maps: layer weights 1, 1
    out = m.joint_step((segmap, target), 0)
    assert float(out.loss["discriminator"]) == pytest.approx(d, rel=1e-4)
    assert float(out.loss["generator"]) == pytest.approx(2.0 * g + 10 * fm + 10 * vgg, rel=1e-4)
    assert float(out.logs["feature_matching"]) == pytest.approx(fm, rel=1e-4)
    assert float(out.logs["perceptual"]) == pytest.approx(vgg, rel=1e-4)


def test_joint_update_applies_both_gradients_from_the_pre_step_networks():
    """One SGD step: G's and D's new weights are the hand gradients at the initial weights."""
    m = _model(sgd=0.1, adversarial_weight=2.0, feature_matching_weight=10.0)
    m.compile()
    batch = _batch(seed=3)
    segmap, target = m.unpack_batch(batch)
    G, D = m.generator, m.discriminator

    def terms():
        fake = G(segmap, training=True)
        real_out = D([segmap, target], training=True)
        fake_out = D([segmap, fake], training=True)
        fake_det = D([segmap, tf.stop_gradient(fake)], training=True)
        d_loss = tf.add_n([0.5 * tf.reduce_mean((r[-1] - 1) ** 2) + 0.5 * tf.reduce_mean(f[-1] ** 2)
                           for r, f in zip(real_out, fake_det)])
        g_loss = tf.add_n([tf.reduce_mean((f[-1] - 1) ** 2) for f in fake_out])  # nn.MSELoss
        for r, f in zip(real_out, fake_out):
            for a, b in zip(r[:-1], f[:-1]):
                g_loss += 10.0 / 2 * 4.0 / 2 * tf.reduce_mean(tf.abs(b - tf.stop_gradient(a)))
        return g_loss, d_loss

    with tf.GradientTape(persistent=True) as tape:
        g_loss, d_loss = terms()
    want_g = [v.numpy() - 0.1 * gr.numpy() for v, gr in zip(G.trainable_variables, tape.gradient(g_loss, G.trainable_variables))]
    want_d = [v.numpy() - 0.1 * gr.numpy() for v, gr in zip(D.trainable_variables, tape.gradient(d_loss, D.trainable_variables))]
    m.fit(tf.data.Dataset.from_tensors(batch), epochs=1, verbose=0)
    for got, want in zip(G.trainable_variables, want_g):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6)
    for got, want in zip(D.trainable_variables, want_d):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6)


def test_generator_first_order_is_spade_s():
    """joint_update=False: G's phase, then D's, which sees the fake of the *updated* G."""
    m = _model(sgd=0.1, joint_update=False, loss="hinge", scale_reduction="mean",
               adversarial_weight=1.0, feature_matching_layer_weight=1.0)
    assert [p.name for p in m.phases] == ["generator", "discriminator"]
    m.compile()
    batch = _batch(seed=4)
    segmap, target = m.unpack_batch(batch)
    d0 = [w.copy() for w in m.discriminator.get_weights()]
    m.update("generator", (segmap, target))
    fake_after = np.asarray(m.generator(segmap, training=True))
    d_out = m.discriminator_step((segmap, target), 0)
    d, _, _ = _np_terms(_np_d(m, segmap, target), _np_d(m, segmap, fake_after), "mean", "hinge")
    assert float(d_out.loss) == pytest.approx(d, rel=1e-4)
    for a, b in zip(d0, m.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)  # G's phase left D alone


def test_fixed_generator_variables_wait_for_their_steps():
    """pix2pixHD's niter_fix_global: the named variables stay put, then train."""
    m = _model(fixed_generator_variables=(["conv_in"], 2))
    assert [p.name for p in m.phases] == ["joint_fixed", "joint"]
    m.compile()
    fixed = [v for v in m.generator.trainable_variables if v.path.startswith("conv_in")]
    free = [v for v in m.generator.trainable_variables if not v.path.startswith("conv_in")]
    assert fixed and free
    start = [v.numpy().copy() for v in fixed]
    free_start = [v.numpy().copy() for v in free]
    ds = tf.data.Dataset.from_tensors(_batch()).repeat()
    m.fit(ds, epochs=1, steps_per_epoch=2, verbose=0)
    for v, s in zip(fixed, start):
        np.testing.assert_array_equal(v.numpy(), s)
    assert any(not np.allclose(v.numpy(), s) for v, s in zip(free, free_start))
    m.fit(ds, epochs=1, steps_per_epoch=1, verbose=0)
    assert any(not np.allclose(v.numpy(), s) for v, s in zip(fixed, start))
    with pytest.raises(ValueError, match="No generator variable"):
        _model(fixed_generator_variables=(["nothing_like_this"], 2))


def test_style_encoder_kl_and_latents():
    m = _model(encoder=True, joint_update=False, loss="hinge", scale_reduction="mean", kl_weight=0.05)
    m.compile()
    batch = _batch(seed=5)
    segmap, target = m.unpack_batch(batch)
    mu, logvar = [np.asarray(t, np.float64) for t in m.encoder(target)]
    z, kl = m._z(target, tf.constant([1, 2]), training=True)
    want = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar), axis=-1)
    np.testing.assert_allclose(kl.numpy(), want, rtol=1e-4)
    # The reparameterisation: z = mu + eps * exp(logvar / 2), eps ~ N(0, 1) from the seed.
    eps = tf.random.stateless_normal(mu.shape, tf.constant([1, 2]), dtype=tf.float32).numpy()
    np.testing.assert_allclose(z.numpy(), mu + eps * np.exp(0.5 * logvar), rtol=1e-4, atol=1e-6)
    assert {"generator", "encoder"} <= set(m.phases[0].update)
    # Different seeds or style images give different images; the same ones the same.
    labels, instances = batch["labels"], batch["instances"]
    a, b = m.synthesize(labels, instances, seed=0), m.synthesize(labels, instances, seed=1)
    assert np.abs(a - b).mean() > 1e-3
    np.testing.assert_array_equal(a, m.synthesize(labels, instances, seed=0))
    s1 = m.synthesize(labels, instances, style=batch["target"])
    s2 = m.synthesize(labels, instances, style=-batch["target"])
    assert np.abs(s1 - s2).mean() > 1e-4
    history = testing.run_fit_check(m, batch, steps=2, batch_size=2)
    assert "kl" in history.history


def test_synthesize_any_size_and_tiles():
    m = _model()
    batch = _batch(n=1, size=40, seed=6)
    out = m.synthesize(batch["labels"], batch["instances"])
    assert out.shape == (1, 40, 40, 3)
    # A training-size map is one tile: the generator on the encoded map.
    small = _batch(n=2, seed=7)
    want = m.generator(label_maps.encode_label_map(small["labels"], CLASSES, small["instances"]))
    np.testing.assert_allclose(m.synthesize(small["labels"], small["instances"]), want, rtol=1e-5, atol=1e-6)


def test_bad_inputs_say_what_was_expected():
    m = _model()
    batch = _batch()
    with pytest.raises(ValueError, match="instances"):
        m.unpack_batch({"labels": batch["labels"], "target": batch["target"]})
    with pytest.raises(ValueError, match="integer label map"):
        m.unpack_batch({**batch, "labels": batch["labels"].astype("float32")})
    with pytest.raises(ValueError, match="'labels': ..., 'target'"):
        m.unpack_batch({"source": batch["target"], "target": batch["target"]})
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        m.synthesize(batch["labels"] + 5, batch["instances"])
    with pytest.raises(ValueError, match="pass instances"):
        m.synthesize(batch["labels"])
    with pytest.raises(ValueError, match="needs 4"):
        SemanticSynthesis(_generator(3), _discriminator(4), num_classes=3, instance_edges=True)
    with pytest.raises(ValueError, match="segmap"):
        SemanticSynthesis(_generator(4), _discriminator(3), num_classes=3, instance_edges=True)
    with pytest.raises(ValueError, match="scale_reduction"):
        _model(scale_reduction="max")


@pytest.mark.parametrize("encoder", [False, True])
def test_shared_checks(tmp_path, encoder):
    build = lambda: _model(encoder=encoder, joint_update=not encoder)  # noqa: E731
    m = build()
    testing.run_config_roundtrip_check(m)
    testing.run_fit_check(m, _batch(n=4), steps=2, batch_size=2)
    testing.run_save_restore_check(m, str(tmp_path))
    testing.run_export_check(m, str(tmp_path))


def test_mirrored_strategy_matches_one_device():
    """Instance-free tiny nets (no batch norm), SGD: two replicas equal one device."""
    batch = _batch(n=8, seed=8)
    testing.run_mirrored_equivalence_check(lambda: _model(sgd=0.05), batch, steps=2)
