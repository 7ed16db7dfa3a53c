"""An archive of one committed run: everything a reader needs to fetch it without us.

:func:`make_archive` writes one folder (optionally packed as ``.tar``)::

    ARCHIVE/
      README.md          how to use it (below), the version and the commit
      archive.json       version, commit, date, the outputs of both locks and their hashes
      repository.bundle  the git history up to the commit (``git clone`` reads it)
      dvc-store/         every DVC-cached output of dvc.lock and beyond/dvc.lock (the trained
                         networks, the prepared data, the raw data of data.dvc), in DVC's
                         cache layout: a DVC remote of this folder
      book/              the built book (``_build/html``), when there is one
      CITATION.cff, dvc.lock, beyond/dvc.lock, results/   copies, for reading without git
      MANIFEST.sha256    the SHA-256 of every file above (``sha256sum -c MANIFEST.sha256``)

A reader who unpacks it anywhere runs::

    git clone ARCHIVE/repository.bundle evosynth && cd evosynth
    dvc remote add --local archive ../ARCHIVE/dvc-store
    dvc pull -r archive          # every network of both pipelines; `dvc status` is then clean

It refuses a run that is not whole: tracked files edited since the commit, or a stage of either
pipeline that is not up to date. It is written beside ``dest`` first and renamed into place at
the end, so a failed run leaves nothing half-written. Upload the folder (or its ``.tar``) to an
archive that mints a DOI (Zenodo reads ``CITATION.cff``); the DOI then goes into
``CITATION.cff`` (``doi:`` and ``identifiers:``), see the Reproducibility page.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from ..experiment.cli import Command, arg, main

__all__ = ["ArchiveError", "LOCKS", "lock_outputs", "make_archive", "manifest", "verify_manifest"]

#: The lock files of the two pipelines, relative to the repository root.
LOCKS = ("dvc.lock", "beyond/dvc.lock")
STORE = "dvc-store"
BUNDLE = "repository.bundle"
MANIFEST = "MANIFEST.sha256"


class ArchiveError(RuntimeError):
    """The run cannot be archived (the message says why and what to do)."""


def _run(command: Sequence[str], root: Path) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(list(command), cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        raise ArchiveError(f"{command[0]} not found: the archive needs git and dvc on PATH "
                           "(the project's .venv/bin has dvc)") from None
    if result.returncode:
        raise ArchiveError(f"`{' '.join(command)}` failed in {root}:\n"
                           f"{(result.stderr or result.stdout).strip()}")
    return result


def lock_outputs(root: str | os.PathLike[str] = ".") -> list[dict[str, Any]]:
    """Every output recorded in both lock files: ``{"lock", "stage", "path", "md5", "size"}``,
    paths relative to the repository root, in lock order."""
    root = Path(root)
    outputs = []
    for lock in LOCKS:
        path = root / lock
        if not path.is_file():
            raise ArchiveError(f"{lock} not found in {root}: run the pipeline (dvc repro) first")
        stages = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stages", {})
        pipeline = path.with_name("dvc.yaml")   # a lock's paths are relative to each stage's wdir
        defined = (yaml.safe_load(pipeline.read_text(encoding="utf-8")) or {}).get("stages", {}) \
            if pipeline.is_file() else {}
        for stage, entry in stages.items():
            definition = defined.get(stage.split("@")[0]) or {}
            wdir = Path(lock).parent / (definition.get("do", definition).get("wdir") or ".")
            for out in entry.get("outs", []):
                outputs.append({"lock": lock, "stage": stage,
                                "path": os.path.normpath(wdir / out["path"]),
                                "md5": out.get("md5"), "size": out.get("size")})
    return outputs


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(folder: str | os.PathLike[str]) -> str:
    """``sha256sum``'s format for every file under ``folder`` but the manifest itself."""
    folder = Path(folder)
    return "".join(f"{_sha256(path)}  {path.relative_to(folder).as_posix()}\n"
                   for path in _files(folder) if path.name != MANIFEST or path.parent != folder)


def verify_manifest(folder: str | os.PathLike[str]) -> list[str]:
    """The files of ``folder`` whose SHA-256 differ from its manifest, or that are missing or
    not listed (empty: the archive is intact)."""
    folder = Path(folder)
    listed = {}
    for line in (folder / MANIFEST).read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    present = {path.relative_to(folder).as_posix(): path for path in _files(folder)
               if path.relative_to(folder).as_posix() != MANIFEST}
    problems = [f"missing: {name}" for name in sorted(set(listed) - set(present))]
    problems += [f"not in the manifest: {name}" for name in sorted(set(present) - set(listed))]
    problems += [f"changed: {name}" for name in sorted(set(listed) & set(present))
                 if _sha256(present[name]) != listed[name]]
    return problems


def _check_whole(root: Path) -> str:
    """The commit of a whole run at ``root`` (no edited tracked file, every stage up to date)."""
    edited = _run(["git", "status", "--porcelain", "--untracked-files=no"], root).stdout.strip()
    if edited:
        raise ArchiveError("tracked files differ from the commit; commit or restore them first "
                           f"(git status):\n{edited}")
    status = _run(["dvc", "status", "--json"], root).stdout.strip()
    stale = json.loads(status or "{}")
    if stale:
        raise ArchiveError("the run is not whole: these stages are not up to date "
                           f"(dvc status): {', '.join(sorted(stale))}; run them (dvc repro) "
                           "or check out the models of the commit (dvc pull)")
    return _run(["git", "rev-parse", "HEAD"], root).stdout.strip()


