"""Hostile no-card inputs for the benchmarks: images a user uploads by mistake, with no card in them.

``write_hostile_inputs(folder)`` writes them (deterministically: fixed seeds, fixed fonts) and
returns ``{label: path}``. Every one of them must be answered with AIS.0104 ("no card"), fast:

- ``blank``: a white 3000x2000 RGB PNG (a few KB).
- ``flat grey``: a 6000x6000 greyscale PNG, every pixel 128 (36 Mpx, under the 40 Mpx limit; tens
  of KB): the decompression-bomb-like upload that costs memory if decoded naively.
- ``noise``: 2000x1500 RGB PNG of uniform colour noise (every pixel and channel uniform in
  0..255, seed 21; ~9 MB): edges and "text" everywhere, nothing coherent.
- ``page of text``: a dense A4 scan at 300 dpi, 2480x3508 greyscale PNG: a heading and ~45 lines of
  Spanish lease-contract prose (eight clauses, the parties' names, a RUT, amounts and dates) set in
  DejaVu Serif (fonts-dejavu-core; Liberation Serif or Pillow's own font where missing), tilted
  by 0.3 degrees as a scanner does, and reduced to four grey levels so that the PNG is ~100-300 KB:
  the everyday mistaken upload of a contract.
- ``form``: a printed form scanned at 200 dpi, 1654x2339 greyscale PNG: a title, ruled boxes with
  labels (Nombre completo, RUT, Fecha de nacimiento, Dirección...), some of them filled in with typed
  values, tick boxes, a table and a signature line: labels like a card's, in a layout unlike one.
- ``room``: a synthetic 4000x3000 phone photo (JPEG, quality 90) of a room without any card: a
  wall and a floor with gradients, a window, a sofa, a rug, a lamp's glow and a plant, blurred as
  out of focus, under uneven light, with sensor noise (seed 7); no rectangle of a card's
  proportions and no text.

Run it to write them into a folder and print their sizes::

    .venv/bin/python bench/hostile_inputs.py bench/out/hostile_inputs
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation2"))
SERIF = ("DejaVuSerif.ttf", "LiberationSerif-Regular.ttf")
SERIF_BOLD = ("DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf")
SANS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")
SANS_BOLD = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")
MONO = ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf")

CONTRACT_TITLE = "CONTRATO DE ARRENDAMIENTO DE INMUEBLE"
CONTRACT = (
    "En Santiago de Chile, a 14 de marzo de 2023, comparecen, por una parte, doña María Angélica "
    "Fuentes Oyarzún, chilena, casada, profesora, cédula nacional de identidad número 9.876.543-2, "
    "domiciliada en calle Los Aromos número 1450, comuna de Ñuñoa, en adelante la arrendadora; y por "
    "la otra, don Cristián Andrés Valdivia Rojas, chileno, soltero, ingeniero comercial, domiciliado "
    "en avenida Providencia número 2133, departamento 604, comuna de Providencia, en adelante el "
    "arrendatario; quienes han convenido el siguiente contrato de arrendamiento. "
    "\nPRIMERO: La arrendadora da en arrendamiento al arrendatario, quien acepta para sí, el inmueble "
    "ubicado en calle Los Aromos número 1450, departamento 32, comuna de Ñuñoa, Región Metropolitana, "
    "con su estacionamiento número 17 y su bodega número 9, en el estado en que actualmente se "
    "encuentra, que el arrendatario declara conocer y aceptar. "
    "\nSEGUNDO: El presente contrato comenzará a regir el día 1 de abril de 2023 y durará un año, "
    "renovable tácita y sucesivamente por períodos iguales si ninguna de las partes manifestare su "
    "voluntad de ponerle término mediante carta certificada enviada con sesenta días de anticipación. "
    "\nTERCERO: La renta mensual de arrendamiento será la suma de cuatrocientos cincuenta mil pesos, "
    "que el arrendatario pagará por mes anticipado dentro de los cinco primeros días de cada mes, "
    "mediante transferencia electrónica a la cuenta corriente que la arrendadora indique por escrito. "
    "La renta se reajustará cada seis meses en la misma proporción en que haya variado el Índice de "
    "Precios al Consumidor determinado por el Instituto Nacional de Estadísticas. "
    "\nCUARTO: El arrendatario se obliga a pagar oportunamente los gastos comunes, las cuentas de luz, "
    "agua, gas y demás consumos, debiendo exhibir los recibos correspondientes cuando le sean "
    "solicitados. El atraso de dos meses en el pago de la renta dará derecho a la arrendadora para "
    "poner término inmediato al contrato, sin perjuicio de las acciones legales que correspondan. "
    "\nQUINTO: Queda prohibido al arrendatario subarrendar o ceder a cualquier título el presente "
    "contrato, hacer variaciones en la propiedad, causar molestias a los vecinos o destinar el "
    "inmueble a un objeto distinto de la habitación del arrendatario y su familia. "
    "\nSEXTO: A fin de garantizar la conservación de la propiedad y su restitución en el mismo estado en "
    "que la recibe, el arrendatario entrega en este acto la suma de cuatrocientos cincuenta mil pesos "
    "a título de garantía, que la arrendadora se obliga a devolver dentro de los treinta días "
    "siguientes a la restitución del inmueble, reajustada en la forma señalada en la cláusula tercera. "
    "\nSÉPTIMO: Para todos los efectos legales derivados del presente contrato, las partes fijan su "
    "domicilio en la ciudad de Santiago y se someten a la competencia de sus tribunales ordinarios. "
    "El presente contrato se firma en dos ejemplares de idéntico tenor y fecha, quedando uno en poder "
    "de cada parte.\n"
    "OCTAVO: El arrendatario se obliga a restituir el inmueble inmediatamente que termine este contrato, "
    "entrega que deberá hacer mediante la desocupación total de la propiedad, poniéndola a disposición "
    "de la arrendadora y entregándole las llaves, además de los recibos que acrediten el pago hasta el "
    "último día que ocupó el inmueble de los gastos comunes y de los consumos de luz, agua y gas."
)


def font(names: tuple[str, ...], size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The first of ``names`` found under FONT_DIRS at ``size`` px; Pillow's own font otherwise."""
    for name in names:
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)


