"""RUN (Rol Único Nacional, the Chilean national identification number).

The card prints the RUN as a body of 7 or 8 digits with thousands dots, a
dash and a check digit that is ``0``-``9`` or ``K``: ``12.749.625-K``. The
check digit comes from :mod:`stdnum.cl.rut` (the RUN and the RUT are the same
number).

>>> compact("12.749.625-K")
'12749625K'
>>> format("410002973")
'41.000.297-3'
>>> is_valid("41.000.297-3")
True
>>> is_valid("12.749.625-K")
False

:func:`parse` reads a RUN from OCR text. A RUN whose check digit fails is
returned exactly as read and flagged, never "corrected" to another number:

>>> parse("RUN 12.749.625-K")
RunParse(formatted='12.749.625-K', check_digit_valid=False, repaired=False)
>>> parse("41.OOO.297-3")
RunParse(formatted='41.000.297-3', check_digit_valid=True, repaired=True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.cl import rut
from stdnum.util import isdigits

from chile_id_ocr.card.text import DIGIT_CONFUSIONS, to_digits

__all__ = ["RunParse", "calc_check_digit", "compact", "format", "is_valid", "parse"]

# A body character: a digit or a letter the OCR engine reads for one.
_B = "[0-9" + "".join(re.escape(c) for c in DIGIT_CONFUSIONS) + "]"
_CANDIDATE = re.compile(
    rf"""
    (?<![0-9])
    (?P<a>{_B}{{1,2}}) (?P<dot1>\s?[.,·]\s?)?
    (?P<b>{_B}{{3}})   (?P<dot2>\s?[.,·]\s?)?
    (?P<c>{_B}{{3}})
    (?P<dash>\s*[-‐‑‒–—_~.,]\s*|\s*)
    (?:
        (?P<check>[0-9Kk])(?![0-9])
      | (?P<check_confused>{_B})(?![0-9A-Za-z])
    )
    """,
    re.VERBOSE,
)
# Most letters mapped to digits in the body for the reading still to count as a RUN,
# by how many of the separators (both dots, the dash) were read.
_MAX_BODY_FIXES = {0: 2, 1: 3, 2: 4}


@dataclass(frozen=True)
class RunParse:
    """A RUN read from OCR text.

    ``formatted`` is the dotted form as read (after mapping look-alike letters to
    digits), ``check_digit_valid`` whether its check digit agrees with the body,
    and ``repaired`` whether a look-alike letter was mapped or the check digit
    had to be told from the body without a dash or dots to go by.
    """

    formatted: str
    check_digit_valid: bool
    repaired: bool

    @property
    def compact(self) -> str:
        """``'12749625K'``"""
        return compact(self.formatted)

    @property
    def body(self) -> str:
        """The digits before the check digit: ``'12749625'``."""
        return self.compact[:-1]

    @property
    def check_digit(self) -> str:
        """``'0'``-``'9'`` or ``'K'``."""
        return self.compact[-1]


def compact(number: str) -> str:
    """Strip dots, dash and spaces and upper-case the check digit.

    >>> compact(" 5.123.456-k ")
    '5123456K'
    """
    return rut.compact(number)


def calc_check_digit(body: str) -> str:
    """Return the check digit (``'0'``-``'9'`` or ``'K'``) of a RUN body.

    >>> calc_check_digit("41000297")
    '3'
    >>> calc_check_digit("12.749.625")
    '0'
    >>> calc_check_digit("12A")
    Traceback (most recent call last):
        ...
    ValueError: a RUN body is digits only: '12A'
    """
    digits = compact(body)
    if not digits or not isdigits(digits):
        raise ValueError(f"a RUN body is digits only: {body!r}")
    return rut.calc_check_digit(digits)


def is_valid(number: str) -> bool:
    """Whether ``number`` is a RUN of 7 or 8 body digits with a matching check digit.

    >>> is_valid("12749625-0")
    True
    >>> is_valid("12.749.625-K")
    False
    >>> is_valid("1234")
    False
    """
    return rut.is_valid(number)


def format(number: str) -> str:
    """Print ``number`` the way the card does.

    >>> format("12749625k")
    '12.749.625-K'
    >>> format("51234567")
    '5.123.456-7'
    """
    return rut.format(number)


def _plausible(body: str, fixes: int, separators: int) -> bool:
    return len(body) in (7, 8) and isdigits(body) and body[0] != "0" and fixes <= _MAX_BODY_FIXES[separators]


def parse(text: str) -> RunParse | None:
    """Read a RUN from OCR text; ``None`` when there is no plausible one.

    Look-alike letters in the body are mapped to digits (O->0, I/l/|->1, S->5,
    B->8, Z->2, G->6), and so are they in the check digit, which is otherwise a
    digit or ``K`` (``k`` is taken for ``K``). Without a dash the dots tell
    the body from the check digit; with neither, the last character is taken
    for the check digit, which counts as a repair. The number is never
    changed to make its check digit agree.

    >>> parse("RUN12.749.625K").formatted
    '12.749.625-K'
    >>> parse("41.000.2973")
    RunParse(formatted='41.000.297-3', check_digit_valid=True, repaired=False)
    >>> parse("12749625-k")
    RunParse(formatted='12.749.625-K', check_digit_valid=False, repaired=False)
    >>> parse("410002973")
    RunParse(formatted='41.000.297-3', check_digit_valid=True, repaired=True)
    >>> parse("RUN 41.000.297") is None
    True
    """
    best: tuple[tuple[bool, int], RunParse] | None = None
    for match in _CANDIDATE.finditer(text):
        raw_body = match["a"] + match["b"] + match["c"]
        body, fixes = to_digits(raw_body)
        dotted = bool(match["dot1"] and match["dot2"])
        dashed = bool(match["dash"].strip())
        structured = dotted or dashed
        if not _plausible(body, fixes, dotted + dashed):
            continue
        if match["check"]:
            check = match["check"].upper()
        else:
            check, check_fixes = to_digits(match["check_confused"])
            fixes += check_fixes
        repaired = fixes > 0 or not structured
        found = RunParse(format(body + check), check == rut.calc_check_digit(body), repaired)
        key = (structured, -fixes)
        if best is None or key > best[0]:
            best = key, found
    return best[1] if best else None
