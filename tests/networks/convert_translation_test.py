"""keras_gans.networks.convert_translation: official pix2pixHD / SPADE checkpoints.

The references (tests/networks/torch_pix2pixhd_reference.py, torch_spade_reference.py) register
their modules under the official names, so their ``state_dict()`` has the keys of an official
``latest_net_*.pth``. The output comparisons for every network live in
pix2pixhd_networks_test.py / spade_networks_test.py, which load through the converter; here:
checkpoint files (``torch.save``, ``nn.DataParallel``'s ``module.`` prefix), the paper-depth
key sets and the errors.
"""

import numpy as np
import pytest
import torch

import torch_pix2pixhd_reference as p2p_ref  # tests/networks/torch_pix2pixhd_reference.py
import torch_spade_reference as spade_ref  # tests/networks/torch_spade_reference.py
from keras_gans.networks.convert_translation import (
    load_pix2pixhd,
    load_spade,
    pix2pixhd_rename,
    spade_rename,
    strip_data_parallel,
)
from keras_gans.networks.multiscale import multiscale_discriminator
from keras_gans.networks.pix2pixhd import global_generator, local_enhancer
from keras_gans.networks.spade import spade_generator, style_encoder


def _state(net):
    return {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}


def _nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def _eval(net, x):
    net.eval()
    with torch.no_grad():
        return net(_nchw(x)).numpy().transpose(0, 2, 3, 1)


def test_pix2pixhd_enhancer_checkpoint_file_with_data_parallel_prefix(tmp_path):
    torch.manual_seed(0)
    net = p2p_ref.LocalEnhancer(5, 3, 2, 2, 2, 1, 2, "instance")
    p2p_ref.randomize_(net, seed=1)
    path = tmp_path / "latest_net_G.pth"
    torch.save({f"module.{k}": v for k, v in net.state_dict().items()}, path)
    g = global_generator((None, None, 5), 3, 4, 2, 2, "instance")
    e = local_enhancer(g, (32, 32, 5), 3, 2, 1, 2, "instance")
    result = load_pix2pixhd(e, str(path))
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(2).uniform(-1, 1, (2, 32, 32, 5)).astype("float32")
    np.testing.assert_allclose(np.asarray(e(x, training=False)), _eval(net, x), atol=2e-5)


def test_spade_generator_checkpoint_file_equals_torch_eval(tmp_path):
    torch.manual_seed(0)
    net = spade_ref.randomize_(spade_ref.SPADEGenerator(6, ngf=4, crop_size=64, norm_G="spectralspadesyncbatch3x3"),
                               3)
    path = tmp_path / "latest_net_G.pth"
    torch.save(net.state_dict(), path)
    g = spade_generator((64, 64, 6), base_filters=4, crop_size=64, seed=0)
    load_spade(g, path)
    seg = np.eye(6, dtype="float32")[np.random.default_rng(4).integers(0, 6, (2, 64, 64))]
    np.testing.assert_allclose(np.asarray(g(seg, training=False)), _eval(net, seg), atol=2e-5)


def test_strip_data_parallel_only_when_every_key_has_the_prefix():
    assert strip_data_parallel({"module.a.weight": 1, "module.b": 2}) == {"a.weight": 1, "b": 2}
    assert strip_data_parallel({"module.a": 1, "b": 2}) == {"module.a": 1, "b": 2}


def test_paper_depth_key_sets_load_strictly():
    """The paper's depths (4 downsamplings, 9 blocks, 1 enhancer with 3 blocks; 3-scale D with
    3 layers; SPADE's VAE generator, encoder, 4-layer 2-scale D) at width 1 - 2: every official
    key has a Keras weight and every Keras weight a key (strict loads raise otherwise)."""
    torch.manual_seed(0)
    enhancer = p2p_ref.LocalEnhancer(36, 3, 1, 4, 9, 1, 3, "instance")
    e = local_enhancer(global_generator((None, None, 36), 3, 2, 4, 9, "instance"), (64, 128, 36), 3, 1, 1, 3,
                       "instance")
    assert load_pix2pixhd(e, _state(enhancer)) == ([], [])
    d_net = p2p_ref.Pix2PixHDMultiscaleD(39, 2, 3, "instance", 3)
    d = multiscale_discriminator((None, None, 3), (None, None, 36), 2, 3, 3, "instance")
    assert load_pix2pixhd(d, _state(d_net)) == ([], [])
    g_net = spade_ref.SPADEGenerator(151, ngf=2, crop_size=256, use_vae=True, z_dim=8,
                                     norm_G="spectralspadesyncbatch3x3")
    g = spade_generator((256, 256, 151), base_filters=2, crop_size=256, use_vae=True, z_dim=8, seed=0)
    assert load_spade(g, _state(g_net)) == ([], [])
    e_net = spade_ref.ConvEncoder(2, 256, "spectralinstance", z_dim=8)
    assert load_spade(style_encoder((256, 256, 3), base_filters=2, z_dim=8, seed=0), _state(e_net)) == ([], [])
    sd_net = p2p_ref.SpadeMultiscaleD(154, 2, 4, "spectralinstance", 2)
    sd = multiscale_discriminator((None, None, 3), (None, None, 151), 2, 4, 2, "instance", spectral_norm=True,
                                  variant="spade")
    assert load_spade(sd, _state(sd_net)) == ([], [])


