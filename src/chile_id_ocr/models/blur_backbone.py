"""The shaken-card backbone: PP-OCR's recognizer backbone with weights fine-tuned so that a line
of a card shaken or blurred by the camera gives the features the original gives for the line
captured still (``training/blur_backbone.py``: a distillation on pairs of generated photos with
and without the blur). Every reader over the features (the general classifier, the card head,
the card reader) reads through it unchanged.

The graph is the rapidocr wheel's own; only the fine-tuned convolution weights ship
(``weights/blur_backbone.npz``, float16), put in place of the original ones at load time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from chile_id_ocr.models.card_head import backbone_graph, cpu_session

WEIGHTS = Path(__file__).with_name("weights") / "blur_backbone.npz"
T = TypeVar("T")


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


class OnFirstUse(Generic[T]):
    """A model loaded the first time it is asked for, then kept: one object shared by an engine and
    every per-image copy of it (``OcrEngine.for_one_image``). The shaken-card backbone costs 0.26 s
    and 23 MB: a worker that never sees a shaken card never loads it.

    >>> calls = []
    >>> lazy = OnFirstUse(lambda: calls.append(1) or "model")
    >>> lazy.loaded, lazy.get(), lazy.get(), lazy.loaded, len(calls)
    (False, 'model', 'model', True, 1)
    """

    def __init__(self, load: Callable[[], T | None]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._value: T | None = None
        self.loaded = False

    def get(self) -> T | None:
        """The model, loaded now if it was not yet (None where there is none to load)."""
        if not self.loaded:
            with self._lock:
                if not self.loaded:
                    self._value = self._load()
                    self.loaded = True
        return self._value
