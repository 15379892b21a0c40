"""The back's fields checked: an MRZ and a QR payload in, a ``Recognition`` of side ``back`` out.

Every field comes from the MRZ (ASCII, names possibly truncated at 30 characters); the
QR link, when it is a document-status link, confirms the RUN, the document number and
the dates, or stands in for them when the MRZ could not be read. The issue date is not
on the back. Confidences: the engine's line score, raised where a check digit passes
and another source agrees, capped low where a check digit fails.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import cast

import numpy as np

from chile_id_ocr.card import dates, document, mrz, run
from chile_id_ocr.card.qr import QrPayload
from chile_id_ocr.errors import PoorImageError
from chile_id_ocr.read.back import BackReading, TextLine
from chile_id_ocr.result import CardType, Checks, FieldReading, Recognition, Side, Source

_CHECK_FAIL = 0.5  # a value whose check digit fails is reported with at most this confidence
# Two or more failed check digits: the MRZ was misread as a whole (cut, shifted), and the
# fields no check digit covers are doubted as much.
_MISREAD_CHECKS = 2
_MISREAD = 0.5
_MISREAD_WHY = "the MRZ's check digits fail: its lines look misread"
_UNCOVERED = ("surname", "given_name", "sex", "nationality")
_UNCHECKED = 0.9  # names, sex and nationality carry no check digit
_TRUNCATED = 0.8  # a given name filling the whole line may have been cut
_QR_ONLY = 0.97  # a value decoded from the QR alone (Reed-Solomon protected)
_AGREE = 0.1  # each independent agreeing source divides the remaining doubt by this much
# A document number that is neither design's (nine digits; a letter, then letters and digits) was
# misread, whatever its check digit says: a blurred line can pass it by chance (1 in 10), and the
# passing digit would raise the misreading's doubt tenfold (dev hard back 5054: 525504M73 at 0.98).
_NOT_A_DOCUMENT = "not a document number of either design: misread, though its check digit passes"
# Another country's document is told by an MRZ whose check digits pass, at least this many of them.
_ANOTHER_DOCUMENT = 2


class NotChileanCardError(PoorImageError):
    """The MRZ read is not a Chilean identity card's (a passport, another country's card)."""

    def __init__(self, reason: str, details: dict[str, object]) -> None:
        super().__init__(reason)
        self.details = details


def _mrz(value: str | tuple[str, ...], confidence: float, reason: str = "") -> FieldReading:
    """A field as the MRZ gave it."""
    return FieldReading(value, confidence, reason=reason, source=Source.MRZ)


def _qr(value: str, confidence: float = _QR_ONLY, reason: str = "") -> FieldReading:
    """A field as the QR link gave it."""
    return FieldReading(value, confidence, reason=reason, source=Source.QR)


def _checked(value: str, score: float, valid: bool, confirmed: bool) -> FieldReading:
    if not valid:
        return _mrz(value, min(score, _CHECK_FAIL), "check digit does not match")
    confidence = 1.0 - (1.0 - score) * _AGREE
    if confirmed:
        confidence = 1.0 - (1.0 - confidence) * _AGREE
    return _mrz(value, confidence)


def mrz_date_text(yymmdd: str | None, *, birth: bool, today: date) -> tuple[str, date | None]:
    """A ``YYMMDD`` date written as real cards print dates: ``'21 FEB 1983'``; ``''`` when it is not a date.

    >>> mrz_date_text("830221", birth=True, today=date(2026, 1, 1))
    ('21 FEB 1983', datetime.date(1983, 2, 21))
    >>> mrz_date_text("201201", birth=False, today=date(2026, 1, 1))[0]
    '01 DIC 2020'
    """
    if not yymmdd:
        return "", None
    day = mrz.birth_date(yymmdd, today) if birth else mrz.expiry_date(yymmdd)
    return (dates.format_date(day), day) if day is not None else ("", None)


def nationality_word(code: str) -> str:
    """``CHILENA`` for ``CHL``; any other code as it is.

    >>> nationality_word("CHL"), nationality_word("VEN")
    ('CHILENA', 'VEN')
    """
    return "CHILENA" if code == "CHL" else code


def _run_value(
    mrz_run: str | None, qr_run: str | None, score: float, composite: bool
) -> tuple[FieldReading, bool | None]:
    if not (mrz_run or qr_run):
        return _mrz("", 0.0, "no RUN readable"), None
    qr_valid = qr_run is not None and run.is_valid(qr_run)
    if not mrz_run or (qr_valid and not run.is_valid(mrz_run)):
        # No RUN in the MRZ, or one whose check digit fails where the QR link's passes: the link's.
        value = cast(str, qr_run)
        why = "" if qr_valid else "check digit does not match"
        return _qr(run.format(value), _QR_ONLY if qr_valid else _CHECK_FAIL, why), qr_valid
    formatted, valid = run.format(mrz_run), run.is_valid(mrz_run)
    confirmed = qr_run is not None and run.compact(qr_run) == run.compact(mrz_run)
    # A RUN whose own check digit passes and that the link repeats is right even where the composite check
    # fails: that one covers the document number and the dates too, and one of those was misread.
    field = _checked(formatted, score, valid and (composite or confirmed), confirmed)
    if valid and not composite and not confirmed:
        field = _mrz(formatted, min(score, 0.7), "MRZ composite check digit does not match")
    return field, valid


def _ensure_chilean(td1: mrz.Td1, raw: tuple[str, ...], payload: QrPayload | None) -> None:
    """Refuse another country's card. A state code misread under blur ('CML' for 'CHL') is not
    one: the Civil Registry's QR link, or a RUN whose own check digit passes beside a state code
    that differs from CHL in at most two characters, says Chilean."""
    if payload is not None and payload.is_document_status:
        return
    identity_card = td1.document_code[:1] in ("I", "C", "A")
    misread = sum(a != b for a, b in zip(td1.issuing_state, "CHL", strict=False)) <= 2
    if identity_card and misread and td1.run is not None and run.is_valid(td1.run):
        return
    if td1.issuing_state != "CHL" or not identity_card:
        if sum(td1.checks.values()) < _ANOTHER_DOCUMENT:  # lines of print taken for an MRZ, not another card's
            raise PoorImageError("the lines that look like an MRZ do not read as one")
        details: dict[str, object] = {"side": "back", "mrz": {"lines": list(raw), "issuing_state": td1.issuing_state}}
        raise NotChileanCardError(
            f"not a Chilean identity card (MRZ document {td1.document_code!r} of {td1.issuing_state!r})", details
        )


def _text_line(line: TextLine | None) -> dict[str, object] | None:
    return None if line is None else {"text": line.text, "confidence": round(line.score, 4)}


def back_details(reading: BackReading) -> dict[str, object]:
    """The back's part of the details: MRZ lines and checks, QR payload and parameters, text lines."""
    m = reading.mrz
    td1 = m.parsed if m is not None else None
    mrz_details: dict[str, object] | None = None
    if m is not None:
        mrz_details = {
            "raw": list(m.raw),
            "lines": list(td1.lines) if td1 else None,
            "check_digits": dict(td1.checks) if td1 else None,
            "repairs": list(td1.repairs) if td1 else [],
            "given_name_truncated": td1.given_names_truncated if td1 else None,
            "document_code": td1.document_code if td1 else None,
        }
    return {
        "mrz": mrz_details,
        "qr": reading.qr.to_dict() if reading.qr is not None else None,
        "back_text": {
            "birthplace": _text_line(reading.text.birthplace),
            "profession": _text_line(reading.text.profession),
            "visa": _text_line(reading.text.visa),
        },
    }


