"""chile-id-ocr: read Chilean identity cards from photos and scans.

>>> from chile_id_ocr import recognize  # doctest: +SKIP
>>> recognize(open("card.jpg", "rb").read()).to_api()["number"]  # doctest: +SKIP
'12.749.625-K'

The names below are imported on first use, so that importing a light submodule
(``chile_id_ocr.card.run``, the generator) does not load the recognition stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chile_id_ocr.errors import RecognitionError
    from chile_id_ocr.pipeline import recognize
    from chile_id_ocr.result import Recognition

__all__ = ["Recognition", "RecognitionError", "recognize"]
__version__ = "0.1.0"

_EXPORTS = {
    "recognize": "chile_id_ocr.pipeline",
    "Recognition": "chile_id_ocr.result",
    "RecognitionError": "chile_id_ocr.errors",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'chile_id_ocr' has no attribute {name!r}")
