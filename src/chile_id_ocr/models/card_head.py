"""A recognizer head specialised to the card's printed values.

PP-OCR's recognizer is a backbone that turns a line image into one feature vector
per time step, then a linear classifier over 18,710 characters. Its features see
accents well, but its classifier, trained on text where accented capitals are rare,
often reads Ñ as N and Á as A. The card head is a new classifier over the characters
a card prints (capitals with their accents, digits, a few signs), trained on the
backbone's features of synthetic card lines (``training/card_head.py``). It ships
as a small array file in the package; the backbone comes from the RapidOCR wheel.

>>> chars = ("blank", "N", "Ñ", "A")
>>> probs = np.array([[0.1, 0.8, 0.1, 0.0], [0.1, 0.8, 0.1, 0.0], [0.9, 0.0, 0.0, 0.1], [0.0, 0.0, 0.0, 1.0]])
>>> ctc_greedy(probs, chars)
('NA', 0.9)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

HEAD_FILE = Path(__file__).with_name("weights") / "card_head.npz"


@dataclass(frozen=True)
class CardHead:
    """A linear classifier from backbone features to the card's characters (index 0: the CTC blank)."""

    weight: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)
    characters: tuple[str, ...]

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Per time step, the probability of each character: (time, features) -> (time, classes)."""
        probs = features @ self.weight
        probs += self.bias
        probs -= probs.max(axis=1, keepdims=True)
        np.exp(probs, out=probs)
        probs /= probs.sum(axis=1, keepdims=True)
        return probs

    def save(self, path: Path) -> None:
        np.savez_compressed(path, weight=self.weight, bias=self.bias, characters=np.array(self.characters))

    @classmethod
    def load(cls, path: Path = HEAD_FILE) -> CardHead | None:
        if not path.is_file():
            return None
        with np.load(path) as data:
            return cls(
                weight=data["weight"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
                characters=tuple(str(c) for c in data["characters"]),
            )


def ctc_greedy(probs: np.ndarray, characters: tuple[str, ...]) -> tuple[str, float]:
    """Best-path CTC decoding: the text and the mean probability of its characters."""
    best = probs.argmax(axis=1)
    keep = (best != 0) & np.concatenate([[True], best[1:] != best[:-1]])
    chars = [characters[i] for i in best[keep]]
    if not chars:
        return "", 0.0
    return "".join(chars).strip(), round(float(probs[keep, best[keep]].mean()), 6)


def ctc_log_likelihood(probs: np.ndarray, characters: tuple[str, ...], text: str) -> float:
    """The log-probability that the line whose per-step ``probs`` these are reads ``text``,
    summed over every CTC alignment (the forward algorithm); -inf when ``text`` has a
    character outside ``characters`` or is longer than the line allows.

    >>> chars = ("blank", "N", "Ñ", "A")
    >>> probs = np.array([[0.1, 0.6, 0.3, 0.0], [0.9, 0.0, 0.0, 0.1], [0.0, 0.0, 0.0, 1.0]])
    >>> [round(float(np.exp(ctc_log_likelihood(probs, chars, text))), 3) for text in ("NA", "ÑA", "AN")]
    [0.6, 0.3, 0.0]
    """
    return ctc_log_likelihoods(probs, characters, [text])[0]


def ctc_log_likelihoods(probs: np.ndarray, characters: tuple[str, ...], texts: Sequence[str]) -> list[float]:
    """``ctc_log_likelihood`` of each of ``texts``, those of one length run side by side (one pass
    over the line's steps for all the spellings of a word).

    >>> chars = ("blank", "N", "Ñ", "A")
    >>> probs = np.array([[0.1, 0.6, 0.3, 0.0], [0.9, 0.0, 0.0, 0.1], [0.0, 0.0, 0.0, 1.0]])
    >>> [round(float(np.exp(value)), 3) for value in ctc_log_likelihoods(probs, chars, ["NA", "A", "ÑA", "X"])]
    [0.6, 0.1, 0.3, 0.0]
    """
    index = {c: i for i, c in enumerate(characters)}
    found = [float("-inf")] * len(texts)
    by_length: dict[int, list[int]] = {}
    for k, text in enumerate(texts):
        if all(c in index for c in text):
            by_length.setdefault(len(text), []).append(k)
    for length, ks in by_length.items():
        labels = np.zeros((len(ks), 2 * length + 1), np.int64)  # blanks between and around the characters
        labels[:, 1::2] = [[index[c] for c in texts[k]] for k in ks]
        for k, value in zip(ks, _forward(probs, labels), strict=True):
            found[k] = value
    return found


def _forward(probs: np.ndarray, labels: np.ndarray) -> list[float]:
    """The CTC forward algorithm over the rows of ``labels`` (texts of one length, blanks between)."""
    # A state may be reached from two back, skipping a blank, unless it repeats that character.
    skip = np.zeros(labels.shape, bool)
    skip[:, 3::2] = labels[:, 3::2] != labels[:, 1:-2:2]
    alpha = np.zeros(labels.shape)
    alpha[:, :2] = probs[0, labels[:, :2]]
    log_scale = np.zeros(len(labels))
    alive = np.ones(len(labels), bool)
    for t in range(1, probs.shape[0]):
        moved = alpha.copy()
        moved[:, 1:] += alpha[:, :-1]
        moved[:, 2:] += np.where(skip[:, 2:], alpha[:, :-2], 0.0)
        alpha = moved * probs[t, labels]
        total = alpha.sum(axis=1)
        alive &= total > 0
        total = np.where(alive, total, 1.0)
        alpha /= total[:, None]
        log_scale += np.log(total)
    end = alpha[:, -2:].sum(axis=1) if labels.shape[1] > 1 else alpha[:, -1]
    alive &= end > 0
    return [float(np.log(e) + s) if ok else float("-inf") for e, s, ok in zip(end, log_scale, alive, strict=True)]


def cpu_session(model: str | bytes, threads: int = 1) -> Any:
    """An ONNX Runtime session of ``model`` (a path or the graph's bytes) on the CPU, with
    ``threads`` intra-op threads and quiet logs."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


REC_MODEL = "PP-OCRv6_rec_small.onnx"  # the recognizer, in the rapidocr wheel


@lru_cache(maxsize=1)
def _recognizer() -> tuple[bytes, CardHead]:
    import rapidocr

    return feature_model(Path(rapidocr.__file__).parent / "models" / REC_MODEL)


def backbone_graph() -> bytes:
    """The recognizer's ONNX graph cut before its classifier (``feature_model``), serialised."""
    return _recognizer()[0]


def general_classifier() -> CardHead:
    """The recognizer's own classifier over its 18,710 characters (``feature_model``)."""
    return _recognizer()[1]


def feature_model(model_path: Path) -> tuple[bytes, CardHead]:
    """The recognizer's ONNX graph cut before its classifier, and that classifier.

    The classifier is the graph's last MatMul with a constant weight, followed by the
    bias Add; the cut graph outputs the MatMul's input, one feature vector per step.
    """
    import onnx
    from onnx import numpy_helper

    proto = onnx.load(str(model_path))
    graph = proto.graph
    constants = {init.name: init for init in graph.initializer}
    last = max(i for i, node in enumerate(graph.node) if node.op_type == "MatMul" and node.input[1] in constants)
    matmul = graph.node[last]
    bias_add = next(node for node in graph.node[last + 1 :] if node.op_type == "Add" and matmul.output[0] in node.input)
    weight = numpy_helper.to_array(constants[matmul.input[1]])
    bias_name = next(name for name in bias_add.input if name in constants)
    bias = numpy_helper.to_array(constants[bias_name])
    kept = list(graph.node[:last])
    del graph.node[:]
    graph.node.extend(kept)
    used = {name for node in kept for name in node.input}
    inits = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    del graph.output[:]
    graph.output.append(onnx.helper.make_tensor_value_info(matmul.input[0], onnx.TensorProto.FLOAT, None))
    # The model's own character list, framed as RapidOCR's decoder frames it: blank first, space last.
    listed = next(prop.value for prop in proto.metadata_props if prop.key == "character").splitlines()
    general = CardHead(weight.astype(np.float32), bias.astype(np.float32), ("blank", *listed, " "))
    return proto.SerializeToString(), general
