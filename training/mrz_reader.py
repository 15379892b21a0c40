"""Train the MRZ reader (``chile_id_ocr/models/mrz_reader.py``): a small convolutional and
recurrent head over PP-OCR's recognizer backbone that reads OCR-B's 37 symbols (0-9, A-Z, <).

Data: synthetic backs (``chile_id_ocr.synth``) in every condition (scan, photo, hard: blur,
low light, small cards, perspective, JPEG) and both domains. Each MRZ line is cut out of
the captured image the way ``locate/mrz_read.py`` cuts it (level, at the recognizer's
height, a reach of 0.5 to 0.95 line pitches), its place taken from the generator's card
corners and jittered (shifted, tilted, padded) as a located block would be; each crop's
backbone features are kept with the printed line. Generator seeds 300000 and up train;
the benchmark's dev seeds (5000 and up) measure, per condition, the general recognizer's
line accuracy against the reader's (greedy and constrained by the TD1 grammar).

    python training/mrz_reader.py collect --seeds 300000:301600 --jobs 2 --out /tmp/mrz_train.npz
    python training/mrz_reader.py collect --seeds 5000:5150 --jobs 2 --out /tmp/mrz_dev.npz --dev
    python training/mrz_reader.py train --data /tmp/mrz_train.npz [more.npz ...] --dev /tmp/mrz_dev.npz \
        --out src/chile_id_ocr/models/weights/mrz_reader.onnx

``train`` needs PyTorch (the ``train`` extra, CPU build); the product runs the exported ONNX.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

# Training draws hard captures twice as often: they are where the general recognizer fails.
TRAIN_CONDITIONS = ("scan", "photo", "hard", "hard")
DEV_CONDITIONS = ("scan", "photo", "hard")
SYMBOLS = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _line_quads(truth: dict, shape: tuple[int, ...], rng: np.random.Generator | None) -> list[np.ndarray]:
    """The three MRZ lines' crop quadrilaterals in the decoded image of ``shape`` (shrunk when
    large), as ``mrz_read`` cuts them (reach 0.7 pitches), or jittered with ``rng``."""
    import cv2

    from chile_id_ocr.synth import back

    tpl = back.prepared_back_template()
    s = tpl.scale
    h, w = tpl.image.shape[:2]
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    shrink = shape[1] / truth["image_size"][0]
    to_image = cv2.getPerspectiveTransform(corners, np.array(truth["card_quad"], np.float32) * shrink)
    pitch = (back._MRZ_BASELINES[1] - back._MRZ_BASELINES[0]) * s
    u0, u1 = back._MRZ_X * s, (back._MRZ_X + 29 * back._MRZ_PITCH + back._MRZ_CAP * 0.6) * s
    quads = []
    for baseline in back._MRZ_BASELINES:
        v = (baseline - back._MRZ_CAP / 2) * s
        reach, pad, dv, tilt = 0.7, 0.02 * (u1 - u0) + 0.5 * pitch, 0.0, 0.0
        if rng is not None:
            reach = rng.uniform(0.5, 0.95)
            pad *= rng.uniform(0.3, 1.6)
            dv = rng.normal(0, 0.08) * pitch
            tilt = rng.normal(0, 0.01)
        a, b = u0 - pad * (rng.uniform(0.5, 1.5) if rng is not None else 1), u1 + pad
        half = reach * pitch
        quad = np.array([[a, v - half], [b, v - half], [b, v + half], [a, v + half]], np.float32)
        quad[:, 1] += dv + tilt * (quad[:, 0] - (a + b) / 2)
        quads.append(cv2.perspectiveTransform(quad[None], to_image)[0])
    return quads


def _crop(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    from chile_id_ocr.locate.mrz_read import LINE_HEIGHT
    from chile_id_ocr.vision.geometry import rectify

    width = float(np.linalg.norm(quad[1] - quad[0]))
    height = float(np.linalg.norm(quad[3] - quad[0]))
    return rectify(image, quad, max(16, round(LINE_HEIGHT * width / max(height, 1.0))), LINE_HEIGHT)


def _init_worker() -> None:
    os.environ["CHILE_ID_OCR_THREADS"] = "1"


def _collect_one(job: tuple[int, str, int, bool]) -> list[tuple[np.ndarray, str, str, str]]:
    """Per line crop: features, printed line, condition, and (dev only) the general recognizer's reading."""
    from chile_id_ocr.card.mrz import normalize_line
    from chile_id_ocr.models.ocr import get_engine
    from chile_id_ocr.synth.generator import generate_back
    from chile_id_ocr.vision.decode import decode

    seed, condition, copies, dev = job
    engine = get_engine()
    sample = generate_back(seed, condition)
    pixels = decode(sample.image).pixels
    rng = np.random.default_rng(seed)
    out = []
    for copy in range(copies):
        quads = _line_quads(sample.truth, pixels.shape, None if dev or copy == 0 else rng)
        for quad, line in zip(quads, sample.truth["mrz"], strict=True):
            crop = _crop(pixels, quad)
            general = normalize_line(engine.read([crop])[0].text) if dev else ""
            out.append((engine.features(crop).astype(np.float16), line, condition, general))
    return out


