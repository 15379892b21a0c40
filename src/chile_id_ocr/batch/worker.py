"""A recognition worker: a child process that loads the models once and reads one card at a time.

Both engines read cards through ``WorkerProcess``: the local pool holds N of them, each Ray actor holds one.
Running recognition in a child of its own is what keeps the job alive when a card is fatal: a worker killed
(out of memory, a crash in native code) or past its time limit gives that card an AIS.0105 record, and a
fresh worker takes its place. The protocol is one JSON line each way on the child's stdin and stdout: the
child announces ``{"ready": PID}`` once its models are loaded, then answers each card with an ``Outcome``.

Run as ``python -m chile_id_ocr.batch.worker``; it is not a user command.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from typing import IO

from chile_id_ocr.batch.records import Item, Outcome, files_head, recognize_item
from chile_id_ocr.errors import InternalRecognitionError

DEFAULT_TIMEOUT = 120.0
START_TIMEOUT = 300.0


class WorkerStartError(RuntimeError):
    """A worker could not start (a broken installation, not a bad card): the job cannot go on."""


@dataclass(frozen=True)
class WorkerSettings:
    """``details``: records carry them; ``timeout``: seconds a card may take (both sides together); ``crops``:
    the details carry the front's pictures."""

    details: bool = False
    timeout: float = DEFAULT_TIMEOUT
    crops: bool = False


def _signal_name(returncode: int | None) -> str:
    if returncode is None:
        return "no exit status"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"killed by {name}" + (", as the out-of-memory killer does" if name == "SIGKILL" else "")
    return f"exit status {returncode}"


class WorkerProcess:
    """One child process and the card it is reading; blocking ``run`` or ``submit``/``collect`` around a select."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self.item: Item | None = None
        self.deadline = float("inf")
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self.restarts = 0

    # -- life cycle
    def start(self) -> WorkerProcess:
        """Spawn the child (its own session: a Ctrl-C at the terminal reaches only the parent)."""
        env = dict(os.environ)
        env.setdefault("OMP_NUM_THREADS", "1")
        env.setdefault("CHILE_ID_OCR_THREADS", "1")
        if self._stderr is not None:
            self._stderr.close()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - the child's stderr, kept while it lives
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chile_id_ocr.batch.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            start_new_session=True,
        )
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Block until the child has loaded its models."""
        line = self._readline(timeout)
        if not line.startswith(b'{"ready"'):
            self._kill()
            raise WorkerStartError(f"a recognition worker did not start: {self._stderr_tail() or 'no message'}")

    def close(self) -> None:
        """Stop the child: at once when it is reading a card, else after it has seen its input end."""
        process = self.process
        if process is None:
            return
        if self.item is None and process.poll() is None:
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                process.stdin.close()  # type: ignore[union-attr]
                process.wait(timeout=5)
        self._kill()
        self.process = None
        if self._stderr is not None:
            self._stderr.close()

    def fileno(self) -> int:
        assert self.process is not None and self.process.stdout is not None
        return self.process.stdout.fileno()

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    # -- one card
    def submit(self, item: Item) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.item = item
        self.deadline = time.monotonic() + self.settings.timeout
        try:
            request = {"item": asdict(item), "details": self.settings.details, "crops": self.settings.crops}
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            pass  # the child is gone: collect() sees its output end and says so

    def collect(self) -> Outcome:
        """The answer to the card submitted (call when ``fileno`` is readable)."""
        line = self._readline(None)
        if line.endswith(b"\n"):
            return self._done(Outcome.from_json(line.decode()))
        how = _signal_name(self._returncode())
        self._kill()
        return self._fail(f"the recognition worker stopped while reading this card ({how})")

    def expire(self) -> Outcome:
        """The card is past its time limit: stop the worker and say so."""
        self._kill()
        limit = f"{self.settings.timeout:g}"
        return self._fail(f"the card was not read within {limit} s (the time limit per card); its worker was stopped")

    def run(self, item: Item) -> Outcome:
        """Read one card, blocking; a crash or a time-out is the card's error record."""
        self.submit(item)
        readable, _, _ = select.select([self], [], [], max(0.0, self.deadline - time.monotonic()))
        return self.collect() if readable else self.expire()

    # -- internals
    def _done(self, outcome: Outcome) -> Outcome:
        self.item, self.deadline = None, float("inf")
        return outcome

    def _fail(self, reason: str) -> Outcome:
        item = self.item
        assert item is not None
        record = {"id": item.id, **files_head(item.front, item.back), **InternalRecognitionError(reason).to_api()}
        self.restarts += 1
        self.start().wait_ready()
        return self._done(Outcome(record))

    def _readline(self, timeout: float | None) -> bytes:
        assert self.process is not None and self.process.stdout is not None
        if timeout is not None and not select.select([self], [], [], timeout)[0]:
            return b""
        try:
            return self.process.stdout.readline()
        except OSError:
            return b""

    def _returncode(self) -> int | None:
        assert self.process is not None
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return None

    def _kill(self) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        lines = self._stderr.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else ""


def _die_with_parent() -> None:
    """The child ends when its parent does, even while stuck on a card (a hung network mount, say)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main() -> int:
    """The child: models loaded once, then one card per line of stdin until it ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _die_with_parent()
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a library's stray print must not break the protocol
    from chile_id_ocr.models.ocr import get_engine

    get_engine()
    answers.write(json.dumps({"ready": os.getpid()}) + "\n")
    answers.flush()
    for line in sys.stdin:
        request = json.loads(line)
        outcome = recognize_item(Item(**request["item"]), request["details"], request.get("crops", False))
        answers.write(outcome.to_json() + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
