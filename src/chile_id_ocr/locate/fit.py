"""Confirm a card candidate by finding its printed layout, and sharpen its geometry.

The text detector runs on a small rectified copy of the candidate. Its line boxes
are matched to the design's lines (labels and values, each with a known left edge
and baseline); the match decides whether this is the card at all, which way up it
is, and, through a homography fitted to the matched lines, where its corners are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from chile_id_ocr.card.layouts import LABELLED, Layout, LineSpec
from chile_id_ocr.models.ocr import TextBox, TextEngine
from chile_id_ocr.vision.blind import shake_deblurred
from chile_id_ocr.vision.deblur import deblurred
from chile_id_ocr.vision.geometry import (
    angle_offsets,
    apply_homographies,
    card_to_image,
    is_plausible_card,
    map_points,
    rectify,
    solve_homographies,
    turn_180,
    x_constraints,
    y_constraints,
)

DET_WIDTH = 512
_MARGIN = 0.06  # share of the candidate's size added on each side for the detector
DET_HEIGHT = round(DET_WIDTH / 1.585)
# The candidate's copy at DET_WIDTH is shaken beyond phone photos under this sharpness (``blind.sharpness``;
# at half the reading size slopes are steeper: dev photos' cards measure 0.22-0.42 there, dev motion-blurred
# ones from 0.11): its shake is undone before its lines are detected (dev 5030 gets a fit, at its true
# corners none before).
_SMALL_SHAKEN = 0.18


@dataclass(frozen=True)
class NormBox:
    """A detected text line in card coordinates (0..1 across, 0..1 down): its corners and extent."""

    quad: np.ndarray
    score: float
    x0: float = field(init=False)
    y0: float = field(init=False)
    x1: float = field(init=False)
    y1: float = field(init=False)

    def __post_init__(self) -> None:
        lo, hi = self.quad.min(axis=0), self.quad.max(axis=0)
        for name, value in zip(("x0", "y0", "x1", "y1"), (lo[0], lo[1], hi[0], hi[1]), strict=True):
            object.__setattr__(self, name, float(value))

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


#: Anchors read as printed for a fit to be confirmed as a card of the design, of them at least
#: ``CONFIRMED_LABELS`` labels of the data block (every design prints the titles at its top).
CONFIRMED = 4
CONFIRMED_LABELS = 3


@dataclass(frozen=True)
class Confirmation:
    """The design's printed words (labels, titles) read as printed at their places, of how many
    read; those read at another one's place (a design that prints the same labels elsewhere);
    and the card's views they were read on (``crops.card_views``: the reader's too)."""

    words: tuple[str, ...]
    tried: int
    views: tuple[np.ndarray, ...] = field(default=(), compare=False, repr=False)
    misplaced: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.words)

    @property
    def labels(self) -> int:
        """How many of the words read as printed are labels of the data block."""
        return sum(word in LABELLED for word in self.words)

    @property
    def confirmed(self) -> bool:
        return self.count >= CONFIRMED and self.labels >= CONFIRMED_LABELS and not self.misplaced


@dataclass(frozen=True)
class CardFit:
    """The design placed on a candidate: its corners in the image (clockwise from the card's own
    top-left), the detected lines in card coordinates, the share of the design's lines found
    there, and other placements for a reader to try when this one reads badly, best first
    (the other way up, the data block on other rows, other candidates' fits).
    ``confirmation`` says which of the design's printed words were read at their places
    (``read/front/confirm.py``); None until that was looked at."""

    quad: np.ndarray
    boxes: tuple[NormBox, ...]
    score: float
    anchors_found: int
    alternatives: tuple[CardFit, ...] = ()
    confirmation: Confirmation | None = None


def match_lines(
    boxes: list[NormBox], lines: tuple[LineSpec, ...], tol_x: float = 0.03, tol_y: float = 0.018
) -> list[tuple[NormBox, LineSpec]]:
    """Each box paired with the design line whose left edge and centre it is nearest to."""
    pairs: list[tuple[NormBox, LineSpec]] = []
    for box in boxes:
        best, best_d = None, 1.0
        for line in lines:
            d = ((box.x0 - line.x0) / tol_x) ** 2 + ((box.cy - line.y) / tol_y) ** 2
            if d < best_d:
                best, best_d = line, d
        if best is not None:
            pairs.append((box, best))
    return pairs


def _score(pairs: list[tuple[NormBox, LineSpec]], layout: Layout) -> tuple[float, int]:
    found = {line.name for _, line in pairs}
    anchors = sum(1 for line in layout.anchors if line.name in found)
    return len(found) / len(layout.lines), anchors


def _ends(box: NormBox) -> tuple[np.ndarray, np.ndarray]:
    """The middle of a box's left end (at its leftmost x) and of its right end (at its rightmost x)."""
    order = np.argsort(box.quad[:, 0])
    left, right = box.quad[order[:2]], box.quad[order[2:]]
    return np.array([box.x0, left[:, 1].mean()]), np.array([box.x1, right[:, 1].mean()])


def _refit(pairs: list[tuple[NormBox, LineSpec]]) -> np.ndarray | None:
    """Homography from design coordinates to the candidate's, from the matched lines.

    Each matched line pins its left end to the design's left edge and baseline, and its
    right end to the same baseline: printed lines are horizontal on the card. Left edges
    alone lie on a few columns and leave the perspective loose; a fit through them can
    tilt one column by a row and still match every left edge. RANSAC over triples of
    lines; the unchanged geometry is the first hypothesis, so a refit must explain more.
    """
    if len(pairs) < 6:
        return None
    design = np.array([[line.x0, line.y] for _, line in pairs])
    if np.ptp(design[:, 0]) < 0.2 or np.ptp(design[:, 1]) < 0.3:
        return None
    ends = [_ends(box) for box, _ in pairs]
    left = np.array([e[0] for e in ends])
    right = np.array([e[1] for e in ends])
    rows = np.stack(
        [x_constraints(left, design[:, 0]), y_constraints(left, design[:, 1]), y_constraints(right, design[:, 1])],
        axis=1,
    )  # (lines, 3 constraints, 9)
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(pairs), size=(_REFIT_TRIALS, 3))
    hypotheses = np.concatenate([np.eye(3)[np.newaxis], solve_homographies(rows[picks].reshape(-1, 9, 9))])
    left_ok, right_ok = _refit_inliers(hypotheses, left, right, design)
    score = left_ok.sum(axis=1) + 0.5 * right_ok.sum(axis=1)
    best = int(np.argmax(score))  # the first maximum: the unchanged geometry wins ties
    if best == 0 or left_ok[best].sum() < 6:
        return None
    used = np.concatenate([rows[left_ok[best], :2].reshape(-1, 9), rows[right_ok[best], 2]])
    to_design = solve_homographies(used[np.newaxis])[0]
    if abs(np.linalg.det(to_design)) < 1e-6:
        return None
    return np.linalg.inv(to_design)


