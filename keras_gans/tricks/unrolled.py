"""Unrolled discriminator updates for the generator's loss (Metz et al. 2017).

Unrolled GANs (Metz, Poole, Pfau & Sohl-Dickstein, "Unrolled Generative Adversarial
Networks", ICLR 2017) train the generator against a discriminator that is ``K`` optimiser
steps ahead of the real one:

    theta_D^0 = theta_D,   theta_D^{k+1} = theta_D^k + update(grad L_D(theta_D^k, theta_G))
    L_G = f(theta_G, theta_D^K(theta_G, theta_D))

and backpropagate through the ``K`` updates, so the generator "sees" how the discriminator
would react to it. The authors' public notebook (github poolio/unrolled_gan, "Unrolled GAN
demo.ipynb") builds the unrolled graph with ``graph_replace`` from the update ops of the
discriminator's own optimiser (Keras 1 ``Adam.get_updates``): the parameters, Adam's moments
and its step counter are all carried through the unrolled steps, every step sees the same real
batch and the same generated samples, the gradient flows back through the moments too, and
only the generator is updated from the unrolled loss (the real discriminator update is the
ordinary one).

This module does the same with functional updates and no graph surgery:

* the discriminator is evaluated with ``discriminator.stateless_call(values, ...)`` on
  tensors (its variables are never assigned), which TensorFlow's tape differentiates;
* Keras 3's own functional optimiser path, ``optimizer.stateless_apply``, cannot be used: on
  the TensorFlow backend it raises "stateless_apply is not supported with the TensorFlow
  backend (as it is incompatible with tf.distribute)" (checked on Keras 3.15). So the update
  rules of :class:`keras.optimizers.Adam` (with ``amsgrad``) and :class:`keras.optimizers.SGD`
  (with momentum / Nesterov) are written out here, term for term as in Keras 3's
  ``update_step``, starting from the optimiser's *current* state (moments, step counter,
  learning-rate schedule). Any other optimiser, and gradient clipping, weight decay, EMA or
  gradient accumulation, raise a ``ValueError``;
* the inner gradients are taken with a nested ``tf.GradientTape`` inside the caller's tape,
  so the caller's ``tape.gradient`` is the exact total derivative through the unrolling
  (second-order terms included, as in the paper).

Adam's ``sqrt(v)`` has an infinite derivative where ``v == 0`` (a weight whose gradient has
been exactly zero so far); its moment ``m`` is then zero too, so the upstream gradient is zero
and TensorFlow's ``SqrtGrad`` returns 0 there, not NaN (tested).

What the notebook does not have: under a ``tf.distribute`` strategy the unrolled
discriminator gradients are summed across replicas (``ReplicaContext.all_reduce``, which
TensorFlow differentiates), so every replica unrolls the same weights as one device fed the
global batch, as the real discriminator update does.

Example:

```python
from keras_gans import losses
from keras_gans.tricks import unrolled

with tf.GradientTape() as tape:
    fake = generator(z, training=True)
    weights = unrolled.unrolled_discriminator_weights(
        discriminator, d_optimizer, losses.minimax_discriminator_loss, real, fake, steps=5)
    per_example = unrolled.unrolled_generator_loss(
        discriminator, weights, lambda f, r: -losses.minimax_discriminator_loss(r, f),
        fake, real)
    loss = tf.nn.compute_average_loss(per_example)
grads = tape.gradient(loss, generator.trainable_variables)
```
"""

import numbers

import keras
import tensorflow as tf

__all__ = ["unrolled_discriminator_weights", "unrolled_generator_loss", "call_with_weights"]


def _check_steps(steps):
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"steps must be a non-negative int; received {steps!r}.")
    return int(steps)


