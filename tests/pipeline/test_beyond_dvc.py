"""beyond/dvc.yaml's tables of the campaign (the lineages beside the default pipeline's, the
replicate seeds, the small dense networks): ``offspring`` and ``small`` list exactly the
networks of params.yaml (and of the smoke profile), each with its seed, folder and parent
(``scripts/campaign_table.py`` writes them); ``scored`` exactly the lineages of seed 0 beside
the default one; and the stages DVC renders from them read and write where
:class:`evosynth.experiment.paths.Paths` says."""

import pytest
import yaml

from evosynth.hparams import LINEAGES, lineage_named
from evosynth.experiment.paths import Paths
from support import ROOT, campaign_table

BEYOND = yaml.safe_load((ROOT / "beyond" / "dvc.yaml").read_text())
TABLES = {name: value for entry in BEYOND["vars"] if isinstance(entry, dict)
          for name, value in entry.items()}
#: The lineages with a folder of their own (models/<folder>/genK): beyond/dvc.yaml runs them.
BESIDE = [lineage for lineage in LINEAGES.values() if lineage.folder is not None]
MODELS = Paths().model_dir("gen0").parent
BEST_EFFORT = yaml.safe_load((ROOT / "params.yaml").read_text())["best_effort"]
BEST_SEEDS = BEST_EFFORT["seeds"]



def test_the_tables_list_every_network_with_its_parent():
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for name, expected in campaign_table.tables(params).items():
        assert expected, f"params.yaml has no {name} networks"
        assert TABLES[name] == expected, \
            f"beyond/dvc.yaml's {name} table is stale: python scripts/campaign_table.py"
        assert list(TABLES[name]) == list(expected)


def test_a_scratch_copy_gets_the_tables_of_its_profile(tmp_path):
    """How the tests run the smoke profile's campaign: the tables rewritten, the stages kept."""
    smoke = yaml.safe_load((ROOT / "profiles" / "smoke.yaml").read_text())
    copy = tmp_path / "dvc.yaml"
    copy.write_text((ROOT / "beyond" / "dvc.yaml").read_text())
    campaign_table.write_tables(copy, smoke)
    written = yaml.safe_load(copy.read_text())
    tables = {k: v for e in written["vars"] if isinstance(e, dict) for k, v in e.items()}
    expected = campaign_table.tables(smoke)
    assert {k: tables[k] for k in expected} == expected
    assert tables["scored"] == TABLES["scored"] and written["stages"] == BEYOND["stages"]
    assert written["vars"][0] == BEYOND["vars"][0]       # the params.yaml sections it reads


def test_each_generation_follows_its_parent_in_one_seed_and_folder():
    for key, item in TABLES["offspring"].items():
        k = int(item["gen"].removeprefix("gen"))
        seed_dir = "" if item["seed"] == 0 else f"seeds/seed{item['seed']}"
        expected_parent = f"{seed_dir}/gen0".lstrip("/") if k == 1 else f"{item['dir']}/gen{k - 1}"
        assert item["parent"] == expected_parent, key
        assert item["dir"].startswith(seed_dir), key


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


#: How a stage of beyond/dvc.yaml without a notebook runs its stage module.
RUN = "python -m evosynth.experiment.stages."


def _paths(entries) -> list[str]:
    return [next(iter(e)) if isinstance(e, dict) else e for e in entries]


