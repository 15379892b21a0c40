"""The one rule for a test that needs something outside the checkout (the real images, the card template, Ray):
under CI (``CI`` set) its absence FAILS the run with what is missing and how CI gets it; elsewhere the test is
skipped. A plain ``skip``/``skipif`` would let CI pass green having run none of those tests.

``tests/`` is on ``sys.path``: ``from skips import missing``. The fixtures built on it are in ``conftest.py``
(``real``, ``template``); ``needs_template`` marks a test that needs the template without taking it as an argument.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def under_ci() -> bool:
    return bool(os.environ.get("CI"))


def missing(what: str, how: str) -> NoReturn:
    """``what`` is not here: fail under CI (``how`` says how CI must provide it), skip elsewhere."""
    if under_ci():
        pytest.fail(f"{what}: CI must have it ({how})", pytrace=False)
    pytest.skip(what)


needs_template = pytest.mark.usefixtures("template")
