"""Every DVC stage lists exactly the evosynth code it runs: the modules its notebook (or
``python -m evosynth.experiment.stages.X``: that stage module) imports, followed
through the package's own imports (any import statement counts, also one inside a function;
one under ``if TYPE_CHECKING:`` never runs). And a change stales only the stages whose
results it can change: report code is in no training stage's closure."""

import importlib.util
import re

import pytest

from support import ROOT, SRC, pipeline_stages, stage_code, stage_module

_spec = importlib.util.spec_from_file_location("stage_deps", ROOT / "scripts" / "stage_deps.py")
stage_deps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stage_deps)

#: The default pipeline's stages that train a network.
TRAINING = ("dvc.yaml:ancestor", "dvc.yaml:generation")
#: Code that only draws, formats, checks or cites: no training stage of the default pipeline
#: may run it (a figure's title or a table formatter must not rerun an hour of training).
REPORT_CODE = ("experiment/figures.py", "experiment/study.py", "experiment/classifiers.py",
               "experiment/frontier.py", "experiment/comparison_figure.py")


def _listed(path: str, deps: list[str]) -> bool:
    return any(path == d or path.startswith(d.rstrip("/") + "/") for d in deps)


@pytest.mark.parametrize("dvc_file,name,cmd,deps", list(pipeline_stages()),
                         ids=lambda v: str(v)[:40])
def test_stage_lists_exactly_its_code(dvc_file, name, cmd, deps):
    code = {p.relative_to(ROOT).as_posix() for p in stage_code(cmd)}
    listed = [d for d in deps if d.startswith("src/")]
    assert sorted(c for c in code if not _listed(c, listed)) == [], \
        f"{dvc_file}:{name}: deps miss modules it imports (python scripts/stage_deps.py --write)"
    unused = [d for d in listed if not any(_listed(c, [d]) for c in code)]
    assert unused == [], f"{dvc_file}:{name}: deps list code it never imports"
    if "papermill" in cmd:
        notebook = re.search(r"(notebooks/\S+\.ipynb)", cmd).group(1)
        assert notebook in deps, f"{dvc_file}:{name}: its notebook is not a dependency"


def test_report_code_stales_no_training_stage():
    code = stage_deps.closures()
    for stage in TRAINING:
        drawn = sorted(m for m in REPORT_CODE if f"src/evosynth/{m}" in code[stage])
        assert drawn == [], f"{stage} runs report code {drawn}"
    for stage, files in code.items():
        if stage.startswith("dvc.yaml:"):   # the study's tables are the beyond pipeline's
            assert "src/evosynth/experiment/study.py" not in files, stage


def test_no_stage_runs_the_publishing_tools():
    """The tools that check and publish a run read its records; no stage runs them."""
    for stage, files in stage_deps.closures().items():
        assert not [f for f in files if f.startswith("src/evosynth/publish/")], stage


def test_code_every_stage_runs_is_under_20_percent_of_src():
    code = stage_deps.closures()
    shared = set.intersection(*code.values())
    lines = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines())
             for p in SRC.rglob("*.py")}
    assert sum(lines[m] for m in shared) < 0.20 * sum(lines.values()), sorted(shared)


def test_the_committed_table_is_the_import_graph():
    assert stage_deps.TABLE.read_text() == stage_deps.table(), \
        "scripts/stage_closure.md is stale: python scripts/stage_deps.py --write"


#: Where a stage loads the held-out test split (``Paths.split("test")``).
_LOADS_TEST = re.compile(r"""split\(\s*["']test["']""")


def test_only_evaluate_reads_the_test_split_in_the_default_pipeline():
    """Every choice of the paper's pipeline (ancestor, offspring, their epochs) is made on
    train and validation: no stage of ./dvc.yaml but ``evaluate`` runs code that loads the test
    split (``prepare`` writes it)."""
    code = stage_deps.closures()
    readers = sorted(stage for stage, files in code.items() if stage.startswith("dvc.yaml:")
                     and any(_LOADS_TEST.search((ROOT / f).read_text()) for f in files))
    assert readers == ["dvc.yaml:evaluate"], readers


