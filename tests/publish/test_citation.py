"""CITATION.cff: valid by the standard tool, versioned like the package, and the BibTeX of
evosynth.publish.citation agreeing with what the standard tool (cffconvert) makes of the same file.

cffconvert 2.0.0 pins old dependencies (jsonschema<4, ...), so it is not installed into the
project's environment: the ``cffconvert`` fixture builds it once into its own venv, cached
outside the checkout (``$EVOSYNTH_TEST_TOOLS`` or ``$XDG_CACHE_HOME/evosynth-test-tools`` or
``~/.cache/evosynth-test-tools``). Those tests are skipped only when pip cannot reach a package
index; any other failure, and any validation failure, fails them.
"""

import datetime
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import evosynth
from evosynth.publish.citation import (bibtex, load_citation, reference_bibtex, reference_key,
                               software_bibtex)

from support import ROOT

CFF = ROOT / "CITATION.cff"
CFFCONVERT = "cffconvert==2.0.0"
# What pip prints when no index can be reached (offline, DNS, proxy, TLS): skip, don't fail.
OFFLINE = re.compile(r"No matching distribution found|Could not find a version|NewConnectionError"
                     r"|Failed to establish a new connection|Temporary failure in name resolution"
                     r"|Network is unreachable|Name or service not known|ConnectTimeout"
                     r"|Read timed out|ProxyError|SSLError|Max retries exceeded", re.I)


