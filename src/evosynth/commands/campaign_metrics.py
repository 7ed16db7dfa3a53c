"""``python -m evosynth campaign-metrics``: the stage ``campaign-metrics``."""

from ..cli import RECIPE, Command


def _run(params, args):
    from ..experiment.paths import Paths
    from ..experiment.stages.campaign_metrics import campaign_metrics
    rows, missing = campaign_metrics(params, recipe=args.recipe)
    print(f"scored {len(rows)} networks into "
          f"{Paths().for_recipe(args.recipe).campaign_metrics.as_posix()}")
    for name in missing:
        print(f"  not trained yet: {name}")


COMMAND = Command(
    "campaign-metrics", "stage campaign-metrics: test-split scores of the replicate seeds",
    "Evaluate on the test split every network of the campaign beside seed 0's lineages: each "
    "replicate seed's default lineage, dense control and newborn lineage, and every small "
    "dense network; write them to results/campaign.json keyed <task>/<method>/<init>/seed<k>/"
    "<genK>, and name each one not trained yet (its claims stay untested). With --recipe "
    "best-effort: every network of that recipe, into results/best-effort/campaign.json.", _run,
    (RECIPE,), group=1, order=3)
