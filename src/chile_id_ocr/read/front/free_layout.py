"""Read a front located by its labels (``locate/labels.py``: a design not described, such as the
one issued from December 2024): each value next to its label, like the 2013 design's."""

from __future__ import annotations

from chile_id_ocr.locate.labels import find_by_labels
from chile_id_ocr.locate.scene import Scene
from chile_id_ocr.read.front.reader import FrontReading, read_as_fitted


def read_unknown_layout(scene: Scene, *, stop_at_mrz: bool = True) -> FrontReading | None:
    """The front read from its labels, or None when no card candidate shows enough of them (or,
    with ``stop_at_mrz``, a text detection showed an MRZ)."""
    located = find_by_labels(scene, stop_at_mrz=stop_at_mrz)
    if located is None:
        return None
    return read_as_fitted(located.views, located.fit, located.layout, scene.engine)
