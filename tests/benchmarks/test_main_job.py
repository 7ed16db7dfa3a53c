"""The main job's timing report (benchmarks/main_job.py): one paragraph per machine kind, stages
in pipeline order, a failed job and a failed check said so, and the committed report current."""

import json
import sys

from support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import main_job  # noqa: E402

MACHINE = {"cpu": "AMD EPYC", "cpu_bf16": "none"}


def record(**changes):
    base = {"fresh_clone_of": "abcdef1", "exit_status": 0, "wall_minutes": 91.0,
            "dvc_repro_minutes": 88.0, "machine": MACHINE,
            "stage_seconds": {"evaluate": 6.0, "generation_gen2": 120.0, "ancestor": 3000.0,
                              "generation_gen1": 60.0, "prepare": 12.0}}
    return {**base, **changes}


def test_stages_in_pipeline_order_and_each_kind_named():
    text = main_job.report({"zen3": record(kind="AMD EPYC Zen 3", cpu_model="AuthenticAMD "
                                           "family 25 model 1 stepping 1"),
                            "amx": record(machine={"cpu": "Intel Xeon", "cpu_bf16": "amx"})})
    assert text.index("**Intel Xeon, bf16 kind amx**") < text.index("**AMD EPYC Zen 3** (Authentic")
    stages = [line.split(" | ")[0].strip("| ") for line in text.splitlines()
              if line.startswith("| ") and "minutes" not in line]
    assert stages[:5] == ["prepare", "ancestor", "generation_gen1", "generation_gen2", "evaluate"]
    assert "| ancestor | 50.0 |" in text and "#" not in text   # no headings: a page includes it


def test_a_failed_job_and_its_check_are_said():
    text = main_job.report({"zen3": record(
        exit_status=1, verify="main: some generation is not reproduced: see results/local/"
        "verify.md",
        verify_table="## Reproduction check\n\n| generation | verdict |\n|---|---|\n"
                     "| gen1 | not reproduced |",
        estimate=["main: a training step takes 0.43 s here",
                  "main: dvc repro will run 7 stage(s), about 1.7 h in all:"])})
    assert "91.0 min in all, exit status 1" in text
    assert "Its check against the committed run: some generation is not reproduced" in text
    assert "| gen1 | not reproduced |" in text and "**Reproduction check**" in text
    assert "#" not in text   # the check's heading too: a page includes this
    assert ("*a training step takes 0.43 s here; dvc repro will run 7 stage(s), about 1.7 h in "
            "all*") in text
    assert "was not recorded" in main_job.report({"x": record()})


def test_the_committed_report_is_made_from_the_committed_records():
    records = {path.stem: json.loads(path.read_text())
               for path in sorted(main_job.OUT.glob("*.json"))}
    assert records, "benchmarks/results/main_job/ has no record"
    assert (main_job.OUT.parent / "main_job.md").read_text() == main_job.report(records), \
        "python benchmarks/main_job.py --report-only"
