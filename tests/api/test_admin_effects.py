"""What the admin commands do to a running service: a user disabled, enabled or deleted by ``chile-id-ocr admin``
(a separate process on the service's own database) is refused or let in again at once, through real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import requests

from service_support import Credentials, ThreadServer


def _admin(server: ThreadServer, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHILE_ID_OCR_") and k != "DATABASE_URL"}
    env["CHILE_ID_OCR_DATA_DIR"] = str(server.settings.data_dir)
    command = [sys.executable, "-m", "chile_id_ocr.cli", "admin", *args]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _token(server: ThreadServer, name: str, password: str, project_id: str | None = None) -> requests.Response:
    auth: dict = {
        "identity": {"methods": ["password"], "password": {"user": {"name": name, "password": password,
                                                                      "domain": {"name": "default"}}}}
    }  # fmt: skip
    if project_id:
        auth["scope"] = {"project": {"id": project_id}}
    return requests.post(f"{server.url}/v3/auth/tokens", json={"auth": auth}, timeout=30)


def test_a_disabled_or_deleted_user_is_refused_at_once(server: ThreadServer, creds: Credentials) -> None:
    # the session's project (creds: bootstrapped once, so its password is known to the other tests)
    _admin(server, "create-user", "effects-ana", "--password", "effects-password")
    issued = _token(server, "effects-ana", "effects-password", creds.project_id)
    assert issued.status_code == 201
    scoped = {"X-Auth-Token": issued.headers["X-Subject-Token"]}
    unscoped = {"X-Auth-Token": _token(server, "effects-ana", "effects-password").headers["X-Subject-Token"]}
    ocr = f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card"
    projects = f"{server.url}/v3/auth/projects"

    def call() -> requests.Response:  # the token is checked first: a body without an image is a 400 after it
        return requests.post(ocr, json={}, headers=scoped, timeout=30)

    assert call().status_code == 400 and requests.get(projects, headers=unscoped, timeout=30).status_code == 200

    _admin(server, "disable-user", "effects-ana")
    refused = call()
    assert refused.status_code == 401 and refused.json()["error_code"] == "ModelArts.0203"
    assert requests.get(projects, headers=unscoped, timeout=30).status_code == 401
    assert _token(server, "effects-ana", "effects-password").status_code == 401

    _admin(server, "enable-user", "effects-ana")
    assert call().status_code == 400 and _token(server, "effects-ana", "effects-password").status_code == 201

    _admin(server, "delete-user", "effects-ana")
    assert call().status_code == 401 and _token(server, "effects-ana", "effects-password").status_code == 401
