"""bench/mutate.py, the mutation tester, on a tiny package: the mutants it makes, and what it reports
of them once the package's tiny tests have run on each (killed, survived, not covered, timeout,
equivalent)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]

CALC = '''\
"""A tiny module: 10 is not big.

>>> double(2)
4
"""

LIMIT = 10


def is_big(n):
    return n > LIMIT


def double(n):
    return n * 2


def magnitude(n):
    return n if n >= 0 else -n


def unused(n):
    return n + 1


def tripled(n):
    return n * 3  # pragma: no mutate


def spin(n):
    while n > 0:  # pragma: no mutate
        n -= 1
    return n
'''

TESTS = """\
from tiny.calc import double, is_big, magnitude, spin, tripled


def test_is_big():
    assert is_big(11) and not is_big(5)


def test_double():
    assert double(3) == 6


def test_magnitude():
    assert magnitude(-4) == 4 and magnitude(3) == 3


def test_spin_and_tripled():
    assert spin(3) == 0 and tripled(2) == 6
"""

# Every mutant of CALC, as the report names it, and what the tests above make of it.
EXPECTED = {
    "calc.py:7: number: 10 -> 11": "killed",  # is_big(11) is no longer big
    "calc.py:7: number: 10 -> 9": "survived",  # nothing tests 10 itself
    "calc.py:11: return: return n > LIMIT -> return None": "killed",
    "calc.py:11: compare: n > LIMIT -> n >= LIMIT": "survived",
    "calc.py:15: return: return n * 2 -> return None": "killed",
    "calc.py:15: arith: n * 2 -> n / 2": "killed",
    "calc.py:15: number: n * 2 -> n * 3": "killed",
    "calc.py:15: number: n * 2 -> n * 1": "killed",
    "calc.py:19: return: return n if n >= 0 else -n -> return None": "killed",
    "calc.py:19: compare: n if n >= 0 else -n -> n if n > 0 else -n": "survived",  # equivalent: -0 is 0
    "calc.py:19: number: n if n >= 0 else -n -> n if n >= 1 else -n": "survived",  # magnitude(0.5) would tell
    "calc.py:23: return: return n + 1 -> return None": "uncovered",
    "calc.py:23: arith: n + 1 -> n - 1": "uncovered",
    "calc.py:23: number: n + 1 -> n + 2": "uncovered",
    "calc.py:23: number: n + 1 -> n + 0": "uncovered",
    "calc.py:32: arith: n -= 1 -> n += 1": "timeout",  # never reaches 0
    "calc.py:32: number: 1 -> 2": "killed",  # 3, 1, -1
    "calc.py:32: number: 1 -> 0": "timeout",
    "calc.py:33: return: return n -> return None": "killed",
}


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutate_tool", REPO / "bench" / "mutate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "src" / "tiny").mkdir(parents=True)
    (tmp_path / "src" / "tiny" / "__init__.py").write_text("")
    (tmp_path / "src" / "tiny" / "calc.py").write_text(CALC)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text(TESTS)
    return tmp_path


def test_the_mutants_of_a_tiny_module() -> None:
    """Docstrings, and lines marked ``# pragma: no mutate``, are left alone."""
    mutants = _tool().generate(CALC, "calc.py")
    assert [m.key for m in mutants] == list(EXPECTED)
    assert {m.line for m in mutants if m.module_level} == {7}


def test_a_mutant_compiles_to_the_changed_program() -> None:
    tool = _tool()
    mutant = next(m for m in tool.generate(CALC, "calc.py") if m.key == "calc.py:11: compare: n > LIMIT -> n >= LIMIT")
    namespace: dict[str, object] = {}
    exec(tool.mutated_code(CALC, "calc.py", mutant), namespace)
    assert namespace["is_big"](10) is True  # type: ignore[operator]


def test_the_report_on_a_tiny_package(project: Path, tmp_path: Path) -> None:
    """Survivors the tests miss, kills they catch, the code no test runs, the hangs; the
    equivalent mutant listed is counted apart, and a stale line of the list is reported."""
    equivalents = tmp_path / "equivalent.txt"
    equivalents.write_text(
        "# comment\n"
        "calc.py:19: compare: n if n >= 0 else -n -> n if n > 0 else -n  # -0 is 0: both branches give 0\n"
        "calc.py:99: compare: a < b -> a <= b  # no longer there\n"
    )
    out = tmp_path / "report.json"
    args = ["--root", str(project), "--package", "tiny", "--tests", "tests", "src/tiny", "--modules", "calc.py"]
    args += ["--equivalents", str(equivalents), "--json", str(out), "--timeout", "1", "--list-survivors"]
    env = os.environ | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # the tiny tests need no plugin: a faster start
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "mutate.py"), *args], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert {m["key"]: m["status"] for m in report["mutants"]} == EXPECTED
    assert [m["key"] for m in report["mutants"] if m["equivalent"]] == [
        "calc.py:19: compare: n if n >= 0 else -n -> n if n > 0 else -n"
    ]
    figures = report["modules"]["calc.py"]
    assert figures["mutants"] == 19 and figures["killed"] == 9 and figures["timeouts"] == 2
    assert figures["survived"] == 7 and figures["not_covered"] == 4 and figures["equivalent"] == 1
    assert figures["score"] == pytest.approx(100 * 11 / 19)
    assert figures["score_without_equivalent"] == pytest.approx(100 * 11 / 18)
    assert report["notes"] == ["stale: 'calc.py:99: compare: a < b -> a <= b' matches no mutant"]
    assert "calc.py:7: number: 10 -> 9\n" in done.stdout
    assert "calc.py:23: arith: n + 1 -> n - 1  (not covered)" in done.stdout
    assert (
        "calc.py:19: compare: n if n >= 0 else -n -> n if n > 0 else -n  # -0 is 0: both branches give 0" in done.stdout
    )
    # The copy is mutated, never the project.
    assert (project / "src" / "tiny" / "calc.py").read_text() == CALC
