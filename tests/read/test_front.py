"""Reading the front's lines: labels read as values give a misplaced fit away, and the
reader then takes the fit that reads best."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from chile_id_ocr.card.formats import has_format
from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.locate.fit import CardFit, NormBox
from chile_id_ocr.locate.front import find_card
from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.locate.views import card_views
from chile_id_ocr.models.ocr import get_engine
from chile_id_ocr.read.front import (
    LineReading,
    assign_lines,
    misread_labels,
    read_front,
    read_lines,
)
from chile_id_ocr.read.front.reader import _repair_unformatted
from chile_id_ocr.read.front.rereading import likeliest_pattern
from chile_id_ocr.read.front.rereading import nearest_formatted as _nearest_formatted
from chile_id_ocr.result import FieldReading
from chile_id_ocr.vision.decode import decode
from chile_id_ocr.vision.geometry import card_to_image, map_points

_UNIT = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)


def _lines(**texts: str) -> dict[str, LineReading]:
    return {name: LineReading(name, value, 0.99, (0.3, 0.2, 0.6, 0.25), True) for name, value in texts.items()}


def test_labels_read_as_values_are_counted() -> None:
    lines = _lines(surname_1="APELLIDOS", surname_2="PAREDES", nationality="FECHA DE NACIMIENT0", sex="M")
    assert misread_labels(lines, FRONT_2013) == 2


def test_holders_values_are_not_labels() -> None:
    lines = _lines(surname_1="NOMBELA", given_name="SEXTO", nationality="CHILENA", birth="1 SEP 2013")
    assert misread_labels(lines, FRONT_2013) == 0


def test_lines_have_their_fields_format_or_not() -> None:
    good = dict(birth="21 FEB 1982", issue_date="1 SEP 2013", sex="F", document_number="100.000.001")
    assert all(has_format(name, value) for name, value in good.items())
    shifted = dict(birth="FECHA DE EMISION", issue_date="FIRMA DEL TITULAR", sex="100000", document_number="F")
    assert not any(has_format(name, value) for name, value in shifted.items())
    assert has_format("surname_1", "APELLIDOS")  # names have no format to check


def _shifted(fit: CardFit, dy: float) -> CardFit:
    """The same card placed ``dy`` card heights lower: value rows land on the labels above them."""
    quad = map_points(card_to_image(fit.quad), _UNIT - np.array([0.0, dy], np.float32))
    boxes = tuple(NormBox(b.quad + np.array([0.0, dy], np.float32), b.score) for b in fit.boxes)
    return CardFit(quad=quad, boxes=boxes, score=fit.score, anchors_found=fit.anchors_found, alternatives=(fit,))


def test_a_fit_a_row_off_gives_way_to_its_runner_up(real: Path) -> None:
    engine = get_engine()
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    right = find_card(Scene(pixels, engine), FRONT_2013)
    wrong = _shifted(right, 0.046)
    reading = read_front(pixels, wrong, FRONT_2013, engine)
    fit, lines = reading.fit, reading.lines
    assert fit is right
    assert lines["surname_1"].text == "FREDEZ"


def test_a_number_cut_short_is_read_again_over_its_column(real: Path) -> None:
    """A glare hides the end of the document number from the detector: its box stops early
    and the reading lacks the format; the column's whole width is read again."""
    engine = get_engine()
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    fit = find_card(Scene(pixels, engine), FRONT_2013)
    views = card_views(pixels, fit)
    lines = read_lines(views, fit, FRONT_2013, engine)
    whole = lines["document_number"]
    x0, y0, x1, y1 = whole.box
    cut = LineReading("document_number", "10045", 0.9, (x0, y0, x0 + (x1 - x0) * 0.45, y1), True)
    again = _repair_unformatted(views, FRONT_2013, engine, {**lines, "document_number": cut})
    assert has_format("document_number", again["document_number"].text)
    assert again["document_number"].text.replace(".", "") == whole.text.replace(".", "")
    assert not again["document_number"].detected  # the reason says its zone was read
    assert again["birth"] is lines["birth"]  # lines with their format are left alone


