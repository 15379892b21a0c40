"""What every kind of printed page (:mod:`chile_id_ocr.synth.pages`) draws with: the fonts it is given, the
record it returns, paper and ink colours, office page sizes, and the form labels that include the card's own
words. Sizes are in millimetres."""

from __future__ import annotations

from typing import Any

import numpy as np

from chile_id_ocr.synth import text as tx
from chile_id_ocr.synth.fonts import Family
from chile_id_ocr.synth.sheet import RGB

Fonts = dict[str, tuple[Family, ...]]
Info = dict[str, Any]


def grey_colour(rng: np.random.Generator, lo: int, hi: int) -> RGB:
    v = int(rng.integers(lo, hi + 1))
    return (v, v, v)


def office_paper(rng: np.random.Generator) -> RGB:
    base = int(rng.integers(238, 255))
    return (base, base - int(rng.integers(0, 6)), base - int(rng.integers(0, 12)))


def office_size(rng: np.random.Generator) -> tuple[float, float]:
    return tx.pick(rng, ((210.0, 297.0), (216.0, 279.0), (216.0, 330.0)))


def ink_colour(rng: np.random.Generator) -> RGB:
    v = int(rng.integers(15, 55))
    return (v, v, v + int(rng.integers(0, 8)))


def typed_colour(rng: np.random.Generator) -> RGB:
    """The colour of typed-in values: black or a dark blue."""
    return ink_colour(rng) if rng.random() < 0.6 else (20, 30, int(rng.integers(90, 150)))


def brand_colour(rng: np.random.Generator) -> RGB:
    return tx.pick(rng, ((0, 70, 140), (170, 20, 40), (0, 110, 80), (90, 40, 120), (200, 90, 0), (20, 60, 90)))


def pick_font(rng: np.random.Generator, fonts: Fonts, style: str) -> Family:
    return tx.pick(rng, fonts[style])


def form_labels(rng: np.random.Generator, n: int) -> list[str]:
    """Form labels, the card's own words among them."""
    order = rng.permutation(len(tx.FORM_LABELS))
    first = ["APELLIDOS", "NOMBRES", "RUN" if rng.random() < 0.5 else "RUT", "FECHA DE NACIMIENTO", "NACIONALIDAD"]
    rest = [tx.FORM_LABELS[i] for i in order if tx.FORM_LABELS[i] not in first]
    return (first + rest)[:n]
