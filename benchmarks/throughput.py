"""Training throughput against the machine's own peak, and where an epoch's time goes.

For the default ancestor and a generation-4 offspring (``models/gen4`` when the pipeline has
run, else four F(E) = 1 syntheses of the ancestor), in fp32 and bf16 (``train.precision``):

* the training step's time and its arithmetic rate (FLOPs of one forward and backward pass,
  counted by ``torch.utils.flop_counter.FlopCounterMode``, divided by the step's time), beside
  the machine's fp32 and bf16 matmul peaks measured in the same run, as ratios;
* a profile of one epoch of the real training loop (``evosynth.train`` with its ``phases``
  clock) on the prepared training split: data, forward, backward, optimizer, mask
  enforcement, validation, other, and the checkpoint written at the end.

Writes ``benchmarks/results/throughput.{json,md,png}`` and records the machine (CPU model,
PyTorch CPU capability, threads). Run it on a quiet machine: ``python benchmarks/throughput.py``
(``--quick`` for a short check, ``--threads N`` to pin the thread count).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torch.utils.data import TensorDataset  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from evosynth import ConstantEnvironment, Masks, SaliencyNet, synthesize  # noqa: E402
from evosynth.experiment.config import load_params  # noqa: E402
from evosynth.method.data import SaliencySet  # noqa: E402
from evosynth.method.atomic import atomic_write, write_json  # noqa: E402
from evosynth.experiment.paths import Paths  # noqa: E402
from evosynth.experiment.provenance import machine_summary  # noqa: E402
from evosynth.method.checkpoints import load_checkpoint, load_network, save_checkpoint  # noqa: E402
from evosynth.method.training import evaluate, saliency_loss, train  # noqa: E402

OUT = Path("benchmarks/results")
PHASES = ("data", "forward", "backward", "optimizer", "masks", "validation", "other",
          "checkpoint")


def matmul_peak(dtype: torch.dtype, n: int, repeats: int) -> float:
    """GFLOP/s of an n x n matmul in ``dtype`` on the CPU: the best of ``repeats``."""
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best / 1e9


def step_flops(network: torch.nn.Module, images: torch.Tensor, targets: torch.Tensor) -> float:
    """FLOPs of one training step's forward and backward pass (the optimizer's are few)."""
    network = copy.deepcopy(network).train()
    with FlopCounterMode(display=False) as counter:
        saliency_loss(network(images), targets).backward()
    return float(counter.get_total_flops())


def offspring(ancestor: SaliencyNet, paths: Paths, normalization: str,
              checkpoint: Path | None = None) -> tuple[SaliencyNet, Masks, str]:
    """Generation 4 of the committed run (or ``checkpoint``) when its network is here, else a
    stand-in."""
    checkpoint = checkpoint or paths.network("gen4")
    if checkpoint.is_file():
        state = load_checkpoint(checkpoint)
        return load_network(state, ancestor.config), state["masks"], str(checkpoint)
    masks, generator = None, torch.Generator().manual_seed(4)
    for _ in range(4):
        masks = synthesize(ancestor, ConstantEnvironment(1.0), generator, masks=masks,
                           normalization=normalization)
    network = copy.deepcopy(ancestor)
    masks.apply_(network)
    return network, masks, "four F(E) = 1 syntheses of the untrained ancestor (no models/gen4)"


def time_steps(network, masks, data, config, steps: int) -> float:
    """Median seconds of a training step over ``steps`` steps, after a few warm-up steps."""
    seconds = []
    for _ in range(3):
        phases: dict[str, float] = {}
        train(copy.deepcopy(network), data, config, masks=masks, progress=False, phases=phases)
        seconds.append(sum(phases.values()) / (len(data) // config.batch_size))
    return statistics.median(seconds[1:] if len(seconds) > 1 else seconds)


def profile_epoch(network, masks, train_set, val_set, config) -> dict[str, float]:
    """Seconds of every phase of one epoch of the real loop, and the checkpoint's write."""
    phases: dict[str, float] = {}
    network = copy.deepcopy(network)
    train(network, train_set, config, masks=masks, progress=False, phases=phases,
          validate=lambda net: evaluate(net, val_set, device=config.device).summary())
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        save_checkpoint(Path(tmp) / "network.pt", network, masks)
        phases["checkpoint"] = time.perf_counter() - start
    return {name: phases.get(name, 0.0) for name in PHASES}


