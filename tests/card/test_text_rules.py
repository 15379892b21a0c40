"""The shared text helpers at their edges (``card/text.py``): edit distances and where a word is
found in a line, how many wrong letters a printed label may show, the nearest vocabulary
word, and the sex and nationality fields."""

from __future__ import annotations

import pytest

from chile_id_ocr.card import text


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("DIC", "ICD", 2), ("ICD", "DIC", 2), ("SEPT", "EPTS", 2), ("SEPT", "SEP", 1), ("", "", 0), ("AGO", "AGO", 0)],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert text.edit_distance(a, b) == distance


@pytest.mark.parametrize(
    ("line", "word", "span"),
    [
        ("RUN RUN", "RUN", (0, 0, 3)),  # the leftmost of two equal matches
        ("A RUN", "RUN", (0, 2, 5)),
        ("RXUN 12", "RUN", (1, 0, 4)),  # a letter too many inside it
        ("SEXXO", "SEXO", (1, 0, 3)),  # the leftmost of the one-edit matches (SEX)
        ("XRUUN", "RUN", (1, 1, 3)),
        ("ESESXO", "SEXO", (1, 1, 6)),
        ("SEXO F", "F", (0, 5, 6)),  # a one-letter word
        ("S", "SEXO", (3, 0, 1)),  # three letters lost
        ("", "SEXO", (4, 0, 0)),  # nothing to match: every letter lost, at the start
        ("XYZ", "AB", (2, 0, 0)),  # no letter in common: no part matches better than none
    ],
)
def test_span_within(line: str, word: str, span: tuple[int, int, int]) -> None:
    assert text.span_within(line, word) == span
    assert text.distance_within(line, word) == span[0]


def test_letters_only_keeps_a_to_z() -> None:
    assert text.letters_only("Zúñiga, Zapata 1") == "ZUNIGAZAPATA"


@pytest.mark.parametrize(
    ("seen", "printed", "reads"),
    [
        ("ECHA DE EMIS", "FECHA DE EMISIÓN", True),  # 14 letters: 4 lost (one in four, rounded) is still it
        ("ECHA DE EMI", "FECHA DE EMISIÓN", False),  # 5 lost is not
        ("SEXA", "SEXO", True),  # 4 letters: one wrong
        ("SAXA", "SEXO", False),
        ("DA", "DE", True),  # a short word still allows one
        ("XX", "DE", False),
        ("RUN", "", False),  # an empty label is never read
    ],
)
def test_a_printed_label_is_read_with_about_one_letter_in_four_wrong(seen: str, printed: str, reads: bool) -> None:
    assert text.reads_as(seen, printed) is reads


def test_closest_prefers_an_exact_word_to_one_an_edit_away() -> None:
    assert text.closest("MAR", ["MAR", "MAY"]) == "MAR"
    assert text.closest("MAX", ["MAR", "MAY"]) is None  # a tie
    assert text.closest("MAX", ["MAR", "MAR"]) == "MAR"  # the same word twice is no tie
    assert text.closest("MAXX", ["MAR"]) is None
    assert text.closest("MAXX", ["MAR"], max_distance=2) == "MAR"


@pytest.mark.parametrize(
    ("read", "sex"),
    [
        ("SEXO FEMENINO", "F"),
        ("SEXO MASCULINO", "M"),
        ("SEXOM", "M"),
        ("F NAC", "F"),  # one word is a sex letter
        ("XF", "F"),  # no word is: a short reading with one sex letter in it
        ("XYF", "F"),
        ("XYZF", None),  # too long to tell
        ("FX M", "M"),
        ("M F", None),
    ],
)
def test_parse_sex(read: str, sex: str | None) -> None:
    assert text.parse_sex(read) == sex


@pytest.mark.parametrize(
    ("read", "found"),
    [
        ("NACIONALIDAD CHILENA", ("CHILENA", False)),
        ("NACIONALIDADCHILENA", ("CHILENA", False)),
        ("ESTADOUNIDENSE", ("ESTADOUNIDENSE", False)),  # longer than the label, not after it
        ("CHIMA", ("CHINA", True)),  # five letters snap to the vocabulary
        ("SUIZO", ("SUIZA", True)),
        ("RUSO", ("RUSO", False)),  # four do not
    ],
)
def test_parse_nationality(read: str, found: tuple[str, bool]) -> None:
    assert text.parse_nationality(read) == found


def test_the_label_alone_is_no_nationality() -> None:
    """(A defect found by mutation testing: the bare label was returned as a nationality.)"""
    assert text.parse_nationality("NACIONALIDAD") is None
