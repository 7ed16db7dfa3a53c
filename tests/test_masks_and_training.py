import pytest
import torch

from evosynth import (Masks, TrainConfig, build_model, count_synapses, load_checkpoint,
                      make_shapes, save_checkpoint, select_device, synthesize, train)
from evosynth.genetics import synaptic_parameters


@pytest.fixture(scope="module")
def shapes():
    return make_shapes(24, size=16, seed=0).tensors()


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


def test_state_dict_keys_stay_clean_and_checkpoint_round_trips(tmp_path, shapes):
    torch.manual_seed(0)
    model = build_model("tiny")
    keys = list(model.state_dict())
    masks = synthesize(model, 0.5, torch.Generator().manual_seed(0))
    train(model, shapes, TrainConfig(epochs=1, batch_size=8, device="cpu"), masks=masks,
          progress=False)
    assert list(model.state_dict()) == keys  # no weight_orig / weight_mask renaming
    path = save_checkpoint(tmp_path / "gen1.pt", model, masks, generation=1)
    state = load_checkpoint(path)  # weights_only=True inside
    assert state["generation"] == 1
    assert isinstance(state["masks"], Masks)
    assert all(torch.equal(state["masks"][n], masks[n]) for n in masks)
    clone = build_model("tiny")
    clone.load_state_dict(state["model"])
    assert all(torch.equal(a, b) for a, b in zip(clone.state_dict().values(),
                                                 model.state_dict().values()))
    assert [p.name for p in tmp_path.iterdir()] == ["gen1.pt"]  # no temp file left behind


def test_failed_checkpoint_write_leaves_nothing(tmp_path):
    model = build_model("tiny")
    with pytest.raises(TypeError):
        save_checkpoint(tmp_path / "bad.pt", model, None, oops=object())
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="junk.pt"):
        load_checkpoint(tmp_path / "junk.pt")


def test_training_is_deterministic_on_cpu_and_learns(shapes):
    results = []
    for _ in range(2):
        torch.manual_seed(0)
        model = build_model("tiny")
        result = train(model, shapes, TrainConfig(epochs=4, batch_size=8, lr=0.01, seed=3,
                                                  device="cpu"), progress=False)
        results.append((model.state_dict(), result.losses))
    (a, losses_a), (b, losses_b) = results
    assert losses_a == losses_b
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert losses_a[-1] < losses_a[0]


def test_rewind_state_is_recorded(shapes):
    torch.manual_seed(0)
    model = build_model("tiny")
    result = train(model, shapes, TrainConfig(epochs=2, batch_size=8, rewind_steps=2,
                                              device="cpu"), progress=False)
    assert result.rewind_state is not None
    assert set(result.rewind_state) == set(model.state_dict())
    assert any(not torch.equal(result.rewind_state[k], v)
               for k, v in model.state_dict().items() if v.is_floating_point())


def test_select_device_and_bad_config():
    assert select_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else None
    if expected:
        assert select_device().type == expected
    elif not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        assert select_device().type == "cpu"
    with pytest.raises(ValueError, match="train.optimizer"):
        TrainConfig(optimizer="rmsprop")
    with pytest.raises(ValueError, match="train.epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match="train.lr"):
        TrainConfig(lr=0)


def test_checkpoints_are_byte_identical_for_identical_networks(tmp_path, small_net):
    """DVC hashes the bytes: the same network saved twice (under different temporary names)
    gives the same file, so a rerun that reproduces the weights changes no hash."""
    from evosynth import Masks, save_checkpoint
    masks = Masks.ones_like(small_net)
    a = save_checkpoint(tmp_path / "a" / "network.pt", small_net, masks, generation="gen0")
    b = save_checkpoint(tmp_path / "b" / "network.pt", small_net, masks, generation="gen0")
    assert a.read_bytes() == b.read_bytes()
