"""``python -m evosynth lineage-metrics``: the stage ``lineage-metrics@<lineage>``."""

from ..cli import Command, arg
from ..hparams import DEFAULT_TASK, LINEAGES, STRUCTURED

#: The lineages beside the default one, whose scores this command writes.
SCORED = [lineage.name for lineage in LINEAGES.values() if lineage.folder is not None]


def _run(params, args):
    from ..hparams import lineage_named
    from ..experiment.paths import Paths
    from ..experiment.stages.lineage_metrics import lineage_metrics
    lineage = lineage_named(args.lineage)
    lineage_metrics(params, lineage.section, lineage.method, Paths().lineage_metrics(lineage))


COMMAND = Command(
    "lineage-metrics", "stage lineage-metrics: test-split scores of a lineage, as JSON",
    "Evaluate gen0..genN of a lineage on the test split and write synapses, reduction, "
    "f_beta_adaptive, f_beta_max and mae per generation to the lineage's results/<folder>.json, "
    f"keyed <task>/<method>/<init>/seed<k>/<genK> (task {DEFAULT_TASK}, the default "
    "experiment's network; the method and the params section are the lineage's).", _run,
    (arg("--lineage", default=STRUCTURED.name, choices=SCORED,
         help="the lineage to score (default: %(default)s)"),), group=1, order=2)
