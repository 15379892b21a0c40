"""Helpers of the checks' tests (``tests/check``): the sample cards as their lines, MRZ and QR link print
them, and the readings the checks take, built without an image or OCR; ``tests/`` is on ``sys.path``.

Two sample cards: JOAQUÍN's front (a national's card whose expiry is on the issue's anniversary) and
ESTEBAN's, front and back (his expiry on his birthday). The MRZ and the QR link are written field by field
and their check digits computed (``mrz.calc_check_digit``), so that one check can be made to fail while
the others pass; ``LINK`` is written out as the card's QR code carries it.
"""

from __future__ import annotations

import numpy as np

from chile_id_ocr.card import mrz, qr
from chile_id_ocr.locate.fit import CardFit
from chile_id_ocr.read.back import BackReading, BackText, MrzReading
from chile_id_ocr.result import Checks, Recognition

QUAD = np.array([[0, 0], [1100, 0], [1100, 694], [0, 694]], np.float32)
FIT = CardFit(quad=QUAD, boxes=(), score=1.0, anchors_found=9)  # a front fitted at the card's own size
BOX = (0.3, 0.2, 0.6, 0.25)  # a line's box, in fractions of the card

# JOAQUÍN's front: a national's card whose dates follow the usual pattern (expiry on the issue's anniversary).
JOAQUIN_FRONT = {
    "surname_1": "GONZÁLEZ",
    "surname_2": "ROJAS",
    "given_name": "JOAQUÍN ANDRÉS",
    "nationality": "CHILENA",
    "sex": "M",
    "birth": "21 FEB 1982",
    "document_number": "109.920.254",
    "issue_date": "1 SEP 2020",
    "expiry_date": "1 SEP 2030",
    "run_small": "12.749.625-0",
    "run_large": "RUN 12.749.625-0",
}
# ESTEBAN's front; his back is ``mrz_lines()`` and ``LINK``. His dates follow the usual pattern (expiry on
# his birthday).
ESTEBAN_FRONT = {
    "surname_1": "FERNÁNDEZ",
    "surname_2": "ZAMBRANO",
    "given_name": "ESTEBAN",
    "nationality": "CHILENA",
    "sex": "M",
    "birth": "15 ENE 2001",
    "document_number": "500.104.037",
    "issue_date": "14 OCT 2020",
    "expiry_date": "15 ENE 2031",
    "run_small": "41.000.297-3",
    "run_large": "RUN 41.000.297-3",
}
# What a clean card's checks say where a side can tell them all (a back prints no issue date).
CLEAN_CHECKS = Checks(
    run_check_digit_valid=True,
    dates_valid=True,
    issue_before_expiry=True,
    expired=False,
    document_number_valid=True,
)
# ESTEBAN's QR link, as the card's QR code carries it: ``link()`` writes it.
LINK = (
    "https://portal.sidiv.registrocivil.cl/docstatus?RUN=41000297-3&type=CEDULA&serial=500104037"
    "&mrz=500104037201011583101159"
)


def mrz_lines(
    *,
    code: str = "IN",
    state: str = "CHL",
    doc: str = "500104037",
    birth: str = "010115",
    sex: str = "M",
    expiry: str = "310115",
    nationality: str = "CHL",
    optional_2: str = "41000297<3<",
    names: str = "FERNANDEZ<ZAMBRANO<<ESTEBAN",
    bad: tuple[str, ...] = (),
) -> tuple[str, str, str]:
    """A TD1 MRZ as a Chilean card prints it (ESTEBAN's by default), its check digits computed,
    those named in ``bad`` one off (the composite computed over the lines as printed)."""

    def check(name: str, data: str) -> str:
        digit = mrz.calc_check_digit(data)
        return str((int(digit) + 1) % 10) if name in bad else digit

    line1 = f"{code}{state}{doc}{check('document_number', doc)}787".ljust(30, "<")
    line2 = f"{birth}{check('birth', birth)}{sex}{expiry}{check('expiry', expiry)}{nationality}{optional_2}"
    line2 += check("composite", line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    line3 = names.ljust(30, "<")[:30]
    assert len(line1) == len(line2) == 30
    return line1, line2, line3


def link(
    *,
    run: str = "41000297-3",
    type_: str | None = "CEDULA",
    serial: str | None = "500104037",
    birth: str = "010115",
    expiry: str = "310115",
    mrz_part: str | None = None,
) -> str:
    """A Civil Registry document-status link as the card's QR code carries it (``LINK`` by default), the
    check digits of its MRZ extract computed unless ``mrz_part`` gives the extract."""
    cd = mrz.calc_check_digit
    part = mrz_part if mrz_part is not None else f"{serial}{cd(serial or '')}{birth}{cd(birth)}{expiry}{cd(expiry)}"
    params = [f"RUN={run}"]
    params += [f"type={type_}"] if type_ else []
    params += [f"serial={serial}"] if serial else []
    params += [f"mrz={part}"]
    return "https://portal.sidiv.registrocivil.cl/docstatus?" + "&".join(params)


def back_reading(
    lines: tuple[str, ...] | None = None,
    payload: str | None = None,
    *,
    scores: tuple[float, ...],
    text: BackText | None = None,
) -> BackReading:
    """A back read as these MRZ ``lines`` (their engine scores ``scores``), this QR ``payload`` and ``text``;
    None for what was not found."""
    m = None if lines is None else MrzReading(tuple(lines), scores, mrz.parse(lines))
    return BackReading(m, qr.parse(payload) if payload else None, text or BackText())


def conf(rec: Recognition, name: str) -> float:
    return rec.fields[name].confidence
