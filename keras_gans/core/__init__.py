"""The model contract every family builds on: roles, optimizers, phases, replica-safe steps."""

from keras_gans.core.model import AdversarialModel
from keras_gans.core.phases import Phase, PhaseOutput

__all__ = ["AdversarialModel", "Phase", "PhaseOutput"]
