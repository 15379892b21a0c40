"""The typed result of a recognition and its JSON forms.

``Recognition.to_api()`` is exactly the ``result`` object of the API contract;
``Recognition.details()`` is the opt-in extension object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

FIELD_NAMES: tuple[str, ...] = (
    "surname",
    "given_name",
    "nationality",
    "sex",
    "birth",
    "document_number",
    "issue_date",
    "expiry_date",
    "number",
)

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]


class Side(StrEnum):
    FRONT = "front"
    BACK = "back"


class Source(StrEnum):
    """Where a field's reading comes from: the front's printed line, the back's MRZ or its QR
    link; a result of both sides fused says which sources agreed in its details."""

    FRONT = "front"
    MRZ = "mrz"
    QR = "qr"


class CardType(StrEnum):
    NATIONAL_2013 = "2013_national"
    FOREIGNER_2013 = "2013_foreigner"
    DESIGN_2024 = "2024_design"
    UNKNOWN_LAYOUT = "unknown_layout"  # a front read from its labels, its design not known
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FieldReading:
    """One field as read: its value, calibrated confidence and where it was found. The one type
    that carries a field's reading from the checks through fusion to the result.

    ``box`` is the field's quadrilateral in the input image (pixels, clockwise from
    top-left), ``raw`` the engine's text before normalisation, ``reason`` why the
    confidence is low (empty when it is not), ``source`` what it was read from (None: fused).
    """

    value: str | tuple[str, ...]
    confidence: float
    box: Quad | None = None
    raw: str = ""
    reason: str = ""
    source: Source | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:  # NaN fails this too: a confidence is a probability
            raise ValueError(f"a field's confidence must be within [0, 1], not {self.confidence!r}")

    def api_value(self) -> str | list[str]:
        return list(self.value) if isinstance(self.value, tuple) else self.value


@dataclass(frozen=True)
class Checks:
    """What the card's own rules say about the values read."""

    run_check_digit_valid: bool | None = None
    dates_valid: bool | None = None
    issue_before_expiry: bool | None = None
    expired: bool | None = None
    document_number_valid: bool | None = None

    def to_dict(self) -> dict[str, bool | None]:
        return {
            "run_check_digit_valid": self.run_check_digit_valid,
            "dates_valid": self.dates_valid,
            "issue_before_expiry": self.issue_before_expiry,
            "expired": self.expired,
            "document_number_valid": self.document_number_valid,
        }


@dataclass(frozen=True)
class Recognition:
    """The card read from one image."""

    fields: dict[str, FieldReading]
    side: Side = Side.FRONT
    card_type: CardType = CardType.UNKNOWN
    checks: Checks = field(default_factory=Checks)
    iso_dates: dict[str, str | None] = field(default_factory=dict)
    quad: Quad | None = None
    # Per field, each independent source's own reading (a back's MRZ and QR link): what fusion weighs.
    sources: dict[str, tuple[FieldReading, ...]] = field(default_factory=dict)
    # What says which card it is (a mark printed, a visa line, an MRZ document code...).
    card_type_evidence: tuple[str, ...] = ()
    # Further details keys (the back's MRZ and QR, the sources of each fused field), added as they are.
    extensions: dict[str, object] = field(default_factory=dict)

    def value(self, name: str) -> str | list[str]:
        reading = self.fields.get(name)
        if reading is None:
            return [] if name == "surname" else ""
        return reading.api_value()

    def confidence(self, name: str) -> float:
        reading = self.fields.get(name)
        return round(reading.confidence, 4) if reading is not None else 0.0

    def to_api(self) -> dict[str, object]:
        """The contract's ``result`` object: nine fields and their confidences."""
        out: dict[str, object] = {name: self.value(name) for name in FIELD_NAMES}
        out["confidence"] = {name: self.confidence(name) for name in FIELD_NAMES}
        return out

    def details(self) -> dict[str, object]:
        """The opt-in extension object (``--details``, ``"details": true``)."""

        def box(q: Quad | None) -> list[list[float]] | None:
            return None if q is None else [[round(x, 1), round(y, 1)] for x, y in q]

        return {
            "side": self.side.value,
            "card_type": self.card_type.value,
            "card_type_evidence": list(self.card_type_evidence),
            "checks": self.checks.to_dict(),
            "dates_iso": {k: self.iso_dates.get(k) for k in ("birth", "issue_date", "expiry_date")},
            "card_quad": box(self.quad),
            "fields": {
                name: {
                    "box": box(reading.box),
                    "confidence": round(reading.confidence, 4),
                    "low_confidence_reason": reading.reason or None,
                }
                for name, reading in self.fields.items()
            },
            **self.extensions,
        }
