"""Probes of the server's edge (issue 22): oversized heads, an idle-connection flood past the file limit, a
flooding tenant, slow bodies with a valid AK or another tenant's token, and password guessing.

    python bench/edge.py [--seconds 30] [--workers 2] [--idle 20000] [--write]

A real server on loopback (``chile-id-ocr serve``, default limits but the worker count; the open-file limit is
the machine's, which the server raises to its hard limit). Each throughput phase is measured alone, beside the
attack, and alone again; the figure is the share of the mean of the two runs alone (the machine is shared).

- **heads**: 500 headers of 8 KB (4 MB) and one header of up to 420 MB, sent until the server answers: its
  status and what had been sent by then.
- **idle**: ``--idle`` connections that send nothing, opened by four processes that reopen each one the server
  closes, beside 2 legitimate clients (token, the specimen); the server log's lines meanwhile.
- **tenant flood**: 6 clients of another project send the specimen back to back; the figure is one client of
  the bootstrapped project (target >= 40 % of its throughput alone).
- **slow bodies**: 8 clients that announce a 1000-byte body and send a byte a second (reconnecting when cut),
  half signed with the real AK (wrong signature), half with another tenant's valid token (target >= 80 %).
- **guessing**: 10 wrong passwords for the real user from another network, then the real user from theirs;
  wrong passwords from 40 rotating networks, then the right one from a new network and from the user's own.
- **files**: the SQLite database's mode (0600), and /docs: nothing from other hosts, a Content-Security-Policy.

``--write`` updates the ``hardening-edge`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import resource
import select
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

import attack
import hostile
import report
import server as srv


def send_until_answered(host: str, port: int, pieces: Iterator[bytes]) -> tuple[str, int]:
    """Send ``pieces`` on one connection until the server answers: (status line, bytes sent by then)."""
    sent = 0
    with socket.create_connection((host, port), timeout=60) as sock:
        for piece in pieces:
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(piece)
            except OSError:
                break
            sent += len(piece)
        try:
            line = sock.recv(256).split(b"\r\n")[0].decode(errors="replace") or "closed"
        except OSError as exc:
            line = type(exc).__name__
    return line, sent


def heads(live: hostile.Running) -> list[list[object]]:
    host, port = live.server.url.removeprefix("http://").split(":")
    start = f"GET /health HTTP/1.1\r\nHost: {host}:{port}\r\n".encode()
    many = iter([start, *(f"X-Filler-{i}: {'a' * 8192}\r\n".encode() for i in range(500)), b"\r\n"])
    huge = iter([start + b"X-Huge: ", *(b"b" * 65536 for _ in range(420 * 16))])
    rows: list[list[object]] = []
    for label, pieces, total in (("500 headers of 8 KB", many, 500 * 8205), ("one 420 MB header", huge, 420 << 20)):
        before = live.server_rss_mib()
        line, sent = send_until_answered(host, int(port), pieces)
        rows.append([label, f"{total / 2**20:.0f} MB", line, f"{sent / 2**20:.1f} MB", f"{before:.0f}"])
        rows[-1].append(f"{live.server_rss_mib():.0f}")
    return rows


def idler(url: str, count: int, seconds: float, out: multiprocessing.Queue) -> None:
    """Hold ``count`` idle connections for ``seconds``, reopening each one the server closes."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    host, port = url.removeprefix("http://").split(":")
    address = (host, int(port))
    poller = select.epoll()
    socks: dict[int, socket.socket] = {}
    stats: Counter[str] = Counter()

    def open_one() -> None:
        sock = socket.socket()
        sock.setblocking(False)
        try:
            sock.connect_ex(address)
        except OSError:
            stats["connect failed"] += 1
            sock.close()
            return
        socks[sock.fileno()] = sock
        poller.register(sock.fileno(), select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP)
        stats["opened"] += 1

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        while len(socks) < count and time.monotonic() < deadline:
            open_one()
            if stats["opened"] % 500 == 0:
                break
        for fd, _ in poller.poll(0.05):
            poller.unregister(fd)
            socks.pop(fd).close()
            stats["closed by the server"] += 1
    for sock in socks.values():
        sock.close()
    out.put(dict(stats))


def in_processes(target: Any, args: Sequence[tuple[Any, ...]]) -> tuple[list[Any], multiprocessing.Queue]:
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = context.Queue()
    procs = [context.Process(target=target, args=(*a, queue)) for a in args]
    for proc in procs:
        proc.start()
    return procs, queue


def starter(target: Any, args: Sequence[tuple[Any, ...]]) -> Any:
    """A function that starts the attackers and returns a function that waits for their counts."""

    def start() -> Any:
        procs, queue = in_processes(target, args)
        return lambda: gather(procs, queue)

    return start


def gather(procs: list[Any], queue: multiprocessing.Queue) -> Counter[str]:
    total: Counter[str] = Counter()
    for _ in procs:
        total.update(queue.get(timeout=300))
    for proc in procs:
        proc.join(timeout=60)
    return total


