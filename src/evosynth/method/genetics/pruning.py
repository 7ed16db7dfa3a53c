"""Pruning baselines at a given per-layer budget: "previous mask in, new mask out".

To ask whether evolutionary synthesis beats pruning, a baseline offspring gets exactly the
synapse count of a Darwin offspring in every layer (its *budget*) and the same training;
only the choice of which synapses survive differs:

* ``magnitude``: the largest ``|w|`` of the parent's alive synapses (iterative magnitude
  pruning, Han et al. 2015; with the ``rewind`` init mode it is the lottery ticket of Frankle
  and Carbin 2019);
* ``random``: alive synapses drawn uniformly at random (a seeded CPU generator).

Every strategy returns a subset of the parent's mask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn

from ...hparams import check_word
from .masks import MaskError, Masks, synaptic_parameters

Scorer = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def _magnitude(weight: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return weight.abs()


def _random(weight: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(weight.shape, generator=generator, dtype=torch.float32)


PRUNING_METHODS: dict[str, Scorer] = {"magnitude": _magnitude, "random": _random}


def layer_budget(masks: Mapping[str, torch.Tensor]) -> dict[str, int]:
    """Alive synapses per layer: the budget a baseline offspring gets from a Darwin one."""
    return {name: int(mask.sum()) for name, mask in masks.items()}


def prune_to_budget(model: nn.Module, masks: Mapping[str, torch.Tensor] | None,
                    budget: Mapping[str, int], method: str,
                    generator: torch.Generator | None = None) -> Masks:
    """Keep exactly ``budget[layer]`` of the parent's alive synapses in every layer.

    Args:
        model: the trained parent (its Conv and Linear ``weight`` tensors are its synapses).
        masks: the parent's masks (``None``: every synapse alive).
        budget: synapses to keep per layer, keyed like the masks; at most the parent's alive
            count of that layer.
        method: ``"magnitude"`` (largest ``|w|``) or ``"random"`` (uniform).
        generator: a seeded CPU ``torch.Generator`` (used by ``random``; ties in
            ``magnitude`` are broken by position).
    """
    check_word("pruning method", method, sorted(PRUNING_METHODS))
    parent = Masks(masks) if masks is not None else Masks.ones_like(model)
    parent.check_fits(model)
    if set(budget) != set(parent):
        raise MaskError(f"budget layers {sorted(budget)} do not match the network's synaptic "
                        f"layers {sorted(parent)}")
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    score = PRUNING_METHODS[method]
    offspring = {}
    for name, weight in synaptic_parameters(model):
        alive = parent[name]
        keep = budget[name]
        if not isinstance(keep, int) or isinstance(keep, bool) or not 0 <= keep <= int(alive.sum()):
            raise MaskError(f"budget of {name} must be an integer in [0, {int(alive.sum())}] "
                            f"(its alive synapses), got {keep!r}")
        scores = score(weight.detach().to("cpu", torch.float32), generator).flatten()
        scores = scores.masked_fill(~alive.flatten(), -1.0)  # dead synapses never come back
        child = torch.zeros(alive.numel(), dtype=torch.bool)
        if keep:
            child[torch.topk(scores, keep, sorted=False).indices] = True
        offspring[name] = child.view_as(alive)
    return Masks(offspring)
