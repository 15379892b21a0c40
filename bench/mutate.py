"""Mutation testing of ``chile_id_ocr`` with the fast tests: how many seeded bugs do they catch?

    python bench/mutate.py [--modules card/dates.py check/front.py ...] [--jobs 1]
                           [--list-survivors] [--write [BENCHMARKS.md]] [--rev HEAD [--overlay PATH ...]]
                           [--json FILE] [--only KEYS_FILE] [--timeout S] [--keep]

Each mutant is one small change to one module's syntax tree:

* ``compare``: ``<`` <-> ``<=``, ``>`` <-> ``>=``, ``==`` <-> ``!=``, ``in`` <-> ``not in``,
  ``is`` <-> ``is not``;
* ``number``: an int ``n`` moved to ``n + 1`` and ``n - 1`` (``0`` only to ``1``), a float
  ``x`` to ``x * 1.1`` and ``x * 0.9`` (``0.0`` to ``0.1``);
* ``bool``: ``True`` <-> ``False``;
* ``return``: ``return X`` -> ``return None``;
* ``boolop``: ``and`` <-> ``or``;
* ``not``: ``not x`` -> ``x``;
* ``arith``: ``+`` <-> ``-`` (not on a string literal), ``*`` <-> ``/``, also in ``+=`` and kin;
* ``slice``: ``[a:b]`` -> ``[a + 1:b]`` and ``[a:b - 1]`` for bounds that are not literals
  (``number`` moves those), ``[:b]`` -> ``[1:b]``, ``[a:]`` -> ``[a:-1]``;
* ``guard``: an ``if`` without ``else`` removed (replaced by ``pass``).

Docstrings, annotations, decorators, ``__all__`` and lines marked ``# pragma: no mutate`` are
left alone. A mutant is named by its module, line, operator and the source before and after it
(``card/run.py:169: boolop: match['dot1'] and match['dot2'] -> match['dot1'] or match['dot2']``).

The source tree (``src/``, ``tests/``, ``pyproject.toml``; the working tree, or the commit
``--rev`` names, with the ``--overlay`` paths as they are in the working tree) is copied to a
temporary directory and imported from there (checked), never mutated on disk: a mutant is
compiled from the changed tree and served by an import hook, in a child process forked from the
parent that ran the baseline (so pytest, its plugins, numpy and OpenCV are imported once; a
child costs a fraction of a second). The child runs pytest in-process (``-x``) on the FAST
tests (``tests/card``, ``tests/check`` and the doctests of ``card/`` and ``check/``, less the
few that run the OCR models, see ``DESELECT``): only those that execute the mutated statement
in an unmutated, traced baseline run (all of them for a module-level statement). A mutant no
test executes survives without a run ("not covered"); one whose run exceeds ``--timeout`` is
killed by it ("timeout", counted as killed).

Mutants that cannot be killed, because the changed program behaves the same, are listed in
``bench/mutants_equivalent.txt``, one per line as the report prints them, with the reason::

    card/text.py:263: bool: True -> False  # zip(text, out): out is built from text, the lengths are always equal

They are counted and listed apart, never dropped: each module is scored both over all its
mutants and over those that are not equivalent. ``--write`` replaces the "Mutation testing"
section of BENCHMARKS.md; ``--json`` writes every mutant and its outcome; ``--only`` re-runs the
mutants a file lists (one key a line, as ``--list-survivors`` prints them).
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "chile_id_ocr"
DEFAULT_DIRS = ("card", "check")
FAST_TESTS = ("tests/card", "tests/check", "src/chile_id_ocr/card", "src/chile_id_ocr/check")
# Tests of the fast set that read an image through the OCR models (seconds each): not run on mutants.
DESELECT = ("tests/check/test_calibrate.py::test_a_garbage_back_is_refused",)
EQUIVALENTS = REPO / "bench" / "mutants_equivalent.txt"
PRAGMA = "# pragma: no mutate"
TARGETS = {"card": 85.0, "check": 80.0}
_TEXT_WIDTH = 72
_CONTEXT = 40
_UNSAFE_RC = 99  # a child that found the package imported from outside the copy


# ------------------------------------------------------------------------------------------
# Mutants


@dataclass(frozen=True)
class Mutant:
    """One change to one module: ``ordinal`` is the changed node's place in the walk of the
    module's tree and ``variant`` the change's place among that node's changes."""

    module: str  # relative to the package directory: "card/dates.py"
    ordinal: int
    variant: int
    line: int
    operator: str
    before: str
    after: str
    first: int  # the lines of the statement (its header, for a compound one) that must run
    last: int
    module_level: bool  # run at import: every test may see it

    @property
    def key(self) -> str:
        return f"{self.module}:{self.line}: {self.operator}: {self.before} -> {self.after}"

    @property
    def loose_key(self) -> str:
        return f"{self.module}: {self.operator}: {self.before} -> {self.after}"


