"""A hand holding the card: the palm and fingers behind it, the thumb over one of its edges.

The hand is laid out in card millimetres (the card centred at the origin, x along its long side) so
that what the thumb hides is known exactly: :meth:`Hand.occlusion` gives, for each region of the card,
the share of it under the thumb. A thumb may hide part of the portrait or a corner, but never more than
:data:`MAX_TEXT_HIDDEN` of any printed value. Two parameterisations, one per domain: ``hand_thumb``
(lighter skin, a straight thumb from the left or bottom edge) and ``hand_grip`` (darker skin, an
angled thumb from the top or right edge, fingertips showing past the card's far side).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth.camera import CARD_MM
from chile_id_ocr.synth.layers import blend, roi_of

Box = tuple[float, float, float, float]

MAX_TEXT_HIDDEN = 0.2
"""The largest share of any printed value a thumb may hide."""

_HALF = (CARD_MM[0] / 2, CARD_MM[1] / 2)
_EDGES: dict[str, tuple[np.ndarray, np.ndarray, float]] = {
    # outward normal, direction along the edge, half length of the edge
    "left": (np.array([-1.0, 0.0]), np.array([0.0, 1.0]), _HALF[1]),
    "right": (np.array([1.0, 0.0]), np.array([0.0, 1.0]), _HALF[1]),
    "top": (np.array([0.0, -1.0]), np.array([1.0, 0.0]), _HALF[0]),
    "bottom": (np.array([0.0, 1.0]), np.array([1.0, 0.0]), _HALF[0]),
}


@dataclass(frozen=True)
class HandStyle:
    skins: tuple[tuple[int, int, int], ...]
    """Skin tones, BGR."""
    edges: tuple[str, ...]
    max_angle: float
    """Largest angle of the thumb from the edge's normal, degrees."""
    fingertips: bool


HAND_STYLES: dict[str, HandStyle] = {
    "hand_thumb": HandStyle(
        ((165, 190, 235), (145, 172, 222), (125, 155, 205), (105, 135, 190), (120, 150, 215)),
        ("left", "bottom"), 20.0, False,
    ),
    "hand_grip": HandStyle(
        ((95, 125, 175), (75, 100, 150), (58, 80, 122), (45, 60, 95), (110, 140, 190)),
        ("top", "right"), 40.0, True,
    ),
}  # fmt: skip


def _capsule(start: np.ndarray, end: np.ndarray, width: float, n: int = 14) -> np.ndarray:
    """A finger from ``start`` to a rounded tip at ``end``, ``width`` wide (polygon, mm)."""
    d = (end - start) / np.linalg.norm(end - start)
    side = np.array([-d[1], d[0]]) * width / 2
    a = np.linspace(0, np.pi, n)
    tip = end + np.outer(np.cos(a), side) + np.outer(np.sin(a), d * width / 2)
    return np.vstack([start - side, end - side, tip[::-1], end + side, start + side])


def _ellipse(centre: np.ndarray, radii: tuple[float, float], angle: float, n: int = 40) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.column_stack([np.cos(t) * radii[0], np.sin(t) * radii[1]])
    c, s = np.cos(angle), np.sin(angle)
    return centre + pts @ np.array([[c, s], [-s, c]])


@dataclass(frozen=True)
class Hand:
    """A hand's outline in card millimetres: what lies behind the card, and the thumb in front."""

    style: str
    skin: tuple[int, int, int]
    edge: str
    behind: tuple[np.ndarray, ...]
    thumb: np.ndarray
    nail: np.ndarray
    thumb_width: float
    params: dict[str, Any] = field(default_factory=dict)

    def occlusion(self, regions: Mapping[str, Box], ppm: float = 4.0) -> dict[str, float]:
        """The share of each region (mm boxes on the card) under the thumb."""
        mask = _raster(self.thumb, ppm)
        out = {}
        for name, (x0, y0, x1, y1) in regions.items():
            a = mask[_px(y0, ppm, 1) : _px(y1, ppm, 1) + 1, _px(x0, ppm, 0) : _px(x1, ppm, 0) + 1]
            out[name] = round(float(a.mean()) / 255, 3) if a.size else 0.0
        return out

    def hidden_corners(self) -> list[str]:
        names = ("top_left", "top_right", "bottom_right", "bottom_left")
        corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * np.array(_HALF)
        path = self.thumb.astype(np.float32)
        return [
            n
            for n, c in zip(names, corners, strict=True)
            if cv2.pointPolygonTest(path, tuple(map(float, c)), False) >= 0
        ]


def _px(v: float, ppm: float, axis: int) -> int:
    return int(np.clip((v + _HALF[axis]) * ppm, 0, CARD_MM[axis] * ppm))


def _raster(poly: np.ndarray, ppm: float) -> np.ndarray:
    """``poly`` rasterised over the card at ``ppm`` pixels per mm."""
    w, h = round(CARD_MM[0] * ppm), round(CARD_MM[1] * ppm)
    mask = np.zeros((h, w), np.uint8)
    pts = np.round((poly + np.array(_HALF)) * ppm * 16).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, cv2.LINE_8, shift=4)
    return mask


