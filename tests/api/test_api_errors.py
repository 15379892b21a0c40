"""Every error code of the contract is produced by some request, with its HTTP status."""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from PIL import Image

from chile_id_ocr.api import auth
from chile_id_ocr.api.errors import CODES
from service_support import Credentials, ImageServer, ThreadServer


@dataclass
class Client:
    server: ThreadServer
    creds: Credentials
    images: ImageServer
    specimen_b64: str
    real: Path

    @property
    def card_url(self) -> str:
        return f"{self.server.url}/v2/{self.creds.project_id}/ocr/chile-id-card"

    def token(self) -> str:
        user = {"name": self.creds.user, "password": self.creds.password, "domain": {"name": self.creds.domain}}
        body = {
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": user}},
                "scope": {"project": {"id": self.creds.project_id}},
            }
        }
        return requests.post(f"{self.server.url}/v3/auth/tokens", json=body, timeout=30).headers["X-Subject-Token"]

    def post(self, body: object, url: str | None = None, token: str | None = None) -> requests.Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "X-Auth-Token": token if token is not None else self.token()}
        return requests.post(url or self.card_url, data=data, headers=headers, timeout=60)

    def signed(
        self, body: dict, sk: str | None = None, ak: str | None = None, at: datetime | None = None
    ) -> requests.Response:
        """A request signed as the SDK signs it (by our verifier's own functions; the SDK test covers the rest)."""
        data = json.dumps(body).encode()
        host = f"127.0.0.1:{self.server.port}"
        date = (at or datetime.now(UTC)).strftime(auth.DATE_FORMAT)
        headers = {"content-type": "application/json", "host": host, "x-sdk-date": date}
        path = f"/v2/{self.creds.project_id}/ocr/chile-id-card"
        signed_names = tuple(sorted(headers))
        canonical = auth.canonical_request(auth.SignedRequest("POST", path, "", headers, data), signed_names)
        signature = auth.sign(sk or self.creds.sk, auth.string_to_sign(canonical, date))
        access = ak or self.creds.ak
        headers["Authorization"] = (
            f"SDK-HMAC-SHA256 Access={access}, SignedHeaders={';'.join(signed_names)}, Signature={signature}"
        )
        return requests.post(self.card_url, data=data, headers=headers, timeout=60)


@pytest.fixture()
def client(server: ThreadServer, creds: Credentials, images: ImageServer, specimen_b64: str, real: Path) -> Client:
    return Client(server, creds, images, specimen_b64, real)


def _png(width: int, height: int, color: int = 255) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (color, color, color)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _disabled_project(c: Client) -> requests.Response:
    """A token got while the project had the service, used after it was disabled (none is issued after)."""
    store = c.server.settings.open_store()
    project = store.create_project(f"off-{os.urandom(3).hex()}", c.creds.domain, enabled=True)
    user = {"name": c.creds.user, "password": c.creds.password, "domain": {"name": c.creds.domain}}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"id": project.id}},
        }
    }
    token = requests.post(f"{c.server.url}/v3/auth/tokens", json=body, timeout=30).headers["X-Subject-Token"]
    store.set_service(project.id, False)
    store.engine.dispose()
    refused = requests.post(f"{c.server.url}/v3/auth/tokens", json=body, timeout=30)
    assert refused.status_code == 403 and "X-Subject-Token" not in refused.headers
    return c.post({"image": c.specimen_b64}, url=c.card_url.replace(c.creds.project_id, project.id), token=token)


def _declared_too_large(c: Client) -> tuple[int, str]:
    """Headers announcing a body over the limit: refused before a byte of it is read."""
    conn = http.client.HTTPConnection("127.0.0.1", c.server.port, timeout=30)
    conn.putrequest("POST", f"/v2/{c.creds.project_id}/ocr/chile-id-card")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("X-Auth-Token", c.token())
    conn.putheader("Content-Length", str(c.server.settings.max_body_bytes + 1))
    conn.endheaders()
    response = conn.getresponse()
    return response.status, json.loads(response.read())["error_code"]


