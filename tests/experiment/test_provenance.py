"""Where and from what code a result was made (evosynth.experiment.provenance)."""

import hashlib

from evosynth.experiment.provenance import CODE, code_commit, cpu_capability, describe, machine_summary


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


def test_a_record_names_the_commit_the_process_started_from(tmp_path, monkeypatch):
    """A commit made while a stage runs does not change the commit its records name."""
    import importlib
    import subprocess

    from evosynth.experiment import provenance

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                       cwd=tmp_path, check=True, capture_output=True)
    git("init", "-q")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    git("add", "-A")
    git("commit", "-qm", "first")
    monkeypatch.chdir(tmp_path)
    try:
        importlib.reload(provenance)          # the process starts here
        started = provenance.code_commit()
        (tmp_path / "src" / "a.py").write_text("x = 2\n")
        git("commit", "-qam", "second")       # lands while the stage runs
        assert provenance.code_commit() != started
        assert provenance.run_commit() == started == provenance.machine_summary()["commit"]
    finally:
        monkeypatch.undo()
        importlib.reload(provenance)
    assert provenance.run_commit() == provenance.code_commit()
