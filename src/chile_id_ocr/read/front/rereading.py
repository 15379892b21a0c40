"""Re-readings of a line weighed by the recognizer's own probabilities (CTC forward scores):
a name spelled as usual, a lost space put back, a line without its format read over its
column or one character away, a date read as the one that puts the card's dates on their
pattern. Each returns the line unchanged unless the line's image allows the other text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from chile_id_ocr.card import dates, formats, names, text, validity
from chile_id_ocr.card.layouts import CAPITALS, Layout, LineSpec
from chile_id_ocr.locate.views import crop_box
from chile_id_ocr.models.ocr import TextEngine, TextRead
from chile_id_ocr.read.front.crops import LineReading, best_view, read_crops

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

# May and September are printed short or long (MAY or MAYO, SEP or SEPT). A date line is read with
# its month's other label when the line's image makes that likelier, and is doubted when it is at
# most this much less likely (natural log of the ratio): on dev fronts of both domains (scans,
# photos, hard captures; 151 such dates, all read right) the other label was always at least 3.9
# less likely.
_LABEL_DOUBT = 3.0

# A name line is doubted where its image makes the same text with one accent or tilde put on or
# taken off (``names.accent_flips``) at most this much less likely (natural log of the ratio). On dev
# fronts of both domains (photos, hard captures, pages; 579 name lines) both accent misreads (spurious
# accents on pages: TÉRESA, DE LA CRÚZ) came out at -0.4 and -1.0, and at most 11 of 565 lines read
# right came out above -3, all on pages, where print this small hides the accents. Under a glare the
# likelihood moves fast with the mark's contrast (about 8 a tenth of opacity): a narrow band is caught.
_ACCENT_DOUBT = 3.0

# A name word that may be two words run together: each part at least this long, and the
# text with the space at most this much less likely than the reading (natural log).
_SPACE_PART = 3
_SPACE_EVIDENCE = 5.0


def usual_spelling(read: TextRead, crops: tuple[np.ndarray, ...], engine: TextEngine) -> tuple[TextRead, str]:
    """The reading with its words spelled as usual (``names.usual_spelling``: GONZÁLEZ for
    GONZALEZ) and the spaces of a DE LA put back (``names.particles_apart``: DE LA PAZ for
    DELAPAZ), the likeliest such text, when the line's image allows it, and why; else the
    reading as it is.

    A blur or a glare takes the accent off a capital, a tight font closes a space, and the
    recognizer's best path drops it; the spelling with it then stays nearly as likely in the
    recognizer's own probabilities, while a name printed without one makes it far less likely.
    """
    usual = names.usual_spelling(read.text)
    texts = [text for text in dict.fromkeys((usual, *names.particles_apart(usual))) if text != read.text]
    views = [crop for crop in crops if crop.size]
    if not texts or not views:
        return read, ""
    best, gain = _likeliest_other(read.text, texts, views, engine)
    if gain < -_USUAL_EVIDENCE:
        return read, ""
    chosen = texts[best]
    return TextRead(chosen, read.score), f"spelled as usual ({chosen}): what tells the spellings apart is faint"


def space_doubt(read: TextRead, crops: tuple[np.ndarray, ...], engine: TextEngine) -> str:
    """Why the reading may have lost a space (SANJUAN for SAN JUAN, EMILIAJOSÉ), or "": a word
    of a name line long enough to be two, where the line's image makes the text with a space
    in it nearly as likely as the reading (within ``_SPACE_EVIDENCE``). A tight font or a blur
    closes the gap between two words; the recognizer's best path then drops the space."""
    crops = tuple(crop for crop in crops if crop.size)
    text = read.text
    for word in text.split() if crops else ():
        if len(word) < 2 + _SPACE_PART or "-" in word:
            continue
        start = text.index(word)
        cuts = [k for k in range(2, len(word) - _SPACE_PART + 1) if k >= _SPACE_PART or names.is_particle(word[:k])]
        if not cuts:
            continue
        spaced = [f"{text[: start + k]} {text[start + k :]}" for k in cuts]
        scores = np.mean([engine.log_likelihoods(crop, [text, *spaced]) for crop in crops], axis=0)
        best = int(np.argmax(scores[1:]))
        if scores[1 + best] >= scores[0] - _SPACE_EVIDENCE:
            return f"{spaced[best]!r} nearly as likely: a space may be lost"
    return ""


