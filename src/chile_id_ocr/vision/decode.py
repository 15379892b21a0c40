"""Image bytes in, a decoded BGR image out, with the contract's input checks.

EXIF orientation is ignored on purpose: phones often write a wrong one, and the
locator finds the card's orientation from the pixels.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from chile_id_ocr.errors import ImageSizeError, UnsupportedFormatError
from chile_id_ocr.vision import header

MIN_SIDE = 15
MAX_SIDE = 8192
# Pixels decoded at most (after a JPEG's reduced-scale decoding), checked from the header before any pixel is
# allocated: an 8192x8192 PNG or 1-bit TIFF of a few KB would otherwise cost seconds and hundreds of MB.
MAX_PIXELS = int(os.environ.get("CHILE_ID_OCR_MAX_PIXELS", "40000000"))
# The work and memory of decoding, estimated from the header before any pixel is decoded (``check_work``; the
# reasons in docs/limits.md): the memory a decoder would hold (pixels, conversion, a tile, a progressive JPEG's
# coefficients), a progressive JPEG's scans (libtiff's default limit for a JPEG inside a TIFF is the same 100)
# and the pixels its scans go over, and a TIFF's pages.
MB = 1 << 20
MAX_DECODE_BYTES = int(os.environ.get("CHILE_ID_OCR_MAX_DECODE_MB", "512")) * MB
MAX_SCANS = 100
MAX_SCAN_PASSES = 32  # times MAX_PIXELS: a 8192x8192 4:4:4 progressive JPEG with libjpeg's 10 scans makes 14
MAX_FRAMES = 64
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
# Pixels worked on at most: a larger decoded image is shrunk to this many at once (a 4624x3468
# phone photo's JPEG is decoded at half size, far under it).
WORK_PIXELS = 12_000_000
# Decode large JPEGs at a reduced scale (libjpeg's DCT scaling is much cheaper than a
# full decode followed by a resize) while keeping the longer side at least this long.
_TARGET_LONG_SIDE = 2000
_REDUCED_FLAGS = ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4), (2, cv2.IMREAD_REDUCED_COLOR_2))


@dataclass(frozen=True)
class DecodedImage:
    """The pixels to work on, and how they map back to the input file.

    ``scale`` is decoded pixels per input pixel (0.5 when decoded at half size).
    """

    pixels: np.ndarray
    format: str
    width: int
    height: int
    scale: float


def sniff_format(data: bytes) -> str:
    """The image format named by the file's first bytes.

    >>> sniff_format(b"\\x89PNG\\r\\n\\x1a\\n....")
    'PNG'
    >>> sniff_format(b"GIF89a")
    Traceback (most recent call last):
    ...
    chile_id_ocr.errors.UnsupportedFormatError: not a JPG, PNG, BMP or TIFF image
    """
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            return name
    raise UnsupportedFormatError("not a JPG, PNG, BMP or TIFF image")


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height from the file's header, without decoding the pixels."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.size
    except Image.DecompressionBombError as exc:  # over twice Pillow's limit: far over ours
        raise ImageSizeError(f"the image is too large: {exc}") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise UnsupportedFormatError("the image file is damaged or cannot be read") from exc


def check_size(width: int, height: int) -> None:
    """Refuse images with a side outside 15..8192 px.

    >>> check_size(674, 425)
    >>> check_size(10, 425)
    Traceback (most recent call last):
    ...
    chile_id_ocr.errors.ImageSizeError: each side must be 15 to 8192 px; this image is 10x425
    """
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise ImageSizeError(f"each side must be {MIN_SIDE} to {MAX_SIDE} px; this image is {width}x{height}")


def check_pixels(width: int, height: int, factor: int = 1) -> None:
    """Refuse an image that would decode to more than ``MAX_PIXELS`` pixels (``factor``: JPEG reduction).

    >>> check_pixels(4000, 3000)
    >>> check_pixels(8192, 8192)
    Traceback (most recent call last):
    ...
    chile_id_ocr.errors.ImageSizeError: the image is too large: 8192x8192 is 67.1 Mpx, at most 40.0 Mpx
    """
    if (width // factor) * (height // factor) > MAX_PIXELS:
        size = f"{width}x{height} is {width * height / 1e6:.1f} Mpx"
        raise ImageSizeError(f"the image is too large: {size}, at most {MAX_PIXELS / 1e6:.1f} Mpx")


def check_work(data: bytes, fmt: str, width: int, height: int, factor: int = 1) -> None:
    """Refuse a file whose decoding would take too much work or memory, from its header (``vision/header.py``):
    over ``MAX_SCANS`` scans or ``MAX_FRAMES`` pages; tiles or strips making over ``MAX_PIXELS`` pixels; JPEG
    scans going over ``MAX_SCAN_PASSES`` times ``MAX_PIXELS``; over ``MAX_DECODE_BYTES`` of memory; a PNG whose
    image data inflates past its rows."""
    shape = header.layout(data, fmt, width, height, MAX_SCANS if fmt == "JPEG" else MAX_FRAMES)
    too_much = "too much work to decode"
    if shape.scans > MAX_SCANS:
        raise ImageSizeError(f"the JPEG has over {MAX_SCANS} scans, {too_much}")
    if shape.frames > MAX_FRAMES:
        raise ImageSizeError(f"the TIFF has over {MAX_FRAMES} pages, {too_much}")
    if fmt == "JPEG":
        if shape.passes > MAX_SCAN_PASSES * MAX_PIXELS:
            mpx = f"{shape.passes / 1e6:.0f} Mpx, at most {MAX_SCAN_PASSES * MAX_PIXELS / 1e6:.0f}"
            raise ImageSizeError(f"the JPEG's {shape.scans} scans go over {mpx}, {too_much}")
        memory = (width // factor) * (height // factor) * 3 + shape.buffer_bytes
    else:
        if shape.passes > MAX_PIXELS:
            mpx = f"{shape.passes / 1e6:.1f} Mpx, at most {MAX_PIXELS / 1e6:.1f} Mpx"
            raise ImageSizeError(f"the image is too large: its tiles make {mpx}")
        memory = 2 * width * height * shape.bytes_per_pixel + shape.chunk_pixels * max(4, shape.bytes_per_pixel)
    if memory > MAX_DECODE_BYTES:
        limit = f"at most {MAX_DECODE_BYTES / MB:.0f} MB"
        raise ImageSizeError(f"the image is too large: decoding it would take {memory / MB:.0f} MB, {limit}")
    if fmt == "PNG":  # last: it inflates the image data once
        header.png_check_inflation(data, width, height)


def _reduction(fmt: str, width: int, height: int) -> tuple[int, int]:
    flags = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION
    if fmt != "JPEG":
        return 1, flags
    for factor, flag in _REDUCED_FLAGS:
        if max(width, height) // factor >= _TARGET_LONG_SIDE:
            return factor, flag | cv2.IMREAD_IGNORE_ORIENTATION
    return 1, flags


def decode(data: bytes) -> DecodedImage:
    """Check and decode an uploaded image file."""
    if not data:
        raise UnsupportedFormatError("the image is empty")
    fmt = sniff_format(data)
    width, height = image_size(data)
    check_size(width, height)
    factor, flags = _reduction(fmt, width, height)
    check_pixels(width, height, factor)
    check_work(data, fmt, width, height, factor)
    pixels = None
    if factor == 1 and width * height > WORK_PIXELS:  # shrunk before its channels are expanded
        stored = _decode_unchanged(data)
        pixels = None if stored is None else _as_bgr(_within_work_pixels(stored))
    if pixels is None:
        pixels = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if pixels is None and fmt == "TIFF":
        pixels = _decode_with_pillow(data)
    if pixels is None or pixels.size == 0:
        raise UnsupportedFormatError(f"the {fmt} data cannot be decoded")
    pixels = _within_work_pixels(pixels)
    scale = pixels.shape[1] / width if pixels.shape[1] != width else 1.0
    return DecodedImage(pixels=pixels, format=fmt, width=width, height=height, scale=scale)


def _decode_unchanged(data: bytes) -> np.ndarray | None:
    """The image's pixels as stored (a grey image stays one channel: a third of the memory)."""
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)


