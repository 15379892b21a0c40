"""Adapter over the text engines: a detector (text lines in an image) and a
recognizer (the text of a tight line crop).

RapidOCR ships the PP-OCR detection and recognition models inside its wheel, so
nothing downloads at run time. Models load once per process, on first use.
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, cast

import cv2
import numpy as np

from chile_id_ocr.models.blur_backbone import get_blur_backbone
from chile_id_ocr.models.card_head import (
    CardHead,
    backbone_graph,
    cpu_session,
    ctc_greedy,
    ctc_log_likelihoods,
    general_classifier,
)
from chile_id_ocr.models.card_reader import CardReader, get_card_reader
from chile_id_ocr.vision.blind import Shaken

_REC_HEIGHT = 48  # the recognizer's input height
# RapidOCR pads every line to at least 320 px; short fields (a sex, a date) then cost as
# much as a long name. A 160 px floor reads the same and is about 30% faster.
_MIN_REC_WIDTH = 160
DET_MODEL = "PP-OCRv6_det_small.onnx"  # in the rapidocr wheel: the float detector
# The same detector quantized to 8-bit integers (``training/quantize.py``): about 4x faster on one
# core, but it finds small and glared lines less well where it searches a whole image or a back's
# MRZ (dev backs, hard captures: 97.8 -> 93.4 % of fields). Used only for the card fit (a candidate
# rectified to 512 px, ``detect(quick=True)``), it matched the float one on the dev split (n=40 per
# condition: fronts scan 99.7 -> 100, photo 99.4 -> 100, hard 87.5 -> 86.7, page 99.7 -> 99.7 %;
# backs the same) for about 145 ms less per card, but on the test split fronts lost (n=80: photo
# 99.6 -> 99.0 %, hard 90.1 -> 88.5 % with 2 garbage results): so the float detector runs
# everywhere by default, and ``CHILE_ID_OCR_INT8_DETECTOR`` (``_detector_models``) asks for speed.
DET_INT8 = Path(__file__).with_name("weights") / "text_det_int8.onnx"
# Line crops whose features one image's engine remembers (a front reads about 20, a few twice).
_MEMO_CROPS = 64
# Prior correction for the general classifier. PP-OCR was trained on text where accented
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
# The card's printed characters when no card reader or head is installed (they list their own).
PRINTED = ("blank", *" ',-./0123456789<ABCDEFGHIJKLMNOPQRSTUVWXYZÁÉÍÓÚÑÜ")
# How the lines read over an alphabet (dates, numbers, the sex, the printed labels) are read
# (``training/card_reader.py evaluate`` measures each): "head", the general classifier restricted
# to the printed characters; "reader", the card reader alone; "reader+general", the card reader
# and the general classifier multiplied. The card's words (``read_card``) keep the linear card
# head with the general classifier whatever the mix: on the dev lines of names it reads accents,
# Ñ above all, better than the reader (hard: 87.1 % of lines exact against 82.7 %).
MIXES = ("head", "reader", "reader+general")
_MIX = "reader"


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


_NOTHING = TextRead("", 0.0)  # an empty crop (a box cut off at the image's edge) reads as nothing


class TextEngine(Protocol):
    """What the locate and read stages ask of a text engine (``OcrEngine``, or one metered for an
    image: ``locate/scene.py``)."""

    def detect(self, image: np.ndarray, limit_side: int, *, quick: bool = False) -> list[TextBox]: ...

    def read(self, crops: Sequence[np.ndarray], alphabet: str = "", *, reader: bool = True) -> list[TextRead]: ...

    def read_card(self, crops: Sequence[np.ndarray]) -> list[TextRead]: ...

    def features(self, crop: np.ndarray) -> np.ndarray: ...

    def log_likelihoods(self, crop: np.ndarray, texts: Sequence[str], alphabet: str = "") -> list[float]: ...

    def for_one_image(self) -> TextEngine: ...


def default_threads() -> int:
    """Intra-op threads per process: ``CHILE_ID_OCR_THREADS``, else 1 (fastest per core here)."""
    try:
        return max(1, int(os.environ.get("CHILE_ID_OCR_THREADS", "1")))
    except ValueError:
        return 1


class OcrEngine:
    """PP-OCR detection and recognition, with orientation left to us.

    The detector runs through RapidOCR. The recognizer's backbone runs as one ONNX
    session cut before its classifier (``card_head.feature_model``); its general
    classifier, with the accent prior, reads any line; the card head (where installed)
    joins it for the card's printed words, and the card reader (``card_reader.py``, where
    installed) reads the lines of an alphabet (dates, numbers, the printed labels).
    """

    def __init__(
        self, threads: int = 1, mix: str = _MIX, reader: CardReader | None = None, *, shaken: bool = True
    ) -> None:
        """``mix`` says how the card's printed lines are read (``MIXES``); ``reader`` is the card
        reader to use (default: the installed one); ``shaken``: blurred crops go through the
        shaken-card backbone where it is installed (``blur_backbone.py``)."""
        from rapidocr import RapidOCR

        params = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Det.limit_type": "max",
            "Det.limit_side_len": 960,
        }
        self.detector, self.quick_detector = _detector_models()
        params["Det.model_path"] = str(self.detector)
        self._det = RapidOCR(params=params)._load_det_model()
        self._quick_det = self._det
        if self.quick_detector != self.detector:
            params["Det.model_path"] = str(self.quick_detector)
            self._quick_det = RapidOCR(params=params)._load_det_model()
        self._backbone, self._backbone_input, general = _backbone_session(threads)
        self._shaken_threads = threads if shaken else None  # the shaken-card backbone's, loaded on first use
        self._general = _with_prior(general)
        self._general_pairs = _pair_indices(general.characters)
        if mix not in MIXES:
            raise ValueError(f"unknown mix {mix!r}; expected one of {MIXES}")
        reader = None if mix == "head" else reader or get_card_reader(threads)
        card = CardHead.load()
        self._reader = None if reader is None else (reader, mix == "reader+general")
        self._card = None if card is None else (card, _restricted(self._general, card.characters))
        self._card_pairs = _pair_indices(card.characters if card else ())
        printed = reader.characters if reader else card.characters if card else PRINTED
        self._printed = _restricted(self._general, printed)
        self._memo: dict[tuple[tuple[int, ...], bool, bytes], np.ndarray] | None = None

    def for_one_image(self) -> OcrEngine:
        """This engine as one image's stages use it: the same models, and each line crop's
        features computed once (the confirmation, the reading and the rereading of a doubtful
        line look at the same crops); what it remembers goes with the image."""
        view = copy.copy(self)
        view._memo = {}
        return view

    def detect(self, image: np.ndarray, limit_side: int, *, quick: bool = False) -> list[TextBox]:
        """Text lines in ``image``, detected on a copy whose longer side is at most ``limit_side``;
        ``quick`` asks for the int8 detector where it is as good as the float one (``_detector_models``)."""
        det = self._quick_det if quick else self._det
        det.limit_side_len = limit_side
        out = det(image)
        if out.boxes is None or len(out.boxes) == 0:
            return []
        return [TextBox(np.asarray(b, dtype=np.float32), float(s)) for b, s in zip(out.boxes, out.scores, strict=True)]

    def features(self, crop: np.ndarray) -> np.ndarray:
        """The recognizer backbone's features of one line crop: (time steps, features)."""
        memo = self._memo
        if memo is None:
            return self._run_backbone(crop)
        digest = hashlib.blake2b(np.ascontiguousarray(crop).data, digest_size=16).digest()
        key = (crop.shape, isinstance(crop, Shaken), digest)
        if key not in memo:
            if len(memo) >= _MEMO_CROPS:
                memo.pop(next(iter(memo)))
            memo[key] = self._run_backbone(crop)
        return memo[key]

    def _run_backbone(self, crop: np.ndarray) -> np.ndarray:
        """The features of ``crop``: through the shaken-card backbone where the crop is cut from a
        card found shaken (``blind.Shaken``) and that backbone is installed, else the original."""
        batch = _prepare(crop)
        shaken = self._shaken_threads is not None and isinstance(crop, Shaken)
        tuned = get_blur_backbone(self._shaken_threads) if shaken else None
        if tuned is not None:
            return tuned.features(batch)
        return self._backbone.run(None, {self._backbone_input: batch})[0][0]

    def read(self, crops: Sequence[np.ndarray], alphabet: str = "", *, reader: bool = True) -> list[TextRead]:
        """The text of each crop (one line each), in order, through the general classifier.

        With an ``alphabet``, only its characters are read: the classifier is restricted to
        the card's printed characters and the line decoded over the alphabet's, so that a
        blurred date never reads as a CJK character. Scores keep the probability left to
        the other printed characters: a doubtful reading stays doubtful. Such lines go through
        the card reader where one is installed, unless ``reader`` is False (text it was not
        trained on: the general classifier alone).
        """
        if not alphabet:
            general, pairs = self._general, self._general_pairs
            return [
                _decode(general.probabilities(self.features(crop)), general.characters, pairs)
                if crop.size
                else _NOTHING
                for crop in crops
            ]
        within = self._within
        return [
            _decode_within(*within(self.features(crop), alphabet, reader)) if crop.size else _NOTHING for crop in crops
        ]

    def read_card(self, crops: Sequence[np.ndarray]) -> list[TextRead]:
        """The text of each crop of a card's printed words, through the card head and the
        general classifier together (``card_head.py``); the general one alone when no
        card head is installed.

        The two are multiplied (a product of experts): the card head knows the accents,
        the general classifier, trained on far more varied text, vetoes an accent that
        only the card head sees (a stroke of the line above, taken for a tilde).
        """
        if self._card is None:
            return self.read(crops)
        pairs = self._card_pairs
        return [_decode(*self._words(self.features(crop)), pairs) if crop.size else _NOTHING for crop in crops]

    def log_likelihoods(self, crop: np.ndarray, texts: Sequence[str], alphabet: str = "") -> list[float]:
        """How likely the reader finds each of ``texts`` printed in ``crop``: the log of its
        probability summed over every alignment (``card_head.ctc_log_likelihoods``), under
        ``read`` with ``alphabet`` when one is given, else under ``read_card``."""
        features = self.features(crop)
        if alphabet:
            probs, characters = self._within(features, alphabet)
            probs = probs / probs.sum(axis=1, keepdims=True)
        elif self._card is None:
            probs, characters = self._general.probabilities(features), self._general.characters
        else:
            probs, characters = self._words(features)
        return ctc_log_likelihoods(probs, characters, texts)

    def _within(self, features: np.ndarray, alphabet: str, reader: bool = True) -> tuple[np.ndarray, tuple[str, ...]]:
        """The printed characters' probabilities of ``alphabet`` (and the blank), and those
        characters: the card reader's (times the general classifier's, per ``mix``; renormalised),
        else (or without ``reader``) the general classifier's restricted to the printed characters."""
        printed = self._printed
        if self._reader is None or not reader:
            probs, characters = printed.probabilities(features), printed.characters
        else:
            card_reader, with_general = self._reader
            probs, characters = card_reader.probabilities(features), card_reader.characters
            if with_general:
                probs = probs * printed.probabilities(features)
                probs /= probs.sum(axis=1, keepdims=True)
        columns = [0, *(characters.index(c) for c in alphabet)]
        return probs[:, columns], tuple(characters[i] for i in columns)

    def _words(self, features: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
        """The card head's and the general classifier's probabilities multiplied, renormalised, and their characters."""
        card, general = cast(tuple[CardHead, CardHead], self._card)
        probs = card.probabilities(features) * general.probabilities(features)
        probs /= probs.sum(axis=1, keepdims=True)
        return probs, card.characters


def _prepare(crop: np.ndarray) -> np.ndarray:
    """A line crop as the recognizer takes it: 48 px high, at least 160 wide (padded on the
    right), scaled to [-1, 1], channels first, as a batch of one."""
    height = _REC_HEIGHT
    h, w = crop.shape[:2]
    width = max(_MIN_REC_WIDTH, int(height * w / max(1, h)))
    resized_w = min(width, int(np.ceil(height * w / max(1, h))))
    resized = cv2.resize(crop, (max(1, resized_w), height)).astype(np.float32)
    batch = np.zeros((1, 3, height, width), np.float32)
    batch[0, :, :, : resized.shape[1]] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
    return batch


def _decode(probs: np.ndarray, characters: tuple[str, ...], pairs: np.ndarray) -> TextRead:
    """Best-path text and score; a close letter / accented letter call lowers the score by the loser's share."""
    text, score = ctc_greedy(probs, characters)
    doubt = float(_doubts(probs[np.newaxis], pairs)[0])
    return TextRead(text, score * (1.0 - doubt) if doubt > _ACCENT_DOUBT else score)


def _decode_within(probs: np.ndarray, characters: tuple[str, ...]) -> TextRead:
    """Best-path text over a restricted alphabet. Where the blank wins every step (a lone
    letter too faint to beat it), the alphabet's likeliest character at any step is read,
    with its own low probability as the score."""
    text, score = ctc_greedy(probs, characters)
    if text or probs.shape[1] < 2:
        return TextRead(text, score)
    step, column = np.unravel_index(int(probs[:, 1:].argmax()), (probs.shape[0], probs.shape[1] - 1))
    return TextRead(characters[column + 1].strip(), round(float(probs[step, column + 1]), 6))


def _detector_models() -> tuple[Path, Path]:
    """The text detector's ONNX files: the one for every detection, and the one for a ``quick``
    detection. ``CHILE_ID_OCR_INT8_DETECTOR``: "0" (the default) uses the float one in the
    rapidocr wheel for all, "fit" the int8 one for the quick ones only, "1" for all."""
    import rapidocr

    float_model = Path(rapidocr.__file__).parent / "models" / DET_MODEL
    use = os.environ.get("CHILE_ID_OCR_INT8_DETECTOR", "0") if DET_INT8.is_file() else "0"
    if use == "1":
        return DET_INT8, DET_INT8
    return float_model, DET_INT8 if use == "fit" else float_model


def _backbone_session(threads: int) -> tuple[Any, str, CardHead]:
    """The recognizer's backbone as an ONNX session, its input's name, and its general classifier."""
    session = cpu_session(backbone_graph(), threads)
    return session, session.get_inputs()[0].name, general_classifier()


def _with_prior(head: CardHead) -> CardHead:
    """The classifier with ``_CLASS_PRIOR`` folded into its bias (a prior multiplies the probabilities)."""
    prior = np.log(np.array([_CLASS_PRIOR.get(c, 1.0) for c in head.characters], np.float32))
    return CardHead(head.weight, head.bias + prior, head.characters)


def _restricted(general: CardHead, characters: tuple[str, ...]) -> CardHead:
    """The classifier over ``characters`` only (the blank included)."""
    index = {c: i for i, c in enumerate(general.characters)}
    cols = [index[c] for c in characters]
    return CardHead(general.weight[:, cols], general.bias[cols], characters)


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


@lru_cache(maxsize=1)
def get_engine() -> OcrEngine:
    """The process's engine, loaded on first use and reused; ``CHILE_ID_OCR_CARD_READER=0`` reads
    without the card reader, as before it (``mix="head"``: for comparisons)."""
    off = os.environ.get("CHILE_ID_OCR_CARD_READER", "") == "0"
    return OcrEngine(threads=default_threads(), mix="head" if off else _MIX)
