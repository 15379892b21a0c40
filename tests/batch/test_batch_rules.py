"""The batch command against hostile manifests, and the order of its records: each through the real command.

- a manifest is read a row at a time with bounds: a 2 GB line or JSON nested 100k deep is one clear line naming the
  file and the line, exit status 2, in a process whose address space is too small to hold the line;
- a manifest's rows may name only files inside its folder (links resolved) unless ``--allow-outside-paths``;
- CSV cells a spreadsheet would run as formulas get a quote in front; JSON lines keep the text;
- records come in input order (every format), ``--order completion`` as the cards finish, and the reorder window
  holds back reading: cards whose "file" is a FIFO finish exactly when the test writes to them.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.dataset as pads
import pytest

from batch_support import Cards, batch, fifo, readers, release, run_cli, wait_for_reader

MiB = 1024 * 1024


def _usage_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"chile-id-ocr batch: error: {message}\n"  # one line, no traceback


def test_a_csv_manifest_with_a_2_gb_line_is_one_clear_error_read_in_bounded_memory(tmp_path: Path) -> None:
    manifest = tmp_path / "cards.csv"
    manifest.write_text("id,front\n")
    with manifest.open("r+b") as handle:  # a sparse file: 2 GB of line, no disk
        handle.truncate(2 * 1024 * MiB)
    result = batch(str(manifest), "--out", str(tmp_path / "out.jsonl"), memory=512 * MiB, timeout=120)
    _usage_error(result, f"{manifest} line 2: a row of more than 65536 bytes (a row is an id and two paths)")
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize(
    ("depth", "message"),
    [
        (100_000, "line 2: a row of more than 65536 bytes (a row is an id and two paths)"),
        (20_000, "line 2: JSON nested more than 16 deep (a row is one object: id, front, back)"),
    ],
)
def test_a_jsonl_manifest_nested_deep_is_one_clear_error(tmp_path: Path, depth: int, message: str) -> None:
    manifest = tmp_path / "cards.jsonl"
    manifest.write_text('{"front": "a.jpg"}\n{"front": "b.jpg", "x": ' + "[" * depth + "]" * depth + "}\n")
    result = batch(str(manifest), "--out", str(tmp_path / "out.csv"), memory=512 * MiB, timeout=120)
    _usage_error(result, f"{manifest} {message}")


def test_manifest_rows_outside_its_folder_are_refused_unless_allowed(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "inside.png").write_text("not an image")
    (tmp_path / "secret.txt").write_text("a file of the operator's, not the manifest's")
    (folder / "linked.jpg").symlink_to(tmp_path / "secret.txt")
    for number, path in enumerate(["../../etc/passwd", str(tmp_path / "secret.txt"), "linked.jpg"]):
        manifest = folder / f"m{number}.csv"
        manifest.write_text(f"id,front\ninside,inside.png\noutside,{path}\n")
        result = batch(str(manifest), "--out", str(tmp_path / f"o{number}.jsonl"), timeout=60)
        _usage_error(result, f"{manifest} line 3: {path} is outside the manifest's folder {folder} "
                             "(--allow-outside-paths reads it)")  # fmt: skip
        assert not (tmp_path / f"o{number}.jsonl").exists()  # refused before anything is read
    out = tmp_path / "allowed.jsonl"
    allowed = batch(str(manifest), "--out", str(out), "--workers", "1", "--allow-outside-paths")
    assert allowed.returncode == 0, allowed.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["inside", "outside"]
    assert [r["error_msg"] for r in records] == [
        "The image format is not supported. Not a JPG, PNG, BMP or TIFF image."
    ] * 2  # read, through the link: its bytes are no image


def test_a_file_that_never_ends_is_read_no_further_than_64_mib(tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "zero.jpg").symlink_to("/dev/zero")  # a link in a folder given on the command line
    out = tmp_path / "out.jsonl"
    result = batch(str(folder), "--out", str(out), "--workers", "1", memory=3 * 1024 * MiB)
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["error_code"] == "AIS.0103"
    assert record["error_msg"].endswith("The file is over 64 MiB, more than any card's image.")


def test_csv_output_neutralises_formulas_and_jsonl_keeps_them(tmp_path: Path) -> None:
    ids = ['=HYPERLINK("http://attacker.example","card")', "+1", "-2+3", "@SUM(A1)", "'q", "plain"]
    # (leading tabs and carriage returns cannot come through a manifest, which strips its cells: test_batch_sinks)
    (tmp_path / "n.png").write_text("not an image")
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("".join(json.dumps({"id": i, "front": "n.png"}) + "\n" for i in ids))
    for fmt in ("csv", "jsonl"):
        result = batch(str(manifest), "--out", str(tmp_path / f"out.{fmt}"), "--workers", "1")
        assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "out.csv").open(newline="")))
    assert [row["id"] for row in rows] == [*("'" + i for i in ids[:-1]), "plain"]
    assert {row["error_code"] for row in rows} == {"AIS.0102"}
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ids
    again = batch(str(manifest), "--out", str(tmp_path / "out.csv"), "--resume", timeout=60)
    assert again.returncode == 0 and "0 cards to read (6 already in" in again.stderr  # the quotes read back


def _ids(out: Path, fmt: str) -> list[str]:
    if fmt == "parquet":
        return pads.dataset(out).to_table().column("id").to_pylist()
    if fmt == "csv":
        return [row["id"] for row in csv.DictReader(out.open(newline=""))]
    return [json.loads(line)["id"] for line in out.read_text().splitlines()]


def _fifo_cards(tmp_path: Path, count: int) -> tuple[Path, list[Path]]:
    pipes = [fifo(tmp_path / f"f{i}.jpg") for i in range(count)]
    manifest = tmp_path / "m.csv"
    manifest.write_text("id,front\n" + "".join(f"f{i},f{i}.jpg\n" for i in range(count)))
    return manifest, pipes


def _wait_until(condition: Callable[[], bool], timeout: float = 240.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "the job did not get there"
        time.sleep(0.05)


def _no_reader_while(path: Path, seconds: float) -> bool:
    """Nobody opens ``path`` for ``seconds`` (an engine that ignored its window would within milliseconds)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if readers(path):
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize(("fmt", "order"), [("jsonl", "input"), ("csv", "input"), ("parquet", "input"),
                                            ("jsonl", "completion")])  # fmt: skip
