"""Pruning to a per-layer budget, the study's baselines (evosynth.method.genetics.pruning)."""

import pytest
import torch

from evosynth import MaskError, Masks, layer_budget, prune_to_budget
from evosynth.method.genetics import synaptic_parameters


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
