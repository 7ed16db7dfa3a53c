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