def lost_letter_doubt(read: TextRead, crops: tuple[np.ndarray, ...], engine: TextEngine) -> str:
    """Why a space inside the reading may be a letter lost to a glare or a fold (MAGDA ENA for
    MAGDALENA), or "": the line's image makes the text with some letter in that space's place
    nearly as likely as the reading (within ``_SPACE_EVIDENCE``, as a lost space is weighed). A
    letter washed out between two others leaves a gap that the recognizer's best path reads as
    a space between two names, each a name on its own (dev hard 5070: MAGDA ENA at 0.98)."""
    text = read.text
    views = [crop for crop in crops if crop.size]
    for k, char in enumerate(text if views else ""):
        if char != " " or k == 0 or k == len(text) - 1 or " " in (text[k - 1], text[k + 1]):
            continue
        filled = [f"{text[:k]}{letter}{text[k + 1 :]}" for letter in CAPITALS]
        best, gain = _likeliest_other(text, filled, views, engine)
        if gain >= -_SPACE_EVIDENCE:
            return f"{filled[best]!r} nearly as likely: a letter may be lost"
    return ""


def accent_flip_doubt(read: TextRead, crops: tuple[np.ndarray, ...], engine: TextEngine) -> str:
    """Why an accent or a tilde of the reading may be misread (TÉRESA for TERESA, CANALES for
    CAÑALES), or "": the line's image makes the text with one put on or taken off nearly as likely
    (within ``_ACCENT_DOUBT``) on one of the views. Print this small or this blurred shows the
    letters but hardly their marks, and the recognizer's best path then picks one at a guess."""
    flips = names.accent_flips(read.text)
    views = [crop for crop in crops if crop.size]
    if not flips or not views:
        return ""
    best, gain = _likeliest_other(read.text, flips, views, engine)
    if gain < -_ACCENT_DOUBT:
        return ""
    return f"{flips[best]!r} nearly as likely: an accent or a tilde may be misread"


def _likeliest_other(
    text: str, others: Sequence[str], views: list[np.ndarray], engine: TextEngine
) -> tuple[int, float]:
    """Which of ``others`` the line's image makes likeliest against ``text``, on the view that
    favours it most, and by how much (natural log of the ratio; negative: less likely)."""
    scores = np.array([engine.log_likelihoods(crop, [text, *others]) for crop in views])
    gains = (scores[:, 1:] - scores[:, :1]).max(axis=0)
    best = int(np.argmax(gains))
    return best, float(gains[best])


def spaced_apart(read: TextRead, crops: tuple[np.ndarray, ...], engine: TextEngine) -> tuple[TextRead, str]:
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


def reread_over_column(
    views: tuple[np.ndarray, ...],
    spec: LineSpec,
    engine: TextEngine,
    line: LineReading,
) -> LineReading | None:
    """The line read again from its column's left edge to its right edge (a glare can hide the
    end of a number from the detector), when that reading has the format; else None."""
    _, top, _, bottom = line.box
    box = (spec.column[0] - 0.005, top, spec.column[1], bottom)
    again = best_view(spec.name, engine.read(crop_box(views, box), spec.alphabet))
    if not formats.has_format(spec.name, again.text):
        return None
    return LineReading(spec.name, again.text, again.score, box, detected=False)


