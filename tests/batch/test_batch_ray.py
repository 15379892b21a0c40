"""The Ray engine on a real Ray cluster of two nodes, started here as an operator would (docs/ray.md).

``ray start --head`` and ``ray start --address`` (one CPU each, token authentication with a token of this
module's own), the nodes on loopback addresses of their own (127.0.0.2 and 127.0.0.3) so that each card's
node can be told; the job runs as a user runs it, ``chile-id-ocr batch --engine ray --address ...`` in its
own process. The second node is killed (SIGKILL to all its processes, as a machine lost) while it reads a
card whose "file" is a named pipe, so that it is known to have a card in flight; that card must come back
from the other node, and the records must be the local engine's.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from batch_support import CLI, Cards, Run, _holders, fifo, pid_alive, summary_row
from skips import missing

HEAD, NODE = "127.0.0.2", "127.0.0.3"
RAY = Path(sys.executable).with_name("ray")


@dataclass
class Cluster:
    address: str
    env: dict[str, str]
    head: subprocess.Popen[bytes]
    node: subprocess.Popen[bytes]


def _free_port(host: str) -> int:
    """A port free on ``host``; ``"0.0.0.0"`` gives one that no address of this machine holds."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _NotStarted(Exception):
    """``ray start`` ended or timed out before its node was up; the message is the end of its log."""


def _ray_start(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    """``ray start ... --block`` in a session of its own (all of a node's processes are its group)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(RAY), "start", *args, "--num-cpus", "1", "--block"],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 120
    while b"Ray runtime started" not in log.read_bytes():
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            raise _NotStarted(f"ray start {' '.join(args)} did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    return proc


def _start_head(env: dict[str, str], root: Path, tries: int = 3) -> tuple[subprocess.Popen[bytes], int]:
    """The head node and its GCS port.

    The GCS listens on every address, so its port is chosen free on all of them; another process can
    still take it between the choice and the GCS's bind (a test's client socket, say), so a head that
    does not start is started again on a new port, ``tries`` times in all.
    """
    failures = []
    for attempt in range(tries):
        port = _free_port("0.0.0.0")
        try:
            head = _ray_start(env, root / f"head{attempt}.log", "--head", "--node-ip-address", HEAD,
                              "--port", str(port), "--include-dashboard", "false",
                              "--temp-dir", str(root / f"t{attempt}"))  # fmt: skip
        except _NotStarted as failure:
            failures.append(str(failure))
            continue
        return head, port
    pytest.fail("\n\n".join(failures))


def _descendants(pid: int) -> list[int]:
    """``pid``'s processes, children first found (Ray starts some in sessions of their own)."""
    parents: dict[int, int] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop a node started by ``_ray_start``: its ``ray start`` and every process under it, these only."""
    for pid in [proc.pid, *_descendants(proc.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
    try:
        proc.wait(timeout=None if sig == signal.SIGKILL else 5)
    except subprocess.TimeoutExpired:
        _stop(proc, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not RAY.exists():
        missing("Ray is not installed (pip install 'chile-id-ocr[ray]')", "installed by `bash scripts/setup.sh ray`")
    root = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # short: Ray's socket paths must fit in 107 bytes
    token = root / "auth_token"
    token.write_text(secrets.token_hex(32))
    env = {
        **os.environ,
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN_PATH": str(token),
        "RAY_health_check_period_ms": "1000",  # a killed node is found dead within seconds
        "RAY_health_check_failure_threshold": "3",
    }
    head, port = _start_head(env, root)
    try:
        node = _ray_start(env, root / "node.log", "--address", f"{HEAD}:{port}", "--node-ip-address", NODE)
    except _NotStarted as failure:
        _stop(head)
        pytest.fail(str(failure))
    except BaseException:
        _stop(head)
        raise
    try:
        yield Cluster(f"{HEAD}:{port}", env, head, node)
    finally:
        _stop(node)
        _stop(head)
        shutil.rmtree(root, ignore_errors=True)


def _on_node(pid: int, node: subprocess.Popen[bytes]) -> bool:
    """Whether ``pid`` descends from ``node``'s ``ray start`` (raylet -> actor -> recognition worker)."""
    while pid > 1:
        if pid == node.pid:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
    return False


@dataclass(frozen=True)
class RayRun:
    returncode: int
    stderr: str
    records: dict[str, dict]
    crashed: list[int]


