"""The fusion of a front and a back, field by field: which source's value is kept, how its
confidence combines the sources that agree, how a conflict is reported, and which side's checks
the result carries. Each side is checked from a reading built line by line (no image, no OCR),
so that the sources' confidences are the checks' own and the fusion's rules are what is pinned.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from check_support import BOX, CLEAN_CHECKS, ESTEBAN_FRONT, FIT, LINK, back_reading, link, mrz_lines
from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.check.back import check_back
from chile_id_ocr.check.front import check_front
from chile_id_ocr.check.fuse import ascii_key, fuse
from chile_id_ocr.read.front import FrontReading, LineReading
from chile_id_ocr.result import CardType, Recognition, Side

TODAY = date(2026, 1, 1)
FIELDS = (
    "birth", "document_number", "expiry_date", "given_name", "issue_date", "nationality", "number", "sex", "surname",
)  # fmt: skip


def front(score: float = 0.6, marks: tuple[str, ...] = (), **changed: str | LineReading) -> Recognition:
    """ESTEBAN's front, every line read at ``score`` but those ``changed``; each line in its own box."""
    lines = {}
    for i, (name, value) in enumerate({**ESTEBAN_FRONT, **changed}.items()):
        box = (0.3, 0.05 * i, 0.6, 0.05 * i + 0.04)
        lines[name] = value if isinstance(value, LineReading) else LineReading(name, value, score, box, True)
    return check_front(FrontReading(FIT, FRONT_2013, lines, marks), to_input=1.0, today=TODAY)


def back(lines: tuple[str, str, str] | None = None, payload: str | None = None, scores=(0.5, 0.5, 0.5)) -> Recognition:
    return check_back(back_reading(lines, payload, scores=scores), today=TODAY)


def fused(f: Recognition, b: Recognition) -> tuple[Recognition, dict]:
    result = fuse(f, b)
    return result, result.extensions["fusion"]


def api(value: str | tuple[str, ...]) -> str | list[str]:
    return list(value) if isinstance(value, tuple) else value


def joint(*confidences: float) -> float:
    """The support of agreeing sources: each divides the others' doubt."""
    doubt = 1.0
    for c in confidences:
        doubt *= 1.0 - c
    return 1.0 - doubt


# --- agreeing sources --------------------------------------------------------------------------


def test_agreeing_sides_divide_each_others_doubt_and_keep_the_fronts_value() -> None:
    f, b = front(), back(mrz_lines())
    result, fusion = fused(f, b)
    assert set(fusion) == set(FIELDS)
    for name in FIELDS:
        fc = f.fields[name].confidence
        reading = result.fields[name]
        assert reading.value == f.fields[name].value, name
        assert reading.box == f.fields[name].box and reading.box is not None, name
        assert reading.reason == "", name
        if name == "issue_date":  # the back does not print it
            assert reading.confidence == pytest.approx(fc)
            assert fusion[name] == {"sources": {"front": "14 OCT 2020"}, "agree": ["front"], "conflict": False}
            continue
        assert reading.confidence == pytest.approx(joint(fc, b.fields[name].confidence)), name
        assert fusion[name] == {
            "sources": {"front": api(f.fields[name].value), "mrz": api(b.fields[name].value)},
            "agree": ["front", "mrz"],
            "conflict": False,
        }, name
    # The names keep the front's spelling: accents the MRZ cannot print.
    assert result.fields["surname"].value == ("FERNÁNDEZ", "ZAMBRANO")
    assert fusion["surname"]["sources"] == {"front": ["FERNÁNDEZ", "ZAMBRANO"], "mrz": ["FERNANDEZ", "ZAMBRANO"]}


def test_the_fused_result_is_the_fronts_card_with_both_sides_details() -> None:
    f, b = front(), back(mrz_lines(), LINK)
    result, fusion = fused(f, b)
    assert result.side is Side.FRONT
    assert result.card_type is CardType.NATIONAL_2013
    assert result.quad == f.quad
    assert result.iso_dates == f.iso_dates
    assert result.checks == f.checks
    assert result.extensions == {
        "front": f.extensions["front"],
        "back": b.extensions["back"],
        "sides": ["front", "back"],
        "fusion": fusion,
    }
    assert result.details()["sides"] == ["front", "back"]


