"""The preset registry: ``register``, ``get``, ``build``, ``variant``, ``at_resolution``,
``names``; for the family modules, ``registry_table`` and the image shapes several families
train at (``FASHION_MNIST``, ``DIGITS_8``). No preset data.

Presets live with their family, in ``keras_gans/models/<family>/<family>_presets.py`` (see
``families()``: every sub-package of ``keras_gans.models``); each family package exposes ``PRESETS`` (name -> preset), ``NETWORKS``
(builder name -> function, for the builders its presets use) and, optionally,
``MODEL_CLASSES`` (class name -> model class). The registry loads the families on first use.

Every preset has one schema::

    {
        "metadata": {"paper": str, "code": str, "differences": str},
        "model_class": "GAN" | "VAEGAN" | "VEEGAN",          # a key of MODEL_CLASSES
        "networks": {role: (builder_name, {builder argument: value})},  # generator and
                                                                 # discriminator, + others
        "model": {model constructor argument: value},         # not networks, optimizers
        "optimizers": {role: optimizer spec},                 # one per network role (+ the
                                                              # class's EXTRA_OPTIMIZERS)
        "data": {"format": "images" | "labelled_images" | "points", "dataset": str,
                 "batch_size": int, "image_shape": (H, W, C) or None,
                 "options": {data.load keyword: value}},          # optional
    }

``data["image_shape"]`` is the generator's ``image_shape`` (``None`` for 2-D points);
``"labelled_images"`` is the format of conditional presets (``model["num_classes"]`` set).
``build(name)`` turns a preset into an uncompiled model whose ``compile()`` with no arguments
uses the preset's (the paper's) optimizers.
"""

import copy
import importlib
import pkgutil

# Families are the sub-packages of keras_gans.models that define PRESETS; a new family
# registers itself by existing (no edit here).
FAMILY_PACKAGE = "keras_gans.models"


def families():
    """The module names of every family package (sub-packages of keras_gans.models)."""
    return _family_modules()


def _family_modules():
    package = importlib.import_module(FAMILY_PACKAGE)
    return [f"{FAMILY_PACKAGE}.{info.name}" for info in sorted(pkgutil.iter_modules(package.__path__),
                                                                 key=lambda i: i.name) if info.ispkg]


SCHEMA_KEYS = ("metadata", "model_class", "networks", "model", "optimizers", "data")
METADATA_KEYS = ("paper", "code", "differences")
DATA_KEYS = ("format", "dataset", "batch_size", "image_shape")
# "options": keyword arguments of keras_gans.data.load / info for the preset's own dataset
# (skimage_labels2photo's photo_size); dropped when the user picks another dataset.
OPTIONAL_DATA_KEYS = ("options",)
# Latent formats: data["image_shape"] is the generator's; "paired" data (source, target)
# gives the training crop's shape.
LATENT_FORMATS = ("images", "labelled_images", "points")
DATA_FORMATS = LATENT_FORMATS + ("paired", "unpaired", "low_high", "tokens", "label_map", "multimodal")
REQUIRED_ROLES = ("generator", "discriminator")

# Image shapes (H, W, C) that presets of several families use.
FASHION_MNIST = (28, 28, 1)  # Fashion-MNIST (and MNIST): the `_28` variants
DIGITS_8 = (8, 8, 1)  # scikit-learn's digits, dataset "digits": the `_tiny` variants

_PRESETS = {}
_NETWORKS = {}
_MODEL_CLASSES = {}
_TABLES = {"PRESETS": _PRESETS, "NETWORKS": _NETWORKS, "MODEL_CLASSES": _MODEL_CLASSES}
_state = {"loaded": False, "loading": False}


