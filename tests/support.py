"""Helpers shared by the tests: paths, a subprocess runner, git-committed project copies, small
known networks and parameter sets. Plain functions and constants; the fixtures are in
tests/conftest.py. Test modules import them as ``from support import ...`` (pyproject's ``pythonpath`` puts
tests/ on ``sys.path``; the tests live in folders that mirror the package: method/, experiment/,
publish/, book/, benchmarks/, pipeline/).
"""

from __future__ import annotations

import copy
import http.server
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from PIL import Image
from torch import nn
from torch.utils.data import TensorDataset

from evosynth import BudgetEnvironment, TrainConfig, build_model, train
from evosynth.method.genetics import synthesize_clusters

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: The raw data of the default data set (``bash scripts/setup.sh`` fetches it); tests that read
#: it carry the ``needs_raw_data`` marker (tests/conftest.py skips them when it is missing).
RAW = ROOT / "data" / "raw"
RAW_FASHION = RAW / "fashion-mnist"
RAW_DATA_MISSING = "raw data not fetched (bash scripts/setup.sh)"

#: What the default pipeline needs, and what the book needs on top (see :func:`copy_project`).
PIPELINE = ("dvc.yaml", "data.dvc", ".dvcignore", "notebooks", "src", "requirements.lock")
BOOK = ("_config.yml", "_toc.yml", "book", "beyond", "benchmarks", "CITATION.cff")

#: The smoke profile's parameters (deep-copy before changing them).
SMOKE = yaml.safe_load((ROOT / "profiles" / "smoke.yaml").read_text())


