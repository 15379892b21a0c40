"""Every check flag, confidence rule and card-type branch of the back's checks, pinned on
readings built from MRZ text and QR links (no image, no OCR).

The MRZ lines are written field by field and their check digits computed (``mrz.calc_check_digit``),
so that one check can be made to fail while the others pass. Confidences are written out from
what each rule means (a passing check digit divides the line's doubt by ten, an agreeing QR
link by ten again, a failing one caps the value at 0.5...), never imported from the module.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from check_support import CLEAN_CHECKS, LINK, back_reading, conf, link, mrz_lines
from chile_id_ocr.card import qr
from chile_id_ocr.check.back import NotChileanCardError, back_details, check_back, mrz_date_text, nationality_word
from chile_id_ocr.errors import PoorImageError
from chile_id_ocr.read.back import BackText, TextLine
from chile_id_ocr.result import CardType, Checks, Recognition, Side, Source

TODAY = date(2026, 1, 1)
SCORES = (0.9, 0.8, 0.7)  # the MRZ lines' engine scores: line 1, line 2, line 3
_MISREAD = "the MRZ's check digits fail: its lines look misread"
_CHECKS = ("document_number", "birth", "expiry", "composite")
_CLEAN = replace(CLEAN_CHECKS, issue_before_expiry=None)  # a clean back's checks: it prints no issue date


def back(
    lines: tuple[str, ...] | None = None,
    payload: str | None = None,
    *,
    scores: tuple[float, ...] = SCORES,
    text: BackText | None = None,
) -> Recognition:
    return check_back(back_reading(lines, payload, scores=scores, text=text), today=TODAY)


# --- public helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yymmdd", "birth", "today", "expected"),
    [
        ("830221", True, TODAY, ("21 FEB 1983", date(1983, 2, 21))),
        ("010115", True, TODAY, ("15 ENE 2001", date(2001, 1, 15))),
        ("260101", True, TODAY, ("01 ENE 2026", date(2026, 1, 1))),  # born today: this century
        ("260102", True, TODAY, ("02 ENE 1926", date(1926, 1, 2))),  # a birth in the future: the last century
        ("300915", False, TODAY, ("15 SEPT 2030", date(2030, 9, 15))),
        ("830508", False, TODAY, ("08 MAYO 2083", date(2083, 5, 8))),  # an expiry is always 20xx
        ("201201", False, date(1990, 1, 1), ("01 DIC 2020", date(2020, 12, 1))),
        ("831321", True, TODAY, ("", None)),
        ("", True, TODAY, ("", None)),
        (None, False, TODAY, ("", None)),
    ],
)
def test_mrz_date_text(yymmdd: str | None, birth: bool, today: date, expected: tuple) -> None:
    assert mrz_date_text(yymmdd, birth=birth, today=today) == expected


def test_nationality_word() -> None:
    assert nationality_word("CHL") == "CHILENA"
    assert nationality_word("VEN") == "VEN"
    assert nationality_word("CHILENA") == "CHILENA"
    assert nationality_word("") == ""


# --- an MRZ alone ------------------------------------------------------------------------------


def test_a_clean_mrz_gives_every_field_but_the_issue_date() -> None:
    rec = back(mrz_lines())
    assert rec.side is Side.BACK
    assert rec.card_type is CardType.NATIONAL_2013
    assert rec.checks == _CLEAN
    assert {n: f.value for n, f in rec.fields.items()} == {
        "issue_date": "",
        "surname": ("FERNANDEZ", "ZAMBRANO"),
        "given_name": "ESTEBAN",
        "sex": "M",
        "nationality": "CHILENA",
        "document_number": "500104037",
        "birth": "15 ENE 2001",
        "expiry_date": "15 ENE 2031",
        "number": "41.000.297-3",
    }
    assert rec.iso_dates == {"issue_date": None, "birth": "2001-01-15", "expiry_date": "2031-01-15"}
    # Names, sex and nationality carry no check digit: their line's score, a little doubted.
    assert conf(rec, "surname") == pytest.approx(0.7 * 0.9)
    assert conf(rec, "given_name") == pytest.approx(0.7 * 0.9)
    assert conf(rec, "sex") == pytest.approx(0.8 * 0.9)
    assert conf(rec, "nationality") == pytest.approx(0.8 * 0.9)
    # A passing check digit divides the line's doubt by ten.
    assert conf(rec, "document_number") == pytest.approx(1 - (1 - 0.9) * 0.1)
    for name in ("birth", "expiry_date", "number"):
        assert conf(rec, name) == pytest.approx(1 - (1 - 0.8) * 0.1), name
    assert conf(rec, "issue_date") == 0.0
    assert rec.fields["issue_date"].reason == "the issue date is not on the back"
    assert all(f.reason == "" for n, f in rec.fields.items() if n != "issue_date")
    assert all(f.box is None for f in rec.fields.values())


def test_missing_line_scores_count_as_zero() -> None:
    rec = back(mrz_lines(), scores=(0.9,))
    assert conf(rec, "document_number") == pytest.approx(1 - (1 - 0.9) * 0.1)
    assert conf(rec, "birth") == pytest.approx(1 - 1 * 0.1)
    assert conf(rec, "surname") == 0.0
    none = back(mrz_lines(), scores=())
    assert conf(none, "document_number") == pytest.approx(1 - 1 * 0.1)
    assert (conf(none, "surname"), conf(none, "sex")) == (0.0, 0.0)


@pytest.mark.parametrize(("today", "expired"), [(date(2031, 1, 16), True), (date(2031, 1, 15), False), (TODAY, False)])
def test_expired_is_whether_the_expiry_is_before_today(today: date, expired: bool) -> None:
    assert check_back(back_reading(mrz_lines(), scores=SCORES), today=today).checks.expired is expired


def test_an_expiry_that_is_no_date_is_empty_and_invalid() -> None:
    rec = back(mrz_lines(expiry="261301"))  # its check digit passes, its month does not exist
    assert rec.fields["expiry_date"].value == ""
    assert conf(rec, "expiry_date") == 0.0
    assert rec.iso_dates["expiry_date"] is None
    assert rec.checks.dates_valid is False
    assert rec.checks.expired is None
    assert rec.checks.document_number_valid is True


def test_a_birth_that_is_no_date_is_empty_and_invalid() -> None:
    rec = back(mrz_lines(birth="011301"))
    assert rec.fields["birth"].value == ""
    assert conf(rec, "birth") == 0.0
    assert rec.checks.dates_valid is False
    assert rec.checks.expired is False


@pytest.mark.parametrize(
    ("bad", "field", "score"),
    [("document_number", "document_number", 0.9), ("birth", "birth", 0.8), ("expiry", "expiry_date", 0.8)],
)
def test_a_failed_check_digit_caps_its_field(bad: str, field: str, score: float) -> None:
    rec = back(mrz_lines(bad=(bad,)))
    assert conf(rec, field) == pytest.approx(0.5)
    assert rec.fields[field].reason == "check digit does not match"
    assert rec.checks.document_number_valid is (bad != "document_number")
    assert rec.checks.run_check_digit_valid is True
    # The other fields as if the MRZ were clean: one failed digit is no misread MRZ.
    assert conf(rec, "surname") == pytest.approx(0.7 * 0.9)
    assert conf(rec, "number") == pytest.approx(1 - (1 - 0.8) * 0.1)
    # A line scored under the cap keeps its score.
    low = back(mrz_lines(bad=(bad,)), scores=(0.4, 0.4, 0.4))
    assert conf(low, field) == pytest.approx(0.4)


def test_a_failed_check_digit_gives_way_to_the_qr_links_passing_one() -> None:
    # The MRZ misread (a thumb over its second line, a glare): the link's copy, Reed-Solomon protected and
    # passing its own check digit, stands in, whether it agrees with the MRZ's value or not.
    misread = mrz_lines(doc="500104031", birth="010116", expiry="310715", bad=("document_number", "birth", "expiry"))
    for lines in (mrz_lines(bad=("document_number", "birth", "expiry")), misread):
        rec = back(lines, LINK)
        expected = {"document_number": "500104037", "birth": "15 ENE 2001", "expiry_date": "15 ENE 2031"}
        assert {name: rec.fields[name].value for name in expected} == expected
        for name in expected:
            assert conf(rec, name) == pytest.approx(0.97), name
            assert rec.fields[name].source is Source.QR and rec.fields[name].reason == "", name
        assert rec.checks.document_number_valid is True and rec.checks.dates_valid is True
        assert rec.iso_dates["birth"] == "2001-01-15" and rec.iso_dates["expiry_date"] == "2031-01-15"
    # A link whose own check digits fail stands in for nothing: the MRZ's values stay, capped.
    broken = link(mrz_part="500104036201011483101158")
    rec = back(misread, broken)
    assert rec.fields["document_number"].value == "500104031" and conf(rec, "document_number") == pytest.approx(0.5)
    assert rec.fields["birth"].value == "16 ENE 2001" and conf(rec, "birth") == pytest.approx(0.5)
    assert rec.checks.document_number_valid is False


def test_a_passing_check_digit_is_kept_beside_a_disagreeing_link() -> None:
    rec = back(mrz_lines(doc="500104031"), LINK)  # each passes its own check: the MRZ is read, not replaced
    assert rec.fields["document_number"].value == "500104031"
    assert rec.fields["document_number"].source is Source.MRZ


def test_a_failed_composite_check_caps_a_valid_run() -> None:
    rec = back(mrz_lines(bad=("composite",)))
    assert rec.fields["number"].value == "41.000.297-3"
    assert conf(rec, "number") == pytest.approx(0.7)
    assert rec.fields["number"].reason == "MRZ composite check digit does not match"
    assert rec.checks.run_check_digit_valid is True
    assert rec.checks.document_number_valid is True
    assert conf(back(mrz_lines(bad=("composite",)), scores=(0.9, 0.6, 0.7)), "number") == pytest.approx(0.6)
    # A disagreeing QR link does not lift it; an agreeing one does: the composite covers the document
    # number and the dates too, and the RUN's own check digit passes on both sources.
    assert conf(back(mrz_lines(bad=("composite",)), link(run="12749625-0")), "number") == pytest.approx(0.7)
    lifted = back(mrz_lines(bad=("composite",)), LINK).fields["number"]
    assert lifted.confidence == pytest.approx(1 - (1 - 0.8) * 0.1 * 0.1) and lifted.reason == ""


_FAILS = "check digit does not match"
_NO_RUN = "<<<<<<<<<<<"  # optional data 2 without a RUN


@pytest.mark.parametrize(
    ("lines", "payload", "value", "confidence", "reason", "valid"),
    [
        # A RUN whose check digit fails is flagged and capped...
        pytest.param(mrz_lines(optional_2="41000298<3<"), None, "41.000.298-3", 0.5, _FAILS, False, id="fails"),
        # ... the composite failing too keeps it at the check digit's cap.
        pytest.param(
            mrz_lines(optional_2="41000298<3<", bad=("composite",)), None, "41.000.298-3", 0.5, _FAILS, False,
            id="fails-and-the-composite-too",
        ),
        pytest.param(
            mrz_lines(optional_2="10000013<K<"), None, "10.000.013-K", 1 - (1 - 0.8) * 0.1, "", True,
            id="check-digit-k",
        ),
        # No RUN in the MRZ and no QR: empty and unflagged.
        pytest.param(mrz_lines(optional_2=_NO_RUN), None, "", 0.0, "no RUN readable", None, id="none"),
        # A QR stands in for a RUN the MRZ lacks, flagged alike where its check digit fails.
        pytest.param(mrz_lines(optional_2=_NO_RUN), LINK, "41.000.297-3", 0.97, "", True, id="qr-for-the-mrz"),
        pytest.param(
            mrz_lines(optional_2=_NO_RUN), link(run="41000298-3"), "41.000.298-3", 0.5, _FAILS, False,
            id="qr-for-the-mrz-fails",
        ),
        # ... and for a RUN the MRZ misread (its check digit fails) where the link's passes.
        pytest.param(mrz_lines(optional_2="41000298<3<"), LINK, "41.000.297-3", 0.97, "", True, id="qr-for-a-misread"),
        pytest.param(
            mrz_lines(optional_2="41000298<3<"), link(run="41000296-3"), "41.000.298-3", 0.5, _FAILS, False,
            id="misread-and-the-qr-fails-too",
        ),
    ],
)  # fmt: skip
def test_the_run_and_its_check_digit(
    lines: tuple[str, ...], payload: str | None, value: str, confidence: float, reason: str, valid: bool | None
) -> None:
    rec = back(lines, payload)
    assert rec.fields["number"].value == value
    assert conf(rec, "number") == pytest.approx(confidence, abs=0)  # abs=0: no RUN read is 0.0 exactly
    assert rec.fields["number"].reason == reason
    assert rec.checks.run_check_digit_valid is valid


def test_a_given_name_filling_its_line_may_be_truncated() -> None:
    rec = back(mrz_lines(names="FERNANDEZ<ZAMBRANO<<ESTEBAN<FE"))
    assert rec.fields["given_name"].value == "ESTEBAN FE"
    assert conf(rec, "given_name") == pytest.approx(0.7 * 0.8)
    assert rec.fields["given_name"].reason == "may be truncated at 30 characters"
    assert conf(rec, "surname") == pytest.approx(0.7 * 0.9)
    assert rec.extensions["back"]["mrz"]["given_name_truncated"] is True


def test_an_unspecified_sex_is_empty() -> None:
    rec = back(mrz_lines(sex="<"))
    assert rec.fields["sex"].value == ""
    assert conf(rec, "sex") == 0.0
    assert rec.fields["sex"].reason == "nothing readable"
    assert back(mrz_lines(sex="F")).fields["sex"].value == "F"


def test_no_given_names_is_empty() -> None:
    rec = back(mrz_lines(names="FERNANDEZ"))
    assert rec.fields["given_name"].value == ""
    assert conf(rec, "given_name") == 0.0
    assert rec.fields["given_name"].reason == "nothing readable"


# --- an MRZ read cut or shifted ----------------------------------------------------------------


def _repaired(lines: tuple[str, str, str]) -> tuple[str, str, str]:
    """``lines`` with line 1's padding read three fillers short (the parse restores it)."""
    return lines[0][:27], lines[1], lines[2]


