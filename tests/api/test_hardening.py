"""What a hostile or broken client finds, against a real server on loopback: slow and unauthenticated senders,
clients that go away, deep JSON, decompression bombs, oversized images, log injection, redirects, routing
errors, and the published OpenAPI document."""

from __future__ import annotations

import base64
import http.client
import io
import json
import logging
import re
import socket
import struct
import time
import zlib
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime

import pytest
import requests
from PIL import Image

from chile_id_ocr.api.settings import Settings
from service_support import Credentials, ImageServer, ThreadServer, bootstrap, serving, token_of

CHEAP = {"image": base64.b64encode(b"not an image").decode()}


@pytest.fixture(scope="module")
def token(server: ThreadServer, creds: Credentials) -> str:
    return token_of(server, creds)


def card_url(server: ThreadServer, creds: Credentials) -> str:
    return f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card"


def post(server: ThreadServer, creds: Credentials, token: str, body: object) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-Auth-Token": token}
    return requests.post(card_url(server, creds), data=data, headers=headers, timeout=60)


def status_code(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json().get("error_code", "")


def raw_request(server: ThreadServer, path: str, headers: dict[str, str], body: bytes = b"") -> socket.socket:
    """A connection that has sent the request line, ``headers`` and ``body`` (possibly less than announced)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock.sendall(head.encode() + body)
    return sock


def metric(server: ThreadServer, status: int, route: str = "/v2/{project_id}/ocr/chile-id-card") -> float:
    """The request counter of ``route`` with ``status`` (all error codes), from /metrics."""
    text = requests.get(f"{server.url}/metrics", timeout=10).text
    total = 0.0
    for line in text.splitlines():
        labels = line.startswith("chile_id_ocr_requests_total{") and f'route="{route}"' in line
        if labels and f'status="{status}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def wait_for(check: object, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


# --- defect 1: admission only after authentication and the whole body -----------------------------------------


def test_slow_unauthenticated_signed_senders_do_not_block_recognition(
    server: ThreadServer, creds: Credentials, token: str, specimen_b64: str
) -> None:
    """Six connections announce a 1000-byte signed body and send one byte: three with an unknown AK (refused
    at once, before their bodies), three with the real AK and a bad signature (their bodies are awaited, but
    they hold no admission slot: the pool admits two). A legitimate request is then read, not refused."""
    date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = f"/v2/{creds.project_id}/ocr/chile-id-card"
    senders: list[socket.socket] = []
    try:
        for ak in ("X", "X", "X", creds.ak, creds.ak, creds.ak):
            auth = f"SDK-HMAC-SHA256 Access={ak}, SignedHeaders=host;x-sdk-date, Signature=00"
            headers = {"Content-Type": "application/json", "Content-Length": "1000", "Authorization": auth}
            senders.append(raw_request(server, path, {**headers, "X-Sdk-Date": date}, b"{"))
        for unknown in senders[:3]:
            assert unknown.recv(64).startswith(b"HTTP/1.1 401"), "an unknown AK must be refused before its body"
        response = post(server, creds, token, {"image": specimen_b64})
        assert response.status_code == 200, response.text
        readers = server.app.state.services.readers
        assert wait_for(lambda: readers.held == 3, 10), readers.held  # the real-AK senders: awaited, not admitted
    finally:
        for sock in senders:
            sock.close()


def test_a_slow_legitimate_client_is_served(server: ThreadServer, creds: Credentials, token: str) -> None:
    """A body that trickles in (within the body timeout) is read whole and answered."""
    body = json.dumps(CHEAP).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), "X-Auth-Token": token}
    with closing(raw_request(server, f"/v2/{creds.project_id}/ocr/chile-id-card", headers)) as sock:
        for i in range(0, len(body), 8):
            sock.sendall(body[i : i + 8])
            time.sleep(0.05)
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        assert (answer.status, json.loads(answer.read())["error_code"]) == (400, "AIS.0102")


# --- defect 9 and 4: clients that go away -----------------------------------------------------------------------


def test_a_client_that_disconnects_mid_body_is_no_server_error(
    server: ThreadServer, creds: Credentials, token: str
) -> None:
    before_5xx, before_gone = metric(server, 500), metric(server, 499)
    headers = {"Content-Type": "application/json", "Content-Length": "5000", "X-Auth-Token": token}
    raw_request(server, f"/v2/{creds.project_id}/ocr/chile-id-card", headers, b'{"image": "AAAA').close()
    assert wait_for(lambda: metric(server, 499) > before_gone), "the disconnect was not counted as 499"
    assert metric(server, 500) == before_5xx


def test_the_job_of_a_client_gone_is_dropped_and_frees_its_slot(
    server: ThreadServer, creds: Credentials, token: str, specimen_b64: str
) -> None:
    """A client that closes its connection once its body is sent: its answer is dropped (499, not 200) and
    its admission slot is free again while the worker may still be busy."""
    before = metric(server, 499)
    body = json.dumps({"image": specimen_b64}).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), "X-Auth-Token": token}
    pool, fair = server.app.state.services.pool, server.app.state.services.fair
    with closing(raw_request(server, f"/v2/{creds.project_id}/ocr/chile-id-card", headers, body)):
        assert wait_for(lambda: fair.admitted == 1), "the request was never admitted"
    assert wait_for(lambda: metric(server, 499) > before)
    assert fair.admitted == 0
    assert wait_for(lambda: pool.submitted == 0)  # the worker's job done, its result dropped


# --- defect 5: deep JSON -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [900, 1000, 100_000])
def test_deeply_nested_json_is_a_contract_400(server: ThreadServer, creds: Credentials, token: str, depth: int) -> None:
    body = b'{"image": ' + b"[" * depth + b"]" * depth + b"}"
    response = post(server, creds, token, body)
    assert response.status_code == 400
    assert set(response.json()) == {"error_code", "error_msg"}


# --- defects 4 and 8: image budgets -------------------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` pixels (greyscale) and holds almost none: a bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def tiff_1bit(side: int) -> bytes:
    buf = io.BytesIO()
    Image.new("1", (side, side), 1).save(buf, "TIFF", compression="group4")
    return buf.getvalue()


@pytest.mark.parametrize(
    "name",
    ["30000 px PNG bomb", "16000 px PNG bomb", "8192 px PNG header", "8192 px 1-bit TIFF"],
)
def test_images_over_the_pixel_budget_are_refused_for_size(
    server: ThreadServer, creds: Credentials, token: str, name: str
) -> None:
    data = {
        "30000 px PNG bomb": lambda: png_header(30000, 30000),
        "16000 px PNG bomb": lambda: png_header(16000, 16000),
        "8192 px PNG header": lambda: png_header(8192, 8192),
        "8192 px 1-bit TIFF": lambda: tiff_1bit(8192),
    }[name]()
    assert len(data) < 100_000
    response = post(server, creds, token, {"image": base64.b64encode(data).decode()})
    assert status_code(response) == (400, "AIS.0103"), response.text
    assert "too large" in response.json()["error_msg"] or "8192" in response.json()["error_msg"]


def test_an_image_over_10_mb_is_refused_for_size(server: ThreadServer, creds: Credentials, token: str) -> None:
    response = post(server, creds, token, {"image": "A" * (10 * 1024 * 1024 + 4)})
    assert status_code(response) == (400, "AIS.0103")
    assert "over 10 MB" in response.json()["error_msg"]


@pytest.fixture(scope="module")
def budgeted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadServer, Credentials]]:
    """A server whose jobs may use 0.05 s of CPU time: any real recognition is over it."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("budget"), workers=1, job_cpu_seconds=0.05)
    for running in serving(settings):
        yield running, bootstrap(running)


def test_a_job_over_its_cpu_budget_is_stopped(budgeted: tuple[ThreadServer, Credentials], specimen_b64: str) -> None:
    server, creds = budgeted
    response = post(server, creds, token_of(server, creds), {"image": specimen_b64})
    assert status_code(response) == (400, "AIS.0105")
    assert "budget of 0.05 s of CPU time" in response.json()["error_msg"]
    again = post(server, creds, token_of(server, creds), CHEAP)  # the worker serves on
    assert status_code(again) == (400, "AIS.0102")


# --- defects 6 and 7: logs ----------------------------------------------------------------------------------------


def test_access_log_lines_cannot_be_forged(server: ThreadServer, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="chile_id_ocr.access"):
        for path in ("/v2/a%0AINJECTED%20status=200/ocr/chile-id-card", "/v2/a%00b%0D/ocr/chile-id-card"):
            requests.post(f"{server.url}{path}", json=CHEAP, timeout=30)
        # a line is written after its answer is sent, and an earlier test's last line may land here too: wait for
        # the two lines of these requests rather than for any two lines
        assert wait_for(
            lambda: (
                sum(r.name == "chile_id_ocr.access" and 'project="a' in r.getMessage() for r in caplog.records) >= 2
            ),
            10,
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "chile_id_ocr.access"]
    for line in lines:
        assert not re.search(r"[\r\n\x00]", line), line
        keys = re.findall(r'(?:^| )(\w+)=(?:"(?:[^"\\]|\\.)*"|[^ "]+)', line)
        assert keys == ["request_id", "project", "method", "route", "status", "error_code", "latency_ms"], line
    assert any('project="a\\nINJECTED status=200"' in line for line in lines), lines
    assert any('project="a\\u0000b\\r"' in line for line in lines), lines


def test_fetched_urls_are_not_logged(
    server: ThreadServer, creds: Credentials, token: str, images: ImageServer, caplog: pytest.LogCaptureFixture
) -> None:
    """httpx logs each request's URL, query string included, at INFO: the service keeps it quiet."""
    with caplog.at_level(logging.DEBUG):
        response = post(server, creds, token, {"url": images.url("/page.html?X-Amz-Signature=SECRET-QUERY")})
        assert response.status_code == 400  # the server routes the path with its query: 404, ModelArts.4603
    assert images.hits[-1].endswith("SECRET-QUERY")
    assert not [r for r in caplog.records if "SECRET-QUERY" in r.getMessage()]


def test_every_log_record_is_one_structured_line() -> None:
    from chile_id_ocr.api.logs import KeyValueFormatter

    try:
        raise ValueError("two\nlines")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "bad %s", ("a\r\nb\x00",), exc_info)
    line = KeyValueFormatter().format(record)
    assert "\n" not in line and "\r" not in line and "\x00" not in line
    assert line.startswith("ts=") and " level=ERROR logger=x msg=" in line and " exc=" in line


