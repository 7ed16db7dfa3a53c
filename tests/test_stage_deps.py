"""Every DVC stage lists exactly the evosynth code it runs: the modules its notebook (or
``python -m evosynth COMMAND``: ``__main__`` and the command's module) imports, followed
through the package's own imports (any import statement counts, also one inside a
function)."""

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

from support import ROOT, evosynth_imports

SRC = ROOT / "src" / "evosynth"


def _file(module: str) -> Path | None:
    path = SRC.joinpath(*module.split(".")[1:])
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def _imports(tree: ast.AST, package: str) -> set[str]:
    found = set()
    for module, names in evosynth_imports(tree, package):
        found.add(module)
        found |= {f"{module}.{name}" for name in names if _file(f"{module}.{name}")}
    return found


def _closure(start: set[str]) -> set[Path]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        parts = todo.pop().split(".")
        for i in range(1, len(parts) + 1):   # importing a.b.c runs a and a.b too
            module = ".".join(parts[:i])
            path = _file(module)
            if module in seen or path is None:
                continue
            seen.add(module)
            package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
            todo.extend(_imports(ast.parse(path.read_text()), package))
    return {_file(m) for m in seen}


def _code_of(cmd: str) -> set[Path]:
    notebook = re.search(r"papermill .*?(notebooks/\S+\.ipynb)", cmd)
    if notebook:
        cells = json.loads((ROOT / notebook.group(1)).read_text())["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        start = _imports(ast.parse(source), "")
    elif "python -m evosynth" in cmd:
        from evosynth.__main__ import COMMANDS
        command = cmd.split("python -m evosynth", 1)[1].split()[0]
        start = {"evosynth.__main__", "evosynth.config", COMMANDS[command]}
    else:
        pytest.fail(f"stage command runs no notebook and no evosynth command: {cmd}")
    return _closure(start)


def _stages():
    for dvc_file in ("dvc.yaml", "beyond/dvc.yaml"):
        for name, stage in yaml.safe_load((ROOT / dvc_file).read_text())["stages"].items():
            body = stage.get("do", stage)
            yield f"{dvc_file}:{name}", body["cmd"], [str(d) for d in body.get("deps", [])]


@pytest.mark.parametrize("name,cmd,deps", list(_stages()), ids=lambda v: str(v)[:40])
def test_stage_lists_exactly_its_code(name, cmd, deps):
    code = {p.relative_to(ROOT).as_posix() for p in _code_of(cmd)}
    listed = [d for d in deps if d.startswith("src/")]
    covered = {c for c in code if any(c == d or c.startswith(d.rstrip("/") + "/")
                                      for d in listed)}
    assert sorted(code - covered) == [], f"{name}: deps miss modules it imports"
    unused = [d for d in listed if not any(c == d or c.startswith(d.rstrip("/") + "/")
                                           for c in code)]
    assert unused == [], f"{name}: deps list code it never imports"
    if any(d.startswith("notebooks/") for d in deps) or "papermill" in cmd:
        notebook = re.search(r"(notebooks/\S+\.ipynb)", cmd).group(1)
        assert notebook in deps, f"{name}: its notebook is not a dependency"
