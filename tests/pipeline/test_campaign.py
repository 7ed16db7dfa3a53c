"""The whole smoke campaign: every arm, seed and generation of the smoke profile's
beyond/dvc.yaml (its replicate seeds 1-4, the newborn seeds, the small dense networks of three
seeds at every generation, every offspring curve), after the default pipeline, end to end.

Marked ``campaign``: deselected by the test command's default (about a hundred stages, half an
hour on 2 cores: each stage pays a process start, an import of PyTorch and DVC's bookkeeping for
a second of training). The reproduce workflow runs it (``bash scripts/test.sh -m campaign``); the
test suite runs the same wiring once per kind of stage on a reduced campaign (the ``smoke``
fixture, :func:`support.reduced_campaign`)."""

import json
import shutil

import pytest

from support import (BIN, BOOK, PIPELINE, ROOT, SMOKE, campaign_table, copy_project, run,
                     write_params, write_tables)

pytestmark = [pytest.mark.campaign, pytest.mark.slow, pytest.mark.needs_raw_data]


def test_the_whole_smoke_campaign_runs_and_is_up_to_date(tmp_path):
    work = copy_project(tmp_path, PIPELINE + BOOK)
    write_params(work / "params.yaml", SMOKE)
    write_tables(work / "beyond" / "dvc.yaml", SMOKE)
    shutil.copytree(ROOT / "results" / "sweep", work / "results" / "sweep")
    run([BIN / "dvc", "init", "--no-scm", "-q"], work)
    run([BIN / "dvc", "commit", "--force", "-q", "data.dvc"], work)
    run([BIN / "dvc", "repro"], work)
    campaign = run([BIN / "dvc", "repro", "beyond/dvc.yaml"], work).stdout
    tables = campaign_table.tables(SMOKE)
    for name, stage in (("offspring", "generation"), ("small", "small-dense"),
                        ("curve", "offspring-curve"), ("best", "best-effort-generation"),
                        ("best_small", "best-effort-small-dense")):
        for key in tables[name]:
            assert f"Running stage 'beyond/dvc.yaml:{stage}@{key}'" in campaign, key
    for dvc_file in ("dvc.yaml", "beyond/dvc.yaml"):
        status = run([BIN / "dvc", "status", "--json", dvc_file], work).stdout
        assert json.loads(status or "{}") == {}, (dvc_file, status)
    beyond = json.loads((work / "results" / "beyond.json").read_text())
    for seed in SMOKE["replicate"]["seeds"]:
        assert f"saliency-default/dense-control/inherit/seed{seed}/gen4" in beyond
    for seed in SMOKE["small_dense"]["seeds"]:
        for gen in SMOKE["small_dense"]["generations"]:
            assert f"saliency-default/small-dense/newborn/seed{seed}/{gen}" in beyond
    for seed in SMOKE["best_effort"]["seeds"]:
        assert f"saliency-best/dense-control/inherit/seed{seed}/gen4" in beyond
    curves = json.loads((work / "results" / "offspring_curve.json").read_text())
    assert curves["to_run"] == [] and set(curves["epochs"]) == set(
        SMOKE["offspring_curve"]["inits"])
