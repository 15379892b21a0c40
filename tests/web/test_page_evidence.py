"""The page asks for the crops and shows them, with the capture's assessment, in a real browser (Debian's chromium
through Playwright) against a real server on loopback; clearing forgets them."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from service_support import Credentials
from web.page_support import read_card, sign_in, wait_for_result


def _natural_size(page: Any, key: str) -> list[int]:
    image = page.locator(f"#crops figure[data-crop={key}] img")
    image.wait_for()
    page.wait_for_function(
        "key => document.querySelector(`#crops figure[data-crop=${key}] img`).complete", arg=key, timeout=10_000
    )
    return image.evaluate("img => [img.naturalWidth, img.naturalHeight]")  # type: ignore[no-any-return]


def _png_size(text: str) -> list[int]:
    data = base64.b64decode(text)
    return [int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")]  # the IHDR chunk


def test_the_page_shows_the_pictures_and_the_assessment(desktop: Any, creds: Credentials, real: Path) -> None:
    sign_in(desktop, creds)
    answer = read_card(desktop, real / "specimen_front.jpg")
    wait_for_result(desktop)
    crops = answer["details"]["crops"]
    assert set(crops) == {"portrait", "signature", "ghost_portrait"}  # the page asked for them
    for key in crops:
        # each picture is the service's PNG, decoded by the browser at its own size
        assert _natural_size(desktop, key) == _png_size(crops[key])
        assert desktop.locator(f"#crops figure[data-crop={key}] img").get_attribute("src").startswith("blob:")
    capture = answer["details"]["capture"]
    shown = desktop.locator("#capture p.capture")
    assert shown.get_attribute("data-kind") == capture["kind"]
    assert f"{round(capture['score'] * 100)} %" in shown.inner_text()
    assert "sets no threshold" in shown.inner_text()  # this server's operator set none

    desktop.get_by_role("button", name="Clear").click()
    assert desktop.locator("#crops figure").count() == 0
    assert desktop.locator("#capture").inner_text() == ""
