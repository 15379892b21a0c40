"""The front's pictures (portrait, signature, ghost portrait): cut where the design prints them, upright in the
card's frame, at the resolution of the capture; off unless asked; a front of unknown layout gets its portrait
beside its data block."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import cv2
import numpy as np
import pytest

from chile_id_ocr import recognize
from chile_id_ocr.card.regions import FRONT_2013_REGIONS, portrait_beside
from chile_id_ocr.read.front.pictures import MARGIN, card_width, cut
from chile_id_ocr.synth import generate_front
from chile_id_ocr.synth.designs import DESIGN_2013, MOVED, render_design
from chile_id_ocr.synth.identities import random_identity
from skips import needs_template

SPECIMEN = (674, 425)


def _png(text: str) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(base64.b64decode(text), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), (0, 0), 1.5)


def _found_in(picture: np.ndarray, expected: np.ndarray, scale: float) -> float:
    """How well ``expected`` matches somewhere in ``picture`` (normalised correlation), once ``picture`` is brought
    to ``expected``'s scale (``scale``: picture pixels per expected pixel); both blurred a little."""
    size = (round(picture.shape[1] / scale), round(picture.shape[0] / scale))
    found = _grey(cv2.resize(picture, size, interpolation=cv2.INTER_AREA))
    if found.shape[0] < expected.shape[0] or found.shape[1] < expected.shape[1]:
        return -1.0
    return float(cv2.matchTemplate(found, _grey(expected), cv2.TM_CCOEFF_NORMED).max())


def _specimen_box(image: np.ndarray, name: str) -> np.ndarray:
    x0, y0, x1, y1 = FRONT_2013_REGIONS[name]
    w, h = SPECIMEN
    return image[round(y0 * h) : round(y1 * h), round(x0 * w) : round(x1 * w)]


@pytest.mark.parametrize("angle", [0, 180])
def test_the_specimen_gives_its_own_pictures_upright(real: Path, angle: int) -> None:
    specimen = cv2.imread(str(real / "specimen_front.jpg"))
    turned = specimen if angle == 0 else cv2.rotate(specimen, cv2.ROTATE_180)
    ok, jpeg = cv2.imencode(".jpg", turned, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    recognition = recognize(jpeg.tobytes(), crops=True)
    crops = recognition.details()["crops"]
    assert isinstance(crops, dict) and set(crops) == {"portrait", "signature", "ghost_portrait"}
    assert recognition.quad is not None
    scale = card_width(np.array(recognition.quad)) / SPECIMEN[0]
    assert scale == pytest.approx(1.0, abs=0.05)  # the capture's own resolution
    for name in crops:
        picture, expected = _png(crops[name]), _specimen_box(specimen, name)
        assert picture.shape[1] <= (expected.shape[1] + 2 * MARGIN * SPECIMEN[0]) * scale + 2
        assert _found_in(picture, expected, scale) > 0.85, name


def test_no_crops_unless_asked(real: Path) -> None:
    details = recognize((real / "specimen_front.jpg").read_bytes()).details()
    assert "crops" not in details


def test_a_back_has_no_pictures(real: Path) -> None:
    crops = recognize((real / "specimen_back.jpg").read_bytes(), crops=True).details()["crops"]
    assert crops == {"portrait": None, "signature": None, "ghost_portrait": None}


@needs_template
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_a_photographed_card_is_cut_in_its_own_frame(seed: int) -> None:
    """On a phone photo (any turn, perspective), cut at the true corners: the template's portrait."""
    from chile_id_ocr.synth.template import prepared_template

    sample = generate_front(seed, "photo")
    image = cv2.imdecode(np.frombuffer(sample.image, np.uint8), cv2.IMREAD_COLOR)
    quad = np.array(sample.truth["card_quad"], np.float64)
    width = card_width(quad)
    picture = cut(image, quad, FRONT_2013_REGIONS["portrait"], width)
    template = prepared_template().image
    th, tw = template.shape[:2]
    x0, y0, x1, y1 = FRONT_2013_REGIONS["portrait"]
    expected = template[round(y0 * th) : round(y1 * th), round(x0 * tw) : round(x1 * tw)]
    assert _found_in(picture, expected, width / tw) > 0.6


@pytest.mark.parametrize("design", [DESIGN_2013, *MOVED], ids=lambda d: d.name)
def test_the_portrait_beside_the_data_block_holds_the_designs_portrait(design) -> None:  # type: ignore[no-untyped-def]
    """Each generator design's portrait (measured on the design's definition, not on an image) lies within the box
    found beside its values, a box at most 2.5 times as large."""
    for seed in range(3):
        _, _, info = render_design(random_identity(random.Random(seed)), design, random.Random(seed))
        lines = [box for name, boxes in info["value_boxes"].items() if name != "number" for box in boxes]
        block = (min(b[0] for b in lines), min(b[1] for b in lines), max(b[2] for b in lines), max(b[3] for b in lines))
        found = portrait_beside(block)
        assert found is not None
        px0, py0, px1, py1 = design.portrait
        overlap = max(0.0, min(px1, found[2]) - max(px0, found[0])) * max(0.0, min(py1, found[3]) - max(py0, found[1]))
        true_area = (px1 - px0) * (py1 - py0)
        assert overlap >= 0.9 * true_area
        assert (found[2] - found[0]) * (found[3] - found[1]) <= 2.5 * true_area
