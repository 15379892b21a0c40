"""The front's reading: value lines found and cropped on a fitted card (``crops``), read
(``reader``) and re-read where the recognizer's probabilities allow (``rereading``)."""

from chile_id_ocr.read.front.crops import (
    READ_WIDTH,
    LineReading,
    assign_lines,
    card_views,
    line_crops,
    starts_late,
)
from chile_id_ocr.read.front.reader import misread_labels, read_front, read_lines

__all__ = [
    "READ_WIDTH", "LineReading", "assign_lines", "card_views", "line_crops",
    "misread_labels", "read_front", "read_lines", "starts_late",
]  # fmt: skip
