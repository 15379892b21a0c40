"""The machine-readable zone of the card's back: ICAO 9303 TD1, three lines of 30 characters.

Chilean cards (2013 design) print::

    INCHL5001040372787<<<<<<<<<<<<    document code, state, document number + check, optional data 1
    0101158M3101159CHL41000297<3<8    birth + check, sex, expiry + check, nationality, RUN, composite check
    FERNANDEZ<ZAMBRANO<<ESTEBAN<FE    surnames << given names, truncated at 30 characters

How the check digits marked ``+ check`` above are computed, with examples, is in
:mod:`chile_id_ocr.card.mrz_check`.

:func:`parse` reads three OCR lines. It repairs the typical confusions of an OCR
engine only where the position tells what the card prints there (a letter where
only digits fit, a ``<`` filler read as ``K``, a shortened run of fillers), lets
the check digits choose among the plausible readings, and reports each check:

>>> mrz = parse(["INCHL5OO1O4O372787<<<<<<<<<", "0101158M3101159CHL41000297<3<8", "FERNANDEZ<ZAMBRANO<<ESTEBAN<FE"])
>>> mrz.lines[0]
'INCHL5001040372787<<<<<<<<<<<<'
>>> mrz.checks
{'document_number': True, 'birth': True, 'expiry': True, 'composite': True}
>>> mrz.run, mrz.surnames, mrz.given_names, mrz.given_names_truncated
('41000297-3', ('FERNANDEZ', 'ZAMBRANO'), ('ESTEBAN', 'FE'), True)

A check digit that fails is reported, not "fixed" by changing digits that were read
as digits (the official specimen fails three of its four checks):

>>> parse(["IDCHL1000000017<<<<<<<<<<<<<<<", "8302217F2308102CHL12749625<K<2",
...        "FREDEZ<VIDAL<<MARCELA<CAROLINA"]).checks
{'document_number': False, 'birth': False, 'expiry': True, 'composite': False}

The repairs are in :mod:`chile_id_ocr.card.mrz_repair`; this module keeps exporting
their names and those of :mod:`chile_id_ocr.card.mrz_check`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

# The check digits and the repairs moved to their own modules; every name this module had, private ones
# included, is still importable from it (``X as X``: re-exported).
from chile_id_ocr.card.mrz_check import _ALLOWED as _ALLOWED
from chile_id_ocr.card.mrz_check import (
    _RUN_IN_OPTIONAL,
    FILLER,
    LINE_LENGTH,
    _checks,
    calc_check_digit,
    char_value,
    is_valid_check,
    normalize_line,
)
from chile_id_ocr.card.mrz_check import _SYMBOLS as _SYMBOLS
from chile_id_ocr.card.mrz_check import _WEIGHTS as _WEIGHTS
from chile_id_ocr.card.mrz_check import _composite as _composite
from chile_id_ocr.card.mrz_repair import _FILLER_LOOKALIKES as _FILLER_LOOKALIKES
from chile_id_ocr.card.mrz_repair import _MAX_CHOICES as _MAX_CHOICES
from chile_id_ocr.card.mrz_repair import _RUN_START as _RUN_START
from chile_id_ocr.card.mrz_repair import _TO_DIGIT as _TO_DIGIT
from chile_id_ocr.card.mrz_repair import _TO_LETTER as _TO_LETTER
from chile_id_ocr.card.mrz_repair import _alphanumeric_choices as _alphanumeric_choices
from chile_id_ocr.card.mrz_repair import _digits as _digits
from chile_id_ocr.card.mrz_repair import _fillers as _fillers
from chile_id_ocr.card.mrz_repair import _fit_length as _fit_length
from chile_id_ocr.card.mrz_repair import _letters as _letters
from chile_id_ocr.card.mrz_repair import _line_1_choices, _line_2_choices, _line_3, _repairs, _score
from chile_id_ocr.card.mrz_repair import _line_2_variants as _line_2_variants
from chile_id_ocr.card.mrz_repair import _optional_1_choices as _optional_1_choices
from chile_id_ocr.card.mrz_repair import _optional_2_choices as _optional_2_choices
from chile_id_ocr.card.mrz_repair import _sex as _sex

__all__ = [
    "LINE_LENGTH",
    "Td1",
    "birth_date",
    "calc_check_digit",
    "char_value",
    "expiry_date",
    "is_valid_check",
    "normalize_line",
    "parse",
    "parse_date",
]


def parse_date(yymmdd: str, *, century_of: int) -> dt.date | None:
    """A ``YYMMDD`` date in the century starting ``century_of`` (1900 or 2000), None if impossible.

    >>> parse_date("830221", century_of=1900)
    datetime.date(1983, 2, 21)
    >>> parse_date("831321", century_of=1900) is None
    True
    """
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        return None
    try:
        return dt.date(century_of + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return None


def birth_date(yymmdd: str, today: dt.date) -> dt.date | None:
    """A birth date: a year that would lie in the future belongs to the previous century.

    >>> birth_date("010115", dt.date(2026, 1, 1))
    datetime.date(2001, 1, 15)
    >>> birth_date("300115", dt.date(2026, 1, 1))
    datetime.date(1930, 1, 15)
    """
    day = parse_date(yymmdd, century_of=2000)
    if day is not None and day > today:
        day = parse_date(yymmdd, century_of=1900)
    return day


def expiry_date(yymmdd: str) -> dt.date | None:
    """An expiry date: always 20xx.

    >>> expiry_date("310115")
    datetime.date(2031, 1, 15)
    """
    return parse_date(yymmdd, century_of=2000)


@dataclass(frozen=True)
class Td1:
    """A TD1 MRZ as parsed: its three (repaired) lines, their fields and the check results.

    ``checks`` holds the validity of the document number, birth, expiry and composite
    check digits; ``repairs`` says what was changed from the OCR reading to get ``lines``.
    """

    lines: tuple[str, str, str]
    checks: dict[str, bool]
    repairs: tuple[str, ...] = field(default=())

    @property
    def document_code(self) -> str:
        return self.lines[0][0:2]

    @property
    def issuing_state(self) -> str:
        return self.lines[0][2:5]

    @property
    def document_number(self) -> str:
        return self.lines[0][5:14].rstrip(FILLER)

    @property
    def optional_1(self) -> str:
        return self.lines[0][15:30].rstrip(FILLER)

    @property
    def birth(self) -> str:
        """``YYMMDD``"""
        return self.lines[1][0:6]

    @property
    def sex(self) -> str:
        """``M``, ``F`` or ``<`` (unspecified)."""
        return self.lines[1][7]

    @property
    def expiry(self) -> str:
        """``YYMMDD``"""
        return self.lines[1][8:14]

    @property
    def nationality(self) -> str:
        return self.lines[1][15:18]

    @property
    def optional_2(self) -> str:
        return self.lines[1][18:29]

    @property
    def run(self) -> str | None:
        """The RUN carried in optional data 2, ``'12749625-K'``; None when it is not there."""
        found = _RUN_IN_OPTIONAL.match(self.optional_2)
        return f"{found['body']}-{found['check']}" if found else None

    @property
    def surnames(self) -> tuple[str, ...]:
        primary, _, _ = self.lines[2].partition("<<")
        return _names(primary)

    @property
    def given_names(self) -> tuple[str, ...]:
        _, sep, secondary = self.lines[2].partition("<<")
        return _names(secondary) if sep else ()

    @property
    def given_names_truncated(self) -> bool:
        """The name line is full: the given names may have been cut at 30 characters."""
        return not self.lines[2].endswith(FILLER)

    @property
    def all_valid(self) -> bool:
        return all(self.checks.values())


def _names(part: str) -> tuple[str, ...]:
    return tuple(name for name in part.split(FILLER) if name)


def parse(lines: Sequence[str]) -> Td1 | None:
    """Parse three OCR lines as a TD1 MRZ; None when they cannot be one.

    Lines shorter than 20 characters after normalisation (or a line 2 without its 18
    fixed characters) are not a TD1 zone.

    >>> parse(["IDCHL1000000017<<<<<<<<<<<<<<<", "8302217F2308102CHL12749625<K2",
    ...        "FREDEZ<VIDAL<<MARCELA<CAROLINA"]).run
    '12749625-K'
    >>> parse(["P<CHLSMITH<<JOHN<<<<<<<<<<<<<<<<<<<<<<<<<<<<", "X", "Y"]) is None
    True
    """
    if len(lines) != 3:
        return None
    raw = [normalize_line(line) for line in lines]
    if min(len(line) for line in raw) < 20 or max(len(line) for line in raw) > LINE_LENGTH + 6:
        return None
    best: tuple[tuple[int, bool, bool, bool, int], str, str] | None = None
    for line1 in _line_1_choices(raw[0]):
        for line2 in _line_2_choices(raw[1]):
            key = _score(line1, line2, raw[0], raw[1])
            if best is None or key > best[0]:
                best = key, line1, line2
    assert best is not None
    _, line1, line2 = best
    line3 = _line_3(raw[2])
    if len(line1) != LINE_LENGTH or len(line2) != LINE_LENGTH:
        return None
    return Td1(lines=(line1, line2, line3), checks=_checks(line1, line2), repairs=_repairs(raw, (line1, line2, line3)))