@dataclass
class _Site:
    node: ast.AST
    ancestors: tuple[ast.AST, ...]
    field: str
    index: int | None
    stmt: ast.stmt | None
    in_function: bool


_COMPARE_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_ARITH_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
}


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _is_docstring_like(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and _is_text(node.value)


def _is_dunder_all(node: ast.AST) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and any(
        isinstance(t, ast.Name) and t.id == "__all__" for t in targets
    )


def _walk(tree: ast.Module) -> list[_Site]:
    """Every node that may be mutated, in a fixed order (the same for every parse of a source)."""
    sites: list[_Site] = []

    def visit(
        node: ast.AST, ancestors: tuple[ast.AST, ...], name: str, index: int | None, stmt: ast.stmt | None, inside: bool
    ) -> None:
        sites.append(_Site(node, ancestors, name, index, stmt, inside))
        here = node if isinstance(node, ast.stmt) else stmt
        for child_name, value in ast.iter_fields(node):
            if child_name in ("annotation", "returns", "type_comment", "decorator_list"):
                continue
            child_inside = inside or (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) and child_name == "body"
            )
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                if not isinstance(item, ast.AST) or _is_docstring_like(item) or _is_dunder_all(item):
                    continue
                visit(item, (*ancestors, node), child_name, i if isinstance(value, list) else None, here, child_inside)

    visit(tree, (), "", None, None, False)
    return sites


def _numbers(value: int | float) -> list[int | float]:
    if isinstance(value, int):
        return [1] if value == 0 else [value + 1, value - 1]
    if value == 0:
        return [0.1]
    return [round(value * 1.1, 12), round(value * 0.9, 12)]


def _changes(site: _Site) -> list[tuple[str, ast.AST]]:
    """The mutations of one node: (operator, replacement node)."""
    node = site.node
    out: list[tuple[str, ast.AST]] = []
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            new = copy.deepcopy(node)
            new.ops[i] = _COMPARE_SWAP[type(op)]()
            out.append(("compare", new))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        out.append(("bool", ast.Constant(not node.value)))
    elif isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        out += [("number", ast.Constant(v)) for v in _numbers(node.value)]
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            out.append(("return", ast.Return(value=ast.Constant(None))))
    elif isinstance(node, ast.BoolOp):
        out.append(
            ("boolop", ast.BoolOp(op=ast.Or() if isinstance(node.op, ast.And) else ast.And(), values=node.values))
        )
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(("not", copy.deepcopy(node.operand)))
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH_SWAP:
        if not (isinstance(node.op, ast.Add) and (_is_text(node.left) or _is_text(node.right))):
            out.append(("arith", ast.BinOp(left=node.left, op=_ARITH_SWAP[type(node.op)](), right=node.right)))
    elif isinstance(node, ast.AugAssign) and type(node.op) in _ARITH_SWAP:
        if not _is_text(node.value):
            out.append(("arith", ast.AugAssign(target=node.target, op=_ARITH_SWAP[type(node.op)](), value=node.value)))
    elif isinstance(node, ast.Slice) and node.step is None:
        out += _slice_changes(node)
    elif isinstance(node, ast.If) and not node.orelse:
        out.append(("guard", ast.Pass()))
    return out


def _slice_changes(node: ast.Slice) -> list[tuple[str, ast.AST]]:
    out: list[tuple[str, ast.AST]] = []
    lower, upper = node.lower, node.upper
    if lower is None and upper is not None:
        out.append(("slice", ast.Slice(lower=ast.Constant(1), upper=upper)))
    elif lower is not None and not isinstance(lower, ast.Constant):
        out.append(("slice", ast.Slice(lower=ast.BinOp(lower, ast.Add(), ast.Constant(1)), upper=upper)))
    if upper is None and lower is not None:
        out.append(("slice", ast.Slice(lower=lower, upper=ast.UnaryOp(ast.USub(), ast.Constant(1)))))
    elif upper is not None and not isinstance(upper, ast.Constant):
        out.append(("slice", ast.Slice(lower=lower, upper=ast.BinOp(upper, ast.Sub(), ast.Constant(1)))))
    return out


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _TEXT_WIDTH else text[: _TEXT_WIDTH - 1] + "…"


