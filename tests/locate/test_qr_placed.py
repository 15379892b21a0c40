"""A QR code too small and blurred for zxing to decode in the whole image is decoded from a cut
straightened and enlarged where the card's design puts it."""

from __future__ import annotations

import cv2
import numpy as np
import segno

from chile_id_ocr.locate.qr import decode_placed, find_qr

PAYLOAD = (
    "https://portal.sidiv.registrocivil.cl/docstatus?RUN=12345678-5&type=CEDULA&serial=500104037"
    "&mrz=500104037283022172308102"
)


def _blurred_symbol(module_px: float, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """A grey page with the symbol at (150, 100), ``module_px`` a module, blurred; and a square around it."""
    modules = np.array(list(segno.make_qr(PAYLOAD, error="m").matrix)) > 0
    n = len(modules)
    sharp = cv2.resize(np.where(modules, 0, 255).astype(np.uint8), (n * 12, n * 12), interpolation=cv2.INTER_NEAREST)
    side = round(n * module_px)
    page = np.full((600, 800), 225, np.uint8)
    page[100 : 100 + side, 150 : 150 + side] = cv2.resize(sharp, (side, side), interpolation=cv2.INTER_AREA)
    pad = 0.3 * side
    x0, y0, x1, y1 = 150 - pad, 100 - pad, 150 + side + pad, 100 + side + pad
    return cv2.GaussianBlur(page, (0, 0), sigma), np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def test_a_blurred_small_symbol_decodes_where_it_is_placed() -> None:
    page, around = _blurred_symbol(2.6, 1.4)
    found = find_qr(page, thorough=True)
    assert found is None or found.text is None  # zxing alone does not read it
    assert decode_placed(page, around) == PAYLOAD


def test_nothing_is_decoded_where_no_symbol_is() -> None:
    page, around = _blurred_symbol(2.6, 1.4)
    assert decode_placed(page, around + np.float32(400)) is None


def test_a_symbol_off_where_the_mrz_puts_it_is_decoded_from_a_wider_window() -> None:
    """A thumb over the MRZ's line ends or a slant misjudges where the block starts: the symbol
    lies 1.4 MRZ line pitches along from where the design puts it, across the first window's edge,
    and is decoded from the wider window around the same place."""
    from chile_id_ocr.locate.back import qr_by_mrz
    from chile_id_ocr.locate.mrz_band import Frame, Line, MrzBlock

    pitch, start, first_v = 60.0, 200.0, 600.0
    lines = tuple(Line(start + 400, first_v + k * pitch, 800, 40, 0.9) for k in range(3))
    block = MrzBlock(Frame.at(0.0), lines, ())  # type: ignore[arg-type]
    modules = np.array(list(segno.make_qr(PAYLOAD, error="m").matrix)) > 0
    side = round(2.3 * pitch)
    symbol = cv2.resize(np.where(modules, 0, 255).astype(np.uint8), (side, side), interpolation=cv2.INTER_AREA)
    centre_u, centre_v = start + (1.45 + 1.4) * pitch, first_v - 6.37 * pitch
    page = np.full((900, 1000), 225, np.uint8)
    x0, y0 = round(centre_u - side / 2), round(centre_v - side / 2)
    page[y0 : y0 + side, x0 : x0 + side] = symbol
    page = cv2.GaussianBlur(page, (0, 0), 0.8)
    u, v, half = start + 1.45 * pitch, first_v - 6.37 * pitch, 2.2 * pitch
    assert decode_placed(page, block.image_quad(u - half, u + half, v - half, v + half)) is None
    found = qr_by_mrz(page, block)
    assert found is not None and found.text == PAYLOAD
