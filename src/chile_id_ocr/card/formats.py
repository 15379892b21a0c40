"""Each value line's printed format, in one place: does a reading have it, and what value
does it stand for?

Readings that differ in spaces, dots or a confusion the parsers repair (``1O NOV I937``)
stand for the same value; lines without a format (names) stand for themselves.

>>> has_format("birth", "21 FEB 1982"), has_format("birth", "FECHA DE EMISION")
(True, False)
>>> value_of("birth", "10 NOVI937"), value_of("document_number", "100.000.00l")
('10 NOV 1937', '100000001')
>>> value_of("surname_1", "FREDEZ"), value_of("sex", "X")
('FREDEZ', None)
"""

from __future__ import annotations

from collections.abc import Callable

from chile_id_ocr.card import dates, document, run, text

__all__ = ["has_format", "value_of"]


def _nationality(value: str) -> str | None:
    found = text.parse_nationality(value)
    return None if found is None else found[0]


def _date(value: str) -> str | None:
    found = dates.parse(value)
    return None if found is None else found.text


def _document(value: str) -> str | None:
    found = document.parse(value)
    return None if found is None else found.value


def _run(value: str) -> str | None:
    found = run.parse(value)
    return None if found is None else found.formatted


_FORMATS: dict[str, Callable[[str], str | None]] = {
    "birth": _date,
    "issue_date": _date,
    "expiry_date": _date,
    "document_number": _document,
    "sex": text.parse_sex,
    "nationality": _nationality,
    "run_small": _run,
    "run_large": _run,
}


def value_of(name: str, value: str) -> str | None:
    """The value that a reading of line ``name`` stands for in its field's format; None when
    it does not have the format. Lines without a format give the reading unchanged."""
    parse = _FORMATS.get(name)
    return value if parse is None else parse(value)


def has_format(name: str, value: str) -> bool:
    """Whether a line with a known format (dates, numbers, sex, nationality) has it; lines
    without one (names) always do."""
    return value_of(name, value) is not None
