"""Tests for chile_id_ocr.card.document."""

from __future__ import annotations

import pytest

from chile_id_ocr.card import document
from chile_id_ocr.card.document import DocumentParse


def test_compact() -> None:
    assert document.compact("500.104.037") == "500104037"
    assert document.compact(" b5f 089055 ") == "B5F089055"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("500.104.037", "2013"),
        ("100000001", "2013"),
        ("B5F089055", "2024"),
        ("b5f089055", "2024"),
        ("5F089055", None),  # eight characters
        ("5B5F08905", None),  # alphanumeric must start with a letter
        ("DOCUMENTO", None),  # no digit
        ("B5F08905!", None),
        ("5001040371", None),
    ],
)
def test_kind_and_is_valid(number: str, expected: str | None) -> None:
    assert document.kind(number) == expected
    assert document.is_valid(number) is (expected is not None)


def test_format() -> None:
    assert document.format("500104037") == "500.104.037"
    assert document.format("B5F089055") == "B5F089055"
    with pytest.raises(ValueError):
        document.format("12345")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500.104.037", DocumentParse("500104037", "2013", False)),
        ("100000001", DocumentParse("100000001", "2013", False)),
        ("N° DOCUMENTO 500.104.037", DocumentParse("500104037", "2013", False)),
        ("DOCUMENTO500104037", DocumentParse("500104037", "2013", False)),
        ("5OO.1O4.O37", DocumentParse("500104037", "2013", True)),
        ("5OO1O4O37", DocumentParse("500104037", "2013", True)),
        ("DOC 5OO 1O4 O37", DocumentParse("500104037", "2013", True)),
        ("l0000000I", DocumentParse("100000001", "2013", True)),
        ("B5F089055", DocumentParse("B5F089055", "2024", False)),
        ("b5f089055", DocumentParse("B5F089055", "2024", False)),
        ("BSF0B9O55", DocumentParse("BSF0B9O55", "2024", False)),  # alphanumeric: kept as read
    ],
)
def test_parse(text: str, expected: DocumentParse) -> None:
    assert document.parse(text) == expected


def test_parse_expected_kind_settles_ambiguous_readings() -> None:
    assert document.parse("S00104037") == DocumentParse("S00104037", "2024", False)
    assert document.parse("S00104037", expected="2013") == DocumentParse("500104037", "2013", True)
    assert document.parse("B5F089055", expected="2013") is None
    assert document.parse("500104037", expected="2024") is None


@pytest.mark.parametrize(
    "text",
    ["", "DOCUMENTO", "50010403", "5001040377", "12.749.625-K", "500.1O4.O3?", "5OOIOSOB7", "ABC DEF GHI"],
)
def test_parse_none(text: str) -> None:
    assert document.parse(text) is None


def test_formatted_property() -> None:
    found = document.parse("5OO1O4O37")
    assert found is not None and found.formatted == "500.104.037"
