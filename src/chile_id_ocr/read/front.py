"""Read the value lines of a confirmed front: one tight crop per field, one engine call each.

A line's crop comes from the detector's boxes assigned to it by position; where the
detector saw nothing (a single letter, text under a glare) the design's zone for the
line is read instead, and the reading says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chile_id_ocr.card import dates, formats, names, text, validity
from chile_id_ocr.card.layouts import Layout, LineSpec
from chile_id_ocr.read.layout_fit import CardFit, NormBox
from chile_id_ocr.read.ocr import OcrEngine, TextRead
from chile_id_ocr.vision.deblur import deblurred
from chile_id_ocr.vision.geometry import card_to_image, map_points, rectify

READ_WIDTH = 1100
READ_HEIGHT = round(READ_WIDTH / 1.585)
# Width of a line's zone when the detector found nothing there (fraction of the card).
_ZONE_WIDTH = {
    "sex": 0.05, "run_small": 0.14, "run_large": 0.31, "surname_1": 0.40, "surname_2": 0.40, "given_name": 0.45,
}  # fmt: skip
_DEFAULT_ZONE_WIDTH = 0.21
# Lines of words, read with the card head (accents); numbers and dates, which their
# parsers check, keep the general recognizer.
_WORD_LINES = frozenset({"surname_1", "surname_2", "given_name", "nationality"})
# Lines that may legitimately be absent (a single surname).
_OPTIONAL = frozenset({"surname_2"})
# An optional line that the detector missed is kept when its zone reads as a word this surely.
_OPTIONAL_SCORE = 0.5
# A reading rated this well (of 8 formatted lines) is not second-guessed; otherwise up to
# this many other fits are read.
_TRUSTED_RATING = 6
_ALTERNATIVES_READ = 4
# A line read differently on the card as captured and on the card deblurred keeps this
# share of its score.
_VIEWS_DIFFER = 0.85
# Right readings start within 0.01 of the card's width of their column's edge.
_LATE_START = 0.015
# A name read otherwise than usually spelled (without its usual accent, DE LA run together)
# takes the usual spelling when the line's image makes that at most this much less likely
# (natural log of the ratio). On generated hard captures outside the benchmark's seeds,
# 6 in 9 accents that a blur took off came out above -5.5, and 8 in 218 names printed
# without their usual accent (NUNEZ, SANCHEZ: registered so) did too. Taking the usual
# spelling then gains more than it costs even if half of such names were registered
# without the accent.
_USUAL_EVIDENCE = 5.5
# A line without its format is read as the likeliest text one edit away that has it when
# that text is this much likelier than the next (natural log of the ratio).
_EDIT_MARGIN = 1.0
# A date line is read as a date that makes the card's dates follow their pattern
# (``card/validity.py``) when the line's image makes that date at most this much less
# likely than its reading (natural log of the ratio).
_PATTERN_EVIDENCE = 6.0
_DATE_LINES = ("birth", "issue_date", "expiry_date")


Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class LineReading:
    """What was read on one printed line, and where (card coordinates x0, y0, x1, y1)."""

    name: str
    text: str
    score: float
    box: Box
    detected: bool
    repaired: str = ""  # why the text is not the recognizer's best reading, if it is not

    def image_quad(self, card_quad: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = self.box
        corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
        return map_points(card_to_image(card_quad), corners)


def _column_of(box: NormBox, spec: LineSpec) -> bool:
    return spec.column[0] - 0.035 <= box.x0 < spec.column[1] - 0.02


def _spans_middle(box: NormBox, spec: LineSpec) -> bool:
    """Whether ``box`` covers the middle half of the line's row."""
    return box.y0 <= spec.y - spec.height / 4 and spec.y + spec.height / 4 <= box.y1


