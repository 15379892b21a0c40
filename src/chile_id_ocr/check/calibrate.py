"""Confidences measured against truth.

The checks give each field a confidence from the recognizer's own score, lowered by every
reason for doubt they know (a line not detected, a repair, a field that fails its format, a
card whose other fields failed...). ``training/calibration.py`` measures them on generated
captures whose truth is known (half ``A`` of the generator's world, dev seeds) and fits a
logistic model over the field's own confidence (as log-odds), which field it is, whether a
reason was given, and how the rest of the card fared. The remap is kept (``remap``) only if it
does not let more wrong fields reach 0.9 than the checks' own confidences do: a better average
calibration that makes a wrong field look sure is worse for this service. (Measured so far:
the checks' confidences win; the shipped model keeps them and only sets the gate below.) The
model ships as ``models/calibration.json``; without it nothing changes.

A card whose reading is mostly doubt is no result: ``too_doubtful`` says so, and the pipeline
answers AIS.0104 rather than return values nobody should use.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from chile_id_ocr.result import FIELD_NAMES, Recognition, Side

MODEL = Path(__file__).parent / "models" / "calibration.json"
_FAILED = 0.35  # a field under this has failed its checks
_DOUBTFUL = 0.5  # a field under this is not to be used
_MRZ_LINE_2 = ("sex", "birth", "expiry_date")  # a back's fields from the MRZ's second line only
_WORDS = 13  # printed words a 2013 front's confirmation can read
_CLIP = 6.0  # log-odds beyond this carry no more information


@dataclass(frozen=True)
class Calibration:
    """A logistic model (a weight per named feature, a bias), whether it replaces the checks'
    confidences, and the doubtful fields (under 0.5) from which a card is no result."""

    weights: dict[str, float]
    bias: float
    too_doubtful: int
    remap: bool = True

    @classmethod
    def load(cls, path: Path = MODEL) -> Calibration | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return cls(dict(data["weights"]), float(data["bias"]), int(data["too_doubtful"]), bool(data.get("remap", True)))

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=1)
def shipped() -> Calibration | None:
    """The model shipped in the package (loaded once per process)."""
    return Calibration.load()


def logit(p: float) -> float:
    """Log-odds of ``p``, clipped.

    >>> round(logit(0.5), 3), logit(1.0)
    (0.0, 6.0)
    """
    p = min(max(p, 1e-6), 1 - 1e-6)
    return max(-_CLIP, min(_CLIP, math.log(p / (1 - p))))


def field_features(recognition: Recognition, name: str) -> dict[str, float]:
    """What the model looks at for field ``name`` of ``recognition``."""
    reading = recognition.fields[name]
    others = [f.confidence for n, f in recognition.fields.items() if n != name and _counts(recognition, n)]
    front = recognition.side is Side.FRONT
    front_details = recognition.extensions.get("front") if front else None
    words = front_details.get("printed_words_read") if isinstance(front_details, dict) else None
    features = {
        "logit": logit(reading.confidence),
        f"field:{recognition.side.value}:{name}": 1.0,
        "reason": 1.0 if reading.reason else 0.0,
        "others_failed": sum(c < _FAILED for c in others) / max(len(others), 1),
        "others_doubtful": sum(c < 0.9 for c in others) / max(len(others), 1),
        "others_logit": float(np.mean([logit(c) for c in others])) if others else 0.0,
    }
    if words is not None:
        features["words_unread"] = 1.0 - len(words) / _WORDS
    if recognition.card_type.value == "unknown_layout":
        features["inferred_layout"] = 1.0
    return features


def _counts(recognition: Recognition, name: str) -> bool:
    """Whether field ``name`` is one the side gives (a back has no issue date)."""
    return not (recognition.side is Side.BACK and name == "issue_date")


def calibrated(recognition: Recognition, model: Calibration | None) -> Recognition:
    """``recognition`` with each field's confidence the model's probability that it is right
    (unchanged without a model or when the model keeps the checks' confidences)."""
    if model is None or not model.remap:
        return recognition
    fields = {
        name: replace(reading, confidence=round(model.probability(field_features(recognition, name)), 6))
        if _counts(recognition, name)
        else reading
        for name, reading in recognition.fields.items()
    }
    return replace(recognition, fields=fields)


def too_doubtful(recognition: Recognition, model: Calibration | None) -> int | None:
    """How many of the side's fields are doubtful, when that many make the card no result
    (``Calibration.too_doubtful``); None otherwise."""
    if model is None:
        return None
    given = [name for name in FIELD_NAMES if name in recognition.fields and _counts(recognition, name)]
    doubtful = sum(recognition.fields[name].confidence < _DOUBTFUL for name in given)
    if recognition.side is Side.BACK and all(
        name in given and recognition.fields[name].confidence < _DOUBTFUL for name in _MRZ_LINE_2
    ):  # the MRZ's second line gave nothing: the names read from the same zone are no result either
        return doubtful
    return doubtful if doubtful >= model.too_doubtful else None
