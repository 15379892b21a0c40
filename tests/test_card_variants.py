"""What real cards print, read end to end: dates in every convention (MAYO and SEPT, MAY and SEP,
with or without the leading zero) come back exactly as printed; the foreigners' card is told by
its EXTRANJERO mark on the front and its visa line and IE document code on the back."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import numpy as np
import pytest

from chile_id_ocr import recognize
from chile_id_ocr.card.dates import REAL, SPECIMEN, DateStyle
from chile_id_ocr.synth import capture
from chile_id_ocr.synth.back import render_back
from chile_id_ocr.synth.identities import Identity, random_identity
from chile_id_ocr.synth.render import render_card
from chile_id_ocr.synth.template import prepared_template

pytestmark = pytest.mark.usefixtures("real")  # the generator draws on ../shared/real's specimen


def _identity(seed: int, **changes: object) -> Identity:
    return replace(random_identity(random.Random(f"identity-{seed}")), **changes)  # type: ignore[arg-type]


def _scan_front(identity: Identity, seed: int = 0) -> bytes:
    template = prepared_template()
    card, _ = render_card(identity, template, random.Random(seed))
    return capture.encode(capture.scan(card, np.asarray(template.alpha), np.random.default_rng(seed)))


def _scan_back(identity: Identity, seed: int = 0) -> tuple[bytes, dict[str, object]]:
    card, alpha, printed = render_back(identity, random.Random(seed))
    return capture.encode(capture.scan(card, alpha, np.random.default_rng(seed))), printed


@pytest.mark.parametrize(
    ("style", "printed"),
    [
        (REAL, ("08 MAYO 1975", "01 SEPT 2019", "08 MAYO 2029")),
        (SPECIMEN, ("8 MAY 1975", "1 SEP 2019", "8 MAY 2029")),
        (DateStyle(zero_pad=True, mayo=False, sept=False), ("08 MAY 1975", "01 SEP 2019", "08 MAY 2029")),
        (DateStyle(zero_pad=False, mayo=True, sept=True), ("8 MAYO 1975", "1 SEPT 2019", "8 MAYO 2029")),
    ],
    ids=["real", "specimen", "padded-short", "unpadded-long"],
)
def test_dates_come_back_exactly_as_printed(style: DateStyle, printed: tuple[str, str, str]) -> None:
    identity = _identity(
        11,
        nationality="CHILENA",
        birth=dt.date(1975, 5, 8),
        issue=dt.date(2019, 9, 1),
        expiry=dt.date(2029, 5, 8),
        date_style=style,
    )
    assert tuple(identity.format_date(d) for d in (identity.birth, identity.issue, identity.expiry)) == printed
    recognition = recognize(_scan_front(identity))
    result = recognition.to_api()
    assert (result["birth"], result["issue_date"], result["expiry_date"]) == printed
    assert recognition.iso_dates == {"birth": "1975-05-08", "issue_date": "2019-09-01", "expiry_date": "2029-05-08"}


@pytest.mark.parametrize("nationality", ["VENEZOLANA", "BOL"])
def test_the_foreigners_card_is_told_by_its_mark(nationality: str) -> None:
    identity = _identity(12, nationality=nationality)
    recognition = recognize(_scan_front(identity))
    details = recognition.details()
    assert recognition.to_api()["nationality"] == nationality
    assert details["card_type"] == "2013_foreigner"
    assert details["front"]["marks"] == ["EXTRANJERO"]  # type: ignore[index]


def test_a_nationals_card_has_no_mark() -> None:
    details = recognize(_scan_front(_identity(12, nationality="CHILENA"))).details()
    assert details["card_type"] == "2013_national"
    assert details["front"]["marks"] == []  # type: ignore[index]
    assert len(details["front"]["printed_words_read"]) >= 4  # type: ignore[index]


def test_the_foreigners_back_gives_its_visa() -> None:
    identity = _identity(13, nationality="PERUANA")
    image, printed = _scan_back(identity)
    details = recognize(image).details()
    back: dict = details["back"]  # type: ignore[assignment]
    text: dict = printed["back_text"]  # type: ignore[assignment]
    assert details["card_type"] == "2013_foreigner"
    assert back["mrz"]["document_code"] == "IE"
    assert back["back_text"]["visa"]["text"] == text["visa"]
    assert back["back_text"]["birthplace"] is None
    assert (back["back_text"]["profession"] or {"text": ""})["text"] == text["profession"]
