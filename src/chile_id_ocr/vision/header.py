"""What decoding a file will take, read from its header before any pixel is decoded.

The side lengths alone do not bound a decoder's work: a progressive JPEG is decoded once per scan (a file of a
few hundred KB can hold 20,000 scans), a TIFF is decoded a whole tile or strip at a time (a 1000x1000 image may
declare one 16368x16368 tile), samples may be 16 or 32 bits, and a TIFF may chain any number of pages. The
readers here are bounded: the JPEG marker walk jumps from segment to segment and finds the end of each scan's
entropy-coded data in a table of every marker's place built once with NumPy (C speed, never a Python loop per
byte: a regular-expression search cost 26 ms on a 12 MP photo, the table 3 ms), and stops after
``MAX_SEGMENTS`` segments; the TIFF page count follows at most ``limit`` IFD links (Pillow's ``n_frames`` reads
every IFD whole: 75 s for 100,000 pages); the other facts come from Pillow's lazy open (tags only) or from the
PNG's fixed header.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image

from chile_id_ocr.errors import ImageSizeError, UnsupportedFormatError

# A marker: 0xFF (fill bytes may repeat it) and a code that is neither a stuffed zero, TEM nor a restart marker
# (those three carry no length and occur inside entropy-coded data; libjpeg skips them alike).
_NOT_CODES = np.array([0x00, 0x01, *range(0xD0, 0xD8), 0xFF], np.uint8)
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # DHT, JPG and DAC share the range
_PROGRESSIVE = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_SOS, _EOI = 0xDA, 0xD9
MAX_SEGMENTS = 4096  # a camera's JPEG has tens; a progressive one about three per scan


@dataclass(frozen=True)
class Layout:
    """How a file holds its (first) image, as far as the decoder's cost goes.

    ``bytes_per_pixel``: of the pixels as decoded at full size (each sample at least a byte). ``passes``: pixels
    the decoder goes through (a TIFF's tiles whole; a multi-scan JPEG's components once per scan that covers
    them). ``chunk_pixels``: of the largest unit decoded at once (a tile or strip; 0 where none).
    ``buffer_bytes``: held whole besides the pixels (a multi-scan JPEG's DCT coefficients). ``scans``, ``frames``:
    JPEG scans, TIFF pages.
    """

    bytes_per_pixel: int
    passes: int
    chunk_pixels: int = 0
    buffer_bytes: int = 0
    scans: int = 1
    frames: int = 1


def layout(data: bytes, fmt: str, width: int, height: int, limit: int) -> Layout:
    """The layout of ``data`` (already known to open as ``fmt`` of ``width`` x ``height``); JPEG scans and TIFF
    pages are counted up to ``limit + 1``."""
    if fmt == "JPEG":
        return jpeg_layout(data, limit)
    if fmt == "PNG":
        return png_layout(data, width, height)
    if fmt == "TIFF":
        return tiff_layout(data, width, height, limit)
    return Layout(bytes_per_pixel=4, passes=width * height)  # BMP: at most 32 bits a pixel


def jpeg_layout(data: bytes, scan_limit: int = 1000) -> Layout:
    """Scans (counted up to ``scan_limit + 1``), the pixels they cover and the coefficient buffer of a JPEG,
    from its markers. Pillow's progressive 4:2:0 script: 10 scans over 8 times the luma's pixels.

    >>> from PIL import Image
    >>> buf = io.BytesIO()
    >>> Image.new("RGB", (64, 32)).save(buf, "JPEG", progressive=True)
    >>> jpeg_layout(buf.getvalue())
    Layout(bytes_per_pixel=3, passes=16384, chunk_pixels=0, buffer_bytes=6144, scans=10, frames=1)
    """
    components: dict[int, int] = {}  # component id -> pixels it covers (in whole 8x8 blocks)
    progressive, scans, passes, segments, pos = False, 0, 0, 0, 2
    codes = _marker_codes(data)
    while scans <= scan_limit and (k := int(np.searchsorted(codes, pos + 1))) < len(codes):
        at = int(codes[k]) + 1
        code = data[at - 1]
        if code == _EOI:
            break
        segments += 1
        if segments > MAX_SEGMENTS:
            raise ImageSizeError(f"the JPEG has over {MAX_SEGMENTS} marker segments: too much work to decode")
        if at + 2 > len(data):
            break
        length = struct.unpack_from(">H", data, at)[0]
        body = data[at + 2 : at + length]
        if code in _SOF and not components:
            progressive = code in _PROGRESSIVE
            components = _jpeg_components(body)
        elif code == _SOS and body:
            scans += 1
            covered = body[1 : 1 + 2 * body[0] : 2]
            passes += sum(components.get(c, max(components.values(), default=0)) for c in covered)
        pos = at + max(length, 2)
    blocks = sum(components.values()) // 64
    buffered = progressive or scans > 1  # libjpeg then keeps every coefficient of the image until the end
    return Layout(3, passes, buffer_bytes=blocks * 128 if buffered else 0, scans=scans)


def _marker_codes(data: bytes) -> np.ndarray:
    """The places of every marker's code byte, in order: a byte after 0xFF that is not in ``_NOT_CODES``.

    >>> _marker_codes(bytes.fromhex("ffd8ffffe02e2eff00ffd0ffd9")).tolist()
    [1, 4, 12]
    """
    raw = np.frombuffer(data, np.uint8)
    after = np.flatnonzero(raw[:-1] == 0xFF) + 1
    return after[~np.isin(raw[after], _NOT_CODES)]


def _jpeg_components(frame: bytes) -> dict[int, int]:
    """Component id -> pixels it covers, in whole 8x8 blocks, from a frame header's body."""
    if len(frame) < 6:
        return {}
    height, width, count = struct.unpack_from(">HHB", frame, 1)
    specs = [(frame[i], frame[i + 1] >> 4, frame[i + 1] & 15) for i in range(6, min(len(frame) - 2, 6 + 3 * count), 3)]
    h_max = max((h for _, h, _ in specs), default=1) or 1
    v_max = max((v for _, _, v in specs), default=1) or 1
    out = {}
    for ident, h, v in specs:
        w_px, h_px = -(-width * h // h_max), -(-height * v // v_max)
        out[ident] = -(-w_px // 8) * -(-h_px // 8) * 64
    return out


def png_layout(data: bytes, width: int, height: int) -> Layout:
    """Bytes a pixel takes from the PNG header's bit depth and colour type (a palette or grey with alpha comes
    out as four channels)."""
    bit_depth, colour = data[24], data[25]
    channels = {0: 1, 2: 3, 3: 4, 4: 4, 6: 4}.get(colour, 4)
    return Layout(bytes_per_pixel=channels * (2 if bit_depth > 8 else 1), passes=width * height)


def png_check_inflation(data: bytes, width: int, height: int) -> None:
    """Refuse a PNG whose image data inflates past the rows its header declares (and slack for interlacing),
    inflating at most that much, a MiB at a time, the output counted and dropped.

    libpng inflates the whole of the IDAT stream, past the rows (1.4 s a GB: a 4 MB file declaring 100x100
    pixels cost 5.8 s of decoding). Over ``MAX_SEGMENTS`` x 16 chunks is refused too; a stream that does not
    inflate is left to the decoder to refuse."""
    bit_depth, colour = data[24], data[25]
    stored = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour, 4) * bit_depth
    rows = height * (1 + -(-width * stored // 8))  # each row: its filter byte and its samples
    limit = rows + 14 * height + 65536  # interlacing adds at most two bytes per row and pass
    inflate, total, pos, chunks = zlib.decompressobj(), 0, 8, 0
    while pos + 8 <= len(data) and not inflate.eof:
        length, kind = struct.unpack_from(">I4s", data, pos)
        chunks += 1
        if chunks > 16 * MAX_SEGMENTS:
            raise ImageSizeError(f"the PNG has over {16 * MAX_SEGMENTS} chunks, too much work to decode")
        if kind == b"IEND":
            return
        end = min(len(data), pos + 8 + length) if kind == b"IDAT" else pos
        for start in range(pos + 8, end, 1 << 16):  # 64 KiB of input at a time: its unconsumed tail stays small
            pending = data[start : min(end, start + (1 << 16))]
            while pending and not inflate.eof:
                try:
                    total += len(inflate.decompress(pending, min(1 << 20, limit + 1 - total)))
                except zlib.error:
                    return
                if total > limit:
                    raise ImageSizeError("the PNG's image data inflates to more than its header declares")
                pending = inflate.unconsumed_tail
        pos += 12 + length


def tiff_layout(data: bytes, width: int, height: int, frame_limit: int) -> Layout:
    """Samples, bits, tiles or strips of a TIFF's first page (Pillow's tags), and its page count (at most
    ``frame_limit + 1`` counted)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            tags = dict(im.tag_v2)  # type: ignore[attr-defined]
    except (OSError, ValueError, SyntaxError) as exc:
        raise UnsupportedFormatError("the image file is damaged or cannot be read") from exc
    samples = max(1, _first(tags.get(277), 1))
    declared = tags.get(258)
    bits = [b for b in (declared if isinstance(declared, tuple) else (declared,)) if isinstance(b, int)]
    sample_bytes = max(1, -(-max(bits, default=8) // 8))
    channels = 3 if tags.get(262) == 3 else samples  # a palette comes out in colour
    if 322 in tags and 323 in tags:
        tile_w, tile_h = max(1, _first(tags[322], 1)), max(1, _first(tags[323], 1))
        chunk = tile_w * tile_h
        passes = -(-width // tile_w) * -(-height // tile_h) * chunk
    else:  # OpenCV sizes its strip buffer by RowsPerStrip, even past the image's height
        rows = _first(tags.get(278), height)
        chunk = width * (height if rows <= 0 or rows >= 2**32 - 1 else rows)
        passes = width * height
    return Layout(channels * sample_bytes, passes, chunk_pixels=chunk, frames=tiff_frames(data, frame_limit))


def _first(value: object, default: int) -> int:
    if isinstance(value, tuple):
        value = value[0] if value else default
    return value if isinstance(value, int) else default


def tiff_frames(data: bytes, limit: int) -> int:
    """Pages (IFDs) of a classic TIFF, following at most ``limit + 1`` links; a link back to an IFD already
    seen, or out of the file, ends the chain (as it ends libtiff's and Pillow's).

    >>> tiff_frames(b"II*\\x00\\x08\\x00\\x00\\x00" + b"\\x00\\x00" + b"\\x08\\x00\\x00\\x00", 10)
    1
    """
    order = "<" if data[:2] == b"II" else ">"
    seen: set[int] = set()
    offset = struct.unpack_from(order + "I", data, 4)[0]
    while offset and offset not in seen and offset + 2 <= len(data) and len(seen) <= limit:
        seen.add(offset)
        entries = struct.unpack_from(order + "H", data, offset)[0]
        link = offset + 2 + 12 * entries
        offset = struct.unpack_from(order + "I", data, link)[0] if link + 4 <= len(data) else 0
    return len(seen)
