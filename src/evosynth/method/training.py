"""Training and evaluating one saliency network, with its masks.

Seeded and deterministic on CPU, progress shown with tqdm, device chosen automatically
(CUDA, then Apple MPS, then CPU). Checkpoints are :mod:`evosynth.method.checkpoints`'.

Determinism: with the same seeds, two runs on the same CPU (same PyTorch build and thread
count) give bit-identical weights and losses: data order comes from a CPU
``torch.Generator`` and no data-loading workers are used. On CUDA the data order and the
initial weights are the same, but training is not bit-identical from run to run: cuDNN and
cuBLAS may pick non-deterministic kernels, and :func:`train` does not call
``torch.use_deterministic_algorithms``.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from .genetics import Masks
from ..hparams import OPTIMIZERS, PRECISIONS, SCHEDULES, TrainConfig  # noqa: F401 (re-exported)
from .metrics import SaliencyMetrics, SaliencyScores



#: Set to ``amx``, ``avx512_bf16`` or ``none`` to override what :func:`cpu_bf16` detects (to
#: test the fp32 path of ``precision: auto`` on a CPU that has bf16, or the reverse).
CPU_BF16_ENV = "EVOSYNTH_CPU_BF16"
CPU_BF16_KINDS = ("amx", "avx512_bf16", "none")


def cpu_bf16() -> str:
    """How this CPU does bf16 matrix products: ``amx`` (Intel AMX tiles), ``avx512_bf16``
    (AVX-512 BF16 instructions, e.g. AMD Zen 4), ``none`` (emulated: on an AVX2-only CPU a
    bf16 step took 13x as long as an fp32 one) or ``unknown``; ``$EVOSYNTH_CPU_BF16``
    overrides the detection. Machines that differ here round bf16 training differently, so
    runs are compared bit for bit only within one kind."""
    forced = os.environ.get(CPU_BF16_ENV)
    if forced:
        if forced not in CPU_BF16_KINDS:
            raise ValueError(f"${CPU_BF16_ENV} must be one of {', '.join(CPU_BF16_KINDS)}, "
                             f"got {forced!r}")
        return forced
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return "unknown"
    if "amx_bf16" in flags:
        return "amx"
    return "avx512_bf16" if "avx512_bf16" in flags else "none"


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` computes bf16 matrix products in hardware: a CUDA GPU that supports
    bf16, a CPU with AMX or AVX-512 BF16 (:func:`cpu_bf16`). MPS and other devices: no."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return cpu_bf16() in ("amx", "avx512_bf16")
    return False


def resolve_precision(precision: str, device: torch.device) -> str:
    """The precision a run uses: ``precision`` itself, or for ``auto`` ``bf16`` where
    :func:`native_bf16` and ``fp32`` elsewhere."""
    if precision == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    return precision


def autocast(device: torch.device, precision: str):
    """The forward pass's precision: nothing for ``fp32``, bfloat16 autocast for ``bf16``
    (``auto`` as :func:`resolve_precision` resolves it)."""
    if resolve_precision(precision, device) == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)


class PhaseClock:
    """Adds the wall time since the last lap to ``phases[name]`` (nothing when ``None``)."""

    def __init__(self, phases: dict[str, float] | None) -> None:
        self.phases, self.last = phases, 0.0

    def start(self) -> None:
        if self.phases is not None:
            self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        if self.phases is not None:
            now = time.perf_counter()
            self.phases[name] = self.phases.get(name, 0.0) + now - self.last
            self.last = now


@dataclass
class TrainResult:
    """What training produced besides the trained model.

    ``history`` holds one record per epoch: ``epoch``, ``train/loss`` (mean over the epoch),
    ``train/step_seconds`` (mean wall time of a step) and, when a ``validate`` function was
    given, its scores prefixed ``val/``.
    """

    losses: list[float] = field(default_factory=list)   # mean loss per epoch
    rewind_state: dict[str, torch.Tensor] | None = None
    device: str = "cpu"
    precision: str = "fp32"                               # the one that ran (never ``auto``)
    history: list[dict[str, float]] = field(default_factory=list)

#: Called after every epoch with that epoch's record (see :class:`TrainResult`), e.g. to log
#: it with dvclive (:func:`evosynth.method.records.live_log`).
EpochHook = Callable[[dict[str, float]], None]


def select_device(preference: str = "auto") -> torch.device:
    """``auto``: CUDA if available, then Apple MPS, then CPU; else the named device."""
    if preference != "auto":
        return torch.device(preference)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _optimizer(model: nn.Module, config: TrainConfig,
               device: torch.device) -> torch.optim.Optimizer:
    """The optimizer of ``config``. Adam and AdamW use PyTorch's fused kernel on CPU and CUDA
    (one pass over every parameter instead of a loop of small tensor operations: about a
    tenth of a training step on the 2-core machine, ``benchmarks/throughput.py``)."""
    params = model.parameters()
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum,
                               weight_decay=config.weight_decay)
    fused = True if device.type in ("cpu", "cuda") else None
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay,
                                 fused=fused)
    return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay, fused=fused)


def _schedule(optimizer: torch.optim.Optimizer, config: TrainConfig, total_steps: int):
    if config.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total_steps, 1))
    if config.schedule == "step":
        milestones = [total_steps // 2, (3 * total_steps) // 4]
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma=0.1)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)


def saliency_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on the logits of every pixel."""
    return F.binary_cross_entropy_with_logits(logits, target)


