"""The recognizer's decoding: the accent prior restores accented capitals the general
classifier under-reads only when it gives them a share of the probability, and a close
call lowers the line's score."""

from __future__ import annotations

import numpy as np

from chile_id_ocr.models.card_head import CardHead
from chile_id_ocr.models.ocr import (
    TextRead,
    _decode,
    _decode_within,
    _pair_indices,
    _restricted,
    _with_prior,
    get_engine,
)

CHARS = ("blank", "N", "Ñ", "A")


def _identity_head() -> CardHead:
    """A classifier whose features are its logits, so tests can set the probabilities."""
    return CardHead(np.eye(len(CHARS), dtype=np.float32), np.zeros(len(CHARS), np.float32), CHARS)


def _features(steps: list[dict[str, float]]) -> np.ndarray:
    probs = np.full((len(steps), len(CHARS)), 1e-6, np.float32)
    for t, step in enumerate(steps):
        for char, p in step.items():
            probs[t, CHARS.index(char)] = p
    return np.log(probs / probs.sum(axis=1, keepdims=True))


def _read(head: CardHead, steps: list[dict[str, float]]) -> tuple[str, float]:
    result = _decode(head.probabilities(_features(steps)), head.characters, _pair_indices(head.characters))
    return result.text, result.score


def test_a_visible_tilde_wins_over_the_models_bias() -> None:
    steps = [{"N": 0.97, "Ñ": 0.03}, {"blank": 1.0}, {"A": 1.0}]
    assert _read(_identity_head(), steps)[0] == "NA"
    assert _read(_with_prior(_identity_head()), steps)[0] == "ÑA"


def test_a_plain_letter_stays_plain() -> None:
    steps = [{"N": 0.9995, "Ñ": 0.0005}, {"blank": 1.0}, {"A": 1.0}]
    assert _read(_with_prior(_identity_head()), steps)[0] == "NA"


def test_a_close_accent_call_lowers_the_lines_score() -> None:
    prior = _with_prior(_identity_head())
    close = _read(prior, [{"N": 0.985, "Ñ": 0.015}, {"A": 1.0}])  # Ñ 0.43 after the prior: a close call
    clear = _read(prior, [{"N": 0.99999, "Ñ": 0.00001}, {"A": 1.0}])
    assert 0.0 < close[1] < 0.8 < 0.99 < clear[1] <= 1.0


def test_a_restricted_classifier_keeps_the_chosen_columns() -> None:
    narrow = _restricted(_identity_head(), ("blank", "A"))
    assert narrow.weight.shape == (len(CHARS), 2)
    assert narrow.characters == ("blank", "A")
    assert _read(narrow, [{"A": 0.6, "N": 0.4}])[0] == "A"


def test_the_engine_reads_a_rendered_word() -> None:
    import cv2

    crop = np.full((48, 220, 3), 255, np.uint8)
    cv2.putText(crop, "PEREZ", (6, 38), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    engine = get_engine()
    assert engine.read([crop])[0].text == "PEREZ"
    assert engine.read_card([crop])[0].text == "PEREZ"


def test_a_lone_letter_under_the_blank_is_still_read_with_its_low_probability() -> None:
    probs = np.array([[0.9, 0.02, 0.0, 0.08], [0.7, 0.05, 0.0, 0.25], [0.95, 0.0, 0.0, 0.05]], np.float32)
    assert _decode_within(probs, CHARS) == TextRead("A", 0.25)
    assert _decode_within(probs[:, :1], CHARS[:1]) == TextRead("", 0.0)


def test_an_alphabet_keeps_a_reading_to_its_characters() -> None:
    import cv2

    crop = np.full((48, 160, 3), 255, np.uint8)
    cv2.putText(crop, "M", (60, 38), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    engine = get_engine()
    assert engine.read([crop], "MF")[0].text == "M"
    digits = engine.read([crop], "0123456789")[0]  # no digit there: whatever is read is a doubtful digit
    assert set(digits.text) <= set("0123456789") and digits.score < 0.5


def test_the_likelihoods_of_every_text_a_line_can_read_sum_to_one() -> None:
    """The forward algorithm sums each text's alignments; every path reads exactly one text."""
    import itertools

    from chile_id_ocr.models.card_head import ctc_log_likelihood

    probs = np.random.default_rng(3).dirichlet(np.ones(len(CHARS)), size=3)
    texts = {""} | {"".join(t) for n in (1, 2, 3) for t in itertools.product(CHARS[1:], repeat=n)}
    total = sum(np.exp(ctc_log_likelihood(probs, CHARS, text)) for text in texts)
    assert abs(total - 1.0) < 1e-6
    assert ctc_log_likelihood(probs, CHARS, "NNNN") == float("-inf")  # longer than the line allows
    assert ctc_log_likelihood(probs, CHARS, "NX") == float("-inf")  # a character it cannot read


def test_an_empty_crop_reads_as_nothing() -> None:
    """A line box cut off at the image's edge gives an empty crop: nothing read, no crash."""
    engine = get_engine()
    empty = np.zeros((0, 40, 3), np.uint8)
    for read in (engine.read([empty]), engine.read([empty], "0123456789"), engine.read_card([empty])):
        assert read[0].text == "" and read[0].score == 0.0
