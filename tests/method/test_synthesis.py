import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from evosynth import MaskError, Masks, count_synapses, synaptic_probabilities, synthesize


def test_offspring_masks_cover_every_synaptic_weight(small_net, generator):
    masks = synthesize(small_net, 0.8, generator)
    assert set(masks) == {"conv.weight", "up.weight", "fc.weight"}
    for name, param in small_net.named_parameters():
        if name in masks:
            assert masks[name].dtype == torch.bool and masks[name].shape == param.shape


def test_empirical_survival_rate_matches_factor_times_probability():
    layer = nn.Linear(400, 50, bias=False)
    torch.manual_seed(3)
    nn.init.uniform_(layer.weight, -1, 1)
    net = nn.Sequential(layer)
    factor = 0.6
    p = synaptic_probabilities(net)["0.weight"]
    draws = 200
    g = torch.Generator().manual_seed(0)
    survived = torch.zeros_like(p)
    for _ in range(draws):
        survived += synthesize(net, factor, g)["0.weight"].float()
    rate = survived / draws
    expected = factor * p
    # Per synapse: binomial standard error; 6 sigma bound holds for all 20k synapses.
    sigma = torch.sqrt(expected * (1 - expected) / draws)
    assert bool(((rate - expected).abs() <= 6 * sigma + 1e-9).all())
    # In aggregate, much tighter.
    assert float(rate.mean()) == pytest.approx(float(expected.mean()), rel=0.005)


def test_factor_scales_survival(small_net):
    counts = {}
    for factor in (0.2, 0.5, 1.0):
        g = torch.Generator().manual_seed(0)
        counts[factor] = sum(count_synapses(synthesize(small_net, factor, g)) for _ in range(50))
    assert counts[0.2] < counts[0.5] < counts[1.0]
    assert counts[0.2] / counts[1.0] == pytest.approx(0.2, rel=0.1)
    assert counts[0.5] / counts[1.0] == pytest.approx(0.5, rel=0.1)


def test_factor_one_keeps_strongest_synapse_always(small_net):
    for seed in range(20):
        masks = synthesize(small_net, 1.0, torch.Generator().manual_seed(seed))
        strongest = small_net.fc.weight.abs().argmax()
        assert bool(masks["fc.weight"].flatten()[strongest])


def test_offspring_is_subset_of_parent(small_net, generator):
    parent = synthesize(small_net, 0.7, generator)
    for _ in range(5):
        child = synthesize(small_net, 0.9, generator, masks=parent)
        assert child.is_subset_of(parent)
        assert child.count() <= parent.count()
        parent = child


def test_same_seed_same_offspring_different_seed_differs(small_net):
    a = synthesize(small_net, 0.5, torch.Generator().manual_seed(7))
    b = synthesize(small_net, 0.5, torch.Generator().manual_seed(7))
    c = synthesize(small_net, 0.5, torch.Generator().manual_seed(8))
    assert all(torch.equal(a[n], b[n]) for n in a)
    assert any(not torch.equal(a[n], c[n]) for n in a)


@pytest.mark.parametrize("factor", [0, -0.1, 1.5, float("nan"), "0.5", True])
def test_bad_factor_is_rejected(small_net, generator, factor):
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        synthesize(small_net, factor, generator)


def test_bad_generator_and_masks(small_net):
    with pytest.raises(TypeError, match="generator"):
        synthesize(small_net, 0.5, 42)
    wrong = Masks({"conv.weight": torch.ones(1, dtype=torch.bool)})
    with pytest.raises(MaskError, match="missing masks"):
        synthesize(small_net, 0.5, torch.Generator(), masks=wrong)
    masks = Masks.ones_like(small_net)
    masks["fc.weight"] = torch.ones(2, 2, dtype=torch.bool)
    with pytest.raises(MaskError, match="fc.weight"):
        synthesize(small_net, 0.5, torch.Generator(), masks=masks)
    with pytest.raises(MaskError, match="dtype"):
        Masks({"a": torch.ones(2)})


def test_global_normalization_changes_which_layers_thin(small_net):
    with torch.no_grad():
        small_net.fc.weight.mul_(0.01)  # a layer of weak synapses
    g = torch.Generator().manual_seed(0)
    layer = [synthesize(small_net, 1.0, g)["fc.weight"].float().mean() for _ in range(50)]
    glob = [synthesize(small_net, 1.0, g, normalization="global")["fc.weight"].float().mean()
            for _ in range(50)]
    # Globally normalised, the weak layer sits near the 1/e floor.
    assert float(torch.stack(glob).mean()) == pytest.approx(math.exp(-1), abs=0.05)
    assert float(torch.stack(layer).mean()) > float(torch.stack(glob).mean()) + 0.1


# -- properties over random networks, weights, factors and masks ------------------------------
@st.composite
def networks(draw):
    torch.manual_seed(draw(st.integers(0, 2**16)))
    layers = []
    channels = draw(st.integers(1, 4))
    for _ in range(draw(st.integers(1, 3))):
        out = draw(st.integers(1, 5))
        k = draw(st.sampled_from([1, 3]))
        layers.append(nn.Conv2d(channels, out, k))
        channels = out
    layers.append(nn.Linear(channels, draw(st.integers(1, 4))))
    net = nn.Sequential(*layers)
    scale = draw(st.sampled_from([0.0, 1e-6, 1.0, 1e3]))
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(scale)
    return net


@settings(max_examples=60, deadline=None)
@given(net=networks(), factor=st.floats(1e-3, 1.0), seed=st.integers(0, 2**31 - 1),
       parent_density=st.floats(0.0, 1.0), normalization=st.sampled_from(["layer", "global"]))
def test_synthesis_invariants(net, factor, seed, parent_density, normalization):
    g = torch.Generator().manual_seed(seed)
    parent = Masks({n: torch.rand(m.shape, generator=g) < parent_density
                    for n, m in Masks.ones_like(net).items()})
    probabilities = synaptic_probabilities(net, parent, normalization)
    for name, p in probabilities.items():
        assert bool(((p >= 0) & (p <= 1)).all())
        assert bool((p[~parent[name]] == 0).all())
        if parent[name].any() and normalization == "layer":
            assert float(p[parent[name]].min()) >= torch.exp(torch.tensor(-1.0)).item() - 1e-6
    child = synthesize(net, factor, torch.Generator().manual_seed(seed), masks=parent,
                       normalization=normalization)
    again = synthesize(net, factor, torch.Generator().manual_seed(seed), masks=parent,
                       normalization=normalization)
    assert child.is_subset_of(parent)
    assert all(torch.equal(child[n], again[n]) for n in child)
    assert count_synapses(child) == child.count() == sum(int(m.sum()) for m in child.values())
    assert child.count() <= parent.count() <= child.total()