def _tools_dir() -> Path:
    if os.environ.get("EVOSYNTH_TEST_TOOLS"):
        return Path(os.environ["EVOSYNTH_TEST_TOOLS"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "evosynth-test-tools"


def _works(exe: Path) -> bool:
    try:
        return subprocess.run([exe, "--version"], capture_output=True, timeout=120).returncode == 0
    except OSError:
        return False


@pytest.fixture(scope="session")
def cffconvert() -> Path:
    """The cffconvert 2.0.0 executable, in an isolated venv built on first use and cached."""
    venv = _tools_dir() / f"cffconvert-2.0.0-py{sys.version_info.major}.{sys.version_info.minor}"
    exe = venv / "bin" / "cffconvert"
    if _works(exe):
        return exe
    venv.parent.mkdir(parents=True, exist_ok=True)
    building = venv.with_name(f"{venv.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", building], check=True, capture_output=True,
                       timeout=300)
        pip = subprocess.run([building / "bin" / "python", "-m", "pip", "install",
                              "--disable-pip-version-check", CFFCONVERT],
                             capture_output=True, text=True, timeout=900)
        if pip.returncode != 0:
            log = pip.stdout[-3000:] + pip.stderr[-3000:]
            if OFFLINE.search(log):
                pytest.skip(f"pip cannot reach a package index to install {CFFCONVERT}:\n{log}")
            pytest.fail(f"pip install {CFFCONVERT} failed (not a network error):\n{log}")
        # venv scripts have the build path in their shebang: rewrite to the final place
        for script in (building / "bin").iterdir():
            if script.is_file() and not script.is_symlink():
                data = script.read_bytes()
                if data.startswith(b"#!") and str(building).encode() in data:
                    script.write_bytes(data.replace(str(building).encode(), str(venv).encode()))
        for cfg in (building / "pyvenv.cfg",):
            cfg.write_text(cfg.read_text().replace(str(building), str(venv)))
        if _works(exe):  # another process finished first
            return exe
        shutil.rmtree(venv, ignore_errors=True)
        building.rename(venv)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    assert _works(exe), f"{exe} does not run after installing {CFFCONVERT}"
    return exe


def _run(exe: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=300)


def _entries(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """(type, key, fields) of each entry of BibTeX written one field per line."""
    entries = []
    for kind, key, body in re.findall(r"@(\w+)\{([^,\s]+),\s*\n(.*?)\n\}", text, re.S):
        fields = dict(re.findall(r"^\s*(\w+)\s*=\s*\{(.*)\},?\s*$", body, re.M))
        entries.append((kind.lower(), key, fields))
    return entries


def _plain(value: str) -> str:
    """A field value without BibTeX braces and with collapsed whitespace."""
    return " ".join(value.replace("{", "").replace("}", "").split())


# -- the file --------------------------------------------------------------------------------

@pytest.mark.slow  # the cffconvert fixture pip-installs cffconvert on first use
def test_citation_file_is_valid_cff(cffconvert):
    done = _run(cffconvert, "--validate", "-i", str(CFF))
    assert done.returncode == 0, f"cffconvert --validate failed:\n{done.stdout}{done.stderr}"
    assert "valid" in done.stdout


@pytest.mark.slow  # the cffconvert fixture pip-installs cffconvert on first use
@pytest.mark.parametrize("breakage", ["no cff-version", "bad date", "no authors", "bad doi"])
def test_validator_catches_broken_files(cffconvert, tmp_path, breakage):
    cff = load_citation(CFF)
    if breakage == "no cff-version":
        del cff["cff-version"]
    elif breakage == "bad date":
        cff["date-released"] = "2026-13-45"
    elif breakage == "no authors":
        del cff["authors"]
    else:
        cff["references"][0]["doi"] = "not a doi"
    broken = tmp_path / "CITATION.cff"
    broken.write_text(yaml.safe_dump(cff, sort_keys=False))
    done = _run(cffconvert, "--validate", "-i", str(broken))
    assert done.returncode != 0, f"cffconvert accepted a file with {breakage}"


def test_version_is_the_package_version():
    """CITATION.cff repeats the version of pyproject.toml (the source) and the installed package."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    installed = importlib.metadata.version("evosynth")
    cited = str(load_citation(CFF)["version"])
    assert cited == installed, f"CITATION.cff version {cited} != installed evosynth {installed}"
    assert installed == project, (f"installed evosynth {installed} != pyproject.toml {project}: "
                                  "reinstall the package (pip install -e .)")
    assert evosynth.__version__ == installed


def test_software_is_the_main_entry_and_the_paper_a_reference():
    cff = load_citation(CFF)
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert "preferred-citation" not in cff, "would make GitHub offer only the paper"
    assert cff["title"] == "evosynth: a reproducible companion to Deep Learning with Darwin"
    assert cff["authors"] == [{"name": "evosynth contributors"}]
    assert "cite it and the original paper" in cff["message"]
    assert isinstance(cff["date-released"], datetime.date)   # no older than its run: test_release.py
    assert cff["url"] == "https://evosynth.github.io/evosynth/" and re.fullmatch("[0-9a-f]{40}", cff["commit"])
    assert cff["repository-code"] == "https://github.com/evosynth/evosynth"
    assert cff["license"] == "MIT"
    assert {"evolutionary synthesis", "network compression", "pruning", "saliency",
            "reproducibility"} <= set(cff["keywords"])
    [paper] = cff["references"]
    assert paper["type"] == "article"
    assert [(a["given-names"], a["family-names"]) for a in paper["authors"]] == [
        ("Mohammad Javad", "Shafiee"), ("Akshaya", "Mishra"), ("Alexander", "Wong")]
    assert (paper["journal"], paper["volume"], paper["start"], paper["end"], paper["year"],
            paper["doi"]) == ("Neural Processing Letters", 48, 603, 613, 2018,
                              "10.1007/s11063-017-9733-0")


# -- the BibTeX ------------------------------------------------------------------------------

def test_bibtex_gives_the_software_then_the_paper():
    (kind, key, soft), (kind2, key2, art) = _entries(bibtex(CFF))
    cff = load_citation(CFF)
    released = str(cff["date-released"])
    assert (kind, key, kind2, key2) == ("software", "evosynth", "article", "shafiee2018")
    assert soft == {"author": "{evosynth contributors}",
                    "title": "evosynth: a reproducible companion to Deep Learning with Darwin",
                    "version": str(cff["version"]), "date": released, "year": released[:4],
                    "url": "https://evosynth.github.io/evosynth/", "license": "MIT"}
    assert art["author"] == "Shafiee, Mohammad Javad and Mishra, Akshaya and Wong, Alexander"
    assert (art["journal"], art["volume"], art["pages"], art["year"], art["doi"]) == (
        "Neural Processing Letters", "48", "603--613", "2018", "10.1007/s11063-017-9733-0")


def test_paper_agrees_with_the_book_bibliography():
    """The reference in CITATION.cff and the book's references.bib describe the same paper."""
    [(_, _, book)] = [e for e in _entries((ROOT / "book" / "references.bib").read_text())
                      if e[1] == "shafiee2018darwin"]
    [(_, _, ours)] = _entries(reference_bibtex(load_citation(CFF)["references"][0]))
    for field in ("author", "title", "journal", "year", "volume", "number", "pages", "doi"):
        assert _plain(ours[field]) == _plain(book[field]), field


@pytest.mark.slow  # the cffconvert fixture pip-installs cffconvert on first use
def test_software_bibtex_agrees_with_cffconvert(cffconvert):
    done = _run(cffconvert, "-f", "bibtex", "-i", str(CFF))
    assert done.returncode == 0, done.stderr
    [(_, _, theirs)] = _entries(done.stdout)
    [(_, _, ours)] = _entries(software_bibtex(load_citation(CFF)))
    for field in ("author", "title", "year", "url"):
        assert _plain(ours[field]) == _plain(theirs[field]), field
    assert ours["version"] == str(load_citation(CFF)["version"])  # cffconvert prints no version


@pytest.mark.slow  # the cffconvert fixture pip-installs cffconvert on first use
def test_reference_bibtex_agrees_with_cffconvert(cffconvert, tmp_path):
    """cffconvert converts only the root, so the paper is put at the root of a scratch file."""
    ref = load_citation(CFF)["references"][0]
    root = {"cff-version": "1.2.0", "message": "scratch", "title": ref["title"],
            "authors": ref["authors"], "doi": ref["doi"]}
    scratch = tmp_path / "CITATION.cff"
    scratch.write_text(yaml.safe_dump(root, sort_keys=False))
    done = _run(cffconvert, "-f", "bibtex", "-i", str(scratch))
    assert done.returncode == 0, done.stderr
    [(_, _, theirs)] = _entries(done.stdout)
    [(_, _, ours)] = _entries(reference_bibtex(ref))
    for field in ("author", "title", "doi"):
        assert _plain(ours[field]) == _plain(theirs[field]), field


def test_key_rule_escaping_and_repeated_keys(tmp_path):
    ref = {"type": "article", "title": "Pruning & Growing 100% of nets",
           "authors": [{"family-names": "Müller-Lüdenscheidt", "given-names": "Jürgen",
                        "name-particle": "von"}], "year": 2020}
    assert reference_key(ref) == "mullerludenscheidt2020"
    [(kind, _, fields)] = _entries(reference_bibtex(ref, key="k"))
    assert kind == "article"
    assert fields["title"] == r"Pruning \& Growing 100\% of nets"
    assert fields["author"] == "von Müller-Lüdenscheidt, Jürgen"
    cff = load_citation(CFF)
    cff["references"] = [ref, dict(ref, title="Another")]
    path = tmp_path / "CITATION.cff"
    path.write_text(yaml.safe_dump(cff, sort_keys=False, allow_unicode=True))
    assert [key for _, key, _ in _entries(bibtex(path))] == [
        "evosynth", "mullerludenscheidt2020", "mullerludenscheidt2020b"]


def test_load_citation_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.cff"):
        load_citation(tmp_path / "nowhere.cff")
    bad = tmp_path / "bad.cff"
    bad.write_text("cff-version: [1.2.0\n")
    with pytest.raises(ValueError, match="bad.cff.*not valid YAML"):
        load_citation(bad)
    bad.write_text("- just\n- a list\n")
    with pytest.raises(ValueError, match="bad.cff.*mapping"):
        load_citation(bad)
    bad.write_text("title: no version key\n")
    with pytest.raises(ValueError, match="bad.cff.*cff-version"):
        load_citation(bad)
