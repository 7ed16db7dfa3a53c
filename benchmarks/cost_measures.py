"""What a network really costs: parameters, FLOPs, bytes on disk and inference latency.

Fewer synapses in a dense tensor make no network faster or smaller on disk: the zeros are
still stored and multiplied. These functions measure the cost as hardware sees it, so that
the two synthesis modes can be compared (``benchmarks/cost.py`` runs them on every
generation):

* :func:`count_flops`: floating-point operations of one forward pass, counted by PyTorch's
  ``torch.utils.flop_counter.FlopCounterMode`` (a multiply-add is 2 FLOPs; convolutions and
  matrix products only: batch norm, activations, pooling and resampling are not counted);
  :func:`count_flops_nonzero`: the same for the alive synapses only, what a sparse kernel
  would need at best.
* :func:`dense_bytes`: the size of the ``state_dict`` written with ``torch.save``;
  :func:`sparse_bytes`: the size of a compressed sparse export (:func:`save_sparse`): every
  synaptic weight as a bit mask of its alive synapses (``numpy.packbits``) and the values of
  the alive ones, other tensors dense, in one ``numpy.savez_compressed`` file. Both are the
  bytes really written to a file.
* :func:`measure_latency`: median wall-clock time of a forward pass of several networks,
  measured *interleaved* (one pass of each network in turn, repeated), after a warm-up, so
  that a change of machine load during the run affects all of them alike.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from evosynth.method.genetics import Masks, count_parameters, synaptic_parameters


@torch.no_grad()
def count_flops(model: nn.Module, example: torch.Tensor) -> int:
    """FLOPs of ``model(example)`` as counted by ``FlopCounterMode`` (dense: zeros count)."""
    model.eval()
    with FlopCounterMode(display=False) as counter:
        model(example)
    return int(counter.get_total_flops())


@torch.no_grad()
def count_flops_nonzero(model: nn.Module, example: torch.Tensor) -> int:
    """FLOPs of the convolutions and linear layers counting only their non-zero synapses.

    ``2 x (non-zero weights) x (output positions)`` per layer: the work a perfect sparse
    kernel would do. Equals :func:`count_flops` for a network without zero weights (up to
    layers that ``FlopCounterMode`` counts and this does not).
    """
    sizes: dict[str, int] = {}
    hooks = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
            def hook(mod, _inputs, output, name=name):
                # output positions: (batch x spatial) for a convolution, all but the last
                # dimension for a linear layer; every output channel / unit at each of them
                # uses that channel's alive synapses once
                positions = output.shape[0] * output[0, 0].numel() \
                    if isinstance(mod, nn.modules.conv._ConvNd) else output.shape[:-1].numel()
                sizes[name] = sizes.get(name, 0) + positions
            hooks.append(module.register_forward_hook(hook))
    try:
        model.eval()
        model(example)
    finally:
        for h in hooks:
            h.remove()
    total = 0
    for name, module in model.named_modules():
        if name in sizes:
            total += 2 * int((module.weight != 0).sum()) * sizes[name]
    return total


def _file_size(write) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export"
        write(path)
        return os.path.getsize(path)


def dense_bytes(model: nn.Module) -> int:
    """Bytes of ``torch.save(model.state_dict())`` written to a file."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return _file_size(lambda path: torch.save(state, path))


def save_sparse(model: nn.Module, path: str | os.PathLike[str],
                masks: Mapping[str, torch.Tensor] | None = None) -> None:
    """Export ``model`` compressed and sparse (see the module's docstring); :func:`load_sparse`.

    A synapse is alive where ``masks`` says so (default: where its weight is non-zero).
    """
    synaptic = dict(synaptic_parameters(model))
    masks = Masks(masks) if masks is not None else Masks(
        {n: (w.detach() != 0).cpu() for n, w in synaptic.items()})
    arrays = {}
    for key, value in model.state_dict().items():
        value = value.detach().cpu()
        if key in synaptic:
            alive = masks[key].numpy()
            arrays[f"mask::{key}"] = np.packbits(alive.ravel())
            arrays[f"shape::{key}"] = np.asarray(value.shape, dtype=np.int64)
            arrays[f"alive::{key}"] = value.numpy()[alive]
        else:
            arrays[f"dense::{key}"] = value.numpy()
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays)


def load_sparse(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """The ``state_dict`` saved by :func:`save_sparse` (dead synapses as zeros)."""
    state = {}
    with np.load(path, allow_pickle=False) as data:
        for name in data.files:
            kind, key = name.split("::", 1)
            if kind == "dense":
                state[key] = torch.from_numpy(data[name].copy())
            elif kind == "mask":
                shape = tuple(int(s) for s in data[f"shape::{key}"])
                n = int(np.prod(shape))
                alive = np.unpackbits(data[name], count=n).astype(bool).reshape(shape)
                values = data[f"alive::{key}"]
                weight = np.zeros(shape, dtype=values.dtype)
                weight[alive] = values
                state[key] = torch.from_numpy(weight)
    return state


def sparse_bytes(model: nn.Module, masks: Mapping[str, torch.Tensor] | None = None) -> int:
    """Bytes of the compressed sparse export (:func:`save_sparse`) written to a file."""
    return _file_size(lambda path: save_sparse(model, path, masks))


@torch.inference_mode()
def measure_latency(models: Mapping[str, nn.Module], example: torch.Tensor, repeats: int = 30,
                    warmup: int = 5, device: str | torch.device = "cpu"
                    ) -> dict[str, dict[str, float]]:
    """Median (and quartiles) of the wall-clock time of ``model(example)``, in milliseconds.

    The networks are measured interleaved: ``warmup`` passes of each, then ``repeats`` rounds
    of one timed pass of each network in turn. On CUDA every pass is synchronised.
    ``cpu_median`` is the median CPU time of the process over a pass (all its threads): on a
    busy machine it shows the work done apart from the waiting, though with several threads
    it also counts their spinning while they wait for each other.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats must be >= 1 and warmup >= 0, got {repeats}, {warmup}")
    device = torch.device(device)
    example = example.to(device)
    for model in models.values():
        model.to(device).eval()
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for model in models.values():
        for _ in range(warmup):
            model(example)
    sync()
    times: dict[str, list[float]] = {name: [] for name in models}
    cpu: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            sync()
            start, start_cpu = time.perf_counter(), time.process_time()
            model(example)
            sync()
            times[name].append((time.perf_counter() - start) * 1e3)
            cpu[name].append((time.process_time() - start_cpu) * 1e3)
    out = {}
    for name, values in times.items():
        q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
        out[name] = {"median": statistics.median(values), "q1": q[0], "q3": q[2],
                     "cpu_median": statistics.median(cpu[name]), "repeats": len(values)}
    return out