def train(model: nn.Module, dataset: Dataset, config: TrainConfig,
          masks: Mapping[str, torch.Tensor] | None = None, progress: bool = True,
          description: str = "train",
          loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = saliency_loss,
          validate: Callable[[nn.Module], Mapping[str, float]] | None = None,
          on_epoch: EpochHook | None = None,
          phases: dict[str, float] | None = None,
          ) -> TrainResult:
    """Train ``model`` in place on (input, target) pairs; dead synapses in ``masks`` stay zero.

    ``loss_fn(outputs, targets)`` defaults to the saliency loss (per-pixel binary
    cross-entropy); pass ``torch.nn.functional.cross_entropy`` for a classifier.
    ``validate(model)``, if given, scores the model (in eval mode, without gradients) after
    every epoch (training's data order has a generator of its own, so validating changes no
    training result). ``on_epoch(record)`` receives
    every epoch's record. ``phases``, if given, accumulates the wall time of every phase of
    training: data, forward (with the loss), backward, optimizer, masks, validation, other
    (``benchmarks/throughput.py`` reads it; on a GPU the phases overlap, as kernels run
    asynchronously). Returns the mean loss of every epoch, the per-epoch records and,
    when ``config.rewind_steps`` > 0, the weights after that many steps (for the ``rewind``
    init mode).
    """
    device = select_device(config.device)
    model.to(device)
    handle = Masks(masks).attach(model) if masks is not None else None
    order = torch.Generator().manual_seed(config.seed)
    loader = DataLoader(dataset, batch_size=config.batch_size, shuffle=True, generator=order,
                        num_workers=0, drop_last=len(dataset) > config.batch_size)
    optimizer = _optimizer(model, config, device)
    scheduler = _schedule(optimizer, config, config.epochs * len(loader))
    precision = resolve_precision(config.precision, device)
    result = TrainResult(device=str(device), precision=precision)
    clock = PhaseClock(phases)
    step = 0
    model.train()
    try:
        bar = tqdm(total=config.epochs * len(loader), desc=description, disable=not progress,
                   unit="step", leave=False, mininterval=5.0)
        for epoch in range(config.epochs):
            total, count, started = 0.0, 0, time.perf_counter()
            clock.start()
            for images, targets in loader:
                images, targets = images.to(device), targets.to(device)
                clock.lap("data")
                optimizer.zero_grad(set_to_none=True)
                with autocast(device, precision):
                    outputs = model(images)
                loss = loss_fn(outputs.float(), targets)   # the loss in fp32 in every precision
                clock.lap("forward")
                loss.backward()
                clock.lap("backward")
                optimizer.step()
                scheduler.step()
                clock.lap("optimizer")
                if handle is not None:
                    handle.enforce()
                    clock.lap("masks")
                step += 1
                if config.rewind_steps and step == config.rewind_steps:
                    result.rewind_state = {k: v.detach().cpu().clone()
                                           for k, v in model.state_dict().items()}
                total += loss.item() * len(images)
                count += len(images)
                bar.update(1)
                bar.set_postfix(loss=f"{total / count:.4f}", refresh=False)
                clock.lap("other")
            result.losses.append(total / max(count, 1))
            record = {"epoch": epoch + 1, "train/loss": result.losses[-1],
                      "train/step_seconds": (time.perf_counter() - started) / len(loader)}
            if validate is not None:
                model.eval()
                with torch.no_grad():
                    record.update({f"val/{k}": float(v) for k, v in validate(model).items()})
                model.train()
                clock.lap("validation")
            result.history.append(record)
            if on_epoch is not None:
                on_epoch(record)
        bar.close()
    finally:
        if handle is not None:
            handle.remove()
    model.eval()
    return result


@torch.no_grad()
def predict(model: nn.Module, dataset: Dataset, batch_size: int = 64,
            device: str = "auto") -> torch.Tensor:
    """Saliency maps (N, H, W) in [0, 1] for every image of ``dataset``, on the CPU."""
    dev = select_device(device)
    model.to(dev).eval()
    maps = [torch.sigmoid(model(images.to(dev))).squeeze(1).cpu()
            for images, _ in DataLoader(dataset, batch_size=batch_size)]
    return torch.cat(maps)


def evaluate(model: nn.Module, dataset: Dataset, batch_size: int = 64,
             device: str = "auto") -> SaliencyScores:
    """F-measure (adaptive and max), MAE and PR curves of ``model`` on ``dataset``."""
    metrics = SaliencyMetrics()
    dev = select_device(device)
    model.to(dev).eval()
    with torch.no_grad():
        for images, targets in DataLoader(dataset, batch_size=batch_size):
            metrics.update(torch.sigmoid(model(images.to(dev))).squeeze(1), targets.squeeze(1) > 0.5)
    return metrics.compute()
