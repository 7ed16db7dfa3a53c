"""The bit-identity proof of a change that must not move any result (a restructure, a relock):
run the smoke pipeline of a checkout with that checkout's own code, hash what it wrote, and
compare two such runs made on one machine.

    python scripts/smoke_hashes.py run DEST        # this checkout's smoke run in DEST (new
                                                   # folder): DEST/hashes.json (~5 min, 2 cores)
    python scripts/smoke_hashes.py compare OLD NEW # the files both runs wrote: identical or not

The smoke run is the test suite's (tests/support.py: the smoke profile with its reduced
campaign, `dvc repro` then `dvc repro beyond/dvc.yaml`). It depends on no layout of the
package: the checkout's own tests/support.py copies it, and its own dvc.yaml files say what each
stage runs (a notebook, `python -m evosynth NAME` before issue 34, `python -m
evosynth.experiment.stages.NAME` after), with PYTHONPATH at the copy's src/. Hashed: every checkpoint (`*.pt`) and
CSV byte for byte, every JSON record and metric without its timing and machine keys (`machine`,
`*seconds*`), which differ between any two runs. Prove one default generation too (the guide):
train it from the committed ancestor with the new code and compare its network's md5.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _volatile(key: str) -> bool:
    return key == "machine" or "seconds" in key


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not _volatile(k)}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def file_hash(path: Path) -> str:
    """md5 of a checkpoint or CSV; of a JSON file without its timing and machine keys."""
    data = path.read_bytes()
    if path.suffix == ".json":
        data = json.dumps(_clean(json.loads(data)), sort_keys=True).encode()
    return hashlib.md5(data).hexdigest()


def run(dest: Path) -> dict[str, str]:
    """The smoke pipeline of this checkout, with this checkout's code, in the new folder
    ``dest``; returns (and writes to ``dest/hashes.json``) every output's hash."""
    sys.path.insert(0, str(ROOT / "tests"))
    import support
    dest.mkdir(parents=True)
    support.copy_project(dest, support.PIPELINE + support.BOOK)
    support.write_params(dest / "params.yaml", support.SMOKE_TESTED)
    support.write_tables(dest / "beyond" / "dvc.yaml", support.SMOKE_TESTED)
    env = {**support.bin_env(), "PYTHONPATH": str(dest / "src")}
    for args in (["dvc", "init", "--no-scm", "-q"], ["dvc", "commit", "--force", "-q", "data.dvc"],
                 ["dvc", "repro"], ["dvc", "repro", "beyond/dvc.yaml"]):
        done = subprocess.run(args, cwd=dest, env=env, capture_output=True, text=True)
        with (dest / "smoke.log").open("a") as log:
            log.write(done.stdout + done.stderr)
        if done.returncode:
            raise SystemExit(f"{' '.join(args)} failed: see {dest / 'smoke.log'}")
    files = [*(dest / "models").rglob("*.pt"), *(dest / "results").rglob("*.json"),
             *(dest / "results").rglob("*.csv")]
    hashes = {p.relative_to(dest).as_posix(): file_hash(p) for p in sorted(files)}
    (dest / "hashes.json").write_text(json.dumps(hashes, indent=1))
    return hashes


def compare(old: Path, new: Path) -> list[str]:
    """The files of the old run (``old/hashes.json`` lists them) whose hashes differ in the new
    one, both hashed afresh (``beyond.json`` compared on the old run's keys only, so that a new
    arm does not count as a change)."""
    before = json.loads((old / "hashes.json").read_text())
    differ = []
    for rel in before:
        if not (new / rel).is_file():
            differ.append(f"{rel} (missing in the new run)")
        elif rel.endswith("beyond.json"):
            a, b = (_clean(json.loads((root / rel).read_text())) for root in (old, new))
            if any(b.get(k) != v for k, v in a.items()):
                differ.append(rel)
        elif file_hash(new / rel) != file_hash(old / rel):
            differ.append(rel)
    kinds = {s: sum(rel.endswith(s) for rel in before) for s in (".pt", ".json", ".csv")}
    print(f"{len(before) - len(differ)} of {len(before)} files identical ({kinds['.pt']} "
          f"checkpoints, {kinds['.json']} JSON without timing keys, {kinds['.csv']} CSV)")
    for rel in differ:
        print(f"  differs: {rel}")
    return differ


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "run":
        print(f"{len(run(Path(sys.argv[2]).resolve()))} files hashed")
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(1 if compare(Path(sys.argv[2]), Path(sys.argv[3])) else 0)
    else:
        raise SystemExit(__doc__.split("\n\n")[1])


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
