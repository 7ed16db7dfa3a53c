"""The measured training step of ``python -m evosynth estimate`` and
``benchmarks/precision.py``: its weights' digest says whether two runs computed alike."""

import re

import pytest
import torch

from evosynth.experiment.config import parse_params
from evosynth.experiment.estimate import measure_step, weights_digest
from evosynth.method.models import SaliencyNet

from support import tiny_params


@pytest.fixture(scope="module")
def params():
    return parse_params(tiny_params())


def test_the_same_steps_give_the_same_digest_and_more_steps_another(params):
    first = measure_step(params, steps=1, warmup=1, precision="fp32")
    again = measure_step(params, steps=1, warmup=1, precision="fp32")
    longer = measure_step(params, steps=2, warmup=1, precision="fp32")
    assert re.fullmatch(r"[0-9a-f]{16}", first.digest), first.digest
    assert first.digest == again.digest
    assert longer.digest != first.digest
    assert (first.precision, first.device) == ("fp32", "cpu")
    assert first.seconds > 0


def test_bf16_steps_round_otherwise_than_fp32(params):
    fp32 = measure_step(params, steps=1, warmup=0, precision="fp32")
    bf16 = measure_step(params, steps=1, warmup=0, precision="bf16")
    assert bf16.precision == "bf16"
    assert bf16.digest != fp32.digest


def test_the_digest_sees_every_parameter_and_buffer(params):
    model = SaliencyNet(params.ancestor.model.to_config())
    before = weights_digest(model)
    assert weights_digest(model) == before
    with torch.no_grad():
        last = list(model.parameters())[-1]
        last.view(-1)[0] = torch.nextafter(last.view(-1)[0], torch.tensor(float("inf")))
    assert weights_digest(model) != before             # one bit of one weight
    changed = weights_digest(model)
    counters = [b for b in model.buffers() if b.dim() == 0]
    assert counters, "the tiny network has no batch-norm step counter"
    counters[0] += 1                                   # a buffer, not a parameter
    assert weights_digest(model) != changed