def _check_optimizer(optimizer, variables):
    """Returns ``"adam"`` or ``"sgd"`` for an optimizer whose rule is written out here."""
    kind = {keras.optimizers.Adam: "adam", keras.optimizers.SGD: "sgd"}.get(type(optimizer))
    if kind is None:
        raise ValueError(
            "Unrolling needs the discriminator optimizer's update rule written as a function; "
            "supported: keras.optimizers.Adam (amsgrad too) and keras.optimizers.SGD (momentum, "
            f"nesterov). Received {type(optimizer).__name__}."
        )
    unsupported = {
        "clipnorm": optimizer.clipnorm,
        "clipvalue": optimizer.clipvalue,
        "global_clipnorm": optimizer.global_clipnorm,
        "weight_decay": optimizer.weight_decay,
        "gradient_accumulation_steps": optimizer.gradient_accumulation_steps,
        "loss_scale_factor": optimizer.loss_scale_factor,
    }
    unsupported = {k: v for k, v in unsupported.items() if v}
    if optimizer.use_ema:
        unsupported["use_ema"] = True
    if unsupported:
        raise ValueError(
            "Unrolling supports the plain Adam / SGD update only; received a "
            f"{type(optimizer).__name__} with {unsupported} (expected these unset)."
        )
    if not optimizer.built:
        raise ValueError(
            "d_optimizer is not built: call d_optimizer.build(discriminator.trainable_variables) "
            "(GAN.compile does) before unrolling."
        )
    try:
        indices = [optimizer._get_variable_index(v) for v in variables]
    except KeyError as err:
        raise ValueError(
            "d_optimizer was not built on the discriminator's trainable variables; received an "
            "optimizer built on other variables."
        ) from err
    return kind, indices


def _learning_rate(optimizer, step):
    """The rate Keras would use at ``optimizer.iterations + step`` (schedules included)."""
    rate = optimizer._learning_rate
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        return rate(optimizer.iterations + step)
    if isinstance(rate, keras.Variable):
        return rate.value
    if callable(rate):
        return rate()
    return rate


def _value(variable):
    """The current value of a (Keras or TF) variable as a tensor."""
    if isinstance(variable, keras.Variable):
        variable = variable.value
    return tf.convert_to_tensor(variable)


def call_with_weights(discriminator, trainable_values, inputs, non_trainable_values=None,
                      training=True, return_state=False):
    """The discriminator's logits with its trainable variables replaced by ``trainable_values``.

    Calls ``discriminator.stateless_call`` (no variable is assigned; BatchNorm statistics and
    dropout seed state come back as the new non-trainable values when ``return_state``).

    Args:
        discriminator: a built ``keras.Model``.
        trainable_values: tensors in the order of ``discriminator.trainable_variables``.
        inputs: the discriminator's input (any structure it accepts).
        non_trainable_values: values for ``discriminator.non_trainable_variables``; their
            current values when ``None``.
        training: passed to the call (dropout, batch statistics).
        return_state: also return ``(non_trainable_values, regularization losses)``.
    """
    if non_trainable_values is None:
        non_trainable_values = [_value(v) for v in discriminator.non_trainable_variables]
    logits, new_state, reg_losses = discriminator.stateless_call(
        list(trainable_values), list(non_trainable_values), inputs, training=training,
        return_losses=True,
    )
    return (logits, new_state, reg_losses) if return_state else logits