def log_lines(log: Path) -> Counter[str]:
    text = log.read_text(errors="replace")
    return Counter(
        {
            "lines": text.count("\n"),
            "asyncio": text.count("logger=asyncio"),
            "out of files": text.count("Too many open files"),
        }
    )


def measured(live: hostile.Running, body: bytes, seconds: float, **load: str) -> dict[str, Any]:
    """The legitimate load (2 clients, or 1 of ``load``'s project) and the workers' mean seconds per job."""
    before = recognition_seconds(live)
    out = attack.legit_load(live, body, 1 if load else 2, seconds, **load)
    after = recognition_seconds(live)
    out["job_s"] = (after[0] - before[0]) / max(1.0, after[1] - before[1])
    return out


def recognition_seconds(live: hostile.Running) -> tuple[float, float]:
    """The server's recognition histogram (sum, count), however long /metrics takes beside an attack."""
    while True:
        try:
            return srv.recognition_seconds(live.server)
        except requests.RequestException:
            time.sleep(1.0)


def phase(live: hostile.Running, body: bytes, seconds: float, attack_start: Any, **load: str) -> dict[str, Any]:
    """Legitimate load alone, beside the attack ``attack_start()`` starts (it returns a ``stop()``), alone."""
    alone = measured(live, body, seconds, **load)
    stop = attack_start()
    time.sleep(20.0)  # the attackers under way (20,000 connections take seconds to open)
    lines_before = log_lines(live.log)
    beside = measured(live, body, seconds, **load)
    lines = log_lines(live.log) - lines_before
    hostile_counts = stop()
    again = measured(live, body, seconds, **load)
    baseline = (alone["rps"] + again["rps"]) / 2
    share = beside["rps"] / baseline if baseline else 0.0
    return {"alone": alone, "beside": beside, "again": again, "share": share, "hostile": hostile_counts, "log": lines}


def other_tenant(live: hostile.Running, name: str) -> tuple[str, str]:
    """(card URL, token) of another project, user and domain."""
    done = subprocess.run(
        srv.cli("admin", "bootstrap", "--json", "--project", name, "--user", f"{name}-user", "--domain", name),
        env=live.server.env,
        capture_output=True,
        check=True,
        text=True,
    )
    boot = json.loads(done.stdout)
    issued = requests.post(f"{live.server.url}/v3/auth/tokens", json=hostile.token_body(boot), timeout=60)
    issued.raise_for_status()
    return f"{live.server.url}/v2/{boot['project_id']}/ocr/chile-id-card", issued.headers["X-Subject-Token"]


def slow_sender(url: str, card: str, headers: dict[str, str], seconds: float, out: multiprocessing.Queue) -> None:
    """A 1000-byte body, one byte a second, again when cut; the answers' status lines counted."""
    host, port = url.removeprefix("http://").split(":")
    deadline = time.monotonic() + seconds
    answered: Counter[str] = Counter()
    while time.monotonic() < deadline:
        fields = {**headers, "X-Sdk-Date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")}
        head = f"POST {card} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 1000\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
        try:
            with socket.create_connection((host, int(port)), timeout=1.0) as sock:
                sock.sendall(head.encode())
                while time.monotonic() < deadline:
                    try:
                        answered[sock.recv(64)[:12].decode(errors="replace") or "closed"] += 1
                        break
                    except TimeoutError:
                        sock.sendall(b" ")
        except OSError:
            answered["connection error"] += 1
            time.sleep(0.2)
    out.put(dict(answered))


