"""The README's screenshot: the page reading a synthetic card.

The real images may not be redistributed in documentation images (../shared/real/SOURCES.md), so the picture
shows a card drawn entirely by ``chile_id_ocr.synth.designs``: the 2013 design's labels and values on a
background, portrait silhouette and artwork of that code's own, not one pixel of the specimen. Every run saves
the screenshot under test-artifacts/web/; with ``CHILE_ID_OCR_WRITE_DOCS=1`` it also replaces docs/web-page.png.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth.designs import DESIGN_2013, generate_design_front
from service_support import Credentials
from web.page_support import FIELDS, REPO, as_shown, read_card, shown_values, sign_in, wait_for_result

SEED = 14
DOCS_IMAGE = REPO / "docs" / "web-page.png"
MAX_DOCS_BYTES = 200 * 1024


def synthetic_photo() -> tuple[bytes, str]:
    """A phone photo of a card drawn by this project's own code, cropped to the card and some of
    the desk around it so that the card fills the screenshot; (JPEG bytes, "jpg")."""
    encoded, truth = generate_design_front(SEED, DESIGN_2013.name, "photo")
    image = cv2.imdecode(np.frombuffer(encoded, np.uint8), cv2.IMREAD_COLOR)
    x, y, w, h = cv2.boundingRect(np.float32(truth["card_quad"]))
    margin = max(w, h) // 8
    image = image[max(y - margin, 0) : y + h + margin, max(x - margin, 0) : x + w + margin]
    ok, out = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return out.tobytes(), "jpg"


def small_png(png: bytes, width: int) -> bytes:
    """``png`` scaled to ``width`` and reduced to a 256-colour palette (README images stay small)."""
    from PIL import Image

    picture = Image.open(io.BytesIO(png)).convert("RGB")
    picture = picture.resize((width, round(picture.height * width / picture.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, "PNG", optimize=True
    )
    return out.getvalue()


def test_the_readme_screenshot(desktop: Any, creds: Credentials, artifacts: Path, tmp_path: Path) -> None:
    image, ext = synthetic_photo()
    card = tmp_path / f"synthetic-card.{ext}"
    card.write_bytes(image)
    sign_in(desktop, creds)
    desktop.locator("#reader-title").wait_for()
    answer = read_card(desktop, card)
    wait_for_result(desktop)
    assert shown_values(desktop) == {name: as_shown(answer["result"][name]) for name in FIELDS}
    assert desktop.locator("#overlay polygon.field-box").count() >= 1
    assert desktop.locator("#overlay polygon.card-outline").count() == 1

    desktop.set_viewport_size({"width": 1100, "height": 900})
    shot = desktop.locator("#result").screenshot()
    png = small_png(shot, 900)
    (artifacts / "readme-synthetic.png").write_bytes(png)
    assert len(png) < MAX_DOCS_BYTES
    if os.environ.get("CHILE_ID_OCR_WRITE_DOCS") == "1":
        DOCS_IMAGE.parent.mkdir(exist_ok=True)
        DOCS_IMAGE.write_bytes(png)
