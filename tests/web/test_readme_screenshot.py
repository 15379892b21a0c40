"""The README's screenshot: the page reading a synthetic card.

The real images may not be redistributed in documentation images (../shared/real/SOURCES.md), so the picture
shows a card made by ``chile_id_ocr.synth``. The generator prints its values on the specimen's design, so the
specimen's portrait, its small ghost portrait and its signature are blurred out of the synthetic photo before the
page reads it. Every run saves the screenshot under test-artifacts/web/; with ``CHILE_ID_OCR_WRITE_DOCS=1`` it
also replaces docs/web-page.png.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth import generate_front
from chile_id_ocr.synth.template import PORTRAIT_BOX
from service_support import Credentials
from web.page_support import FIELDS, REPO, as_shown, read_card, shown_values, sign_in, wait_for_result

SEED = 14  # a phone photo of a card tilted by about 20 degrees
TEMPLATE_SIZE = (674, 425)  # the specimen's pixels, in which the boxes below are given
GHOST_PORTRAIT_BOX = (535, 135, 625, 226)
SIGNATURE_BOX = (228, 306, 470, 372)
DOCS_IMAGE = REPO / "docs" / "web-page.png"
MAX_DOCS_BYTES = 200 * 1024


def synthetic_photo(template: Path) -> tuple[bytes, str]:
    """A synthetic phone photo of a card, the specimen's portraits and signature blurred; (JPEG bytes, "jpg")."""
    sample = generate_front(SEED, "photo", template)
    image = cv2.imdecode(np.frombuffer(sample.image, np.uint8), cv2.IMREAD_COLOR)
    width, height = TEMPLATE_SIZE
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    to_image = cv2.getPerspectiveTransform(corners, np.float32(sample.truth["card_quad"]))
    mask = np.zeros(image.shape[:2], np.uint8)
    for x0, y0, x1, y1 in (PORTRAIT_BOX, GHOST_PORTRAIT_BOX, SIGNATURE_BOX):
        box = cv2.perspectiveTransform(np.float32([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]]), to_image)
        cv2.fillConvexPoly(mask, box.astype(np.int32)[0], 255)
    blurred = cv2.GaussianBlur(image, (0, 0), sigmaX=max(image.shape) / 60)
    image[mask > 0] = blurred[mask > 0]
    # Cropped to the card and some of the desk around it, so that the card fills the screenshot.
    x, y, w, h = cv2.boundingRect(np.float32(sample.truth["card_quad"]))
    margin = max(w, h) // 8
    image = image[max(y - margin, 0) : y + h + margin, max(x - margin, 0) : x + w + margin]
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return encoded.tobytes(), "jpg"


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


def test_the_readme_screenshot(desktop: Any, creds: Credentials, real: Path, artifacts: Path, tmp_path: Path) -> None:
    image, ext = synthetic_photo(real / "specimen_front.jpg")
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
