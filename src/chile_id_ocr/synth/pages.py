"""Printed pages a card lies on in a KYC photo: forms, letters and contracts, receipts, newspapers.

Each kind has two styles, one per domain (:mod:`chile_id_ocr.synth.domains`), drawn by different code
in different fonts: a form of labelled boxes (``A``) or of ruled lines and a table (``B``); a letter
(``A``) or a contract of numbered clauses (``B``); a thermal till receipt (``A``) or a card-payment
voucher (``B``); a serif broadsheet (``A``) or a sans tabloid (``B``). The forms ask for what the card
prints (APELLIDOS, NOMBRES, RUN, FECHA DE NACIMIENTO...) filled in with another person's data.
All sizes are in millimetres; body text has a cap height of 1.5-2.8 mm, like the card's values (2 mm).

The kinds are drawn in :mod:`~chile_id_ocr.synth.page_forms`, :mod:`~chile_id_ocr.synth.page_letters`,
:mod:`~chile_id_ocr.synth.page_receipts` and :mod:`~chile_id_ocr.synth.page_newspapers`, with what
:mod:`~chile_id_ocr.synth.page_common` gives them; this module names the styles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chile_id_ocr.synth import text as tx
from chile_id_ocr.synth.page_common import Fonts, Info, office_paper, office_size
from chile_id_ocr.synth.page_forms import form_boxes, form_lines
from chile_id_ocr.synth.page_letters import contract, letter
from chile_id_ocr.synth.page_newspapers import newspaper_serif, newspaper_tabloid, newsprint
from chile_id_ocr.synth.page_receipts import receipt_size, receipt_thermal, receipt_voucher, thermal_paper
from chile_id_ocr.synth.sheet import RGB, Sheet


@dataclass(frozen=True)
class PageStyle:
    """How one kind of page is drawn: its size and paper, and the drawing of its content."""

    kind: str
    size: Callable[[np.random.Generator], tuple[float, float]]
    paper: Callable[[np.random.Generator], RGB]
    draw: Callable[[Sheet, np.random.Generator, Fonts], Info]
    torn: bool = False
    """Torn (zigzag) top and bottom edges, as a receipt off a roll."""


PAGE_STYLES: dict[str, PageStyle] = {
    "form_boxes": PageStyle("page:form", office_size, office_paper, form_boxes),
    "form_lines": PageStyle("page:form", office_size, office_paper, form_lines),
    "letter": PageStyle("page:letter", office_size, office_paper, letter),
    "contract": PageStyle("page:letter", office_size, office_paper, contract),
    "receipt_thermal": PageStyle("page:receipt", receipt_size, thermal_paper, receipt_thermal, torn=True),
    "receipt_voucher": PageStyle(
        "page:receipt",
        lambda r: (float(tx.pick(r, (57.0, 80.0))), float(r.uniform(105, 150))),
        office_paper,
        receipt_voucher,
        torn=True,
    ),
    "newspaper_serif": PageStyle(
        "page:newspaper",
        lambda r: (float(r.uniform(290, 380)), float(r.uniform(420, 580))),
        newsprint,
        newspaper_serif,
    ),
    "newspaper_tabloid": PageStyle(
        "page:newspaper",
        lambda r: (float(r.uniform(270, 300)), float(r.uniform(370, 420))),
        newsprint,
        newspaper_tabloid,
    ),
}
"""Page styles by name; :data:`chile_id_ocr.synth.domains.DOMAINS` gives each domain its own."""
