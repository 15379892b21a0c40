"""``url`` input, safe against server-side request forgery.

The host is resolved first and every address it resolves to is checked: loopback, private, link-local,
multicast, reserved and other non-public addresses (IPv4 and IPv6; IPv4-mapped, 6to4, Teredo and NAT64 forms
unwrapped) are refused unless the operator allowlists their network. The connection then goes to the checked
address itself (the hostname travels in the Host header and TLS SNI, so DNS cannot answer differently the
second time). Redirects are followed by hand, at most ``max_redirects``, each checked the same way. Connect,
read and total timeouts apply; reading stops past ``max_bytes``; the content must look like an image.

ModelArts.4601: a malformed or refused URL. ModelArts.4603: the download failed. AIS.0102: not an image.

>>> is_forbidden(ipaddress.ip_address("::ffff:10.0.0.1"), ())
True
>>> net = ipaddress.ip_network("10.0.0.0/8")
>>> is_forbidden(ipaddress.ip_address("8.8.8.8"), ()), is_forbidden(ipaddress.ip_address("10.1.2.3"), (net,))
(False, False)
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from chile_id_ocr.api.errors import ApiError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_REDIRECTS = {301, 302, 303, 307, 308}
_MAX_URL = 4096
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM", b"II*\x00", b"MM\x00*")


@dataclass(frozen=True)
class FetchPolicy:
    allowlist: tuple[IPNetwork, ...] = ()
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 3


@dataclass(frozen=True)
class Target:
    """A checked URL: scheme, host (without brackets), port, and the path with its query."""

    scheme: str
    host: str
    port: int
    path_query: str

    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = {"http": 80, "https": 443}[self.scheme]
        return host if self.port == default else f"{host}:{self.port}"

    def pinned_url(self, address: IPAddress) -> str:
        host = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{host}:{self.port}{self.path_query}"


def refused(reason: str) -> ApiError:
    return ApiError.of("ModelArts.4601", reason)


def failed(reason: str) -> ApiError:
    return ApiError.of("ModelArts.4603", reason)


def parse_target(url: str) -> Target:
    """The URL's parts; ModelArts.4601 unless it is an absolute http(s) URL without credentials.

    >>> parse_target("https://[::1]:8443/a?b=1")
    Target(scheme='https', host='::1', port=8443, path_query='/a?b=1')
    """
    if len(url) > _MAX_URL:
        raise refused("the URL is too long")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise refused("the URL cannot be parsed") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise refused("only http and https URLs are read")
    if not parts.hostname:
        raise refused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise refused("credentials in the URL are not accepted")
    path_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path_query)


def _embedded(address: IPAddress) -> list[IPAddress]:
    """The address and the IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        found += [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
        if address.teredo is not None:
            found += list(address.teredo)
        if address in _NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _non_public(address: IPAddress) -> bool:
    return (
        not address.is_global
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def is_forbidden(address: IPAddress, allowlist: tuple[IPNetwork, ...]) -> bool:
    """Whether ``url`` may not reach ``address``: not public, and not in the operator's allowlist."""
    candidates = _embedded(address)
    if any(a in net for a in candidates for net in allowlist if a.version == net.version):
        return False
    return any(_non_public(a) for a in candidates)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The host's addresses (an IP literal is its own); ModelArts.4603 when the name does not resolve."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise failed("the host name does not resolve") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return list(dict.fromkeys(addresses))


async def checked_address(target: Target, policy: FetchPolicy) -> IPAddress:
    """An address to connect to, once every address of the host has been found allowed."""
    addresses = await resolve(target.host, target.port)
    if not addresses:
        raise failed("the host name does not resolve")
    if any(is_forbidden(a, policy.allowlist) for a in addresses):
        raise refused("the URL's host is not a public address")
    return addresses[0]


def looks_like_image(data: bytes) -> bool:
    return data.startswith(_MAGIC)


async def fetch_image(url: str, policy: FetchPolicy) -> bytes:
    """The image at ``url``, downloaded under the policy's checks."""
    try:
        async with asyncio.timeout(policy.total_timeout):
            data = await _follow(url, policy)
    except TimeoutError:
        raise failed("the download timed out") from None
    if not looks_like_image(data):
        raise ApiError.of("AIS.0102", "the URL's content is not a JPG, PNG, BMP or TIFF image")
    return data


async def _follow(url: str, policy: FetchPolicy) -> bytes:
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    async with httpx.AsyncClient(trust_env=False, follow_redirects=False, timeout=timeout) as client:
        for _ in range(policy.max_redirects + 1):
            target = parse_target(url)
            address = await checked_address(target, policy)
            location = await _get(client, target, address, policy)
            if isinstance(location, bytes):
                return location
            url = urljoin(url, location)
    raise failed(f"more than {policy.max_redirects} redirects")


async def _get(client: httpx.AsyncClient, target: Target, address: IPAddress, policy: FetchPolicy) -> bytes | str:
    """The body of a 200 answer, or the Location of a redirect."""
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    headers = {"Host": target.host_header(), "Accept": "image/*", "User-Agent": "chile-id-ocr"}
    request = client.build_request("GET", target.pinned_url(address), headers=headers, extensions=extensions)
    try:
        response = await client.send(request, stream=True)
    except httpx.HTTPError as exc:
        raise failed(f"cannot download the image ({type(exc).__name__})") from None
    try:
        if response.status_code in _REDIRECTS and response.headers.get("location"):
            return response.headers["location"]
        if response.status_code != 200:
            raise failed(f"the server answered HTTP {response.status_code}")
        return await _read_capped(response, policy.max_bytes)
    except httpx.HTTPError as exc:
        raise failed(f"cannot download the image ({type(exc).__name__})") from None
    finally:
        await response.aclose()


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise failed(f"the image is over {max_bytes} bytes")
    data = bytearray()
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) > max_bytes:
            raise failed(f"the image is over {max_bytes} bytes")
    return bytes(data)