def test_a_repaired_mrz_whose_check_digits_fail_doubts_the_uncovered_fields() -> None:
    rec = back(_repaired(mrz_lines(bad=("birth", "expiry"))))
    assert rec.extensions["back"]["mrz"]["repairs"]
    for name, score in (("surname", 0.7), ("given_name", 0.7), ("sex", 0.8), ("nationality", 0.8)):
        assert conf(rec, name) == pytest.approx(score * 0.9 * 0.5), name
        assert rec.fields[name].reason == _MISREAD
    assert conf(rec, "document_number") == pytest.approx(1 - (1 - 0.9) * 0.1)
    assert conf(rec, "birth") == pytest.approx(0.5)
    assert rec.fields["birth"].reason == "check digit does not match"


@pytest.mark.parametrize("payload", [None, LINK])
def test_a_date_whose_digits_name_no_day_counts_as_a_failed_check(payload: str | None) -> None:
    # Month 34 passes its check digit by chance (a line read shifted): with the composite failing, two checked
    # fields fail, and the link standing in for the date does not make the MRZ's names any surer.
    lines = _repaired(mrz_lines(birth="013415", bad=("composite",)))
    rec = back(lines, payload)
    assert conf(rec, "surname") == pytest.approx(0.7 * 0.9 * 0.5)
    assert rec.fields["surname"].reason == _MISREAD
    assert rec.fields["birth"].value == ("15 ENE 2001" if payload else "")


