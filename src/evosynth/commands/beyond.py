"""``python -m evosynth beyond``: the stage ``beyond`` (the merge) without its notebook."""

from ..cli import Command


def _run(params, args):
    from ..experiment.stages.beyond import beyond
    print(f"{len(beyond(params))} results merged")


COMMAND = Command("beyond", "stage beyond: merge every result into results/beyond.json",
                  "Merge the study's tasks, the default lineage (results/metrics.json) and the "
                  "structured lineage (results/structured.json) into results/beyond.json and "
                  "its summary metric results/beyond_summary.json.", _run, group=1, order=5)