def _render(node: ast.AST) -> str:
    if isinstance(node, ast.If):
        return f"if {ast.unparse(node.test)}: ..."
    if isinstance(node, ast.stmt) and not isinstance(node, ast.Return | ast.AugAssign | ast.Pass):
        return ast.unparse(node).splitlines()[0]
    return ast.unparse(node)


def _shown(site: _Site, new: ast.AST) -> tuple[str, str]:
    """Before and after, as source: an expression shown within the ones around it up to
    ``_CONTEXT`` characters (a slice always within its subscript)."""
    before, after = site.node, new
    ancestors = list(site.ancestors)
    while isinstance(before, ast.expr) and ancestors and isinstance(ancestors[-1], ast.expr):
        parent = ancestors.pop()
        if not isinstance(before, ast.Slice) and len(ast.unparse(parent)) > _CONTEXT:
            break
        name, index = _field_of(parent, before)
        changed = copy.copy(parent)
        if index is None:
            setattr(changed, name, after)
        else:
            setattr(changed, name, [after if i == index else item for i, item in enumerate(getattr(parent, name))])
        before, after = parent, changed
    return _short(_render(before)), _short(_render(after))


def _field_of(parent: ast.AST, child: ast.AST) -> tuple[str, int | None]:
    for name, value in ast.iter_fields(parent):
        if value is child:
            return name, None
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is child:
                    return name, i
    raise LookupError("child not found in its parent")


def _lines(site: _Site) -> tuple[int, int]:
    """The lines that run when the mutated code runs: its statement's, or its header's."""
    stmt = site.stmt if not isinstance(site.node, ast.stmt) else site.node
    if stmt is None:
        line = getattr(site.node, "lineno", 1)
        return line, line
    body = getattr(stmt, "body", None)
    if isinstance(body, list) and body:
        return stmt.lineno, max(stmt.lineno, body[0].lineno - 1)
    return stmt.lineno, stmt.end_lineno or stmt.lineno


