"""Newspapers (``page:newspaper``): a serif broadsheet with justified, ruled columns (domain ``A``) or a
sans tabloid with a coloured banner and price ads (``B``), both with printed photographs."""

from __future__ import annotations

import cv2
import numpy as np

from chile_id_ocr.synth import text as tx
from chile_id_ocr.synth.backgrounds import BACKGROUNDS
from chile_id_ocr.synth.fonts import Family
from chile_id_ocr.synth.page_common import Fonts, Info, brand_colour, grey_colour, pick_font
from chile_id_ocr.synth.sheet import RGB, Sheet


def _headline(rng: np.random.Generator, words: int) -> str:
    text = " ".join(tx.pick(rng, tx.HEADLINE_WORDS) for _ in range(words))
    return text[0].upper() + text[1:]


def _photo(sheet: Sheet, box: tuple[float, float, float, float], rng: np.random.Generator, colour: bool) -> None:
    """A printed photograph: a scene's texture with the silhouettes of a person or two, softly focused."""
    if not sheet.visible(box):
        return
    bw, bh = box[2] - box[0], box[3] - box[1]
    k = 120 / max(bw, bh)
    w, h = max(8, round(bw * k)), max(8, round(bh * k))
    picture = np.clip(BACKGROUNDS[tx.pick(rng, tuple(BACKGROUNDS))](rng, w, h), 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(0, 3))):
        cx, top = rng.uniform(0.2, 0.8) * w, rng.uniform(0.15, 0.45) * h
        head = rng.uniform(0.08, 0.16) * h
        tone = tuple(int(v) for v in rng.integers(20, 120, 3))
        cv2.ellipse(picture, (round(cx), round(top + head)), (round(head * 0.8), round(head)), 0, 0, 360, tone, -1)
        cv2.ellipse(
            picture, (round(cx), round(top + head * 4.2)), (round(head * 2.4), round(head * 2.2)), 0, 180, 360, tone, -1
        )
        cv2.rectangle(picture, (round(cx - head * 2.4), round(top + head * 4.2)), (round(cx + head * 2.4), h), tone, -1)
    picture = cv2.GaussianBlur(picture, (0, 0), 1.0)
    if not colour:
        picture = cv2.cvtColor(cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    sheet.picture(box, picture)


def _columns(
    sheet: Sheet, rng: np.random.Generator, top: float, bottom: float, margin: float, n: int, body: Family,
    head: Family, cap: float, ink: RGB, justify: bool, rules: bool, colour_photos: bool,
) -> None:  # fmt: skip
    """Fill ``n`` columns from ``top`` to ``bottom`` with articles, photos and rules."""
    w = sheet.size[0]
    gutter = 4.0
    cw = (w - 2 * margin - (n - 1) * gutter) / n
    for c in range(n):
        x = margin + c * (cw + gutter)
        y = top + cap * 2
        if not sheet.visible((x - gutter, top, x + cw + gutter, bottom)):
            continue  # nothing of this column shows: skip laying it out
        if rules and c:
            sheet.line(x - gutter / 2, top, x - gutter / 2, bottom, (120, 120, 120), 0.15)
        while y < bottom - 10:
            roll = rng.random()
            if roll < 0.15:
                ph = float(rng.uniform(25, 60))
                _photo(sheet, (x, y - cap, x + cw, y - cap + ph), rng, colour_photos)
                y += ph + cap * 0.5
                sheet.text(x, y, tx.sentence(rng, 5)[:40], body.regular, cap * 0.85, ink)
                y += cap * 3
            elif roll < 0.35:
                for line in sheet.wrap(_headline(rng, int(rng.integers(3, 7))), head.bold, cap * 2, cw):
                    sheet.text(x, y + cap, " ".join(line), head.bold, cap * 2, ink)
                    y += cap * 3.2
                y += cap
            else:
                para = tx.paragraph(rng)
                y = sheet.paragraph(x, y, cw, para, body.regular, cap, ink, 1.75, justify, bottom) + cap * 0.8


def newspaper_serif(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A broadsheet: serif masthead and headline, a date line, justified serif columns with rules."""
    w, _ = sheet.size
    serif = pick_font(rng, fonts, "serif")
    ink = grey_colour(rng, 25, 50)
    margin = float(rng.uniform(10, 16))
    y = margin + 16
    name = tx.pick(rng, ("EL DIARIO AUSTRAL", "LA VOZ DEL SUR", "EL CORREO DE LOS ANDES", "LA TRIBUNA"))
    sheet.text(w / 2, y, name, serif.bold, float(rng.uniform(11, 16)), ink, "center")
    y += 5
    sheet.line(margin, y, w - margin, y, ink, 0.6)
    y += 4
    sheet.text(margin, y, f"{tx.pick(rng, tx.COMMUNES).title()}, {tx.spanish_date(rng)}", serif.regular, 1.8, ink)
    sheet.text(
        w - margin,
        y,
        f"N° {rng.integers(10000, 60000)} · $ {rng.integers(3, 12) * 100}",
        serif.regular,
        1.8,
        ink,
        "right",
    )
    sheet.line(margin, y + 2, w - margin, y + 2, ink, 0.3)
    y += 14
    head_cap = float(rng.uniform(6, 9))
    for line in sheet.wrap(_headline(rng, int(rng.integers(5, 10))), serif.bold, head_cap, w - 2 * margin):
        sheet.text(margin, y, " ".join(line), serif.bold, head_cap, ink)
        y += head_cap * 1.45
    cap = float(rng.uniform(1.4, 1.9))
    _columns(
        sheet,
        rng,
        y,
        sheet.size[1] - margin,
        margin,
        int(rng.integers(4, 7)),
        serif,
        serif,
        cap,
        ink,
        True,
        True,
        False,
    )
    return {"fonts": [serif.name]}


def newspaper_tabloid(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A tabloid: a coloured banner, a huge sans headline, ragged sans columns, price ads in boxes."""
    w, _ = sheet.size
    sans = pick_font(rng, fonts, "sans")
    ink, brand = grey_colour(rng, 10, 35), brand_colour(rng)
    margin = float(rng.uniform(8, 14))
    sheet.rect((margin, margin, w - margin, margin + 24), fill=brand)
    sheet.text(margin + 5, margin + 18, tx.pick(rng, ("LA CUARTA HORA", "HOY DÍA", "EL POPULAR", "LAS NOTICIAS")),
               sans.bold, float(rng.uniform(10, 14)), (255, 255, 255))  # fmt: skip
    sheet.text(w - margin - 4, margin + 18, tx.spanish_date(rng), sans.regular, 2.2, (255, 255, 255), "right")
    y = margin + 46
    for line in sheet.wrap(_headline(rng, int(rng.integers(3, 6))).upper(), sans.bold, 11, w - 2 * margin):
        sheet.text(margin, y, " ".join(line), sans.bold, 11, ink)
        y += 15
    h = sheet.size[1]
    ads = int(rng.integers(2, 4))
    aw = (w - 2 * margin - (ads - 1) * 4) / ads
    for i in range(ads):
        ax = margin + i * (aw + 4)
        sheet.rect((ax, h - margin - 42, ax + aw, h - margin), outline=brand, line_mm=0.8)
        sheet.text(ax + 4, h - margin - 32, tx.pick(rng, tx.ITEMS), sans.bold, 2.6, ink)
        sheet.text(ax + 4, h - margin - 14, tx.money(rng), sans.bold, 8, brand)
        sheet.text(
            ax + 4, h - margin - 5, tx.pick(rng, ("OFERTA", "SOLO HOY", "HASTA AGOTAR STOCK")), sans.regular, 1.8, ink
        )
    cap = float(rng.uniform(1.6, 2.1))
    _columns(sheet, rng, y, h - margin - 48, margin, int(rng.integers(3, 5)), sans, sans, cap, ink, False, False, True)
    return {"fonts": [sans.name]}


def newsprint(rng: np.random.Generator) -> RGB:
    v = int(rng.integers(222, 240))
    return (v, v - 2, v - int(rng.integers(6, 16)))
