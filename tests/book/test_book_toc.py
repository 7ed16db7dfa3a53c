"""The book's table of contents: the order the Overview promises, every title the heading of
its page as rendered, and a glossary of the words a reader meets first."""

import json
import re

import yaml

from support import ROOT

TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
GLUE_TEXT = re.compile(r"\{glue:text\}`([^`:]+)(?::[^`]*)?`")


def _glued_text(notebook: dict, name: str) -> str:
    """The text a ``{glue:text}`` role of ``name`` renders in the executed notebook."""
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == name:
                data = output["data"]
                text = data.get("text/plain", data.get("application/papermill.record/text/plain"))
                return text.strip("'\"")
    raise AssertionError(f"{name} is not glued in the notebook")


def heading(file: str) -> str:
    """The first level-1 heading of a page, as rendered (glued text filled in)."""
    for suffix in (".md", ".ipynb"):
        path = ROOT / (file + suffix)
        if path.exists():
            break
    if path.suffix == ".md":
        return next(line[2:].strip() for line in path.read_text().splitlines()
                    if line.startswith("# "))
    notebook = json.loads(path.read_text())
    line = next(line for cell in notebook["cells"] if cell["cell_type"] == "markdown"
                for line in "".join(cell["source"]).splitlines() if line.startswith("# "))
    return GLUE_TEXT.sub(lambda match: _glued_text(notebook, match.group(1)), line[2:]).strip()


def chapters():
    return [chapter for part in TOC["parts"] for chapter in part["chapters"]]


def test_the_parts_follow_the_overview():
    assert TOC["root"] == "book/index"
    assert [part["caption"] for part in TOC["parts"]] == [
        "The paper's experiment", "Findings", "Beyond the paper", "Use it", "Reference"]
    files = {part["caption"]: [c["file"] for c in part["chapters"]] for part in TOC["parts"]}
    assert files["Findings"][:2] == ["book/results", "book/discussion"]
    assert "book/experiment/beyond" in files["Findings"]   # the headline's control and seeds
    assert files["Use it"] == ["book/own_model", "book/api"]
    assert files["Reference"] == ["book/reproducibility", "book/glossary", "book/bibliography"]


def test_every_title_is_its_page_heading():
    titled = [chapter for chapter in chapters() if "title" in chapter]
    assert len(titled) >= 10
    for chapter in titled:
        assert chapter["title"] == heading(chapter["file"]), chapter["file"]


def test_every_page_is_in_the_toc():
    listed = {TOC["root"], *(chapter["file"] for chapter in chapters())}
    pages = {str(path.relative_to(ROOT).with_suffix("")) for pattern in ("*.md", "*.ipynb")
             for path in (ROOT / "book").rglob(pattern) if "_build" not in path.parts
             and ".ipynb_checkpoints" not in path.parts}
    assert pages == listed


def test_the_glossary_defines_the_words_met_first():
    text = (ROOT / "book" / "glossary.md").read_text()
    terms = set(re.findall(r"^(\S[^\n]*)\n  \S", text, re.M))
    for word in ("lineage", "dense control", "replicate, seed", "Z, Z arm", "budget environment",
                 "adaptive F-beta", "inherit, newborn, rewind", "ancestor", "offspring",
                 "synapse", "environment", "small dense network", "claim", "verdict"):
        assert word in terms, word
    assert "`darwin/inherit`" in text
