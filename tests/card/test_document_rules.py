"""How many look-alike letters a 2013 document number may have mapped to digits (``card/document.py``)."""

from __future__ import annotations

import pytest

from chile_id_ocr.card import document
from chile_id_ocr.card.document import DocumentParse


@pytest.mark.parametrize("expected", [None, "2013"])
def test_four_letters_read_for_digits_are_repaired_five_are_too_many(expected: document.Kind | None) -> None:
    assert document.parse("5OO1O4O37", expected) == DocumentParse("500104037", "2013", repaired=True)  # O O O O
    assert document.parse("5OOIO4O37", expected) is None  # O O I O O


def test_nine_digits_inside_a_longer_reading_are_a_2013_number() -> None:
    assert document.parse("N°500104037X") == DocumentParse("500104037", "2013", repaired=False)
    assert document.parse("N°500104037X", expected="2024") is None
