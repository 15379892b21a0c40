"""Bad inputs at scale against a real server on loopback: how many get a 5xx, and the workers' memory after.

    python bench/fuzz.py [--cases 10000] [--clients 4] [--workers 2] [--seed 1] [--write]

Each case is one request to ``POST /v2/{project_id}/ocr/chile-id-card`` with a valid token and a bad body, drawn
from these families (in turn): random bytes; random JSON documents (the contract's keys, values of every type);
valid small images (PNG, JPEG, BMP, TIFF) with bytes flipped, cut or inserted; image headers declaring huge
sizes (decompression bombs, 1-bit TIFFs); the crafted decoding bombs of ``bench/bombs.py`` (a progressive JPEG of
20,000 scans, TIFF tiles of 16368 px, 20,000 TIFF pages, a 16-bit PNG of zeros, GIF, WebP); invalid base64; JSON
nested thousands deep; URLs to loopback, private, metadata and malformed addresses (no name needs DNS); wrong
types; both or neither of image and url; over-long strings. It reports the answers by status and code, every
5xx, connection errors, and the RSS of each worker process before and after. ``--write`` updates the
``hardening-fuzz`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import base64
import functools
import io
import json
import random
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import requests
from PIL import Image

import bombs
import hostile
import report

KEYS = ["image", "url", "details", "back_image", "back_url"]


def _image(fmt: str, size: tuple[int, int], **options: object) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, fmt, **options)
    return buf.getvalue()


SEEDS = [
    _image("PNG", (40, 24)),
    _image("JPEG", (64, 48), quality=80),
    _image("BMP", (30, 30)),
    _image("TIFF", (32, 20)),
    _image("TIFF", (32, 20), compression="tiff_lzw"),
]


def png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"\0" * 256))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b"")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _json_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.randint(-(2**70), 2**70)
    if kind == 3:
        return rng.uniform(-1e300, 1e300)
    if kind == 4:
        return "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(40)))
    if kind == 5:
        return [_json_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(rng.random())[:6]: _json_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def mutated(rng: random.Random) -> bytes:
    data = bytearray(rng.choice(SEEDS))
    for _ in range(rng.randint(1, 6)):
        position = rng.randrange(len(data))
        action = rng.randrange(3)
        if action == 0:
            data[position] = rng.randrange(256)
        elif action == 1:
            del data[max(8, position) :]
        else:
            data[position:position] = rng.randbytes(rng.randint(1, 16))
    return bytes(data)


def bomb(rng: random.Random) -> bytes:
    """A small file declaring more pixels than the budget (a decompression bomb), or an empty long strip."""
    side = rng.choice([8192, 9000, 16000, 30000, 65535])
    if rng.random() < 0.8:
        return png_header(side, rng.choice([side, 15, 8192]))
    return BOMB_TIFFS[rng.randrange(len(BOMB_TIFFS))]


def _tiff_1bit(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("1", (width, height), 1).save(buf, "TIFF", compression="group4")
    return buf.getvalue()


BOMB_TIFFS = [_tiff_1bit(8192, 8192), _tiff_1bit(7000, 6000)]  # 67 and 42 Mpx in a few KB


@functools.cache
def _decoding_bombs() -> tuple[bytes, ...]:
    """bench/bombs.py's files, made once."""
    return tuple(make() for make, _code in bombs.BOMBS.values())


def decoding_bomb(rng: random.Random) -> bytes:
    return rng.choice(_decoding_bombs())


URLS = [
    "http://127.0.0.1:{port}/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://10.0.0.1/x.jpg",
    "http://169.254.169.254/latest/meta-data/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "ftp://127.0.0.1/x.jpg",
    "file:///etc/passwd",
    "gopher://127.0.0.1/",
    "http:///x.jpg",
    "http://[::1",
    "http://user:pass@127.0.0.1/",
    "http://192.168.0.1:99999/",
    "javascript:alert(1)",
    "",
]