def assign_lines(boxes: tuple[NormBox, ...], layout: Layout) -> dict[str, tuple[Box, bool]]:
    """The box of each value line, and whether the detector found it there.

    A found line's box is the union of the detected boxes in its row and column; a
    missing line gets the design's zone.
    """
    assigned: dict[str, list[NormBox]] = {spec.name: [] for spec in layout.values}
    for box in boxes:
        best, best_dy = None, 0.0
        for spec in layout.lines:
            dy = abs(box.cy - spec.y)
            limit = 0.45 * spec.height
            if dy < limit and _column_of(box, spec) and (best is None or dy < best_dy):
                best, best_dy = spec, dy
        if best is not None and best.is_value:
            assigned[best.name].append(box)
        # Under blur the detector can merge lines one above the other into one box: it belongs
        # to every value line whose middle it spans.
        for spec in layout.values:
            if spec is not best and _spans_middle(box, spec) and _column_of(box, spec):
                assigned[spec.name].append(box)
    out: dict[str, tuple[Box, bool]] = {}
    for spec in layout.values:
        found = assigned[spec.name]
        if found:
            y0, y1 = min(b.y0 for b in found), max(b.y1 for b in found)
            top, bottom = _band(spec, y0, y1)
            # A detector box can run on into the next column (a date merged with the number beside it).
            right = min(max(b.x1 for b in found), spec.column[1] + 0.01)
            out[spec.name] = ((min(b.x0 for b in found), top, right, bottom), True)
        else:
            width = _ZONE_WIDTH.get(spec.name, _DEFAULT_ZONE_WIDTH)
            x0 = spec.column[0] - 0.005
            out[spec.name] = ((x0, spec.y - spec.height / 2, x0 + width, spec.y + spec.height / 2), False)
    return out


def _band(spec: LineSpec, y0: float, y1: float) -> tuple[float, float]:
    """The line's rows: the detected ones, unless the detector merged in a neighbouring line.

    At the detector's resolution a value can merge with the label just above it; the
    fitted layout knows where the line's middle is, so an over-tall box is cut to it.
    """
    centre = (y0 + y1) / 2 if y1 - y0 <= 1.15 * spec.height else spec.y
    half = 0.49 * spec.height
    return max(y0, centre - half), min(y1, centre + half)


def card_views(image: np.ndarray, fit: CardFit) -> tuple[np.ndarray, ...]:
    """The card ``fit`` found in ``image``, upright at the reading size; and when it is
    smeared by motion, the same card deblurred (``vision/deblur.py``). Each line is read on
    every view and the best reading kept (``_best_view``): deconvolution restores strokes
    but adds ringing of its own, so the captured card is not dropped."""
    card = rectify(image, fit.quad, READ_WIDTH, READ_HEIGHT)
    sharper = deblurred(card)
    return (card,) if sharper is None else (card, sharper)


def _crop(views: tuple[np.ndarray, ...], box: Box) -> tuple[np.ndarray, ...]:
    """The line's crop from each view of the card (all of one size)."""
    h, w = views[0].shape[:2]
    x0, y0, x1, y1 = box
    pad_x = 0.3 * (y1 - y0) * h / w
    pad_y = 0.06 * (y1 - y0)
    left, right = max(0, int((x0 - pad_x) * w)), min(w, int(np.ceil((x1 + pad_x) * w)))
    top, bottom = max(0, int((y0 - pad_y) * h)), min(h, int(np.ceil((y1 + pad_y) * h)))
    return tuple(view[top:bottom, left:right] for view in views)


def _read_crops(views: tuple[np.ndarray, ...], line: LineReading, spec: LineSpec) -> list[np.ndarray]:
    """The crops that ``line`` was read from, one per view, those with pixels."""
    return [crop for crop in _crop(views, _cut(line.box, spec)) if crop.size]


def starts_late(box: Box, spec: LineSpec) -> bool:
    """Whether a left-aligned line's box starts more than about a character right of its
    column's edge: a glare hid its first characters from the detector."""
    return spec.left_aligned and box[0] - spec.column[0] > _LATE_START


def line_crops(
    views: tuple[np.ndarray, ...], fit: CardFit, layout: Layout
) -> dict[str, tuple[tuple[np.ndarray, ...], Box, bool]]:
    """Each value line's tight crop from each of the card's ``views`` (``card_views``), its
    box, and whether the detector found it (the reader's input; the recognizer's training
    data). A line that starts late is cut from its column's edge: the recognizer may still
    read what a glare hid from the detector."""
    lines = assign_lines(fit.boxes, layout)
    return {name: (_crop(views, _cut(box, layout.field(name))), box, found) for name, (box, found) in lines.items()}


def _cut(box: Box, spec: LineSpec) -> Box:
    """Where a line's box is cut from the card: from its column's edge when it starts late."""
    return (spec.column[0] - 0.005, box[1], box[2], box[3]) if starts_late(box, spec) else box


