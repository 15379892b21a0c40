"""The card template: where the specimen image is, where its values sit, and its erased form.

The official specimen front (674x425, a digital render) is read at run time from a path and is never
copied into the package. All measurements below are in specimen pixels (674x425), taken by looking at
the image; :func:`prepared_template` erases the printed values (not the labels) and upscales it.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

TEMPLATE_ENV = "CHILE_ID_OCR_TEMPLATE"
TEMPLATE_RELATIVE = Path("shared") / "real" / "specimen_front.jpg"

SPECIMEN_SIZE: tuple[int, int] = (674, 425)
"""Width and height of the specimen render the measurements refer to."""

CARD_WIDTH = 1348
"""Width of the prepared (upscaled) card in pixels; the height keeps the ID-1 aspect ratio."""

CORNER_RADIUS = 25.0
"""Rounded-corner radius of the card (ID-1: 3.18 mm of 85.6 mm), specimen pixels."""

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Slot:
    """Where one printed value goes: left x, baseline y and cap height (specimen pixels).

    ``erase`` is the box (x0, y0, x1, y1) holding the specimen's own value, whose dark pixels (all its
    pixels when ``erase_all``: the small RUN on its plain light background) are inpainted away;
    ``max_width`` is how far the value may run before it is condensed.
    """

    x: float
    baseline: float
    cap: float
    erase: Box
    max_width: float
    bold: bool = False
    erase_all: bool = False


VALUE_CAP = 15.6

SLOTS: dict[str, Slot] = {
    "surname_1": Slot(235.0, 95.0, VALUE_CAP, (231, 76, 326, 98), 312.0),
    "surname_2": Slot(235.0, 116.3, VALUE_CAP, (231, 98, 296, 119), 312.0),
    "given_name": Slot(235.0, 159.0, VALUE_CAP, (231, 140, 476, 162), 312.0),
    "nationality": Slot(235.0, 201.0, VALUE_CAP, (231, 182, 328, 204), 138.0),
    "sex": Slot(390.0, 201.0, VALUE_CAP, (386, 182, 405, 204), 40.0),
    "birth": Slot(235.0, 243.5, VALUE_CAP, (231, 225, 366, 247), 142.0),
    "document_number": Slot(390.0, 243.5, VALUE_CAP, (386, 225, 498, 247), 160.0),
    "issue_date": Slot(235.0, 286.0, VALUE_CAP, (231, 268, 352, 289), 142.0),
    "expiry_date": Slot(390.0, 286.0, VALUE_CAP, (386, 268, 524, 289), 160.0),
    "run_big": Slot(76.0, 386.0, 15.5, (72, 366, 213, 391), 150.0, bold=True),
    "run_small": Slot(558.0, 237.6, 8.6, (555, 228, 627, 238), 76.0, erase_all=True),
}
"""Value slots of the 2013-2024 front. The 'RUN' word before ``run_big`` is kept from the specimen."""

FOREIGNER_MARK = Slot(24.0, 64.0, 13.4, (0, 0, 0, 0), 140.0)
"""Where the foreigners' card prints EXTRANJERO: under CÉDULA DE IDENTIDAD, in the title's face and blue."""
TITLE_INK: tuple[float, float, float] = (106.0, 58.0, 38.0)
"""The titles' dark blue (BGR), measured on the specimen's CÉDULA DE IDENTIDAD."""

LABEL_RUN_BOX: Box = (20, 366, 73, 391)
"""The printed 'RUN' word at bottom left (kept)."""

PORTRAIT_BOX: Box = (40, 100, 215, 350)
"""Main portrait (for reference; it is kept)."""


ERASE_THRESHOLD = 150
"""Grey level under which a pixel inside an erase box is value ink."""


class TemplateNotFoundError(FileNotFoundError):
    """The specimen image the generator draws on could not be found."""


def _candidates(start: Path) -> list[Path]:
    start = start.resolve()
    return [d / TEMPLATE_RELATIVE for d in (start, *start.parents)]


def find_template(template: str | os.PathLike[str] | None = None) -> Path:
    """Locate the specimen front: the argument, else ``$CHILE_ID_OCR_TEMPLATE``, else
    ``shared/real/specimen_front.jpg`` walking up from the current directory and from this package."""
    if template is not None:
        path = Path(template)
        if not path.is_file():
            raise TemplateNotFoundError(f"card template not found: {path}")
        return path
    env = os.environ.get(TEMPLATE_ENV)
    if env:
        path = Path(env)
        if not path.is_file():
            raise TemplateNotFoundError(f"card template not found: {path} (from ${TEMPLATE_ENV})")
        return path
    tried: list[Path] = []
    for base in (Path.cwd(), Path(__file__).parent):
        for cand in _candidates(base):
            if cand.is_file():
                return cand
            tried.append(cand)
    raise TemplateNotFoundError(
        "card template (official specimen front, 674x425) not found: pass template=..., set "
        f"${TEMPLATE_ENV}, or place it at ../shared/real/specimen_front.jpg; tried {len(tried)} paths "
        f"from {Path.cwd()} and {Path(__file__).parent}"
    )


@dataclass(frozen=True)
class PreparedTemplate:
    """The erased, upscaled card (BGR uint8), its rounded-corner alpha and the scale from specimen px."""

    image: np.ndarray
    alpha: np.ndarray
    scale: float

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]


def _erase_mask(gray: np.ndarray, box: Box) -> np.ndarray:
    """Dark text pixels inside ``box``: the printed values are far darker than the guilloche behind
    them (whose darkest pixels stay above ~150 grey), so a fixed threshold isolates the strokes."""
    x0, y0, x1, y1 = (round(v) for v in box)
    mask = np.zeros_like(gray, dtype=np.uint8)
    crop = gray[y0:y1, x0:x1]
    mask[y0:y1, x0:x1][crop < ERASE_THRESHOLD] = 255
    return mask


def rounded_alpha(width: int, height: int, radius: float) -> np.ndarray:
    """An anti-aliased rounded-rectangle mask (uint8, 255 inside)."""
    ss = 4
    big = np.zeros((height * ss, width * ss), np.uint8)
    r = round(radius * ss)
    cv2.rectangle(big, (r, 0), (width * ss - 1 - r, height * ss - 1), 255, -1)
    cv2.rectangle(big, (0, r), (width * ss - 1, height * ss - 1 - r), 255, -1)
    right, bottom = width * ss - 1 - r, height * ss - 1 - r
    for cx, cy in ((r, r), (right, r), (r, bottom), (right, bottom)):
        cv2.circle(big, (cx, cy), r, 255, -1)
    return cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA)


@functools.lru_cache(maxsize=4)
def _prepare(path: str) -> PreparedTemplate:
    src = cv2.imread(path, cv2.IMREAD_COLOR)
    if src is None:
        raise TemplateNotFoundError(f"card template could not be decoded: {path}")
    if (src.shape[1], src.shape[0]) != SPECIMEN_SIZE:
        src = cv2.resize(src, SPECIMEN_SIZE, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(src, cv2.COLOR_BGR2GRAY)
    mask: np.ndarray = np.zeros_like(gray)
    for slot in SLOTS.values():
        if slot.erase_all:
            x0, y0, x1, y1 = (round(v) for v in slot.erase)
            mask[y0:y1, x0:x1] = 255
        else:
            mask |= _erase_mask(gray, slot.erase)
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    erased = cv2.inpaint(src, mask, 4, cv2.INPAINT_TELEA)
    scale = CARD_WIDTH / SPECIMEN_SIZE[0]
    height = round(SPECIMEN_SIZE[1] * scale)
    image = cv2.resize(erased, (CARD_WIDTH, height), interpolation=cv2.INTER_CUBIC)
    alpha = rounded_alpha(CARD_WIDTH, height, CORNER_RADIUS * scale)
    image.setflags(write=False)
    alpha.setflags(write=False)
    return PreparedTemplate(image=image, alpha=alpha, scale=scale)


def prepared_template(template: str | os.PathLike[str] | None = None) -> PreparedTemplate:
    """The erased, upscaled template (cached per process and path)."""
    return _prepare(str(find_template(template).resolve()))