def __getattr__(name):
    # PRESETS, NETWORKS and MODEL_CLASSES are loaded on first access: the family modules
    # import `variant` from here, so they cannot be imported while this module loads.
    if name in _TABLES:
        _load()
        return _TABLES[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _load():
    if _state["loaded"] or _state["loading"]:
        return
    _state["loading"] = True
    try:
        for module_name in _family_modules():
            module = importlib.import_module(module_name)
            if not hasattr(module, "PRESETS"):
                raise ImportError(
                    f"{module_name} has no PRESETS yet: a family module must not call get(), "
                    "build() or variant(<name>) while it is imported (pass variant() the base dict).")
            _register(module)
        _state["loaded"] = True
    except BaseException:
        for table in _TABLES.values():
            table.clear()
        raise
    finally:
        _state["loading"] = False


def registry_table(*objects):
    """A family's ``NETWORKS`` or ``MODEL_CLASSES`` table: ``{obj.__name__: obj}``, in order.

    Presets name builders and classes by their ``__name__``, so the table keys are those.
    Two objects of one name (or one object given twice) are an error.
    """
    table = {}
    for obj in objects:
        name = getattr(obj, "__name__", None)
        if not isinstance(name, str):
            raise TypeError(f"registry_table() takes functions and classes; {obj!r} has no __name__.")
        if name in table:
            raise ValueError(f"registry_table() received two objects named {name!r}: "
                             f"{table[name]!r} and {obj!r}.")
        table[name] = obj
    return table


def register(family):
    """Adds a family's presets, network builders and model classes to the registry.

    Args:
        family: a module (or any object) with ``PRESETS`` and optionally ``NETWORKS`` and
            ``MODEL_CLASSES`` dicts. A preset name already registered is an error, and so is
            a builder or class name registered with a different object.
    """
    _load()
    _register(family)


def _register(family):
    label = getattr(family, "__name__", repr(family))
    presets = dict(getattr(family, "PRESETS", {}))
    networks = dict(getattr(family, "NETWORKS", {}))
    classes = dict(getattr(family, "MODEL_CLASSES", {}))
    clash = sorted(set(presets) & set(_PRESETS))
    if clash:
        raise ValueError(f"{label} redefines the presets {clash}.")
    for table, entries, what in ((_NETWORKS, networks, "network builders"),
                                 (_MODEL_CLASSES, classes, "model classes")):
        clash = sorted(k for k, v in entries.items() if k in table and table[k] is not v)
        if clash:
            raise ValueError(f"{label} registers other {what} under the names {clash}.")
    # A family's presets may use the builders and classes it registers and those already
    # registered; nothing is added unless every preset passes.
    known_networks, known_classes = {**_NETWORKS, **networks}, {**_MODEL_CLASSES, **classes}
    for name, preset in presets.items():
        check(name, preset, known_classes)
        _check_references(name, preset, known_networks, known_classes)
    _PRESETS.update(presets)
    _NETWORKS.update(networks)
    _MODEL_CLASSES.update(classes)


def _is_spec(value):
    return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], dict))


def check(name, preset, classes=None):
    """Raises ValueError unless ``preset`` has the schema of this module's docstring
    (``classes``: the model classes to look ``model_class`` up in; default the registry's)."""
    def fail(message):
        raise ValueError(f"Preset {name!r}: {message}")

    if not isinstance(preset, dict):
        fail(f"must be a dict; received {type(preset).__name__}.")
    for what, value, keys in (("", preset, SCHEMA_KEYS),
                              ("metadata", preset.get("metadata"), METADATA_KEYS),
                              ("data", preset.get("data"), DATA_KEYS)):
        if not isinstance(value, dict):
            fail(f"{what} must be a dict; received {value!r}.")
        optional = OPTIONAL_DATA_KEYS if what == "data" else ()
        missing = [k for k in keys if k not in value]
        unknown = sorted(set(value) - set(keys) - set(optional))
        if missing or unknown:
            fail(f"{what or 'the preset'} must have exactly the keys {list(keys)}; missing "
                 f"{missing}, unknown {unknown}.")
    for key in METADATA_KEYS:
        if not isinstance(preset["metadata"][key], str):
            fail(f"metadata[{key!r}] must be a string.")
    if not isinstance(preset["model_class"], str):
        fail(f"model_class must be a class name; received {preset['model_class']!r}.")
    networks = preset["networks"]
    if not isinstance(networks, dict) or any(r not in networks for r in REQUIRED_ROLES):
        fail(f"networks must be a dict with at least the roles {list(REQUIRED_ROLES)}.")
    for role, spec in networks.items():
        if not _is_spec(spec):
            fail(f"networks[{role!r}] must be a (builder name, kwargs dict) tuple; received {spec!r}.")
    model = preset["model"]
    if not isinstance(model, dict):
        fail("model must be a dict of model constructor arguments.")
    misplaced = sorted(k for k in model if k in ("optimizers", "seed", "name", "networks")
                       or k in networks or k.endswith("_optimizer"))
    if misplaced:
        fail(f"model must not hold {misplaced}: networks go under 'networks', optimizers under "
             "'optimizers', the seed and name are build()'s.")
    optimizers = preset["optimizers"]
    # One per network role but the class's frozen ones, plus the class's extra optimizers.
    cls = (_MODEL_CLASSES if classes is None else classes).get(preset["model_class"])
    expected = (set(networks) - set(getattr(cls, "FROZEN_ROLES", ()))) | set(getattr(cls, "EXTRA_OPTIMIZERS", {}))
    if not isinstance(optimizers, dict) or set(optimizers) != expected:
        fail(f"optimizers must hold one optimizer per network role (none for frozen roles) and the "
             f"class's extra optimizers: {sorted(expected)}; received "
             f"{list(optimizers) if isinstance(optimizers, dict) else optimizers!r}.")
    data = preset["data"]
    if data["format"] not in DATA_FORMATS:
        fail(f"data['format'] must be one of {DATA_FORMATS}; received {data['format']!r}.")
    if not isinstance(data["dataset"], str) or not data["dataset"]:
        fail(f"data['dataset'] must be a dataset name; received {data['dataset']!r}.")
    if not isinstance(data.get("options", {}), dict):
        fail(f"data['options'] must be a dict of data.load keyword arguments; received {data['options']!r}.")
    batch = data["batch_size"]
    if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
        fail(f"data['batch_size'] must be a positive int; received {batch!r}.")
    shape = data["image_shape"]
    if shape is not None and not (isinstance(shape, tuple) and len(shape) == 3
                                  and all(isinstance(d, int) and d > 0 for d in shape)):
        fail(f"data['image_shape'] must be an (H, W, C) tuple or None; received {shape!r}.")
    if data["format"] not in LATENT_FORMATS:
        return
    generator_shape = networks["generator"][1].get("image_shape")
    if shape != generator_shape:
        fail(f"data['image_shape'] {shape!r} differs from the generator's image_shape "
             f"{generator_shape!r}.")
    expected = ("points" if shape is None else
                "labelled_images" if model.get("num_classes") else "images")
    if data["format"] != expected:
        fail(f"data['format'] must be {expected!r} (image_shape {shape!r}, num_classes "
             f"{model.get('num_classes')!r}); received {data['format']!r}.")


