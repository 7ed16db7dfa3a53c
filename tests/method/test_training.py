"""The training loop (evosynth.method.training): determinism, the rewind state, the device, the
configuration, validation and the phase clock, bf16."""

import math

import pytest
import torch

from evosynth import TrainConfig, build_model, select_device, train
from evosynth.method.training import CPU_BF16_ENV, cpu_bf16, evaluate, resolve_precision
from torch.optim.optimizer import register_optimizer_step_post_hook

from support import noise_set, train_tiny


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


def test_validation_and_phase_clock_change_no_weight():
    plain, _ = train_tiny()
    phases = {}
    data = noise_set()
    timed, result = train_tiny(phases=phases, validate=lambda n: evaluate(n, data).summary())
    for a, b in zip(plain.state_dict().values(), timed.state_dict().values()):
        assert torch.equal(a, b)
    assert {"data", "forward", "backward", "optimizer", "validation"} <= set(phases)
    assert all(v >= 0 for v in phases.values())
    assert [r["epoch"] for r in result.history] == [1, 2]
    last = evaluate(timed, data).summary()
    assert result.history[-1]["val/f_beta_adaptive"] == last["f_beta_adaptive"]
    assert result.history[-1]["train/loss"] == result.losses[-1]


def test_bf16_trains_with_an_fp32_loss_and_differs_from_fp32():
    torch.manual_seed(0)
    net = build_model("tiny")
    seen = []
    result = train(net, noise_set(), TrainConfig(epochs=2, batch_size=8, precision="bf16"),
                   progress=False, loss_fn=lambda out, y: seen.append(out.dtype) or
                   torch.nn.functional.binary_cross_entropy_with_logits(out, y))
    assert seen and set(seen) == {torch.float32} and math.isfinite(result.losses[0])
    assert all(p.dtype == torch.float32 for p in net.parameters())
    fp32, _ = train_tiny()
    assert any(not torch.equal(a, b) for a, b in zip(fp32.parameters(), net.parameters()))
    with pytest.raises(ValueError, match="train.precision must be one of"):
        TrainConfig(precision="fp16")


@pytest.mark.parametrize("optimizer,fused", [("adam", True), ("adamw", True), ("sgd", None)])
def test_adam_steps_with_the_fused_kernel_on_cpu(optimizer, fused):
    seen = []
    handle = register_optimizer_step_post_hook(
        lambda opt, args, kwargs: seen.append((type(opt).__name__, opt.defaults.get("fused"))))
    try:
        torch.manual_seed(0)
        train(build_model("tiny"), noise_set(), TrainConfig(epochs=1, batch_size=8,
              optimizer=optimizer, device="cpu"), progress=False)
    finally:
        handle.remove()
    assert seen and {f for _, f in seen} == {fused}


@pytest.mark.parametrize("kind,expected", [("none", "fp32"), ("avx512_bf16", "bf16"),
                                           ("amx", "bf16")])
def test_auto_precision_follows_the_cpus_bf16_kind(monkeypatch, kind, expected):
    monkeypatch.setenv(CPU_BF16_ENV, kind)
    assert cpu_bf16() == kind
    cpu = torch.device("cpu")
    assert resolve_precision("auto", cpu) == expected
    assert resolve_precision("fp32", cpu) == "fp32" and resolve_precision("bf16", cpu) == "bf16"
    assert resolve_precision("auto", torch.device("mps")) == "fp32"


def test_auto_on_a_cpu_without_bf16_trains_exactly_as_fp32(monkeypatch):
    monkeypatch.setenv(CPU_BF16_ENV, "none")
    fp32, plain = train_tiny()
    auto, result = train_tiny(precision="auto")
    assert result.precision == "fp32" and plain.precision == "fp32"
    assert all(torch.equal(a, b) for a, b in zip(fp32.parameters(), auto.parameters()))
    monkeypatch.setenv(CPU_BF16_ENV, "amx")
    bf16, result = train_tiny(precision="auto")
    assert result.precision == "bf16"
    assert any(not torch.equal(a, b) for a, b in zip(fp32.parameters(), bf16.parameters()))


def test_a_forced_bf16_kind_must_be_a_known_one(monkeypatch):
    monkeypatch.setenv(CPU_BF16_ENV, "avx2")
    with pytest.raises(ValueError, match=r"\$EVOSYNTH_CPU_BF16 must be one of amx, "
                                         r"avx512_bf16, none, got 'avx2'"):
        cpu_bf16()
