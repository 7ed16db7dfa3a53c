"""Property-based tests of the synthesis engine over random shapes, weights, factors, masks."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from evosynth import Masks, count_synapses, synapse_probability, synaptic_probabilities, synthesize


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


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=50))
def test_probability_range_for_any_weights(values):
    weights = torch.tensor(values)  # float32: tiny values underflow to 0
    p = synapse_probability(weights)
    assert bool(((p >= 0.3678) & (p <= 1.0)).all())
    assert float(p.max()) == 1.0 or bool((weights == 0).all())
