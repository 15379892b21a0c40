"""Printed pages a card lies on in a KYC photo: forms, letters and contracts, receipts, newspapers.

Each kind has two styles, one per domain (:mod:`chile_id_ocr.synth.domains`), drawn by different code
in different fonts: a form of labelled boxes (``A``) or of ruled lines and a table (``B``); a letter
(``A``) or a contract of numbered clauses (``B``); a thermal till receipt (``A``) or a card-payment
voucher (``B``); a serif broadsheet (``A``) or a sans tabloid (``B``). The forms ask for what the card
prints (APELLIDOS, NOMBRES, RUN, FECHA DE NACIMIENTO...) filled in with another person's data.
All sizes are in millimetres; body text has a cap height of 1.5-2.8 mm, like the card's values (2 mm).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth import text as tx
from chile_id_ocr.synth.backgrounds import BACKGROUNDS
from chile_id_ocr.synth.fonts import Family
from chile_id_ocr.synth.sheet import RGB, Sheet

Fonts = dict[str, tuple[Family, ...]]
Info = dict[str, Any]


@dataclass(frozen=True)
class PageStyle:
    """How one kind of page is drawn: its size and paper, and the drawing of its content."""

    kind: str
    size: Callable[[np.random.Generator], tuple[float, float]]
    paper: Callable[[np.random.Generator], RGB]
    draw: Callable[[Sheet, np.random.Generator, Fonts], Info]
    torn: bool = False
    """Torn (zigzag) top and bottom edges, as a receipt off a roll."""


def _grey(rng: np.random.Generator, lo: int, hi: int) -> RGB:
    v = int(rng.integers(lo, hi + 1))
    return (v, v, v)


def _office_paper(rng: np.random.Generator) -> RGB:
    base = int(rng.integers(238, 255))
    return (base, base - int(rng.integers(0, 6)), base - int(rng.integers(0, 12)))


def _office_size(rng: np.random.Generator) -> tuple[float, float]:
    return tx.pick(rng, ((210.0, 297.0), (216.0, 279.0), (216.0, 330.0)))


def _ink(rng: np.random.Generator) -> RGB:
    v = int(rng.integers(15, 55))
    return (v, v, v + int(rng.integers(0, 8)))


def _typed(rng: np.random.Generator) -> RGB:
    """The colour of typed-in values: black or a dark blue."""
    return _ink(rng) if rng.random() < 0.6 else (20, 30, int(rng.integers(90, 150)))


def _brand(rng: np.random.Generator) -> RGB:
    return tx.pick(rng, ((0, 70, 140), (170, 20, 40), (0, 110, 80), (90, 40, 120), (200, 90, 0), (20, 60, 90)))


def _pick_font(rng: np.random.Generator, fonts: Fonts, style: str) -> Family:
    return tx.pick(rng, fonts[style])


def _labels(rng: np.random.Generator, n: int) -> list[str]:
    """Form labels, the card's own words among them."""
    order = rng.permutation(len(tx.FORM_LABELS))
    first = ["APELLIDOS", "NOMBRES", "RUN" if rng.random() < 0.5 else "RUT", "FECHA DE NACIMIENTO", "NACIONALIDAD"]
    rest = [tx.FORM_LABELS[i] for i in order if tx.FORM_LABELS[i] not in first]
    return (first + rest)[:n]


# --- forms -------------------------------------------------------------------------------------------------


