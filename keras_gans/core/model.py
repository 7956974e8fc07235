"""``AdversarialModel``: named networks, an optimizer per trainable role, declared phases."""

import copy

import keras
import tensorflow as tf

from keras_gans.core import distributed
from keras_gans.core.optimizers import optimizer_from, serialize_optimizer
from keras_gans.core.phases import PhaseOutput

_COMPILE_KEEP = ("jit_compile", "steps_per_execution", "run_eagerly")


@keras.saving.register_keras_serializable(package="keras_gans")
class AdversarialModel(keras.Model):
    """The base of every model in the zoo: roles, optimizers, EMA, seeds, phases.

    A model is a set of named networks (*roles*: ``generator``, ``discriminator``,
    ``encoder``, ``perceptual``, ``generator_ab`` ...), each a ``keras.Model`` and an
    attribute of the model under its role name; ``model.networks`` is the dict of them.
    Roles in ``frozen`` are never trained (a perceptual feature network); every other role
    gets its own optimizer in :meth:`compile`. A subclass declares its training step as a
    list of :class:`~keras_gans.core.phases.Phase` in ``self.phases`` and writes each phase's
    loss as a method; :meth:`train_step` runs them, and nothing per model is needed for
    compile, config, ``.keras`` saving or EMA.

    Subclasses set the class attributes:

    * ``ROLES``: the constructor keywords that are networks (for ``from_config``);
    * ``OPTIMIZER_ALIASES``: extra ``compile()`` keywords for a role's optimizer
      (``{"g_optimizer": "generator"}``); ``<role>_optimizer`` always works;
    * ``SEED_ROLE``: the role whose optimizer's update count keys the random draws;
    * ``OPTIMIZER_COPIES``: roles whose default optimizer copies another role's.

    Args:
        networks: ``{role: keras.Model}``.
        optimizers: ``{role: optimizer spec}``, the defaults ``compile()`` uses (the paper's):
            a Keras optimizer, a name, or a serialized config. ``<role>_optimizer=spec``
            keywords are accepted too.
        ema: ``{role: decay}``: keep an exponential moving average of those roles' weights in
            ``<role>_ema`` (updated after each update of the role).
        frozen: roles that are never trained.
        seed: integer seed of the model's random draws (stateless, per replica).
    """

    ROLES = ()
    OPTIMIZER_ALIASES = {}
    SEED_ROLE = None
    # {role: other role}: with no optimizer given, ``role`` gets a fresh copy of the other
    # role's (built earlier in role order); VAE-GAN's encoder copies the generator's.
    OPTIMIZER_COPIES = {}
    # {optimizer key: role}: optimizers beyond one per role, each updating that role's
    # variables in the phases that name it (``Phase(optimizers={role: key})``): SeqGAN's
    # generator has one Adam for MLE pre-training and a fresh one for adversarial training.
    EXTRA_OPTIMIZERS = {}
    # Roles of the class that are never trained (a perceptual feature network): presets give
    # them no optimizer.
    FROZEN_ROLES = ()

    def __init__(self, networks, optimizers=None, ema=None, frozen=(), seed=None, **kwargs):
        optimizers = dict(optimizers or {})
        for role in networks:
            spec = kwargs.pop(f"{role}_optimizer", None)
            if spec is not None:
                optimizers[role] = spec
        super().__init__(**kwargs)
        for role, network in networks.items():
            if not isinstance(network, keras.Model):
                raise ValueError(
                    f"The {role} must be a keras.Model; received {type(network).__name__}."
                )
        frozen = tuple(frozen)
        unknown = [r for r in list(frozen) + list(ema or {}) if r not in networks]
        unknown += [k for k in optimizers if k not in networks and k not in self.EXTRA_OPTIMIZERS]
        if unknown:
            raise ValueError(f"Unknown roles {unknown}; this model's roles are {list(networks)}.")
        for role, decay in (ema or {}).items():
            if decay is not None and not 0.0 < decay < 1.0:
                raise ValueError(f"The {role}'s EMA decay must be in (0, 1) or None; received {decay!r}.")
        self._roles = tuple(networks)
        for role, network in networks.items():
            setattr(self, role, network)
            if role in frozen:
                network.trainable = False
        self.frozen_roles = frozen
        self.optimizer_configs = {role: serialize_optimizer(spec) for role, spec in optimizers.items()}
        self.ema_decays = {role: float(decay) for role, decay in (ema or {}).items() if decay is not None}
        for role in self.ema_decays:
            clone = keras.models.clone_model(networks[role])
            clone.set_weights(networks[role].get_weights())
            clone.trainable = False
            setattr(self, f"{role}_ema", clone)
        self.seed = 0 if seed is None else int(seed)
        self.optimizers = {}
        self.phases = []
        self._trackers = {}
        self._step_counter = None
        self.built = True

    # ------------------------------------------------------------------ roles
    @property
    def networks(self):
        """``{role: keras.Model}``, every role (frozen ones too), in declaration order."""
        return {role: getattr(self, role) for role in self._roles}

    @property
    def trainable_roles(self):
        return tuple(r for r in self._roles if r not in self.frozen_roles)

    @property
    def optimizer_keys(self):
        """The keys of ``self.optimizers``: every trainable role, then ``EXTRA_OPTIMIZERS``."""
        return self.trainable_roles + tuple(self.EXTRA_OPTIMIZERS)

    def optimizer_role(self, key):
        """The role whose variables the optimizer ``key`` updates."""
        return self.EXTRA_OPTIMIZERS.get(key, key)

    def ema_network(self, role):
        """The EMA copy of ``role`` (``None`` when the model keeps none)."""
        return getattr(self, f"{role}_ema") if role in self.ema_decays else None

    # ------------------------------------------------------------------ the contract
    # What the runner, the grid callback, the export and keras_gans.testing ask a model.
    data_format = None  # a keras_gans.data format: "images", "labelled_images", "paired", ...
    grid_examples = 0  # real examples sample_grids() needs (0: none)
    batch_chunks = 1  # a training batch holds this many per-update batches (GAN: n_critic)
    serving_output = "images"  # the main output of serving_default (the checks compare it)

    @property
    def image_shape(self):
        """The shape ``(H, W, C)`` of the images the model makes."""
        raise NotImplementedError(f"{type(self).__name__} does not declare image_shape.")

    def sample_grids(self, examples=None, num_samples=64, seed=0):
        """``{grid name: (images [N, H, W, C] in [-1, 1], columns or None)}`` to look at
        (samples, input / output / target rows, reconstructions); ``examples`` are
        ``grid_examples`` real examples in the model's data format."""
        raise NotImplementedError(f"{type(self).__name__} does not declare sample_grids.")

    def serving_functions(self):
        """``{signature name: tf.function with an input signature}``, ``serving_default``
        among them: what the SavedModel serves."""
        raise NotImplementedError(f"{type(self).__name__} does not declare serving_functions.")

    def serving_variables(self):
        """The variables the serving functions read."""
        raise NotImplementedError(f"{type(self).__name__} does not declare serving_variables.")

    def serving_metadata(self):
        """What a client needs (written to ``assets.extra/keras_gans.json``)."""
        raise NotImplementedError(f"{type(self).__name__} does not declare serving_metadata.")

    def example_serving_inputs(self, num_samples=4, seed=0):
        """NumPy inputs of ``serving_default``, for checks."""
        raise NotImplementedError(f"{type(self).__name__} does not declare example_serving_inputs.")

    supports_standing_statistics = False  # see LatentGAN.accumulate_standing_statistics

    def accumulate_standing_statistics(self, num_batches=100, batch_size=64, seed=0):
        raise ValueError(
            f"{type(self).__name__} serves no batch-norm moving statistics to re-estimate "
            "(standing statistics are for latent generators)."
        )

    # ------------------------------------------------------------------ compile / config
    def default_optimizer(self, role, built):
        """The optimizer spec of ``role`` when neither ``compile()`` nor the constructor gives
        one; ``built`` holds the optimizers made so far (in role order). None: an error."""
        source = self.OPTIMIZER_COPIES.get(role)
        if source is not None and source in built:
            return keras.optimizers.serialize(built[source])
        return None

    def compile(self, optimizers=None, **kwargs):
        """Makes and builds one optimizer per trainable role.

        Args:
            optimizers: ``{role: spec}``; a role not given takes the constructor's default
                (the paper's setting). ``<role>_optimizer=spec`` and the class's
                ``OPTIMIZER_ALIASES`` (``g_optimizer=``) are accepted as keywords.
            **kwargs: ``jit_compile``, ``steps_per_execution``, ``run_eagerly``, as for
                ``keras.Model.compile``.
        """
        optimizers = dict(optimizers or {})
        for key in list(kwargs):
            role = self.OPTIMIZER_ALIASES.get(key)
            if role is None and key.endswith("_optimizer") and (
                    key[: -len("_optimizer")] in self._roles + tuple(self.EXTRA_OPTIMIZERS)):
                role = key[: -len("_optimizer")]
            if role is not None:
                spec = kwargs.pop(key)
                if spec is not None:
                    optimizers[role] = spec
        if "loss" in kwargs or "optimizer" in kwargs:
            aliases = sorted(self.OPTIMIZER_ALIASES) or [f"{r}_optimizer" for r in self.trainable_roles]
            raise ValueError(
                f"{type(self).__name__}.compile takes one optimizer per role ({aliases}, or "
                "optimizers={role: ...}); the losses are set at construction. Received "
                f"{sorted(k for k in kwargs if k in ('loss', 'optimizer'))}."
            )
        unknown = sorted(set(optimizers) - set(self.optimizer_keys))
        if unknown:
            raise ValueError(
                f"Optimizers for {unknown}, which are not trainable roles of this model "
                f"({list(self.optimizer_keys)})."
            )
        # optimizer=None: Keras would otherwise create an unused RMSprop as `self.optimizer`.
        super().compile(optimizer=None, **kwargs)
        built = {}
        for role in self.optimizer_keys:
            spec = optimizers.get(role)
            if spec is None:
                spec = self.optimizer_configs.get(role)
            if spec is None:
                spec = self.default_optimizer(role, built)
            if spec is None:
                raise ValueError(
                    f"No optimizer given for the {role} and this model has no default: pass "
                    f"{role}_optimizer= to compile(), or construct the model with "
                    "optimizers={role: ...} (the presets do)."
                )
            built[role] = optimizer_from(spec, f"the {role}'s optimizer")
        for role, optimizer in list(built.items()):
            # A float16 network gets dynamic loss scaling (Keras' LossScaleOptimizer), so
            # small gradients do not underflow; bfloat16 has float32's range and needs none.
            if getattr(self, self.optimizer_role(role)).dtype_policy.name == "mixed_float16" and not isinstance(
                    optimizer, keras.optimizers.LossScaleOptimizer):
                built[role] = keras.optimizers.LossScaleOptimizer(optimizer)
        if len({id(o) for o in built.values()}) != len(built):
            raise ValueError(
                f"Each role needs an optimizer object of its own; received one object for several "
                f"of {list(built)}."
            )
        # Built here, not lazily in the first step: lazy building inside a replica context
        # fails under MirroredStrategy (see DESIGN.md).
        for role, optimizer in built.items():
            optimizer.build(getattr(self, self.optimizer_role(role)).trainable_variables)
        self.optimizers = built

    def get_compile_config(self):
        if not self.optimizers:
            return None
        config = dict(super().get_compile_config() or {})
        config.pop("optimizer", None)
        config["optimizers"] = {role: keras.optimizers.serialize(o) for role, o in self.optimizers.items()}
        return config

    def compile_from_config(self, config):
        config = dict(config)
        optimizers = {role: keras.optimizers.deserialize(spec)
                      for role, spec in config.pop("optimizers", {}).items()}
        for alias, role in self.OPTIMIZER_ALIASES.items():  # files written before the roles
            if alias in config:
                optimizers[role] = keras.optimizers.deserialize(config.pop(alias))
        self.compile(optimizers=optimizers, **{k: config[k] for k in _COMPILE_KEEP if k in config})

    def get_config(self):
        """Every role's network, the default optimizers, EMA and seed; subclasses add their
        own arguments with ``{**super().get_config(), ...}``."""
        config = {"name": self.name}
        for role in self._roles:
            config[role] = keras.saving.serialize_keras_object(getattr(self, role))
        config["optimizers"] = copy.deepcopy(self.optimizer_configs)
        config["seed"] = self.seed
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # Keras' deserializer consumes the nested dicts
        for role in cls.ROLES:
            if role in config:
                config[role] = keras.saving.deserialize_keras_object(config[role])
        return cls(**config)

    # ------------------------------------------------------------------ trackers
    def add_tracker(self, name):
        """A ``keras.metrics.Mean`` logged as ``name`` (created once; call in ``__init__``,
        in the order the logs should appear)."""
        if name not in self._trackers:
            self._trackers[name] = keras.metrics.Mean(name=name)
        return self._trackers[name]

    @property
    def metrics(self):
        return list(self._trackers.values())

    # ------------------------------------------------------------------ step machinery
    def step_seed(self, draw):
        """A stateless seed unique to (step, draw, replica), so replicas draw differently.

        The step is :meth:`seed_step`. Non-negative: TF's stateless ops give different
        numbers for negative seeds with and without XLA."""
        step = tf.cast(self.seed_step(), tf.int32)
        key = tf.bitwise.bitwise_and(
            self.seed + 7919 * draw + 104729 * distributed.replica_id(), 0x3FFFFFFF
        )
        return tf.stack([key, step])

    def seed_step(self):
        """The step count that keys :meth:`step_seed`: the update count of ``SEED_ROLE``'s
        optimizer (a subclass whose roles pause may key it on the step counter instead)."""
        return self.optimizers[self.SEED_ROLE].iterations

    @property
    def step_counter(self):
        """Training steps taken (exists only for models with a scheduled phase)."""
        return self._step_counter

    def _ensure_step_counter(self):
        if self._step_counter is None and any(p.scheduled for p in self.phases):
            # Created on first use inside the strategy scope the model was built under.
            self._step_counter = self.add_weight(
                shape=(), dtype="int64", initializer="zeros", trainable=False, name="train_steps",
                aggregation="only_first_replica",
            )

    def build_phases(self):
        """Call at the end of ``__init__`` once ``self.phases`` is set."""
        for phase in self.phases:
            missing = [r for r in phase.update if r not in self.trainable_roles]
            if missing:
                raise ValueError(
                    f"Phase {phase.name!r} updates {missing}, which are not trainable roles "
                    f"({list(self.trainable_roles)})."
                )
            for role, key in phase.optimizers.items():
                if self.EXTRA_OPTIMIZERS.get(key) != role:
                    raise ValueError(
                        f"Phase {phase.name!r} updates the {role} with optimizer {key!r}, which is "
                        f"not one of this model's extra optimizers for it ({self.EXTRA_OPTIMIZERS})."
                    )
            if not callable(getattr(self, phase.loss, None)):
                raise ValueError(f"Phase {phase.name!r}: the model has no method {phase.loss!r}.")
        self._ensure_step_counter()

    def unpack_batch(self, data):
        """The model's view of a dataset element (default: as it is)."""
        return data

    def phase_inputs(self, phase, batch, index):
        """The inputs of repetition ``index`` of ``phase`` (default: the whole batch)."""
        return batch

    def after_update(self, phase, inputs):
        """Called after each phase's update (weight clipping); default: nothing."""

    def _variables(self, role):
        return getattr(self, role).trainable_variables

    def phase_variables(self, phase, role):
        """The variables of ``role`` that ``phase`` trains (default: all its trainable ones;
        pix2pixHD's first epochs train only the local enhancer's)."""
        return self._variables(role)

    def run_phase(self, phase, inputs, draw):
        """Runs one phase: loss, gradients, each role's optimizer, gates, EMA, hooks.

        Returns the phase's logs (zeros on a step where a scheduled phase does not run) and
        whether it ran (``None`` when it always runs)."""
        roles = phase.update
        variables = [self.phase_variables(phase, r) for r in roles]
        optimizers = {r: self.optimizers[phase.optimizer_key(r)] for r in roles}

        def compute():
            # Only the updated roles' variables are watched, so a D phase does not record
            # G's forward pass (same gradients, less memory).
            with tf.GradientTape(persistent=len(roles) > 1, watch_accessed_variables=False) as tape:
                for v in variables:
                    tape.watch([x.value if isinstance(x, keras.Variable) else x for x in v])
                out = getattr(self, phase.loss)(inputs, draw)
                if not isinstance(out, PhaseOutput):
                    raise TypeError(f"Phase {phase.name!r}: {phase.loss}() must return a PhaseOutput.")
                losses = out.loss if isinstance(out.loss, dict) else {r: out.loss for r in roles}
                # Mixed float16: each role's loss scaled by its own optimizer's loss scale,
                # inside the tape (the optimizer unscales, and skips steps with inf / NaN).
                losses = {r: optimizers[r].scale_loss(tf.cast(losses[r], tf.float32))
                          if isinstance(optimizers[r], keras.optimizers.LossScaleOptimizer)
                          else losses[r] for r in roles}
            # One gradient call per distinct loss tensor, over the variables of every role it
            # trains (CycleGAN's two generators share one loss, its two discriminators another).
            groups = {}
            for index, role in enumerate(roles):
                groups.setdefault(id(losses[role]), []).append(index)
            grads = [None] * len(roles)
            for indices in groups.values():
                flat = tape.gradient(losses[roles[indices[0]]], [x for i in indices for x in variables[i]])
                start = 0
                for i in indices:
                    grads[i] = flat[start : start + len(variables[i])]
                    start += len(variables[i])
            del tape
            return grads, dict(out.logs), dict(out.gates or {})

        active = None
        if phase.scheduled:
            active = phase.active(self._step_counter)
            # Trace once to learn the structure of the outputs for the skip branch.
            holder = {}

            def run():
                grads, logs, gates = compute()
                holder["keys"] = (list(logs), list(gates))
                # Dense (an embedding's IndexedSlices cannot pass tf.cond).
                grads = [[tf.zeros_like(x) if g is None else tf.convert_to_tensor(g) for g, x in zip(gs, v)]
                         for gs, v in zip(grads, variables)]
                return grads, logs, gates

            def skip():
                grads = [[tf.zeros_like(x) for x in v] for v in variables]
                logs_keys, gate_keys = holder["keys"]
                return grads, {k: tf.zeros([]) for k in logs_keys}, {k: tf.constant(False) for k in gate_keys}

            grads, logs, gates = tf.cond(active, run, skip)
            gates = {r: tf.logical_and(active, gates[r]) if r in gates else active for r in roles}
        else:
            grads, logs, gates = compute()

        saved = {}
        for role in gates:
            state = self._variables(role) + list(optimizers[role].variables)
            saved[role] = (state, distributed.read_values(state))
        for role, gs, v in zip(roles, grads, variables):
            optimizers[role].apply_gradients(zip(gs, v))
        for role in roles:
            if role in saved:
                state, values = saved[role]
                distributed.restore_unless(gates[role], state, values)
        for role in roles:
            if role in self.ema_decays:
                decay = self.ema_decays[role]
                if active is not None:  # a scheduled phase moves the EMA only when it runs
                    decay = tf.where(active, decay, 1.0)
                ema = self.ema_network(role)
                distributed.ema_update(ema.weights, getattr(self, role).weights, decay)
        self.after_update(phase, inputs)
        return logs, active

    def update(self, phase, inputs, draw=0):
        """Runs the phase named ``phase`` once on explicit ``inputs`` (what
        :meth:`phase_inputs` would give), outside ``fit``: for tests and custom loops.
        Returns the phase's logs. Trackers are not updated."""
        phases = {p.name: p for p in self.phases}
        if phase not in phases:
            raise ValueError(f"Unknown phase {phase!r}; this model's phases are {list(phases)}.")
        if not self.optimizers:
            raise RuntimeError("Call compile() before update().")
        logs, _ = self.run_phase(phases[phase], inputs, draw)
        return logs

    def train_step(self, data):
        if not self.optimizers:
            raise RuntimeError("Call compile() before fit().")
        batch = self.unpack_batch(data)
        results = []
        for phase in self.phases:
            for index in range(phase.repeat):
                logs, active = self.run_phase(phase, self.phase_inputs(phase, batch, index), index)
            results.append((logs, active))  # a repeated phase logs its last repetition
        for logs, active in results:
            weight = None if active is None else tf.cast(active, tf.float32)
            for name, value in logs.items():
                if name not in self._trackers:
                    raise KeyError(
                        f"A phase logs {name!r}, which has no tracker; call "
                        f"self.add_tracker({name!r}) in __init__ (trackers: {list(self._trackers)})."
                    )
                self._trackers[name].update_state(value, sample_weight=weight)
        if self._step_counter is not None:
            distributed.increment(self._step_counter)
        return {m.name: m.result() for m in self.metrics}


