"""The validity pattern at its edges (``card/validity.py``): a card is valid from one to eleven
years, and the dates a line may have been misread from when the issue date, the expiry date or
the expiry's year alone is out of place."""

from __future__ import annotations

from datetime import date

import pytest

from chile_id_ocr.card import validity

BORN = date(1980, 7, 17)
ISSUED = date(2019, 5, 2)


@pytest.mark.parametrize(
    ("expiry", "follows"),
    [
        (date(2019, 5, 1), False),  # the issue's own year: valid for no year at all
        (date(2020, 5, 2), True),  # one year
        (date(2030, 7, 17), True),  # eleven years, on the holder's birthday
        (date(2030, 5, 1), True),
        (date(2031, 5, 2), False),  # twelve years
        (date(2031, 7, 17), False),
    ],
)
def test_a_card_is_valid_for_one_to_eleven_years(expiry: date, follows: bool) -> None:
    assert validity.MAX_VALIDITY_YEARS == 11
    assert validity.follows_pattern(BORN, ISSUED, expiry) is follows


def test_an_expiry_out_of_reach_of_the_issue_may_be_any_usual_day_of_the_years_in_reach() -> None:
    """Expiry 2040 (21 years after issue): its year alone may be misread, so the usual days
    (the birthday, the issue's anniversary and the day before it) and the expiry's own day and
    month, in each year from one to eleven years after the issue, 2020 to 2030."""
    found = validity.misread_candidates(BORN, ISSUED, date(2040, 7, 27))
    expected = [date(year, month, day) for year in range(2020, 2031) for month, day in [(7, 17), (5, 2), (5, 1)]] + [
        date(year, 7, 27) for year in range(2020, 2031)
    ]
    assert found == {
        "expiry_date": tuple(expected),
        "birth": (date(1980, 7, 27),),
        "issue_date": (date(2019, 7, 27), date(2019, 7, 28)),
    }


def test_the_29th_of_february_is_moved_only_to_leap_years() -> None:
    found = validity.misread_candidates(BORN, ISSUED, date(2040, 2, 29))
    assert [d for d in found["expiry_date"] if (d.month, d.day) == (2, 29)] == [
        date(2020, 2, 29),
        date(2024, 2, 29),
        date(2028, 2, 29),
    ]
    assert len(found["expiry_date"]) == 3 * 11 + 3


def test_without_an_expiry_every_usual_day_in_reach_is_a_candidate() -> None:
    found = validity.misread_candidates(BORN, ISSUED, None)
    assert found == {
        "expiry_date": tuple(
            date(year, month, day) for year in range(2020, 2031) for month, day in [(7, 17), (5, 2), (5, 1)]
        )
    }


def test_without_an_issue_date_it_may_be_any_year_up_to_eleven_before_the_expiry() -> None:
    found = validity.misread_candidates(BORN, None, date(2029, 7, 27))
    assert found == {
        "expiry_date": (date(2029, 7, 17),),
        "birth": (date(1980, 7, 27),),
        "issue_date": tuple(date(year, 7, day) for year in range(2018, 2029) for day in (27, 28)),
    }


def test_without_a_birth_date_only_the_issue_tells() -> None:
    assert validity.misread_candidates(None, ISSUED, date(2029, 7, 27)) == {
        "expiry_date": (date(2029, 5, 2), date(2029, 5, 1)),
        "issue_date": (date(2019, 7, 27), date(2019, 7, 28)),
    }
