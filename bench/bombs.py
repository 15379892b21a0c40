"""Crafted decoding bombs: small files whose decoding would cost far more time or memory than their size says.

Each maker returns the file's bytes (deterministic, well under the API's 10 MB); ``BOMBS`` names them with the
contract's code they must get, before any pixel is decoded:

- ``progressive JPEG, 20k scans``: a 2000x2000 greyscale progressive JPEG whose one DC scan is repeated 20,000
  times (about 280 KB): libjpeg passes over every block once per scan (seconds to minutes of decoding). AIS.0103.
- ``progressive JPEG, 64 full scans at 8192 px``: 8192x8192, 64 scans over all three components (within the scan
  count, over the scan work). AIS.0103.
- ``TIFF, 16368 px tiles``: a 1000x1000 RGB TIFF (deflate) whose one tile is 16368x16368 (800 MB to decode one
  tile; a few KB of file). AIS.0103.
- ``TIFF, 8192x100 in a strip of 16368 rows``: OpenCV allocates its strip buffer by RowsPerStrip, past the
  height (536 MB for 800 KB of pixels). AIS.0103.
- ``TIFF, 16-bit 4-sample 6000 px``: 6000x6000, 4 samples of 16 bits (under the pixel budget, 576 MB to decode and
  convert). AIS.0103.
- ``TIFF, 20k pages``: 20,000 chained 16x16 pages (a multi-frame bomb; the IFD walk must stay bounded). AIS.0103.
- ``PNG, 16-bit RGBA 6000 px of zeros``: a real IDAT of 288 MB of zeros deflated to ~280 KB. AIS.0103.
- ``PNG, 100x100 whose IDAT inflates to 4 GB``: 4.2 MB; libpng inflates the whole stream past the rows
  (5.8 s of decoding). AIS.0103.
- ``PNG, 30000 px header``: declares 30000x30000 and holds 64 bytes (the round-1 bomb). AIS.0103.
- ``GIF, 1000 frames`` and ``WebP``: formats the contract does not take, refused from their first bytes. AIS.0102.

Run it to probe a real server on loopback (``chile-id-ocr serve``, one worker by default)::

    python bench/bombs.py [--workers 1] [--real ../shared/real] [--write] [--label LABEL]

Each bomb is posted once, then the specimen; the report gives the answer, the request's wall time, the worker's
peak RSS during it (``VmHWM``, reset through ``/proc/PID/clear_refs`` before each request; that needs to own the
worker, as the bench does) and whether the specimen was still read. ``--write`` updates the ``decoding-bombs``
section of BENCHMARKS.md (``--section`` another; ``--label`` names the code measured, e.g. the commit before the
fix when the bench is run with ``PYTHONPATH`` pointing at that commit's ``src``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import struct
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image

SHORT, LONG = 3, 4
MB = 1 << 20


def deflated_zeros(size: int) -> bytes:
    """zlib data that inflates to ``size`` zero bytes, at deflate's best ratio (~1030:1), in milliseconds: one
    MiB of zeros deflated once (ending in a full flush: no reference before it) and repeated, then the rest, then
    the Adler-32 of ``size`` zeros, which is ``(size mod 65521) << 16 | 1``.

    >>> import zlib
    >>> zlib.decompress(deflated_zeros(3 * MB + 7)) == bytes(3 * MB + 7)
    True
    """
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = raw.compress(bytes(MB)) + raw.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = tail.compress(bytes(size % MB)) + tail.flush()
    return b"\x78\xda" + block * (size // MB) + end + ((size % 65521) << 16 | 1).to_bytes(4, "big")


def progressive_jpeg(side: int, scans: int, components: int = 1) -> bytes:
    """A ``side`` x ``side`` progressive JPEG whose scan is repeated ``scans`` times: the DC scan of the first
    component (one component), or a DC scan of all three (``components=3``), each with 4 bytes of entropy-coded
    data. The tables come from a 16x16 image encoded by Pillow, its frame header patched to ``side``."""
    buf = io.BytesIO()
    Image.new("L" if components == 1 else "RGB", (16, 16), 128).save(buf, "JPEG", progressive=True, quality=75)
    data = buf.getvalue()
    pos, head = 2, [b"\xff\xd8"]
    while data[pos + 1] != 0xDA:  # the tables and the frame header, up to the first scan
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        segment = data[pos : pos + 2 + length]
        if data[pos + 1] == 0xC2:
            segment = segment[:5] + struct.pack(">HH", side, side) + segment[9:]
        head.append(segment)
        pos += 2 + length
    selectors = b"".join(bytes([c + 1, 0x00]) for c in range(components))
    sos = b"\xff\xda" + struct.pack(">HB", 6 + 2 * components, components) + selectors + b"\x00\x00\x00"
    return b"".join(head) + (sos + b"\x00" * 4) * scans + b"\xff\xd9"


def tiff(pages: Sequence[dict[int, tuple[int, Sequence[int]]]], data: bytes) -> bytes:
    """A little-endian TIFF: ``data`` at offset 8, then one IFD per page (``{tag: (type, values)}``, SHORT or
    LONG), chained in order; values longer than 4 bytes are stored after their IFD."""
    out = bytearray(b"II*\x00" + struct.pack("<I", 0) + data)
    previous_link = 4
    for page in pages:
        out += b"\0" * (len(out) % 2)
        ifd = len(out)
        struct.pack_into("<I", out, previous_link, ifd)
        extra_at = ifd + 2 + 12 * len(page) + 4
        entries, extra = bytearray(), bytearray()
        for tag, (kind, values) in sorted(page.items()):
            packed = struct.pack(f"<{len(values)}{'H' if kind == SHORT else 'I'}", *values)
            if len(packed) <= 4:
                entries += struct.pack("<HHI", tag, kind, len(values)) + packed.ljust(4, b"\0")
            else:
                entries += struct.pack("<HHII", tag, kind, len(values), extra_at + len(extra))
                extra += packed
        out += struct.pack("<H", len(page)) + entries + struct.pack("<I", 0) + extra
        previous_link = ifd + 2 + 12 * len(page)
    return bytes(out)


def _page(width: int, height: int, bits: Sequence[int], tile: int | None = None, rows: int | None = None) -> bytes:
    """One deflated page of zeros, in one strip (of ``rows`` rows: the height by default) or in ``tile`` x
    ``tile`` tiles (every tile the same data)."""
    across = 1 if tile is None else -(-width // tile) * -(-height // tile)
    chunk = deflated_zeros((tile or width) * (tile or min(height, rows or height)) * sum(bits) // 8)
    tags: dict[int, tuple[int, Sequence[int]]] = {
        256: (LONG, [width]),
        257: (LONG, [height]),
        258: (SHORT, list(bits)),
        259: (SHORT, [8]),
        262: (SHORT, [2 if len(bits) >= 3 else 1]),
        277: (SHORT, [len(bits)]),
        284: (SHORT, [1]),
    }
    if len(bits) == 4:
        tags[338] = (SHORT, [2])  # the fourth sample is alpha
    if tile is None:
        tags.update({273: (LONG, [8]), 278: (LONG, [rows or height]), 279: (LONG, [len(chunk)])})
    else:
        tags.update({322: (LONG, [tile]), 323: (LONG, [tile]), 324: (LONG, [8] * across)})
        tags[325] = (LONG, [len(chunk)] * across)
    return tiff([tags], chunk)


def tiff_huge_tiles(side: int = 1000, tile: int = 16368) -> bytes:
    return _page(side, side, [8, 8, 8], tile)


def tiff_tall_strips(width: int = 8192, height: int = 100, rows: int = 16368) -> bytes:
    """``width`` x ``height`` RGB whose strip declares ``rows`` rows: OpenCV sizes its strip buffer by them."""
    return _page(width, height, [8, 8, 8], rows=rows)


def tiff_deep(side: int = 6000) -> bytes:
    """``side`` x ``side``, four 16-bit samples of zeros, in one strip."""
    return _page(side, side, [16] * 4)


def tiff_pages(pages: int = 20_000) -> bytes:
    page = {
        256: (LONG, [16]),
        257: (LONG, [16]),
        258: (SHORT, [8]),
        259: (SHORT, [1]),
        262: (SHORT, [1]),
        273: (LONG, [8]),
        277: (SHORT, [1]),
        278: (LONG, [16]),
        279: (LONG, [256]),
    }
    return tiff([page] * pages, b"\0" * 256)


def png(width: int, height: int, bit_depth: int, colour: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_zeros(side: int = 6000, bit_depth: int = 16, colour: int = 6) -> bytes:
    """A complete PNG of zeros (every row filter 0): its IDAT inflates to the whole image."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    return png(side, side, bit_depth, colour, deflated_zeros(side * (1 + side * channels * bit_depth // 8)))