def test_a_truncated_given_name_keeps_its_reason_when_the_mrz_looks_misread() -> None:
    rec = back(_repaired(mrz_lines(names="FERNANDEZ<ZAMBRANO<<ESTEBAN<FE", bad=("document_number", "composite"))))
    assert conf(rec, "given_name") == pytest.approx(0.7 * 0.8 * 0.5)
    assert rec.fields["given_name"].reason == "may be truncated at 30 characters"


@pytest.mark.parametrize(
    ("lines", "why"),
    [
        (_repaired(mrz_lines(bad=("birth",))), "one failed check digit"),
        (mrz_lines(bad=("birth", "expiry")), "lines read whole: printed so"),
    ],
)
def test_an_mrz_is_not_misread_on_one_failed_check_or_without_repairs(lines: tuple[str, ...], why: str) -> None:
    rec = back(lines)
    assert conf(rec, "surname") == pytest.approx(0.7 * 0.9), why
    assert rec.fields["surname"].reason == ""


# --- the QR link -------------------------------------------------------------------------------


def test_the_link_builder_writes_the_registrys_link() -> None:
    assert link() == LINK


def test_an_agreeing_qr_confirms_the_numbers_and_dates() -> None:
    rec = back(mrz_lines(), LINK)
    # Each agreeing source divides the remaining doubt by ten again.
    assert conf(rec, "document_number") == pytest.approx(1 - (1 - 0.9) * 0.1 * 0.1)
    for name in ("birth", "expiry_date", "number"):
        assert conf(rec, name) == pytest.approx(1 - (1 - 0.8) * 0.1 * 0.1), name
    assert conf(rec, "surname") == pytest.approx(0.7 * 0.9)
    assert rec.checks == back(mrz_lines()).checks


