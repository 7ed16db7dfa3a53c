"""DVC-native experiment records: dvc.yaml's top-level ``plots:`` on the smoke run.

* ``dvc plots show --json``: every plot is there, with one series per generation;
* ``dvc plots diff`` between the committed smoke run and one experiment on it (gen3 resynthesised
  with another seed, ``dvc exp run -S``: conftest's ``reseeded``) shows both revisions in every
  plot;
* the HTML page of ``dvc plots show`` (.dvc/config's ``plots.html_template``: .dvc/plots.html,
  Vega, Vega-Lite and vega-embed inline) loads nothing from the network and draws every plot,
  in headless Chromium as in tests/book/test_book_render.py.

Needs the session fixtures ``smoke`` and ``reseeded`` of tests/conftest.py. The smoke folder is
shared and is left as it is: these tests work in copies of it.
"""

import csv
import functools
import http.server
import json
import shutil
import sys
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from support import (BIN, CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, RESEEDED, ROOT, QuietHandler,
                     copy_smoke, run)

pytestmark = [pytest.mark.slow, pytest.mark.needs_raw_data]

GENERATIONS = [f"gen{k}" for k in range(5)]
SYNAPSES = "Synapses per generation"
F_BETA = "Test F-beta against synapses"
PR = "Precision-recall curves on the test split"
LOSS = "Training loss, every epoch"
VAL = "Validation adaptive F-beta, every epoch"
PLOTS = [SYNAPSES, F_BETA, PR, LOSS, VAL]
# the dvclive record of each plot over epochs, relative to results/genK/
EPOCH_FILES = {LOSS: "live/plots/metrics/train/loss.tsv",
               VAL: "live/plots/metrics/val/f_beta_adaptive.tsv"}
EXPERIMENT = RESEEDED


def _copy(work: Path, dest: Path) -> Path:
    """A copy of the project folder ``work`` (no book build, no DVC tmp) that renders its plots
    with the repository's offline HTML template, as the real .dvc/config says."""
    copy_smoke(work, dest)
    shutil.copy(ROOT / ".dvc" / "plots.html", dest / ".dvc" / "plots.html")
    run([BIN / "dvc", "config", "plots.html_template", "plots.html"], dest)
    return dest


def _json(done) -> dict:
    report = json.loads(done.stdout)
    assert not report.get("errors"), report["errors"]
    assert sorted(report["data"]) == sorted(PLOTS)
    return report["data"]


def _spec(data: dict, title: str) -> dict:
    """The Vega-Lite spec of plot ``title`` (one renderer per plot, a vega one)."""
    renderers = data[title]
    assert [r["type"] for r in renderers] == ["vega"], title
    return renderers[0]["content"]


def _series(spec: dict) -> Counter:
    """Rows per (revision, file) of a spec's data."""
    return Counter((row["rev"], row.get("filename")) for row in spec["data"]["values"])


def _epochs(work: Path, generation: str) -> int:
    return len(json.loads((work / "results" / generation / "summary.json").read_text())
               ["history"])


def _generation(filename: str) -> str:
    """gen3 of ``gen3.csv`` or ``gen3/live/plots/metrics/train/loss.tsv``."""
    return filename.split("/")[0].removesuffix(".csv")


@pytest.fixture(scope="module")
def project(smoke, tmp_path_factory):
    work, _ = smoke
    return _copy(work, tmp_path_factory.mktemp("plots") / "project")


@pytest.fixture(scope="module")
def shown(project):
    return _json(run([BIN / "dvc", "plots", "show", "--json"], project))


@pytest.fixture(scope="module")
def diffed(reseeded):
    """``dvc plots diff HEAD <experiment> --json`` in a git copy of the smoke run after one
    experiment that resynthesises gen3 with another seed (conftest's ``reseeded``)."""
    repo, _ = reseeded
    return _json(run([BIN / "dvc", "plots", "diff", "HEAD", EXPERIMENT, "--json"], repo))


# --- dvc plots show --json ---


def test_pr_curves_one_series_per_generation(shown, project):
    spec = _spec(shown, PR)
    rows = {name: sum(1 for _ in csv.DictReader(
        (project / "results" / "plots" / "pr" / name).open())) for name in
        (f"{g}.csv" for g in GENERATIONS)}
    assert rows == dict.fromkeys(rows, 256)  # one row per threshold of an 8-bit saliency map
    assert _series(spec) == {("workspace", name): n for name, n in rows.items()}
    assert spec["encoding"]["x"]["field"] == "recall"
    assert {row["rev"] for row in spec["data"]["values"]} == {"workspace"}


def test_synapse_bars_are_categorical_by_generation(shown):
    spec = _spec(shown, SYNAPSES)
    encoding = spec["encoding"]
    assert (encoding["y"]["field"], encoding["y"]["type"]) == ("generation", "nominal")
    assert (encoding["x"]["field"], encoding["x"]["type"]) == ("synapses", "quantitative")
    assert spec["mark"]["type"] == "bar"
    values = spec["data"]["values"]
    assert [row["generation"] for row in values] == GENERATIONS
    synapses = [int(row["synapses"]) for row in values]
    assert all(a > b for a, b in zip(synapses, synapses[1:])), synapses  # fewer every gen


