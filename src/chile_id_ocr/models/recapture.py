"""The presentation-attack model: is the card in the image the card itself, or a screen, a photocopy or a
printout showing it?

A small classifier (standardised measurements -> one hidden tanh layer -> softmax over ``KINDS``) over
the measurements of ``vision/capture_evidence.py``, trained on synthetic originals and recaptures
(``training/recapture.py``) and shipped as a small array file. ``score`` is the probability that the
image is not an original (0..1); ``kind`` the likeliest of the four. The file also carries the
threshold the training chose on its development seeds (1 % false alarms on originals), which
``recommended_threshold()`` reports; whether a score is flagged is the operator's decision.

>>> model = RecaptureModel(np.zeros(2), np.ones(2), np.zeros((2, 0)), np.zeros(0), np.zeros((2, 4)),
...                        np.array([2.0, 0.0, 0.0, 0.0]), 0.5)
>>> a = model.assess(np.array([[0.3, -1.0]]))[0]
>>> a.kind, round(a.score, 3)
('original', 0.289)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chile_id_ocr.vision.capture_evidence import NAMES, measure

WEIGHTS_FILE = Path(__file__).with_name("weights") / "recapture.npz"
KINDS: tuple[str, ...] = ("original", "screen", "photocopy", "printout")
INPUTS: tuple[str, ...] = (*NAMES, "back")
"""The model's inputs: the measurements, and whether the card shows its back (a back prints little colour)."""


def inputs(measurements: np.ndarray, back: bool) -> np.ndarray:
    """The model's input row(s) from measurements (``NAMES``) and the side; a measurement that is not a number
    (none is expected) counts as 0, so that the assessment never fails a result."""
    m = np.nan_to_num(np.atleast_2d(np.asarray(measurements, np.float64)), posinf=0.0, neginf=0.0)
    return np.hstack([m, np.full((len(m), 1), float(back))])


@dataclass(frozen=True)
class Assessment:
    """The likeliest kind of capture and the probability that it is not an original."""

    kind: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "score": round(self.score, 4)}


@dataclass(frozen=True)
class RecaptureModel:
    """Standardisation (``mean``, ``scale``), a hidden tanh layer (``w1``, ``b1``; none when it has no
    columns) and the output layer (``w2``, ``b2``) over ``KINDS``; ``threshold`` chosen in training."""

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    threshold: float

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(N, features) -> (N, kinds)."""
        x = (np.asarray(features, np.float64) - self.mean) / self.scale
        hidden = np.tanh(x @ self.w1 + self.b1) if self.w1.shape[1] else x
        logits = hidden @ self.w2 + self.b2
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def assess(self, features: np.ndarray) -> list[Assessment]:
        p = self.probabilities(features)
        return [Assessment(KINDS[int(row.argmax())], float(1.0 - row[0])) for row in p]

    def save(self, path: Path) -> None:
        np.savez(path, mean=self.mean, scale=self.scale, w1=self.w1, b1=self.b1, w2=self.w2, b2=self.b2,
                 threshold=np.array(self.threshold), names=np.array(INPUTS), kinds=np.array(KINDS))  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> RecaptureModel:
        with np.load(path) as data:
            if tuple(str(n) for n in data["names"]) != INPUTS:
                raise ValueError(f"{path} was trained on other inputs than {INPUTS}")
            arrays = {k: data[k] for k in ("mean", "scale", "w1", "b1", "w2", "b2")}
            return cls(**arrays, threshold=float(data["threshold"]))


@functools.cache
def shipped() -> RecaptureModel:
    """The model shipped in the package (loaded once per process)."""
    return RecaptureModel.load(WEIGHTS_FILE)


def recommended_threshold() -> float:
    """The score the training chose as flagging 1 % of its development originals."""
    return shipped().threshold


def assess(image: np.ndarray, quad: np.ndarray, back: bool) -> Assessment:
    """The assessment of the card at ``quad`` (4 corners, pixels of ``image``, BGR); ``back``: it shows its back."""
    return shipped().assess(inputs(measure(image, quad), back))[0]
