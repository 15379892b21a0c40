"""Throughput, latency, overhead and memory of the HTTP server, measured on loopback.

    python bench/server.py [--write] [--real ../shared/real] [--workers N] [--sustain 45]

Starts the real server (``chile-id-ocr serve``, SQLite in a temporary data directory) as a subprocess,
bootstraps credentials with ``chile-id-ocr admin bootstrap --json``, gets a token from ``/v3/auth/tokens``,
then, for the specimen (674x425) and the phone photo (4624x3468) from ``--real``, sends requests with
``requests`` from 1, 2 and 8 client threads and reports requests per second and p50/p95 latency. The
admission limit is raised to 16 for these runs, so that 8 clients queue rather than get 429.

Overhead is the mean client-side latency at concurrency 1 minus the mean time the workers spent on each
recognition (from the server's ``chile_id_ocr_recognition_duration_seconds`` histogram, which includes the
base64 decoding): what HTTP, JSON, authentication, the process hop and the usage counter add. The direct
library call (``recognize`` in this process, one thread) is shown for reference. Memory is the peak of the
summed RSS of the server and its worker processes, sampled every 0.2 s during a ``--sustain`` second run of
24 client threads sending the phone photo (beyond the admission limit, so part of them get 429).

Prints markdown; ``--write`` also updates the ``server`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

import report

IMAGES = {"specimen": "specimen_front.jpg", "phone photo": "test_card_b_front_photo.jpg"}
CONCURRENCY = (1, 2, 8)
REQUESTS_PER_CLIENT = {"specimen": 8, "phone photo": 5}
QUEUE_LIMIT = 16
SUSTAIN_CLIENTS = 24


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    env: dict[str, str]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "chile_id_ocr.cli", *args]


def start_server(data_dir: Path, workers: int, log: Path) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "CHILE_ID_OCR_DATA_DIR": str(data_dir),
        "CHILE_ID_OCR_QUEUE_LIMIT": str(QUEUE_LIMIT),
    }
    env.pop("DATABASE_URL", None)
    with log.open("wb") as out:
        command = cli("serve", "--port", str(port), "--workers", str(workers))
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{server.url}/ready", timeout=2).status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.25)
    server.stop()
    raise RuntimeError(f"the server did not become ready; see {log}")


def token_for(server: Server) -> tuple[str, str]:
    boot = json.loads(
        subprocess.run(
            cli("admin", "bootstrap", "--json"), env=server.env, capture_output=True, check=True, text=True
        ).stdout
    )
    user = {"name": boot["user"], "password": boot["password"], "domain": {"name": boot["domain"]}}
    body = {
        "auth": {
            "identity": {"methods": ["password"], "password": {"user": user}},
            "scope": {"project": {"id": boot["project_id"]}},
        }
    }
    issued = requests.post(f"{server.url}/v3/auth/tokens", json=body, timeout=30)
    issued.raise_for_status()
    return boot["project_id"], issued.headers["X-Subject-Token"]


def recognition_seconds(server: Server) -> tuple[float, float]:
    """(sum, count) of the server's recognition histogram."""
    text = requests.get(f"{server.url}/metrics", timeout=10).text
    total = re.search(r"^chile_id_ocr_recognition_duration_seconds_sum (\S+)$", text, re.M)
    count = re.search(r"^chile_id_ocr_recognition_duration_seconds_count (\S+)$", text, re.M)
    return (float(total[1]) if total else 0.0, float(count[1]) if count else 0.0)


def run_load(url: str, token: str, body: bytes, clients: int, per_client: int) -> dict[str, Any]:
    """``clients`` threads each send ``per_client`` requests back to back."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def client(_: int) -> None:
        with requests.Session() as session:
            headers = {"X-Auth-Token": token, "Content-Type": "application/json"}
            for _ in range(per_client):
                start = time.perf_counter()
                response = session.post(url, data=body, headers=headers, timeout=300)
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    statuses.append(response.status_code)

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - start
    ok = [lat for lat, status in zip(latencies, statuses, strict=True) if status == 200]
    return {
        "requests": len(statuses),
        "ok": len(ok),
        "throttled": statuses.count(429),
        "rps": len(ok) / wall,
        "p50": report.percentile(ok, 50),
        "p95": report.percentile(ok, 95),
        "mean": sum(ok) / len(ok) if ok else float("nan"),
    }


def direct_seconds(image: bytes, repeat: int = 5) -> float:
    """Median time of ``recognize`` in this process, one thread, after a warm-up call."""
    report.single_thread_env()
    from chile_id_ocr.pipeline import recognize

    recognize(image)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        recognize(image)
        times.append(time.perf_counter() - start)
    return report.percentile(times, 50)


def rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(match[1]) if match else 0


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += parents.get(current, [])
    return out


def sustained(server: Server, url: str, token: str, body: bytes, seconds: float) -> dict[str, Any]:
    """``SUSTAIN_CLIENTS`` clients for ``seconds``; the peak summed RSS of the server's process tree meanwhile."""
    stop = threading.Event()
    peak = {"total": 0, "processes": 0}

    def sample() -> None:
        while not stop.is_set():
            pids = tree(server.process.pid)
            total = sum(rss_kib(p) for p in pids)
            if total > peak["total"]:
                peak.update(total=total, processes=len(pids))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    before = sum(rss_kib(p) for p in tree(server.process.pid))
    deadline = time.monotonic() + seconds
    counts = {"ok": 0, "throttled": 0}
    lock = threading.Lock()

    def client(_: int) -> None:
        with requests.Session() as session:
            while time.monotonic() < deadline:
                status = session.post(url, data=body, headers={"X-Auth-Token": token}, timeout=300).status_code
                outcome = {200: "ok", 429: "throttled"}.get(status, "other")
                with lock:
                    counts[outcome] = counts.get(outcome, 0) + 1
                if status == 429:
                    time.sleep(0.05)

    with ThreadPoolExecutor(SUSTAIN_CLIENTS) as pool:
        list(pool.map(client, range(SUSTAIN_CLIENTS)))
    stop.set()
    sampler.join()
    return {"before_mib": before / 1024, "peak_mib": peak["total"] / 1024, "processes": peak["processes"], **counts}