def check_back(reading: BackReading, *, today: date) -> Recognition:
    """The contract's fields from the back alone."""
    m = reading.mrz
    td1 = m.parsed if m is not None else None
    payload: QrPayload | None = reading.qr
    has_qr = payload is not None and payload.is_document_status
    if td1 is None and not has_qr:
        why = "no readable MRZ or QR code on the back" if m is None else "the MRZ lines could not be read"
        raise PoorImageError(why)
    if td1 is not None and m is not None:
        _ensure_chilean(td1, m.raw, payload)
    fields, checks, iso = _fields(td1, m.scores if m else (), payload if has_qr else None, today)
    fields = {name: replace(v, confidence=float(np.clip(v.confidence, 0, 1))) for name, v in fields.items()}
    card_type, evidence = _card_type(td1, payload, reading.text.visa is not None)
    return Recognition(
        fields=fields,
        side=Side.BACK,
        card_type=card_type,
        card_type_evidence=evidence,
        sources=_sources(fields, payload if has_qr else None, today),
        checks=checks,
        iso_dates=iso,
        extensions={"back": back_details(reading)},
    )


def _card_type(td1: mrz.Td1 | None, payload: QrPayload | None, visa: bool) -> tuple[CardType, tuple[str, ...]]:
    """The card's type and what says so: the foreigners' card says so by its visa line, its MRZ
    document code IE, its QR link's document type or a nationality other than Chilean."""
    document_type = None if payload is None else payload.document_type
    foreign = [
        *(["visa line"] if visa else []),
        *(["QR document type CEDULA_EXT"] if document_type == "CEDULA_EXT" else []),
        *(["MRZ document code IE"] if td1 is not None and td1.document_code == "IE" else []),
        *([f"MRZ nationality {td1.nationality}"] if td1 is not None and td1.nationality != "CHL" else []),
    ]
    if foreign:
        return CardType.FOREIGNER_2013, tuple(foreign)
    if td1 is not None:
        return CardType.NATIONAL_2013, (f"MRZ nationality {td1.nationality}",)
    if document_type is None:
        return CardType.UNKNOWN, ()
    return CardType.NATIONAL_2013, (f"QR document type {document_type}",)


