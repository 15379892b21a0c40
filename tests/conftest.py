"""Shared fixtures: the real card images of ../shared/real and their ground truth."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from skips import missing

REPO = Path(__file__).resolve().parents[1]


def real_dir() -> Path | None:
    for candidate in (os.environ.get("CHILE_ID_OCR_REAL_DIR"), REPO.parent / "shared" / "real"):
        if candidate and (Path(candidate) / "ground_truth.json").is_file():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def real() -> Path:
    found = real_dir()
    if found is None:
        missing("../shared/real is not available", "run with the real images beside the checkout")
    return found


@pytest.fixture(scope="session")
def template() -> Path:
    """The front template the generator finds by itself (``$CHILE_ID_OCR_TEMPLATE`` or ``shared/real``), with the
    back template beside it: where it found the front."""
    from chile_id_ocr.synth.back import find_back_template
    from chile_id_ocr.synth.template import TemplateNotFoundError, find_template

    try:
        find_back_template()
        return find_template()
    except TemplateNotFoundError as exc:
        reason = str(exc)
    missing(f"the card template is not available: {reason}", "run with the real images beside the checkout")


@pytest.fixture(scope="session")
def ground_truth(real: Path) -> dict[str, dict]:
    return json.loads((real / "ground_truth.json").read_text())["images"]
