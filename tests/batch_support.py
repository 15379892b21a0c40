"""Helpers of the batch tests (their fixtures are in batch/conftest.py); ``tests/`` is on ``sys.path``.

A worker that dies or hangs is made for real, without a hook in the product: a card whose "file" is a named pipe
(FIFO) blocks its reader in ``open()`` exactly as a file on a hung network mount does. Nobody writing to it
makes the per-card time limit fire; opening its other end and then killing the process that holds it open
(found in ``/proc``, so only that process) is what the kernel's out-of-memory killer does to a worker.
"""

from __future__ import annotations

import errno
import os
import re
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from chile_id_ocr.batch.summary import Summary

CLI = [sys.executable, "-m", "chile_id_ocr.cli", "batch"]


@dataclass(frozen=True)
class Cards:
    """``folder``: images and a non-image; ``pairs``: a CSV manifest (a two-sided card, a missing file);
    ``url_manifest``: a JSON-lines manifest given as a file:// URL, read through fsspec."""

    folder: Path
    pairs: Path
    url_manifest: str

    @property
    def inputs(self) -> tuple[str, ...]:
        return (str(self.folder), str(self.pairs), self.url_manifest)


@dataclass(frozen=True)
class Run:
    records: dict[str, dict]
    summary: Summary


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _holders(path: Path) -> list[int]:
    """Processes that have ``path`` open (from /proc: exactly those, whoever their parent)."""
    target, found = str(path), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == target for fd in os.listdir(f"/proc/{pid}/fd")):
                found.append(int(pid))
        except OSError:
            continue
    return found


def wait_for_reader(path: Path, timeout: float = 240.0) -> tuple[int, int]:
    """Open the FIFO's writing end once a worker reads it: (our fd, the worker's pid). The worker then waits for
    bytes that never come."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    while not (holders := readers(path)):  # its open() is returning
        assert time.monotonic() < deadline, f"nobody holds {path} open"
        time.sleep(0.01)
    assert len(holders) == 1, holders
    return fd, holders[0]


def kill_reader(path: Path) -> int:
    """SIGKILL the worker reading ``path`` while it reads, as the out-of-memory killer would; its pid."""
    fd, pid = wait_for_reader(path)
    os.kill(pid, signal.SIGKILL)
    os.close(fd)
    return pid


def run_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def batch(*args: str, memory: int | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """The batch command run to its end; ``memory``: its address space in bytes (RLIMIT_AS), to show a bound."""

    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, preexec_fn=limit)


def release(fd: int) -> None:
    """Give the worker reading a FIFO (``wait_for_reader``) a few bytes that are not an image, and their end."""
    os.write(fd, b"not an image")
    os.close(fd)


def readers(path: Path) -> list[int]:
    """The processes other than this one that hold ``path`` open."""
    return [pid for pid in _holders(path) if pid != os.getpid()]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def summary_row(label: str, value: str) -> re.Pattern[str]:
    """A line of the end summary, whatever the column width."""
    return re.compile(rf"^  {re.escape(label)} +{re.escape(value)}$", re.M)
