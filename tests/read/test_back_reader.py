"""The back reader on synthetic backs: the MRZ found among other long lines, a line the detector
missed put back from the line pitch, a back without a readable QR code read without the front
reader's whole search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import zxingcpp

from chile_id_ocr import pipeline, recognize
from chile_id_ocr.locate import front as card_search
from chile_id_ocr.locate.mrz_band import find_mrz_blocks, shows_mrz
from chile_id_ocr.locate.qr import QrFind, QrHint
from chile_id_ocr.models.ocr import OcrEngine, TextBox, get_engine
from chile_id_ocr.synth.generator import generate_back
from chile_id_ocr.vision.geometry import angle_offsets


def _box(cx: float, cy: float, length: float, height: float, angle_deg: float) -> TextBox:
    t = np.radians(angle_deg)
    u, v = np.array([np.cos(t), np.sin(t)]), np.array([-np.sin(t), np.cos(t)])
    corners = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    quad = np.array([[cx, cy] + a * u * length / 2 + b * v * height / 2 for a, b in corners], np.float32)
    return TextBox(quad, 0.9)


def _mrz_boxes(angle: float, rows: tuple[int, ...] = (0, 1, 2)) -> list[TextBox]:
    t = np.radians(angle)
    down = np.array([-np.sin(t), np.cos(t)])
    return [_box(*(np.array([500.0, 400.0]) + down * 50 * row), 900, 40, angle) for row in rows]


def _handwriting(n: int = 12) -> list[TextBox]:
    """Ruled lines of handwriting, level, at an even pitch, ragged at both ends."""
    return [_box(520 + 40 * (i % 3), 40 + 60 * i, 700 + 90 * (i % 4), 36, 0.0) for i in range(n)]


def test_mrz_found_at_its_own_angle_among_many_level_lines() -> None:
    blocks = find_mrz_blocks(_handwriting() + _mrz_boxes(174.0))
    assert blocks, "the MRZ's direction must be tried even where level lines outweigh it"
    assert any(abs(angle_offsets(np.degrees(np.arctan2(b.frame.u[1], b.frame.u[0])), 174.0)) < 1 for b in blocks)
    assert shows_mrz(_mrz_boxes(174.0))
    assert not shows_mrz(_handwriting())  # stacked, but ragged at both ends


@pytest.mark.parametrize("missing", [0, 1, 2])
def test_two_detected_lines_give_the_third_at_the_line_pitch(missing: int) -> None:
    rows = tuple(r for r in (0, 1, 2) if r != missing)
    expected = np.array([[500.0, 400.0 + 50 * r] for r in (0, 1, 2)])
    blocks = find_mrz_blocks(_mrz_boxes(0.0, rows), limit=5)
    assert any(np.allclose(np.sort(b.centres(), axis=0), expected, atol=1.0) for b in blocks)


def test_qr_hint_gives_the_text_direction_and_the_card_size() -> None:
    upright = QrHint.of(QrFind(None, np.array([[100, 100], [400, 100], [400, 400], [100, 400]], np.float32)))
    assert not upright.runs_vertically and upright.side == 300
    turned = QrHint.of(QrFind(None, np.array([[400, 100], [400, 400], [100, 400], [100, 100]], np.float32)))
    assert turned.runs_vertically


class _DropsOneMrzLine:
    """The engine, with the detector missing one line of every MRZ it sees."""

    def __init__(self, engine: OcrEngine, row: int) -> None:
        self._engine, self._row = engine, row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def detect(self, image: np.ndarray, limit_side: int, *, quick: bool = False) -> list[TextBox]:
        boxes = self._engine.detect(image, limit_side)
        blocks = [b for b in find_mrz_blocks(boxes) if all(line.score > 0 for line in b.lines)]
        if not blocks:
            return boxes
        target = blocks[0].centres()[self._row]
        size = min(line.height for line in blocks[0].lines) / 2
        return [b for b in boxes if np.linalg.norm(b.quad.mean(axis=0) - target) > size]


@pytest.mark.parametrize("row", [0, 1, 2])
def test_back_reads_with_one_mrz_line_undetected(real: Path, monkeypatch: pytest.MonkeyPatch, row: int) -> None:
    sample = generate_back(21, "photo")
    monkeypatch.setattr(pipeline, "get_engine", lambda: _DropsOneMrzLine(get_engine(), row))
    details = recognize(sample.image).details()
    assert details["side"] == "back"
    assert details["back"]["mrz"]["lines"] == sample.truth["mrz"]


def _without_qr(image: bytes) -> bytes:
    """The image with its QR code painted over."""
    pixels = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    (symbol,) = zxingcpp.read_barcodes(pixels)
    p = symbol.position
    quad = np.array([[c.x, c.y] for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)], np.float32)
    centre = quad.mean(axis=0)
    cv2.fillPoly(pixels, [np.round(centre + (quad - centre) * 1.2).astype(np.int32)], (235, 235, 235))
    assert not zxingcpp.read_barcodes(pixels)
    return cv2.imencode(".png", pixels)[1].tobytes()


def test_back_without_a_qr_code_is_read_without_the_front_readers_whole_search(
    real: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = generate_back(22, "scan")

    def no_text_search(*args: object) -> list[np.ndarray]:
        raise AssertionError("the front reader searched the whole image for a card's text")

    monkeypatch.setattr(card_search, "text_candidates", no_text_search)
    details = recognize(_without_qr(sample.image)).details()
    assert details["side"] == "back"
    assert details["back"]["qr"] is None
    assert details["back"]["mrz"]["lines"] == sample.truth["mrz"]


def test_lines_cut_short_by_the_detector_make_a_block_where_the_card_is_seen_straight_on() -> None:
    # the first two lines' runs of fillers missed: they start with the third, 70 % as long
    boxes = [
        _box(500.0 - 135 * (row < 2), 400.0 + 50 * row, 900 * (0.7 if row < 2 else 1.0), 40, 0.0) for row in range(3)
    ]
    elsewhere = find_mrz_blocks(boxes, limit=5)
    assert elsewhere and all(0.0 in [ln.score for ln in b.lines] for b in elsewhere)  # one line put by the pitch
    (block, *_) = find_mrz_blocks(boxes, cut_short=True)
    assert all(ln.score > 0 for ln in block.lines)
    assert np.allclose(block.span, (50.0, 950.0), atol=1.0)
