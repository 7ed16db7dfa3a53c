"""Random synthesis of offspring (mutation), from the parent's synaptic probability model
and the environmental factor model."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from .environment import Environment, as_environment
from .masks import Masks, synaptic_parameters
from .probability import Normalization, check_normalization, synapse_probability


def synaptic_probabilities(model: nn.Module, masks: Mapping[str, torch.Tensor] | None = None,
                           normalization: Normalization = "layer") -> dict[str, torch.Tensor]:
    """P(s | w) of every synapse of ``model`` (dead synapses in ``masks`` get 0).

    With ``normalization="global"`` one Z, the largest alive ``|w|`` of the whole network, is
    shared by all layers; with ``"layer"`` each layer has its own.
    """
    check_normalization(normalization)
    parent = Masks(masks) if masks is not None else Masks.ones_like(model)
    parent.check_fits(model)
    weights = {name: w.detach().to("cpu") for name, w in synaptic_parameters(model)}
    z = None
    if normalization == "global":
        z = max((float(w.abs().masked_fill(~parent[n], 0).max()) for n, w in weights.items()
                 if w.numel()), default=0.0)
    return {name: synapse_probability(w, parent[name], normalization, z=z)
            for name, w in weights.items()}


def check_generator(generator: torch.Generator) -> torch.Generator:
    """``generator`` if it is a CPU ``torch.Generator`` (so that a seed gives the same
    offspring on every device); else a clear error."""
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    if generator.device.type != "cpu":
        raise ValueError("generator must be a CPU torch.Generator, so that a seed gives the "
                         "same offspring on every device")
    return generator


def draw(probabilities: Mapping[str, torch.Tensor], factor: float,
         generator: torch.Generator) -> dict[str, torch.Tensor]:
    """The random synthesis itself: unit k survives when a uniform draw is below
    ``factor · p_k`` (one ``torch.rand`` per entry of ``probabilities``, in order)."""
    check_generator(generator)
    return {name: torch.rand(p.shape, generator=generator, dtype=torch.float32) < factor * p
            for name, p in probabilities.items()}


def synthesize(model: nn.Module, factor: float | Environment, generator: torch.Generator,
               masks: Mapping[str, torch.Tensor] | None = None,
               normalization: Normalization = "layer") -> Masks:
    """Synthesize one offspring architecture from a trained parent network.

    Each synapse k survives an independent Bernoulli draw with probability
    ``F(E) · P(s_k | w_k)``, where ``P(s | w) = exp(|w| / Z - 1)`` is the synaptic
    probability model of the parent (see :func:`synapse_probability`) and ``F(E)`` the
    environmental factor. Synapses dead in the parent stay dead, so the offspring is a
    subset of its parent.

    Args:
        model: the trained parent (its Conv and Linear ``weight`` tensors are its synapses).
        factor: F(E), a number in (0, 1], or an :class:`~evosynth.Environment`
            (``ConstantEnvironment``, ``BudgetEnvironment``).
        generator: a seeded CPU ``torch.Generator``; the same seed gives the same offspring.
        masks: the parent's masks (``None``: every synapse of the parent alive).
        normalization: ``"layer"`` (Z per layer, the default) or ``"global"`` (one Z).

    Returns:
        The offspring's :class:`~evosynth.Masks`, one ``torch.bool`` tensor per synaptic
        parameter, keyed by parameter name (e.g. ``"encoder.0.weight"``).

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> child = synthesize(parent, factor=0.7, generator=g)          # doctest: +SKIP
        >>> grandchild = synthesize(child_net, 0.7, g, masks=child)      # doctest: +SKIP
    """
    masks, _, _ = draw_synapses(model, factor, generator, masks, normalization)
    return masks


def draw_synapses(model: nn.Module, factor: float | Environment, generator: torch.Generator,
                  masks: Mapping[str, torch.Tensor] | None = None,
                  normalization: Normalization = "layer"
                  ) -> tuple[Masks, dict[str, torch.Tensor], float]:
    """:func:`synthesize`, with what the draw was made from: ``(offspring masks, P(s|w) of
    every synapse of the parent, F(E))``. The one synthesis path of the package."""
    check_generator(generator)
    environment = as_environment(factor)
    probabilities = synaptic_probabilities(model, masks, normalization)
    f = environment.factor(probabilities)
    return Masks(draw(probabilities, f, generator)), probabilities, f