def _refit_inliers(
    hypotheses: np.ndarray, left: np.ndarray, right: np.ndarray, design: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per hypothesis (candidate -> design), which lines' left ends land on their design
    point and which right ends on their baseline."""
    moved_left, moved_right = apply_homographies(hypotheses, left), apply_homographies(hypotheses, right)
    left_ok = np.abs(moved_left - design[np.newaxis]).max(axis=2) < _REFIT_TOLERANCE
    right_ok = np.abs(moved_right[..., 1] - design[np.newaxis, :, 1]) < _REFIT_TOLERANCE
    return left_ok, right_ok & left_ok


def _normalise(boxes: list[TextBox], width: int, height: int) -> list[NormBox]:
    scale = np.array([width, height], np.float32)
    return [NormBox(b.quad / scale, b.score) for b in boxes]


def _flip(boxes: list[NormBox]) -> list[NormBox]:
    return [NormBox(1.0 - b.quad, b.score) for b in boxes]


def _transform(boxes: list[NormBox], matrix: np.ndarray) -> list[NormBox]:
    return [NormBox(map_points(matrix, b.quad), b.score) for b in boxes]


def unshaken(small: np.ndarray) -> np.ndarray | None:
    """A candidate's copy at ``DET_WIDTH`` with its shake undone, where it is shaken (``_SMALL_SHAKEN``)."""
    return shake_deblurred(small, _SMALL_SHAKEN)


def fit_card(
    image: np.ndarray,
    quad: np.ndarray,
    layout: Layout,
    engine: TextEngine,
    unshake: Callable[[np.ndarray], np.ndarray | None] = unshaken,
) -> CardFit | None:
    """Find ``layout`` inside the quadrilateral ``quad`` of ``image``, either way up; ``unshake``
    undoes the shake of the candidate's copy the lines are detected on (``unshaken``; a scene
    budgets it: ``Scene.fit``).

    Returns the card with refined corners, or None when the design is not there. The
    fit's ``alternatives`` are the other placements found (the other way up, the data
    block on other rows), best first, for a reader that finds the first one wrong.
    """
    # The detector sees a margin around the candidate: an outline found on a ruled line or a
    # shadow may cut off part of the card, and the registration can only use lines it sees.
    m = _MARGIN
    outer = map_points(card_to_image(np.asarray(quad, np.float32)), _UNIT * (1 + 2 * m) - m)
    small = rectify(image, outer, DET_WIDTH, DET_HEIGHT)
    sharper = deblurred(small)  # a smeared or shaken card's lines are found on it deblurred
    sharper = unshake(small) if sharper is None else sharper
    found = engine.detect(small if sharper is None else sharper, DET_WIDTH, quick=True)
    if len(found) < 4:
        return None
    # The candidate's coordinates turned so that its text runs level (an outline from the whole
    # frame or from a text block is only roughly aligned with the card).
    level = _leveller(found)
    quad = map_points(card_to_image(np.asarray(quad, np.float32)), map_points(np.linalg.inv(level), _UNIT))
    detected = [
        NormBox(map_points(level, b.quad * (1 + 2 * m) - m), b.score)  # back to the candidate's own coordinates
        for b in _normalise(found, DET_WIDTH, DET_HEIGHT)
    ]
    firsts: list[CardFit] = []
    others: list[CardFit] = []
    for upside_down in (False, True):
        boxes = _flip(detected) if upside_down else detected
        base_quad = turn_180(quad) if upside_down else np.asarray(quad, np.float32)
        for rank, to_design in enumerate(_register(boxes, layout)):
            fit = _fit_oriented(boxes, base_quad, layout, image.shape, to_design)
            if fit is not None:
                (others if rank else firsts).append(fit)
    if not firsts:
        return None
    # A runner-up whose homography refit matched more lines is the better fit (stable: ties keep the first).
    ranked = sorted(firsts + others, key=lambda f: -f.score)
    return replace(ranked[0], alternatives=tuple(ranked[1:]))


def _leveller(boxes: list[TextBox]) -> np.ndarray:
    """The rotation about the candidate's centre (in its 0..1 coordinates) that levels the
    detected text lines: the length-weighted median of their directions, modulo 180
    degrees; the identity when they already run level or do not agree."""
    sides = [(b.quad[1] - b.quad[0] + b.quad[2] - b.quad[3]) / 2 for b in boxes]
    lengths = np.array([float(np.hypot(*d)) for d in sides])
    heights = np.array([float(np.linalg.norm(b.quad[3] - b.quad[0])) for b in boxes])
    angles = angle_offsets(np.array([np.degrees(np.arctan2(d[1], d[0])) for d in sides]), 0.0)
    lines = lengths > _LINE_ASPECT * np.maximum(heights, 1.0)
    if lines.sum() < 3:
        return np.eye(3)
    order = np.argsort(angles[lines])
    cumulative = np.cumsum(lengths[lines][order])
    angle = float(angles[lines][order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    if not _LEVEL_MIN_DEG <= abs(angle) <= _LEVEL_MAX_DEG:
        return np.eye(3)
    pixels = np.diag([DET_WIDTH, DET_HEIGHT, 1.0])
    turn = np.vstack([cv2.getRotationMatrix2D((0.5 * DET_WIDTH, 0.5 * DET_HEIGHT), angle, 1.0), [0.0, 0.0, 1.0]])
    return np.linalg.inv(pixels) @ turn @ pixels


_LINE_ASPECT = 2.5  # a detected box this many times longer than tall is a line of text
_LEVEL_MIN_DEG = 1.0  # text within this of level is left as it is
_LEVEL_MAX_DEG = 30.0  # beyond this the lines are not the candidate's own text direction
_SEARCH = 0.14  # how far (card fractions) a line may be from where the candidate puts it
_INLIER = 0.018  # a matched line's left edge lies this close to the design's, after the fit
_TRIALS = 3000
_HYPOTHESES = 3  # the best fit and up to two runners-up on other rows
_RUNNER_UP = 0.5  # a runner-up explains at least this share of what the best fit explains
_BLOCK_Y = 0.4  # a height inside the data block (card fraction)
_ROW_STEP = 0.025  # half the block's row pitch: fits this far apart place rows differently
_REFIT_TRIALS = 200  # random triples of lines tried by the perspective refit
_REFIT_TOLERANCE = 0.01  # a line's end lies this close to the design's, after the refit


def line_weights(lines: tuple[LineSpec, ...]) -> np.ndarray:
    """Lines outside the data block's two columns are unique; they break the block's row periodicity."""
    return np.array([3.0 if line.x0 < 0.3 or line.x0 > 0.7 else 1.0 for line in lines])


def _register(boxes: list[NormBox], layout: Layout) -> list[np.ndarray]:
    """RANSAC: the axis-aligned scales and shifts from the candidate's coordinates to the
    design's that put the most detected left edges on the design's lines, unique lines
    weighing more; the best first, then runners-up placing the rows differently. The
    candidate is already roughly rectified, so a shear or a rotation would only let a
    wrong fit, shifted by a row, explain the periodic rows as well."""
    seen = np.array([[b.x0, b.cy] for b in boxes], np.float32)
    design = np.array([[line.x0, line.y] for line in layout.lines], np.float32)
    weights = line_weights(layout.lines)
    near = np.argwhere(np.abs(seen[:, None, :] - design[None, :, :]).max(axis=2) < _SEARCH)
    if len(near) < 2:
        return []
    rng = np.random.default_rng(0)
    picks = near[rng.integers(0, len(near), size=(_TRIALS, 2))]  # (trials, 2 pairs, [box, line])
    d_seen = seen[picks[:, 1, 0]] - seen[picks[:, 0, 0]]
    d_design = design[picks[:, 1, 1]] - design[picks[:, 0, 1]]
    ok = (np.abs(d_design).min(axis=1) >= 0.12) & (np.abs(d_seen).min(axis=1) >= 0.05)
    scale = d_design[ok] / d_seen[ok]
    scale[scale <= 0] = np.nan  # a mirrored pairing is no hypothesis
    shift = design[picks[ok, 0, 1]] - seen[picks[ok, 0, 0]] * scale
    with np.errstate(invalid="ignore"):
        sane = (scale.min(axis=1) > 0.6) & (scale.max(axis=1) < 1.6)
        sane &= np.abs(np.log(scale[:, 0] / scale[:, 1])) < 0.22
    scale, shift = scale[sane], shift[sane]
    if len(scale) == 0:
        return []
    moved = seen[None, :, :] * scale[:, None, :] + shift[:, None, :]  # (hypotheses, boxes, 2)
    dist = np.linalg.norm(moved[:, :, None, :] - design[None, None, :, :], axis=3).min(axis=1)  # per line
    hit = dist < _INLIER
    score = (hit * weights).sum(axis=1) - np.where(hit, dist, 0).sum(axis=1)  # ties: the tighter fit
    return [
        np.array([[scale[k, 0], 0.0, shift[k, 0]], [0.0, scale[k, 1], shift[k, 1]], [0.0, 0.0, 1.0]])
        for k in _distinct_rows(score, scale[:, 1], shift[:, 1])
    ]


def _distinct_rows(score: np.ndarray, scale_y: np.ndarray, shift_y: np.ndarray) -> list[int]:
    """The best hypothesis, then the best ones that put the data block on other rows.

    The block's label and value rows repeat, so a fit shifted by a row can explain the
    detected lines almost as well as the right one; the runners-up let a reader that
    sees labels where values should be try the neighbouring rows.
    """
    block_top = (_BLOCK_Y - shift_y) / scale_y  # where each hypothesis puts the block, in the candidate
    order = np.argsort(-score)
    chosen: list[int] = []
    for k in order[score[order] >= _RUNNER_UP * score[order[0]]]:
        if all(abs(block_top[k] - block_top[j]) > _ROW_STEP for j in chosen):
            chosen.append(int(k))
        if len(chosen) == _HYPOTHESES:
            break
    return chosen


def _fit_oriented(
    boxes: list[NormBox], quad: np.ndarray, layout: Layout, shape: tuple[int, ...], to_design: np.ndarray
) -> CardFit | None:
    area = float(shape[0] * shape[1])
    current = _transform(boxes, to_design)
    current_quad = map_points(card_to_image(np.asarray(quad, np.float32)), map_points(np.linalg.inv(to_design), _UNIT))
    if not is_plausible_card(current_quad, area, 0.01):
        return None
    # Perspective: a homography through the matched lines, when there are enough of them.
    pairs = match_lines(current, layout.lines)
    matrix = _refit(pairs)
    if matrix is not None:
        new_quad = map_points(card_to_image(current_quad), map_points(matrix, _UNIT))
        if is_plausible_card(new_quad, area, 0.01):
            current = _transform(current, np.linalg.inv(matrix))
            current_quad = new_quad
    pairs = match_lines(current, layout.lines)
    score, anchors = _score(pairs, layout)
    if anchors < 2:
        return None
    return CardFit(quad=current_quad, boxes=tuple(current), score=score, anchors_found=anchors)


_UNIT = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)
