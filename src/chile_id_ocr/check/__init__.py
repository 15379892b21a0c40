"""Readings in, checked fields out: each side's values validated with the card's rules and
given confidences (``front``, ``back``), and a front and a back fused field by field (``fuse``)."""

from chile_id_ocr.check.back import NotChileanCardError, check_back
from chile_id_ocr.check.front import check_front
from chile_id_ocr.check.fuse import fuse

__all__ = ["NotChileanCardError", "check_back", "check_front", "fuse"]