@pytest.mark.parametrize(
    ("payload", "unconfirmed"),
    [
        (link(run="12749625-0"), "number"),
        (link(serial="100000001"), "document_number"),
        (link(birth="010116"), "birth"),
        (link(expiry="310116"), "expiry_date"),
        (link(mrz_part="5001040372"), "birth"),  # an extract of the wrong length confirms no date
    ],
)
def test_a_disagreeing_qr_confirms_nothing(payload: str, unconfirmed: str) -> None:
    rec = back(mrz_lines(), payload)
    single = {"document_number": 1 - (1 - 0.9) * 0.1, "birth": 1 - (1 - 0.8) * 0.1}
    single["expiry_date"] = single["number"] = single["birth"]
    assert conf(rec, unconfirmed) == pytest.approx(single[unconfirmed])
    assert rec.fields[unconfirmed].value == back(mrz_lines()).fields[unconfirmed].value  # the MRZ's value


def test_a_qr_alone_gives_the_numbers_and_dates() -> None:
    rec = back(None, LINK)
    assert rec.card_type is CardType.NATIONAL_2013
    assert {n: f.value for n, f in rec.fields.items()} == {
        "issue_date": "",
        "document_number": "500104037",
        "birth": "15 ENE 2001",
        "expiry_date": "15 ENE 2031",
        "number": "41.000.297-3",
    }
    for name in ("document_number", "birth", "expiry_date", "number"):
        assert conf(rec, name) == pytest.approx(0.97), name
        assert rec.fields[name].reason == ""
    assert rec.checks == _CLEAN
    assert rec.iso_dates == {"issue_date": None, "birth": "2001-01-15", "expiry_date": "2031-01-15"}
    assert rec.to_api()["surname"] == [] and rec.to_api()["confidence"]["surname"] == 0.0


