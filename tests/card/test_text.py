"""Tests for chile_id_ocr.card.text."""

from __future__ import annotations

import pytest

from chile_id_ocr.card import text


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("ABC", "", 3),
        ("", "ABC", 3),
        ("SEP", "SEPT", 1),
        ("N0V", "NOV", 1),
        ("KITTEN", "SITTING", 3),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert text.edit_distance(a, b) == distance
    assert text.edit_distance(b, a) == distance


def test_closest_is_unique_or_none() -> None:
    assert text.closest("PERUAMA", text.NATIONALITIES) == "PERUANA"
    assert text.closest("MAX", ["MAR", "MAY"]) is None
    assert text.closest("XXXXXX", ["MAR"]) is None
    assert text.closest("SUECA", ["SUIZA"]) is None  # two edits away


def test_confusion_maps() -> None:
    assert text.to_digits("4l.OOO.Z9G|SB") == ("41.000.296158", 9)
    assert text.to_letters("N0V 1S 5 8") == ("NOV IS S B", 4)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("maría   josé", "MARÍA JOSÉ"),
        ("  GONZÁLEZ\tPÉREZ  ", "GONZÁLEZ PÉREZ"),
        ("MAR1A J0SE", "MARIA JOSE"),
        ("5ANTIAG0 8ARRA", "SANTIAGO BARRA"),
        ("NÚÑEZ MÜLLER", "NÚÑEZ MÜLLER"),
        ("O'HIGGINS", "O'HIGGINS"),
        ("D’ARTAGNAN", "D'ARTAGNAN"),
        ("PÉREZ-COTAPOS", "PÉREZ-COTAPOS"),
        ("PEREZ. , ; 42 SOTO", "PEREZ SOTO"),
        ("-PEREZ-", "PEREZ"),
        ("FRANÇOIS", "FRANCOIS"),
        ("", ""),
        (". , 123", ""),
    ],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert text.normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("M", "M"),
        ("F", "F"),
        ("f", "F"),
        ("F.", "F"),
        (" M ", "M"),
        ("SEXO F", "F"),
        ("SEXOM", "M"),
        ("|F", "F"),
        ("1M.", "M"),
        ("MASCULINO", "M"),
        ("FEMENINO", "F"),
        ("M F", None),
        ("MF", None),
        ("", None),
        ("X", None),
        ("CHILENA", None),
    ],
)
def test_parse_sex(raw: str, expected: str | None) -> None:
    assert text.parse_sex(raw) == expected
    assert expected is None or expected in text.SEXES


def test_vocabularies() -> None:
    assert len(text.NATIONALITIES) >= 30
    assert len(set(text.NATIONALITIES)) == len(text.NATIONALITIES)
    for word in ("CHILENA", "VENEZOLANA", "ESPAÑOLA", "BRASILEÑA", "ESTADOUNIDENSE", "HAITIANA"):
        assert word in text.NATIONALITIES
    assert len(text.ISO3_CODES) == 249
    assert all(len(c) == 3 and c.isascii() and c.isupper() for c in text.ISO3_CODES)
    assert {"CHL", "VEN", "PER", "COL", "BOL", "ARG", "HTI", "USA", "ESP"} <= text.ISO3_CODES
    assert "XXX" not in text.ISO3_CODES


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CHILENA", ("CHILENA", False)),
        ("chilena", ("CHILENA", False)),
        ("NACIONALIDAD VENEZOLANA", ("VENEZOLANA", False)),
        ("CH1LENA", ("CHILENA", True)),  # confusion
        ("CHILEMA", ("CHILENA", True)),  # edit distance 1
        ("PERUAN", ("PERUANA", True)),  # dropped letter
        ("ESPANOLA", ("ESPAÑOLA", True)),
        ("HAITIANA.", ("HAITIANA", False)),
        ("CHL", ("CHL", False)),
        ("VEN", ("VEN", False)),
        ("B0L", ("BOL", True)),
        ("C0L", ("COL", True)),
        ("SUECA", ("SUECA", False)),  # unknown word, returned as read
        ("CHILAN", ("CHILAN", False)),  # two edits from CHILENA: not snapped
        ("RUSO", ("RUSO", False)),  # four letters: no snapping
    ],
)
def test_parse_nationality(raw: str, expected: tuple[str, bool]) -> None:
    assert text.parse_nationality(raw) == expected


@pytest.mark.parametrize("raw", ["", " .- ", "XYZ", "CHX", "CH", "C2L", "12"])
def test_parse_nationality_none(raw: str) -> None:
    assert text.parse_nationality(raw) is None
