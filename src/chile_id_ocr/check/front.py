"""Fields checked and cross-checked: raw line readings in, a ``Recognition`` out.

Every value is normalised with what we know about the card (RUN check digit,
Spanish dates, document number formats, nationalities) and gets a confidence
that combines the engine's own score with those checks. A value that fails a
check is returned as read and flagged: never replaced by a guess.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np

from chile_id_ocr.card import dates, document, names, run, text, validity
from chile_id_ocr.card.layouts import UNKNOWN_LAYOUT, Layout
from chile_id_ocr.read.front import FrontReading, LineReading, misread_labels, reads_as_printed
from chile_id_ocr.result import CardType, Checks, FieldReading, Recognition, Side, Source
from chile_id_ocr.vision.geometry import card_to_image, map_points

# Multipliers applied to the engine's score; calibrated on the synthetic evaluation (bench/accuracy.py).
_ZONE_ONLY = 0.85  # the detector did not see the line; its zone was read
_REPAIRED = 0.88  # the value needed a confusion repair (O->0, fuzzy month...)
_REREAD = 0.88  # the reader kept another text than the recognizer's best (a usual accent, a format one edit away)
_UNPARSED = 0.30  # the value does not have the field's format
_UNKNOWN_WORD = 0.8  # a nationality outside the vocabulary (there are more than it knows)
# A card expires on the holder's birthday or on its issue's anniversary (``card/validity.py``):
# dates that follow neither may hold a misread one.
_OFF_PATTERN_FACTOR = 0.85
_OFF_PATTERN = (
    "the dates follow no usual pattern (expiry on the birthday or the issue's anniversary): one may be misread"
)
_CROSS_FAIL = 0.70  # the value contradicts another field (issue after expiry...)
_RUN_CHECK_FAIL = 0.55  # the RUN's check digit fails: flagged, low confidence
_LABELS_READ = 0.6  # some value lines read as the design's labels: the fit may be a row off
_PRINTED_TEXT = 0.1  # the value itself is one of the design's labels or titles
_PRINTED_TEXT_WHY = "the value reads as the card's printed text, not a holder's: read a row off"
# A left-aligned line detected starting late (``front.starts_late``) may have lost its
# first characters to a glare, even read from its column's edge.
_LATE = 0.85
# A date whose day below 10 is read with one digit while another of the card's dates pads such a day.
_LOST_ZERO = 0.85
_NAME_DOUBT = 0.85  # no usual accent, a one-letter fragment (names.doubt), two lines alike (names.repeated)
# A field this doubtful has failed its checks (a date that does not parse...): the capture is
# poor there, and the card's other fields, however sure the recognizer is, less sure.
_FAILED = 0.35
_POOR_CAPTURE = 0.88
# A front whose layout was inferred from its labels: each value was found next to its label,
# not where a known design puts it.
_INFERRED = 0.88
_INFERRED_WHY = "the card's layout is not a known design: each value was found next to its label"
# A card found shaken by the camera: its lines are read through the shaken-card backbone
# (``models/blur_backbone.py``), whose best readings are right less often than their scores say
# (dev line crops of shaken cards read at >= 0.9: 29 % wrong, against a few % on still ones).
_SHAKEN = 0.88
_SHAKEN_WHY = "the card is blurred (the camera moved): its print reads less surely"


def _field(value: str | tuple[str, ...], confidence: float, reason: str = "") -> FieldReading:
    """A field as the front's line gave it."""
    return FieldReading(value, confidence, reason=reason, source=Source.FRONT)


def _base(line: LineReading) -> tuple[float, str]:
    score, reasons = line.score, []
    if not line.detected:
        score, reasons = score * _ZONE_ONLY, ["line not detected; its zone was read"]
    elif line.late:
        score, reasons = score * _LATE, ["the line starts right of its column: its first characters may be hidden"]
    if line.repaired:  # the reader took another text than the recognizer's best reading
        score, reasons = score * _REREAD, [*reasons, line.repaired]
    return score, reasons[0] if reasons else ""