def test_a_qr_alone_flags_what_it_lacks() -> None:
    rec = back(None, link(run="41000298-3", serial=None, mrz_part=""))
    assert rec.fields["number"].value == "41.000.298-3"
    assert conf(rec, "number") == pytest.approx(0.5)
    assert rec.fields["number"].reason == "check digit does not match"
    assert set(rec.fields) == {"issue_date", "number"}
    assert rec.checks == Checks(
        run_check_digit_valid=False,
        dates_valid=False,
        issue_before_expiry=None,
        expired=None,
        document_number_valid=None,
    )


def test_a_qr_alone_of_an_expired_card() -> None:
    assert back(None, link(expiry="251231")).checks.expired is True


def test_an_unreadable_mrz_with_a_qr_reads_the_qr() -> None:
    garbled = ("XXXX", "YYYY", "ZZZZ")
    rec = back(garbled, LINK)
    assert conf(rec, "number") == pytest.approx(0.97)
    assert rec.extensions["back"]["mrz"] == {
        "raw": list(garbled),
        "lines": None,
        "check_digits": None,
        "repairs": [],
        "given_name_truncated": None,
        "document_code": None,
    }


# --- what is refused ---------------------------------------------------------------------------


def test_nothing_readable_is_a_poor_image() -> None:
    with pytest.raises(PoorImageError, match="no readable MRZ or QR code on the back"):
        back(None, None)
    with pytest.raises(PoorImageError, match="no readable MRZ or QR code on the back"):
        back(None, "http://www.registrocivil.cl")  # a QR code, but not the document-status link
    with pytest.raises(PoorImageError, match="the MRZ lines could not be read"):
        back(("XXXX", "YYYY", "ZZZZ"), None)
    with pytest.raises(PoorImageError, match="the MRZ lines could not be read"):
        back(("XXXX", "YYYY", "ZZZZ"), "http://www.registrocivil.cl")


