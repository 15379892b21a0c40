"""Card fronts drawn entirely by this code, with their fields where a design puts them.

The design issued from December 2024 has no public image of its front yet, so its geometry is
not guessed: its reader finds the printed labels wherever they are. To prove that reader, these
fronts print the same labels and values as the 2013 design, each value under its label (the RUN
after its label on one line where a design says so), on a background of this code's own
(pastel gradient, guilloche, a portrait silhouette, a flag, a star), with the fields moved to
other places: ``MOVED`` holds three such designs. ``DESIGN_2013`` puts them where the 2013
design does, on the same background: a card with no pixel of the specimen in it.

Positions are fractions of the card's width and height; a field's spot is its label's left end
and baseline.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth import capture as cap
from chile_id_ocr.synth.identities import Identity, random_identity
from chile_id_ocr.synth.render import FontFace, _paste_max, _text_mask, available_faces
from chile_id_ocr.synth.template import CARD_WIDTH, CORNER_RADIUS, SPECIMEN_SIZE, TITLE_INK, rounded_alpha

CARD_HEIGHT = round(CARD_WIDTH * SPECIMEN_SIZE[1] / SPECIMEN_SIZE[0])
LABEL_CAP = 0.0205  # label capitals, of the card's height (the 2013 design's)
VALUE_CAP = 0.0367  # value capitals
RUN_CAP = 0.0365
VALUE_DROP = 0.0576  # from a label's baseline to its value's
LINE_PITCH = 0.050  # between the two surname lines

LABELS: dict[str, str] = {
    "surname": "APELLIDOS",
    "given_name": "NOMBRES",
    "nationality": "NACIONALIDAD",
    "sex": "SEXO",
    "birth": "FECHA DE NACIMIENTO",
    "document_number": "NÚMERO DOCUMENTO",
    "issue_date": "FECHA DE EMISIÓN",
    "expiry_date": "FECHA DE VENCIMIENTO",
    "number": "RUN",
}


@dataclass(frozen=True)
class Spot:
    """Where a field's label starts (x, baseline); its value goes under it, or after it on the
    same line when ``inline``; ``width`` is how far the value may run before it is condensed."""

    x: float
    baseline: float
    width: float
    inline: bool = False


@dataclass(frozen=True)
class Design:
    """A front: each field's spot, the portrait's box (x0, y0, x1, y1), and where the header's
    CÉDULA DE IDENTIDAD, flag and REPÚBLICA DE CHILE start."""

    name: str
    spots: dict[str, Spot]
    portrait: tuple[float, float, float, float]
    header: tuple[float, float, float] = (0.035, 0.24, 0.349)


DESIGN_2013 = Design(
    "2013",
    {
        "surname": Spot(0.349, 0.166, 0.46),
        "given_name": Spot(0.349, 0.317, 0.46),
        "nationality": Spot(0.349, 0.416, 0.20),
        "sex": Spot(0.579, 0.416, 0.06),
        "birth": Spot(0.349, 0.516, 0.21),
        "document_number": Spot(0.579, 0.516, 0.24),
        "issue_date": Spot(0.349, 0.616, 0.21),
        "expiry_date": Spot(0.579, 0.616, 0.24),
        "number": Spot(0.030, 0.908, 0.30, inline=True),
    },
    portrait=(0.06, 0.24, 0.32, 0.80),
)

MOVED: tuple[Design, ...] = (
    Design(  # the data block on the left, the portrait on the right
        "moved_a",
        {
            "surname": Spot(0.05, 0.20, 0.55),
            "given_name": Spot(0.05, 0.36, 0.55),
            "nationality": Spot(0.05, 0.47, 0.28),
            "sex": Spot(0.40, 0.47, 0.10),
            "birth": Spot(0.05, 0.58, 0.30),
            "document_number": Spot(0.40, 0.58, 0.25),
            "issue_date": Spot(0.05, 0.69, 0.30),
            "expiry_date": Spot(0.40, 0.69, 0.25),
            "number": Spot(0.05, 0.90, 0.40, inline=True),
        },
        portrait=(0.70, 0.22, 0.95, 0.78),
        header=(0.64, 0.52, 0.05),
    ),
    Design(  # one long column beside the portrait, a second column for the short fields
        "moved_b",
        {
            "surname": Spot(0.34, 0.20, 0.60),
            "given_name": Spot(0.34, 0.36, 0.60),
            "nationality": Spot(0.34, 0.47, 0.28),
            "birth": Spot(0.34, 0.58, 0.28),
            "issue_date": Spot(0.34, 0.69, 0.28),
            "expiry_date": Spot(0.34, 0.80, 0.28),
            "number": Spot(0.68, 0.47, 0.28),
            "sex": Spot(0.68, 0.58, 0.10),
            "document_number": Spot(0.68, 0.69, 0.28),
        },
        portrait=(0.04, 0.25, 0.29, 0.80),
        header=(0.035, 0.22, 0.34),
    ),
    Design(  # names on top, then rows of three
        "moved_c",
        {
            "surname": Spot(0.31, 0.20, 0.40),
            "given_name": Spot(0.31, 0.36, 0.60),
            "nationality": Spot(0.31, 0.47, 0.22),
            "sex": Spot(0.55, 0.47, 0.10),
            "number": Spot(0.70, 0.47, 0.27),
            "birth": Spot(0.31, 0.59, 0.21),
            "issue_date": Spot(0.54, 0.59, 0.21),
            "expiry_date": Spot(0.76, 0.59, 0.21),
            "document_number": Spot(0.31, 0.71, 0.25),
        },
        portrait=(0.04, 0.22, 0.27, 0.75),
        header=(0.035, 0.20, 0.31),
    ),
)

DESIGNS: dict[str, Design] = {d.name: d for d in (DESIGN_2013, *MOVED)}


def document_number_2024(r: random.Random) -> str:
    """A serial in the format cards issued from December 2024 print: ``B5F089055``."""
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return f"{r.choice(letters)}{r.randrange(10)}{r.choice(letters)}{r.randrange(10**6):06d}"


def values(identity: Identity) -> dict[str, list[str]]:
    """The printed lines of each field (the surname's one or two)."""
    return {
        "surname": list(identity.surname),
        "given_name": [identity.given_name],
        "nationality": [identity.nationality],
        "sex": [identity.sex],
        "birth": [identity.format_date(identity.birth)],
        "document_number": [identity.document_number_printed],
        "issue_date": [identity.format_date(identity.issue)],
        "expiry_date": [identity.format_date(identity.expiry)],
        "number": [identity.run],
    }


def render_design(
    identity: Identity, design: Design, r: random.Random
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """The front (BGR, ``CARD_WIDTH`` x ``CARD_HEIGHT``), its rounded-corner alpha and the render
    parameters, with each value's box (card fractions) under ``value_boxes``."""
    w, h = CARD_WIDTH, CARD_HEIGHT
    face = r.choice(available_faces())
    card = _background(r, w, h)
    cedula_x, flag_x, title_x = design.header
    _portrait(card, design.portrait, r)
    _artwork(card, flag_x)
    titles = np.zeros((h, w), np.uint8)
    labels = np.zeros((h, w), np.uint8)
    ink = np.zeros((h, w), np.uint8)
    _print(titles, "REPÚBLICA DE CHILE", face.bold, title_x, 0.068, 0.034, 0.6, face)
    _print(titles, "SERVICIO DE REGISTRO CIVIL E IDENTIFICACIÓN", face.bold, title_x, 0.108, 0.017, 0.6, face)
    _print(titles, "CÉDULA DE", face.regular, cedula_x, 0.070, 0.031, 0.3, face)
    _print(titles, "IDENTIDAD", face.regular, cedula_x, 0.110, 0.031, 0.3, face)
    jitter = r.uniform(0.97, 1.03)
    boxes: dict[str, list[list[float]]] = {}
    for name, spot in design.spots.items():
        label = LABELS[name]
        lines = values(identity)[name]
        if spot.inline:  # 'RUN 12.345.678-9', the label in the value's size
            right = _print(ink, label, face.regular, spot.x, spot.baseline, RUN_CAP, 0.1, face)
            x = right + 0.012
            edge = _print(ink, lines[0], face.bold, x, spot.baseline, RUN_CAP * jitter, spot.width, face)
            boxes[name] = [[x, spot.baseline - RUN_CAP, edge, spot.baseline]]
            continue
        _print(labels, label, face.bold, spot.x, spot.baseline, LABEL_CAP, 0.4, face)
        boxes[name] = []
        for k, line in enumerate(lines):
            baseline = spot.baseline + VALUE_DROP + k * LINE_PITCH
            edge = _print(ink, line, face.regular, spot.x, baseline, VALUE_CAP * jitter, spot.width, face)
            boxes[name].append([spot.x, baseline - VALUE_CAP, edge, baseline])
    out = card.astype(np.float32)
    for mask, colour in ((titles, TITLE_INK), (labels, TITLE_INK), (ink, (r.uniform(30, 60),) * 3)):
        a = (cv2.GaussianBlur(mask, (0, 0), r.uniform(0.5, 0.8)).astype(np.float32) / 255.0)[..., None]
        out = out * (1.0 - a) + np.array(colour, np.float32) * a
    alpha = rounded_alpha(w, h, CORNER_RADIUS * w / SPECIMEN_SIZE[0])
    info = {"design": design.name, "font": face.name, "value_boxes": boxes}
    return np.clip(out, 0, 255).astype(np.uint8), alpha, info


def generate_design_front(seed: int, design: str, condition: str = "scan") -> tuple[bytes, dict[str, Any]]:
    """A capture of a front of ``design`` (a name in ``DESIGNS``) for ``seed``, and its truth.
    Fronts of the moved designs carry a 2024-style document number."""
    r = random.Random(f"design-{design}-{seed}")
    identity = random_identity(random.Random(f"identity-{seed}"))
    if design != DESIGN_2013.name:
        identity = dataclasses.replace(identity, document_number=document_number_2024(r), document_dotted=False)
    card, alpha, info = render_design(identity, DESIGNS[design], r)
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 7 + list(DESIGNS).index(design)])
    shoot: dict[str, Callable[[np.ndarray, np.ndarray, np.random.Generator], cap.Capture]] = {
        "scan": cap.scan,
        "photo": cap.photo,
        "hard": cap.hard,
    }
    shot = shoot[condition](card, alpha, rng)
    truth = {
        "side": "front",
        "design": design,
        "condition": condition,
        "seed": seed,
        "result": identity.result(),
        "card_quad": [[round(float(x), 2), round(float(y), 2)] for x, y in shot.quad],
        "render": {k: v for k, v in info.items() if k != "value_boxes"},
    }
    return cap.encode(shot), truth