def blank() -> Image.Image:
    return Image.new("RGB", (3000, 2000), (255, 255, 255))


def flat_grey() -> Image.Image:
    return Image.new("L", (6000, 6000), 128)


def noise() -> Image.Image:
    rng = np.random.default_rng(21)
    return Image.fromarray(rng.integers(0, 256, (1500, 2000, 3), dtype=np.uint8), "RGB")


def _scanned(page: Image.Image, angle: float, levels: int = 4) -> Image.Image:
    """A page as a scanner returns it: slightly tilted, its grey reduced to ``levels`` levels."""
    page = page.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
    step = 255 / (levels - 1)
    lut = [round(round(v / step) * step) for v in range(256)]
    return page.point(lut)


def page_of_text() -> Image.Image:
    width, height, margin = 2480, 3508, 240
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    title, body = font(SERIF_BOLD, 50), font(SERIF, 40)
    tw = draw.textlength(CONTRACT_TITLE, font=title)
    draw.text(((width - tw) / 2, 200), CONTRACT_TITLE, font=title, fill=0)
    chars = int((width - 2 * margin) / (draw.textlength("abcdefghij klmnopqrstuvwxyz", font=body) / 27))

    def wrapped(chars: int) -> list[str]:
        return [line for para in CONTRACT.split("\n") for line in textwrap.wrap(para, chars)]

    while draw.textlength(max(wrapped(chars), key=len), font=body) > width - 2 * margin:
        chars -= 1
    y, pitch = 340, 58
    for line in wrapped(chars)[:48]:
        draw.text((margin, y), line, font=body, fill=15)
        y += pitch
    y += 2 * pitch
    for x, who in ((margin + 80, "LA ARRENDADORA"), (width - margin - 700, "EL ARRENDATARIO")):
        draw.line((x, y, x + 620, y), fill=0, width=3)
        draw.text((x + 310 - draw.textlength(who, font=body) / 2, y + 20), who, font=body, fill=15)
    folio = "Página 1 de 2"
    draw.text((width - margin - draw.textlength(folio, font=body), height - 200), folio, font=body, fill=60)
    return _scanned(page, 0.3)


FORM_FIELDS = (
    ("Nombre completo", "CAROLINA ISABEL MUÑOZ TAPIA"),
    ("RUT", "15.402.118-7"),
    ("Fecha de nacimiento", "23/08/1988"),
    ("Nacionalidad", "CHILENA"),
    ("Dirección", "PASAJE LAS CAMELIAS 872, VILLA EL SOL"),
    ("Comuna", "MAIPÚ"),
    ("Región", "METROPOLITANA"),
    ("Teléfono", "+56 9 8123 4567"),
    ("Correo electrónico", ""),
    ("Ocupación", ""),
)


