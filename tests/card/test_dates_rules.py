"""The rules by which a card date is read back (``card/dates.py``), each at its edge: the years a
card may print, how far a month may be misread, what a repair costs against a space in the
wrong place, and which styles a date may be printed in given another date of the same card."""

from __future__ import annotations

import datetime

import pytest

from chile_id_ocr.card import dates
from chile_id_ocr.card.dates import CardDate


def _read(text: str) -> tuple[str, bool] | None:
    found = dates.parse_with_info(text)
    return None if found is None else (found[0].text, found[1])


# ----------------------------------------------------------------------------------------- years


@pytest.mark.parametrize(("text", "read"), [("01 ENE 1900", "01 ENE 1900"), ("31 DIC 2100", "31 DIC 2100")])
def test_the_first_and_last_years_are_read(text: str, read: str) -> None:
    assert _read(text) == (read, False)
    assert CardDate.from_date(dates.parse(text).date).text == read  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ["31 DIC 1899", "01 ENE 2101"])
def test_a_year_outside_1900_to_2100_is_no_card_date(text: str) -> None:
    assert dates.parse(text) is None
    day, label, year = text.split()
    with pytest.raises(ValueError, match=r"year out of range 1900\.\.2100"):
        CardDate(day, label, int(year))


def test_a_day_is_one_or_two_digits() -> None:
    """``001`` would be a valid day once made a number: it is refused as printed."""
    with pytest.raises(ValueError, match="one or two digits"):
        CardDate("001", "ENE", 2000)


# ---------------------------------------------------------------------------------------- months


def test_a_month_one_edit_away_is_matched_two_edits_away_is_not() -> None:
    assert _read("01 DIX 1980") == ("01 DIC 1980", True)
    assert dates.parse("01 DXX 1980") is None
    assert dates.parse("01 XXC 1980") is None


def test_a_month_of_five_letters_one_edit_from_a_label_is_matched() -> None:
    assert _read("9 SEPTI 1984") == ("9 SEPT 1984", True)


# ------------------------------------------------------------------ repairs against misplaced spaces
# A digit mapped from a letter, a month one edit away (a three- or four-letter one) and a junk
# character dropped cost one repair each; a two-letter month (a letter lost) costs two; a field
# that straddles a space costs two more. The cheapest reading wins, a tie goes to the two-digit day.


def test_a_month_that_lost_a_letter_beside_a_misread_day() -> None:
    """``3O EP``: day 30 (O read for 0) and SEP without its S (three repairs) beats day 3 and
    the month 'OEP' across the space (one repair and a straddle, three too): the two-digit day."""
    assert _read("3O EP 1999") == ("30 SEP 1999", True)


def test_a_letter_on_the_wrong_side_of_a_space_is_no_repair() -> None:
    """``1S EP``: day 1 and SEP across the space (a straddle, two) beats day 15 (S read for 5)
    and SEP without its S (three)."""
    assert _read("1S EP 2013") == ("1 SEP 2013", False)


def test_a_two_letter_month_beats_a_straddling_one() -> None:
    """``15 EP``: day 15 and SEP without its S (two) beats day 1 and '5EP' read as SEP across
    the space (one repair and a straddle: three)."""
    assert _read("15 EP 2100") == ("15 SEP 2100", True)
    assert _read("FECHA DE EMISION 15 EP 2100") == ("15 SEP 2100", True)  # the same, found inside a label


def test_a_three_letter_month_one_edit_away_costs_one_repair() -> None:
    """``15EPT``: day 15 and SEPT without its S (one) ties with day 1 and '5EPT' read as SEPT
    (one): the two-digit day."""
    assert _read("15EPT 1999") == ("15 SEPT 1999", True)


def test_junk_before_the_day_is_dropped_and_the_space_after_it_is_no_straddle() -> None:
    assert _read("I 5 SEP 2013") == ("5 SEP 2013", True)


def test_a_space_inside_the_month_is_no_repair() -> None:
    assert _read("1 SE P 2013") == ("1 SEP 2013", False)


def test_the_space_before_the_year_is_no_straddle() -> None:
    """Two dates on one line (the issue and expiry dates side by side): the first is read,
    whether or not the second lost its space."""
    assert _read("14 OCT 2020 15 ENE2031") == ("14 OCT 2020", False)
    assert _read("14 OCT2020 15 ENE 2031") == ("14 OCT 2020", False)


# ----------------------------------------------------------------------------- printed forms


def test_a_day_below_ten_may_be_printed_padded_or_not() -> None:
    assert dates.printed_forms(datetime.date(2021, 7, 9)) == ["9 JUL 2021", "09 JUL 2021"]
    assert dates.printed_forms(datetime.date(2021, 7, 10)) == ["10 JUL 2021"]


def test_a_date_of_the_same_card_tells_the_padding_only_when_its_day_is_below_ten() -> None:
    day_3 = datetime.date(2021, 5, 3)
    assert dates.printed_forms(day_3, like=CardDate("9", "SEP", 1999)) == ["3 MAY 2021", "3 MAYO 2021"]
    assert dates.printed_forms(day_3, like=CardDate("09", "SEP", 1999)) == ["03 MAY 2021", "03 MAYO 2021"]
    # A day of 10 or more is printed the same either way: it tells nothing.
    assert dates.printed_forms(day_3, like=CardDate("10", "MAYO", 1988)) == ["3 MAYO 2021", "03 MAYO 2021"]