def _sources(
    fields: dict[str, FieldReading], payload: QrPayload | None, today: date
) -> dict[str, tuple[FieldReading, ...]]:
    """Per field, each source's own reading: the MRZ's (the field as checked, when the MRZ was
    read) and the QR link's (the RUN, the document number and the dates of its MRZ extract)."""
    out: dict[str, tuple[FieldReading, ...]] = {
        name: (f,) for name, f in fields.items() if f.value and f.source is Source.MRZ
    }
    if payload is None:
        return out
    qr_values: dict[str, str] = {}
    if payload.run:
        qr_values["number"] = run.format(payload.run)
    if payload.serial:
        qr_values["document_number"] = payload.serial
    for name, yymmdd, birth in (("birth", payload.mrz_birth, True), ("expiry_date", payload.mrz_expiry, False)):
        text, _ = mrz_date_text(yymmdd, birth=birth, today=today)
        if text:
            qr_values[name] = text
    for name, value in qr_values.items():
        out[name] = (*out.get(name, ()), _qr(value))
    return out


def _misread_mrz(fields: dict[str, FieldReading], failed: int, repaired: bool) -> dict[str, FieldReading]:
    """``fields`` doubted where the MRZ itself looks misread: when its lines had to be
    repaired (read too short or too long) and two or more of its checked fields fail
    (``_failed_checks``), they were read cut or shifted, and the fields no check digit covers
    (names, sex, nationality) are as suspect as those that failed, whether the QR link stood in
    for those or not. (Lines read whole whose digits fail are printed so: the specimen's.) An
    empty value is no value."""
    misread = repaired and failed >= _MISREAD_CHECKS
    out = {}
    for name, v in fields.items():
        if name in _UNCOVERED and misread:
            v = replace(v, confidence=v.confidence * _MISREAD, reason=v.reason or _MISREAD_WHY)
        if not v.value and name != "issue_date":
            v = replace(v, confidence=0.0, reason=v.reason or "nothing readable")
        out[name] = v
    return out


