"""What scripts/setup.sh leaves behind: a virtual environment whose packages are byte-compiled.

Where PYTHONDONTWRITEBYTECODE is set (CI, some sandboxes), Python never writes a .pyc itself: a
package that set-up did not compile is compiled again, in memory, by every process that imports
it (torch: seconds per stage and per test).
"""

import importlib.util
import sys
from pathlib import Path

import pytest

from support import ROOT


@pytest.mark.skipif(Path(sys.prefix).resolve() != (ROOT / ".venv").resolve(),
                    reason="not running in the repository's .venv (bash scripts/setup.sh)")
@pytest.mark.parametrize("module", ["torch", "torch.nn.modules.conv", "dvc.repo",
                                    "sphinx.application", "papermill.execute"])
def test_the_packages_are_byte_compiled(module):
    source = importlib.util.find_spec(module).origin
    assert Path(importlib.util.cache_from_source(source)).is_file(), (
        f"{module} ({source}) has no .pyc: bash scripts/setup.sh compiles the packages")
