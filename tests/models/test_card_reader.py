"""The card reader: the shipped head reads the characters every line of the front can print, a
card line in the card's fonts reads as printed under each way of reading (the words through the
card head, the lines of an alphabet through the reader), and what it cannot see stays doubtful."""

from __future__ import annotations

import numpy as np
import pytest

from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.locate.confirm import _LABEL_ALPHABET
from chile_id_ocr.models.card_reader import WEIGHTS, get_card_reader
from chile_id_ocr.models.ocr import MIXES, PRINTED, OcrEngine, get_engine
from line_support import printed_line

pytestmark = pytest.mark.skipif(not WEIGHTS.is_file(), reason="the card reader's weights are not installed")


def test_the_reader_knows_every_character_the_fronts_lines_print() -> None:
    reader = get_card_reader()
    assert reader is not None and reader is get_card_reader()  # loaded once per process
    assert reader.characters == PRINTED
    alphabets = {spec.alphabet for spec in FRONT_2013.values} | {_LABEL_ALPHABET}
    assert set("".join(alphabets)) <= set(reader.characters)


def test_its_probabilities_are_per_step_distributions() -> None:
    reader = get_card_reader()
    assert reader is not None
    features = np.random.default_rng(0).normal(size=(33, 120)).astype(np.float32)
    probs = reader.probabilities(features)
    assert probs.shape == (33, len(reader.characters))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("mix", MIXES)
def test_a_card_line_reads_as_printed_under_each_mix(mix: str) -> None:
    engine = get_engine() if mix == "reader" else OcrEngine(mix=mix)
    assert engine.read_card([printed_line("MUÑOZ")])[0].text == "MUÑOZ"
    assert engine.read([printed_line("08 MAYO 1975")], FRONT_2013.field("birth").alphabet)[0].text == "08 MAYO 1975"
    assert engine.read([printed_line("12.749.625-K")], FRONT_2013.field("run_small").alphabet)[0].text == "12.749.625-K"
    assert engine.read([printed_line("FECHA DE EMISIÓN")], _LABEL_ALPHABET)[0].text == "FECHA DE EMISIÓN"


def test_the_likeliest_text_is_the_one_read() -> None:
    engine = get_engine()
    crop = printed_line("PEÑA")
    read = engine.read_card([crop])[0]
    scores = engine.log_likelihoods(crop, ["PEÑA", "PENA", "PEÑAS"])
    assert read.text == "PEÑA" and scores[0] == max(scores) and np.isfinite(scores[0])
    date, alphabet = printed_line("21 FEB 1982"), FRONT_2013.field("birth").alphabet
    scores = engine.log_likelihoods(date, ["21 FEB 1982", "21 FEB 1962", "21 FEB 198"], alphabet)
    assert engine.read([date], alphabet)[0].text == "21 FEB 1982" and scores[0] == max(scores)


def test_a_blank_line_reads_nothing_sure() -> None:
    """An empty zone (no second surname printed) must not read as a confident word."""
    blank = printed_line("")
    for read in (get_engine().read_card([blank])[0], get_engine().read([blank], _LABEL_ALPHABET)[0]):
        assert read.text == "" or read.score < 0.5


def test_an_unknown_mix_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown mix"):
        OcrEngine(mix="linear")


def test_the_environment_can_turn_the_reader_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """``CHILE_ID_OCR_CARD_READER=0`` reads as before the reader (for comparisons)."""
    crop, alphabet = printed_line("30 SEPT 2029"), FRONT_2013.field("expiry_date").alphabet
    monkeypatch.setenv("CHILE_ID_OCR_CARD_READER", "0")
    off = get_engine.__wrapped__().read([crop], alphabet)[0]
    assert off == OcrEngine(mix="head").read([crop], alphabet)[0]
    assert off.score != get_engine().read([crop], alphabet)[0].score
