"""Decoding bombs and the memory ceiling against a real server on loopback (issue 22): a crafted file gets the
contract's code without being decoded, and the next legitimate request is still served; an image that gets past
the decoding budget (raised here) but needs more memory than the worker's ceiling answers AIS.0105 naming it,
while the worker survives and a card read at the same time on the other worker is not lost."""

from __future__ import annotations

import base64
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bomb_files import bombs
from chile_id_ocr.api.settings import Settings
from service_support import Credentials, ThreadServer, bootstrap, error_of, serving, token_of


def _post(server: ThreadServer, creds: Credentials, token: str, image: bytes | str) -> requests.Response:
    body = {"image": image if isinstance(image, str) else base64.b64encode(image).decode()}
    url = f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card"
    return requests.post(url, json=body, headers={"X-Auth-Token": token}, timeout=120)


@pytest.mark.parametrize("name", list(bombs.BOMBS))
def test_a_decoding_bomb_is_refused_and_the_next_card_is_read(
    server: ThreadServer, creds: Credentials, specimen_b64: str, name: str
) -> None:
    make, code = bombs.BOMBS[name]
    token = token_of(server, creds)
    refused = _post(server, creds, token, make())
    assert error_of(refused) == (400, code), refused.text
    served = _post(server, creds, token, specimen_b64)
    assert served.status_code == 200, served.text


@pytest.fixture(scope="module")
def ceiling_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ThreadServer, Credentials]]:
    """Two workers with a 600 MB ceiling (a card needs about 350) and decoding allowed up to 2 GB, so that the
    ceiling, not the header check, stops the 16-bit RGBA PNG (555 MB to decode)."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("ceiling"),
        workers=2,
        worker_memory_mb=600,
        max_decode_mb=2048,
        token_ip_burst=1000,
        auth_failure_burst=1000,
    )
    for running in serving(settings):
        yield running, bootstrap(running)


def test_an_image_over_the_memory_ceiling_fails_alone(
    ceiling_server: tuple[ThreadServer, Credentials], specimen_b64: str
) -> None:
    server, creds = ceiling_server
    token = token_of(server, creds)
    pool = server.app.state.services.pool
    workers = pool.worker_pids()
    bomb = bombs.png_zeros()
    with ThreadPoolExecutor(4) as clients:
        over = clients.submit(_post, server, creds, token, bomb)
        cards = [clients.submit(_post, server, creds, token, specimen_b64) for _ in range(3)]
        answer = over.result()
        assert all(card.result().status_code == 200 for card in cards)
    assert error_of(answer) == (400, "AIS.0105"), answer.text
    assert "ceiling of 600 MB" in answer.json()["error_msg"]
    assert pool.worker_pids() == workers  # no worker died or was replaced
    for _ in range(2):  # both workers read cards afterwards
        assert _post(server, creds, token, specimen_b64).status_code == 200


def test_a_ceiling_below_what_the_models_take_is_refused_at_start() -> None:
    from chile_id_ocr.api import ceiling

    with pytest.raises(RuntimeError, match="worker_memory_mb=1 is below what a worker holds"):
        ceiling.set_ceiling(1)
    assert ceiling.ceiling_mb is None


def test_a_c_call_that_never_returns_is_stopped_by_the_kernel() -> None:
    """The job budget is a Python signal, handled only once the interpreter runs again; the backstop is not."""
    code = textwrap.dedent(
        """
        import hashlib
        from chile_id_ocr.api import ceiling
        ceiling.cpu_backstop(0.0, grace=1.0)
        hashlib.pbkdf2_hmac("sha256", b"x", b"y", 2**31 - 1)  # one C call of minutes
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGXCPU, done
