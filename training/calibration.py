"""Fit the confidence calibration (``chile_id_ocr/check/calibrate.py``): the probability that a
field is right, from what the checks say of it and of the rest of its card.

Data: synthetic captures from half ``A`` of the generator's world only, on the benchmark's dev
seeds (5000 on; the test seeds, 100000 on, and half ``B`` stay unseen), fronts (scans, photos,
hard captures, cards on pages, and the moved designs read by the layout-free reader) and backs,
read by the product with calibration off. Each field gives its features and whether it matched
the truth.

    python training/calibration.py collect --seeds 5000:5150 --jobs 2 --out /tmp/calibration.jsonl
    python training/calibration.py fit --data /tmp/calibration.jsonl \
        --out src/chile_id_ocr/check/models/calibration.json

``fit`` is a logistic regression (L2-penalised, Newton's method) in NumPy; it also sets how many
doubtful fields make a card no result: the fewest that every garbage reading of the data (five
or more wrong fields) reaches.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

_JOBS = (("front", "scan", "2013"), ("front", "photo", "2013"), ("front", "hard", "2013"), ("front", "page", "2013"),
         ("back", "photo", "2013"), ("back", "hard", "2013"), ("back", "page", "2013"), ("front", "scan", "moved"),
         ("front", "photo", "moved"))  # fmt: skip
_GARBAGE = 5
_TODAY = date(2026, 12, 1)


def _collect_one(job: tuple[int, str, str, str]) -> list[dict]:
    from chile_id_ocr.check.calibrate import field_features
    from chile_id_ocr.errors import RecognitionError
    from chile_id_ocr.pipeline import read_side
    from chile_id_ocr.synth.designs import MOVED, generate_design_front
    from chile_id_ocr.synth.generator import generate_back, generate_front

    seed, side, condition, design = job
    if design == "moved":
        image, truth = generate_design_front(seed, MOVED[seed % len(MOVED)].name, condition)
    else:
        sample = (generate_front if side == "front" else generate_back)(seed, condition, domain="A")
        image, truth = sample.image, sample.truth
    try:
        recognition = read_side(image, _TODAY, None)
    except RecognitionError:
        return []
    except Exception as error:  # a bug: say which capture, and go on with the others
        print(f"\n{job}: {type(error).__name__}: {error}", file=sys.stderr)
        return []
    card = f"{side}:{condition}:{design}:{seed}"
    rows = []
    for name, reading in recognition.fields.items():
        if recognition.side.value == "back" and name == "issue_date":
            continue
        got = list(reading.value) if isinstance(reading.value, tuple) else reading.value
        rows.append({"card": card, "field": name, "right": got == truth["result"].get(name),
                     "confidence": reading.confidence, "features": field_features(recognition, name)})  # fmt: skip
    return rows


def collect(seeds: range, jobs: int, out: Path) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    work = [(seed, side, condition, design) for seed in seeds for side, condition, design in _JOBS]
    t0 = time.monotonic()
    with out.open("w") as f, mp.get_context("spawn").Pool(jobs) as pool:
        for k, rows in enumerate(pool.imap_unordered(_collect_one, work, chunksize=2), 1):
            for row in rows:
                f.write(json.dumps(row) + "\n")
            if k % 20 == 0:
                print(f"\r{k}/{len(work)} ({(time.monotonic() - t0) / k:.2f} s each)", end="", file=sys.stderr)
    print(f"\nwrote {out}", file=sys.stderr)


def _logistic(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[np.ndarray, float]:
    """Weights and bias maximising the L2-penalised log-likelihood (Newton's method)."""
    n, d = x.shape
    a = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, penalty)
    reg[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(a @ w)))
        grad = a.T @ (p - y) + reg * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def _gate(cards: dict[str, list[tuple[bool, float]]]) -> tuple[int, list[int], int, int]:
    """For one set of confidences: the fewest doubtful fields (< 0.5) that make a reading no
    result without turning any fair reading (at most two wrong fields) into an error; the
    doubtful counts of the garbage readings (five or more wrong fields), how many of them that
    many catch, and how many fair readings there are."""
    wrong = {card: sum(not r for r, _ in fields) for card, fields in cards.items()}
    doubtful = {card: sum(q < 0.5 for _, q in fields) for card, fields in cards.items()}
    fair = [doubtful[card] for card, n in wrong.items() if n <= 2]
    garbage = sorted(doubtful[card] for card, n in wrong.items() if n >= _GARBAGE)
    limit = max(2, max(fair, default=0) + 1)
    return limit, garbage, sum(n >= limit for n in garbage), len(fair)


def fit(data: Path, out: Path, penalty: float) -> None:
    """Fit the logistic remap, and keep it only if it does not make more wrong fields look sure
    (>= 0.9) than the checks' own confidences do: a remap that is better calibrated on average
    but lets wrong fields through is worse for a service that must never be silently wrong."""
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    names = sorted({k for row in rows for k in row["features"]})
    x = np.array([[row["features"].get(k, 0.0) for k in names] for row in rows])
    y = np.array([1.0 if row["right"] else 0.0 for row in rows])
    weights, bias = _logistic(x, y, penalty)
    fitted = 1 / (1 + np.exp(-(x @ weights + bias)))
    own = np.array([row["confidence"] for row in rows])
    print(f"{len(rows)} fields, {int(len(y) - y.sum())} wrong", file=sys.stderr)
    silent = {}
    for label, p in (("checks", own), ("remap", fitted)):
        sure = p >= 0.9
        silent[label] = int((sure & (y == 0)).sum())
        print(f"  {label}: {int(sure.sum())} fields >= 0.9, {silent[label]} of them wrong", file=sys.stderr)
    remap = silent["remap"] <= silent["checks"]
    shipped = fitted if remap else own
    cards: dict[str, list[tuple[bool, float]]] = {}
    for row, prob in zip(rows, shipped, strict=True):
        cards.setdefault(row["card"], []).append((row["right"], float(prob)))
    limit, garbage, caught, fair = _gate(cards)
    kept = "the logistic remap" if remap else "the checks' confidences"
    print(f"  kept: {kept}; no result from {limit} doubtful fields (< 0.5), which no fair reading of {fair} "
          f"reaches; it catches {caught} of the {len(garbage)} garbage readings (doubtful fields {garbage})",
          file=sys.stderr)  # fmt: skip
    model = {"remap": remap, "weights": {k: round(float(v), 6) for k, v in zip(names, weights, strict=True)},
             "bias": round(bias, 6), "too_doubtful": limit,
             "fitted_on": f"{data.name}: {len(rows)} fields, {len(cards)} cards; silently wrong (>= 0.9) "
                          f"checks {silent['checks']}, remap {silent['remap']}"}  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect", help="read generated captures with calibration off")
    c.add_argument("--seeds", default="5000:5150", help="first:last dev seeds (default 5000:5150)")
    c.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    c.add_argument("--out", type=Path, required=True)
    f = sub.add_parser("fit", help="fit the model and write it")
    f.add_argument("--data", type=Path, required=True)
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--penalty", type=float, default=1.0)
    args = parser.parse_args(argv)
    if args.command == "collect":
        first, last = (int(v) for v in args.seeds.split(":"))
        collect(range(first, last), args.jobs, args.out)
    else:
        fit(args.data, args.out, args.penalty)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