def figure(report: dict) -> plt.Figure:
    runs = report["runs"]
    labels = [f"{r['network']}\n{r['precision']}" for r in runs]
    fig, (rate, prof) = plt.subplots(1, 2, figsize=(10, 3.8))
    rate.bar(labels, [r["gflops"] for r in runs], color="tab:blue")
    for name, colour in (("fp32", "black"), ("bf16", "tab:red")):
        rate.axhline(report["peaks"][f"{name}_matmul_gflops"], color=colour, ls="--", lw=1,
                     label=f"{name} matmul peak")
    rate.set(ylabel="GFLOP/s", title="Training step against the machine's peaks")
    rate.legend(fontsize="small")
    bottom = [0.0] * len(runs)
    for phase in PHASES:
        values = [r["epoch_profile"][phase] for r in runs]
        prof.bar(labels, values, bottom=bottom, label=phase)
        bottom = [b + v for b, v in zip(bottom, values)]
    prof.set(ylabel="seconds", title="One epoch, phase by phase")
    prof.legend(fontsize="x-small", ncols=2)
    fig.tight_layout()
    return fig


def table(report: dict) -> str:
    peaks = report["peaks"]
    lines = ["| network | precision | ms/step | GFLOP/s | of fp32 peak | of bf16 peak | "
             "epoch (s) | forward + backward share of the epoch |",
             "|---|---|---|---|---|---|---|---|"]
    for r in report["runs"]:
        epoch = sum(r["epoch_profile"].values())
        arith = r["epoch_profile"]["forward"] + r["epoch_profile"]["backward"]
        lines.append(f"| {r['network']} | {r['precision']} | {1000 * r['step_seconds']:.0f} | "
                     f"{r['gflops']:.0f} | {r['gflops'] / peaks['fp32_matmul_gflops']:.2f} | "
                     f"{r['gflops'] / peaks['bf16_matmul_gflops']:.2f} | {epoch:.1f} | "
                     f"{arith / epoch:.0%} |")
    m = report["machine"]
    lines.append("")
    lines.append(f"Peaks (matmul {report['matmul_size']}², best of {report['repeats']}): fp32 "
                 f"{peaks['fp32_matmul_gflops']:.0f} GFLOP/s, bf16 "
                 f"{peaks['bf16_matmul_gflops']:.0f} GFLOP/s. Machine: {m['cpu']}, PyTorch CPU "
                 f"capability {m['cpu_capability']}, {m['torch_threads']} threads, PyTorch "
                 f"{m['torch']}; {report['step_flops'] / 1e9:.1f} GFLOP per training step "
                 f"(batch {report['batch_size']}, {report['image_size']}×{report['image_size']})"
                 + ("; denormals flushed to zero." if report.get("flush_denormal") else "."))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: "
                        "PyTorch's choice, as the pipeline runs)")
    parser.add_argument("--quick", action="store_true", help="few steps, small peaks (a check)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder of throughput.{json,md,png} "
                        "(default: %(default)s)")
    parser.add_argument("--offspring", type=Path, default=None, help="checkpoint of the "
                        "generation-4 network (default: models/gen4/network.pt)")
    parser.add_argument("--ancestor", type=Path, default=None, help="checkpoint of a trained "
                        "ancestor (e.g. models/gen0/network.pt; default: a freshly initialised "
                        "one, as training starts)")
    parser.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal"
                        "(True) for the whole run (denormal floats as zero: a speed test; it "
                        "can change results)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.flush_denormal and not torch.set_flush_denormal(True):
        parser.error("--flush-denormal: this CPU does not support flushing denormals")
    params = load_params(args.params)
    paths = Paths()
    size = params.prepare.image_size
    batch = params.ancestor.train.batch_size
    n, repeats = (1024, 3) if args.quick else (4096, 5)
    peaks = {"fp32_matmul_gflops": matmul_peak(torch.float32, n, repeats),
             "bf16_matmul_gflops": matmul_peak(torch.bfloat16, n, repeats)}
    print(f"peaks: fp32 {peaks['fp32_matmul_gflops']:.0f}, "
          f"bf16 {peaks['bf16_matmul_gflops']:.0f} GFLOP/s")

    torch.manual_seed(0)
    ancestor = SaliencyNet(params.ancestor.model.to_config())
    ancestor_source = "freshly initialised (init seed 0)"
    if args.ancestor is not None:
        ancestor = load_network(load_checkpoint(args.ancestor), ancestor.config)
        ancestor_source = str(args.ancestor)
    child, child_masks, child_source = offspring(ancestor, paths, params.generation.normalization,
                                                 args.offspring)
    if paths.split("train").is_file():
        train_set = SaliencySet.load(paths.split("train")).tensors()
        val_set = SaliencySet.load(paths.split("val")).tensors()
        data_source = "data/prepared"
    else:
        g = torch.Generator().manual_seed(0)
        make = lambda k: TensorDataset(torch.rand(k, 3, size, size, generator=g),  # noqa: E731
                                       (torch.rand(k, 1, size, size, generator=g) > 0.7).float())
        train_set, val_set = make(params.prepare.n_train), make(params.prepare.n_val)
        data_source = "random tensors of the prepared data's shapes (no data/prepared)"
    steps = 4 if args.quick else 20
    timing_set = torch.utils.data.Subset(train_set, range(batch * steps))
    images = torch.stack([train_set[i][0] for i in range(batch)])
    targets = torch.stack([train_set[i][1] for i in range(batch)])
    flops = step_flops(ancestor, images, targets)

    runs = []
    for name, network, masks in (("ancestor", ancestor, None), ("gen4", child, child_masks)):
        for precision in ("fp32", "bf16"):
            config = params.generation.train.model_copy(update={"epochs": 1,
                                                                "precision": precision})
            config = config.to_config()
            seconds = time_steps(network, masks, timing_set, config, steps)
            epoch_set = torch.utils.data.Subset(train_set, range(batch * steps)) if args.quick \
                else train_set
            profile = profile_epoch(network, masks, epoch_set, val_set, config)
            run = {"network": name, "precision": precision, "step_seconds": seconds,
                   "gflops": flops / seconds / 1e9, "epoch_profile": profile,
                   "alive_synapses": masks.count() if masks is not None else None}
            runs.append(run)
            print(f"{name:8s} {precision}: {1000 * seconds:6.0f} ms/step, "
                  f"{run['gflops']:5.0f} GFLOP/s ({run['gflops'] / peaks['fp32_matmul_gflops']:.2f}"
                  f" of fp32 peak); epoch {sum(profile.values()):.1f} s: "
                  + ", ".join(f"{k} {v:.1f}" for k, v in profile.items()))
    report = {"machine": machine_summary(), "peaks": peaks, "matmul_size": n,
              "repeats": repeats, "step_flops": flops, "batch_size": batch, "image_size": size,
              "steps_timed": steps, "ancestor": ancestor_source, "offspring": child_source, "data": data_source,
              "quick": args.quick, "flush_denormal": args.flush_denormal, "runs": runs}
    args.out.mkdir(parents=True, exist_ok=True)
    write_json(args.out / "throughput.json", report)
    atomic_write(args.out / "throughput.md", lambda tmp: tmp.write_text(table(report)))
    fig = figure(report)
    atomic_write(args.out / "throughput.png",
                 lambda tmp: fig.savefig(tmp, format="png", dpi=130, bbox_inches="tight"))
    print(table(report))
    print(f"wrote {args.out}/throughput.{{json,md,png}}")


if __name__ == "__main__":
    main()