def checked_images(images, what="images"):
    """``images`` as a float tensor, after checking they look like images in [-1, 1]: an
    integer dtype (uint8 pixels) is refused when the step is traced, and values beyond
    [-1.5, 1.5] (0..255 or 0..1-scaled pixels with a large range) fail the step with a message
    that says how to scale them. The check is one reduction per batch."""
    images = tf.convert_to_tensor(images)
    if images.dtype.is_integer or images.dtype == tf.bool:
        raise ValueError(
            f"{what} must be floats in [-1, 1]; received dtype {images.dtype.name} (uint8 pixels? "
            "use x / 127.5 - 1, as keras_gans.data.load does)."
        )
    if not images.dtype.is_floating:
        raise ValueError(f"{what} must be floats in [-1, 1]; received dtype {images.dtype.name}.")
    largest = tf.reduce_max(tf.abs(images))
    check = tf.debugging.Assert(largest <= 1.5, [
        f"{what} must be in [-1, 1] (uint8-scaled pixels? use x / 127.5 - 1); received values up to", largest])
    with tf.control_dependencies([check]):
        return tf.identity(images)


def non_negative_weight(name, value):
    """``value`` as a float after checking it is a non-negative number (a loss term's weight);
    a ``ValueError`` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name} must be a non-negative number; received {value!r}.")
    return float(value)
