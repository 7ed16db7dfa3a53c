"""The package's structure: no import circles between its modules, no module importing a
private name of another, no module shadowing the standard library."""

import ast
import sys
from pathlib import Path

from support import ROOT, evosynth_imports

SRC = ROOT / "src" / "evosynth"


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every evosynth import in ``path`` (also inside functions)."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rsplit(".", 1)[0]
    return evosynth_imports(ast.parse(path.read_text()), package)


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for module, names in _imports(path):
            edges |= {f"{module}.{n}" for n in names if f"{module}.{n}" in modules}
            if module in modules:
                edges.add(module)
        # a package's own __init__ runs before its modules: not an edge back
        graph[name] = {e for e in edges if e != name and not name.startswith(e + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_import_circles():
    assert _cycles(_graph()) == []


def test_the_circle_check_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_imports_a_private_name_of_another():
    private = [(str(p.relative_to(SRC)), module, name) for p in SRC.rglob("*.py")
               for module, names in _imports(p) for name in names
               if name.startswith("_") and not name.startswith("__")]
    assert private == []


def test_no_module_shadows_the_standard_library():
    names = {p.stem for p in SRC.rglob("*.py")} | {p.name for p in SRC.iterdir() if p.is_dir()}
    assert sorted(names & sys.stdlib_module_names) == []


# -- the ground floor ------------------------------------------------------------------------

def _evosynth_modules(path: Path) -> set[str]:
    return {m for m, _ in _imports(path)}


def test_the_ground_floor_imports_nothing_of_the_package():
    assert _evosynth_modules(SRC / "hparams.py") == set()


def test_config_imports_only_the_ground_floor():
    assert _evosynth_modules(SRC / "experiment" / "config.py") == {"evosynth.hparams"}


# -- the floors: the method, the experiment, the tools that publish ---------------------------

#: The folders by role under src/evosynth/, and the one module each floor may import at the top
#: (the shared bottom floor, hparams, and the package face).
FLOORS = ("method", "experiment", "publish")


def test_the_package_is_split_by_role():
    top = sorted(p.name for p in SRC.iterdir() if p.name != "__pycache__")
    assert top == ["__init__.py", "__main__.py", "experiment", "hparams.py", "method", "publish"], top


def test_the_method_imports_nothing_of_the_experiment_or_the_publishing_tools():
    """What a user imports to evolve their own network (evosynth.method) stands alone: only
    the shared bottom floor (hparams) and itself."""
    found = sorted(f"{p.relative_to(SRC)}: {m}" for p in (SRC / "method").rglob("*.py")
                   for m in _evosynth_modules(p)
                   if not (m.startswith("evosynth.method") or m == "evosynth.hparams"))
    assert found == []


def test_the_experiment_imports_nothing_of_the_publishing_tools():
    found = sorted(f"{p.relative_to(SRC)}: {m}" for p in (SRC / "experiment").rglob("*.py")
                   for m in _evosynth_modules(p) if m.startswith("evosynth.publish"))
    assert found == []


def test_the_method_check_finds_an_import_of_the_experiment():
    tree = ast.parse("from ..experiment.paths import Paths\nfrom ..hparams import INITS\n")
    assert [m for m, _ in evosynth_imports(tree, "evosynth.method")] == [
        "evosynth.experiment.paths", "evosynth.hparams"]


def test_the_package_face_imports_none_of_its_modules():
    assert _evosynth_modules(SRC / "__init__.py") == set()
    import evosynth
    for name, module in evosynth._WHERE.items():   # every public name is where it says
        assert name in vars(__import__(f"evosynth.{module}", fromlist=[name]))


def test_every_registry_has_exactly_the_words_of_its_vocabulary():
    from evosynth import hparams
    from evosynth.experiment import classifiers
    from evosynth.method import lineage
    from evosynth.method.genetics import environment, offspring, pruning
    assert tuple(offspring.INIT_MODES) == hparams.INITS
    assert tuple(pruning.PRUNING_METHODS) == hparams.PRUNING_METHODS
    assert tuple(lineage.SELECTIONS) == hparams.SELECTIONS == tuple(hparams.SELECTION_RULES)
    assert tuple(lineage.SYNTHESIS_MODES) == hparams.SYNTHESIS_MODES
    assert tuple(environment.ENVIRONMENT_KINDS) == hparams.ENVIRONMENTS
    assert tuple(classifiers.CLASSIFIERS) == hparams.CLASSIFIERS
    assert set(hparams.LINEAGE_SELECTIONS) <= set(hparams.SELECTIONS)


def _lineage_words() -> set[str]:
    """Every name a lineage goes by (hparams' identity), less the words that are also a
    vocabulary word ("structured" is a synthesis mode) or a record field ("generation")."""
    from evosynth import hparams
    words = {hparams.DEFAULT_TASK}
    for lineage in hparams.LINEAGES.values():
        words |= {lineage.name, lineage.section, lineage.method, lineage.folder, lineage.label}
    vocabulary = {w for name in dir(hparams) if name.isupper()
                  for w in (getattr(hparams, name) if isinstance(getattr(hparams, name), tuple)
                            else ()) if isinstance(w, str)}
    return {w for w in words if w} - vocabulary - {"generation"}


def test_no_module_but_the_ground_floor_spells_a_lineage():
    words = _lineage_words()
    assert {"saliency-default", "dense-control", "darwin-structured", "control"} <= words
    found = []
    for path in [*SRC.rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]:
        if path == SRC / "hparams.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value in words:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert found == []


def test_a_copy_of_the_project_keeps_every_module():
    """What the smoke runs (and scripts/smoke_hashes.py) copy: all of src/, the executed
    notebooks left out (book/experiment: outputs), src/evosynth/experiment kept (code)."""
    from support import _skip_outputs
    assert _skip_outputs(str(ROOT / "book"), ["experiment", "api.md"]) == {"experiment"}
    assert _skip_outputs(str(SRC), ["experiment", "method", "__pycache__"]) == {"__pycache__"}


def _unresolved(imports: list[tuple[str, list[str]]]) -> list[str]:
    """Every ``module.name`` of ``imports`` (:func:`_imports`) that its module does not define:
    an import inside a function is found missing only when a run reaches it."""
    import importlib
    import importlib.util

    missing = []
    for module, names in imports:
        found = importlib.import_module(module)
        missing += [f"{module}.{name}" for name in names if not hasattr(found, name) and not (
            hasattr(found, "__path__") and importlib.util.find_spec(f"{module}.{name}"))]
    return missing


def test_every_import_inside_the_package_finds_its_name():
    missing = {p.relative_to(ROOT).as_posix(): _unresolved(_imports(p))
               for p in sorted(SRC.rglob("*.py"))}
    assert {path: names for path, names in missing.items() if names} == {}


def test_the_import_check_finds_a_name_that_moved():
    """z_arm moved from stages/study.py into stages/z_arm.py; an import left inside a function
    still asked the old module for it (the smoke pipeline found it)."""
    stale = ast.parse("def f():\n    from .study import z_arm\n")
    assert _unresolved(evosynth_imports(stale, "evosynth.experiment.stages")) == [
        "evosynth.experiment.stages.study.z_arm"]
