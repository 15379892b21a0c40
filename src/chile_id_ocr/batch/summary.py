"""What a batch found, counted as records are written, and printed at the end.

>>> summary = Summary(threshold=0.9)
>>> summary.add(Outcome({"id": "a", "error_code": "AIS.0104", "error_msg": "..."}))
>>> summary.add(Outcome({"id": "b", "result": {"sex": "F", "confidence": {"sex": 0.5}}},
...                     {"side": "front", "checks": {"run_check_digit_valid": False, "expired": True}}))
>>> summary.cards, summary.read, dict(summary.errors), summary.run_check_failed, summary.expired
(2, 1, {'AIS.0104': 1}, 1, 1)
>>> dict(summary.low_fields), summary.low_cards
({'sex': 1}, 1)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chile_id_ocr.batch.records import Outcome

DEFAULT_THRESHOLD = 0.9


def _absent_by_design(value: Any, confidence: float, facts: dict[str, Any]) -> bool:
    """A field a back read alone cannot give (the issue date): empty with confidence 0, not a doubt."""
    return facts.get("side") == "back" and value in ("", []) and confidence == 0


@dataclass
class Summary:
    """Cards written in this run, errors by code, failed RUN check digits, expired cards, doubtful fields."""

    threshold: float = DEFAULT_THRESHOLD
    skipped: int = 0
    cards: int = 0
    read: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    run_check_failed: int = 0
    expired: int = 0
    low_fields: Counter[str] = field(default_factory=Counter)
    low_cards: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    engine_rows: list[tuple[str, str]] = field(default_factory=list)  # the engine's own lines (Ray: the cluster)

    def add(self, outcome: Outcome) -> None:
        self.cards += 1
        if outcome.error_code is not None:
            self.errors[outcome.error_code] += 1
            return
        self.read += 1
        checks = outcome.facts.get("checks") or {}
        self.run_check_failed += checks.get("run_check_digit_valid") is False
        self.expired += checks.get("expired") is True
        result = outcome.record.get("result") or {}
        low = [
            name
            for name, confidence in (result.get("confidence") or {}).items()
            if confidence < self.threshold and not _absent_by_design(result.get(name), confidence, outcome.facts)
        ]
        self.low_fields.update(low)
        self.low_cards += bool(low)

    def render(self, out: str) -> str:
        """The end-of-run report (for stderr)."""
        rate = f"{self.cards / self.seconds:.2f} cards/s" if self.seconds > 0 else "-"
        state = "interrupted after" if self.interrupted else "done:"
        errors = ", ".join(f"{code} {n}" for code, n in sorted(self.errors.items()))
        low = ", ".join(f"{name} {n}" for name, n in self.low_fields.most_common())
        rows = [
            ("cards read", f"{self.read}"),
            ("errors", f"{sum(self.errors.values())}" + (f"   {errors}" if errors else "")),
            ("RUN check digit failed", f"{self.run_check_failed}"),
            ("expired cards", f"{self.expired}"),
            (
                f"fields under {self.threshold:g}",
                f"{sum(self.low_fields.values())}" + (f"   in {self.low_cards} cards: {low}" if low else ""),
            ),
        ]
        if self.skipped:
            rows.append(("already in OUT (--resume)", f"{self.skipped}"))
        rows += self.engine_rows
        width = max(len(label) for label, _ in rows)
        lines = [f"chile-id-ocr batch {state} {self.cards} cards in {_duration(self.seconds)} ({rate}) -> {out}"]
        lines += [f"  {label:<{width}}  {value}" for label, value in rows]
        if self.interrupted:
            lines.append("  the cards written so far are in OUT; run the same command with --resume to go on")
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    """
    >>> _duration(5.04), _duration(125), _duration(3 * 3600 + 61)
    ('5.0 s', '2 min 05 s', '3 h 01 min')
    """
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
