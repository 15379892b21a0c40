"""The machine-readable zone of the card's back: ICAO 9303 TD1, three lines of 30 characters.

Chilean cards (2013 design) print::

    INCHL5001040372787<<<<<<<<<<<<    document code, state, document number + check, optional data 1
    0101158M3101159CHL41000297<3<8    birth + check, sex, expiry + check, nationality, RUN, composite check
    FERNANDEZ<ZAMBRANO<<ESTEBAN<FE    surnames << given names, truncated at 30 characters

Check digits use the weights 7, 3, 1 over the character values (digits as
themselves, ``A``-``Z`` as 10-35, the filler ``<`` as 0):

>>> calc_check_digit("500104037")
'2'
>>> is_valid_check("010115", "8")
True

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
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from chile_id_ocr.card.text import DIGIT_CONFUSIONS, LETTER_CONFUSIONS

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

LINE_LENGTH = 30
FILLER = "<"
_WEIGHTS = (7, 3, 1)
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
#: Letters read where only a digit fits (upper case: the MRZ has no lower case).
_TO_DIGIT: dict[str, str] = {k: v for k, v in DIGIT_CONFUSIONS.items() if k.isupper()} | {"D": "0", "Q": "0"}
#: Digits read where only a letter fits.
_TO_LETTER: dict[str, str] = LETTER_CONFUSIONS | {"2": "Z", "6": "G"}
#: What the engine reads for the ``<`` filler (OCR-B's chevron).
_FILLER_LOOKALIKES = frozenset("KX")
_SYMBOLS = str.maketrans({"«": "<<", "‹": "<", "≤": "<", "(": "<", "{": "<", "[": "<", "〈": "<"})
_RUN_IN_OPTIONAL = re.compile(r"^(?P<body>[0-9]{7,8})<(?P<check>[0-9K])<*$")
_RUN_START = re.compile(r"^[0-9]{7,8}<[0-9K]")
# At most this many letter/digit choices are searched per field (2**n readings).
_MAX_CHOICES = 6


def char_value(c: str) -> int:
    """The value of one MRZ character in a check digit.

    >>> [char_value(c) for c in "09AZ<"]
    [0, 9, 10, 35, 0]
    """
    if c.isdigit():
        return int(c)
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + 10
    if c == FILLER:
        return 0
    raise ValueError(f"not an MRZ character: {c!r}")


def calc_check_digit(data: str) -> str:
    """The ICAO 9303 check digit of ``data`` (weights 7, 3, 1).

    >>> calc_check_digit("830221")
    '6'
    >>> calc_check_digit("L898902C3")
    '6'
    """
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)


def is_valid_check(data: str, check: str) -> bool:
    """Whether ``check`` is the check digit of ``data`` (a non-MRZ character never is).

    >>> is_valid_check("100000001", "7")
    False
    >>> is_valid_check("1<0", "")
    False
    """
    try:
        return len(check) == 1 and check.isdigit() and calc_check_digit(data) == check
    except ValueError:
        return False


def normalize_line(text: str) -> str:
    """An OCR reading as MRZ characters: upper case, look-alike chevrons as ``<``, no spaces.

    >>> normalize_line(" idchl1000000017 «<<‹ ")
    'IDCHL1000000017<<<<<'
    """
    text = text.upper().translate(_SYMBOLS)
    return "".join(c for c in text if c in _ALLOWED)


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


# ---------------------------------------------------------------------------------------------
# Repair: each line is brought to 30 characters and each position to its kind of character;
# where a character may be either (a letter or a digit in the document number, a filler or a K in
# the optional data), every reading is kept and the check digits choose.


def _fit_length(line: str, length: int = LINE_LENGTH) -> str:
    """Lengthen or shorten the line's runs of fillers (the trailing one first) to ``length``.

    >>> _fit_length("IDCHL1000000017<<<<<<<<<<")
    'IDCHL1000000017<<<<<<<<<<<<<<<'
    >>> _fit_length("AB<<<<<C<<" + "<" * 25)
    'AB<<<<<C<<<<<<<<<<<<<<<<<<<<<<'
    """
    if len(line) < length:
        if line.endswith(FILLER) or FILLER not in line:
            return line + FILLER * (length - len(line))
        runs = list(re.finditer(r"<{2,}", line))
        if runs:
            longest = max(runs, key=lambda m: m.end() - m.start())
            return line[: longest.end()] + FILLER * (length - len(line)) + line[longest.end() :]
        return line + FILLER * (length - len(line))
    while len(line) > length:
        runs = list(re.finditer(r"<{2,}", line))
        if not runs:
            return line[:length]
        trailing = runs[-1] if runs[-1].end() == len(line) else None
        run = trailing or max(runs, key=lambda m: m.end() - m.start())
        line = line[: run.start()] + line[run.start() + 1 :]
    return line


def _fillers(text: str) -> str:
    """A ``K`` or ``X`` between fillers (or between a filler and the end) is a filler.

    >>> _fillers("787<<<K<<X")
    '787<<<<<<<'
    >>> _fillers("MAX<<ALEX")
    'MAX<<ALEX'
    """
    chars = list(text)
    changed = True
    while changed:
        changed = False
        for i, c in enumerate(chars):
            if c not in _FILLER_LOOKALIKES:
                continue
            left = chars[i - 1] if i > 0 else FILLER
            right = chars[i + 1] if i + 1 < len(chars) else FILLER
            if left == FILLER and right == FILLER and (i > 0 or i + 1 < len(chars)):
                chars[i] = FILLER
                changed = True
    return "".join(chars)


def _digits(text: str) -> str:
    return "".join(_TO_DIGIT.get(c, c) for c in text)


def _letters(text: str) -> str:
    return "".join(_TO_LETTER.get(c, c) for c in text)


def _alphanumeric_choices(text: str) -> list[str]:
    """Readings of an alphanumeric field whose letters may be misread digits (all digits first).

    >>> _alphanumeric_choices("5OO1")
    ['5001', '50O1', '5O01', '5OO1']
    """
    positions = [i for i, c in enumerate(text) if c in _TO_DIGIT][:_MAX_CHOICES]
    out = []
    for mapped in itertools.product((True, False), repeat=len(positions)):
        chars = list(text)
        for i, m in zip(positions, mapped, strict=True):
            if m:
                chars[i] = _TO_DIGIT[chars[i]]
        out.append("".join(chars))
    return out


def _optional_2_choices(text: str) -> list[str]:
    """Optional data 2 (the RUN, ``12749625<K<``) as read, with each ``K`` or ``X`` taken for a
    filler, and with whatever follows a RUN's check digit taken for fillers (only fillers follow
    it on the card; a blurred chevron reads as a digit).

    >>> _optional_2_choices("41000297K3<")
    ['41000297K3<', '41000297<3<']
    >>> _optional_2_choices("16156551<24")
    ['16156551<24', '16156551<2<']
    """
    out = [text]
    for i, c in enumerate(text):
        if c in _FILLER_LOOKALIKES:
            out.append(text[:i] + FILLER + text[i + 1 :])
    for choice in list(out):
        run = _RUN_START.match(choice)
        if run is not None and choice[run.end() :].strip(FILLER):
            out.append(choice[: run.end()] + FILLER * (len(choice) - run.end()))
    return out


def _line_2_variants(line: str) -> list[str]:
    """Line 2 at 30 characters: the fixed fields first, the RUN's fillers absorbing a length error."""
    if len(line) == LINE_LENGTH:
        return [line]
    head, middle, last = line[:18], line[18:-1], line[-1:]
    middle = _fit_length(middle, 11)
    return [head + middle + last] if len(head) == 18 else [_fit_length(line)]


