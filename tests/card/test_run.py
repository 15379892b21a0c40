"""Tests for chile_id_ocr.card.run."""

from __future__ import annotations

import dataclasses

import pytest

from chile_id_ocr.card import run
from chile_id_ocr.card.run import RunParse

SPECIMEN = "12.749.625-K"  # the specimen card's RUN: its check digit is deliberately wrong


VALID = ["76086428-5", "12531909-2", "41.000.297-3", "5.123.456-1", "12.749.625-0"]


@pytest.mark.parametrize("number", VALID)
def test_is_valid_accepts_known_good_numbers(number: str) -> None:
    assert run.is_valid(number)


@pytest.mark.parametrize("number", ["12531909-3", SPECIMEN, "41.000.297-9", "76086A28-5", "1234", ""])
def test_is_valid_rejects_bad_numbers(number: str) -> None:
    assert not run.is_valid(number)


def test_calc_check_digit_agrees_with_stdnum_examples() -> None:
    assert run.calc_check_digit("76086428") == "5"
    assert run.calc_check_digit("41000297") == "3"
    assert run.calc_check_digit("12.749.625") == "0"
    assert run.calc_check_digit("12531909") == "2"


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        # Worked by hand with the published rule (modulo 11), independent of the code under test: the body's digits
        # from the right times 2, 3, 4, 5, 6, 7, 2, 3; the check digit is 11 - (sum mod 11), 11 -> 0, 10 -> K.
        # python-stdnum's doctests (stdnum.cl.rut): 76.086.428-5, 12.531.909-2
        ("76086428", "5"),  # 8*2+2*3+4*4+6*5+8*6+0*7+6*2+7*3 = 149; 149 mod 11 = 6; 11-6 = 5
        ("12531909", "2"),  # 9*2+0*3+9*4+1*5+3*6+5*7+2*2+1*3 = 119; 119 mod 11 = 9; 11-9 = 2
        # the RUN most often given as the example of the rule, and the repeated-digit ones
        ("12345678", "5"),  # 8*2+7*3+6*4+5*5+4*6+3*7+2*2+1*3 = 138; 138 mod 11 = 6; 11-6 = 5
        ("11111111", "1"),  # 2+3+4+5+6+7+2+3 = 32; 32 mod 11 = 10; 11-10 = 1
        ("22222222", "2"),  # 2*32 = 64; 64 mod 11 = 9; 11-9 = 2
        # the test card's RUN, printed in its MRZ: 41.000.297-3
        ("41000297", "3"),  # 7*2+9*3+2*4+0+0+0+1*2+4*3 = 63; 63 mod 11 = 8; 11-8 = 3
        # the specimen's body: its true check digit is 0 (11 - 0 = 11 -> 0); the card prints K
        ("12749625", "0"),  # 5*2+2*3+6*4+9*5+4*6+7*7+2*2+1*3 = 165; 165 mod 11 = 0
        # K: sum mod 11 = 1 (11 - 1 = 10 -> K), seven- and eight-digit bodies
        ("6000000", "K"),  # 6*2 = 12; 12 mod 11 = 1
        ("40000000", "K"),  # 4*3 = 12; 12 mod 11 = 1
        ("1000000", "9"),  # 1*2 = 2; 11-2 = 9
    ],
)
def test_calc_check_digit_of_fixed_vectors(body: str, digit: str) -> None:
    assert run.calc_check_digit(body) == digit
    assert run.is_valid(f"{body}-{digit}")
    assert not any(run.is_valid(f"{body}-{other}") for other in "0123456789K" if other != digit)


def test_calc_check_digit_can_be_k() -> None:
    body = next(str(n) for n in range(10_000_000, 10_001_000) if run.calc_check_digit(str(n)) == "K")
    assert run.is_valid(body + "-K")
    assert run.is_valid(body + "k")


@pytest.mark.parametrize("body", ["", "12A45678", "12.749.62S"])
def test_calc_check_digit_rejects_non_digits(body: str) -> None:
    with pytest.raises(ValueError):
        run.calc_check_digit(body)


