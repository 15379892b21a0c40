"""Read the value lines of a confirmed front: one tight crop per field, one engine call each.

A line's crop comes from the detector's boxes assigned to it by position; where the
detector saw nothing (a single letter, text under a glare) the design's zone for the
line is read instead, and the reading says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from chile_id_ocr.card import document, formats, text
from chile_id_ocr.card.layouts import LABELLED, Layout
from chile_id_ocr.locate.confirm import confirm, read_marks
from chile_id_ocr.locate.fit import CardFit
from chile_id_ocr.locate.views import card_views
from chile_id_ocr.models.ocr import TextEngine, TextRead
from chile_id_ocr.read.front.crops import LineReading, best_view, line_crops, starts_late
from chile_id_ocr.read.front.rereading import (
    accent_flip_doubt,
    dates_as_issued,
    lost_letter_doubt,
    month_labels,
    nearest_formatted,
    reread_over_column,
    space_doubt,
    spaced_apart,
    usual_spelling,
)
from chile_id_ocr.vision.blind import Shaken

# Lines of words, read with the card head (accents); numbers and dates, which their
# parsers check, keep the general recognizer.
_WORD_LINES = frozenset({"surname_1", "surname_2", "given_name", "nationality"})
_NAME_LINES = _WORD_LINES - {"nationality"}

# Lines that may legitimately be absent (a single surname).
_OPTIONAL = frozenset({"surname_2"})
_NUMBER = "document_number"

# An optional line that the detector missed is kept when its zone reads as a word this surely.
_OPTIONAL_SCORE = 0.5

# A reading rated this well (of 8 formatted lines) is not second-guessed; otherwise up to
# this many other fits are read.
_TRUSTED_RATING = 6

_ALTERNATIVES_READ = 4

# A value holding one of the design's printed words this long (in letters) whole was read across
# the printed text: no name or value holds APELLIDOS or NUMERO DOCUMENTO (SEXO and NOMBRES could
# hide in a longer word).
_HELD = 9


def read_lines(
    views: tuple[np.ndarray, ...],
    fit: CardFit,
    layout: Layout,
    engine: TextEngine,
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
    reads = {name: best_view(name, found) for name, found in per_view.items()}
    if _NUMBER in reads and _new_style(reads[_NUMBER].text):
        reads[_NUMBER] = _without_reader(crops[_NUMBER][0], layout, engine) or reads[_NUMBER]
    repaired = {name: "" for name in reads}
    for name in words:
        reads[name], repaired[name] = spaced_apart(reads[name], crops[name][0], engine)
        reads[name], why = usual_spelling(reads[name], crops[name][0], engine)
        if name in _NAME_LINES:
            why = why or accent_flip_doubt(reads[name], crops[name][0], engine)
            why = why or lost_letter_doubt(reads[name], crops[name][0], engine)
        repaired[name] = repaired[name] or why or space_doubt(reads[name], crops[name][0], engine)
    return {
        name: LineReading(
            name,
            reads[name].text,
            reads[name].score,
            box,
            detected,
            repaired[name],
            late=starts_late(box, layout.field(name)),
        )
        for name, (_, box, detected) in crops.items()
        if detected or name not in _OPTIONAL or _present(reads[name])
    }


def _new_style(value: str) -> bool:
    """Whether ``value`` reads as a document number of the design issued from December 2024
    (letters among its digits), which the card reader was not trained on."""
    found = document.parse(value)
    return found is not None and found.kind == "2024"


def _without_reader(crops: tuple[np.ndarray, ...], layout: Layout, engine: TextEngine) -> TextRead | None:
    """The document number read again by the general classifier alone, on each view: the card
    reader, trained on 2013 fronts' all-digit numbers, takes a 2024 number's W for a V and its 0
    next to a letter for an O (dev scans of the moved designs: 5 of 5 such numbers wrong with
    it, right without). None when that reading has no document number's format."""
    again = best_view(_NUMBER, [engine.read([crop], layout.field(_NUMBER).alphabet, reader=False)[0] for crop in crops])
    return again if formats.has_format(_NUMBER, again.text) else None


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
    return sum(reads_as_printed(line.text, layout) for line in lines.values())


def reads_as_printed(value: str, layout: Layout) -> bool:
    """Whether ``value`` reads as one of the design's printed labels or titles, or any design's
    labels (to a fifth of its letters), or holds one of the longer ones whole (``_HELD``: a crop
    across two rows, dev page 5175's given names read as CHILENA MIENTO NUMERO DOCUMENTO).

    >>> from chile_id_ocr.card.layouts import FRONT_2013
    >>> reads_as_printed("REPUBLICA DE CHILE", FRONT_2013), reads_as_printed("ROJAS", FRONT_2013)
    (True, False)
    >>> reads_as_printed("CHILENA MIENTO NUMERO DOCUMENTO", FRONT_2013), reads_as_printed("SEXTON", FRONT_2013)
    (True, False)
    """
    seen = _letters(value)
    plain = text.unaccented(seen)
    return len(seen) >= 4 and any(
        text.edit_distance(seen, word) <= len(word) // 5 or (len(word) >= _HELD and unaccented in plain)
        for word, unaccented in _printed_letters(layout)
    )


