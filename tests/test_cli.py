"""The CLI's JSON-lines output is a public interface: one object per input, in order."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "chile_id_ocr.cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, check=False)


def test_recognize_prints_one_line_per_file_in_order(real: Path, ground_truth: dict, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not an image")
    specimen = str(real / "specimen_front.jpg")
    missing = str(tmp_path / "missing.jpg")
    proc = _run("recognize", specimen, str(bogus), missing)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["file"] for line in lines] == [specimen, str(bogus), missing]
    expected = ground_truth["specimen_front.jpg"]["result"]
    assert {k: v for k, v in lines[0]["result"].items() if k != "confidence"} == expected
    assert set(lines[0]["result"]["confidence"]) == set(expected)
    assert "details" not in lines[0]
    assert lines[1]["error_code"] == "AIS.0102" and lines[1]["error_msg"]
    assert lines[2]["error_code"] == "AIS.0102" and "Cannot read the file" in lines[2]["error_msg"]
    assert proc.stderr == ""


def test_details_flag_adds_the_extension(real: Path) -> None:
    proc = _run("recognize", "--details", str(real / "specimen_front_small.jpg"))
    line = json.loads(proc.stdout)
    assert line["details"]["side"] == "front"
    assert line["details"]["checks"]["run_check_digit_valid"] is False


def test_usage_error_exits_2() -> None:
    assert _run("recognize").returncode == 2
    assert _run("frobnicate").returncode == 2