def _form_boxes(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A bank's form: a coloured header, sections of labelled boxes with typed values, a declaration."""
    w, h = sheet.size
    sans, value_font = _pick_font(rng, fonts, "sans"), _pick_font(rng, fonts, tx.pick(rng, ("sans", "mono")))
    margin = float(rng.uniform(12, 22))
    brand, ink, typed = _brand(rng), _ink(rng), _typed(rng)
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
    labels = _labels(rng, 18)
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


def _form_lines(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A notary's or a cooperative's form: label-and-leader lines, a table of references, a serif body."""
    w, h = sheet.size
    serif, typed_font = _pick_font(rng, fonts, "serif"), _pick_font(rng, fonts, "mono")
    margin = float(rng.uniform(15, 25))
    ink, typed = _ink(rng), _typed(rng)
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
    for label in _labels(rng, int(rng.integers(8, 14))):
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


# --- letters and contracts ---------------------------------------------------------------------------------


def _letter(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A company's letter: letterhead, place and date, addressee, justified paragraphs, signature."""
    w, h = sheet.size
    head, body = _pick_font(rng, fonts, "sans"), _pick_font(rng, fonts, tx.pick(rng, ("serif", "sans")))
    margin = float(rng.uniform(20, 30))
    ink, brand = _ink(rng), _brand(rng)
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


def _contract(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A contract: underlined title, the parties with their RUNs, numbered clauses, two signatures."""
    w, h = sheet.size
    body = _pick_font(rng, fonts, tx.pick(rng, ("serif", "serif", "mono")))
    margin = float(rng.uniform(22, 32))
    ink = _ink(rng)
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


# --- receipts ----------------------------------------------------------------------------------------------


def _receipt_size(rng: np.random.Generator) -> tuple[float, float]:
    return float(tx.pick(rng, (57.0, 58.0, 76.0, 80.0))), float(rng.uniform(120, 300))


def _receipt_thermal(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A till receipt off a thermal printer: centred header, items and prices, total, a stamp barcode."""
    w, h = sheet.size
    mono = _pick_font(rng, fonts, "mono")
    ink = _grey(rng, 55, 110)
    cap = float(rng.uniform(1.7, 2.3)) * w / 80
    pitch = cap * float(rng.uniform(1.7, 2.1))
    margin = 3.0
    y = 6 + cap
    for line in (tx.pick(rng, tx.STORES), f"R.U.T.: {tx.company_rut(rng)}", tx.address(rng), tx.pick(rng, tx.COMMUNES),
                 "BOLETA ELECTRONICA", f"N° {rng.integers(1_000_000, 99_999_999)}"):  # fmt: skip
        sheet.text(w / 2, y, line, mono.bold if line.startswith("BOLETA") else mono.regular, cap, ink, "center")
        y += pitch
    sheet.text(
        margin, y, f"{tx.any_date(rng)} {rng.integers(8, 22):02d}:{rng.integers(0, 60):02d}", mono.regular, cap, ink
    )
    y += pitch
    sheet.text(margin, y, "-" * 60, mono.regular, cap, ink)
    y += pitch
    total = 0
    while y < h - 60:
        price = int(rng.integers(3, 400)) * 90
        total += price
        sheet.text(margin, y, tx.pick(rng, tx.ITEMS), mono.regular, cap, ink)
        sheet.text(w - margin, y, f"{price:,}".replace(",", "."), mono.regular, cap, ink, "right")
        y += pitch
    sheet.text(margin, y, "-" * 60, mono.regular, cap, ink)
    y += pitch * 1.4
    sheet.text(margin, y, "TOTAL", mono.bold, cap * 1.3, ink)
    sheet.text(w - margin, y, f"$ {total:,}".replace(",", "."), mono.bold, cap * 1.3, ink, "right")
    y += pitch * 1.5
    tax = f"IVA INCLUIDO $ {round(total * 0.19 / 1.19):,}".replace(",", ".")
    for line in (tax, tx.pick(rng, ("EFECTIVO", "TARJETA DEBITO", "TARJETA CREDITO")), "Timbre Electronico SII"):
        sheet.text(w / 2, y, line, mono.regular, cap, ink, "center")
        y += pitch
    for _ in range(4):
        sheet.barcode((margin + 4, y, w - margin - 4, y + 2.2), rng, ink)
        y += 2.2
    sheet.text(w / 2, y + pitch, "Verifique documento: www.sii.cl", mono.regular, cap * 0.9, ink, "center")
    return {"fonts": [mono.name]}


def _receipt_voucher(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A card-payment voucher: labels and right-aligned values, masked card number, a signature line."""
    w, h = sheet.size
    mono = _pick_font(rng, fonts, "mono")
    ink = (int(rng.integers(30, 70)), int(rng.integers(20, 50)), int(rng.integers(60, 110)))
    cap = float(rng.uniform(1.8, 2.4)) * w / 80
    pitch = cap * float(rng.uniform(1.8, 2.3))
    margin = 3.0
    y = 8 + cap
    sheet.text(w / 2, y, "COMPROBANTE DE VENTA", mono.bold, cap * 1.15, ink, "center")
    y += pitch * 1.3
    sheet.text(w / 2, y, tx.pick(rng, tx.STORES), mono.regular, cap, ink, "center")
    y += pitch
    sheet.text(margin, y, "=" * 60, mono.regular, cap, ink)
    y += pitch
    rows = [
        ("TERMINAL", f"{rng.integers(10_000_000, 99_999_999)}"),
        ("FECHA", tx.any_date(rng)),
        ("HORA", f"{rng.integers(0, 24):02d}:{rng.integers(0, 60):02d}:{rng.integers(0, 60):02d}"),
        ("TARJETA", f"************{rng.integers(1000, 9999)}"),
        ("TIPO", tx.pick(rng, ("DEBITO", "CREDITO", "PREPAGO"))),
        ("MONTO", tx.money(rng)),
        ("CUOTAS", str(rng.integers(0, 13))),
        ("N° OPERACION", f"{rng.integers(0, 999999):06d}"),
        ("COD. AUTORIZACION", f"{rng.integers(0, 999999):06d}"),
    ]
    while y < h - 45 and rows:
        label, value = rows.pop(0)
        sheet.text(margin, y, label, mono.bold, cap, ink)
        sheet.text(w - margin, y, value, mono.regular, cap, ink, "right")
        y += pitch
    sheet.text(margin, y, "=" * 60, mono.regular, cap, ink)
    y += pitch * 1.2
    y = sheet.paragraph(
        margin, y, w - 2 * margin, "ACEPTO PAGAR SEGUN CONTRATO CON EMISOR", mono.regular, cap, ink, justify=False
    )
    y += 12
    sheet.line(margin + 6, y, w - margin - 6, y, ink, 0.2)
    sheet.text(w / 2, y + pitch, "FIRMA", mono.regular, cap, ink, "center")
    sheet.text(w / 2, y + 2 * pitch, f"RUT: {tx.run(rng)}", mono.regular, cap, ink, "center")
    sheet.text(w / 2, y + 3.5 * pitch, "COPIA CLIENTE", mono.bold, cap, ink, "center")
    return {"fonts": [mono.name]}


# --- newspapers --------------------------------------------------------------------------------------------


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


def _newspaper_serif(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A broadsheet: serif masthead and headline, a date line, justified serif columns with rules."""
    w, _ = sheet.size
    serif = _pick_font(rng, fonts, "serif")
    ink = _grey(rng, 25, 50)
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


def _newspaper_tabloid(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A tabloid: a coloured banner, a huge sans headline, ragged sans columns, price ads in boxes."""
    w, _ = sheet.size
    sans = _pick_font(rng, fonts, "sans")
    ink, brand = _grey(rng, 10, 35), _brand(rng)
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


def _newsprint(rng: np.random.Generator) -> RGB:
    v = int(rng.integers(222, 240))
    return (v, v - 2, v - int(rng.integers(6, 16)))


def _thermal_paper(rng: np.random.Generator) -> RGB:
    v = int(rng.integers(238, 252))
    return (v - 2, v, v)


PAGE_STYLES: dict[str, PageStyle] = {
    "form_boxes": PageStyle("page:form", _office_size, _office_paper, _form_boxes),
    "form_lines": PageStyle("page:form", _office_size, _office_paper, _form_lines),
    "letter": PageStyle("page:letter", _office_size, _office_paper, _letter),
    "contract": PageStyle("page:letter", _office_size, _office_paper, _contract),
    "receipt_thermal": PageStyle("page:receipt", _receipt_size, _thermal_paper, _receipt_thermal, torn=True),
    "receipt_voucher": PageStyle(
        "page:receipt",
        lambda r: (float(tx.pick(r, (57.0, 80.0))), float(r.uniform(105, 150))),
        _office_paper,
        _receipt_voucher,
        torn=True,
    ),
    "newspaper_serif": PageStyle(
        "page:newspaper",
        lambda r: (float(r.uniform(290, 380)), float(r.uniform(420, 580))),
        _newsprint,
        _newspaper_serif,
    ),
    "newspaper_tabloid": PageStyle(
        "page:newspaper",
        lambda r: (float(r.uniform(270, 300)), float(r.uniform(370, 420))),
        _newsprint,
        _newspaper_tabloid,
    ),
}
"""Page styles by name; :data:`chile_id_ocr.synth.domains.DOMAINS` gives each domain its own."""