def test_records_are_written_in_input_order_unless_asked_otherwise(tmp_path: Path, fmt: str, order: str) -> None:
    manifest, (f0, f1, f2) = _fifo_cards(tmp_path, 3)
    out = tmp_path / f"out.{fmt}"
    proc = run_cli(
        str(manifest), "--out", str(out), "--workers", "2", *(["--order", order] if order != "input" else [])
    )
    first, _ = wait_for_reader(f0)  # f0 is held back until the others are done
    release(wait_for_reader(f1)[0])
    release(wait_for_reader(f2)[0])  # f1's worker took f2 (f1 is done) while f0 waits: the window (256) allows it
    if order == "completion":  # f1 and f2 written before f0 is even readable
        _wait_until(lambda: out.exists() and out.read_bytes().count(b"\n") == 2)
    release(first)
    _, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr
    assert _ids(out, fmt) == (["f0", "f1", "f2"] if order == "input" else ["f1", "f2", "f0"])


def test_the_order_window_bounds_the_records_waiting(tmp_path: Path) -> None:
    manifest, (f0, f1, f2) = _fifo_cards(tmp_path, 3)
    out = tmp_path / "out.jsonl"
    proc = run_cli(str(manifest), "--out", str(out), "--workers", "2", "--order-window", "2")
    first, _ = wait_for_reader(f0)
    second, _ = wait_for_reader(f1)
    release(second)  # f1's record now waits for f0's: 2 cards taken and not written, the window is full
    try:
        assert _no_reader_while(f2, 3.0), "f2 was read while f1's record waited: the window did not hold"
    finally:
        release(first)
    release(wait_for_reader(f2)[0])
    _, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr
    assert _ids(out, "jsonl") == ["f0", "f1", "f2"]


def test_resume_after_ctrl_c_in_input_order_reads_what_was_waiting(cards: Cards, tmp_path: Path) -> None:
    manifest, (f0, f1, f2) = _fifo_cards(tmp_path, 3)
    out = tmp_path / "out.csv"
    proc = run_cli(str(manifest), "--out", str(out), "--workers", "2")
    held, _ = wait_for_reader(f0)
    release(wait_for_reader(f1)[0])
    third, _ = wait_for_reader(f2)  # f1's worker took f2: the job has f1's record, which waits for f0's
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert _ids(out, "csv") == []  # nothing written out of order
    for fd, pipe in ((held, f0), (third, f2), (None, f1)):
        if fd is not None:
            os.close(fd)
        pipe.unlink()
        shutil.copy(cards.folder / "notes.png", pipe)
    again = batch(str(manifest), "--out", str(out), "--resume", "--workers", "2")
    assert again.returncode == 0, again.stderr
    assert _ids(out, "csv") == ["f0", "f1", "f2"]
