"""``recognize --crops`` and ``batch --crops``: the front's pictures in the line's details, as PNG base64."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "chile_id_ocr.cli"]
PNG = b"\x89PNG\r\n\x1a\n"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600, check=False)


def test_recognize_crops_adds_the_pictures_and_the_details(real: Path) -> None:
    proc = _run("recognize", "--crops", str(real / "specimen_front.jpg"), str(real / "specimen_back.jpg"))
    assert proc.returncode == 0, proc.stderr
    front, back = (json.loads(line) for line in proc.stdout.splitlines())
    crops = front["details"]["crops"]
    assert all(base64.b64decode(crops[name]).startswith(PNG) for name in ("portrait", "signature", "ghost_portrait"))
    assert front["details"]["capture"]["kind"] in ("original", "screen", "photocopy", "printout")
    assert back["details"]["crops"] == {"portrait": None, "signature": None, "ghost_portrait": None}


def test_batch_crops_writes_them_in_each_record(real: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    proc = _run("batch", str(real / "specimen_front_small.jpg"), "--out", str(out), "--crops", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    (record,) = (json.loads(line) for line in out.read_text().splitlines())
    assert base64.b64decode(record["details"]["crops"]["portrait"]).startswith(PNG)