def _fields(
    td1: mrz.Td1 | None, scores: tuple[float, ...], payload: QrPayload | None, today: date
) -> tuple[dict[str, FieldReading], Checks, dict[str, str | None]]:
    s1, s2, s3 = (*scores, 0.0, 0.0, 0.0)[:3]
    fields: dict[str, FieldReading] = {"issue_date": _mrz("", 0.0, "the issue date is not on the back")}
    checks = td1.checks if td1 is not None else {}
    if td1 is not None:
        fields["surname"] = _mrz(td1.surnames, s3 * _UNCHECKED)
        given = " ".join(td1.given_names)
        truncated = td1.given_names_truncated
        fields["given_name"] = _mrz(
            given,
            s3 * (_TRUNCATED if truncated else _UNCHECKED),
            "may be truncated at 30 characters" if truncated else "",
        )
        fields["sex"] = _mrz(td1.sex if td1.sex in "MF" else "", s2 * _UNCHECKED)
        fields["nationality"] = _mrz(nationality_word(td1.nationality), s2 * _UNCHECKED)
    doc_field, doc_valid = _document_number(td1, s1, payload)
    if doc_field is not None:
        fields["document_number"] = doc_field
    iso: dict[str, str | None] = {"issue_date": None}
    day_of: dict[str, date | None] = {}
    for name, birth, check in (("birth", True, "birth"), ("expiry_date", False, "expiry")):
        date_field, day = _date(td1, s2, payload, check, birth=birth, today=today)
        day_of[name], iso[name] = day, day.isoformat() if day else None
        if date_field is not None:
            fields[name] = date_field
    mrz_run = td1.run if td1 is not None else None
    fields["number"], run_valid = _run_value(
        mrz_run, payload.run if payload else None, s2, checks.get("composite", True)
    )
    repaired = td1 is not None and bool(td1.repairs)
    fields = _misread_mrz(fields, _failed_checks(td1, today), repaired)
    expiry = day_of.get("expiry_date")
    result_checks = Checks(
        run_check_digit_valid=run_valid,
        dates_valid=all(day_of.get(k) is not None for k in ("birth", "expiry_date")),
        issue_before_expiry=None,
        expired=None if expiry is None else expiry < today,
        document_number_valid=doc_valid,
    )
    return fields, result_checks, iso


def _qr_passes(payload: QrPayload | None, check: str) -> bool:
    """Whether the QR link carries the field of ``check`` (document_number, birth, expiry) in its MRZ
    extract with the extract's check digit passing."""
    return payload is not None and payload.mrz_checks.get(check, False)


def _document_number(
    td1: mrz.Td1 | None, score: float, payload: QrPayload | None
) -> tuple[FieldReading | None, bool | None]:
    """The document number and whether it is valid: the MRZ's, checked; the QR link's where the MRZ
    gave none, or where its check digit fails and the link's passes (the MRZ misread: a thumb, a
    glare); None where neither gives one."""
    qr_doc = payload.serial if payload is not None else None
    qr_passes = bool(qr_doc) and _qr_passes(payload, "document_number") and document.is_valid(qr_doc or "")
    if td1 is None or (not td1.checks["document_number"] and qr_passes):
        return (_qr(qr_doc), True) if qr_doc else (None, None)
    doc, passes = td1.document_number, td1.checks["document_number"]
    valid = document.is_valid(doc)
    if doc and passes and not valid:
        return _mrz(doc, min(score, _CHECK_FAIL), _NOT_A_DOCUMENT), False
    return _checked(doc, score, passes, qr_doc == doc), passes and valid


def _date(
    td1: mrz.Td1 | None, score: float, payload: QrPayload | None, check: str, *, birth: bool, today: date
) -> tuple[FieldReading | None, date | None]:
    """The birth or expiry date and the day it names: the MRZ's, checked; the QR link's where the MRZ
    gave none, or where its check digit fails and the link's passes; None where neither gives one."""
    mrz_value = (td1.birth if birth else td1.expiry) if td1 is not None else None
    qr_value = (payload.mrz_birth if birth else payload.mrz_expiry) if payload is not None else None
    text, day = mrz_date_text(mrz_value or qr_value, birth=birth, today=today)
    if td1 is None:
        return (_qr(text) if text else None), day
    passes = td1.checks[check] and day is not None
    if not passes and _qr_passes(payload, check):
        qr_text, qr_day = mrz_date_text(qr_value, birth=birth, today=today)
        if qr_day is not None:
            return _qr(qr_text), qr_day
    return _checked(text, score, passes, qr_value == mrz_value), day


def _failed_checks(td1: mrz.Td1 | None, today: date) -> int:
    """How many of the MRZ's checked fields fail: check digits that do not match, and dates whose
    check digit passes by chance though their digits name no day (a line read shifted)."""
    if td1 is None:
        return 0
    failed = sum(td1.checks.get(k) is False for k in ("document_number", "birth", "expiry", "composite"))
    for value, check, birth in ((td1.birth, "birth", True), (td1.expiry, "expiry", False)):
        if td1.checks.get(check) and mrz_date_text(value, birth=birth, today=today)[1] is None:
            failed += 1
    return failed
