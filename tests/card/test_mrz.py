"""TD1 parsing, check digits and check-digit-guided repair."""

from __future__ import annotations

import datetime as dt

import pytest

from chile_id_ocr.card import mrz

SPECIMEN = ("IDCHL1000000017<<<<<<<<<<<<<<<", "8302217F2308102CHL12749625<K<2", "FREDEZ<VIDAL<<MARCELA<CAROLINA")
TEST_CARD = ("INCHL5001040372787<<<<<<<<<<<<", "0101158M3101159CHL41000297<3<8", "FERNANDEZ<ZAMBRANO<<ESTEBAN<FE")


def test_check_digit_matches_icao_example() -> None:
    # ICAO 9303 part 3's worked example: document number L898902C3, check digit 6.
    assert mrz.calc_check_digit("L898902C3") == "6"
    assert mrz.calc_check_digit("740812") == "2"
    assert mrz.calc_check_digit("120415") == "9"


def test_real_test_card_parses_with_every_check_passing() -> None:
    parsed = mrz.parse(TEST_CARD)
    assert parsed is not None
    assert parsed.lines == TEST_CARD
    assert parsed.checks == {"document_number": True, "birth": True, "expiry": True, "composite": True}
    assert (parsed.document_code, parsed.issuing_state, parsed.document_number) == ("IN", "CHL", "500104037")
    assert (parsed.optional_1, parsed.birth, parsed.sex, parsed.expiry) == ("787", "010115", "M", "310115")
    assert (parsed.nationality, parsed.run) == ("CHL", "41000297-3")
    assert parsed.surnames == ("FERNANDEZ", "ZAMBRANO")
    assert parsed.given_names == ("ESTEBAN", "FE")
    assert parsed.given_names_truncated
    assert parsed.repairs == ()


def test_specimen_failing_checks_are_reported_not_fixed() -> None:
    parsed = mrz.parse(SPECIMEN)
    assert parsed is not None
    assert parsed.lines == SPECIMEN
    assert parsed.checks == {"document_number": False, "birth": False, "expiry": True, "composite": False}
    assert parsed.run == "12749625-K"


@pytest.mark.parametrize(
    ("lines", "repaired_line", "index"),
    [
        # O read for 0 in the document number and dates, a shortened filler run
        (("INCHL5OO1O4O372787<<<<<<<", TEST_CARD[1], TEST_CARD[2]), TEST_CARD[0], 0),
        # letters in the dates (I for 1, S for 5, B for 8), Z for 2 in the check digit
        (("INCHL5001040372787<<<<<<<<<<<<", "OIOIISBM3IOII59CHL41000297<3<B", TEST_CARD[2]), TEST_CARD[1], 1),
        # a filler read as K at the end of line 1 and between the RUN's body and its check digit
        (("INCHL5001040372787<<<<<<<K<<<<", "0101158M3101159CHL41000297K3<8", TEST_CARD[2]), TEST_CARD[1], 1),
        # a dropped filler after the RUN
        ((TEST_CARD[0], "0101158M3101159CHL41000297<38", TEST_CARD[2]), TEST_CARD[1], 1),
        # digits read for letters in the names and the issuing state; lower case; spaces
        (("inch1 5001040372787<<<<<<<<<<<<", TEST_CARD[1], "FERNANDEZ<ZAMBRAN0<<E5TEBAN<FE"), TEST_CARD[2], 2),
    ],
)
def test_repairs_confusions_where_the_position_allows(lines: tuple[str, ...], repaired_line: str, index: int) -> None:
    parsed = mrz.parse(lines)
    assert parsed is not None
    assert parsed.lines[index] == repaired_line
    assert parsed.all_valid
    assert parsed.repairs


def test_filler_read_as_k_in_the_run_is_told_from_the_check_digit_k() -> None:
    parsed = mrz.parse((SPECIMEN[0], "8302217F2308102CHL12749625KK<2", SPECIMEN[2]))
    assert parsed is not None
    assert parsed.run == "12749625-K"


def test_a_misread_digit_is_not_changed_to_pass_a_check() -> None:
    # 3 read for 8 in the birth date: a digit read as a digit stays; the check fails.
    parsed = mrz.parse((TEST_CARD[0], "0101153M3101159CHL41000297<3<8", TEST_CARD[2]))
    assert parsed is not None
    assert parsed.birth == "010115"
    assert parsed.lines[1][6] == "3"
    assert parsed.checks["birth"] is False
    assert parsed.checks["composite"] is False


def test_a_stray_character_among_the_fillers_is_a_filler_where_the_composite_check_says_so() -> None:
    # A chevron read as a digit after the RUN's check digit, and a speck read after line 1's padding.
    parsed = mrz.parse(("INCHL5001040372787<<<<<<<<<<<6", "0101158M3101159CHL41000297<348", TEST_CARD[2]))
    assert parsed is not None
    assert parsed.lines[:2] == TEST_CARD[:2]
    assert parsed.all_valid and parsed.run == "41000297-3"
    # Where the composite check fails either way, line 1 is kept as it was read and the failure reported.
    kept = mrz.parse(("INCHL5001040372787<<<<<<<<<<<6", "0101158M3101159CHL41000297<341", TEST_CARD[2]))
    assert kept is not None
    assert kept.lines[0].endswith("<6")
    assert kept.checks["composite"] is False


def test_not_three_td1_lines() -> None:
    assert mrz.parse(TEST_CARD[:2]) is None
    td3 = ("P<CHLFERNANDEZ<<ESTEBAN<<<<<<<<<<<<<<<<<<<<<<", "5001040372CHL0101158M3101159<<<<<<<<<<<<<<04", "")
    assert mrz.parse(td3) is None


def test_two_digit_years() -> None:
    today = dt.date(2026, 6, 1)
    assert mrz.birth_date("830221", today) == dt.date(1983, 2, 21)
    assert mrz.birth_date("250101", today) == dt.date(2025, 1, 1)
    assert mrz.birth_date("270101", today) == dt.date(1927, 1, 1)
    assert mrz.expiry_date("991231") == dt.date(2099, 12, 31)
    assert mrz.birth_date("830231", today) is None
