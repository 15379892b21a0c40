"""The Ray cluster as a batch job sees it: joined within a time limit, described at the start, watched.

``join`` never hangs: a ``HOST:PORT`` address is first probed with a plain TCP connection (nothing listening
is said at once), then ``ray.init`` runs in a thread of its own while the job waits at most the connect
timeout (``--connect-timeout``, ``CHILE_ID_OCR_RAY_CONNECT_TIMEOUT``; 30 s). A port that is not a Ray GCS,
a token the cluster refuses (Ray's ``RAY_AUTH_MODE=token``) or a cluster too slow to answer each end as one
line naming the cause. Joining from a thread also keeps the job's SIGTERM handler: ``ray.init`` in the main
thread replaces it with one that exits without closing OUT. What Ray prints while joining (its native
code's retries) is kept off the terminal and read for the cause; an address on loopback stays on loopback
(Ray would otherwise rewrite 127.0.0.1 and localhost to the host's other address).

``Watch`` describes the nodes at the start, notes a node lost or added while the job runs, counts the cards
that were in flight on a lost node (read again elsewhere: the readers tell a small ``Tally`` actor on the
driver's node what they start and finish) and the cards read per node, for the summary.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_CONNECT_TIMEOUT = 30.0
CONNECT_TIMEOUT_ENV = "CHILE_ID_OCR_RAY_CONNECT_TIMEOUT"
LOOPBACK = ("localhost", "127.0.0.1", "::1")  # the names Ray rewrites to the host's address
AUTH_MARKS = ("InvalidAuthToken", "AuthenticationError", "Unauthenticated")
POLL_EVERY = 1.0
DOCS = "docs/ray.md"


class RayUnavailableError(RuntimeError):
    """Ray is not installed, the cluster cannot be reached, or the job failed there (the records so far stay)."""


def default_connect_timeout() -> float:
    """``$CHILE_ID_OCR_RAY_CONNECT_TIMEOUT`` when it is a positive number of seconds, else 30."""
    try:
        value = float(os.environ.get(CONNECT_TIMEOUT_ENV, ""))
    except ValueError:
        return DEFAULT_CONNECT_TIMEOUT
    return value if value > 0 else DEFAULT_CONNECT_TIMEOUT


def split_address(address: str) -> tuple[str, int] | None:
    """The host and port of ``HOST:PORT`` (``[v6]:PORT`` too); None for ``auto`` and ``ray://`` client addresses.

    >>> split_address("10.0.0.5:6379"), split_address("[::1]:6379"), split_address("auto")
    (('10.0.0.5', 6379), ('::1', 6379), None)
    >>> split_address("head-node")
    Traceback (most recent call last):
    ...
    chile_id_ocr.batch.cluster.RayUnavailableError: --address head-node is not HOST:PORT (e.g. 10.0.0.5:6379) nor auto
    """
    if address == "auto" or "://" in address:
        return None
    parsed = urllib.parse.urlsplit("//" + address)
    try:
        port = parsed.port
    except ValueError:
        port = None
    if not parsed.hostname or port is None:
        raise RayUnavailableError(f"--address {address} is not HOST:PORT (e.g. 10.0.0.5:6379) nor auto")
    return parsed.hostname, port


def keep_loopback(address: str | None) -> None:
    """An address on loopback stays there (read by Ray when it is imported: call before ``import ray``)."""
    where = split_address(address) if address else None
    if address is None or (where is not None and where[0] in LOOPBACK):
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")


def probe(host: str, port: int, timeout: float) -> None:
    """A TCP connection to the GCS port: nothing listening, no route or no answer is said at once."""
    try:
        with socket.create_connection((host, port), timeout=min(timeout, 10.0)):
            return
    except OSError as exc:
        reason = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__).lower()
        raise RayUnavailableError(
            f"cannot reach the Ray cluster at {host}:{port} ({reason}); give the head's GCS address "
            f"(`ray start --head --port`, 6379 by default), see {DOCS}"
        ) from exc


class _NativeStderr:
    """The process's stderr (fd 2, where Ray's native code writes) sent to a file while Ray joins; its lines.

    ``abandon`` is for a join that did not end in time: its thread goes on writing to fd 2, so fd 2 stays on
    the file and Python's ``sys.stderr`` (the job's messages) moves to the terminal's descriptor.
    """

    def __enter__(self) -> _NativeStderr:
        self.file = tempfile.TemporaryFile()  # closed in __exit__ (fd 2 may stay on it: a copy)
        self.saved = os.dup(2)
        sys.stderr.flush()
        os.dup2(self.file.fileno(), 2)
        return self

    def abandon(self) -> None:
        sys.stderr = open(os.dup(self.saved), "w", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115

    def lines(self) -> list[str]:
        self.file.seek(0)
        return self.file.read().decode(errors="replace").splitlines()

    def __exit__(self, *exc: object) -> None:
        if sys.stderr.fileno() == 2:
            os.dup2(self.saved, 2)
        os.close(self.saved)
        self.file.close()


def _ray_says(lines: list[str]) -> str:
    """The last of Ray's complaints, without its time stamp and source line."""
    for line in reversed(lines):
        text = re.sub(r"^\[[^]]*\] \S+:\d+: ", "", line).strip()
        if text:
            return text
    return ""


