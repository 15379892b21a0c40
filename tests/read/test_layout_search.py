"""Finding the card among other text: its design's lines searched for in all the lines
detected in the frame, on the frame deblurred when it is smeared, and turned level along
the lines' directions when nothing else found it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chile_id_ocr import recognize
from chile_id_ocr.card.layouts import CARD_ASPECT, FRONT_2013, LineSpec
from chile_id_ocr.locate.layout_search import layout_candidates
from chile_id_ocr.locate.text_blocks import text_candidates
from chile_id_ocr.models.ocr import TextBox

_WIDTH, _LEFT, _TOP = 500.0, 600.0, 700.0  # the card in an unturned frame, px
_TURN = 33.0  # degrees: the frame's turn


def _turned(points: np.ndarray) -> np.ndarray:
    t = math.radians(_TURN)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]], np.float32)
    return (points @ rot.T).astype(np.float32)


def _box(x0: float, y0: float, x1: float, y1: float) -> TextBox:
    return TextBox(_turned(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)), 0.9)


def _card_line(spec: LineSpec) -> TextBox:
    height = _WIDTH / CARD_ASPECT
    x0 = _LEFT + spec.x0 * _WIDTH
    y0, y1 = _TOP + (spec.y - spec.height / 2) * height, _TOP + (spec.y + spec.height / 2) * height
    return _box(x0, y0, x0 + 0.12 * _WIDTH, y1)


def _handwriting() -> list[TextBox]:
    """A page of lines as tall as the card's values, at their pitch, all around the card and
    touching it: one block with the card's own lines."""
    height = 0.066 * _WIDTH / CARD_ASPECT
    pitch = 0.1 * _WIDTH / CARD_ASPECT
    rng = np.random.default_rng(1)
    lines = []
    for k in range(-12, 30):
        y = _TOP + k * pitch
        inside = _TOP - pitch < y < _TOP + _WIDTH / CARD_ASPECT
        for x0, x1 in ((0.0, _LEFT - 10.0), (_LEFT + _WIDTH + 10.0, 1800.0)) if inside else ((0.0, 1800.0),):
            start = x0 + rng.uniform(0, 60)
            lines.append(_box(start, y, x1 - rng.uniform(0, 60), y + height))
    return lines


def test_the_design_is_found_where_handwriting_joins_the_cards_block() -> None:
    boxes = [_card_line(spec) for spec in FRONT_2013.lines] + _handwriting()
    corners = _turned(
        np.array(
            [[_LEFT, _TOP], [_LEFT + _WIDTH, _TOP], [_LEFT + _WIDTH, _TOP + _WIDTH / CARD_ASPECT],
             [_LEFT, _TOP + _WIDTH / CARD_ASPECT]],
            np.float32,
        )
    )  # fmt: skip

    def error(quad: np.ndarray) -> float:
        """The largest distance from a card corner to the quadrilateral's nearest corner."""
        return float(max(np.linalg.norm(quad - corner, axis=1).min() for corner in corners))

    assert error(text_candidates(boxes)[0]) > 0.25 * _WIDTH  # the block took the page in
    assert error(layout_candidates(boxes, FRONT_2013)[0]) < 0.03 * _WIDTH


def _on_handwritten_page(seed: int, width_share: float, turn_deg: float) -> tuple[bytes, dict[str, object]]:
    """A generated card laid on a page of handwriting whose lines are as tall as its values,
    ``width_share`` of the frame wide, turned by ``turn_deg``; the photo's JPEG and the truth."""
    import random

    import cv2

    from chile_id_ocr.synth.backgrounds import paper
    from chile_id_ocr.synth.capture import composite
    from chile_id_ocr.synth.identities import random_identity
    from chile_id_ocr.synth.render import render_card
    from chile_id_ocr.synth.template import prepared_template

    template = prepared_template()
    identity = random_identity(random.Random(f"identity-{seed}"))
    card, _ = render_card(identity, template, random.Random(f"render-{seed}"))
    rng = np.random.default_rng(seed)
    frame = paper(rng, 2400, 1800)
    h, w = card.shape[:2]
    width = width_share * frame.shape[1]
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32) * (width / w)
    corners -= corners.mean(axis=0)
    t = math.radians(turn_deg)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]], np.float32)
    quad = corners @ rot.T + np.array([frame.shape[1] * 0.55, frame.shape[0] * 0.45], np.float32)
    composite(frame, card, np.asarray(template.alpha), quad)
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return jpeg.tobytes(), identity.result()


@pytest.mark.parametrize(
    ("width_share", "turn_deg"),
    [
        (0.3, 0.0),  # a small card among handwriting of its own text's size
        (0.3, 180.0),  # upside down: the text block sits off the card
        (0.28, 53.0),  # at a steep angle: found turned level
    ],
)
def test_cards_among_other_text_are_found(width_share: float, turn_deg: float) -> None:
    """A card on a handwritten page is found, confirmed and read, not the page around it."""
    image, truth = _on_handwritten_page(7, width_share, turn_deg)
    got = recognize(image).to_api()
    right = [name for name, value in truth.items() if got[name] == value]
    assert len(right) >= 8, right
