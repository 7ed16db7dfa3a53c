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
  address, from ``CITATION.cff`` (a release names its run: :mod:`evosynth.release`).
* ```{citation-bibtex}``` renders the BibTeX of ``CITATION.cff`` (the companion, then the
  references it lists), so the file GitHub's "Cite this repository" button reads is the only
  source.
* When the book build starts, :func:`evosynth.artifact.check_consistency` compares
  ``beyond/dvc.lock`` with ``dvc.lock``: results of the beyond pipeline made from another run
  of the default pipeline fail the build, with a message saying what to rerun.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from evosynth import artifact, citation


def _root(env) -> Path:
    return Path(env.app.confdir)


class RunDirective(SphinxDirective):
    """```{run} default``` (a lineage of :data:`evosynth.artifact.LINEAGES`, or a replicate's:
    :func:`evosynth.artifact.lineage_folder`), or
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


def _check_one_run(app: Sphinx) -> None:
    try:
        artifact.check_consistency(app.confdir)
    except (artifact.MixedRunsError, FileNotFoundError, ValueError) as error:
        raise ExtensionError(f"evosynth book: {error}") from error


def setup(app: Sphinx) -> dict:
    app.add_directive("run", RunDirective)
    app.add_directive("citation-bibtex", CitationBibtexDirective)
    app.add_directive("cite-run", CiteRunDirective)
    app.connect("builder-inited", _check_one_run)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