def _auth_failure(address: str) -> RayUnavailableError:
    return RayUnavailableError(
        f"the Ray cluster at {address} refused this job's authentication token: set RAY_AUTH_MODE=token and the "
        f"cluster's token (RAY_AUTH_TOKEN_PATH, ~/.ray/auth_token or RAY_AUTH_TOKEN) where the job runs, see {DOCS}"
    )


def start_local(ray: Any, options: dict[str, Any]) -> None:
    """``ray.init(**options)``: a Ray of this job's own, started by the calling thread (Ray's processes end with
    the thread that started them), its notices kept off the terminal; the SIGTERM handler that ``ray.init``
    replaces (with one that exits without closing OUT) is put back."""
    handler = signal.getsignal(signal.SIGTERM)
    try:
        with _NativeStderr():
            ray.init(**options)
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RayUnavailableError(f"cannot start a local Ray: {reason}") from exc
    finally:
        if threading.current_thread() is threading.main_thread() and handler is not None:
            signal.signal(signal.SIGTERM, handler)


def join(ray: Any, address: str, options: dict[str, Any], timeout: float) -> None:
    """``ray.init(address, **options)`` within ``timeout`` seconds, from a thread of its own."""
    where = split_address(address)
    if where is not None:
        probe(*where, timeout)
    failure: list[BaseException] = []
    done = threading.Event()

    def init() -> None:
        try:
            ray.init(address=address, **options)
        except BaseException as exc:  # handed to the job's thread below
            failure.append(exc)
        finally:
            done.set()

    with _NativeStderr() as native:
        threading.Thread(target=init, name="ray-join", daemon=True).start()
        try:
            finished = done.wait(timeout)
        finally:
            if not done.is_set():
                native.abandon()
        said = native.lines()
    text = "\n".join(said) + "".join(f"\n{exc!r}\n{exc.__cause__!r}" for exc in failure)
    if any(mark in text for mark in AUTH_MARKS):
        raise _auth_failure(address)
    target = f"the Ray cluster at {address}"
    if not finished:
        detail = _ray_says(said)
        raise RayUnavailableError(
            f"{target} did not answer within {timeout:g} s"
            + (f" ({detail})" if detail else "")
            + f"; is it the head's GCS port? --connect-timeout or {CONNECT_TIMEOUT_ENV} change the limit, see {DOCS}"
        )
    if failure:
        exc = failure[0]
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RayUnavailableError(f"cannot join {target}: {reason}") from exc


@dataclass(frozen=True)
class Node:
    id: str
    address: str
    cpus: int


