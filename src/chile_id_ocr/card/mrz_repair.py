"""The repairs of an OCR reading of a TD1 zone, for :func:`chile_id_ocr.card.mrz.parse`.

Each line is brought to 30 characters and each position to its kind of character; where a character
may be either (a letter or a digit in the document number, a filler or a K in the optional data), every
reading is kept and the check digits choose (:func:`_score`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

from chile_id_ocr.card.document import kind
from chile_id_ocr.card.mrz_check import _RUN_IN_OPTIONAL, FILLER, LINE_LENGTH, _checks
from chile_id_ocr.card.text import DIGIT_CONFUSIONS, LETTER_CONFUSIONS

#: Letters read where only a digit fits (upper case: the MRZ has no lower case).
_TO_DIGIT: dict[str, str] = {k: v for k, v in DIGIT_CONFUSIONS.items() if k.isupper()} | {"D": "0", "Q": "0"}
#: Digits read where only a letter fits.
_TO_LETTER: dict[str, str] = LETTER_CONFUSIONS | {"2": "Z", "6": "G"}
#: What the engine reads for the ``<`` filler (OCR-B's chevron).
_FILLER_LOOKALIKES = frozenset("KX")
_RUN_START = re.compile(r"^[0-9]{7,8}<[0-9K]")
# At most this many letter/digit choices are searched per field (2**n readings).
_MAX_CHOICES = 6


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


def _score(line1: str, line2: str, raw1: str, raw2: str) -> tuple[int, bool, bool, bool, int]:
    """Rank a reading: passing checks, a RUN in its place, an all-digit document number, a document
    number of either format at all (a 2024 number starts with a letter: ``85FD89055`` is none), fewest
    changes."""
    changes = sum(a != b for a, b in zip(line1 + line2, _fit_length(raw1) + raw2, strict=False))
    run_ok = _RUN_IN_OPTIONAL.match(line2[18:29]) is not None
    number = line1[5:14]
    return sum(_checks(line1, line2).values()), run_ok, number.isdigit(), kind(number) is not None, -changes


def _repairs(raw: Sequence[str], lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(
        f"line {i + 1}: {r!r} read as {ln!r}" for i, (r, ln) in enumerate(zip(raw, lines, strict=True)) if r != ln
    )
