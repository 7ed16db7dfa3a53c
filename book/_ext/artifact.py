"""The committed record of a run, as the book reads it without retraining.

The book is built from files committed to git: executed notebooks, small results
(``results/``), ``dvc.lock`` and ``beyond/dvc.lock``. This module says which run a page shows
(:func:`run_statement`) and refuses to mix runs (:func:`check_consistency`): the beyond
pipeline (``beyond/dvc.yaml``) reads outputs of the default pipeline (its prepared data, its
ancestor, its metrics), and when the hashes it recorded for them differ from the ones the
default pipeline's ``dvc.lock`` holds, its results were made from another run.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from evosynth.hparams import DEFAULT, SMALL_DENSE, STRUCTURED
from evosynth.hparams import LINEAGES as _LINEAGES
from evosynth.publish.runs import MixedRunsError, check_consistency, mixed_runs  # noqa: F401 (the book's)

#: The lineages whose training summaries (``summary.json`` with a ``machine`` record) the book
#: shows: the default one (``results/genK``), the structured one (``results/structured``) and
#: the dense control (``results/control``).
LINEAGES = {name: lineage.results for name, lineage in _LINEAGES.items()}


#: What a page of the book shows: the default pipeline's results (its notebooks, figures and
#: metrics), the campaign's (beyond/dvc.yaml: the verdict, controls, seeds, study), or both.
SHOWS = ("pipeline", "campaign", "both")


def _rerun_phrase(root: Path) -> str:
    machines = lineage_machines(root, DEFAULT.name)
    records = [json.loads(p.read_text()) for p in
               (root / lineage_folder(DEFAULT.name)).glob("gen*/summary.json")]
    kinds = sorted({f"{m.get('cpu', '?')}, bf16 kind {m.get('cpu_bf16', '?')}"
                    for m in machines.values()})
    precision = sorted({str(r.get("precision", r.get("train", {}).get("precision", "?")))
                        for r in records})
    minutes = sum(float(r.get("train_seconds", 0)) for r in records) / 60
    finished = max(str(m.get("finished", "")) for m in machines.values())
    return (f"this checkout's rerun of the default pipeline (finished {finished or '?'} on "
            f"{'; '.join(kinds)}, in {', '.join(precision)}; {minutes:.0f} min of training)")


def _campaign_phrase(root: Path) -> str:
    runs = [r for r in campaign_runs(root) if r["lineage"] != DEFAULT.name]
    machines = sorted({m for r in runs for m in r["machines"]})
    commits = sorted({str(json.loads(p.read_text()).get("machine", {}).get("commit", "?"))[:10]
                      for r in runs for p in (root / r["folder"]).glob("gen*/summary.json")})
    return (f"the committed campaign (trained from the committed default pipeline by commit"
            f"{'s' if len(commits) > 1 else ''} {', '.join(f'`{c}`' for c in commits) or '?'} on "
            f"{'; '.join(machines) or 'an unrecorded machine'})")


def which_run(root: str | os.PathLike[str], shows: str, problems: Sequence[str]) -> str:
    """The Markdown note a page carries in a book that shows two runs (``problems``, from
    :func:`mixed_runs`, not empty: the default pipeline was rerun here and its outputs differ
    from those the committed campaign read); ``""`` when the book shows one run. ``shows``:
    what the page's results come from (:data:`SHOWS`)."""
    if shows not in SHOWS:
        raise ValueError(f"shows must be one of {', '.join(SHOWS)}, got {shows!r}")
    if not problems:
        return ""
    root = Path(root)
    rerun, campaign = _rerun_phrase(root), _campaign_phrase(root)
    changed = len({p.split(" read ", 1)[1].split(" ", 1)[0] for p in problems})
    differ = (f"The rerun's outputs differ from those the campaign read ({changed} of them): "
              "the Reproducibility page says how close this machine came.")
    if shows == "pipeline":
        return (f"**This page shows {rerun}.** The pages of the campaign (the verdict, the "
                f"controls and seeds, the study) still show {campaign}. {differ}")
    if shows == "campaign":
        return f"**This page shows {campaign}**, not {rerun}. {differ}"
    return (f"**This page shows two runs.** The default pipeline's numbers and figures (the "
            f"ancestor, the four generations, the test-split evaluation) come from {rerun}; the "
            f"campaign's (the verdict, the controls, the seeds, the small dense networks) from "
            f"{campaign}. {differ}")