def _check_references(name, preset, networks, classes):
    if preset["model_class"] not in classes:
        raise ValueError(f"Preset {name!r}: unknown model_class {preset['model_class']!r}; "
                         f"registered: {sorted(classes)}.")
    for role, (builder, _) in preset["networks"].items():
        if builder not in networks:
            raise ValueError(f"Preset {name!r}: networks[{role!r}] names the builder {builder!r}, "
                             f"which no family registers; registered: {sorted(networks)}.")


def names():
    """The sorted names of every registered preset."""
    _load()
    return sorted(_PRESETS)


def get(name):
    """Returns a deep copy of the preset ``name``."""
    _load()
    if name not in _PRESETS:
        raise ValueError(f"Unknown preset {name!r}; available presets: {sorted(_PRESETS)}.")
    return copy.deepcopy(_PRESETS[name])


def _different_objects(base, change):
    # Two serialized Keras objects (optimizers, schedules, initializers) of different classes:
    # their arguments do not mix, so the change replaces the base.
    return ("class_name" in base and "class_name" in change
            and base["class_name"] != change["class_name"])


def _merge(base, change):
    if isinstance(base, dict) and isinstance(change, dict) and not _different_objects(base, change):
        merged = copy.deepcopy(base)
        for key, value in change.items():
            merged[key] = _merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if _is_spec(base):
        if isinstance(change, dict):
            return (base[0], _merge(base[1], change))
        if _is_spec(change):
            return (change[0], _merge(base[1], change[1]))
    return copy.deepcopy(change)


def variant(base, **changes):
    """A deep copy of preset ``base`` with ``changes`` merged in at any depth.

    Dicts are merged key by key, recursively; a ``(builder, kwargs)`` network spec takes a
    dict of builder arguments (merged into its kwargs) or a ``(builder, kwargs)`` tuple (the
    builder replaced, the kwargs merged); any other value replaces the base's. One exception:
    a serialized Keras object (a dict with ``"class_name"``) of another class than the base's
    replaces it whole, so that two optimizers' or initializers' arguments never mix.

    Args:
        base: a preset dict, or the name of a registered preset (not inside a family module,
            which the registry is still importing: give those the base dict).
        **changes: top-level schema keys (``metadata``, ``networks``, ``model``, ...).

    Example (for a whole preset at another image size, :func:`at_resolution` does this)::

        variant(_DCGAN, networks={"generator": {"image_shape": (28, 28, 1)}},
                data={"dataset": "fashion_mnist", "image_shape": (28, 28, 1)})
    """
    unknown = sorted(set(changes) - set(SCHEMA_KEYS))
    if unknown:
        raise ValueError(f"variant() changes the schema keys {list(SCHEMA_KEYS)}; received {unknown}.")
    if isinstance(base, str):
        base = get(base)
    return _merge(base, changes)