class _Pipe:
    """The writing end of a FIFO card, opened once a worker waits in its ``open()``; the worker that reads it."""

    def __init__(self, path: Path) -> None:
        self.path, self.fd, self.fed = path, -1, False

    def reader(self, gone: list[int]) -> int | None:
        if self.fed:
            return None
        if self.fd < 0:
            try:
                self.fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: nobody reads it yet
                    raise
                return None
        found = [pid for pid in _holders(self.path) if pid != os.getpid() and pid not in gone]
        return found[0] if found else None

    def feed(self, data: bytes) -> None:
        os.set_blocking(self.fd, True)
        os.write(self.fd, data)
        self.close()
        self.fed = True

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _drive(proc: subprocess.Popen[str], cluster: Cluster, relays: list[Path], crash: Path, image: bytes) -> list[int]:
    """Kill the second node while it reads a relay card, feed every relay card the head reads (``image``),
    SIGKILL every worker that reads ``crash``; the crashed workers' pids.

    A relay read on the head waits, unfed, until the second node reads one: the head's one reader is then
    busy, so the next relay goes to the second node, which is known to hold it when it is killed."""
    crashed: list[int] = []
    lost: list[int] = []  # the second node's worker killed with it (it dies with its actor a moment later)
    pipes, crash_pipe = [_Pipe(path) for path in relays], _Pipe(crash)
    killed = False
    deadline = time.monotonic() + 240
    try:
        while (pipes or not crashed) and proc.poll() is None:
            assert time.monotonic() < deadline, "the job did not read its relay and crash cards within 240 s"
            pid = crash_pipe.reader(crashed + lost)
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                crashed.append(pid)
                crash_pipe.close()
            for pipe in list(pipes):
                pid = pipe.reader(lost)
                if pid is None:
                    continue
                if _on_node(pid, cluster.node):
                    if not killed:
                        _stop(cluster.node, signal.SIGKILL)
                        os.kill(pid, signal.SIGKILL)
                        lost.append(pid)
                        killed = True
                elif killed:
                    pipe.feed(image)
                    pipes.remove(pipe)
            time.sleep(0.2)
    finally:
        for pipe in (*pipes, crash_pipe):
            pipe.close()
    return crashed


