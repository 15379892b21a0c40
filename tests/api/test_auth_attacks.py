"""Authentication attacks against a real server on loopback: forged, stale, replayed and swapped signatures
(signed by the official SDK's own signer, ``huaweicloudsdkcore``), forged and expired tokens, and the token
endpoint's limits (per address, per user, constant work for unknown users, no token for a disabled project).

Every attack must be refused with the contract's code, and nothing must be read.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkocr.v1 import ChileIdCardRequestBody, OcrClient, RecognizeChileIdCardRequest

from chile_id_ocr.api.auth import TokenCodec
from chile_id_ocr.api.settings import Settings
from chile_id_ocr.store import credentials as store_credentials
from service_support import Credentials, ThreadServer, bootstrap, serving

CHEAP = {"image": base64.b64encode(b"not an image").decode()}  # read as far as the worker: AIS.0102


def card_path(creds: Credentials, project_id: str | None = None) -> str:
    return f"/v2/{project_id or creds.project_id}/ocr/chile-id-card"


def sdk_sign(
    server: ThreadServer,
    creds: Credentials,
    body: bytes,
    *,
    path: str | None = None,
    headers: dict[str, str] | None = None,
    at: datetime | None = None,
    sk: str | None = None,
) -> dict[str, str]:
    """The headers the official SDK's signer puts on ``POST path`` with ``body`` (every header is signed)."""
    params = {"Content-Type": "application/json", **(headers or {})}
    if at is not None:
        params["X-Sdk-Date"] = at.strftime("%Y%m%dT%H%M%SZ")
    request = SdkRequest(
        method="POST",
        schema="http",
        host=f"127.0.0.1:{server.port}",
        resource_path=path or card_path(creds),
        query_params=[],
        header_params=params,
        body=body,
    )
    signed = Signer(BasicCredentials(creds.ak, sk or creds.sk)).sign(request)
    return dict(signed.header_params)


