"""When a card expires, given its holder's birth date and its issue date.

A card is issued for a whole number of years. It expires either on the holder's
birthday once that period has run (the physical test card in ``shared/real``: born
15 ENE 2001, issued 14 OCT 2020, expires 15 ENE 2031), or on the anniversary of its
issue, or on the day before. A blur that turns one digit of a date into another
breaks that pattern: these functions say whether three dates follow it and which
dates each line could have been misread from if they do not. They never decide on
their own: the reader weighs each such date against the line's image
(``read/front.py``). The official specimen follows none of the patterns, on purpose.

>>> born, issued = date(2001, 1, 15), date(2020, 10, 14)
>>> follows_pattern(born, issued, date(2031, 1, 15)), follows_pattern(born, issued, date(2031, 1, 25))
(True, False)
>>> [d.isoformat() for d in usual_expiries(born, issued, 2031)]
['2031-01-15', '2031-10-14', '2031-10-13']
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["MAX_VALIDITY_YEARS", "follows_pattern", "misread_candidates", "usual_expiries"]

#: The longest validity a card is issued for (ten years, a birthday after the tenth anniversary).
MAX_VALIDITY_YEARS = 11


def _in_year(day: date, year: int) -> date | None:
    """``day``'s day and month in ``year``; None for 29 February in a common year."""
    try:
        return day.replace(year=year)
    except ValueError:
        return None


def usual_expiries(birth: date | None, issue: date | None, year: int) -> tuple[date, ...]:
    """The days of ``year`` a card of this holder and issue usually expires on: the holder's
    birthday, the issue's anniversary and the day before it (those that the known dates give).

    >>> usual_expiries(None, date(2016, 3, 1), 2026)
    (datetime.date(2026, 3, 1), datetime.date(2026, 2, 28))
    """
    days: list[date] = []
    if birth is not None and (birthday := _in_year(birth, year)) is not None:
        days.append(birthday)
    if issue is not None and (anniversary := _in_year(issue, year)) is not None:
        days += [anniversary, anniversary - timedelta(days=1)]
    return tuple(dict.fromkeys(days))


def follows_pattern(birth: date | None, issue: date | None, expiry: date) -> bool:
    """Whether ``expiry`` falls on one of the usual days (``usual_expiries``) and, when the issue
    is known, at most ``MAX_VALIDITY_YEARS`` after it.

    >>> follows_pattern(None, date(2016, 3, 1), date(2026, 2, 28))
    True
    >>> follows_pattern(None, date(2016, 3, 1), date(2066, 3, 1))
    False
    """
    if issue is not None and not 0 < expiry.year - issue.year <= MAX_VALIDITY_YEARS:
        return False
    return expiry in usual_expiries(birth, issue, expiry.year)


def misread_candidates(birth: date | None, issue: date | None, expiry: date | None) -> dict[str, tuple[date, ...]]:
    """For each date line, the dates it could have been misread from that would make the card's
    dates follow the pattern (``follows_pattern``); empty when they already do, or when too
    few are known to tell.

    The expiry may be any usual day of its own year (or, when its year is out of reach
    of the issue, of any year within reach); the birth date may have the expiry's day and
    month in its own year; the issue date the expiry's day and month, or the day after
    them, in its own year (or, when it was not read, in any year in reach of the expiry).

    >>> found = misread_candidates(date(1980, 7, 17), date(2019, 5, 2), date(2029, 7, 27))
    >>> for line, days in found.items():
    ...     print(line, *(d.isoformat() for d in days))
    expiry_date 2029-07-17 2029-05-02 2029-05-01
    birth 1980-07-27
    issue_date 2019-07-27 2019-07-28
    >>> misread_candidates(date(1980, 7, 17), date(2019, 5, 2), date(2029, 7, 17))
    {}
    """
    if expiry is not None and follows_pattern(birth, issue, expiry):
        return {}
    reach = [] if issue is None else list(range(issue.year + 1, issue.year + MAX_VALIDITY_YEARS + 1))
    years = [expiry.year] if expiry is not None and (issue is None or expiry.year in reach) else reach
    expiries = [day for year in years for day in usual_expiries(birth, issue, year)]
    if expiry is not None and expiry.year not in years:  # the year alone misread
        expiries += [day for year in years if (day := _in_year(expiry, year)) is not None]
    found = {"expiry_date": tuple(dict.fromkeys(day for day in expiries if day != expiry))}
    if expiry is not None and birth is not None and (day := _in_year(expiry, birth.year)) is not None:
        found["birth"] = (day,)
    if expiry is not None:  # the issue's anniversary, or the day after the expiry (in reach when not read)
        issue_years = [issue.year] if issue is not None else range(expiry.year - MAX_VALIDITY_YEARS, expiry.year)
        found["issue_date"] = tuple(
            after for year in issue_years if (day := _in_year(expiry, year)) for after in (day, day + timedelta(days=1))
        )
    return {line: days for line, days in found.items() if days}
