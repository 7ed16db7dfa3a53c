"""Checkpoints: a network's weights and masks, written atomically (the same bytes for the same
tensors, so DVC's hashes are stable) and loaded safely (``torch.load(..., weights_only=True)``).
"""

from __future__ import annotations

import dataclasses
import io
import os
import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .atomic import atomic_path
from .genetics import Masks
from .models import SaliencyNet, SaliencyNetConfig

_PLAIN = (bool, int, float, str, type(None), torch.Tensor)


def _check_plain(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _check_plain(v, f"{where}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_plain(v, f"{where}[{i}]")
    elif not isinstance(value, _PLAIN):
        raise TypeError(f"checkpoint entry {where!r} is a {type(value).__name__}; only numbers, "
                        "strings, tensors, lists and dicts are saved (safe loading)")


def save_checkpoint(path: str | os.PathLike[str], model: nn.Module,
                    masks: Mapping[str, torch.Tensor] | None = None, **extra: Any) -> Path:
    """Save ``{"model": state_dict, "masks": masks, **extra}`` atomically.

    ``extra`` must hold plain data (numbers, strings, lists, dicts, tensors), so that the file
    loads with ``weights_only=True``.
    """
    for key, value in extra.items():
        _check_plain(value, key)
    state = {"model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
             "masks": Masks(masks).state_dict() if masks is not None else None, **extra}
    write_torch(path, state)
    return Path(path)


def write_torch(path: str | os.PathLike[str], obj: Any) -> Path:
    """``torch.save(obj)`` to ``path`` atomically, the same bytes for the same tensors.

    ``torch.save`` to a file names the archive inside after the file, which would be the
    temporary file's random name: saving through a buffer keeps the bytes, and so DVC's
    hashes, identical from run to run.
    """
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
    return Path(path)


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint`, safely (no arbitrary pickles)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        found = re.search(r"Unsupported (global|class)[^.]*", str(error))
        if found is None:
            raise ValueError(f"{path}: not a readable checkpoint (truncated, or not written by "
                             "torch.save)") from error
        raise ValueError(f"{path}: refused to load: the file holds Python objects other than "
                         "tensors and plain data, and evosynth loads checkpoints only with "
                         f"torch.load(..., weights_only=True) ({found.group(0)})") from error
    except Exception as error:
        raise ValueError(f"{path}: not a readable checkpoint ({error})") from error
    if not isinstance(state, dict) or not isinstance(state.get("model"), dict):
        raise ValueError(f"{path}: not an evosynth checkpoint (expected a dict with 'model' and "
                         f"'masks', got {type(state).__name__})")
    if state.get("masks") is not None:
        state["masks"] = Masks.from_state_dict(state["masks"])
    return state


def load_network(state: Mapping[str, Any], config: SaliencyNetConfig) -> SaliencyNet:
    """The :class:`~evosynth.SaliencyNet` of a loaded checkpoint, with its trained weights.

    ``config`` is the ancestor's :class:`~evosynth.SaliencyNetConfig`; a structured offspring's
    checkpoint also holds its ``channels`` (plain integers, so that it loads with
    ``weights_only=True``), and the network is rebuilt with them.
    """
    channels = state.get("channels")
    if channels is not None:
        config = dataclasses.replace(config, channels=tuple(int(c) for c in channels))
    network = SaliencyNet(config)
    network.load_state_dict(state["model"])
    return network
