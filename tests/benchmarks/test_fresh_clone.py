"""The timing benchmarks' fresh clone and record names (benchmarks/fresh_clone.py)."""

import subprocess
import sys

import pytest

from support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from fresh_clone import fresh_clone, record_name  # noqa: E402


def repository(path):
    def git(*args):
        return subprocess.run(["git", *args], cwd=path, check=True, capture_output=True,
                              text=True).stdout.strip()
    git("init", "-q")
    (path / "README.md").write_text("hello\n")
    (path / "draft.txt").write_text("not committed\n")
    git("add", "README.md")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    return git("rev-parse", "HEAD")


def test_the_clone_is_head_only_and_goes_away_unless_kept(tmp_path):
    head = repository(tmp_path)
    with fresh_clone("evosynth-test-", root=tmp_path) as (clone, commit):
        assert commit == head and (clone / "README.md").read_text() == "hello\n"
        assert not (clone / "draft.txt").exists()   # what a newcomer gets: the commit only
    assert not clone.parent.exists()
    with fresh_clone("evosynth-test-", keep=True, root=tmp_path) as (kept, _):
        pass
    assert kept.is_dir()
    subprocess.run(["rm", "-rf", str(kept.parent)], check=True)


@pytest.mark.parametrize("name, message", [("", "required"), ("Zen 3", "lower-case"),
                                           ("../amx", "lower-case")])
def test_a_bad_record_name_is_a_clear_error(name, message):
    with pytest.raises(SystemExit, match=message):
        record_name(name)
    assert record_name("zen3") == "zen3"
