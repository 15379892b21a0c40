"""Dates as printed on the card: ``08 MAYO 1975``, ``01 SEPT 1999``, ``1 SEP 2013``.

The card prints the day, a Spanish month abbreviation in capitals and a four-digit
year. Real 2013-design cards pad the day to two digits and print May as ``MAYO`` and
September as ``SEPT`` (``REAL``); the official specimen, a digital render, prints
``1 SEP 2013`` (``SPECIMEN``). :func:`parse` reads any of these back from an OCR
string, repairing what the engine commonly gets wrong, and keeps the printed form so
that it can be returned unchanged: ``MAYO`` stays ``MAYO``, ``MAY`` stays ``MAY``.

>>> d = parse("21FEB1982")
>>> d.iso, d.text
('1982-02-21', '21 FEB 1982')
>>> parse("9 SEPT 1984").text
'9 SEPT 1984'
>>> parse("15 MAYO 1988").text, parse("15 MAY 1988").text
('15 MAYO 1988', '15 MAY 1988')
>>> parse("01 DIC 198O").text
'01 DIC 1980'
>>> parse("31 FEB 2000") is None
True
>>> format_date(datetime.date(2013, 9, 1))
'01 SEPT 2013'
>>> format_date(datetime.date(2013, 9, 1), SPECIMEN)
'1 SEP 2013'
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from chile_id_ocr.card.text import DIGIT_CONFUSIONS, edit_distance, to_digits, to_letters

__all__ = [
    "MAX_YEAR", "MIN_YEAR", "MONTHS", "REAL", "SPECIMEN",
    "CardDate", "DateStyle", "format_date", "other_label", "padded_like", "parse", "parse_with_info", "printed_forms",
]  # fmt: skip

_LABELS: tuple[str, ...] = (
    *("ENE", "FEB", "MAR", "ABR", "MAY", "JUN"),
    *("JUL", "AGO", "SEP", "OCT", "NOV", "DIC"),
)

# The longer labels real cards print for May and September.
_LONG_LABELS: Mapping[int, str] = MappingProxyType({5: "MAYO", 9: "SEPT"})

#: Month labels as printed on the card, to month numbers (``MAYO`` and ``MAY`` are both 5,
#: ``SEPT`` and ``SEP`` both 9).
MONTHS: Mapping[str, int] = MappingProxyType(
    {**{lbl: i for i, lbl in enumerate(_LABELS, 1)}, **{lbl: i for i, lbl in _LONG_LABELS.items()}}
)

MIN_YEAR = 1900
MAX_YEAR = 2100

_DAY = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")
_DIGITISH = "0-9" + "".join(re.escape(c) for c in DIGIT_CONFUSIONS)
# A date inside a longer string (a field label in front, for instance).
_EMBEDDED = re.compile(
    rf"(?<![0-9])[{_DIGITISH}]{{1,2}}[^0-9A-Za-z|]{{0,2}}[A-Za-z0158]{{2,4}}[^0-9A-Za-z|]{{0,2}}[{_DIGITISH}]{{4}}"
)


@dataclass(frozen=True)
class DateStyle:
    """How a card prints its dates: the day padded to two digits or not, May as ``MAYO`` or
    ``MAY``, September as ``SEPT`` or ``SEP``.

    >>> REAL.label(5), REAL.label(9), REAL.day(8)
    ('MAYO', 'SEPT', '08')
    >>> SPECIMEN.label(5), SPECIMEN.label(9), SPECIMEN.day(8)
    ('MAY', 'SEP', '8')
    """

    zero_pad: bool = True
    mayo: bool = True
    sept: bool = True

    def label(self, month: int) -> str:
        """The month's label in this style."""
        long = (month == 5 and self.mayo) or (month == 9 and self.sept)
        return _LONG_LABELS[month] if long else _LABELS[month - 1]

    def day(self, day: int) -> str:
        return f"{day:02d}" if self.zero_pad else str(day)


#: What real 2013-design cards print: ``08 MAYO 1975``, ``01 SEPT 1999``, ``03 JUL 2017``.
REAL = DateStyle()
#: The official specimen's style, a digital render: ``1 SEP 2013``.
SPECIMEN = DateStyle(zero_pad=False, mayo=False, sept=False)


