"""The README is short, its generated sections are those of the committed run, and every number
it types is checked here against the records (a new typed number fails until it is checked)."""

import json
import re
import runpy

from evosynth.experiment.config import load_params

from support import ROOT

README = (ROOT / "README.md").read_text()
SECTIONS = runpy.run_path(str(ROOT / "scripts" / "readme_sections.py"), run_name="readme")
GENERATED = re.compile(r"<!-- ([a-z-]+) -->.*?<!-- /\1 -->", re.S)


def typed_text() -> str:
    """The README without its generated sections and code blocks."""
    return re.sub(r"```.*?```", "", GENERATED.sub("", README), flags=re.S)


def test_short():
    assert len(README.encode()) <= 10_240


def test_generated_sections_are_the_committed_run():
    assert SECTIONS["fill"](README, SECTIONS["sections"]()) == README, \
        "python scripts/readme_sections.py"


def test_refers_to_nothing_outside_the_repository():
    assert "../" not in typed_text() and "/work/" not in README


def test_every_typed_number_is_checked():
    params = load_params(ROOT / "params.yaml")
    machine = json.loads((ROOT / "results" / "gen0" / "summary.json").read_text())["machine"]
    training = float(SECTIONS["training_minutes"]())
    main_job = float(SECTIONS["main_job_minutes"]())   # generated sections, checked above
    assert training <= main_job <= training + 3, (training, main_job)
    times = json.loads((ROOT / "benchmarks" / "results" / "stage_times.json").read_text())
    assert times["machine"]["cpu_bf16"] == machine["cpu_bf16"] == "amx"   # "Intel Xeon with AMX"
    assert machine["cpu_cores"] == 2 and "Intel" in machine["cpu"]
    rerun = json.loads((ROOT / "benchmarks" / "results" / "rerun" / "stage_times.json").read_text())
    assert "AMD EPYC" in rerun["machine"]["cpu"] and rerun["machine"]["cpu_cores"] == 2   # "AMD EPYC"
    assert rerun["machine"]["cpu_bf16"] != "amx"
    checked = {
        "48": "the paper's ~48-fold decrease", "603": "pages", "613": "pages", "2018": "year",
        "10.1007/s11063-017-9733-0": "the paper's DOI", "11063": "DOI", "017": "DOI",
        "9733": "DOI", "0": "DOI", "3.11": "Python",
        str(params.ancestor.train.epochs): "ancestor.train.epochs",
        str(machine["cpu_cores"]): "the records' machine",
        "0.7": "the code example's factor", "10.1007": "DOI", "256": "SHA-256",
        "512": "AVX-512, an instruction set's name",
    }
    assert params.ancestor.train.epochs == 96
    words = re.findall(r"(?<![\w.])\d+(?:\.\d+)*(?![\w])", typed_text().replace("·", " "))
    unchecked = sorted(set(words) - set(checked) - {"1"})
    assert unchecked == [], f"numbers typed in README.md that no test checks: {unchecked}"


def test_the_timing_table_has_one_row_per_kind_and_says_when_tests_failed(tmp_path):
    """main_job/<kind>.json and test_suite/<kind>.json join by name; a kind measured by one
    command only says the other was not measured; a failing test run is not shown as a time."""
    results = tmp_path / "benchmarks" / "results"
    (results / "main_job").mkdir(parents=True)
    (results / "test_suite").mkdir()
    machine = {"cpu": "AMD EPYC", "cpu_bf16": "none"}
    (results / "main_job" / "zen3.json").write_text(json.dumps(
        {"fresh_clone_of": "abcdef1", "exit_status": 0, "wall_minutes": 91.04,
         "dvc_repro_minutes": 88.0, "kind": "AMD EPYC Zen 3", "machine": machine}))
    (results / "test_suite" / "zen3.json").write_text(json.dumps(
        {"commit": "1234567890", "returncode": 1, "total_minutes": 30.0,
         "summary": "2 failed, 400 passed in 1800s", "machine": machine}))
    (results / "test_suite" / "amx.json").write_text(json.dumps(
        {"commit": "fedcba9876", "returncode": 0, "total_minutes": 12.25,
         "summary": "402 passed in 700s", "machine": {"cpu": "Intel Xeon", "cpu_bf16": "amx"}}))
    rows = SECTIONS["main_job_table"](tmp_path).strip().splitlines()[2:]
    assert rows == [
        "| Intel Xeon, bf16 kind amx | bf16 | not measured | not measured | 12.2 min (402 tests) "
        "| fedcba9 |",
        "| AMD EPYC Zen 3 | fp32 | 91.0 min | 88.0 min | 30.0 min (402 tests, 2 failed) "
        "| abcdef1 / 1234567 |"]
