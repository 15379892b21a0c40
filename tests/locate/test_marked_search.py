"""The search of the area the card detector marks: a small card among a page's lines, turned across
them, is found there; only its good fits count."""

from __future__ import annotations

import numpy as np
import pytest

from chile_id_ocr import recognize
from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.errors import PoorImageError
from chile_id_ocr.locate import front
from chile_id_ocr.locate.mask import largest_region
from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.models.card_mask import INPUT
from chile_id_ocr.models.ocr import get_engine
from chile_id_ocr.synth import generate_front
from chile_id_ocr.vision.decode import decode

# A small card on a page of printed text, its lines turned about 90 degrees from level, the page's
# lines beside it at about the same angle: outlines and the detector's regions find no card shape,
# the whole image's text searches are led by the page's lines.
_SMALL_CARD_ON_A_PAGE = 5078
# A bent card at a strong slant on a form: the marked area offers many weak placements, of which one
# confirms on three labels and reads as garbage.
_BENT_CARD_ON_A_FORM = 5021


def test_the_largest_marked_region_is_boxed_whatever_its_shape() -> None:
    probability = np.zeros((64, 64), np.float32)
    probability[20:40, 10:50] = 0.95  # the card
    probability[2:4, 2:4] = 0.95  # a stray mark elsewhere
    corners = largest_region(probability, 0.5, (600, 500, 3))
    stride = INPUT / 64
    pixels = stride / 0.5  # one cell of the map, in the image's pixels
    assert corners.ravel().tolist() == pytest.approx([10 * pixels, 20 * pixels, 50 * pixels, 40 * pixels])
    assert largest_region(np.zeros((64, 64), np.float32), 0.5, (600, 500, 3)) is None


def test_the_marked_window_grows_the_region_and_is_none_where_nothing_is_marked() -> None:
    engine = get_engine()
    blank = Scene(np.full((600, 800, 3), 255, np.uint8), engine)
    assert blank.marked_window(0.25, 0.5) is None
    scene = Scene(decode(generate_front(_SMALL_CARD_ON_A_PAGE, "hard").image).pixels, engine)
    x0, y0, x1, y1 = scene.marked_window(0.25, 0.5)
    tight = scene.marked_window(0.0, 0.5)
    assert x0 < tight[0] and y0 < tight[1] and x1 > tight[2] and y1 > tight[3]
    assert scene.marked_window(0.25, 0.01) is None  # a window larger than that share of the image


def test_a_small_card_turned_across_a_pages_lines_is_found_in_the_marked_area() -> None:
    sample = generate_front(_SMALL_CARD_ON_A_PAGE, "hard")
    result = recognize(sample.image).to_api()
    result.pop("confidence")
    assert {k: result[k] for k in sample.truth["result"]} == sample.truth["result"]


def test_without_the_marked_search_the_small_card_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(front, "_search_marked", lambda *args: None)
    with pytest.raises(PoorImageError):
        recognize(generate_front(_SMALL_CARD_ON_A_PAGE, "hard").image)


def test_weak_placements_in_the_marked_area_are_not_taken() -> None:
    with pytest.raises(PoorImageError):
        recognize(generate_front(_BENT_CARD_ON_A_FORM, "hard").image)


def test_the_marked_area_is_searched_level_and_turned_once_at_most() -> None:
    scene = Scene(decode(generate_front(_SMALL_CARD_ON_A_PAGE, "hard").image).pixels, get_engine())
    fit = front.find_card(scene, FRONT_2013, stop_at_mrz=False)
    assert fit is not None and fit.confirmation is not None and fit.confirmation.confirmed
    marked = [key for key in scene._searches if key[0] == "marked"]
    assert marked[0] == ("marked", 0.0) and len(marked) == 2
    assert abs(marked[1][1]) >= 10.0  # turned along the card's lines, which run far from level
