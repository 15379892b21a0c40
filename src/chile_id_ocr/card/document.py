"""Document (serial) number of the card.

Cards issued from 2013 to 2024 print nine digits, with or without thousands
dots (``500.104.037``, ``100000001``); cards issued from December 2024 print
nine letters and digits starting with a letter (``B5F089055``). The number
has no check digit.

>>> compact("500.104.037")
'500104037'
>>> kind("500.104.037"), kind("B5F089055"), kind("12345")
('2013', '2024', None)
>>> parse("N° DOCUMENTO 5OO.1O4.O37")
DocumentParse(value='500104037', kind='2013', repaired=True)
>>> parse("B5F089055")
DocumentParse(value='B5F089055', kind='2024', repaired=False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from stdnum.util import isdigits

from chile_id_ocr.card.text import to_digits

__all__ = ["DocumentParse", "Kind", "compact", "format", "is_valid", "kind", "parse"]

Kind = Literal["2013", "2024"]

_ALNUM = "0-9A-Za-z|"
_SEP = r"(?:\s?[.,·]\s?|\s)"
# Three groups of three: a 2013 number printed with dots (or read with spaces). Zero-width, so that
# 'DOC 5OO 1O4 O37' yields '5OO 1O4 O37' too.
_GROUPED = re.compile(
    rf"(?<![{_ALNUM}])(?=([{_ALNUM}]{{3}}){_SEP}([{_ALNUM}]{{3}}){_SEP}([{_ALNUM}]{{3}})(?![{_ALNUM}]))"
)
_TOKEN = re.compile(rf"(?<![{_ALNUM}])[{_ALNUM}]{{9}}(?![{_ALNUM}])")
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")
_ALNUM_2024 = re.compile(r"[A-Z][A-Z0-9]{8}")
# Most look-alike letters mapped to digits for a reading still to count as a 2013 number.
_MAX_FIXES = 4
# Look-alikes that are never part of a 2024 number (capitals and digits only).
_NEVER_2024 = "l|"


@dataclass(frozen=True)
class DocumentParse:
    """A document number read from OCR text: ``value`` without dots, its ``kind``,
    and whether look-alike letters had to be mapped to digits (``repaired``)."""

    value: str
    kind: Kind
    repaired: bool

    @property
    def formatted(self) -> str:
        """``'500.104.037'`` for the 2013 format, the value itself for the 2024 one."""
        return format(self.value)


def compact(number: str) -> str:
    """Remove dots and spaces and upper-case.

    >>> compact(" b5f 089 055 ")
    'B5F089055'
    """
    return re.sub(r"[\s.]", "", number).upper()


def kind(number: str) -> Kind | None:
    """The format of a document number: ``'2013'`` (nine digits), ``'2024'``
    (nine letters and digits starting with a letter, at least one digit) or
    ``None`` when it is neither.

    >>> kind("100000001")
    '2013'
    >>> kind("DOCUMENTO") is None
    True
    """
    value = compact(number)
    if len(value) == 9 and isdigits(value):
        return "2013"
    if _ALNUM_2024.fullmatch(value) and any(c.isdigit() for c in value):
        return "2024"
    return None


def is_valid(number: str) -> bool:
    """Whether ``number`` is a document number of either format.

    >>> is_valid("500.104.037"), is_valid("50010403"), is_valid("B5F08905!")
    (True, False, False)
    """
    return kind(number) is not None


def format(number: str) -> str:
    """Print a document number: dotted for the 2013 format, as is for the 2024 one.

    >>> format("500104037")
    '500.104.037'
    >>> format("b5f089055")
    'B5F089055'
    """
    value = compact(number)
    found = kind(value)
    if found is None:
        raise ValueError(f"not a document number: {number!r}")
    if found == "2013":
        return f"{value[:3]}.{value[3:6]}.{value[6:]}"
    return value


def _read(token: str, grouped: bool, expected: Kind | None) -> DocumentParse | None:
    digits, fixes = to_digits(token)
    looks_2013 = grouped or token[0].isdigit() or token[0] in _NEVER_2024
    if (expected == "2013" or (expected is None and looks_2013)) and isdigits(digits) and fixes <= _MAX_FIXES:
        return DocumentParse(digits, "2013", fixes > 0)
    if expected == "2013" or grouped or any(c in _NEVER_2024 for c in token):
        return None
    return DocumentParse(token.upper(), "2024", False) if kind(token) == "2024" else None


def parse(text: str, expected: Kind | None = None) -> DocumentParse | None:
    """Read a document number from OCR text; ``None`` when there is none.

    Look-alike letters (O->0, I/l/|->1, S->5, B->8, Z->2, G->6) are mapped to
    digits when the reading is a 2013 number: when it is printed in groups of
    three or starts with a digit, and has at most four such letters. A reading that
    starts with a capital letter is kept as read for the 2024 format; pass
    ``expected`` when the card's format is known from elsewhere to settle a
    reading such as ``'S00104037'`` either way.

    >>> parse("5OO1O4O37")
    DocumentParse(value='500104037', kind='2013', repaired=True)
    >>> parse("S00104037")
    DocumentParse(value='S00104037', kind='2024', repaired=False)
    >>> parse("S00104037", expected="2013")
    DocumentParse(value='500104037', kind='2013', repaired=True)
    >>> parse("DOC 5OO 1O4 O37")
    DocumentParse(value='500104037', kind='2013', repaired=True)
    >>> parse("DOCUMENTO") is None
    True
    """
    tokens = [(m[1] + m[2] + m[3], True) for m in _GROUPED.finditer(text)]
    tokens += [(m[0], False) for m in _TOKEN.finditer(text)]
    tokens += [(m[0], False) for m in _DIGIT_RUN.finditer(text)]
    for token, dotted in tokens:
        found = _read(token, dotted, expected)
        if found is not None and (expected is None or found.kind == expected):
            return found
    return None
