"""Stage ``study@<task>`` (``beyond/dvc.yaml``): Darwin against the pruning baselines on one
study task, over every study seed; and what the stage ``z-arm`` (:mod:`.z_arm`) shares with it:
the task, the run over the seeds, the other normaliser Z."""

from __future__ import annotations

from typing import Any

from ...method.atomic import write_json
from ..classifiers import accuracy, build_classifier, classification_loss, fashion_split
from ..config import Params
from ...method.data import SaliencySet
from ...method.genetics import build_environment
from ...hparams import NORMALIZATIONS
from ...method.models import SaliencyNet
from ..paths import Paths
from ..study import Task, run_seed, subset
from ...method.training import evaluate, saliency_loss
from ..cli import Command, arg, main


def study_task(params: Params, name: str, paths: Paths = Paths()) -> Task:
    """The :class:`~evosynth.experiment.study.Task` ``study.tasks.<name>`` describes."""
    spec = params.study_task(name)
    if spec.network == "saliency":
        model = (spec.model or params.ancestor.model).to_config()
        train_set = SaliencySet.load(paths.split("train")).tensors()
        test_set = SaliencySet.load(paths.split("test")).tensors()
        return Task(name, lambda: SaliencyNet(model), subset(train_set, spec.n_train),
                    subset(test_set, spec.n_test), spec.train.to_config(), saliency_loss,
                    lambda net, data: evaluate(net, data, device=spec.train.device).summary())
    raw = params.prepare.raw
    return Task(name, lambda: build_classifier(spec.network),
                fashion_split(raw, "train", spec.n_train), fashion_split(raw, "t10k", spec.n_test),
                spec.train.to_config(), classification_loss,
                lambda net, data: {"accuracy": accuracy(net, data, device=spec.train.device)})


def task_metric(params: Params, task: str) -> str:
    """The score a study task is judged by: F-beta (adaptive) for saliency, else accuracy."""
    return "f_beta_adaptive" if params.study_task(task).network == "saliency" else "accuracy"


def run_study(params: Params, task: Task, methods: list[str], normalization: str,
               progress: bool) -> dict[str, dict[str, Any]]:
    """``methods`` on ``task`` over every study seed, in the default lineage's environments."""
    environments = [build_environment(**spec.environment.model_dump())
                    for spec in params.generation.lineage.values()]
    results: dict[str, dict[str, Any]] = {}
    for seed in params.study.seeds:
        results.update(run_seed(task, seed, environments, methods, normalization,
                                params.study.rewind_steps, progress))
    return results


def study(params: Params, name: str, paths: Paths = Paths(),
          progress: bool = True) -> dict[str, dict[str, Any]]:
    """Every method and seed of study task ``name``; writes and returns its results."""
    results = run_study(params, study_task(params, name, paths), params.study.methods,
                         params.generation.normalization, progress)
    write_json(paths.study(name), results)
    return results


def other_z(params: Params) -> str:
    """The normaliser Z of P(s|w) that the study does not use (``layer`` when
    ``generation.normalization`` is ``global``, and back): the Z arm's."""
    return next(n for n in NORMALIZATIONS if n != params.generation.normalization)


def z_arm_method(params: Params) -> str:
    """The Z arm's method name in the results: ``darwin-<Z>/inherit``."""
    return f"darwin-{other_z(params)}/inherit"


# -- the command line: `python -m evosynth study`, or this module run as a program --

def _command(params, args):
    print(f"{len(study(params, args.task))} results")


COMMAND = Command("study", "stage study: Darwin against pruning baselines on one task",
                  "Every method and seed of study task TASK: results/study/TASK.json.", _command,
                  (arg("task", help="a task of study.tasks"),), group=1, order=0)


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