def test_the_rendered_stages_read_and_write_where_paths_says():
    stages = _rendered()
    paths = Paths()
    for key, item in TABLES["offspring"].items():
        stage = stages[f"generation@{key}"]
        where = paths.for_run(item["seed"]).for_lineage(item["section"])
        gen = item["gen"]
        assert stage["cmd"] == (f"{RUN}generation --section {item['section']} "
                                f"--seed {item['seed']} {gen}")
        assert (MODELS / item["parent"]).as_posix() in stage["deps"]
        assert _paths(stage["outs"]) == [where.model_dir(gen).as_posix(),
                                         where.result_dir(gen).as_posix()]
        assert f"{item['section']}.lineage.{gen}" in stage["params"][0]["params.yaml"]
    for key, item in TABLES["small"].items():
        stage = stages[f"small-dense@{key}"]
        where = paths.for_run(item["seed"]).small_dense()
        assert stage["cmd"] == f"{RUN}small_dense --seed {item['seed']} {item['gen']}"
        assert paths.for_run(item["seed"]).model_dir(item["gen"]).as_posix() in stage["deps"]
        assert _paths(stage["outs"]) == [where.model_dir(item["gen"]).as_posix(),
                                         where.result_dir(item["gen"]).as_posix()]
    for seed in yaml.safe_load((ROOT / "params.yaml").read_text())["replicate"]["seeds"]:
        stage = stages[f"ancestor-seed@{seed}"]
        assert stage["cmd"] == f"{RUN}ancestor --seed {seed}"
        assert _paths(stage["outs"]) == [paths.for_run(seed).model_dir("gen0").as_posix(),
                                         paths.for_run(seed).result_dir("gen0").as_posix()]
    for name in TABLES["scored"]:
        stage, lineage = stages[f"lineage-metrics@{name}"], lineage_named(name)
        assert stage["cmd"] == f"{RUN}lineage_metrics --lineage {name}"
        assert _paths(stage["outs"]) == [paths.lineage_metrics(lineage).as_posix()]
        assert paths.for_lineage(lineage.section).model_dir("gen1").parent.as_posix() \
            in stage["deps"]
    for key, item in TABLES["curve"].items():
        stage = stages[f"offspring-curve@{key}"]
        assert stage["cmd"].endswith(f"{RUN}offspring_curve {item['curve']} "
                                     f"--budget {item['budget']}")
        assert (MODELS / item["parent"]).as_posix() in stage["deps"]
        assert _paths(stage["outs"]) == [
            paths.offspring_curve_point(item["curve"], item["budget"]).as_posix()]
        assert f"generation.lineage.{item['gen']}" in stage["params"][0]["params.yaml"]
    assert _paths(stages["campaign-metrics"]["outs"]) == [paths.campaign_metrics.as_posix()]
    best = paths.for_recipe("best-effort")
    for key, item in TABLES["best"].items():
        stage = stages[f"best-effort-generation@{key}"]
        where = best.for_run(item["seed"]).for_lineage(item["section"])
        gen = item["gen"]
        assert stage["cmd"] == (f"{RUN}generation --recipe best-effort --section "
                                f"{item['section']} --seed {item['seed']} {gen}")
        assert (MODELS / item["parent"]).as_posix() in stage["deps"]
        assert _paths(stage["outs"]) == [where.model_dir(gen).as_posix(),
                                         where.result_dir(gen).as_posix()]
        assert "best_effort.inherit_epochs" in stage["params"][0]["params.yaml"]
    for key, item in TABLES["best_small"].items():
        stage = stages[f"best-effort-small-dense@{key}"]
        where = best.for_run(item["seed"]).small_dense()
        assert stage["cmd"] == (f"{RUN}small_dense --recipe best-effort --seed "
                                f"{item['seed']} {item['gen']}")
        assert best.for_run(item["seed"]).model_dir(item["gen"]).as_posix() in stage["deps"]
        assert _paths(stage["outs"]) == [where.model_dir(item["gen"]).as_posix(),
                                         where.result_dir(item["gen"]).as_posix()]
    for seed in BEST_SEEDS:
        stage = stages[f"best-effort-ancestor@{seed}"]
        assert stage["cmd"] == f"{RUN}ancestor --recipe best-effort --seed {seed}"
        assert _paths(stage["outs"]) == [best.for_run(seed).model_dir("gen0").as_posix(),
                                         best.for_run(seed).result_dir("gen0").as_posix()]
    from evosynth.experiment.stages.test_score import Network, archive_path, score_path
    for key, item in TABLES["best_scored"].items():      # each network scored on its own
        stage, network = stages[f"best-effort-test-score@{key}"], \
            Network(item["lineage"], item["seed"], item["gen"])
        assert network.key == key
        assert stage["cmd"] == (f"{RUN}test_score --recipe best-effort --seed {item['seed']} "
                                f"{item['lineage']} {item['gen']}")
        assert network.checkpoint(best).parent.as_posix() in stage["deps"]
        assert _paths(stage["outs"]) == [score_path(best, network).as_posix()]
    summary = stages["best-effort-test-score-summary"]      # and merged, without the networks
    assert _paths(summary["outs"]) == [best.campaign_metrics.as_posix()]
    assert archive_path(best).as_posix() in summary["deps"]
    assert score_path(best, network).parent.as_posix() in summary["deps"]
    assert not [d for d in summary["deps"] if d.startswith("models/")]
    assert sorted(s for s in stages if s.startswith((
        "generation@", "lineage-metrics@", "small-dense@", "best-effort-generation@",
        "best-effort-small-dense@"))) == \
        sorted([*(f"generation@{k}" for k in TABLES["offspring"]),
                *(f"small-dense@{k}" for k in TABLES["small"]),
                *(f"lineage-metrics@{n}" for n in TABLES["scored"]),
                *(f"best-effort-generation@{k}" for k in TABLES["best"]),
                *(f"best-effort-small-dense@{k}" for k in TABLES["best_small"])])


