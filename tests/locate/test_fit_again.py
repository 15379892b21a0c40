"""Where only an alternative placed a row off is confirmed and not the fit itself, the fit is done
again inside its own corners (``front._again``): a card at a strong slant, found from a block of text
lines around it, is fitted with a side stretched, and only a placement a row off confirmed there."""

from __future__ import annotations

import pytest

from chile_id_ocr import recognize
from chile_id_ocr.locate import front
from chile_id_ocr.synth import generate_front

# A card tilted 37 degrees on ruled paper (dev hard): no outline, the card detector marks the paper
# too; the text block around the card is fitted with its far side a tenth of the card's width off.
_SLANTED = 5129


def _fields(image: bytes) -> dict[str, object]:
    result = recognize(image).to_api()
    result.pop("confidence")
    return result


def test_a_slanted_card_is_read_from_its_fit_done_again() -> None:
    sample = generate_front(_SLANTED, "hard")
    assert _fields(sample.image) == sample.truth["result"]


def test_without_the_fit_done_again_it_is_read_a_row_off(monkeypatch: pytest.MonkeyPatch) -> None:
    sample = generate_front(_SLANTED, "hard")
    monkeypatch.setattr(front, "_again", lambda *args: None)
    got = _fields(sample.image)
    assert got["surname"] != sample.truth["result"]["surname"]
    assert got["given_name"] != sample.truth["result"]["given_name"]
