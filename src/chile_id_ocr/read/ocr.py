"""Adapter over the text engines: a detector (text lines in an image) and a
recognizer (the text of a tight line crop).

RapidOCR ships the PP-OCR detection and recognition models inside its wheel, so
nothing downloads at run time. Models load once per process, on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from chile_id_ocr.read.card_head import CardHead, ctc_greedy, feature_model

_MIN_REC_WIDTH = 160
_REC_MODEL = "PP-OCRv6_rec_small.onnx"  # in the rapidocr wheel
# Prior correction for the recognizer's classes. PP-OCR was trained on text where accented
# capitals are rare, so it under-reads them: on the card's names it returned N for Ñ and A
# for Á about one time in four while still giving the accented class a visible share of the
# probability. Multiplying those classes' probabilities (then renormalising) moved the
# synthetic accented name lines from 70% to 86% exact with no new false accents on names
# without them (bench/accuracy.py; weights chosen on seeds outside the benchmark's range).
_CLASS_PRIOR = {"Ñ": 50.0, "Á": 5.0, "É": 5.0, "Í": 5.0, "Ó": 5.0, "Ú": 5.0}
_ACCENT_PAIRS = (("N", "Ñ"), ("A", "Á"), ("E", "É"), ("I", "Í"), ("O", "Ó"), ("U", "Ú"))
# A line whose closest letter / accented letter call leaves more than this to the loser
# has its score lowered by that share (about 4 in 10 wrong name lines, 1 in 8 right ones).
_ACCENT_DOUBT = 0.1


@dataclass(frozen=True)
class TextBox:
    """A detected text line: four corners (x, y) in the input's pixels, and a score."""

    quad: np.ndarray
    score: float


@dataclass(frozen=True)
class TextRead:
    """What the recognizer read in one crop, with its mean character confidence."""

    text: str
    score: float


def default_threads() -> int:
    """Intra-op threads per process: ``CHILE_ID_OCR_THREADS``, else 1 (fastest per core here)."""
    try:
        return max(1, int(os.environ.get("CHILE_ID_OCR_THREADS", "1")))
    except ValueError:
        return 1


class OcrEngine:
    """PP-OCR detection and recognition through RapidOCR, with orientation left to us."""

    def __init__(self, threads: int = 1) -> None:
        from rapidocr import RapidOCR

        params = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Det.limit_type": "max",
            "Det.limit_side_len": 960,
            "Rec.rec_batch_num": 1,
        }
        ocr = RapidOCR(params=params)
        self._det = ocr._load_det_model()
        self._rec = ocr._load_rec_model()
        # RapidOCR pads every line to at least 320 px; short fields (a sex, a date) then cost
        # as much as a long name. A 160 px floor reads the same and is about 30% faster.
        channels, height, _ = self._rec.rec_image_shape
        self._rec.rec_image_shape = [channels, height, _MIN_REC_WIDTH]
        decode = self._rec.postprocess_op
        self._rec.postprocess_op = _PriorCorrected(decode, list(decode.character), _CLASS_PRIOR)
        self._features, self._features_input, general = _feature_session(threads)
        card_head = CardHead.load()
        self._card_heads = None if card_head is None else (card_head, _restricted(general, card_head.characters))
        self._card_pairs = _pair_indices(card_head.characters if card_head else ())

    def detect(self, image: np.ndarray, limit_side: int) -> list[TextBox]:
        """Text lines in ``image``, detected on a copy whose longer side is at most ``limit_side``."""
        self._det.limit_side_len = limit_side
        out = self._det(image)
        if out.boxes is None or len(out.boxes) == 0:
            return []
        return [TextBox(np.asarray(b, dtype=np.float32), float(s)) for b, s in zip(out.boxes, out.scores, strict=True)]

    def read(self, crops: list[np.ndarray]) -> list[TextRead]:
        """The text of each crop (one line each), in order."""
        if not crops:
            return []
        from rapidocr.ch_ppocr_rec import TextRecInput

        out = self._rec(TextRecInput(img=crops))
        return [TextRead(str(t), float(s)) for t, s in zip(out.txts, out.scores, strict=True)]

    def features(self, crop: np.ndarray) -> np.ndarray:
        """The recognizer backbone's features of one line crop: (time steps, features)."""
        _, height, width = self._rec.rec_image_shape
        ratio = max(width / height, crop.shape[1] / max(1, crop.shape[0]))
        batch = self._rec.resize_norm_img(crop, ratio)[np.newaxis].astype(np.float32)
        return self._features.run(None, {self._features_input: batch})[0][0]

    def read_card(self, crops: list[np.ndarray]) -> list[TextRead]:
        """The text of each crop of a card's printed words, through the card head and the
        general classifier together (``card_head.py``); the general one alone when no
        card head is installed.

        The two are multiplied (a product of experts): the card head knows the accents,
        the general classifier, trained on far more varied text, vetoes an accent that
        only the card head sees (a stroke of the line above, taken for a tilde).
        """
        if self._card_heads is None:
            return self.read(crops)
        card, general = self._card_heads
        out = []
        for crop in crops:
            features = self.features(crop)
            probs = card.probabilities(features) * general.probabilities(features)
            probs /= probs.sum(axis=1, keepdims=True)
            text, score = ctc_greedy(probs, card.characters)
            doubt = float(_doubts(probs[np.newaxis], self._card_pairs)[0])
            out.append(TextRead(text, score * (1.0 - doubt) if doubt > _ACCENT_DOUBT else score))
        return out


