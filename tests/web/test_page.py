"""The web page in a real browser (Debian's chromium through Playwright) against a real server on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from service_support import Credentials, ThreadServer
from web.page_support import (
    AXE,
    FIELDS,
    as_shown,
    assert_boxes_where_the_api_put_them,
    axe_violations,
    focused,
    missing,
    raw_json,
    read_card,
    shown_values,
    sign_in,
    tab_to,
    wait_for_result,
    whole_page_screenshot,
)


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        missing(f"axe-core is not installed at {AXE}")
    return AXE.read_text()


def test_a_wrong_password_is_refused(
    desktop: Any, server: ThreadServer, creds: Credentials, artifacts: Path, axe_source: str
) -> None:
    sign_in(desktop, creds, password="not-the-password")
    alert = desktop.locator("#sign-in-error")
    alert.wait_for()
    refused = requests.post(
        f"{server.url}/v3/auth/tokens",
        json={
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {"name": creds.user, "password": "not-the-password", "domain": {"name": "default"}}
                    },
                }
            }
        },
        timeout=10,
    )
    assert refused.status_code == 401
    text = alert.inner_text()
    assert "Sign-in refused" in text
    assert refused.json()["error"]["message"] in text  # the service's own words, shown as they are
    assert desktop.locator("#reader").is_hidden()
    assert focused(desktop) == "password"
    desktop.screenshot(path=str(artifacts / "sign-in-refused.png"))
    assert axe_violations(desktop, axe_source) == []


def test_the_specimen_front_and_back(
    desktop: Any,
    creds: Credentials,
    real: Path,
    ground_truth: dict[str, dict],
    artifacts: Path,
    axe_source: str,
) -> None:
    sign_in(desktop, creds)
    desktop.locator("#reader-title").wait_for()
    assert focused(desktop) == "reader-title"
    assert desktop.locator("#session-user").inner_text() == creds.user

    answer = read_card(desktop, real / "specimen_front.jpg", real / "specimen_back.jpg")
    wait_for_result(desktop)
    assert focused(desktop) == "result-title"
    assert raw_json(desktop) == answer  # the raw JSON is the API's answer, whole

    # The values: what the API answered, and what the specimen's ground truth says.
    truth = ground_truth["specimen_front.jpg"]["result"]
    values = shown_values(desktop)
    assert values == {name: as_shown(answer["result"][name]) for name in FIELDS}
    assert values == {name: as_shown(truth[name]) for name in FIELDS}

    # Confidence: one meter per field, its value the API's, its colour class the trust it earns.
    details = answer["details"]
    for name in FIELDS:
        item = desktop.locator(f"#fields li[data-field={name}]")
        confidence = answer["result"]["confidence"][name]
        assert float(item.locator("meter").get_attribute("value")) == pytest.approx(confidence)
        trust = "high" if confidence >= 0.9 else "medium" if confidence >= 0.6 else "low"
        assert f"trust-{trust}" in item.get_attribute("class")
        reason = details["fields"][name]["low_confidence_reason"]
        if reason:
            assert reason in item.inner_text()
        if trust != "high":
            assert item.locator(".reason").count() == 1  # every doubt says why

    # The specimen's front and back disagree on purpose: its MRZ gives birth 830221, the front 21 FEB 1982.
    mrz_birth = ground_truth["specimen_back.jpg"]["mrz"][1][:6]
    assert mrz_birth == "830221" and truth["birth"].endswith("1982")
    conflicts = {name for name, f in details["fusion"].items() if f["conflict"]}
    assert "birth" in conflicts
    flagged = {
        desktop.locator("#fields li.conflict").nth(i).get_attribute("data-field")
        for i in range(desktop.locator("#fields li.conflict").count())
    }
    assert flagged == conflicts
    note = desktop.locator("#fields li[data-field=birth] .conflict-note").inner_text()
    assert "21 FEB 1982" in note and "1983" in note

    # The checks, as the ground truth knows them.
    checks = desktop.locator("#checks").inner_text()
    assert "RUN check digit: does not match" in checks
    digit_words = {
        "document_number": "document number",
        "birth": "date of birth",
        "expiry": "date of expiry",
        "composite": "whole line (composite)",
    }
    for key, valid in ground_truth["specimen_back.jpg"]["mrz_check_digits"].items():
        assert f"MRZ check digit, {digit_words[key]}: {'matches' if valid else 'does not match'}" in checks
    assert "QR code (back): not a document-status link" in checks
    assert ground_truth["specimen_back.jpg"]["qr"] in checks
    assert "Front and back: disagree on Date of birth" in checks

    # The boxes drawn: the card's outline and one box per field that has one, where the API put them.
    assert_boxes_where_the_api_put_them(desktop, details, real / "specimen_front.jpg")

    desktop.screenshot(path=str(artifacts / "specimen-desktop.png"), full_page=True)
    assert axe_violations(desktop, axe_source) == []

    # Copy the raw JSON.
    desktop.context.grant_permissions(["clipboard-read", "clipboard-write"])
    desktop.locator("#raw summary").click()
    desktop.get_by_role("button", name="Copy JSON").click()
    assert desktop.evaluate("navigator.clipboard.readText()") == desktop.locator("#json").text_content()

    # Clear forgets the images and the results; nothing was ever stored.
    desktop.get_by_role("button", name="Clear").click()
    assert desktop.locator("#result").is_hidden()
    assert focused(desktop) == "front-file"
    assert desktop.evaluate("() => [...document.images].filter(i => i.getAttribute('src')).map(i => i.id)") == []
    assert desktop.locator("#json").text_content() == ""
    assert desktop.evaluate("localStorage.length + sessionStorage.length") == 0
    assert desktop.evaluate("document.cookie") == ""
    assert desktop.context.cookies() == []


def test_a_file_that_is_not_an_image(desktop: Any, creds: Credentials, artifacts: Path) -> None:
    sign_in(desktop, creds)
    desktop.locator("#reader-title").wait_for()
    # Dropped on the front's zone, as from a file manager.
    desktop.evaluate(
        """() => {
             const files = new DataTransfer();
             files.items.add(new File(['not an image'], 'notes.txt', {type: 'text/plain'}));
             const zone = document.getElementById('front-drop');
             for (const type of ['dragover', 'drop']) {
               zone.dispatchEvent(new DragEvent(type, {dataTransfer: files, bubbles: true, cancelable: true}));
             }
           }"""
    )
    assert "notes.txt" in desktop.locator("#front-name").inner_text()
    with desktop.expect_response(lambda r: r.url.endswith("/ocr/chile-id-card")) as response:
        desktop.get_by_role("button", name="Read the card").click()
    answer = response.value.json()
    assert answer["error_code"] == "AIS.0102"
    alert = desktop.locator("#error")
    alert.wait_for()
    text = alert.inner_text()
    assert "This file is not an image the service can read" in text  # plain words
    assert answer["error_msg"] in text and "AIS.0102" in text  # and the contract's message and code
    assert desktop.locator("#result").is_hidden()
    desktop.screenshot(path=str(artifacts / "not-an-image.png"))


def with_exif_orientation(source: Path, target: Path) -> Path:
    """``source`` re-saved with an EXIF orientation tag of 6 (turn 90 degrees) over unchanged pixels, as phones
    write (the real test card's photos carry one): the service ignores the tag, and so must the page."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6
    with Image.open(source) as image:
        image.save(target, "JPEG", quality=95, exif=exif.tobytes())
    return target


def test_keyboard_only_on_a_phone(
    phone: Any, creds: Credentials, real: Path, artifacts: Path, axe_source: str, tmp_path: Path
) -> None:
    photo = with_exif_orientation(real / "specimen_front.jpg", tmp_path / "phone_photo.jpg")
    # A listener from the start: Chromium then hands every file chooser to Playwright (enabling that only
    # while a key is pressed races with the key).
    phone.on("filechooser", lambda _: None)
    tab_to(phone, "user")
    phone.keyboard.type(creds.user)
    tab_to(phone, "password")
    phone.keyboard.type(creds.password)
    phone.keyboard.press("Enter")
    phone.locator("#reader-title").wait_for()
    assert focused(phone) == "reader-title"

    tab_to(phone, "front-file")
    with phone.expect_file_chooser() as chooser:
        phone.keyboard.press("Space")
    chooser.value.set_files(str(photo))
    assert "phone_photo.jpg" in phone.locator("#front-name").inner_text()
    tab_to(phone, "front-camera")  # on a touch screen, the camera is one key away
    assert phone.locator("#front-camera").get_attribute("capture") == "environment"
    tab_to(phone, "read")
    with phone.expect_response(lambda r: r.url.endswith("/ocr/chile-id-card"), timeout=120_000) as answer:
        phone.keyboard.press("Enter")
    assert answer.value.status == 200
    wait_for_result(phone)
    assert focused(phone) == "result-title"
    assert_boxes_where_the_api_put_them(phone, answer.value.json()["details"], photo)
    assert phone.locator("#status").inner_text().startswith("Card read (front)")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    whole_page_screenshot(phone, artifacts / "specimen-phone.png")
    assert axe_violations(phone, axe_source) == []

    tab_to(phone, "clear")
    phone.keyboard.press("Enter")
    assert phone.locator("#result").is_hidden()
    assert focused(phone) == "front-file"


def test_a_user_of_several_projects_chooses_one(desktop: Any, server: ThreadServer) -> None:
    store = server.settings.open_store()
    store.create_project("kyc", "bank")
    store.create_project("audit", "bank", enabled=False)
    store.create_user("ana", "bank", "ana-password-1")
    store.engine.dispose()

    desktop.get_by_label("User name").fill("ana")
    desktop.get_by_label("Password").fill("ana-password-1")
    desktop.get_by_label("Domain").fill("bank")
    desktop.get_by_role("button", name="Sign in").click()
    choice = desktop.get_by_label("Project")
    choice.wait_for()
    assert focused(desktop) == "project"
    options = choice.locator("option").all_inner_texts()
    assert sorted(options) == ["audit (service not enabled)", "kyc"]
    assert choice.locator("option:checked").inner_text() == "kyc"  # the one with the service comes first
    desktop.get_by_role("button", name="Sign in").click()
    desktop.locator("#reader-title").wait_for()
    assert desktop.locator("#session-project").inner_text() == "kyc"
    assert desktop.get_by_label("Password").input_value() == ""  # the password is not kept

    desktop.get_by_role("button", name="Sign out").click()
    assert desktop.locator("#reader").is_hidden() and desktop.locator("#session").is_hidden()
    assert focused(desktop) == "password"
