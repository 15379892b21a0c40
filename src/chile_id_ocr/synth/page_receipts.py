"""Receipts (``page:receipt``): a till receipt off a thermal printer (domain ``A``) or a card-payment
voucher (``B``), narrow strips with torn ends."""

from __future__ import annotations

import numpy as np

from chile_id_ocr.synth import text as tx
from chile_id_ocr.synth.page_common import Fonts, Info, grey_colour, pick_font
from chile_id_ocr.synth.sheet import RGB, Sheet


def receipt_size(rng: np.random.Generator) -> tuple[float, float]:
    return float(tx.pick(rng, (57.0, 58.0, 76.0, 80.0))), float(rng.uniform(120, 300))


def receipt_thermal(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A till receipt off a thermal printer: centred header, items and prices, total, a stamp barcode."""
    w, h = sheet.size
    mono = pick_font(rng, fonts, "mono")
    ink = grey_colour(rng, 55, 110)
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


def receipt_voucher(sheet: Sheet, rng: np.random.Generator, fonts: Fonts) -> Info:
    """A card-payment voucher: labels and right-aligned values, masked card number, a signature line."""
    w, h = sheet.size
    mono = pick_font(rng, fonts, "mono")
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


def thermal_paper(rng: np.random.Generator) -> RGB:
    v = int(rng.integers(238, 252))
    return (v - 2, v, v)
