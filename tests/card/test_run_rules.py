"""How many letters a RUN reading may have mapped to digits, by the separators read; what one dot
tells; and which RUN of a text is read (``card/run.py``)."""

from __future__ import annotations

import pytest

from chile_id_ocr.card import run
from chile_id_ocr.card.run import RunParse

GOOD = RunParse("41.000.297-3", check_digit_valid=True, repaired=True)


@pytest.mark.parametrize(
    ("text", "letters", "separators"),
    [
        ("41OO02973", 2, ""),
        ("41OOO297-3", 3, "-"),
        ("4I.OOO.297-3", 4, "..-"),
    ],
)
def test_the_most_letters_read_for_digits_by_the_separators_read(text: str, letters: int, separators: str) -> None:
    """2 letters with no separator, 3 with one, 4 with all three: at the limit the RUN is read..."""
    assert sum(c.isalpha() for c in text) == letters and "".join(c for c in text if c in ".-") == separators
    assert run.parse(text) == GOOD


@pytest.mark.parametrize(
    ("text", "letters", "separators"),
    [
        ("41OOO2973", 3, ""),
        ("4IOOO297-3", 4, "-"),
        ("4I.OOO297-3", 4, ".-"),  # one dot counts for nothing
        ("4I.OOO.2S7-3", 5, "..-"),
    ],
)
def test_one_letter_more_and_it_is_no_run(text: str, letters: int, separators: str) -> None:
    """... one more and it is not (too much of it was guessed)."""
    assert sum(c.isalpha() for c in text) == letters and "".join(c for c in text if c in ".-") == separators
    assert run.parse(text) is None


def test_one_dot_is_not_a_dotted_run() -> None:
    """Without a dash, only both dots tell the body from the check digit: with one dot the
    last digit is taken for the check digit, a repair."""
    assert run.parse("12.7496250") == RunParse("12.749.625-0", check_digit_valid=True, repaired=True)
    assert run.parse("12.749.6250") == RunParse("12.749.625-0", check_digit_valid=True, repaired=False)


def test_of_two_runs_as_well_read_the_first_is_taken() -> None:
    """A failing check digit is no reason to prefer the other: the number is never chosen for it."""
    specimen = RunParse("12.749.625-K", check_digit_valid=False, repaired=False)
    assert run.parse("12.749.625-K 41.000.297-3") == specimen
    assert run.parse("41.000.297-3 12.749.625-K") == RunParse("41.000.297-3", True, False)
    assert run.parse("12749625-K 41.000.297-3") == specimen


def test_a_better_read_run_is_taken_over_an_earlier_one() -> None:
    assert run.parse("41OO02973 12.749.625-K").formatted == "12.749.625-K"  # type: ignore[union-attr]
    assert run.parse("41.OO0.297-3 12.749.625-K").formatted == "12.749.625-K"  # type: ignore[union-attr]
