"""The front's checks turn line readings into fields whose confidence says how far to trust
them: a doubtful name, a card where other fields failed, or values read on the labels' rows
all bring a field below the 0.9 that users trust."""

from __future__ import annotations

from datetime import date

from check_support import BOX, FIT, JOAQUIN_FRONT
from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.check.front import check_front
from chile_id_ocr.read.front import FrontReading, LineReading, starts_late
from chile_id_ocr.result import FieldReading

_TODAY = date(2026, 11, 24)


def _fields(starts: dict[str, float] | None = None, **changed: str) -> dict[str, FieldReading]:
    """The checked fields of ``JOAQUIN_FRONT`` read with ``changed`` texts, every line detected in a box
    starting at ``BOX``'s left edge or at the card fraction ``starts`` gives for it."""
    boxes = {name: ((starts or {}).get(name, BOX[0]), *BOX[1:]) for name in {**JOAQUIN_FRONT, **changed}}
    lines = {
        name: LineReading(name, value, 0.995, boxes[name], True, late=starts_late(boxes[name], FRONT_2013.field(name)))
        for name, value in {**JOAQUIN_FRONT, **changed}.items()
    }
    return check_front(FrontReading(FIT, FRONT_2013, lines), to_input=1.0, today=_TODAY).fields


def _confidences(**changed: str) -> dict[str, float]:
    return {name: f.confidence for name, f in _fields(**changed).items()}


def test_a_clean_reading_is_trusted() -> None:
    assert min(_confidences().values()) >= 0.9


def test_a_name_without_its_usual_accent_is_not_trusted() -> None:
    conf = _confidences(surname_1="GONZALEZ")
    assert conf["surname"] < 0.9
    assert conf["given_name"] >= 0.9


def test_a_name_with_a_lost_letter_is_not_trusted() -> None:
    assert _confidences(given_name="JOAQUÍN AN RÉS")["given_name"] < 0.9


def test_a_field_that_fails_its_checks_makes_the_others_doubtful() -> None:
    conf = _confidences(birth="21 F3 19B")
    assert conf["birth"] < 0.35
    assert all(value < 0.9 for value in conf.values())


def test_values_read_as_labels_make_every_field_doubtful() -> None:
    fields = _fields(surname_2="NOMBRES")
    assert all(f.confidence < 0.9 and f.reason for f in fields.values())


def test_a_line_starting_right_of_its_column_may_have_lost_its_first_letters() -> None:
    """Values are printed from their column's left edge; a glare over the first letters moves
    the detected start right (VALENTINA read as ALENTINA)."""
    column = FRONT_2013.field("given_name").column[0]
    trusted = _fields({"given_name": column})["given_name"]
    late = _fields({"given_name": column + 0.02}, given_name="OAQUÍN ANDRÉS")["given_name"]
    assert trusted.confidence >= 0.9
    assert late.confidence < 0.9
    assert "first characters" in late.reason


def test_a_nationality_cut_short_is_not_trusted() -> None:
    """A glare can take the end off CHILENA: CHIL is no nationality, and looks cut from one."""
    fields = _fields(nationality="CHIL")
    assert fields["nationality"].confidence < 0.5
    assert "CHILENA" in fields["nationality"].reason
    assert _fields(nationality="XYZWQ")["nationality"].confidence < 0.9  # a word we do not know
    assert _fields(nationality="PERUANA")["nationality"].confidence >= 0.9


def test_the_title_read_as_a_surname_is_all_but_failed() -> None:
    """A fit a row off reads REPÚBLICA DE CHILE where the surname is: that value is no holder's."""
    fields = _fields(surname_1="REPÚBLICA DE CHILE", surname_2="")
    assert fields["surname"].confidence < 0.1
    assert "printed text" in fields["surname"].reason


def test_a_layout_without_a_line_gives_that_field_empty_and_failed() -> None:
    """A layout found from labels may lack one (its label unread): the field is empty, at 0."""
    lines = {n: LineReading(n, value, 0.995, BOX, True) for n, value in JOAQUIN_FRONT.items() if n != "nationality"}
    fields = check_front(FrontReading(FIT, FRONT_2013, lines), to_input=1.0, today=_TODAY).fields
    assert fields["nationality"].value == "" and fields["nationality"].confidence == 0.0
    assert "label was not found" in fields["nationality"].reason
    assert fields["sex"].value == "M"
