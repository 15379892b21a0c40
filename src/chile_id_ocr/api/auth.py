"""Who is calling: IAM-style tokens (``X-Auth-Token``) and the official SDK's AK/SK signatures.

Tokens are self-contained and signed (HMAC-SHA256 with a key derived from the master key), so every instance
sharing the master key accepts them without a database read: ``CIO1.<payload>.<mac>``, the payload naming the
user, the domain, the project the token is scoped to and its expiry.

Signatures follow the SDK (``huaweicloudsdkcore.signer.Signer``): canonical request = method, URI (each segment
percent-encoded, always ending in '/'), sorted query string, ``name:value`` lines of the signed headers,
the signed header names joined by ';', hex SHA-256 of the body; string to sign =
``SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex SHA-256 of the canonical request>``; signature = hex HMAC-SHA256(SK, it).

The body's hash is always computed here from the body received, never taken from the request: a client's
``X-Sdk-Content-Sha256`` (the SDK sends one only for non-JSON bodies, ``UNSIGNED-PAYLOAD``) is refused when it
differs from it, signed or not, so a captured signature cannot carry another body.

>>> req = SignedRequest("POST", "/v2/p/ocr/chile-id-card", "", {"host": "h:1", "x-sdk-date": "20240101T000000Z"}, b"")
>>> print(canonical_request(req, ("host", "x-sdk-date")))
POST
/v2/p/ocr/chile-id-card/
<BLANKLINE>
host:h:1
x-sdk-date:20240101T000000Z
<BLANKLINE>
host;x-sdk-date
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote

from chile_id_ocr.api.errors import ApiError
from chile_id_ocr.store.repo import ProjectInfo, Store, UserInfo

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_TOKEN_PREFIX = "CIO1"
_AUTH_RE = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<ak>[^,\s]+),\s*SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<sig>[0-9a-fA-F]+)$"
)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, allowed on ``project``."""

    user_id: str
    domain: str
    project: ProjectInfo
    method: str  # "token" or "aksk"


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    user_name: str
    domain: str
    project_id: str
    issued_at: int
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenCodec:
    """Issues and verifies tokens scoped to one project."""

    def __init__(self, key: bytes, ttl_seconds: int) -> None:
        self._key = key
        self.ttl_seconds = ttl_seconds

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, user: UserInfo, project_id: str, now: datetime) -> tuple[str, TokenClaims]:
        issued = int(now.timestamp())
        claims = TokenClaims(user.id, user.name, user.domain, project_id, issued, issued + self.ttl_seconds)
        payload = _b64(json.dumps(claims.__dict__, separators=(",", ":")).encode())
        return f"{_TOKEN_PREFIX}.{payload}.{self._mac(payload)}", claims

    def verify(self, token: str, now: datetime) -> TokenClaims:
        """The token's claims; ModelArts.4102 when it cannot be parsed, ModelArts.0203 when invalid or expired."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _TOKEN_PREFIX:
            raise ApiError.of("ModelArts.4102")
        _, payload, mac = parts
        try:
            raw = _unb64(payload)
            _unb64(mac)
        except (binascii.Error, ValueError):
            raise ApiError.of("ModelArts.4102") from None
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise ApiError.of("ModelArts.0203", "signature mismatch")
        try:
            claims = TokenClaims(**json.loads(raw))
        except (ValueError, TypeError):
            raise ApiError.of("ModelArts.4102") from None
        if claims.expires_at <= now.timestamp():
            raise ApiError.of("ModelArts.0203", "the token has expired")
        return claims


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers: ``path`` decoded, ``query`` raw, ``headers`` with lower-case names."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class SignatureHeader:
    ak: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> SignatureHeader:
    """The parts of ``Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...``."""
    match = _AUTH_RE.match(value.strip())
    if match is None:
        raise ApiError.of("APIG.0301", "malformed Authorization header")
    headers = tuple(match["headers"].split(";"))
    return SignatureHeader(match["ak"], headers, match["sig"].lower())


def _encode(text: str) -> str:
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    uri = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query: str) -> str:
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)


def payload_hash(req: SignedRequest) -> str:
    """Hex SHA-256 of the body received; APIG.0301 when an ``X-Sdk-Content-Sha256`` header says otherwise."""
    digest = hashlib.sha256(req.body).hexdigest()
    claimed = req.headers.get("x-sdk-content-sha256")
    if claimed is not None and claimed.strip().lower() != digest:
        raise ApiError.of("APIG.0301", "X-Sdk-Content-Sha256 does not match the body")
    return digest


def canonical_request(req: SignedRequest, signed_headers: tuple[str, ...]) -> str:
    header_lines = "".join(f"{name}:{req.headers.get(name, '').strip()}\n" for name in signed_headers)
    return "\n".join(
        [
            req.method.upper(),
            canonical_uri(req.path),
            canonical_query(req.query),
            header_lines,
            ";".join(signed_headers),
            payload_hash(req),
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    return f"{ALGORITHM}\n{sdk_date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def sign(secret_key: str, text: str) -> str:
    return hmac.new(secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()


def check_sdk_date(value: str | None, now: datetime, max_skew_seconds: int) -> None:
    """APIG.0301 when ``X-Sdk-Date`` is missing, malformed or more than ``max_skew_seconds`` off."""
    if not value:
        raise ApiError.of("APIG.0301", "missing X-Sdk-Date header")
    try:
        signed_at = datetime.strptime(value, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise ApiError.of("APIG.0301", "malformed X-Sdk-Date header") from None
    if abs((now - signed_at).total_seconds()) > max_skew_seconds:
        raise ApiError.of("APIG.0301", "X-Sdk-Date is too far from the server's clock")


class Authenticator:
    """Checks credentials against the store and decides whether the caller may use a project."""

    def __init__(self, store: Store, tokens: TokenCodec, max_skew_seconds: int, replay_cache: bool = False) -> None:
        self.store = store
        self.tokens = tokens
        self.max_skew_seconds = max_skew_seconds
        self.replay_cache = replay_cache
        self._seen: dict[str, float] = {}  # signature -> when it may be forgotten (its date + the skew)
        self._lock = threading.Lock()

    def precheck_signature(self, authorization: str, headers: Mapping[str, str], now: datetime) -> None:
        """What a signed request can be refused for before its body is read: a malformed header, a missing or
        stale date, an unknown or revoked AK (so an unauthenticated sender never waits for a body slot)."""
        header = parse_authorization(authorization)
        check_sdk_date(headers.get("x-sdk-date"), now, self.max_skew_seconds)
        if "x-sdk-date" not in header.signed_headers:
            raise ApiError.of("APIG.0301", "X-Sdk-Date is not signed")
        key = self.store.get_access_key(header.ak)
        if key is None or key.revoked:
            raise ApiError.of("APIG.0301", "unknown access key")

    def by_token(self, token: str, project_id: str, now: datetime) -> Principal:
        if not token.strip():
            raise ApiError.of("ModelArts.4101")
        claims = self.tokens.verify(token.strip(), now)
        if not claims.project_id:
            raise ApiError.of("ModelArts.0203", "the token is not scoped to a project")
        if claims.project_id != project_id:
            raise ApiError.of("ModelArts.0203", "the token is scoped to another project")
        if not self.store.user_active(claims.user_id):
            raise ApiError.of("ModelArts.0203", "the token's user is disabled or deleted")
        return Principal(claims.user_id, claims.domain, self._project(project_id, claims.domain), "token")

    def by_signature(self, authorization: str, req: SignedRequest, project_id: str, now: datetime) -> Principal:
        header = parse_authorization(authorization)
        check_sdk_date(req.headers.get("x-sdk-date"), now, self.max_skew_seconds)
        key = self.store.get_access_key(header.ak)
        if key is None or key.revoked:
            raise ApiError.of("APIG.0301", "unknown access key")
        if "x-sdk-date" not in header.signed_headers:
            raise ApiError.of("APIG.0301", "X-Sdk-Date is not signed")
        canonical = canonical_request(req, header.signed_headers)
        expected = sign(key.secret_key, string_to_sign(canonical, req.headers["x-sdk-date"]))
        if not hmac.compare_digest(expected, header.signature):
            raise ApiError.of("APIG.0301", "signature mismatch")
        if self.replay_cache:
            self._first_use(header.signature, now)
        return Principal(key.user.id, key.user.domain, self._project(project_id, key.user.domain), "aksk")

    def _first_use(self, signature: str, now: datetime) -> None:
        """APIG.0301 when this signature was accepted before (kept for the skew window, in this process)."""
        moment = now.timestamp()
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {s: t for s, t in self._seen.items() if t > moment}
            if self._seen.get(signature, 0.0) > moment:
                raise ApiError.of("APIG.0301", "the signed request was already used")
            self._seen[signature] = moment + 2 * self.max_skew_seconds

    def _project(self, project_id: str, domain: str) -> ProjectInfo:
        project = self.store.get_project(project_id)
        if project is None or project.domain != domain:
            raise ApiError.of("ModelArts.4204", "unknown project")
        if not project.service_enabled:
            raise ApiError.of("ModelArts.4204", "the service is not enabled for this project")
        return project
