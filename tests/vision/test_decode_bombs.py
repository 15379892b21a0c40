"""Decoding is bounded by what the header says, before any pixel is decoded: crafted files whose decoding would
take seconds to minutes or hundreds of MB (``bench/bombs.py``) are refused with the contract's code, and the
files a camera, a scanner or an image library writes are not."""

from __future__ import annotations

import io
import struct

import cv2
import numpy as np
import pytest
from PIL import Image

from bomb_files import bombs
from chile_id_ocr.errors import ImageSizeError, RecognitionError
from chile_id_ocr.vision import decode as decoding
from chile_id_ocr.vision.decode import decode
from chile_id_ocr.vision.header import jpeg_layout, tiff_frames


@pytest.mark.parametrize("name", list(bombs.BOMBS))
def test_a_decoding_bomb_gets_the_contracts_code_before_decoding(name: str) -> None:
    make, code = bombs.BOMBS[name]
    with pytest.raises(RecognitionError) as refused:
        decode(make())
    assert refused.value.code == code, refused.value


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("progressive JPEG, 20k scans", "over 100 scans"),
        ("progressive JPEG, 64 full scans at 8192 px", "64 scans go over"),
        ("TIFF, 16368 px tiles", "its tiles make 267.9 Mpx"),
        ("TIFF, 8192x100 in a strip of 16368 rows", "decoding it would take 516 MB"),
        ("TIFF, 16-bit 4-sample 6000 px", "decoding it would take"),
        ("TIFF, 20k pages", "over 64 pages"),
        ("PNG, 16-bit RGBA 6000 px of zeros", "decoding it would take 549 MB, at most 512 MB"),
        ("PNG, 100x100 whose IDAT inflates to 4 GB", "inflates to more than its header declares"),
    ],
)
def test_the_refusal_says_what_is_too_much(name: str, reason: str) -> None:
    with pytest.raises(ImageSizeError, match=reason):
        decode(bombs.BOMBS[name][0]())


def _jpeg(image: Image.Image, **options: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", **options)
    return buf.getvalue()


def _photo(width: int, height: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    small = rng.integers(0, 256, (height // 16, width // 16, 3), dtype=np.uint8)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(lambda: _jpeg(Image.new("RGB", (4000, 3000), (90, 120, 30)), progressive=True), id="pillow RGB"),
        pytest.param(lambda: _jpeg(Image.new("L", (3000, 2000), 128), progressive=True), id="pillow grey"),
        pytest.param(
            lambda: cv2.imencode(".jpg", _photo(8192, 4096), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes(),
            id="opencv 8192 px",
        ),
    ],
)
def test_progressive_jpegs_of_every_size_are_decoded(data: object) -> None:
    decoded = decode(data())  # type: ignore[operator]
    assert decoded.pixels.size > 0


def test_a_jpeg_with_an_exif_thumbnail_counts_the_images_scans_only() -> None:
    thumb = _jpeg(Image.new("RGB", (160, 120), (1, 2, 3)), progressive=True)
    exif = Image.Exif()
    main = _jpeg(Image.new("RGB", (640, 480), (9, 9, 9)), progressive=True, exif=exif.tobytes())
    app1 = b"Exif\0\0" + thumb * 3  # three progressive thumbnails' scans inside the APP1 segment
    data = main[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + main[2:]
    assert jpeg_layout(data).scans == jpeg_layout(main).scans == 10


def test_restart_markers_and_stuffed_bytes_are_not_counted_as_segments() -> None:
    image = Image.fromarray(_photo(640, 480)[:, :, ::-1].copy())
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=95)
    plain = jpeg_layout(buf.getvalue())
    ok, restarts = cv2.imencode(".jpg", _photo(640, 480), [cv2.IMWRITE_JPEG_RST_INTERVAL, 1])
    assert ok and restarts.tobytes().count(b"\xff\xd0") > 10
    assert plain.scans == jpeg_layout(restarts.tobytes()).scans == 1


def test_a_tiff_whose_pages_link_in_a_circle_counts_each_once() -> None:
    page = bombs.tiff_pages(3)
    data = bytearray(page)
    first = struct.unpack_from("<I", data, 4)[0]
    last = first
    for _ in range(2):  # follow to the third page and link it back to the first
        entries = struct.unpack_from("<H", data, last)[0]
        last = struct.unpack_from("<I", data, last + 2 + 12 * entries)[0]
    entries = struct.unpack_from("<H", data, last)[0]
    struct.pack_into("<I", data, last + 2 + 12 * entries, first)
    assert tiff_frames(bytes(data), 100) == 3
    assert decode(bytes(data)).pixels.shape == (16, 16, 3)


def test_tiled_and_multi_page_tiffs_within_the_budget_are_decoded() -> None:
    tiled = bombs.tiff_huge_tiles(side=1000, tile=256)
    assert decode(tiled).pixels.shape == (1000, 1000, 3)
    assert decode(bombs.tiff_pages(64)).pixels.shape == (16, 16, 3)
    with pytest.raises(ImageSizeError, match="over 64 pages"):
        decode(bombs.tiff_pages(65))


def test_a_png_whose_stream_ends_with_its_rows_is_decoded_however_it_is_chunked() -> None:
    rows = bombs.deflated_zeros(300 * (1 + 400 * 3))
    whole = bombs.png(400, 300, 8, 2, rows)
    head, tail = whole[:33], whole[-12:]  # signature and IHDR; IEND
    chunks = [rows[i : i + 1000] for i in range(0, len(rows), 1000)]
    split = head + b"".join(bombs.png(1, 1, 8, 0, part)[33:-12] for part in chunks) + tail
    assert decode(whole).pixels.shape == decode(split).pixels.shape == (300, 400, 3)
    with pytest.raises(ImageSizeError, match="inflates to more"):
        decode(bombs.png(400, 300, 8, 2, bombs.deflated_zeros(300 * (1 + 400 * 3) + 14 * 300 + 65536 + 1)))


def test_the_memory_budget_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    data = bombs.png_zeros(side=2000, bit_depth=16, colour=6)  # 32 MB as stored
    assert decode(data).pixels.shape == (2000, 2000, 3)
    monkeypatch.setattr(decoding, "MAX_DECODE_BYTES", 32 * decoding.MB)
    with pytest.raises(ImageSizeError, match="decoding it would take 61 MB, at most 32 MB"):
        decode(data)