def _composite(line1: str, line2: str) -> str:
    return line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]


def _checks(line1: str, line2: str) -> dict[str, bool]:
    return {
        "document_number": is_valid_check(line1[5:14], line1[14]),
        "birth": is_valid_check(line2[0:6], line2[6]),
        "expiry": is_valid_check(line2[8:14], line2[14]),
        "composite": is_valid_check(_composite(line1, line2), line2[29]),
    }


def _line_1_choices(raw: str) -> list[str]:
    line = _fit_length(raw)
    head = _letters(line[0:5])
    check = _digits(line[14])
    tails = _optional_1_choices(_fillers(line[15:30]))
    return [head + number + check + tail for number in _alphanumeric_choices(line[5:14]) for tail in tails]


def _optional_1_choices(text: str) -> list[str]:
    """Optional data 1 as read, and with whatever follows its padding taken for fillers (the data
    is left-aligned: a character after a run of fillers is a misread one).

    >>> _optional_1_choices("787<<<<<<<<<<<6")
    ['787<<<<<<<<<<<6', '787<<<<<<<<<<<<']
    >>> _optional_1_choices("<<<<<<<<<<<<<<<")
    ['<<<<<<<<<<<<<<<']
    """
    padding = text.find(FILLER * 2)
    if padding < 0 or not text[padding:].strip(FILLER):
        return [text]
    return [text, text[:padding] + FILLER * (len(text) - padding)]


def _line_2_choices(raw: str) -> list[str]:
    out = []
    for line in _line_2_variants(raw):
        fixed = _digits(line[0:7]) + _sex(line[7]) + _digits(line[8:15]) + _letters(line[15:18])
        for optional in _optional_2_choices(line[18:29]):
            out.append(fixed + optional + _digits(line[29]))
    return out


def _sex(c: str) -> str:
    return {"H": "M", "N": "M", "E": "F", "P": "F", "K": FILLER, "X": FILLER}.get(c, c)


def _line_3(raw: str) -> str:
    line = _fit_length(raw)
    kept = len(line.rstrip(FILLER))
    return _letters(line[:kept]) + _fillers(line[kept:]) if kept < len(line) else _letters(line)


def _score(line1: str, line2: str, raw1: str, raw2: str) -> tuple[int, bool, bool, int]:
    """Rank a reading: passing checks, a RUN in its place, an all-digit document number, fewest changes."""
    changes = sum(a != b for a, b in zip(line1 + line2, _fit_length(raw1) + raw2, strict=False))
    run_ok = _RUN_IN_OPTIONAL.match(line2[18:29]) is not None
    return sum(_checks(line1, line2).values()), run_ok, line1[5:14].isdigit(), -changes


def _repairs(raw: Sequence[str], lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(
        f"line {i + 1}: {r!r} read as {ln!r}" for i, (r, ln) in enumerate(zip(raw, lines, strict=True)) if r != ln
    )


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
    best: tuple[tuple[int, bool, bool, int], str, str] | None = None
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
