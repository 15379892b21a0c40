"""Synthetic Chilean identity cards (2013-2024 design), fronts and backs, with JSON ground truth.

``generate_front(seed, condition, domain=None)``: the same seed shows the same person in every
condition and domain; the capture is deterministic for a given (seed, condition, domain). Domains
``"A"`` and ``"B"`` draw from disjoint halves of the generator's fonts, surfaces, scene styles and
optical and sensor models (:mod:`chile_id_ocr.synth.domains`), for tuning on one and scoring on the
other; None draws from both.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from chile_id_ocr.synth import capture as cap
from chile_id_ocr.synth.domains import ALL, Domain, resolve
from chile_id_ocr.synth.identities import random_identity
from chile_id_ocr.synth.render import FontFace, available_faces, render_card
from chile_id_ocr.synth.scenes import Box, Region
from chile_id_ocr.synth.template import LABEL_RUN_BOX, PORTRAIT_BOX, prepared_template

CONDITIONS: tuple[str, ...] = ("scan", "photo", "hard", "page")


@dataclass(frozen=True)
class SynthSample:
    """One synthetic upload: the encoded file, its ground truth and its file extension ('jpg'/'png')."""

    image: bytes
    truth: dict[str, Any]
    ext: str = "jpg"


def _check(condition: str, domain: str | None) -> Domain:
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; expected one of {CONDITIONS}")
    return resolve(domain)


def _box(values: Iterable[float]) -> Box:
    """Four values (x0, y0, x1, y1) as a box."""
    x0, y0, x1, y1 = values
    return (x0, y0, x1, y1)


def _faces(domain: Domain) -> tuple[FontFace, ...] | None:
    """The installed card faces of ``domain`` (None: every installed face)."""
    if domain is ALL:
        return None
    faces = tuple(f for f in available_faces() if f.name in domain.card_faces)
    if not faces:
        raise FileNotFoundError(f"none of domain {domain.name}'s card faces is installed (run scripts/setup.sh)")
    return faces


def generate_front(
    seed: int,
    condition: str,
    template: str | os.PathLike[str] | None = None,
    domain: str | None = None,
    *,
    effects: tuple[str, ...] | None = None,
) -> SynthSample:
    """A synthetic card front for ``seed`` under ``condition`` (one of :data:`CONDITIONS`), drawn from
    ``domain`` ("A", "B" or None for both). ``effects`` replaces the hard capture's own draw of
    :data:`~chile_id_ocr.synth.capture.HARD_EFFECTS`: the same seed with other effects is the same
    photo otherwise (pose, scene, light, sensor), as far as the effects leave them alone."""
    dom = _check(condition, domain)
    seed = int(seed)
    tpl = prepared_template(template)
    identity = random_identity(random.Random(f"identity-{seed}"))
    card, render_info = render_card(identity, tpl, random.Random(f"render-{seed}"), _faces(dom))
    s = tpl.scale
    value_boxes = render_info["value_boxes"]
    assert isinstance(value_boxes, dict)
    regions = {name: Region(_box(map(float, box)), True) for name, box in value_boxes.items()}
    regions["portrait"] = Region(_box(v * s for v in PORTRAIT_BOX), False)
    regions["run_label"] = Region(_box(v * s for v in LABEL_RUN_BOX), False)
    shot = _capture(card, np.asarray(tpl.alpha), seed, condition, domain, dom, regions, effects)
    truth: dict[str, Any] = {
        "side": "front",
        "condition": condition,
        "domain": domain,
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
    return SynthSample(image=cap.encode(shot), truth=truth, ext=shot.fmt)


def _capture(
    card: np.ndarray,
    alpha: np.ndarray,
    seed: int,
    condition: str,
    domain: str | None,
    dom: Domain,
    regions: Mapping[str, Region],
    effects: tuple[str, ...] | None = None,
) -> cap.Capture:
    entropy = [seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF, CONDITIONS.index(condition)]
    rng = np.random.default_rng(entropy + ([1 + "AB".index(domain)] if domain else []))
    if condition == "scan":
        return cap.scan(card, alpha, rng, beds=dom.scan_beds)
    if condition == "hard":
        return cap.hard(card, alpha, rng, domain=dom, regions=regions, effects=effects)
    shoot = {"photo": cap.photo, "page": cap.page}[condition]
    return shoot(card, alpha, rng, domain=dom, regions=regions)


def _back_regions(scale: float) -> dict[str, Region]:
    """The back's printed data a thumb must leave legible: the QR code, the MRZ, the two text lines."""
    from chile_id_ocr.synth import back

    mrz = (back._MRZ_X, back._MRZ_BASELINES[0] - back._MRZ_CAP, back._MRZ_X + 30 * back._MRZ_PITCH,
           back._MRZ_BASELINES[-1] + 2)  # fmt: skip
    lines = (back._VALUE_X, back._VALUE_BASELINES[0] - back._VALUE_CAP, 505.0, back._VALUE_BASELINES[-1] + 2)
    boxes = {"qr": back._QR_BOX, "mrz": mrz, "back_text": lines}
    return {name: Region(_box(v * scale for v in box), True) for name, box in boxes.items()}


def generate_back(seed: int, condition: str, domain: str | None = None) -> SynthSample:
    """A synthetic card back for ``seed`` under ``condition``: the same person as ``generate_front(seed)``.

    The truth's ``result`` is what the back alone gives (ASCII names from the MRZ, the given names
    possibly cut at 30 characters, no issue date); ``mrz`` and ``qr`` are what is printed.
    """
    from chile_id_ocr.synth.back import back_result, prepared_back_template, render_back

    dom = _check(condition, domain)
    seed = int(seed)
    identity = random_identity(random.Random(f"identity-{seed}"))
    card, alpha, printed = render_back(identity, random.Random(f"render-back-{seed}"))
    regions = _back_regions(prepared_back_template().scale)
    shot = _capture(card, alpha, seed, condition, domain, dom, regions)
    truth: dict[str, Any] = {
        "side": "back",
        "condition": condition,
        "domain": domain,
        "seed": seed,
        "result": back_result(identity, printed["mrz"]),  # type: ignore[arg-type]
        **printed,
        "card_quad": [[round(float(x), 2), round(float(y), 2)] for x, y in shot.quad],
        "capture": shot.params,
        "image_size": [int(shot.image.shape[1]), int(shot.image.shape[0])],
    }
    return SynthSample(image=cap.encode(shot), truth=truth, ext=shot.fmt)
