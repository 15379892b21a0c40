"""Legitimate throughput alone, beside flooding clients and beside slow unauthenticated clients.

    python bench/attack.py [--seconds 40] [--legit 2] [--hostile 8] [--workers 2] [--write]

A real server on loopback (default settings but the worker count). ``--legit`` clients send the specimen with
a token, back to back, for ``--seconds``; their answered requests per second is the figure. Then the same beside
``--hostile`` flooding clients (in another process: wrong passwords to ``/v3/auth/tokens`` for the real user
and unknown ones, requests signed with the real AK and a wrong signature, and forged tokens, as fast as
answered), then beside ``--hostile`` slow clients (each announces a 1000-byte body signed with the real AK or an
unknown one and sends one byte per second, reconnecting when cut). The target is >= 80 % of the figure alone.
``--write`` updates the ``hardening-attack`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import os
import resource
import socket
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import requests

import hostile
import report


def legit_load(
    live: hostile.Running, body: bytes, clients: int, seconds: float, url: str = "", token: str = ""
) -> dict[str, float]:
    """``clients`` threads send ``body`` back to back for ``seconds`` (to ``url`` with ``token``, by default
    the card route of the bootstrapped project): answered requests per second and counts."""
    counts: Counter[int] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        with requests.Session() as session:
            session.headers.update({"X-Auth-Token": token or live.token, "Content-Type": "application/json"})
            while time.monotonic() < deadline:
                try:
                    status = session.post(url or live.card_url, data=body, timeout=120).status_code
                except requests.RequestException:
                    status = 0
                with lock:
                    counts[status] += 1
                if status in (0, 429):
                    time.sleep(0.05)

    start = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - start
    return {"rps": counts[200] / wall, "ok": counts[200], "throttled": counts[429], "other": sum(counts.values())}


def flooder(url: str, boot: dict, seconds: float, index: int, out: multiprocessing.Queue) -> None:
    """One flooding client: token guesses, bad signatures, forged tokens in turn."""
    deadline = time.monotonic() + seconds
    card = f"{url}/v2/{boot['project_id']}/ocr/chile-id-card"
    statuses: Counter[int] = Counter()
    small = json.dumps({"image": base64.b64encode(b"x" * 64).decode()}).encode()
    with requests.Session() as session:
        turn = 0
        while time.monotonic() < deadline:
            turn += 1
            kind = turn % 4
            try:
                if kind in (0, 1):
                    user = boot["user"] if kind == 0 else f"user{index}-{turn}"
                    body = hostile.token_body(boot, password=f"guess-{turn}", user=user)
                    status = session.post(f"{url}/v3/auth/tokens", json=body, timeout=30).status_code
                elif kind == 2:
                    date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
                    auth = f"SDK-HMAC-SHA256 Access={boot['ak']}, SignedHeaders=host;x-sdk-date, Signature={'0' * 64}"
                    headers = {"Authorization": auth, "X-Sdk-Date": date, "Content-Type": "application/json"}
                    status = session.post(card, data=small, headers=headers, timeout=30).status_code
                else:
                    headers = {"X-Auth-Token": f"CIO1.{'A' * 200}.{'B' * 43}", "Content-Type": "application/json"}
                    status = session.post(card, data=small, headers=headers, timeout=30).status_code
            except requests.RequestException:
                status = 0
            statuses[status] += 1
    out.put(dict(statuses))


def slow_client(url: str, boot: dict, seconds: float, index: int, out: multiprocessing.Queue) -> None:
    """One slow sender: a signed request whose 1000-byte body comes one byte a second; again when cut."""
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + seconds
    answered: Counter[str] = Counter()
    while time.monotonic() < deadline:
        ak = boot["ak"] if index % 2 == 0 else "UNKNOWNAK00000000000"
        date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        head = (
            f"POST /v2/{boot['project_id']}/ocr/chile-id-card HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: 1000\r\nX-Sdk-Date: {date}\r\n"
            f"Authorization: SDK-HMAC-SHA256 Access={ak}, SignedHeaders=host;x-sdk-date, Signature={'0' * 64}\r\n\r\n"
        )
        try:
            with socket.create_connection((host, int(port)), timeout=2) as sock:
                sock.sendall(head.encode())
                sock.settimeout(1.0)
                while time.monotonic() < deadline:
                    try:
                        reply = sock.recv(64)
                        answered[reply[:12].decode(errors="replace") or "closed"] += 1
                        time.sleep(1.0)  # a slow client: it comes back a second later
                        break
                    except TimeoutError:
                        sock.sendall(b" ")
        except OSError:
            answered["connection error"] += 1
            time.sleep(0.2)
    out.put(dict(answered))


def with_hostiles(live: hostile.Running, target: object, args: argparse.Namespace, body: bytes) -> dict[str, object]:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = context.Queue()
    seconds = args.seconds + 5
    procs = [
        context.Process(target=target, args=(live.server.url, live.boot, seconds, i, queue))
        for i in range(args.hostile)
    ]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for proc in procs:
        proc.start()
    time.sleep(6.0)  # let them start (imports) and get going
    legit = legit_load(live, body, args.legit, args.seconds)
    hostile_counts: Counter[object] = Counter()
    for _ in procs:
        hostile_counts.update(queue.get(timeout=120))
    for proc in procs:
        proc.join(timeout=60)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return {"legit": legit, "hostile": dict(hostile_counts), "hostile_cpu": cpu}


def run(args: argparse.Namespace) -> dict[str, object]:
    real = Path(args.real)
    image = base64.b64encode((real / "specimen_front.jpg").read_bytes()).decode()
    body = json.dumps({"image": image}).encode()
    with hostile.running(args.workers) as live:
        legit_load(live, body, args.legit, 5)  # warm-up
        alone = legit_load(live, body, args.legit, args.seconds)
        flood = with_hostiles(live, flooder, args, body)
        between = legit_load(live, body, args.legit, args.seconds)
        slow = with_hostiles(live, slow_client, args, body)
        again = legit_load(live, body, args.legit, args.seconds)
    return {"alone": alone, "flood": flood, "between": between, "slow": slow, "again": again}


def render(out: dict, args: argparse.Namespace) -> str:
    rows: list[list[object]] = []
    phases = [("alone", "alone"), ("flood", "beside flooding clients"), ("between", "alone")]
    phases += [("slow", "beside slow clients"), ("again", "alone")]
    for index, (key, name) in enumerate(phases):
        if key in ("alone", "between", "again"):
            rows.append([name, f"{out[key]['rps']:.2f}", "-", "-", "-"])
            continue
        # The machine is shared: each phase against the mean of the runs alone just before and just after it.
        baseline = (out[phases[index - 1][0]]["rps"] + out[phases[index + 1][0]]["rps"]) / 2
        legit = out[key]["legit"]
        hostile_counts = ", ".join(f"{k}: {v}" for k, v in sorted(out[key]["hostile"].items(), key=str))
        share = report.pct(legit["rps"], baseline, 0)
        cpu = f"{out[key]['hostile_cpu']:.1f}"
        rows.append([f"{name} ({args.hostile})", f"{legit['rps']:.2f}", share, hostile_counts, cpu])
    return "\n".join(
        [
            f"{args.legit} legitimate clients (token, the specimen, back to back) for {args.seconds:g} s per phase; "
            f"a server with {args.workers} workers and default limits; hostile clients in another process on the "
            "same machine (they share its cores). Flooding: wrong passwords to /v3/auth/tokens (the real user and "
            "unknown ones), bad AK/SK signatures with the real AK, forged tokens. Slow: 1000-byte signed bodies sent "
            "one byte a second, half with the real AK, half with an unknown one. 'Of alone': against the mean of "
            "the runs alone just before and just after (the machine is shared with other work).",
            "",
            report.md_table(
                ["legitimate clients", "req/s", "of alone", "hostile answers (status: n)", "hostile CPU s"], rows
            ),
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--legit", type=int, default=2)
    parser.add_argument("--hostile", type=int, default=8)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--real", default=str(report.DEFAULT_REAL))
    parser.add_argument("--write", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    title = "Hardening: legitimate throughput under attack"
    report.publish("hardening-attack", title, render(run(args), args), args.write, "attack.py", argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
