"""``onehot/<label-map dataset>``: the paired view Pix2Pix baselines train on."""

import numpy as np
import pytest

from keras_gans import data
from keras_gans.data import label_maps


def test_onehot_view_is_the_encoded_label_map_with_the_same_crops():
    kwargs = dict(split="test", batch_size=4, image_size=32, shuffle=False, photo_size=64, num_classes=8)
    maps = next(iter(data.load("skimage_labels2photo", **kwargs)))
    pairs = next(iter(data.load("onehot/skimage_labels2photo", **kwargs)))
    assert set(pairs) == {"source", "target"} and pairs["source"].shape == (4, 32, 32, 9)
    want = label_maps.encode_label_map(maps["labels"], 8, maps["instances"]).numpy()
    np.testing.assert_array_equal(pairs["source"].numpy(), want)
    np.testing.assert_array_equal(pairs["target"].numpy(), maps["target"].numpy())
    # One class per pixel, edges where instances change.
    assert np.all(want[..., :8].sum(-1) == 1) and 0 < want[..., 8].mean() < 0.5
    info = data.info("onehot/skimage_labels2photo", photo_size=64, num_classes=8)
    assert info.kind == "paired" and info.shapes["source"][-1] == 9
    assert info.num_examples == data.info("skimage_labels2photo", photo_size=64).num_examples


def test_onehot_of_something_else_is_refused():
    with pytest.raises(ValueError, match="onehot/<label-map dataset>"):
        label_maps.load_onehot("onehot/fashion_mnist")
    assert label_maps.onehot_base("onehot/fashion_mnist") is None