def at_resolution(base, image_shape, dataset=None, batch_size=None, networks=None, **changes):
    """A :func:`variant` of preset ``base`` at another image resolution.

    Every network whose kwargs hold ``image_shape`` gets ``image_shape``; one whose kwargs
    hold a ``condition_shape`` (pix2pix's discriminator) gets the new height and width with
    its own channel count. ``data["image_shape"]`` becomes ``image_shape``, and
    ``data["dataset"]`` / ``data["batch_size"]`` become ``dataset`` / ``batch_size`` when
    given (``None`` keeps the base's). Then ``networks`` and ``changes`` are merged in as
    :func:`variant` merges them (after the new shapes, so they may still set any of them).

    Args:
        base: a preset dict or a registered preset's name (as for :func:`variant`).
        image_shape: the new ``(H, W, C)`` tuple.
        dataset: the dataset at that size, or ``None`` to keep the base's.
        batch_size: the new batch size, or ``None`` to keep the base's.
        networks: further ``{role: {builder argument: value}}`` changes (e.g. widths).
        **changes: further top-level changes (``model``, ``optimizers``, ``metadata``, ...).

    Example::

        at_resolution(_DCGAN, (8, 8, 1), "digits", batch_size=32,
                      networks={"generator": {"latent_dim": 16, "base_filters": 8},
                                "discriminator": {"base_filters": 8}})
    """
    if not (isinstance(image_shape, tuple) and len(image_shape) == 3
            and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in image_shape)):
        raise ValueError(f"at_resolution() takes an (H, W, C) tuple of positive ints; received "
                         f"{image_shape!r}.")
    if isinstance(base, str):
        base = get(base)
    resized = {}
    for role, (_, kwargs) in base["networks"].items():
        shapes = {}
        if "image_shape" in kwargs:
            shapes["image_shape"] = image_shape
        if kwargs.get("condition_shape") is not None:
            shapes["condition_shape"] = image_shape[:2] + tuple(kwargs["condition_shape"][2:])
        if shapes:
            resized[role] = shapes
    if not resized:
        raise ValueError(f"at_resolution(): no network of the base has an image_shape (networks "
                         f"{list(base['networks'])}).")
    data = {"image_shape": image_shape, "dataset": dataset, "batch_size": batch_size}
    base = variant(base, networks=resized, data={k: v for k, v in data.items() if v is not None})
    return variant(base, **({} if networks is None else {"networks": networks}), **changes)


def _build_network(spec, overrides, seed):
    builder, kwargs = spec
    kwargs = {**kwargs, **(overrides or {})}
    if seed is not None:
        kwargs.setdefault("seed", seed)
    return _NETWORKS[builder](**kwargs)


def build(name, seed=None, *, network_overrides=None, generator_overrides=None,
          discriminator_overrides=None, **model_overrides):
    """Builds the uncompiled model of preset ``name``.

    The model class is ``MODEL_CLASSES[preset["model_class"]]``; it receives every network
    by its role keyword, ``optimizers={role: spec}`` (the defaults of its ``compile()``),
    ``seed``, ``name`` and the preset's ``model`` arguments.

    Args:
        name: a registered preset name (see :func:`names`).
        seed: int seed for weight initialisation (every builder's ``seed``, unless an
            override sets it) and the model's random draws.
        network_overrides: ``{role: {builder argument: value}}`` to change.
        generator_overrides / discriminator_overrides: shorthands for the ``"generator"``
            and ``"discriminator"`` entries of ``network_overrides``.
        **model_overrides: model constructor arguments to change (e.g. ``ema_decay=0.999``);
            ``<role>_optimizer=spec`` (or ``None``: the class's default) and
            ``optimizers={role: spec}`` change the optimizers.
    """
    preset = get(name)
    specs = preset["networks"]
    overrides = {role: dict(kwargs or {}) for role, kwargs in (network_overrides or {}).items()}
    for role, shorthand in (("generator", generator_overrides), ("discriminator", discriminator_overrides)):
        if shorthand:
            if overrides.get(role):
                raise ValueError(f"Give the {role}'s overrides once: {role}_overrides= or "
                                 f"network_overrides={{{role!r}: ...}}, not both.")
            overrides[role] = dict(shorthand)
    unknown = sorted(set(overrides) - set(specs))
    if unknown:
        raise ValueError(f"network_overrides for {unknown}, but preset {name!r} has the networks "
                         f"{list(specs)}.")
    # Generator and discriminator first: with seed=None the order draws the initial weights.
    order = list(REQUIRED_ROLES) + [role for role in specs if role not in REQUIRED_ROLES]
    networks = {role: _build_network(specs[role], overrides.get(role), seed) for role in order}

    model_kwargs = {**preset["model"], **model_overrides}
    # Trainable roles in role order, then the class's extra optimizers; frozen roles have none.
    optimizers = {role: preset["optimizers"][role] for role in order if role in preset["optimizers"]}
    optimizers.update({k: v for k, v in preset["optimizers"].items() if k not in optimizers})
    optimizers.update(model_kwargs.pop("optimizers", None) or {})
    for role in order:
        key = f"{role}_optimizer"
        if key in model_kwargs:
            spec = model_kwargs.pop(key)
            if spec is None:
                optimizers.pop(role, None)  # the class's default (e.g. a copy of G's)
            else:
                optimizers[role] = spec
    model_class = _MODEL_CLASSES[preset["model_class"]]
    return model_class(**networks, optimizers=optimizers, seed=seed, name=name, **model_kwargs)
