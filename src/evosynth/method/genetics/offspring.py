"""How an offspring's weights start before its newborn training.

Three modes in a small registry (:data:`INIT_MODES`); each sets the offspring network's
weights in place:

* ``newborn``: fresh random initialisation (the paper: offspring are trained "like a
  newborn"); only the architecture (the mask) is inherited.
* ``inherit``: the parent's trained weights of the surviving synapses.
* ``rewind``: the ancestor's weights from early in its training (lottery-ticket style).

In every mode the dead synapses are zeroed by the offspring's mask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn

from ...hparams import check_word
from .masks import Masks

InitMode = Callable[..., None]
INIT_MODES: dict[str, InitMode] = {}


def _register(name: str) -> Callable[[InitMode], InitMode]:
    def wrap(fn: InitMode) -> InitMode:
        INIT_MODES[name] = fn
        return fn
    return wrap


@_register("newborn")
def _newborn(model: nn.Module, *, seed: int, **_: object) -> None:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for module in model.modules():
            if hasattr(module, "reset_parameters") and module is not model:
                module.reset_parameters()


def _load(model: nn.Module, state: Mapping[str, torch.Tensor] | None, what: str) -> None:
    if state is None:
        raise ValueError(f"init mode needs {what}, got None")
    model.load_state_dict(state)


@_register("inherit")
def _inherit(model: nn.Module, *, parent_state: Mapping[str, torch.Tensor] | None = None,
             **_: object) -> None:
    _load(model, parent_state, "parent_state (the parent's trained state_dict)")


@_register("rewind")
def _rewind(model: nn.Module, *, rewind_state: Mapping[str, torch.Tensor] | None = None,
            **_: object) -> None:
    _load(model, rewind_state, "rewind_state (the ancestor's early state_dict)")


def init_offspring(model: nn.Module, masks: Mapping[str, torch.Tensor], mode: str, *,
                   seed: int = 0, parent_state: Mapping[str, torch.Tensor] | None = None,
                   rewind_state: Mapping[str, torch.Tensor] | None = None) -> nn.Module:
    """Initialise ``model`` (the offspring's network) in place and apply its masks.

    Args:
        model: a network with the ancestor's architecture.
        masks: the offspring's masks (from :func:`~evosynth.synthesize`).
        mode: ``"newborn"``, ``"inherit"`` or ``"rewind"``.
        seed: seed of the fresh initialisation (``newborn``).
        parent_state: the parent's trained ``state_dict`` (``inherit``).
        rewind_state: the ancestor's early ``state_dict`` (``rewind``).
    """
    check_word("init mode", mode, sorted(INIT_MODES))
    INIT_MODES[mode](model, seed=seed, parent_state=parent_state, rewind_state=rewind_state)
    Masks(masks).apply_(model)
    return model
