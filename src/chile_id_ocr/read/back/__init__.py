"""The back read once located (``locate/back.py``): its QR payload, its MRZ and the text over it
(``text``), together (``reader``)."""

from chile_id_ocr.locate.mrz_read import MrzReading
from chile_id_ocr.read.back.reader import BackReading, read_back
from chile_id_ocr.read.back.text import BackText, TextLine

__all__ = ["BackReading", "BackText", "MrzReading", "TextLine", "read_back"]
