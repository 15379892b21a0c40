"""Print an identity's values onto the erased template, like the card's laser engraving."""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from chile_id_ocr.synth.identities import Identity
from chile_id_ocr.synth.template import FOREIGNER_MARK, SLOTS, TITLE_INK, PreparedTemplate, Slot


@dataclass(frozen=True)
class FontFace:
    """A Helvetica-like face: regular and bold files and the width factor that makes it Helvetica-wide."""

    name: str
    regular: str
    bold: str
    width: float


FONT_FACES: tuple[FontFace, ...] = (
    FontFace(
        "liberation",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
        0.95,
    ),
    FontFace(
        "nimbus",
        "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf",
        "/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf",
        1.0,
    ),
    FontFace(
        "dejavu",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        0.9,
    ),
    FontFace(
        "freesans",
        "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
        "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
        1.0,
    ),
    FontFace(
        "roboto",
        "/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Regular.ttf",
        "/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Bold.ttf",
        0.98,
    ),
    FontFace(
        "opensans",
        "/usr/share/fonts/truetype/open-sans/OpenSans-Regular.ttf",
        "/usr/share/fonts/truetype/open-sans/OpenSans-Bold.ttf",
        0.99,
    ),
    FontFace(
        "lato",
        "/usr/share/fonts/truetype/lato/Lato-Regular.ttf",
        "/usr/share/fonts/truetype/lato/Lato-Bold.ttf",
        1.0,
    ),
    FontFace(
        "carlito",
        "/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf",
        "/usr/share/fonts/truetype/crosextra/Carlito-Bold.ttf",
        1.03,
    ),
)


def available_faces() -> tuple[FontFace, ...]:
    faces = tuple(f for f in FONT_FACES if Path(f.regular).is_file() and Path(f.bold).is_file())
    if not faces:
        raise FileNotFoundError(
            "no Helvetica-like font found (install fonts-liberation2, fonts-urw-base35, fonts-dejavu "
            "or fonts-freefont-ttf)"
        )
    return faces


@functools.lru_cache(maxsize=64)
def _font(path: str, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size)


@functools.lru_cache(maxsize=16)
def _cap_ratio(path: str) -> float:
    """Cap height of the face as a fraction of its size (the height of 'H')."""
    box = _font(path, 200).getbbox("H", anchor="ls")
    return -box[1] / 200


def _text_mask(text: str, path: str, cap_px: float, width_factor: float, max_width_px: float) -> tuple[np.ndarray, int]:
    """Render ``text`` white on black; returns the mask and the baseline row inside it."""
    size = cap_px / _cap_ratio(path)
    font = _font(path, round(size * 4) / 4)
    # Whole pixels: FreeType's box is fractional only with a stroke width (none here), whatever the stubs say.
    x0, y0, x1, y1 = cast(tuple[int, int, int, int], font.getbbox(text, anchor="ls"))
    pad = 4
    w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    img = Image.new("L", (w, h), 0)
    ImageDraw.Draw(img).text((pad - x0, pad - y0), text, fill=255, font=font, anchor="ls")
    mask = np.asarray(img)
    baseline = pad - y0
    natural = (x1 - x0) * width_factor
    if natural > max_width_px:  # condense long values to fit, as the card printer does
        width_factor *= max(max_width_px / natural, 0.72)
    if abs(width_factor - 1.0) > 0.005:
        new_w = max(1, round(w * width_factor))
        mask = cv2.resize(mask, (new_w, h), interpolation=cv2.INTER_AREA if width_factor < 1 else cv2.INTER_CUBIC)
    return mask, baseline


def _paste_max(canvas: np.ndarray, mask: np.ndarray, x: int, y: int) -> None:
    h, w = mask.shape
    H, W = canvas.shape
    cx0, cy0, cx1, cy1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    sub = mask[cy0 - y : cy1 - y, cx0 - x : cx1 - x]
    np.maximum(canvas[cy0:cy1, cx0:cx1], sub, out=canvas[cy0:cy1, cx0:cx1])


