"""The package's public API (evosynth/__init__.py): documented, and its example runs."""

import pydoc

import torch

import evosynth


def test_public_api_is_documented():
    for name in evosynth.__all__:
        obj = getattr(evosynth, name)
        if callable(obj) and not isinstance(obj, dict):
            assert obj.__doc__ and obj.__doc__.strip(), f"evosynth.{name} has no docstring"
    text = pydoc.render_doc(evosynth.synthesize, renderer=pydoc.plaintext)
    for words in ("F(E)", "P(s | w)", "Args:", "Returns:", "generator", "offspring"):
        assert words in text


def test_doctest_of_package_docstring_runs():
    net = evosynth.build_model("tiny")
    child = evosynth.synthesize(net, factor=0.7, generator=torch.Generator().manual_seed(0))
    assert evosynth.count_synapses(child) < evosynth.count_synapses(net)
