"""Each DVC stage's code, from the import graph: which stages each module of src/ stales.

    python scripts/stage_deps.py            # the table (Markdown): module -> stages it stales
    python scripts/stage_deps.py --write    # rewrite the src/ entries of every stage's deps
                                            # in dvc.yaml and beyond/dvc.yaml from the closure

tests/pipeline/test_stage_deps.py checks that the deps are exactly the closure, and that the committed
table (scripts/stage_closure.md) is this script's output.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support import ROOT, SRC, pipeline_stages, src_deps, stage_code  # noqa: E402

TABLE = ROOT / "scripts" / "stage_closure.md"


def closures() -> dict[str, set[str]]:
    """``{"<dvc file>:<stage>": {source files it runs}}`` (repo-relative)."""
    return {f"{f}:{name}": {p.relative_to(ROOT).as_posix() for p in stage_code(cmd)}
            for f, name, cmd, _ in pipeline_stages()}


def lines_of(path: str) -> int:
    return len((ROOT / path).read_text().splitlines())


#: The stages that train a network (the rest prepare data, evaluate, merge or report).
TRAINING = ("ancestor", "generation", "study", "z-arm", "sweep", "learning-curve",
            "offspring-curve", "ancestor-seed", "small-dense", "best-effort-ancestor",
            "best-effort-generation", "best-effort-small-dense")


def _short(stage: str) -> str:
    return stage.replace("beyond/dvc.yaml:", "beyond:").replace("dvc.yaml:", "")


def table() -> str:
    """Markdown: every module of src/, its lines, and the stages whose closure holds it."""
    code = closures()
    modules = sorted(p.relative_to(ROOT).as_posix() for p in SRC.rglob("*.py"))
    total = sum(lines_of(m) for m in modules)
    everywhere = set.intersection(*code.values())
    shared = sum(lines_of(m) for m in everywhere)
    trains = [s for s in code if s.split(":", 1)[1] in TRAINING]
    out = ["# Which stages each module stales", "",
           "Made by `python scripts/stage_deps.py --write` from the import graph: each stage's "
           "`deps:` in `dvc.yaml` and `beyond/dvc.yaml` list exactly its closure, and "
           "`tests/pipeline/test_stage_deps.py` checks both. A `foreach` block counts once; a stage "
           "that trains is in **bold**.", "",
           f"In the closure of every one of the {len(code)} stage blocks: "
           f"{len(everywhere)} files, {shared:,} of {total:,} lines of `src/` "
           f"({shared / total:.0%}).", "",
           "| module | lines | stages it stales |", "|---|---:|---|"]
    for module in modules:
        stages = [s for s in code if module in code[s]]
        if len(stages) == len(code):
            names = "every stage"
        else:
            names = ", ".join(f"**{_short(s)}**" if s in trains else _short(s)
                              for s in stages) or "none"
        out.append(f"| `{module.removeprefix('src/evosynth/')}` | {lines_of(module)} | "
                   f"{names} |")
    return "\n".join(out) + "\n"


def write_deps(dvc_files: tuple[str, ...] = ("dvc.yaml", "beyond/dvc.yaml")) -> None:
    """Rewrite the src/ entries of every stage's deps from its closure (comments kept)."""
    for dvc_file in dvc_files:
        path = ROOT / dvc_file
        wanted = {name: src_deps(stage_code(cmd)) for f, name, cmd, _ in pipeline_stages()
                  if f == dvc_file}
        out, stage, in_deps, written = [], None, False, False
        for line in path.read_text().splitlines(keepends=True):
            top = re.match(r"^  ([A-Za-z0-9_@-]+):\s*$", line)
            if top:
                stage, in_deps, written = top.group(1), False, False
            if re.match(r"^\s+deps:\s*$", line):
                in_deps, written = True, False
                out.append(line)
                continue
            entry = re.match(r"^(\s+)- (src/evosynth/\S*)\s*$", line)
            if in_deps and entry:
                if not written:
                    out += [f"{entry.group(1)}- {d}\n" for d in wanted[stage]]
                    written = True
                continue
            if in_deps and not re.match(r"^\s+- ", line) and not line.strip().startswith("#"):
                in_deps = False
            out.append(line)
        path.write_text("".join(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="rewrite the src/ deps of every stage and the committed table")
    args = parser.parse_args()
    if args.write:
        write_deps()
        TABLE.write_text(table())
    print(table(), end="")


if __name__ == "__main__":
    main()
