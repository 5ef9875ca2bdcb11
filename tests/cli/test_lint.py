"""The code is lint-, format- and type-clean (ruff and mypy as pinned in pyproject.toml), and
no Python module is over 400 lines: what docs/development.md promises a newcomer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PACKAGES = ["stereosarc", "tmb", "ctdna", "ihc", "blood", "outcome", "qc"]
MAX_MODULE_LINES = 400  # issue 16: small files a reader can hold in mind


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True)


@pytest.mark.parametrize("check", [["check", "."], ["format", "--check", "."]], ids=str)
def test_ruff_is_clean(check):
    done = _run(str(BIN / "ruff"), *check)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_mypy_is_clean():
    done = _run(str(BIN / "mypy"), "--ignore-missing-imports", *PACKAGES)
    assert done.returncode == 0, done.stdout[-4000:]


def test_no_python_module_over_400_lines():
    tracked = _run("git", "ls-files", "*.py").stdout.split()
    long = {
        p: n for p in tracked if (n := len((REPO / p).read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long
