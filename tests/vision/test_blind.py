"""Shake: a card blurred along a curved path is found blurred, its kernel found from the card
itself, and deconvolving with it makes its print read again; sharp print is left alone."""

from __future__ import annotations

import cv2
import numpy as np

from chile_id_ocr.card.layouts import FRONT_2013
from chile_id_ocr.locate.confirm import confirm
from chile_id_ocr.locate.fit import fit_card
from chile_id_ocr.locate.views import card_views, quad_views
from chile_id_ocr.models.ocr import get_engine
from chile_id_ocr.synth.generator import generate_front
from chile_id_ocr.vision.blind import BLURRED, Shaken, blur_kernel, shake_deblurred, sharpness
from chile_id_ocr.vision.decode import decode


def _printed_card() -> np.ndarray:
    """A card-sized page of dark print on a light ground, at the reading size."""
    page = np.full((694, 1100, 3), 225, np.uint8)
    for row in range(16):
        text = "MARCELA 21 FEB 1982 100.000.001-K" if row % 2 else "FECHA DE NACIMIENTO  NUMERO"
        _ = cv2.putText(page, text, (20, 40 + 41 * row), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (60, 40, 30), 2, cv2.LINE_AA)
    return page


def _shake() -> np.ndarray:
    """A looping path about 18 px across and 18 down (no straight line), slightly out of focus."""
    kernel = np.zeros((29, 29), np.float32)
    for a in np.linspace(0, 2.5 * np.pi, 600):
        kernel[round(14 + 8 * np.sin(a)), round(3 + 6 * (1 - np.cos(a)) + 1.2 * a)] += 1
    kernel = cv2.GaussianBlur(kernel, (0, 0), 2.0)
    return kernel / kernel.sum()


def test_a_shaken_page_measures_blurred() -> None:
    sharp = _printed_card()
    shaken = cv2.filter2D(sharp, -1, _shake(), borderType=cv2.BORDER_REFLECT)
    assert sharpness(cv2.cvtColor(sharp, cv2.COLOR_BGR2GRAY)) >= BLURRED
    assert sharpness(cv2.cvtColor(shaken, cv2.COLOR_BGR2GRAY)) < BLURRED


def test_a_shaken_card_reads_again() -> None:
    """A dev-split hard capture shaken along a knotted path (domain B's blur): its fit gets a
    restored view, sharper than the card as captured."""
    sample = generate_front(5026, "hard")
    assert sample.truth["capture"]["motion_blur"]["model"] == "shake"
    image = decode(sample.image).pixels
    quad = np.array(sample.truth["card_quad"], np.float32)
    fit = fit_card(image, quad, FRONT_2013, get_engine())
    assert fit is not None
    views = card_views(image, fit)
    assert len(views) == 2
    assert isinstance(views[0], Shaken) and not isinstance(views[1], Shaken)  # read through the shaken-card backbone
    assert sharpness(cv2.cvtColor(views[1], cv2.COLOR_BGR2GRAY)) > sharpness(cv2.cvtColor(views[0], cv2.COLOR_BGR2GRAY))


def test_a_shaken_card_is_confirmed() -> None:
    """Dev 5026's labels read through the shaken-card backbone: it was confirmed on neither view
    before it (an xfail until then)."""
    sample = generate_front(5026, "hard")
    image = decode(sample.image).pixels
    fit = fit_card(image, np.array(sample.truth["card_quad"], np.float32), FRONT_2013, get_engine())
    assert fit is not None
    confirmation = confirm(image, fit, FRONT_2013, get_engine())
    assert confirmation.confirmed and "APELLIDOS" in confirmation.words


def test_the_kernel_found_spans_the_shake() -> None:
    shaken = cv2.filter2D(_printed_card(), -1, _shake(), borderType=cv2.BORDER_REFLECT)
    kernel = blur_kernel(cv2.cvtColor(shaken, cv2.COLOR_BGR2GRAY))
    assert kernel.shape == (31, 31) and abs(float(kernel.sum()) - 1) < 1e-4 and kernel.min() >= 0
    ys, xs = np.nonzero(kernel > kernel.max() / 4)
    assert 10 <= xs.max() - xs.min() <= 26  # the path runs about 16 px across and 10 down
    assert 4 <= ys.max() - ys.min() <= 20


def test_sharp_print_is_left_alone() -> None:
    assert shake_deblurred(_printed_card()) is None


def test_only_a_shaken_cards_view_is_marked_shaken() -> None:
    sharp = _printed_card()
    h, w = sharp.shape[:2]
    quad = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    (view,) = quad_views(sharp, quad)
    assert not isinstance(view, Shaken)
    shaken = cv2.filter2D(sharp, -1, _shake(), borderType=cv2.BORDER_REFLECT)
    captured, restored = quad_views(shaken, quad)
    assert isinstance(captured, Shaken) and not isinstance(restored, Shaken)


def test_a_shaken_card_is_fitted_on_its_copy_with_the_shake_undone() -> None:
    """Dev 5030, shaken: on the candidate's small copy as captured the detector finds too few lines to
    place the design even at the card's true corners (no fit, measured); with the shake undone there, it does."""
    sample = generate_front(5030, "hard")
    assert sample.truth["capture"]["effects"] == ["motion_blur"]
    image = decode(sample.image).pixels
    quad = np.array(sample.truth["card_quad"], np.float32) * (image.shape[1] / sample.truth["image_size"][0])
    fit = fit_card(image, quad, FRONT_2013, get_engine())
    assert fit is not None
    assert confirm(image, fit, FRONT_2013, get_engine()).confirmed
