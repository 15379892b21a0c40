"""Shared fixtures: the real card images of ../shared/real and their ground truth."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

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
        if os.environ.get("CI"):
            pytest.fail("../shared/real is missing: CI must run with the real images beside the checkout")
        pytest.skip("../shared/real not available")
    return found


@pytest.fixture(scope="session")
def ground_truth(real: Path) -> dict[str, dict]:
    return json.loads((real / "ground_truth.json").read_text())["images"]
