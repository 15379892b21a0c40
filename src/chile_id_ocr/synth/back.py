"""Synthetic backs: the official specimen's back with its MRZ, QR code and text values erased and
re-printed for a random identity (MRZ in OCR-B with consistent check digits, QR with segno).

The specimen back (1015x638) is read at run time from beside the front template, never copied into
the package. Measurements below are in specimen-back pixels, taken by looking at the image.
"""

from __future__ import annotations

import functools
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from chile_id_ocr.card.mrz import calc_check_digit
from chile_id_ocr.synth.identities import FOREIGN_NATIONALITIES, Identity
from chile_id_ocr.synth.render import _paste_max, _text_mask, available_faces
from chile_id_ocr.synth.template import (
    CARD_WIDTH,
    CORNER_RADIUS,
    TemplateNotFoundError,
    find_template,
    rounded_alpha,
)

BACK_NAME = "specimen_back.jpg"
BACK_SIZE: tuple[int, int] = (1015, 638)
OCR_B = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")

Box = tuple[int, int, int, int]
_ERASE_DARK: tuple[Box, ...] = ((50, 425, 968, 582), (228, 258, 505, 332), (56, 326, 748, 364))
# The label 'Nació en:' (kept on nationals' cards; the foreigners' card prints 'Visa:' there).
_BIRTH_LABEL: Box = (56, 258, 205, 296)
_LABEL_X = 63.0
_ERASE_ALL: tuple[Box, ...] = ((52, 48, 224, 219),)
_QR_BOX: Box = (62, 58, 213, 209)
_MRZ_X = 65.0
_MRZ_PITCH = 29.85
_MRZ_BASELINES = (467.0, 517.0, 567.0)
_MRZ_CAP = 30.0
_VALUE_X = 239.0
_VALUE_BASELINES = (283.0, 316.0)
_VALUE_CAP = 15.5
_ERASE_THRESHOLD = 150
# The card's zones in card fractions, for ground truth.
BIRTHPLACES = (
    "SANTIAGO", "VALPARAISO", "VIÑA DEL MAR", "CONCEPCION", "PUNTA ARENAS", "TEMUCO", "ANTOFAGASTA", "LA SERENA",
    "RANCAGUA", "TALCA", "ARICA", "IQUIQUE", "PUERTO MONTT", "CHILLAN", "OSORNO", "VALDIVIA", "COPIAPO", "CARACAS",
    "LIMA", "BOGOTA", "PUERTO PRINCIPE",
)  # fmt: skip
PROFESSIONS = (
    "", "ESTUDIANTE", "INGENIERO COMERCIAL", "PROFESOR", "CIRUJANO DENTISTA", "ABOGADO", "MEDICO CIRUJANO",
    "ENFERMERA", "CONTADOR AUDITOR", "TECNICO EN ENFERMERIA", "EMPLEADO", "COMERCIANTE", "DUEÑA DE CASA",
)  # fmt: skip
VISAS = (
    "PERMANENCIA DEFINITIVA", "PERMANENCIA DEFINITIVA", "RESIDENCIA DEFINITIVA", "RESIDENCIA TEMPORAL",
    "TEMPORARIA", "SUJETA A CONTRATO", "ESTUDIANTE",
)  # fmt: skip
"""Visa types the foreigners' card prints where nationals' cards print the birthplace."""


class FontNotFoundError(FileNotFoundError):
    """OCR-B (Debian's fonts-ocr-b) is missing."""


def find_back_template() -> Path:
    """The specimen back, beside the front template (``$CHILE_ID_OCR_TEMPLATE`` or ``../shared/real``)."""
    path = find_template().with_name(BACK_NAME)
    if not path.is_file():
        raise TemplateNotFoundError(f"card back template not found: {path}")
    return path


@dataclass(frozen=True)
class BackTemplate:
    """The erased back (nationals' labels kept), the same with the birthplace label erased too (the
    foreigners' card prints 'Visa:' there), its alpha and the scale from specimen-back pixels."""

    image: np.ndarray
    foreigner: np.ndarray
    alpha: np.ndarray
    scale: float


