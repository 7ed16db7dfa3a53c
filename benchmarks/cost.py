"""Real cost of every generation, both synthesis modes, measured side by side in one run.

    python benchmarks/cost.py [--threads 2] [--repeats 50] [--batch 1 32] [--out results/benchmark.json]

Loads the ancestor (models/gen0), the unstructured lineage (models/gen1..N, the default
pipeline's) and the structured lineage (models/structured/gen1..N, `dvc repro
beyond/dvc.yaml`), and measures for each: parameters, alive synapses, FLOPs of one image
(dense, as PyTorch's FlopCounterMode counts them, and counting non-zero synapses only), bytes
of the saved dense state_dict and of a compressed sparse export, and the median latency of a
forward pass on the CPU (and on CUDA when present) at each batch size: every network warmed
up, then measured interleaved (one pass of each in turn, --repeats rounds), so that the
ratios ancestor / generation come from one run under the same conditions.

Writes --out (JSON, atomically), and under --figures: cost.png (the figure), cost.md (the
table) and cost_summary.md (sentences), which the book includes. Test-split accuracy is read
from results/metrics.json (unstructured) and results/structured.json (structured), not
recomputed. `--redraw` draws cost.png again from the results in --out, without measuring.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch

from evosynth.method.atomic import atomic_write, write_json
from evosynth.experiment.config import load_params
from cost_measures import (count_flops, count_flops_nonzero, dense_bytes, measure_latency,
                           sparse_bytes)
from evosynth.method.genetics import count_parameters
from evosynth.hparams import DEFAULT, STRUCTURED
from evosynth.experiment.paths import Paths
from evosynth.experiment.provenance import machine_summary
from evosynth.method.checkpoints import load_checkpoint, load_network

#: Each synthesis mode's lineage: the paper's (unstructured) and the structured one.
MODES = {"unstructured": (DEFAULT.section, DEFAULT.folder),
         "structured": (STRUCTURED.section, STRUCTURED.folder)}


def load_lineages(params_path: Path, root: Path):
    """``({mode: {genK: (network, masks)}}, params)``: every checkpoint present (gen0 in both)."""
    params = load_params(params_path)
    base = params.ancestor.model.to_config()
    ancestor = load_checkpoint(Paths(root).network("gen0"))
    out = {}
    for mode, (section, lineage) in MODES.items():
        g = getattr(params, section, None)
        if g is None:
            print(f"params has no {section!r} section: {mode} mode skipped", file=sys.stderr)
            continue
        paths = Paths(root, lineage=lineage)
        nets = {"gen0": (load_network(ancestor, base), ancestor["masks"])}
        for name in g.generations:
            if not paths.network(name).is_file():
                print(f"{paths.network(name)} missing: {mode} stops at the generation before",
                      file=sys.stderr)
                break
            state = load_checkpoint(paths.network(name))
            nets[name] = (load_network(state, base), state["masks"])
        out[mode] = nets
    return out, params


def accuracy(root: Path) -> dict[str, dict[str, dict[str, float]]]:
    """Test-split scores already computed: unstructured from metrics.json, structured from
    structured.json."""
    scores: dict[str, dict[str, dict[str, float]]] = {"unstructured": {}, "structured": {}}
    metrics = root / "results" / "metrics.json"
    if metrics.is_file():
        scores["unstructured"] = json.loads(metrics.read_text())
    structured = Paths(root).structured_metrics
    if structured.is_file():
        for key, value in json.loads(structured.read_text()).items():
            scores["structured"][key.rsplit("/", 1)[1]] = value
    if "gen0" in scores["unstructured"]:
        scores["structured"].setdefault("gen0", scores["unstructured"]["gen0"])
    return scores


def benchmark(lineages, image_size: int, batches: list[int], repeats: int, warmup: int,
              devices: list[str]) -> dict[str, dict[str, dict]]:
    example = torch.rand(1, 3, image_size, image_size, generator=torch.Generator().manual_seed(0))
    rows: dict[str, dict[str, dict]] = {}
    for mode, nets in lineages.items():
        rows[mode] = {}
        for name, (net, masks) in nets.items():
            net.eval()
            rows[mode][name] = {
                "params": count_parameters(net),
                "synapses": masks.count() if masks is not None else None,
                "flops": count_flops(net, example),
                "flops_nonzero": count_flops_nonzero(net, example),
                "bytes_dense": dense_bytes(net),
                "bytes_sparse": sparse_bytes(net, masks),
                "latency_ms": {}, "latency_iqr_ms": {}, "latency_ratio": {},
                "cpu_time_ms": {}}
    # One interleaved measurement of every network per device and batch size; gen0 once.
    flat = {"gen0": lineages[next(iter(lineages))]["gen0"][0]}
    for mode, nets in lineages.items():
        flat.update({f"{mode}/{n}": net for n, (net, _) in nets.items() if n != "gen0"})
    for device in devices:
        for batch in batches:
            x = torch.rand(batch, 3, image_size, image_size,
                           generator=torch.Generator().manual_seed(batch))
            print(f"latency on {device}, batch {batch}: {len(flat)} networks x {repeats} "
                  "rounds ...", file=sys.stderr, flush=True)
            times = measure_latency(flat, x, repeats=repeats, warmup=warmup, device=device)
            key = f"batch{batch}"
            for mode, nets in lineages.items():
                for name in nets:
                    t = times["gen0" if name == "gen0" else f"{mode}/{name}"]
                    row = rows[mode][name]
                    row["latency_ms"].setdefault(device, {})[key] = t["median"]
                    row["latency_iqr_ms"].setdefault(device, {})[key] = [t["q1"], t["q3"]]
                    row["cpu_time_ms"].setdefault(device, {})[key] = t["cpu_median"]
                    row["latency_ratio"].setdefault(device, {})[key] = \
                        times["gen0"]["median"] / t["median"]
    for mode in rows:
        for name, row in rows[mode].items():
            base = rows[mode]["gen0"]
            row["params_ratio"] = base["params"] / row["params"]
            row["flops_ratio"] = base["flops"] / row["flops"]
            row["bytes_ratio_dense"] = base["bytes_dense"] / row["bytes_dense"]
            row["bytes_ratio_sparse"] = base["bytes_dense"] / row["bytes_sparse"]
    return rows


def table(rows, scores, devices, batches) -> str:
    lat = [(d, b) for d in devices for b in batches]
    head = ["mode", "gen", "parameters", "synapses", "MFLOPs", "dense MB", "sparse MB",
            *[f"{d} b{b} ms (x)" for d, b in lat], "test F-beta adapt."]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for mode, gens in rows.items():
        for name, r in gens.items():
            f = scores.get(mode, {}).get(name, {}).get("f_beta_adaptive")
            cells = [mode, name, f"{r['params']:,}", f"{r['synapses']:,}",
                     f"{r['flops'] / 1e6:.1f}", f"{r['bytes_dense'] / 1e6:.2f}",
                     f"{r['bytes_sparse'] / 1e6:.2f}",
                     *[f"{r['latency_ms'][d][f'batch{b}']:.2f} "
                       f"({r['latency_ratio'][d][f'batch{b}']:.1f}x)" for d, b in lat],
                     "—" if f is None else f"{f:.3f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def headline(rows, machine, devices, batches) -> str:
    """The chapter's sentences about the last generation of each mode, from the numbers."""
    out = []
    for mode, gens in rows.items():
        last = list(gens)[-1]
        r, a = gens[last], gens["gen0"]
        speed = ", ".join(f"{r['latency_ratio'][d][f'batch{b}']:.1f}x at batch {b} on {d}"
                          for d in devices for b in batches)
        lat = ", ".join(f"{a['latency_ms'][d][f'batch{b}']:.2f} -> "
                        f"{r['latency_ms'][d][f'batch{b}']:.2f} ms (batch {b}, {d})"
                        for d in devices for b in batches)
        text = (f"**{mode.capitalize()}, {last}:** {r['params']:,} parameters "
                f"({r['params_ratio']:.1f}x fewer than the ancestor's {a['params']:,}), "
                f"{r['synapses']:,} alive synapses "
                f"({a['synapses'] / r['synapses']:.1f}x fewer), "
                f"{r['flops'] / 1e6:.1f} MFLOPs per image ({r['flops_ratio']:.1f}x fewer; "
                f"{r['flops_nonzero'] / 1e6:.1f} counting non-zero synapses only); "
                f"{r['bytes_dense'] / 1e6:.2f} MB as a dense state_dict and "
                f"{r['bytes_sparse'] / 1e6:.2f} MB as the compressed sparse export "
                f"(ancestor: {a['bytes_dense'] / 1e6:.2f} MB). Speed-up over the ancestor: "
                f"{speed} ({lat}).")
        test, test0 = r.get("test"), a.get("test")
        if test and test0:
            drop = test0["f_beta_adaptive"] - test["f_beta_adaptive"]
            change = f"a loss of {drop:.3f}" if drop >= 0 else f"a gain of {-drop:.3f}"
            text += (f" Test adaptive F-beta {test['f_beta_adaptive']:.3f} against the "
                     f"ancestor's {test0['f_beta_adaptive']:.3f} ({change}); max F-beta "
                     f"{test['f_beta_max']:.3f} ({test0['f_beta_max']:.3f}), MAE "
                     f"{test['mae']:.3f} ({test0['mae']:.3f}).")
        out.append(text)
    load = machine["load_average_before"][0], machine["load_average_after"][0]
    out.append(f"Measured on {machine['cpu']} ({machine['cpu_cores']} cores usable, "
               f"{machine['torch_threads']} PyTorch thread(s), GPU: {machine['gpu']}), PyTorch "
               f"{machine['torch']}; 1-minute load average {load[0]:.1f} before and "
               f"{load[1]:.1f} after the measurement.")
    return "\n\n".join(out) + "\n"