def test_compact_and_format_round_trip() -> None:
    assert run.compact(SPECIMEN) == "12749625K"
    assert run.format("12749625K") == SPECIMEN
    assert run.format("12749625k") == SPECIMEN
    assert run.format("51234567") == "5.123.456-7"
    assert run.format(run.compact("5.123.456-7")) == "5.123.456-7"


def test_specimen_is_returned_as_read_and_flagged() -> None:
    found = run.parse("RUN " + SPECIMEN)
    assert found == RunParse(formatted=SPECIMEN, check_digit_valid=False, repaired=False)


@pytest.mark.parametrize("text", ["RUN12.749.625K", "12749625-k", "RUN: 12.749.625 - K", "12,749,625-K"])
def test_specimen_variants_are_never_corrected(text: str) -> None:
    found = run.parse(text)
    assert found is not None
    assert found.formatted == SPECIMEN
    assert found.check_digit_valid is False


def test_parse_valid_run() -> None:
    found = run.parse("RUN 41.000.297-3")
    assert found == RunParse("41.000.297-3", check_digit_valid=True, repaired=False)
    assert (found.compact, found.body, found.check_digit) == ("410002973", "41000297", "3")


def test_parse_maps_confusions_in_body() -> None:
    found = run.parse("41.OOO.297-3")
    assert found == RunParse("41.000.297-3", check_digit_valid=True, repaired=True)
    found = run.parse("RUN 4l.OOO.297-3")
    assert found is not None and found.formatted == "41.000.297-3" and found.repaired


@pytest.mark.parametrize(
    ("text", "expected"), [("I2.749.625-K", "12.749.625-K"), ("1B.S4G.Z25-7", "18.546.225-7")]
)
def test_parse_maps_each_confusion(text: str, expected: str) -> None:
    found = run.parse(text)
    assert found is not None and found.formatted == expected and found.repaired


def test_parse_missing_dash_uses_dots() -> None:
    assert run.parse("41.000.2973") == RunParse("41.000.297-3", check_digit_valid=True, repaired=False)
    # The dots fix the body; a wrong check digit stays wrong.
    assert run.parse("41.000.2979") == RunParse("41.000.297-9", check_digit_valid=False, repaired=False)


def test_parse_seven_digit_body() -> None:
    assert run.parse("5.123.456-1") == RunParse("5.123.456-1", check_digit_valid=True, repaired=False)
    assert run.parse("5123456-1") == RunParse("5.123.456-1", check_digit_valid=True, repaired=False)


def test_parse_without_dash_or_dots_is_a_guess() -> None:
    assert run.parse("410002973") == RunParse("41.000.297-3", check_digit_valid=True, repaired=True)
    assert run.parse("51234561") == RunParse("5.123.456-1", check_digit_valid=True, repaired=True)


def test_parse_check_digit_confusion() -> None:
    found = run.parse("12.749.625-O")
    assert found == RunParse("12.749.625-0", check_digit_valid=True, repaired=True)


def test_parse_prefers_a_structured_reading() -> None:
    found = run.parse("DOC 500104037 RUN 12.749.625-K")
    assert found is not None and found.formatted == SPECIMEN


@pytest.mark.parametrize(
    "text",
    [
        "",
        "RUN",
        "ROL UNICO NACIONAL",
        "SOBIS",
        "RUN 41.000.297",  # no check digit
        "123.749.625-K",  # nine-digit body
        "1274962551",  # too long
        "02.749.625-3",  # leading zero
        "DOCUMENTO 500.104.037",
        "12.749.625 IDENTIDAD",
        "SOBIZOGOB-K",  # letters only
    ],
)
def test_parse_returns_none_without_a_plausible_run(text: str) -> None:
    assert run.parse(text) is None


def test_run_parse_is_frozen() -> None:
    found = run.parse(SPECIMEN)
    assert found is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.formatted = "41.000.297-3"  # type: ignore[misc]


def test_parse_rejects_too_many_confusions() -> None:
    assert run.parse("RUN 4l.OOO.Z97-3") is None  # five of eight body characters guessed
