"""Existing clients work unchanged: the official SDK with AK/SK, and raw HTTP with an IAM-style token."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkocr.v1 import ChileIdCardRequestBody, OcrClient, RecognizeChileIdCardRequest

from chile_id_ocr.result import FIELD_NAMES
from service_support import Credentials, ThreadServer


def sdk_client(server: ThreadServer, creds: Credentials, sk: str) -> OcrClient:
    credentials = BasicCredentials(creds.ak, sk, creds.project_id)
    return OcrClient.new_builder().with_credentials(credentials).with_endpoint(server.url).build()


def token_for(server: ThreadServer, creds: Credentials, project_id: str | None = None) -> requests.Response:
    user = {"name": creds.user, "password": creds.password, "domain": {"name": creds.domain}}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"id": project_id or creds.project_id}},
        }
    }
    return requests.post(f"{server.url}/v3/auth/tokens", json=body, timeout=30)


def test_official_sdk_reads_the_specimen(
    server: ThreadServer, creds: Credentials, specimen_b64: str, ground_truth: dict
) -> None:
    request = RecognizeChileIdCardRequest(body=ChileIdCardRequestBody(image=specimen_b64))
    response = sdk_client(server, creds, creds.sk).recognize_chile_id_card(request)
    result = response.result.to_dict()
    expected = ground_truth["specimen_front.jpg"]["result"]
    assert {k: result[k] for k in FIELD_NAMES} == expected
    assert set(result["confidence"]) == set(FIELD_NAMES)
    assert all(0.0 <= v <= 1.0 for v in result["confidence"].values())


def test_official_sdk_with_a_wrong_secret_key_gets_401(
    server: ThreadServer, creds: Credentials, specimen_b64: str
) -> None:
    request = RecognizeChileIdCardRequest(body=ChileIdCardRequestBody(image=specimen_b64))
    with pytest.raises(ClientRequestException) as caught:
        sdk_client(server, creds, "W" * 40).recognize_chile_id_card(request)
    assert caught.value.status_code == 401
    assert caught.value.error_code == "APIG.0301"


def test_raw_token_flow_reads_the_specimen(
    server: ThreadServer, creds: Credentials, specimen_b64: str, ground_truth: dict
) -> None:
    issued = token_for(server, creds)
    assert issued.status_code == 201
    token = issued.headers["X-Subject-Token"]
    assert issued.json()["token"]["project"]["id"] == creds.project_id
    url = f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card"
    headers = {"X-Auth-Token": token, "Content-Type": "application/json"}
    response = requests.post(url, json={"image": specimen_b64, "unknown_field": [1, 2]}, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["result"]  # no extension unless asked
    assert list(body["result"]) == [*FIELD_NAMES, "confidence"]
    assert {k: body["result"][k] for k in FIELD_NAMES} == ground_truth["specimen_front.jpg"]["result"]
    assert response.headers["X-Request-Id"]


def test_details_are_opt_in(server: ThreadServer, creds: Credentials, specimen_b64: str) -> None:
    token = token_for(server, creds).headers["X-Subject-Token"]
    url = f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card"
    response = requests.post(url, json={"image": specimen_b64, "details": True}, headers={"X-Auth-Token": token})
    assert response.status_code == 200
    details = response.json()["details"]
    assert details["side"] == "front"
    assert details["checks"]["run_check_digit_valid"] is False  # the specimen is inconsistent on purpose


def test_back_image_reads_both_sides(server: ThreadServer, creds: Credentials, real: Path, specimen_b64: str) -> None:
    token = token_for(server, creds).headers["X-Subject-Token"]
    back = base64.b64encode((real / "specimen_back.jpg").read_bytes()).decode()
    url = f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card"
    response = requests.post(url, json={"image": specimen_b64, "back_image": back}, headers={"X-Auth-Token": token})
    assert response.status_code == 200, response.text
    assert response.json()["result"]["number"] == "12.749.625-K"


def test_tampered_and_foreign_tokens_are_refused(server: ThreadServer, creds: Credentials, specimen_b64: str) -> None:
    token = token_for(server, creds).headers["X-Subject-Token"]
    prefix, payload, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["expires_at"] += 10**6
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    url = f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card"
    for bad in (f"{prefix}.{forged}.{mac}", token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
        response = requests.post(url, json={"image": specimen_b64}, headers={"X-Auth-Token": bad}, timeout=30)
        assert (response.status_code, response.json()["error_code"]) == (401, "ModelArts.0203")
    other = server.settings.open_store().create_project("other", creds.domain)
    foreign = token_for(server, creds, other.id).headers["X-Subject-Token"]
    response = requests.post(url, json={"image": specimen_b64}, headers={"X-Auth-Token": foreign}, timeout=30)
    assert (response.status_code, response.json()["error_code"]) == (401, "ModelArts.0203")


def test_wrong_password_gets_the_identity_error(server: ThreadServer, creds: Credentials) -> None:
    wrong = Credentials(**{**creds.__dict__, "password": "not-it"})
    response = token_for(server, wrong)
    assert response.status_code == 401
    assert "X-Subject-Token" not in response.headers
    assert response.json()["error"]["code"] == 401
