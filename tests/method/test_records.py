"""The per-epoch training records (evosynth.method.records, dvclive)."""

import json

import pytest

from evosynth.method.records import LIVE_METRICS, live_log
from evosynth.method.training import evaluate

from support import noise_set, train_tiny


def test_live_log_writes_the_compact_metrics(tmp_path):
    data = noise_set()
    with live_log(tmp_path / "live") as hook:
        _, result = train_tiny(validate=lambda n: evaluate(n, data).summary(), on_epoch=hook)
    metrics = json.loads((tmp_path / "live" / "metrics.json").read_text())
    assert metrics["step"] == 1
    assert metrics["train"]["loss"] == pytest.approx(result.losses[-1])
    assert set(metrics) == {"step", "train", "val"} and set(metrics["val"]) == {"f_beta_adaptive"}
    rows = (tmp_path / "live" / "plots" / "metrics" / "train" / "loss.tsv").read_text().split()
    assert rows[:2] == ["step", "loss"] and len(rows) == 2 + 2 * 2
    assert LIVE_METRICS == ("train/loss", "val/f_beta_adaptive")
