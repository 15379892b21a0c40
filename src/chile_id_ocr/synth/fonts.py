"""Font families for what is printed around the card: pages, receipts, other cards, phone screens.

All come from Debian packages (``scripts/setup.sh`` installs them); a family whose files are missing is
left out of the pool rather than failing, as long as each style keeps one family.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STYLES: tuple[str, ...] = ("serif", "sans", "mono")

_TT = "/usr/share/fonts/truetype"
_OT = "/usr/share/fonts/opentype"


@dataclass(frozen=True)
class Family:
    """A printed face: its style (serif, sans or mono) and its regular and bold files."""

    name: str
    style: str
    regular: str
    bold: str


FAMILIES: tuple[Family, ...] = (
    Family("liberation-serif", "serif", f"{_TT}/liberation2/LiberationSerif-Regular.ttf",
           f"{_TT}/liberation2/LiberationSerif-Bold.ttf"),
    Family("dejavu-serif", "serif", f"{_TT}/dejavu/DejaVuSerif.ttf", f"{_TT}/dejavu/DejaVuSerif-Bold.ttf"),
    Family("nimbus-roman", "serif", f"{_OT}/urw-base35/NimbusRoman-Regular.otf",
           f"{_OT}/urw-base35/NimbusRoman-Bold.otf"),
    Family("free-serif", "serif", f"{_TT}/freefont/FreeSerif.ttf", f"{_TT}/freefont/FreeSerifBold.ttf"),
    Family("century", "serif", f"{_OT}/urw-base35/C059-Roman.otf", f"{_OT}/urw-base35/C059-Bold.otf"),
    Family("palatino", "serif", f"{_OT}/urw-base35/P052-Roman.otf", f"{_OT}/urw-base35/P052-Bold.otf"),
    Family("liberation-sans", "sans", f"{_TT}/liberation2/LiberationSans-Regular.ttf",
           f"{_TT}/liberation2/LiberationSans-Bold.ttf"),
    Family("dejavu-sans", "sans", f"{_TT}/dejavu/DejaVuSans.ttf", f"{_TT}/dejavu/DejaVuSans-Bold.ttf"),
    Family("roboto", "sans", f"{_TT}/roboto/unhinted/RobotoTTF/Roboto-Regular.ttf",
           f"{_TT}/roboto/unhinted/RobotoTTF/Roboto-Bold.ttf"),
    Family("carlito", "sans", f"{_TT}/crosextra/Carlito-Regular.ttf", f"{_TT}/crosextra/Carlito-Bold.ttf"),
    Family("nimbus-sans", "sans", f"{_OT}/urw-base35/NimbusSans-Regular.otf",
           f"{_OT}/urw-base35/NimbusSans-Bold.otf"),
    Family("free-sans", "sans", f"{_TT}/freefont/FreeSans.ttf", f"{_TT}/freefont/FreeSansBold.ttf"),
    Family("open-sans", "sans", f"{_TT}/open-sans/OpenSans-Regular.ttf", f"{_TT}/open-sans/OpenSans-Bold.ttf"),
    Family("lato", "sans", f"{_TT}/lato/Lato-Regular.ttf", f"{_TT}/lato/Lato-Bold.ttf"),
    Family("liberation-mono", "mono", f"{_TT}/liberation2/LiberationMono-Regular.ttf",
           f"{_TT}/liberation2/LiberationMono-Bold.ttf"),
    Family("dejavu-mono", "mono", f"{_TT}/dejavu/DejaVuSansMono.ttf", f"{_TT}/dejavu/DejaVuSansMono-Bold.ttf"),
    Family("inconsolata", "mono", f"{_TT}/inconsolata/Inconsolata.otf", f"{_TT}/inconsolata/Inconsolata.otf"),
    Family("nimbus-mono", "mono", f"{_OT}/urw-base35/NimbusMonoPS-Regular.otf",
           f"{_OT}/urw-base35/NimbusMonoPS-Bold.otf"),
    Family("free-mono", "mono", f"{_TT}/freefont/FreeMono.ttf", f"{_TT}/freefont/FreeMonoBold.ttf"),
    Family("courier-prime", "mono", f"{_OT}/courier-prime/Courier Prime.otf",
           f"{_OT}/courier-prime/Courier Prime Bold.otf"),
)  # fmt: skip
"""Every family the scenes may print with; :mod:`chile_id_ocr.synth.domains` splits them in two halves."""

BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}


def installed(names: tuple[str, ...]) -> dict[str, tuple[Family, ...]]:
    """The installed families among ``names``, by style; every style must keep at least one."""
    found = [BY_NAME[n] for n in names if Path(BY_NAME[n].regular).is_file() and Path(BY_NAME[n].bold).is_file()]
    pools = {style: tuple(f for f in found if f.style == style) for style in STYLES}
    missing = [style for style, pool in pools.items() if not pool]
    if missing:
        raise FileNotFoundError(
            f"no {'/'.join(missing)} font installed among {', '.join(names)} (run scripts/setup.sh)"
        )
    return pools
