"""A front whose design is not known is read from its labels wherever they are: generated fronts
with the 2013 design's labels and values moved to other places (``synth/designs.py``)."""

from __future__ import annotations

import pytest

from chile_id_ocr import recognize
from chile_id_ocr.synth.designs import DESIGN_2013, MOVED, generate_design_front

FIELDS = ("surname", "given_name", "nationality", "sex", "birth", "document_number", "issue_date", "expiry_date",
          "number")  # fmt: skip


@pytest.mark.parametrize("design", [d.name for d in MOVED])
def test_a_moved_layout_is_read_from_its_labels(design: str) -> None:
    image, truth = generate_design_front(21, design)
    recognition = recognize(image)
    result = recognition.to_api()
    confidence = result.pop("confidence")
    assert {name: result[name] for name in FIELDS} == truth["result"]
    assert recognition.card_type.value == "unknown_layout"
    assert max(confidence.values()) < 0.9  # found next to its label, not where a known design puts it


def test_the_2013_design_on_a_background_of_our_own_is_read_as_the_2013_design() -> None:
    image, truth = generate_design_front(23, DESIGN_2013.name)
    recognition = recognize(image)
    result = recognition.to_api()
    result.pop("confidence")
    assert result == truth["result"]
    assert recognition.card_type.value in ("2013_national", "2013_foreigner")


def test_a_moved_layout_upside_down_is_read_from_its_labels() -> None:
    """The card's lines are detected once per candidate and turned with it for the upside-down
    try (``locate/labels.py``): the labels are found on the turned card all the same."""
    import cv2
    import numpy as np

    image, truth = generate_design_front(21, MOVED[0].name)
    turned = cv2.rotate(cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR), cv2.ROTATE_180)
    recognition = recognize(cv2.imencode(".png", turned)[1].tobytes())
    result = recognition.to_api()
    result.pop("confidence")
    assert {name: result[name] for name in FIELDS} == truth["result"]
    assert recognition.card_type.value == "unknown_layout"


@pytest.mark.parametrize(("design", "seed"), [("moved_a", 5007), ("moved_b", 5003)])
def test_a_2024_document_number_is_read_without_the_card_reader(design: str, seed: int) -> None:
    """The card reader was trained on 2013 fronts, whose document numbers are all digits: it takes a
    2024 number's W for a V or an N. A number that reads as the 2024 format is read again by the
    general classifier alone."""
    image, truth = generate_design_front(seed, design)
    number = truth["result"]["document_number"]
    assert "W" in number  # the letter the card reader misreads
    got = recognize(image).fields["document_number"]
    assert got.value == number
