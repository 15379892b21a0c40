"""What the browser tests do on the page, as a person would: sign in, choose images, read, look."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from chile_id_ocr.result import FIELD_NAMES
from service_support import Credentials

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / ".venv" / "web-test" / "node_modules" / "axe-core" / "axe.min.js"

FIELDS = FIELD_NAMES
CARD_ROUTE = "/ocr/chile-id-card"


def missing(what: str) -> None:
    """Fail under CI (``scripts/setup.sh --test`` installs everything these tests need), skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (run scripts/setup.sh --test)")
    pytest.skip(what)


def sign_in(page: Any, creds: Credentials, password: str | None = None) -> None:
    page.get_by_label("User name").fill(creds.user)
    page.get_by_label("Password").fill(creds.password if password is None else password)
    page.get_by_role("button", name="Sign in").click()


def read_card(page: Any, front: Path, back: Path | None = None) -> dict[str, Any]:
    """Choose the images, press "Read the card"; the API's answer as the browser received it."""
    page.locator("#front-file").set_input_files(str(front))
    if back is not None:
        page.locator("#back-file").set_input_files(str(back))
    with page.expect_response(lambda r: r.url.endswith(CARD_ROUTE), timeout=120_000) as answer:
        page.get_by_role("button", name="Read the card").click()
    return answer.value.json()  # type: ignore[no-any-return]


def wait_for_result(page: Any) -> None:
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)


def shown_values(page: Any) -> dict[str, str]:
    """Each field's value as the page shows it."""
    return {name: page.locator(f"#fields li[data-field={name}] .value").inner_text().strip() for name in FIELDS}


def as_shown(value: str | list[str]) -> str:
    return " ".join(value) if isinstance(value, list) else value


def raw_json(page: Any) -> dict[str, Any]:
    return json.loads(page.locator("#json").text_content())  # type: ignore[no-any-return]


def focused(page: Any) -> str:
    """The id of the focused element."""
    return str(page.evaluate("document.activeElement ? document.activeElement.id : ''"))


def tab_to(page: Any, element_id: str, limit: int = 40) -> None:
    """Press Tab until ``element_id`` has the focus (keyboard only); fails when it never does."""
    for _ in range(limit):
        if focused(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} never got the focus by Tab (last: #{focused(page)})")


def axe_violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA and best-practice violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # evaluated by the browser's debugger, so the page's CSP does not apply
    found = page.evaluate(
        """async () => (await axe.run(document, {
               runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
           })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
    )
    return list(found)


def whole_page_screenshot(page: Any, path: Path) -> None:
    """The whole page, by making the viewport as tall as the page (Playwright's full-page capture would drop a
    phone's touch emulation, and with it the camera buttons)."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": page.evaluate("document.documentElement.scrollHeight")})
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def drawn_boxes(page: Any, file_width: int) -> dict[str, tuple[float, float, float, float]]:
    """Each field box's extent on screen, in the pixels of the image file (``file_width`` wide)."""
    found = page.evaluate(
        """(fileWidth) => {
             const shown = document.getElementById('front-image').getBoundingClientRect();
             const scale = shown.width / fileWidth;
             return [...document.querySelectorAll('#overlay polygon.field-box')].map(p => {
               const r = p.getBoundingClientRect();
               return [p.dataset.field, (r.left - shown.left) / scale, (r.top - shown.top) / scale,
                       (r.right - shown.left) / scale, (r.bottom - shown.top) / scale];
             });
           }""",
        file_width,
    )
    return {name: (left, top, right, bottom) for name, left, top, right, bottom in found}


def assert_boxes_where_the_api_put_them(page: Any, details: dict[str, Any], image: Path) -> None:
    """One box per field the API located, drawn over the image where the API's coordinates (the file's pixels,
    EXIF orientation ignored, as the service reads them) say."""
    from PIL import Image

    with Image.open(image) as opened:
        width, height = opened.size  # the stored pixels, whatever the EXIF orientation tag says
    shown = page.locator("#front-image").bounding_box()
    assert shown["width"] / shown["height"] == pytest.approx(width / height, rel=0.02)  # drawn as stored
    boxes = {name: f["box"] for name, f in details["fields"].items() if f["box"]}
    assert boxes, "the API located no field"
    assert page.locator("#overlay polygon.card-outline").count() == (1 if details["card_quad"] else 0)
    drawn = drawn_boxes(page, width)
    assert drawn.keys() == boxes.keys()
    for name, box in boxes.items():
        xs, ys = [x for x, _ in box], [y for _, y in box]
        expected = (min(xs), min(ys), max(xs), max(ys))
        assert drawn[name] == pytest.approx(expected, abs=4), name  # within the stroke's width
