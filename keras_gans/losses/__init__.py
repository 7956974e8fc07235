"""Losses: adversarial pairs, discriminator penalties, reconstruction and perceptual terms.

Everything is importable from ``keras_gans.losses`` directly, as before this
package was split (``from keras_gans import losses; losses.get("hinge")``):

* `adversarial`: the loss pairs ``<name>_generator_loss(fake_logits,
  real_logits=None)`` / ``<name>_discriminator_loss(real_logits, fake_logits)``
  (``minimax``, ``modified``, ``wasserstein``, ``least_squares``, ``hinge``,
  ``relativistic``, ``relativistic_average``), `LossPair` and `get(name)`. The
  names and ``label_smoothing`` follow TF-GAN; where TF-GAN's function of the
  same name differs (its ``minimax_generator_loss`` by a constant, its
  ``relativistic_*`` being our ``relativistic_average_*``) the docstring says so.
* `penalties`: `wasserstein_gradient_penalty` (WGAN-GP), `dragan_penalty`,
  `r1_penalty`, `r2_penalty` and the `WeightClip` constraint (WGAN).
* `reconstruction`: `l1`, `l2`, `feature_matching`, `cycle_consistency`,
  `identity`, `kl_divergence`; the `TERMS` registry and `get_term(name)`.
* `perceptual`: `vgg19_features` (a frozen VGG19 with its preprocessing
  inside) and `perceptual_loss`.

**Every loss returns a per-example vector of shape ``[batch]``**, not a scalar.
Models reduce it with ``tf.nn.compute_average_loss`` so that the loss is divided
by the *global* batch size and gradients are scaled correctly under
``tf.distribute`` strategies. Logits may have any shape ``[batch, ...]``
(``[B, 1]``, or ``[B, H, W, 1]`` for a PatchGAN map).

The penalties take ``critic_fn``, any callable that maps an image batch to
logits, and return unweighted per-example vectors; call them inside the tape
that records the critic's weights to differentiate through them.
"""

from keras_gans.losses import adversarial, penalties, perceptual, reconstruction
from keras_gans.losses.adversarial import (
    LossPair,
    esrgan_discriminator_loss,
    esrgan_generator_loss,
    get,
    hinge_discriminator_loss,
    hinge_generator_loss,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    minimax_discriminator_loss,
    minimax_generator_loss,
    modified_discriminator_loss,
    modified_generator_loss,
    relativistic_average_discriminator_loss,
    relativistic_average_generator_loss,
    relativistic_discriminator_loss,
    relativistic_generator_loss,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)
from keras_gans.losses.penalties import (
    WeightClip,
    dragan_penalty,
    r1_penalty,
    r2_penalty,
    wasserstein_gradient_penalty,
)
from keras_gans.losses.perceptual import (
    OFFICIAL_TORCHVISION_SCALE,
    PERCEPTUAL_SETTINGS,
    FeatureModel,
    VGGPreprocessing,
    contrastive_criterion,
    perceptual_loss,
    vgg19_features,
)
from keras_gans.losses.reconstruction import (
    TERMS,
    cycle_consistency,
    feature_matching,
    get_term,
    identity,
    kl_divergence,
    l1,
    l2,
    register_term,
)

__all__ = sorted(
    set(adversarial.__all__)
    | set(penalties.__all__)
    | set(reconstruction.__all__)
    | set(perceptual.__all__)
)
