"""Accuracy and speed on synthetic backs: MRZ-derived fields, exact MRZ lines, QR decode rate.

    python bench/accuracy_back.py --n 300 --seed 1000 [--conditions scan,photo,hard] [--write]

For each condition, ``n`` backs are generated (``chile_id_ocr.synth.generate_back``, seeds
``seed .. seed+n-1``) and read by ``chile_id_ocr.recognize`` in this process, on one thread
(run it under ``taskset -c 0`` for one core). The eight fields a back gives (all but the issue
date) are compared exactly with the truth; a ``RecognitionError`` counts as all of them wrong.
Prints markdown; ``--write`` updates the ``accuracy-back`` section of BENCHMARKS.md. Wrong fields
go to ``bench/out/accuracy_back_failures.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import report

FIELDS: tuple[str, ...] = (
    "surname", "given_name", "nationality", "sex", "birth", "document_number", "expiry_date", "number",
)  # fmt: skip
CONDITIONS: tuple[str, ...] = ("scan", "photo", "hard")
FAILURES = report.OUT_DIR / "accuracy_back_failures.jsonl"


@dataclass
class Outcome:
    condition: str
    seed: int
    truth: dict[str, Any]
    got: dict[str, Any] | None
    details: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0

    def right(self, name: str) -> bool:
        return self.got is not None and self.got.get(name) == self.truth["result"].get(name)

    @property
    def mrz_exact(self) -> bool:
        mrz = (self.details.get("back") or {}).get("mrz") or {}
        return mrz.get("lines") == self.truth["mrz"]

    @property
    def qr_decoded(self) -> bool:
        qr = (self.details.get("back") or {}).get("qr") or {}
        return qr.get("payload") == self.truth["qr"]


def evaluate(seed: int, condition: str) -> Outcome:
    from chile_id_ocr import recognize
    from chile_id_ocr.errors import RecognitionError
    from chile_id_ocr.synth.generator import generate_back

    sample = generate_back(seed, condition)
    t0 = time.perf_counter()
    try:
        recognition = recognize(sample.image)
    except RecognitionError as err:
        return Outcome(
            condition, seed, sample.truth, None, error=f"{err.code} {err.reason}", seconds=time.perf_counter() - t0
        )
    elapsed = time.perf_counter() - t0
    api = recognition.to_api()
    api.pop("confidence")
    return Outcome(condition, seed, sample.truth, api, recognition.details(), seconds=elapsed)


def render(outcomes: Sequence[Outcome], conditions: Sequence[str]) -> str:
    rows, per_field = [], []
    for cond in conditions:
        group = [o for o in outcomes if o.condition == cond]
        n = len(group)
        fields_right = sum(o.right(f) for o in group for f in FIELDS)
        times = [o.seconds * 1000 for o in group if not o.error]
        rows.append(
            [
                cond,
                n,
                report.pct(fields_right, n * len(FIELDS), 2),
                report.pct(sum(all(o.right(f) for f in FIELDS) for o in group), n),
                report.pct(sum(o.mrz_exact for o in group), n),
                report.pct(sum(o.qr_decoded for o in group), n),
                report.pct(sum(bool(o.error) for o in group), n),
                f"{report.percentile(times, 50):.0f}",
                f"{report.percentile(times, 95):.0f}",
            ]
        )
    counts = {c: sum(o.condition == c for o in outcomes) for c in conditions}
    for f in FIELDS:
        right = {c: sum(o.right(f) for o in outcomes if o.condition == c) for c in conditions}
        per_field.append([f, *(report.pct(right[c], counts[c], 2) for c in conditions)])
    head = ["condition", "backs", "MRZ fields right", "backs all right", "MRZ lines exact", "QR decoded", "errors",
            "p50 ms", "p95 ms"]  # fmt: skip
    return "\n\n".join(
        [
            report.md_table(head, rows),
            "Per field:",
            report.md_table(["field", *conditions], per_field),
            "Times are the whole `recognize()` call in one process on one thread (no QR or model "
            "loading: the engine is warmed up on the first image, which is not counted).",
        ]
    )


def dump_failures(outcomes: Sequence[Outcome]) -> int:
    report.OUT_DIR.mkdir(parents=True, exist_ok=True)
    count = 0
    with FAILURES.open("w", encoding="utf-8") as out:
        for o in outcomes:
            wrong = [f for f in FIELDS if not o.right(f)]
            if not wrong:
                continue
            count += 1
            mrz = (o.details.get("back") or {}).get("mrz") or {}
            record = {
                "condition": o.condition, "seed": o.seed, "error": o.error, "wrong": wrong,
                "got": {f: (o.got or {}).get(f) for f in wrong}, "want": {f: o.truth["result"][f] for f in wrong},
                "mrz_raw": mrz.get("raw"), "mrz_truth": o.truth["mrz"],
                "effects": o.truth["capture"].get("effects"),
            }  # fmt: skip
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--conditions", default=",".join(CONDITIONS))
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    report.single_thread_env()
    conditions = [c for c in args.conditions.split(",") if c]
    from chile_id_ocr import recognize
    from chile_id_ocr.synth.generator import generate_back

    recognize(generate_back(args.seed - 1, "scan").image)  # load the models outside the timings
    outcomes: list[Outcome] = []
    for cond in conditions:
        for i in range(args.n):
            outcomes.append(evaluate(args.seed + i, cond))
            if (i + 1) % 25 == 0:
                print(f"{cond}: {i + 1}/{args.n}", file=sys.stderr, flush=True)
    body = render(outcomes, conditions)
    print(body)
    failures = dump_failures(outcomes)
    print(f"\n{failures} backs with wrong fields written to {FAILURES.relative_to(report.REPO)}", file=sys.stderr)
    if args.write:
        report.write_section(
            "accuracy-back", "Accuracy and speed (synthetic backs)", body, report.command_line("accuracy_back.py", argv)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