def place_hand(name: str, rng: np.random.Generator, text_regions: Mapping[str, Box], tries: int = 12) -> Hand:
    """A hand of style ``name`` whose thumb hides at most :data:`MAX_TEXT_HIDDEN` of any of the card's
    printed values (``text_regions``, mm boxes); the thumb reaches less far in on each failed try, and
    only over the edge when all fail."""
    style = HAND_STYLES[name]
    edge = style.edges[int(rng.integers(len(style.edges)))]
    normal, along, half = _EDGES[edge]
    skin = style.skins[int(rng.integers(len(style.skins)))]
    width = float(rng.uniform(15, 21))
    angle = np.deg2rad(rng.uniform(-style.max_angle, style.max_angle))
    inward = -normal * np.cos(angle) + along * np.sin(angle)
    edge_point = normal * np.abs(normal @ np.array(_HALF))
    reach = float(rng.uniform(45, 62))
    for attempt in range(tries + 1):
        depth = float(rng.uniform(5, 17)) * (1 - attempt / tries)
        tip = edge_point + along * float(rng.uniform(-0.8, 0.8)) * half - normal * depth
        hand = _assemble(name, style, skin, edge, tip - inward * reach, tip, width, normal, along, rng)
        if max(hand.occlusion(text_regions).values(), default=0.0) <= MAX_TEXT_HIDDEN:
            break
    return hand


def _assemble(
    name: str, style: HandStyle, skin: tuple[int, int, int], edge: str, root: np.ndarray, tip: np.ndarray,
    width: float, normal: np.ndarray, along: np.ndarray, rng: np.random.Generator,
) -> Hand:  # fmt: skip
    d = (tip - root) / np.linalg.norm(tip - root)
    across = float(np.abs(normal @ np.array(_HALF)))  # half the card's size across this edge
    crossing = tip + normal * (across - normal @ tip)  # the edge point next to the tip
    palm_centre = crossing + normal * rng.uniform(24, 36) - d * rng.uniform(0, 10)
    radii = (float(rng.uniform(40, 55)), float(rng.uniform(30, 42)))
    behind = [_ellipse(palm_centre, radii, float(np.arctan2(along[1], along[0]) + rng.uniform(-0.3, 0.3)))]
    if style.fingertips and across < 40:  # fingers behind the card, their tips past its far edge
        side = 1.0 if rng.random() < 0.5 else -1.0
        for i in range(int(rng.integers(2, 4))):
            start = crossing + normal * 8 + along * side * (8 + i * 17)
            end = start - normal * (2 * across + 8 + rng.uniform(0, 14))
            behind.append(_capsule(start, end, float(rng.uniform(14, 18))))
    nail = _ellipse(tip - d * width * 0.3, (width * 0.24, width * 0.3), float(np.arctan2(d[1], d[0]) + np.pi / 2), 24)
    depth = float(-normal @ tip + np.abs(normal @ np.array(_HALF)))
    params = {"edge": edge, "thumb_width_mm": round(width, 1), "thumb_depth_mm": round(depth, 1)}
    thumb = _capsule(root, tip - d * width / 2, width)  # its rounded end reaches the tip
    return Hand(name, skin, edge, tuple(behind), thumb, nail, width, params)


def draw_skin(
    image: np.ndarray, polygons: list[np.ndarray], to_frame: Callable[[np.ndarray], np.ndarray],
    skin: tuple[int, int, int], width_px: float, rng: np.random.Generator, shadow: float = 0.0,
) -> None:  # fmt: skip
    """Paint skin-coloured ``polygons`` (card mm, mapped by ``to_frame``) into ``image`` in place, shaded
    darker towards their outlines like a rounded finger, blotched a little, casting a soft ``shadow``."""
    pts = [to_frame(p) for p in polygons]
    roi = roi_of(np.vstack(pts), (image.shape[1], image.shape[0]), int(width_px * 0.4) + 4)
    if roi is None:
        return
    x0, y0, x1, y1 = roi
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    for p in pts:
        cv2.fillPoly(mask, [np.round((p - [x0, y0]) * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    k = max(1, round(width_px / 12))
    small = cv2.resize(mask, ((x1 - x0) // k + 1, (y1 - y0) // k + 1), interpolation=cv2.INTER_AREA)
    depth = cv2.GaussianBlur(small.astype(np.float32) / 255, (0, 0), max(0.8, width_px * 0.2 / k))
    blotch = cv2.resize(rng.uniform(-1, 1, (4, 4)).astype(np.float32), small.shape[::-1], interpolation=cv2.INTER_CUBIC)
    shade = 0.6 + 0.45 * np.clip(depth * 1.7 - 0.35, 0, 1) + 0.04 * blotch
    shade = cv2.resize(shade, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    tone = np.asarray(skin, np.float32) * rng.uniform(0.9, 1.08)
    colour = np.clip(shade[..., None] * tone, 0, 255).astype(np.uint8)
    blend(image, roi, colour, cv2.GaussianBlur(mask, (0, 0), 0.7), shadow, width_px * 0.12)


def draw_nail(image: np.ndarray, nail: np.ndarray, to_frame: Callable[[np.ndarray], np.ndarray],
              skin: tuple[int, int, int]) -> None:  # fmt: skip
    pts = np.round(to_frame(nail) * 16).astype(np.int32)
    colour = tuple(int(0.65 * c + 0.35 * t) for c, t in zip(skin, (200, 195, 225), strict=True))
    cv2.fillPoly(image, [pts], colour, cv2.LINE_AA, shift=4)
    cv2.polylines(image, [pts], True, tuple(int(c * 0.7) for c in skin), 1, cv2.LINE_AA, shift=4)
