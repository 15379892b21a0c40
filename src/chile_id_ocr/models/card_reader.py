"""The card reader: a small convolutional and recurrent head over PP-OCR's recognizer backbone,
trained for the characters a card front prints (capitals with their accents, digits, the signs)
on line crops of synthetic fronts in every capture condition, values and printed labels alike
(``training/card_reader.py``). It ships as a small ONNX graph in the package, its characters in
the graph's metadata, and loads once per process; the backbone is the one
:class:`~chile_id_ocr.models.ocr.OcrEngine` already runs, so a line costs the head alone on top
of its features.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from chile_id_ocr.models.card_head import cpu_session

WEIGHTS = Path(__file__).with_name("weights") / "card_reader.onnx"


class CardReader:
    """The reader's ONNX session: backbone features (time, features) in, per-step probabilities of
    its ``characters`` (index 0: the CTC blank) out."""

    def __init__(self, path: Path = WEIGHTS, threads: int = 1) -> None:
        self._session: Any = cpu_session(str(path), threads)
        self._input = self._session.get_inputs()[0].name
        listed = self._session.get_modelmeta().custom_metadata_map["characters"]
        self.characters: tuple[str, ...] = ("blank", *listed)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Per time step, the probability of the blank and each character: (time, classes)."""
        batch = np.ascontiguousarray(features, np.float32)[np.newaxis]
        return np.asarray(self._session.run(None, {self._input: batch})[0][0], np.float32)


@lru_cache(maxsize=1)
def get_card_reader(threads: int = 1) -> CardReader | None:
    """The process's card reader, loaded on first use; None when its weights are not installed."""
    return CardReader(WEIGHTS, threads) if WEIGHTS.is_file() else None