def test_a_line_one_character_from_its_format_is_read_as_the_likeliest_text_that_has_it(real: Path) -> None:
    """A blur merges two digits or a glare hides one: the texts one edit from the reading that
    have the field's format are weighed by the recognizer's probabilities for the line."""
    engine = get_engine()
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    fit = find_card(Scene(pixels, engine), FRONT_2013)
    views = card_views(pixels, fit)
    lines = read_lines(views, fit, FRONT_2013, engine)
    short = {
        "birth": lines["birth"].text[:-1],  # a digit lost: 21 FEB 198
        "document_number": "1000000011",  # a digit too many
        "run_large": "RUN 12.749.625-",
    }
    got = {
        name: _nearest_formatted(views, FRONT_2013.field(name), engine, replace(lines[name], text=value))
        for name, value in short.items()
    }
    assert got["birth"] is not None and got["document_number"] is not None
    assert got["birth"].text == lines["birth"].text and lines["birth"].text.endswith("1982")
    assert got["document_number"].text.replace(".", "") == "100000001"
    assert got["birth"].repaired.startswith(f"read as {short['birth']!r}")
    assert got["run_large"] is None  # RUNs are not completed: never made into another number


def test_a_line_whose_candidates_all_have_probability_zero_is_left_as_read(real: Path) -> None:
    """Where the recognizer gives every text one edit away probability zero (its product of experts
    underflows), nothing says which is printed: no rereading, and never a NaN confidence."""

    class Underflowing:  # the recognizer's likelihoods as they come out after an underflow
        def log_likelihoods(self, crop: np.ndarray, texts: list[str], alphabet: str = "") -> list[float]:
            return [-np.inf] * len(texts)

    engine = get_engine()
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    fit = find_card(Scene(pixels, engine), FRONT_2013)
    views = card_views(pixels, fit)
    lines = read_lines(views, fit, FRONT_2013, engine)
    line = replace(lines["birth"], text=lines["birth"].text[:-1])
    assert _nearest_formatted(views, FRONT_2013.field("birth"), Underflowing(), line) is None  # type: ignore[arg-type]


def test_a_name_line_whose_space_a_blur_closed_gets_it_back(real: Path) -> None:
    """A word too long to be one name is two: the space goes where the line's image makes it likeliest."""
    from chile_id_ocr.models.ocr import TextRead
    from chile_id_ocr.read.front import line_crops
    from chile_id_ocr.read.front.rereading import spaced_apart as _spaced_apart

    engine = get_engine()
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    fit = find_card(Scene(pixels, engine), FRONT_2013)
    crops = line_crops(card_views(pixels, fit), fit, FRONT_2013)["given_name"][0]
    got, why = _spaced_apart(TextRead("MARCELACAROLINA", 0.9), crops, engine)
    assert (got.text, got.score) == ("MARCELA CAROLINA", 0.9)
    assert why == "read as 'MARCELACAROLINA': a word too long for one name, a space lost"
    assert _spaced_apart(TextRead("MARCELA CAROLINA", 0.9), crops, engine) == (TextRead("MARCELA CAROLINA", 0.9), "")


def test_dates_that_follow_no_pattern_on_a_sharp_image_are_left_as_printed(real: Path) -> None:
    """The specimen's expiry falls on neither the birthday nor the issue's anniversary: the
    dates it could have been misread from exist, but its sharp print rules them out."""
    from chile_id_ocr.read.front.rereading import _PATTERN_EVIDENCE

    engine = get_engine()
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    reading = read_front(pixels, find_card(Scene(pixels, engine), FRONT_2013), FRONT_2013, engine)
    fit, lines = reading.fit, reading.lines
    found = likeliest_pattern(card_views(pixels, fit), FRONT_2013, engine, lines)
    assert found is not None and found[0] < -2 * _PATTERN_EVIDENCE
    assert [lines[name].text.replace(" ", "") for name in ("birth", "issue_date", "expiry_date")] == [
        "21FEB1982",
        "1SEP2013",
        "10AGO2023",
    ]
    assert not any(lines[name].repaired for name in ("birth", "issue_date", "expiry_date"))


