"""The command line (evosynth.__main__, and each stage module run as a program): every stage is a
command; a user error exits with status 2 and one ``evosynth: error:`` line, without a traceback."""

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


def test_every_command_is_known_by_its_name():
    from evosynth.__main__ import COMMANDS, load, names
    assert {"prepare", "generation", "lineage-metrics", "z-arm", "verify"} <= set(names())
    assert len(set(names())) == len(COMMANDS)
    for name in names():
        assert load(name).name == name


def test_each_stage_command_lives_in_the_stage_module_of_its_name():
    """Stage command X is ``COMMAND`` of ``evosynth.experiment.stages.X`` (``-`` as ``_``)."""
    import importlib
    from evosynth.__main__ import COMMANDS
    from evosynth.experiment.cli import GROUPS
    stages = [c for c in COMMANDS if GROUPS[c.group] != "tools"]
    assert len(stages) == 15
    for c in stages:
        module = importlib.import_module(f"evosynth.experiment.stages.{c.name.replace('-', '_')}")
        assert module.COMMAND is c


def test_the_command_line_imports_its_commands_by_name():
    """``__main__`` imports every command module by an import statement (no importlib, no
    pkgutil): any reader or tool sees what it runs."""
    source = (ROOT / "src" / "evosynth" / "__main__.py").read_text()
    assert "importlib" not in source and "pkgutil" not in source


def test_a_stage_module_runs_as_a_program_with_the_same_errors(tmp_path):
    """``python -m evosynth.experiment.stages.generation gen9`` (what a DVC stage runs) fails
    as ``python -m evosynth generation gen9`` does: status 2, one ``evosynth: error:`` line."""
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    done = subprocess.run([sys.executable, "-m", "evosynth.experiment.stages.generation", "gen9"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("evosynth: error:") and "gen9" in lines[0]
    traced = subprocess.run([sys.executable, "-m", "evosynth.experiment.stages.generation",
                             "--traceback", "gen9"], cwd=tmp_path, capture_output=True, text=True)
    assert traced.returncode != 0 and "Traceback" in traced.stderr


def test_a_tool_module_runs_as_a_program(tmp_path):
    """A tool's module runs as a program too, on its own arguments."""
    done = subprocess.run([sys.executable, "-m", "evosynth.publish.check", "--params",
                           str(ROOT / "profiles" / "smoke.yaml")], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode in (0, 2), done.stderr
    assert "Traceback" not in done.stderr
