"""The shaken-card backbone: PP-OCR's recognizer backbone with weights fine-tuned so that a line
of a card shaken or blurred by the camera gives the features the original gives for the line
captured still (``training/blur_backbone.py``: a distillation on pairs of generated photos with
and without the blur). Every reader over the features (the general classifier, the card head,
the card reader) reads through it unchanged.

The graph is the rapidocr wheel's own; only the fine-tuned convolution weights ship
(``weights/blur_backbone.npz``, float16), put in place of the original ones at load time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from chile_id_ocr.models.card_head import backbone_graph, cpu_session

WEIGHTS = Path(__file__).with_name("weights") / "blur_backbone.npz"


@dataclass(frozen=True)
class BlurBackbone:
    """The fine-tuned backbone as an ONNX session."""

    session: Any
    input_name: str

    @classmethod
    def load(cls, path: Path = WEIGHTS, threads: int = 1) -> BlurBackbone | None:
        """The backbone with the weights in ``path`` in place of the original ones; None where there are none."""
        if not path.is_file():
            return None
        import onnx
        from onnx import numpy_helper

        proto = onnx.load_from_string(backbone_graph())
        with np.load(path) as tuned:
            for k, init in enumerate(proto.graph.initializer):
                if init.name in tuned.files:
                    new = numpy_helper.from_array(tuned[init.name].astype(np.float32), init.name)
                    proto.graph.initializer[k].CopyFrom(new)
        session = cpu_session(proto.SerializeToString(), threads)
        return cls(session, session.get_inputs()[0].name)

    def features(self, batch: np.ndarray) -> np.ndarray:
        """The features of one prepared crop (1, 3, 48, width): (time steps, features)."""
        return self.session.run(None, {self.input_name: batch})[0][0]


@lru_cache(maxsize=1)
def get_blur_backbone(threads: int = 1) -> BlurBackbone | None:
    """The process's shaken-card backbone, loaded on first use (the first shaken card: 0.26 s and 23 MB
    that a worker which never sees one never spends); None when its weights are not installed."""
    return BlurBackbone.load(threads=threads)
