"""Recapture detection on the held-out test seeds: the ROC of each attack against the original captures, the
shipped threshold's rates, the real images, and what the assessment and the crops cost.

Samples: ``synth.recapture.TEST_SEEDS`` (training uses ``DEV_SEEDS`` only): originals (scans, photos, hard
photos, photos on a page; fronts and backs) and each attack (a screen photographed; a photocopy and a printout,
photographed or scanned), measured on the card's true corners. The real images (all originals) go through the
whole pipeline (``recognize``), so their card is where the product locates it; so does a small set of the test
recaptures (``--e2e``), to show the located corners give the same verdicts.

    python bench/recapture.py --samples 700 --jobs 2 --cache /tmp/recapture-test.jsonl --write
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import report  # noqa: F401  (first: the benchmark measures this tree's chile_id_ocr)
from chile_id_ocr.models.recapture import KINDS, inputs, shipped
from chile_id_ocr.synth.recapture import TEST_SEEDS, generate_recapture, measure_all, seed_jobs, side_of
from chile_id_ocr.vision.capture_evidence import measure
from chile_id_ocr.vision.decode import decode
from report import DEFAULT_REAL, command_line, md_table, percentile, write_section

FALSE_ALARMS = (0.01, 0.05)


def detection_at(originals: np.ndarray, attacks: np.ndarray, false_alarms: float) -> tuple[float, float]:
    """The threshold that flags at most ``false_alarms`` of the originals, and the share of attacks it flags."""
    ordered = np.sort(originals)[::-1]
    allowed = int(np.floor(false_alarms * len(ordered)))
    threshold = float(ordered[allowed]) + 1e-9 if allowed < len(ordered) else 0.0
    return threshold, float((attacks >= threshold).mean())


def auc(originals: np.ndarray, attacks: np.ndarray) -> float:
    """Area under the ROC: the chance an attack scores above an original (ties count half)."""
    above = (attacks[:, None] > originals[None, :]).mean()
    ties = (attacks[:, None] == originals[None, :]).mean()
    return float(above + ties / 2)


def _conditions(truths: list[dict], y: np.ndarray) -> list[str]:
    out = []
    for truth, kind in zip(truths, y, strict=True):
        how = truth["recapture"].get("condition") or truth["recapture"].get("captured_by")
        out.append(f"{KINDS[kind]} {how} ({truth['side']})")
    return out


def synthetic_section(x: np.ndarray, y: np.ndarray, truths: list[dict]) -> str:
    model = shipped()
    scores = 1 - model.probabilities(x)[:, 0]
    originals = scores[y == 0]
    rows = []
    for i, kind in enumerate(KINDS[1:], start=1):
        attacks = scores[y == i]
        cells: list[object] = [kind, len(attacks), f"{auc(originals, attacks):.3f}"]
        for rate in FALSE_ALARMS:
            threshold, detected = detection_at(originals, attacks, rate)
            cells.append(f"{100 * detected:.1f} % (score >= {threshold:.3f})")
        cells.append(f"{100 * float((attacks >= model.threshold).mean()):.1f} %")
        rows.append(cells)
    attacks = scores[y > 0]
    every: list[object] = ["all three", len(attacks), f"{auc(originals, attacks):.3f}"]
    every += [f"{100 * detection_at(originals, attacks, rate)[1]:.1f} %" for rate in FALSE_ALARMS]
    every.append(f"{100 * float((attacks >= model.threshold).mean()):.1f} %")
    rows.append(every)
    head = ["attack", "n", "ROC AUC", "detected at 1 % false alarms", "detected at 5 % false alarms",
            f"detected at the shipped threshold {model.threshold:.3f}"]  # fmt: skip
    kinds = model.probabilities(x).argmax(axis=1)
    labels = _conditions(truths, y)
    groups: dict[str, list[int]] = {}
    for n, label in enumerate(labels):
        groups.setdefault(label, []).append(n)
    by_condition = [
        [
            label,
            len(idx),
            f"{100 * float((scores[idx] >= model.threshold).mean()):.1f} %",
            f"{100 * float((kinds[idx] == y[idx]).mean()):.1f} %",
        ]
        for label, idx in sorted(groups.items())
    ]
    return "\n\n".join(
        [
            f"Held-out test seeds: {int((y == 0).sum())} originals, "
            + ", ".join(f"{int((y == i).sum())} {k}" for i, k in enumerate(KINDS) if i)
            + ". Score: the model's probability that the capture is not an original; the false-alarm rates are"
            " on all the originals together (scans, phone photos, hard photos, photos on a page; fronts and"
            " backs).",
            md_table(head, rows),
            "Per capture (how it was made, side): flagged at the shipped threshold, and the kind named right.",
            md_table(["capture", "n", "flagged", "kind right"], by_condition),
        ]
    )


def real_section(real: Path) -> tuple[str, int]:
    """The real images through the whole pipeline: kind, score, whether the shipped threshold flags it."""
    from chile_id_ocr import RecognitionError, recognize

    model = shipped()
    rows, flagged = [], 0
    for path in sorted(real.glob("*.jpg")):
        try:
            capture = recognize(path.read_bytes()).details()["capture"]
        except RecognitionError as err:
            rows.append([path.name, err.code, "", ""])
            continue
        assert isinstance(capture, dict)
        hit = float(capture["score"]) >= model.threshold
        flagged += hit
        rows.append([path.name, capture["kind"], f"{float(capture['score']):.4f}", "FLAGGED" if hit else "no"])
    table = md_table(["real image (all originals)", "kind", "score", "flagged"], rows)
    return f"{table}\n\nFlagged at the shipped threshold: {flagged} of {len(rows)}.", flagged


def e2e_section(count: int) -> str:
    """A few test recaptures through the whole pipeline (the located corners, not the true ones)."""
    from chile_id_ocr import RecognitionError, recognize

    model = shipped()
    rows = []
    for i, kind in enumerate(KINDS):
        read = hits = 0
        for n in range(count):
            seed = TEST_SEEDS[-1 - (i * count + n)]
            try:
                capture = recognize(generate_recapture(seed, kind, side_of(seed)).image).details()["capture"]
            except RecognitionError:
                continue
            assert isinstance(capture, dict)
            read += 1
            hits += float(capture["score"]) >= model.threshold
        rows.append([kind, count, read, f"{hits} of {read}"])
    return md_table(["kind", "images", "read (a result)", "flagged at the shipped threshold"], rows)


def cost_section(jobs: list[tuple[int, str]]) -> str:
    """CPU time of the measurements (the model itself is a few microseconds) on decoded test images."""
    times = []
    for seed, kind in jobs:
        sample = generate_recapture(seed, kind, side_of(seed))
        decoded = decode(sample.image)
        quad = np.asarray(sample.truth["card_quad"], np.float32) * decoded.scale
        start = time.process_time()
        shipped().assess(inputs(measure(decoded.pixels, quad), sample.truth["side"] == "back"))
        times.append(1000 * (time.process_time() - start))
    return (
        f"Added CPU time of the assessment per image ({len(times)} test images, one core, decoded sizes up to"
        f" 4624 x 3468): p50 {percentile(times, 50):.0f} ms, p90 {percentile(times, 90):.0f} ms,"
        f" max {max(times):.0f} ms."
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=700, help="test captures: two originals for one of each attack")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--e2e", type=int, default=6, help="test images of each kind through the whole pipeline")
    ap.add_argument("--cache", type=Path, help="JSON lines: each measurement appended, those there reused")
    ap.add_argument("--cached-only", action="store_true", help="score what --cache holds, measure nothing")
    ap.add_argument("--real", type=Path, default=DEFAULT_REAL)
    ap.add_argument("--write", action="store_true", help="write the section of BENCHMARKS.md")
    args = ap.parse_args(argv)
    jobs = seed_jobs(TEST_SEEDS, args.samples)
    x, y, truths = measure_all(jobs, args.jobs, args.cache, generate=not args.cached_only)
    parts = [
        "### Synthetic recaptures (measured on the card's true corners)",
        synthetic_section(x, y, truths),
        "### The real images (whole pipeline)",
    ]
    real_text, flagged = real_section(args.real)
    parts.append(real_text)
    if args.e2e:
        parts += ["### Test recaptures through the whole pipeline (located corners)", e2e_section(args.e2e)]
    parts += ["### Cost", cost_section(jobs[:: max(1, len(jobs) // 20)])]
    body = "\n\n".join(parts)
    print(body)
    if args.write:
        write_section("recapture", "Recapture detection (screens, photocopies, printouts)", body,
                      command_line("recapture.py"))  # fmt: skip
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
