"""What the camera sees around the card: a surface, and a printed page, another card, a phone or a hand.

Everything lies on one plane (the card's), so a page's text is foreshortened exactly like the card's
and its size in the frame compares with the card's as it would in a real photo. Layers are drawn back
to front at the scene's resolution: the surface, the page or object under the card, the palm and
fingers behind the card, the card and its shadow, the thumb in front of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth import text as tx
from chile_id_ocr.synth.backgrounds import BACKGROUNDS, WORK_SIDE
from chile_id_ocr.synth.camera import CARD_MM, CardPose
from chile_id_ocr.synth.domains import Domain
from chile_id_ocr.synth.hand import draw_nail, draw_skin, place_hand
from chile_id_ocr.synth.layers import blend, roi_of
from chile_id_ocr.synth.objects import render_object
from chile_id_ocr.synth.page_common import Fonts
from chile_id_ocr.synth.pages import PAGE_STYLES
from chile_id_ocr.synth.sheet import Sheet

Box = tuple[float, float, float, float]

PLANE_LIMIT = 1500.0
"""How far from the card (mm) the surface is drawn; a steep view's far side is cut there."""


@dataclass(frozen=True)
class Region:
    """A part of the card (texture pixels) and whether it is a printed value a thumb must leave legible."""

    box: Box
    text: bool


@dataclass(frozen=True)
class Placement:
    """A flat thing on the plane: turned by ``angle`` (radians) and moved to ``at`` (mm, the card at 0)."""

    angle: float
    at: tuple[float, float]

    def matrix(self) -> np.ndarray:
        c, s = np.cos(self.angle), np.sin(self.angle)
        return np.array([[c, -s, self.at[0]], [s, c, self.at[1]], [0, 0, 1]])


def _to_plane_window(pose: CardPose, size: tuple[int, int]) -> np.ndarray:
    """The frame's corners on the plane (mm)."""
    w, h = size
    inv = np.linalg.inv(pose.camera.homography())
    corners = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], float) @ inv.T
    return np.clip(corners[:, :2] / corners[:, 2:3], -PLANE_LIMIT, PLANE_LIMIT)


