"""Progress on stderr: a tqdm bar on a terminal, a plain line every few seconds otherwise (logs, CI, nohup).

>>> import io
>>> stream = io.StringIO()
>>> progress = Progress(total=4, mode="plain", stream=stream, every=0)
>>> progress.update(error=True)
>>> stream.getvalue().startswith("batch: 1/4 cards (25.0 %), ")
True
>>> "1 errors" in stream.getvalue()
True
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

MODES = ("auto", "bar", "plain", "none")
DEFAULT_EVERY = 10.0


def _clock(seconds: float) -> str:
    """
    >>> _clock(59.4), _clock(3725)
    ('0:00:59', '1:02:05')
    """
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


class Progress:
    """Cards done out of ``total``, rate, errors so far and time left."""

    def __init__(self, total: int, mode: str = "auto", stream: TextIO | None = None, every: float = DEFAULT_EVERY):
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "plain"
        self.mode = mode
        self.every = every
        self.done = 0
        self.errors = 0
        self.start = time.monotonic()
        self._last = self.start
        self._bar: Any = None
        if mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="card", file=self.stream, dynamic_ncols=True, smoothing=0.05)
            self._bar.set_postfix_str("0 errors")

    def update(self, error: bool) -> None:
        self.done += 1
        self.errors += error
        if self._bar is not None:
            if error:
                self._bar.set_postfix_str(f"{self.errors} errors", refresh=False)
            self._bar.update(1)
        elif self.mode == "plain":
            now = time.monotonic()
            if now - self._last >= self.every or self.done == self.total:
                self._last = now
                self.stream.write(self.line(now) + "\n")
                self.stream.flush()

    def note(self, text: str) -> None:
        """A line about the run between the progress lines (a Ray node lost, say); none with ``--progress none``."""
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        elif self.mode == "plain":
            self.stream.write(text + "\n")
            self.stream.flush()

    def line(self, now: float) -> str:
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        share = f"{100.0 * self.done / self.total:.1f} %" if self.total else "-"
        eta = _clock((self.total - self.done) / rate) if rate > 0 else "-"
        return (
            f"batch: {self.done}/{self.total} cards ({share}), {rate:.2f} cards/s, {self.errors} errors, "
            f"elapsed {_clock(elapsed)}, ETA {eta}"
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
