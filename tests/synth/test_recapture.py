"""The generator's recaptures: deterministic per seed, the truth's corners where the card is, each attack doing what
it says (a photocopy has no colour left), the development and test seeds apart."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from chile_id_ocr.synth.recapture import DEV_SEEDS, KINDS, PATTERN, TEST_SEEDS, generate_recapture, seed_jobs
from skips import needs_template


def _card(sample_image: bytes, quad: list[list[float]]) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(sample_image, np.uint8), cv2.IMREAD_COLOR)
    dst = np.array([[0, 0], [320, 0], [320, 202], [0, 202]], np.float32)
    matrix = cv2.getPerspectiveTransform(np.array(quad, np.float32), dst)
    return cv2.warpPerspective(image, matrix, (320, 202))


def test_the_seed_splits_are_apart_and_balanced() -> None:
    assert set(DEV_SEEDS).isdisjoint(TEST_SEEDS)
    jobs = seed_jobs(TEST_SEEDS, 50)
    assert len({seed for seed, _ in jobs}) == 50
    kinds = [kind for _, kind in jobs]
    assert kinds.count("original") == 20 and all(kinds.count(k) == 10 for k in KINDS[1:])
    assert set(PATTERN) == set(KINDS)


def _scanned(kind: str) -> tuple[int, bytes, dict]:
    """The first seed whose ``kind`` was scanned (flat: the truth's corners are exact), its image and truth."""
    for seed in range(40):
        sample = generate_recapture(seed, kind)
        if sample.truth["recapture"]["captured_by"] == "scan" and sample.truth["side"] == "front":
            return seed, sample.image, sample.truth
    raise AssertionError(f"no scanned {kind} front in 40 seeds")


@needs_template
@pytest.mark.parametrize("kind", ["photocopy", "printout"])
def test_an_attack_is_deterministic_and_its_card_where_the_truth_says(kind: str) -> None:
    """On a scanned attack (a photographed one may be bent: its corners are then the card's, not its outline)."""
    seed, image, truth = _scanned(kind)
    assert generate_recapture(seed, kind).image == image
    assert truth["recapture"]["kind"] == kind
    original = generate_recapture(seed, "original")  # the same person's card, captured as itself
    seen, plain = (cv2.cvtColor(_card(i, t["card_quad"]), cv2.COLOR_BGR2GRAY) for i, t in
                   ((image, truth), (original.image, original.truth)))  # fmt: skip
    a, b = (cv2.GaussianBlur(c, (0, 0), 3).astype(np.float64) for c in (seen, plain))
    a, b = a - a.mean(), b - b.mean()
    assert float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum())) > 0.5  # the same card, in the same place


@needs_template
def test_a_photocopy_has_no_colour_left() -> None:
    copy, original = generate_recapture(8, "photocopy"), generate_recapture(8, "original")
    saturation = [
        float(cv2.cvtColor(_card(s.image, s.truth["card_quad"]), cv2.COLOR_BGR2HSV)[..., 1].mean())
        for s in (copy, original)
    ]
    assert saturation[0] < 0.5 * saturation[1]
