"""Every check flag, confidence rule and card-type branch of the front's checks, pinned on
readings built line by line (no image, no OCR).

Confidences are written out from what each rule means (a RUN whose check digit fails is
reported at 0.55 at most, two agreeing prints divide each other's doubt...), never imported
from the module: a test that reads the constant cannot catch it changed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from check_support import BOX, CLEAN_CHECKS, FIT, JOAQUIN_FRONT, QUAD, conf
from chile_id_ocr.card.layouts import FRONT_2013, UNKNOWN_LAYOUT, Layout
from chile_id_ocr.check.front import check_front
from chile_id_ocr.locate.confirm import Confirmation
from chile_id_ocr.locate.fit import CardFit
from chile_id_ocr.read.front import FrontReading, LineReading
from chile_id_ocr.result import CardType, Recognition, Side

TODAY = date(2026, 11, 24)
SCORE = 0.9  # every line's engine score unless a test says otherwise
FIELDS = (
    "surname", "given_name", "nationality", "sex", "birth", "issue_date", "expiry_date", "document_number", "number",
)  # fmt: skip
_OFF_PATTERN = (
    "the dates follow no usual pattern (expiry on the birthday or the issue's anniversary): one may be misread"
)
_MISPLACED = "some values read as the card's printed labels: its rows may be misplaced"
_INFERRED = "the card's layout is not a known design: each value was found next to its label"


def line(name: str, text: str, score: float = SCORE, **kw: object) -> LineReading:
    return LineReading(name, text, score, BOX, kw.pop("detected", True), **kw)  # type: ignore[arg-type]


def reading(
    *, marks: tuple[str, ...] = (), layout: Layout = FRONT_2013, **changed: str | LineReading | None
) -> FrontReading:
    """``JOAQUIN_FRONT`` with ``changed`` lines: a text read at ``SCORE``, a whole reading, or None for a
    line the layout does not have."""
    lines = {}
    for name, value in {**JOAQUIN_FRONT, **changed}.items():
        if value is not None:
            lines[name] = value if isinstance(value, LineReading) else line(name, value)
    return FrontReading(FIT, layout, lines, marks)


def front(*, today: date = TODAY, marks: tuple[str, ...] = (), layout: Layout = FRONT_2013, **changed) -> Recognition:
    return check_front(reading(marks=marks, layout=layout, **changed), to_input=1.0, today=today)


# --- a clean card ------------------------------------------------------------------------------


def test_a_clean_card_passes_every_check_at_the_engines_score() -> None:
    rec = front()
    assert rec.side is Side.FRONT
    assert rec.card_type is CardType.NATIONAL_2013
    assert rec.checks == CLEAN_CHECKS
    assert {n: rec.fields[n].value for n in FIELDS} == {
        "surname": ("GONZÁLEZ", "ROJAS"),
        "given_name": "JOAQUÍN ANDRÉS",
        "nationality": "CHILENA",
        "sex": "M",
        "birth": "21 FEB 1982",
        "issue_date": "1 SEP 2020",
        "expiry_date": "1 SEP 2030",
        "document_number": "109920254",
        "number": "12.749.625-0",
    }
    assert rec.iso_dates == {"birth": "1982-02-21", "issue_date": "2020-09-01", "expiry_date": "2030-09-01"}
    for name in FIELDS[:-1]:
        assert conf(rec, name) == pytest.approx(0.9), name
        assert rec.fields[name].reason == "", name
    # Two prints of the same RUN: each divides the other's doubt.
    assert conf(rec, "number") == pytest.approx(1 - (1 - 0.9) * (1 - 0.9))
    assert rec.fields["number"].reason == ""


def test_the_front_details_say_the_layout_the_words_confirmed_and_the_marks() -> None:
    assert front().extensions == {"front": {"layout": "front_2013", "printed_words_read": [], "marks": []}}
    fit = CardFit(QUAD, (), 1.0, 9, confirmation=Confirmation(words=("APELLIDOS", "NOMBRES"), tried=12))
    rec = check_front(FrontReading(fit, FRONT_2013, reading().lines, ("EXTRANJERO",)), to_input=1.0, today=TODAY)
    assert rec.extensions["front"] == {
        "layout": "front_2013",
        "printed_words_read": ["APELLIDOS", "NOMBRES"],
        "marks": ["EXTRANJERO"],
    }


def test_boxes_and_the_card_quad_are_in_the_input_images_pixels() -> None:
    rec = check_front(reading(), to_input=2.0, today=TODAY)
    assert rec.quad == ((0.0, 0.0), (2200.0, 0.0), (2200.0, 1388.0), (0.0, 1388.0))
    x0, y0, x1, y1 = 0.3 * 2200, 0.2 * 1388, 0.6 * 2200, 0.25 * 1388
    expected = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    for name in FIELDS:
        assert np.allclose(rec.fields[name].box, expected, atol=0.05), name
    no_run = check_front(reading(run_small=None, run_large=None), to_input=1.0, today=TODAY)
    assert no_run.fields["number"].box is None


# --- the RUN, printed twice --------------------------------------------------------------------


def test_the_surname_box_spans_both_surname_lines_and_the_run_box_is_one_print() -> None:
    two = reading(
        surname_1=LineReading("surname_1", "GONZALEZ", SCORE, (0.3, 0.2, 0.5, 0.25), True),
        surname_2=LineReading("surname_2", "DE LA FUENTE", SCORE, (0.3, 0.26, 0.7, 0.31), True),
        run_large=LineReading("run_large", JOAQUIN_FRONT["run_large"], SCORE, (0.05, 0.8, 0.3, 0.85), True),
        run_small=LineReading("run_small", JOAQUIN_FRONT["run_small"], SCORE, (0.6, 0.9, 0.8, 0.93), True),
    )
    rec = check_front(two, to_input=1.0, today=TODAY)
    x0, y0, x1, y1 = 0.3 * 1100, 0.2 * 694, 0.7 * 1100, 0.31 * 694
    assert np.allclose(rec.fields["surname"].box, [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], atol=0.05)
    x0, y0, x1, y1 = 0.05 * 1100, 0.8 * 694, 0.3 * 1100, 0.85 * 694
    assert np.allclose(rec.fields["number"].box, [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], atol=0.05)
    one = check_front(reading(surname_2=None), to_input=1.0, today=TODAY)
    x0, y0, x1, y1 = 0.3 * 1100, 0.2 * 694, 0.6 * 1100, 0.25 * 694
    assert np.allclose(one.fields["surname"].box, [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], atol=0.05)


def test_two_agreeing_runs_divide_each_others_doubt() -> None:
    rec = front(run_large=line("run_large", "RUN 12.749.625-0", 0.8), run_small=line("run_small", "12.749.625-0", 0.7))
    assert rec.fields["number"].value == "12.749.625-0"
    assert conf(rec, "number") == pytest.approx(1 - (1 - 0.8) * (1 - 0.7))
    assert rec.fields["number"].reason == ""
    assert rec.checks.run_check_digit_valid is True


def test_a_repaired_run_counts_less_in_the_agreement() -> None:
    rec = front(run_large=line("run_large", "RUN 12.749.62S-0", 0.9), run_small=line("run_small", "12.749.625-0", 0.8))
    assert rec.fields["number"].value == "12.749.625-0"
    assert conf(rec, "number") == pytest.approx(1 - (1 - 0.9 * 0.88) * (1 - 0.8))
    assert rec.checks.run_check_digit_valid is True


def test_two_agreeing_runs_whose_check_digit_fails_are_flagged_and_capped() -> None:
    rec = front(run_large="RUN 12.749.625-K", run_small="12.749.625-K")
    assert rec.fields["number"].value == "12.749.625-K"
    assert conf(rec, "number") == pytest.approx(0.55)  # the joint 0.99, capped
    assert rec.fields["number"].reason == "check digit does not match"
    assert rec.checks.run_check_digit_valid is False
    # Below the cap the joint confidence stands.
    low = front(run_large=line("run_large", "RUN 12.749.625-K", 0.3), run_small=line("run_small", "12.749.625-K", 0.2))
    assert conf(low, "number") == pytest.approx(1 - (1 - 0.3) * (1 - 0.2))
    assert low.checks.run_check_digit_valid is False


@pytest.mark.parametrize("valid_line", ["run_large", "run_small"])
def test_two_disagreeing_runs_keep_the_one_whose_check_digit_passes(valid_line: str) -> None:
    texts = {"run_large": "RUN 12.749.626-0", "run_small": "12.749.626-0"}  # 12.749.626-0 fails its check
    texts[valid_line] = "12.749.625-0"
    lines = {name: line(name, text, 0.9 if name == valid_line else 0.95) for name, text in texts.items()}
    rec = front(**lines)
    assert rec.fields["number"].value == "12.749.625-0"
    assert conf(rec, "number") == pytest.approx(0.9 * 0.97)
    assert rec.fields["number"].reason == "the two printed RUNs disagree"
    assert rec.checks.run_check_digit_valid is True


def test_two_different_valid_runs_keep_the_surer_one() -> None:
    rec = front(run_large=line("run_large", "RUN 12.749.625-0", 0.8), run_small=line("run_small", "41.000.297-3", 0.9))
    assert rec.fields["number"].value == "41.000.297-3"
    assert conf(rec, "number") == pytest.approx(0.9 * 0.97)
    assert rec.fields["number"].reason == "the two printed RUNs disagree"
    assert rec.checks.run_check_digit_valid is True


@pytest.mark.parametrize("unread", ["run_large", "run_small"])
@pytest.mark.parametrize("how", ["absent", "unreadable"])
def test_one_readable_run_is_trusted_a_little_less(unread: str, how: str) -> None:
    rec = front(**{unread: None if how == "absent" else "RUN"})
    assert rec.fields["number"].value == "12.749.625-0"
    assert conf(rec, "number") == pytest.approx(0.9 * 0.97)
    assert rec.fields["number"].reason == "only one printed RUN readable"
    assert rec.checks.run_check_digit_valid is True


def test_one_readable_run_keeps_its_own_reason() -> None:
    rec = front(run_small="", run_large="RUN 41.OOO.297-3")
    assert rec.fields["number"].value == "41.000.297-3"
    assert conf(rec, "number") == pytest.approx(0.9 * 0.88 * 0.97)
    assert rec.fields["number"].reason == "repaired OCR confusions"


def test_one_readable_run_whose_check_digit_fails_is_flagged_and_capped() -> None:
    rec = front(run_small="", run_large="RUN 12.749.625-K")
    assert rec.fields["number"].value == "12.749.625-K"
    assert conf(rec, "number") == pytest.approx(0.55)
    assert rec.fields["number"].reason == "check digit does not match"
    assert rec.checks.run_check_digit_valid is False


def test_two_disagreeing_runs_that_both_fail_keep_the_surer_one_capped() -> None:
    rec = front(
        run_large=line("run_large", "RUN 12.749.625-K", 0.5),
        run_small=line("run_small", "12.749.626-0", 0.45, repaired="one edit from the usual format"),
    )
    assert rec.fields["number"].value == "12.749.625-K"
    assert conf(rec, "number") == pytest.approx(0.5)  # under the cap of 0.55
    assert rec.fields["number"].reason == "check digit does not match"
    assert rec.checks.run_check_digit_valid is False


def test_no_readable_run_is_empty_unflagged_and_makes_the_capture_poor() -> None:
    rec = front(run_small="", run_large="RUN")
    assert rec.fields["number"].value == ""
    assert conf(rec, "number") == 0.0
    assert rec.fields["number"].reason == "no RUN readable"
    assert rec.checks.run_check_digit_valid is None
    for name in FIELDS[:-1]:
        assert conf(rec, name) == pytest.approx(0.9 * 0.88), name
        assert rec.fields[name].reason == "other fields (number) could not be read: the capture is poor"


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expired"),
    [(date(2030, 9, 2), True), (date(2030, 9, 1), False), (date(2030, 8, 31), False), (TODAY, False)],
)
def test_expired_is_whether_the_expiry_is_before_today(today: date, expired: bool) -> None:
    assert front(today=today).checks.expired is expired


def test_a_card_past_its_expiry_is_expired() -> None:
    rec = front(issue_date="1 SEP 2015", expiry_date="1 SEP 2025")
    assert rec.checks.expired is True
    assert rec.checks.issue_before_expiry is True
    assert conf(rec, "expiry_date") == pytest.approx(0.9)  # being expired is no doubt on the value


@pytest.mark.parametrize("name", ["birth", "issue_date", "expiry_date"])
def test_a_date_that_does_not_parse_is_kept_as_read_and_fails(name: str) -> None:
    # The expiry on the birthday: the dates left follow the pattern without the issue date.
    rec = front(**{"expiry_date": "21 FEB 2030", name: " 21 F3 19B "})
    assert rec.checks.dates_valid is False
    assert rec.iso_dates[name] is None
    assert rec.fields[name].value == "21 F3 19B"
    assert conf(rec, name) == pytest.approx(0.9 * 0.3)
    assert rec.fields[name].reason == "not a valid date"
    why = f"other fields ({name}) could not be read: the capture is poor"
    for other in FIELDS:
        if other not in (name, "number"):
            assert conf(rec, other) == pytest.approx(0.9 * 0.88), other
            assert rec.fields[other].reason == why
    assert conf(rec, "number") == pytest.approx((1 - 0.1 * 0.1) * 0.88)
    assert rec.checks.expired is (None if name == "expiry_date" else False)
    assert rec.checks.issue_before_expiry is (None if name in ("issue_date", "expiry_date") else True)
    assert rec.checks.run_check_digit_valid is True and rec.checks.document_number_valid is True


def test_a_date_read_with_ocr_confusions_is_repaired_and_doubted() -> None:
    rec = front(birth="2l FEB 1982")
    assert rec.fields["birth"].value == "21 FEB 1982"
    assert rec.iso_dates["birth"] == "1982-02-21"
    assert conf(rec, "birth") == pytest.approx(0.9 * 0.88)
    assert rec.fields["birth"].reason == "repaired OCR confusions"
    assert rec.checks.dates_valid is True
    # The line's own reason comes first.
    both = front(birth=line("birth", "2l FEB 1982", repaired="a usual accent"))
    assert conf(both, "birth") == pytest.approx(0.9 * 0.88 * 0.88)
    assert both.fields["birth"].reason == "a usual accent"


@pytest.mark.parametrize(("issue", "expiry"), [("1 SEP 2031", "1 SEP 2030"), ("1 SEP 2030", "1 SEP 2030")])
def test_an_issue_not_before_the_expiry_fails_both_dates(issue: str, expiry: str) -> None:
    rec = front(issue_date=issue, expiry_date=expiry)
    assert rec.checks.issue_before_expiry is False
    assert rec.checks.dates_valid is True
    # Contradicting each other (0.7), the dates also break the usual pattern (0.85).
    assert conf(rec, "issue_date") == pytest.approx(0.9 * 0.7 * 0.85)
    assert rec.fields["issue_date"].reason == "issue date is not before expiry"
    assert conf(rec, "expiry_date") == pytest.approx(0.9 * 0.7 * 0.85)
    assert rec.fields["expiry_date"].reason == "expiry date is not after issue"
    assert conf(rec, "birth") == pytest.approx(0.9 * 0.85)
    assert rec.fields["birth"].reason == _OFF_PATTERN
    assert conf(rec, "sex") == pytest.approx(0.9)


@pytest.mark.parametrize("birth", ["1 SEP 2021", "1 SEP 2020"])
def test_a_birth_not_before_the_issue_is_doubted(birth: str) -> None:
    rec = front(birth=birth)  # the expiry, the issue's anniversary, still follows the pattern
    assert conf(rec, "birth") == pytest.approx(0.9 * 0.7)
    assert rec.fields["birth"].reason == "birth date is not before issue"
    assert conf(rec, "issue_date") == pytest.approx(0.9)
    assert conf(rec, "expiry_date") == pytest.approx(0.9)
    assert rec.checks.issue_before_expiry is True
    assert rec.checks.dates_valid is True


def test_a_birth_the_day_before_the_issue_is_trusted() -> None:
    assert conf(front(birth="31 AGO 2020"), "birth") == pytest.approx(0.9)


def test_dates_off_the_usual_pattern_are_all_doubted() -> None:
    rec = front(expiry_date="2 SEP 2030")
    for name in ("birth", "issue_date", "expiry_date"):
        assert conf(rec, name) == pytest.approx(0.9 * 0.85), name
        assert rec.fields[name].reason == _OFF_PATTERN
    for name in ("surname", "sex", "document_number"):
        assert conf(rec, name) == pytest.approx(0.9)
    assert rec.checks.issue_before_expiry is True
    # An expiry on the holder's birthday follows the pattern.
    birthday = front(expiry_date="21 FEB 2030")
    assert [conf(birthday, n) for n in ("birth", "issue_date", "expiry_date")] == pytest.approx([0.9] * 3)


def test_the_pattern_is_not_judged_without_a_birth_date() -> None:
    rec = front(birth="XX", expiry_date="2 SEP 2030")
    assert conf(rec, "expiry_date") == pytest.approx(0.9 * 0.88)  # the poor capture only
    assert conf(rec, "issue_date") == pytest.approx(0.9 * 0.88)


def test_the_pattern_is_judged_without_an_issue_date() -> None:
    rec = front(issue_date="XX", expiry_date="2 SEP 2030")  # not the birthday either
    assert conf(rec, "expiry_date") == pytest.approx(0.9 * 0.85 * 0.88)
    assert rec.fields["expiry_date"].reason == _OFF_PATTERN
    on_birthday = front(issue_date="XX", expiry_date="21 FEB 2030")
    assert conf(on_birthday, "expiry_date") == pytest.approx(0.9 * 0.88)


def test_a_day_read_without_the_zero_the_cards_other_dates_print_is_padded_and_doubted() -> None:
    # A card prints all its dates in one style: 01 SEP 2020 beside 1 SEP 2030 lost a 0.
    rec = front(issue_date="01 SEP 2020")
    assert rec.fields["expiry_date"].value == "01 SEP 2030"
    assert rec.iso_dates["expiry_date"] == "2030-09-01"
    assert conf(rec, "expiry_date") == pytest.approx(0.9 * 0.85)
    assert (
        rec.fields["expiry_date"].reason
        == "read as '1 SEP 2030'; the card's other dates print a day below 10 with two digits"
    )
    assert rec.fields["issue_date"].value == "01 SEP 2020"
    assert conf(rec, "issue_date") == pytest.approx(0.9)
    assert rec.fields["issue_date"].reason == ""
    # Dates in the specimen's style agree; a day of 10 or more (21 FEB 1982) says nothing about padding.
    agreeing = front()
    assert [agreeing.fields[n].value for n in ("birth", "issue_date", "expiry_date")] == [
        "21 FEB 1982", "1 SEP 2020", "1 SEP 2030",
    ]  # fmt: skip
    assert [agreeing.fields[n].reason for n in ("birth", "issue_date", "expiry_date")] == ["", "", ""]


# --- the document number -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "factor", "reason", "valid", "others"),
    [
        pytest.param("109 920 254", "109920254", 1.0, "", True, 1.0, id="read-without-dots"),
        pytest.param("1O9.92O.254", "109920254", 0.88, "repaired OCR confusions", True, 1.0, id="repaired"),
        # No document number: kept as read, failed, and the capture is poor.
        pytest.param("12.34 5x", "12345X", 0.3, "not a document number", False, 0.88, id="no-document-number"),
    ],
)
def test_a_2013_document_number_is_read_without_dots_repaired_or_failed(
    text: str, value: str, factor: float, reason: str, valid: bool, others: float
) -> None:
    rec = front(document_number=text)
    assert rec.fields["document_number"].value == value
    assert conf(rec, "document_number") == pytest.approx(0.9 * factor)
    assert rec.fields["document_number"].reason == reason
    assert rec.checks.document_number_valid is valid
    assert rec.card_type is CardType.NATIONAL_2013
    assert conf(rec, "sex") == pytest.approx(0.9 * others)


# --- sex, nationality, names -------------------------------------------------------------------


def test_sex_is_m_or_f() -> None:
    assert front(sex="f").fields["sex"].value == "F"
    rec = front(sex="x ")
    assert rec.fields["sex"].value == "X"
    assert conf(rec, "sex") == pytest.approx(0.9 * 0.3)
    assert rec.fields["sex"].reason == "not M or F"


@pytest.mark.parametrize(
    ("text", "value", "factor", "reason"),
    [
        ("PERUANA", "PERUANA", 1.0, ""),
        ("CHlLENA", "CHILENA", 0.88, "matched to a known nationality"),
        ("XYZWQ", "XYZWQ", 0.8, "not a nationality we know"),
        ("XYZ", "XYZ", 0.8, "unknown nationality"),
        ("CHIL", "CHIL", 0.3, "not a nationality we know; cut short from CHILENA?"),
    ],
)
def test_nationalities(text: str, value: str, factor: float, reason: str) -> None:
    rec = front(nationality=text)
    assert rec.fields["nationality"].value == value
    assert conf(rec, "nationality") == pytest.approx(0.9 * factor)
    assert rec.fields["nationality"].reason == reason


def test_names_take_the_least_sure_line_and_doubt_a_missing_accent() -> None:
    rec = front(surname_1=line("surname_1", "gonzález", 0.95), surname_2=line("surname_2", "ROJAS", 0.8))
    assert rec.fields["surname"].value == ("GONZÁLEZ", "ROJAS")
    assert conf(rec, "surname") == pytest.approx(0.8)
    doubted = front(surname_1="GONZALEZ")
    assert doubted.fields["surname"].value == ("GONZALEZ", "ROJAS")
    assert conf(doubted, "surname") == pytest.approx(0.9 * 0.85)
    assert doubted.fields["surname"].reason == "commonly spelled GONZÁLEZ"
    assert conf(doubted, "given_name") == pytest.approx(0.9)


@pytest.mark.parametrize("first", ["ROJAS", "RÓJAS"])
def test_two_surnames_read_alike_are_doubted_as_one_line_read_twice(first: str) -> None:
    rec = front(surname_1=first, surname_2="ROJAS")
    assert rec.fields["surname"].value == (first, "ROJAS")
    assert conf(rec, "surname") == pytest.approx(0.9 * 0.85)
    assert rec.fields["surname"].reason == "two name lines read alike (ROJAS): one may have been read for the other"
    assert conf(front(surname_1="ROJO", surname_2="ROJAS"), "surname") == pytest.approx(0.9)


def test_a_name_line_not_read_is_left_out() -> None:
    rec = front(surname_2="")
    assert rec.fields["surname"].value == ("GONZÁLEZ",)
    assert conf(rec, "surname") == pytest.approx(0.9)


def test_names_not_read_are_empty_and_fail() -> None:
    rec = front(surname_1="", surname_2=" 42 ", given_name="")
    assert rec.fields["surname"].value == ()
    assert rec.fields["given_name"].value == ""
    for name in ("surname", "given_name"):
        assert conf(rec, name) == 0.0
        assert rec.fields[name].reason == "nothing readable"
    assert conf(rec, "sex") == pytest.approx(0.9 * 0.88)
    assert rec.fields["sex"].reason == "other fields (surname, given_name) could not be read: the capture is poor"


# --- how each line was read --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "factor", "reason"),
    [
        ({"detected": False}, 0.85, "line not detected; its zone was read"),
        ({"late": True}, 0.85, "the line starts right of its column: its first characters may be hidden"),
        ({"detected": False, "late": True}, 0.85, "line not detected; its zone was read"),
        ({"repaired": "one edit from the usual format"}, 0.88, "one edit from the usual format"),
        ({"detected": False, "repaired": "a usual accent"}, 0.85 * 0.88, "line not detected; its zone was read"),
        (
            {"late": True, "repaired": "a usual accent"},
            0.85 * 0.88,
            "the line starts right of its column: its first characters may be hidden",
        ),
    ],
)
def test_how_a_line_was_read_lowers_its_fields_confidence(how: dict, factor: float, reason: str) -> None:
    for name, field in (("sex", "sex"), ("given_name", "given_name"), ("document_number", "document_number")):
        rec = front(**{name: line(name, JOAQUIN_FRONT[name], **how)})
        assert conf(rec, field) == pytest.approx(0.9 * factor), (name, how)
        assert rec.fields[field].reason == reason
        assert conf(rec, "nationality") == pytest.approx(0.9)


# --- the card as a whole -----------------------------------------------------------------------


def test_the_poor_capture_threshold() -> None:
    """A field under 0.35 failed; one at or above it did not."""
    above = front(nationality=line("nationality", "XYZ", 0.45))  # 0.45 * 0.8 = 0.36
    assert conf(above, "sex") == pytest.approx(0.9)
    at = front(sex=line("sex", "M", 0.35))
    assert conf(at, "sex") == 0.35
    assert conf(at, "nationality") == pytest.approx(0.9)
    below = front(nationality=line("nationality", "XYZ", 0.425))  # 0.425 * 0.8 = 0.34
    assert conf(below, "sex") == pytest.approx(0.9 * 0.88)
    assert conf(below, "nationality") == pytest.approx(0.34)
    assert below.fields["nationality"].reason == "unknown nationality"


def test_two_failed_fields_are_both_named_and_keep_their_own_confidence() -> None:
    rec = front(sex="X", birth="XX")
    assert conf(rec, "sex") == pytest.approx(0.27)
    assert conf(rec, "birth") == pytest.approx(0.27)
    assert rec.fields["surname"].reason == "other fields (sex, birth) could not be read: the capture is poor"
    # A field with its own reason keeps it.
    doubted = front(sex="X", surname_1="GONZALEZ")
    assert conf(doubted, "surname") == pytest.approx(0.9 * 0.85 * 0.88)
    assert doubted.fields["surname"].reason == "commonly spelled GONZÁLEZ"


def test_values_read_as_the_designs_labels_make_every_field_doubtful() -> None:
    rec = front(surname_2="NOMBRES")
    for name in FIELDS[1:-1]:
        assert conf(rec, name) == pytest.approx(0.9 * 0.6), name
        assert rec.fields[name].reason == _MISPLACED
    assert conf(rec, "number") == pytest.approx((1 - 0.1 * 0.1) * 0.6)
    # The value that is itself the printed label is all but failed.
    assert rec.fields["surname"].value == ("GONZÁLEZ", "NOMBRES")
    assert conf(rec, "surname") == pytest.approx(0.9 * 0.6 * 0.1)
    assert rec.fields["surname"].reason == "the value reads as the card's printed text, not a holder's: read a row off"


_VALUES_ONLY = Layout(UNKNOWN_LAYOUT, tuple(spec for spec in FRONT_2013.lines if spec.is_value))  # no label found


@pytest.mark.parametrize("layout", [FRONT_2013, _VALUES_ONLY], ids=["2013", "inferred"])
def test_a_value_holding_a_label_whole_was_read_across_the_rows(layout: Layout) -> None:
    # Dev page 5175: the given names' crop ran across the nationality's row and the document number's
    # label. A layout inferred from the labels it found knows the design's labels all the same.
    rec = front(given_name="CHILENA MIENTO NUMERO DOCUMENTO", layout=layout)
    given = rec.fields["given_name"]
    assert given.reason == "the value reads as the card's printed text, not a holder's: read a row off"
    assert given.confidence < 0.1
    assert rec.fields["sex"].confidence < 0.9 * 0.6 + 1e-9


def test_a_layout_without_a_line_gives_that_field_empty_and_failed() -> None:
    rec = front(sex=None)
    assert rec.fields["sex"].value == ""
    assert conf(rec, "sex") == 0.0
    assert rec.fields["sex"].reason == "its label was not found on the card"
    assert rec.fields["sex"].box is None
    assert conf(rec, "nationality") == pytest.approx(0.9 * 0.88)


def test_a_layout_without_date_lines_has_no_valid_dates() -> None:
    rec = front(expiry_date=None)
    assert rec.checks.dates_valid is False
    assert rec.checks.expired is None
    assert rec.checks.issue_before_expiry is None


# --- the card's type ---------------------------------------------------------------------------


def test_the_extranjero_mark_makes_a_foreigners_card_whatever_the_nationality() -> None:
    assert front(marks=("EXTRANJERO",)).card_type is CardType.FOREIGNER_2013
    assert front(marks=("OTRA",)).card_type is CardType.NATIONAL_2013


@pytest.mark.parametrize("nationality", ["PERUANA", "VENEZOLANA", "XYZWQ"])
def test_a_nationality_other_than_chilena_makes_a_foreigners_card(nationality: str) -> None:
    assert front(nationality=nationality).card_type is CardType.FOREIGNER_2013


def test_a_nationality_not_read_does_not_make_a_foreigners_card() -> None:
    """(A defect found by this test: an empty nationality, a line lost to a glare, counted as one
    other than CHILENA.)"""
    assert front(nationality="").card_type is CardType.NATIONAL_2013


@pytest.mark.parametrize("marks", [(), ("EXTRANJERO",)])
def test_a_2024_document_number_makes_the_2024_design(marks: tuple[str, ...]) -> None:
    rec = front(document_number="B5F089055", marks=marks)
    assert rec.fields["document_number"].value == "B5F089055"
    assert rec.checks.document_number_valid is True
    assert rec.card_type is CardType.DESIGN_2024


def test_a_layout_found_from_labels_is_an_unknown_layout_and_doubted() -> None:
    inferred = Layout(UNKNOWN_LAYOUT, FRONT_2013.lines)
    rec = front(layout=inferred)
    assert rec.card_type is CardType.UNKNOWN_LAYOUT
    assert rec.extensions["front"]["layout"] == "unknown_layout"
    for name in FIELDS[:-1]:
        assert conf(rec, name) == pytest.approx(0.9 * 0.88), name
        assert rec.fields[name].reason == _INFERRED
    assert conf(rec, "number") == pytest.approx((1 - 0.1 * 0.1) * 0.88)
    assert rec.checks.run_check_digit_valid is True
    for changed in ({"document_number": "B5F089055"}, {"nationality": "PERUANA"}):
        assert front(layout=inferred, **changed).card_type is CardType.UNKNOWN_LAYOUT


def test_the_card_type_says_what_says_so() -> None:
    assert front().card_type_evidence == ("nationality CHILENA",)
    assert front(marks=("EXTRANJERO",)).card_type_evidence == ("EXTRANJERO printed",)
    assert front(nationality="VENEZOLANA").card_type_evidence == ("nationality VENEZOLANA",)
    assert front(nationality="").card_type_evidence == ()
    assert front().details()["card_type_evidence"] == ["nationality CHILENA"]


def test_a_shaken_cards_fields_are_never_sure() -> None:
    # Read through the shaken-card backbone, whose sure readings are wrong more often than they say.
    clean = front()
    shaken = check_front(replace(reading(), shaken=True), to_input=1.0, today=TODAY)
    for name in FIELDS:
        assert conf(shaken, name) == pytest.approx(conf(clean, name) * 0.88), name
        assert conf(shaken, name) < 0.9
        assert shaken.fields[name].reason == "the card is blurred (the camera moved): its print reads less surely"