def unrolled_discriminator_weights(discriminator, d_optimizer, loss_fn, real, fake, steps,
                                   training=True):
    """The discriminator's trainable values after ``steps`` functional optimiser updates.

    Each step takes the gradient of the discriminator loss

        L = sum_i loss_fn(D(real)_i, D(fake)_i) / global_batch  (+ regularisers / replicas),

    the same reduction as ``GAN._replica_loss`` (``tf.nn.compute_average_loss``), summed across
    replicas under a strategy, and applies ``d_optimizer``'s update rule (Adam or SGD) to
    tensors, starting from the optimiser's current moments, step counter and learning rate.
    Every step uses the same ``real`` and ``fake`` batches, as the paper's notebook does. The
    result stays connected to ``fake`` (and so to the generator's weights) through every
    step; call this inside the generator's ``tf.GradientTape``. Neither the discriminator's
    nor the optimiser's variables are changed.

    Args:
        discriminator: the built discriminator ``keras.Model``.
        d_optimizer: its built ``keras.optimizers.Adam`` or ``keras.optimizers.SGD``.
        loss_fn: per-example discriminator loss ``(real_logits, fake_logits) -> [B]``, e.g.
            ``losses.minimax_discriminator_loss`` (wrap it to pass label smoothing).
        real: a batch of real data.
        fake: a batch of generated data (keep its gradient path to the generator).
        steps: number of unrolled updates ``K`` (0 returns the current values; the authors'
            notebook uses 5).
        training: the discriminator's ``training`` flag in the unrolled calls.

    Returns:
        A list of tensors, one per ``discriminator.trainable_variables`` entry.

    Raises:
        ValueError: for a negative ``steps``, an unsupported or unbuilt optimiser.
    """
    steps = _check_steps(steps)
    variables = discriminator.trainable_variables
    values = [_value(v) for v in variables]
    if steps == 0:
        return values
    kind, indices = _check_optimizer(d_optimizer, variables)
    opt = d_optimizer
    state = [_value(v) for v in discriminator.non_trainable_variables]
    if kind == "adam":
        m = [_value(opt._momentums[i]) for i in indices]
        v = [_value(opt._velocities[i]) for i in indices]
        v_hat = [_value(opt._velocity_hats[i]) for i in indices] if opt.amsgrad else None
    else:
        m = [_value(opt.momentums[i]) for i in indices] if opt.momentum != 0 else None
    context = tf.distribute.get_replica_context()
    sync = context is not None and context.num_replicas_in_sync > 1

    for step in range(steps):
        with tf.GradientTape() as tape:
            tape.watch(values)
            real_logits, state_after_real, reg = call_with_weights(
                discriminator, values, real, state, training, return_state=True)
            fake_logits, state, _ = call_with_weights(
                discriminator, values, fake, state_after_real, training, return_state=True)
            per_example = loss_fn(real_logits, fake_logits)
            loss = tf.nn.compute_average_loss(per_example)
            if reg:
                loss += tf.nn.scale_regularization_loss(tf.add_n(reg))
        grads = tape.gradient(loss, values)
        grads = [tf.zeros_like(x) if g is None else g for g, x in zip(grads, values)]
        if sync:
            grads = context.all_reduce(tf.distribute.ReduceOp.SUM, grads)
        lr = _learning_rate(opt, step)
        new_values = []
        if kind == "adam":
            for j, (x, g) in enumerate(zip(values, grads)):
                dtype = x.dtype
                g = tf.cast(g, dtype)
                local_step = tf.cast(opt.iterations + 1 + step, dtype)
                # Constants cast exactly as Keras' Adam.update_step casts them.
                b1, b2 = tf.cast(opt.beta_1, dtype), tf.cast(opt.beta_2, dtype)
                alpha = tf.cast(lr, dtype) * tf.sqrt(1 - tf.pow(b2, local_step)) / (
                    1 - tf.pow(b1, local_step))
                m[j] = m[j] + (g - m[j]) * (1 - opt.beta_1)
                v[j] = v[j] + (tf.square(g) - v[j]) * (1 - opt.beta_2)
                denom_v = v[j]
                if v_hat is not None:
                    v_hat[j] = tf.maximum(v_hat[j], v[j])
                    denom_v = v_hat[j]
                new_values.append(x - m[j] * alpha / (tf.sqrt(denom_v) + opt.epsilon))
        else:
            for j, (x, g) in enumerate(zip(values, grads)):
                dtype = x.dtype
                g = tf.cast(g, dtype)
                rate = tf.cast(lr, dtype)
                if m is None:
                    new_values.append(x - g * rate)
                    continue
                momentum = tf.cast(opt.momentum, dtype)
                m[j] = m[j] * momentum - g * rate
                step_j = m[j] * momentum - g * rate if opt.nesterov else m[j]
                new_values.append(x + step_j)
        values = new_values
    return values


def unrolled_generator_loss(discriminator, trainable_values, loss_fn, fake, real=None,
                            training=True):
    """A per-example generator loss with the discriminator at ``trainable_values``.

    Args:
        discriminator: the discriminator ``keras.Model``.
        trainable_values: e.g. the result of :func:`unrolled_discriminator_weights`.
        loss_fn: ``(fake_logits, real_logits) -> [B]``, the signature of the generator
            losses in :mod:`keras_gans.losses`. The paper's objective for the minimax game is
            the negated discriminator loss, ``lambda f, r: -minimax_discriminator_loss(r, f)``
            with ``real`` given: through the unrolled weights the real-data term depends on
            the generator too.
        fake: generated batch (with its gradient path).
        real: real batch, or ``None`` when ``loss_fn`` does not use real logits.
        training: the discriminator's ``training`` flag.

    Returns:
        The per-example loss ``[B]``.
    """
    fake_logits = call_with_weights(discriminator, trainable_values, fake, training=training)
    real_logits = None
    if real is not None:
        real_logits = call_with_weights(discriminator, trainable_values, real, training=training)
    return loss_fn(fake_logits, real_logits)
