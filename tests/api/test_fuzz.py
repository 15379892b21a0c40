"""Fuzzing, small enough for CI (about 2,000 cases, derandomized so that a run is repeatable):

- ``vision.decode.decode`` on random bytes and on valid small images with bytes flipped, cut or inserted (their
  headers included): it answers a ``DecodedImage`` or a contract ``RecognitionError``, never anything else;
- ``POST /v2/{project_id}/ocr/chile-id-card`` on a real server with random JSON documents (the contract's keys
  with values of every type), random base64 and URLs, and random bytes: never a 5xx, always the contract's shape.

``bench/fuzz.py`` runs the same generators at 10,000+ cases and reports the worker's memory afterwards.
Every host name a generated URL names resolves (through the network guard's fake DNS) to a private address, so
the fetcher refuses it before connecting.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from chile_id_ocr.errors import RecognitionError
from chile_id_ocr.vision.decode import DecodedImage, decode
from service_support import PRIVATE_NAME, Credentials, EveryNamePrivate, NetworkGuard, ThreadServer, guarding, token_of


def fuzz(max_examples: int) -> settings:
    return settings(FUZZ, max_examples=max_examples)


FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    yield from guarding(monkeypatch, EveryNamePrivate({PRIVATE_NAME: "10.0.0.1"}))


def _image(fmt: str, size: tuple[int, int] = (40, 24), **options: object) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, fmt, **options)
    return buf.getvalue()


SEEDS = [
    _image("PNG"),
    _image("JPEG", quality=80),
    _image("BMP"),
    _image("TIFF"),
    _image("TIFF", compression="tiff_lzw"),
    _image("JPEG", (64, 48), progressive=True),
]


@st.composite
def mutated_images(draw: st.DrawFn) -> bytes:
    """A valid small image with a few bytes flipped, cut short or grown (the header is the likeliest target)."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "header"]))
        position = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[position] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[position:]
            if not data:
                data = bytearray(b"\x89PNG")
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[draw(st.integers(0, min(40, len(data) - 1)))] = draw(st.integers(0, 255))
    return bytes(data)


def magic_then_noise() -> st.SearchStrategy[bytes]:
    magic = st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"BM", b"II*\x00", b"MM\x00*", b""])
    return st.tuples(magic, st.binary(max_size=300)).map(lambda parts: parts[0] + parts[1])


def decodes_or_refuses(data: bytes) -> None:
    try:
        decoded = decode(data)
    except RecognitionError as err:
        assert err.code in {"AIS.0102", "AIS.0103"}, err.code
    else:
        assert isinstance(decoded, DecodedImage) and decoded.pixels.size > 0


@fuzz(700)
@given(mutated_images())
def test_decode_mutated_images(data: bytes) -> None:
    decodes_or_refuses(data)


@fuzz(500)
@given(magic_then_noise())
def test_decode_random_bytes(data: bytes) -> None:
    decodes_or_refuses(data)


# --- the HTTP endpoint ---------------------------------------------------------------------------------------------

KEYS = ["image", "url", "details", "back_image", "back_url"]
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
b64_images = mutated_images().map(lambda data: base64.b64encode(data).decode())
urls = st.from_regex(r"\A(https?|ftp|file|gopher)://[a-z][a-z.\-]{0,15}(:[0-9]{1,5})?/[!-~]{0,20}\Z")
field_values = json_values | b64_images | urls | st.text(alphabet="ABCD+/=\n", max_size=40)
documents = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), field_values, max_size=5) | json_values
bodies = documents.map(lambda doc: json.dumps(doc).encode()) | st.binary(max_size=200)


@pytest.fixture(scope="module")
def session(server: ThreadServer, creds: Credentials) -> Iterator[requests.Session]:
    token = token_of(server, creds)
    with requests.Session() as http:
        http.headers.update({"X-Auth-Token": token, "Content-Type": "application/json"})
        yield http


@fuzz(800)
@given(body=bodies)
def test_card_endpoint_never_fails_with_a_5xx(
    server: ThreadServer, creds: Credentials, session: requests.Session, body: bytes
) -> None:
    response = session.post(f"{server.url}/v2/{creds.project_id}/ocr/chile-id-card", data=body, timeout=60)
    assert response.status_code < 500, (response.status_code, response.text[:200])
    answer = response.json()
    if response.status_code == 200:
        assert set(answer) <= {"result", "details"}
    else:
        assert set(answer) == {"error_code", "error_msg"}, answer
        assert response.status_code in (400, 429)
