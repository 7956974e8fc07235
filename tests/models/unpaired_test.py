"""UnpairedTranslation (CycleGAN): the steps against hand formulas, the official order (D sees
the fakes of the generators before their update), the shared checks and MirroredStrategy."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import testing
from keras_gans.core.optimizers import adam
from keras_gans.models.unpaired import UnpairedTranslation
from keras_gans.networks.cyclegan import resnet_generator
from keras_gans.networks.patchgan import patchgan_discriminator


def _model(pool_size=0, identity_weight=0.5, seed=0, size=16, channels=1, optimizer=None, **kwargs):
    shape = (size, size, channels)
    nets = {
        "generator": resnet_generator(shape, channels, base_filters=4, num_blocks=1, seed=seed),
        "generator_ba": resnet_generator(shape, channels, base_filters=4, num_blocks=1, seed=seed + 1),
        "discriminator": patchgan_discriminator(shape, base_filters=4, num_layers=1, normalization="instance",
                                                seed=seed + 2),
        "discriminator_a": patchgan_discriminator(shape, base_filters=4, num_layers=1, normalization="instance",
                                                  seed=seed + 3),
    }
    optimizers = {role: optimizer or adam(2e-4, 0.5, 0.999) for role in nets}
    return UnpairedTranslation(**nets, pool_size=pool_size, identity_weight=identity_weight, seed=seed,
                               optimizers=optimizers, **kwargs)


def _batch(n=4, size=16, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    return {"a": rng.uniform(-1, 1, (n, size, size, channels)).astype("float32"),
            "b": rng.uniform(-1, 1, (n, size, size, channels)).astype("float32")}


def _np(model, x):
    return np.asarray(model(x, training=True), np.float64)


def _mse(x, target):
    return float(np.mean((x - target) ** 2))


def test_generator_step_is_the_official_objective_by_hand():
    """MSELoss adversarial terms (our least squares x 2), L1 cycles x 10, identities x 5."""
    m = _model()
    m.compile()
    batch = _batch()
    a, b = batch["a"], batch["b"]
    G, F, DB, DA = m.generator, m.generator_ba, m.discriminator, m.discriminator_a
    fake_b, fake_a = _np(G, a), _np(F, b)
    adv = _mse(_np(DB, fake_b.astype("float32")), 1.0) + _mse(_np(DA, fake_a.astype("float32")), 1.0)
    cycle = np.abs(_np(F, fake_b.astype("float32")) - a).mean() + np.abs(_np(G, fake_a.astype("float32")) - b).mean()
    identity = np.abs(_np(G, b) - b).mean() + np.abs(_np(F, a) - a).mean()
    # The generators' objective (one loss for both) before any update.
    out = m.cycle_step(m.unpack_batch(batch), 0)
    assert float(out.loss["generator"]) == pytest.approx(adv + 10 * cycle + 5 * identity, rel=1e-4)
    assert out.loss["generator"] is out.loss["generator_ba"] and out.loss["discriminator"] is out.loss["discriminator_a"]
    logs = m.update("cycle", m.unpack_batch(batch))
    assert float(logs["g_loss"]) == pytest.approx(adv, rel=1e-4)
    assert float(logs["cycle"]) == pytest.approx(cycle, rel=1e-4)
    assert float(logs["identity"]) == pytest.approx(identity, rel=1e-4)


def test_discriminators_see_the_fakes_of_the_generators_before_their_update():
    """One train_step: d_loss equals the official (MSE_real + MSE_fake) / 2 per D on the fakes of
    the *initial* generators and the initial D; with the updated generators it would differ."""
    m = _model(identity_weight=0.0)
    m.compile()
    batch = _batch(seed=1)
    a, b = batch["a"], batch["b"]
    G0, F0 = [w.copy() for w in m.generator.get_weights()], [w.copy() for w in m.generator_ba.get_weights()]
    fake_b, fake_a = _np(m.generator, a).astype("float32"), _np(m.generator_ba, b).astype("float32")

    def d_objective(D, real, fake):
        return 0.5 * (_mse(_np(D, real), 1.0) + _mse(_np(D, fake), 0.0))

    want = d_objective(m.discriminator, b, fake_b) + d_objective(m.discriminator_a, a, fake_a)
    ds = tf.data.Dataset.from_tensors(batch)
    history = m.fit(ds, epochs=1, verbose=0)
    assert history.history["d_loss"][0] == pytest.approx(want, rel=1e-4)
    # The generators did move, so fakes after their update give another value: the check can fail.
    after_b, after_a = _np(m.generator, a).astype("float32"), _np(m.generator_ba, b).astype("float32")
    assert not np.allclose(m.generator.get_weights()[0], G0[0]) and not np.allclose(
        m.generator_ba.get_weights()[0], F0[0])
    assert np.abs(after_b - fake_b).max() > 1e-4 and np.abs(after_a - fake_a).max() > 1e-4


def test_pool_feeds_the_discriminators_and_is_saved(tmp_path):
    m = _model(pool_size=3)
    m.compile()
    m.fit(tf.data.Dataset.from_tensors(_batch()).repeat(2), epochs=1, verbose=0)
    assert int(m.pool_b.num_images) == 3 and int(m.pool_a.num_images) == 3
    path = str(tmp_path / "w.weights.h5")
    m.save_weights(path)
    fresh = _model(pool_size=3)
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.pool_b.images.numpy(), m.pool_b.images.numpy())
    np.testing.assert_array_equal(fresh.pool_a.images.numpy(), m.pool_a.images.numpy())


def test_shared_checks(tmp_path):
    m = _model(pool_size=2)
    testing.run_config_roundtrip_check(m)
    testing.run_fit_check(m, _batch(8), steps=2, batch_size=4)
    restored = testing.run_save_restore_check(m, str(tmp_path))
    assert isinstance(restored, UnpairedTranslation)
    testing.run_export_check(m, str(tmp_path))


def test_export_serves_both_directions_in_a_clean_process(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from keras_gans import export

    m = _model()
    path = export.export_model(m, str(tmp_path / "export")) if hasattr(export, "export_model") else None
    if path is None:
        path = export.write_saved_model(str(tmp_path / "export"), m.serving_functions(), m.serving_variables(),
                                        m.serving_metadata())
    x = np.random.default_rng(0).uniform(-1, 1, (2, 24, 40, 1)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    client = ("import sys, numpy as np, tensorflow as tf\n"
              "m = tf.saved_model.load(sys.argv[1]); x = tf.constant(np.load(sys.argv[2]))\n"
              "s = m.signatures\n"
              "np.savez(sys.argv[3], ab=s['serving_default'](images=x)['images'].numpy(),"
              " ba=s['b_to_a'](images=x)['images'].numpy(),"
              " t=s['tiled_b_to_a'](images=x, tile_size=tf.constant(16), overlap=tf.constant(4))['images'].numpy())\n"
              "print('keras_gans' in sys.modules)\n")
    out = str(tmp_path / "out.npz")
    proc = subprocess.run([sys.executable, "-c", client, path, str(tmp_path / "x.npy"), out], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "False"
    got = np.load(out)
    np.testing.assert_allclose(got["ab"], m.translate(x, "ab"), atol=1e-5)
    np.testing.assert_allclose(got["ba"], m.translate(x, "ba"), atol=1e-5)
    np.testing.assert_allclose(got["t"], m.translate_tensor(x, "ba", 16, 4).numpy(), atol=1e-5)
    assert np.abs(got["ab"] - got["ba"]).max() > 1e-3  # two different networks
    assert json.loads(json.dumps(m.serving_metadata()))["directions"] == ["a_to_b", "b_to_a"]


def test_two_replicas_equal_one_device():
    """Without a pool (per-replica pools differ by design) two replicas train as one device:
    instance norm is per image, so nothing depends on the replica split. With SGD: the
    convolutions before an instance norm have biases (as officially) whose true gradient is 0,
    and Adam scales their float noise (1e-9) up to full 2e-4 steps, which differ by summation
    order between one and two replicas."""
    sgd = {"module": "keras.optimizers", "class_name": "SGD", "config": {"learning_rate": 0.1},
           "registered_name": None}
    testing.run_mirrored_equivalence_check(lambda: _model(pool_size=0, optimizer=sgd), _batch(8), steps=2)


def test_mirrored_fit_with_pools():
    testing.run_mirrored_fit_check(lambda: _model(pool_size=4), _batch(8), steps=2, batch_size=4)


def test_translate_and_grid():
    m = _model()
    x = _batch(3)["a"]
    big = np.random.default_rng(2).uniform(-1, 1, (1, 40, 24, 1)).astype("float32")
    assert m.translate(big, "ab").shape == (1, 40, 24, 1)
    # At the training size the translation is G itself (inference mode).
    np.testing.assert_allclose(m.translate(x, "ba"), np.asarray(m.generator_ba(x, training=False)), atol=1e-5)
    grid, columns = m.sample_grids(_batch(2))["samples"]
    assert columns == 6 and grid.shape == (12, 16, 16, 1)
    b = _batch(2)
    np.testing.assert_allclose(grid[1], m.translate(b["a"][:1], "ab")[0], atol=1e-5)  # a, G(a), F(G(a)), ...
    np.testing.assert_allclose(grid[4], m.translate(b["b"][:1], "ba")[0], atol=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    ({"cycle_weight": -1}, "cycle_weight must be a non-negative number"),
    ({"pool_size": 1.5}, "pool_size must be a non-negative int"),
    ({"loss": "nope"}, "nope"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _model(**kwargs)


def test_bad_inputs_and_mismatched_networks():
    m = _model()
    with pytest.raises(ValueError, match=r"\{'a': \.\.\., 'b': \.\.\.\} batches"):
        m.unpack_batch({"source": 1, "target": 2})
    with pytest.raises(ValueError, match="direction must be 'ab'"):
        m.translate(_batch()["a"], "ac")
    with pytest.raises(ValueError, match=r"images must be \[N, H, W, 1\]"):
        m.translate(np.zeros((2, 16, 16, 3), np.float32))
    with pytest.raises(ValueError, match=r"must be in \[-1, 1\]"):
        m.translate(np.full((1, 16, 16, 1), 200.0, np.float32))
    g3 = resnet_generator((16, 16, 3), 3, base_filters=4, num_blocks=1, seed=0)
    with pytest.raises(ValueError, match="generator_ba must map"):
        UnpairedTranslation(m.generator, m.discriminator, g3, m.discriminator_a)


@pytest.mark.parametrize("name, generator, discriminator", [
    ("cyclegan", 11_378_179, 2_764_737),      # resnet_9blocks, basic D, instance norm (official)
    ("cyclegan_128", 7_837_699, 2_764_737),   # resnet_6blocks
])
def test_paper_presets_have_the_official_trainable_parameter_counts(name, generator, discriminator):
    from keras_gans import presets

    model = presets.build(name, seed=0)
    counts = {role: sum(int(np.prod(w.shape)) for w in net.trainable_weights) for role, net in model.networks.items()}
    assert counts == {"generator": generator, "generator_ba": generator, "discriminator": discriminator,
                      "discriminator_a": discriminator}


def test_tiny_preset_trains_on_the_fashion_mnist_pair():
    from keras_gans import data, presets

    model = presets.build("cyclegan_tiny", seed=0)
    model.compile()
    ds = data.load("fashion_mnist_pair/sneaker-ankle_boot", batch_size=4, image_size=16, seed=0)
    history = model.fit(ds.take(3), epochs=1, verbose=0)
    assert set(history.history) == {"g_loss", "cycle", "identity", "d_loss"}
    assert all(np.isfinite(v[-1]) for v in history.history.values())
