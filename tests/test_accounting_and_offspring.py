import pytest
import torch

from evosynth import (INIT_MODES, Masks, build_model, count_synapses, init_offspring,
                      synapse_report, synthesize)


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


@pytest.fixture
def parent_and_child():
    torch.manual_seed(0)
    parent = build_model("tiny")
    masks = synthesize(parent, 0.5, torch.Generator().manual_seed(0))
    return parent, masks


def test_newborn_is_fresh_and_masked(parent_and_child):
    parent, masks = parent_and_child
    a = init_offspring(build_model("tiny"), masks, "newborn", seed=5)
    b = init_offspring(build_model("tiny"), masks, "newborn", seed=5)
    c = init_offspring(build_model("tiny"), masks, "newborn", seed=6)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not torch.equal(a.head.weight, c.head.weight)
    w_parent = parent.encoder[0][0].weight
    w_child = a.encoder[0][0].weight
    alive = masks["encoder.0.0.weight"]
    assert not torch.equal(w_child[alive], w_parent[alive])
    assert count_synapses(a) == masks.count()


def test_inherit_keeps_parent_weights_of_survivors(parent_and_child):
    parent, masks = parent_and_child
    child = init_offspring(build_model("tiny"), masks, "inherit", parent_state=parent.state_dict())
    for name, mask in masks.items():
        w_child = dict(child.named_parameters())[name]
        w_parent = dict(parent.named_parameters())[name]
        assert torch.equal(w_child[mask], w_parent[mask])
        assert bool((w_child[~mask] == 0).all())


def test_rewind_starts_from_early_ancestor_weights(parent_and_child):
    parent, masks = parent_and_child
    torch.manual_seed(99)
    early = build_model("tiny").state_dict()
    child = init_offspring(build_model("tiny"), masks, "rewind", rewind_state=early)
    name = "bottleneck.0.weight"
    assert torch.equal(dict(child.named_parameters())[name], early[name] * masks[name])


def test_init_mode_errors(parent_and_child):
    _, masks = parent_and_child
    assert set(INIT_MODES) == {"newborn", "inherit", "rewind"}
    with pytest.raises(ValueError, match="init mode must be one of"):
        init_offspring(build_model("tiny"), masks, "clone")
    with pytest.raises(ValueError, match="parent_state"):
        init_offspring(build_model("tiny"), masks, "inherit")
    with pytest.raises(ValueError, match="rewind_state"):
        init_offspring(build_model("tiny"), masks, "rewind")
