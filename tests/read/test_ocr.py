"""The recognizer's class prior: accented capitals the model under-reads are restored only
when the model itself gives them a share of the probability."""

from __future__ import annotations

import numpy as np
from rapidocr.ch_ppocr_rec.utils import CTCLabelDecode

from chile_id_ocr.read.ocr import _CLASS_PRIOR, _PriorCorrected, get_engine


def _decoder() -> tuple[CTCLabelDecode, list[str]]:
    decode = CTCLabelDecode(character=["N", "Ñ", "A"])
    return decode, list(decode.character)


def _preds(chars: list[str], steps: list[dict[str, float]]) -> np.ndarray:
    out = np.full((1, len(steps), len(chars)), 1e-6, np.float32)
    for t, probs in enumerate(steps):
        for char, p in probs.items():
            out[0, t, chars.index(char)] = p
    return out / out.sum(axis=2, keepdims=True)


def _text(decode, preds: np.ndarray) -> str:
    lines, _ = decode(preds, False)
    return lines[0][0]


def test_a_visible_tilde_wins_over_the_models_bias() -> None:
    decode, chars = _decoder()
    preds = _preds(chars, [{"N": 0.97, "Ñ": 0.03}, {"blank": 1.0}, {"A": 1.0}])
    assert _text(decode, preds) == "NA"
    assert _text(_PriorCorrected(decode, chars, _CLASS_PRIOR), preds) == "ÑA"


def test_a_plain_letter_stays_plain() -> None:
    decode, chars = _decoder()
    preds = _preds(chars, [{"N": 0.9995, "Ñ": 0.0005}, {"blank": 1.0}, {"A": 1.0}])
    assert _text(_PriorCorrected(decode, chars, _CLASS_PRIOR), preds) == "NA"


def test_scores_stay_probabilities() -> None:
    decode, chars = _decoder()
    preds = _preds(chars, [{"N": 0.6, "Ñ": 0.4}, {"A": 1.0}])
    lines, _ = _PriorCorrected(decode, chars, _CLASS_PRIOR)(preds, False)
    assert 0.0 < lines[0][1] <= 1.0


def test_the_engine_decodes_through_the_prior() -> None:
    assert isinstance(get_engine()._rec.postprocess_op, _PriorCorrected)


def test_a_close_accent_call_lowers_the_lines_score() -> None:
    decode, chars = _decoder()
    prior = _PriorCorrected(decode, chars, _CLASS_PRIOR)
    close = _preds(chars, [{"N": 0.985, "Ñ": 0.015}, {"A": 1.0}])  # Ñ 0.43 after the prior: a close call
    clear = _preds(chars, [{"N": 0.99999, "Ñ": 0.00001}, {"A": 1.0}])
    (close_line,), _ = prior(close, False)
    (clear_line,), _ = prior(clear, False)
    assert close_line[1] < 0.8 < 0.99 < clear_line[1]
