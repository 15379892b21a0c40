"""The generator's two halves, for cross-domain figures: tune on one, score on the other.

Each half has its own card faces, its own printed-page fonts, its own surfaces and its own
implementation of every scene kind (a form drawn as boxes in ``A``, as ruled lines in ``B``; a bank
card in ``A``, a loyalty card in ``B``...), and its own model of each optical and sensor effect (a
straight motion-blur kernel in ``A``, a camera-shake trajectory in ``B``...). Both halves cover every
scene kind and every effect, so a condition means the same in both; only how it is drawn differs.
``generate_front(seed, condition, domain=None)`` draws from the union.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SCENES: tuple[str, ...] = (
    "plain",
    "page:form",
    "page:letter",
    "page:receipt",
    "page:newspaper",
    "other_card",
    "phone",
    "hand",
)
"""What surrounds the card in a photo (``truth["capture"]["scene"]``)."""

PAGE_SCENES: tuple[str, ...] = tuple(s for s in SCENES if s.startswith("page:"))


@dataclass(frozen=True)
class Domain:
    """One half of the generator's world (or the union of both, named ``all``)."""

    name: str
    card_faces: tuple[str, ...]
    """:data:`chile_id_ocr.synth.render.FONT_FACES` names the card's values are printed in."""
    page_fonts: tuple[str, ...]
    """:data:`chile_id_ocr.synth.fonts.FAMILIES` names for pages, receipts, other cards and screens."""
    surfaces: tuple[str, ...]
    """:data:`chile_id_ocr.synth.backgrounds.SURFACES` the scene lies on."""
    styles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """For each scene kind but ``plain``, the implementations that draw it."""
    scan_beds: tuple[str, ...] = ()
    motion_blur: tuple[str, ...] = ()
    defocus: tuple[str, ...] = ()
    lighting: tuple[str, ...] = ()
    noise: tuple[str, ...] = ()
    white_balance: tuple[str, ...] = ()
    demosaic: tuple[str, ...] = ()

    def styles_of(self, scene: str) -> tuple[str, ...]:
        return self.styles[scene]


DOMAINS: dict[str, Domain] = {
    "A": Domain(
        name="A",
        card_faces=("liberation", "dejavu", "roboto", "carlito"),
        page_fonts=(
            "liberation-serif",
            "dejavu-serif",
            "palatino",
            "liberation-sans",
            "dejavu-sans",
            "roboto",
            "liberation-mono",
            "dejavu-mono",
            "inconsolata",
        ),
        surfaces=("wood", "cloth", "desk"),
        styles={
            "page:form": ("form_boxes",),
            "page:letter": ("letter",),
            "page:receipt": ("receipt_thermal",),
            "page:newspaper": ("newspaper_serif",),
            "other_card": ("bank_card",),
            "phone": ("phone_chat",),
            "hand": ("hand_thumb",),
        },
        scan_beds=("scanner_white",),
        motion_blur=("line",),
        defocus=("disc",),
        lighting=("gradient",),
        noise=("poisson_gaussian",),
        white_balance=("gains",),
        demosaic=("bilinear",),
    ),
    "B": Domain(
        name="B",
        card_faces=("nimbus", "freesans", "opensans", "lato"),
        page_fonts=(
            "nimbus-roman",
            "free-serif",
            "century",
            "nimbus-sans",
            "free-sans",
            "open-sans",
            "nimbus-mono",
            "free-mono",
            "courier-prime",
        ),
        surfaces=("paper", "stone", "planks"),
        styles={
            "page:form": ("form_lines",),
            "page:letter": ("contract",),
            "page:receipt": ("receipt_voucher",),
            "page:newspaper": ("newspaper_tabloid",),
            "other_card": ("loyalty_card",),
            "phone": ("phone_bank",),
            "hand": ("hand_grip",),
        },
        scan_beds=("scanner_grey",),
        motion_blur=("shake",),
        defocus=("gaussian",),
        lighting=("lamp",),
        noise=("banded",),
        white_balance=("temperature",),
        demosaic=("edge_aware",),
    ),
}
"""The two halves. Every tuple of ``A`` is disjoint from the same tuple of ``B``."""

_POOLS = ("card_faces", "page_fonts", "surfaces", "scan_beds", "motion_blur", "defocus", "lighting", "noise",
          "white_balance", "demosaic")  # fmt: skip


def _union() -> Domain:
    a, b = DOMAINS["A"], DOMAINS["B"]
    pools = {name: getattr(a, name) + getattr(b, name) for name in _POOLS}
    styles = {kind: a.styles[kind] + b.styles[kind] for kind in a.styles}
    return Domain(name="all", styles=styles, **pools)


ALL = _union()


def resolve(name: str | None) -> Domain:
    """The domain called ``name`` ("A", "B"), or both halves together for None."""
    if name is None:
        return ALL
    if name not in DOMAINS:
        raise ValueError(f"unknown domain {name!r}; expected one of {sorted(DOMAINS)} or None")
    return DOMAINS[name]