def nearest_formatted(
    views: tuple[np.ndarray, ...],
    spec: LineSpec,
    engine: TextEngine,
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
    crops = read_crops(views, line, spec)
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
    if not np.isfinite(best) or best - runner_up < _EDIT_MARGIN:  # none possible (underflow): no evidence
        return None
    share = 1.0 / float(np.exp(pooled - best).sum())  # of the probability of all the candidates
    why = f"read as {line.text!r}, one character from the field's format"
    return replace(line, text=candidates[texts[order[0]]], score=line.score * share, repaired=why)


def dates_as_issued(
    views: tuple[np.ndarray, ...], layout: Layout, engine: TextEngine, lines: dict[str, LineReading]
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
    return {**lines, name: replace(line, text=chosen, repaired=why)}


def month_labels(
    views: tuple[np.ndarray, ...], layout: Layout, engine: TextEngine, lines: dict[str, LineReading]
) -> dict[str, LineReading]:
    """The card's dates of May and September read with the month's other label (14 SEPT 2004
    for 14 SEP 2004) where the line's image makes that likelier, and doubted where it is nearly
    as likely (``_LABEL_DOUBT``); else as read. A blur can take the T off SEPT or the O off MAYO
    and leave a date as valid, read with full confidence."""
    out = dict(lines)
    for line in (lines[name] for name in _DATE_LINES if name in lines):
        weighed = None if line.repaired else _other_label(views, layout, engine, line)
        if weighed is None:
            continue
        other, gain = weighed
        if gain > 0:
            why = f"read as {line.text!r}; the image shows {other} likelier"
            out[line.name] = replace(line, text=other, repaired=why)
        elif gain > -_LABEL_DOUBT:
            out[line.name] = replace(line, repaired=f"{other} nearly as likely: the month's label may be misread")
    return out


def _other_label(
    views: tuple[np.ndarray, ...], layout: Layout, engine: TextEngine, line: LineReading
) -> tuple[str, float] | None:
    """The date line's text with its month's other label (``dates.other_label``) and how much
    likelier the line's image makes it than the reading (natural log, averaged over the views);
    None when the line is no date of May or September."""
    read = dates.parse(line.text)
    other = None if read is None else dates.other_label(read)
    if read is None or other is None:
        return None
    spec = layout.field(line.name)
    crops = read_crops(views, line, spec)
    if not crops:
        return None
    gains = [_pattern_gains(engine, crop, spec.alphabet, [line.text, read.text], [other.text])[0] for crop in crops]
    return other.text, float(np.mean(gains))


def likeliest_pattern(
    views: tuple[np.ndarray, ...], layout: Layout, engine: TextEngine, lines: dict[str, LineReading]
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
        line = lines.get(name)
        if line is None:  # a layout found from labels that did not find this one
            continue
        spec = layout.field(name)
        crops = read_crops(views, line, spec)
        texts = [form for day in days if day != known[name] for form in dates.printed_forms(day, read[name] or style)]
        if not crops or not texts:
            continue
        printed = read[name]
        own = [line.text, *([] if printed is None else [printed.text])]
        gains = np.mean([_pattern_gains(engine, crop, spec.alphabet, own, texts) for crop in crops], axis=0)
        top = int(np.argmax(gains))
        if best is None or gains[top] > best[0]:
            best = (float(gains[top]), name, texts[top])
    return best


def _pattern_gains(engine: TextEngine, crop: np.ndarray, alphabet: str, own: list[str], texts: list[str]) -> np.ndarray:
    """How much likelier (natural log) ``crop`` makes each of ``texts`` than the likeliest of
    the line's ``own`` readings, each text printed with its spaces or without."""
    forms = [*own, *(t.replace(" ", "") for t in own), *texts, *(t.replace(" ", "") for t in texts)]
    scores = np.array(engine.log_likelihoods(crop, forms, alphabet))
    mine, theirs = scores[: 2 * len(own)], scores[2 * len(own) :].reshape(2, len(texts))
    return theirs.max(axis=0) - mine.max()
