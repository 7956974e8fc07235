"""``python -m zoo.translate`` on label-map exports: real exports of the tiny presets
``gaugan_tiny`` (style encoder, instance edges) and ``pix2pixhd_tiny`` (instance edges, no
encoder), 8 classes at 32 x 32.

The expected pixels come from the exported signatures called here on maps prepared here (the
label PNG's values, the don't-care remap written out by hand, instance maps from their files or
the label map itself), independently of the command's reading. To keep the test short, one
child process runs the command's ``main`` on every flag set (as tests/zoo_translate_test.py
does) while this process computes the expected outputs.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gans import presets
from keras_gans.data.label_maps import encode_label_map
from keras_gans.export import export_model

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "networks"))
import torch  # noqa: E402
import torch_pix2pixhd_reference as ref  # noqa: E402  (tests/networks/torch_pix2pixhd_reference.py)

# One worker builds the module fixture (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("zoo_translate_labels_test")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
CLASSES = 8

_CHILD = r"""
import contextlib, io, json, sys
from zoo import translate
from zoo.common import cli
from keras_gans.networks import convert_translation

# A stand-in for a released checkpoint, at the size of pix2pixhd_tiny (the real ones are GBs).
convert_translation.OFFICIAL_MODELS["tiny_pretrained"] = ("pix2pixhd_tiny", "pix2pixhd")