@dataclass(frozen=True)
class CardDate:
    """A date in its printed form.

    >>> CardDate("01", "DIC", 1980).date
    datetime.date(1980, 12, 1)
    >>> CardDate("1", "SEPT", 2013).iso
    '2013-09-01'
    >>> CardDate("31", "FEB", 2000)
    Traceback (most recent call last):
        ...
    ValueError: day is out of range for month
    """

    day_text: str
    month_label: str
    year: int

    def __post_init__(self) -> None:
        if not _DAY.fullmatch(self.day_text):
            raise ValueError(f"day must be one or two digits: {self.day_text!r}")
        if self.month_label not in MONTHS:
            raise ValueError(f"unknown month label: {self.month_label!r}")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year out of range {MIN_YEAR}..{MAX_YEAR}: {self.year}")
        datetime.date(self.year, MONTHS[self.month_label], int(self.day_text))

    @classmethod
    def from_date(cls, d: datetime.date, style: DateStyle = REAL) -> CardDate:
        """Build the printed form of ``d`` in ``style``.

        >>> CardDate.from_date(datetime.date(1984, 9, 9)).text
        '09 SEPT 1984'
        >>> CardDate.from_date(datetime.date(1984, 5, 9), DateStyle(zero_pad=False)).text
        '9 MAYO 1984'
        """
        return cls(style.day(d.day), style.label(d.month), d.year)

    @property
    def date(self) -> datetime.date:
        return datetime.date(self.year, MONTHS[self.month_label], int(self.day_text))

    @property
    def iso(self) -> str:
        return self.date.isoformat()

    @property
    def text(self) -> str:
        """The date as printed: ``'01 DIC 1980'``, ``'9 SEPT 1984'``."""
        return f"{self.day_text} {self.month_label} {self.year:04d}"


def format_date(d: datetime.date, style: DateStyle = REAL) -> str:
    """Print ``d`` the way a card of ``style`` does (real cards' style unless told).

    >>> format_date(datetime.date(1975, 5, 8))
    '08 MAYO 1975'
    >>> format_date(datetime.date(1984, 9, 9), DateStyle(zero_pad=False))
    '9 SEPT 1984'
    """
    return CardDate.from_date(d, style).text


def printed_forms(d: datetime.date, like: CardDate | None = None) -> list[str]:
    """Every way a card may print ``d``: in the style that the date ``like`` from the same
    card shows (its padding when its day is below 10, its label when its month is May or
    September), every style otherwise.

    >>> printed_forms(datetime.date(2021, 5, 3))
    ['3 MAY 2021', '3 MAYO 2021', '03 MAY 2021', '03 MAYO 2021']
    >>> printed_forms(datetime.date(2021, 5, 3), like=CardDate("01", "SEPT", 1999))
    ['03 MAY 2021', '03 MAYO 2021']
    >>> printed_forms(datetime.date(2021, 5, 13), like=CardDate("15", "MAYO", 1988))
    ['13 MAYO 2021']
    """
    pads = [False, True] if d.day < 10 else [True]
    longs = [False, True] if d.month in _LONG_LABELS else [True]
    if like is not None and like.date.day < 10:
        pads = [len(like.day_text) == 2]
    if like is not None and like.date.month == d.month and d.month in _LONG_LABELS:
        longs = [like.month_label == _LONG_LABELS[d.month]]
    forms = (CardDate.from_date(d, DateStyle(pad, long, long)) for pad in pads for long in longs)
    return list(dict.fromkeys(form.text for form in forms))


def other_label(d: CardDate) -> CardDate | None:
    """``d`` with the other label its month is printed with (``SEP`` for ``SEPT``, ``MAYO`` for
    ``MAY``...); None for the months that have one label.

    >>> other_label(CardDate("14", "SEPT", 2004)).text, other_label(CardDate("3", "MAY", 2021)).text
    ('14 SEP 2004', '3 MAYO 2021')
    >>> other_label(CardDate("14", "OCT", 2004)) is None
    True
    """
    month = MONTHS[d.month_label]
    if month not in _LONG_LABELS:
        return None
    long = d.month_label == _LONG_LABELS[month]
    return CardDate(d.day_text, _LABELS[month - 1] if long else _LONG_LABELS[month], d.year)


def padded_like(d: CardDate, others: Iterable[CardDate]) -> CardDate | None:
    """``d`` with its day padded to two digits where it prints a day below 10 with one digit and
    another date of the same card pads such a day (a card prints all its dates in one style: a blur
    or a glare took the 0 off); None where the card's dates agree.

    >>> padded_like(CardDate("7", "FEB", 1962), [CardDate("07", "FEB", 2035)]).text
    '07 FEB 1962'
    >>> padded_like(CardDate("7", "FEB", 1962), [CardDate("16", "ABR", 2024), CardDate("7", "FEB", 2035)]) is None
    True
    >>> padded_like(CardDate("07", "FEB", 1962), [CardDate("1", "SEP", 2013)]) is None
    True
    """
    if len(d.day_text) != 1 or not any(o.date.day < 10 and len(o.day_text) == 2 for o in others):
        return None
    return CardDate(f"0{d.day_text}", d.month_label, d.year)


