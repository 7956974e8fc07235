"""Tests for the preset registry (keras_gans/presets.py) and the family presets
(keras_gans/models/<family>/<family>_presets.py): the schema, variant, build, errors."""

import copy
import importlib
import os
import subprocess
import sys
import types

import numpy as np
import pytest

from keras_gans import presets
from keras_gans.models.gan import GAN
from keras_gans.models.sequence import SequenceGAN
from keras_gans.models.translation import PairedTranslation
from keras_gans.models.vaegan import VAEGAN
from keras_gans.models.veegan import VEEGAN

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# One small preset per family (its `_tiny` one; the first for families of small presets only,
# such as the 2-D mixtures), found in the registry so a new family is covered by itself.
def _small_preset(family):
    names = list(importlib.import_module(family).PRESETS)
    return next((n for n in names if n.endswith("_tiny")), names[0])


TINY = {family: _small_preset(family) for family in presets.families()}
# What the existing families must build to (a check of the registry's class lookup).
EXPECTED = {
    "dcgan_tiny": (GAN, ("generator", "discriminator")),
    "mixture_gan": (GAN, ("generator", "discriminator")),
    "cgan_tiny": (GAN, ("generator", "discriminator")),
    "sngan_tiny": (GAN, ("generator", "discriminator")),
    "vaegan_tiny": (VAEGAN, ("generator", "discriminator", "encoder")),
    "veegan_tiny": (VEEGAN, ("generator", "discriminator", "reconstructor")),
    "pix2pix_tiny": (PairedTranslation, ("generator", "discriminator")),
    "seqgan_tiny": (SequenceGAN, ("generator", "discriminator")),
}


def _family(name):
    return [f for f in presets.families() if name in importlib.import_module(f).PRESETS]


# ---------------------------------------------------------------------------- schema
@pytest.mark.parametrize("name", presets.names())
def test_every_preset_has_the_schema(name):
    preset = presets.get(name)
    presets.check(name, preset)
    assert tuple(preset) == presets.SCHEMA_KEYS
    assert set(preset["metadata"]) == set(presets.METADATA_KEYS)
    assert all(isinstance(v, str) and v for v in (preset["metadata"]["paper"], preset["metadata"]["code"]))
    assert preset["model_class"] in presets.MODEL_CLASSES
    networks = preset["networks"]
    assert list(networks)[:2] == ["generator", "discriminator"]
    for role, (builder, kwargs) in networks.items():
        assert builder in presets.NETWORKS, (role, builder)
        assert isinstance(kwargs, dict) and "seed" not in kwargs
    # One optimizer per trainable role (every network of a preset is trained), plus the
    # class's extra optimizers (SeqGAN's second Adam for its generator).
    cls = presets.MODEL_CLASSES[preset["model_class"]]
    assert set(preset["optimizers"]) == set(networks) - set(cls.FROZEN_ROLES) | set(cls.EXTRA_OPTIMIZERS)
    assert not any(k.endswith("_optimizer") or k in ("optimizers", "seed", "name") for k in preset["model"])
    data = preset["data"]
    assert set(presets.DATA_KEYS) <= set(data) <= set(presets.DATA_KEYS) | set(presets.OPTIONAL_DATA_KEYS)
    assert data["format"] in presets.DATA_FORMATS
    assert isinstance(data["batch_size"], int) and data["batch_size"] > 0
    if data["format"] == "paired":  # the crop size; the generator's image_shape is the source's
        assert data["image_shape"][:2] == networks["generator"][1]["image_shape"][:2]
    elif data["format"] == "low_high":  # the high-resolution patch; the networks take any size
        assert data["image_shape"][0] % preset["model"]["scale"] == 0
    elif data["format"] == "multimodal":  # PoE-GAN's builders take the side length
        assert data["image_shape"] == (networks["generator"][1]["image_size"],) * 2 + (3,)
    elif data["format"] == "label_map":  # the generator's input is the encoded map at the image size
        generator_input = networks["generator"][1].get("input_shape") or networks["generator"][1]["label_shape"]
        channels = preset["model"]["num_classes"] + int(preset["model"]["instance_edges"])
        assert tuple(generator_input) == data["image_shape"][:2] + (channels,)
    else:
        assert data["image_shape"] == networks["generator"][1].get("image_shape")
    if name.startswith("mixture_"):
        assert data["format"] == "points" and data["image_shape"] is None
    elif preset["model_class"] == "PairedTranslation":
        assert data["format"] == "paired"
    elif preset["model_class"] == "SequenceGAN":
        assert data["format"] == "tokens"
    elif preset["model_class"] == "SuperResolution":
        assert data["format"] == "low_high"
    elif preset["model_class"] == "SemanticSynthesis":
        assert data["format"] == "label_map"
    elif preset["model_class"] == "MultimodalSynthesis":
        assert data["format"] == "multimodal"
    elif preset["model_class"] == "UnpairedTranslation":
        assert data["format"] == "unpaired"
        assert networks["generator_ba"][1]["image_shape"] == data["image_shape"]
    elif preset["model"].get("num_classes"):
        assert data["format"] == "labelled_images"
        assert networks["generator"][1]["num_classes"] == preset["model"]["num_classes"]
    else:
        assert data["format"] == "images"
    assert len(_family(name)) == 1  # every preset comes from exactly one family


