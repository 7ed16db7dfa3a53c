"""Masks through training: dead synapses stay exactly zero (evosynth.method.genetics.masks)."""

import pytest
import torch

from evosynth import TrainConfig, build_model, count_synapses, synthesize, train
from evosynth.method.genetics import synaptic_parameters


def _dead_weights(model, masks):
    params = dict(synaptic_parameters(model))
    return torch.cat([params[n].detach()[~m] for n, m in masks.items()])


@pytest.mark.parametrize("optimizer,weight_decay", [("adam", 0.0), ("adam", 1e-2),
                                                    ("adamw", 0.1), ("sgd", 1e-3)])
def test_dead_synapses_stay_exactly_zero_through_training(shapes, optimizer, weight_decay):
    torch.manual_seed(0)
    model = build_model("tiny")
    masks = synthesize(model, 0.5, torch.Generator().manual_seed(0))
    config = TrainConfig(epochs=3, batch_size=8, optimizer=optimizer, lr=0.05,
                         weight_decay=weight_decay, device="cpu")
    train(model, shapes, config, masks=masks, progress=False)
    dead = _dead_weights(model, masks)
    assert dead.numel() > 0 and bool((dead == 0).all())
    assert count_synapses(model) == masks.count()
    # Gradient hooks are removed after training: a later backward is unmasked.
    model.zero_grad()
    model(torch.rand(1, 3, 16, 16)).sum().backward()
    assert any(bool((p.grad[~masks[n]] != 0).any()) for n, p in synaptic_parameters(model))


def test_plain_optimizer_without_masks_would_revive_dead_synapses(shapes):
    """The protection is needed: without it, weight decay-free Adam still moves zeros."""
    torch.manual_seed(0)
    model = build_model("tiny")
    masks = synthesize(model, 0.5, torch.Generator().manual_seed(0))
    masks.apply_(model)
    train(model, shapes, TrainConfig(epochs=1, batch_size=8, device="cpu"), progress=False)
    assert bool((_dead_weights(model, masks) != 0).any())


def test_dead_synapses_get_no_gradient_so_no_optimizer_state(generator):
    model = build_model("tiny")
    masks = synthesize(model, 0.5, generator)
    handle = masks.attach(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.rand(2, 3, 32, 32)).sum().backward()
    optimizer.step()
    handle.enforce()
    for name, weight in synaptic_parameters(model):
        dead = ~masks[name]
        assert bool((weight.grad[dead] == 0).all()) and bool((weight.grad[~dead] != 0).any())
        assert bool((optimizer.state[weight]["exp_avg"][dead] == 0).all())
    handle.remove()
    assert all(not w._post_accumulate_grad_hooks for _, w in synaptic_parameters(model))


def test_enforce_zeroes_dead_weights_moved_outside_the_gradient(generator):
    """Torch's optimizers leave a zero weight with a zero gradient at zero; ``enforce`` is the
    guarantee for everything else (a loaded state, an update that bypasses the gradient)."""
    model = build_model("tiny")
    masks = synthesize(model, 0.5, generator)
    handle = masks.attach(model)
    with torch.no_grad():
        for _, weight in synaptic_parameters(model):
            weight.add_(1.0)                      # every synapse moved, the dead ones too
    before = {n: w.detach().clone() for n, w in synaptic_parameters(model)}
    handle.enforce()
    for name, weight in synaptic_parameters(model):
        alive = masks[name]
        assert bool((weight[~alive] == 0).all())
        assert torch.equal(weight[alive], before[name][alive])   # the living are untouched
    handle.remove()


def test_training_keeps_dead_synapses_zero_under_an_update_that_bypasses_the_gradient(
        shapes, monkeypatch):
    """An optimizer whose step also moves weights without their gradient (as a decoupled decay
    towards a non-zero value would): ``train`` must still end with every dead synapse at 0."""
    from evosynth.method import training

    class Drifting(torch.optim.SGD):
        @torch.no_grad()
        def step(self, closure=None):
            loss = super().step(closure)
            for group in self.param_groups:
                for p in group["params"]:
                    p.add_(1e-3)
            return loss

    monkeypatch.setattr(training, "_optimizer",
                        lambda model, config, device: Drifting(model.parameters(), lr=config.lr))
    torch.manual_seed(0)
    model = build_model("tiny")
    masks = synthesize(model, 0.5, torch.Generator().manual_seed(0))
    train(model, shapes, TrainConfig(epochs=1, batch_size=8, optimizer="sgd", lr=0.01,
                                     device="cpu"), masks=masks, progress=False)
    dead = _dead_weights(model, masks)
    assert dead.numel() > 0 and bool((dead == 0).all())