def _name_field(*lines: LineReading | None) -> FieldReading:
    named = [(ln, text.normalize_name(ln.text)) for ln in lines if ln is not None]
    named = [(ln, value) for ln, value in named if value]
    if not named:
        return _field((), 0.0, "nothing readable")
    parts = tuple(value for _, value in named)
    scores = [_base(ln) for ln, _ in named]
    conf = min(s for s, _ in scores)
    reasons = [r for _, r in scores if r]
    doubts = [why for why in (*map(names.doubt, parts), names.repeated(parts)) if why]
    if doubts:
        conf, reasons = conf * _NAME_DOUBT, [*reasons, *doubts]
    return _field(parts, conf, reasons[0] if reasons else "")


def _date_field(line: LineReading) -> tuple[FieldReading, dates.CardDate | None]:
    conf, reason = _base(line)
    parsed = dates.parse_with_info(line.text)
    if parsed is None:
        return _field(line.text.strip(), conf * _UNPARSED, "not a valid date"), None
    card_date, repaired = parsed
    if repaired:
        conf, reason = conf * _REPAIRED, reason or "repaired OCR confusions"
    return _field(card_date.text, conf, reason), card_date


def _dates_alike(
    fields: dict[str, FieldReading], parsed: dict[str, dates.CardDate | None]
) -> tuple[dict[str, FieldReading], dict[str, dates.CardDate | None]]:
    """The dates with a day read with one digit where the card's other dates pad such a day
    (``dates.padded_like``) padded, and doubted: the 0 was not read."""
    fields, parsed = dict(fields), dict(parsed)
    known = {name: d for name, d in parsed.items() if d is not None}
    for name, d in known.items():
        padded = dates.padded_like(d, [other for n, other in known.items() if n != name])
        if padded is not None:
            why = f"read as {d.text!r}; the card's other dates print a day below 10 with two digits"
            f = fields[name]
            fields[name] = replace(f, value=padded.text, confidence=f.confidence * _LOST_ZERO, reason=why)
            parsed[name] = padded
    return fields, parsed


def _run_field(small: LineReading | None, large: LineReading | None) -> tuple[FieldReading, bool | None]:
    """Both printed RUNs; the reading that passes its check digit and agrees with the other wins."""
    reads = []
    for line in (large, small):
        if line is None:
            continue
        parsed = run.parse(line.text)
        if parsed is not None:
            conf, reason = _base(line)
            if parsed.repaired:
                conf, reason = conf * _REPAIRED, reason or "repaired OCR confusions"
            reads.append((parsed, conf, reason))
    if not reads:
        return _field("", 0.0, "no RUN readable"), None
    valid = [r for r in reads if r[0].check_digit_valid]
    if len(reads) == 2 and reads[0][0].formatted == reads[1][0].formatted:
        parsed = reads[0][0]
        joint = 1.0 - (1.0 - reads[0][1]) * (1.0 - reads[1][1])
        if parsed.check_digit_valid:
            return _field(parsed.formatted, joint), True
        return _field(parsed.formatted, min(joint, _RUN_CHECK_FAIL), "check digit does not match"), False
    if valid:
        best = max(valid, key=lambda r: r[1])
        note = "the two printed RUNs disagree" if len(reads) == 2 else "only one printed RUN readable"
        return _field(best[0].formatted, best[1] * 0.97, best[2] or note), True
    best = max(reads, key=lambda r: r[1])
    return _field(best[0].formatted, min(best[1], _RUN_CHECK_FAIL), "check digit does not match"), False


def _document_field(line: LineReading) -> tuple[FieldReading, bool]:
    conf, reason = _base(line)
    parsed = document.parse(line.text)
    if parsed is None:
        return _field(
            line.text.replace(".", "").replace(" ", "").upper(), conf * _UNPARSED, "not a document number"
        ), False
    if parsed.repaired:
        conf, reason = conf * _REPAIRED, reason or "repaired OCR confusions"
    return _field(parsed.value, conf, reason), True


def _sex_field(line: LineReading) -> FieldReading:
    conf, reason = _base(line)
    sex = text.parse_sex(line.text)
    if sex is None:
        return _field(line.text.strip().upper(), conf * _UNPARSED, "not M or F")
    return _field(sex, conf, reason)


