"""TD1 parsing, check digits and check-digit-guided repair."""

from __future__ import annotations

import datetime as dt

import pytest

from chile_id_ocr.card import mrz

SPECIMEN = ("IDCHL1000000017<<<<<<<<<<<<<<<", "8302217F2308102CHL12749625<K<2", "FREDEZ<VIDAL<<MARCELA<CAROLINA")
TEST_CARD = ("INCHL5001040372787<<<<<<<<<<<<", "0101158M3101159CHL41000297<3<8", "FERNANDEZ<ZAMBRANO<<ESTEBAN<FE")


# ICAO Doc 9303 Part 5 (TD1), Appendix A: the specimen card of the fictitious state Utopia.
ICAO_TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")


def test_check_digit_matches_icao_example() -> None:
    # ICAO 9303 part 3's worked example: document number L898902C3, check digit 6.
    assert mrz.calc_check_digit("L898902C3") == "6"
    assert mrz.calc_check_digit("740812") == "2"
    assert mrz.calc_check_digit("120415") == "9"


@pytest.mark.parametrize(
    ("data", "digit"),
    [
        # Fixed vectors printed in ICAO Doc 9303, each worked by hand here with the weights 7, 3, 1 (A=10 ... Z=35,
        # < = 0) and the sum taken mod 10, so that they do not depend on the code under test.
        # TD1 specimen (Part 5), document number D23145890:
        #   D=13*7 + 2*3 + 3*1 + 1*7 + 4*3 + 5*1 + 8*7 + 9*3 + 0*1 = 91+6+3+7+12+5+56+27+0 = 207 -> 7
        ("D23145890", "7"),
        # birth 740812: 7*7 + 4*3 + 0*1 + 8*7 + 1*3 + 2*1 = 49+12+0+56+3+2 = 122 -> 2
        ("740812", "2"),
        # expiry 120415: 1*7 + 2*3 + 0*1 + 4*7 + 1*3 + 5*1 = 7+6+0+28+3+5 = 49 -> 9
        ("120415", "9"),
        # TD1 composite: line 1 positions 6-30, line 2 positions 1-7, 9-15 and 19-29:
        #   D231458907 (207 as above, + 7*7 = 256) + 15 fillers (0) + 7408122 (21+4+0+24+1+14+6 = 70)
        #   + 1204159 (1+14+0+4+7+15+9 = 50) + 11 fillers (0) = 376 -> 6 (the weights run on across the parts)
        ("D231458907" + "<" * 15 + "7408122" + "1204159" + "<" * 11, "6"),
        # TD3 specimen passport (Part 4): personal number ZE184226B<<<<<:
        #   Z=35*7 + E=14*3 + 1*1 + 8*7 + 4*3 + 2*1 + 2*7 + 6*3 + B=11*1 = 245+42+1+56+12+2+14+18+11 = 401 -> 1
        ("ZE184226B<<<<<", "1"),
        # TD3 composite: line 2 positions 1-10, 14-20 and 22-43: L898902C36 (147+24+9+56+27+0+14+36+3+42 = 358)
        #   + 7408122 (70) + 1204159ZE184226B<<<<<1 (1+14+0+4+7+15+9+245+42+1+56+12+2+14+18+11+0+1 = 452) = 880 -> 0
        ("L898902C36" + "7408122" + "1204159ZE184226B<<<<<1", "0"),
    ],
)
def test_check_digit_of_the_icao_9303_specimens(data: str, digit: str) -> None:
    assert mrz.calc_check_digit(data) == digit
    assert mrz.is_valid_check(data, digit)
    assert not any(mrz.is_valid_check(data, other) for other in "0123456789" if other != digit)


def test_icao_td1_specimen_parses_with_every_check_passing() -> None:
    """The standard's own TD1 (not a Chilean card): the parser reads it as printed and every check passes."""
    parsed = mrz.parse(ICAO_TD1)
    assert parsed is not None
    assert parsed.lines == ICAO_TD1 and parsed.repairs == ()
    assert parsed.checks == {"document_number": True, "birth": True, "expiry": True, "composite": True}
    assert (parsed.document_code, parsed.issuing_state, parsed.document_number) == ("I<", "UTO", "D23145890")
    assert (parsed.optional_1, parsed.birth, parsed.sex, parsed.expiry) == ("", "740812", "F", "120415")
    assert (parsed.nationality, parsed.run) == ("UTO", None)
    assert (parsed.surnames, parsed.given_names) == (("ERIKSSON",), ("ANNA", "MARIA"))
    assert not parsed.given_names_truncated


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
