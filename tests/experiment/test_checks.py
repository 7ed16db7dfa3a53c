"""Validation before any work (evosynth.experiment.checks and ``python -m evosynth check``): a missing
data path fails, naming the key and value."""

import copy
import shutil
import subprocess
import sys

import pytest
import yaml

from evosynth.experiment.checks import check_data
from evosynth.publish.check import check_setup
from evosynth.experiment.config import ParamsError, parse_params

from support import ROOT, tiny_params, write_folder_dataset, write_params

DEFAULT = yaml.safe_load((ROOT / "params.yaml").read_text())


@pytest.mark.parametrize("change,message", [
    ({"dataset": "fashion-composite", "raw": "no/such/raw"},
     r"prepare\.raw = 'no/such/raw': folder not found"),
    ({"dataset": "folder", "folder": {"root": "no/such/set"}},
     r"prepare\.folder\.root = 'no/such/set': folder not found"),
])
def test_missing_data_path_fails_check_naming_key_and_value(tmp_path, monkeypatch, change,
                                                            message):
    monkeypatch.chdir(tmp_path)
    params = write_params(tmp_path / "p.yaml", tiny_params(**change))
    with pytest.raises(ParamsError, match=message):
        check_setup(params)


def test_folder_data_set_paths_are_checked_key_by_key(tmp_path):
    write_folder_dataset(tmp_path / "set")
    prepare = parse_params(tiny_params(dataset="folder", folder={"root": str(tmp_path / "set")}))
    assert check_data(prepare.prepare, read=True) == f"folder {tmp_path / 'set'} (2/2/2 images)"
    (tmp_path / "set" / "val.txt").unlink()
    with pytest.raises(ParamsError, match=r"prepare\.folder\.val_split = 'val': .*val\.txt not"):
        check_data(prepare.prepare)
    shutil.rmtree(tmp_path / "set" / "masks")
    with pytest.raises(ParamsError, match=r"prepare\.folder\.mask_dir = 'masks'"):
        check_data(prepare.prepare)


def test_check_command_reports_a_missing_data_path(tmp_path):
    params = write_params(tmp_path / "p.yaml", tiny_params(dataset="fashion-composite",
                                                      raw=str(tmp_path / "raw")))
    done = subprocess.run([sys.executable, "-m", "evosynth", "check", "--params", str(params)],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert f"prepare.raw = '{tmp_path / 'raw'}': folder not found" in done.stderr
    assert "fetch-data" in done.stderr


@pytest.mark.needs_raw_data
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
