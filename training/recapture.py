"""Train the presentation-attack model (``chile_id_ocr/models/recapture.py``).

Data, generated on the fly from the development seeds (``synth.recapture.DEV_SEEDS``; the test seeds
are never touched here): originals (scans, photos, hard photos, photos on a page, fronts and backs)
and the three recaptures (a screen photographed, a photocopy and a printout, photographed or
scanned). Each sample is measured on the card's true corners (``vision/capture_evidence.py``). A small
network (standardised measurements and the side, 16 tanh units, softmax over the four kinds; full-batch
Adam with weight decay, each kind weighted to the same total) is trained on all of them; the threshold
is the score that flags 1 % of the originals as scored by seven models that did not see them (seven
folds by seed). The weights and that threshold are written to the package.

    python training/recapture.py --samples 1500 --jobs 2 --cache /tmp/recapture-dev.jsonl
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from chile_id_ocr.models.recapture import KINDS, WEIGHTS_FILE, RecaptureModel
from chile_id_ocr.synth.recapture import DEV_SEEDS, measure_all, seed_jobs

HIDDEN = 16
FOLDS = 7


def fit(x: np.ndarray, y: np.ndarray, hidden: int = HIDDEN, steps: int = 4000, decay: float = 1e-3) -> RecaptureModel:
    """A network trained on (x, y), each kind weighted to the same total."""
    rng = np.random.default_rng(0)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs = (x - mean) / scale
    n, k = len(y), len(KINDS)
    onehot = np.eye(k)[y]
    weight = (1.0 / np.bincount(y, minlength=k))[y] * n / k
    params = [rng.normal(0, 1 / np.sqrt(x.shape[1]), (x.shape[1], hidden)), np.zeros(hidden),
              rng.normal(0, 1 / np.sqrt(hidden), (hidden, k)), np.zeros(k)]  # fmt: skip
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    lr, b1, b2 = 0.01, 0.9, 0.999
    for step in range(1, steps + 1):
        w1, c1, w2, c2 = params
        h = np.tanh(xs @ w1 + c1)
        logits = h @ w2 + c2
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        d = (p - onehot) * weight[:, None] / n
        dh = (d @ w2.T) * (1 - h**2)
        grads = [xs.T @ dh + decay * w1, dh.sum(0), h.T @ d + decay * w2, d.sum(0)]
        for i, (g, (m, v)) in enumerate(zip(grads, moments, strict=True)):
            m[:] = b1 * m + (1 - b1) * g
            v[:] = b2 * v + (1 - b2) * g**2
            params[i] = params[i] - lr * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + 1e-8)
    return RecaptureModel(mean, scale, params[0], params[1], params[2], params[3], threshold=0.5)


def threshold_at(scores: np.ndarray, false_alarms: float) -> float:
    """The lowest score that flags at most ``false_alarms`` of ``scores`` (originals' scores)."""
    ordered = np.sort(scores)[::-1]
    allowed = int(np.floor(false_alarms * len(ordered)))
    return float(min(ordered[allowed] + 1e-6, 1.0)) if allowed < len(ordered) else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=1500, help="captures: two originals for one of each attack")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    ap.add_argument("--cache", type=Path, help="JSON lines: each measurement appended, those there reused")
    ap.add_argument("--measure-only", action="store_true", help="measure (into --cache) and stop")
    ap.add_argument("--cached-only", action="store_true", help="train on what --cache holds, measure nothing")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    jobs = seed_jobs(DEV_SEEDS, args.samples)
    x, y, truths = measure_all(jobs, args.jobs, args.cache, generate=not args.cached_only)
    if args.measure_only:
        return 0
    print(f"{len(y)} samples measured in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    fold = np.array([truth["seed"] % FOLDS for truth in truths])  # coprime with the kinds' pattern (period 5)
    probs = np.zeros((len(y), len(KINDS)))
    for k in range(FOLDS):  # each sample scored by a model that did not see it
        probs[fold == k] = fit(x[fold != k], y[fold != k]).probabilities(x[fold == k])
    scores = 1 - probs[:, 0]
    threshold = threshold_at(scores[y == 0], 0.01)
    model = fit(x, y)
    model = RecaptureModel(model.mean, model.scale, model.w1, model.b1, model.w2, model.b2, threshold)
    model.save(args.out)
    accuracy = float((probs.argmax(axis=1) == y).mean())
    print(f"{FOLDS}-fold on {len(y)} samples: kind accuracy {accuracy:.3f}, threshold {threshold:.4f}")
    for i, kind in enumerate(KINDS[1:], start=1):
        rate = float((scores[y == i] >= threshold).mean())
        print(f"  {kind}: detected {rate:.3f} at the threshold")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
