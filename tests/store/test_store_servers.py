"""Two server instances sharing one PostgreSQL: tokens, keys and usage counters are common to both."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from chile_id_ocr.api.settings import Settings
from service_support import Postgres, ThreadServer


@pytest.fixture(scope="module")
def instances(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadServer, ...]]:
    url = postgres.create_database()
    master = "shared-master-key-for-both-instances-0123456789"
    running: list[ThreadServer] = []
    try:
        for name in ("a", "b"):
            settings = Settings(
                data_dir=tmp_path_factory.mktemp(name), database_url=url, master_key=master, workers=1, queue_limit=2
            )
            running.append(ThreadServer(settings).start())
        yield tuple(running)
    finally:
        for server in running:
            server.stop()


def test_instances_share_credentials_and_usage(instances: tuple[ThreadServer, ...], real: Path) -> None:
    a, b = instances
    store = a.settings.open_store()
    boot = store.bootstrap("default", "admin", "default")
    user = {"name": "admin", "password": boot["password"], "domain": {"name": "default"}}
    auth = {
        "identity": {"methods": ["password"], "password": {"user": user}},
        "scope": {"project": {"id": boot["project_id"]}},
    }
    issued = requests.post(f"{a.url}/v3/auth/tokens", json={"auth": auth}, timeout=30)
    assert issued.status_code == 201
    token = {"X-Auth-Token": issued.headers["X-Subject-Token"]}
    path = f"/v2/{boot['project_id']}/ocr/chile-id-card"
    image = base64.b64encode((real / "specimen_front.jpg").read_bytes()).decode()
    ok = requests.post(f"{b.url}{path}", json={"image": image}, headers=token, timeout=60)
    assert ok.status_code == 200, ok.text
    assert ok.json()["result"]["number"] == "12.749.625-K"
    bad = requests.post(f"{a.url}{path}", data=b"not json", headers=token, timeout=30)
    assert bad.json()["error_code"] == "ModelArts.4105"
    usage = requests.get(f"{a.url}/v2/{boot['project_id']}/ocr/usage", headers=token, timeout=30).json()
    assert (usage["calls"], usage["successes"], usage["failures"]) == (2, 1, {"ModelArts.4105": 1})
    assert store.usage(str(boot["project_id"])).calls == 2