def lineage_folder(lineage: str) -> str:
    """Where a lineage's training records live: one of :data:`LINEAGES` or ``small-dense``
    (seed 0), or ``seed<k>`` and ``seed<k>-<lineage>``, that lineage of replicate seed k
    (``results/seeds/seed<k>``, ``results/seeds/seed<k>/<folder>``)."""
    folders = {**LINEAGES, SMALL_DENSE: f"results/{SMALL_DENSE}"}
    replicate = re.fullmatch(r"seed([0-9]+)(?:-(.+))?", lineage)
    if replicate:
        base = f"results/seeds/seed{replicate[1]}"
        if replicate[2] is None:
            return base
        if replicate[2] not in folders or replicate[2] == DEFAULT.name:
            raise ValueError(f"unknown lineage {replicate[2]!r} of seed {replicate[1]} (one of "
                             f"{', '.join(n for n in folders if n != DEFAULT.name)})")
        return f"{base}/{folders[replicate[2]].removeprefix('results/')}"
    if lineage not in folders:
        raise ValueError(f"unknown lineage {lineage!r} (one of {', '.join(folders)}, or "
                         "seed<k> and seed<k>-<lineage> for a replicate seed)")
    return folders[lineage]


def campaign_runs(root: str | os.PathLike[str] = ".") -> list[dict[str, Any]]:
    """Every lineage of the default network whose training records are committed, seed by
    seed: its name (as :func:`lineage_folder` takes it), folder, generations, the machine
    kinds it trained on (:func:`evosynth.experiment.provenance.describe_kind`), its precision and when
    it finished."""
    from evosynth.experiment.provenance import describe_kind   # (imports torch: only when a page asks for it)
    root = Path(root)
    names = [*LINEAGES, SMALL_DENSE]
    seeds = sorted(int(p.name.removeprefix("seed")) for p in (root / "results" / "seeds").glob(
        "seed*") if p.name.removeprefix("seed").isdigit())
    names += [f"seed{k}" if n == DEFAULT.name else f"seed{k}-{n}" for k in seeds
              for n in [*LINEAGES, SMALL_DENSE] if n != STRUCTURED.name]
    runs = []
    for name in names:
        folder = root / lineage_folder(name)
        summaries = sorted(folder.glob("gen*/summary.json"),
                           key=lambda p: int(p.parent.name.removeprefix("gen") or 0))
        if not summaries:
            continue
        records = [json.loads(p.read_text()) for p in summaries]
        machines = [r.get("machine", {}) for r in records]
        runs.append({
            "lineage": name, "folder": lineage_folder(name),
            "generations": [p.parent.name for p in summaries],
            "machines": sorted({describe_kind(m) for m in machines}),
            "precision": sorted({str(r.get("train", {}).get("precision", "unrecorded"))
                                 for r in records}),
            "finished": max((str(m.get("finished", "")) for m in machines), default="")})
    return runs


def campaign_statement(root: str | os.PathLike[str] = ".") -> str:
    """A Markdown table of :func:`campaign_runs`: which lineage of which seed trained where."""
    rows = ["| lineage | records | generations | machine (bf16 kind) | precision | finished |",
            "|---|---|---|---|---|---|"]
    for run in campaign_runs(root):
        rows.append(f"| `{run['lineage']}` | `{run['folder']}` | {_join(run['generations'])} | "
                    f"{'; '.join(run['machines'])} | {', '.join(run['precision'])} | "
                    f"{run['finished'] or 'unrecorded'} |")
    return "\n".join(rows)


def lineage_machines(root: str | os.PathLike[str] = ".", lineage: str = DEFAULT.name
                     ) -> dict[str, dict[str, Any]]:
    """The ``machine`` record of every trained generation of a lineage, by generation."""
    folder = Path(root) / lineage_folder(lineage)
    records = {}
    for summary in sorted(folder.glob("gen*/summary.json"),
                          key=lambda p: int(p.parent.name.removeprefix("gen") or 0)):
        machine = json.loads(summary.read_text()).get("machine")
        if machine:
            records[summary.parent.name] = machine
    if not records:
        raise FileNotFoundError(f"{folder}/gen*/summary.json: no training record found "
                                "(run the pipeline, or check out the committed results)")
    return records


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{names[0]}–{names[-1]}"