def families(port: int) -> list[Callable[[random.Random], bytes]]:
    def doc(d: object) -> bytes:
        return json.dumps(d).encode()

    return [
        lambda r: r.randbytes(r.randrange(300)),
        lambda r: doc({r.choice([*KEYS, "x"]): _json_value(r) for _ in range(r.randrange(5))}),
        lambda r: doc({"image": _b64(mutated(r)), "details": r.random() < 0.5}),
        lambda r: doc({"image": _b64(mutated(r)), "back_image": _b64(mutated(r))}),
        lambda r: doc({"image": _b64(bomb(r))}),
        lambda r: doc({"image": _b64(decoding_bomb(r))}),
        lambda r: doc({"image": r.choice(["%%%", "ñandú", "QUJD=", "data:image/png;base64,@@", "A" * 5])}),
        lambda r: b'{"image": ' + b"[" * (d := r.choice([500, 1000, 5000, 100_000])) + b"]" * d + b"}",
        lambda r: doc({"url": r.choice(URLS).format(port=port)}),
        lambda r: doc({r.choice(KEYS): _json_value(r), "image": _json_value(r)}),
        lambda r: doc({"image": _b64(SEEDS[0]), "url": "http://10.0.0.1/"}),
        lambda r: doc({"image": "A" * r.choice([10 * 1024 * 1024 + 4, 1_000_001])}),
        lambda r: r.randbytes(8) + b'{"image": "' + _b64(mutated(r)).encode(),
    ]


def run(args: argparse.Namespace) -> dict[str, object]:
    settings = {"CHILE_ID_OCR_QUEUE_LIMIT": str(4 * args.clients)}
    with hostile.running(args.workers, settings) as live:
        port = int(live.server.url.rsplit(":", 1)[1])
        makers = families(port)
        rss_before = live.worker_rss_mib()
        statuses: Counter[str] = Counter()
        five_xx: list[str] = []
        errors: Counter[str] = Counter()
        lock = threading.Lock()
        next_case = iter(range(args.cases))

        def client(index: int) -> None:
            with requests.Session() as session:
                session.headers.update({"X-Auth-Token": live.token, "Content-Type": "application/json"})
                for case in next_case:
                    rng = random.Random(args.seed * 1_000_003 + case)
                    family = case % len(makers)
                    body = makers[family](rng)
                    try:
                        response = session.post(live.card_url, data=body, timeout=120)
                        try:
                            code = response.json().get("error_code", "ok")
                        except ValueError:
                            code = "not JSON"
                        key = f"{response.status_code} {code}"
                    except requests.RequestException as exc:
                        key = f"connection {type(exc).__name__}"
                        with lock:
                            errors[key] += 1
                    with lock:
                        statuses[key] += 1
                        if key[0] == "5":
                            five_xx.append(f"case {case} family {family}: {key}")

        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(client, range(args.clients)))
        wall = time.perf_counter() - start
        time.sleep(1.0)
        rss_after = live.worker_rss_mib()
        ready = requests.get(f"{live.server.url}/ready", timeout=10).status_code
    return {
        "cases": args.cases,
        "wall": wall,
        "statuses": statuses,
        "five_xx": five_xx,
        "errors": errors,
        "rss_before": rss_before,
        "rss_after": rss_after,
        "ready_after": ready,
        "families": len(makers),
    }


def render(out: dict[str, object], args: argparse.Namespace) -> str:
    statuses: Counter[str] = out["statuses"]  # type: ignore[assignment]
    rows = [[key, count] for key, count in sorted(statuses.items(), key=lambda kv: -kv[1])]
    five = out["five_xx"]
    before = ", ".join(f"{v:.0f}" for v in out["rss_before"])  # type: ignore[attr-defined]
    after = ", ".join(f"{v:.0f}" for v in out["rss_after"])  # type: ignore[attr-defined]
    return "\n".join(
        [
            f"{out['cases']} bad requests ({out['families']} families, seed {args.seed}) from {args.clients} clients "
            f"to a server with {args.workers} workers, in {out['wall']:.0f} s: **{len(five)} answered 5xx**"  # type: ignore[arg-type]
            f", {sum(out['errors'].values())} connection errors; /ready after: {out['ready_after']}.",  # type: ignore[attr-defined]
            "",
            f"Worker RSS (MiB) before: {before}; after: {after}.",
            "",
            report.md_table(["status and code", "requests"], rows),
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out = run(args)
    body = render(out, args)
    print(body)
    if args.write:
        report.write_section("hardening-fuzz", "Hardening: fuzzing", body, report.command_line("fuzz.py", argv))
    return 1 if out["five_xx"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
