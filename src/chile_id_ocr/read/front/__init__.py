"""The front's reading: value lines found and cropped on a fitted card (``crops``), read
(``reader``) and re-read where the recognizer's probabilities allow (``rereading``)."""

from chile_id_ocr.read.front.crops import LineReading, assign_lines, line_crops, starts_late
from chile_id_ocr.read.front.reader import (
    FrontReading,
    misread_labels,
    rate,
    read_front,
    read_lines,
    reads_as_printed,
    trusted,
)

__all__ = [
    "FrontReading", "LineReading", "assign_lines", "line_crops",
    "misread_labels", "rate", "read_front", "read_lines", "reads_as_printed", "starts_late", "trusted",
]  # fmt: skip
