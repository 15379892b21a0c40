"""When a front's reading is good enough that no other placement or layout is read
(``read/front/reader.trusted``): most of its formatted lines have their format, and its RUN reads in
at least one of its two places."""

from __future__ import annotations

import numpy as np

from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.locate.fit import CardFit
from chile_id_ocr.read.front import trusted
from chile_id_ocr.read.front.crops import LineReading
from chile_id_ocr.read.front.reader import FrontReading

_VALUES = {
    "surname_1": "ROJAS", "surname_2": "PÉREZ", "given_name": "ANA MARÍA", "nationality": "CHILENA", "sex": "F",
    "birth": "08 MAYO 1975", "document_number": "512345678", "issue_date": "01 SEPT 2019",
    "expiry_date": "08 MAYO 2029", "run_small": "12.345.678-5", "run_large": "RUN 12.345.678-5",
}  # fmt: skip


def _reading(**changes: str) -> FrontReading:
    values = {**_VALUES, **changes}
    lines = {name: LineReading(name, text, 0.95, (0.0, 0.0, 1.0, 1.0), True) for name, text in values.items()}
    fit = CardFit(np.zeros((4, 2), np.float32), (), 1.0, 0)
    return FrontReading(fit, FRONT_2013, lines)


def test_a_reading_with_its_formats_and_its_run_is_trusted() -> None:
    assert trusted(_reading())
    assert trusted(_reading(run_small="N"))  # the RUN read in one of its places is enough


def test_a_reading_without_its_run_in_either_place_is_not_trusted() -> None:
    """A card of another design whose labels a 2013 fit found in place reads dates, sex and a
    document number well, and nothing where the 2013 design prints the RUN."""
    assert not trusted(_reading(run_small="N", run_large="N"))


def test_a_reading_with_too_few_formats_is_not_trusted() -> None:
    assert not trusted(_reading(birth="FIRMA", issue_date="", expiry_date="08 MAY", sex="X"))