def _readme(version: str, commit: str, name: str) -> str:
    return f"""# evosynth {version}: the archived run

The run of both pipelines (dvc.yaml and beyond/dvc.yaml) completed by commit `{commit}`.

```bash
git clone {name}/{BUNDLE} evosynth && cd evosynth
dvc remote add --local archive ../{name}/{STORE}
dvc pull -r archive     # every trained network and data set of both pipelines
dvc status              # clean: nothing to rerun
bash scripts/main.sh    # rebuilds the book from them (set-up included)
```

`book/index.html` is the built book; `results/` and the lock files are the run's records, also
inside the repository. `sha256sum -c {MANIFEST}` checks every file. `archive.json` lists each
output of both locks with its DVC hash.
"""


def make_archive(dest: str | os.PathLike[str], root: str | os.PathLike[str] = ".",
                 book: str | os.PathLike[str] | None = "_build/html",
                 tar: bool = False) -> Path:
    """Write the archive of the run at ``root`` (a git repository with both pipelines run) to
    the new folder ``dest`` (and ``dest.tar`` when ``tar``); ``book``: the built book's folder,
    relative to ``root`` (``None``: no book). Returns the folder (or the tar file)."""
    from .. import __version__

    root, dest = Path(root).resolve(), Path(dest).resolve()
    if dest.exists():
        raise ArchiveError(f"archive destination {dest} already exists: choose a new folder")
    if not dest.parent.is_dir():
        raise ArchiveError(f"archive destination's folder {dest.parent} does not exist")
    book_dir = None
    if book is not None:
        book_dir = root / book
        if not (book_dir / "index.html").is_file():
            raise ArchiveError(f"no built book at {book_dir} (index.html): build it first "
                               "(jupyter-book build .) or pass --no-book")
    commit = _check_whole(root)
    outputs = lock_outputs(root)

    partial = dest.with_name(f".{dest.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    remote = f"archive-{os.getpid()}"
    try:
        _run(["git", "bundle", "create", str(partial / BUNDLE), "HEAD"], root)
        _run(["dvc", "remote", "add", "--local", remote, str(partial / STORE)], root)
        try:
            _run(["dvc", "push", "-r", remote], root)   # every pipeline and .dvc file
        finally:
            _run(["dvc", "remote", "remove", "--local", remote], root)
        for name in ("CITATION.cff", *LOCKS):
            (partial / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, partial / name)
        shutil.copytree(root / "results", partial / "results")
        if book_dir is not None:
            shutil.copytree(book_dir, partial / "book")
        info = {"version": __version__, "commit": commit,
                "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "book": book_dir is not None, "outputs": outputs}
        (partial / "archive.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        (partial / "README.md").write_text(_readme(__version__, commit, dest.name),
                                           encoding="utf-8")
        (partial / MANIFEST).write_text(manifest(partial), encoding="utf-8")
        partial.rename(dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if not tar:
        return dest
    packed = dest.with_name(dest.name + ".tar")
    temp = packed.with_name(f".{packed.name}.partial")
    try:
        with tarfile.open(temp, "w") as archive:
            archive.add(dest, arcname=dest.name)
        temp.rename(packed)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return packed


# -- the command line: `python -m evosynth archive`, or this module run as a program --

def _command(params, args):
    try:
        written = make_archive(args.dest, args.root, book=None if args.no_book else args.book,
                               tar=args.tar)
    except ArchiveError as error:
        print(f"archive: {error}")
        return 2
    print(f"archive written: {written}")
    return 0


COMMAND = Command(
    "archive", "write the committed run (networks, data, book, records) to one folder",
    "Archive of the run: the git history up to HEAD (a bundle), every DVC-cached output of "
    "dvc.lock and beyond/dvc.lock (the trained networks and data) as a DVC remote folder, the "
    "built book, results/, both locks, CITATION.cff and MANIFEST.sha256. Refuses a run that is "
    "not whole (edited tracked files, or a stage not up to date). Unpack it anywhere, then: "
    "git clone DEST/repository.bundle evosynth && cd evosynth && dvc remote add --local archive "
    "../DEST/dvc-store && dvc pull -r archive. Exit status: 0 written, 2 refused.", _command,
    (arg("dest", help="the new folder to write (must not exist)"),
     arg("--root", default=".", help="repository root (default: %(default)s)"),
     arg("--book", default="_build/html", help="the built book, relative to the root "
         "(default: %(default)s)"),
     arg("--no-book", action="store_true", help="archive without the built book"),
     arg("--tar", action="store_true", help="also pack the folder as DEST.tar")),
    params=False, group=2, order=6,
    epilog="example: python -m evosynth archive ../evosynth-1.0.1 --tar")


if __name__ == "__main__":
    raise SystemExit(main(COMMAND))
