"""The page's routes and the identity calls it makes, over plain HTTP (no browser)."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from chile_id_ocr.api.page import STATIC_DIR
from service_support import Credentials, ThreadServer, error_of

TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def password_auth(creds: Credentials, password: str | None = None, domain: str = "default") -> dict:
    secret = creds.password if password is None else password
    user = {"name": creds.user, "password": secret, "domain": {"name": domain}}
    return {"identity": {"methods": ["password"], "password": {"user": user}}}


def token(server: ThreadServer, auth: dict) -> requests.Response:
    return requests.post(f"{server.url}/v3/auth/tokens", json={"auth": auth}, timeout=10)


VENDORED = "swagger-ui"  # swagger-ui-dist's files, shipped as released for /docs


def test_the_page_and_its_files_come_from_the_package(server: ThreadServer) -> None:
    page = requests.get(f"{server.url}/", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy and "script-src 'self'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    linked = re.findall(r'(?:src|href)="([^"#]+)"', page.text)
    assert linked and all(link.startswith("/static/") for link in linked)  # nothing from another host
    imported = {m for f in STATIC_DIR.glob("*.js") for m in re.findall(r'from "\./([^"]+)"', f.read_text())}
    for name in {link.removeprefix("/static/") for link in linked} | imported:
        asset = requests.get(f"{server.url}/static/{name}", timeout=10)
        assert asset.status_code == 200, name
        assert asset.headers["content-type"].startswith(TYPES[Path(name).suffix]), name
        assert asset.content == (STATIC_DIR / name).read_bytes()
    for shipped in STATIC_DIR.iterdir():  # no address of another host anywhere (the SVG namespace is a name)
        if shipped.name.startswith(VENDORED):
            continue  # Swagger UI's own files name its project's sites; /docs's CSP keeps it to this origin
        text = shipped.read_text()
        assert re.findall(r"https?://[^\s\"')]+", text.replace("http://www.w3.org/2000/svg", "")) == [], shipped.name


def test_the_page_routes_answer_get_only(server: ThreadServer) -> None:
    assert requests.post(f"{server.url}/", timeout=10).status_code == 405
    assert requests.get(f"{server.url}/static/none.js", timeout=10).status_code == 404
    assert requests.get(f"{server.url}/static/%2e%2e/page.py", timeout=10).status_code == 404
    assert "/" not in requests.get(f"{server.url}/openapi.json", timeout=10).json()["paths"]


def test_an_unscoped_token_lists_the_users_projects_and_nothing_more(server: ThreadServer, creds: Credentials) -> None:
    store = server.settings.open_store()
    other = store.create_project("elsewhere", "another-domain")
    store.engine.dispose()

    issued = token(server, password_auth(creds))
    assert issued.status_code == 201
    assert "project" not in issued.json()["token"]
    unscoped = issued.headers["X-Subject-Token"]

    listed = requests.get(f"{server.url}/v3/auth/projects", headers={"X-Auth-Token": unscoped}, timeout=10)
    assert listed.status_code == 200
    projects = {p["id"]: p for p in listed.json()["projects"]}
    assert projects[creds.project_id]["name"] == "default"
    assert projects[creds.project_id]["service_enabled"] is True
    assert other.id not in projects  # another domain's project stays hidden
    assert all(p["domain_id"] == "default" for p in projects.values())

    # Good for listing only: the card API refuses it.
    card = requests.post(
        f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card",
        headers={"X-Auth-Token": unscoped},
        json={"image": "aGVsbG8="},
        timeout=10,
    )
    assert error_of(card) == (401, "ModelArts.0203")
    assert "not scoped" in card.json()["error_msg"]

    # A scoped token lists the same projects.
    scoped = token(server, {**password_auth(creds), "scope": {"project": {"id": creds.project_id}}})
    again = requests.get(
        f"{server.url}/v3/auth/projects", headers={"X-Auth-Token": scoped.headers["X-Subject-Token"]}, timeout=10
    )
    assert again.json()["projects"] == listed.json()["projects"]


def test_listing_projects_needs_a_valid_token(server: ThreadServer, creds: Credentials) -> None:
    for headers in ({}, {"X-Auth-Token": "garbage"}, {"X-Auth-Token": "CIO1.e30.AAAA"}):
        answer = requests.get(f"{server.url}/v3/auth/projects", headers=headers, timeout=10)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == 401
    assert token(server, password_auth(creds, password="wrong")).status_code == 401