def figure(rows, devices, batches, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    from evosynth.experiment.figures import use_style
    use_style()
    # Two panels a row (readable at the book's column width); the speed-up panel's legend, the
    # longest, fills the spare cell.
    fig, grid = plt.subplots(2, 2, figsize=(9, 7.2))
    axes, spare = [grid[0, 0], grid[0, 1], grid[1, 0]], grid[1, 1]
    colour = {"unstructured": "#6a3d9a", "structured": "#1b9e77"}
    longest = max((list(g) for g in rows.values()), key=len)
    for mode, gens in rows.items():
        names = list(gens)
        x = [longest.index(n) for n in names]
        c = colour.get(mode, "grey")
        if all(gens[n]["synapses"] for n in names):
            axes[0].plot(x, [gens["gen0"]["synapses"] / gens[n]["synapses"] for n in names],
                         "o:", color=c, label=f"{mode}: alive synapses")
        axes[0].plot(x, [gens[n]["params_ratio"] for n in names], "s-", color=c,
                     label=f"{mode}: parameters")
        axes[0].plot(x, [gens[n]["flops_ratio"] for n in names], "^--", color=c,
                     label=f"{mode}: FLOPs (dense)")
        for d in devices:
            for b, marker in zip(batches, "os^vD"):
                axes[1].plot(x, [gens[n]["latency_ratio"][d][f"batch{b}"] for n in names],
                             marker=marker, ls="-" if b == batches[0] else "--", color=c,
                             label=f"{mode}, {d}, batch {b}")
        axes[2].plot(x, [gens[n]["bytes_dense"] / 1e6 for n in names], "s-", color=c,
                     label=f"{mode}: dense state_dict")
        axes[2].plot(x, [gens[n]["bytes_sparse"] / 1e6 for n in names], "o:", color=c,
                     label=f"{mode}: compressed sparse export")
    axes[1].axhline(4, color="grey", lw=1, ls=":")
    axes[1].axhline(1, color="grey", lw=0.8)
    for ax, title, ylabel in zip(axes, ["Fewer than the ancestor (x)",
                                        "Speed-up over the ancestor (x)",
                                        "On disk"],
                                 ["ancestor / generation", "ancestor latency / latency", "MB"]):
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.set_xticks(range(len(longest)), longest)
        if ax is not axes[1]:
            ax.legend(fontsize=8)
    spare.axis("off")
    spare.legend(*axes[1].get_legend_handles_labels(), loc="center", fontsize=9,
                 title="speed-up (top right)")
    for ax in (axes[0], axes[2]):
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=130))
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--params", type=Path, default=Path("params.yaml"),
                        help="parameters file (default: %(default)s)")
    parser.add_argument("--root", type=Path, default=Path("."),
                        help="repository root holding models/ and results/ (default: .)")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch CPU threads (default: %(default)s)")
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 32],
                        help="batch sizes (default: 1 32)")
    parser.add_argument("--repeats", type=int, default=50,
                        help="timed rounds per batch size and device (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=5,
                        help="untimed passes of each network first (default: %(default)s)")
    parser.add_argument("--no-cuda", action="store_true", help="CPU only, even with a GPU")
    parser.add_argument("--out", type=Path, default=Path("results/benchmark.json"),
                        help="JSON output (default: %(default)s)")
    parser.add_argument("--figures", type=Path, default=Path("benchmarks/results"),
                        help="folder of cost.png and cost.md (default: %(default)s)")
    parser.add_argument("--redraw", action="store_true",
                        help="only draw cost.png again from the results in --out (no timing)")
    args = parser.parse_args(argv)
    if args.redraw:
        if not args.out.is_file():
            parser.error(f"--redraw: {args.out}: no benchmark results to draw (run without "
                         "--redraw first)")
        result = json.loads(args.out.read_text())
        settings = result["settings"]
        figure(result["modes"], settings["devices"], settings["batches"],
               args.figures / "cost.png")
        print(f"wrote {args.figures / 'cost.png'} from {args.out}")
        return 0
    torch.set_num_threads(args.threads)
    lineages, params = load_lineages(args.params, args.root)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() and not args.no_cuda else [])
    load_before = os.getloadavg()
    rows = benchmark(lineages, params.prepare.image_size, args.batch, args.repeats, args.warmup,
                     devices)
    load_after = os.getloadavg()
    scores = accuracy(args.root)
    for mode, gens in rows.items():
        for name, row in gens.items():
            s = scores.get(mode, {}).get(name)
            row["test"] = {k: s[k] for k in ("f_beta_adaptive", "f_beta_max", "mae")} \
                if s else None
    result = {
        "machine": {**machine_summary(), "load_average_before": list(load_before),
                    "load_average_after": list(load_after)},
        "settings": {"image_size": params.prepare.image_size, "batches": args.batch,
                     "repeats": args.repeats, "warmup": args.warmup, "threads": args.threads,
                     "devices": devices, "latency": "median wall-clock ms of one forward pass, "
                     "networks measured interleaved", "flops": "FlopCounterMode of one image "
                     "(2 per multiply-add; conv/linear only)", "bytes_dense": "torch.save of "
                     "the state_dict", "bytes_sparse": "numpy.savez_compressed of packed "
                     "alive-synapse bit masks + alive values (+ other tensors dense)"},
        "modes": rows}
    write_json(args.out, result)
    md = table(rows, scores, devices, args.batch)
    atomic_write(args.figures / "cost.md", lambda tmp: tmp.write_text(md))
    summary = headline(rows, result["machine"], devices, args.batch)
    atomic_write(args.figures / "cost_summary.md", lambda tmp: tmp.write_text(summary))
    figure(rows, devices, args.batch, args.figures / "cost.png")
    print(md)
    print(summary)
    print(f"wrote {args.out}, {args.figures / 'cost.png'}, {args.figures / 'cost.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
