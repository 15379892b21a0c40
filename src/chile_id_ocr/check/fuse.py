"""Both sides in one result: the front's reading fused field by field with the back's MRZ and QR.

Names come from the front (accents kept, never truncated) unless the front could not read
them; numbers and dates are taken where most support lies: the front's reading, the MRZ
(whose check digits make it strong when they pass, weak when they fail) and the QR link.
Every source's value is reported in the details, with a conflict flag where they disagree:
a conflict is reported, never hidden.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date

from chile_id_ocr.card import run
from chile_id_ocr.card.mrz import FILLER
from chile_id_ocr.check.back import mrz_date_text
from chile_id_ocr.result import Checks, FieldReading, Recognition, Side

_CONFLICT = 0.7  # the chosen value's confidence is multiplied by this when a source disagrees
_MAX = 0.9999


@dataclass(frozen=True)
class _Source:
    name: str  # "front", "mrz" or "qr"
    value: str | tuple[str, ...]
    key: str  # the value in a form comparable across sources
    confidence: float


def ascii_key(text: str | tuple[str, ...]) -> str:
    """A name as the MRZ would carry it: ASCII capitals, words joined by single fillers.

    >>> ascii_key(("FERNÁNDEZ", "ZAMBRANO"))
    'FERNANDEZ<ZAMBRANO'
    >>> ascii_key("MARÍA JOSÉ")
    'MARIA<JOSE'
    """
    joined = " ".join(text) if isinstance(text, tuple) else text
    plain = unicodedata.normalize("NFKD", joined.upper()).encode("ascii", "ignore").decode()
    return FILLER.join("".join(c if c.isalnum() else " " for c in plain).split())


def _front_source(front: Recognition, name: str) -> _Source | None:
    reading = front.fields.get(name)
    if reading is None or not reading.value:
        return None
    key: str
    if name in ("surname", "given_name"):
        key = ascii_key(reading.value)
    elif name in ("birth", "expiry_date", "issue_date"):
        key = front.iso_dates.get(name) or str(reading.value)
    elif name == "number":
        key = run.compact(str(reading.value))
    else:
        key = str(reading.value)
    return _Source("front", reading.value, key, reading.confidence)


def _back_sources(back: Recognition, name: str, today: date) -> list[_Source]:
    """The back's reading of ``name``, split into its MRZ and QR sources."""
    reading = back.fields.get(name)
    details = back.extensions.get("back", {})
    assert isinstance(details, dict)
    mrz = details.get("mrz") or {}
    qr = (details.get("qr") or {}).get("params") or {}
    sources: list[_Source] = []
    if reading is not None and reading.value and mrz.get("lines"):
        key = back.iso_dates.get(name) or ""
        if name in ("surname", "given_name"):
            key = ascii_key(reading.value)
        elif name == "number":
            key = run.compact(str(reading.value))
        elif not key:
            key = str(reading.value)
        sources.append(_Source("mrz", reading.value, key, reading.confidence))
    qr_value = _qr_value(name, qr, today)
    if qr_value is not None:
        sources.append(qr_value)
    return sources


def _qr_value(name: str, params: dict[str, str], today: date) -> _Source | None:
    mrz_part = params.get("mrz", "")
    if name == "number" and params.get("RUN"):
        return _Source("qr", run.format(params["RUN"]), run.compact(params["RUN"]), 0.97)
    if name == "document_number" and params.get("serial"):
        return _Source("qr", params["serial"], params["serial"], 0.97)
    if name in ("birth", "expiry_date") and len(mrz_part) == 24:
        yymmdd = mrz_part[10:16] if name == "birth" else mrz_part[17:23]
        text, day = mrz_date_text(yymmdd, birth=name == "birth", today=today)
        if day is not None:
            return _Source("qr", text, day.isoformat(), 0.97)
    return None


def _agree(a: _Source, b: _Source, name: str) -> bool:
    if name == "given_name":  # the MRZ may cut the given names short
        return a.key.startswith(b.key) or b.key.startswith(a.key) if min(len(a.key), len(b.key)) >= 2 else False
    return a.key == b.key


def _fuse_field(name: str, sources: list[_Source]) -> tuple[FieldReading | None, dict[str, object]]:
    if not sources:
        return None, {"sources": {}, "agree": [], "conflict": False}
    groups: list[list[_Source]] = []
    for s in sources:
        for g in groups:
            if _agree(g[0], s, name):
                g.append(s)
                break
        else:
            groups.append([s])

    def support(group: list[_Source]) -> float:
        doubt = 1.0
        for s in group:
            doubt *= 1.0 - min(s.confidence, _MAX)
        return 1.0 - doubt

    if name in ("surname", "given_name"):  # the front's spelling, unless the front read nothing
        best = next((g for g in groups if g[0].name == "front"), None) or max(groups, key=support)
    else:
        best = max(groups, key=support)
    chosen = best[0]
    confidence = min(support(best), _MAX)
    conflict = len(groups) > 1
    reason = ""
    if conflict:
        confidence *= _CONFLICT
        others = ", ".join(
            f"{s.name} {s.value if isinstance(s.value, str) else ' '.join(s.value)}"
            for g in groups
            if g is not best
            for s in g
        )
        reason = f"sources disagree ({others})"
    detail = {
        "sources": {s.name: list(s.value) if isinstance(s.value, tuple) else s.value for s in sources},
        "agree": [s.name for s in best],
        "conflict": conflict,
    }
    return FieldReading(chosen.value, confidence, reason=reason), detail


def fuse(front: Recognition, back: Recognition, *, today: date) -> Recognition:
    """One result from a front and a back read separately (``today`` dates the QR's two-digit years)."""
    fields: dict[str, FieldReading] = {}
    fusion: dict[str, object] = {}
    for name in sorted(set(front.fields) | set(back.fields)):
        sources = [s for s in (_front_source(front, name),) if s is not None] + _back_sources(back, name, today)
        reading, detail = _fuse_field(name, sources)
        fusion[name] = detail
        if reading is None:
            continue
        box = (
            front.fields[name].box if name in front.fields and detail["agree"] and "front" in detail["agree"] else None
        )
        fields[name] = replace(reading, box=box, raw=front.fields[name].raw if name in front.fields else "")
    iso = dict(front.iso_dates)
    for name in ("birth", "expiry_date"):
        if not _chosen(fusion, name, "front"):
            iso[name] = back.iso_dates.get(name)
    checks = _checks(front, back, fusion)
    return Recognition(
        fields=fields,
        side=Side.FRONT,
        card_type=front.card_type,
        checks=checks,
        iso_dates=iso,
        quad=front.quad,
        extensions={**front.extensions, **back.extensions, "sides": ["front", "back"], "fusion": fusion},
    )


def _chosen(fusion: dict[str, object], name: str, source: str) -> bool:
    detail = fusion.get(name)
    return not isinstance(detail, dict) or not detail["agree"] or source in detail["agree"]


def _checks(front: Recognition, back: Recognition, fusion: dict[str, object]) -> Checks:
    """The front's checks, except where the fused value came from the back."""
    run_valid = (
        front.checks.run_check_digit_valid if _chosen(fusion, "number", "front") else back.checks.run_check_digit_valid
    )
    doc_valid = (
        front.checks.document_number_valid
        if _chosen(fusion, "document_number", "front")
        else back.checks.document_number_valid
    )
    return Checks(
        run_check_digit_valid=run_valid,
        dates_valid=front.checks.dates_valid,
        issue_before_expiry=front.checks.issue_before_expiry,
        expired=front.checks.expired if front.checks.expired is not None else back.checks.expired,
        document_number_valid=doc_valid,
    )
