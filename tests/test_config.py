import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evosynth.config import ParamsError, load_params, parse_params

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = yaml.safe_load((ROOT / "params.yaml").read_text())


@pytest.mark.parametrize("profile", ["params.yaml", "profiles/smoke.yaml"])
def test_shipped_parameter_files_are_valid(profile):
    params = load_params(ROOT / profile)
    assert params.generation.generations == ["gen1", "gen2", "gen3", "gen4"]


def _set(data, dotted, value):
    node = data
    *path, last = dotted.split(".")
    for key in path:
        node = node[key]
    node[last] = value


@pytest.mark.parametrize("key,value,message", [
    ("prepare.image_sise", 64, r"prepare\.image_sise = 64: unknown key"),
    ("prepare.image_size", "64", r"prepare\.image_size = '64': Input should be a valid integer"),
    ("prepare.n_train", 0, r"prepare\.n_train = 0: Input should be greater than or equal to 1"),
    ("prepare.dataset", "msra", r"prepare\.dataset = 'msra'"),
    ("ancestor.train.lr", -1.0, r"ancestor\.train\.lr = -1\.0"),
    ("ancestor.train.epochs", 2.5, r"ancestor\.train\.epochs = 2\.5"),
    ("generation.init", "clone", r"generation\.init = 'clone'"),
    ("generation.lineage.gen2.environment", {"kind": "constant", "factor": 1.5},
     r"generation\.lineage\.gen2\.environment\.factor = 1\.5: Input should be less than or equal to 1"),
    ("generation.lineage.gen2.environment", {"kind": "constant", "factor": 0},
     r"factor = 0: Input should be greater than 0"),
    ("generation.lineage.gen3.parent", "gen1", r"lineage\.gen3\.parent must be 'gen2'"),
    ("generation.lineage", {}, r"needs at least 1 generation"),
    ("generation.lineage.gen4.epochs", 0, r"lineage\.gen4\.epochs = 0: Input should be greater"),
    ("prepare.folder.root", None, None),
])
def test_bad_parameters_name_the_key(key, value, message):
    data = copy.deepcopy(DEFAULT)
    _set(data, key, value)
    if message is None:
        parse_params(data)  # a valid change
        return
    with pytest.raises(ParamsError, match=message):
        parse_params(data)


def test_a_generation_can_train_longer_than_the_others():
    data = copy.deepcopy(DEFAULT)
    data["generation"]["lineage"]["gen4"]["epochs"] = 30
    data["generation"]["lineage"]["gen2"].pop("epochs", None)
    g = parse_params(data).generation
    assert g.train_for("gen4").epochs == 30
    assert g.train_for("gen2").epochs == g.train.epochs
    assert g.train_for("gen4").lr == g.train.lr  # only the epochs change


def test_folder_dataset_needs_a_root():
    data = copy.deepcopy(DEFAULT)
    data["prepare"]["dataset"] = "folder"
    with pytest.raises(ParamsError, match="folder.root"):
        parse_params(data)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_text("prepare: [1, 2\n")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(tmp_path / "bad.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n")
    with pytest.raises(ParamsError, match="mapping of sections"):
        load_params(tmp_path / "list.yaml")


def test_check_command(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "evosynth", "check"], cwd=ROOT,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "params.yaml: ok" in ok.stdout and "synapses" in ok.stdout
    data = copy.deepcopy(DEFAULT)
    data["ancestor"]["train"]["optimiser"] = "adam"
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data))
    bad = subprocess.run([sys.executable, "-m", "evosynth", "check", "--params",
                          str(tmp_path / "p.yaml")], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2
    assert "ancestor.train.optimiser" in bad.stderr and "unknown key" in bad.stderr
