import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from evosynth import synapse_probability, synaptic_probabilities


def test_values_match_hand_computed():
    w = torch.tensor([[0.5, -1.0], [0.25, 0.0]])
    p = synapse_probability(w)
    expected = torch.tensor([[math.exp(0.5 - 1), 1.0], [math.exp(0.25 - 1), math.exp(-1)]])
    torch.testing.assert_close(p, expected)


def test_dead_synapses_have_probability_zero_and_do_not_set_z():
    w = torch.tensor([4.0, 1.0, -2.0])
    alive = torch.tensor([False, True, True])
    p = synapse_probability(w, alive)
    # Z is the max over *alive* synapses: 2.0, not the dead 4.0.
    torch.testing.assert_close(p, torch.tensor([0.0, math.exp(0.5 - 1), 1.0]))


def test_explicit_z_and_global_normalization_require_z():
    w = torch.tensor([1.0, 2.0])
    torch.testing.assert_close(synapse_probability(w, z=4.0),
                               torch.tensor([math.exp(0.25 - 1), math.exp(0.5 - 1)]))
    with pytest.raises(ValueError, match="global"):
        synapse_probability(w, normalization="global")
    with pytest.raises(ValueError, match="normalization"):
        synapse_probability(w, normalization="network")
    with pytest.raises(ValueError, match="shape"):
        synapse_probability(w, alive=torch.ones(3, dtype=torch.bool))


def test_all_zero_layer_gets_one_over_e():
    p = synapse_probability(torch.zeros(3))
    torch.testing.assert_close(p, torch.full((3,), math.exp(-1)))


def test_layer_versus_global_z(small_net):
    with torch.no_grad():
        small_net.conv.weight.fill_(0.5)
        small_net.conv.weight[0, 0, 0, 0] = 2.0
        small_net.up.weight.fill_(1.0)
        small_net.fc.weight.fill_(0.1)
    layer = synaptic_probabilities(small_net, normalization="layer")
    glob = synaptic_probabilities(small_net, normalization="global")
    # Layer-wise: every layer's strongest synapse has probability 1.
    for name, p in layer.items():
        assert float(p.max()) == pytest.approx(1.0), name
    # Global: one Z = 2.0 for the whole network.
    assert float(glob["up.weight"].max()) == pytest.approx(math.exp(1.0 / 2.0 - 1))
    assert float(glob["fc.weight"].max()) == pytest.approx(math.exp(0.1 / 2.0 - 1))
    assert float(layer["fc.weight"].max()) == pytest.approx(1.0)


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=50))
def test_probability_range_for_any_weights(values):
    weights = torch.tensor(values)  # float32: tiny values underflow to 0
    p = synapse_probability(weights)
    assert bool(((p >= 0.3678) & (p <= 1.0)).all())
    assert float(p.max()) == 1.0 or bool((weights == 0).all())
