"""Forms (``page:form``): a bank's form of labelled boxes (domain ``A``) or a notary's form of ruled or
dotted lines and a table (``B``), asking for what the card prints, filled in with another person's data."""

from __future__ import annotations

import numpy as np

from chile_id_ocr.synth import text as tx
from chile_id_ocr.synth.page_common import Fonts, Info, brand_colour, form_labels, ink_colour, pick_font, typed_colour
from chile_id_ocr.synth.sheet import Sheet


def form_boxes(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A bank's form: a coloured header, sections of labelled boxes with typed values, a declaration."""
    w, h = sheet.size
    sans, value_font = pick_font(rng, fonts, "sans"), pick_font(rng, fonts, tx.pick(rng, ("sans", "mono")))
    margin = float(rng.uniform(12, 22))
    brand, ink, typed = brand_colour(rng), ink_colour(rng), typed_colour(rng)
    sheet.rect((margin, margin, w - margin, margin + rng.uniform(11, 17)), fill=brand)
    sheet.text(
        margin + 4, margin + 10, tx.pick(rng, tx.COMPANIES), sans.bold, float(rng.uniform(3.5, 5)), (250, 250, 250)
    )
    y = margin + 27
    sheet.text(w / 2, y, tx.pick(rng, tx.FORM_TITLES), sans.bold, float(rng.uniform(2.8, 3.8)), ink, "center")
    y += 8
    sheet.text(margin, y, f"Fecha: {tx.any_date(rng)}", sans.regular, 2.0, ink)
    sheet.text(w - margin, y, f"N° {rng.integers(100000, 999999)}", sans.regular, 2.0, ink, "right")
    label_cap, value_cap = float(rng.uniform(1.3, 1.8)), float(rng.uniform(2.0, 2.8))
    box_h = value_cap * 2 + label_cap * 2.2
    labels = form_labels(rng, 18)
    sections = ("1. DATOS PERSONALES", "2. DATOS DE CONTACTO", "3. ANTECEDENTES LABORALES")
    for section in sections:
        y += 7
        if y > h - margin - 40:
            break
        sheet.rect((margin, y - 4.5, w - margin, y + 1.5), fill=(225, 228, 232))
        sheet.text(margin + 2, y, section, sans.bold, 2.2, ink)
        y += 4
        for _ in range(int(rng.integers(2, 4))):
            cols = int(rng.integers(1, 4))
            x = margin
            widths = rng.dirichlet(np.ones(cols) * 3) * (w - 2 * margin)
            for cw in widths:
                label = labels.pop(0) if labels else tx.pick(rng, tx.FORM_LABELS)
                sheet.rect((x, y, x + cw, y + box_h), outline=(90, 90, 95), line_mm=0.2)
                sheet.text(x + 1.2, y + label_cap * 1.5, label, sans.regular, label_cap, ink)
                value = tx.form_value(rng, label)
                fit = min(value_cap, value_cap * (cw - 3) / sheet.width(value, value_font.regular, value_cap))
                sheet.text(x + 2, y + box_h - value_cap * 0.6, value, value_font.regular, fit, typed)
                x += cw
            y += box_h
    y += 8
    sheet.text(margin, y, "DECLARACIÓN", sans.bold, 2.2, ink)
    y += 5
    cap = float(rng.uniform(1.5, 2.1))
    while y < h - margin - 50:
        y = sheet.paragraph(margin, y, w - 2 * margin, tx.paragraph(rng), sans.regular, cap, ink) + cap
    y = max(y + 18, h - margin - 20)
    for i, label in enumerate(("FIRMA DEL TITULAR", tx.pick(rng, ("HUELLA", "FIRMA EJECUTIVO", "V°B° SUCURSAL")))):
        x0 = margin + i * (w - 2 * margin) / 2 + 8
        x1 = x0 + (w - 2 * margin) / 2 - 16
        sheet.line(x0, y, x1, y, ink, 0.25)
        sheet.text((x0 + x1) / 2, y + 4, label, sans.regular, 1.6, ink, "center")
    return {"fonts": [sans.name, value_font.name]}


def form_lines(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A notary's or a cooperative's form: label-and-leader lines, a table of references, a serif body."""
    w, h = sheet.size
    serif, typed_font = pick_font(rng, fonts, "serif"), pick_font(rng, fonts, "mono")
    margin = float(rng.uniform(15, 25))
    ink, typed = ink_colour(rng), typed_colour(rng)
    y = margin + 6
    sheet.text(margin, y, tx.pick(rng, tx.COMPANIES), serif.bold, float(rng.uniform(2.8, 3.6)), ink)
    sheet.rect((w - margin - 38, y - 6, w - margin, y + 2), outline=ink, line_mm=0.3)
    sheet.text(w - margin - 35, y - 0.5, f"FOLIO N° {rng.integers(1000, 99999):05d}", serif.regular, 1.8, ink)
    y += 4
    sheet.line(margin, y, w - margin, y, ink, 0.4)
    y += 12
    title = tx.pick(rng, tx.FORM_TITLES)
    tw = sheet.text(w / 2, y, title, serif.bold, float(rng.uniform(3.0, 4.0)), ink, "center")
    sheet.line(w / 2 - tw / 2, y + 1.2, w / 2 + tw / 2, y + 1.2, ink, 0.3)
    cap, value_cap = float(rng.uniform(1.8, 2.4)), float(rng.uniform(2.0, 2.6))
    pitch = cap * float(rng.uniform(4.0, 5.5))
    dotted = rng.random() < 0.5
    y += 10
    for label in form_labels(rng, int(rng.integers(8, 14))):
        two = len(label) < 12 and rng.random() < 0.5
        for x0, x1 in ((margin, w / 2 - 4), (w / 2 + 4, w - margin)) if two else ((margin, w - margin),):
            lw = sheet.text(x0, y, label + ":", serif.regular, cap, ink)
            if dotted:
                sheet.dotted(x0 + lw + 1.5, x1, y + 0.3, ink)
            else:
                sheet.line(x0 + lw + 1.5, y + 0.8, x1, y + 0.8, ink, 0.15)
            sheet.text(x0 + lw + 4, y - 0.4, tx.form_value(rng, label), typed_font.regular, value_cap, typed)
            label = tx.pick(rng, tx.FORM_LABELS)
        y += pitch
    y += 6
    sheet.text(margin, y, "REFERENCIAS PERSONALES", serif.bold, cap, ink)
    columns = (("NOMBRE", 0.42), ("RUT", 0.2), ("TELÉFONO", 0.22), ("RELACIÓN", 0.16))
    row = cap * 3.2
    y += 3
    for r in range(int(rng.integers(3, 5))):
        x = margin
        for name, share in columns:
            cw = share * (w - 2 * margin)
            sheet.rect((x, y, x + cw, y + row), outline=ink, line_mm=0.2)
            value = name if r == 0 else {
                "NOMBRE": tx.full_name(rng), "RUT": tx.run(rng), "TELÉFONO": tx.phone_number(rng),
                "RELACIÓN": tx.pick(rng, ("HERMANO(A)", "AMIGO(A)", "MADRE", "PADRE", "CÓNYUGE")),
            }[name]  # fmt: skip
            font = serif.bold if r == 0 else typed_font.regular
            sheet.text(x + 1.2, y + row - cap * 0.9, value, font, cap * (0.85 if r else 0.9), ink if r == 0 else typed)
            x += cw
        y += row
    y = sheet.paragraph(margin, y + 9, w - 2 * margin, tx.paragraph(rng), serif.regular, cap, ink, justify=False)
    y = max(y + 20, h - margin - 15)
    sheet.line(w / 2 - 35, y, w / 2 + 35, y, ink, 0.25)
    sheet.text(w / 2, y + 4.5, "FIRMA DEL TITULAR", serif.regular, 1.7, ink, "center")
    return {"fonts": [serif.name, typed_font.name], "leaders": "dotted" if dotted else "ruled"}