def _as_bgr(pixels: np.ndarray | None) -> np.ndarray | None:
    """8-bit BGR from grey, BGR or BGRA pixels of 8 or 16 bits; None for anything else.

    >>> _as_bgr(np.full((2, 3), 65535, np.uint16)).shape, int(_as_bgr(np.full((2, 3), 65535, np.uint16)).max())
    ((2, 3, 3), 255)
    """
    if pixels is None or pixels.dtype not in (np.uint8, np.uint16):
        return None
    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    if pixels.ndim == 2:
        return cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
    channels = pixels.shape[2]
    if channels == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_BGRA2BGR)
    return pixels if channels == 3 else None


def _within_work_pixels(pixels: np.ndarray) -> np.ndarray:
    """The decoded image shrunk to at most ``WORK_PIXELS`` (a huge PNG or TIFF: what JPEG's
    reduced decoding does for JPEGs), so that no later step works on more.

    >>> _within_work_pixels(np.zeros((5000, 4000, 3), np.uint8)).shape
    (3872, 3098, 3)
    """
    h, w = pixels.shape[:2]
    if h * w <= WORK_PIXELS:
        return pixels
    scale = (WORK_PIXELS / (h * w)) ** 0.5
    return cv2.resize(pixels, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)


def _decode_with_pillow(data: bytes) -> np.ndarray | None:
    """TIFF variants OpenCV does not read (some compressions) still open in Pillow."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            rgb = np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