def test_the_fronts_raw_text_is_kept_and_a_field_the_front_lacks_comes_from_the_back() -> None:
    f = front()
    fields = {**f.fields, "sex": replace(f.fields["sex"], raw="SEXO M")}
    del fields["nationality"]
    result, fusion = fused(replace(f, fields=fields), back(mrz_lines()))
    assert result.fields["sex"].raw == "SEXO M"
    assert result.fields["nationality"].value == "CHILENA"
    assert result.fields["nationality"].raw == ""
    assert result.fields["nationality"].box is None
    assert fusion["nationality"] == {"sources": {"mrz": "CHILENA"}, "agree": ["mrz"], "conflict": False}


def test_the_card_type_is_the_fronts() -> None:
    result, _ = fused(front(marks=("EXTRANJERO",)), back(mrz_lines(), LINK))
    assert result.card_type is CardType.FOREIGNER_2013


def test_the_qr_link_is_a_third_source_and_support_is_capped() -> None:
    f, b = front(), back(mrz_lines(), LINK)
    result, fusion = fused(f, b)
    for name, value in (("number", "41.000.297-3"), ("document_number", "500104037"), ("birth", "15 ENE 2001")):
        mrz_value = api(b.fields[name].value)
        assert fusion[name] == {
            "sources": {"front": f.fields[name].value, "mrz": mrz_value, "qr": value},
            "agree": ["front", "mrz", "qr"],
            "conflict": False,
        }, name
        support = joint(f.fields[name].confidence, b.fields[name].confidence, 0.97)
        assert support > 0.9999
        assert result.fields[name].confidence == pytest.approx(0.9999), name  # never quite certain


def test_a_qr_alone_on_the_back_is_trusted_at_097() -> None:
    f, b = front(), back(None, LINK)
    result, fusion = fused(f, b)
    for name, value in (
        ("number", "41.000.297-3"),
        ("document_number", "500104037"),
        ("birth", "15 ENE 2001"),
        ("expiry_date", "15 ENE 2031"),
    ):
        assert fusion[name] == {
            "sources": {"front": f.fields[name].value, "qr": value},
            "agree": ["front", "qr"],
            "conflict": False,
        }, name
        assert result.fields[name].confidence == pytest.approx(joint(f.fields[name].confidence, 0.97)), name
    # The names the back does not give come from the front alone.
    assert fusion["surname"] == {"sources": {"front": ["FERNÁNDEZ", "ZAMBRANO"]}, "agree": ["front"], "conflict": False}
    assert result.fields["surname"].confidence == pytest.approx(f.fields["surname"].confidence)


@pytest.mark.parametrize(
    ("birth", "expiry", "expected"),
    [
        ("010115", "310115", {"birth": "15 ENE 2001", "expiry_date": "15 ENE 2031"}),
        ("830221", "300915", {"birth": "21 FEB 1983", "expiry_date": "15 SEPT 2030"}),
    ],
)
def test_the_qr_dates_are_read_from_the_links_mrz_extract(birth: str, expiry: str, expected: dict) -> None:
    _, fusion = fused(front(), back(None, link(birth=birth, expiry=expiry)))
    for name, value in expected.items():
        assert fusion[name]["sources"]["qr"] == value, name


def test_an_extract_of_the_wrong_length_gives_no_dates() -> None:
    _, fusion = fused(front(), back(None, LINK + "0"))
    assert fusion["birth"]["sources"] == {"front": "15 ENE 2001"}
    assert fusion["expiry_date"]["sources"] == {"front": "15 ENE 2031"}
    assert fusion["number"]["sources"]["qr"] == "41.000.297-3"


# --- conflicts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "front_text", "back_value", "iso"),
    [
        ("birth", "15 ENE 2002", "15 ENE 2001", "2001-01-15"),
        ("expiry_date", "15 ENE 2032", "15 ENE 2031", "2031-01-15"),
    ],
)
def test_a_conflict_goes_to_the_better_supported_back_and_its_iso_date(
    name: str, front_text: str, back_value: str, iso: str
) -> None:
    f, b = front(**{name: front_text}), back(mrz_lines())
    result, fusion = fused(f, b)
    reading = result.fields[name]
    assert reading.value == back_value
    assert result.iso_dates[name] == iso  # the value and its ISO form say the same date
    assert reading.confidence == pytest.approx(b.fields[name].confidence * 0.7)
    assert reading.reason == f"sources disagree (front {front_text})"
    assert reading.box is None  # the front's box is not where this value was read
    assert fusion[name] == {
        "sources": {"front": front_text, "mrz": back_value},
        "agree": ["mrz"],
        "conflict": True,
    }