@lru_cache(maxsize=8)
def _printed_letters(layout: Layout) -> tuple[tuple[str, str], ...]:
    """The letters of the design's printed words and of every design's labels, as printed and
    unaccented: worked out once per layout, not for each value line compared with them."""
    words = map(_letters, dict.fromkeys((*layout.printed_words, *LABELLED)))
    return tuple((word, text.unaccented(word)) for word in words)


def rate(lines: dict[str, LineReading], layout: Layout) -> int:
    """How well a reading looks placed: its lines that have their field's format, minus twice
    those that read as one of the design's printed words (read on the wrong rows)."""
    return sum(_formatted(lines, layout).values()) - 2 * misread_labels(lines, layout)


def trusted(reading: FrontReading) -> bool:
    """Whether a reading rates so well that no other placement or layout is worth reading: and
    reads the RUN, where its layout prints one, in at least one of its places (a card of
    another design whose labels the fit found where the 2013 design has them can read well
    everywhere but where its RUN is)."""
    formatted = _formatted(reading.lines, reading.layout)
    runs = [ok for name, ok in formatted.items() if name.startswith("run")]
    return rate(reading.lines, reading.layout) >= _TRUSTED_RATING and (not runs or any(runs))


@dataclass(frozen=True)
class FrontReading:
    """What a front gave: the fit read, the layout it was read with, its value lines, and the
    variant marks it prints."""

    fit: CardFit
    layout: Layout
    lines: dict[str, LineReading]
    marks: tuple[str, ...] = ()
    shaken: bool = False  # the card was found shaken (``locate/views.quad_views``)


def read_front(image: np.ndarray, fit: CardFit, layout: Layout, engine: TextEngine) -> FrontReading:
    """The value lines of the card, from the fit that reads best, and its variant marks.

    A reading is rated by its lines that have their field's format (``formats.has_format``)
    minus those that read as the design's labels. When the first fit's reading
    looks placed on the wrong rows, the fit's runners-up that are confirmed cards too
    (``confirm.py``) are read and the best kept. Lines of the kept reading that still lack
    their format are repaired where the image allows it (``_repair_unformatted``).
    """

    def rating(lines: dict[str, LineReading]) -> int:
        return rate(lines, layout)

    views = fit.confirmation.views if fit.confirmation and fit.confirmation.views else card_views(image, fit)
    lines = read_lines(views, fit, layout, engine)
    best = rating(lines)
    if best < _TRUSTED_RATING:
        for other in fit.alternatives[:_ALTERNATIVES_READ]:
            confirmation = other.confirmation or confirm(image, other, layout, engine)
            if not confirmation.confirmed:
                continue
            other_views = confirmation.views
            other_lines = read_lines(other_views, other, layout, engine)
            other_rating = rating(other_lines)
            if other_rating > best:
                fit, views, lines, best = other, other_views, other_lines, other_rating
    return _finished(views, fit, layout, engine, lines)


def read_as_fitted(views: tuple[np.ndarray, ...], fit: CardFit, layout: Layout, engine: TextEngine) -> FrontReading:
    """The value lines of ``fit`` read as it is, on the card's ``views`` (a layout inferred from
    the card itself has no alternatives)."""
    return _finished(views, fit, layout, engine, read_lines(views, fit, layout, engine))


def _finished(
    views: tuple[np.ndarray, ...], fit: CardFit, layout: Layout, engine: TextEngine, lines: dict[str, LineReading]
) -> FrontReading:
    """The reading with its lines repaired where the image allows it, and the card's marks."""
    lines = _repair_unformatted(views, layout, engine, lines)
    lines = month_labels(views, layout, engine, dates_as_issued(views, layout, engine, lines))
    return FrontReading(fit, layout, lines, read_marks(views, fit, layout, engine), isinstance(views[0], Shaken))


def _formatted(lines: dict[str, LineReading], layout: Layout) -> dict[str, bool]:
    """For each line read that has a format to check (an alphabet), whether it has it."""
    checked = [spec.name for spec in layout.values if spec.alphabet and spec.name in lines]
    return {name: formats.has_format(name, lines[name].text) for name in checked}


def _repair_unformatted(
    views: tuple[np.ndarray, ...],
    layout: Layout,
    engine: TextEngine,
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
        repaired = reread_over_column(views, spec, engine, line)
        out[name] = repaired or nearest_formatted(views, spec, engine, line) or line
    return out
