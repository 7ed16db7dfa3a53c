"""Synapse counts and per-layer reports (evosynth.method.genetics.accounting)."""

import pytest
import torch

from evosynth import Masks, build_model, count_synapses, synapse_report


def test_counts_on_a_known_model(small_net):
    # conv 4*3*3*3 = 108, conv-transpose 4*2*2*2 = 32, linear 5*8 = 40; biases excluded.
    assert count_synapses(small_net) == 108 + 32 + 40
    assert count_synapses(Masks.ones_like(small_net)) == 180
    with torch.no_grad():
        small_net.conv.weight[0].zero_()
    assert count_synapses(small_net) == 180 - 27


def test_report_counts_dead_neurons(small_net):
    masks = Masks.ones_like(small_net)
    masks["conv.weight"][1] = False          # output channel 1: no incoming synapse
    masks["up.weight"][:, 0] = False         # transposed conv: dim 1 indexes outputs
    masks["fc.weight"][2, :7] = False        # unit 2 keeps one synapse: still alive
    rows = {r.name: r for r in synapse_report(masks)}
    assert rows["conv.weight"].neurons == 4 and rows["conv.weight"].neurons_alive == 3
    assert rows["fc.weight"].neurons_alive == 5
    assert rows["conv.weight"].density == pytest.approx(3 / 4)
    # Given the model, transposed convolutions are recognised.
    masks.apply_(small_net)
    rows = {r.name: r for r in synapse_report(small_net)}
    assert rows["up.weight"].neurons == 2 and rows["up.weight"].neurons_alive == 1
    assert rows["conv.weight"].as_dict()["shape"] == "4x3x3x3"


def test_tiny_preset_has_known_synapse_count():
    # widths (4, 8), bottleneck 8: 3*4*9 + 4*8*9 + 8*8*9 + 16*8*9 + 12*4*9 + 4*1 = 2560
    assert count_synapses(build_model("tiny")) == 2560
