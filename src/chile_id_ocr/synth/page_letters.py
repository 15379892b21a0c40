"""Letters and contracts (``page:letter``): a company's letter (domain ``A``) or a contract of numbered
clauses between two people named with their RUNs (``B``)."""

from __future__ import annotations

import numpy as np

from chile_id_ocr.synth import text as tx
from chile_id_ocr.synth.page_common import Fonts, Info, brand_colour, ink_colour, pick_font
from chile_id_ocr.synth.sheet import Sheet


def letter(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A company's letter: letterhead, place and date, addressee, justified paragraphs, signature."""
    w, h = sheet.size
    head, body = pick_font(rng, fonts, "sans"), pick_font(rng, fonts, tx.pick(rng, ("serif", "sans")))
    margin = float(rng.uniform(20, 30))
    ink, brand = ink_colour(rng), brand_colour(rng)
    y = margin + 5
    sheet.ellipse((margin, y - 8, margin + 10, y + 2), fill=brand)
    sheet.text(margin + 13, y, tx.pick(rng, tx.COMPANIES), head.bold, float(rng.uniform(3.5, 5.5)), brand)
    sheet.text(margin + 13, y + 4.5, f"{tx.address(rng)} · {tx.pick(rng, tx.COMMUNES)}", head.regular, 1.5, ink)
    sheet.line(margin, y + 7, w - margin, y + 7, brand, 0.5)
    cap = float(rng.uniform(1.8, 2.5))
    y += 22
    sheet.text(
        w - margin, y, f"{tx.pick(rng, tx.COMMUNES).title()}, {tx.spanish_date(rng)}", body.regular, cap, ink, "right"
    )
    y += cap * 5
    for line in ("Señor(a)", tx.full_name(rng), tx.address(rng), "Presente"):
        sheet.text(margin, y, line, body.bold if line.isupper() else body.regular, cap, ink)
        y += cap * 1.9
    y += cap * 2
    sheet.text(margin, y, f"Ref.: {tx.sentence(rng, 5)}", body.bold, cap, ink)
    y += cap * 4
    sheet.text(
        margin,
        y,
        tx.pick(rng, ("De nuestra consideración:", "Estimado(a) cliente:", "Junto con saludar:")),
        body.regular,
        cap,
        ink,
    )
    y += cap * 3.5
    while y < h - margin - 45:
        y = sheet.paragraph(margin, y, w - 2 * margin, tx.paragraph(rng), body.regular, cap, ink) + cap * 1.2
    sheet.text(margin, y, "Saluda atentamente,", body.regular, cap, ink)
    y += 18
    sheet.line(margin, y, margin + 55, y, ink, 0.2)
    sheet.text(margin, y + cap * 2, tx.full_name(rng), body.bold, cap, ink)
    sheet.text(margin, y + cap * 4, f"RUT {tx.run(rng)}", body.regular, cap, ink)
    sheet.text(w / 2, h - 10, f"{tx.phone_number(rng)} · www.empresa.cl", head.regular, 1.4, ink, "center")
    return {"fonts": [head.name, body.name]}


def contract(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A contract: underlined title, the parties with their RUNs, numbered clauses, two signatures."""
    w, h = sheet.size
    body = pick_font(rng, fonts, tx.pick(rng, ("serif", "serif", "mono")))
    margin = float(rng.uniform(22, 32))
    ink = ink_colour(rng)
    cap = float(rng.uniform(1.8, 2.5))
    y = margin + 10
    title = tx.pick(rng, tx.CONTRACT_TITLES)
    tw = sheet.text(w / 2, y, title, body.bold, cap * 1.4, ink, "center")
    sheet.line(w / 2 - tw / 2, y + 1.3, w / 2 + tw / 2, y + 1.3, ink, 0.3)
    y += cap * 7
    parties = (
        f"En {tx.pick(rng, tx.COMMUNES).title()}, a {tx.spanish_date(rng)}, entre don(ña) {tx.full_name(rng)}, "
        f"cédula nacional de identidad N° {tx.run(rng)}, "
        f"de nacionalidad {tx.pick(rng, ('chilena', 'venezolana', 'peruana'))}, "
        f"domiciliado(a) en {tx.address(rng).title()}, comuna de {tx.pick(rng, tx.COMMUNES).title()}, y don(ña) "
        f"{tx.full_name(rng)}, cédula de identidad N° {tx.run(rng)}, nacido(a) el {tx.any_date(rng)}, se ha convenido "
        "el siguiente contrato:"
    )
    y = sheet.paragraph(margin, y, w - 2 * margin, parties, body.regular, cap, ink) + cap
    for clause in tx.CLAUSES:
        if y > h - margin - 40:
            break
        lead = f"{clause}:"
        indent = sheet.text(margin, y, lead, body.bold, cap, ink) + sheet.width(" ", body.regular, cap)
        words = tx.paragraph(rng, int(rng.integers(2, 5))).split()
        first = sheet.wrap(" ".join(words), body.regular, cap, w - 2 * margin - indent)[0]
        sheet.text(margin + indent, y, " ".join(first), body.regular, cap, ink)
        rest = " ".join(words[len(first) :])
        y = (
            sheet.paragraph(margin, y + cap * 1.9, w - 2 * margin, rest, body.regular, cap, ink)
            if rest
            else y + cap * 1.9
        )
        y += cap
    y = max(y + 22, h - margin - 12)
    for i in range(2):
        x0 = margin + i * (w - 2 * margin) / 2 + 5
        x1 = x0 + (w - 2 * margin) / 2 - 10
        sheet.line(x0, y, x1, y, ink, 0.2)
        sheet.text((x0 + x1) / 2, y + cap * 2, tx.full_name(rng), body.regular, cap * 0.85, ink, "center")
        sheet.text((x0 + x1) / 2, y + cap * 4, f"RUT {tx.run(rng)}", body.regular, cap * 0.85, ink, "center")
    sheet.text(w / 2, h - 10, f"Página 1 de {rng.integers(2, 6)}", body.regular, 1.6, ink, "center")
    folds = [h / 3, 2 * h / 3] if rng.random() < 0.5 else []
    for fy in folds:
        sheet.rect((0, fy - 0.6, w, fy), fill=tuple(max(0, c - 10) for c in sheet.paper))  # type: ignore[arg-type]
        sheet.rect((0, fy, w, fy + 0.5), fill=tuple(min(255, c + 4) for c in sheet.paper))  # type: ignore[arg-type]
    return {"fonts": [body.name], "folds": len(folds)}
