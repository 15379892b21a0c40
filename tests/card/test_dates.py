"""Tests for chile_id_ocr.card.dates."""

from __future__ import annotations

import datetime

import pytest

from chile_id_ocr.card import dates
from chile_id_ocr.card.dates import CardDate


def test_months_mapping() -> None:
    assert len(dates.MONTHS) == 14
    assert dates.MONTHS["ENE"] == 1 and dates.MONTHS["DIC"] == 12
    assert dates.MONTHS["SEP"] == dates.MONTHS["SEPT"] == 9
    assert dates.MONTHS["MAY"] == dates.MONTHS["MAYO"] == 5
    with pytest.raises(TypeError):
        dates.MONTHS["XXX"] = 1  # type: ignore[index]


def test_card_date_properties() -> None:
    d = CardDate("21", "FEB", 1982)
    assert d.date == datetime.date(1982, 2, 21)
    assert d.iso == "1982-02-21"
    assert d.text == "21 FEB 1982"


@pytest.mark.parametrize(
    ("day", "label", "year"),
    [("31", "FEB", 2000), ("1", "XXX", 2000), ("1", "ENE", 1899), ("123", "ENE", 2000)],
)
def test_card_date_rejects_impossible_dates(day: str, label: str, year: int) -> None:
    with pytest.raises(ValueError):
        CardDate(day, label, year)


@pytest.mark.parametrize(
    ("text", "printed", "iso"),
    [
        ("21 FEB 1982", "21 FEB 1982", "1982-02-21"),
        ("1 SEP 2013", "1 SEP 2013", "2013-09-01"),
        ("01 DIC 1980", "01 DIC 1980", "1980-12-01"),
        ("9 SEPT 1984", "9 SEPT 1984", "1984-09-09"),
        ("15 MAYO 1988", "15 MAYO 1988", "1988-05-15"),
        ("08 MAYO 2025", "08 MAYO 2025", "2025-05-08"),
        ("14 MAY 2018", "14 MAY 2018", "2018-05-14"),
        ("01 SEPT 1999", "01 SEPT 1999", "1999-09-01"),
        ("15MAYO1988", "15 MAYO 1988", "1988-05-15"),
        ("21FEB1982", "21 FEB 1982", "1982-02-21"),
        ("1SEP2013", "1 SEP 2013", "2013-09-01"),
        ("10AGO2023", "10 AGO 2023", "2023-08-10"),
        ("9SEPT1984", "9 SEPT 1984", "1984-09-09"),
        ("21-FEB-1982", "21 FEB 1982", "1982-02-21"),
        ("21. FEB. 1982", "21 FEB 1982", "1982-02-21"),
        ("29 FEB 2000", "29 FEB 2000", "2000-02-29"),
        ("FECHA DE NACIMIENTO 21 FEB 1982", "21 FEB 1982", "1982-02-21"),
    ],
)
def test_parse_clean_readings(text: str, printed: str, iso: str) -> None:
    found = dates.parse_with_info(text)
    assert found is not None
    date, repaired = found
    assert (date.text, date.iso, repaired) == (printed, iso, False)


def test_parse_keeps_day_and_month_as_printed() -> None:
    assert dates.parse("01 DIC 1980") == CardDate("01", "DIC", 1980)
    assert dates.parse("1 DIC 1980") == CardDate("1", "DIC", 1980)
    assert dates.parse("9 SEPT 1984") == CardDate("9", "SEPT", 1984)
    assert dates.parse("9 SEP 1984") == CardDate("9", "SEP", 1984)


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("21 0CT 1999", "21 OCT 1999"),
        ("12 N0V 2O2O", "12 NOV 2020"),
        ("5 AG0 2OI9", "5 AGO 2019"),
        ("2l MAR 1999", "21 MAR 1999"),
        ("B DIC 2000", "8 DIC 2000"),
        ("1S SEP 2013", "15 SEP 2013"),
        ("Z2 ENE I9G5", "22 ENE 1965"),
        ("3O JUN 2025", "30 JUN 2025"),
        ("1 5EP 2013", "1 SEP 2013"),
        ("1 8EF 2013", None),  # 'BEF' is two edits from FEB
        ("15 FEV 1990", "15 FEB 1990"),  # fuzzy month
        ("15 SEPI 1990", "15 SEPT 1990"),  # fuzzy, same length as SEPT
        ("|21 FEB 1982.", "21 FEB 1982"),  # leading junk
        ("21 FEB 1982 l", "21 FEB 1982"),  # trailing junk
    ],
)
def test_parse_repairs(text: str, printed: str | None) -> None:
    found = dates.parse_with_info(text)
    if printed is None:
        assert found is None
    else:
        assert found is not None
        assert (found[0].text, found[1]) == (printed, True)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "31 FEB 2000",  # not a date: never '1 FEB' or '3 FEB'
        "29 FEB 2001",
        "31 ABR 2020",
        "1 ENE 1899",
        "1 ENE 2101",
        "1 XYZ 2000",
        "1 MA 2000",  # MAR or MAY
        "1 JU 2000",  # JUN or JUL
        "x31 FEB 2000",
        "21 FEB 82",
        "FEB 1982",
    ],
)
def test_parse_rejects(text: str) -> None:
    assert dates.parse(text) is None
    assert dates.parse_with_info(text) is None


def test_format_date() -> None:
    # What real cards print, the default.
    assert dates.format_date(datetime.date(2013, 9, 1)) == "01 SEPT 2013"
    assert dates.format_date(datetime.date(1975, 5, 8)) == "08 MAYO 1975"
    assert dates.format_date(datetime.date(2017, 7, 3)) == "03 JUL 2017"
    # The specimen's style.
    assert dates.format_date(datetime.date(2013, 9, 1), dates.SPECIMEN) == "1 SEP 2013"
    assert dates.format_date(datetime.date(1975, 5, 8), dates.SPECIMEN) == "8 MAY 1975"
    assert dates.format_date(datetime.date(1980, 12, 1), dates.DateStyle(mayo=False, sept=False)) == "01 DIC 1980"


STYLES = [dates.DateStyle(pad, mayo, sept) for pad in (False, True) for mayo in (False, True) for sept in (False, True)]


@pytest.mark.parametrize("style", STYLES, ids=str)
@pytest.mark.parametrize("month", range(1, 13))
def test_format_then_parse_round_trips(month: int, style: dates.DateStyle) -> None:
    """Every convention, printed then parsed, comes back exactly as printed: MAYO never becomes MAY."""
    d = datetime.date(1999, month, 8)
    printed = dates.format_date(d, style)
    found = dates.parse(printed)
    assert found is not None and found.date == d and found.text == printed


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("15 MAY0 1988", "15 MAYO 1988"),  # 0 for O: still MAYO
        ("15 MAYD 1988", "15 MAYO 1988"),  # fuzzy, same length as MAYO
        ("15 MAAY 1988", "15 MAY 1988"),  # fuzzy: one letter from MAY only
    ],
)
def test_parse_keeps_the_printed_month_length(text: str, printed: str) -> None:
    found = dates.parse(text)
    assert found is not None and found.text == printed
