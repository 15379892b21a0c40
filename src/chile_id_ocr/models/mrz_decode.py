"""Decoding a TD1 zone from the MRZ reader's per-step probabilities, constrained by the grammar
and the check digits.

Each of a TD1 line's 30 positions admits a class of characters (:data:`GRAMMAR`: digits where
ICAO 9303 puts dates and check digits, letters in the state and the names, ``<`` where a field
may be short). :func:`align` finds the best CTC path that reads exactly 30 characters, each of
its position's class; each position then offers its likeliest characters (:func:`candidates`).
:func:`constrain` takes, for each check digit, the likeliest choice among those that passes it
(changing at most :data:`MAX_CHANGES` positions), and says how many positions it changed.

>>> probs = np.full((4, 4), 0.01); probs[0, 1] = probs[1, 1] = probs[3, 3] = 0.97; probs[2, 0] = 0.97
>>> align(np.log(probs), ["ab", "c"], ("blank", "a", "b", "c"))
[(0, 1, 1), (3, 3, 3)]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chile_id_ocr.card import document
from chile_id_ocr.card.mrz_check import LINE_LENGTH, _composite, calc_check_digit
from chile_id_ocr.card.text import ISO3_CODES

SYMBOLS = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # the reader's classes after the CTC blank
CLASSES = ("blank", *SYMBOLS)
_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ANY = SYMBOLS
_ALNUM = _DIGITS + _LETTERS
_NAME = "<" + _LETTERS


def _line(*spans: tuple[int, str]) -> tuple[str, ...]:
    out = tuple(allowed for length, allowed in spans for _ in range(length))
    assert len(out) == LINE_LENGTH
    return out


# Per line, per position, the characters a TD1 zone may print there.
GRAMMAR: tuple[tuple[str, ...], ...] = (
    # document code (I, then a letter or <), state, document number, its check digit, optional data 1
    _line((1, _LETTERS), (1, "<" + _LETTERS), (3, _LETTERS), (9, _ALNUM), (1, _DIGITS), (15, _ANY)),
    # birth, check, sex, expiry, check, nationality, optional data 2 (the RUN), composite check
    _line((6, _DIGITS), (1, _DIGITS), (1, "MF<"), (6, _DIGITS), (1, _DIGITS), (3, _LETTERS), (11, _ANY), (1, _DIGITS)),
    _line((30, _NAME)),  # surnames << given names
)
# The check digits: (line, data positions, check position), composite last (it covers the others).
_FIELDS = (
    (0, range(5, 14), 14),
    (1, range(0, 6), 6),
    (1, range(8, 14), 14),
)
_COMPOSITE_FREE = tuple((0, p) for p in range(15, 30)) + tuple((1, p) for p in range(18, 30))
# What every Chilean card prints where ICAO 9303 leaves a choice: the issuing state CHL (the
# foreigners' cards too: the state is the issuer, the holder's nationality is on line 2) and a
# document code I + N, D or E (nationals', the specimen's and foreigners' cards). Each is preferred
# only where the reader offers it among a position's choices: another country's card must still
# read as such (``check/back.py`` refuses it), so a state the reader sees clearly is kept.
EXPECTED = {(0, 0): "I", (0, 1): "NDE", (0, 2): "C", (0, 3): "H", (0, 4): "L"}
# Likewise, where offered: a document number of nine digits where it starts with a digit (2013-2024
# cards; those issued from December 2024 start with a letter), and a nationality that is a country's code.
_NUMBER = range(5, 14)
_NATIONALITY = range(15, 18)
MAX_CHANGES = 2  # positions a check digit may change; more would let almost anything pass
_CHOICES = 3  # characters offered per position
_FLOOR = 0.02  # a character under this share of its position is never offered (a crisp misprint stays)


def _masks(grammar: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """(positions, classes): True where the position admits the class."""
    return np.array([[c in allowed for c in classes] for allowed in grammar], bool)


def align(log_probs: np.ndarray, grammar: Sequence[str], classes: Sequence[str]) -> list[tuple[int, int, int]] | None:
    """The best CTC path reading exactly ``len(grammar)`` characters, each from its position's
    class: per position, the first and last step its character spans and that character's class;
    None when no such path exists (too few steps)."""
    steps, positions, n = log_probs.shape[0], len(grammar), len(classes)
    neg = -np.inf
    if steps < positions:
        return None
    emit = np.where(_masks(grammar, classes)[None], log_probs[:, None, :], neg)  # (steps, positions, classes)
    chars = np.full((positions, n), neg)  # the path reads class c in position k
    blanks = np.full(positions + 1, neg)  # the path is in the blanks before position k (all read: k = positions)
    chars[0], blanks[0] = emit[0, 0], log_probs[0, 0]
    came = np.zeros((steps, positions, n), np.int16)  # to a char: -1 stay, -2 from the blank, else previous class
    came_blank = np.full((steps, positions + 1), -1, np.int16)  # to a blank: -1 stay, else the previous class
    classes_row = np.arange(n)[None]
    for t in range(1, steps):
        order = np.argsort(-chars, axis=1)[:, :2]  # each position's two best classes
        best = np.take_along_axis(chars, order, axis=1)
        prev = np.full((positions, n), neg)  # from the previous position's best other class (no blank between)
        prev_class = np.zeros((positions, n), np.int16)
        same = order[:-1, :1] == classes_row
        prev[1:] = np.where(same, best[:-1, 1:2], best[:-1, :1])
        prev_class[1:] = np.where(same, order[:-1, 1:2], order[:-1, :1])
        options = np.stack([chars, np.broadcast_to(blanks[:-1, None], chars.shape), prev])
        choice = options.argmax(axis=0)
        came[t] = np.select([choice == 0, choice == 1], [-1, -2], prev_class)
        from_char = np.concatenate([[neg], best[:, 0]])
        came_blank[t] = np.where(from_char > blanks, np.concatenate([[0], order[:, 0]]), -1)
        chars = options.max(axis=0) + emit[t]
        blanks = np.maximum(blanks, from_char) + log_probs[t, 0]
    if max(blanks[-1], chars[-1].max()) == neg:
        return None
    k, c = (positions - 1, int(chars[-1].argmax())) if chars[-1].max() > blanks[-1] else (positions, -1)
    spans: dict[int, list[int]] = {}
    for t in range(steps - 1, -1, -1):
        if c >= 0:  # in a character's state
            first_last = spans.setdefault(k, [t, t, c])
            first_last[0] = t
            move = int(came[t, k, c]) if t else -1
            if move == -2:
                c = -1
            elif move >= 0:
                k, c = k - 1, move
        elif t and came_blank[t, k] >= 0:
            k, c = k - 1, int(came_blank[t, k])
    if len(spans) != positions:
        return None
    return [(spans[k][0], spans[k][1], spans[k][2]) for k in range(positions)]


def candidates(
    probs: np.ndarray, spans: Sequence[tuple[int, int, int]], grammar: Sequence[str]
) -> list[list[tuple[str, float]]]:
    """Per position, its likeliest characters (of its class) and their shares: each character's
    highest probability over the steps the position spans, renormalised over the class."""
    allowed = _masks(grammar, CLASSES)
    out = []
    for (first, last, _), mask in zip(spans, allowed, strict=True):
        share = np.where(mask, probs[first : last + 1].max(axis=0), 0.0)
        share /= max(float(share.sum()), 1e-12)
        top = np.argsort(-share)[:_CHOICES]
        out.append([(CLASSES[i], float(share[i])) for i in top if share[i] >= _FLOOR or i == top[0]])
    return out


@dataclass(frozen=True)
class Zone:
    """Three lines read under the grammar, their scores, and how many positions the check digits changed."""

    lines: tuple[str, ...]
    scores: tuple[float, ...]
    changed: int


def _best_passing(
    lines: list[list[str]], options: list[list[list[tuple[str, float]]]], free: Sequence[tuple[int, int]], passes
) -> int:
    """Change at most :data:`MAX_CHANGES` of the ``free`` positions of ``lines`` (in place) to the
    likeliest choice for which ``passes(lines)`` holds; how many were changed (0: none passed, or none needed)."""
    if passes(lines):
        return 0
    alternatives = [(line, pos, char, np.log(share) - np.log(options[line][pos][0][1]))
                    for line, pos in free for char, share in options[line][pos][1:]]  # fmt: skip
    best: tuple[float, tuple] | None = None
    for size in range(1, MAX_CHANGES + 1):
        for combo in itertools.combinations(alternatives, size):
            if len({(line, pos) for line, pos, _, _ in combo}) < size:
                continue
            cost = sum(c[3] for c in combo)
            if best is not None and cost <= best[0]:
                continue
            trial = [list(chars) for chars in lines]
            for line, pos, char, _ in combo:
                trial[line][pos] = char
            if passes(trial):
                best = (cost, combo)
    if best is None:
        return 0
    for line, pos, char, _ in best[1]:
        lines[line][pos] = char
    return len(best[1])


def constrain(options: list[list[list[tuple[str, float]]]]) -> Zone:
    """The three lines from each position's choices: the likeliest (what a Chilean card prints
    where it is offered: :func:`_card_forms`), but where a check digit fails, the likeliest few
    changes that make it pass (each field first, then the composite over the optional data; a
    document number read in a design's form keeps one: a blurred 8 is no M); each
    line's score is the mean share of its characters, lowered by a tenth for each position not
    read as its likeliest character (the state and document code aside)."""
    lines = [[choices[0][0] for choices in line] for line in options]
    _card_forms(lines, options)
    changed = 0
    for line, data, check in _FIELDS:
        free = [(line, p) for p in (*data, check)]
        keep_form = line == 0 and _number_form(lines[0])  # a number read in a design's form is kept in one
        test = _fits if keep_form else _passes
        changed += _best_passing(lines, options, free, lambda ls, ln=line, d=data, c=check, f=test: f(ls[ln], d, c))
    changed += _best_passing(lines, options, _COMPOSITE_FREE, _composite_passes)
    texts = tuple("".join(chars) for chars in lines)
    scores = []
    for line, text in enumerate(texts):
        shares = [dict(choices)[char] for choices, char in zip(options[line], text, strict=True)]
        moved = sum(
            char != choices[0][0] and (line, pos) not in EXPECTED
            for pos, (choices, char) in enumerate(zip(options[line], text, strict=True))
        )
        scores.append(round(float(np.mean(shares)) * max(0.0, 1.0 - 0.1 * moved), 6))
    return Zone(texts, tuple(scores), changed)


def _card_forms(lines: list[list[str]], options: list[list[list[tuple[str, float]]]]) -> None:
    """``lines`` changed in place to what a Chilean card prints where the reader offers it: the
    state and document code (:data:`EXPECTED`), a 2013 number's digits, a country's code."""

    def prefer(line: int, pos: int, allowed: str) -> None:
        offered = [char for char, _ in options[line][pos] if char in allowed]
        if offered:
            lines[line][pos] = offered[0]

    for (line, pos), expected in EXPECTED.items():
        prefer(line, pos, expected)
    if lines[0][_NUMBER[0]].isdigit():
        for pos in _NUMBER[1:]:
            prefer(0, pos, _DIGITS)
    choices = ([char for char, _ in options[1][pos]] for pos in _NATIONALITY)
    codes = ["".join(chars) for chars in itertools.product(*choices) if "".join(chars) in ISO3_CODES]
    if codes and "".join(lines[1][pos] for pos in _NATIONALITY) not in ISO3_CODES:
        best = max(codes, key=lambda code: _share(options[1], code))
        lines[1][_NATIONALITY[0] : _NATIONALITY[-1] + 1] = list(best)


def _share(options: list[list[tuple[str, float]]], code: str) -> float:
    """How likely the reader finds ``code`` at the nationality's positions."""
    return float(np.prod([dict(options[pos])[char] for pos, char in zip(_NATIONALITY, code, strict=True)]))


def _number_form(chars: Sequence[str]) -> bool:
    """Whether the document number in the first line's ``chars`` has a form some design prints
    (``document.is_valid``: nine digits, or a letter then letters and digits).

    >>> _number_form("IDCHL525564873"), _number_form("IDCHL525504M73"), _number_form("IDCHLB5F089055")
    (True, False, True)
    """
    return document.is_valid("".join(chars[p] for p in _NUMBER))


def _fits(chars: Sequence[str], data: range, check: int) -> bool:
    return _number_form(chars) and _passes(chars, data, check)


def _passes(chars: Sequence[str], data: range, check: int) -> bool:
    return calc_check_digit("".join(chars[p] for p in data)) == chars[check]


def _composite_passes(lines: Sequence[Sequence[str]]) -> bool:
    return calc_check_digit(_composite("".join(lines[0]), "".join(lines[1]))) == lines[1][29]
