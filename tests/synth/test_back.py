"""Synthetic backs: consistent MRZ check digits, a decodable QR link, the same person as the front."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp

from chile_id_ocr.card import mrz, qr
from chile_id_ocr.synth.cli import main
from chile_id_ocr.synth.generator import generate_back, generate_front


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_printed_mrz_passes_its_checks_and_matches_the_truth(real: Path, seed: int) -> None:
    sample = generate_back(seed, "scan")
    parsed = mrz.parse(sample.truth["mrz"])
    assert parsed is not None and parsed.all_valid
    assert list(parsed.lines) == sample.truth["mrz"]
    result = sample.truth["result"]
    assert parsed.run is not None and result["number"].replace(".", "") == parsed.run
    assert result["issue_date"] == ""
    front = generate_front(seed, "scan").truth["result"]
    assert (result["birth"][-4:], result["number"], result["sex"]) == (
        front["birth"][-4:],
        front["number"],
        front["sex"],
    )


def test_qr_code_decodes_to_the_truth(real: Path) -> None:
    sample = generate_back(5, "scan")
    pixels = cv2.imdecode(np.frombuffer(sample.image, np.uint8), cv2.IMREAD_GRAYSCALE)
    payloads = [b.text for b in zxingcpp.read_barcodes(pixels)]
    assert payloads == [sample.truth["qr"]]
    assert qr.parse(payloads[0]).mrz_checks == {"document_number": True, "birth": True, "expiry": True}


def test_cli_writes_backs(real: Path, tmp_path: Path) -> None:
    assert main(["--out", str(tmp_path), "--n", "1", "--condition", "scan", "--side", "back"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and all(n.startswith("back_scan_000000.") for n in names)
    assert "back_scan_000000.json" in names
