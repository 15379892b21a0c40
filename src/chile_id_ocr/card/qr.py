"""The QR code on the card's back: a link to the Civil Registry's document-status page.

Cards carry one of two hosts::

    https://portal.sidiv.registrocivil.cl/docstatus?RUN=41000297-3&type=CEDULA&serial=500104037&mrz=...
    https://portal.nuevosidiv.registrocivil.cl/document-validity?RUN=...&type=CEDULA&serial=B5F089055&mrz=...

``type`` is ``CEDULA`` or ``CEDULA_EXT`` (foreigners); ``mrz`` repeats the MRZ's
document number + check digit, birth ``YYMMDD`` + check and expiry ``YYMMDD`` + check.

>>> qr = parse("https://portal.sidiv.registrocivil.cl/docstatus?RUN=41000297-3&type=CEDULA"
...            "&serial=500104037&mrz=500104037201011583101159")
>>> qr.run, qr.document_type, qr.serial
('41000297-3', 'CEDULA', '500104037')
>>> qr.mrz_document_number, qr.mrz_birth, qr.mrz_expiry
('500104037', '010115', '310115')
>>> qr.mrz_checks
{'document_number': True, 'birth': True, 'expiry': True}

Any other payload (the official specimen's QR is the Registry's home page) is kept as is:

>>> other = parse("http://www.registrocivil.cl")
>>> other.is_document_status, other.payload, other.run
(False, 'http://www.registrocivil.cl', None)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from chile_id_ocr.card.mrz import is_valid_check

__all__ = ["HOSTS", "QrPayload", "parse"]

HOSTS: dict[str, str] = {
    "portal.sidiv.registrocivil.cl": "/docstatus",
    "portal.nuevosidiv.registrocivil.cl": "/document-validity",
}
DOCUMENT_TYPES = ("CEDULA", "CEDULA_EXT")


@dataclass(frozen=True)
class QrPayload:
    """A decoded QR payload and, for a document-status link, its parameters."""

    payload: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def is_document_status(self) -> bool:
        return bool(self.params)

    @property
    def run(self) -> str | None:
        """``'41000297-3'`` as the link carries it."""
        value = self.params.get("RUN")
        return value.upper() if value else None

    @property
    def document_type(self) -> str | None:
        return self.params.get("type")

    @property
    def serial(self) -> str | None:
        """The document number."""
        return self.params.get("serial")

    @property
    def _mrz(self) -> str:
        value = self.params.get("mrz", "")
        return value if len(value) == 24 else ""

    @property
    def mrz_document_number(self) -> str | None:
        return self._mrz[0:9] or None

    @property
    def mrz_birth(self) -> str | None:
        """``YYMMDD``"""
        return self._mrz[10:16] or None

    @property
    def mrz_expiry(self) -> str | None:
        """``YYMMDD``"""
        return self._mrz[17:23] or None

    @property
    def mrz_checks(self) -> dict[str, bool]:
        """Check digits of the MRZ extract in the link; empty when it has none."""
        m = self._mrz
        if not m:
            return {}
        return {
            "document_number": is_valid_check(m[0:9], m[9]),
            "birth": is_valid_check(m[10:16], m[16]),
            "expiry": is_valid_check(m[17:23], m[23]),
        }

    def to_dict(self) -> dict[str, object]:
        return {"payload": self.payload, "params": dict(self.params), "mrz_checks": self.mrz_checks or None}


def parse(payload: str) -> QrPayload:
    """The payload, with its parameters when it is a document-status link of either host.

    >>> parse("https://portal.nuevosidiv.registrocivil.cl/document-validity?RUN=12345678-5"
    ...       "&type=CEDULA_EXT&serial=B5F089055&mrz=B5F089055X").params["type"]
    'CEDULA_EXT'
    >>> parse("https://evil.example.com/docstatus?RUN=1-9").is_document_status
    False
    """
    try:
        parts = urlsplit(payload.strip())
    except ValueError:
        return QrPayload(payload)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or HOSTS.get(host) != parts.path.rstrip("/"):
        return QrPayload(payload)
    params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items() if v}
    if "RUN" not in params:
        return QrPayload(payload)
    return QrPayload(payload, params)