def _dead(pid: int) -> bool:
    """The process is gone, or a zombie not yet reaped: either way it will never take another job."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # the state follows "(command)", which may hold spaces


def _worker_killed(c: Client) -> requests.Response:
    """A recognition worker that dies (OOM killer, crash) gives AIS.0105 with 503 (retry), and the pool is
    replaced."""
    token = c.token()
    workers = c.server.app.state.services.pool.worker_pids()
    assert workers, "no recognition worker found"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10.0  # SIGKILL takes effect at once: seconds are plenty on a loaded machine
    while alive := [pid for pid in workers if not _dead(pid)]:
        assert time.monotonic() < deadline, f"recognition workers {alive} still run 10 s after SIGKILL"
        time.sleep(0.02)
    response = c.post({"image": c.specimen_b64}, token=token)
    assert response.headers.get("Retry-After", "").isdigit(), response.headers
    return response


CASES: dict[str, tuple[int, str, Callable[[Client], object]]] = {
    "both image and url": (400, "AIS.0101", lambda c: c.post({"image": c.specimen_b64, "url": "http://x/"})),
    "neither image nor url": (400, "AIS.0101", lambda c: c.post({"details": True})),
    "image not a string": (400, "AIS.0101", lambda c: c.post({"image": 12})),
    "details not a boolean": (400, "AIS.0101", lambda c: c.post({"image": c.specimen_b64, "details": "yes"})),
    "body a JSON list": (400, "AIS.0101", lambda c: c.post([1])),
    "not base64": (400, "AIS.0102", lambda c: c.post({"image": "%%% not base64 %%%"})),
    "image not ASCII": (400, "AIS.0102", lambda c: c.post({"image": "ñandú"})),
    "base64 of text": (400, "AIS.0102", lambda c: c.post({"image": base64.b64encode(b"hello").decode()})),
    "10x10 image": (400, "AIS.0103", lambda c: c.post({"image": _png(10, 10)})),
    "blank image": (400, "AIS.0104", lambda c: c.post({"image": _png(640, 400)})),
    "worker killed": (503, "AIS.0105", _worker_killed),
    "no credentials": (401, "ModelArts.4101", lambda c: requests.post(c.card_url, json={"image": "x"}, timeout=30)),
    "empty token": (401, "ModelArts.4101", lambda c: c.post({"image": "x"}, token="")),
    "garbage token": (401, "ModelArts.4102", lambda c: c.post({"image": "x"}, token="not-a-token")),
    "tampered token": (401, "ModelArts.0203", lambda c: c.post({"image": "x"}, token=c.token()[:-3] + "abc")),
    "declared body too large": (400, "ModelArts.4104", _declared_too_large),
    "body not JSON": (400, "ModelArts.4105", lambda c: c.post(b"{image: nope")),
    "unknown project": (403, "ModelArts.4204", lambda c: _unknown(c)),
    "service disabled": (403, "ModelArts.4204", _disabled_project),
    "ftp url": (400, "ModelArts.4601", lambda c: c.post({"url": "ftp://127.0.0.2/x.jpg"})),
    "url without host": (400, "ModelArts.4601", lambda c: c.post({"url": "http:///x.jpg"})),
    "url 404": (400, "ModelArts.4603", lambda c: c.post({"url": c.images.url("/missing.jpg")})),
    "url too many redirects": (400, "ModelArts.4603", lambda c: c.post({"url": c.images.url("/loop0")})),
    "url over the size limit": (400, "ModelArts.4603", lambda c: c.post({"url": c.images.url("/big.jpg")})),
    "url not an image": (400, "AIS.0102", lambda c: c.post({"url": c.images.url("/page.html")})),
    "bad signature": (401, "APIG.0301", lambda c: c.signed({"image": "x"}, sk="S" * 40)),
    "unknown access key": (401, "APIG.0301", lambda c: c.signed({"image": "x"}, ak="UNKNOWNAK00000000000")),
    "clock skew": (401, "APIG.0301", lambda c: c.signed({"image": "x"}, at=datetime.now(UTC) - timedelta(minutes=16))),
    "overloaded": (429, "APIG.0308", lambda c: _overload(c)),
    "unknown path": (404, "APIG.0101", lambda c: c.post({"image": "x"}, url=c.card_url + "/")),
}


def _unknown(c: Client) -> requests.Response:
    """AK/SK credentials are the user's; a project id the user's domain does not have is unknown."""
    unknown = Client(c.server, Credentials(**{**c.creds.__dict__, "project_id": "0" * 32}), c.images, "", c.real)
    return unknown.signed({"image": "x"})


def _overload(c: Client) -> tuple[int, str]:
    """With one worker and room for two requests, a burst of six gets 429 for those beyond the room."""
    token = c.token()
    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda _: c.post({"image": c.specimen_b64}, token=token), range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert 200 in statuses and 429 in statuses, statuses
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["Retry-After"] == "1"
    return 429, refused.json()["error_code"]


@pytest.mark.parametrize("case", list(CASES))
def test_error_code(client: Client, case: str) -> None:
    status, code, make = CASES[case]
    response = make(client)
    if isinstance(response, tuple):
        assert response == (status, code)
        return
    assert isinstance(response, requests.Response)
    body = response.json()
    assert (response.status_code, body.get("error_code")) == (status, code), body
    assert set(body) == {"error_code", "error_msg"}
    assert body["error_msg"].startswith(CODES[code].message)


def test_every_contract_code_has_a_case() -> None:
    assert {code for _, code, _ in CASES.values()} == set(CODES)


def test_body_is_read_no_further_than_the_limit() -> None:
    """A streamed body (no Content-Length) is refused as soon as it passes the limit; the rest is never read."""
    import asyncio

    from starlette.requests import Request

    from chile_id_ocr.api.errors import ApiError
    from chile_id_ocr.api.incoming import read_body

    consumed = 0

    async def receive() -> dict:
        nonlocal consumed
        consumed += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": consumed < 1000}

    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/"}, receive)
    with pytest.raises(ApiError) as caught:
        asyncio.run(read_body(request, 5500, 30.0))
    assert caught.value.code == "ModelArts.4104"
    assert consumed == 6


def test_a_body_that_does_not_arrive_in_time_is_refused() -> None:
    """A client that stops sending mid-body gets AIS.0101 once the body timeout passes."""
    import asyncio

    from starlette.requests import Request

    from chile_id_ocr.api.errors import ApiError
    from chile_id_ocr.api.incoming import read_body

    sent = 0

    async def receive() -> dict:
        nonlocal sent
        sent += 1
        if sent > 1:
            await asyncio.sleep(60)  # the client went quiet
        return {"type": "http.request", "body": b"{", "more_body": True}

    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/"}, receive)
    with pytest.raises(ApiError) as caught:
        asyncio.run(read_body(request, 5500, 0.2))
    assert caught.value.code == "AIS.0101"
    assert "did not arrive" in caught.value.error_msg
