"""N minutes at saturation: errors per minute and memory per minute.

    python bench/soak.py [--minutes 30] [--clients 8] [--workers 2] [--hostile-share 0.1] [--write]

A real server on loopback (default settings but the worker count); ``--clients`` clients (more than the workers,
so the queue stays full) send, with a token, the specimen and the phone photo in turn, back to back. A share
``--hostile-share`` of the requests (every n-th of each client) is a hostile input instead: the no-card uploads of
``bench/hostile_inputs.py`` (blank, flat grey 6000x6000, noise, a page of text, a form, a room) and the decoding
bombs of ``bench/bombs.py`` (a PNG bomb header of 30000 px among them), in turn. Each minute: answered legitimate
requests, 429s (the admission limit at work: expected), errors (a legitimate request answered anything else, or a
connection error), the hostile requests' answers (any 4xx is right; a 5xx or a connection error is counted as an
error too), the server's RSS and each worker's RSS at the minute's end. Drift is the last minute's summed RSS
over the first's. ``--write`` updates the ``hardening-soak`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import requests

import hostile
import report

IMAGES = ("specimen_front.jpg", "test_card_b_front_photo.jpg")


def _body(data: bytes) -> bytes:
    return json.dumps({"image": base64.b64encode(data).decode()}).encode()


def hostile_bodies(folder: Path) -> list[bytes]:
    """The hostile inputs, as request bodies: the no-card set, then bench/bombs.py's decoding bombs."""
    import bombs
    import hostile_inputs

    paths = hostile_inputs.write_hostile_inputs(folder)
    return [_body(path.read_bytes()) for path in paths.values()] + [_body(make()) for make, _ in bombs.BOMBS.values()]


def outcome_of(status: int, hostile_input: bool) -> str:
    """The counter a request's answer goes to (``error ...`` counters are errors)."""
    if hostile_input:
        return f"hostile {status}" if 400 <= status < 500 else f"error hostile {status}"
    return {200: "ok", 429: "throttled"}.get(status, f"error {status}")


def run(args: argparse.Namespace) -> list[dict[str, object]]:
    real = Path(args.real)
    bodies = [_body((real / n).read_bytes()) for n in IMAGES]
    every = round(1 / args.hostile_share) if args.hostile_share > 0 else 0
    with tempfile.TemporaryDirectory(prefix="chile-id-ocr-soak-") as tmp:
        hostile_ones = hostile_bodies(Path(tmp)) if every else []
    minutes: list[Counter[str]] = [Counter() for _ in range(int(args.minutes) + 1)]
    lock = threading.Lock()
    with hostile.running(args.workers) as live:
        start = time.monotonic()
        deadline = start + args.minutes * 60

        def client(index: int) -> None:
            turn = index
            with requests.Session() as session:
                session.headers.update({"X-Auth-Token": live.token, "Content-Type": "application/json"})
                while time.monotonic() < deadline:
                    turn += 1
                    hostile_input = bool(every) and turn % every == 0
                    body = hostile_ones[(turn // every) % len(hostile_ones)] if hostile_input else bodies[turn % 2]
                    try:
                        status = session.post(live.card_url, data=body, timeout=120).status_code
                        outcome = outcome_of(status, hostile_input)
                    except requests.RequestException as exc:
                        outcome = f"error {'hostile ' if hostile_input else ''}{type(exc).__name__}"
                    minute = min(int((time.monotonic() - start) // 60), len(minutes) - 1)
                    with lock:
                        minutes[minute][outcome] += 1
                    if outcome == "throttled":
                        time.sleep(0.05)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
        for thread in threads:
            thread.start()
        memory: list[tuple[float, list[float]]] = []
        for minute in range(int(args.minutes)):
            time.sleep(max(0.0, start + (minute + 1) * 60 - time.monotonic()))
            memory.append((live.server_rss_mib(), live.worker_rss_mib()))
        for thread in threads:
            thread.join()
    rows = []
    for minute, (server_mib, workers_mib) in enumerate(memory):
        counts = minutes[minute]
        errors = sum(v for k, v in counts.items() if k.startswith("error") and "hostile" not in k)
        hostile_ok = sum(v for k, v in counts.items() if k.startswith("hostile"))
        hostile_errors = sum(v for k, v in counts.items() if k.startswith("error hostile"))
        rows.append(
            {
                "minute": minute + 1,
                **counts,
                "errors": errors,
                "hostile": hostile_ok,
                "hostile errors": hostile_errors,
                "server": server_mib,
                "workers": workers_mib,
            }
        )
    return rows


def render(rows: list[dict[str, object]], args: argparse.Namespace) -> str:
    table = []
    for row in rows:
        workers = row["workers"]
        total = row["server"] + sum(workers)  # type: ignore[operator, arg-type]
        table.append(
            [
                row["minute"],
                row.get("ok", 0),
                row.get("throttled", 0),
                row["errors"],
                row["hostile"],
                row["hostile errors"],
                f"{row['server']:.0f}",
                " / ".join(f"{w:.0f}" for w in workers),  # type: ignore[attr-defined]
                f"{total:.0f}",
            ]
        )
    first, last = float(table[0][-1]), float(table[-1][-1])
    errors = sum(int(r["errors"]) for r in rows)  # type: ignore[call-overload]
    answered = sum(int(r.get("ok", 0)) for r in rows)  # type: ignore[call-overload]
    hostile_sent = sum(int(r["hostile"]) + int(r["hostile errors"]) for r in rows)  # type: ignore[call-overload]
    hostile_errors = sum(int(r["hostile errors"]) for r in rows)  # type: ignore[call-overload]
    return "\n".join(
        [
            f"{args.minutes:g} minutes, {args.clients} clients (token; the specimen and the phone photo in turn, "
            f"{100 * args.hostile_share:g} % hostile inputs mixed in) against a server with {args.workers} workers "
            f"and default limits: **{answered} legitimate requests answered, {errors} errors**; {hostile_sent} "
            f"hostile inputs, {hostile_errors} of them answered with a 5xx or a connection error; "
            f"summed RSS {first:.0f} MiB after minute 1, {last:.0f} MiB after the last "
            f"(drift {100.0 * (last - first) / first:+.1f} %).",
            "",
            report.md_table(
                [
                    "minute",
                    "200",
                    "429",
                    "errors",
                    "hostile 4xx",
                    "hostile errors",
                    "server RSS MiB",
                    "worker RSS MiB",
                    "summed RSS MiB",
                ],
                table,
            ),
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--hostile-share", type=float, default=0.1, help="share of hostile inputs (0: none)")
    parser.add_argument("--real", default=str(report.DEFAULT_REAL))
    parser.add_argument("--write", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows = run(args)
    body = render(rows, args)
    print(body)
    if args.write:
        report.write_section("hardening-soak", "Hardening: soak", body, report.command_line("soak.py", argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