translate.define_flags()
results = []
for argv in json.loads(sys.argv[1]):
    cli.FLAGS.unparse_flags()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main_with_errors(translate.main)(cli.FLAGS(["zoo.translate"] + argv))
    results.append([rc, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def _blocks(rng, h, w, top=CLASSES):
    """A label map of rectangles of random classes on a random background."""
    a = np.full((h, w), rng.integers(0, top), np.int64)
    for _ in range(8):
        y, x = rng.integers(0, h), rng.integers(0, w)
        a[y:y + rng.integers(3, 16), x:x + rng.integers(3, 16)] = rng.integers(0, top)
    return a


def _save(path, a, bits=8):
    if bits == 16:
        path.write_bytes(tf.io.encode_png(a.astype(np.uint16)[..., None]).numpy())
    else:
        Image.fromarray(a.astype(np.uint8)).save(path)


def _read(path):
    data = open(path, "rb").read()
    assert (data[24], data[25]) == (8, 2), path  # 8-bit RGB
    return tf.io.decode_png(data, channels=3).numpy().astype(np.int64)


def _pixels(y):
    return (np.clip((y["images"].numpy()[0] + 1) / 2, 0, 1) * 255).round().astype(np.int64)


def _close(got, expect, name):
    assert got.shape == expect.shape, (name, got.shape, expect.shape)
    assert np.abs(got - expect).max() <= 1, (name, np.abs(got - expect).max())
    assert expect.std() > 2, name  # not a constant image


def _gaugan():
    """gaugan_tiny with its kernels 50x (Xavier gain 1 instead of SPADE's 0.02): untrained, its
    outputs would be a flat gray (|y| < 1e-7), where neither the pixels nor the seed show."""
    model = presets.build("gaugan_tiny")
    for net in (model.generator, model.encoder):
        for v in net.weights:
            if v.path.endswith("kernel"):
                v.assign(v * 50.0)
    return model


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("translate_labels")
    gaugan = export_model(_gaugan(), str(root / "gaugan"))
    pix2pixhd = export_model(presets.build("pix2pixhd_tiny"), str(root / "pix2pixhd"))
    rng = np.random.default_rng(0)
    maps, inst = root / "maps", root / "inst"
    maps.mkdir()
    inst.mkdir()
    labels = {"a": _blocks(rng, 32, 32), "b": _blocks(rng, 24, 40), "c": _blocks(rng, 52, 20)}
    instances = {k: rng.integers(0, 4, v.shape) * 1000 + v for k, v in labels.items()}
    files = {"a": "a.png", "b": "b_gtFine_labelIds.png", "c": "c.png"}
    inst_files = {"a": "a.png", "b": "b_gtFine_instanceIds.png", "c": "c.png"}
    for k in labels:
        _save(maps / files[k], labels[k], 16 if k == "b" else 8)
        _save(inst / inst_files[k], instances[k], 16)
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(maps / "colour.png")
    big = _blocks(rng, 16, 16)
    big[3, 3] = CLASSES
    _save(maps / "big.png", big)
    for name in ("colour.png", "big.png"):
        _save(inst / name, np.zeros((16, 16), np.int64))
    # Two copies of one map (and its instances): the same --seed gives the same image.
    twice, twice_inst = root / "twice", root / "twice_inst"
    twice.mkdir()
    twice_inst.mkdir()
    for name in ("x.png", "y.png"):
        _save(twice / name, labels["a"])
        _save(twice_inst / name, instances["a"], 16)
    # ADE20K's don't-care rule: 0 -> the last class, the others move down by one.
    ade = _blocks(rng, 30, 36, CLASSES)
    _save(root / "ade.png", ade)
    style = rng.integers(0, 256, (40, 24, 3), dtype=np.uint8)
    style[:, :12] //= 3  # some structure for the encoder
    Image.fromarray(style).save(root / "style.png")
    # Metadata-only exports: flag errors are raised before any model loads.
    for name, meta in (("noinst", {"task": "label_to_image", "num_classes": 3, "instance_edges": False,
                                   "style_encoder": False, "label_shape": [32, 32, 1],
                                   "image_shape": [32, 32, 3], "name": "noinst"}),
                       ("image", {"task": "image_to_image", "name": "img"})):
        (root / name / "assets.extra").mkdir(parents=True)
        (root / name / "saved_model.pb").write_bytes(b"")
        (root / name / "assets.extra" / "keras_gans.json").write_text(json.dumps(meta))

    never = [f"--output={root / 'never'}"]
    g, p = f"--model={root / 'gaugan'}", f"--model={root / 'pix2pixhd'}"
    runs = {
        # GauGAN: the folder (maps of three sizes, 8- and 16-bit, a Cityscapes name, a colour and
        # an out-of-range map) with instance maps matched by name, seed 3.
        "folder": [g, f"--input={maps}", f"--instances={inst}", f"--output_dir={root / 'out'}",
                   "--seed=3"],
        # Seed 4 on two copies of map a.
        "seed4": [g, f"--input={twice}", f"--instances={twice_inst}", f"--output={root / 'out4'}",
                  "--seed=4"],
        # The style of an image, one instance-map file, a .png output path.
        "style": [g, f"--input={maps / 'a.png'}", f"--instances={inst / 'a.png'}",
                  f"--style={root / 'style.png'}", "--seed=3", f"--output={root / 'styled.png'}"],
        # pix2pixHD, tiled, no instance maps (the label map is used), a --seed it ignores.
        "tiled": [p, f"--input={maps / 'c.png'}", f"--output={root / 'out_p'}", "--tile_size=16",
                  "--overlap=4", "--seed=5"],
        "dont_care": [p, f"--input={root / 'ade.png'}", f"--output={root / 'ade_out.png'}",
                      "--dont_care=0"],
        # The authors' state dict (keys model.1.weight, ...), converted on the fly and kept.
        "released": ["--model=tiny_pretrained", f"--weights={root / 'latest_net_G.pth'}",
                     f"--input={maps / 'a.png'}", f"--output={root / 'released.png'}",
                     f"--export_dir={root / 'released_export'}"],
    }
    errors = [
        ([g, f"--input={maps}", "--direction=a_to_b", *never],
         f"--direction is for exports that translate both ways (CycleGAN: a_to_b, b_to_a); gaugan_tiny "
         f"at --model='{root / 'gaugan'}' (its highest version, {gaugan}) synthesizes images from label "
         f"maps: drop --direction."),
        ([p, f"--input={maps}", f"--style={root / 'style.png'}", *never],
         "--style needs a model with a style encoder (GauGAN's VAE option); pix2pixhd_tiny at "),
        ([g, f"--input={maps}", f"--style={root / 'style.png'}", "--tile_size=16", *never],
         "--style runs the export's 'style' signature, which tiles at the training size only"),
        ([f"--model={root / 'noinst'}", f"--input={maps}", f"--instances={inst}", *never],
         "--instances is for models with instance edges; noinst at "),
        ([f"--model={root / 'image'}", f"--input={maps}", "--dont_care=255", *never],
         "--dont_care is for label-map models (task label_to_image: pix2pixHD, GauGAN); img at "),
        ([g, f"--input={maps}", f"--instances={twice_inst}", *never],
         f"--instances='{twice_inst}' has no instance map for 5 of the 5 label maps: a.png, "
         f"b_gtFine_labelIds.png, big.png, c.png, colour.png (matched by name"),
        ([g, f"--input={maps}", f"--instances={inst / 'a.png'}", *never],
         "is one file but --input has 5 label maps"),
        ([g, f"--input={maps}", "--dont_care=70000", *never], "--dont_care must be a label value"),
        (["--model=tiny_pretrained", f"--input={maps}", *never],
         "--weights is required for the released model tiny_pretrained: the authors' latest_net_G.pth"),
        ([p, f"--input={maps}", f"--weights={root / 'latest_net_G.pth'}", *never],
         "--weights is for a released --model (ade20k_pretrained, cityscapes_pretrained, coco_pretrained, "
         "label2city_1024p, tiny_pretrained); --model="),
        ([p, f"--input={maps / 'a.png'}", "--tile_size=18", "--overlap=2",
          f"--output={root / 'out_18'}"],
         "The model cannot run tiles of --tile_size=18 pixels (it returned 20-pixel tiles): its "
         "generator needs sides that are multiples of its downsampling factor (its training size 32 "
         "is one); pick another --tile_size."),
    ]
    torch.manual_seed(0)
    released = ref.GlobalGenerator(CLASSES + 1, 3, 4, 2, 1, "instance")  # pix2pixhd_tiny's G
    ref.randomize_(released, seed=1)
    torch.save(released.state_dict(), root / "latest_net_G.pth")
    argvs = list(runs.values()) + [argv for argv, _ in errors]
    child = subprocess.Popen([sys.executable, "-c", _CHILD, json.dumps(argvs)], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    # While the child runs: the expected outputs, from the signatures called directly.
    g_sigs = tf.saved_model.load(gaugan).signatures
    p_sigs = tf.saved_model.load(pix2pixhd).signatures

    def t(a):
        return tf.constant(np.asarray(a, np.int32)[None, ..., None])

    seed = lambda s: tf.constant(s, tf.int32)  # noqa: E731
    serve = g_sigs["serving_default"]
    x = tf.constant(style, tf.float32)[None] / 255.0
    style_in = tf.clip_by_value(tf.image.resize(x, (32, 32), "bicubic", antialias=True), 0, 1) * 2 - 1
    remapped = np.where(ade == 0, CLASSES - 1, ade - 1)
    expected = {
        "folder": {k: _pixels(serve(labels=t(labels[k]), instances=t(instances[k]), seed=seed(3)))
                   for k in labels},
        "seed4": _pixels(serve(labels=t(labels["a"]), instances=t(instances["a"]), seed=seed(4))),
        "style": _pixels(g_sigs["style"](labels=t(labels["a"]), instances=t(instances["a"]),
                                         style_images=style_in, seed=seed(3))),
        "tiled": _pixels(p_sigs["tiled"](labels=t(labels["c"]), instances=t(labels["c"]), seed=seed(0),
                                         tile_size=seed(16), overlap=seed(4))),
        "dont_care": _pixels(p_sigs["serving_default"](labels=t(remapped), instances=t(remapped),
                                                       seed=seed(0))),
    }
    # The released model's output: the torch network itself on the encoded map (one-hot + the
    # edges of the map as its own instance map, the command's rule without --instances).
    a = labels["a"][None, ..., None]
    encoded = np.asarray(encode_label_map(a, CLASSES, a)).transpose(0, 3, 1, 2)
    released.eval()
    with torch.no_grad():
        y = released(torch.from_numpy(np.ascontiguousarray(encoded))).numpy().transpose(0, 2, 3, 1)
    expected["released"] = (np.clip((y[0] + 1) / 2, 0, 1) * 255).round().astype(np.int64)
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err[-3000:]
    results = json.loads(out.strip().splitlines()[-1])
    return {"root": root, "maps": maps, "inst": inst, "gaugan": gaugan, "pix2pixhd": pix2pixhd,
            "labels": labels, "expected": expected, "errors": errors,
            "runs": dict(zip(runs, results)), "error_results": results[len(runs):]}


def test_gaugan_folder_with_instances_matched_by_name_and_bad_maps(setup):
    root, maps = setup["root"], setup["maps"]
    rc, out, err = setup["runs"]["folder"]
    assert rc == 1 and "Traceback" not in err, err[-3000:]
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[0].startswith(f"error: {maps / 'big.png'}: 1 pixel(s) hold 8, outside the model's "
                               f"classes: a label map holds class ids 0..7 (the model's "
                               f"num_classes=8); if 8 marks don't-care pixels, pass --dont_care=8.")
    assert lines[1].startswith(f"error: {maps / 'colour.png'}: an RGB PNG, not a label map: a label "
                               f"map must be a single-channel (gray) 8- or 16-bit PNG of integer ids")
    assert lines[2] == (f"error: 2 of 5 input files could not be read: {maps / 'big.png'}, "
                        f"{maps / 'colour.png'}; the others were written")
    assert len(lines) == 3
    assert sorted(os.listdir(root / "out")) == ["a_synthesized.png", "b_gtFine_labelIds_synthesized.png",
                                                "c_synthesized.png"]
    stdout = out.splitlines()
    assert stdout[0].startswith(f"Loaded the SavedModel {setup['gaugan']} (gaugan_tiny; signature "
                                f"'serving_default', label maps of 8 classes + instance edges -> images)")
    progress = [line for line in stdout if line.startswith("[")]
    assert len(progress) == 3 and all("/5] " in line and line.endswith(" s)") for line in progress)
    b = next(line for line in progress if "b_gtFine_labelIds.png" in line)
    assert "b_gtFine_labelIds.png 40x24 label map 16-bit -> " in b
    assert f"40x24 RGB (2 tiles, instances {setup['inst'] / 'b_gtFine_instanceIds.png'}, " in b
    assert not any(line.startswith("note:") for line in stdout)
    names = {"a": "a", "b": "b_gtFine_labelIds", "c": "c"}
    for k, expect in setup["expected"]["folder"].items():
        _close(_read(root / "out" / f"{names[k]}_synthesized.png"), expect, k)


def test_gaugan_seed_is_the_same_for_every_map_and_changes_the_image(setup):
    root = setup["root"]
    rc, out, err = setup["runs"]["seed4"]
    assert rc == 0 and err.strip() == "", err[-3000:]
    x, y = _read(root / "out4" / "x_synthesized.png"), _read(root / "out4" / "y_synthesized.png")
    assert np.array_equal(x, y)  # one seed for every map, whatever its position
    _close(x, setup["expected"]["seed4"], "seed 4")
    seed3 = _read(root / "out" / "a_synthesized.png")
    assert np.abs(x - seed3).max() > 5  # another latent draw


def test_gaugan_style_image_and_an_instance_file(setup):
    root = setup["root"]
    rc, out, err = setup["runs"]["style"]
    assert rc == 0 and err.strip() == "", err[-3000:]
    assert "signature 'style'" in out.splitlines()[0]
    assert ("note: style.png: the style image (24x40 RGB) is resized to the model's training size "
            "32x32 (stretched: the encoder takes that size)") in out.splitlines()
    got = _read(root / "styled.png")
    _close(got, setup["expected"]["style"], "style")
    assert np.abs(got - _read(root / "out" / "a_synthesized.png")).max() > 5  # not the seed's z


def test_pix2pixhd_tiled_without_instances_and_dont_care(setup):
    root = setup["root"]
    rc, out, err = setup["runs"]["tiled"]
    assert rc == 0 and err.strip() == "", err[-3000:]
    lines = out.splitlines()
    assert lines[0].startswith(f"Loaded the SavedModel {setup['pix2pixhd']} (pix2pixhd_tiny; signature "
                               f"'tiled', label maps of 8 classes + instance edges -> images)")
    assert ("note: --seed changes nothing: pix2pixhd_tiny has no style encoder (no latent to draw; the "
            "model is deterministic)") in lines
    assert sum(line.startswith("note: no --instances: each label map is also used as its instance map, "
                               "so the instance edges are the class boundaries") for line in lines) == 1
    assert "20x52 label map -> " in out and "20x52 RGB (8 tiles, " in out
    assert os.listdir(root / "out_p") == ["c_synthesized.png"]
    _close(_read(root / "out_p" / "c_synthesized.png"), setup["expected"]["tiled"], "tiled")

    rc, out, err = setup["runs"]["dont_care"]
    assert rc == 0 and err.strip() == "", err[-3000:]
    _close(_read(root / "ade_out.png"), setup["expected"]["dont_care"], "dont_care")


def test_flag_errors_are_one_line(setup):
    for (rc, out, err), (argv, message) in zip(setup["error_results"], setup["errors"]):
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and lines[0].startswith("error: ") \
            and message in lines[0], (message, rc, err)
    assert not (setup["root"] / "never").exists()


def test_a_released_checkpoint_is_converted_and_served(setup):
    """``--model=<released name> --weights=latest_net_G.pth``: the authors' state dict becomes a
    SavedModel (kept with --export_dir) whose output is the PyTorch network's."""
    root = setup["root"]
    rc, out, err = setup["runs"]["released"]
    assert rc == 0 and err.strip() == "", err[-3000:]
    assert out.splitlines()[0].startswith(f"Converted tiny_pretrained from {root / 'latest_net_G.pth'} into "
                                          f"the SavedModel {root / 'released_export' / '1'} in ")
    _close(_read(root / "released.png"), setup["expected"]["released"], "released")
    assert (root / "released_export" / "1" / "saved_model.pb").is_file()