def _campaign_table():
    import importlib.util
    spec = importlib.util.spec_from_file_location("campaign_table",
                                                  ROOT / "scripts" / "campaign_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: scripts/campaign_table.py: the tables of beyond/dvc.yaml from a profile.
campaign_table = _campaign_table()
write_tables = campaign_table.write_tables


def reduced_campaign(profile: dict) -> dict:
    """The campaign the test suite runs: ``profile`` with one replicate seed (its ancestor, its
    default lineage, dense control and newborn lineage), the small dense network at the first
    and last generation of two seeds (the pages read both), one offspring curve and one seed of
    the best-effort recipe: every
    kind of stage of beyond/dvc.yaml runs at least once, and two seeds remain wherever a page draws an interval. The whole smoke
    campaign (every seed of ``profile``) is ``tests/pipeline/test_campaign.py`` (marker ``campaign``)."""
    data = copy.deepcopy(profile)
    first, *_, last = list(data["generation"]["lineage"])
    data["replicate"] = {"seeds": [1], "newborn_seeds": [1]}
    data["small_dense"] = {"seeds": [0, 1], "generations": [first, last]}
    data["offspring_curve"] = {**data["offspring_curve"], "inits": ["inherit"],
                               "generations": [first]}
    # the best-effort recipe: seed 0's default lineage, dense control and small dense networks
    # (its newborn offspring are the first recipe's newborn stage with other epochs)
    data["best_effort"] = {**data["best_effort"], "seeds": [0], "newborn_seeds": [],
                           "small_dense_seeds": [0]}
    return data


#: The test suite's smoke run: the smoke profile with the reduced campaign.
SMOKE_TESTED = reduced_campaign(SMOKE)
#: The experiment of conftest's ``reseeded``: generation 3 synthesised again with another seed.
RESEEDED = "gen3-seed33"


# --- subprocesses ------------------------------------------------------------------------------

def bin_env() -> dict[str, str]:
    """This environment with the virtual environment's ``bin`` first on ``PATH``."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def run(args, cwd, check=True, env=None) -> subprocess.CompletedProcess:
    """Run ``args`` in ``cwd`` (stdout and stderr captured as text) with ``env`` (default:
    :func:`bin_env`). With ``check``, a non-zero exit fails the test with both outputs."""
    done = subprocess.run(args, cwd=cwd, env=bin_env() if env is None else env,
                          capture_output=True, text=True)
    if check and done.returncode:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done


def wait_for(path: Path, text: str, process: subprocess.Popen, timeout: float) -> None:
    """Wait until ``text`` appears in the log file ``path`` of the running ``process``."""
    deadline = time.monotonic() + timeout
    while text not in path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared:\n{path.read_text()[-4000:]}")
        time.sleep(0.05)


# --- copies of the project ---------------------------------------------------------------------

def _skip_outputs(folder: str, names: list[str]) -> set[str]:
    """What :func:`copy_project` leaves out of a folder: build outputs, the locks, and the
    executed notebooks (``book/experiment``; not ``src/evosynth/experiment``, the code)."""
    skipped = {n for n in names if n in ("_build", "__pycache__", "dvc.lock")
               or n.endswith(".egg-info")}
    if Path(folder).name == "book" and "experiment" in names:
        skipped.add("experiment")
    return skipped


def copy_project(work: Path, names=PIPELINE) -> Path:
    """Copy what the default pipeline needs (``names``, then ``data/raw``) into ``work``,
    without build outputs, the executed notebooks and the committed run's locks (a run in
    ``work`` writes its own)."""
    for name in names:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=_skip_outputs)
        else:
            shutil.copy(source, work / name)
    shutil.copytree(RAW, work / "data" / "raw")
    return work


def copy_smoke(work: Path, dest: Path) -> Path:
    """A copy of the smoke run's folder ``work`` (with its DVC cache; without its book build,
    its study log and DVC's tmp), for a test that changes it: the session's ``smoke`` folder
    itself is shared and stays as it is."""

    def skip(folder, names):
        folder = Path(folder)
        if folder == work:
            return {"_build", "study-repro.log", "dvc_plots"} & set(names)
        if folder == work / ".dvc":
            return {"tmp"} & set(names)
        return set()

    shutil.copytree(work, dest, symlinks=True, ignore=skip)
    return dest


def commit_smoke_copy(repo: Path, message: str = "a run of the pipeline") -> Path:
    """Commit a :func:`copy_smoke` folder with :func:`commit_project`, after adding the files the
    real repository commits and the pipeline or the book read (requirements.lock,
    CITATION.cff) where the smoke run has none."""
    for name in ("requirements.lock", "CITATION.cff"):
        if not (repo / name).exists():
            shutil.copy(ROOT / name, repo / name)
    return commit_project(repo, message)


GIT = ["git", "-c", "user.name=evosynth tests", "-c", "user.email=tests@example.org",
       "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]


def git(repo, *args, check=True):
    """``git ARGS`` in ``repo`` with a test identity (no global git config needed)."""
    return run([*GIT, *args], repo, check=check)


def commit_project(work: Path, message: str = "a run of the pipeline") -> Path:
    """Make the project folder ``work`` (a ``dvc init --no-scm`` copy) a git repository laid
    out like the real one: DVC uses git, and everything is committed except what the
    repository's ignore files leave to DVC's cache (data/raw, data/prepared, models/,
    results/evaluate/examples.npz, .dvc/cache and .dvc/tmp) and the book's _build."""
    for name in (".gitignore", ".dvc/.gitignore", "results/.gitignore"):
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, work / name)
    config = work / ".dvc" / "config"
    config.write_text("".join(line for line in config.read_text().splitlines(keepends=True)
                              if "no_scm" not in line))
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", message)
    return work