@pytest.mark.parametrize("title", [LOSS, VAL])
def test_training_curves_every_generation_every_epoch(shown, project, title):
    spec = _spec(shown, title)
    counts = _series(spec)
    by_generation = {_generation(name): n for (_, name), n in counts.items()}
    assert sorted(by_generation) == GENERATIONS, counts
    assert {name for _, name in counts} == {f"{g}/{EPOCH_FILES[title]}" for g in GENERATIONS}
    assert by_generation == {g: _epochs(project, g) for g in GENERATIONS}
    assert spec["encoding"]["x"]["field"] == "step"
    for g in GENERATIONS:  # steps 0..epochs-1, in order
        steps = [int(row["step"]) for row in spec["data"]["values"]
                 if _generation(row["filename"]) == g]
        assert steps == list(range(by_generation[g])), (g, steps)


def test_f_beta_plot_has_both_series(shown):
    spec = _spec(shown, F_BETA)
    values = spec["data"]["values"]
    fields = Counter(row["field"] for row in values)
    assert fields == {"f_beta_adaptive": 5, "f_beta_max": 5}
    assert spec["encoding"]["y"]["field"] == "dvc_inferred_y_value"
    for row in values:  # the plotted value is the series' own column
        assert row["dvc_inferred_y_value"] == row[row["field"]]
        assert 0 <= float(row["dvc_inferred_y_value"]) <= 1


# --- dvc plots diff between two experiments ---


def test_plots_diff_shows_both_revisions(diffed):
    for title in PLOTS:
        values = _spec(diffed, title)["data"]["values"]
        assert {row["rev"] for row in values} == {"HEAD", EXPERIMENT}, title
        per_rev = Counter(row["rev"] for row in values)
        assert per_rev["HEAD"] == per_rev[EXPERIMENT], (title, per_rev)


def test_plots_diff_pr_curves_per_generation_and_revision(diffed):
    values = _spec(diffed, PR)["data"]["values"]
    counts = _series(_spec(diffed, PR))
    assert counts == {(rev, f"{g}.csv"): 256 for rev in ("HEAD", EXPERIMENT)
                      for g in GENERATIONS}

    def curve(rev, generation):
        return [(row["recall"], row["precision"]) for row in values
                if row["rev"] == rev and row["filename"] == f"{generation}.csv"]

    # gen3 was resynthesised, and gen4 descends from it: their curves are the experiment's
    # own, the others are shared
    for g in GENERATIONS[:3]:
        assert curve("HEAD", g) == curve(EXPERIMENT, g), g
    for g in GENERATIONS[3:]:
        assert curve("HEAD", g) != curve(EXPERIMENT, g), g


# --- the HTML page, offline, in headless Chromium ---

_RENDERED = """async (count) => {
    const deadline = Date.now() + 30000;
    const drawn = () => document.querySelectorAll('.vega-embed .marks').length;
    while (drawn() < count && Date.now() < deadline)
        await new Promise(done => setTimeout(done, 100));
    return {
        divs: [...document.querySelectorAll('body > div[id]')].map(div => ({
            id: div.id,
            marks: div.querySelectorAll('.vega-embed .marks').length,
            width: (div.querySelector('.vega-embed .marks') || {}).clientWidth || 0,
        })),
        scripts: [...document.scripts].map(s => s.src).filter(Boolean),
        vega: typeof vegaEmbed,
    };
}"""


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="renders with Debian's Chromium (/usr/bin/chromium): Linux only")
def test_plots_page_renders_offline(project, tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install "
                    f"chromium; bash scripts/setup.sh does it as root or with sudo)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing: pip install -e '.[test]'")

    out = tmp_path_factory.mktemp("plots-html")
    run([BIN / "dvc", "plots", "show", "-o", str(out)], project)
    page_html = (out / "index.html").read_text()
    assert "cdn.jsdelivr.net" not in page_html and "<script src" not in page_html

    handler = functools.partial(QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    blocked, failed, errors, console = [], [], [], []

    def guard(route):
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or (url.scheme in ("http", "https")
                                              and url.hostname in LOCAL_HOSTS):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                tmp_path_factory.mktemp("chromium-profile"), executable_path=str(CHROMIUM),
                headless=True, args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900},
                service_workers="block")
            try:
                context.route("**/*", guard)
                context.on("response", lambda r: r.status >= 400 and failed.append(
                    f"{r.status} {r.url}"))
                page = context.new_page()
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.on("console", lambda m: m.type == "error" and console.append(m.text))
                page.goto(f"http://127.0.0.1:{server.server_port}/index.html",
                          wait_until="load")
                drawn = page.evaluate(_RENDERED, len(PLOTS))
            finally:
                context.close()
    finally:
        server.shutdown()
        server.server_close()

    assert blocked == [], "the plots page tried to reach the network"
    assert failed == [] and errors == [] and console == []
    assert drawn["scripts"] == [] and drawn["vega"] == "function"
    ids = {title.translate({ord(c): "_" for c in " ,"}) for title in PLOTS}  # dvc_render's
    assert {div["id"] for div in drawn["divs"]} == ids
    for div in drawn["divs"]:  # one drawn Vega view per plot
        assert div["marks"] == 1 and div["width"] > 0, div
