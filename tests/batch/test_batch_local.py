"""The local engine end to end: real worker processes reading real and generated cards."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pyarrow.dataset as pads
import pytest

from batch_support import Cards, Run, fifo, kill_reader, pid_alive, run_cli, summary_row, wait_for_reader
from chile_id_ocr import cli
from chile_id_ocr.batch.progress import Progress


def _recognize_lines(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    assert cli.main(["recognize", "--details", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_every_card_of_every_input_kind_is_written_once(cards: Cards, local_run: Run) -> None:
    folder = {str(cards.folder / n) for n in ("notes.png", "scan_back.jpg", "scan_front.jpg", "specimen_back.jpg",
                                              "specimen_front.jpg")}  # fmt: skip
    assert set(local_run.records) == folder | {"specimen-both-sides", "missing", "by-url"}
    assert local_run.summary.cards == len(local_run.records)


def test_records_are_the_recognize_command_lines_with_an_id(
    cards: Cards, local_run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    singles = [str(cards.folder / n) for n in ("specimen_front.jpg", "scan_back.jpg", "notes.png")]
    for line in _recognize_lines(capsys, *singles):
        assert local_run.records[line["file"]] == {"id": line["file"], **line}
    both = [str(cards.folder / n) for n in ("specimen_back.jpg", "specimen_front.jpg")]
    (pair,) = _recognize_lines(capsys, "--back", *both)
    assert local_run.records["specimen-both-sides"] == {"id": "specimen-both-sides", **pair}
    assert "fusion" in pair["details"]  # both sides were read together


def test_errors_and_urls(cards: Cards, local_run: Run, ground_truth: dict) -> None:
    missing = local_run.records["missing"]
    assert missing["error_code"] == "AIS.0102" and "Cannot read the file" in missing["error_msg"]
    assert missing["file"] == str(cards.pairs.parent / "images" / "no_such_card.jpg")
    assert local_run.records[str(cards.folder / "notes.png")]["error_code"] == "AIS.0102"
    by_url = local_run.records["by-url"]
    assert by_url["file"] == (cards.folder / "specimen_front.jpg").as_uri()
    assert by_url["result"] == local_run.records[str(cards.folder / "specimen_front.jpg")]["result"]
    expected = ground_truth["specimen_front.jpg"]["result"]
    assert {k: v for k, v in by_url["result"].items() if k != "confidence"} == expected


def test_summary_counts_what_the_records_say(local_run: Run) -> None:
    records, summary = local_run.records.values(), local_run.summary
    read = [r for r in records if "result" in r]
    assert dict(summary.errors) == {"AIS.0102": 2}
    assert summary.read == len(read) == 6
    assert summary.run_check_failed == sum(r["details"]["checks"]["run_check_digit_valid"] is False for r in read)
    assert summary.expired == sum(r["details"]["checks"]["expired"] is True for r in read)
    assert summary.run_check_failed >= 1  # the specimen's printed RUN fails its check digit
    low = sum(c < 0.9 for r in read for n, c in r["result"]["confidence"].items()
              if not (r["details"]["side"] == "back" and n == "issue_date"))  # fmt: skip
    assert sum(summary.low_fields.values()) == low > 0
    text = summary.render("out.jsonl")
    assert summary_row("errors", "2   AIS.0102 2").search(text)
    assert summary_row("RUN check digit failed", str(summary.run_check_failed)).search(text)


def test_a_card_that_kills_or_outlasts_its_worker_is_an_error_record(cards: Cards, tmp_path: Path) -> None:
    crash, hang = fifo(tmp_path / "crash.jpg"), fifo(tmp_path / "hang.jpg")
    manifest = tmp_path / "m.csv"
    after = shutil.copy(cards.folder / "specimen_front.jpg", tmp_path)  # a manifest names files in its folder
    manifest.write_text(f"id,front\ncrash,{crash}\nhang,{hang}\nafter,{after}\n")
    out = tmp_path / "out.csv"
    proc = run_cli(str(manifest), "--out", str(out), "--workers", "2", "--timeout", "10", "--progress-every", "1")
    killed = kill_reader(crash)
    _, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr
    rows = {row["id"]: row for row in csv.DictReader(out.open(newline=""))}
    assert rows["crash"]["error_code"] == rows["hang"]["error_code"] == "AIS.0105"
    assert "The recognition worker stopped while reading this card (killed by SIGKILL" in rows["crash"]["error_msg"]
    assert "The card was not read within 10 s" in rows["hang"]["error_msg"]
    assert rows["after"]["error_code"] == "" and rows["after"]["number"] == "12.749.625-K"
    assert not pid_alive(killed)
    assert "batch: 3/3 cards (100.0 %)" in stderr  # plain progress lines: stderr is not a terminal
    assert summary_row("errors", "2   AIS.0105 2").search(stderr)


def _run_cli_sigint_ignored(*args: str) -> subprocess.Popen[str]:
    """The command started as a non-interactive shell starts ``cmd &`` (a script, a CI step, a test runner run in
    the background): with SIGINT ignored, which the child inherits. Python then installs no KeyboardInterrupt
    handler of its own, so this is the case where a SIGINT is lost unless the command handles it itself."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return run_cli(*args)
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_keeps_what_is_done_and_resume_goes_on(cards: Cards, tmp_path: Path) -> None:
    stuck = fifo(tmp_path / "stuck.jpg")
    manifest = tmp_path / "m.jsonl"
    first = shutil.copy(cards.folder / "notes.png", tmp_path)  # a manifest names files in its folder
    rows = [{"id": "first", "front": str(first)}, {"id": "stuck", "front": str(stuck)}]
    manifest.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "out.parquet"
    proc = _run_cli_sigint_ignored(str(manifest), "--out", str(out), "--workers", "1")
    fd, reader = wait_for_reader(stuck)  # "first" is written; the worker waits on "stuck" for bytes that never come
    proc.send_signal(signal.SIGINT)
    try:  # within seconds, far from the card's time limit (120 s), even on a loaded machine
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"SIGINT did not stop the job within 60 s: {proc.communicate()[1]}")
    assert proc.returncode == 130, stderr
    assert "interrupted after 1 cards" in stderr and "--resume" in stderr
    assert "Traceback" not in stderr
    assert not pid_alive(reader)
    assert sorted(p.name for p in out.iterdir()) == ["part-000000.parquet"]  # closed properly: nothing pending
    assert pads.dataset(out).to_table().column("id").to_pylist() == ["first"]

    os.close(fd)
    stuck.unlink()
    shutil.copy(cards.folder / "notes.png", stuck)  # the card is there now
    again = run_cli(str(manifest), "--out", str(out), "--workers", "1", "--resume")
    _, stderr = again.communicate(timeout=240)
    assert again.returncode == 0, stderr
    assert "1 cards to read (1 already in" in stderr
    assert sorted(pads.dataset(out).to_table().column("id").to_pylist()) == ["first", "stuck"]
    done = run_cli(str(manifest), "--out", str(out), "--resume")  # nothing left: no worker is even started
    _, stderr = done.communicate(timeout=60)
    assert done.returncode == 0 and "0 cards to read (2 already in" in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--address", "auto"], "--address needs --engine ray"),
        (["--format", "csv", "--resume", "--overwrite"], "not allowed with argument"),
    ],
)
def test_usage_errors_exit_2(cards: Cards, tmp_path: Path, args: list[str], message: str) -> None:
    proc = run_cli(str(cards.pairs), "--out", str(tmp_path / "o.jsonl"), *args)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2 and message in stderr


def test_an_existing_out_is_never_silently_replaced(cards: Cards, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    out.write_text('{"id": "x"}\n')
    proc = run_cli(str(cards.pairs), "--out", str(out))
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "exists: --resume continues it, --overwrite replaces it" in stderr
    assert out.read_text() == '{"id": "x"}\n'


def test_progress_bar_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(total=3, mode="bar", stream=stream)
    for error in (False, True, False):
        progress.update(error)
    progress.close()
    last = stream.getvalue().split("\r")[-1]
    assert "3/3" in last and "card/s" in last and "1 errors" in last
