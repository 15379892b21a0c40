"""Things lying next to the card: another card with its own printed text, a phone showing text.

Each kind has two styles, one per domain: a bank card (``A``) or a store's loyalty card (``B``); a
chat in light mode (``A``) or a banking app in dark mode (``B``). They print names, RUNs and dates
like the card does, in other places and other fonts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from chile_id_ocr.synth import text as tx
from chile_id_ocr.synth.page_common import Fonts, Info
from chile_id_ocr.synth.sheet import RGB, Sheet
from chile_id_ocr.synth.template import rounded_alpha

ID1 = (85.6, 53.98)
"""Width and height of an ID-1 card (bank cards, loyalty cards and the identity card), mm."""


@dataclass(frozen=True)
class ObjectStyle:
    """A rigid object: its kind, its size (mm), its corner radius (mm) and how its face is drawn."""

    kind: str
    size: Callable[[np.random.Generator], tuple[float, float]]
    corner: float
    draw: Callable[[Sheet, np.random.Generator, Fonts], Info]


def _gradient(sheet: Sheet, c0: RGB, c1: RGB, rng: np.random.Generator) -> None:
    """Fill the sheet with a linear gradient from ``c0`` to ``c1`` in a random direction."""
    w, h = sheet.image.size
    a = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xx / w - 0.5) * np.cos(a) + (yy / h - 0.5) * np.sin(a) + 0.5
    t = np.clip(t, 0, 1)[..., None]
    img = np.asarray(c0, np.float32) * (1 - t) + np.asarray(c1, np.float32) * t
    sheet.image.paste(Image.fromarray(img.astype(np.uint8), "RGB"))


def _on(colour: RGB) -> RGB:
    """Text colour that reads on ``colour``."""
    return (250, 250, 250) if sum(colour) < 380 else (25, 25, 30)


def _bank_card(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A payment card: gradient, bank name, chip, embossed number, expiry, holder, network logo."""
    sans, mono = tx.pick(rng, fonts["sans"]), tx.pick(rng, fonts["mono"])
    c0 = tuple(int(v) for v in rng.integers(0, 200, 3))
    c1 = tuple(int(np.clip(v + rng.integers(-80, 80), 0, 255)) for v in c0)
    _gradient(sheet, c0, c1, rng)  # type: ignore[arg-type]
    fg = _on(c0)  # type: ignore[arg-type]
    sheet.text(7, 10, tx.pick(rng, tx.COMPANIES[:4]), sans.bold, float(rng.uniform(2.6, 3.6)), fg)
    sheet.rounded((9, 19, 21, 28), 1.5, fill=(205, 175, 95), outline=(150, 120, 60), line_mm=0.2)
    for x in (13.0, 17.0):
        sheet.line(x, 19, x, 28, (150, 120, 60), 0.15)
    number = " ".join(f"{rng.integers(0, 10000):04d}" for _ in range(4))
    face = mono if rng.random() < 0.5 else sans
    sheet.text(8.3, 38.3, number, face.bold, 3.2, (40, 40, 40))
    sheet.text(8, 38, number, face.bold, 3.2, (235, 235, 225))
    sheet.text(38, 43.5, "VÁLIDA HASTA", sans.regular, 1.1, fg)
    sheet.text(55, 44, f"{rng.integers(1, 13):02d}/{rng.integers(25, 33)}", face.bold, 2.0, fg)
    holder = tx.full_name(rng)
    sheet.text(8, 49.5, holder, face.bold, min(2.2, 2.2 * 48 / sheet.width(holder, face.bold, 2.2)), fg)
    if rng.random() < 0.5:
        sheet.ellipse((60, 41, 70, 51), fill=(235, 30, 35))
        sheet.ellipse((66, 41, 76, 51), fill=(250, 160, 20))
    else:
        sheet.text(78, 50, "VISA", sans.bold, 4.5, fg, "right")
    return {"fonts": [sans.name, face.name]}


