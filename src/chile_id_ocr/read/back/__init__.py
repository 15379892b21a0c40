"""The back: its QR code (``qr``), its MRZ found (``mrz_search``) and read (``mrz_read``), the text
over it (``text``), and the whole back read (``reader``)."""

from chile_id_ocr.locate.mrz_band import MrzBlock, MrzSeenError, MrzWatch, find_mrz_blocks, shows_mrz
from chile_id_ocr.locate.mrz_read import MrzReading
from chile_id_ocr.locate.qr import QrFind, QrHint, find_qr
from chile_id_ocr.read.back.reader import BackReading, read_back
from chile_id_ocr.read.back.text import BackText, TextLine

__all__ = [
    "BackReading", "BackText", "MrzBlock", "MrzReading", "MrzSeenError", "MrzWatch", "QrFind", "QrHint", "TextLine",
    "find_mrz_blocks", "find_qr", "read_back", "shows_mrz",
]  # fmt: skip
