"""What a read side adds besides its fields: the capture's assessment (is this the card itself, or a screen,
a photocopy or a printout showing it? ``models/recapture.py``) and, on request, the front's pictures
(``read/front/pictures.py``), as ``Recognition`` extensions: ``capture`` and ``crops``.

The assessment looks at the card where it was located (the front's fitted corners; for a back, the card
detector's region, or the whole frame: its outlines would cost a hundred milliseconds more) at a fixed small
size plus a few windows at the image's resolution: a bounded cost. It never changes a field or turns a result
into an error.
"""

from __future__ import annotations

import base64
from dataclasses import replace

import numpy as np

from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.models.recapture import assess
from chile_id_ocr.read.front.pictures import NAMES, picture_boxes, pictures
from chile_id_ocr.result import Recognition, Side
from chile_id_ocr.vision.decode import DecodedImage


def with_evidence(recognition: Recognition, decoded: DecodedImage, scene: Scene, *, crops: bool) -> Recognition:
    """``recognition`` with its ``capture`` assessment and, with ``crops``, its ``crops``."""
    if recognition.quad is not None:
        quad = np.asarray(recognition.quad, np.float64) * decoded.scale
    else:
        quad = np.asarray([*scene.mask_regions, scene.frame][0], np.float64)  # the card detector's: cheap
    back = recognition.side is Side.BACK
    extensions: dict[str, object] = {"capture": assess(decoded.pixels, quad, back).to_dict()}
    if crops:
        extensions["crops"] = _crops(recognition, decoded, quad)
    return replace(recognition, extensions={**recognition.extensions, **extensions})


def _crops(recognition: Recognition, decoded: DecodedImage, quad: np.ndarray) -> dict[str, str | None]:
    """The front's pictures as base64 PNG, None for each one the side does not show or the design does not place."""
    found: dict[str, bytes] = {}
    if recognition.side is Side.FRONT and recognition.quad is not None:
        front = recognition.extensions.get("front")
        layout = str(front.get("layout", "")) if isinstance(front, dict) else ""
        values = [np.asarray(r.box, np.float64) * decoded.scale
                  for name, r in recognition.fields.items() if r.box is not None and name != "number"]  # fmt: skip
        found = pictures(decoded.pixels, quad, picture_boxes(layout, quad, values))
    return {name: base64.b64encode(found[name]).decode("ascii") if name in found else None for name in NAMES}


def both_sides(fused: Recognition, front: Recognition, back: Recognition) -> Recognition:
    """The fused result's ``capture``: the side that looks more like a recapture, with each side's own; its
    ``crops`` are the front's."""
    sides = {"front": front.extensions.get("capture"), "back": back.extensions.get("capture")}
    scored = {k: v for k, v in sides.items() if isinstance(v, dict)}
    extensions = dict(fused.extensions)
    if scored:
        worst = max(scored, key=lambda side: float(scored[side]["score"]))
        extensions["capture"] = {**scored[worst], "sides": scored}
    if "crops" in front.extensions:
        extensions["crops"] = front.extensions["crops"]
    return replace(fused, extensions=extensions)
