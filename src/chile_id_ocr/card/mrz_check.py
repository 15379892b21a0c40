"""The TD1 zone's characters and its check digits (ICAO 9303), shared by the model and its repairs.

Check digits use the weights 7, 3, 1 over the character values (digits as
themselves, ``A``-``Z`` as 10-35, the filler ``<`` as 0):

>>> calc_check_digit("500104037")
'2'
>>> is_valid_check("010115", "8")
True

A TD1 zone has four: the document number's, the birth date's, the expiry date's and the
composite one over lines 1 and 2 (:func:`_checks`); the RUN sits in optional data 2
(:data:`_RUN_IN_OPTIONAL`).
"""

from __future__ import annotations

import re

LINE_LENGTH = 30
FILLER = "<"
_WEIGHTS = (7, 3, 1)
_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
_SYMBOLS = str.maketrans({"«": "<<", "‹": "<", "≤": "<", "(": "<", "{": "<", "[": "<", "〈": "<"})
_RUN_IN_OPTIONAL = re.compile(r"^(?P<body>[0-9]{7,8})<(?P<check>[0-9K])<*$")


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


def _composite(line1: str, line2: str) -> str:
    return line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]


def _checks(line1: str, line2: str) -> dict[str, bool]:
    return {
        "document_number": is_valid_check(line1[5:14], line1[14]),
        "birth": is_valid_check(line2[0:6], line2[6]),
        "expiry": is_valid_check(line2[8:14], line2[14]),
        "composite": is_valid_check(_composite(line1, line2), line2[29]),
    }
