"""The crops and the capture's assessment over HTTP: opt-in, the contract unchanged for clients that do not ask,
and the operator's threshold deciding ``capture.flagged`` without touching the fields."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import requests

from chile_id_ocr.api.settings import Settings
from chile_id_ocr.models.recapture import recommended_threshold
from service_support import Credentials, ThreadServer, bootstrap, serving, token_of


def _read(server: ThreadServer, creds: Credentials, **body: Any) -> dict[str, Any]:
    response = requests.post(
        f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card",
        json=body,
        headers={"X-Auth-Token": token_of(server, creds)},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_without_asking_the_answer_is_the_contracts(
    server: ThreadServer, creds: Credentials, specimen_b64: str
) -> None:
    assert set(_read(server, creds, image=specimen_b64)) == {"result"}


def test_details_carry_the_assessment_but_no_pictures(
    server: ThreadServer, creds: Credentials, specimen_b64: str
) -> None:
    details = _read(server, creds, image=specimen_b64, details=True)["details"]
    assert "crops" not in details
    assert details["capture"]["kind"] in ("original", "screen", "photocopy", "printout")
    assert 0.0 <= details["capture"]["score"] <= 1.0
    assert "flagged" not in details["capture"]  # no threshold configured: no verdict


def test_crops_are_png_and_imply_details(server: ThreadServer, creds: Credentials, specimen_b64: str) -> None:
    body = _read(server, creds, image=specimen_b64, crops=True)
    crops = body["details"]["crops"]
    assert set(crops) == {"portrait", "signature", "ghost_portrait"}
    for text in crops.values():
        data = base64.b64decode(text, validate=True)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and min(image.shape[:2]) >= 40


def test_crops_must_be_a_boolean(server: ThreadServer, creds: Credentials, specimen_b64: str) -> None:
    response = requests.post(
        f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card",
        json={"image": specimen_b64, "crops": "yes"},
        headers={"X-Auth-Token": token_of(server, creds)},
        timeout=120,
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "AIS.0101"


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    """A server whose operator set the shipped threshold."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("strict"),
        database_url=None,
        workers=1,
        recapture_threshold=recommended_threshold(),
    )
    yield from serving(settings)


def test_a_configured_threshold_flags_without_touching_the_fields(
    server: ThreadServer, creds: Credentials, strict_server: ThreadServer, real: Path
) -> None:
    strict_creds = bootstrap(strict_server)
    for name in ("specimen_front.jpg", "test_card_b_front_photo.jpg"):
        image = base64.b64encode((real / name).read_bytes()).decode()
        plain = _read(server, creds, image=image, details=True)
        judged = _read(strict_server, strict_creds, image=image, details=True)
        assert judged["result"] == plain["result"]
        capture = judged["details"]["capture"]
        assert capture["flagged"] is (capture["score"] >= recommended_threshold())
        assert capture["flagged"] is False  # a real card, photographed or rendered: not a recapture