# --- defects 10 and 11: routing ----------------------------------------------------------------------------------


def test_no_redirect_on_a_trailing_slash(server: ThreadServer, creds: Credentials, token: str) -> None:
    url = card_url(server, creds) + "/"
    headers = {"Host": "evil.example", "X-Auth-Token": token}
    response = requests.post(url, json=CHEAP, headers=headers, timeout=30, allow_redirects=False)
    assert "Location" not in response.headers
    assert status_code(response) == (404, "APIG.0101")


def test_routing_errors_have_the_contract_shape(server: ThreadServer, creds: Credentials) -> None:
    missing = requests.get(f"{server.url}/v2/nothing/here", timeout=10)
    assert status_code(missing) == (404, "APIG.0101") and set(missing.json()) == {"error_code", "error_msg"}
    wrong_method = requests.delete(card_url(server, creds), timeout=10)
    assert status_code(wrong_method) == (405, "APIG.0101") and "POST" in wrong_method.headers["Allow"]


# --- defect 12: the OpenAPI document ------------------------------------------------------------------------------


def test_openapi_describes_metrics_tokens_and_the_one_of_rule(server: ThreadServer) -> None:
    spec = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert set(metrics) == {"text/plain"}
    tokens = spec["paths"]["/v3/auth/tokens"]["post"]
    assert {"201", "400", "401", "403", "429"} <= set(tokens["responses"])
    assert "X-Subject-Token" in tokens["responses"]["201"]["headers"]
    token_schema = json.dumps(tokens["requestBody"]["content"]["application/json"]["schema"])
    assert '"methods"' in token_schema and '"const": "password"' in token_schema
    card = spec["paths"]["/v2/{project_id}/ocr/chile-id-card"]["post"]
    body = card["requestBody"]["content"]["application/json"]["schema"]
    assert [option["required"] for option in body["oneOf"]] == [["image"], ["url"]]
    assert "Exactly one of" in body["description"]


def test_an_unforeseen_failure_is_a_500_in_the_contract_shape(server: ThreadServer) -> None:
    """A route that fails as none should (added to the running app for this test only)."""

    async def fails() -> None:
        raise RuntimeError("unforeseen")

    server.app.add_api_route("/test-only/fails", fails, include_in_schema=False)
    response = requests.get(f"{server.url}/test-only/fails", timeout=10)
    assert status_code(response) == (500, "AIS.0105")
    assert set(response.json()) == {"error_code", "error_msg"}
