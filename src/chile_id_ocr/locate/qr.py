"""The back's QR code: found and decoded with zxing-cpp at any rotation, from small copies first;
a symbol found but too blurred to decode is cut out, straightened, binarised and tried again.
Where it is found it also says where the card lies and which way its text runs (``QrHint``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.vision.geometry import rectify, shrunk

_QR_WORK_SIDES = (1200, 800)
_QR_CROP = 320


@dataclass(frozen=True)
class QrFind:
    """A QR symbol found in the image: its payload when it decoded, and where it is (image pixels)."""

    text: str | None
    quad: np.ndarray


@dataclass(frozen=True)
class QrHint:
    """What a found QR code says about the card: where it is, which way the card's text runs
    (the symbol is printed upright) and about how wide the card is."""

    centre: np.ndarray  # image pixels
    along: np.ndarray  # unit vector along the card's text lines
    side: float  # the symbol's side, pixels

    @staticmethod
    def of(found: QrFind) -> QrHint:
        q = found.quad.astype(np.float64)  # the symbol's top-left, top-right, bottom-right, bottom-left
        along = (q[1] - q[0] + q[2] - q[3]) / 2
        down = (q[3] - q[0] + q[2] - q[1]) / 2
        length = max(float(np.linalg.norm(along)), 1.0)
        return QrHint(q.mean(axis=0), along / length, (length + float(np.linalg.norm(down))) / 2)

    @property
    def runs_vertically(self) -> bool:
        return abs(float(self.along[1])) > abs(float(self.along[0]))


def _zxing(image: np.ndarray, **kwargs: Any) -> list:
    import zxingcpp

    # zxing-cpp's stubs ask for a BarcodeFormats set; the one format is accepted as it is.
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode, **kwargs)  # type: ignore[arg-type]


def _position(barcode: object, scale: float) -> np.ndarray:
    p = barcode.position  # type: ignore[attr-defined]
    corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
    return np.array([[c.x, c.y] for c in corners], np.float32) / scale


def find_qr(image: np.ndarray, *, thorough: bool = False) -> QrFind | None:
    """The card's QR code, decoded if possible; found but unreadable gives ``text=None``; absent gives None.

    Copies at most 1200 and 800 px long are searched (a few milliseconds each; zxing finds a
    blurred symbol at one size and not at the other); ``thorough`` searches the full image too.
    """
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    passes = [copy for copy in (shrunk(gray, side) for side in _QR_WORK_SIDES) if copy[1] < 1.0]
    if thorough or not passes:
        passes.append((gray, 1.0))
    found: QrFind | None = None
    for img, s in passes:
        symbols = _zxing(img, return_errors=True)
        valid = [b for b in symbols if b.valid and b.text]
        if valid:
            return QrFind(valid[0].text, _position(valid[0], s))
        if symbols and found is None:
            found = QrFind(None, _position(max(symbols, key=lambda b: len(b.text)), s))
    if found is not None:
        text = _decode_crop(gray, found.quad)
        if text is not None:
            return QrFind(text, found.quad)
    return found


def _decode_crop(gray: np.ndarray, quad: np.ndarray) -> str | None:
    """A blurred symbol straightened to a square and binarised a few ways (each well under 1 ms)."""
    import zxingcpp

    centre = quad.mean(axis=0)
    for grow, size in ((1.15, _QR_CROP), (1.3, _QR_CROP * 3 // 4)):
        square = rectify(gray, centre + (quad - centre) * grow, size, size)
        otsu = cv2.threshold(square, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
        for img in (square, otsu):
            for binarizer in (zxingcpp.Binarizer.GlobalHistogram, zxingcpp.Binarizer.FixedThreshold):
                for symbol in _zxing(img, binarizer=binarizer):
                    if symbol.valid and symbol.text:
                        return symbol.text
    return None


# A symbol cut out where the card's design puts it is enlarged to these many pixels a side (6 to 7 per
# module with its margin) and tried as it is, sharpened, and binarised over a few modules' neighbourhood
# (on dev backs whose symbol zxing did not find in the image, 5 of 10 photos decode so).
_PLACED_CROPS = (360, 300)


def decode_placed(gray: np.ndarray, quad: np.ndarray) -> str | None:
    """The QR code inside ``quad`` (image corners of a square around where the card's design puts
    the symbol, clockwise from its top-left as the card reads), decoded from a straightened, enlarged
    cut: for a symbol too blurred or small for zxing to find in the whole image."""
    for size in _PLACED_CROPS:
        square = rectify(gray, quad, size, size)
        soft = cv2.GaussianBlur(square.astype(np.float32), (0, 0), 2.0)
        sharp = np.clip(square * 3.0 - soft * 2.0, 0, 255).astype(np.uint8)
        tries = (square, sharp, _local(square, 31, 2)) if size == _PLACED_CROPS[0] else (_local(sharp, 15, 4),)
        for img in tries:
            for symbol in _zxing(img):
                if symbol.valid and symbol.text:
                    return str(symbol.text)
    return None


def _local(gray: np.ndarray, block: int, offset: int) -> np.ndarray:
    """Binarised against the Gaussian mean of each pixel's ``block`` x ``block`` neighbourhood."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, offset)