def test_a_line_that_starts_late_is_read_from_its_columns_edge(real: Path) -> None:
    """A glare over the first characters of a date hides them from the detector, whose box
    starts late; the recognizer reads the line from the column's edge, and the reading is
    still flagged."""
    from chile_id_ocr.read.front import starts_late

    engine = get_engine()
    pixels = decode((real / "specimen_front.jpg").read_bytes()).pixels
    fit = find_card(Scene(pixels, engine), FRONT_2013)
    spec = FRONT_2013.field("birth")
    late = []
    for box in fit.boxes:
        if abs(box.cy - spec.y) < spec.height / 2 and abs(box.x0 - spec.x0) < 0.02:
            box = NormBox(box.quad + np.array([[0.05, 0], [0, 0], [0, 0], [0.05, 0]], np.float32), box.score)
        late.append(box)
    late_fit = replace(fit, boxes=tuple(late))
    lines = read_lines(card_views(pixels, late_fit), late_fit, FRONT_2013, engine)
    assert starts_late(lines["birth"].box, spec)
    assert lines["birth"].text.replace(" ", "") == "21FEB1982"


def _box(x0: float, y0: float, x1: float, y1: float) -> NormBox:
    return NormBox(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32), 0.9)


def test_a_box_merging_two_rows_belongs_to_both() -> None:
    """Under blur the detector can take both surname lines (and the label above) as one box."""
    surnames = FRONT_2013.field("surname_1"), FRONT_2013.field("surname_2")
    top, bottom = surnames[0].y - 0.08, surnames[1].y + 0.03
    assigned = assign_lines((_box(0.34, top, 0.55, bottom),), FRONT_2013)
    for spec in surnames:
        box, detected = assigned[spec.name]
        assert detected
        assert abs((box[1] + box[3]) / 2 - spec.y) < 0.01  # each cut to its own row
    assert not assigned["given_name"][1]


def test_a_single_box_keeps_to_its_row() -> None:
    spec = FRONT_2013.field("surname_1")
    assigned = assign_lines((_box(0.34, spec.y - 0.025, 0.55, spec.y + 0.025),), FRONT_2013)
    assert assigned["surname_1"][1]
    assert not assigned["surname_2"][1]


def _scanned(identity_changes: dict[str, object], seed: int, glare: tuple[str, int, int, float] | None = None) -> bytes:
    """A scan of a generated card with some of its values replaced; ``glare`` (a value slot, the
    first and the last-but-one character it covers, its opacity) washes out those characters, or
    only the accents above them when the slot is a name's."""
    import dataclasses
    import random

    from chile_id_ocr.synth import capture
    from chile_id_ocr.synth.identities import random_identity
    from chile_id_ocr.synth.render import render_card, slot_texts
    from chile_id_ocr.synth.template import prepared_template

    template = prepared_template()
    identity = dataclasses.replace(random_identity(random.Random(f"identity-{seed}")), **identity_changes)
    card, info = render_card(identity, template, random.Random(f"render-{seed}"))
    if glare is not None:
        slot, first, last, opacity = glare
        x0, y0, x1, y1 = info["value_boxes"][slot]  # type: ignore[index]
        width = (x1 - x0) / len(slot_texts(identity)[slot])
        left, right = round(x0 + first * width), round(x0 + last * width)
        cap = y1 - y0
        accents = slot.startswith("surname")
        top, bottom = (round(y0 - 0.45 * cap), round(y0 + 0.02 * cap)) if accents else (y0 - 3, y1 + 3)
        region = card[top:bottom, left:right].astype(np.float32)
        card[top:bottom, left:right] = (region * (1 - opacity) + 245 * opacity).astype(np.uint8)
    return capture.encode(capture.scan(card, np.asarray(template.alpha), np.random.default_rng(seed)))


def _surname_crops(surname: str, seed: int) -> tuple[np.ndarray, ...]:
    """The first surname line's crops on each view of a scanned card that prints ``surname``."""
    from chile_id_ocr.read.front import line_crops

    engine = get_engine()
    pixels = decode(_scanned({"surname": (surname, "SOTO")}, seed)).pixels
    fit = find_card(Scene(pixels, engine), FRONT_2013)
    return line_crops(card_views(pixels, fit), fit, FRONT_2013)["surname_1"][0]


def _given_name_crops(given_name: str, seed: int) -> tuple[np.ndarray, ...]:
    """The given names' line crops on each view of a scanned card that prints ``given_name``."""
    from chile_id_ocr.read.front import line_crops

    engine = get_engine()
    pixels = decode(_scanned({"given_name": given_name}, seed)).pixels
    fit = find_card(Scene(pixels, engine), FRONT_2013)
    return line_crops(card_views(pixels, fit), fit, FRONT_2013)["given_name"][0]


