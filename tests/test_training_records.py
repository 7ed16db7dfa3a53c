"""Per-epoch records, the phase clock, bf16 training and the study's paired differences."""

import json
import math

import pytest
import torch
from torch.utils.data import TensorDataset

from evosynth import TrainConfig, build_model, train
from evosynth.metrics import SaliencyMetrics, _has_float64
from evosynth.records import LIVE_METRICS, live_log
from evosynth.study import paired_differences
from evosynth.training import evaluate


def _data(n=16, size=32):
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.rand(n, 3, size, size, generator=g),
                         (torch.rand(n, 1, size, size, generator=g) > 0.6).float())


def _trained(**kwargs):
    torch.manual_seed(0)
    net = build_model("tiny")
    result = train(net, _data(), TrainConfig(epochs=2, batch_size=8), progress=False, **kwargs)
    return net, result


def test_validation_and_phase_clock_change_no_weight():
    plain, _ = _trained()
    phases = {}
    data = _data()
    timed, result = _trained(phases=phases, validate=lambda n: evaluate(n, data).summary())
    for a, b in zip(plain.state_dict().values(), timed.state_dict().values()):
        assert torch.equal(a, b)
    assert {"data", "forward", "backward", "optimizer", "validation"} <= set(phases)
    assert all(v >= 0 for v in phases.values())
    assert [r["epoch"] for r in result.history] == [1, 2]
    last = evaluate(timed, data).summary()
    assert result.history[-1]["val/f_beta_adaptive"] == last["f_beta_adaptive"]
    assert result.history[-1]["train/loss"] == result.losses[-1]


def test_live_log_writes_the_compact_metrics(tmp_path):
    data = _data()
    with live_log(tmp_path / "live") as hook:
        _, result = _trained(validate=lambda n: evaluate(n, data).summary(), on_epoch=hook)
    metrics = json.loads((tmp_path / "live" / "metrics.json").read_text())
    assert metrics["step"] == 1
    assert metrics["train"]["loss"] == pytest.approx(result.losses[-1])
    assert set(metrics) == {"step", "train", "val"} and set(metrics["val"]) == {"f_beta_adaptive"}
    rows = (tmp_path / "live" / "plots" / "metrics" / "train" / "loss.tsv").read_text().split()
    assert rows[:2] == ["step", "loss"] and len(rows) == 2 + 2 * 2
    assert LIVE_METRICS == ("train/loss", "val/f_beta_adaptive")


def test_bf16_trains_with_an_fp32_loss_and_differs_from_fp32():
    torch.manual_seed(0)
    net = build_model("tiny")
    seen = []
    result = train(net, _data(), TrainConfig(epochs=2, batch_size=8, precision="bf16"),
                   progress=False, loss_fn=lambda out, y: seen.append(out.dtype) or
                   torch.nn.functional.binary_cross_entropy_with_logits(out, y))
    assert seen and set(seen) == {torch.float32} and math.isfinite(result.losses[0])
    assert all(p.dtype == torch.float32 for p in net.parameters())
    fp32, _ = _trained()
    assert any(not torch.equal(a, b) for a, b in zip(fp32.parameters(), net.parameters()))
    with pytest.raises(ValueError, match="train.precision must be one of"):
        TrainConfig(precision="fp16")


def test_metrics_leave_mps_for_the_cpu():
    assert not _has_float64(torch.device("mps")) and _has_float64(torch.device("cpu"))
    metrics = SaliencyMetrics()
    metrics.update(torch.rand(2, 8, 8), torch.rand(2, 8, 8) > 0.5)
    assert metrics.compute().n_images == 2


def test_paired_differences_pair_each_seed_with_itself():
    results = {f"t/{m}/seed{s}/gen{g}": {"score": v, "reduction": 1.0}
               for m, base in (("darwin/inherit", 0.5), ("magnitude/inherit", 0.4))
               for s, shift in ((0, 0.0), (1, 0.1), (2, 0.2))
               for g, v in ((0, base + shift), (1, base + shift + (0.05 if m[0] == "d" else 0)))}
    rows = paired_differences(results, "score", "t", "darwin/inherit", "magnitude/inherit")
    assert [r.generation for r in rows] == [0, 1]
    assert rows[0].mean == pytest.approx(0.1) and rows[0].std == pytest.approx(0.0, abs=1e-12)
    assert rows[1].mean == pytest.approx(0.15) and rows[1].n == 3
    assert paired_differences(results, "score", "other", "darwin/inherit", "x") == []
