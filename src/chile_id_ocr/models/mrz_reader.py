"""The MRZ reader: a small convolutional and recurrent head over PP-OCR's recognizer backbone,
trained for OCR-B's 37 symbols on synthetic backs in every capture condition
(``training/mrz_reader.py``). It ships as a small ONNX graph in the package and loads once per
process; the backbone is the one :class:`~chile_id_ocr.models.ocr.OcrEngine` already runs, so a
line costs the head alone on top of its features.

A zone is decoded under the TD1 grammar and its check digits (``mrz_decode.py``); the reader's
unconstrained best path is kept too, to tell an MRZ from any three lines of text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from chile_id_ocr.card.mrz_check import LINE_LENGTH
from chile_id_ocr.models.card_head import ctc_greedy
from chile_id_ocr.models.mrz_decode import CLASSES, GRAMMAR, Zone, align, candidates, constrain

WEIGHTS = Path(__file__).with_name("weights") / "mrz_reader.onnx"
# A free reading this many characters longer or shorter than a TD1 line is not aligned to one
# (``locate/mrz_read.py`` takes a line under the grammar within 4 edits of the free reading at most).
MAX_EDITS = 4


@dataclass(frozen=True)
class ZoneRead:
    """Three lines as the reader reads them freely (``greedy``) and under the TD1 grammar (``zone``,
    None where a line is too short to hold 30 characters)."""

    greedy: tuple[str, ...]
    greedy_scores: tuple[float, ...]
    zone: Zone | None


class MrzReader:
    """The reader's ONNX session: backbone features (time, features) in, per-step probabilities out."""

    def __init__(self, path: Path = WEIGHTS, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session: Any = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Per time step, the probability of the blank and each of the 37 symbols: (time, 38)."""
        batch = np.ascontiguousarray(features, np.float32)[np.newaxis]
        return np.asarray(self._session.run(None, {self._input: batch})[0][0], np.float64)

    def read_zone(self, features: Sequence[np.ndarray]) -> ZoneRead:
        """The three lines whose backbone features are ``features``, read freely and under the grammar."""
        probs = [self.probabilities(f) for f in features]
        greedy = [ctc_greedy(p, CLASSES) for p in probs]
        free = tuple(t for t, _ in greedy), tuple(s for _, s in greedy)
        if any(abs(len(text) - LINE_LENGTH) > MAX_EDITS for text in free[0]):
            return ZoneRead(*free, None)  # no TD1 line (the alignment is the costly part: most of 40 ms)
        options: list[list[list[tuple[str, float]]]] = []
        for p, grammar in zip(probs, GRAMMAR, strict=True):
            spans = align(np.log(np.maximum(p, 1e-12)), grammar, CLASSES)
            if spans is None:
                options = []
                break
            options.append(candidates(p, spans, grammar))
        return ZoneRead(*free, constrain(options) if options else None)


@lru_cache(maxsize=1)
def get_mrz_reader(threads: int = 1) -> MrzReader | None:
    """The process's MRZ reader, loaded on first use; None when its weights are not installed."""
    return MrzReader(WEIGHTS, threads) if WEIGHTS.is_file() else None