def _print(
    canvas: np.ndarray, text: str, font: str, x: float, baseline: float, cap_height: float, width: float, face: FontFace
) -> float:
    """``text`` drawn into ``canvas`` from ``x`` on ``baseline`` (card fractions), capitals
    ``cap_height`` high, condensed to ``width`` if longer; returns its right end."""
    h, w = canvas.shape
    mask, base = _text_mask(text, font, cap_height * h, face.width, width * w)
    px = round(x * w) - 4
    _paste_max(canvas, mask, px, round(baseline * h) - base)
    return (px + mask.shape[1] - 4) / w


def _background(r: random.Random, w: int, h: int) -> np.ndarray:
    """A pastel gradient crossed by fine guilloche waves."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    left = np.array([r.uniform(215, 245), r.uniform(215, 240), r.uniform(200, 235)], np.float32)
    right = np.array([r.uniform(200, 240), r.uniform(205, 235), r.uniform(220, 250)], np.float32)
    t = (xx / w)[..., None]
    card = left * (1 - t) + right * t
    waves = np.zeros((h, w), np.float32)
    for _ in range(3):
        f, phase, tilt = r.uniform(0.02, 0.05), r.uniform(0, 2 * math.pi), r.uniform(-0.3, 0.3)
        waves += np.sin((yy + tilt * xx) * f + 6 * np.sin(xx * r.uniform(0.004, 0.01) + phase))
    card -= (np.clip(np.abs(waves) < 0.15, 0, 1) * r.uniform(10, 22))[..., None]
    return np.clip(card, 0, 255).astype(np.uint8)


def _portrait(card: np.ndarray, box: tuple[float, float, float, float], r: random.Random) -> None:
    """A grey head-and-shoulders silhouette in ``box``."""
    h, w = card.shape[:2]
    x0, y0, x1, y1 = (round(v * s) for v, s in zip(box, (w, h, w, h), strict=True))
    tone = r.uniform(150, 190)
    cv2.rectangle(card, (x0, y0), (x1, y1), (tone + 25,) * 3, -1)
    cx, bw, bh = (x0 + x1) // 2, x1 - x0, y1 - y0
    cv2.ellipse(card, (cx, y0 + int(0.38 * bh)), (int(0.24 * bw), int(0.24 * bh)), 0, 0, 360, (tone - 60,) * 3, -1)
    cv2.ellipse(card, (cx, y1), (int(0.48 * bw), int(0.30 * bh)), 0, 180, 360, (tone - 80,) * 3, -1)


def _artwork(card: np.ndarray, flag_x: float) -> None:
    """A small flag at the top and a star at the top right."""
    h, w = card.shape[:2]
    fx, fy, fw, fh = int(flag_x * w), int(0.035 * h), int(0.07 * w), int(0.075 * h)
    cv2.rectangle(card, (fx, fy), (fx + fw, fy + fh // 2), (250, 250, 250), -1)
    cv2.rectangle(card, (fx, fy + fh // 2), (fx + fw, fy + fh), (50, 40, 200), -1)
    cv2.rectangle(card, (fx, fy), (fx + fw // 3, fy + fh // 2), (140, 60, 20), -1)
    cx, cy, rad = int(0.90 * w), int(0.12 * h), int(0.05 * h)
    reach = [rad * (1.0 if k % 2 == 0 else 0.4) for k in range(10)]
    star = [(cx + d * math.sin(k * math.pi / 5), cy - d * math.cos(k * math.pi / 5)) for k, d in enumerate(reach)]
    cv2.fillPoly(card, [np.array(star, np.int32)], (40, 90, 120))