def test_another_countrys_card_is_refused_with_its_mrz() -> None:
    lines = mrz_lines(state="ARG", nationality="ARG")
    with pytest.raises(NotChileanCardError) as err:
        back(lines)
    assert str(err.value) == "not a Chilean identity card (MRZ document 'IN' of 'ARG')"
    assert err.value.details == {"side": "back", "mrz": {"lines": list(lines), "issuing_state": "ARG"}}


@pytest.mark.parametrize("code", ["P<", "PA", "VX"])
def test_a_chilean_document_that_is_no_identity_card_is_refused(code: str) -> None:
    with pytest.raises(NotChileanCardError, match=f"MRZ document '{code}' of 'CHL'"):
        back(mrz_lines(code=code, optional_2="<<<<<<<<<<<"))
    with pytest.raises(NotChileanCardError):
        back(mrz_lines(code=code, optional_2="41000298<3<"))  # a RUN whose check digit fails


def test_a_chilean_passport_with_a_valid_run_is_refused() -> None:
    with pytest.raises(NotChileanCardError):
        back(mrz_lines(code="P<"))


@pytest.mark.parametrize("code", ["IN", "ID", "IE", "I<", "CI", "AC"])
def test_identity_card_codes_of_chile_are_read(code: str) -> None:
    rec = back(mrz_lines(code=code, optional_2="<<<<<<<<<<<"))  # no RUN: the document code decides
    assert rec.extensions["back"]["mrz"]["document_code"] == code


@pytest.mark.parametrize("state", ["CML", "CNE", "XHL"])
def test_a_state_code_misread_beside_a_valid_run_is_still_chilean(state: str) -> None:
    """Up to two of the three letters of CHL misread under blur: the RUN's own check digit says Chilean."""
    rec = back(mrz_lines(state=state))
    assert rec.fields["number"].value == "41.000.297-3"
    assert rec.card_type is CardType.NATIONAL_2013
    with pytest.raises(NotChileanCardError, match=f"of '{state}'"):
        back(mrz_lines(state=state, optional_2="41000298<3<"))
    with pytest.raises(NotChileanCardError):
        back(mrz_lines(state=state, optional_2="<<<<<<<<<<<"))


def test_a_state_code_three_letters_off_is_another_country_even_with_a_valid_run() -> None:
    with pytest.raises(NotChileanCardError, match="of 'ARG'"):
        back(mrz_lines(state="ARG"))


def test_the_registrys_qr_link_says_chilean_whatever_the_mrz() -> None:
    rec = back(mrz_lines(state="ARG", optional_2="41000298<3<"), LINK)
    assert rec.side is Side.BACK
    with pytest.raises(NotChileanCardError):
        back(mrz_lines(state="ARG", optional_2="41000298<3<"), "http://www.registrocivil.cl")


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (("document_number", "birth", "expiry", "composite"), PoorImageError),
        (("document_number", "birth", "composite"), PoorImageError),
        (("document_number", "birth"), NotChileanCardError),
        ((), NotChileanCardError),
    ],
)
def test_lines_whose_check_digits_mostly_fail_are_no_mrz_rather_than_another_card(
    bad: tuple[str, ...], error: type
) -> None:
    """Another country's card is told by at least two passing check digits; with fewer, the lines
    were print taken for an MRZ."""
    with pytest.raises(PoorImageError) as err:
        back(mrz_lines(state="ARG", bad=bad))
    assert type(err.value) is error
    if error is PoorImageError:
        assert str(err.value) == "the lines that look like an MRZ do not read as one"