def test_the_best_effort_tables_train_and_score_every_arm_params_gives_each_seed():
    """beyond/dvc.yaml's best and best_scored tables hold, for every seed of params.yaml's
    best_effort, its ancestor's score, every generation of its default lineage and dense
    control, of its newborn lineage when it is a newborn seed: a seed added to params.yaml
    without its stages (or stages left for a seed it dropped) fails here."""
    gens = ("gen1", "gen2", "gen3", "gen4")
    arms = {("default", k) for k in BEST_SEEDS} | {("control", k) for k in BEST_SEEDS} | \
        {("newborn", k) for k in BEST_EFFORT["newborn_seeds"]}
    trained = {f"{arm}-seed{k}-{g}" for arm, k in arms for g in gens}
    assert set(TABLES["best"]) == trained
    small = {f"seed{k}-{g}" for k in BEST_EFFORT["small_dense_seeds"] for g in gens}
    assert set(TABLES["best_small"]) == small
    assert set(TABLES["best_scored"]) == trained | {f"ancestor-seed{k}" for k in BEST_SEEDS} | \
        {f"small-dense-{key}" for key in small}


def test_the_campaign_script_runs_every_stage_of_the_campaign_and_no_other():
    """scripts/campaign.sh's groups (first recipe: seed0..seed4, sizes; best-effort: best<k>
    for every k of best_effort.seeds, best-sizes) name stages that exist, and between them
    every training stage of both recipes' campaigns; a seed not in best_effort.seeds is no
    group."""
    import subprocess
    stages = _rendered()
    listed = {}
    for recipe, groups in (("first", ["seed0", "seed1", "seed2", "seed3", "seed4", "sizes"]),
                           ("best-effort", [*(f"best{k}" for k in BEST_SEEDS),
                                            "best-sizes"])):
        done = subprocess.run(["bash", str(ROOT / "scripts" / "campaign.sh"), "--list", *groups],
                              capture_output=True, text=True, check=True)
        listed[recipe] = [line.removeprefix("beyond/dvc.yaml:")
                          for line in done.stdout.split() if line != "dvc.yaml"]
        assert len(set(listed[recipe])) == len(listed[recipe]), recipe     # each stage once
        assert set(listed[recipe]) <= set(stages), set(listed[recipe]) - set(stages)
    trains = {"generation", "small-dense", "ancestor-seed"}
    assert {s for s in listed["first"] if s.split("@")[0] in trains} == \
        {s for s in stages if s.split("@")[0] in trains}
    best = {"best-effort-ancestor", "best-effort-generation", "best-effort-small-dense",
            "best-effort-test-score"}
    assert set(listed["best-effort"]) == {s for s in stages if s.split("@")[0] in best}
    bad = subprocess.run(["bash", str(ROOT / "scripts" / "campaign.sh"), "--list", "best9"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown group best9" in bad.stderr