def _nationality_field(line: LineReading) -> FieldReading:
    conf, reason = _base(line)
    parsed = text.parse_nationality(line.text)
    if parsed is None:
        return _field(text.normalize_name(line.text), conf * _UNKNOWN_WORD, "unknown nationality")
    value, snapped = parsed
    if snapped:
        conf, reason = conf * _REPAIRED, reason or "matched to a known nationality"
    elif value not in text.NATIONALITIES and value not in text.ISO3_CODES:
        cut = [known for known in text.NATIONALITIES if known.startswith(value)]
        why = f"not a nationality we know; cut short from {cut[0]}?" if cut else "not a nationality we know"
        conf, reason = conf * (_UNPARSED if cut else _UNKNOWN_WORD), why
    return _field(value, conf, reason)


_MISPLACED = "some values read as the card's printed labels: its rows may be misplaced"


def _penalise(f: FieldReading, reason: str, factor: float = _CROSS_FAIL) -> FieldReading:
    """``f`` with its confidence times ``factor``; ``reason`` unless it already has one."""
    return replace(f, confidence=f.confidence * factor, reason=f.reason or reason)


_SINGLE_LINES = ("nationality", "sex", "birth", "issue_date", "expiry_date", "document_number")


def _line(lines: dict[str, LineReading], name: str) -> LineReading:
    """The reading of line ``name``; an empty one when the layout has no such line."""
    return lines.get(name) or LineReading(name, "", 0.0, (0.0, 0.0, 0.0, 0.0), False)


def _printed_text(f: FieldReading, layout: Layout) -> FieldReading:
    """``f`` all but failed when its value is the design's printed text (a row off: the title
    REPÚBLICA DE CHILE read as the surname)."""
    parts = f.value if isinstance(f.value, tuple) else (f.value,)
    if not any(reads_as_printed(part, layout) for part in parts):
        return f
    return replace(f, confidence=f.confidence * _PRINTED_TEXT, reason=_PRINTED_TEXT_WHY)


def check_front(reading: FrontReading, *, to_input: float, today: date) -> Recognition:
    """The front's fields from its line readings, with checks and calibrated confidences.

    ``to_input`` scales the decoded image's pixels to the input file's pixels. Value lines
    that read as one of the design's labels make every field doubtful: the card's rows may
    be misplaced. The card is the foreigners' when it prints EXTRANJERO or a nationality
    other than CHILENA.
    """
    lines, fit = reading.lines, reading.fit
    fields: dict[str, FieldReading] = {
        "surname": _name_field(lines.get("surname_1"), lines.get("surname_2")),
        "given_name": _name_field(lines.get("given_name")),
    }
    given = fields["given_name"].value
    fields["given_name"] = replace(fields["given_name"], value=" ".join(given))
    fields["nationality"] = _nationality_field(_line(lines, "nationality"))
    fields["sex"] = _sex_field(_line(lines, "sex"))
    parsed_dates: dict[str, dates.CardDate | None] = {}
    for name in ("birth", "issue_date", "expiry_date"):
        fields[name], parsed_dates[name] = _date_field(_line(lines, name))
    fields, parsed_dates = _dates_alike(fields, parsed_dates)
    fields["document_number"], doc_valid = _document_field(_line(lines, "document_number"))
    for name in _SINGLE_LINES:
        if name not in lines:  # a layout found from labels that did not find this one
            fields[name] = _field("", 0.0, "its label was not found on the card")
    fields["number"], run_valid = _run_field(lines.get("run_small"), lines.get("run_large"))

    birth, issue, expiry = (parsed_dates[k] for k in ("birth", "issue_date", "expiry_date"))
    issue_before_expiry = None if issue is None or expiry is None else issue.date < expiry.date
    if issue_before_expiry is False:
        fields["issue_date"] = _penalise(fields["issue_date"], "issue date is not before expiry")
        fields["expiry_date"] = _penalise(fields["expiry_date"], "expiry date is not after issue")
    if birth is not None and issue is not None and not birth.date < issue.date:
        fields["birth"] = _penalise(fields["birth"], "birth date is not before issue")
    if (
        expiry is not None
        and birth is not None
        and not validity.follows_pattern(birth.date, None if issue is None else issue.date, expiry.date)
    ):
        for name in ("birth", "issue_date", "expiry_date"):
            fields[name] = _penalise(fields[name], _OFF_PATTERN, _OFF_PATTERN_FACTOR)

    failed = [name for name, f in fields.items() if f.confidence < _FAILED]
    if failed:
        why = f"other fields ({', '.join(failed)}) could not be read: the capture is poor"
        fields = {name: f if name in failed else _penalise(f, why, _POOR_CAPTURE) for name, f in fields.items()}
    if misread_labels(lines, reading.layout):
        fields = {name: _penalise(f, _MISPLACED, _LABELS_READ) for name, f in fields.items()}
        fields = {name: _printed_text(f, reading.layout) for name, f in fields.items()}
    if reading.shaken:
        fields = {name: _penalise(f, _SHAKEN_WHY, _SHAKEN) for name, f in fields.items()}
    inferred = reading.layout.name == UNKNOWN_LAYOUT
    if inferred:
        fields = {name: _penalise(f, _INFERRED_WHY, _INFERRED) for name, f in fields.items()}
    checks = Checks(
        run_check_digit_valid=run_valid,
        dates_valid=all(d is not None for d in parsed_dates.values()),
        issue_before_expiry=issue_before_expiry,
        expired=None if expiry is None else expiry.date < today,
        document_number_valid=doc_valid,
    )
    card_quad = fit.quad * to_input
    readings = {
        name: replace(f, confidence=float(np.clip(f.confidence, 0.0, 1.0)), box=_field_box(name, lines, card_quad))
        for name, f in fields.items()
    }
    card_type, evidence = _card_type(reading, readings, inferred)
    return Recognition(
        fields=readings,
        side=Side.FRONT,
        card_type=card_type,
        card_type_evidence=evidence,
        checks=checks,
        iso_dates={k: (d.iso if d is not None else None) for k, d in parsed_dates.items()},
        quad=_as_quad(card_quad),
        extensions={"front": _front_details(reading)},
    )