def send(server: ThreadServer, path: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{server.url}{path}", data=body, headers=headers, timeout=60)


def refused(response: requests.Response, code: str = "APIG.0301", status: int = 401) -> bool:
    return (response.status_code, response.json().get("error_code")) == (status, code)


# --- signatures ------------------------------------------------------------------------------------------------


def test_a_request_signed_by_the_sdk_signer_is_accepted(server: ThreadServer, creds: Credentials) -> None:
    body = json.dumps(CHEAP).encode()
    response = send(server, card_path(creds), body, sdk_sign(server, creds, body))
    assert refused(response, "AIS.0102", 400), response.text  # authenticated: it reached the worker


def test_unsigned_body_hash_header_cannot_swap_the_body(server: ThreadServer, creds: Credentials) -> None:
    """Defect 2: a captured request replayed with another body and X-Sdk-Content-Sha256 of the original."""
    original = json.dumps(CHEAP).encode()
    headers = sdk_sign(server, creds, original)
    swapped = json.dumps({"image": base64.b64encode(b"another body").decode()}).encode()
    headers["X-Sdk-Content-Sha256"] = hashlib.sha256(original).hexdigest()  # not among SignedHeaders
    assert refused(send(server, card_path(creds), swapped, headers))


def test_signed_body_hash_header_must_match_the_body(server: ThreadServer, creds: Credentials) -> None:
    original = json.dumps(CHEAP).encode()
    swapped = json.dumps({"image": base64.b64encode(b"another body").decode()}).encode()
    claimed = {"X-Sdk-Content-Sha256": hashlib.sha256(original).hexdigest()}
    headers = sdk_sign(server, creds, swapped, headers=claimed)  # the header is signed, the hash is the original's
    assert "x-sdk-content-sha256" in headers["Authorization"]
    assert refused(send(server, card_path(creds), swapped, headers))
    unsigned = sdk_sign(server, creds, swapped, headers={"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"})
    assert refused(send(server, card_path(creds), swapped, unsigned))


def _tamper(server: ThreadServer, creds: Credentials, how: str) -> requests.Response:
    body = json.dumps(CHEAP).encode()
    headers = sdk_sign(server, creds, body)
    path = card_path(creds)
    if how == "body changed":
        body = body.replace(b"}", b', "details": true}')
    elif how == "host changed":
        headers["Host"] = "evil.example"
    elif how == "path changed":
        path = card_path(creds, "0" * 32)
    elif how == "query added":
        path += "?details=true"
    elif how == "signature truncated":
        headers["Authorization"] = headers["Authorization"][:-2]
    elif how == "signature of zeros":
        headers["Authorization"] = headers["Authorization"].rsplit("=", 1)[0] + "=" + "0" * 64
    elif how == "date changed":
        headers["X-Sdk-Date"] = (datetime.now(UTC) - timedelta(seconds=30)).strftime("%Y%m%dT%H%M%SZ")
    elif how == "date not signed":
        headers["Authorization"] = headers["Authorization"].replace("x-sdk-date;", "").replace(";x-sdk-date", "")
    elif how == "access key of another":
        headers["Authorization"] = headers["Authorization"].replace(creds.ak, "A" * 20)
    elif how == "malformed header":
        headers["Authorization"] = "SDK-HMAC-SHA256 " + headers["Authorization"].split(" ", 1)[1].replace(", ", " ")
    elif how == "other algorithm":
        headers["Authorization"] = headers["Authorization"].replace("SDK-HMAC-SHA256", "SDK-HMAC-SM3")
    return send(server, path, body, headers)


TAMPERING = (
    "body changed",
    "host changed",
    "path changed",
    "query added",
    "signature truncated",
    "signature of zeros",
    "date changed",
    "date not signed",
    "access key of another",
    "malformed header",
    "other algorithm",
)


@pytest.mark.parametrize("how", TAMPERING)
def test_tampered_signed_request_is_refused(server: ThreadServer, creds: Credentials, how: str) -> None:
    response = _tamper(server, creds, how)
    assert refused(response), (how, response.status_code, response.text)


@pytest.mark.parametrize("minutes", [-16, 16, -60 * 24, 60 * 24 * 365])
def test_stale_or_future_dates_are_refused(server: ThreadServer, creds: Credentials, minutes: int) -> None:
    body = json.dumps(CHEAP).encode()
    headers = sdk_sign(server, creds, body, at=datetime.now(UTC) + timedelta(minutes=minutes))
    assert refused(send(server, card_path(creds), body, headers))


def test_replay_within_the_window(server: ThreadServer, creds: Credentials) -> None:
    """By default an identical signed request is accepted again within the 15-minute window, as the cloud's
    gateway does (README); with ``CHILE_ID_OCR_SIGNATURE_REPLAY_CACHE`` the second use is refused."""
    body = json.dumps(CHEAP).encode()
    headers = sdk_sign(server, creds, body)
    assert refused(send(server, card_path(creds), body, headers), "AIS.0102", 400)
    assert refused(send(server, card_path(creds), body, headers), "AIS.0102", 400)
    authenticator = server.app.state.services.auth
    authenticator.replay_cache = True
    try:
        fresh = sdk_sign(server, creds, body, at=datetime.now(UTC) - timedelta(seconds=1))
        assert refused(send(server, card_path(creds), body, fresh), "AIS.0102", 400)
        replayed = send(server, card_path(creds), body, fresh)
        assert refused(replayed) and "already used" in replayed.json()["error_msg"]
    finally:
        authenticator.replay_cache = False


def test_official_sdk_client_with_a_revoked_key_is_refused(server: ThreadServer, creds: Credentials) -> None:
    store = server.settings.open_store()
    ak, sk = store.create_access_key(creds.user, creds.domain)
    store.revoke_access_key(ak)
    store.engine.dispose()
    client = (
        OcrClient.new_builder()
        .with_credentials(BasicCredentials(ak, sk, creds.project_id))
        .with_endpoint(server.url)
        .build()
    )
    request = RecognizeChileIdCardRequest(body=ChileIdCardRequestBody(image=CHEAP["image"]))
    with pytest.raises(ClientRequestException) as caught:
        client.recognize_chile_id_card(request)
    assert (caught.value.status_code, caught.value.error_code) == (401, "APIG.0301")


# --- tokens ----------------------------------------------------------------------------------------------------


def _token_body(creds: Credentials, password: str | None = None, user: str | None = None, project: str = "") -> dict:
    identity_user = {
        "name": user or creds.user,
        "password": creds.password if password is None else password,
        "domain": {"name": creds.domain},
    }
    auth: dict = {"identity": {"methods": ["password"], "password": {"user": identity_user}}}
    auth["scope"] = {"project": {"id": project or creds.project_id}}
    return {"auth": auth}


def test_forged_and_expired_tokens_are_refused(server: ThreadServer, creds: Credentials) -> None:
    store = server.settings.open_store()
    codec = TokenCodec(store.master_key.token_key(), 3600)
    user = store.authenticate(creds.user, creds.domain, creds.password)
    store.engine.dispose()
    assert user is not None
    expired, _ = codec.issue(user, creds.project_id, datetime.now(UTC) - timedelta(hours=2))
    other_key, _ = TokenCodec(b"k" * 32, 3600).issue(user, creds.project_id, datetime.now(UTC))
    valid, _ = codec.issue(user, creds.project_id, datetime.now(UTC))
    prefix, payload, mac = valid.split(".")
    cases = {
        expired: "ModelArts.0203",
        other_key: "ModelArts.0203",
        f"{prefix}.{payload}.": "ModelArts.0203",
        f"{prefix}.{payload}": "ModelArts.4102",
        f"CIO2.{payload}.{mac}": "ModelArts.4102",
        f"{prefix}.{payload}.{mac}\r\nX-Injected: 1": "ModelArts.4102",
    }
    url = f"{server.url}{card_path(creds)}"
    for token, code in cases.items():
        if "\r" in token:
            continue  # requests refuses to send a header with CR/LF: nothing to test on the server
        response = requests.post(url, json=CHEAP, headers={"X-Auth-Token": token}, timeout=30)
        assert refused(response, code), (token[:12], response.text)


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadServer, Credentials]]:
    """A server with small token limits (the session server's are lifted for the other tests)."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("limited"),
        workers=1,
        token_ip_burst=10,
        token_ip_per_minute=6,
        token_user_failures=3,
        token_user_refill_seconds=600,
    )
    for running in serving(settings):
        yield running, bootstrap(running)


def test_token_endpoint_limits_wrong_passwords_per_user(limited: tuple[ThreadServer, Credentials]) -> None:
    """Defect 3: three wrong passwords, then 429 with Retry-After for that user, known or not, without
    hashing; another user is not affected."""
    server, creds = limited
    url = f"{server.url}/v3/auth/tokens"
    for _ in range(3):
        assert requests.post(url, json=_token_body(creds, password="wrong"), timeout=30).status_code == 401
    locked = requests.post(url, json=_token_body(creds), timeout=30)  # even the right password, for now
    assert refused(locked, "APIG.0308", 429)
    assert int(locked.headers["Retry-After"]) >= 1
    for _ in range(3):
        assert requests.post(url, json=_token_body(creds, user="nobody"), timeout=30).status_code == 401
    assert refused(requests.post(url, json=_token_body(creds, user="nobody"), timeout=30), "APIG.0308", 429)


def test_token_endpoint_limits_each_client_address(limited: tuple[ThreadServer, Credentials]) -> None:
    server, _ = limited
    url = f"{server.url}/v3/auth/tokens"
    statuses = [requests.post(url, json={"auth": {}}, timeout=30).status_code for _ in range(12)]
    assert 429 in statuses
    throttled = requests.post(url, json={"auth": {}}, timeout=30)
    assert refused(throttled, "APIG.0308", 429) and int(throttled.headers["Retry-After"]) >= 1


def test_unknown_user_costs_a_password_hash(server: ThreadServer, creds: Credentials) -> None:
    """An unknown name is checked against a dummy hash, as slow as a wrong password: no enumeration by timing.
    (Counted, not timed: the verifications are counted by wrapping the real argon2 check.)"""
    calls: list[str] = []
    real = store_credentials.verify_password

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password_hash[:9])
        return real(password_hash, password)

    store_credentials.verify_password = counting  # type: ignore[assignment]
    try:
        url = f"{server.url}/v3/auth/tokens"
        assert requests.post(url, json=_token_body(creds, user=f"ghost-{os.urandom(4).hex()}"), timeout=30).ok is False
        assert requests.post(url, json=_token_body(creds, password="wrong"), timeout=30).status_code == 401
    finally:
        store_credentials.verify_password = real  # type: ignore[assignment]
    assert calls == ["$argon2id", "$argon2id"]


def test_no_token_for_a_project_without_the_service(server: ThreadServer, creds: Credentials) -> None:
    store = server.settings.open_store()
    project = store.create_project(f"off-{os.urandom(3).hex()}", creds.domain, enabled=False)
    store.engine.dispose()
    response = requests.post(f"{server.url}/v3/auth/tokens", json=_token_body(creds, project=project.id), timeout=30)
    assert response.status_code == 403 and "X-Subject-Token" not in response.headers
    assert response.json()["error"]["code"] == 403


def test_nested_json_to_the_token_endpoint_is_a_400(server: ThreadServer) -> None:
    body = b'{"auth": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = requests.post(f"{server.url}/v3/auth/tokens", data=body, timeout=30)
    assert response.status_code == 400 and response.json()["error"]["code"] == 400
