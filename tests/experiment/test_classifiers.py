"""The second task's networks and data (evosynth.experiment.classifiers)."""

import pytest
import torch

from evosynth.experiment.classifiers import LeNet5, build_classifier, fashion_split
from evosynth.method.genetics import synaptic_parameters

from support import ROOT


def test_lenet5_has_the_textbook_synapse_count():
    # conv 1->6 5x5, conv 6->16 5x5, fc 400->120, 120->84, 84->10
    assert sum(w.numel() for _, w in synaptic_parameters(LeNet5())) == \
        6 * 25 + 16 * 6 * 25 + 400 * 120 + 120 * 84 + 84 * 10


@pytest.mark.parametrize("name", ["lenet5", "resnet"])
def test_classifiers_take_grey_garments(name):
    net = build_classifier(name).eval()
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match="classifier must be one of"):
        build_classifier("vgg")


@pytest.mark.needs_raw_data
def test_fashion_split_subsets_are_seeded():
    a = fashion_split(ROOT / "data" / "raw", "t10k", 50, seed=1)
    b = fashion_split(ROOT / "data" / "raw", "t10k", 50, seed=1)
    c = fashion_split(ROOT / "data" / "raw", "t10k", 50, seed=2)
    assert a.tensors[0].shape == (50, 1, 28, 28) and torch.equal(a.tensors[0], b.tensors[0])
    assert torch.equal(a.tensors[1], b.tensors[1])
    assert not torch.equal(a.tensors[0], c.tensors[0]), "another seed must draw other images"
    assert int(a.tensors[1].min()) >= 0 and int(a.tensors[1].max()) <= 9
    with pytest.raises(ValueError, match=r"n must be in \[1, 10000\]"):
        fashion_split(ROOT / "data" / "raw", "t10k", 0)
