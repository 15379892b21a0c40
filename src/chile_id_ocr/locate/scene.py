"""One decoded image and what has been found in it, each thing found once, within a budget.

Every stage that looks for the card (outlines, the card detector's mask, the QR code, text
detections of the whole image or of a candidate) asks the ``Scene``, which computes each once
per image and keeps count: text detections are the costly step (about a second of one core per
million pixels), so the pixels they see and their number are capped per image, the pixels of one
detection too (``Budget``), and so is the number of text boxes one detection hands on (the surest
kept): nothing downstream grows with how much text an image holds.

The scene also keeps the evidence that decides the side: a QR code decoded, or a text
detection made while looking for a front that shows lines stacked like an MRZ
(``mrz_band.shows_mrz``). The front search looks at ``mrz_seen`` after each candidate and
stops there; the pipeline then reads a back. (Only where the card detector marks a card: a
justified page's lines stack like an MRZ.)

"No card here" is found fast: the card detector (``models/card_mask.py``) marks a card's pixels
on a 256 px copy in a few milliseconds, and where it marks none (a blank or flat page, noise, a
page of print, a form, a room) and no QR code was found, only the cheap candidates are tried (outlines
and the whole frame); the searches of the whole image's text are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property

import cv2
import numpy as np

from chile_id_ocr.card.layouts import Layout
from chile_id_ocr.locate.fit import CardFit, fit_card, unshaken
from chile_id_ocr.locate.mask import largest_region, marked_quad, reaches_edge, regions
from chile_id_ocr.locate.mrz_band import shows_mrz
from chile_id_ocr.locate.outline import WORK_SIDE, edge_candidates, whole_frame
from chile_id_ocr.locate.qr import QrFind, find_qr
from chile_id_ocr.models.card_mask import card_probability
from chile_id_ocr.models.ocr import TextBox, TextEngine, TextRead
from chile_id_ocr.vision.geometry import shrunk

# The mask shows a card where at least this many of its cells (of 64 x 64, about 1 % of the
# letterboxed image) are this sure: on 192 synthetic captures of both sides (photos, hard
# captures, cards on pages, scans; dev seeds) at least 344 cells pass, and on every real image in
# every rotation hundreds do; on a blank page, flat grey, noise, a page of print, a printed form
# or a room, at most 8.
_CARD_CELL = 0.9
_SMALL_SIDE = 640
_DARK = 60  # mean grey level (0..255) under which the image is too dark to find a card in
_FLAT = 4.0  # grey levels of standard deviation: under this, the image is one flat tone
_CARD_CELLS = 40
_NOTHING = TextRead("", 0.0)  # a line not read: past the budget
# A front's data-block labels read at their places on one candidate that show the image is a
# front even when the card is not confirmed (a back prints none of them).
FRONT_LABELS = 2


@dataclass(frozen=True)
class Budget:
    """What one image may cost. Text detections are the costly step: their time grows with the
    pixels the detector sees (about a second of one core per million here), so they are budgeted
    in pixels for the whole image (``pixels``) and in number (``detections``). The pixels one
    detection may see are capped (``detect_pixels``: the detector's memory grows with them, about
    250 bytes a pixel, so a detection at 2048 x 1536 would add some 800 MB to a worker; a larger
    request is shrunk to this). One detection hands on its surest ``text_boxes``. Line crops handed
    to the recognizer (about 15 ms each) are budgeted too (``reads``); past it a line reads as
    nothing. (The back's MRZ blocks have their own count: ``locate/back.py``.)

    Sized on dev captures (hard: seeds 5000-5059 of backs, 5000-5039 of fronts; fronts on pages:
    5000-5019): a card found by its outline costs 0.2-0.3 Mpx and 7-19 reads; every card read
    without an error used at most 10.9 Mpx (a card on a page of newsprint: the page searched in
    tiles) and 145 reads (a back's MRZ lines count as reads too). The searches that ran longer
    (11-15 Mpx, up to 346 reads, 15-39 s of CPU) ended in a refusal or in a card with several
    fields wrong; they now stop at the budget, and the refusal says so. A design read from its
    labels wherever they are (``labels.py``; dev scans of the moved designs, seeds 5000-5009) needs
    more reads and few pixels: up to 285 reads and 6 Mpx for a card read right."""

    detections: int = 40
    pixels: int = 12_000_000
    detect_pixels: int = 1_000_000
    text_boxes: int = 250
    reads: int = 400
    # Candidates' copies whose shake is undone before the fit detects their lines (``fit.unshaken``,
    # about 0.1 s each): a shaken card's search fits many candidates (dev hard 5030: 22, 14 of them shaken;
    # dev 5135 reads with 10, not with 6; the dev motion-blurred fronts read as without a budget).
    unshaken: int = 10

    def exhausted(self, spent: Spent) -> bool:
        """Whether ``spent`` has used up this budget: detections, their pixels or line reads."""
        return spent.detections >= self.detections or spent.pixels >= self.pixels or spent.reads >= self.reads


@dataclass
class Spent:
    """What the image has cost so far."""

    detections: int = 0
    pixels: int = 0  # seen by the detector, all detections together
    refused: int = 0  # detections and line reads asked for past the budget
    boxes_dropped: int = 0
    reads: int = 0  # line crops handed to the recognizer
    unshaken: int = 0  # candidates' copies whose shake was undone


class MeteredEngine:
    """The OCR engine as the locate and read stages see it for one image: every text detection
    counted against the budget (past it, a detection finds nothing), its boxes capped, and
    checked for an MRZ (the side's evidence)."""

    def __init__(self, engine: TextEngine, budget: Budget, spent: Spent, *, watch: bool = True) -> None:
        self._engine, self.budget, self.spent, self._watch = engine, budget, spent, watch
        self.mrz_seen = False

    def detect(self, image: np.ndarray, limit_side: int, *, quick: bool = False) -> list[TextBox]:
        budget, spent = self.budget, self.spent
        if spent.detections >= budget.detections or spent.pixels >= budget.pixels:
            spent.refused += 1
            return []
        longer, shorter = max(image.shape[:2]), max(1, min(image.shape[:2]))
        # The longest side at which the detector's copy keeps within its pixel cap.
        side = min(limit_side, longer, int((budget.detect_pixels * longer / shorter) ** 0.5))
        spent.detections += 1
        spent.pixels += side * side * shorter // longer
        boxes = self._engine.detect(image, side, quick=quick)
        if len(boxes) > budget.text_boxes:
            spent.boxes_dropped += len(boxes) - budget.text_boxes
            boxes = sorted(boxes, key=lambda b: -b.score)[: budget.text_boxes]
        if self._watch and not self.mrz_seen and shows_mrz(boxes):
            self.mrz_seen = True
        return boxes

    def read(self, crops: Sequence[np.ndarray], alphabet: str = "", *, reader: bool = True) -> list[TextRead]:
        return self._metered(crops, lambda within: self._engine.read(within, alphabet, reader=reader))

    def read_card(self, crops: Sequence[np.ndarray]) -> list[TextRead]:
        return self._metered(crops, self._engine.read_card)

    def _metered(
        self, crops: Sequence[np.ndarray], read: Callable[[Sequence[np.ndarray]], list[TextRead]]
    ) -> list[TextRead]:
        """``crops`` read within the budget of line reads; past it, a crop reads as nothing."""
        allowed = max(0, min(len(crops), self.budget.reads - self.spent.reads))
        self.spent.reads += allowed
        self.spent.refused += len(crops) - allowed
        return [*read(crops[:allowed]), *[_NOTHING] * (len(crops) - allowed)]

    def features(self, crop: np.ndarray) -> np.ndarray:
        return self._engine.features(crop)

    def log_likelihoods(self, crop: np.ndarray, texts: Sequence[str], alphabet: str = "") -> list[float]:
        return self._engine.log_likelihoods(crop, texts, alphabet)

    def for_one_image(self) -> MeteredEngine:
        return self


@dataclass
class Scene:
    """One decoded image (``pixels``, BGR) and what is found in it, each computed once."""

    pixels: np.ndarray
    base_engine: TextEngine
    budget: Budget = field(default_factory=Budget)
    spent: Spent = field(default_factory=Spent)
    # The most of a design's data-block labels read at their places on one fitted candidate, by
    # the front's search: the side's evidence when no front is confirmed (``shows_front``).
    labels_seen: int = 0
    _fits: dict[tuple[str, bytes], CardFit | None] = field(default_factory=dict, repr=False)
    _searches: dict[tuple[int | str, float], list[TextBox]] = field(default_factory=dict, repr=False)

    @cached_property
    def engine(self) -> MeteredEngine:
        """The text engine for this image: metered, and watching for an MRZ where the card
        detector marks a card (a justified page's lines can stack like one)."""
        return MeteredEngine(self.base_engine.for_one_image(), self.budget, self.spent, watch=self.shows_card)

    @property
    def mrz_seen(self) -> bool:
        """Whether a text detection made so far showed lines stacked like an MRZ, where the card
        detector marks a card."""
        return self.engine.mrz_seen

    @property
    def shows_front(self) -> bool:
        """Whether the front's search read enough of a front's labels at their places on some
        candidate (``FRONT_LABELS``), confirmed or not, to tell that the image shows a front."""
        return self.labels_seen >= FRONT_LABELS

    @contextmanager
    def sharing(self, share: float) -> Iterator[None]:
        """Within the block, the searches may spend at most ``share`` of the detections and pixels left
        (the budget's own limits again after it): a search started on weak evidence (lines stacked like
        an MRZ, which a justified page shows too) leaves the rest to the one it interrupted."""
        engine, budget, spent = self.engine, self.budget, self.spent
        engine.budget = replace(
            budget,
            detections=spent.detections + math.ceil(share * max(0, budget.detections - spent.detections)),
            pixels=spent.pixels + math.ceil(share * max(0, budget.pixels - spent.pixels)),
        )
        try:
            yield
        finally:
            engine.budget = budget

    def remember(self, key: tuple[int | str, float], search: Callable[[], list[TextBox]]) -> list[TextBox]:
        """The text boxes of a search of the whole image or of the area the card detector marks
        (``key``: at which size or "marked", turned by how many degrees), searched once per image: a
        second look at the same place (the front looked for again after a back's MRZ did not read)
        costs nothing."""
        if key not in self._searches:
            self._searches[key] = search()
        return self._searches[key]

    def fit(self, quad: np.ndarray, layout: Layout) -> CardFit | None:
        """``layout`` fitted inside ``quad`` (``fit.fit_card``), once per quad and layout."""
        key = (layout.name, np.asarray(quad, np.float32).tobytes())
        if key not in self._fits:
            self._fits[key] = fit_card(self.pixels, quad, layout, self.engine, self._unshaken)
        return self._fits[key]

    def _unshaken(self, small: np.ndarray) -> np.ndarray | None:
        """``fit.unshaken`` within the budget's ``unshaken`` copies; past it, None (detected as captured)."""
        if self.spent.unshaken >= self.budget.unshaken:
            self.spent.refused += 1
            return None
        sharper = unshaken(small)
        self.spent.unshaken += sharper is not None
        return sharper

    @cached_property
    def qr(self) -> QrFind | None:
        """The QR symbol, decoded when it can be: small copies first, the full image when a symbol
        is found too blurred to decode at that size."""
        found = find_qr(self.pixels)
        if found is not None and not found.text:
            found = find_qr(self.pixels, thorough=True) or found
        return found

    @cached_property
    def qr_thorough(self) -> QrFind | None:
        """The QR symbol looked for harder (the full-resolution image too), for a back."""
        found = self.qr
        if found is None:
            found = find_qr(self.pixels, thorough=True)
        return found

    @cached_property
    def _preview(self) -> tuple[np.ndarray, float]:
        """The image shrunk once (area averaging) to at most ``outline.WORK_SIDE`` px long, and
        the scale from the image to it: the outlines and the statistics start from this copy,
        instead of each shrinking the full image (15 ms each for a 12 MP photo)."""
        return shrunk(self.pixels, WORK_SIDE)

    @cached_property
    def _small_gray(self) -> np.ndarray:
        """The image in grey, at most ``_SMALL_SIDE`` px long: for the statistics that say whether
        there can be a card at all."""
        small, _ = shrunk(self._preview[0], _SMALL_SIDE)
        return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small

    @cached_property
    def blank(self) -> bool:
        """Whether the image is all but one flat tone (a blank page, a lens cap): no card, no QR
        code, nothing to search."""
        return float(self._small_gray.std()) < _FLAT

    def why_no_card(self) -> str:
        """Why no card was found where no text was taken for one: the image is too dark, blank,
        too blurred, or shows none."""
        gray = self._small_gray
        if float(gray.mean()) < _DARK:
            return "the image is too dark to find a card"
        if float(gray.std()) < _FLAT:
            return "the image is blank"
        if float(cv2.Laplacian(gray, cv2.CV_64F).var()) < 8:
            return "the image is too blurred to find a card"
        return "no Chilean identity card found in the image"

    @cached_property
    def _mask(self) -> tuple[np.ndarray, float] | None:
        # From the full image, not the preview: the detector's map of a letterboxed copy of the copy
        # differs enough to change a diagnosis (a page of text read as a card cut off).
        return card_probability(self.pixels)

    @cached_property
    def shows_card(self) -> bool:
        """Whether the card detector marks a card somewhere (True without the model: no evidence
        either way, so nothing is left out), or a QR code was found."""
        if self._mask is None or self.qr is not None:
            return True
        probability, _ = self._mask
        return int((probability >= _CARD_CELL).sum()) >= _CARD_CELLS

    @cached_property
    def outlines(self) -> list[np.ndarray]:
        """Card-shaped outlines (``outline.edge_candidates``), most card-shaped first."""
        preview, scale = self._preview
        return [quad / scale for quad in edge_candidates(preview)]

    @cached_property
    def mask_regions(self) -> list[np.ndarray]:
        """Card-shaped regions the card detector marks, largest first."""
        if self._mask is None:
            return []
        probability, scale = self._mask
        return regions(probability, scale, self.pixels.shape)

    @property
    def runs_off_edge(self) -> bool:
        """Whether the card detector marks a card up to an edge of the image (``mask.reaches_edge``)."""
        return self._mask is not None and reaches_edge(*self._mask, self.pixels.shape)

    @property
    def marked_quad(self) -> np.ndarray | None:
        """Around everything the card detector marks, card-shaped or not (``mask.marked_quad``)."""
        return None if self._mask is None else marked_quad(*self._mask, self.pixels.shape)

    def marked_window(self, margin: float, largest: float) -> tuple[int, int, int, int] | None:
        """The image's columns and rows (x0, y0, x1, y1) around the largest region the card detector
        marks (``mask.largest_region``), grown by ``margin`` of its width and height on each side
        (within the image); None where it marks nothing, or where that window covers more than
        ``largest`` of the image."""
        corners = None if self._mask is None else largest_region(*self._mask, self.pixels.shape)
        if corners is None:
            return None
        h, w = self.pixels.shape[:2]
        (x0, y0), (x1, y1) = corners
        grow_x, grow_y = margin * (x1 - x0), margin * (y1 - y0)
        box = (int(max(0, x0 - grow_x)), int(max(0, y0 - grow_y)), int(min(w, x1 + grow_x)), int(min(h, y1 + grow_y)))
        return None if (box[2] - box[0]) * (box[3] - box[1]) > largest * h * w else box

    @cached_property
    def frame(self) -> np.ndarray:
        """The whole image's border: the candidate for a tight scan."""
        return whole_frame(self.pixels)

    def card_quads(self) -> list[np.ndarray]:
        """Where the card may be, cheapest evidence first: outlines, the detector's regions, the
        whole frame. (The detector's regions first read worse: an outline's corners are sharper.)"""
        return [*self.outlines, *self.mask_regions, self.frame]