def sign_in(url: str, boot: dict[str, Any], source: str, password: str | None = None) -> int:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60, source_address=(source, 0))
    try:
        body = json.dumps(hostile.token_body(boot, password=password))
        connection.request("POST", "/v3/auth/tokens", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def guessing(live: hostile.Running) -> list[list[object]]:
    url, boot = live.server.url, live.boot
    rows: list[list[object]] = []
    guesses = Counter(sign_in(url, boot, "127.0.5.1", "wrong") for _ in range(10))
    rows.append(["10 wrong passwords from 127.0.5.1", dict(guesses), sign_in(url, boot, "127.0.0.1")])
    rotating = Counter(sign_in(url, boot, f"127.0.{20 + i}.1", "wrong") for i in range(40))
    after = f"{sign_in(url, boot, '127.0.200.1')} (new network) / {sign_in(url, boot, '127.0.0.1')} (user's own)"
    rows.append(["40 wrong passwords from 40 networks", dict(rotating), after])
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    body = json.dumps({"image": base64.b64encode((Path(args.real) / "specimen_front.jpg").read_bytes()).decode()})
    data = body.encode()
    out: dict[str, Any] = {}
    with hostile.running(args.workers) as live:
        attack.legit_load(live, data, 2, 5)  # warm-up
        out["heads"] = heads(live)
        url, seconds = live.server.url, args.seconds + 30  # the attackers outlast the measurement beside them
        out["idle"] = phase(live, data, args.seconds, starter(idler, [(url, args.idle // 4, seconds)] * 4))
        flood_url, flood_token = other_tenant(live, "flood")
        flood = starter(attack_flood, [(flood_url, flood_token, data, seconds)] * 6)
        out["flood"] = phase(live, data, args.seconds, flood, url=live.card_url, token=live.token)
        slow_url, slow_token = other_tenant(live, "slowpoke")
        card = live.card_url.removeprefix(url)
        signed = {
            "Authorization": f"SDK-HMAC-SHA256 Access={live.boot['ak']}, SignedHeaders=host;x-sdk-date, "
            f"Signature={'0' * 64}"
        }
        tenant_headers = {"X-Auth-Token": slow_token}
        slow_card = slow_url.removeprefix(url)

        senders = [(url, card, signed, seconds)] * 4 + [(url, slow_card, tenant_headers, seconds)] * 4
        out["slow"] = phase(live, data, args.seconds, starter(slow_sender, senders))
        out["guessing"] = guessing(live)
        out["files"] = files_and_docs(live)
    return out


def files_and_docs(live: hostile.Running) -> list[list[object]]:
    """The database files' modes, and whether /docs loads anything from elsewhere and has a CSP."""
    database = Path(live.server.env["CHILE_ID_OCR_DATA_DIR"]) / "chile-id-ocr.db"
    rows: list[list[object]] = []
    for path in (database, database.with_name(database.name + "-wal")):
        mode = oct(path.stat().st_mode & 0o777) if path.exists() else "absent"
        rows.append([f"mode of {path.name}", mode])
    page = requests.get(f"{live.server.url}/docs", timeout=30)
    external = [u for u in ("http://", "https://", "//cdn") if u in page.text]
    rows.append(["/docs: URLs to other hosts", ", ".join(external) or "none"])
    rows.append(["/docs: Content-Security-Policy", page.headers.get("Content-Security-Policy", "none")])
    return rows


def attack_flood(url: str, token: str, body: bytes, seconds: float, out: multiprocessing.Queue) -> None:
    """One client of the flooding tenant: the specimen back to back."""
    statuses: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    with requests.Session() as session:
        session.headers.update({"X-Auth-Token": token, "Content-Type": "application/json"})
        while time.monotonic() < deadline:
            try:
                statuses[str(session.post(url, data=body, timeout=120).status_code)] += 1
            except requests.RequestException:
                statuses["error"] += 1
    out.put(dict(statuses))


def render(out: dict[str, Any], args: argparse.Namespace) -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    heads_table = report.md_table(
        ["head", "size", "answer", "sent by then", "server RSS before MiB", "after MiB"], out["heads"]
    )
    rows = []
    targets = {"idle": "80 %", "flood": "40 %", "slow": "80 %"}
    names = {
        "idle": f"{args.idle} idle connections (4 processes reopening them)",
        "flood": "6 clients of another project (figure: 1 client of this one)",
        "slow": "8 slow bodies: 4 real AK (bad signature), 4 another tenant's token",
    }
    for key in ("idle", "flood", "slow"):
        p = out[key]
        hostile_counts = ", ".join(f"{k}: {v}" for k, v in sorted(p["hostile"].items()))
        rows.append(
            [
                names[key],
                f"{p['alone']['rps']:.2f} / {p['again']['rps']:.2f}",
                f"{p['beside']['rps']:.2f}",
                f"{p['beside']['ok']} of {p['beside']['other']} ({p['beside']['throttled']} 429)",
                f"{p['alone']['job_s']:.2f} / {p['beside']['job_s']:.2f}",
                f"{100 * p['share']:.0f} %",
                targets[key],
                hostile_counts,
                f"{p['log']['lines']} ({p['log']['asyncio']} asyncio)",
            ]
        )
    phases = report.md_table(
        [
            "attack",
            "req/s alone (before / after)",
            "req/s beside",
            "served beside",
            "worker s/job alone / beside",
            "share",
            "target",
            "attacker saw",
            "log lines",
        ],
        rows,
    )
    guesses = report.md_table(["guessing", "answers to the guesser", "the real user then"], out["guessing"])
    return "\n\n".join(
        [
            f"A server with {args.workers} workers and default limits on loopback; the open-file limit here is "
            f"{soft} (hard {hard}), which the server raises to the hard limit; its connection limit and backlog "
            f"follow from it (docs/security.md). Legitimate clients send the specimen with a token; each phase "
            f"{args.seconds:g} s, alone, beside the attack, alone again; 'share' is against the mean of the two runs "
            "alone. 'Served beside': legitimate requests answered 200 of those sent during the attack. 'Worker s/job': "
            "the workers' mean recognition time per job; where it grows beside an attack, the lost throughput is "
            "the attackers' processes taking the machine's cores (they run on the same machine), not requests the "
            "server refused or left waiting.",
            heads_table,
            phases,
            guesses,
            report.md_table(["file or page", "found"], out["files"]),
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--idle", type=int, default=20_000)
    parser.add_argument("--real", default=str(report.DEFAULT_REAL))
    parser.add_argument("--write", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    title = "Hardening: the edge (heads, idle connections, tenants, slow bodies, guessing)"
    report.publish("hardening-edge", title, render(run(args), args), args.write, "edge.py", argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
