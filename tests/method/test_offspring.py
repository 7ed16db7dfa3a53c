"""Initialisation of an offspring's weights: newborn, inherit, rewind
(evosynth.method.genetics.offspring)."""

import pytest
import torch

from evosynth import INIT_MODES, build_model, count_synapses, init_offspring, synthesize


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
