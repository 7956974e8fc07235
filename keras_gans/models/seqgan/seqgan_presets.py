"""Presets of SeqGAN (Yu, Zhang, Wang & Yu 2017), as the authors' TensorFlow code trains it
(LantaoYu/SeqGAN ``sequence_gan.py``).

``seqgan``: the synthetic-data experiment at the official sizes and schedule, counted in
training steps of batch 64 over the 10,000 oracle sequences (156 batches an epoch): 120 MLE
epochs (18,720 steps), D pre-trained 50 x 3 epochs over 10,000 real + 9,984 generated
sequences (312 batches of 64: 46,800 steps), then rounds of one policy-gradient update and
5 x 3 such D epochs (4,680 steps); 200 rounds officially (``SequenceGAN.total_steps(200)``).
``seqgan_mle``: the MLE baseline (same generator, maximum likelihood only).
``seqgan_fortunes``: the same recipe on word-level sentences of the Debian ``fortunes``
corpus (its vocabulary size is the data's; the zoo script sets it).
``seqgan_tiny``: for tests.
"""

from keras_gans.core.optimizers import adam_eps
from keras_gans.models.sequence import SequenceGAN
from keras_gans.networks.seqgan import seqgan_discriminator, seqgan_generator
from keras_gans.presets import registry_table, variant

NETWORKS = registry_table(seqgan_generator, seqgan_discriminator)
MODEL_CLASSES = registry_table(SequenceGAN)


def _generator_adam():
    # tf.train.AdamOptimizer(0.01) (betas 0.9 / 0.999, epsilon 1e-8) on gradients clipped to a
    # global norm of 5; one instance for MLE and a second for the policy gradient.
    spec = adam_eps(0.01, 0.9, 0.999, 1e-8)
    spec["config"]["global_clipnorm"] = 5.0
    return spec


_SEQGAN = {
    "metadata": {
        "paper": "Yu, Zhang, Wang & Yu 2017, SeqGAN: Sequence Generative Adversarial Nets with Policy "
                 "Gradient",
        "code": "LantaoYu/SeqGAN (sequence_gan.py, generator.py, discriminator.py, rollout.py, "
                "target_lstm.py)",
        "differences": "D's batches hold exactly half real, half generated sequences (the official "
                       "loader shuffles 10,000 real and 9,984 generated ones together) and the "
                       "negatives are drawn fresh for every D step (officially 10,000 are drawn, then "
                       "used for 3 epochs). Our oracle's weights are our own N(0, 1) draw (the "
                       "official ones come from save/target_params.pkl). The rollout network moves "
                       "towards G with rate 0.8 as update_params is written; in the official graph it "
                       "samples with G's current weights (see SequenceGAN). Trainable parameters: G "
                       "333,320, D 7,045,402, as the official code.",
    },
    "model_class": "SequenceGAN",
    "networks": {
        "generator": ("seqgan_generator", {"vocab_size": 5000, "embedding_dim": 32, "hidden_dim": 32,
                                           "sequence_length": 20}),
        "discriminator": ("seqgan_discriminator", {"vocab_size": 5000, "sequence_length": 20,
                                                   "embedding_dim": 64, "dropout": 0.25, "l2": 0.2}),
    },
    "model": {"pretrain_steps": 120 * 156, "discriminator_pretrain_steps": 50 * 3 * 312,
              "discriminator_steps": 5 * 3 * 312, "num_rollouts": 16, "rollout_update_rate": 0.8,
              "adversarial": True, "start_token": 0},
    "optimizers": {"generator": _generator_adam(), "generator_adversarial": _generator_adam(),
                   "discriminator": adam_eps(1e-4, 0.9, 0.999, 1e-8)},
    "data": {"format": "tokens", "dataset": "seqgan_oracle", "batch_size": 64, "image_shape": None},
}

PRESETS = {
    "seqgan": _SEQGAN,
    "seqgan_mle": variant(_SEQGAN, model={"adversarial": False}),
    "seqgan_tiny": variant(_SEQGAN, networks={
        "generator": {"vocab_size": 50, "embedding_dim": 8, "hidden_dim": 8, "sequence_length": 8},
        "discriminator": {"vocab_size": 50, "sequence_length": 8, "embedding_dim": 8,
                          "filter_sizes": (1, 2, 4), "num_filters": (4, 4, 4)}},
        model={"pretrain_steps": 4, "discriminator_pretrain_steps": 2, "discriminator_steps": 2,
               "num_rollouts": 2}),
}
PRESETS["seqgan_fortunes"] = variant(_SEQGAN, data={"dataset": "fortunes"})