def test_conditional_and_point_presets_are_the_expected_ones():
    formats = {name: presets.get(name)["data"]["format"] for name in presets.names()}
    assert sorted(n for n, f in formats.items() if f == "labelled_images") == [
        "cgan", "cgan_paper", "cgan_tiny", "sagan", "sagan_28", "sagan_tiny"]
    assert sorted(n for n, f in formats.items() if f == "points") == sorted(
        n for n in presets.names() if n.startswith("mixture_"))


def test_registry_holds_only_the_families_presets():
    union = {}
    for module_name in presets.families():
        family = importlib.import_module(module_name)
        assert set(family.PRESETS).isdisjoint(union), module_name
        union.update(family.PRESETS)
        for key, builder in family.NETWORKS.items():
            assert presets.NETWORKS[key] is builder
    assert set(presets.PRESETS) == set(union) and presets.names() == sorted(union)
    # Registry keys equal the builder's own name.
    for key, builder in presets.NETWORKS.items():
        assert key == builder.__name__


def test_check_says_what_is_wrong():
    good = presets.get("gan_tiny")
    presets.check("x", good)
    cases = [
        (lambda p: p.pop("data"), r"exactly the keys .*missing \['data'\]"),
        (lambda p: p.update(batch_size=32), r"unknown \['batch_size'\]"),
        (lambda p: p["metadata"].pop("code"), r"metadata must have exactly the keys"),
        (lambda p: p["data"].update(format="pictures"), r"data\['format'\] must be one of"),
        (lambda p: p["data"].update(format="points"), r"data\['format'\] must be 'images'"),
        (lambda p: p["data"].update(image_shape=(16, 16, 1)), r"differs from the generator's image_shape"),
        (lambda p: p["data"].update(batch_size=0), r"batch_size'\] must be a positive int"),
        (lambda p: p["optimizers"].pop("discriminator"), r"one optimizer per network role"),
        (lambda p: p["model"].update(encoder_optimizer={}), r"model must not hold \['encoder_optimizer'\]"),
        (lambda p: p["networks"].pop("discriminator"), r"at least the roles"),
        (lambda p: p["networks"].update(generator=["mlp_generator", {}]), r"\(builder name, kwargs dict\) tuple"),
    ]
    for change, message in cases:
        bad = copy.deepcopy(good)
        change(bad)
        with pytest.raises(ValueError, match=r"^Preset 'x': .*" + message):
            presets.check("x", bad)


# ---------------------------------------------------------------------------- variant
def _base():
    return {
        "metadata": {"paper": "p", "code": "c", "differences": "d"},
        "model_class": "GAN",
        "networks": {
            "generator": ("mlp_generator", {"latent_dim": 4, "image_shape": (8, 8, 1),
                                            "kernel_initializer": {"class_name": "Orthogonal",
                                                                   "config": {"gain": 1.4}}}),
            "discriminator": ("mlp_discriminator", {"image_shape": (8, 8, 1), "width": 16}),
        },
        "model": {"loss": "modified", "nested": {"a": {"b": 1, "c": 2}, "d": [1, 2]}},
        "optimizers": {"generator": {"class_name": "Adam", "config": {"learning_rate": 1e-3, "beta_1": 0.5}},
                       "discriminator": {"class_name": "SGD", "config": {"learning_rate": 0.1, "momentum": 0.5}}},
        "data": {"format": "images", "dataset": "digits", "batch_size": 8, "image_shape": (8, 8, 1)},
    }


