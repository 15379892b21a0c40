"""Where the records go, each written as soon as it is produced: JSON lines, CSV or Parquet.

- JSON lines: one record per line, the line ``chile-id-ocr recognize`` prints plus the card's ``id``.
- CSV: one row per card, flattened (``COLUMNS``): the files, the error if any, the side and design, each field,
  each field's confidence, each check; ``surname`` (a list) as JSON text; ``details`` as JSON text on request.
  A text cell that a spreadsheet would run as a formula (it starts with ``= + - @``, a tab or a carriage
  return: OWASP's CSV injection list) gets a single quote in front, and so does one that starts with a quote
  itself, so that the quote is removed without doubt when the file is read back (``restore``, ``--resume``).
- Parquet (``pip install 'chile-id-ocr[parquet]'``): the same columns, typed (``surname`` a list of strings,
  confidences doubles, checks booleans), as a dataset folder of ``part-NNNNNN.parquet`` files of up to
  ``PART_ROWS`` rows each. A part is written whole when it is full; until then its records are kept in
  ``_pending.jsonl`` beside the parts, from which ``--resume`` recovers them after a crash.

JSON lines and CSV are flushed after every record; a line cut short by a crash is removed on ``--resume``, which
reads the ids already in OUT so that they are not read again.

>>> [c for c in COLUMNS if c.startswith("check_")][:2]
['check_run_check_digit_valid', 'check_dates_valid']
>>> format_of("out/cards.PARQUET"), format_of("cards.csv"), format_of("-")
('parquet', 'csv', 'jsonl')
>>> neutralise("=1+2"), neutralise("-"), neutralise("'a"), neutralise("12.749.625-K")
("'=1+2", "'-", "''a", '12.749.625-K')
>>> restore(neutralise("@SUM(A1)")), restore(neutralise("'a"))
('@SUM(A1)', "'a")
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from chile_id_ocr.batch.records import Outcome
from chile_id_ocr.result import FIELD_NAMES, Checks

FORMATS = ("jsonl", "csv", "parquet")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
CHECK_NAMES: tuple[str, ...] = tuple(Checks().to_dict())
HEAD_COLUMNS = ("id", "file", "back", "error_code", "error_msg", "side", "card_type")
COLUMNS: tuple[str, ...] = (
    *HEAD_COLUMNS,
    *FIELD_NAMES,
    *(f"confidence_{name}" for name in FIELD_NAMES),
    *(f"check_{name}" for name in CHECK_NAMES),
    "details",
)
PART_ROWS = 5000
PARQUET_HINT = "pip install 'chile-id-ocr[parquet]'"
_PART = re.compile(r"^part-(\d{6})\.parquet$")
PENDING = "_pending.jsonl"


class SinkError(ValueError):
    """OUT cannot be written as asked (a usage error, exit status 2)."""


class Sink(Protocol):
    path: str

    def write(self, outcome: Outcome) -> None: ...

    def close(self) -> None: ...


def format_of(path: str, explicit: str | None = None) -> str:
    """The output format: ``explicit``, else from OUT's name (``-``, standard output, is JSON lines)."""
    if explicit:
        return explicit
    if path == "-":
        return "jsonl"
    found = _SUFFIXES.get(Path(path).suffix.lower())
    if found is None:
        raise SinkError(f"cannot tell the format of {path} from its name (.jsonl, .csv, .parquet): use --format")
    return found