@pytest.mark.parametrize(
    ("name", "mrz_change", "back_value"),
    [("birth", {"birth": "020115"}, "15 ENE 2002"), ("expiry_date", {"expiry": "320115"}, "15 ENE 2032")],
)
def test_a_conflict_goes_to_the_better_supported_front_and_its_iso_date(
    name: str, mrz_change: dict, back_value: str
) -> None:
    bad = ("birth",) if name == "birth" else ("expiry",)
    f, b = front(), back(mrz_lines(bad=bad, **mrz_change))  # the back's date fails its check digit
    result, fusion = fused(f, b)
    reading = result.fields[name]
    assert reading.value == f.fields[name].value
    assert result.iso_dates[name] == f.iso_dates[name]
    assert reading.confidence == pytest.approx(f.fields[name].confidence * 0.7)
    assert reading.reason == f"sources disagree (mrz {back_value})"
    assert reading.box == f.fields[name].box
    assert fusion[name]["agree"] == ["front"] and fusion[name]["conflict"] is True


def test_the_conflict_reason_names_every_source_that_disagrees() -> None:
    f = front()
    b = back(mrz_lines(), link(run="12749625-0"))
    result, fusion = fused(f, b)
    assert result.fields["number"].value == "41.000.297-3"
    expected = joint(f.fields["number"].confidence, b.fields["number"].confidence) * 0.7
    assert result.fields["number"].confidence == pytest.approx(expected)
    assert result.fields["number"].reason == "sources disagree (qr 12.749.625-0)"
    assert fusion["number"]["agree"] == ["front", "mrz"]
    # Three sources, three values: the best supported (the QR's 0.97) wins, the two others are named.
    b = back(mrz_lines(optional_2="10000013<K<"), link(run="12749625-0"))
    result, fusion = fused(f, b)
    assert result.fields["number"].value == "12.749.625-0"
    assert result.fields["number"].confidence == pytest.approx(0.97 * 0.7)
    assert result.fields["number"].reason == "sources disagree (front 41.000.297-3, mrz 10.000.013-K)"
    assert fusion["number"] == {
        "sources": {"front": "41.000.297-3", "mrz": "10.000.013-K", "qr": "12.749.625-0"},
        "agree": ["qr"],
        "conflict": True,
    }


# --- names -------------------------------------------------------------------------------------


def _low_names(**changed: str) -> Recognition:
    """ESTEBAN's front, its name lines read at 0.4: less sure than an MRZ read at 0.99."""
    texts = {"surname_1": "FERNÁNDEZ", "surname_2": "ZAMBRANO", "given_name": "ESTEBAN", **changed}
    return front(**{n: LineReading(n, t, 0.4, BOX, True) for n, t in texts.items()})


@pytest.mark.parametrize("name", ["surname", "given_name"])
def test_names_keep_the_fronts_spelling_even_with_less_support(name: str) -> None:
    f, b = _low_names(), back(mrz_lines(), scores=(0.5, 0.5, 0.99))
    assert f.fields[name].confidence < b.fields[name].confidence
    result, _ = fused(f, b)
    assert result.fields[name].value == {"surname": ("FERNÁNDEZ", "ZAMBRANO"), "given_name": "ESTEBAN"}[name]
    expected = joint(f.fields[name].confidence, b.fields[name].confidence)
    assert result.fields[name].confidence == pytest.approx(expected)


@pytest.mark.parametrize(
    ("name", "changed", "value", "reason"),
    [
        ("surname", {"surname_1": "HERNÁNDEZ"}, ("HERNÁNDEZ", "ZAMBRANO"), "sources disagree (mrz FERNANDEZ ZAMBRANO)"),
        ("given_name", {"given_name": "JOAQUÍN"}, "JOAQUÍN", "sources disagree (mrz ESTEBAN)"),
    ],
)
def test_a_name_in_conflict_keeps_the_fronts_reading_flagged(name: str, changed: dict, value, reason: str) -> None:
    f, b = _low_names(**changed), back(mrz_lines(), scores=(0.5, 0.5, 0.99))
    assert f.fields[name].confidence < b.fields[name].confidence
    result, fusion = fused(f, b)
    reading = result.fields[name]
    assert reading.value == value
    assert reading.confidence == pytest.approx(f.fields[name].confidence * 0.7)
    assert reading.reason == reason
    assert reading.box == f.fields[name].box
    assert fusion[name]["agree"] == ["front"] and fusion[name]["conflict"] is True


