"""Where and from what code a result was made (evosynth.provenance)."""

import hashlib

from evosynth.provenance import CODE, code_commit, cpu_capability, describe, machine_summary


def test_machine_summary_records_capability_lock_and_commit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # no git repository, no lock file here
    m = machine_summary()
    assert m["cpu_capability"] == cpu_capability() != ""
    assert m["lock_sha256"] == "none" and m["commit"] == "unknown"
    (tmp_path / "requirements.lock").write_text("torch==2.14.1\n")
    assert machine_summary()["lock_sha256"] == hashlib.sha256(b"torch==2.14.1\n").hexdigest()
    assert "requirements.lock" in CODE
    assert "`" not in describe({"commit": "unknown"}).split(",")[0]


def test_code_commit_marks_changed_code_dirty_but_not_results(tmp_path):
    import subprocess

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)
    git("init", "-q")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    (tmp_path / "dvc.lock").write_text("schema: '2.0'\n")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    head = code_commit(tmp_path)
    assert len(head) == 40 and not head.endswith("+dirty")
    (tmp_path / "dvc.lock").write_text("schema: '2.0'\nstages: {}\n")   # a run rewrites it
    assert code_commit(tmp_path) == head
    (tmp_path / "src" / "a.py").write_text("x = 2\n")
    assert code_commit(tmp_path) == head + "+dirty"