def render(rows: list[list[object]], overhead: list[list[object]], memory: dict[str, Any], workers: int) -> str:
    table = report.md_table(["image", "clients", "requests", "req/s", "p50 s", "p95 s", "429"], rows)
    over = report.md_table(
        ["image", "direct recognize() p50 s", "server mean s (1 client)", "worker mean s", "overhead ms"], overhead
    )
    return "\n\n".join(
        [
            f"The server with {workers} recognition worker processes (one per core), SQLite, token authentication, "
            f"admission limit {QUEUE_LIMIT}; clients are `requests` threads on the same machine (they share its "
            f"{os.cpu_count()} cores with the server). Latency is per request, from the client.",
            table,
            "Overhead of the server over the recognition itself (HTTP, JSON, authentication, the process hop, the "
            "usage counter; base64 decoding excluded, it runs in the worker and is counted in its time):",
            over,
            f"Memory under sustained load ({memory['seconds']:.0f} s, {SUSTAIN_CLIENTS} clients sending the phone "
            f"photo, above the admission limit): server and workers together {memory['before_mib']:.0f} MiB at "
            f"rest, peak {memory['peak_mib']:.0f} MiB over {memory['processes']} processes; {memory['ok']} answered, "
            f"{memory['throttled']} refused with 429 (APIG.0308).",
        ]
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--write", action="store_true", help="update the server section of BENCHMARKS.md")
    p.add_argument("--real", type=Path, default=report.DEFAULT_REAL, help="folder of the real images")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="recognition workers (default: cores)")
    p.add_argument("--sustain", type=float, default=45.0, help="seconds of sustained load for memory (default 45)")
    return p.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    images = {label: (args.real / name).read_bytes() for label, name in IMAGES.items()}
    bodies = {label: json.dumps({"image": base64.b64encode(data).decode()}).encode() for label, data in images.items()}
    direct = {label: direct_seconds(data) for label, data in images.items()}
    rows: list[list[object]] = []
    overhead: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="chile-id-ocr-bench-") as tmp:
        server = start_server(Path(tmp), args.workers, Path(tmp) / "server.log")
        try:
            project_id, token = token_for(server)
            url = f"{server.url}/v2/{project_id}/ocr/chile-id-card"
            for label, body in bodies.items():
                run_load(url, token, body, 1, 2)  # warm-up
                for clients in CONCURRENCY:
                    before = recognition_seconds(server)
                    out = run_load(url, token, body, clients, REQUESTS_PER_CLIENT[label])
                    after = recognition_seconds(server)
                    rows.append(
                        [
                            label,
                            clients,
                            out["requests"],
                            f"{out['rps']:.2f}",
                            f"{out['p50']:.3f}",
                            f"{out['p95']:.3f}",
                            out["throttled"],
                        ]
                    )
                    if clients == 1:
                        worker_mean = (after[0] - before[0]) / max(1.0, after[1] - before[1])
                        overhead.append(
                            [
                                label,
                                f"{direct[label]:.3f}",
                                f"{out['mean']:.3f}",
                                f"{worker_mean:.3f}",
                                f"{(out['mean'] - worker_mean) * 1000:.1f}",
                            ]
                        )
            memory = sustained(server, url, token, bodies["phone photo"], args.sustain)
            memory["seconds"] = args.sustain
        finally:
            server.stop()
    publish(render(rows, overhead, memory, args.workers), args.write, argv)
    return 0


def publish(body: str, write: bool, argv: Sequence[str] | None) -> None:
    """Print the section; with ``--write`` also put it into BENCHMARKS.md."""
    print(body)
    if write:
        command = report.command_line("server.py", argv)
        print(f"wrote {report.write_section('server', 'HTTP server', body, command)}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
