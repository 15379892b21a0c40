"""Where the card is in an image: card-shaped candidates, each placed (or not) by finding the
design's printed layout inside it (``layout_fit.fit_card``), then confirmed by the design's
own printed words read at their places (``front/confirm.py``): only a confirmed fit counts.

Cheapest first: outlines (``vision/locate.py``), then the text of the whole image, as
blocks of lines grown to the card's size and as places where the design's lines are
(``layout_search.py``), on a copy deblurred when smeared; before the whole image is searched
at a finer size, the area the card detector marks is searched on its own (level, then turned
along its lines); when nothing is found, the text is searched again turned level along its
other directions. The best fit keeps the runners-up a reader may need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import cast

import numpy as np

from chile_id_ocr.card.layouts import Layout
from chile_id_ocr.errors import PoorImageError
from chile_id_ocr.locate.confirm import confirm
from chile_id_ocr.locate.diagnose import looks, why_unreadable
from chile_id_ocr.locate.fit import CardFit, Confirmation
from chile_id_ocr.locate.layout_search import layout_candidates
from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.locate.text_blocks import text_candidates, text_directions
from chile_id_ocr.locate.tiles import detect_tiled
from chile_id_ocr.models.ocr import TextBox, TextEngine
from chile_id_ocr.vision.deblur import deblurred
from chile_id_ocr.vision.geometry import angle_offsets, map_affine, shrunk, turned

# A candidate whose layout match reaches this is taken without looking further.
_GOOD_FIT = 0.55
# Below this share of the design's lines, a candidate is not a card of the design.
_MIN_FIT = 0.30
# The whole image is searched for text at the first size; a card still not found (small in a
# large frame, its text a few pixels high) is looked for again at the next.
_TEXT_SEARCH_SIDES = (1024, 2048)
_UPSCALE_LIMIT = 1.25  # a search size at most this much above the image's own longer side
# A fit matching less than this share of the design's lines is done again inside its own
# corners, at most this many times.
_REFINE_BELOW = 0.85
_REFINE_ROUNDS = 2
# Still no card: the text is searched again turned level along each of the detected lines'
# strongest directions (at most this many) that are this far from level. (Only then: where a
# fit was found, a turned search can find one that matches more lines but reads worse.)
_TURNED_SEARCHES = 2
_LEVEL_DEG = 10.0
# Before the finer search of the whole image, the area the card detector marks, grown by this share of
# its size on each side, is searched on its own (level, then turned along its strongest aslant lines),
# where it covers at most this share of the image: a larger one is the whole image again, and searching
# it twice can spend the image's budget (test photo 100056: a card beside another card).
_MARKED_MARGIN = 0.25
_MARKED_AREA = 0.8
_MARKED_TURNS = 1  # aslant directions of the marked area's lines it is searched turned along
# The fit's own two best alternatives, then this many other candidates' best fits, are read
# when its reading looks wrong; a candidate's fit whose corners all lie within this share of
# the card's width of another's is the same.
_OWN_ALTERNATIVES = 2
_RUNNERS_UP = 2
_DISTINCT = 0.03


def find_card(scene: Scene, layout: Layout, *, stop_at_mrz: bool = True) -> CardFit | None:
    """The card in ``scene``: outlines first, then the text of the whole image when no outline
    gives a good confirmed fit (at a finer size when the first search finds none either, after
    the area the card detector marks, searched on its own: ``_search_marked``): blocks of text
    lines grown to the card's size, then the places where the design's lines are; when still no
    card is found, the text searched again with the image turned so that
    lines at an angle run level. A fit that matches the design's lines well is confirmed at
    once; weaker ones only when no good one is confirmed, best first.

    The whole image's text is searched only where the card detector marks a card
    (``Scene.shows_card``): elsewhere the outlines and the whole frame decide. With
    ``stop_at_mrz``, the search stops (None) as soon as a text detection shows an MRZ: the
    image shows a back. Raises ``PoorImageError`` when no card is found."""
    found = _Found(scene, layout)

    def stop() -> bool:
        return stop_at_mrz and scene.mrz_seen

    found.add(scene.card_quads(), stop)
    if stop():
        return None
    if found.good():  # a card found by its looks or its outline fits well: no text search, no refinement
        return _with_runners_up(cast(CardFit, found.best), found.tried)
    if scene.shows_card:
        _search_text(scene, layout, found, stop)
        if stop():
            return None
    best = found.best
    if best is None or best.score < _MIN_FIT:
        raise PoorImageError(_why_not_read(scene, found))
    return _with_runners_up(_refined(scene, best, layout), found.tried)


def _search_text(scene: Scene, layout: Layout, found: _Found, stop: Callable[[], bool]) -> None:
    """The whole image's text searched for the card: at the first size, then finer; when nothing
    is found, turned so that lines at an angle run level."""
    image, engine, cap = scene.pixels, scene.engine, scene.budget.detect_pixels
    longer = max(image.shape[:2])
    first_search: list[TextBox] = []
    for k, side in enumerate(_TEXT_SEARCH_SIDES):
        if k and not found.good() and not stop():  # before a finer search of the whole image
            _search_marked(scene, layout, found, stop)
        if found.good() or stop() or (k and side > longer * _UPSCALE_LIMIT):
            break
        boxes = scene.remember((side, 0.0), partial(_search, image, side, engine, cap))
        first_search = first_search or boxes
        found.add(text_candidates(boxes), stop)
        if not found.good():
            found.add(layout_candidates(boxes, layout), stop)
    found.settle()
    if found.best is None or found.best.score < _MIN_FIT:  # nothing found yet: a last look, turned
        directions = text_directions(first_search, _TURNED_SEARCHES + 1)
        aslant = [d.theta for d in directions if abs(float(angle_offsets(d.theta, 0.0))) >= _LEVEL_DEG]
        for theta in aslant[:_TURNED_SEARCHES]:
            if found.good() or stop():
                break
            side = _TEXT_SEARCH_SIDES[0]
            boxes = scene.remember((side, theta), partial(_search, image, side, engine, cap, turn=theta))
            found.add(text_candidates(boxes), stop)
            found.add(layout_candidates(boxes, layout), stop)
        found.settle()


def _search_marked(scene: Scene, layout: Layout, found: _Found, stop: Callable[[], bool]) -> None:
    """The text of the area the card detector marks (``Scene.marked_window``) searched on its own, level,
    then turned along its lines where they run aslant: a small card's lines, outnumbered by a page's
    around it, lead the search there, and a card turned across the page's lines is turned level. Only
    its good fits count: the weaker ones of so many more candidates (dev hard 5021, a bent card on a
    form: eight refused, the ninth confirmed on three labels) read as garbage."""
    window = scene.marked_window(_MARKED_MARGIN, _MARKED_AREA)
    if window is None:
        return
    x0, y0, x1, y1 = window
    crop, shift = scene.pixels[y0:y1, x0:x1], np.array([x0, y0], np.float32)

    def search(turn: float) -> list[TextBox]:
        side = min(max(crop.shape[:2]), _TEXT_SEARCH_SIDES[-1])
        found_here = _search(crop, side, scene.engine, scene.budget.detect_pixels, turn)
        return [TextBox(box.quad + shift, box.score) for box in found_here]

    boxes = scene.remember(("marked", 0.0), partial(search, 0.0))
    found.add([*text_candidates(boxes), *layout_candidates(boxes, layout)], stop, weak=False)
    directions = text_directions(boxes, _MARKED_TURNS + 1)  # one of them may run level
    aslant = [d.theta for d in directions if abs(float(angle_offsets(d.theta, 0.0))) >= _LEVEL_DEG]
    for theta in aslant[:_MARKED_TURNS]:
        if found.good() or stop():
            break
        turned_boxes = scene.remember(("marked", theta), partial(search, theta))
        found.add([*text_candidates(turned_boxes), *layout_candidates(turned_boxes, layout)], stop, weak=False)


_NOT_A_CARD = "no identity card found: the text in the image is not a card's"


def _why_not_read(scene: Scene, found: _Found) -> str:
    """Why no card was read: where the card detector marks one, what about it stops the reading
    (``diagnose.why_unreadable``), else why there is no card."""
    if not scene.shows_card:
        return scene.why_no_card()
    quad = next(iter(scene.mask_regions), None)
    quad = scene.marked_quad if quad is None else quad
    why = None if quad is None else why_unreadable(looks(scene.pixels, quad, cut_off=scene.runs_off_edge))
    return why or (_NOT_A_CARD if found.tried else scene.why_no_card())


class _Found:
    """The fits found so far in one image: every one (a reader may want the runners-up), the
    best confirmed one, and those whose confirmation failed."""

    def __init__(self, scene: Scene, layout: Layout) -> None:
        self.scene, self.layout = scene, layout
        self.tried: list[CardFit] = []
        self.best: CardFit | None = None
        self._refused: set[int] = set()

    def good(self) -> bool:
        return self.best is not None and self.best.score >= _GOOD_FIT

    def add(self, quads: list[np.ndarray], stop: Callable[[], bool], *, weak: bool = True) -> None:
        """Fit each of ``quads`` in turn until a good fit is confirmed (or ``stop`` says so); good
        fits are confirmed at once, weaker ones kept for ``settle`` unless ``weak`` is False."""
        for quad in quads:
            if self.good() or stop():
                return
            fit = self.scene.fit(quad, self.layout)
            if fit is not None and (weak or fit.score >= _GOOD_FIT):
                self.tried.append(fit)
                if fit.score >= _GOOD_FIT:
                    self._confirm(fit)

    def settle(self) -> None:
        """No good fit confirmed: the weaker ones confirmed, best first, until one is."""
        for fit in sorted(self.tried, key=lambda f: -f.score):
            if self.best is not None or fit.score < _MIN_FIT:
                return
            if id(fit) not in self._refused:
                self._confirm(fit)

    def _confirm(self, fit: CardFit) -> None:
        if self.best is not None and fit.score <= self.best.score:
            return
        sure = confirmed(self.scene, fit, self.layout)
        if sure is None:
            self._refused.add(id(fit))
        else:
            self.best = sure


def confirmed(scene: Scene, fit: CardFit, layout: Layout) -> CardFit | None:
    """``fit``, or else the first of its own alternatives (the other way up, the data block on
    other rows), whose design's printed words read as printed at their places, with its
    confirmation and the others as its alternatives; None when none does. Where an alternative is
    confirmed and not the fit itself, the fit done again inside its own corners is taken instead
    when it is confirmed too (``_again``). The scene keeps how many of the design's labels the best
    of them read (``Scene.labels_seen``)."""
    candidates = (fit, *fit.alternatives[:_OWN_ALTERNATIVES])
    for candidate in candidates:
        confirmation = _confirmation(scene, candidate, layout)
        if not confirmation.confirmed:
            continue
        again = None if candidate is fit else _again(scene, fit, layout)
        if again is not None:
            return replace(again, alternatives=(*again.alternatives, *fit.alternatives))
        others = tuple(other for other in (fit, *fit.alternatives) if other is not candidate)
        return replace(candidate, confirmation=confirmation, alternatives=others)
    return None


def _again(scene: Scene, fit: CardFit, layout: Layout) -> CardFit | None:
    """The design fitted again inside ``fit``'s corners, confirmed, where it matches more of the
    design's lines than ``fit``; else None. A candidate far from the card's shape (a block of text
    lines around a card at a strong slant) is rectified so loosely that the lines its copy shows
    converge, and its fit can land with a side stretched (dev hard 5129: a tenth of the card's width
    off, its labels read at each other's places), and a placement a row off be confirmed and read as
    such; inside those corners the card is nearly flat and fits to within a few pixels. (Tried on
    every fit not confirmed, it also cost cards of the designs that print their labels elsewhere:
    held-out moved_c photos 28.9 -> 14.4 %.)"""
    again = scene.fit(fit.quad, layout)
    if again is None or again.score <= fit.score:
        return None
    confirmation = _confirmation(scene, again, layout)
    return replace(again, confirmation=confirmation) if confirmation.confirmed else None


def _confirmation(scene: Scene, fit: CardFit, layout: Layout) -> Confirmation:
    """``fit``'s confirmation (``confirm.confirm``), found once; the scene keeps the most labels read."""
    confirmation = fit.confirmation or confirm(scene.pixels, fit, layout, scene.engine)
    scene.labels_seen = max(scene.labels_seen, confirmation.labels)
    return confirmation


def _with_runners_up(best: CardFit, tried: list[CardFit]) -> CardFit:
    """``best`` with the best fits of other candidates among its alternatives (after its own
    best two): a fit that matches more of the design's lines can still read worse than
    another candidate's (a card fitted a row off), and the reader picks by reading."""
    width = float(np.linalg.norm(best.quad[1] - best.quad[0]))
    others: list[CardFit] = []
    for fit in sorted(tried, key=lambda f: -f.score):
        if all(np.abs(fit.quad - kept.quad).max() > _DISTINCT * width for kept in [best, *others]):
            others.append(fit)
    own = best.alternatives
    return replace(best, alternatives=(*own[:_OWN_ALTERNATIVES], *others[:_RUNNERS_UP], *own[_OWN_ALTERNATIVES:]))


def _search(image: np.ndarray, side: int, engine: TextEngine, cap: int, turn: float = 0.0) -> list[TextBox]:
    """Text lines of the whole image, detected on a copy at most ``side`` long: deblurred
    when smeared (a shaken camera smears the card's small text beyond the detector's reach
    while the larger strokes around it, handwriting or a page of print, still read as
    text), turned by ``turn`` degrees so that lines at that angle run level (the
    detector misses much of a small card's text at an angle among other text), and in
    tiles where the copy holds more than one detection's ``cap`` of pixels (``tiles.py``)."""
    copy, scale = shrunk(image, side)
    sharper = deblurred(copy)
    if sharper is None and not turn and copy.shape[0] * copy.shape[1] <= cap:
        return engine.detect(image, side)
    copy = copy if sharper is None else sharper
    back = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    if turn:
        copy, back = turned(copy, turn)
    found = detect_tiled(copy, engine, cap)
    return [TextBox((map_affine(back, box.quad) / scale).astype(np.float32), box.score) for box in found]


def _refined(scene: Scene, fit: CardFit, layout: Layout) -> CardFit:
    """A fit that matched few of the design's lines, done again inside its own corners.

    An outline from the background (a ruled line, a shadow) or handwriting detected as
    text can pull the first homography askew; detected again on the card nearly
    rectified, the lines fall where the design puts them.
    """
    current = fit
    for _ in range(_REFINE_ROUNDS):
        if current.score >= _REFINE_BELOW:
            break
        again = scene.fit(current.quad, layout)
        again = confirmed(scene, again, layout) if again is not None and again.score > current.score else None
        if again is None:
            break
        current = again
    return current
