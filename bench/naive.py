"""The naive baseline: what a user would write without chile-id-ocr.

RapidOCR with its library defaults (detection, angle classifier and recognition over
the whole image, one thread), then regular expressions and label-following over the
recognised lines to fill the nine fields of the API result. It is an honest effort,
not a straw man: labels are matched by geometry (the value is the text box right
below its label), dates are recognised with the Spanish month abbreviations, the
RUN and the document number by their shapes.

The image is decoded with ``cv2.imdecode(..., cv2.IMREAD_COLOR)``, as a user would;
OpenCV applies the EXIF orientation, which is wrong for phone photos whose pixels
are already upright but carry an orientation tag (``test_card_b_front_photo.jpg``).

Run it on files to see what it reads::

    .venv/bin/python bench/naive.py ../shared/real/specimen_front.jpg
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from typing import Any

import cv2
import numpy as np

MONTHS = ("ENE", "FEB", "MAR", "ABR", "MAY", "JUN", "JUL", "AGO", "SEP", "OCT", "NOV", "DIC")
LONG_MONTHS = {"MAYO": 4, "SEPT": 8}  # what real cards print for May and September
DATE_RE = re.compile(r"(?<!\d)(\d{1,2})\s*(" + "|".join([*LONG_MONTHS, *MONTHS]) + r")\s*((?:19|20)\d{2})")
RUN_RE = re.compile(r"(?<![\d.])(\d{1,2})\.?(\d{3})\.?(\d{3})\s*-\s*([\dkK])(?![\dkK])")
DOCNUM_RE = re.compile(r"(?<![\d.])(\d{3})\.?(\d{3})\.?(\d{3})(?![\d.])")
RAPIDOCR_PARAMS: dict[str, Any] = {
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    "Global.log_level": "error",
}


@dataclass(frozen=True)
class Line:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@cache
def engine() -> Any:
    """The RapidOCR engine, built once per process (the models load here)."""
    from rapidocr import RapidOCR

    return RapidOCR(params=RAPIDOCR_PARAMS)


def ocr_lines(image: bytes) -> list[Line]:
    """Whole-image OCR: every recognised text line, in reading order of the card."""
    img = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        return []
    out = engine()(img, use_det=True, use_rec=True)
    if out.txts is None or out.boxes is None:
        return []
    texts = [str(t).strip().upper() for t in out.txts]
    boxes = upright([np.asarray(b, dtype=float) for b in out.boxes], texts)
    lines = [Line(t, *b.min(axis=0), *b.max(axis=0)) for t, b in zip(texts, boxes, strict=True)]
    return sorted(lines, key=lambda ln: (ln.y0, ln.x0))


def upright(boxes: list[np.ndarray], texts: list[str]) -> list[np.ndarray]:
    """Rotate the boxes so that the card is upright (the angle classifier only fixes the text).

    On the card, NACIONALIDAD is straight below APELLIDOS: the direction from one
    label to the other is "down".
    """
    centre = {}
    for label in ("APELLIDO", "NACIONALIDAD"):
        i = next((i for i, t in enumerate(texts) if label in t), None)
        if i is None:
            return boxes
        centre[label] = boxes[i].mean(axis=0)
    dx, dy = centre["NACIONALIDAD"] - centre["APELLIDO"]
    angle = np.arctan2(dx, dy)  # 0 when "down" is +y already
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    return [b @ rot.T for b in boxes]


LABELS = ("APELLIDO", "NOMBRE", "NACIONALIDAD", "SEXO", "FECHA", "NUMERO", "NÚMERO", "DOCUMENTO", "FIRMA")


def is_label(line: Line) -> bool:
    return any(label in line.text for label in LABELS)


def below(lines: list[Line], label: str, count: int = 1) -> list[Line]:
    """The ``count`` text boxes right under the first line containing ``label``.

    A box is "under" the label when it starts below the label's middle, is
    left-aligned with it (within two line heights), is close enough and is not
    itself a label.
    """
    anchor = next((ln for ln in lines if label in ln.text), None)
    if anchor is None:
        return []
    tol = 2.0 * anchor.height
    cands = [
        ln
        for ln in lines
        if not is_label(ln)
        and ln.y0 > (anchor.y0 + anchor.y1) / 2
        and abs(ln.x0 - anchor.x0) < tol
        and ln.y0 - anchor.y1 < 2.5 * count * anchor.height
    ]
    return sorted(cands, key=lambda ln: ln.y0)[:count]


def clean_name(text: str) -> str:
    return " ".join(re.sub(r"[^A-ZÁÉÍÓÚÑÜ' -]", " ", text).split())


def fields_from_lines(lines: list[Line]) -> dict[str, Any]:
    """Fill the nine API fields from OCR lines with regexes and label-following."""
    result: dict[str, Any] = {
        "surname": [], "given_name": "", "nationality": "", "sex": "", "birth": "",
        "document_number": "", "issue_date": "", "expiry_date": "", "number": "",
    }  # fmt: skip
    result["surname"] = [n for n in (clean_name(ln.text) for ln in below(lines, "APELLIDO", 2)) if n]
    given = below(lines, "NOMBRE", 1)
    if given:
        result["given_name"] = clean_name(given[0].text)
    nat = below(lines, "NACIONALIDAD", 1)
    if nat:
        words = clean_name(nat[0].text).split()
        if words and words[-1] in ("M", "F"):
            result["sex"] = words.pop()
        result["nationality"] = " ".join(words)
    sex = below(lines, "SEXO", 1)
    if sex and sex[0].text.strip() in ("M", "F"):
        result["sex"] = sex[0].text.strip()
    elif not result["sex"]:  # the label misread: any lone M or F
        result["sex"] = next((ln.text for ln in lines if ln.text in ("M", "F")), "")

    # The RUN: the one after the "RUN" label if any, else the first RUN-shaped text.
    text = "\n".join(ln.text for ln in lines)
    runs = [m for ln in lines if "RUN" in ln.text for m in RUN_RE.finditer(ln.text)] or list(RUN_RE.finditer(text))
    if runs:
        a, b, c, dv = runs[0].groups()
        result["number"] = f"{a}.{b}.{c}-{dv.upper()}"

    # Dates: birth is the earliest, expiry the latest, issue the one in between.
    rest = RUN_RE.sub(" ", text)
    found = []
    for m in DATE_RE.finditer(rest):
        day, mon, year = int(m.group(1)), m.group(2), int(m.group(3))
        month = LONG_MONTHS[mon] if mon in LONG_MONTHS else MONTHS.index(mon)
        found.append(((year, month, day), f"{m.group(1)} {mon} {year}"))
    found = sorted(set(found))
    if len(found) >= 3:
        result["birth"], result["issue_date"], result["expiry_date"] = (
            found[0][1],
            found[-2][1],
            found[-1][1],
        )
    elif len(found) == 2:
        result["birth"], result["expiry_date"] = found[0][1], found[1][1]
    elif found:
        result["birth"] = found[0][1]

    # Document number: nine digits once the dates and RUNs are taken out.
    docs = DOCNUM_RE.findall(DATE_RE.sub(" ", rest))
    if docs:
        result["document_number"] = "".join(docs[0])
    return result


def naive_recognize(image: bytes) -> dict[str, Any]:
    """The nine API fields read the naive way (missing ones as ``""`` or ``[]``)."""
    return fields_from_lines(ocr_lines(image))


def main(argv: list[str]) -> int:
    for path in argv:
        with open(path, "rb") as f:
            print(path, json.dumps(naive_recognize(f.read()), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
