"""Synapse accounting: how many synapses and neurons are alive, per layer and in all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import torch
from torch import nn

from .masks import Masks, synaptic_parameters


@dataclass(frozen=True)
class LayerReport:
    """One synaptic layer: its synapses and its neurons (output channels / units)."""

    name: str
    shape: tuple[int, ...]
    synapses: int
    synapses_alive: int
    neurons: int
    neurons_alive: int

    @property
    def density(self) -> float:
        """Fraction of the layer's synapses alive."""
        return self.synapses_alive / self.synapses if self.synapses else 0.0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "shape": "x".join(map(str, self.shape)), "density": self.density}


def _alive_masks(model_or_masks: nn.Module | Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    if isinstance(model_or_masks, nn.Module):
        return {n: (w.detach() != 0).cpu() for n, w in synaptic_parameters(model_or_masks)}
    if isinstance(model_or_masks, Mapping):
        return dict(Masks(model_or_masks))
    raise TypeError("expected an nn.Module or a mapping of boolean masks, got "
                    f"{type(model_or_masks).__name__}")


def count_synapses(model_or_masks: nn.Module | Mapping[str, torch.Tensor]) -> int:
    """Number of alive synapses.

    For masks, the number of ``True`` entries. For a model, the number of non-zero weights of
    its Conv and Linear layers (dead synapses of a masked model are exactly zero; a trained or
    freshly initialised weight that happens to be exactly 0.0 counts as dead too, so for exact
    bookkeeping count the masks).
    """
    return int(sum(int(m.sum()) for m in _alive_masks(model_or_masks).values()))


def synapse_report(model_or_masks: nn.Module | Mapping[str, torch.Tensor]) -> list[LayerReport]:
    """Per-layer report: synapses, alive synapses, neurons and alive neurons.

    A neuron (an output channel of a convolution, an output unit of a linear layer) with no
    alive incoming synapse is dead. The first dimension of a weight indexes neurons, except
    for transposed convolutions, where it is the second.
    """
    rows = []
    transposed = set()
    if isinstance(model_or_masks, nn.Module):
        for module_name, module in model_or_masks.named_modules():
            if isinstance(module, nn.modules.conv._ConvTransposeNd):
                transposed.add(f"{module_name}.weight")
    for name, alive in _alive_masks(model_or_masks).items():
        per_neuron = alive.transpose(0, 1) if name in transposed else alive
        flat = per_neuron.reshape(per_neuron.shape[0], -1) if per_neuron.dim() else per_neuron
        rows.append(LayerReport(name=name, shape=tuple(alive.shape), synapses=alive.numel(),
                                synapses_alive=int(alive.sum()), neurons=int(flat.shape[0]),
                                neurons_alive=int(flat.any(dim=1).sum())))
    return rows


def count_parameters(model: nn.Module) -> int:
    """Every parameter of ``model`` (weights, biases, batch-norm scale and shift)."""
    return int(sum(p.numel() for p in model.parameters()))