#: Stages of beyond/dvc.yaml that only evaluate trained networks on the test split.
_EVALUATE_ONLY = {"beyond/dvc.yaml:lineage-metrics", "beyond/dvc.yaml:campaign-metrics",
                  "beyond/dvc.yaml:best-effort-test-score",
                  "beyond/dvc.yaml:best-effort-test-score-summary"}
#: The pruning study and the sweep train small networks and score them in one stage (their
#: epochs and environments are not chosen on those scores: they are the default pipeline's,
#: fixed before); no claim about the default network reads them.
_TRAIN_AND_SCORE = {"beyond/dvc.yaml:study", "beyond/dvc.yaml:z-arm", "beyond/dvc.yaml:sweep",
                    "beyond/dvc.yaml:beyond"}


def test_no_stage_that_trains_the_default_network_reads_the_test_split():
    """The campaign's stages that train (the learning curve, the seeds' ancestors, every
    offspring, the small dense networks) read train and validation only; only the stages
    that evaluate trained networks (and the study, which trains its own) load the test
    split."""
    code = stage_deps.closures()
    readers = {stage for stage, files in code.items()
               if any(_LOADS_TEST.search((ROOT / f).read_text()) for f in files)}
    assert readers - {"dvc.yaml:evaluate"} - _EVALUATE_ONLY - _TRAIN_AND_SCORE == set(), readers
    for stage in ("learning-curve", "learning-curve-summary", "ancestor-seed", "generation",
                  "small-dense", "offspring-curve", "best-effort-ancestor",
                  "best-effort-generation", "best-effort-small-dense"):
        assert f"beyond/dvc.yaml:{stage}" in code and f"beyond/dvc.yaml:{stage}" not in readers


#: The one naming rule of the stages: ``[best-effort-]<module>[-seed|-summary]``, where
#: ``<module>`` is the stage module it runs (``_`` written ``-``).
_STAGE_NAME = re.compile(r"^(best-effort-)?(?P<module>[a-z-]+?)(-seed|-summary)?$")


@pytest.mark.parametrize("dvc_file,name,cmd,deps", list(pipeline_stages()),
                         ids=lambda v: str(v)[:40])
def test_each_stage_is_named_as_the_module_it_runs(dvc_file, name, cmd, deps):
    """Stage X of a dvc.yaml runs src/evosynth/experiment/stages/X.py (through its notebook
    notebooks/X.ipynb, or as a program): a reader finds a stage's code by its name."""
    module = stage_module(cmd)
    assert module.startswith("evosynth.experiment.stages."), (name, cmd)
    stem = module.rsplit(".", 1)[1]
    assert (SRC / "experiment" / "stages" / f"{stem}.py").is_file(), module
    names = {m.group("module") for m in [_STAGE_NAME.match(name)] if m} | {name}
    assert stem.replace("_", "-") in names, f"{dvc_file}:{name} runs {module}"
    if "papermill" not in cmd:
        assert re.search(rf"python -m {re.escape(module)}( |$)", cmd), cmd
        assert "python -m evosynth " not in cmd, "a stage runs its module, not the command line"


def test_the_naming_rule_reads_the_variants():
    assert _STAGE_NAME.match("best-effort-campaign-metrics").group("module") == "campaign-metrics"
    assert _STAGE_NAME.match("ancestor-seed").group("module") == "ancestor"
    assert _STAGE_NAME.match("learning-curve-summary").group("module") == "learning-curve"
    assert _STAGE_NAME.match("offspring-curve").group("module") == "offspring-curve"


def test_no_stage_runs_the_command_line_of_every_command():
    """``python -m evosynth`` (``__main__``) imports every command: no stage's closure holds it,
    so adding or changing a command stales only the stages that run its module."""
    for stage, files in stage_deps.closures().items():
        assert "src/evosynth/__main__.py" not in files, stage
