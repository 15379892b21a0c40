"""The crafted decoding bombs of ``bench/bombs.py`` (one maker per attack, shared by the tests and the probes)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parents[1] / "bench" / "bombs.py"
_spec = importlib.util.spec_from_file_location("bench_bombs", _PATH)
assert _spec is not None and _spec.loader is not None
bombs = importlib.util.module_from_spec(_spec)
sys.modules["bench_bombs"] = bombs
_spec.loader.exec_module(bombs)