def test_variant_merges_dicts_at_any_depth():
    base = _base()
    before = copy.deepcopy(base)
    out = presets.variant(base, model={"nested": {"a": {"c": 3, "e": 4}}, "n_critic": 5},
                          data={"batch_size": 16})
    assert out["model"] == {"loss": "modified", "n_critic": 5,
                            "nested": {"a": {"b": 1, "c": 3, "e": 4}, "d": [1, 2]}}
    assert out["data"] == {**base["data"], "batch_size": 16}
    assert {k: out[k] for k in ("metadata", "networks", "optimizers")} == {
        k: base[k] for k in ("metadata", "networks", "optimizers")}
    assert base == before  # the base is not changed
    out["model"]["nested"]["d"].append(3)
    assert base["model"]["nested"]["d"] == [1, 2]  # nor shared


def test_variant_merges_network_kwargs_and_keeps_the_builder():
    base = _base()
    out = presets.variant(base, networks={
        "generator": {"image_shape": (16, 16, 1), "kernel_initializer": {"config": {"seed": 3}}},
        "encoder": ("vaegan_encoder", {"latent_dim": 4}),
    })
    builder, kwargs = out["networks"]["generator"]
    assert builder == "mlp_generator"
    assert kwargs == {"latent_dim": 4, "image_shape": (16, 16, 1),
                      "kernel_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.4, "seed": 3}}}
    assert out["networks"]["discriminator"] == base["networks"]["discriminator"]
    assert out["networks"]["encoder"] == ("vaegan_encoder", {"latent_dim": 4})
    # A (builder, kwargs) change replaces the builder and merges the kwargs.
    out = presets.variant(base, networks={"discriminator": ("joint_mlp_discriminator", {"latent_dim": 4})})
    assert out["networks"]["discriminator"] == (
        "joint_mlp_discriminator", {"image_shape": (8, 8, 1), "width": 16, "latent_dim": 4})


def test_variant_replaces_other_values():
    base = _base()
    out = presets.variant(base, model_class="VEEGAN", model={"nested": {"d": [9]}, "loss": "hinge"},
                          networks={"generator": {"image_shape": (4, 4, 1), "latent_dim": None}},
                          data={"image_shape": None})
    assert out["model_class"] == "VEEGAN"
    assert out["model"]["nested"] == {"a": {"b": 1, "c": 2}, "d": [9]} and out["model"]["loss"] == "hinge"
    assert out["networks"]["generator"][1]["image_shape"] == (4, 4, 1)  # tuples are values
    assert out["networks"]["generator"][1]["latent_dim"] is None and out["data"]["image_shape"] is None
    # A dict replaces a scalar and a scalar a dict.
    out = presets.variant(base, model={"loss": {"x": 1}, "nested": 0})
    assert out["model"]["loss"] == {"x": 1} and out["model"]["nested"] == 0


def test_variant_never_mixes_two_keras_objects():
    base = _base()
    adam = {"class_name": "Adam", "config": {"learning_rate": 1e-4, "beta_1": 0.0}}
    out = presets.variant(base, optimizers={"discriminator": adam, "generator": {"config": {"beta_2": 0.9}}})
    assert out["optimizers"]["discriminator"] == adam  # SGD -> Adam: no "momentum" left over
    assert out["optimizers"]["generator"] == {
        "class_name": "Adam", "config": {"learning_rate": 1e-3, "beta_1": 0.5, "beta_2": 0.9}}
    glorot = {"class_name": "GlorotUniform", "config": {}}
    out = presets.variant(base, networks={"generator": {"kernel_initializer": glorot}})
    assert out["networks"]["generator"][1]["kernel_initializer"] == glorot


def test_variant_of_a_registered_preset_and_the_documented_example():
    out = presets.variant("dcgan", networks={"generator": {"image_shape": (28, 28, 1)}},
                          data={"dataset": "fashion_mnist"})
    dcgan = presets.get("dcgan")
    assert out["networks"]["generator"] == (
        "dcgan_generator", {**dcgan["networks"]["generator"][1], "image_shape": (28, 28, 1)})
    assert out["networks"]["discriminator"] == dcgan["networks"]["discriminator"]
    assert out["data"] == {**dcgan["data"], "dataset": "fashion_mnist"}
    # ... which check() refuses: the data's image shape no longer matches the generator's.
    with pytest.raises(ValueError, match="differs from the generator's image_shape"):
        presets.check("example", out)
    presets.check("example", presets.variant(out, data={"image_shape": (28, 28, 1)}))


def test_variant_rejects_unknown_top_level_keys():
    with pytest.raises(ValueError, match=r"variant\(\) changes the schema keys .*received \['batch_size'\]"):
        presets.variant(_base(), batch_size=3)



# ---------------------------------------------------------------------------- at_resolution
def test_at_resolution_resizes_every_image_network_and_the_data():
    base = _base()
    base["networks"]["encoder"] = ("vaegan_encoder", {"latent_dim": 4})  # no image_shape: untouched
    base["optimizers"]["encoder"] = {"class_name": "SGD", "config": {"learning_rate": 0.1}}
    before = copy.deepcopy(base)
    out = presets.at_resolution(base, (16, 16, 3), "cifar10", batch_size=32,
                                networks={"generator": {"latent_dim": 2}, "discriminator": {"depth": 3}},
                                model={"nested": {"a": {"c": 5}}})
    assert out == {
        "metadata": {"paper": "p", "code": "c", "differences": "d"},
        "model_class": "GAN",
        "networks": {
            "generator": ("mlp_generator", {"latent_dim": 2, "image_shape": (16, 16, 3),
                                            "kernel_initializer": {"class_name": "Orthogonal",
                                                                   "config": {"gain": 1.4}}}),
            "discriminator": ("mlp_discriminator", {"image_shape": (16, 16, 3), "width": 16, "depth": 3}),
            "encoder": ("vaegan_encoder", {"latent_dim": 4}),
        },
        "model": {"loss": "modified", "nested": {"a": {"b": 1, "c": 5}, "d": [1, 2]}},
        "optimizers": {"generator": {"class_name": "Adam", "config": {"learning_rate": 1e-3, "beta_1": 0.5}},
                       "discriminator": {"class_name": "SGD", "config": {"learning_rate": 0.1, "momentum": 0.5}},
                       "encoder": {"class_name": "SGD", "config": {"learning_rate": 0.1}}},
        "data": {"format": "images", "dataset": "cifar10", "batch_size": 32, "image_shape": (16, 16, 3)},
    }
    assert base == before  # the base is not changed
    # Without dataset and batch_size the base's stay; the rest is only the new shape.
    out = presets.at_resolution(base, (4, 4, 1))
    assert out["data"] == {"format": "images", "dataset": "digits", "batch_size": 8, "image_shape": (4, 4, 1)}
    assert out["networks"]["generator"][1]["image_shape"] == (4, 4, 1)
    assert out["networks"]["discriminator"] == ("mlp_discriminator", {"image_shape": (4, 4, 1), "width": 16})
    assert {k: out[k] for k in ("metadata", "model", "optimizers")} == {
        k: base[k] for k in ("metadata", "model", "optimizers")}


def test_at_resolution_keeps_the_condition_channels():
    base = {
        "metadata": {"paper": "p", "code": "c", "differences": "d"},
        "model_class": "PairedTranslation",
        "networks": {
            "generator": ("unet_generator", {"image_shape": (64, 64, 1), "output_channels": 3}),
            "discriminator": ("patchgan_discriminator", {"image_shape": (64, 64, 3),
                                                         "condition_shape": (64, 64, 1), "base_filters": 8}),
        },
        "model": {"loss": "modified"},
        "optimizers": {"generator": {"class_name": "Adam", "config": {}},
                       "discriminator": {"class_name": "Adam", "config": {}}},
        "data": {"format": "paired", "dataset": "edges", "batch_size": 1, "image_shape": (64, 64, 1)},
    }
    out = presets.at_resolution(base, (32, 32, 1), batch_size=4,
                                networks={"discriminator": {"base_filters": 4}},
                                optimizers={"generator": {"config": {"learning_rate": 2e-4}}})
    assert out == {
        "metadata": {"paper": "p", "code": "c", "differences": "d"},
        "model_class": "PairedTranslation",
        "networks": {
            "generator": ("unet_generator", {"image_shape": (32, 32, 1), "output_channels": 3}),
            "discriminator": ("patchgan_discriminator", {"image_shape": (32, 32, 1),
                                                         "condition_shape": (32, 32, 1), "base_filters": 4}),
        },
        "model": {"loss": "modified"},
        "optimizers": {"generator": {"class_name": "Adam", "config": {"learning_rate": 2e-4}},
                       "discriminator": {"class_name": "Adam", "config": {}}},
        "data": {"format": "paired", "dataset": "edges", "batch_size": 4, "image_shape": (32, 32, 1)},
    }
    # A condition of other channels keeps them; an explicit network change still wins.
    base["networks"]["discriminator"][1]["condition_shape"] = (64, 64, 2)
    out = presets.at_resolution(base, (16, 16, 3), networks={"generator": {"image_shape": (16, 16, 1)}})
    assert out["networks"]["discriminator"][1] == {"image_shape": (16, 16, 3), "condition_shape": (16, 16, 2),
                                                   "base_filters": 8}
    assert out["networks"]["generator"][1] == {"image_shape": (16, 16, 1), "output_channels": 3}


def test_at_resolution_of_a_registered_preset_and_the_family_variants():
    assert presets.at_resolution("wgan", (28, 28, 1), "fashion_mnist") == presets.get("wgan_28")
    assert presets.get("sngan_tiny")["networks"] == {
        "generator": ("sngan_generator", {"latent_dim": 16, "image_shape": (8, 8, 1), "channels": 16}),
        "discriminator": ("sngan_discriminator", {"image_shape": (8, 8, 1), "channels": 16}),
    }
    assert presets.get("sngan_tiny")["data"] == {"format": "images", "dataset": "digits", "batch_size": 10,
                                                  "image_shape": (8, 8, 1)}
    tiny = presets.get("pix2pix_tiny")
    assert tiny["networks"]["discriminator"] == ("patchgan_discriminator", {
        "image_shape": (32, 32, 3), "condition_shape": (32, 32, 3), "base_filters": 8, "num_layers": 2,
        "normalization": "batch"})
    assert tiny["data"] == {"format": "paired", "dataset": "skimage_blur2sharp", "batch_size": 4,
                            "image_shape": (32, 32, 3)}


def test_at_resolution_rejects_bad_shapes_and_point_presets():
    for shape in ([8, 8, 1], (8, 8), (8, 0, 1), (8, 8.0, 1), (True, 8, 1)):
        with pytest.raises(ValueError, match=r"at_resolution\(\) takes an \(H, W, C\) tuple"):
            presets.at_resolution(_base(), shape)
    with pytest.raises(ValueError, match=r"no network of the base has an image_shape"):
        presets.at_resolution("mixture_gan", (8, 8, 1), "digits")
    with pytest.raises(ValueError, match=r"variant\(\) changes the schema keys .*received \['batch'\]"):
        presets.at_resolution(_base(), (8, 8, 1), batch=3)

def test_family_variants_change_only_what_they_say():
    paper, tiny = presets.get("dcgan"), presets.get("dcgan_tiny")
    assert {k: tiny[k] for k in ("metadata", "model_class", "model", "optimizers")} == {
        k: paper[k] for k in ("metadata", "model_class", "model", "optimizers")}
    assert tiny["networks"]["generator"] == ("dcgan_generator", {"latent_dim": 16, "image_shape": (8, 8, 1),
                                                                 "base_filters": 8})
    assert tiny["data"] == {"format": "images", "dataset": "digits", "batch_size": 32, "image_shape": (8, 8, 1)}
    wgp = presets.get("mixture_wgan_gp")
    base = presets.get("mixture_gan")
    assert wgp["networks"] == base["networks"] and wgp["data"]["batch_size"] == 256
    assert wgp["optimizers"]["generator"]["config"] == {"learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.9,
                                                        "epsilon": 1e-8}
    veegan, veegan_tiny = presets.get("veegan"), presets.get("veegan_tiny")
    for role in ("generator", "discriminator", "reconstructor"):
        kwargs = veegan_tiny["networks"][role][1]
        assert (kwargs["latent_dim"], kwargs["image_shape"], kwargs["width"]) == (8, (8, 8, 1), 32)
        assert {k: v for k, v in kwargs.items() if k not in ("latent_dim", "image_shape", "width")} == {
            k: v for k, v in veegan["networks"][role][1].items() if k not in ("latent_dim", "image_shape", "width")}


# ---------------------------------------------------------------------------- build
def test_the_existing_families_are_registered():
    assert set(EXPECTED) <= set(TINY.values())


@pytest.mark.parametrize("family", sorted(TINY))
def test_build_gives_the_class_roles_and_optimizers(family):
    name = TINY[family]
    assert _family(name) == [family]
    preset = presets.get(name)
    cls, roles = presets.MODEL_CLASSES[preset["model_class"]], tuple(preset["networks"])
    if name in EXPECTED:
        assert (cls, roles) == EXPECTED[name]
    model = presets.build(name, seed=3)
    assert type(model) is cls and model.name == name and model.seed == 3
    # Roles a class derives from the preset's networks are frozen (SeqGAN's rollout copy), and
    # so are the class's frozen roles (a perceptual network); neither has an optimizer.
    trainable = tuple(r for r in roles if r not in cls.FROZEN_ROLES)
    assert tuple(model.networks)[:len(roles)] == roles and model.trainable_roles == trainable
    assert set(model.networks) - set(trainable) == set(model.frozen_roles)
    assert model.optimizer_configs == preset["optimizers"]
    assert list(model.optimizer_configs) == list(trainable) + list(cls.EXTRA_OPTIMIZERS)
    for key, value in preset["model"].items():
        got = getattr(model, "loss_name" if key == "loss" else key)
        assert got == value, key
    model.compile()
    assert sorted(model.optimizers) == sorted(trainable + tuple(cls.EXTRA_OPTIMIZERS))
    for role in model.optimizers:
        assert type(model.optimizers[role]).__name__ == preset["optimizers"][role]["class_name"]
    # The seed reaches every builder: the same seed gives the same weights. Not the power
    # iteration vectors of Keras' SpectralNormalization (SNGAN, SAGAN), which it draws unseeded.
    again = presets.build(name, seed=3)
    for role in roles:
        for a, b in zip(getattr(model, role).weights, getattr(again, role).weights):
            assert a.path == b.path
            if not a.path.endswith("vector_u"):
                np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


def test_unknown_names_list_the_presets():
    for call in (presets.get, presets.build, lambda n: presets.variant(n)):
        with pytest.raises(ValueError, match=r"Unknown preset 'nope'; available presets: \[.*'dcgan_tiny'.*\]"):
            call("nope")


def test_generator_and_discriminator_overrides_still_work():
    gan = presets.build("gan_tiny", seed=0, generator_overrides={"width": 8},
                        discriminator_overrides={"units": 8}, ema_decay=0.5)
    assert gan.discriminator.get_layer("maxout1").units == 8
    assert gan.generator.count_params() < presets.build("gan_tiny", seed=0).generator.count_params()
    assert gan.ema_decay == 0.5
    # The shorthands are network_overrides entries: the same networks, the same weights.
    same = presets.build("gan_tiny", seed=0, network_overrides={"generator": {"width": 8},
                                                                "discriminator": {"units": 8}}, ema_decay=0.5)
    for role in ("generator", "discriminator"):
        for a, b in zip(getattr(gan, role).get_weights(), getattr(same, role).get_weights()):
            np.testing.assert_array_equal(a, b)
    veegan = presets.build("veegan_tiny", seed=0, generator_overrides={"width": 4},
                           network_overrides={"reconstructor": {"width": 4}})
    assert veegan.reconstructor.get_layer("dense1").units == 4 and veegan.generator.get_layer("dense1").units == 4
    with pytest.raises(ValueError, match="Give the generator's overrides once"):
        presets.build("gan_tiny", generator_overrides={"width": 8}, network_overrides={"generator": {"width": 4}})
    with pytest.raises(ValueError, match=r"network_overrides for \['encoder'\], but preset 'gan_tiny' has"):
        presets.build("gan_tiny", network_overrides={"encoder": {"width": 4}})


def test_optimizer_overrides():
    sgd = {"class_name": "SGD", "config": {"learning_rate": 0.5}}
    gan = presets.build("vaegan_tiny", seed=0, generator_optimizer=sgd, optimizers={"discriminator": sgd})
    assert gan.optimizer_configs["generator"] == gan.optimizer_configs["discriminator"] == sgd
    assert gan.optimizer_configs["encoder"] == presets.get("vaegan_tiny")["optimizers"]["encoder"]
    # None: the class's default (VAEGAN: a copy of the generator's optimizer).
    gan = presets.build("vaegan_tiny", seed=0, generator_optimizer=sgd, encoder_optimizer=None)
    assert "encoder" not in gan.optimizer_configs
    gan.compile()
    assert type(gan.optimizers["encoder"]).__name__ == "SGD" and gan.optimizers["encoder"] is not gan.g_optimizer


# ---------------------------------------------------------------------------- register
def test_registry_table_keys_objects_by_name():
    from keras_gans.networks import mlp

    table = presets.registry_table(mlp.mlp_generator, mlp.mlp_discriminator, GAN)
    assert table == {"mlp_generator": mlp.mlp_generator, "mlp_discriminator": mlp.mlp_discriminator,
                     "GAN": GAN}
    assert list(table) == ["mlp_generator", "mlp_discriminator", "GAN"]  # in the order given
    assert presets.registry_table() == {}

    def mlp_generator():  # another object of the same name
        pass

    for objects in ((mlp.mlp_generator, mlp_generator), (GAN, GAN)):
        with pytest.raises(ValueError, match=r"received two objects named '(mlp_generator|GAN)'"):
            presets.registry_table(*objects)
    with pytest.raises(TypeError, match="has no __name__"):
        presets.registry_table(mlp.mlp_generator, "mlp_discriminator")


def test_every_family_table_is_keyed_by_name():
    for family in presets.families():
        module = importlib.import_module(family)
        for table in (module.NETWORKS, getattr(module, "MODEL_CLASSES", {})):
            assert all(key == obj.__name__ for key, obj in table.items()), family


def test_shared_image_shapes():
    assert presets.FASHION_MNIST == (28, 28, 1) and presets.DIGITS_8 == (8, 8, 1)
    assert presets.get("dcgan_28")["data"]["image_shape"] == presets.FASHION_MNIST
    assert presets.get("cgan_tiny")["data"]["image_shape"] == presets.DIGITS_8


def test_register_adds_a_family_and_refuses_clashes():
    fake = types.SimpleNamespace(
        __name__="fake_family",
        PRESETS={"fake_tiny": presets.variant("gan_tiny", data={"batch_size": 4})},
        NETWORKS={"mlp_generator": presets.NETWORKS["mlp_generator"]},  # the same builder: fine
    )
    presets.register(fake)
    try:
        assert "fake_tiny" in presets.names() and presets.get("fake_tiny")["data"]["batch_size"] == 4
        assert type(presets.build("fake_tiny", seed=0)) is GAN
        with pytest.raises(ValueError, match=r"fake_family redefines the presets \['fake_tiny'\]"):
            presets.register(fake)
    finally:
        presets.PRESETS.pop("fake_tiny")
    other = types.SimpleNamespace(__name__="other", PRESETS={}, NETWORKS={"mlp_generator": print})
    with pytest.raises(ValueError, match=r"other registers other network builders under the names \['mlp_generator'\]"):
        presets.register(other)
    missing = types.SimpleNamespace(__name__="missing", PRESETS={
        "fake2": presets.variant("gan_tiny", networks={"generator": ("no_such_builder", {})})})
    with pytest.raises(ValueError, match="names the builder 'no_such_builder', which no family registers"):
        presets.register(missing)
    assert "fake2" not in presets.PRESETS  # nothing of a refused family is added
    assert presets.NETWORKS["mlp_generator"] is not print


def test_a_family_imported_first_still_registers():
    """The families import ``variant`` from the registry, which loads them lazily: importing
    a family module before ``keras_gans.presets`` must work too."""
    code = ("import keras_gans.models.vee_gan\n"
            "from keras_gans import presets\n"
            "from keras_gans.presets import PRESETS\n"
            "assert 'veegan_tiny' in PRESETS and len(presets.names()) == len(PRESETS)\n"
            "print(presets.get('mixture_veegan')['model_class'])\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "VEEGAN"