def _loyalty_card(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A store's member card: a brand band, member name and RUN, a barcode with its digits."""
    sans = tx.pick(rng, fonts["sans"])
    brand = tx.pick(rng, ((200, 30, 40), (0, 90, 170), (0, 130, 70), (240, 120, 0), (110, 40, 140)))
    sheet.rect((0, 0, ID1[0], 16), fill=brand)
    sheet.text(6, 11, tx.pick(rng, tx.STORES), sans.bold, float(rng.uniform(2.4, 3.4)), (255, 255, 255))
    sheet.text(6, 23, tx.pick(rng, ("TARJETA SOCIO", "CLUB DE PUNTOS", "CLIENTE PREFERENTE")), sans.bold, 2.2, brand)
    ink = (30, 30, 35)
    sheet.text(6, 30, tx.full_name(rng), sans.bold, 2.2, ink)
    sheet.text(6, 35, f"RUT {tx.run(rng)}", sans.regular, 2.0, ink)
    sheet.text(6, 40, f"VENCE {tx.card_date(tx.random_day(rng, 2025, 2030))}", sans.regular, 1.6, ink)
    sheet.barcode((40, 40, 80, 49), rng, ink)
    sheet.text(60, 52, f"{rng.integers(10**12, 10**13)}", sans.regular, 1.4, ink, "center")
    return {"fonts": [sans.name]}


def _status_bar(sheet: Sheet, rng: np.random.Generator, top: float, font: str, colour: RGB) -> None:
    w = sheet.size[0]
    sheet.text(8, top + 4, f"{rng.integers(7, 23)}:{rng.integers(0, 60):02d}", font, 1.6, colour)
    sheet.rect((w - 14, top + 1.8, w - 8, top + 4.2), outline=colour, line_mm=0.25)
    sheet.rect((w - 13.5, top + 2.3, w - 13.5 + rng.uniform(1, 5), top + 3.7), fill=colour)


def _bezel(sheet: Sheet, rng: np.random.Generator, screen: RGB) -> tuple[float, float, float, float]:
    """Paint the phone's body and its screen area; returns the screen box."""
    w, h = sheet.size
    body = tx.pick(rng, ((18, 18, 20), (40, 40, 45), (225, 225, 228), (70, 80, 110)))
    sheet.image.paste(body, (0, 0, *sheet.image.size))
    side, top = float(rng.uniform(2.0, 3.5)), float(rng.uniform(3, 9))
    box = (side, top, w - side, h - top)
    sheet.rounded(box, 5.0, fill=screen)
    return box


def _chat_lines(rng: np.random.Generator) -> str:
    return tx.pick(
        rng,
        (
            "Hola, te mando la foto del carnet",
            f"Mi RUT es {tx.run(rng)}",
            f"Nací el {tx.any_date(rng)}",
            f"Soy {tx.full_name(rng)}",
            "Ok, gracias! Lo reviso y te aviso",
            "¿Me puedes mandar la parte de atrás también?",
            tx.sentence(rng, int(rng.integers(4, 10))),
            f"El depósito fue de {tx.money(rng)}",
        ),
    )


def _phone_chat(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A messaging app in light mode: a coloured header, speech bubbles left and right."""
    sans = tx.pick(rng, fonts["sans"])
    x0, y0, x1, y1 = _bezel(sheet, rng, (236, 229, 221))
    head = tx.pick(rng, ((7, 94, 84), (40, 110, 200), (60, 60, 70)))
    sheet.rect((x0, y0 + 6, x1, y0 + 18), fill=head)
    _status_bar(sheet, rng, y0, sans.regular, (30, 30, 30))
    sheet.text(x0 + 12, y0 + 14, tx.full_name(rng).title(), sans.bold, 2.0, (255, 255, 255))
    cap = float(rng.uniform(1.7, 2.3))
    y = y0 + 24
    while y < y1 - 20:
        mine = rng.random() < 0.5
        lines = sheet.wrap(_chat_lines(rng), sans.regular, cap, (x1 - x0) * 0.62)
        bw = max(sheet.width(" ".join(line), sans.regular, cap) for line in lines) + 5
        bh = len(lines) * cap * 1.8 + 3
        bx = x1 - 4 - bw if mine else x0 + 4
        sheet.rounded((bx, y, bx + bw, y + bh), 2.0, fill=(220, 248, 198) if mine else (255, 255, 255))
        for i, line in enumerate(lines):
            sheet.text(bx + 2.5, y + 2 + cap * (1.1 + 1.8 * i), " ".join(line), sans.regular, cap, (20, 20, 20))
        y += bh + 3
    sheet.rounded((x0 + 3, y1 - 12, x1 - 3, y1 - 4), 4.0, fill=(255, 255, 255))
    return {"fonts": [sans.name]}


def _phone_bank(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A banking app in dark mode: greeting, balance, the last movements with dates."""
    sans = tx.pick(rng, fonts["sans"])
    x0, y0, x1, y1 = _bezel(sheet, rng, (22, 24, 32))
    light, dim, accent = (235, 235, 240), (150, 155, 170), tx.pick(rng, ((90, 200, 140), (110, 160, 255)))
    _status_bar(sheet, rng, y0, sans.regular, light)
    sheet.text(x0 + 5, y0 + 16, f"Hola, {tx.given_names(rng).split()[0].title()}", sans.bold, 3.0, light)
    sheet.rounded((x0 + 4, y0 + 22, x1 - 4, y0 + 46), 3.0, fill=(40, 44, 58))
    sheet.text(x0 + 8, y0 + 29, "Saldo disponible", sans.regular, 1.8, dim)
    sheet.text(x0 + 8, y0 + 40, tx.money(rng), sans.bold, 5.0, light)
    sheet.text(x0 + 5, y0 + 55, "Últimos movimientos", sans.bold, 2.2, accent)
    y = y0 + 63
    while y < y1 - 20:
        sheet.text(x0 + 5, y, tx.pick(rng, tx.STORES).title()[:24], sans.regular, 1.9, light)
        sheet.text(x1 - 5, y, "-" + tx.money(rng), sans.bold, 1.9, light, "right")
        sheet.text(x0 + 5, y + 4, tx.card_date(tx.random_day(rng, 2023, 2026)), sans.regular, 1.5, dim)
        sheet.line(x0 + 5, y + 6.5, x1 - 5, y + 6.5, (55, 58, 70), 0.15)
        y += 11
    for i in range(4):
        cx = x0 + (i + 0.5) * (x1 - x0) / 4
        sheet.ellipse((cx - 2.5, y1 - 10, cx + 2.5, y1 - 5), outline=dim, line_mm=0.3)
    return {"fonts": [sans.name]}


def _phone_size(rng: np.random.Generator) -> tuple[float, float]:
    w = float(rng.uniform(68, 78))
    return w, w * float(rng.uniform(2.0, 2.2))


OBJECT_STYLES: dict[str, ObjectStyle] = {
    "bank_card": ObjectStyle("other_card", lambda r: ID1, 3.18, _bank_card),
    "loyalty_card": ObjectStyle("other_card", lambda r: ID1, 3.18, _loyalty_card),
    "phone_chat": ObjectStyle("phone", _phone_size, 9.0, _phone_chat),
    "phone_bank": ObjectStyle("phone", _phone_size, 9.0, _phone_bank),
}


def render_object(
    name: str, rng: np.random.Generator, fonts: Fonts, ppm: float
) -> tuple[np.ndarray, np.ndarray, tuple[float, float], dict[str, Any]]:
    """The object ``name`` drawn whole at ``ppm``: BGR pixels, rounded alpha, size (mm), what was drawn."""
    style = OBJECT_STYLES[name]
    size = style.size(rng)
    sheet = Sheet.whole(size, ppm, (245, 245, 245))
    info = style.draw(sheet, rng, fonts)
    pixels = sheet.pixels()
    alpha = rounded_alpha(pixels.shape[1], pixels.shape[0], style.corner * ppm)
    return pixels, alpha, size, {"style": name, **info}