def build_book(project: Path, timeout: float = 300,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``jupyter-book build . -W --keep-going`` in ``project`` (``env``: variables to add);
    the finished process (stdout and stderr as text), whatever its exit status."""
    return subprocess.run([BIN / "jupyter-book", "build", ".", "-W", "--keep-going"],
                          cwd=project, env={**bin_env(), **(env or {})}, capture_output=True,
                          text=True, timeout=timeout)


# --- the built pages in headless Chromium ------------------------------------------------------

#: Debian's Chromium, driven by Playwright (``playwright install`` is never needed).
CHROMIUM = Path("/usr/bin/chromium")
# Flags that work on a 2-core container without a GPU, a display or a user namespace; no
# background traffic (updates, sync, QUIC probes), and no host but localhost resolves.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that logs nothing."""

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


# --- parameters and data sets ------------------------------------------------------------------

def tiny_params(**prepare) -> dict:
    """The smoke profile on a tiny ``shapes`` data set and network: seconds on a CPU."""
    data = copy.deepcopy(SMOKE)
    data["prepare"].update({"dataset": "shapes", "image_size": 16, "n_train": 24, "n_val": 8,
                            "n_test": 8, **prepare})
    data["ancestor"]["model"].update({"patch": 1, "widths": [4, 8], "bottleneck_width": 8})
    data["ancestor"]["train"].update({"epochs": 2, "batch_size": 8, "device": "cpu"})
    data["generation"]["train"].update({"epochs": 2, "batch_size": 8, "device": "cpu"})
    data["generation"]["init"] = "newborn"
    data["generation"]["lineage"] = {"gen1": {"parent": "gen0", "seed": 1, "environment": {
        "kind": "constant", "factor": 0.6}}}
    data["small_dense"]["generations"] = ["gen1"]     # the lineage's one generation
    return data


def write_params(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def write_folder_dataset(root: Path, stems=("a", "b", "c", "d", "e", "f")) -> None:
    """A ``folder`` data set of 20x20 images and masks, two per split."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rng = np.random.default_rng(0)
    for stem in stems:
        Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(
            root / "images" / f"{stem}.png")
        mask = np.zeros((20, 20), np.uint8)
        mask[5:15, 4:12] = 255
        Image.fromarray(mask).save(root / "masks" / f"{stem}.png")
    for split, names in zip(("train", "val", "test"), (stems[:2], stems[2:4], stems[4:])):
        (root / f"{split}.txt").write_text("\n".join(names) + "\n")


def noise_set(n=16, size=32) -> TensorDataset:
    """Seeded random images and masks."""
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.rand(n, 3, size, size, generator=g),
                         (torch.rand(n, 1, size, size, generator=g) > 0.6).float())


def train_tiny(precision: str = "fp32", **kwargs):
    """The ``tiny`` network trained for 2 epochs on :func:`noise_set` in ``precision``:
    (network, result)."""
    torch.manual_seed(0)
    net = build_model("tiny")
    result = train(net, noise_set(), TrainConfig(epochs=2, batch_size=8, precision=precision),
                   progress=False, **kwargs)
    return net, result


# --- networks ----------------------------------------------------------------------------------

class SmallNet(nn.Module):
    """A known network: conv 3->4 (3x3), conv-transpose 4->2 (2x2), linear 8->5."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.norm = nn.BatchNorm2d(4)
        self.up = nn.ConvTranspose2d(4, 2, 2)
        self.fc = nn.Linear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.up(torch.relu(self.norm(self.conv(x))))
        return self.fc(x.mean(dim=(2, 3)).repeat(1, 4))


def saliency_net(seed=0, **overrides):
    """A small saliency network with non-trivial batch-norm statistics and affine parameters,
    as after training, in eval mode."""
    torch.manual_seed(seed)
    config = dict(widths=(6, 8), bottleneck_width=10, bottleneck_layers=1, patch=2,
                  head_kernel=3)
    config.update(overrides)
    net = build_model(**config)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
    return net.eval()


def draw_clusters(net, seed=1, fraction=0.6):
    """A structured draw of ``net``'s filters at budget ``fraction``: (keep, factor)."""
    return synthesize_clusters(net, BudgetEnvironment(keep_fraction=fraction),
                               torch.Generator().manual_seed(seed))


# --- the package's own imports (tests/test_structure.py, tests/pipeline/test_stage_deps.py) ----------

def evosynth_imports(tree, package: str) -> list[tuple[str, list[str]]]:
    """``(module, names)`` of every ``evosynth`` import statement in the AST ``tree`` (also
    inside functions, but not under ``if TYPE_CHECKING:``, which never runs); relative imports
    are resolved against ``package``; ``import a.b`` gives no names."""
    import ast

    def walk(node):
        for child in ast.iter_child_nodes(node):
            test = child.test if isinstance(child, ast.If) else None
            if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or \
                    isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
                yield from (n for other in child.orelse for n in walk_all(other))
                continue
            yield child
            yield from walk(child)

    def walk_all(node):
        yield node
        yield from walk(node)

    found = []
    for node in walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.split(".")[0] == "evosynth"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] == "evosynth":
                found.append((module, [a.name for a in node.names]))
    return found


# --- what each DVC stage runs (tests/pipeline/test_stage_deps.py, scripts/stage_deps.py) ----------------

SRC = ROOT / "src" / "evosynth"
DVC_FILES = ("dvc.yaml", "beyond/dvc.yaml")


def module_file(module: str) -> Path | None:
    """The source file of ``evosynth.x.y`` (``x/y.py`` or ``x/y/__init__.py``), or ``None``."""
    path = SRC.joinpath(*module.split(".")[1:])
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


def module_imports(tree, package: str) -> set[str]:
    """The evosynth modules an AST imports: ``from a import b`` counts ``a`` and, when ``b`` is a
    module, ``a.b``; a public name of the lazy package face (``from evosynth import train``)
    counts the module it lives in (``evosynth._WHERE``)."""
    import evosynth
    found = set()
    for module, names in evosynth_imports(tree, package):
        found.add(module)
        found |= {f"{module}.{name}" for name in names if module_file(f"{module}.{name}")}
        if module == "evosynth":
            found |= {f"evosynth.{evosynth._WHERE[n]}" for n in names if n in evosynth._WHERE}
    return found


def import_closure(start: set[str]) -> set[Path]:
    """Every source file that importing ``start`` runs (a.b.c runs a and a.b too; any import
    statement counts, also one inside a function)."""
    import ast
    seen: set[str] = set()
    todo = list(start)
    while todo:
        parts = todo.pop().split(".")
        for i in range(1, len(parts) + 1):
            module = ".".join(parts[:i])
            path = module_file(module)
            if module in seen or path is None:
                continue
            seen.add(module)
            package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
            todo.extend(module_imports(ast.parse(path.read_text()), package))
    return {module_file(m) for m in seen}


#: What a DVC stage without a notebook runs: its stage module, as a program.
STAGE_MODULE = re.compile(r"python -m (evosynth\.experiment\.stages\.[a-z_]+)(?=\s|$)")


def stage_module(cmd: str) -> str:
    """The stage module a stage command runs: ``notebooks/X.ipynb`` (papermill) calls
    ``evosynth.experiment.stages.X``; ``python -m evosynth.experiment.stages.X`` runs it."""
    notebook = re.search(r"papermill .*?notebooks/(\S+)\.ipynb", cmd)
    if notebook:
        return f"evosynth.experiment.stages.{notebook.group(1)}"
    module = STAGE_MODULE.search(cmd)
    if module is None:
        raise ValueError(f"stage command runs no notebook and no stage module: {cmd}")
    return module.group(1)


def stage_code(cmd: str) -> set[Path]:
    """The evosynth source files a stage command runs: its notebook's imports (papermill), or
    ``python -m evosynth.experiment.stages.X``'s (that module and what it imports)."""
    import ast
    import json
    notebook = re.search(r"papermill .*?(notebooks/\S+\.ipynb)", cmd)
    if notebook:
        cells = json.loads((ROOT / notebook.group(1)).read_text())["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        return import_closure(module_imports(ast.parse(source), ""))
    module = stage_module(cmd)
    if module_file(module) is None:
        raise ValueError(f"stage command runs an unknown module {module}: {cmd}")
    return import_closure({module})


def pipeline_stages():
    """``(dvc file, stage name, cmd, deps)`` of every stage block of both pipelines (a
    ``foreach`` block once, its command with the ``${...}`` left in)."""
    for dvc_file in DVC_FILES:
        for name, stage in yaml.safe_load((ROOT / dvc_file).read_text())["stages"].items():
            body = stage.get("do", stage)
            yield dvc_file, name, body["cmd"], [str(d) for d in body.get("deps", [])]


#: Folders a stage's ``deps:`` never name as a whole: the package, its floors by role, and
#: ``experiment/stages`` (whose modules are each one stage's).
WHOLE_NEVER = ("", "method", "experiment", "publish", "experiment/stages")


def src_deps(code: set[Path]) -> list[str]:
    """The ``deps:`` entries of ``code``: a subpackage folder (such as ``method/genetics``) when
    all its files are in it, else the files, sorted."""
    files = {p.relative_to(ROOT).as_posix() for p in code}
    entries = set(files)
    for init in SRC.rglob("__init__.py"):
        package = init.parent
        if package.relative_to(SRC).as_posix().replace(".", "") in WHOLE_NEVER:
            continue
        members = {p.relative_to(ROOT).as_posix() for p in package.rglob("*.py")}
        if members and members <= files:
            entries = (entries - members) | {package.relative_to(ROOT).as_posix()}
    return sorted(entries)
