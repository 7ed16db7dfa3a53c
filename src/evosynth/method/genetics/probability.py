"""The synaptic probability model: the network's "DNA" (heredity).

One formula, :func:`heredity`, turns a strength into a survival probability,
``exp(strength / Z - 1)`` capped at 1; it serves synapses (strength ``|w|``, here) and synaptic
clusters (strength: a filter's mean ``|w|``, :mod:`evosynth.method.genetics.clusters`) alike.
"""

from __future__ import annotations

import math
from typing import Literal

import torch

from ...hparams import NORMALIZATIONS, check_word

Normalization = Literal[NORMALIZATIONS]


def check_normalization(normalization: str) -> str:
    """``normalization`` if it is a word of :data:`~evosynth.hparams.NORMALIZATIONS`; the one
    check of every module that takes a normaliser."""
    return check_word("normalization", normalization, NORMALIZATIONS)


def heredity(strength: torch.Tensor, z: float) -> torch.Tensor:
    """``exp(strength / Z - 1)``, capped at 1, in float64: the probability that a unit of
    heredity (a synapse, a cluster) of the given strength is passed on. ``Z <= 0`` (every
    strength zero) gives every unit ``1/e``."""
    ratio = strength / z if z > 0 else torch.zeros_like(strength)
    return torch.exp(ratio - 1.0).clamp_(max=1.0)


def synapse_probability(weight: torch.Tensor, alive: torch.Tensor | None = None,
                        normalization: Normalization = "layer",
                        z: float | None = None) -> torch.Tensor:
    """Synaptic probability ``P(s | w) = exp(|w| / Z - 1)`` of every synapse of one layer.

    Args:
        weight: the trained parent weights of one layer (any shape).
        alive: boolean mask of the same shape; synapses dead in the parent get
            probability exactly 0. ``None`` means all alive.
        normalization: ``"layer"``: Z is the largest ``|w|`` over the alive synapses of this
            layer, so the layer's strongest synapse has probability 1 and a near-zero one
            1/e. ``"global"``: Z is the largest ``|w|`` over the whole network; it must then be
            passed as ``z``: the largest alive ``|w|`` of the network
            (:func:`~evosynth.method.genetics.synthesis.synaptic_probabilities` computes it).
        z: an explicit normaliser Z > 0 (overrides the layer maximum).

    Returns:
        A float tensor of the same shape as ``weight``, values in [0, 1] for alive synapses
        (in [1/e, 1] when Z is the layer maximum) and 0 for dead ones. If every alive
        weight is exactly zero (Z = 0), every alive synapse gets 1/e.
    """
    check_normalization(normalization)
    if normalization == "global" and z is None:
        raise ValueError("normalization='global' needs the network-wide maximum |w| as z; "
                         "call evosynth.synaptic_probabilities(model, masks, 'global')")
    magnitude = weight.detach().abs().to(torch.float64)
    if alive is None:
        alive = torch.ones_like(magnitude, dtype=torch.bool)
    elif alive.shape != weight.shape:
        raise ValueError(f"alive mask has shape {tuple(alive.shape)}, weight has shape "
                         f"{tuple(weight.shape)}")
    alive = alive.to(device=magnitude.device, dtype=torch.bool)
    magnitude = torch.where(alive, magnitude, torch.zeros_like(magnitude))
    if z is None:
        z = float(magnitude.max()) if magnitude.numel() else 0.0
    elif not (isinstance(z, (int, float)) and math.isfinite(z) and z >= 0):
        raise ValueError(f"z must be a finite number >= 0, got {z!r}")
    probability = heredity(magnitude, z)
    return torch.where(alive, probability, torch.zeros_like(probability)).to(torch.float32)