def generate(source: str, module: str) -> list[Mutant]:
    """Every mutant of ``source`` (the module's path relative to the package, for the report)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    mutants = []
    seen: dict[str, int] = defaultdict(int)
    for ordinal, site in enumerate(_walk(tree)):
        line = getattr(site.node, "lineno", None)
        if line is None or PRAGMA in lines[line - 1]:
            continue
        for variant, (operator, new) in enumerate(_changes(site)):
            before, after = _shown(site, new)
            if before == after:
                continue
            first, last = _lines(site)
            seen[f"{line}: {operator}: {before} -> {after}"] += 1
            repeat = seen[f"{line}: {operator}: {before} -> {after}"]
            after += f" [{repeat}]" if repeat > 1 else ""  # the same change shown twice on one line
            mutants.append(
                Mutant(module, ordinal, variant, line, operator, before, after, first, last, not site.in_function)
            )
    return mutants


def mutated_code(source: str, path: str, mutant: Mutant) -> CodeType:
    """The module compiled with ``mutant`` applied."""
    tree = ast.parse(source)
    site = _walk(tree)[mutant.ordinal]
    _, new = _changes(site)[mutant.variant]
    parent = site.ancestors[-1]
    ast.copy_location(new, site.node)
    if site.index is None:
        setattr(parent, site.field, new)
    else:
        getattr(parent, site.field)[site.index] = new
    return compile(ast.fix_missing_locations(tree), path, "exec")


# ------------------------------------------------------------------------------------------
# Equivalent mutants


@dataclass(frozen=True)
class Equivalent:
    key: str
    why: str


def read_equivalents(path: Path | None) -> list[Equivalent]:
    if path is None or not path.exists():
        return []
    out = []
    for raw in path.read_text().splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        key, _, why = raw.partition("  # ")
        out.append(Equivalent(key.strip(), why.strip()))
    return out


def _loose(key: str) -> str:
    module, _, rest = key.partition(":")
    _, _, rest = rest.partition(": ")
    return f"{module}: {rest}"


def match_equivalents(mutants: Sequence[Mutant], listed: Sequence[Equivalent]) -> tuple[dict[Mutant, str], list[str]]:
    """The mutants listed as equivalent (with why) and notes on the list's lines that match none
    exactly: one that matches a single mutant once the line is ignored (the code moved) counts
    and is noted; one that matches nothing is noted as stale."""
    by_key: dict[str, list[Mutant]] = defaultdict(list)
    by_loose: dict[str, list[Mutant]] = defaultdict(list)
    for m in mutants:
        by_key[m.key].append(m)
        by_loose[m.loose_key].append(m)
    found: dict[Mutant, str] = {}
    notes = []
    for entry in listed:
        if entry.key in by_key:
            found.update(dict.fromkeys(by_key[entry.key], entry.why))
        elif len(by_loose.get(_loose(entry.key), [])) == 1:
            moved = by_loose[_loose(entry.key)][0]
            found[moved] = entry.why
            notes.append(f"moved: '{entry.key}' is now line {moved.line}")
        elif entry.key.partition(":")[0] in {m.module for m in mutants}:
            notes.append(f"stale: '{entry.key}' matches no mutant")
    return found, notes


# ------------------------------------------------------------------------------------------
# Running


class _MutantLoader(importlib.machinery.SourceFileLoader):
    def __init__(self, fullname: str, path: str, code: CodeType) -> None:
        super().__init__(fullname, path)
        self._code = code

    def get_code(self, fullname: str) -> CodeType:
        return self._code


class _MutantFinder(importlib.abc.MetaPathFinder):
    """Serves one module from a code object instead of its file (same name, same ``__file__``)."""

    def __init__(self, fullname: str, path: str, code: CodeType) -> None:
        self.fullname, self.path, self.code = fullname, path, code

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.fullname:
            return None
        return importlib.util.spec_from_file_location(
            fullname, self.path, loader=_MutantLoader(fullname, self.path, self.code)
        )


@dataclass
class Baseline:
    tests: list[str]  # node ids, in collection order
    hits: dict[tuple[str, int], set[str]]  # (file, line) -> node ids that ran it
    seconds: float
    durations: dict[str, float]


class _Tracker:
    """A pytest plugin that notes which test is running, the collected ids and the outcomes."""

    def __init__(self) -> None:
        self.current: str | None = None
        self.tests: list[str] = []
        self.failed: list[str] = []
        self.durations: dict[str, float] = defaultdict(float)

    def pytest_collection_finish(self, session: Any) -> None:
        self.tests = [item.nodeid for item in session.items]

    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self.current = nodeid

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self.current = None

    def pytest_runtest_logreport(self, report: Any) -> None:
        self.durations[report.nodeid] += report.duration
        if report.failed:
            self.failed.append(report.nodeid)


def _pytest_args(root: Path, targets: Sequence[str], deselect: Sequence[str]) -> list[str]:
    # --assert=plain: the assertion rewriter would import the modules named on the command line itself.
    # no:unraisableexception: its gc.collect() at exit costs a third of a second in a big process.
    args = ["-x", "-q", "--no-header", "-p", "no:cacheprovider", "-p", "no:unraisableexception", "--assert=plain"]
    args.append("--doctest-modules")
    args.append(f"--rootdir={root}")
    if (root / "pyproject.toml").exists():
        args += ["-c", str(root / "pyproject.toml")]
    args += [f"--deselect={d}" for d in deselect]
    return args + list(targets)


def _quiet() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def _forget_copy(root: Path) -> None:
    """Drop every module imported from the copy (the package, the tests) so a child imports them anew."""
    prefix = str(root) + os.sep
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(prefix):
            del sys.modules[name]


def run_baseline(root: Path, files: set[str], targets: Sequence[str], deselect: Sequence[str]) -> Baseline:
    """Run the fast tests once, unmutated, tracing which of them run each line of ``files``."""
    import pytest

    tracker = _Tracker()
    hits: dict[tuple[str, int], set[str]] = defaultdict(set)

    def local(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        if event == "line":
            hits[(frame.f_code.co_filename, frame.f_lineno)].add(tracker.current or "")
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        return local if frame.f_code.co_filename in files else None

    start = time.perf_counter()
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (fd 1 is pointed at it while pytest runs)
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(log.fileno(), 1)
    sys.settrace(tracer)
    try:
        rc = pytest.main(_pytest_args(root, targets, deselect), plugins=[tracker])
    finally:
        sys.settrace(None)
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
    seconds = time.perf_counter() - start
    if rc != 0 or tracker.failed:
        log.seek(0)
        print(log.read()[-5000:], file=sys.stderr)
        raise SystemExit(f"the unmutated tests do not pass (pytest exit code {rc}): {tracker.failed[:10]}")
    return Baseline(tracker.tests, dict(hits), seconds, dict(tracker.durations))


def _tests_for(mutant: Mutant, path: str, baseline: Baseline, related: Callable[[str], bool]) -> list[str] | None:
    """The tests that run ``mutant``'s code (the module's own first); None when none does."""
    if mutant.module_level:
        chosen = set(baseline.tests)
    else:
        chosen = set()
        for line in range(mutant.first, mutant.last + 1):
            chosen |= baseline.hits.get((path, line), set())
        if "" in chosen:  # run while importing or collecting: anything may depend on it
            chosen = set(baseline.tests)
        if not chosen:
            return None
    # Chosen by test function, not by parameter: a mutant may change the ids of parametrized cases.
    ordered = list(dict.fromkeys(t.split("[", 1)[0] for t in baseline.tests if t in chosen))
    return sorted(ordered, key=lambda t: not related(t))


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed, timeout, survived or uncovered (no test runs it)
    seconds: float = 0.0
    exit_code: int | None = None  # pytest's: 1 failed, 2 collection error, 4/5 the tests not found


@dataclass
class ModuleResult:
    module: str
    outcomes: list[Outcome] = field(default_factory=list)
    equivalent: dict[Mutant, str] = field(default_factory=dict)

    def count(self, *statuses: str) -> int:
        return sum(o.status in statuses for o in self.outcomes)

    @property
    def survivors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in ("survived", "uncovered") and o.mutant not in self.equivalent]

    @property
    def equivalents(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.mutant in self.equivalent]

    def figures(self) -> dict[str, Any]:
        total = len(self.outcomes)
        caught = self.count("killed", "timeout")
        equivalent = sum(o.status in ("survived", "uncovered") for o in self.equivalents)
        return {
            "mutants": total,
            "killed": self.count("killed"),
            "timeouts": self.count("timeout"),
            "survived": len(self.survivors),
            "not_covered": sum(o.status == "uncovered" for o in self.survivors),
            "equivalent": equivalent,
            "score": 100.0 * caught / total if total else None,
            "score_without_equivalent": 100.0 * caught / (total - equivalent) if total - equivalent else None,
        }


def run_mutants(
    root: Path,
    package: str,
    modules: Sequence[str],
    baseline: Baseline,
    targets: Sequence[str],
    deselect: Sequence[str],
    jobs: int,
    timeout: float,
    progress: Callable[[str], None],
    only: set[str] | None = None,
) -> dict[str, ModuleResult]:
    import pytest

    package_dir = root / "src" / package
    results = {m: ModuleResult(m) for m in modules}
    queue: list[tuple[Mutant, str, list[str]]] = []
    for module in modules:
        path = str(package_dir / module)
        source = Path(path).read_text()
        stem = Path(module).stem
        own_doctests = f"src/{package}/{module}::"

        def related(test: str, stem: str = stem, own: str = own_doctests) -> bool:
            return test.startswith(own) or Path(test.partition("::")[0]).name.startswith(f"test_{stem}")

        for mutant in generate(source, module):
            if only is not None and mutant.key not in only:
                continue
            tests = _tests_for(mutant, path, baseline, related)
            if tests is None:
                results[module].outcomes.append(Outcome(mutant, "uncovered"))
            else:
                queue.append((mutant, path, tests))

    _forget_copy(root)
    running: dict[int, tuple[Mutant, float]] = {}
    done = 0
    total = len(queue)
    module_name = {m: f"{package}.{m[:-3].replace('/', '.')}" for m in modules}
    sources = {m: (package_dir / m).read_text() for m in modules}
    while queue or running:
        while queue and len(running) < jobs:
            mutant, path, tests = queue.pop(0)
            code = mutated_code(sources[mutant.module], path, mutant)
            pid = os.fork()
            if pid == 0:  # the child: run the tests on the mutant, report through the exit code
                rc = 3
                try:
                    os.setpgid(0, 0)
                    if not os.environ.get("MUTATE_DEBUG"):
                        _quiet()
                    sys.meta_path.insert(0, _MutantFinder(module_name[mutant.module], path, code))
                    rc = int(pytest.main(_pytest_args(root, tests, ())))
                    imported = getattr(sys.modules.get(package), "__file__", "") or ""
                    if not imported.startswith(str(root) + os.sep):
                        rc = _UNSAFE_RC
                finally:
                    os._exit(rc)
            running[pid] = (mutant, time.perf_counter())
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.perf_counter()
            for child, (mutant, started) in list(running.items()):
                if now - started > timeout:
                    os.killpg(child, signal.SIGKILL)
                    os.waitpid(child, 0)
                    del running[child]
                    results[mutant.module].outcomes.append(Outcome(mutant, "timeout", now - started))
                    done += 1
            time.sleep(0.002)
            continue
        mutant, started = running.pop(pid)
        rc = os.waitstatus_to_exitcode(status)
        if rc == _UNSAFE_RC:
            raise SystemExit(f"a mutant run imported {package} from outside {root}: stopped")
        # Any exit but 0 is a kill: the baseline ran the same tests to 0 (4 and 5, tests not found or
        # none collected, come from a mutant that changes what the tests collect).
        outcome = "survived" if rc == 0 else "killed"
        results[mutant.module].outcomes.append(Outcome(mutant, outcome, time.perf_counter() - started, rc))
        done += 1
        if done % 50 == 0 or done == total:
            progress(f"  {done}/{total} mutants run")
    for result in results.values():
        result.outcomes.sort(key=lambda o: (o.mutant.ordinal, o.mutant.variant))
    return results


# ------------------------------------------------------------------------------------------
# The copy


def make_copy(root: Path, rev: str | None, overlay: Sequence[str] = ()) -> Path:
    """``src/``, ``tests/`` and ``pyproject.toml`` of ``root`` (of commit ``rev``, with the ``overlay``
    paths as they are in the working tree) in a new directory."""
    tmp = Path(tempfile.mkdtemp(prefix="mutate-")).resolve()
    parts = [p for p in ("src", "tests", "pyproject.toml") if (root / p).exists()]
    if rev:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", "--format=tar", rev, *parts], capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        for extra in overlay:
            (tmp / extra).parent.mkdir(parents=True, exist_ok=True)
            if (root / extra).is_dir():
                shutil.copytree(root / extra, tmp / extra, dirs_exist_ok=True)
            else:
                shutil.copy2(root / extra, tmp / extra)
        return tmp
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis")
    for part in parts:
        if (root / part).is_dir():
            shutil.copytree(root / part, tmp / part, ignore=ignore)
        else:
            shutil.copy2(root / part, tmp / part)
    return tmp


def default_modules(package_dir: Path) -> list[str]:
    return [
        str(p.relative_to(package_dir))
        for d in DEFAULT_DIRS
        for p in sorted((package_dir / d).glob("*.py"))
        if p.name != "__init__.py"
    ]


# ------------------------------------------------------------------------------------------
# Report


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def _group(results: dict[str, ModuleResult]) -> dict[str, ModuleResult]:
    """Per module, then a total per directory (``card/``, ``check/``)."""
    rows: dict[str, ModuleResult] = {}
    by_dir: dict[str, ModuleResult] = {}
    for module, result in results.items():
        rows[module] = result
        top = module.split("/")[0] + "/" if "/" in module else "(package)/"
        total = by_dir.setdefault(top, ModuleResult(f"{top} (all)"))
        total.outcomes += result.outcomes
        total.equivalent.update(result.equivalent)
    return rows | {r.module: r for r in by_dir.values()} if len(results) > 1 else rows


def table(results: dict[str, ModuleResult]) -> str:
    headers = ["module", "mutants", "killed", "timeouts", "survived (not covered)", "equivalent", "score",
               "score without equivalent"]  # fmt: skip
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for name, result in _group(results).items():
        f = result.figures()
        cells = [name, f["mutants"], f["killed"], f["timeouts"], f"{f['survived']} ({f['not_covered']})",
                 f["equivalent"], _pct(f["score"]), _pct(f["score_without_equivalent"])]  # fmt: skip
        bold = name.endswith("(all)")
        lines.append("| " + " | ".join(f"**{c}**" if bold else str(c) for c in cells) + " |")
    return "\n".join(lines)


def listing(results: dict[str, ModuleResult], what: str) -> list[str]:
    out = []
    for result in results.values():
        if what == "survivors":
            out += [o.mutant.key + ("  (not covered)" if o.status == "uncovered" else "") for o in result.survivors]
        else:
            out += [f"{o.mutant.key}  # {result.equivalent[o.mutant]}" for o in result.equivalents]
    return out


def killed_equivalents(results: dict[str, ModuleResult]) -> list[str]:
    return [o.mutant.key for r in results.values() for o in r.equivalents if o.status in ("killed", "timeout")]


def markdown(results: dict[str, ModuleResult], meta: dict[str, Any]) -> str:
    totals = _group(results)
    goals = []
    for top, target in TARGETS.items():
        total = totals.get(f"{top}/ (all)")
        if total is not None:
            score = total.figures()["score"]
            met = "met" if (score or 0) >= target else "not met"
            goals.append(f"{top}/ {_pct(score)} (target {target:.0f} %: {met})")
    equivalents = listing(results, "equivalents")
    survivors = listing(results, "survivors")
    parts = [
        f"- Tree measured: {meta['tree']}; {meta['jobs']} job(s); wall time {meta['seconds']:.0f} s "
        f"({meta['mutants_run']} mutants run, {meta['per_mutant']:.2f} s each; baseline {meta['baseline']:.1f} s, "
        f"{meta['tests']} tests)",
        f"- lscpu / nproc: {meta['machine']}, {meta['nproc']} CPU(s) available (shared with other work while it ran)",
        "",
        "`bench/mutate.py`: an AST mutation tester of our own (operators in its docstring). Each mutant runs "
        "the fast tests (`tests/card`, `tests/check`, the doctests of `card/` and `check/`, less those that run "
        'the OCR models) that execute the mutated statement; a timeout counts as killed; "not covered": no '
        "test executes the mutant. Equivalent mutants (`bench/mutants_equivalent.txt`) are counted apart and "
        "scored both ways.",
        "",
        "Score: " + "; ".join(goals) + "." if goals else "",
        "",
        table(results),
        "",
        f"Equivalent mutants ({len(equivalents)}), by line:",
        "",
        *([f"- `{e.partition('  # ')[0]}`: {e.partition('  # ')[2]}" for e in equivalents] or ["- none"]),
        "",
        "<details><summary>Surviving mutants (" + str(len(survivors)) + ")</summary>",
        "",
        *[f"- `{s}`" for s in survivors],
        "",
        "</details>",
    ]
    text = "\n".join(parts)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def _rev(root: Path, rev: str) -> str:
    out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", rev], capture_output=True, text=True)
    return out.stdout.strip() or rev


def _machine() -> tuple[str, str]:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")), "")
    except OSError:
        model = ""
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        nproc = str(os.cpu_count())
    return model or "unknown CPU", nproc


# ------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--modules", nargs="+", help="paths under the package, e.g. card/dates.py (default: card/, check/)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds a mutant may run (default: from baseline)")
    parser.add_argument("--list-survivors", action="store_true", help="print every surviving mutant")
    parser.add_argument("--write", nargs="?", const=str(REPO / "BENCHMARKS.md"), metavar="PATH",
                        help="replace the 'Mutation testing' section of BENCHMARKS.md (or PATH)")  # fmt: skip
    parser.add_argument("--rev", help="measure this commit (git archive) instead of the working tree")
    parser.add_argument("--overlay", nargs="+", default=[], help="with --rev: these paths as in the working tree")
    parser.add_argument("--json", type=Path, help="write the figures and mutants as JSON")
    parser.add_argument("--root", type=Path, default=REPO, help=argparse.SUPPRESS)
    parser.add_argument("--package", default=PACKAGE, help=argparse.SUPPRESS)
    parser.add_argument("--tests", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--deselect", nargs="*", help="test ids not to run (default: those reading images)")
    parser.add_argument("--equivalents", type=Path, default=EQUIVALENTS, help="the list of equivalent mutants")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument("--only", type=Path, help="run only the mutants this file lists, one key a line (a re-check)")
    args = parser.parse_args(argv)

    def progress(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    root = args.root.resolve()
    only = None if args.only is None else {ln.partition("  ")[0] for ln in args.only.read_text().splitlines()}
    targets = args.tests or list(FAST_TESTS)
    deselect = list(DESELECT if args.deselect is None else args.deselect)
    tmp = make_copy(root, args.rev, args.overlay)
    try:
        package_dir = tmp / "src" / args.package
        modules = args.modules or default_modules(package_dir)
        missing = [m for m in modules if not (package_dir / m).is_file()]
        if missing:
            parser.error(f"no such module under src/{args.package}: {', '.join(missing)}")
        os.chdir(tmp)
        sys.path.insert(0, str(tmp / "src"))
        os.environ["PYTHONPATH"] = os.pathsep.join([str(tmp / "src"), os.environ.get("PYTHONPATH", "")])
        files = {str(package_dir / m) for m in modules}
        progress(f"baseline: {', '.join(targets)} in {tmp}")
        baseline = run_baseline(tmp, files, targets, deselect)
        imported = getattr(sys.modules.get(args.package), "__file__", "") or ""
        if not imported.startswith(str(tmp) + os.sep):
            raise SystemExit(f"{args.package} was imported from {imported}, not from the copy in {tmp}")
        slow = sorted(((s, t) for t, s in baseline.durations.items() if s > 1.0), reverse=True)
        for seconds, test in slow:
            progress(f"warning: {test} takes {seconds:.1f} s: deselect it if it runs models")
        timeout = args.timeout or max(10.0, 2 * baseline.seconds)  # the traced baseline runs every test, slowly
        progress(f"baseline: {len(baseline.tests)} tests passed in {baseline.seconds:.1f} s (traced)")
        results = run_mutants(
            tmp, args.package, modules, baseline, targets, deselect, max(1, args.jobs), timeout, progress, only
        )
    finally:
        os.chdir(REPO)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    listed = read_equivalents(args.equivalents)
    all_mutants = [o.mutant for r in results.values() for o in r.outcomes]
    found, notes = match_equivalents(all_mutants, listed)
    for result in results.values():
        result.equivalent = {m: why for m, why in found.items() if m.module == result.module}
    seconds = time.perf_counter() - started
    ran = sum(o.status != "uncovered" for r in results.values() for o in r.outcomes)
    print(table(results))
    print(f"\n{len(all_mutants)} mutants, {ran} run, in {seconds:.0f} s with {args.jobs} job(s)")
    equivalents = listing(results, "equivalents")
    print(f"\nEquivalent mutants ({len(equivalents)}):")
    print("\n".join(equivalents) or "  none")
    for note in notes:
        print(f"equivalents list: {note}")
    for key in killed_equivalents(results):
        print(f"equivalents list: '{key}' is listed as equivalent but a test kills it")
    if args.list_survivors:
        survivors = listing(results, "survivors")
        print(f"\nSurviving mutants ({len(survivors)}):")
        print("\n".join(survivors) or "  none")
    if args.json:
        payload = {
            "modules": {name: r.figures() for name, r in _group(results).items()},
            "mutants": [
                {
                    **o.mutant.__dict__,
                    "key": o.mutant.key,
                    "status": o.status,
                    "equivalent": o.mutant in found,
                    "seconds": round(o.seconds, 3),
                    "exit_code": o.exit_code,
                }
                for r in results.values()
                for o in r.outcomes
            ],
            "notes": notes,
        }
        args.json.write_text(json.dumps(payload, indent=1))
    if args.write:
        sys.path.insert(0, str(REPO / "bench"))
        import report

        machine, nproc = _machine()
        command = "python bench/mutate.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
        meta = {
            "tree": (f"commit `{_rev(root, args.rev)}`" if args.rev else "the working tree")
            + (f" with {', '.join(args.overlay)} from the working tree" if args.overlay else ""),
            "jobs": args.jobs,
            "seconds": seconds,
            "mutants_run": ran,
            "per_mutant": (seconds - baseline.seconds) / ran if ran else 0.0,
            "baseline": baseline.seconds,
            "tests": len(baseline.tests),
            "machine": machine,
            "nproc": nproc,
        }
        report.write_section("mutation", "Mutation testing", markdown(results, meta), command.strip(), Path(args.write))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
