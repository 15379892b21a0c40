"""The back's result from what was read: errors for an unreadable or foreign back, QR-only readings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from check_support import LINK, back_reading
from chile_id_ocr.check.back import NotChileanCardError, check_back
from chile_id_ocr.errors import PoorImageError
from chile_id_ocr.read.back import BackReading

TODAY = dt.date(2026, 1, 1)


def _reading(lines: tuple[str, str, str] | None, payload: str | None) -> BackReading:
    return back_reading(lines, payload, scores=(0.99, 0.99, 0.99))


def test_neither_mrz_nor_qr_is_a_poor_image() -> None:
    with pytest.raises(PoorImageError, match="no readable MRZ or QR"):
        check_back(_reading(None, None), today=TODAY)
    with pytest.raises(PoorImageError, match="no readable MRZ or QR"):
        check_back(_reading(None, "http://www.registrocivil.cl"), today=TODAY)


def test_another_countrys_card_is_refused_with_its_mrz() -> None:
    lines = ("IDARG5001040372787<<<<<<<<<<<<", "0101158M3101159ARG41000297<3<8", "PEREZ<<JUAN<<<<<<<<<<<<<<<<<<<")
    with pytest.raises(NotChileanCardError, match="not a Chilean identity card") as err:
        check_back(_reading(lines, None), today=TODAY)
    assert err.value.code == "AIS.0104"
    assert err.value.details["mrz"]["lines"] == list(lines)


def test_a_blurred_state_code_beside_a_valid_run_is_still_a_chilean_card() -> None:
    lines = ("INCML5001040372787<<<<<<<<<<<<", "0101158M3101159CHL41000297<3<8", "FERNANDEZ<<ESTEBAN<<<<<<<<<<<<")
    result = check_back(_reading(lines, None), today=TODAY).to_api()
    assert result["number"] == "41.000.297-3"
    # Without a valid RUN, the misread code is refused; with the registry's QR link, it is read.
    bad_run = (lines[0], "0101158M3101159CHL41000298<3<8", lines[2])
    with pytest.raises(NotChileanCardError):
        check_back(_reading(bad_run, None), today=TODAY)
    assert check_back(_reading(bad_run, LINK), today=TODAY).side.value == "back"


def test_qr_alone_gives_the_numbers_and_dates() -> None:
    recognition = check_back(_reading(None, LINK), today=TODAY)
    result = recognition.to_api()
    assert (result["number"], result["document_number"]) == ("41.000.297-3", "500104037")
    assert (result["birth"], result["expiry_date"]) == ("15 ENE 2001", "15 ENE 2031")
    assert result["surname"] == [] and result["confidence"]["surname"] == 0.0
    assert recognition.details()["back"]["mrz"] is None


def test_confidence_follows_the_check_digits() -> None:
    good = ("INCHL5001040372787<<<<<<<<<<<<", "0101158M3101159CHL41000297<3<8", "FERNANDEZ<ZAMBRANO<<ESTEBAN<<<")
    bad = (good[0], "0101153M3101159CHL41000297<3<8", good[2])
    ok = check_back(_reading(good, None), today=TODAY).to_api()["confidence"]
    flagged = check_back(_reading(bad, None), today=TODAY)
    assert ok["birth"] > 0.99
    assert flagged.to_api()["confidence"]["birth"] <= 0.5
    assert flagged.fields["birth"].reason == "check digit does not match"
    assert check_back(_reading(good, None), today=TODAY).fields["given_name"].reason == ""
    assert np.isclose(ok["issue_date"], 0.0)
