"""Shared helpers for the benchmark scripts: tables, statistics, BENCHMARKS.md.

Each benchmark owns one section of ``BENCHMARKS.md``, delimited by
``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``; ``write_section`` replaces
that section (or appends it) and leaves the rest of the file as it is.

>>> md_table(["a", "b"], [[1, "x"]])
'| a | b |\\n|---|---|\\n| 1 | x |'
>>> percentile([1.0, 2.0, 3.0, 4.0], 50)
2.5
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
BENCHMARKS = REPO / "BENCHMARKS.md"
OUT_DIR = REPO / "bench" / "out"
DEFAULT_REAL = REPO.parent / "shared" / "real"
HEADER = """# Benchmarks

Figures written by the scripts in `bench/` (`--write`); each section says how it was
produced. Synthetic cards come from `chile_id_ocr.synth`; "naive" is `bench/naive.py`,
RapidOCR over the whole image followed by regexes and label-following, the approach
a user would otherwise write.
"""


def measure_this_tree() -> None:
    """Make ``chile_id_ocr`` this tree's code, for this process, its workers and its subprocesses:
    a virtual environment's editable install points at one checkout, and a benchmark run from
    another (a worktree of an older commit) would measure that one while its section names this
    tree's commit."""
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if str(SRC) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, paths)])


def measured_tree() -> Path | None:
    """Where the ``chile_id_ocr`` imported so far comes from (None: not imported)."""
    module = sys.modules.get("chile_id_ocr")
    origin = getattr(module, "__file__", None)
    return None if origin is None else Path(origin).resolve().parents[1]


measure_this_tree()


def single_thread_env() -> None:
    """One thread for ONNX Runtime and the product; call before importing them."""
    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["CHILE_ID_OCR_THREADS"] = "1"


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile (like numpy's default), ``nan`` when empty."""
    if not values:
        return math.nan
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def pct(num: float, den: float, digits: int = 1) -> str:
    return "n/a" if not den else f"{100.0 * num / den:.{digits}f} %"


def md_table(headers: Sequence[object], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(str(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return m.group(1).strip() if m else platform.machine()


def _git(*args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit() -> str:
    out = _git("rev-parse", "--short", "HEAD")
    if out is None or out.returncode != 0:
        return ""
    status = _git("status", "--porcelain", "--untracked-files=no")
    dirty = status is not None and status.stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def command_line(script: str, argv: Sequence[str] | None = None) -> str:
    """The command as typed from the repository root, e.g. ``python bench/speed.py --write``."""
    args = sys.argv[1:] if argv is None else argv
    return " ".join(shlex.quote(a) for a in ["python", f"bench/{script}", *args])


def provenance(command: str) -> str:
    tree = measured_tree()
    if tree is not None and tree != SRC:
        raise RuntimeError(f"measured chile_id_ocr from {tree}, not this tree's {SRC}: the commit would be mislabelled")
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = git_commit() or "none (no commit yet)"
    return "\n".join(
        [
            f"- Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            f"- Date: {now}",
            f"- Commit: `{commit}`",
            f"- Command: `{command}`",
        ]
    )


def write_section(name: str, title: str, body: str, command: str, path: Path = BENCHMARKS) -> Path:
    """Replace (or append) the ``name`` section of BENCHMARKS.md; create the file if missing."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = f"{start}\n## {title}\n\n{provenance(command)}\n\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    appended = text.rstrip("\n") + "\n\n" + section + "\n"
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else appended
    path.write_text(text)
    return path


def publish(name: str, title: str, body: str, write: bool, script: str, argv: Sequence[str] | None) -> None:
    """Print a benchmark's section; with ``write``, also put it into BENCHMARKS.md as section ``name``."""
    print(body)
    if write:
        write_section(name, title, body, command_line(script, argv))