@pytest.fixture(scope="module")
def ray_run(cluster: Cluster, cards: Cards, real: Path, tmp_path_factory: pytest.TempPathFactory) -> RayRun:
    """The local engine's inputs, a card that kills its worker first, two relay cards after the folder's."""
    root = tmp_path_factory.mktemp("batch-ray")
    relays = [fifo(root / "relay-1.jpg"), fifo(root / "relay-2.jpg")]
    crash = fifo(root / "crash.jpg")
    (root / "crash.csv").write_text(f"id,front\ncrash,{crash}\n")  # first: its worker restarts while both nodes read
    (root / "relays.csv").write_text("id,front\n" + "".join(f"{p.stem},{p}\n" for p in relays))
    out = root / "records.jsonl"
    folder, *rest = cards.inputs
    proc = subprocess.Popen(
        [*CLI, str(root / "crash.csv"), folder, str(root / "relays.csv"), *rest, "--out", str(out),
         "--details", "--engine", "ray", "--address", cluster.address, "--timeout", "60", "--progress", "plain"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cluster.env,
    )  # fmt: skip
    try:
        crashed = _drive(proc, cluster, relays, crash, (real / "specimen_front.jpg").read_bytes())
        _, stderr = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return RayRun(proc.returncode, stderr, {r["id"]: r for r in records}, crashed)


def test_sigterm_stops_a_ray_job_and_keeps_what_was_written(cluster: Cluster, real: Path, tmp_path: Path) -> None:
    """Two readers, two cards (named pipes): one fed, one never written; SIGTERM once the first is written."""
    first, stuck = _Pipe(fifo(tmp_path / "first.jpg")), _Pipe(fifo(tmp_path / "stuck.jpg"))
    rows = f"first,{first.path}\nstuck,{stuck.path}\n"
    proc = _job(cluster, tmp_path, "--address", cluster.address, "--workers", "2", "--timeout", "600",
                "--progress", "plain", "--progress-every", "0.01", rows=rows)  # fmt: skip
    assert proc.stderr is not None
    deadline, said = time.monotonic() + 240, ""
    try:
        while "batch: 1/2 cards" not in said or stuck.reader([]) is None:  # the first written, the second read
            assert proc.poll() is None and time.monotonic() < deadline, f"the job never read its cards: {said}"
            if first.reader([]) is not None:
                first.feed((real / "specimen_front.jpg").read_bytes())
            if select.select([proc.stderr], [], [], 0.2)[0]:  # read raw: a buffered reader would hide lines
                said += os.read(proc.stderr.fileno(), 1 << 16).decode()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        first.close()
        stuck.close()
        if proc.poll() is None:
            proc.kill()
    stderr = said + stderr
    assert proc.returncode == 130, stderr
    assert "chile-id-ocr batch interrupted after 1 cards" in stderr and "--resume" in stderr
    assert [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()] == ["first"]


# The job below loses the second node: the tests above need both.
def test_ray_writes_the_local_engines_records_though_a_node_was_lost(ray_run: RayRun, local_run: Run) -> None:
    assert ray_run.returncode == 0, ray_run.stderr
    assert set(ray_run.records) == set(local_run.records) | {"relay-1", "relay-2", "crash"}
    for card_id, record in local_run.records.items():
        assert ray_run.records[card_id] == record, card_id
    specimen = local_run.records[next(i for i in local_run.records if i.endswith("specimen_front.jpg"))]
    for relay in ("relay-1", "relay-2"):  # read again on the head after the node reading it was lost
        assert ray_run.records[relay]["result"] == specimen["result"]


def test_on_ray_a_card_that_kills_its_worker_is_an_error_record(ray_run: RayRun) -> None:
    crash = ray_run.records["crash"]
    assert crash["error_code"] == "AIS.0105"
    assert "The recognition worker stopped while reading this card (killed by SIGKILL" in crash["error_msg"]
    assert ray_run.crashed and not any(pid_alive(pid) for pid in ray_run.crashed)


def test_ray_progress_and_summary_say_what_the_cluster_did(ray_run: RayRun, local_run: Run) -> None:
    total = len(local_run.records) + 3
    stderr = ray_run.stderr
    assert f"batch: {total}/{total} cards (100.0 %)" in stderr
    assert f"ray: 2 nodes, 2 CPUs: {HEAD} (1 CPU), {NODE} (1 CPU); 2 readers" in stderr
    assert f"ray: node {NODE} lost; the 1 card it was reading will be read again on the other nodes" in stderr
    assert summary_row("errors", "3   AIS.0102 2, AIS.0105 1").search(stderr)
    assert summary_row("ray cluster at the start", f"2 nodes, 2 CPUs: {HEAD} (1 CPU), {NODE} (1 CPU)").search(stderr)
    assert summary_row("nodes lost", f"1: {NODE}; cards read again: 1").search(stderr)
    line = next(line for line in stderr.splitlines() if line.startswith("  cards read per node"))
    counts = dict(part.rsplit(" ", 1) for part in line.split(None, 4)[4].split(", "))
    assert sum(map(int, counts.values())) == total and set(counts) <= {HEAD, NODE}, line
    ours = ("chile-id-ocr batch", "ray: ", "batch: ", "  ")
    strays = [line for line in stderr.splitlines() if not line.startswith(ours)]
    assert not strays, strays  # nothing of Ray's own: no logging.cc notice, no (raylet) events, no traceback


def _job(cluster: Cluster, tmp_path: Path, *args: str, rows: str = "none,nothing.jpg\n", **env: str
         ) -> subprocess.Popen[str]:  # fmt: skip
    (tmp_path / "cards.csv").write_text("id,front\n" + rows)
    return subprocess.Popen(
        [*CLI, str(tmp_path / "cards.csv"), "--out", str(tmp_path / "out.jsonl"), "--engine", "ray", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**cluster.env, **env},
    )  # fmt: skip


def _one_error_line(proc: subprocess.Popen[str]) -> str:
    """The job's one line after its announcement, exit status 1 (the bound is a hang guard, not a timing)."""
    _, stderr = proc.communicate(timeout=120)
    lines = stderr.splitlines()
    assert proc.returncode == 1 and len(lines) == 2 and lines[0].startswith("chile-id-ocr batch: 1 cards"), stderr
    assert lines[1].startswith("chile-id-ocr batch: error: "), stderr
    return lines[1]


def test_nothing_listening_at_the_address_ends_at_once(cluster: Cluster, tmp_path: Path) -> None:
    port = _free_port("127.0.0.1")  # nothing listens there now
    line = _one_error_line(_job(cluster, tmp_path, "--address", f"127.0.0.1:{port}", "--connect-timeout", "600"))
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port} (connection refused)" in line


def test_a_port_that_is_not_a_ray_cluster_ends_within_the_connect_timeout(cluster: Cluster, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:  # connections are queued, never answered
        port = server.getsockname()[1]
        line = _one_error_line(_job(cluster, tmp_path, "--address", f"127.0.0.1:{port}", "--connect-timeout", "3"))
    assert f"the Ray cluster at 127.0.0.1:{port} did not answer within 3 s" in line


def test_a_wrong_token_is_named_as_the_cause(cluster: Cluster, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong_token"
    wrong.write_text(secrets.token_hex(32))
    proc = _job(cluster, tmp_path, "--address", cluster.address, "--connect-timeout", "8",
                RAY_AUTH_TOKEN_PATH=str(wrong))  # fmt: skip
    assert f"the Ray cluster at {cluster.address} refused this job's authentication token" in _one_error_line(proc)


def test_sigterm_while_joining_stops_the_job(cluster: Cluster, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        proc = _job(cluster, tmp_path, "--address", f"127.0.0.1:{server.getsockname()[1]}", "--connect-timeout", "600")
        assert proc.stderr is not None and "cards to read" in proc.stderr.readline()
        time.sleep(1)  # joining now (the announcement comes just before)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "chile-id-ocr batch interrupted after 0 cards" in stderr
