"""Stage ``lineage-metrics@<lineage>`` (``beyond/dvc.yaml``): the test-split scores of every
generation of a lineage beside the default one (the structured lineage, the dense control, the
newborn lineage), keyed as in ``beyond.json``. It only evaluates: the stages that train read
the train and validation splits alone."""

from __future__ import annotations

from pathlib import Path

from ...hparams import DEFAULT_TASK
from ...method.atomic import write_json
from ...method.checkpoints import load_checkpoint, load_network
from ...method.data import SaliencySet
from ...method.genetics import count_synapses
from ...method.training import evaluate
from ..config import Params
from ..paths import Paths
from ..study import result_key
from ..cli import Command, arg, main
from ...hparams import DEFAULT_TASK, LINEAGES, STRUCTURED


def lineage_metrics(params: Params, section: str, method: str, out: str | Path,
                    paths: Paths = Paths(), task: str = DEFAULT_TASK,
                    batch_size: int = 64, device: str = "auto") -> dict[str, dict[str, float]]:
    """Test-split scores of gen0..genN of a lineage section, keyed
    ``"<task>/<method>/<init>/seed<train seed>/<genK>"``; written to ``out`` as JSON."""
    rows = lineage_scores(params, section, method, paths, task, batch_size, device)
    write_json(out, rows)
    return rows


def lineage_scores(params: Params, section: str, method: str, paths: Paths = Paths(),
                   task: str = DEFAULT_TASK, batch_size: int = 64,
                   device: str = "auto") -> dict[str, dict[str, float]]:
    """What :func:`lineage_metrics` writes: the test-split scores of every generation of
    lineage ``section`` under ``paths``."""
    g = params.lineage_section(section)
    where = paths.for_lineage(section)
    test = SaliencySet.load(paths.split("test")).tensors()
    base = params.ancestor.model.to_config()
    rows, ancestor_synapses = {}, None
    for name in ["gen0", *g.generations]:
        state = load_checkpoint(where.network(name))
        network = load_network(state, base)
        synapses = state["masks"].count() if state.get("masks") is not None \
            else count_synapses(network)
        ancestor_synapses = ancestor_synapses or synapses
        scores = evaluate(network, test, batch_size, device).summary()
        rows[result_key(task, f"{method}/{g.init}", g.train.seed,
                        int(name.removeprefix("gen")))] = {
            "synapses": synapses, "reduction": ancestor_synapses / max(synapses, 1),
            "f_beta_adaptive": scores["f_beta_adaptive"], "f_beta_max": scores["f_beta_max"],
            "mae": scores["mae"]}
    return rows


# -- the command line: `python -m evosynth lineage-metrics`, or this module run as a program --

#: The lineages beside the default one, whose scores this command writes.
SCORED = [lineage.name for lineage in LINEAGES.values() if lineage.folder is not None]


def _command(params, args):
    from ...hparams import lineage_named
    lineage = lineage_named(args.lineage)
    lineage_metrics(params, lineage.section, lineage.method, Paths().lineage_metrics(lineage))


COMMAND = Command(
    "lineage-metrics", "stage lineage-metrics: test-split scores of a lineage, as JSON",
    "Evaluate gen0..genN of a lineage on the test split and write synapses, reduction, "
    "f_beta_adaptive, f_beta_max and mae per generation to the lineage's results/<folder>.json, "
    f"keyed <task>/<method>/<init>/seed<k>/<genK> (task {DEFAULT_TASK}, the default "
    "experiment's network; the method and the params section are the lineage's).", _command,
    (arg("--lineage", default=STRUCTURED.name, choices=SCORED,
         help="the lineage to score (default: %(default)s)"),), group=1, order=2)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