def collect(seeds: range, jobs: int, out: Path, copies: int, dev: bool) -> None:
    conditions = DEV_CONDITIONS if dev else TRAIN_CONDITIONS
    if dev:  # every dev seed in every condition, as bench/accuracy.py draws them
        work = [(seed, cond, 1, True) for seed in seeds for cond in conditions]
    else:
        work = [(seed, conditions[seed % len(conditions)], copies, False) for seed in seeds]
    rows: list[tuple[np.ndarray, str, str, str]] = []
    start = time.time()
    with mp.get_context("spawn").Pool(jobs, initializer=_init_worker) as pool:
        for i, lines in enumerate(pool.imap_unordered(_collect_one, work, chunksize=4), 1):
            rows.extend(lines)
            if i % 50 == 0:  # saved as it goes: a run cut short still leaves its lines
                _save(out, rows)
                print(f"  {i}/{len(work)} backs, {len(rows)} lines, {time.time() - start:.0f} s", flush=True)
    _save(out, rows)
    print(f"{len(rows)} lines from {len(work)} backs -> {out}")


def _save(out: Path, rows: list[tuple[np.ndarray, str, str, str]]) -> None:
    np.savez(
        out,
        features=np.concatenate([f for f, *_ in rows]),
        lengths=np.array([len(f) for f, *_ in rows], np.int32),
        labels=np.array([r[1] for r in rows]),
        conditions=np.array([r[2] for r in rows]),
        general=np.array([r[3] for r in rows]),
    )


def _load(path: Path) -> tuple[list[np.ndarray], list[str], list[str], list[str]]:
    arrays = np.load(path)
    ends = np.cumsum(arrays["lengths"])
    features = np.split(arrays["features"].astype(np.float32), ends[:-1])
    return (
        features,
        [str(x) for x in arrays["labels"]],
        [str(x) for x in arrays["conditions"]],
        [str(x) for x in arrays["general"]],
    )


class _Head:
    """Conv1d over the backbone's features, a bidirectional LSTM, a linear classifier (built lazily: torch)."""

    @staticmethod
    def build(features: int, classes: int):  # type: ignore[no-untyped-def]
        import torch

        class Head(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.conv = torch.nn.Conv1d(features, 96, 3, padding=1)
                self.lstm = torch.nn.LSTM(96, 64, batch_first=True, bidirectional=True)
                self.out = torch.nn.Linear(128, classes)

            def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, time, features) -> probabilities
                h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
                h, _ = self.lstm(h)
                return torch.softmax(self.out(h), dim=2)

            def log_probs(self, x: torch.Tensor) -> torch.Tensor:
                h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
                h, _ = self.lstm(h)
                return torch.log_softmax(self.out(h), dim=2)

        return Head()


