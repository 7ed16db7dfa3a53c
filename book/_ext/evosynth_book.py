"""The book's own Sphinx extension: which run every page shows, one run per book, and the
companion's BibTeX generated from CITATION.cff.

* ```{run} default``` (or ``structured``, ``control``, ``newborn``, ``small-dense``, ``seed1``,
  ``seed1-control``) renders a paragraph naming the run behind a page's
  results: commit, time, machine, PyTorch CPU capability, threads, versions, environment lock;
  it reads the committed training summaries (``results/**/genK/summary.json``).
  ```{run} notebooks``` (executed notebooks as content) does the same for results whose run
  left no such record, from the notebooks' papermill metadata; ```{run} experiments``` (a
  ``dvc exp show --json`` file as content) for queued DVC experiments; ```{run} campaign```
  renders a table of every lineage and seed whose records are committed, with its machine
  kind and precision.
* ```{cite-run}``` renders the version and commit of the run the book shows, and the book's
  address, from ``CITATION.cff`` (a release names its run: :mod:`evosynth.publish.release`).
* ```{citation-bibtex}``` renders the BibTeX of ``CITATION.cff`` (the companion, then the
  references it lists), so the file GitHub's "Cite this repository" button reads is the only
  source.
* When the book build starts, :func:`artifact.mixed_runs` compares
  ``beyond/dvc.lock`` with ``dvc.lock``. After a rerun of the default pipeline whose outputs
  differ from those the committed campaign read (another machine kind), the book still builds,
  and every page that shows results says which run they come from (:data:`PAGE_SHOWS`,
  :func:`artifact.which_run`): the default pipeline's pages the rerun, the campaign's
  the committed run. With ``EVOSYNTH_ONE_RUN=1`` (a release: the release workflow) a book that
  mixes runs fails instead, with a message saying what to rerun.
* ```{rerun-report}``` renders this checkout's reproduction check (``results/local/verify.md``,
  written by ``bash scripts/main.sh`` after its ``dvc repro``; never committed), or says that
  the book shows the committed run.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

#: What the results of each page come from (:data:`artifact.SHOWS`), by docname
#: pattern; a page not listed shows no result of the default pipeline's (tests/book/test_book_pages.py
#: checks that every page that reads one is listed).
PAGE_SHOWS = {
    "book/experiment/prepare": "pipeline",
    "book/experiment/ancestor": "pipeline",
    "book/experiment/generation_gen*": "pipeline",
    "book/experiment/evaluate": "pipeline",
    "book/method": "pipeline",
    "book/index": "both",
    "book/results": "both",
    "book/discussion": "both",
    "book/faster": "both",
    "book/reproducibility": "both",
    "book/beyond": "campaign",
    "book/experiment/beyond": "campaign",
}
#: Where ``bash scripts/main.sh`` writes this checkout's reproduction check (git ignores it).
RERUN_REPORT = Path("results") / "local" / "verify.md"
#: Set to 1 to refuse a book that mixes runs (a release).
ONE_RUN_ENV = "EVOSYNTH_ONE_RUN"


def page_shows(docname: str) -> str | None:
    """What page ``docname``'s results come from (:data:`PAGE_SHOWS`), or ``None``."""
    return next((shows for pattern, shows in PAGE_SHOWS.items()
                 if fnmatch.fnmatchcase(docname, pattern)), None)

import artifact  # book/_ext/artifact.py (local_extensions puts book/_ext on the path)
from evosynth.publish import citation


def _root(env) -> Path:
    return Path(env.app.confdir)


class RunDirective(SphinxDirective):
    """```{run} default``` (a lineage of :data:`artifact.LINEAGES`, or a replicate's:
    :func:`artifact.lineage_folder`), or
    ```{run} notebooks``` with executed notebooks as content lines (paths from the root):
    the run behind this page's results."""

    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        lineage = self.arguments[0]
        root = _root(self.env)
        if lineage == "experiments":
            path = root / self.content[0].strip()
            self.env.note_dependency(str(path))
            try:
                return self.parse_text_to_nodes(artifact.experiments_statement(path))
            except (FileNotFoundError, ValueError, IndexError) as error:
                raise self.error(f"run: {error}") from error
        if lineage == "campaign":
            for path in (root / "results").glob("**/gen*/summary.json"):
                self.env.note_dependency(str(path))
            return self.parse_text_to_nodes(artifact.campaign_statement(root))
        if lineage == "notebooks":
            paths = [root / line.strip() for line in self.content if line.strip()]
            for path in paths:
                self.env.note_dependency(str(path))
            try:
                return self.parse_text_to_nodes(artifact.notebook_statement(paths))
            except (FileNotFoundError, ValueError) as error:
                raise self.error(f"run: {error}") from error
        try:
            machines = artifact.lineage_machines(root, lineage)
        except (FileNotFoundError, ValueError) as error:
            raise self.error(f"run: {error}") from error
        for name in machines:
            folder = Path(artifact.lineage_folder(lineage)) / name / "summary.json"
            self.env.note_dependency(str(root / folder))
        return self.parse_text_to_nodes(artifact.run_statement(machines))


