"""Tricks that change what the players are trained on, as objects any model with a
discriminator composes (seed 004's list): label flipping on D's (real, fake) pairs, Salimans
et al.'s feature matching and Metz et al.'s unrolling as G's objective.

The conventions the models share: D's input is an ``(image, condition)`` pair, where the
condition is ``None`` (unconditional D), class labels (CGAN) or a source image (Pix2Pix);
a model passes a ``critic(images, conditions)`` callable and the trick does the rest.
"""

import math
import numbers

import keras
import tensorflow as tf

from keras_gans.tricks import unrolled


def _rows(flags, like):
    """``flags`` ``[B]`` reshaped to broadcast over ``like`` ``[B, ...]``."""
    return tf.reshape(flags, tf.concat([[tf.shape(like)[0]], tf.ones([tf.rank(like) - 1], tf.int32)], 0))


def discriminator_layer(discriminator, name, option):
    """``discriminator.get_layer(name)``, or a ``ValueError`` naming ``option`` and listing the
    layers there are."""
    try:
        return discriminator.get_layer(name)
    except ValueError as err:
        names = [layer.name for layer in discriminator.layers]
        raise ValueError(
            f"{option}={name!r} is not a layer of the discriminator; its layers are {names}."
        ) from err


class LabelFlip:
    """Noisy labels (seed 004): each (real, fake) pair D sees swaps roles with probability
    ``probability``, drawn statelessly from the seed; the conditions swap with their images
    (a flipped pair is still one that belongs together)."""

    def __init__(self, probability):
        if (isinstance(probability, bool) or not isinstance(probability, numbers.Real)
                or not math.isfinite(probability) or not 0.0 <= probability < 0.5):
            raise ValueError(f"label_flip must be a probability in [0, 0.5); received {probability!r}.")
        self.probability = float(probability)

    def mask(self, batch, seed):
        """``[batch]`` booleans: the pairs to swap."""
        return tf.random.stateless_uniform([batch], seed) < self.probability

    def __call__(self, real, fake, seed, real_condition=None, fake_condition=None):
        """``(real, fake, real_condition, fake_condition)`` as D is shown them."""
        flip = self.mask(tf.shape(real)[0], seed)
        rows = _rows(flip, real)
        real_in, fake_in = tf.where(rows, fake, real), tf.where(rows, real, fake)
        if real_condition is not None and fake_condition is not None and real_condition is not fake_condition:
            cond = _rows(flip, real_condition)
            real_condition, fake_condition = (tf.where(cond, fake_condition, real_condition),
                                              tf.where(cond, real_condition, fake_condition))
        return real_in, fake_in, real_condition, fake_condition

    def __repr__(self):
        return f"LabelFlip({self.probability})"


class FeatureMatching:
    """Feature matching (Salimans et al. 2016) as G's objective:
    ``mean_k (E f_k(x) - E f_k(G(z)))^2`` over the features ``f`` of the discriminator layer
    ``layer`` (the official improved-gan code's ``loss_gen``), batch means per replica.

    ``features(discriminator)`` makes the feature network (D's inputs to that layer's
    output); make it once, when the model is built (in the strategy's scope)."""

    def __init__(self, layer):
        if not isinstance(layer, str) or not layer:
            raise ValueError(f"feature_matching_layer must be a layer name; received {layer!r}.")
        self.layer = layer

    def features(self, discriminator):
        layer = discriminator_layer(discriminator, self.layer, "feature_matching_layer")
        return keras.Model(discriminator.inputs, layer.output, name=f"{discriminator.name}_features")

    @staticmethod
    def loss(real_features, fake_features):
        """``(reported, replica loss)``: the loss, and the loss divided by the replica count
        (so that the gradients summed across replicas are their average)."""
        flat = lambda f: tf.reshape(f, [tf.shape(f)[0], -1])  # noqa: E731
        f_real = tf.stop_gradient(tf.reduce_mean(flat(real_features), 0))
        f_fake = tf.reduce_mean(flat(fake_features), 0)
        loss = tf.reduce_mean(tf.square(f_real - f_fake))
        return loss, loss / tf.distribute.get_strategy().num_replicas_in_sync

    def __repr__(self):
        return f"FeatureMatching({self.layer!r})"


class Unrolled:
    """Unrolled GAN (Metz et al. 2017): G's loss under the weights D would have after
    ``steps`` updates of its own optimizer on this batch, differentiated back to G through
    the unrolling (:mod:`keras_gans.tricks.unrolled`); D itself is not changed. With the
    minimax loss G minimises ``-L_D`` at the unrolled weights, real term included (through
    the unrolling it depends on G too), as the official notebook does; other losses use
    their G loss. D is unrolled on its plain loss: gradient penalties and weight clipping
    are not unrolled, so they do not combine with it."""

    def __init__(self, steps):
        if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
            raise ValueError(f"unrolled_steps must be an int >= 1; received {steps!r}.")
        self.steps = int(steps)

    def generator_loss(self, discriminator, optimizer, discriminator_loss, loss_name, loss_pair,
                       real_inputs, fake_inputs):
        """G's per-example loss; ``real_inputs`` / ``fake_inputs`` are D's inputs (an image
        batch or ``[image, condition]``) as D sees them."""
        weights = unrolled.unrolled_discriminator_weights(
            discriminator, optimizer, discriminator_loss, real_inputs, fake_inputs, self.steps)
        if loss_name == "minimax":
            loss_fn = lambda fake_logits, real_logits: -discriminator_loss(real_logits, fake_logits)  # noqa: E731
            needs_real = True
        else:
            loss_fn, needs_real = loss_pair.generator, loss_pair.generator_needs_real
        return unrolled.unrolled_generator_loss(
            discriminator, weights, loss_fn, fake_inputs, real_inputs if needs_real else None)

    def __repr__(self):
        return f"Unrolled({self.steps})"