def test_renames_follow_the_official_layouts():
    g = global_generator((None, None, 5), 3, 2, 2, 2, "batch")
    rename = pix2pixhd_rename(g)
    # [pad, conv1, norm, relu] + 2 x [down, norm, relu] + 2 blocks + 2 x [up, norm, relu] + [pad, conv_out]
    assert [rename(f"model.{i}") for i in (1, 2, 4, 5, 7, 8)] == [
        "global_conv1", "global_conv1_norm", "global_down1", "global_down1_norm", "global_down2",
        "global_down2_norm"]
    assert rename("model.10.conv_block.5") == "global_block1_conv2"
    assert rename("model.11.conv_block.6") == "global_block2_norm2"
    assert [rename("model.12"), rename("model.13"), rename("model.15"), rename("model.19")] == [
        "global_up1", "global_up1_norm", "global_up2", "global_conv_out"]
    assert rename("model.18") is None  # the head's reflection padding has no weights
    d = multiscale_discriminator((None, None, 3), (None, None, 5), 2, 2, 2, "instance")
    rename = pix2pixhd_rename(d)
    # The official scale num_D - 1 sees the full resolution: our scale 0.
    assert rename("scale1_layer0.0") == "scale0_conv0" and rename("scale0_layer3.0") == "scale1_logits"
    assert rename("layer1.model.2") == "scale0_conv1" and rename("layer1.model.3") == "scale0_norm1"
    sd = multiscale_discriminator((None, None, 3), (None, None, 5), 2, 4, 2, "instance", spectral_norm=True,
                                  variant="spade")
    rename = spade_rename(sd)
    assert rename("discriminator_1.model0.0") == "scale1_conv0"
    assert rename("discriminator_0.model2.0.0") == "scale0_conv2"
    assert rename("discriminator_0.model4.0") == "scale0_logits"
    assert spade_rename(g)("up_1.norm_s.mlp_shared.0") == "up_1_norm_s/mlp_shared"
    assert spade_rename(g)("G_middle_0.norm_1.param_free_norm") == "G_middle_0_norm_1/param_free_norm"


def test_errors_name_the_official_keys():
    torch.manual_seed(0)
    net = p2p_ref.GlobalGenerator(5, 3, 2, 2, 1, "instance")
    g = global_generator((None, None, 5), 3, 2, 2, 1, "instance")
    state = _state(net)
    missing = {k: v for k, v in state.items() if k != "model.1.weight"}
    with pytest.raises(ValueError, match=r"1 key missing.*'model\.1\.weight'.*\(2, 5, 7, 7\)"):
        load_pix2pixhd(g, missing)
    wrong = dict(state, **{"model.1.weight": np.zeros((2, 6, 7, 7), "float32")})  # label_nc + 1 channels
    with pytest.raises(ValueError, match=r"mis-shaped.*'model\.1\.weight'.*\(2, 5, 7, 7\).*\(2, 6, 7, 7\)"):
        load_pix2pixhd(g, wrong)
    before = np.asarray(g.get_layer("global_conv1").kernel).copy()
    spade_state = _state(spade_ref.SPADEGenerator(5, ngf=2, crop_size=64, norm_G="spectralspadesyncbatch3x3"))
    with pytest.raises(ValueError, match=r"unexpected key.*'fc\.weight'"):
        load_pix2pixhd(g, spade_state)
    np.testing.assert_array_equal(np.asarray(g.get_layer("global_conv1").kernel), before)  # nothing assigned
    with pytest.raises(ValueError, match="not a pix2pixHD generator or discriminator"):
        pix2pixhd_rename(spade_generator((64, 64, 5), base_filters=2, crop_size=64, seed=0))
    with pytest.raises(FileNotFoundError):
        load_spade(g, "/nonexistent/latest_net_G.pth")
