"""Masks: which synapses of a network are alive.

A mask set is kept apart from the model (as in open_lth): one boolean tensor per
synapse-bearing parameter, checked when it is created and when it meets a model.
Applying masks zeroes dead weights and their gradients, so that dead synapses stay
exactly zero through any number of optimizer steps, while the model's ``state_dict``
keeps its usual keys (the masks are saved beside it, not baked into renamed keys).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch import nn

#: Module types whose ``weight`` holds synapses (every weight is one synapse).
SYNAPTIC_MODULES: tuple[type[nn.Module], ...] = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear,
                                                 nn.ConvTranspose1d, nn.ConvTranspose2d,
                                                 nn.ConvTranspose3d)


def synaptic_parameters(model: nn.Module) -> Iterator[tuple[str, nn.Parameter]]:
    """Yield ``(name, weight)`` for every Conv and Linear layer of ``model``, in module order.

    Biases are not synapses (the paper counts connections between neurons).
    """
    for module_name, module in model.named_modules():
        if isinstance(module, SYNAPTIC_MODULES) and isinstance(module.weight, torch.Tensor):
            yield (f"{module_name}.weight" if module_name else "weight"), module.weight


class MaskError(ValueError):
    """A mask set does not fit a model, or is malformed."""


class Masks(dict[str, torch.Tensor]):
    """Alive synapses of a network: ``{parameter name: torch.BoolTensor}``.

    A plain ``dict`` subclass, so it can be used wherever a mapping of boolean tensors is
    expected. Every value is checked to be a boolean tensor on creation.
    """

    def __init__(self, masks: Mapping[str, torch.Tensor] | None = None) -> None:
        super().__init__()
        for name, mask in (masks or {}).items():
            if not isinstance(mask, torch.Tensor):
                raise MaskError(f"mask {name!r} must be a torch.Tensor, got {type(mask).__name__}")
            if mask.dtype != torch.bool:
                raise MaskError(f"mask {name!r} must have dtype torch.bool, got {mask.dtype}")
            self[name] = mask.detach().to("cpu")

    # -- construction -------------------------------------------------------------------
    @classmethod
    def ones_like(cls, model: nn.Module) -> Masks:
        """Every synapse of ``model`` alive (the ancestor's mask)."""
        return cls({name: torch.ones_like(w, dtype=torch.bool, device="cpu")
                    for name, w in synaptic_parameters(model)})

    @classmethod
    def from_state_dict(cls, state: Mapping[str, Any]) -> Masks:
        """Rebuild masks saved with :meth:`state_dict`."""
        return cls({name: torch.as_tensor(m).bool() for name, m in state.items()})

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Plain tensors for ``torch.save`` (loadable with ``weights_only=True``)."""
        return {name: m.clone() for name, m in self.items()}

    # -- checks -------------------------------------------------------------------------
    def check_fits(self, model: nn.Module) -> None:
        """Raise :class:`MaskError` unless these masks cover exactly the synapses of ``model``."""
        params = dict(synaptic_parameters(model))
        missing = sorted(set(params) - set(self))
        extra = sorted(set(self) - set(params))
        if missing or extra:
            raise MaskError(
                f"masks do not fit the model: missing masks for {missing or 'none'}, "
                f"masks for unknown parameters {extra or 'none'}")
        for name, weight in params.items():
            if tuple(self[name].shape) != tuple(weight.shape):
                raise MaskError(f"mask {name!r} has shape {tuple(self[name].shape)}, "
                                f"but the parameter has shape {tuple(weight.shape)}")

    def is_subset_of(self, other: Mapping[str, torch.Tensor]) -> bool:
        """True when every synapse alive here is alive in ``other`` (offspring ⊆ parent)."""
        return set(self) == set(other) and all(
            not bool((m & ~other[n].to(m.device)).any()) for n, m in self.items())

    # -- accounting ---------------------------------------------------------------------
    def count(self) -> int:
        """Number of alive synapses."""
        return int(sum(int(m.sum()) for m in self.values()))

    def total(self) -> int:
        """Number of synapses, alive or dead."""
        return int(sum(m.numel() for m in self.values()))

    # -- applying to a model --------------------------------------------------------------
    @torch.no_grad()
    def apply_(self, model: nn.Module) -> nn.Module:
        """Zero the weights of dead synapses in place; returns ``model``."""
        self.check_fits(model)
        for name, weight in synaptic_parameters(model):
            weight.mul_(self[name].to(device=weight.device, dtype=weight.dtype))
        return model

    def attach(self, model: nn.Module) -> MaskHandle:
        """Apply the masks and keep dead synapses at zero during training.

        Dead weights are zeroed now, and a hook zeroes their gradients in place once they are
        accumulated (before the optimizer reads them), so that no optimizer state (momentum,
        Adam moments) builds up for them. Call
        ``handle.enforce()`` after each optimizer step (``evosynth.method.training.train`` does): it
        re-zeroes dead weights, which keeps them exactly zero even under decoupled weight
        decay or any update that does not go through the gradient. ``handle.remove()``
        detaches the hooks.
        """
        self.apply_(model)
        pairs = []
        for name, weight in synaptic_parameters(model):
            keep = self[name].to(device=weight.device, dtype=weight.dtype)
            pairs.append((weight, keep,
                          weight.register_post_accumulate_grad_hook(_zero_dead_grad(keep))))
        return MaskHandle(pairs)

    def __repr__(self) -> str:
        return f"Masks({len(self)} layers, {self.count():,}/{self.total():,} synapses alive)"


def _zero_dead_grad(keep: torch.Tensor):
    """A post-accumulate-grad hook: multiply the accumulated gradient by ``keep`` in place
    (no new tensor per step; the same values as returning ``grad * keep`` from a gradient
    hook)."""
    def hook(weight: torch.Tensor) -> None:
        if weight.grad is not None:
            weight.grad.mul_(keep)
    return hook


class MaskHandle:
    """Gradient hooks installed by :meth:`Masks.attach`, and the masks on the model's device."""

    def __init__(self, pairs: list[tuple[torch.Tensor, torch.Tensor, Any]]) -> None:
        self._pairs = pairs

    @torch.no_grad()
    def enforce(self) -> None:
        """Zero every dead weight again (call after each optimizer step)."""
        for weight, keep, _ in self._pairs:
            weight.mul_(keep)

    def remove(self) -> None:
        """Detach the gradient hooks."""
        for _, _, hook in self._pairs:
            hook.remove()
        self._pairs = []