def _card_type(
    reading: FrontReading, fields: dict[str, FieldReading], inferred: bool
) -> tuple[CardType, tuple[str, ...]]:
    """The card's type and what says so: the foreigners' card prints EXTRANJERO or a nationality
    other than CHILENA (a nationality not read says nothing); the design issued from December
    2024 has its own document numbers; a layout found from its labels is not a known design."""
    nationality = str(fields["nationality"].value)
    evidence = [f"{mark} printed" for mark in reading.marks if mark == "EXTRANJERO"]
    if nationality and nationality != "CHILENA":
        evidence.append(f"nationality {nationality}")
    card_type = CardType.FOREIGNER_2013 if evidence else CardType.NATIONAL_2013
    if nationality == "CHILENA" and not evidence:
        evidence.append("nationality CHILENA")
    if document.kind(str(fields["document_number"].value)) == "2024":
        card_type = CardType.DESIGN_2024
        evidence.append("a document number of the design issued from December 2024")
    if inferred:
        card_type = CardType.UNKNOWN_LAYOUT
        evidence.append("the layout was found from the card's labels")
    return card_type, tuple(evidence)


def _front_details(reading: FrontReading) -> dict[str, object]:
    """How the card was confirmed: its layout, the printed words read at their places, its marks."""
    confirmation = reading.fit.confirmation
    return {
        "layout": reading.layout.name,
        "printed_words_read": [] if confirmation is None else list(confirmation.words),
        "marks": list(reading.marks),
    }


_STACKED = frozenset({"surname"})  # one value printed over these lines, one under the other
_FIELD_LINES = {
    "surname": ("surname_1", "surname_2"),
    "given_name": ("given_name",),
    "number": ("run_large", "run_small"),
}


def _field_box(name: str, lines: dict[str, LineReading], card_quad: np.ndarray):
    """Where the field is printed, in image pixels: its first line found, or for a field printed
    on stacked lines (the surnames), the box around all of them."""
    found = [line for n in _FIELD_LINES.get(name, (name,)) if (line := lines.get(n)) is not None]
    if not found:
        return None
    if name not in _STACKED:
        return _as_quad(found[0].image_quad(card_quad))
    boxes = np.array([line.box for line in found], np.float32)
    x0, y0 = boxes[:, :2].min(axis=0)
    x1, y1 = boxes[:, 2:].max(axis=0)
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
    return _as_quad(map_points(card_to_image(card_quad), corners))


def _as_quad(q: np.ndarray):
    return tuple((float(x), float(y)) for x, y in np.asarray(q).reshape(4, 2))