class CiteRunDirective(SphinxDirective):
    """```{cite-run}```: the version and commit of the run this book shows (CITATION.cff)."""

    def run(self) -> list[nodes.Node]:
        path = _root(self.env) / "CITATION.cff"
        self.env.note_dependency(str(path))
        try:
            return self.parse_text_to_nodes(citation.run_citation(path))
        except (FileNotFoundError, ValueError) as error:
            raise self.error(f"cite-run: {error}") from error


class CitationBibtexDirective(SphinxDirective):
    """```{citation-bibtex}```: the BibTeX entries of CITATION.cff."""

    def run(self) -> list[nodes.Node]:
        path = _root(self.env) / "CITATION.cff"
        self.env.note_dependency(str(path))
        try:
            text = citation.bibtex(path)
        except (FileNotFoundError, ValueError) as error:
            raise self.error(f"citation-bibtex: {error}") from error
        block = nodes.literal_block(text, text)
        block["language"] = "bibtex"
        return [block]


class RerunReportDirective(SphinxDirective):
    """```{rerun-report}```: this checkout's reproduction check, when main.sh wrote one."""

    def run(self) -> list[nodes.Node]:
        path = _root(self.env) / RERUN_REPORT
        self.env.note_dependency(str(path))
        if not path.is_file():
            return self.parse_text_to_nodes(
                "No rerun in this checkout: the book shows the committed run. `bash "
                "scripts/main.sh` reruns the default pipeline on your machine and then writes "
                f"here how close it came (`python -m evosynth verify`, into `{RERUN_REPORT}`).")
        # its headings become bold lines: the report sits inside a section of the page
        text = re.sub(r"(?m)^#+ (.*)$", r"**\1**", path.read_text())
        return self.parse_text_to_nodes(text)


def _check_one_run(app: Sphinx) -> None:
    try:
        if os.environ.get(ONE_RUN_ENV, "") not in ("", "0"):
            artifact.check_consistency(app.confdir)
        app.evosynth_mixed = artifact.mixed_runs(app.confdir)
    except (artifact.MixedRunsError, FileNotFoundError, ValueError) as error:
        raise ExtensionError(f"evosynth book: {error}") from error
    if app.evosynth_mixed:
        logger.info("evosynth book: the default pipeline was rerun here and its outputs differ "
                    "from those the committed campaign read; every page says which run it "
                    "shows (%d outputs differ)", len(app.evosynth_mixed))


def _say_which_run(app: Sphinx, doctree: nodes.document) -> None:
    """At the top of a page that shows results, in a book of two runs: which run it shows."""
    shows = page_shows(app.env.docname)
    problems = getattr(app, "evosynth_mixed", [])
    if shows is None or not problems:
        return
    text = artifact.which_run(app.confdir, shows, problems)
    paragraph = nodes.paragraph()
    for piece in re.split(r"(\*\*[^*]+\*\*|`[^`]+`)", text):   # the note's Markdown: bold, code
        if piece.startswith("**"):
            paragraph += nodes.strong(text=piece[2:-2])
        elif piece.startswith("`"):
            paragraph += nodes.literal(text=piece[1:-1])
        elif piece:
            paragraph += nodes.Text(piece)
    note = nodes.important("", paragraph)
    note["classes"].append("which-run")
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        doctree.insert(0, note)
    else:
        index = 1 if section.children and isinstance(section[0], nodes.title) else 0
        section.insert(index, note)


def _reread_when_the_run_changes(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Pages that say which run they show are read again when what the book mixes changed
    since the last build (a rerun, or the campaign rerun after it)."""
    key = sorted(getattr(app, "evosynth_mixed", []))
    if getattr(env, "evosynth_mixed", None) == key:
        return []
    env.evosynth_mixed = key
    return [doc for doc in env.found_docs if page_shows(doc) is not None]


def setup(app: Sphinx) -> dict:
    app.add_directive("run", RunDirective)
    app.add_directive("citation-bibtex", CitationBibtexDirective)
    app.add_directive("cite-run", CiteRunDirective)
    app.add_directive("rerun-report", RerunReportDirective)
    app.connect("builder-inited", _check_one_run)
    app.connect("doctree-read", _say_which_run)
    app.connect("env-get-outdated", _reread_when_the_run_changes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
