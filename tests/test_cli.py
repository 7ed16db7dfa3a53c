"""The command line (evosynth.__main__): every stage is a command; a user error exits with
status 2 and one ``evosynth: error:`` line, without a traceback."""

import shutil
import subprocess
import sys

from support import ROOT


def test_cli_help_and_errors(tmp_path):
    out = subprocess.run([sys.executable, "-m", "evosynth", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "fetch-data" in out
    bad = subprocess.run([sys.executable, "-m", "evosynth", "nonsense"], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_help_lists_every_stage_command():
    out = subprocess.run([sys.executable, "-m", "evosynth", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("prepare", "ancestor", "generation", "evaluate", "study", "sweep", "beyond"):
        assert command in out, command


def test_unknown_generation_is_one_error_line_without_traceback(tmp_path):
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    done = subprocess.run([sys.executable, "-m", "evosynth", "generation", "gen9"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("evosynth: error:"), done.stderr
    assert "gen9" in lines[0]


def test_every_command_module_declares_the_command_of_its_name():
    from evosynth.__main__ import load, names
    assert {"prepare", "generation", "lineage-metrics", "z-arm", "verify"} <= set(names())
    for name in names():
        assert load(name).name == name


def test_running_one_command_imports_no_other_command():
    code = ("import sys; from evosynth.__main__ import main; main(['check', '--params', "
            f"{str(ROOT / 'profiles' / 'smoke.yaml')!r}]); "
            "print(sorted(m for m in sys.modules if m.startswith('evosynth.commands.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "['evosynth.commands.check']", done.stderr