def png_overflowing(side: int = 100, extra: int = 4 << 30) -> bytes:
    """A ``side`` x ``side`` grey PNG whose IDAT goes on to inflate ``extra`` bytes past its rows."""
    return png(side, side, 8, 0, deflated_zeros(side * (side + 1) + extra))


def png_header(side: int = 30000) -> bytes:
    return png(side, side, 8, 0, zlib.compress(b"\0" * 64))


def gif_frames(frames: int = 1000) -> bytes:
    images = [Image.new("P", (64, 64), i % 256) for i in range(frames)]
    buf = io.BytesIO()
    images[0].save(buf, "GIF", save_all=True, append_images=images[1:])
    data = bytearray(buf.getvalue())
    data[6:10] = struct.pack("<HH", 65535, 65535)  # the logical screen: 4.3 Gpx
    return bytes(data)


def webp() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 120, 40)).save(buf, "WEBP")
    return buf.getvalue()


BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    "progressive JPEG, 20k scans": (lambda: progressive_jpeg(2000, 20_000), "AIS.0103"),
    "progressive JPEG, 64 full scans at 8192 px": (lambda: progressive_jpeg(8192, 64, 3), "AIS.0103"),
    "TIFF, 16368 px tiles": (tiff_huge_tiles, "AIS.0103"),
    "TIFF, 8192x100 in a strip of 16368 rows": (tiff_tall_strips, "AIS.0103"),
    "TIFF, 16-bit 4-sample 6000 px": (tiff_deep, "AIS.0103"),
    "TIFF, 20k pages": (tiff_pages, "AIS.0103"),
    "PNG, 16-bit RGBA 6000 px of zeros": (png_zeros, "AIS.0103"),
    "PNG, 100x100 whose IDAT inflates to 4 GB": (png_overflowing, "AIS.0103"),
    "PNG, 30000 px header": (png_header, "AIS.0103"),
    "GIF, 1000 frames": (gif_frames, "AIS.0102"),
    "WebP": (webp, "AIS.0102"),
}


