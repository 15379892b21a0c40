"""Synthetic fronts of the Chilean identity card (2013-2024 design) with JSON ground truth."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from chile_id_ocr.synth import capture as cap
from chile_id_ocr.synth.identities import random_identity
from chile_id_ocr.synth.render import render_card
from chile_id_ocr.synth.template import prepared_template

CONDITIONS: tuple[str, ...] = ("scan", "photo", "hard")


@dataclass(frozen=True)
class SynthSample:
    """One synthetic upload: the encoded file, its ground truth and its file extension ('jpg'/'png')."""

    image: bytes
    truth: dict[str, Any]
    ext: str = "jpg"


def generate_front(seed: int, condition: str, template: str | os.PathLike[str] | None = None) -> SynthSample:
    """A synthetic card front for ``seed`` under ``condition`` (one of :data:`CONDITIONS`).

    Deterministic for a given (seed, condition). The identity depends on the seed only, so one seed
    shows the same person in every condition.
    """
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; expected one of {CONDITIONS}")
    seed = int(seed)
    tpl = prepared_template(template)
    identity = random_identity(random.Random(f"identity-{seed}"))
    card, render_info = render_card(identity, tpl, random.Random(f"render-{seed}"))
    shot = _capture(card, np.asarray(tpl.alpha), seed, condition)
    image = cap.encode(shot)
    truth: dict[str, Any] = {
        "side": "front",
        "condition": condition,
        "seed": seed,
        "result": identity.result(),
        "card_quad": [[round(float(x), 2), round(float(y), 2)] for x, y in shot.quad],
        "capture": shot.params,
        "render": {k: v for k, v in render_info.items() if k != "value_boxes"},
        "dates_iso": {
            "birth": identity.birth.isoformat(),
            "issue_date": identity.issue.isoformat(),
            "expiry_date": identity.expiry.isoformat(),
        },
        "image_size": [int(shot.image.shape[1]), int(shot.image.shape[0])],
    }
    return SynthSample(image=image, truth=truth, ext=shot.fmt)


def _capture(card: np.ndarray, alpha: np.ndarray, seed: int, condition: str) -> cap.Capture:
    rng = np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF, CONDITIONS.index(condition)])
    capture_fn = {"scan": cap.scan, "photo": cap.photo, "hard": cap.hard}[condition]
    return capture_fn(card, alpha, rng)


def generate_back(seed: int, condition: str) -> SynthSample:
    """A synthetic card back for ``seed`` under ``condition``: the same person as ``generate_front(seed)``.

    The truth's ``result`` is what the back alone gives (ASCII names from the MRZ, the given names
    possibly cut at 30 characters, no issue date); ``mrz`` and ``qr`` are what is printed.
    """
    from chile_id_ocr.synth.back import back_result, render_back

    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; expected one of {CONDITIONS}")
    seed = int(seed)
    identity = random_identity(random.Random(f"identity-{seed}"))
    card, alpha, printed = render_back(identity, random.Random(f"render-back-{seed}"))
    shot = _capture(card, alpha, seed, condition)
    truth: dict[str, Any] = {
        "side": "back",
        "condition": condition,
        "seed": seed,
        "result": back_result(identity, printed["mrz"]),  # type: ignore[arg-type]
        **printed,
        "card_quad": [[round(float(x), 2), round(float(y), 2)] for x, y in shot.quad],
        "capture": shot.params,
        "image_size": [int(shot.image.shape[1]), int(shot.image.shape[0])],
    }
    return SynthSample(image=cap.encode(shot), truth=truth, ext=shot.fmt)
