"""The operator's decision on the capture's assessment: with ``recapture_threshold`` set, the response's
``details.capture`` says whether its score reaches it (``flagged``). The flag never changes a field or
turns a result into an error.

>>> flag_capture({"capture": {"kind": "screen", "score": 0.91}}, 0.8)
{'capture': {'kind': 'screen', 'score': 0.91, 'flagged': True}}
>>> flag_capture({"capture": {"kind": "original", "score": 0.02}}, None)
{'capture': {'kind': 'original', 'score': 0.02}}
"""

from __future__ import annotations

from typing import Any


def flag_capture(details: dict[str, Any] | None, threshold: float | None) -> dict[str, Any] | None:
    """``details`` with ``capture.flagged`` when a threshold is configured (unchanged otherwise)."""
    if details is None or threshold is None or not isinstance(details.get("capture"), dict):
        return details
    capture = details["capture"]
    return {**details, "capture": {**capture, "flagged": float(capture["score"]) >= threshold}}
