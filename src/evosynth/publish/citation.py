"""BibTeX from the project's ``CITATION.cff`` (Citation File Format 1.2.0).

``CITATION.cff`` describes this companion software; the paper it reproduces is listed under
its ``references``. :func:`bibtex` gives one entry for the software (key ``evosynth``) and one
for each reference, so both can be cited:

>>> print(bibtex("CITATION.cff"))  # doctest: +SKIP
@software{evosynth,
  author  = {{evosynth contributors}},
  ...

Reference keys follow one rule (:func:`reference_key`): the first author's family name (an
entity author's name), lowercased and reduced to ASCII letters and digits, followed by the
year, e.g. ``shafiee2018``. Within one :func:`bibtex` output a repeated key gets a letter
suffix (``shafiee2018b``, ``shafiee2018c``, ...). Pass ``key=`` to :func:`reference_bibtex`
to choose another key (the book's ``references.bib`` calls the paper ``shafiee2018darwin``).

The standard tool to validate the file is ``cffconvert --validate -i CITATION.cff``;
``tests/publish/test_citation.py`` runs it, and checks these entries against ``cffconvert -f bibtex``.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

__all__ = ["bibtex", "load_citation", "reference_bibtex", "reference_key", "run_citation",
           "software_bibtex"]

#: CFF reference types and the BibTeX entry types they become (anything else: ``misc``).
ENTRY_TYPES = {
    "article": "article", "book": "book", "conference-paper": "inproceedings",
    "proceedings": "proceedings", "report": "techreport", "thesis": "phdthesis",
    "software": "software", "software-code": "software", "manual": "manual",
    "unpublished": "unpublished",
}

_SPECIAL = re.compile(r"([&%$#_])")


def load_citation(path: str | Path = "CITATION.cff") -> dict[str, Any]:
    """Read a CITATION.cff file (YAML) into a dict; errors name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"citation file not found: {path}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a YAML mapping of CFF keys, got {type(data).__name__}")
    if "cff-version" not in data:
        raise ValueError(f"{path}: not a CITATION.cff file (no 'cff-version' key)")
    return data


def _escape(text: Any) -> str:
    """A text field for BibTeX: whitespace collapsed, ``& % $ # _`` escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _person(author: dict[str, Any]) -> str:
    """One CFF author as a BibTeX name: ``von Last, Jr, First``, or ``{Entity name}``."""
    if "family-names" not in author:
        name = author.get("name") or author.get("alias")
        if not name:
            raise ValueError(f"author without 'family-names' or 'name': {author!r}")
        return "{" + _escape(name) + "}"
    last = " ".join(str(author[k]) for k in ("name-particle", "family-names") if author.get(k))
    parts = [last] + [str(author[k]) for k in ("name-suffix", "given-names") if author.get(k)]
    return _escape(", ".join(parts))


def _authors(entry: dict[str, Any]) -> str:
    authors = entry.get("authors") or []
    if not authors:
        raise ValueError(f"no authors in {entry.get('title', 'citation entry')!r}")
    return " and ".join(_person(a) for a in authors)


def _date(value: Any) -> str:
    """A CFF date (YAML gives a ``datetime.date`` when unquoted) as ``YYYY-MM-DD``."""
    return value.isoformat() if isinstance(value, _dt.date) else str(value)


def _entry(kind: str, key: str, fields: list[tuple[str, Any]]) -> str:
    fields = [(name, value) for name, value in fields if value not in (None, "")]
    width = max(len(name) for name, _ in fields)
    lines = [f"  {name.ljust(width)} = {{{value}}}" for name, value in fields]
    return f"@{kind}{{{key},\n" + ",\n".join(lines) + "\n}\n"


def software_bibtex(cff: dict[str, Any], key: str = "evosynth") -> str:
    """The ``@software`` entry of the CFF root: author, title, version, date/year, url, license."""
    released = _date(cff["date-released"]) if cff.get("date-released") else None
    license_ = cff.get("license")
    if isinstance(license_, list):
        license_ = " OR ".join(license_)
    return _entry("software", key, [
        ("author", _authors(cff)),
        ("title", _escape(cff["title"])),
        ("version", cff.get("version")),
        ("date", released),
        ("year", released[:4] if released else None),
        ("doi", cff.get("doi")),
        ("url", cff.get("url") or cff.get("repository-code")),   # as cffconvert chooses
        ("license", license_),
    ])


def reference_key(ref: dict[str, Any]) -> str:
    """The key rule: first author's family name (or entity name), lowercased ASCII, plus year."""
    first = (ref.get("authors") or [{}])[0]
    name = first.get("family-names") or first.get("name") or "anonymous"
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    year = ref.get("year") or (_date(ref["date-published"])[:4] if ref.get("date-published") else "")
    return re.sub(r"[^a-z0-9]", "", ascii_name.lower()) + str(year)


def reference_bibtex(ref: dict[str, Any], key: str | None = None) -> str:
    """A BibTeX entry for one CFF reference (``type: article`` gives ``@article``)."""
    start, end = ref.get("start"), ref.get("end")
    pages = f"{start}--{end}" if start and end else (start or ref.get("pages"))
    publisher = ref.get("publisher")
    if isinstance(publisher, dict):
        publisher = publisher.get("name")
    year = ref.get("year") or (_date(ref["date-published"])[:4] if ref.get("date-published") else None)
    return _entry(ENTRY_TYPES.get(ref.get("type", ""), "misc"), key or reference_key(ref), [
        ("author", _authors(ref)),
        ("title", _escape(ref["title"])),
        ("journal", _escape(ref["journal"]) if ref.get("journal") else None),
        ("volume", ref.get("volume")),
        ("number", ref.get("issue")),
        ("pages", pages),
        ("year", year),
        ("publisher", _escape(publisher) if publisher else None),
        ("doi", ref.get("doi")),
        ("url", ref.get("url")),
    ])


def bibtex(path: str | Path = "CITATION.cff") -> str:
    """Both citations of a CITATION.cff: the software entry first, then each reference."""
    cff = load_citation(path)
    entries, seen = [software_bibtex(cff)], {"evosynth"}
    for ref in cff.get("references") or []:
        base = key = reference_key(ref)
        suffix = ord("b")
        while key in seen:
            key, suffix = base + chr(suffix), suffix + 1
        seen.add(key)
        entries.append(reference_bibtex(ref, key))
    return "\n".join(entries)


def run_citation(path: str | Path = "CITATION.cff") -> str:
    """One Markdown sentence naming the run a release cites: its version, the commit that
    completed it (linked), its date and the book's address, all from ``CITATION.cff``."""
    cff = load_citation(path)
    missing = [key for key in ("version", "commit", "date-released", "url") if not cff.get(key)]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)} (a release names its run)")
    commit = str(cff["commit"])
    link = f"{cff['repository-code']}/commit/{commit}" if cff.get("repository-code") else None
    shown = f"[`{commit[:12]}`]({link})" if link else f"`{commit[:12]}`"
    return (f"**Cite this run:** evosynth {cff['version']}, the run of both pipelines "
            f"completed by commit {shown}, released {_date(cff['date-released'])} "
            f"(`CITATION.cff`); the book: <{cff['url']}>.")
