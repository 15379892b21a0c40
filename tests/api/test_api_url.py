"""``url`` input: public-address-only by default, every hop checked, nothing sent beyond loopback.

The autouse ``network_guard`` (conftest) fails any test during which a connection to, or a name lookup of,
anything but loopback is attempted; ``intranet.test`` resolves through it to 10.0.0.1 without a resolver.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest
import requests

from chile_id_ocr.api.fetch import is_forbidden
from service_support import PRIVATE_NAME, Credentials, ImageServer, NetworkGuard, ThreadServer, token_of


def _post_url(server: ThreadServer, creds: Credentials, url: str) -> requests.Response:
    token = token_of(server, creds)
    card = f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card"
    return requests.post(card, json={"url": url}, headers={"X-Auth-Token": token}, timeout=60)


REFUSED = {
    "loopback": "http://127.0.0.1:{canary}/",
    "IPv6 loopback": "http://[::1]:{canary}/",
    "IPv4-mapped loopback": "http://[::ffff:127.0.0.1]:{canary}/",
    "private": "http://10.0.0.1/card.jpg",
    "cloud metadata": "http://169.254.169.254/latest/meta-data/",
    "name resolving to loopback": "http://localhost:{canary}/",
    "name resolving to a private address": f"http://{PRIVATE_NAME}/card.jpg",
    "redirect to loopback": "{images}/to-canary",
    "redirect to a name resolving to loopback": "{images}/to-localhost",
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_before_any_connection(
    server: ThreadServer,
    creds: Credentials,
    canary: ImageServer,
    images: ImageServer,
    network_guard: NetworkGuard,
    case: str,
) -> None:
    url = REFUSED[case].format(canary=canary.port, images=f"http://127.0.0.2:{images.port}")
    hits_before = len(canary.hits)
    response = _post_url(server, creds, url)
    assert (response.status_code, response.json()["error_code"]) == (400, "ModelArts.4601")
    assert len(canary.hits) == hits_before, "the refused address was reached"
    assert network_guard.violations == []


def test_allowlisted_url_is_read_through_a_redirect(
    server: ThreadServer, creds: Credentials, images: ImageServer, ground_truth: dict
) -> None:
    response = _post_url(server, creds, images.url("/to-specimen"))
    assert response.status_code == 200, response.text
    assert response.json()["result"]["number"] == ground_truth["specimen_front.jpg"]["result"]["number"]
    assert "/specimen.jpg" in images.hits


@pytest.mark.parametrize(
    ("address", "forbidden"),
    [
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("100.64.0.1", True),
        ("169.254.169.254", True),
        ("224.0.0.1", True),
        ("240.0.0.1", True),
        ("0.0.0.0", True),
        ("::1", True),
        ("::", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("ff02::1", True),
        ("::ffff:169.254.169.254", True),
        ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1
        ("64:ff9b::a00:1", True),  # NAT64 of 10.0.0.1
    ],
)
def test_address_policy(address: str, forbidden: bool) -> None:
    assert is_forbidden(ipaddress.ip_address(address), ()) is forbidden


def test_allowlist_opens_a_network() -> None:
    allow = (ipaddress.ip_network("10.0.0.0/8"),)
    assert not is_forbidden(ipaddress.ip_address("10.9.8.7"), allow)
    assert not is_forbidden(ipaddress.ip_address("::ffff:10.9.8.7"), allow)
    assert is_forbidden(ipaddress.ip_address("192.168.0.1"), allow)


def test_the_guard_blocks_traffic_beyond_loopback(network_guard: NetworkGuard) -> None:
    """The guard is not vacuous: a connection to a private address fails and is recorded (then forgiven)."""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("10.0.0.1", 80), timeout=1)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.invalid", 80)
    assert len(network_guard.violations) == 2
    network_guard.violations.clear()
