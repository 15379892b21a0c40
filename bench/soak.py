"""N minutes at saturation: errors per minute and memory per minute.

    python bench/soak.py [--minutes 30] [--clients 8] [--workers 2] [--write]

A real server on loopback (default settings but the worker count); ``--clients`` clients (more than the workers,
so the queue stays full) send, with a token, the specimen and the phone photo in turn, back to back. Each minute:
answered requests, 429s (the admission limit at work: expected), errors (anything else, or a connection error),
the server's RSS and each worker's RSS at the minute's end. Drift is the last minute's summed RSS over the
first's. ``--write`` updates the ``hardening-soak`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import requests

import hostile
import report

IMAGES = ("specimen_front.jpg", "test_card_b_front_photo.jpg")


def run(args: argparse.Namespace) -> list[dict[str, object]]:
    real = Path(args.real)
    bodies = [json.dumps({"image": base64.b64encode((real / n).read_bytes()).decode()}).encode() for n in IMAGES]
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
                    try:
                        status = session.post(live.card_url, data=bodies[turn % 2], timeout=120).status_code
                        outcome = {200: "ok", 429: "throttled"}.get(status, f"error {status}")
                    except requests.RequestException as exc:
                        outcome = f"error {type(exc).__name__}"
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
        errors = sum(v for k, v in counts.items() if k.startswith("error"))
        rows.append({"minute": minute + 1, **counts, "errors": errors, "server": server_mib, "workers": workers_mib})
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
                f"{row['server']:.0f}",
                " / ".join(f"{w:.0f}" for w in workers),  # type: ignore[attr-defined]
                f"{total:.0f}",
            ]
        )
    first, last = float(table[0][-1]), float(table[-1][-1])
    errors = sum(int(r["errors"]) for r in rows)  # type: ignore[call-overload]
    answered = sum(int(r.get("ok", 0)) for r in rows)  # type: ignore[call-overload]
    return "\n".join(
        [
            f"{args.minutes:g} minutes, {args.clients} clients (token; the specimen and the phone photo in turn) "
            f"against a server with {args.workers} workers and default limits: "
            f"**{answered} answered, {errors} errors**; "
            f"summed RSS {first:.0f} MiB after minute 1, {last:.0f} MiB after the last "
            f"(drift {100.0 * (last - first) / first:+.1f} %).",
            "",
            report.md_table(
                ["minute", "200", "429", "errors", "server RSS MiB", "worker RSS MiB", "summed RSS MiB"], table
            ),
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
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