def test_a_name_the_front_did_not_read_comes_from_the_mrz() -> None:
    f, b = front(surname_1="", surname_2=""), back(mrz_lines())
    result, fusion = fused(f, b)
    assert result.fields["surname"].value == ("FERNANDEZ", "ZAMBRANO")
    assert result.fields["surname"].confidence == pytest.approx(b.fields["surname"].confidence)
    assert result.fields["surname"].box is None
    assert fusion["surname"] == {"sources": {"mrz": ["FERNANDEZ", "ZAMBRANO"]}, "agree": ["mrz"], "conflict": False}


def test_a_field_no_source_read_is_left_out() -> None:
    result, fusion = fused(front(given_name=""), back(None, LINK))
    assert "given_name" not in result.fields
    assert fusion["given_name"] == {"sources": {}, "agree": [], "conflict": False}


@pytest.mark.parametrize(
    ("given", "mrz_names", "agree"),
    [
        ("ESTEBAN FELIPE", "FERNANDEZ<ZAMBRANO<<ESTEBAN<FE", True),  # the MRZ cut the name short
        ("ESTEBAN", "FERNANDEZ<ZAMBRANO<<ESTEBAN<FELIPE", True),  # the front's second line not read
        ("ESTEBAN FELIPE", "FERNANDEZ<ZAMBRANO<<ESTEBAN<FELIPE", True),
        ("ES", "FERNANDEZ<ZAMBRANO<<ESTEBAN", True),
        ("E", "FERNANDEZ<ZAMBRANO<<ESTEBAN", False),  # one letter is no evidence
        ("JUAN", "FERNANDEZ<ZAMBRANO<<ESTEBAN", False),
        ("ESTEBAN", "FERNANDEZ<ZAMBRANO<<JUAN", False),
    ],
)
def test_given_names_agree_when_one_begins_the_other(given: str, mrz_names: str, agree: bool) -> None:
    f, b = front(given_name=given), back(mrz_lines(names=mrz_names))
    result, fusion = fused(f, b)
    assert result.fields["given_name"].value == given  # the front's, in conflict or not
    assert fusion["given_name"]["conflict"] is not agree
    assert fusion["given_name"]["agree"] == (["front", "mrz"] if agree else ["front"])
    fc, bc = f.fields["given_name"].confidence, b.fields["given_name"].confidence
    assert result.fields["given_name"].confidence == pytest.approx(joint(fc, bc) if agree else fc * 0.7)


def test_surnames_must_agree_whole() -> None:
    _, fusion = fused(front(surname_2=""), back(mrz_lines()))
    assert fusion["surname"]["conflict"] is True


def test_ascii_key() -> None:
    assert ascii_key(("FERNÁNDEZ", "ZAMBRANO")) == "FERNANDEZ<ZAMBRANO"
    assert ascii_key("MARÍA JOSÉ") == "MARIA<JOSE"
    assert ascii_key("  núñez   müller-schmidt ") == "NUNEZ<MULLER<SCHMIDT"
    assert ascii_key(("D'ARTAGNAN",)) == "D<ARTAGNAN"
    assert ascii_key(()) == ""


# --- the checks the result carries -------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_lines", "mrz", "check", "field", "value", "checks"),
    [
        pytest.param(
            {"run_small": "41.000.297-4", "run_large": "RUN 41.000.297-4"}, {},
            "run_check_digit_valid", "number", "41.000.297-3", {"front": False, "back": True, "fused": True},
            id="run-kept-from-the-back",
        ),
        pytest.param(
            {}, {"optional_2": "41000298<3<"},
            "run_check_digit_valid", "number", "41.000.297-3", {"front": True, "back": False, "fused": True},
            id="run-kept-from-the-front",
        ),
        pytest.param(
            {"document_number": "12345"}, {},
            "document_number_valid", "document_number", "500104037", {"front": False, "back": True, "fused": True},
            id="document-number-kept-from-the-back",
        ),
        pytest.param(
            {}, {"doc": "500104038", "bad": ("document_number",)},
            "document_number_valid", "document_number", "500104037", {"front": True, "back": False, "fused": True},
            id="document-number-kept-from-the-front",
        ),
        pytest.param(  # the back's expiry fails its check
            {}, {"expiry": "251231", "bad": ("expiry",)},
            "expired", "expiry_date", "15 ENE 2031", {"front": False, "back": True, "fused": False},
            id="expiry-kept-from-the-front",
        ),
    ],
)  # fmt: skip
def test_a_check_comes_from_the_side_whose_value_is_kept(
    front_lines: dict, mrz: dict, check: str, field: str, value: str, checks: dict[str, bool]
) -> None:
    """The front read with ``front_lines``, the back's MRZ with ``mrz``: ``check`` as each side and the
    fused result say it, the fused result keeping ``field``'s ``value``."""
    f, b = front(**front_lines), back(mrz_lines(**mrz))
    assert getattr(f.checks, check) is checks["front"]
    assert getattr(b.checks, check) is checks["back"]
    result, _ = fused(f, b)
    assert result.fields[field].value == value
    assert getattr(result.checks, check) is checks["fused"]


