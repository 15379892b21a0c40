"""A card line printed for the recognizer's tests: dark text on a light card-like ground."""

from __future__ import annotations

import numpy as np


def printed_line(text: str, width: int = 300) -> np.ndarray:
    """``text`` printed dark on a light card-like ground in a Helvetica-like face, as a BGR line crop 50 px high."""
    from PIL import Image, ImageDraw, ImageFont

    from chile_id_ocr.synth.render import available_faces

    font = ImageFont.truetype(available_faces()[0].bold, 30)
    image = Image.new("RGB", (width, 50), (214, 222, 226))
    ImageDraw.Draw(image).text((10, 38), text, fill=(40, 40, 48), font=font, anchor="ls")
    return np.asarray(image)[:, :, ::-1].copy()