def _erased(src: np.ndarray, gray: np.ndarray, dark: tuple[Box, ...]) -> np.ndarray:
    mask = np.zeros_like(gray)
    for x0, y0, x1, y1 in dark:
        mask[y0:y1, x0:x1][gray[y0:y1, x0:x1] < _ERASE_THRESHOLD] = 255
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    for x0, y0, x1, y1 in _ERASE_ALL:
        mask[y0:y1, x0:x1] = 255
    erased = cv2.inpaint(src, mask, 4, cv2.INPAINT_TELEA)
    height = round(CARD_WIDTH * 54.0 / 85.6)
    image = cv2.resize(erased, (CARD_WIDTH, height), interpolation=cv2.INTER_CUBIC)
    image.setflags(write=False)
    return image


@functools.lru_cache(maxsize=2)
def _prepare(path: str) -> BackTemplate:
    src = cv2.imread(path, cv2.IMREAD_COLOR)
    if src is None:
        raise TemplateNotFoundError(f"card back template could not be decoded: {path}")
    src = cv2.resize(src, BACK_SIZE, interpolation=cv2.INTER_AREA) if src.shape[1::-1] != BACK_SIZE else src
    gray = cv2.cvtColor(src, cv2.COLOR_BGR2GRAY)
    image = _erased(src, gray, _ERASE_DARK)
    foreigner = _erased(src, gray, (*_ERASE_DARK, _BIRTH_LABEL))
    alpha = rounded_alpha(image.shape[1], image.shape[0], CORNER_RADIUS * CARD_WIDTH / 674)
    alpha.setflags(write=False)
    return BackTemplate(image, foreigner, alpha, CARD_WIDTH / BACK_SIZE[0])


def prepared_back_template() -> BackTemplate:
    return _prepare(str(find_back_template().resolve()))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _mrz_name(words: str) -> str:
    return "<".join("".join(c if c.isalpha() else " " for c in _ascii(words).upper()).split())


def nationality_code(identity: Identity) -> str:
    if identity.nationality == "CHILENA":
        return "CHL"
    for word, code in FOREIGN_NATIONALITIES:
        if identity.nationality in (word, code):
            return code
    return identity.nationality[:3]


def mrz_lines(identity: Identity, document_code: str = "IN", optional_1: str = "") -> tuple[str, str, str]:
    """The three TD1 lines a card for ``identity`` carries, with consistent check digits."""
    doc = identity.document_number
    line1 = f"{document_code}CHL{doc}{calc_check_digit(doc)}{optional_1}".ljust(30, "<")[:30]
    birth, expiry = identity.birth.strftime("%y%m%d"), identity.expiry.strftime("%y%m%d")
    body = str(identity.run_body)
    optional_2 = f"{body}<{identity.run[-1]}".ljust(11, "<")
    head = (
        f"{birth}{calc_check_digit(birth)}{identity.sex}{expiry}{calc_check_digit(expiry)}{nationality_code(identity)}"
    )
    composite_data = line1[5:30] + head[0:7] + head[8:15] + optional_2
    line2 = head + optional_2 + calc_check_digit(composite_data)
    names = _mrz_name(" ".join(identity.surname)) + "<<" + _mrz_name(identity.given_name)
    return line1, line2, names.ljust(30, "<")[:30]


def qr_payload(identity: Identity, lines: tuple[str, str, str]) -> str:
    """The document-status link of the old host, as 2013-2024 cards carry it."""
    mrz = lines[0][5:15] + lines[1][0:7] + lines[1][8:15]
    kind = "CEDULA" if identity.nationality == "CHILENA" else "CEDULA_EXT"
    run = identity.run.replace(".", "")
    return (
        f"https://portal.sidiv.registrocivil.cl/docstatus?RUN={run}&type={kind}"
        f"&serial={identity.document_number}&mrz={mrz}"
    )


def _qr_image(payload: str, size: int) -> np.ndarray:
    import segno

    matrix = np.array(list(segno.make_qr(payload, error="m").matrix), dtype=np.uint8)
    img = np.where(matrix > 0, 0, 255).astype(np.uint8)
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_NEAREST)


