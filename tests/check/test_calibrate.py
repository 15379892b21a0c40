"""The shipped calibration: a reading that is mostly doubt is no result, and the checks'
confidences are kept unless the fitted remap lets fewer wrong fields look sure."""

from __future__ import annotations

from datetime import date

import pytest

from chile_id_ocr.check.calibrate import Calibration, calibrated, shipped, too_doubtful
from chile_id_ocr.errors import PoorImageError
from chile_id_ocr.pipeline import read_side
from chile_id_ocr.result import FIELD_NAMES, FieldReading, Recognition, Side
from chile_id_ocr.synth import generate_back
from skips import needs_template  # the generator's template is missing: FAIL under CI, skip elsewhere


def _reading(doubtful: int) -> Recognition:
    """A front whose first ``doubtful`` fields are under 0.5."""
    return Recognition(
        fields={name: FieldReading("X", 0.2 if k < doubtful else 0.95) for k, name in enumerate(FIELD_NAMES)}
    )


def test_the_shipped_model_keeps_the_checks_confidences_and_sets_a_gate() -> None:
    model = shipped()
    assert model is not None and not model.remap and 2 <= model.too_doubtful <= 6
    reading = _reading(1)
    assert calibrated(reading, model) is reading


@pytest.mark.parametrize(("doubtful", "refused"), [(3, False), (4, True), (9, True)])
def test_a_reading_mostly_doubt_is_no_result(doubtful: int, refused: bool) -> None:
    model = Calibration({}, 0.0, too_doubtful=4, remap=False)
    assert (too_doubtful(_reading(doubtful), model) is not None) is refused


@pytest.mark.parametrize(
    ("doubtful", "side", "refused"),
    [
        (("sex", "birth", "expiry_date"), Side.BACK, True),  # the MRZ's second line gave nothing
        (("sex", "birth"), Side.BACK, False),
        (("surname", "given_name", "nationality"), Side.BACK, False),
        (("sex", "birth", "expiry_date"), Side.FRONT, False),  # a front's fields come from their own lines
    ],
)
def test_a_back_without_its_mrz_second_line_is_no_result(doubtful: tuple[str, ...], side: Side, refused: bool) -> None:
    model = Calibration({}, 0.0, too_doubtful=4, remap=False)
    reading = Recognition(
        fields={name: FieldReading("X", 0.2 if name in doubtful else 0.95) for name in FIELD_NAMES}, side=side
    )
    assert (too_doubtful(reading, model) is not None) is refused


def test_a_remap_replaces_the_confidences_when_kept() -> None:
    model = Calibration({"logit": 1.0}, -3.0, too_doubtful=4)  # log-odds shifted down by 3
    got = calibrated(_reading(0), model)
    assert all(f.confidence < 0.5 for f in got.fields.values())


@needs_template
def test_a_garbage_back_is_refused() -> None:
    """A back whose MRZ was read cut short (most check digits fail) is no result."""
    with pytest.raises(PoorImageError, match="too little of the card could be read"):
        read_side(generate_back(5001, "photo", domain="A").image, date(2026, 12, 1), shipped())
