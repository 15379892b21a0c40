"""Operations: /health, /ready, /metrics, /docs, usage (HTTP and ``admin usage``), the access log, the CLI."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from service_support import Credentials, ThreadServer, token_of


def test_health_and_ready(server: ThreadServer) -> None:
    assert requests.get(f"{server.url}/health", timeout=10).json() == {"status": "ok"}
    ready = requests.get(f"{server.url}/ready", timeout=10)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": True, "workers": True}


def test_openapi_documents_the_exact_schemas(server: ThreadServer) -> None:
    assert requests.get(f"{server.url}/docs", timeout=10).status_code == 200
    spec = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    card = spec["paths"]["/v2/{project_id}/ocr/chile-id-card"]["post"]
    body = card["requestBody"]["content"]["application/json"]["schema"]
    assert {"image", "url"} <= set(body["properties"])
    result = spec["components"]["schemas"]["ChileIdCardResult"]
    assert result["properties"]["surname"]["type"] == "array"
    assert set(card["responses"]) == {"200", "400", "401", "403", "429", "503"}
    assert "/v3/auth/tokens" in spec["paths"]


def test_usage_counts_calls_by_outcome(server: ThreadServer, creds: Credentials, specimen_b64: str) -> None:
    token = token_of(server, creds)
    usage_url = f"{server.url}/v2/{creds.project_id}/ocr/usage"
    before = requests.get(usage_url, headers={"X-Auth-Token": token}, timeout=10).json()
    card = f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card"
    assert requests.post(card, json={"image": specimen_b64}, headers={"X-Auth-Token": token}).status_code == 200
    assert requests.post(card, json={"image": "@@@"}, headers={"X-Auth-Token": token}).status_code == 400
    after = requests.get(usage_url, headers={"X-Auth-Token": token}, timeout=10).json()
    assert after["calls"] == before["calls"] + 2
    assert after["successes"] == before["successes"] + 1
    assert after["failures"].get("AIS.0102", 0) == before["failures"].get("AIS.0102", 0) + 1
    assert after["recognition_seconds"] > before["recognition_seconds"]
    assert requests.get(usage_url, timeout=10).json()["error_code"] == "ModelArts.4101"


def test_metrics_expose_requests_latency_and_queue(server: ThreadServer, creds: Credentials) -> None:
    requests.post(f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card", json={}, timeout=10)
    text = requests.get(f"{server.url}/metrics", timeout=10).text
    assert 'chile_id_ocr_requests_total{error_code="ModelArts.4101",route="/v2/{project_id}/ocr/chile-id-card"' in text
    for name in (
        "chile_id_ocr_request_duration_seconds_bucket",
        "chile_id_ocr_recognition_duration_seconds_bucket",
        "chile_id_ocr_queue_depth",
        "chile_id_ocr_recognitions_in_flight",
    ):
        assert name in text


def test_access_log_carries_no_personal_data(
    server: ThreadServer, creds: Credentials, specimen_b64: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = token_of(server, creds)
    card = f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card"
    with caplog.at_level(logging.INFO, logger="chile_id_ocr.access"):
        ok = requests.post(card, json={"image": specimen_b64}, headers={"X-Auth-Token": token}, timeout=60)
        secret_url = "http://127.0.0.1:9/card.jpg?signature=SECRET-QUERY"
        requests.post(card, json={"url": secret_url}, headers={"X-Auth-Token": token}, timeout=60)

        # The server thread writes its access line once the response is sent, and an earlier test's last line may
        # land here too: wait for this test's two lines, not for any two.
        def logged_both() -> bool:
            messages = [r.getMessage() for r in caplog.records if r.name == "chile_id_ocr.access"]
            return any(ok.headers["X-Request-Id"] in m for m in messages) and any("4601" in m for m in messages)

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not logged_both():
            time.sleep(0.05)
    lines = [r.getMessage() for r in caplog.records if r.name == "chile_id_ocr.access"]
    assert any(ok.headers["X-Request-Id"] in line and "status=200" in line for line in lines)
    assert any("error_code=ModelArts.4601" in line for line in lines)
    logged = "\n".join(lines)
    assert f"project={creds.project_id}" in logged
    for private in ("SECRET-QUERY", "127.0.0.1:9", "FREDEZ", "MARCELA", "12.749.625", specimen_b64[:40], token):
        assert private not in logged


def test_admin_cli_bootstrap_is_idempotent_and_prints_secrets_once(tmp_path: Path) -> None:
    env = {**os.environ, "CHILE_ID_OCR_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "chile_id_ocr.cli", "admin", "bootstrap", "--json"]
    first = json.loads(subprocess.run(command, env=env, capture_output=True, check=True, text=True).stdout)
    second = json.loads(subprocess.run(command, env=env, capture_output=True, check=True, text=True).stdout)
    assert set(first) == {"project_id", "ak", "sk", "user", "password", "domain"}
    assert first["sk"] and first["password"] and len(first["ak"]) == 20
    assert second == {**first, "sk": None, "password": None}
    assert (tmp_path / "chile-id-ocr.db").exists() and (tmp_path / "master.key").stat().st_mode & 0o077 == 0
    database = (tmp_path / "chile-id-ocr.db").read_bytes()
    assert first["sk"].encode() not in database and first["password"].encode() not in database

    def admin(*args: str) -> object:
        run = subprocess.run([*command[:4], *args], env=env, capture_output=True, check=True, text=True)
        return json.loads(run.stdout)

    assert admin("disable", first["project_id"])["service_enabled"] is False  # type: ignore[index]
    key = admin("create-key", "admin")
    assert admin("revoke-key", key["ak"]) == {"ak": key["ak"], "active": False}  # type: ignore[index]
    usage = admin("usage", first["project_id"])
    assert usage == [
        {"project_id": first["project_id"], "calls": 0, "successes": 0, "failures": {}, "recognition_seconds": 0.0}
    ]