def evaluate(model_path: Path, dev: Path) -> dict[str, dict[str, float]]:
    """Per condition, the share of dev lines read exactly: general recognizer, reader's best path,
    reader under the TD1 grammar; and of zones with all three lines exact under the grammar."""
    from chile_id_ocr.card import mrz
    from chile_id_ocr.card.mrz import normalize_line
    from chile_id_ocr.locate.mrz_read import _CHECKS, MrzReading, zone_reading
    from chile_id_ocr.models.mrz_reader import MrzReader

    reader = MrzReader(model_path)
    features, labels, conditions, general = _load(dev)
    table: dict[str, dict[str, list[bool]]] = {}
    for z in range(0, len(labels), 3):
        read = reader.read_zone(features[z : z + 3])
        truth = labels[z : z + 3]
        row = table.setdefault(conditions[z], {})
        for k in range(3):
            row.setdefault("general line", []).append(general[z + k] == truth[k])
            row.setdefault("reader line", []).append(normalize_line(read.greedy[k]) == truth[k])
            row.setdefault("grammar line", []).append(read.zone is not None and read.zone.lines[k] == truth[k])
        lines = tuple(general[z : z + 3])
        before, learned = MrzReading(lines, (0.0,) * 3, mrz.parse(lines)), zone_reading(read)
        chosen = learned if learned.rank()[0] >= max(before.rank()[0], _CHECKS) else before
        row.setdefault("grammar zone", []).append(read.zone is not None and list(read.zone.lines) == truth)
        row.setdefault("general zone", []).append(_exact(before, truth))
        row.setdefault("combined zone", []).append(_exact(chosen, truth))
    return {cond: {k: round(100 * float(np.mean(v)), 1) for k, v in row.items()} for cond, row in sorted(table.items())}


_COLUMNS = {
    "general line": "general recognizer",
    "reader line": "MRZ reader, free",
    "grammar line": "MRZ reader, TD1 grammar",
    "general zone": "general + repairs",
    "grammar zone": "MRZ reader, grammar",
    "combined zone": "both, as the product reads",
}


def markdown(table: dict[str, dict[str, float]]) -> str:
    """The per-condition accuracies as a markdown table: lines exact, then zones (all three lines) exact."""
    keys = list(_COLUMNS)
    head = "| condition | " + " | ".join(f"{'lines' if k.endswith('line') else 'zones'}: {_COLUMNS[k]}" for k in keys)
    rows = [f"| {cond} | " + " | ".join(f"{row[k]:.1f} %" for k in keys) + " |" for cond, row in table.items()]
    return "\n".join([head + " |", "|---" * (len(keys) + 1) + "|", *rows])


def _exact(reading: Any, truth: list[str]) -> bool:
    return reading.parsed is not None and list(reading.parsed.lines) == truth


def train(data: Sequence[Path], dev: Path, out: Path, epochs: int, threads: int) -> None:
    from chile_id_ocr.models.mrz_decode import CLASSES
    from ctc_head import export, fit_ctc_head  # shares this module's head (imported once this one is)

    features, labels = [], []
    for path in data:  # collections of other seeds, together
        more_features, more_labels, _, _ = _load(path)
        features += more_features
        labels += more_labels
    model = fit_ctc_head(features, labels, CLASSES, epochs, threads)
    export(model, features[0].shape[1], out)
    print("dev line accuracy (%):", evaluate(out, dev))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--seeds", default="300000:301600", help="first:last")
    c.add_argument("--jobs", type=int, default=2)
    c.add_argument("--copies", type=int, default=2, help="crops per line: the nominal cut and jittered ones")
    c.add_argument("--dev", action="store_true", help="every seed in every condition, with the general reading")
    c.add_argument("--out", type=Path, required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", type=Path, nargs="+", required=True, help="one or more collections")
    t.add_argument("--dev", type=Path, required=True)
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--epochs", type=int, default=30)
    t.add_argument("--threads", type=int, default=2)
    e = sub.add_parser("evaluate")
    e.add_argument("--model", type=Path, required=True)
    e.add_argument("--dev", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "train":
        train(args.data, args.dev, args.out, args.epochs, args.threads)
    elif args.command == "evaluate":
        print(markdown(evaluate(args.model, args.dev)))
    elif args.command == "collect":
        first, last = (int(x) for x in args.seeds.split(":"))
        collect(range(first, last), args.jobs, args.out, args.copies, args.dev)
    return 0


if __name__ == "__main__":
    sys.exit(main())
