"""Each line's format (``card/formats.py``): the nationality and RUN lines stand for the value
their parser reads, and have no format when it reads none."""

from __future__ import annotations

import pytest

from chile_id_ocr.card import formats


@pytest.mark.parametrize(
    ("line", "reading", "value"),
    [
        ("nationality", "CHILENA", "CHILENA"),
        ("nationality", "VENEZ0LANA", "VENEZOLANA"),
        ("nationality", "XY", None),
        ("run_small", "12.749.625-K", "12.749.625-K"),
        ("run_large", "RUN 12749625K", "12.749.625-K"),
        ("run_large", "RUN 1234", None),
    ],
)
def test_the_nationality_and_run_lines(line: str, reading: str, value: str | None) -> None:
    assert formats.value_of(line, reading) == value
    assert formats.has_format(line, reading) is (value is not None)