def read_lines(
    views: tuple[np.ndarray, ...],
    fit: CardFit,
    layout: Layout,
    engine: OcrEngine,
) -> dict[str, LineReading]:
    """Every value line of ``layout`` read on each of the ``views`` of the card ``fit``
    (``card_views``), keeping for each line the view that reads it best (``_best_view``)."""
    crops = line_crops(views, fit, layout)
    words = [name for name in crops if name in _WORD_LINES]
    others = [name for name in crops if name not in _WORD_LINES]
    per_view: dict[str, list[TextRead]] = {name: [] for name in crops}
    for k in range(len(views)):
        for name, read in zip(words, engine.read_card([crops[n][0][k] for n in words]), strict=True):
            per_view[name].append(read)
        for name in others:
            per_view[name].append(engine.read([crops[name][0][k]], layout.field(name).alphabet)[0])
    reads = {name: _best_view(name, found) for name, found in per_view.items()}
    repaired = {name: "" for name in reads}
    for name in words:
        reads[name], repaired[name] = _spaced_apart(reads[name], crops[name][0], engine)
        reads[name], why = _usual_spelling(reads[name], crops[name][0], engine)
        repaired[name] = repaired[name] or why
    return {
        name: LineReading(name, reads[name].text, reads[name].score, box, detected, repaired[name])
        for name, (_, box, detected) in crops.items()
        if detected or name not in _OPTIONAL or _present(reads[name])
    }


def _best_view(name: str, reads: list[TextRead]) -> TextRead:
    """The reading of the view that reads line ``name`` best: one with the field's format
    first, then the surest. Views that read different texts leave it doubtful: its score
    is lowered."""
    best = max(reads, key=lambda read: (formats.has_format(name, read.text), read.score))
    if len({read.text for read in reads}) > 1:
        return TextRead(best.text, best.score * _VIEWS_DIFFER)
    return best


def _usual_spelling(read: TextRead, crops: tuple[np.ndarray, ...], engine: OcrEngine) -> tuple[TextRead, str]:
    """The reading with its words spelled as usual (``names.usual_spelling``: GONZÁLEZ for
    GONZALEZ, DE LA PAZ for DE LAPAZ) when the line's image allows it, and why; else the
    reading as it is.

    A blur or a glare takes the accent off a capital, and the recognizer's best path drops
    it; the spelling with it then stays nearly as likely in the recognizer's own
    probabilities, while a name printed without one makes it far less likely.
    """
    usual = names.usual_spelling(read.text)
    if usual == read.text:
        return read, ""
    gains = [b - a for a, b in (engine.log_likelihoods(crop, [read.text, usual]) for crop in crops if crop.size)]
    if not gains or max(gains) < -_USUAL_EVIDENCE:
        return read, ""
    return TextRead(usual, read.score), f"spelled as usual ({usual}): what tells the spellings apart is faint"


def _spaced_apart(read: TextRead, crops: tuple[np.ndarray, ...], engine: OcrEngine) -> tuple[TextRead, str]:
    """The reading with a space put back in each word too long to be one name's word
    (``names.run_together``: FLORENCIAFRANCISCA), where the line's image makes it likeliest,
    and why; else the reading as it is."""
    crops = tuple(crop for crop in crops if crop.size)
    found = read.text
    for word in names.run_together(found) if crops else ():
        start = found.index(word)
        texts = [f"{found[: start + k]} {found[start + k :]}" for k in range(2, len(word) - 1)]
        scores = np.mean([engine.log_likelihoods(crop, texts) for crop in crops], axis=0)
        found = texts[int(np.argmax(scores))]
    if found == read.text:
        return read, ""
    return TextRead(found, read.score), f"read as {read.text!r}: a word too long for one name, a space lost"


def _present(read: TextRead) -> bool:
    """Whether an optional line that the detector missed was found printed in its zone:
    a word read with confidence (a second surname under a glare), not the card's background."""
    return len(_letters(read.text)) >= 2 and read.score >= _OPTIONAL_SCORE


def _letters(value: str) -> str:
    return "".join(c for c in text.normalize_name(value) if c.isalpha())


