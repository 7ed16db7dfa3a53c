"""What the main job will run, and about how long it will take on this machine.

Measured, not guessed: a few training steps of the ancestor's network (batch and image size of
``params.yaml``, the precision this machine runs: ``auto`` resolved), timed here, scaled by the
steps of each training stage that ``dvc repro`` would run (epochs times the batches of the
training split, plus a validation pass after every epoch and every population candidate).
Masked offspring cost what the dense network costs per step on a CPU. The stages that do not
train take what they took in the committed run (``benchmarks/results/stage_times.json``).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from .config import Params
from ..method.models import SaliencyNet
from ..method.training import autocast, cpu_bf16, resolve_precision, saliency_loss, select_device
from .cli import Command, arg, main

#: A validation pass over ``n`` images costs about this share of a training step per batch
#: (a forward pass without the backward pass and the optimizer).
VALIDATION_SHARE = 0.35
#: The default pipeline's stages in the order ``dvc repro`` runs them.
ORDER = ("prepare", "ancestor", "generation", "evaluate")


@dataclass(frozen=True)
class Step:
    """One measured training step: its mean seconds, the precision and device it ran on, and
    ``digest``, a fingerprint of the network's weights after the measured steps (equal on two
    machines only when they computed those steps bit for bit alike)."""

    seconds: float
    precision: str
    device: str
    cpu_bf16: str
    digest: str = ""


def measure_step(params: Params, steps: int = 3, warmup: int = 2,
                 precision: str | None = None) -> Step:
    """Time ``steps`` training steps (after ``warmup``) of the ancestor's network on random
    images, as :func:`evosynth.method.training.train` runs them, in ``precision`` (default: the
    ancestor's, ``auto`` resolved)."""
    train = params.ancestor.train
    device = select_device(train.device)
    precision = resolve_precision(precision or train.precision, device)
    size = params.prepare.image_size
    torch.manual_seed(0)
    model = SaliencyNet(params.ancestor.model.to_config()).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=train.lr,
                                 fused=device.type in ("cpu", "cuda"))
    images = torch.rand(train.batch_size, 3, size, size, device=device)
    targets = (torch.rand(train.batch_size, 1, size, size, device=device) > 0.5).float()
    seconds = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        with autocast(device, precision):
            out = model(images)
        saliency_loss(out.float(), targets).backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            seconds.append(time.perf_counter() - start)
    return Step(sum(seconds) / len(seconds), precision, str(device), cpu_bf16(),
                weights_digest(model))


def weights_digest(model: torch.nn.Module) -> str:
    """The first 16 hex digits of the SHA-256 of ``model``'s state (every parameter and buffer,
    in order, as stored): two trainings that agree bit for bit have the same digest."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        stored = tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8)
        digest.update(stored.numpy().tobytes())
    return digest.hexdigest()[:16]


def training_steps(params: Params, stage: str) -> tuple[int, int]:
    """``(epochs, steps)`` of a training stage of ``dvc.yaml`` (``ancestor`` or
    ``generation@<gen>``), validation passes counted as steps; ``(0, 0)`` for the others."""
    p = params.prepare
    if stage == "ancestor":
        train, candidates = params.ancestor.train, 1
    elif stage.startswith("generation@"):
        name = stage.split("@", 1)[1]
        train, candidates = params.generation.train_for(name), params.generation.population
    else:
        return 0, 0
    batches = math.ceil(p.n_train / train.batch_size)
    validation = VALIDATION_SHARE * math.ceil(p.n_val / train.batch_size)
    return train.epochs * candidates, round(train.epochs * candidates * (batches + validation))


def stages_to_run(root: str | Path = ".", everything: bool = False) -> list[str]:
    """The stages of ``dvc.yaml`` that ``dvc repro`` would run (``dvc status``), in order;
    every stage with ``everything`` (``--force``)."""
    from dvc.repo import Repo
    with Repo(str(root)) as repo:
        stages = [s.addressing for s in repo.index.stages
                  if Path(s.path).name == "dvc.yaml" and Path(s.path).parent == Path(
                      root).resolve()]
        if not everything:
            changed = repo.status(targets=["dvc.yaml"])
            stages = [s for s in stages if s in changed]
    return sorted(stages, key=lambda s: (ORDER.index(s.split("@")[0])
                                         if s.split("@")[0] in ORDER else len(ORDER), s))


def committed_seconds(root: str | Path = ".") -> dict[str, float]:
    """Each stage's seconds in the committed run (``generation_gen1`` as ``generation@gen1``)."""
    path = Path(root) / "benchmarks" / "results" / "stage_times.json"
    if not path.is_file():
        return {}
    seconds = json.loads(path.read_text()).get("seconds", {})
    return {k.replace("generation_", "generation@"): float(v) for k, v in seconds.items()}


def plan(params: Params, stages: list[str], step: Step,
         committed: dict[str, float]) -> list[tuple[str, str, float]]:
    """``(stage, what, minutes)`` for every stage to run."""
    rows = []
    for stage in stages:
        epochs, steps = training_steps(params, stage)
        if steps:
            rows.append((stage, f"{epochs} epochs, {steps} steps", steps * step.seconds / 60))
        else:
            rows.append((stage, "no training", committed.get(stage, 30.0) / 60))
    return rows


def report(rows: list[tuple[str, str, float]], step: Step) -> str:
    """The plan as the lines the main job prints before it starts."""
    total = sum(minutes for *_, minutes in rows)
    kind = f"bf16 kind {step.cpu_bf16}" if step.device == "cpu" else step.device
    lines = [f"main: a training step takes {step.seconds:.3f} s here ({step.device}, {kind}: "
             f"precision {step.precision}; measured just now)"]
    if not rows:
        lines.append("main: every stage of dvc.yaml is up to date: nothing to train")
    else:
        lines.append(f"main: dvc repro will run {len(rows)} stage(s), about "
                     f"{_duration(total)} in all:")
        lines += [f"  {stage:<18} {what:<26} ~{_duration(minutes)}"
                  for stage, what, minutes in rows]
    lines += ["main: stop with Ctrl-C at any time; `bash scripts/main.sh` again continues from "
              "the last finished stage",
              "main: to read the book without training: Ctrl-C, then `.venv/bin/jupyter-book "
              "build . -W` (the committed results, a few minutes)"]
    return "\n".join(lines)


def _duration(minutes: float) -> str:
    if minutes < 1:
        return "<1 min"
    return f"{minutes:.0f} min" if minutes < 90 else f"{minutes / 60:.1f} h"


# -- the command line: `python -m evosynth estimate`, or this module run as a program --

def _command(params, args):
    stages = stages_to_run(".", everything=args.all)
    step = measure_step(params)
    print(report(plan(params, stages, step, committed_seconds(".")), step))


COMMAND = Command(
    "estimate", "what `dvc repro` will run, and about how long it takes on this machine",
    "Times a few training steps of the ancestor's network here (the precision this machine "
    "runs: train.precision auto resolved), and scales them by the steps of every training "
    "stage of dvc.yaml that `dvc repro` would run (dvc status); the other stages take what "
    "they took in the committed run. bash scripts/main.sh prints it before it starts.", _command,
    (arg("--all", action="store_true",
         help="every stage, as `dvc repro --force` runs them (default: the stale ones)"),),
    group=2, order=0,
    epilog="example: python -m evosynth estimate --all")


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
