"""``python -m evosynth campaign-metrics``: the stage ``campaign-metrics``."""

from ..cli import Command


def _run(params, args):
    from ..stages.scores import campaign_metrics
    rows, missing = campaign_metrics(params)
    print(f"scored {len(rows)} networks into results/campaign.json")
    for name in missing:
        print(f"  not trained yet: {name}")


COMMAND = Command(
    "campaign-metrics", "stage campaign-metrics: test-split scores of the replicate seeds",
    "Evaluate on the test split every network of the campaign beside seed 0's lineages: each "
    "replicate seed's default lineage, dense control and newborn lineage, and every small "
    "dense network; write them to results/campaign.json keyed <task>/<method>/<init>/seed<k>/"
    "<genK>, and name each one not trained yet (its claims stay untested).", _run,
    group=1, order=3)
