"""The locate stage's cost is bounded by its budget, not by what the image contains: an image with
no card is answered after a handful of text detections (none for a blank one), each detection
hands on a capped number of boxes, and the side's evidence (an MRZ seen) is recorded, not raised.
Costs are counted (detections, boxes), never timed."""

from __future__ import annotations

import random
from functools import partial
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from chile_id_ocr import RecognitionError, pipeline, recognize
from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.errors import PoorImageError
from chile_id_ocr.locate.back import locate_back
from chile_id_ocr.locate.front import find_card
from chile_id_ocr.locate.scene import Budget, Scene, Spent
from chile_id_ocr.models.ocr import get_engine
from chile_id_ocr.synth import generate_back, generate_front
from chile_id_ocr.vision.decode import decode
from chile_id_ocr.vision.geometry import card_to_image, map_points

_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_WORDS = (
    "contrato", "arrendamiento", "entre", "las", "partes", "que", "suscriben", "presente", "documento", "cláusula",
    "primera", "segunda", "pago", "renta", "mensual", "pesos", "domicilio", "comuna", "santiago", "región",
    "metropolitana", "firma", "notario", "fecha",
)  # fmt: skip


def _page_of_text() -> np.ndarray:
    """A dense A4 page of print at 150 dpi: dozens of lines, hundreds of words, no card."""
    if not _FONT.is_file():
        pytest.fail(f"{_FONT} missing (scripts/setup.sh installs fonts-dejavu-core)")
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(_FONT), 16)
    rng = random.Random(7)
    for y in range(60, 1700, 22):
        draw.text((70, y), " ".join(rng.choice(_WORDS) for _ in range(14)), font=font, fill="black")
    return np.asarray(page)[:, :, ::-1].copy()


@pytest.fixture(scope="module")
def engine():
    return get_engine()


def test_a_blank_image_is_answered_without_any_text_detection(engine) -> None:
    scene = Scene(np.full((2000, 3000, 3), 255, np.uint8), engine)
    assert scene.blank
    assert scene.why_no_card() == "the image is blank"
    assert scene.spent.detections == 0
    with pytest.raises(RecognitionError) as caught:
        recognize(_png(np.full((2000, 3000, 3), 128, np.uint8)))
    assert caught.value.code == "AIS.0104" and "blank" in caught.value.error_msg


def test_a_page_of_text_is_no_card_after_a_few_small_detections(engine) -> None:
    """The card detector marks no card on a page of print: only the outlines and the whole
    frame are fitted (a detection each, at the fit's small size); the whole page's text is never
    searched, and the back's MRZ search does not run either."""
    scene = Scene(_page_of_text(), engine)
    assert not scene.shows_card
    with pytest.raises(PoorImageError, match="no Chilean identity card"):
        find_card(scene, FRONT_2013)
    assert locate_back(scene).mrz is None
    # one detection per candidate (outlines, detector's regions, whole frame), one where a QR-like
    # pattern was seen; none of the whole page
    assert scene.spent.detections <= len(scene.card_quads()) + 1


def test_the_page_read_end_to_end_is_the_contracts_no_card_error() -> None:
    with pytest.raises(RecognitionError) as caught:
        recognize(_png(_page_of_text()))
    assert caught.value.code == "AIS.0104"
    assert "No Chilean identity card found" in caught.value.error_msg


def test_cards_show_as_cards(engine) -> None:
    for sample in (generate_front(5003, "photo"), generate_back(5003, "hard"), generate_front(5004, "page")):
        assert Scene(decode(sample.image).pixels, engine).shows_card


def test_past_its_budget_a_detection_finds_nothing_and_is_counted(engine) -> None:
    pixels = _page_of_text()
    scene = Scene(pixels, engine, Budget(detections=1, text_boxes=5))
    first = scene.engine.detect(pixels, 960)
    assert len(first) == 5 and scene.spent.boxes_dropped > 0
    assert scene.engine.detect(pixels, 960) == []
    assert (scene.spent.detections, scene.spent.refused) == (1, 1)


def test_past_its_budget_a_line_reads_as_nothing_and_is_counted(engine) -> None:
    pixels = _page_of_text()
    scene = Scene(pixels, engine, Budget(reads=3))
    crops = [pixels[60 + 22 * k : 82 + 22 * k, 60:700] for k in range(5)]
    reads = scene.engine.read(crops[:2]) + scene.engine.read_card(crops[2:])
    assert [bool(r.text) for r in reads] == [True, True, True, False, False]
    assert reads[3].score == reads[4].score == 0.0
    assert (scene.spent.reads, scene.spent.refused) == (3, 2)
    assert scene.budget.exhausted(scene.spent) and not scene.budget.exhausted(Spent(reads=2))