def _restricted(general: CardHead, characters: tuple[str, ...]) -> CardHead:
    """The general classifier over ``characters`` only, with the accent prior applied."""
    cols = [general.characters.index(c) if c != "blank" else 0 for c in characters]
    prior = np.log(np.array([_CLASS_PRIOR.get(c, 1.0) for c in characters], np.float32))
    return CardHead(general.weight[:, cols], general.bias[cols] + prior, characters)


def _feature_session(threads: int) -> tuple[Any, str, CardHead]:
    """The recognizer's backbone as an ONNX session, its input's name, and its general classifier."""
    import onnxruntime as ort
    import rapidocr

    model = Path(rapidocr.__file__).parent / "models" / _REC_MODEL
    graph, general = feature_model(model)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(graph, sess_options=options, providers=["CPUExecutionProvider"])
    return session, session.get_inputs()[0].name, general


def _pair_indices(characters: Sequence[str]) -> np.ndarray:
    index = {char: i for i, char in enumerate(characters)}
    pairs = [(index[a], index[b]) for a, b in _ACCENT_PAIRS if a in index and b in index]
    return np.array(pairs, np.int64).reshape(-1, 2)


def _doubts(probs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Per line (batch item), the largest probability left to the losing side of a letter / accented letter pair."""
    if len(pairs) == 0:
        return np.zeros(probs.shape[0], np.float32)
    losing = np.minimum(probs[..., pairs[:, 0]], probs[..., pairs[:, 1]])  # (batch, time, pairs)
    return losing.max(axis=(1, 2))


class _PriorCorrected:
    """The recognizer's CTC decoder, fed probabilities reweighted by a class prior.

    Where a letter and its accented form stay a close call after the reweighting, the
    line's score is lowered by the loser's share: an accent is what the engine gets
    wrong most often with a high score.
    """

    def __init__(self, decode: Callable[..., Any], characters: list[str], prior: dict[str, float]) -> None:
        self._decode = decode
        self._weights = np.ones(len(characters), np.float32)
        for i, char in enumerate(characters):
            self._weights[i] = prior.get(char, 1.0)
        self._pairs = _pair_indices(characters)

    def __call__(self, preds: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        weighted = preds * self._weights
        weighted /= weighted.sum(axis=-1, keepdims=True)
        lines, words = self._decode(weighted, *args, **kwargs)
        doubts = _doubts(weighted, self._pairs)
        lines = [
            (text, score * (1.0 - doubt) if doubt > _ACCENT_DOUBT else score)
            for (text, score), doubt in zip(lines, doubts, strict=True)
        ]
        return lines, words


@lru_cache(maxsize=1)
def get_engine() -> OcrEngine:
    """The process's engine, loaded on first use and reused."""
    return OcrEngine(threads=default_threads())
