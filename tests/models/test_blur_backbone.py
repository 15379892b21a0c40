"""The shaken-card backbone: the fine-tuned weights load into the recognizer's own graph, only
the lines cut from a card found shaken go through it, and a shaken line reads again through it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.models.blur_backbone import WEIGHTS, BlurBackbone, get_blur_backbone
from chile_id_ocr.models.ocr import OcrEngine, _prepare, get_engine
from chile_id_ocr.vision.blind import Shaken
from line_support import printed_line

pytestmark = pytest.mark.skipif(not WEIGHTS.is_file(), reason="the shaken-card backbone's weights are not installed")


def _shaken(crop: np.ndarray, length: int = 11) -> np.ndarray:
    """``crop`` smeared along a diagonal of ``length`` px (a camera moved while the shutter was open)."""
    kernel = np.zeros((length, length), np.float32)
    cv2.line(kernel, (0, length // 3), (length - 1, length - 1 - length // 3), 1.0, 1)
    return cv2.filter2D(crop, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REPLICATE)


def test_its_weights_replace_the_backbones_own() -> None:
    tuned = BlurBackbone.load()
    assert tuned is not None
    engine = get_engine()
    batch = _prepare(printed_line("15 DIC 1930", 330))
    original = engine._backbone.run(None, {engine._backbone_input: batch})[0][0]
    features = tuned.features(batch)
    assert features.shape == original.shape
    assert not np.allclose(features, original, atol=1e-2)  # another set of weights...
    assert np.corrcoef(features.ravel(), original.ravel())[0, 1] > 0.5  # ...fine-tuned from the same ones


def test_no_weights_no_shaken_backbone(tmp_path: Path) -> None:
    assert BlurBackbone.load(tmp_path / "absent.npz") is None
    get_blur_backbone.cache_clear()
    engine = OcrEngine(shaken=False).for_one_image()
    engine.features(printed_line("15 DIC 1930", 330).view(Shaken))
    assert get_blur_backbone.cache_info().currsize == 0  # an engine without it never loads it


def test_it_loads_on_the_first_shaken_line_once_per_process() -> None:
    get_blur_backbone.cache_clear()
    engine = OcrEngine()
    assert get_blur_backbone.cache_info().currsize == 0  # not loaded with the engine
    crop = printed_line("15 DIC 1930", 330)
    engine.for_one_image().features(crop)
    assert get_blur_backbone.cache_info().currsize == 0  # a still card's lines do not load it
    engine.for_one_image().features(crop.view(Shaken))
    engine.for_one_image().features(printed_line("08 MAYO 1975", 330).view(Shaken))
    assert get_blur_backbone.cache_info().misses == 1  # loaded once, for every image's copy of the engine


def test_only_a_shaken_cards_lines_go_through_it() -> None:
    engine = get_engine().for_one_image()
    crop = printed_line("15 DIC 1930", 330)
    batch = _prepare(crop)
    plain, marked = engine.features(crop), engine.features(crop.view(Shaken))
    assert np.array_equal(plain, engine._backbone.run(None, {engine._backbone_input: batch})[0][0])
    tuned = get_blur_backbone()
    assert tuned is not None
    assert np.array_equal(marked, tuned.features(batch))
    assert np.array_equal(engine.features(crop), plain)  # one image's memory keeps the two apart
    assert isinstance(crop.view(Shaken)[5:40, 10:200], Shaken)  # a crop of a shaken view is shaken


def test_a_smeared_line_reads_again_through_it() -> None:
    engine = get_engine()
    alphabet = FRONT_2013.field("birth").alphabet
    smeared = _shaken(printed_line("08 MAYO 1975", 330))
    assert engine.read([smeared], alphabet)[0].text != "08 MAYO 1975"
    assert engine.read([smeared.view(Shaken)], alphabet)[0].text == "08 MAYO 1975"
