"""Beyond the paper (evosynth.experiment.study): the study runner, the baselines at Darwin's budgets,
its summaries and paired differences. The pruning itself: tests/method/test_pruning.py; the
classifiers: tests/experiment/test_classifiers.py; the study's parameters: tests/experiment/test_config.py."""

import math

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from evosynth import ConstantEnvironment
from evosynth.experiment import study
from evosynth.experiment.classifiers import classification_loss
from evosynth.experiment.study import METHODS, Task, paired_differences, run_seed, summarise
from evosynth.method.training import TrainConfig


# -- the study runner ----------------------------------------------------------------------------
class _Mlp(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 3))

    def forward(self, x):
        return self.net(x)


def _toy_task() -> Task:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(96, 16, generator=g)
    y = (x[:, :3].argmax(1))
    data = TensorDataset(x, y)

    def score(net, dataset):
        net.eval()
        with torch.no_grad():
            return {"accuracy": float((net(dataset.tensors[0]).argmax(1) == dataset.tensors[1])
                                      .float().mean())}
    return Task("toy", _Mlp, data, data, TrainConfig(epochs=2, batch_size=32, lr=0.01),
                classification_loss, score)


#: Each baseline's recipe (``selection``, ``init``), as the lineage engine sees it.
_BASELINES = {"magnitude/inherit": ("magnitude", "inherit"),
              "random/inherit": ("random", "inherit"), "lottery/rewind": ("magnitude", "rewind")}


def test_every_method_gets_darwins_budget_and_is_deterministic(monkeypatch):
    """Every baseline offspring has Darwin's synapse count in every layer, not only in total."""
    layers = {}   # (selection, init, generation) -> alive synapses of each layer of the offspring
    make_generation = study.make_generation

    def recorded(parent, parent_masks, recipe, *args, **kwargs):
        child = make_generation(parent, parent_masks, recipe, *args, **kwargs)
        layers[(recipe.selection, recipe.init, recipe.seed % 1000)] = {
            name: int(mask.sum()) for name, mask in child.masks.items()}
        return child

    monkeypatch.setattr(study, "make_generation", recorded)
    environments = [ConstantEnvironment(0.8), ConstantEnvironment(0.8)]
    results = run_seed(_toy_task(), 0, environments, METHODS, "layer", rewind_steps=1,
                       progress=False)
    monkeypatch.undo()
    assert len(results) == len(METHODS) * 3
    full = {name: w.numel() for name, w in _Mlp().named_parameters() if name.endswith("weight")}
    for g in (1, 2):
        budget = results[f"toy/darwin/inherit/seed0/gen{g}"]["synapses"]
        assert budget < results[f"toy/darwin/inherit/seed0/gen{g - 1}"]["synapses"]
        darwin = layers[("darwin", "inherit", g)]
        assert sum(darwin.values()) == budget and set(darwin) == set(full)
        assert all(0 < darwin[name] < full[name] for name in full)   # every layer thinned
        for method, recipe in _BASELINES.items():
            assert results[f"toy/{method}/seed0/gen{g}"]["synapses"] == budget
            assert layers[(*recipe, g)] == darwin, f"{method} gen{g}: layer by layer"
    ancestor = results["toy/darwin/inherit/seed0/gen0"]
    assert ancestor["reduction"] == 1.0 and 0.0 <= ancestor["accuracy"] <= 1.0
    again = run_seed(_toy_task(), 0, environments, ["darwin/inherit", "random/inherit"], "layer",
                     rewind_steps=1, progress=False)
    for name, entry in again.items():
        assert {k: v for k, v in entry.items() if k != "train_seconds"} == \
            {k: v for k, v in results[name].items() if k != "train_seconds"}


def test_baselines_need_darwin_inherit():
    with pytest.raises(ValueError, match="budgets from darwin/inherit"):
        run_seed(_toy_task(), 0, [ConstantEnvironment(0.8)], ["magnitude/inherit"],
                 progress=False)
    with pytest.raises(ValueError, match="method must be one of"):
        run_seed(_toy_task(), 0, [ConstantEnvironment(0.8)], ["darwin/clone"], progress=False)


def test_summaries_are_mean_and_sample_spread_over_seeds():
    results = {f"t/darwin/inherit/seed{k}/gen1": {"accuracy": a, "reduction": 2.0 + k}
               for k, a in enumerate([0.5, 0.7, 0.9])}
    results["t/random/inherit/seed0/gen1"] = {"accuracy": 0.4, "reduction": 2.0}
    rows = {s.method: s for s in summarise(results, "accuracy")}
    assert rows["darwin/inherit"].mean == pytest.approx(0.7)
    assert rows["darwin/inherit"].std == pytest.approx(0.2)
    assert rows["darwin/inherit"].n == 3 and rows["darwin/inherit"].reduction == pytest.approx(3.0)
    assert math.isnan(rows["random/inherit"].std)
    with pytest.raises(ValueError, match="is not <task>/<method>/<mode>/seed<k>/gen<g>"):
        summarise({"t/darwin/seed0/gen1": {"accuracy": 1.0, "reduction": 1.0}}, "accuracy")


def test_paired_differences_pair_each_seed_with_itself():
    results = {f"t/{m}/seed{s}/gen{g}": {"score": v, "reduction": 1.0}
               for m, base in (("darwin/inherit", 0.5), ("magnitude/inherit", 0.4))
               for s, shift in ((0, 0.0), (1, 0.1), (2, 0.2))
               for g, v in ((0, base + shift), (1, base + shift + (0.05 if m[0] == "d" else 0)))}
    rows = paired_differences(results, "score", "t", "darwin/inherit", "magnitude/inherit")
    assert [r.generation for r in rows] == [0, 1]
    assert rows[0].mean == pytest.approx(0.1) and rows[0].std == pytest.approx(0.0, abs=1e-12)
    assert rows[1].mean == pytest.approx(0.15) and rows[1].n == 3
    assert paired_differences(results, "score", "other", "darwin/inherit", "x") == []