def test_expired_falls_back_to_the_backs_when_the_front_cannot_tell() -> None:
    f = front(expiry_date="XX")
    assert f.checks.expired is None
    for expiry, expired in (("251231", True), ("310115", False)):
        b = back(mrz_lines(expiry=expiry))
        assert b.checks.expired is expired
        result, _ = fused(f, b)
        assert result.checks.expired is expired, expiry


def test_expired_follows_the_expiry_kept() -> None:
    f, b = front(), back(mrz_lines(expiry="251231"))
    result, _ = fused(f, b)
    assert result.iso_dates["expiry_date"] == "2025-12-31"
    assert result.checks.expired is True


def test_the_date_checks_are_the_fronts() -> None:
    b = back(mrz_lines())
    assert (b.checks.dates_valid, b.checks.issue_before_expiry) == (True, None)
    result, _ = fused(front(), b)
    assert (result.checks.dates_valid, result.checks.issue_before_expiry) == (True, True)
    result, _ = fused(front(issue_date="XX"), b)
    assert (result.checks.dates_valid, result.checks.issue_before_expiry) == (False, None)
    result, _ = fused(front(issue_date="15 ENE 2032"), b)
    assert result.checks.issue_before_expiry is False
    # The back cannot tell whether the dates are valid, the front can.
    qr_only = back(None, LINK.replace("&mrz=500104037201011583101159", ""))
    assert qr_only.checks.dates_valid is False
    result, _ = fused(front(), qr_only)
    assert result.checks == CLEAN_CHECKS


def test_the_back_says_foreigner_where_the_front_reads_a_national() -> None:
    """A visa line on the back (or its MRZ document code IE, its QR's CEDULA_EXT) is evidence the
    front alone may not show: the fused card is the foreigners', and both sides' evidence is kept."""
    f = front()
    b = back(mrz_lines(), link(type_="CEDULA_EXT"))
    assert (f.card_type, b.card_type) == (CardType.NATIONAL_2013, CardType.FOREIGNER_2013)
    result, _ = fused(f, b)
    assert result.card_type is CardType.FOREIGNER_2013
    assert result.card_type_evidence == (*f.card_type_evidence, *b.card_type_evidence)
    assert "QR document type CEDULA_EXT" in result.details()["card_type_evidence"]


def test_a_fused_field_still_doubtful_keeps_its_sources_reasons() -> None:
    f = front(score=0.3, birth=LineReading("birth", "15 ENE 2001", 0.3, (0.3, 0.3, 0.6, 0.34), False))
    b = back(mrz_lines(bad=("birth",)), scores=(0.1, 0.1, 0.1))
    result, fusion = fused(f, b)
    assert not fusion["birth"]["conflict"] and result.fields["birth"].confidence < 0.9
    why = (f.fields["birth"].reason, b.fields["birth"].reason)
    assert why == ("line not detected; its zone was read", "check digit does not match")
    assert result.fields["birth"].reason == "; ".join(why)
    assert result.details()["fields"]["birth"]["low_confidence_reason"] == "; ".join(why)
    # sure enough once fused: no reason
    assert fused(front(), back(mrz_lines()))[0].fields["birth"].reason == ""


def test_fusion_weighs_the_typed_sources_not_the_details() -> None:
    """The back's MRZ and QR readings travel as typed readings (``Recognition.sources``): details
    emptied of the MRZ and QR do not change the fusion."""
    f, b = front(), back(mrz_lines(), LINK)
    stripped = replace(b, extensions={"back": {"mrz": None, "qr": None}})
    assert fused(f, stripped)[0].fields == fused(f, b)[0].fields
    assert [r.source for r in b.sources["number"]] == ["mrz", "qr"]
