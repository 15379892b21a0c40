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