def paste_flat(image: np.ndarray, pixels: np.ndarray, alpha: np.ndarray, to_image: np.ndarray,
               shadow: float = 0.0, shadow_px: float = 0.0) -> None:  # fmt: skip
    """Warp a flat thing (``pixels`` with ``alpha``) into ``image`` by the homography ``to_image``."""
    h, w = pixels.shape[:2]
    corners = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], float) @ to_image.T
    roi = roi_of(corners[:, :2] / corners[:, 2:3], (image.shape[1], image.shape[0]), 2 + int(3 * shadow_px))
    if roi is None:
        return
    x0, y0, x1, y1 = roi
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]]) @ to_image
    size = (x1 - x0, y1 - y0)
    layer = cv2.warpPerspective(pixels, shift, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    a = cv2.warpPerspective(alpha, shift, size, flags=cv2.INTER_LINEAR, borderValue=0)
    blend(image, roi, layer, a, shadow, shadow_px)


def surface(rng: np.random.Generator, name: str, pose: CardPose, size: tuple[int, int], blur: float) -> np.ndarray:
    """The surface ``name`` under the scene, drawn on the plane (so its pattern recedes with it)."""
    window = _to_plane_window(pose, size)
    lo, hi = window.min(0), window.max(0)
    k = WORK_SIDE / max(hi - lo)
    tw, th = max(8, round((hi - lo)[0] * k)), max(8, round((hi - lo)[1] * k))
    texture = np.clip(BACKGROUNDS[name](rng, tw, th), 0, 255).astype(np.uint8)
    low = WORK_SIDE / max(size)
    lw, lh = max(8, round(size[0] * low)), max(8, round(size[1] * low))
    to_plane = np.array([[1 / k, 0, lo[0]], [0, 1 / k, lo[1]], [0, 0, 1]])
    h = pose.scaled(lw / size[0], lh / size[1]).camera.homography() @ to_plane
    small = cv2.warpPerspective(texture, h, (lw, lh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if blur > 0:
        small = cv2.GaussianBlur(small, (0, 0), blur * low)
    return cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)


def _torn(alpha: np.ndarray, sheet: Sheet, rng: np.random.Generator) -> None:
    """Tear the sheet's top and bottom edges (a receipt off a roll), in place."""
    _, y0, _, y1 = sheet.window
    cols = np.arange(alpha.shape[1])
    period = rng.uniform(1.2, 2.6) * sheet.ppm
    tooth = (np.abs((cols / period) % 1 - 0.5) * 2 * rng.uniform(0.4, 1.1) + rng.uniform(0, 0.3, cols.size)) * sheet.ppm
    rows = np.arange(alpha.shape[0])[:, None]
    if y0 <= 0:
        alpha[rows < tooth[None, :]] = 0
    if y1 >= sheet.size[1]:
        alpha[rows >= alpha.shape[0] - tooth[None, :]] = 0


def page(
    rng: np.random.Generator, style_name: str, image: np.ndarray, pose: CardPose, ppm: float, fonts: Fonts
) -> dict[str, Any]:
    """A printed page under the card: the card lies somewhere on it (sometimes over its edge), at any
    angle to it. Only the part of the page the frame shows is drawn."""
    style = PAGE_STYLES[style_name]
    w, h = style.size(rng)
    spread = 0.4 if rng.random() < 0.8 else 0.5  # the card's centre: mostly well inside, sometimes on an edge
    on = np.array([w, h]) * (0.5 + rng.uniform(-spread, spread, 2))
    if rng.random() < 0.5:
        turn = rng.integers(4) * np.pi / 2 + np.deg2rad(rng.uniform(-12, 12))
    else:
        turn = rng.uniform(0, 2 * np.pi)
    placement = Placement(float(turn), (0.0, 0.0))
    to_plane = placement.matrix() @ np.array([[1, 0, -on[0]], [0, 1, -on[1]], [0, 0, 1]])
    window = _to_plane_window(pose, (image.shape[1], image.shape[0]))
    local = np.column_stack([window, np.ones(4)]) @ np.linalg.inv(to_plane).T
    margin = 2.0
    box = (max(0.0, local[:, 0].min() - margin), max(0.0, local[:, 1].min() - margin),
           min(w, local[:, 0].max() + margin), min(h, local[:, 1].max() + margin))  # fmt: skip
    info: dict[str, Any] = {"style": style_name, "size_mm": [round(w, 1), round(h, 1)],
                            "angle_to_card_deg": round(float(np.rad2deg(turn)) % 360, 1)}  # fmt: skip
    if box[2] <= box[0] or box[3] <= box[1]:
        return {**info, "visible": False}
    sheet = Sheet(size=(w, h), ppm=ppm, window=box, paper=style.paper(rng))
    info.update(style.draw(sheet, rng, fonts))
    pixels = sheet.pixels()
    alpha = np.full(pixels.shape[:2], 255, np.uint8)
    if style.torn:
        _torn(alpha, sheet, rng)
    to_image = pose.camera.homography() @ to_plane @ np.array([[1 / ppm, 0, box[0]], [0, 1 / ppm, box[1]], [0, 0, 1]])
    paste_flat(image, pixels, alpha, to_image, shadow=0.12, shadow_px=0.4 * ppm)
    hw, hh = CARD_MM[0] / 2, CARD_MM[1] / 2
    corners = np.array([[-hw, -hh, 1], [hw, -hh, 1], [hw, hh, 1], [-hw, hh, 1]]) @ np.linalg.inv(to_plane).T
    inside = [b for b in sheet.text_boxes if _box_under(b, corners[:, :2])]
    info.update(visible=True, text_under_card=len(inside))
    return info


def _box_under(box: Box, card: np.ndarray) -> bool:
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    return cv2.pointPolygonTest(card.astype(np.float32), centre, False) >= 0


def beside(
    rng: np.random.Generator, style_name: str, image: np.ndarray, pose: CardPose, ppm: float, fonts: Fonts
) -> dict[str, Any]:
    """Another card or a phone next to the card (touching or a little under it), at any angle."""
    pixels, alpha, (w, h), info = render_object(style_name, rng, fonts, ppm)
    size = (image.shape[1], image.shape[0])
    best, best_seen = None, -1.0
    for _ in range(16):  # somewhere around the card where the frame shows a good part of it
        direction = rng.uniform(0, 2 * np.pi)
        reach = (np.hypot(*CARD_MM) + np.hypot(w, h)) / 2 * rng.uniform(0.7, 1.05)
        at = (float(np.cos(direction) * reach), float(np.sin(direction) * reach))
        placement = Placement(float(rng.uniform(0, 2 * np.pi)), at)
        centred = np.array([[1 / ppm, 0, -w / 2], [0, 1 / ppm, -h / 2], [0, 0, 1]])
        to_image = pose.camera.homography() @ placement.matrix() @ centred
        seen = _share_in_frame(to_image, pixels.shape[1], pixels.shape[0], size)
        if seen > best_seen:
            best, best_seen = (at, to_image), seen
        if seen >= 0.4:
            break
    assert best is not None
    at, to_image = best
    paste_flat(image, pixels, alpha, to_image, shadow=0.3, shadow_px=0.8 * ppm)
    return {**info, "size_mm": [round(w, 1), round(h, 1)], "centre_mm": [round(at[0], 1), round(at[1], 1)],
            "share_in_frame": round(best_seen, 2)}  # fmt: skip


def _share_in_frame(to_image: np.ndarray, w: int, h: int, size: tuple[int, int]) -> float:
    """The share of a w x h thing, mapped by ``to_image``, that falls inside the frame (sampled)."""
    gx, gy = np.meshgrid(np.linspace(0, w, 9), np.linspace(0, h, 9))
    p = np.column_stack([gx.ravel(), gy.ravel(), np.ones(gx.size)]) @ to_image.T
    p = p[:, :2] / p[:, 2:3]
    inside = (p[:, 0] >= 0) & (p[:, 0] < size[0]) & (p[:, 1] >= 0) & (p[:, 1] < size[1])
    return float(inside.mean())


def _card_mm(box: Box, texture_size: tuple[int, int]) -> Box:
    tw, th = texture_size
    sx, sy = CARD_MM[0] / tw, CARD_MM[1] / th
    hw, hh = CARD_MM[0] / 2, CARD_MM[1] / 2
    return (box[0] * sx - hw, box[1] * sy - hh, box[2] * sx - hw, box[3] * sy - hh)


def card_layer(image: np.ndarray, card: np.ndarray, alpha: np.ndarray, pose: CardPose, shadow: float) -> None:
    """The card itself, with its shadow, in place."""
    size = (image.shape[1], image.shape[0])
    scale = np.sqrt(cv2.contourArea(pose.corners().astype(np.float32)) / (card.shape[0] * card.shape[1]))
    if scale < 0.8:  # shrink with area averaging first so the warp does not alias
        dims = (max(2, round(card.shape[1] * scale * 1.15)), max(2, round(card.shape[0] * scale * 1.15)))
        card = cv2.resize(card, dims, interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(alpha, dims, interpolation=cv2.INTER_AREA)
    shadow_px = 0.006 * max(size)
    roi = roi_of(pose.outline(), size, 4 + int(3 * shadow_px))
    if roi is None:
        return
    layer = pose.warp(card, roi, cv2.BORDER_REPLICATE)
    a = pose.warp(alpha, roi, cv2.BORDER_CONSTANT)
    blend(image, roi, layer, a, shadow, shadow_px)


def compose(
    rng: np.random.Generator,
    kind: str,
    domain: Domain,
    card: np.ndarray,
    alpha: np.ndarray,
    pose: CardPose,
    size: tuple[int, int],
    fonts: Fonts,
    regions: Mapping[str, Region],
    shadow: float,
) -> tuple[np.ndarray, dict[str, Any]]:
    """The scene of ``kind`` around the card at ``pose``, ``size`` pixels, and what is in it."""
    ppm_card = np.sqrt(cv2.contourArea(pose.corners().astype(np.float32)) / (CARD_MM[0] * CARD_MM[1]))
    ppm_texture = card.shape[1] / CARD_MM[0]
    ppm = float(min(ppm_texture, ppm_card * 1.15))  # print as sharp as the card's own texture, no sharper
    surface_name = tx.pick(rng, domain.surfaces)
    held = kind == "hand"
    image = surface(rng, surface_name, pose, size, blur=float(rng.uniform(2, 6)) if held else 0.0)
    info: dict[str, Any] = {"scene": kind, "surface": surface_name}
    if kind.startswith("page:"):
        info["page"] = page(rng, tx.pick(rng, domain.styles_of(kind)), image, pose, ppm, fonts)
    elif kind in ("other_card", "phone"):
        info[kind] = beside(rng, tx.pick(rng, domain.styles_of(kind)), image, pose, ppm, fonts)
    hand = None
    if held:
        texture = (card.shape[1], card.shape[0])
        text = {n: _card_mm(r.box, texture) for n, r in regions.items() if r.text}
        hand = place_hand(tx.pick(rng, domain.styles_of("hand")), rng, text)
        width_px = hand.thumb_width * ppm_card
        draw_skin(image, list(hand.behind), pose.to_frame, hand.skin, width_px, rng)
        shadow *= 0.3  # held above the surface: its shadow falls far and soft
    card_layer(image, card, alpha, pose, shadow)
    if hand is not None:
        draw_skin(image, [hand.thumb], pose.to_frame, hand.skin, hand.thumb_width * ppm_card, rng, shadow=0.35)
        draw_nail(image, hand.nail, pose.to_frame, hand.skin)
        hidden = hand.occlusion({n: _card_mm(r.box, (card.shape[1], card.shape[0])) for n, r in regions.items()})
        info["hand"] = {
            "style": hand.style,
            **hand.params,
            "occluded": {n: v for n, v in hidden.items() if v > 0},
            "corners_hidden": hand.hidden_corners(),
            "thumb_polygon": [[round(x / CARD_MM[0] + 0.5, 4), round(y / CARD_MM[1] + 0.5, 4)] for x, y in hand.thumb],
        }
    info["shadow"] = round(shadow, 3)
    return image, info
