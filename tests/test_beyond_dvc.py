"""beyond/dvc.yaml's tables of the lineages beside the default one (the structured lineage, the
dense control): ``offspring`` lists exactly every generation of their sections of params.yaml
(and of the smoke profile), each with its parent; ``scored`` exactly those lineages; and the
stages DVC renders from them read and write where :class:`evosynth.paths.Paths` says."""

import pytest
import yaml

from evosynth.hparams import LINEAGES, lineage_named
from evosynth.paths import Paths
from support import ROOT

BEYOND = yaml.safe_load((ROOT / "beyond" / "dvc.yaml").read_text())
TABLES = {name: value for entry in BEYOND["vars"] if isinstance(entry, dict)
          for name, value in entry.items()}
#: The lineages with a folder of their own (models/<folder>/genK): beyond/dvc.yaml runs them.
BESIDE = [lineage for lineage in LINEAGES.values() if lineage.folder is not None]
MODELS = Paths().model_dir("gen0").parent


def _expected_offspring(params: dict) -> dict[str, dict[str, str]]:
    table = {}
    for lineage in BESIDE:
        if lineage.section not in params:
            continue
        where, parent = Paths().for_lineage(lineage.section), "gen0"
        for gen in params[lineage.section]["lineage"]:
            table[f"{lineage.section}-{gen}"] = {
                "section": lineage.section, "gen": gen,
                "parent": where.model_dir(parent).relative_to(MODELS).as_posix()}
            parent = gen
    return table


@pytest.mark.parametrize("profile", ["params.yaml", "profiles/smoke.yaml"])
def test_the_offspring_table_lists_every_generation_with_its_parent(profile):
    params = yaml.safe_load((ROOT / profile).read_text())
    expected = _expected_offspring(params)
    assert expected, f"{profile} has no lineage beside the default one"
    assert TABLES["offspring"] == expected
    assert list(TABLES["offspring"]) == list(expected)


def test_every_lineage_beside_the_default_one_is_scored():
    assert TABLES["scored"] == [lineage.name for lineage in BESIDE]
    for name in TABLES["scored"]:   # the table's one word is its name, section and folder
        lineage = lineage_named(name)
        assert lineage.section == lineage.folder == name


def _rendered() -> dict[str, dict]:
    """beyond/dvc.yaml's stages as DVC resolves them (foreach expanded, ``${...}`` filled)."""
    dvc_repo = pytest.importorskip("dvc.repo")
    from dvc.dvcfile import load_file
    with dvc_repo.Repo(ROOT) as repo:
        return load_file(repo, "beyond/dvc.yaml").resolver.resolve()["stages"]


def _paths(entries) -> list[str]:
    return [next(iter(e)) if isinstance(e, dict) else e for e in entries]


def test_the_rendered_stages_read_and_write_where_paths_says():
    stages = _rendered()
    paths = Paths()
    for key, item in TABLES["offspring"].items():
        stage = stages[f"offspring@{key}"]
        where, gen = paths.for_lineage(item["section"]), item["gen"]
        assert stage["cmd"] == f"python -m evosynth generation --section {item['section']} {gen}"
        assert (MODELS / item["parent"]).as_posix() in stage["deps"]
        assert _paths(stage["outs"]) == [where.model_dir(gen).as_posix(),
                                         where.result_dir(gen).as_posix()]
        assert f"{item['section']}.lineage.{gen}" in stage["params"][0]["params.yaml"]
    for name in TABLES["scored"]:
        stage, lineage = stages[f"lineage-metrics@{name}"], lineage_named(name)
        assert stage["cmd"] == f"python -m evosynth lineage-metrics --lineage {name}"
        assert _paths(stage["outs"]) == [paths.lineage_metrics(lineage).as_posix()]
        assert paths.for_lineage(lineage.section).model_dir("gen1").parent.as_posix() \
            in stage["deps"]
    assert sorted(s for s in stages if s.startswith(("offspring@", "lineage-metrics@"))) == \
        sorted([*(f"offspring@{k}" for k in TABLES["offspring"]),
                *(f"lineage-metrics@{n}" for n in TABLES["scored"])])