def test_a_space_where_the_image_shows_a_letter_is_doubted() -> None:
    """A letter washed out between two others reads as a space between two names (MAGDA ENA):
    where the line's image makes the text with a letter in that place nearly as likely, the
    reading is doubted; a space printed as one (MAGDA ELENA) is not."""
    from chile_id_ocr.models.ocr import TextRead
    from chile_id_ocr.read.front.rereading import lost_letter_doubt

    engine = get_engine()
    crops = _given_name_crops("MAGDALENA CONSTANZA", 4)
    why = lost_letter_doubt(TextRead("MAGDA ENA CONSTANZA", 0.98), crops, engine)
    assert why == "'MAGDALENA CONSTANZA' nearly as likely: a letter may be lost"
    assert lost_letter_doubt(TextRead("MAGDALENA CONSTANZA", 0.98), crops, engine) == ""  # its one space is printed
    printed = _given_name_crops("MAGDA ELENA", 4)
    assert lost_letter_doubt(TextRead("MAGDA ELENA", 0.98), printed, engine) == ""


def test_a_de_la_read_run_together_gets_its_spaces_back_where_the_image_shows_them() -> None:
    """DE LA PAZ printed tight reads as DELAPAZ with full confidence; the recognizer's own
    probabilities on the line's image still make the spaced text likelier, and it is taken. A
    surname printed as one word (DELAVEAU) keeps its reading: the image makes DE LA VEAU far less likely."""
    from chile_id_ocr.models.ocr import TextRead
    from chile_id_ocr.read.front.rereading import usual_spelling

    engine = get_engine()
    got, why = usual_spelling(TextRead("DELAPAZ", 0.99), _surname_crops("DE LA PAZ", 4), engine)
    assert (got.text, got.score) == ("DE LA PAZ", 0.99)
    assert why == "spelled as usual (DE LA PAZ): what tells the spellings apart is faint"
    printed = TextRead("DELAVEAU", 0.99)
    assert usual_spelling(printed, _surname_crops("DELAVEAU", 4), engine) == (printed, "")


@pytest.mark.parametrize(("seed", "style"), [(5, "REAL"), (6, "SPECIMEN")])
def test_a_september_date_read_with_the_other_label_is_read_again_as_printed(seed: int, style: str) -> None:
    """SEPT and SEP are both September: a reading that lost the T (or gained one) is a valid
    date, but the line's image makes the printed label likelier; a date read as printed is kept."""
    from chile_id_ocr.card import dates
    from chile_id_ocr.read.front.rereading import month_labels

    engine = get_engine()
    changes = {"birth": dt.date(1980, 3, 14), "issue": dt.date(2014, 9, 14), "expiry": dt.date(2024, 3, 14)}
    changes["date_style"] = getattr(dates, style)
    pixels = decode(_scanned({"nationality": "CHILENA", **changes}, seed)).pixels
    fit = find_card(Scene(pixels, engine), FRONT_2013)
    views = card_views(pixels, fit)
    lines = read_lines(views, fit, FRONT_2013, engine)
    printed = lines["issue_date"].text
    assert printed == dates.format_date(changes["issue"], changes["date_style"])  # type: ignore[arg-type]
    assert month_labels(views, FRONT_2013, engine, lines) == lines
    misread = dates.other_label(dates.parse(printed)).text  # type: ignore[union-attr]
    again = month_labels(views, FRONT_2013, engine, {**lines, "issue_date": replace(lines["issue_date"], text=misread)})
    assert again["issue_date"].text == printed
    assert again["issue_date"].repaired == f"read as {misread!r}; the image shows {printed} likelier"


def test_a_name_printed_without_its_usual_accent_is_read_as_printed() -> None:
    """GONZALEZ and CRISTIAN are usually written with an accent, but a card prints the name as
    registered: where the image shows no accent, none is added."""
    from chile_id_ocr import recognize

    got = recognize(_scanned({"surname": ("GONZALEZ", "PEREZ"), "given_name": "CRISTIAN JOSE"}, 11))
    assert got.fields["surname"].value == ("GONZALEZ", "PEREZ")
    assert got.fields["given_name"].value == "CRISTIAN JOSE"
    assert "spelled as usual" not in got.fields["surname"].reason + got.fields["given_name"].reason