def alive_nodes(ray: Any) -> dict[str, Node]:
    return {
        n["NodeID"]: Node(n["NodeID"], n.get("NodeManagerAddress", "?"), int(n.get("Resources", {}).get("CPU", 0)))
        for n in ray.nodes()
        if n.get("Alive")
    }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class Tally:
    """A Ray actor on the driver's node: the cards each node has started and not finished (at most a few blocks)."""

    def __init__(self) -> None:
        self.open: dict[str, set[str]] = {}

    def started(self, node: str, ids: list[str]) -> None:
        self.open.setdefault(node, set()).update(ids)

    def finished(self, node: str, ids: list[str]) -> None:
        self.open.get(node, set()).difference_update(ids)

    def in_flight(self, node: str) -> int:
        return len(self.open.pop(node, ()))


@dataclass
class Watch:
    """The cluster at the start and what changed; ``note`` gets a line for each change as it is seen."""

    ray: Any
    note: Callable[[str], None]
    tally: Any = None
    start: dict[str, Node] = field(default_factory=dict)
    known: dict[str, Node] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)  # node id -> cards it had in flight (read again)
    joined: list[str] = field(default_factory=list)
    per_node: Counter[str] = field(default_factory=Counter)
    _last: float = 0.0

    def begin(self) -> None:
        self.start = alive_nodes(self.ray)
        self.known = dict(self.start)
        strategy = self.ray.util.scheduling_strategies.NodeAffinitySchedulingStrategy(
            self.ray.get_runtime_context().get_node_id(), soft=False
        )
        self.tally = self.ray.remote(num_cpus=0, scheduling_strategy=strategy)(Tally).remote()
        self._last = time.monotonic()

    def name(self, node_id: str) -> str:
        """The node's address, with its id's start where two nodes share one (several nodes on one host)."""
        node = self.known.get(node_id)
        if node is None:
            return node_id[:8]
        shared = sum(other.address == node.address for other in self.known.values()) > 1
        return f"{node.address} {node_id[:8]}" if shared else node.address

    def describe(self) -> str:
        cpus = sum(node.cpus for node in self.start.values())
        nodes = ", ".join(sorted(f"{self.name(i)} ({_plural(n.cpus, 'CPU')})" for i, n in self.start.items()))
        return f"{_plural(len(self.start), 'node')}, {_plural(cpus, 'CPU')}: {nodes}"

    def read(self, node_id: str) -> None:
        self.per_node[node_id] += 1
        if time.monotonic() - self._last >= POLL_EVERY:
            self.poll()

    def poll(self) -> None:
        self._last = time.monotonic()
        now = alive_nodes(self.ray)
        for node_id in sorted(set(self.known) - set(now) - set(self.lost)):
            retried = int(self.ray.get(self.tally.in_flight.remote(node_id), timeout=30))
            self.lost[node_id] = retried
            self.note(
                f"ray: node {self.name(node_id)} lost; the {_plural(retried, 'card')} it was reading "
                "will be read again on the other nodes"
            )
        for node_id in sorted(set(now) - set(self.known)):
            self.known[node_id] = now[node_id]
            self.joined.append(node_id)
            self.note(f"ray: node {self.name(node_id)} joined ({_plural(now[node_id].cpus, 'CPU')})")

    def rows(self) -> list[tuple[str, str]]:
        """The summary's lines about the cluster."""
        rows = [("ray cluster at the start", self.describe())]
        if self.lost:
            lost = ", ".join(self.name(i) for i in self.lost)
            rows.append(("nodes lost", f"{len(self.lost)}: {lost}; cards read again: {sum(self.lost.values())}"))
        if self.joined:
            rows.append(("nodes joined", f"{len(self.joined)}: " + ", ".join(self.name(i) for i in self.joined)))
        per_node = ", ".join(sorted(f"{self.name(i)} {n}" for i, n in self.per_node.items()))
        rows.append(("cards read per node", per_node or "-"))
        return rows