def misread_labels(lines: dict[str, LineReading], layout: Layout) -> int:
    """How many value lines read as one of the design's printed labels or titles.

    A holder's value never says APELLIDOS or FECHA DE EMISIÓN: lines that do were read
    on the wrong row, so a fit with several of them is placed a row off.
    """
    words = [_letters(word) for word in layout.printed_words]
    count = 0
    for line in lines.values():
        seen = _letters(line.text)
        if len(seen) >= 4 and any(text.edit_distance(seen, word) <= len(word) // 5 for word in words):
            count += 1
    return count


def read_front(
    image: np.ndarray,
    fit: CardFit,
    layout: Layout,
    engine: OcrEngine,
) -> tuple[CardFit, dict[str, LineReading]]:
    """The value lines of the card, from the fit that reads best.

    A reading is rated by its lines that have their field's format (``formats.has_format``)
    minus those that read as the design's labels. When the first fit's reading
    looks placed on the wrong rows, the fit's runners-up are read too and the best kept.
    Lines of the kept reading that still lack their format are repaired where the image
    allows it (``_repair_unformatted``).
    """

    def rating(lines: dict[str, LineReading]) -> int:
        formatted = _formatted(lines, layout)
        return sum(formatted.values()) - 2 * misread_labels(lines, layout)

    views = card_views(image, fit)
    lines = read_lines(views, fit, layout, engine)
    best = rating(lines)
    if best < _TRUSTED_RATING:
        for other in fit.alternatives[:_ALTERNATIVES_READ]:
            other_views = card_views(image, other)
            other_lines = read_lines(other_views, other, layout, engine)
            other_rating = rating(other_lines)
            if other_rating > best:
                fit, views, lines, best = other, other_views, other_lines, other_rating
    lines = _repair_unformatted(views, layout, engine, lines)
    return fit, _dates_as_issued(views, layout, engine, lines)


def _formatted(lines: dict[str, LineReading], layout: Layout) -> dict[str, bool]:
    """For each line read that has a format to check (an alphabet), whether it has it."""
    checked = [spec.name for spec in layout.values if spec.alphabet and spec.name in lines]
    return {name: formats.has_format(name, lines[name].text) for name in checked}


def _repair_unformatted(
    views: tuple[np.ndarray, ...],
    layout: Layout,
    engine: OcrEngine,
    lines: dict[str, LineReading],
) -> dict[str, LineReading]:
    """Lines with a format that they do not have (unless the RUN's other print has it): read
    again over their column's width (``_reread_over_column``), failing that read as the
    likeliest text one character away that has it (``_nearest_formatted``)."""
    formatted = _formatted(lines, layout)
    out = dict(lines)
    for name, ok in formatted.items():
        spec = layout.field(name)
        if ok or formatted.get(spec.twin):
            continue
        line = lines[name]
        repaired = _reread_over_column(views, spec, engine, line)
        out[name] = repaired or _nearest_formatted(views, spec, engine, line) or line
    return out


def _reread_over_column(
    views: tuple[np.ndarray, ...],
    spec: LineSpec,
    engine: OcrEngine,
    line: LineReading,
) -> LineReading | None:
    """The line read again from its column's left edge to its right edge (a glare can hide the
    end of a number from the detector), when that reading has the format; else None."""
    _, top, _, bottom = line.box
    box = (spec.column[0] - 0.005, top, spec.column[1], bottom)
    again = _best_view(spec.name, engine.read(_crop(views, box), spec.alphabet))
    if not formats.has_format(spec.name, again.text):
        return None
    return LineReading(spec.name, again.text, again.score, box, detected=False)


def _nearest_formatted(
    views: tuple[np.ndarray, ...],
    spec: LineSpec,
    engine: OcrEngine,
    line: LineReading,
) -> LineReading | None:
    """The line read as the likeliest text one character away that has its format
    (``text.one_edit_away``), when the line's image makes it clearly likelier than the
    other such texts (those that stand for the same value pooled: ``formats.value_of``);
    else None.

    A blur can merge two digits into one or a glare hide one (``26 NOV 021``); the
    recognizer's probabilities for the line still weigh every text it could be. The
    reading's score is scaled by the chosen text's share of the candidates' probability.
    The RUNs are left as read: a RUN is never made into another number.
    """
    if spec.twin or not line.text:
        return None
    candidates = sorted(t for t in text.one_edit_away(line.text, spec.alphabet) if formats.has_format(spec.name, t))
    crops = _read_crops(views, line, spec)
    if not candidates or not crops:
        return None
    scores = np.max([engine.log_likelihoods(crop, candidates, spec.alphabet) for crop in crops], axis=0)
    values: dict[str | None, list[int]] = {}  # texts that stand for the same value
    for i, candidate in enumerate(candidates):
        values.setdefault(formats.value_of(spec.name, candidate), []).append(i)
    texts = [max(same, key=lambda i: scores[i]) for same in values.values()]
    pooled = np.array([np.logaddexp.reduce(scores[same]) for same in values.values()])
    order = np.argsort(-pooled)
    best = float(pooled[order[0]])
    runner_up = float(pooled[order[1]]) if len(order) > 1 else -np.inf
    if best - runner_up < _EDIT_MARGIN:
        return None
    share = 1.0 / float(np.exp(pooled - best).sum())  # of the probability of all the candidates
    why = f"read as {line.text!r}, one character from the field's format"
    return LineReading(spec.name, candidates[texts[order[0]]], line.score * share, line.box, line.detected, why)


def _dates_as_issued(
    views: tuple[np.ndarray, ...], layout: Layout, engine: OcrEngine, lines: dict[str, LineReading]
) -> dict[str, LineReading]:
    """The card's dates with one line read as the date that makes them follow their pattern
    (expiry on the birthday or the issue's anniversary: ``validity.misread_candidates``),
    when the line's image allows it; else as read.

    A blur turns a 1 into a 7 or hides the first digit of a day; the recognizer's
    probabilities still weigh the printed date. The candidate whose text the image makes
    likeliest against its line's reading (``likeliest_pattern``) is taken if it is at most
    ``_PATTERN_EVIDENCE`` less likely than that reading.
    """
    found = likeliest_pattern(views, layout, engine, lines)
    if found is None or found[0] < -_PATTERN_EVIDENCE:
        return lines
    _, name, chosen = found
    line = lines[name]
    why = f"read as {line.text!r}; {chosen} follows the card's pattern of dates"
    return {**lines, name: LineReading(name, chosen, line.score, line.box, line.detected, why)}


def likeliest_pattern(
    views: tuple[np.ndarray, ...], layout: Layout, engine: OcrEngine, lines: dict[str, LineReading]
) -> tuple[float, str, str] | None:
    """Among the dates that the date lines could have been misread from
    (``validity.misread_candidates``), the one the line's image makes likeliest against the
    line's reading: how much likelier (natural log, averaged over the views), its line, its
    printed text. None when the dates follow their pattern or too few are read to tell."""
    read = {name: dates.parse(lines[name].text) if name in lines else None for name in _DATE_LINES}
    known = {name: None if found is None else found.date for name, found in read.items()}
    candidates = validity.misread_candidates(known["birth"], known["issue_date"], known["expiry_date"])
    style = next((found for found in read.values() if found is not None), None)
    best: tuple[float, str, str] | None = None
    for name, days in candidates.items():
        line, spec = lines.get(name), layout.field(name)
        crops = [] if line is None else _read_crops(views, line, spec)
        texts = [form for day in days if day != known[name] for form in dates.printed_forms(day, read[name] or style)]
        if line is None or not crops or not texts:
            continue
        own = [line.text, *([] if read[name] is None else [read[name].text])]
        gains = np.mean([_pattern_gains(engine, crop, spec.alphabet, own, texts) for crop in crops], axis=0)
        top = int(np.argmax(gains))
        if best is None or gains[top] > best[0]:
            best = (float(gains[top]), name, texts[top])
    return best


def _pattern_gains(engine: OcrEngine, crop: np.ndarray, alphabet: str, own: list[str], texts: list[str]) -> np.ndarray:
    """How much likelier (natural log) ``crop`` makes each of ``texts`` than the likeliest of
    the line's ``own`` readings, each text printed with its spaces or without."""
    forms = [*own, *(t.replace(" ", "") for t in own), *texts, *(t.replace(" ", "") for t in texts)]
    scores = np.array(engine.log_likelihoods(crop, forms, alphabet))
    mine, theirs = scores[: 2 * len(own)], scores[2 * len(own) :].reshape(2, len(texts))
    return theirs.max(axis=0) - mine.max()
