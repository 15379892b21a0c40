"""Quantize PP-OCR's text detector to 8-bit integers (``chile_id_ocr/models/weights/text_det_int8.onnx``).

The detector shipped in the rapidocr wheel (PP-OCRv6 det small) costs about 170 ms for one card
rectified to 512 x 320 on one core: most of a front's time. Its static int8 version (weights per
channel, activations per tensor, in ONNX's QDQ form, which ONNX Runtime runs with integer kernels)
costs about 40 ms on a CPU with AVX-512 VNNI. It finds nearly the same lines on fronts, but misses
more of a hard back's (dev backs, hard captures: 97.8 % of fields with the float detector, 93.4 % with
this one), so the product runs it only where ``CHILE_ID_OCR_INT8_DETECTOR=1`` asks for speed.

Calibration (the activations' ranges) runs the float model on synthetic captures of seeds of their
own (310000 on: never the benchmark's dev 5000.. or test 100000.. seeds), as the product shows them
to the detector: cards rectified to 512 px wide, and whole photos, hard captures and pages shrunk to
a longer side of 736 to 960 px, fronts and backs.

    python training/quantize.py --out src/chile_id_ocr/models/weights/text_det_int8.onnx

Needs only the product's own dependencies (onnx, onnxruntime, which carries the quantization tools).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

CARD_SIZE = (512, 320)  # a rectified card as ``locate/fit.py`` shows it (sides rounded to 32)
_KINDS = (("front", "photo"), ("front", "hard"), ("front", "page"), ("back", "photo"), ("back", "hard"),
          ("front", "scan"), ("back", "page"), ("front", "photo"))  # fmt: skip


def source_model() -> Path:
    """The float detector in the rapidocr wheel."""
    import rapidocr

    from chile_id_ocr.models.ocr import DET_MODEL

    return Path(rapidocr.__file__).parent / "models" / DET_MODEL


def _as_input(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The detector's input: resized, scaled to [-1, 1], channels first, a batch of one."""
    x = cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    return ((x / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)[np.newaxis]


def _whole_size(shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, int]:
    h, w = shape[:2]
    scale = float(rng.uniform(736, 960)) / max(h, w)
    return max(32, round(w * scale / 32) * 32), max(32, round(h * scale / 32) * 32)


def calibration_inputs(seeds: range) -> Iterator[np.ndarray]:
    """Per seed, the detector's input for its card rectified and for its whole capture."""
    from chile_id_ocr.synth.generator import generate_back, generate_front

    rng = np.random.default_rng(seeds.start)
    for seed in seeds:
        side, condition = _KINDS[seed % len(_KINDS)]
        sample = (generate_front if side == "front" else generate_back)(seed, condition)
        image = cv2.imdecode(np.frombuffer(sample.image, np.uint8), cv2.IMREAD_COLOR)
        quad = np.array(sample.truth["card_quad"], np.float32) * (image.shape[1] / sample.truth["image_size"][0])
        w, h = CARD_SIZE
        to_card = cv2.getPerspectiveTransform(quad, np.float32([[0, 0], [w, 0], [w, h], [0, h]]))
        yield _as_input(cv2.warpPerspective(image, to_card, CARD_SIZE), CARD_SIZE)
        yield _as_input(image, _whole_size(image.shape, rng))


def quantize(out: Path, seeds: range) -> None:
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    inputs = list(calibration_inputs(seeds))

    class Reader(CalibrationDataReader):
        def __init__(self, name: str) -> None:
            self._name, self._left = name, iter(inputs)

        def get_next(self) -> dict[str, np.ndarray] | None:
            x = next(self._left, None)
            return None if x is None else {self._name: x}

    with tempfile.TemporaryDirectory() as tmp:
        # Per-channel weights need opset 13's DequantizeLinear (the wheel's model is older).
        model = version_converter.convert_version(onnx.load(str(source_model())), 13)
        opset13, prepared = Path(tmp) / "opset13.onnx", Path(tmp) / "prepared.onnx"
        onnx.save(model, str(opset13))
        quant_pre_process(str(opset13), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared), str(out), Reader(model.graph.input[0].name), quant_format=QuantFormat.QDQ,
            per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
        )  # fmt: skip
    print(f"{len(inputs)} calibration inputs; int8 detector -> {out} ({out.stat().st_size // 1024} KB)")


def compare(model: Path, seeds: range) -> None:
    """The float and int8 detectors on other seeds: ms per rectified card (one thread) and how many
    of the probability map's pixels fall on the same side of the detector's 0.3 threshold."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    cpu = ["CPUExecutionProvider"]
    sessions = [ort.InferenceSession(str(p), options, providers=cpu) for p in (source_model(), model)]
    inputs = list(calibration_inputs(seeds))
    maps: list[list[np.ndarray]] = []
    for session in sessions:
        name = session.get_inputs()[0].name
        session.run(None, {name: inputs[0]})
        start = time.process_time()
        maps.append([session.run(None, {name: x})[0] for x in inputs[::2]])
        ms = (time.process_time() - start) / len(inputs[::2]) * 1000
        maps[-1] += [session.run(None, {name: x})[0] for x in inputs[1::2]]
        print(f"{'float' if session is sessions[0] else 'int8 '}: {ms:.0f} ms per rectified card")
    agree = np.mean([((a > 0.3) == (b > 0.3)).mean() for a, b in zip(*maps, strict=True)])
    print(f"probability map pixels on the same side of 0.3: {100 * agree:.2f} %")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds", default="310000:310040", help="calibration seeds, first:last")
    parser.add_argument("--compare", default="310100:310120", help="seeds to compare float and int8 on")
    args = parser.parse_args(argv)
    first, last = (int(x) for x in args.seeds.split(":"))
    quantize(args.out, range(first, last))
    first, last = (int(x) for x in args.compare.split(":"))
    compare(args.out, range(first, last))
    return 0


if __name__ == "__main__":
    sys.exit(main())
