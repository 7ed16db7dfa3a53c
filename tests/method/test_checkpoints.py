"""Checkpoints (evosynth.method.checkpoints): clean keys, round trips, byte-identical files, structured
networks rebuilt, and safe loading only (``weights_only=True``: an arbitrary pickle is refused).
"""

import ast
from pathlib import Path

import pytest
import torch

from evosynth import Masks, TrainConfig, build_model, synthesize, train
from evosynth.method.checkpoints import load_checkpoint, load_network, save_checkpoint
from evosynth.method.genetics import shrink

from support import ROOT, draw_clusters, saliency_net


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


def test_checkpoints_are_byte_identical_for_identical_networks(tmp_path, small_net):
    """DVC hashes the bytes: the same network saved twice (under different temporary names)
    gives the same file, so a rerun that reproduces the weights changes no hash."""
    from evosynth import Masks, save_checkpoint
    masks = Masks.ones_like(small_net)
    a = save_checkpoint(tmp_path / "a" / "network.pt", small_net, masks, generation="gen0")
    b = save_checkpoint(tmp_path / "b" / "network.pt", small_net, masks, generation="gen0")
    assert a.read_bytes() == b.read_bytes()


def test_structured_checkpoint_loads_safely_and_rebuilds(tmp_path):
    parent = saliency_net()
    child, masks = shrink(parent, draw_clusters(parent)[0])
    path = save_checkpoint(tmp_path / "net.pt", child, masks,
                           channels=list(child.config.conv_channels))
    state = load_checkpoint(path)  # weights_only=True inside
    again = load_network(state, parent.config).eval()
    x = torch.rand(1, 3, 16, 16)
    torch.testing.assert_close(again(x), child(x))


# -- safe loading ----------------------------------------------------------------------------
def _calls(tree: ast.AST, module: str, function: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr == function
            and isinstance(node.func.value, ast.Name) and node.func.value.id == module]


def _keyword(call: ast.Call, name: str):
    for keyword in call.keywords:
        if keyword.arg == name and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return "missing"


def test_package_never_loads_pickles():
    torch_loads, numpy_loads = 0, 0
    for source in sorted((ROOT / "src" / "evosynth").rglob("*.py")):
        tree = ast.parse(source.read_text(), str(source))
        for call in _calls(tree, "torch", "load"):
            torch_loads += 1
            assert _keyword(call, "weights_only") is True, f"{source}:{call.lineno}"
        for call in _calls(tree, "np", "load") + _calls(tree, "numpy", "load"):
            numpy_loads += 1
            assert _keyword(call, "allow_pickle") is False, f"{source}:{call.lineno}"
        for module in ("pickle", "dill", "joblib", "cloudpickle"):
            for function in ("load", "loads", "Unpickler"):
                assert not _calls(tree, module, function), f"{source}: {module}.{function}"
    assert torch_loads >= 2 and numpy_loads >= 1   # the checks above did look at something
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        text = notebook.read_text()
        assert "weights_only=False" not in text and "allow_pickle=True" not in text, notebook


class _Payload:
    """Unpickling this runs code: it creates ``marker`` (what an attacker's file could do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_checkpoint_holding_an_arbitrary_object_is_refused(tmp_path):
    marker, path = tmp_path / "code-ran", tmp_path / "evil.pt"
    torch.save({"model": {}, "masks": None, "extra": _Payload(marker)}, path)
    with pytest.raises(ValueError, match=r"evil\.pt: refused to load.*weights_only=True"):
        load_checkpoint(path)
    assert not marker.exists()
    torch.save(torch.zeros(3), tmp_path / "tensor.pt")   # safe, but not a checkpoint
    with pytest.raises(ValueError, match=r"tensor\.pt: not an evosynth checkpoint"):
        load_checkpoint(tmp_path / "tensor.pt")
    whole = save_checkpoint(tmp_path / "whole.pt", torch.nn.Linear(64, 64), None).read_bytes()
    (tmp_path / "cut.pt").write_bytes(whole[: len(whole) // 2])   # what a non-atomic write
    with pytest.raises(ValueError, match=r"cut\.pt: not a readable checkpoint"):  # leaves
        load_checkpoint(tmp_path / "cut.pt")