def slot_texts(identity: Identity) -> dict[str, str]:
    """The text printed in each template slot."""
    texts = {
        "surname_1": identity.surname[0],
        "given_name": identity.given_name,
        "nationality": identity.nationality,
        "sex": identity.sex,
        "birth": identity.format_date(identity.birth),
        "document_number": identity.document_number_printed,
        "issue_date": identity.format_date(identity.issue),
        "expiry_date": identity.format_date(identity.expiry),
        "run_big": identity.run,
        "run_small": identity.run,
    }
    if len(identity.surname) > 1:
        texts["surname_2"] = identity.surname[1]
    return texts


def render_card(
    identity: Identity, template: PreparedTemplate, r: random.Random, faces: Sequence[FontFace] | None = None
) -> tuple[np.ndarray, dict[str, object]]:
    """The card (BGR uint8, template size) with ``identity`` printed on it, and the render parameters.

    ``faces`` is the pool the value font is drawn from (installed faces; default :func:`available_faces`).
    """
    faces = tuple(faces) if faces else available_faces()
    face = r.choice(faces)
    s = template.scale
    card_w, card_h = template.size
    ink = np.zeros((card_h, card_w), np.uint8)

    size_jitter = r.uniform(0.96, 1.05)
    width_jitter = r.uniform(0.96, 1.04)
    dx, dy = r.uniform(-1.5, 1.5), r.uniform(-1.0, 1.0)  # print registration, specimen px
    boxes: dict[str, list[float]] = {}
    for name, text in slot_texts(identity).items():
        slot: Slot = SLOTS[name]
        path = face.bold if slot.bold else face.regular
        cap_px = slot.cap * s * size_jitter * r.uniform(0.99, 1.01)
        mask, baseline = _text_mask(text, path, cap_px, face.width * width_jitter, slot.max_width * s)
        x = (slot.x + dx + r.uniform(-0.4, 0.4)) * s
        y = (slot.baseline + dy + r.uniform(-0.3, 0.3)) * s
        px, py = round(x - 4), round(y - baseline)
        _paste_max(ink, mask, px, py)
        boxes[name] = [px + 4, round(y - cap_px), px + mask.shape[1] - 4, round(y)]

    spread = r.uniform(0.4, 0.9)
    inkf = cv2.GaussianBlur(ink, (0, 0), spread).astype(np.float32) / 255.0
    level = r.uniform(28, 62)
    tint = np.array([r.uniform(-4, 6), r.uniform(-3, 3), r.uniform(-4, 6)], np.float32)
    colour = np.clip(level + tint, 0, 255)
    opacity = r.uniform(0.86, 0.97)
    a = (inkf * opacity)[..., None]
    card = template.image.astype(np.float32)
    out = card * (1.0 - a) + colour * a
    info: dict[str, object] = {
        "font": face.name,
        "ink_level": round(level, 1),
        "ink_opacity": round(opacity, 3),
        "size_jitter": round(size_jitter, 3),
        "offset_px": [round(dx * s, 1), round(dy * s, 1)],
        "value_boxes": boxes,
    }
    if identity.foreigner:
        out = _print_title(out, "EXTRANJERO", FOREIGNER_MARK, face, template.scale)
        info["marks"] = ["EXTRANJERO"]
    return np.clip(out, 0, 255).astype(np.uint8), info


def _print_title(card: np.ndarray, text: str, slot: Slot, face: FontFace, scale: float) -> np.ndarray:
    """``card`` (float) with ``text`` printed at ``slot`` like the card's own titles: the regular face, in
    the titles' blue."""
    ink = np.zeros(card.shape[:2], np.uint8)
    mask, baseline = _text_mask(text, face.regular, slot.cap * scale, face.width, slot.max_width * scale)
    _paste_max(ink, mask, round(slot.x * scale - 4), round(slot.baseline * scale - baseline))
    a = (cv2.GaussianBlur(ink, (0, 0), 0.6).astype(np.float32) / 255.0)[..., None]
    return card * (1.0 - a) + np.array(TITLE_INK, np.float32) * a
