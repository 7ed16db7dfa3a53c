"""Beyond the paper: pruning baselines at equal budgets, the study runner, its summaries,
the classifiers of the second task and the study's parameters."""

import copy
import math
from pathlib import Path

import pytest
import torch
import yaml
from torch import nn
from torch.utils.data import TensorDataset

from evosynth import ConstantEnvironment, MaskError, Masks, layer_budget, prune_to_budget
from evosynth.classifiers import LeNet5, build_classifier, classification_loss, fashion_split
from evosynth.config import ParamsError, parse_params
from evosynth.genetics import synaptic_parameters
from evosynth.study import METHODS, Task, run_seed, summarise
from evosynth.training import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((ROOT / "params.yaml").read_text())


# -- pruning to a per-layer budget --------------------------------------------------------------
def test_magnitude_keeps_the_largest_alive_weights(small_net):
    parent = Masks.ones_like(small_net)
    parent["fc.weight"][0, :] = False  # dead synapses stay dead even if they are large
    with torch.no_grad():
        small_net.fc.weight[0, :] = 100.0
    budget = {n: int(m.sum()) // 3 for n, m in parent.items()}
    child = prune_to_budget(small_net, parent, budget, "magnitude")
    assert child.is_subset_of(parent)
    assert layer_budget(child) == budget
    for name, weight in synaptic_parameters(small_net):
        alive, dead = weight.detach().abs()[child[name]], weight.detach().abs()[parent[name] & ~child[name]]
        assert alive.min() >= dead.max()


def test_random_pruning_is_seeded_exact_and_a_subset(small_net):
    parent = prune_to_budget(small_net, None, {n: int(m.numel()) // 2 for n, m in
                                               Masks.ones_like(small_net).items()}, "magnitude")
    budget = {n: int(m.sum()) // 2 for n, m in parent.items()}
    a = prune_to_budget(small_net, parent, budget, "random", torch.Generator().manual_seed(3))
    b = prune_to_budget(small_net, parent, budget, "random", torch.Generator().manual_seed(3))
    c = prune_to_budget(small_net, parent, budget, "random", torch.Generator().manual_seed(4))
    assert a.is_subset_of(parent) and layer_budget(a) == budget
    assert all(torch.equal(a[n], b[n]) for n in a)
    assert any(not torch.equal(a[n], c[n]) for n in a)


def test_random_pruning_ignores_weight_magnitude(small_net):
    """Over many draws every alive synapse of a layer survives about equally often."""
    layer = "conv.weight"
    budget = {n: int(m.numel()) for n, m in Masks.ones_like(small_net).items()}
    budget[layer] = budget[layer] // 2
    g = torch.Generator().manual_seed(0)
    hits = sum(prune_to_budget(small_net, None, budget, "random", g)[layer].float()
               for _ in range(400))
    assert hits.min() > 200 - 4 * 10 and hits.max() < 200 + 4 * 10  # binomial sd = 10


@pytest.mark.parametrize("change,message", [
    (lambda b: b.update({"conv.weight": 10**6}), r"budget of conv\.weight must be an integer in \[0, 108\]"),
    (lambda b: b.update({"conv.weight": -1}), r"budget of conv\.weight"),
    (lambda b: b.pop("fc.weight"), r"do not match"),
])
def test_bad_budgets_are_refused(small_net, change, message):
    budget = layer_budget(Masks.ones_like(small_net))
    change(budget)
    with pytest.raises(MaskError, match=message):
        prune_to_budget(small_net, None, budget, "magnitude")


def test_unknown_pruning_method(small_net):
    with pytest.raises(ValueError, match=r"pruning method must be one of \['magnitude', 'random'\]"):
        prune_to_budget(small_net, None, layer_budget(Masks.ones_like(small_net)), "smallest")


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


def test_every_method_gets_darwins_budget_and_is_deterministic():
    environments = [ConstantEnvironment(0.8), ConstantEnvironment(0.8)]
    results = run_seed(_toy_task(), 0, environments, METHODS, "layer", rewind_steps=1,
                       progress=False)
    assert len(results) == len(METHODS) * 3
    for g in (1, 2):
        budget = results[f"toy/darwin/inherit/seed0/gen{g}"]["synapses"]
        assert budget < results[f"toy/darwin/inherit/seed0/gen{g - 1}"]["synapses"]
        for method in ("magnitude/inherit", "random/inherit", "lottery/rewind"):
            assert results[f"toy/{method}/seed0/gen{g}"]["synapses"] == budget
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


# -- the second task's networks and data -----------------------------------------------------
def test_lenet5_has_the_textbook_synapse_count():
    # conv 1->6 5x5, conv 6->16 5x5, fc 400->120, 120->84, 84->10
    assert sum(w.numel() for _, w in synaptic_parameters(LeNet5())) == \
        6 * 25 + 16 * 6 * 25 + 400 * 120 + 120 * 84 + 84 * 10


@pytest.mark.parametrize("name", ["lenet5", "resnet"])
def test_classifiers_take_grey_garments(name):
    net = build_classifier(name).eval()
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match="classifier must be one of"):
        build_classifier("vgg")


def test_fashion_split_subsets_are_seeded():
    if not (ROOT / "data" / "raw" / "fashion-mnist").is_dir():
        pytest.skip("raw data not fetched (bash scripts/setup.sh)")
    a = fashion_split(ROOT / "data" / "raw", "t10k", 50, seed=1)
    b = fashion_split(ROOT / "data" / "raw", "t10k", 50, seed=1)
    assert a.tensors[0].shape == (50, 1, 28, 28) and torch.equal(a.tensors[1], b.tensors[1])
    assert int(a.tensors[1].min()) >= 0 and int(a.tensors[1].max()) <= 9
    with pytest.raises(ValueError, match=r"n must be in \[1, 10000\]"):
        fashion_split(ROOT / "data" / "raw", "t10k", 0)


# -- the study's parameters ---------------------------------------------------------------------
@pytest.mark.parametrize("change,message", [
    (lambda s: s.update(methods=["darwin/inherit", "pruning/inherit"]), r"study\.methods\.1"),
    (lambda s: s.update(methods=["magnitude/inherit"]), r"budgets from darwin/inherit"),
    (lambda s: s.update(seeds=[0, 0]), r"seeds must be distinct"),
    (lambda s: s.update(seeds=[]), r"study\.seeds"),
    (lambda s: s["tasks"].update({"Fashion MNIST": s["tasks"]["fashion-lenet5"]}),
     r"task name 'Fashion MNIST'"),
    (lambda s: s["tasks"]["fashion-lenet5"].update(model=s["tasks"]["saliency"]["model"]),
     r"the lenet5 network takes none"),
    (lambda s: s["tasks"]["saliency"]["model"].update(widths=[16, 32, 64, 128, 256]),
     r"study\.tasks\.saliency\.model\.patch"),
])
def test_bad_study_parameters_name_the_key(change, message):
    data = copy.deepcopy(DEFAULT)
    change(data["study"])
    with pytest.raises(ParamsError, match=message):
        parse_params(data)


def test_the_study_and_sweep_are_optional_but_a_sweep_needs_its_task():
    data = copy.deepcopy(DEFAULT)
    del data["study"]
    with pytest.raises(ParamsError, match=r"sweep\.task = 'fashion-lenet5' must be a task of "
                                          r"study\.tasks \(none: no study section\)"):
        parse_params(data)
    del data["sweep"]
    assert parse_params(data).study is None and parse_params(data).sweep is None
    data = copy.deepcopy(DEFAULT)
    data["sweep"]["task"] = "mnist"
    with pytest.raises(ParamsError, match=r"sweep\.task = 'mnist' must be a task of study\.tasks"):
        parse_params(data)
    data["sweep"] = {"task": "fashion-lenet5", "factor": 1.5}
    with pytest.raises(ParamsError, match=r"sweep\.factor = 1\.5"):
        parse_params(data)