def _month(token: str) -> tuple[str, int] | None:
    """The month label a token stands for and the cost of getting there."""
    letters, mapped = to_letters(token.upper())
    if letters in MONTHS:
        return letters, mapped
    if mapped or not re.fullmatch("[A-Z]+", letters):
        # Fuzzy matching a token with digits in it would turn '31 FEB' into '3 FEB' (via '1FEB').
        return None
    scored = sorted((edit_distance(letters, lbl), lbl) for lbl in MONTHS)
    best = [lbl for dist, lbl in scored if dist == scored[0][0]]
    if scored[0][0] > 1 or len({MONTHS[lbl] for lbl in best}) != 1:
        return None
    # SEP and SEPT tie for a token such as 'SEPI': keep the one of the same length.
    same_length = [lbl for lbl in best if len(lbl) == len(letters)]
    label = (same_length or best)[0]
    return label, mapped + (1 if len(letters) >= 3 else 2)


def _candidates(text: str) -> Iterator[tuple[int, int, CardDate]]:
    """Every reading of ``text`` as day, month, year, with its cost and its repair count.

    Stray punctuation and spaces are free; a confusion mapped, a fuzzy month and
    a junk character (not a digit) dropped at either end each count as a repair; a field
    that straddles a space or punctuation mark costs extra.
    """
    chars: list[str] = []
    breaks: set[int] = set()
    for c in unicodedata.normalize("NFC", text):
        if (c.isascii() and c.isalnum()) or c in DIGIT_CONFUSIONS:
            chars.append(c)
        else:
            breaks.add(len(chars))
    s = "".join(chars)
    # A junk character is never a digit: dropping one would change the date ('31 FEB' is not '1 FEB').
    leads = (0, 1) if s[:1] and s[0] not in "0123456789" else (0,)
    trails = (0, 1) if s[-1:] and s[-1] not in "0123456789" else (0,)
    for lead in leads:
        for trail in trails:
            for day_len in (2, 1):
                m0 = lead + day_len
                y0 = len(s) - trail - 4
                if not 2 <= y0 - m0 <= 5:
                    continue
                day, day_fixes = to_digits(s[lead:m0])
                year, year_fixes = to_digits(s[y0 : y0 + 4])
                month = _month(s[m0:y0])
                if month is None or not _YEAR.fullmatch(year):
                    continue
                try:
                    found = CardDate(day, month[0], int(year))
                except ValueError:
                    continue
                straddled = sum(lead < p < m0 or m0 < p < y0 or y0 < p < y0 + 4 for p in breaks)
                repairs = day_fixes + year_fixes + month[1] + lead + trail
                yield repairs + 2 * straddled, repairs, found


def parse_with_info(text: str) -> tuple[CardDate, bool] | None:
    """Read a card date and say whether it needed repairs.

    The flag is true when a confusion was mapped (O->0, I/l->1, S->5, B->8,
    Z->2, G->6 in the day and year; 0->O, 1->I, 5->S, 8->B in the month), the
    month was matched at edit distance 1, or a junk character was dropped.
    Missing spaces and stray punctuation are not repairs.

    >>> parse_with_info("10AGO2023")
    (CardDate(day_text='10', month_label='AGO', year=2023), False)
    >>> parse_with_info("1O AG0 2023")
    (CardDate(day_text='10', month_label='AGO', year=2023), True)
    >>> parse_with_info("FECHA DE EMISION 1 SEP 2013")[0].text
    '1 SEP 2013'
    """
    best = min(_candidates(text), key=lambda c: c[0], default=None)
    if best is None:
        # A date inside a longer string: the cheapest reading of any window that looks like one.
        windows = (_EMBEDDED.match(text, start) for start in range(len(text)))
        readings = (c for w in windows if w for c in _candidates(w.group()))
        best = min(readings, key=lambda c: c[0], default=None)
    if best is None:
        return None
    return best[2], best[1] > 0


def parse(text: str) -> CardDate | None:
    """Read a card date from OCR text; ``None`` when it is not a real date.

    >>> parse("1SEP2013").text
    '1 SEP 2013'
    >>> parse("N0V 2O13") is None
    True
    """
    found = parse_with_info(text)
    return found[0] if found else None