def run_statement(machines: Mapping[str, Mapping[str, Any]]) -> str:
    """One Markdown paragraph naming the run behind a lineage's results: the code's commit,
    when it finished, the machine(s) with their PyTorch CPU capability and threads, the
    versions and the environment lock."""
    names = list(machines)
    commits = sorted({str(m.get("commit", "unknown")) for m in machines.values()})
    finished = sorted(str(m.get("finished", "")) for m in machines.values()
                      if m.get("finished"))
    groups: dict[tuple, list[str]] = {}
    for name, m in machines.items():
        key = (m.get("cpu", "unknown CPU"), m.get("cpu_capability", "unrecorded"),
               m.get("cpu_bf16"), m.get("torch_threads", "?"), m.get("gpu", "none"))
        groups.setdefault(key, []).append(name)
    where = "; ".join(
        f"{cpu} (PyTorch CPU capability {cap}"
        + (f", bf16 kind {bf16}" if bf16 else "") + f", {threads} threads, GPU: {gpu})"
        + ("" if len(groups) == 1 else f" for {_join(gens)}")
        for (cpu, cap, bf16, threads, gpu), gens in groups.items())
    first = machines[names[0]]
    locks = sorted({str(m.get("lock_sha256", "none"))[:12] for m in machines.values()})
    code = ", ".join(f"commit `{c[:10]}`" + (" (with uncommitted changes)"
                                             if c.endswith("+dirty") else "")
                     if c != "unknown" else "an unrecorded commit" for c in commits)
    when = (f"finished between {finished[0]} and {finished[-1]}" if len(finished) > 1
            else f"finished {finished[0]}" if finished else "at an unrecorded time")
    return (f"**The run shown here** ({_join(names)}): code of {code}, {when}, on "
            f"{where}; Python {first.get('python', '?')}, PyTorch {first.get('torch', '?')}, "
            f"NumPy {first.get('numpy', '?')}, environment lock (`requirements.lock`) sha256 "
            + ", ".join(f"`{h}`" for h in locks) + ".")


#: The glue key under which a stage notebook records its machine (the dict of
#: :func:`evosynth.experiment.provenance.machine_summary`, glued as its Python repr).
MACHINE_GLUE = "run_machine"


def glued_machine(notebook: dict[str, Any]) -> dict[str, Any] | None:
    """The machine record a stage notebook glued as :data:`MACHINE_GLUE`, if it did."""
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == MACHINE_GLUE:
                value = ast.literal_eval(output["data"]["application/papermill.record/text/plain"])
                return json.loads(value) if isinstance(value, str) else dict(value)
    return None


def notebook_statement(notebooks: Sequence[str | os.PathLike[str]]) -> str:
    """One Markdown paragraph for results of executed notebooks (the study's): when papermill
    ran each, from its metadata, and where, from the machine record it glued (if any)."""
    spans, machines = [], {}
    for path in notebooks:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: executed notebook not found")
        notebook = json.loads(path.read_text())
        meta = notebook.get("metadata", {}).get("papermill", {})
        start, end = str(meta.get("start_time", "?"))[:19], str(meta.get("end_time", "?"))[:19]
        spans.append(f"`{path.stem}` {start}–{end} UTC")
        machine = glued_machine(notebook)
        if machine is not None:
            machines[path.stem] = machine
    text = "**The run shown here**: executed by papermill " + "; ".join(spans) + "."
    if machines:
        text += " " + run_statement(machines).replace("**The run shown here** ", "Where: ", 1)
    if len(machines) < len(spans):
        text += (" The machine, its PyTorch CPU capability and the code's commit of "
                 + ", ".join(f"`{Path(p).stem}`" for p in notebooks
                             if Path(p).stem not in machines)
                 + " were not recorded (the notebook glued no machine record); "
                 "`beyond/dvc.lock` holds the hashes of the code and data the run read.")
    return text


def experiments_statement(path: str | os.PathLike[str]) -> str:
    """One Markdown paragraph for results gathered from queued DVC experiments (the F(E)
    sweep): each experiment's name, its baseline commit and when it finished, from the
    committed ``dvc exp show --json`` output."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: dvc exp show --json output not found")
    runs = []
    for baseline in json.loads(path.read_text()):
        for experiment in baseline.get("experiments") or []:
            for rev in experiment.get("revs", []):
                runs.append(f"`{rev.get('name')}` {str(rev['data'].get('timestamp'))[:19]}")
        if baseline.get("experiments"):
            base = f"`{str(baseline['rev'])[:10]}`"
    if not runs:
        raise ValueError(f"{path}: no experiments recorded")
    return (f"**The run shown here**: {len(runs)} DVC experiments on baseline commit {base} "
            f"({', '.join(runs)}; from `{path.as_posix()}`). The machine and its PyTorch CPU "
            "capability were not recorded by these experiments.")
