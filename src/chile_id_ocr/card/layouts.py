"""Where each field sits on a card design.

Positions are fractions of the card's width and height (ID-1 format, 85.6 x 54 mm,
aspect 1.585), measured on the design itself, not on any particular card: every card
of a design prints its labels and values on the same baselines and columns. A reader
uses them as priors with a tolerance, never as exact pixel positions.

>>> FRONT_2013.field("birth").column
(0.335, 0.56)
>>> round(CARD_ASPECT, 3)
1.585
"""

from __future__ import annotations

from dataclasses import dataclass

from chile_id_ocr.card.dates import MONTHS

CARD_ASPECT = 85.6 / 54.0


@dataclass(frozen=True)
class LineSpec:
    """One printed line: where its text starts and where its middle is.

    ``column`` is the horizontal span the value may occupy (left, right), ``y`` the
    expected vertical centre and ``height`` the height of a text detector's box around
    it (letters, accents and the detector's margin), all as fractions of the card.
    Labels are printed smaller than values, which tells them apart; ``text`` is what a
    label says (empty for values). ``alphabet`` holds the characters a value line of a
    checkable format (dates, numbers, sex, nationality) can print; it is empty for names.
    ``twin`` names the line that prints the same value again (the RUN is printed twice).
    """

    name: str
    column: tuple[float, float]
    y: float
    height: float
    is_value: bool = True
    text: str = ""
    alphabet: str = ""
    twin: str = ""

    @property
    def x0(self) -> float:
        return self.column[0]

    @property
    def left_aligned(self) -> bool:
        """Whether the line is a value printed from its column's left edge (every value but
        the RUNs, whose two prints sit where they fit)."""
        return self.is_value and not self.twin


@dataclass(frozen=True)
class Layout:
    """The printed lines of one side of one card design, and the marks that only some of its
    cards print (the foreigners' card's EXTRANJERO), which tell a variant."""

    name: str
    lines: tuple[LineSpec, ...]
    marks: tuple[LineSpec, ...] = ()

    def field(self, name: str) -> LineSpec:
        for line in self.lines:
            if line.name == name:
                return line
        raise KeyError(name)

    @property
    def values(self) -> tuple[LineSpec, ...]:
        return tuple(line for line in self.lines if line.is_value)

    @property
    def anchors(self) -> tuple[LineSpec, ...]:
        """Lines printed on every card of the design (labels, titles): the card's fingerprint."""
        return tuple(line for line in self.lines if not line.is_value)

    @property
    def printed_words(self) -> tuple[str, ...]:
        """The text every card of the design prints (labels, titles), never a holder's value."""
        return tuple(line.text for line in self.anchors if line.text)


def _label(name: str, x0: float, x1: float, y: float, text: str, height: float = 0.047) -> LineSpec:
    return LineSpec(name, (x0, x1), y, height, is_value=False, text=text)


_DIGITS = "0123456789"
_DATE = _DIGITS + " " + "".join(sorted(set("".join(MONTHS))))  # 21 FEB 1982, 9 SEPT 1984
_DOCUMENT = _DIGITS + ". ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # 100.603.723, B5F089055
_RUN = _DIGITS + ".-K RUN"
#: The capitals the card prints its words in (names, nationalities, labels).
CAPITALS = "ABCDEFGHIJKLMNOPQRSTUVWXYZÁÉÍÓÚÑ"
_WORD = " " + CAPITALS  # CHILENA, VENEZOLANA, VEN  # the large print says "RUN 12.749.625-K"
_LEFT = 0.335  # the left column of the data block
_RIGHT = 0.560  # the right column of the data block (sex, document number, expiry)

FRONT_2013 = Layout(
    name="front_2013",
    lines=(
        _label("title_cedula", 0.02, 0.22, 0.052, "CÉDULA DE", 0.065),
        _label("title_identidad", 0.02, 0.22, 0.094, "IDENTIDAD"),
        _label("title_republica", _LEFT, 0.76, 0.052, "REPÚBLICA DE CHILE", 0.065),
        _label("title_servicio", _LEFT, 0.76, 0.100, "SERVICIO DE REGISTRO CIVIL E IDENTIFICACIÓN", 0.043),
        _label("label_apellidos", _LEFT, 0.46, 0.157, "APELLIDOS"),
        _label("label_nombres", _LEFT, 0.44, 0.306, "NOMBRES"),
        _label("label_nacionalidad", _LEFT, 0.50, 0.406, "NACIONALIDAD"),
        _label("label_sexo", _RIGHT, 0.64, 0.406, "SEXO"),
        _label("label_nacimiento", _LEFT, 0.56, 0.506, "FECHA DE NACIMIENTO"),
        _label("label_documento", _RIGHT, 0.79, 0.506, "NÚMERO DOCUMENTO"),
        _label("label_emision", _LEFT, 0.53, 0.607, "FECHA DE EMISIÓN"),
        _label("label_vencimiento", _RIGHT, 0.80, 0.607, "FECHA DE VENCIMIENTO"),
        _label("label_firma", _LEFT, 0.53, 0.706, "FIRMA DEL TITULAR"),
        LineSpec("surname_1", (_LEFT, 0.81), 0.201, 0.066),
        LineSpec("surname_2", (_LEFT, 0.81), 0.254, 0.066),
        LineSpec("given_name", (_LEFT, 0.81), 0.351, 0.066),
        LineSpec("nationality", (_LEFT, 0.56), 0.452, 0.066, alphabet=_WORD),
        LineSpec("sex", (_RIGHT, 0.66), 0.452, 0.066, alphabet="MF"),
        LineSpec("birth", (_LEFT, 0.56), 0.552, 0.066, alphabet=_DATE),
        LineSpec("document_number", (_RIGHT, 0.81), 0.552, 0.066, alphabet=_DOCUMENT),
        LineSpec("issue_date", (_LEFT, 0.56), 0.655, 0.066, alphabet=_DATE),
        LineSpec("expiry_date", (_RIGHT, 0.86), 0.655, 0.066, alphabet=_DATE),  # nothing to its right: room for 30 SEPT
        LineSpec("run_small", (0.80, 0.96), 0.543, 0.054, alphabet=_RUN, twin="run_large"),
        LineSpec("run_large", (0.02, 0.34), 0.886, 0.068, alphabet=_RUN, twin="run_small"),
    ),
    marks=(_label("mark_extranjero", 0.02, 0.24, 0.135, "EXTRANJERO"),),
)


UNKNOWN_LAYOUT = "unknown_layout"
"""The name of a layout inferred from a card's own labels (a design not described here)."""

LABELLED: dict[str, tuple[str, ...]] = {
    "APELLIDOS": ("surname_1", "surname_2"),
    "NOMBRES": ("given_name",),
    "NACIONALIDAD": ("nationality",),
    "SEXO": ("sex",),
    "FECHA DE NACIMIENTO": ("birth",),
    "NÚMERO DOCUMENTO": ("document_number",),
    "FECHA DE EMISIÓN": ("issue_date",),
    "FECHA DE VENCIMIENTO": ("expiry_date",),
    "RUN": ("run_large",),
}
"""Each label a Chilean front prints, whatever its design, and the value lines printed under it
(after it on the same line, for the RUN), named as in ``FRONT_2013``.

>>> sorted(name for names in LABELLED.values() for name in names) == sorted(
...     line.name for line in FRONT_2013.values if line.name != "run_small")
True
"""