def test_a_long_hyphenated_name_keeps_its_hyphen() -> None:
    """JEAN-BAPTISTE is thirteen characters, but two names: no space is put into it."""
    from chile_id_ocr import recognize

    got = recognize(_scanned({"surname": ("DESIR", "PIERRE"), "given_name": "JEAN-BAPTISTE PIERRE"}, 12))
    assert got.fields["given_name"].value == "JEAN-BAPTISTE PIERRE"


def _read(field: str, changes: dict[str, object], seed: int, glare: tuple[str, int, int, float]) -> FieldReading:
    from chile_id_ocr import recognize

    return recognize(_scanned({"nationality": "CHILENA", **changes}, seed, glare)).fields[field]


def test_texts_one_edit_away_that_stand_for_the_same_date_are_weighed_together() -> None:
    """A glare over the year's first digit: 10 NOV 937. Of the texts one edit away that parse,
    10 NOV 1937, 10 NOVI937 and others all stand for the same date: pooled, they outweigh the rest."""
    changes = {"birth": dt.date(1937, 11, 10), "issue": dt.date(2017, 7, 20), "expiry": dt.date(2027, 11, 10)}
    got = _read("birth", changes, 2, ("birth", 7, 8, 0.8))
    assert got.value == "10 NOV 1937"
    assert got.reason == "read as '10 NOV 937', one character from the field's format"
    assert got.confidence < 0.9


def test_a_date_misread_off_the_pattern_comes_back_on_it() -> None:
    """A glare over the first digit of the expiry's day: 8 JUL 2027 falls on neither the birthday
    nor the issue's anniversary; the recognizer's probabilities keep 18 JUL 2027, the birthday,
    nearly as likely."""
    changes = {"birth": dt.date(1971, 7, 18), "issue": dt.date(2017, 7, 20), "expiry": dt.date(2027, 7, 18)}
    got = _read("expiry_date", changes, 3, ("expiry_date", 0, 1, 0.7))
    assert got.value == "18 JUL 2027"
    assert got.reason == "read as '8 JUL 2027'; 18 JUL 2027 follows the card's pattern of dates"
    assert got.confidence < 0.9


def test_a_date_misread_off_the_pattern_is_not_trusted() -> None:
    """The same glare, denser: nothing of the 1 is left to read, 8 JUL 2027 stays, but dates that
    follow no pattern are not returned as sure."""
    changes = {"birth": dt.date(1971, 7, 18), "issue": dt.date(2017, 7, 20), "expiry": dt.date(2027, 7, 18)}
    got = _read("expiry_date", changes, 3, ("expiry_date", 0, 1, 0.75))
    assert got.value == "8 JUL 2027"
    assert got.confidence < 0.9 and "no usual pattern" in got.reason


@pytest.mark.parametrize(("seed", "opacity"), [(1, 0.6), (2, 0.5)])
def test_an_accent_a_glare_left_faint_comes_back_from_the_usual_spelling(seed: int, opacity: float) -> None:
    """The recognizer's best path lost the faint accent of CORTÉS; its probabilities keep the usual
    spelling likely."""
    got = _read("surname", {"surname": ("CORTÉS", "ROJAS")}, seed, ("surname_1", 4, 5, opacity))
    assert got.value == ("CORTÉS", "ROJAS")
    assert got.reason.startswith("spelled as usual (CORTÉS)")
    assert got.confidence < 0.9


@pytest.mark.parametrize(("seed", "opacity", "read"), [(1, 0.3, "LEFIMAN"), (2, 0.4, "LEFIMÁN")])
def test_an_accent_the_image_hardly_shows_on_an_uncommon_name_is_doubted(seed: int, opacity: float, read: str) -> None:
    """LEFIMÁN is not among the common accented names, so no usual spelling puts its accent back;
    under a faint glare over the accent the line's image makes either spelling about as likely:
    read with or without it, the surname is not returned as sure. Printed clean, it reads as sure."""
    changes = {"surname": ("LEFIMÁN", "ROJAS")}
    clean = _read("surname", changes, seed, ("surname_1", 5, 6, 0.0))
    assert clean.value == ("LEFIMÁN", "ROJAS")
    assert clean.reason == "" and clean.confidence >= 0.9
    got = _read("surname", changes, seed, ("surname_1", 5, 6, opacity))
    assert got.value == (read, "ROJAS")
    assert got.reason.endswith("nearly as likely: an accent or a tilde may be misread")
    assert got.confidence < 0.9
