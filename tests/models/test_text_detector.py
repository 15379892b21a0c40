"""The text detector quantized to int8 (``training/quantize.py``): the engine runs the float one,
on request the int8 one for the card fit or for all; both find the same lines on a real card."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from chile_id_ocr.models import ocr
from chile_id_ocr.models.ocr import OcrEngine, TextBox


def _model_path(engine: OcrEngine) -> str:
    return str(engine.detector)


def _overlap(a: TextBox, b: TextBox) -> float:
    (ax0, ay0), (ax1, ay1) = a.quad.min(axis=0), a.quad.max(axis=0)
    (bx0, by0), (bx1, by1) = b.quad.min(axis=0), b.quad.max(axis=0)
    iw, ih = max(0.0, min(ax1, bx1) - max(ax0, bx0)), max(0.0, min(ay1, by1) - max(ay0, by0))
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - iw * ih
    return float(iw * ih / union) if union > 0 else 0.0


def test_the_float_detector_runs_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHILE_ID_OCR_INT8_DETECTOR", raising=False)
    engine = OcrEngine()
    assert Path(_model_path(engine)).name == Path(str(engine.quick_detector)).name == ocr.DET_MODEL


def test_the_int8_detector_can_run_for_the_card_fit_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHILE_ID_OCR_INT8_DETECTOR", "fit")
    engine = OcrEngine()
    assert Path(_model_path(engine)).name == ocr.DET_MODEL and engine.quick_detector == ocr.DET_INT8


def test_the_int8_detector_ships_and_runs_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ocr.DET_INT8.is_file()
    monkeypatch.setenv("CHILE_ID_OCR_INT8_DETECTOR", "1")
    engine = OcrEngine()
    assert _model_path(engine) == str(ocr.DET_INT8) and engine.quick_detector == ocr.DET_INT8


def test_int8_and_float_find_the_same_lines(real: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    image = cv2.imread(str(real / "specimen_front.jpg"))
    monkeypatch.delenv("CHILE_ID_OCR_INT8_DETECTOR", raising=False)
    float_boxes = OcrEngine().detect(image, 960)
    monkeypatch.setenv("CHILE_ID_OCR_INT8_DETECTOR", "1")
    quantized = OcrEngine().detect(image, 960)
    assert len(float_boxes) >= 10
    matched = [max(_overlap(f, q) for q in quantized) for f in float_boxes]
    assert np.mean([m >= 0.6 for m in matched]) >= 0.9
    assert abs(len(quantized) - len(float_boxes)) <= 0.1 * len(float_boxes) + 1