def _ink(card: np.ndarray, ink: np.ndarray, r: random.Random) -> np.ndarray:
    """Laser-engraved ink: the mask softened, in a dark grey, slightly translucent."""
    soft = cv2.GaussianBlur(ink, (0, 0), r.uniform(0.4, 0.8)).astype(np.float32) / 255.0
    level = r.uniform(20, 55)
    a = (soft * r.uniform(0.88, 0.97))[..., None]
    return np.clip(card.astype(np.float32) * (1.0 - a) + level * a, 0, 255).astype(np.uint8)


def render_back(identity: Identity, r: random.Random) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """The back (BGR, template size) printed for ``identity``, its alpha, and what was printed."""
    if not OCR_B.is_file():
        raise FontNotFoundError(f"OCR-B font not found at {OCR_B} (install Debian's fonts-ocr-b)")
    tpl = prepared_back_template()
    s = tpl.scale
    card = (tpl.foreigner if identity.foreigner else tpl.image).copy()
    h, w = card.shape[:2]
    ink = np.zeros((h, w), np.uint8)
    code = "IE" if identity.foreigner else r.choice(("IN", "IN", "ID"))
    lines = mrz_lines(identity, code, r.choice(("", "", str(r.randrange(100, 999)))))
    dx, dy = r.uniform(-2, 2), r.uniform(-2, 2)
    cap = _MRZ_CAP * s * r.uniform(0.96, 1.04)
    for line, baseline in zip(lines, _MRZ_BASELINES, strict=True):
        for i, ch in enumerate(line):
            mask, base = _text_mask(ch, str(OCR_B), cap, 1.0, 1e9)
            x = (_MRZ_X + dx + i * _MRZ_PITCH) * s
            _paste_max(ink, mask, round(x - 4), round((baseline + dy) * s - base))
    face = r.choice(available_faces())
    first = r.choice(VISAS) if identity.foreigner else r.choice(BIRTHPLACES)
    profession = r.choice(PROFESSIONS)
    for text, baseline in zip((first, profession), _VALUE_BASELINES, strict=True):
        if text:
            mask, base = _text_mask(text, face.bold, _VALUE_CAP * s, face.width, 300 * s)
            _paste_max(ink, mask, round((_VALUE_X + dx) * s - 4), round((baseline + dy) * s - base))
    if identity.foreigner:  # 'Visa:' where nationals' cards print 'Nació en:'
        mask, base = _text_mask("Visa:", face.regular, _VALUE_CAP * s, face.width, 150 * s)
        _paste_max(ink, mask, round((_LABEL_X + dx) * s - 4), round((_VALUE_BASELINES[0] + dy) * s - base))
    card = _ink(card, ink, r)
    payload = qr_payload(identity, lines)
    x0, y0, x1, y1 = (round(v * s) for v in _QR_BOX)
    qr = _qr_image(payload, min(x1 - x0, y1 - y0))
    card[y0 : y0 + qr.shape[0], x0 : x0 + qr.shape[1]] = np.minimum(
        card[y0 : y0 + qr.shape[0], x0 : x0 + qr.shape[1]], cv2.cvtColor(qr, cv2.COLOR_GRAY2BGR)
    )
    info: dict[str, object] = {
        "mrz": list(lines),
        "qr": payload,
        "back_text": {"visa" if identity.foreigner else "birthplace": first, "profession": profession},
    }
    return card, np.asarray(tpl.alpha), info


def back_result(identity: Identity, lines: list[str] | tuple[str, ...]) -> dict[str, object]:
    """The API result the back alone should give: the MRZ's ASCII names, dates written like the front."""
    from chile_id_ocr.card.dates import format_date

    surnames, _, given = lines[2].partition("<<")
    code = lines[1][15:18]
    return {
        "surname": [n for n in surnames.split("<") if n],
        "given_name": " ".join(n for n in given.split("<") if n),
        "nationality": "CHILENA" if code == "CHL" else code,
        "sex": identity.sex,
        "birth": format_date(identity.birth),
        "document_number": identity.document_number,
        "issue_date": "",
        "expiry_date": format_date(identity.expiry),
        "number": identity.run,
    }