def form() -> Image.Image:
    width, height, margin = 1654, 2339, 120
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    title, label, small, typed = font(SANS_BOLD, 40), font(SANS, 22), font(SANS, 19), font(MONO, 28)
    head = "FORMULARIO DE SOLICITUD DE BENEFICIO"
    draw.text(((width - draw.textlength(head, font=title)) / 2, 110), head, font=title, fill=0)
    sub = "Complete con letra imprenta. Los campos marcados con * son obligatorios."
    draw.text(((width - draw.textlength(sub, font=small)) / 2, 175), sub, font=small, fill=40)
    draw.rectangle((margin, 240, width - margin, 300), fill=215, outline=0, width=2)
    draw.text((margin + 20, 255), "1. ANTECEDENTES DEL SOLICITANTE", font=font(SANS_BOLD, 26), fill=0)
    y, box_h = 300, 92
    for i, (name, value) in enumerate(FORM_FIELDS):
        half = i in (1, 2, 5, 6)  # two boxes side by side on these rows
        x0, x1 = (
            (margin, width - margin)
            if not half
            else ((margin, width // 2) if i in (1, 5) else (width // 2, width - margin))
        )
        draw.rectangle((x0, y, x1, y + box_h), outline=0, width=2)
        draw.text((x0 + 12, y + 8), f"{name} *" if i < 4 else name, font=label, fill=0)
        if value:
            draw.text((x0 + 24, y + 44), value, font=typed, fill=25)
        if not half or i in (2, 6):
            y += box_h
    y += 40
    draw.text((margin, y), "Estado civil:", font=label, fill=0)
    x = margin + 200
    for i, option in enumerate(("Soltero(a)", "Casado(a)", "Conviviente civil", "Viudo(a)", "Divorciado(a)")):
        draw.rectangle((x, y + 2, x + 24, y + 26), outline=0, width=2)
        if i == 1:
            draw.line((x + 4, y + 14, x + 10, y + 22, x + 22, y + 4), fill=0, width=3)
        draw.text((x + 34, y), option, font=label, fill=0)
        x += 40 + int(draw.textlength(option, font=label)) + 30
    y += 80
    draw.rectangle((margin, y, width - margin, y + 60), fill=215, outline=0, width=2)
    draw.text((margin + 20, y + 15), "2. GRUPO FAMILIAR", font=font(SANS_BOLD, 26), fill=0)
    y += 60
    columns = (("Nombre", 0.42), ("Parentesco", 0.2), ("Edad", 0.12), ("Ingreso mensual", 0.26))
    row_h, inner = 58, width - 2 * margin
    for r in range(7):
        x = margin
        for name, share in columns:
            w = int(inner * share)
            draw.rectangle((x, y, x + w, y + row_h), outline=0, width=2)
            if r == 0:
                draw.text((x + 10, y + 16), name, font=label, fill=0)
            x += w
        y += row_h
    y += 60
    note = (
        "Declaro que los datos consignados en este formulario son fidedignos y autorizo su verificación. "
        "La entrega de información falsa dará lugar al rechazo de la solicitud y a las acciones legales."
    )
    for line in textwrap.wrap(note, 110):
        draw.text((margin, y), line, font=small, fill=30)
        y += 30
    y = height - 330
    for x, what in ((margin + 40, "Firma del solicitante"), (width // 2 + 80, "Fecha")):
        draw.line((x, y, x + 560, y), fill=0, width=2)
        draw.text((x + 280 - draw.textlength(what, font=label) / 2, y + 12), what, font=label, fill=0)
    draw.text(
        (margin, height - 150), "Formulario F-22B  -  Uso exclusivo de la oficina: ______________", font=small, fill=60
    )
    return _scanned(page, -0.4)


def room() -> Image.Image:
    """A blurred room at 1000x750, enlarged to 4000x3000 with light falloff and sensor noise."""
    rng = np.random.default_rng(7)
    w, h = 1000, 750
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32)  # BGR
    horizon = int(h * 0.62)
    wall_top, wall_bottom = np.array([200, 214, 228], np.float32), np.array([150, 170, 190], np.float32)
    t = (yy[:horizon] / horizon)[..., None]
    img[:horizon] = wall_top * (1 - t) + wall_bottom * t + 18 * np.sin(xx[:horizon] / 170.0)[..., None]
    floor = np.array([45, 85, 130], np.float32)
    t = ((yy[horizon:] - horizon) / (h - horizon))[..., None]
    img[horizon:] = floor * (0.75 + 0.45 * t) + 10 * np.sin(xx[horizon:] / 23.0 + yy[horizon:] / 9.0)[..., None]
    # window (portrait, bright sky gradient) and its frame
    wx0, wy0, wx1, wy1 = 640, 90, 880, 400
    sky = np.array([250, 225, 190], np.float32) * (1 - ((yy[wy0:wy1, wx0:wx1] - wy0) / (wy1 - wy0))[..., None] * 0.25)
    img[wy0:wy1, wx0:wx1] = sky
    cv2.rectangle(img, (wx0, wy0), (wx1, wy1), (235, 240, 245), 14)
    cv2.line(img, ((wx0 + wx1) // 2, wy0), ((wx0 + wx1) // 2, wy1), (235, 240, 245), 10)
    # rug, sofa, lamp, plant
    cv2.ellipse(img, (420, 660), (300, 70), 0, 0, 360, (60, 60, 150), -1)
    sofa = tuple(float(c) for c in rng.uniform([90, 60, 40], [130, 90, 70]))
    cv2.rectangle(img, (120, 380), (560, 560), sofa, -1)
    cv2.ellipse(img, (120, 470), (45, 95), 0, 0, 360, sofa, -1)
    cv2.ellipse(img, (560, 470), (45, 95), 0, 0, 360, sofa, -1)
    cv2.rectangle(img, (150, 330), (530, 420), tuple(c * 0.85 for c in sofa), -1)
    for cx in (230, 340, 450):
        cv2.ellipse(img, (cx, 400), (50, 38), 0, 0, 360, tuple(c * 1.15 for c in sofa), -1)
    glow = np.exp(-(((xx - 80) / 140.0) ** 2 + ((yy - 250) / 170.0) ** 2))[..., None]
    img += glow * np.array([60, 110, 140], np.float32)
    cv2.line(img, (80, 300), (80, 600), (40, 40, 40), 6)
    cv2.ellipse(img, (80, 280), (45, 40), 0, 180, 360, (150, 215, 245), -1)
    for _ in range(14):
        c = (int(rng.integers(880, 960)), int(rng.integers(380, 520)))
        axes = (int(rng.integers(20, 45)), int(rng.integers(8, 16)))
        leaf = (40.0, float(rng.integers(100, 150)), 50.0)
        cv2.ellipse(img, c, axes, float(rng.uniform(0, 180)), 0, 360, leaf, -1)
    cv2.rectangle(img, (895, 500), (945, 580), (50, 80, 160), -1)
    blurred = cv2.GaussianBlur(img, (0, 0), 6)
    big = cv2.resize(blurred, (4000, 3000), interpolation=cv2.INTER_CUBIC)
    yb, xb = np.mgrid[0:3000, 0:4000].astype(np.float32)
    light = 1.08 - 0.35 * (((xb - 2600) / 3000.0) ** 2 + ((yb - 1100) / 2600.0) ** 2)
    big *= light[..., None]
    big += np.asarray(rng.normal(0.0, 4.0, size=big.shape), np.float32)
    rgb = np.clip(big, 0, 255).astype(np.uint8)[..., ::-1]
    return Image.fromarray(np.ascontiguousarray(rgb), "RGB")


MAKERS: dict[str, tuple[Callable[[], Image.Image], str]] = {
    "blank": (blank, "blank.png"),
    "flat grey": (flat_grey, "flat_grey.png"),
    "noise": (noise, "noise.png"),
    "page of text": (page_of_text, "page_of_text.png"),
    "form": (form, "form.png"),
    "room": (room, "room.jpg"),
}


def write_hostile_inputs(folder: Path) -> dict[str, Path]:
    """Write the hostile no-card images into ``folder``; return {label: path}, in MAKERS' order."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for label, (make, name) in MAKERS.items():
        path = folder / name
        image = make()
        if name.endswith(".jpg"):
            image.save(path, "JPEG", quality=90)
        else:
            image.save(path, "PNG", optimize=True)
        out[label] = path
    return out


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parent / "out" / "hostile_inputs"
    for label, path in write_hostile_inputs(folder).items():
        with Image.open(path) as im:
            print(f"{label:13s} {im.size[0]}x{im.size[1]} {im.mode:3s} {path.stat().st_size / 1000:8.0f} KB  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