def flatten(outcome: Outcome) -> dict[str, Any]:
    """The record as one flat row of ``COLUMNS`` (typed values; ``None`` where there is nothing)."""
    record, facts = outcome.record, outcome.facts
    result = record.get("result") or {}
    confidence = result.get("confidence") or {}
    checks = facts.get("checks") or {}
    row: dict[str, Any] = {name: record.get(name) for name in HEAD_COLUMNS[:5]}
    row.update(side=facts.get("side"), card_type=facts.get("card_type"))
    row.update({name: result.get(name) for name in FIELD_NAMES})
    row.update({f"confidence_{name}": confidence.get(name) for name in FIELD_NAMES})
    row.update({f"check_{name}": checks.get(name) for name in CHECK_NAMES})
    row["details"] = json.dumps(record["details"], ensure_ascii=False) if "details" in record else None
    return row


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def neutralise(text: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs (see the module's docstring)."""
    return _QUOTE + text if text.startswith((*_FORMULA_START, _QUOTE)) else text


def restore(cell: str) -> str:
    """The text ``neutralise`` was given."""
    return cell[1:] if cell.startswith(_QUOTE) else cell


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


# -- reading what a previous run wrote (--resume)


def _trim_partial_line(path: Path) -> None:
    """Remove a last line that a crash cut short (no newline at its end)."""
    with path.open("rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        position = size
        while position > 0:
            step = min(65536, position)
            handle.seek(position - step)
            chunk = handle.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                position = position - step + newline + 1
                break
            position -= step
        if position != size:
            handle.truncate(position)


def _complete_lines(path: Path) -> Iterator[str]:
    """The file's lines, less a last one that a crash cut short (it is removed when the file is reopened)."""
    with path.open(encoding="utf-8", newline="\n") as handle:  # a CSV cell's quoted carriage return ends no line
        for line in handle:
            if line.endswith("\n"):
                yield line


def _jsonl_ids(path: Path) -> Iterator[str]:
    for number, line in enumerate(_complete_lines(path), 1):
        if not line.strip():
            continue
        try:
            yield str(json.loads(line)["id"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SinkError(f"{path} line {number} is not a batch record: cannot resume it") from exc


def _csv_ids(path: Path) -> Iterator[str]:
    reader = csv.reader(_complete_lines(path))
    header = next(reader, None)
    if header is not None and tuple(header) != COLUMNS:
        raise SinkError(f"{path} has other columns than this version writes: cannot resume it")
    for row in reader:
        if row:
            yield restore(row[0])


def _part_ids(folder: Path) -> set[str]:
    """Ids in the whole parts of a Parquet folder."""
    _, pq = _import_parquet()
    done: set[str] = set()
    for part in sorted(p for p in folder.iterdir() if _PART.match(p.name)):
        done.update(str(i) for i in pq.read_table(part, columns=["id"]).column("id").to_pylist())
    return done


def _pending_ids(folder: Path) -> Iterator[str]:
    pending = folder / PENDING
    if pending.exists():
        yield from (str(json.loads(line)["record"]["id"]) for line in _complete_lines(pending) if line.strip())


# -- the writers


class JsonlSink:
    def __init__(self, path: str, handle: IO[str]) -> None:
        self.path = path
        self._handle = handle

    def write(self, outcome: Outcome) -> None:
        self._handle.write(json.dumps(outcome.record, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        _close(self._handle)


class CsvSink:
    def __init__(self, path: str, handle: IO[str], header: bool) -> None:
        self.path = path
        self._handle = handle
        self._writer = csv.writer(handle, lineterminator="\r\n")  # RFC 4180; a cell with a lone \r is quoted
        if header:
            self._writer.writerow(COLUMNS)
            handle.flush()

    def write(self, outcome: Outcome) -> None:
        row = flatten(outcome)
        self._writer.writerow([_csv_cell(row[name]) for name in COLUMNS])
        self._handle.flush()

    def close(self) -> None:
        _close(self._handle)


def _close(handle: IO[str]) -> None:
    if handle is sys.stdout:
        handle.flush()
        return
    handle.flush()
    with contextlib.suppress(OSError):
        os.fsync(handle.fileno())
    handle.close()


def _import_parquet() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise SinkError(f"Parquet output needs pyarrow: {PARQUET_HINT}") from exc
    return pa, pq


def parquet_schema() -> Any:
    pa, _ = _import_parquet()
    types: dict[str, Any] = {name: pa.string() for name in COLUMNS}
    types["surname"] = pa.list_(pa.string())
    types.update({f"confidence_{name}": pa.float64() for name in FIELD_NAMES})
    types.update({f"check_{name}": pa.bool_() for name in CHECK_NAMES})
    return pa.schema([(name, types[name]) for name in COLUMNS])


class ParquetSink:
    """A Parquet dataset folder: whole parts, and the records of the part being filled in ``_pending.jsonl``."""

    def __init__(self, path: str, part_rows: int = PART_ROWS) -> None:
        self.path = path
        self.folder = Path(path)
        self.part_rows = part_rows
        self._pa, self._pq = _import_parquet()
        self._schema = parquet_schema()
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.folder.glob(".part-*.parquet.tmp"):  # a part a crash interrupted: its rows are pending
            stale.unlink()
        numbers = [int(m[1]) for p in self.folder.iterdir() if (m := _PART.match(p.name))]
        self._next = max(numbers, default=-1) + 1
        self._rows: list[dict[str, Any]] = []
        self._pending = (self.folder / PENDING).open("a", encoding="utf-8")

    def write(self, outcome: Outcome) -> None:
        self._rows.append(flatten(outcome))
        self._pending.write(outcome.to_json() + "\n")
        self._pending.flush()
        if len(self._rows) >= self.part_rows:
            self._write_part()

    def _write_part(self) -> None:
        if not self._rows:
            return
        table = self._pa.Table.from_pylist(self._rows, self._schema)
        name = f"part-{self._next:06d}.parquet"
        temporary = self.folder / f".{name}.tmp"
        self._pq.write_table(table, temporary)
        os.replace(temporary, self.folder / name)
        self._next += 1
        self._rows = []
        self._pending.truncate(0)

    def recover(self, done: set[str]) -> None:
        """Write the records a crashed run left in ``_pending.jsonl`` (those not already in a part)."""
        pending = self.folder / PENDING
        if pending.stat().st_size == 0:
            return
        _trim_partial_line(pending)
        lines = pending.read_text(encoding="utf-8").splitlines()
        self._pending.truncate(0)
        for outcome in (Outcome.from_json(line) for line in lines if line.strip()):
            if outcome.record["id"] not in done:
                self.write(outcome)
                done.add(outcome.record["id"])
        self._write_part()

    def close(self) -> None:
        self._write_part()
        self._pending.close()
        (self.folder / PENDING).unlink(missing_ok=True)


# -- opening


def _exists(path: Path) -> bool:
    if path.is_dir():
        return any(path.iterdir())
    return path.exists() and path.stat().st_size > 0


def _clear(path: Path, fmt: str) -> None:
    """``--overwrite``: remove what an earlier run wrote (in a Parquet folder, only the parts and pending)."""
    if fmt != "parquet" or not path.is_dir():
        path.unlink(missing_ok=True)
        return
    for child in path.iterdir():
        if _PART.match(child.name) or child.name == PENDING:
            child.unlink()


def prior_ids(path: str, fmt: str, *, resume: bool, overwrite: bool) -> set[str]:
    """The ids OUT already holds (``resume``); checks, without writing anything, that OUT may be written."""
    if path == "-":
        if fmt != "jsonl" or resume:
            raise SinkError("standard output (--out -) takes JSON lines, and cannot be resumed")
        return set()
    target = Path(path)
    if fmt == "parquet":
        _import_parquet()
        if target.exists() and not target.is_dir():
            raise SinkError(f"{path} is a file: Parquet output is a folder of parts")
    elif target.is_dir():
        raise SinkError(f"{path} is a folder: JSON lines and CSV output is a file")
    if not _exists(target):
        return set()
    if not resume:
        if not overwrite:
            raise SinkError(f"{path} exists: --resume continues it, --overwrite replaces it")
        return set()
    if fmt == "parquet":
        return _part_ids(target) | set(_pending_ids(target))
    return set(_jsonl_ids(target) if fmt == "jsonl" else _csv_ids(target))


def open_sink(path: str, fmt: str, *, resume: bool, overwrite: bool) -> Sink:
    """The sink for OUT (call ``prior_ids`` first: it checks what this assumes)."""
    if path == "-":
        return JsonlSink("-", sys.stdout)
    target = Path(path)
    if overwrite and not resume and _exists(target):
        _clear(target, fmt)
    if fmt == "parquet":
        sink = ParquetSink(path)
        sink.recover(_part_ids(target))
        return sink
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        _trim_partial_line(target)
    fresh = not target.exists() or target.stat().st_size == 0
    handle = target.open("a", encoding="utf-8", newline="" if fmt == "csv" else None)
    if fmt == "jsonl":
        return JsonlSink(path, handle)
    return CsvSink(path, handle, header=fresh)
