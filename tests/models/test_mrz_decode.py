"""The TD1 decoder on per-step probabilities written out by hand: the grammar's classes, the
alignment to exactly 30 characters, and the check digits choosing among each position's choices."""

from __future__ import annotations

import numpy as np
import pytest

from chile_id_ocr.models.mrz_decode import CLASSES, GRAMMAR, MAX_CHANGES, align, candidates, constrain

ZONE = ("INCHL5333868093189<<<<<<<<<<<<", "6607249F3107243CHL12176277<3<0", "DEL<VALLE<GALLARDO<<PAULINA<AN")


def _probs(line: str, second: dict[int, tuple[str, float]] | None = None, steps_per_char: int = 2) -> np.ndarray:
    """A line's CTC probabilities: each character over ``steps_per_char`` steps then a blank;
    ``second`` gives a position a rival character and the share it takes."""
    rows = []
    for pos, char in enumerate(line):
        row = np.full(len(CLASSES), 1e-4)
        row[CLASSES.index(char)] = 1.0
        if second and pos in second:
            rival, share = second[pos]
            row[CLASSES.index(rival)] = share / (1 - share)
        rows += [row / row.sum()] * steps_per_char
        blank = np.full(len(CLASSES), 1e-4)
        blank[0] = 1.0
        rows.append(blank / blank.sum())
    return np.array(rows)


def _options(lines, seconds=None):
    out = []
    for k, line in enumerate(lines):
        probs = _probs(line, (seconds or {}).get(k))
        spans = align(np.log(probs), GRAMMAR[k], CLASSES)
        assert spans is not None
        out.append(candidates(probs, spans, GRAMMAR[k]))
    return out


def test_the_grammar_admits_the_printed_zone():
    for line, grammar in zip(ZONE, GRAMMAR, strict=True):
        assert all(char in allowed for char, allowed in zip(line, grammar, strict=True))


def test_a_clean_zone_reads_as_printed_with_nothing_changed():
    zone = constrain(_options(ZONE))
    assert zone.lines == ZONE
    assert zone.changed == 0
    assert min(zone.scores) > 0.99


def test_a_letter_read_where_a_digit_is_printed_takes_the_digit_class():
    # position 3 of line 2 (a birth digit) looks most like an O, then like 0: the class admits digits only
    misread = "660O249F3107243CHL12176277<3<0"
    probs = _probs(misread, {3: ("0", 0.3)})
    spans = align(np.log(probs), GRAMMAR[1], CLASSES)
    assert "".join(CLASSES[c] for _, _, c in spans) == "6600249F3107243CHL12176277<3<0"


def test_a_failing_check_digit_takes_the_likeliest_choice_that_passes_and_lowers_the_score():
    # the 2 of the birth date (position 4) read as 1, with 2 a close second: the birth check fails
    wrong = list(ZONE)
    wrong[1] = "6607149F3107243CHL12176277<3<0"
    zone = constrain(_options(wrong, {1: {4: ("2", 0.4)}}))
    assert zone.lines == ZONE
    assert zone.changed == 1
    clean = constrain(_options(ZONE))
    assert zone.scores[1] < clean.scores[1] * 0.91
    assert zone.scores[0] == clean.scores[0]


def test_no_more_than_the_allowed_changes_are_made():
    wrong = list(ZONE)
    wrong[1] = "1111111F3107243CHL12176277<3<0"  # every birth digit and its check wrong, with no rival
    zone = constrain(_options(wrong))
    assert zone.lines[1] == wrong[1]
    assert zone.changed == 0
    assert MAX_CHANGES == 2


def test_too_few_steps_for_thirty_characters_align_to_nothing():
    probs = _probs(ZONE[2], steps_per_char=1)[:25]
    assert align(np.log(probs), GRAMMAR[2], CLASSES) is None


@pytest.mark.parametrize("steps_per_char", [1, 3])
def test_fillers_read_as_a_run_need_blanks_between_them(steps_per_char):
    spans = align(np.log(_probs(ZONE[0], steps_per_char=steps_per_char)), GRAMMAR[0], CLASSES)
    assert "".join(CLASSES[c] for _, _, c in spans) == ZONE[0]


def test_a_blurred_state_reads_as_chl_where_the_reader_offers_it():
    # CML with H a distant second at position 3, IM with N a second at position 1: a Chilean card prints INCHL
    wrong = list(ZONE)
    wrong[0] = "IMCML5333868093189<<<<<<<<<<<<"
    zone = constrain(_options(wrong, {0: {1: ("N", 0.1), 3: ("H", 0.1)}}))
    assert zone.lines == ZONE
    assert zone.changed == 0


def test_another_countrys_state_seen_clearly_is_kept():
    # an Argentine card: no position offers C, H or L, so the zone still says ARG (and is refused as not Chilean)
    other = ("IDARG5333868093189<<<<<<<<<<<<", *ZONE[1:])
    zone = constrain(_options(other))
    assert zone.lines[0][:5] == "IDARG"


def test_a_2013_number_reads_as_digits_where_the_reader_offers_them():
    # the number's 6 (position 10) looks most like a G: a number starting with a digit is nine digits
    wrong = list(ZONE)
    wrong[0] = "INCHL53338G8093189<<<<<<<<<<<<"
    zone = constrain(_options(wrong, {0: {10: ("6", 0.2)}}))
    assert zone.lines == ZONE


def test_a_nationality_reads_as_a_countrys_code_where_the_reader_offers_one():
    # ECU read as FCM, with E and U offered second: FCM is no country's code
    printed = "9410280M2201269ECU20279101<8<8"
    misread = "9410280M2201269FCM20279101<8<8"
    zone = constrain(_options((ZONE[0], misread, ZONE[2]), {1: {15: ("E", 0.2), 17: ("U", 0.2)}}))
    assert zone.lines[1] == printed
    clear = constrain(_options((ZONE[0], "9410280M2201269XYZ20279101<8<8", ZONE[2])))
    assert clear.lines[1][15:18] == "XYZ"  # nothing else offered: kept as read (and not a country's)


def test_a_2013_number_is_not_made_to_pass_its_check_digit_with_a_letter():
    # the number's second 3 (position 7) read as 0, with N offered second and no digit: N would pass
    # the check digit, but a number of digits with a letter in it is no design's; it is left failing
    wrong = list(ZONE)
    wrong[0] = "INCHL530386809" + ZONE[0][14:]
    zone = constrain(_options(wrong, {0: {7: ("N", 0.3)}}))
    assert zone.lines[0] == wrong[0]
    assert zone.changed == 0
    offered = constrain(_options(wrong, {0: {7: ("3", 0.3)}}))  # the printed digit offered: it is taken
    assert offered.lines == ZONE and offered.changed == 1
