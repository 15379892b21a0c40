"""Both sides in one result: the front's reading fused field by field with the back's MRZ and QR.

Names come from the front (accents kept, never truncated) unless the front could not read
them; numbers and dates are taken where most support lies: the front's reading, the MRZ
(whose check digits make it strong when they pass, weak when they fail) and the QR link.
Every source's value is reported in the details, with a conflict flag where they disagree:
a conflict is reported, never hidden.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from chile_id_ocr.card import dates, run
from chile_id_ocr.card.mrz import FILLER
from chile_id_ocr.result import CardType, Checks, FieldReading, Recognition, Side, Source

_CONFLICT = 0.7  # the chosen value's confidence is multiplied by this when a source disagrees
_MAX = 0.9999
_SURE = 0.9  # under this, a fused field keeps the reasons its sources gave
_DATES = ("birth", "expiry_date", "issue_date")


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


def _key(name: str, reading: FieldReading, iso: str | None = None) -> str:
    """The reading's value in a form comparable across sources: names as the MRZ carries them,
    RUNs without dots, dates as ISO dates (``iso``, or the date the text says)."""
    if name in ("surname", "given_name"):
        return ascii_key(reading.value)
    if name == "number":
        return run.compact(str(reading.value))
    if name in _DATES:
        if iso is None:
            parsed = dates.parse_with_info(str(reading.value))
            iso = None if parsed is None else parsed[0].iso
        return iso or str(reading.value)
    return str(reading.value)


def _sources(front: Recognition, back: Recognition, name: str) -> list[tuple[FieldReading, str]]:
    """Every source's reading of ``name`` with its comparable key: the front's, then the back's
    (its MRZ's and its QR link's, ``Recognition.sources``)."""
    found: list[tuple[FieldReading, str]] = []
    reading = front.fields.get(name)
    if reading is not None and reading.value:
        found.append((replace(reading, source=Source.FRONT), _key(name, reading, front.iso_dates.get(name))))
    for source in back.sources.get(name, ()):
        iso = back.iso_dates.get(name) if source.source is Source.MRZ else None
        found.append((source, _key(name, source, iso)))
    return found


def _agree(a: str, b: str, name: str) -> bool:
    if name == "given_name":  # the MRZ may cut the given names short
        return a.startswith(b) or b.startswith(a) if min(len(a), len(b)) >= 2 else False
    return a == b


def _support(group: list[tuple[FieldReading, str]]) -> float:
    """The probability that at least one of the agreeing sources is right, taken as independent."""
    doubt = 1.0
    for reading, _ in group:
        doubt *= 1.0 - min(reading.confidence, _MAX)
    return 1.0 - doubt


def _shown(reading: FieldReading) -> str:
    return reading.value if isinstance(reading.value, str) else " ".join(reading.value)


def _fuse_field(name: str, sources: list[tuple[FieldReading, str]]) -> tuple[FieldReading | None, dict[str, object]]:
    if not sources:
        return None, {"sources": {}, "agree": [], "conflict": False}
    groups: list[list[tuple[FieldReading, str]]] = []
    for source in sources:
        for g in groups:
            if _agree(g[0][1], source[1], name):
                g.append(source)
                break
        else:
            groups.append([source])
    if name in ("surname", "given_name"):  # the front's spelling, unless the front read nothing
        best = next((g for g in groups if g[0][0].source is Source.FRONT), None) or max(groups, key=_support)
    else:
        best = max(groups, key=_support)
    chosen = best[0][0]
    confidence = min(_support(best), _MAX)
    conflict = len(groups) > 1
    if conflict:
        confidence *= _CONFLICT
        others = ", ".join(f"{r.source} {_shown(r)}" for g in groups if g is not best for r, _ in g)
        reason = f"sources disagree ({others})"
    else:  # what made the agreeing sources doubtful, when they still are
        reasons = dict.fromkeys(r.reason for r, _ in best if r.reason)
        reason = "; ".join(reasons) if confidence < _SURE else ""
    detail = {
        "sources": {str(r.source): r.api_value() for r, _ in sources},
        "agree": [str(r.source) for r, _ in best],
        "conflict": conflict,
    }
    return FieldReading(chosen.value, confidence, reason=reason), detail


def fuse(front: Recognition, back: Recognition) -> Recognition:
    """One result from a front and a back read separately, each field from the sources that
    support it best (``Recognition.sources``: the back's MRZ and QR link, dated by ``check_back``)."""
    fields: dict[str, FieldReading] = {}
    fusion: dict[str, object] = {}
    for name in sorted(set(front.fields) | set(back.fields)):
        reading, detail = _fuse_field(name, _sources(front, back, name))
        fusion[name] = detail
        if reading is None:
            continue
        box = front.fields[name].box if name in front.fields and _chosen(fusion, name, Source.FRONT) else None
        fields[name] = replace(reading, box=box, raw=front.fields[name].raw if name in front.fields else "")
    iso = dict(front.iso_dates)
    for name in ("birth", "expiry_date"):
        if not _chosen(fusion, name, Source.FRONT):
            iso[name] = back.iso_dates.get(name)
    checks = _checks(front, back, fusion)
    return Recognition(
        fields=fields,
        side=Side.FRONT,
        card_type=_card_type(front, back),
        card_type_evidence=(*front.card_type_evidence, *back.card_type_evidence),
        sources={name: (*([front.fields[name]] if name in front.fields else []), *back.sources.get(name, ()))
                 for name in fields},
        checks=checks,
        iso_dates=iso,
        quad=front.quad,
        extensions={**front.extensions, **back.extensions, "sides": ["front", "back"], "fusion": fusion},
    )


def _chosen(fusion: dict[str, object], name: str, source: Source) -> bool:
    """Whether ``source`` agrees with the value kept for ``name`` (or nothing was kept)."""
    detail = fusion.get(name)
    if not isinstance(detail, dict):
        return True
    agree = detail["agree"]
    return not isinstance(agree, list) or not agree or str(source) in agree


def _card_type(front: Recognition, back: Recognition) -> CardType:
    """The front's, unless the front reads as a national's card and the back says foreigner (its
    visa line, MRZ document code IE, QR document type): the back's evidence is kept too."""
    if front.card_type is CardType.NATIONAL_2013 and back.card_type is CardType.FOREIGNER_2013:
        return CardType.FOREIGNER_2013
    return front.card_type


def _checks(front: Recognition, back: Recognition, fusion: dict[str, object]) -> Checks:
    """The front's checks, except where the fused value came from the back: the RUN's and the
    document number's check digits, and whether the card has expired (the expiry kept says)."""

    def side(name: str) -> Checks:
        return front.checks if _chosen(fusion, name, Source.FRONT) else back.checks

    expired = side("expiry_date").expired
    if expired is None:
        expired = front.checks.expired if front.checks.expired is not None else back.checks.expired
    return Checks(
        run_check_digit_valid=side("number").run_check_digit_valid,
        dates_valid=front.checks.dates_valid,
        issue_before_expiry=front.checks.issue_before_expiry,
        expired=expired,
        document_number_valid=side("document_number").document_number_valid,
    )
