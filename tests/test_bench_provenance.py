"""Benchmarks measure the code of the tree they are run from, and say which commit that is.

A virtual environment's editable install points at one checkout; a benchmark run from another (a
worktree of an older commit, to measure a baseline) once measured the installed checkout while its
section named the worktree's commit."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"

_SCRIPT = """
import subprocess, sys
sys.path.insert(0, "bench")
import report
import chile_id_ocr
print(chile_id_ocr.__file__)
child = "import chile_id_ocr; print(chile_id_ocr.__file__)"
print(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout.strip())
"""


@pytest.fixture()
def other_tree(tmp_path: Path) -> Path:
    """A checkout other than the installed one: its bench/report.py and a chile_id_ocr of its own."""
    (tmp_path / "bench").mkdir()
    shutil.copy(BENCH / "report.py", tmp_path / "bench")
    package = tmp_path / "src" / "chile_id_ocr"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    return tmp_path


def test_a_benchmark_run_from_another_tree_measures_that_trees_code(other_tree: Path) -> None:
    out = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=other_tree, capture_output=True, text=True, check=True)
    own = str(other_tree / "src" / "chile_id_ocr" / "__init__.py")
    assert out.stdout.split() == [own, own]  # the script and the processes it starts


def test_a_section_is_not_written_for_code_from_another_tree(other_tree: Path) -> None:
    """Code imported before the benchmark's helpers could point elsewhere: no section is written."""
    script = "import sys, chile_id_ocr; sys.path.insert(0, 'bench'); import report; report.provenance('x')"
    run = subprocess.run([sys.executable, "-c", script], cwd=other_tree, capture_output=True, text=True)
    assert run.returncode != 0 and "the commit would be mislabelled" in run.stderr