def test_a_search_sharing_the_budget_spends_its_share_of_what_is_left(engine) -> None:
    pixels = _page_of_text()
    scene = Scene(pixels, engine, Budget(detections=5))
    scene.engine.detect(pixels, 960)  # one of five spent: four left, half of them within the block
    with scene.sharing(0.5):
        found = [scene.engine.detect(pixels, 960) for _ in range(3)]
    assert [bool(boxes) for boxes in found] == [True, True, False]
    assert (scene.spent.detections, scene.spent.refused) == (3, 1)
    assert scene.engine.budget == Budget(detections=5)  # the budget's own limits again after it
    assert [bool(scene.engine.detect(pixels, 960)) for _ in range(3)] == [True, True, False]  # the rest, after it


def test_a_back_looked_for_on_lines_stacked_like_an_mrz_leaves_the_front_its_budget() -> None:
    """Dev hard 5130: a sharp card upside down on a newspaper, whose justified lines stack like an MRZ.
    The back's search that this starts may spend half of what is left; the front's, resumed, reads it."""
    sample = generate_front(5130, "hard")
    got = recognize(sample.image)
    assert got.fields["number"].value == sample.truth["result"]["number"]
    assert got.fields["given_name"].value == sample.truth["result"]["given_name"]


def test_a_search_cut_short_by_its_budget_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """A card on a page, with no text detection in the budget: the contract's error, and its
    reason says the search stopped at the budget (not only that no card was found)."""
    from chile_id_ocr import pipeline

    monkeypatch.setattr(pipeline, "Scene", partial(Scene, budget=Budget(detections=0)))
    with pytest.raises(RecognitionError) as caught:
        recognize(generate_front(5002, "page").image)
    assert caught.value.code == "AIS.0104" and "budget of work" in caught.value.error_msg


def test_an_mrz_seen_while_looking_for_a_front_is_evidence_not_an_exception(engine) -> None:
    back = Scene(decode(generate_back(5001, "scan").image).pixels, engine)
    assert find_card(back, FRONT_2013) is None  # the search stopped at the MRZ
    assert back.mrz_seen
    front = Scene(decode(generate_front(5001, "scan").image).pixels, engine)
    assert find_card(front, FRONT_2013) is not None
    assert not front.mrz_seen


def test_each_candidate_source_runs_once_per_image(engine) -> None:
    scene = Scene(decode(generate_front(5002, "photo").image).pixels, engine)
    assert scene.card_quads()[0] is scene.card_quads()[0]  # outlines computed once, then kept
    assert scene.mask_regions is scene.mask_regions


def _png(pixels: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", pixels)
    assert ok
    return data.tobytes()


def test_a_front_whose_labels_read_but_not_the_card_is_not_searched_as_a_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A front's labels read at their places are the side's evidence: a front whose card is not
    confirmed (here all its labels and titles but two painted over) is refused without the back's
    MRZ search, which would only cost time."""
    sample = generate_front(5000, "scan")
    image = decode(sample.image).pixels.copy()
    to_image = card_to_image(np.array(sample.truth["card_quad"], np.float32))
    kept = ("label_apellidos", "label_nombres")
    paint = [int(v) for v in np.median(image.reshape(-1, 3), axis=0)]
    for spec in FRONT_2013.anchors:
        if spec.name in kept:
            continue
        (x0, x1), top, bottom = spec.column, spec.y - spec.height / 2 - 0.01, spec.y + spec.height / 2 + 0.01
        corners = np.array([[x0 - 0.01, top], [x1, top], [x1, bottom], [x0 - 0.01, bottom]])
        cv2.fillConvexPoly(image, np.round(map_points(to_image, corners)).astype(np.int32), paint)
    scene = Scene(image, get_engine())
    with pytest.raises(PoorImageError):
        find_card(scene, FRONT_2013)
    assert scene.labels_seen == len(kept) and scene.shows_front

    searched: list[object] = []
    monkeypatch.setattr(pipeline, "locate_back", lambda scene: searched.append(scene) or locate_back(scene))
    with pytest.raises(RecognitionError) as caught:
        recognize(_png(image))
    assert caught.value.code == "AIS.0104" and not searched


def test_the_shakes_undone_for_the_fits_are_budgeted() -> None:
    # Each costs about 0.1 s: a shaken card's search fits many candidates (dev hard 5030: 22).
    page = np.full((323, 512, 3), 225, np.uint8)
    for row in range(8):
        cv2.putText(page, "FECHA DE NACIMIENTO 21 FEB", (10, 35 + 38 * row), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 40, 2)
    shaken = cv2.blur(page, (9, 9))
    scene = Scene(page, get_engine(), budget=Budget(unshaken=1))
    assert scene._unshaken(page) is None and scene.spent.unshaken == 0  # sharp: nothing to undo, nothing spent
    assert scene._unshaken(shaken) is not None and scene.spent.unshaken == 1
    assert scene._unshaken(shaken) is None and scene.spent.refused == 1  # past the budget: detected as captured