def _peak_rss_mib(pids: Sequence[int]) -> float:
    """The largest ``VmHWM`` among ``pids``, MiB."""
    peaks = [0.0]
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        peaks += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmHWM:")]
    return max(peaks)


def _reset_peaks(pids: Sequence[int]) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")


def probe(args: argparse.Namespace) -> list[list[object]]:
    import requests

    import hostile

    specimen = base64.b64encode((Path(args.real) / "specimen_front.jpg").read_bytes()).decode()
    rows: list[list[object]] = []
    with hostile.running(args.workers) as live:
        headers = {"X-Auth-Token": live.token}

        def post(image: str) -> tuple[str, float]:
            start = time.perf_counter()
            answer = requests.post(live.card_url, json={"image": image}, headers=headers, timeout=600)
            code = answer.json().get("error_code", "ok") if answer.content else ""
            return f"{answer.status_code} {code}", time.perf_counter() - start

        post(specimen)  # warm
        for name, (make, expected) in BOMBS.items():
            data = make()
            workers = [p for p in hostile.srv.tree(live.server.process.pid) if p != live.server.process.pid]
            _reset_peaks(workers)
            answer, seconds = post(base64.b64encode(data).decode())
            peak = _peak_rss_mib(workers)
            after, _ = post(specimen)
            mark = "" if answer.endswith(expected) else f" (expected {expected})"
            rows.append([name, f"{len(data) / 1000:,.1f}", answer + mark, f"{seconds:.2f}", f"{peak:.0f}", after])
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    import report

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--real", default=str(Path(__file__).resolve().parents[2] / "shared" / "real"))
    parser.add_argument("--label", default="")
    parser.add_argument("--section", default="decoding-bombs")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    rows = probe(args)
    headers = ["bomb", "file KB", "answer", "wall s", "worker peak RSS MiB", "the specimen after"]
    label = f" ({args.label})" if args.label else ""
    body = "\n".join(
        [
            f"Each crafted file posted once to a server with {args.workers} worker(s){label}, then the specimen "
            "(`bench/bombs.py` says what each file is).",
            "",
            report.md_table(headers, rows),
        ]
    )
    print(body)
    if args.write:
        command = report.command_line("bombs.py", argv)
        title = "Hardening: decoding bombs" + (f" ({args.label})" if args.label else "")
        report.write_section(args.section, title, body, command)
    missed = [row for row in rows if "expected" in str(row[2]) or not str(row[5]).startswith("200")]
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