# --- the card's type ---------------------------------------------------------------------------


def test_a_nationals_mrz_is_a_national_card() -> None:
    assert back(mrz_lines(), LINK).card_type is CardType.NATIONAL_2013


def test_the_visa_line_makes_a_foreigners_card() -> None:
    visa = BackText(visa=TextLine("PERMANENCIA DEFINITIVA", 0.9))
    assert back(mrz_lines(), text=visa).card_type is CardType.FOREIGNER_2013
    birthplace = BackText(birthplace=TextLine("SANTIAGO", 0.9), profession=TextLine("PROFESOR", 0.8))
    assert back(mrz_lines(), text=birthplace).card_type is CardType.NATIONAL_2013


def test_the_qr_document_type_cedula_ext_makes_a_foreigners_card() -> None:
    assert back(mrz_lines(), link(type_="CEDULA_EXT")).card_type is CardType.FOREIGNER_2013
    assert back(None, link(type_="CEDULA_EXT")).card_type is CardType.FOREIGNER_2013


def test_the_mrz_document_code_ie_makes_a_foreigners_card() -> None:
    assert back(mrz_lines(code="IE")).card_type is CardType.FOREIGNER_2013
    assert back(mrz_lines(code="ID")).card_type is CardType.NATIONAL_2013


def test_a_nationality_other_than_chilean_makes_a_foreigners_card() -> None:
    rec = back(mrz_lines(nationality="VEN"))
    assert rec.card_type is CardType.FOREIGNER_2013
    assert rec.fields["nationality"].value == "VEN"


def test_a_qr_alone_types_the_card_by_its_document_type() -> None:
    assert back(None, link(type_="CEDULA")).card_type is CardType.NATIONAL_2013
    assert back(None, link(type_=None)).card_type is CardType.UNKNOWN


# --- the details -------------------------------------------------------------------------------


def test_the_back_details_hold_the_mrz_the_qr_and_the_text() -> None:
    lines = mrz_lines(bad=("birth",))
    text = BackText(birthplace=TextLine("SANTIAGO", 0.912345), profession=TextLine("PROFESOR", 0.8))
    read = back_reading(lines, LINK, scores=SCORES, text=text)
    details = back_details(read)
    assert check_back(read, today=TODAY).extensions == {"back": details}
    assert details == {
        "mrz": {
            "raw": list(lines),
            "lines": list(lines),
            "check_digits": {"document_number": True, "birth": False, "expiry": True, "composite": True},
            "repairs": [],
            "given_name_truncated": False,
            "document_code": "IN",
        },
        "qr": qr.parse(LINK).to_dict(),
        "back_text": {
            "birthplace": {"text": "SANTIAGO", "confidence": 0.9123},
            "profession": {"text": "PROFESOR", "confidence": 0.8},
            "visa": None,
        },
    }
    assert back_details(back_reading(None, None, scores=SCORES))["mrz"] is None
    assert back_details(back_reading(None, None, scores=SCORES))["qr"] is None


@pytest.mark.parametrize("doc", ["525504M73", "5255048<3"])
def test_a_document_number_of_neither_design_is_doubted_though_its_check_digit_passes(doc: str) -> None:
    """A blurred line can pass its check digit by chance: a letter among a 2013 number's digits
    (or a filler) is a misreading all the same, and is not raised by the passing digit."""
    rec = back(mrz_lines(doc=doc))
    assert rec.fields["document_number"].value == doc
    assert conf(rec, "document_number") == pytest.approx(0.5)
    assert rec.fields["document_number"].reason.startswith("not a document number of either design")
    assert rec.checks.document_number_valid is False
    low = back(mrz_lines(doc=doc), scores=(0.4, 0.8, 0.7))
    assert conf(low, "document_number") == pytest.approx(0.4)


def test_a_2024_document_number_passing_its_check_digit_is_trusted() -> None:
    rec = back(mrz_lines(doc="B5F089055"))
    assert conf(rec, "document_number") == pytest.approx(1 - (1 - 0.9) * 0.1)
    assert rec.checks.document_number_valid is True
