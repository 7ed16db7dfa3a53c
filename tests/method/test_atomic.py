"""Atomic writes (evosynth.method.atomic): a process killed with SIGKILL while writing checkpoints
leaves no corrupt file, and the next write removes the temporary files of dead writers."""

import random
import signal
import subprocess
import sys
import time

import torch

from evosynth import load_checkpoint, save_checkpoint
from evosynth.method.atomic import stale_temp_files, write_json

from support import wait_for


_WRITER = """
import sys
from torch import nn
from evosynth import save_checkpoint
model = nn.Sequential(nn.Linear(256, 4096), nn.Linear(4096, 256))   # 2.1M weights, 8 MB
print("writing", flush=True)
step = 0
while True:
    save_checkpoint(sys.argv[1], model, None, step=step)
    step += 1
"""


def test_sigkill_while_writing_checkpoints_never_leaves_a_corrupt_one(tmp_path):
    """A writer killed at random moments: the checkpoint is always whole (or absent)."""
    target, log = tmp_path / "ckpt" / "network.pt", tmp_path / "writer.log"
    rng = random.Random(0)
    leftovers = 0
    for _ in range(3):
        with open(log, "w") as out:
            writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=out,
                                      stderr=subprocess.STDOUT)
        wait_for(log, "writing", writer, timeout=60)
        time.sleep(rng.uniform(0.2, 0.8))
        writer.send_signal(signal.SIGKILL)
        assert writer.wait() == -signal.SIGKILL, log.read_text()   # killed, not crashed
        if target.exists():
            state = load_checkpoint(target)     # never a truncated file
            assert state["model"]["0.weight"].shape == (4096, 256)
            assert isinstance(state["step"], int)
        leftovers += len(stale_temp_files(target))
    # The killed writers' temporary files are gone after the next write of the same file.
    save_checkpoint(target, torch.nn.Linear(2, 2), None)
    assert [p.name for p in target.parent.iterdir()] == ["network.pt"], leftovers


def test_next_write_removes_temp_files_of_dead_writers_only(tmp_path):
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".out.json.{dead}.k2x_9abc.tmp"
        busy = tmp_path / f".out.json.{sleeper.pid}.q1w2e3r4.tmp"   # a writer still running
        other = tmp_path / f".other.json.{dead}.k2x_9abc.tmp"       # another file's
        for path in (stale, busy, other):
            path.write_text("half")
        assert stale_temp_files(tmp_path / "out.json") == [stale]
        write_json(tmp_path / "out.json", {"ok": 1})
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [busy.name, other.name, "out.json"])
    finally:
        sleeper.kill()
        sleeper.wait()
