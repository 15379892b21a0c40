"""The real backs in ../shared/real: MRZ, QR and check digits exactly as in the ground truth, whichever
way up; the back alone as a result; both sides of one card fused in one call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chile_id_ocr import recognize
from chile_id_ocr.cli import main
from chile_id_ocr.result import Recognition
from real_images import exif_applied_jpeg, rotated_jpeg

BACKS = ["specimen_back.jpg", "test_card_b_back_photo.jpg"]


def _assert_back(recognition: Recognition, truth: dict) -> None:
    details = recognition.details()
    assert details["side"] == "back"
    back = details["back"]
    assert back["mrz"]["lines"] == truth["mrz"]
    assert back["mrz"]["check_digits"] == truth["mrz_check_digits"]
    assert back["qr"]["payload"] == truth["qr"]


@pytest.mark.parametrize("name", BACKS)
def test_back_gives_mrz_qr_and_checks(real: Path, ground_truth: dict, name: str) -> None:
    recognition = recognize((real / name).read_bytes())
    _assert_back(recognition, ground_truth[name])
    text = recognition.details()["back"]["back_text"]
    assert text["birthplace"]["text"] == ground_truth[name]["back_text"]["birthplace"]
    assert text["profession"]["text"] == ground_truth[name]["back_text"]["profession"]


@pytest.mark.parametrize("angle", [90, 180, 270])
@pytest.mark.parametrize("name", BACKS)
def test_back_reads_when_turned(real: Path, ground_truth: dict, name: str, angle: int) -> None:
    _assert_back(recognize(rotated_jpeg(real / name, angle)), ground_truth[name])


def test_back_photo_with_its_exif_orientation_applied(real: Path, ground_truth: dict) -> None:
    name = "test_card_b_back_photo.jpg"
    _assert_back(recognize(exif_applied_jpeg(real / name)), ground_truth[name])


def test_back_alone_gives_the_contract_fields(real: Path) -> None:
    recognition = recognize((real / "test_card_b_back_photo.jpg").read_bytes())
    result = recognition.to_api()
    assert result["surname"] == ["FERNANDEZ", "ZAMBRANO"]
    assert result["given_name"] == "ESTEBAN FE"
    assert (result["sex"], result["nationality"]) == ("M", "CHILENA")
    assert (result["birth"], result["expiry_date"]) == ("15 ENE 2001", "15 ENE 2031")
    assert (result["document_number"], result["number"]) == ("500104037", "41.000.297-3")
    assert result["issue_date"] == ""
    conf = result["confidence"]
    assert conf["issue_date"] == 0.0
    # Confirmed by a check digit and the QR: near 1; the cut given name is said to be possibly truncated.
    assert conf["number"] > 0.99 and conf["birth"] > 0.99 and conf["document_number"] > 0.99
    assert conf["given_name"] < 0.9
    assert "truncated" in recognition.details()["fields"]["given_name"]["low_confidence_reason"]
    assert recognition.details()["back"]["qr"]["params"]["serial"] == "500104037"


def test_specimen_back_alone_flags_its_failing_checks(real: Path) -> None:
    recognition = recognize((real / "specimen_back.jpg").read_bytes())
    result = recognition.to_api()
    assert result["birth"] == "21 FEB 1983"  # what its MRZ says, flagged
    assert result["confidence"]["birth"] <= 0.5
    assert result["confidence"]["expiry_date"] > 0.9
    assert result["number"] == "12.749.625-K"
    assert recognition.checks.run_check_digit_valid is False
    assert recognition.checks.document_number_valid is False


def test_specimen_both_sides_report_the_birth_conflict(real: Path) -> None:
    recognition = recognize((real / "specimen_front.jpg").read_bytes(), back=(real / "specimen_back.jpg").read_bytes())
    result = recognition.to_api()
    assert result["birth"] == "21 FEB 1982"
    assert result["issue_date"] == "1 SEP 2013"
    fusion = recognition.details()["fusion"]
    assert fusion["birth"]["conflict"] is True
    assert fusion["birth"]["sources"] == {"front": "21 FEB 1982", "mrz": "21 FEB 1983"}
    assert fusion["number"]["conflict"] is False
    assert result["confidence"]["birth"] < result["confidence"]["expiry_date"]


def test_test_card_both_sides_agree(real: Path, ground_truth: dict) -> None:
    # Either order: the sides are told apart from the images.
    recognition = recognize(
        (real / "test_card_b_back_photo.jpg").read_bytes(), back=(real / "test_card_b_front_photo.jpg").read_bytes()
    )
    result = recognition.to_api()
    expected = ground_truth["test_card_b_front_photo.jpg"]["result"]
    assert {k: result[k] for k in expected} == expected
    fusion = recognition.details()["fusion"]
    assert fusion["number"]["agree"] == ["front", "mrz", "qr"]
    assert not any(d["conflict"] for d in fusion.values())
    assert result["confidence"]["number"] > 0.999


def test_cli_reads_both_sides_into_one_line(real: Path, capsys: pytest.CaptureFixture[str]) -> None:
    front, back = str(real / "specimen_front.jpg"), str(real / "specimen_back.jpg")
    assert main(["recognize", "--back", back, front]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert (line["file"], line["back"]) == (front, back)
    assert line["result"]["birth"] == "21 FEB 1982"
    assert main(["recognize", "--back", back, front, front]) == 2
