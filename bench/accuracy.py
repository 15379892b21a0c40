"""Field accuracy on synthetic fronts, and how well the confidences are calibrated.

    python bench/accuracy.py --n 300 --seed 1000 [--conditions scan,photo,hard] [--naive] [--jobs 2] [--write]

For each condition, ``n`` fronts are generated (seeds ``seed .. seed+n-1``) and read
by ``chile_id_ocr.recognize`` (and, with ``--naive``, by ``bench/naive.py``). Each
field is compared exactly with the generator's truth (the surname as a list). A
``RecognitionError`` counts as all nine fields wrong. The product's confidences
are checked with a reliability table (per confidence bin: how many fields, how many
of them right).

Prints markdown; ``--write`` also updates the ``accuracy`` section of BENCHMARKS.md.
Every wrong field (and every error) goes to ``bench/out/accuracy_failures.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import report

FIELDS: tuple[str, ...] = (
    "surname", "given_name", "nationality", "sex", "birth",
    "document_number", "issue_date", "expiry_date", "number",
)  # fmt: skip
CONDITIONS: tuple[str, ...] = ("scan", "photo", "hard")
BINS: tuple[tuple[float, float], ...] = (
    (0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.0),
)  # fmt: skip
HIGH_CONFIDENCE = 0.9
FAILURES = report.OUT_DIR / "accuracy_failures.jsonl"


@dataclass
class Outcome:
    """One approach's reading of one synthetic card."""

    approach: str  # "product" or "naive"
    condition: str
    seed: int
    truth: dict[str, Any]
    got: dict[str, Any] | None  # None when the reading raised
    confidence: dict[str, float] = field(default_factory=dict)
    error: str = ""  # RecognitionError code, or "CRASH:<type>" for any other exception
    message: str = ""
    seconds: float = 0.0

    def right(self, name: str) -> bool:
        return self.got is not None and same(self.got.get(name), self.truth.get(name))


def same(got: Any, want: Any) -> bool:
    if isinstance(want, list | tuple) or isinstance(got, list | tuple):
        return isinstance(got, list | tuple) and isinstance(want, list | tuple) and list(got) == list(want)
    return got == want


def read_product(image: bytes) -> tuple[dict[str, Any] | None, dict[str, float], str, str]:
    from chile_id_ocr import recognize
    from chile_id_ocr.errors import RecognitionError

    try:
        api = recognize(image).to_api()
    except RecognitionError as err:
        return None, {}, err.code, err.error_msg
    except Exception as err:  # a bug, not a contract error: still counted, and kept for debugging
        return None, {}, f"CRASH:{type(err).__name__}", traceback.format_exc(limit=-3)
    raw_conf: dict[str, Any] = api.pop("confidence", None) or {}  # type: ignore[assignment]
    conf = {k: float(v) for k, v in raw_conf.items()}
    return api, conf, "", ""


def read_naive(image: bytes) -> tuple[dict[str, Any] | None, dict[str, float], str, str]:
    from naive import naive_recognize

    try:
        return naive_recognize(image), {}, "", ""
    except Exception as err:
        return None, {}, f"CRASH:{type(err).__name__}", traceback.format_exc(limit=-3)


def evaluate(task: tuple[int, str, bool]) -> list[Outcome]:
    """Generate one front and read it with the product (and the naive approach)."""
    from chile_id_ocr.synth import generate_front

    seed, condition, with_naive = task
    sample = generate_front(seed, condition)
    truth = dict(sample.truth["result"])
    readers = [("product", read_product)] + ([("naive", read_naive)] if with_naive else [])
    outcomes = []
    for approach, reader in readers:
        t0 = time.perf_counter()
        got, conf, error, message = reader(sample.image)
        elapsed = time.perf_counter() - t0
        outcomes.append(Outcome(approach, condition, seed, truth, got, conf, error, message, elapsed))
    return outcomes


def run(
    n: int,
    seed: int,
    conditions: Sequence[str],
    with_naive: bool = False,
    jobs: int = 1,
    progress: bool = True,
) -> list[Outcome]:
    """Evaluate ``n`` fronts per condition with ``jobs`` single-threaded processes."""
    report.single_thread_env()
    tasks = [(seed + i, cond, with_naive) for i in range(n) for cond in conditions]
    outcomes: list[Outcome] = []

    def collect(results: Iterable[list[Outcome]]) -> None:
        t0 = time.monotonic()
        for done, res in enumerate(results, 1):
            outcomes.extend(res)
            if progress and (done % 10 == 0 or done == len(tasks)):
                rate = (time.monotonic() - t0) / done
                print(f"\r  {done}/{len(tasks)} cards, {rate:.2f} s/card", end="", file=sys.stderr, flush=True)
        if progress:
            print(file=sys.stderr)

    if jobs <= 1:
        collect(map(evaluate, tasks))
    else:
        with mp.get_context("spawn").Pool(jobs, initializer=report.single_thread_env) as pool:
            collect(pool.imap_unordered(evaluate, tasks, chunksize=1))
    outcomes.sort(key=lambda o: (o.approach, conditions.index(o.condition), o.seed))
    return outcomes


@dataclass
class Summary:
    cards: int
    errors: int
    crashes: int
    field_right: dict[str, int]
    cards_right: int
    seconds: float

    @property
    def fields_right(self) -> float:
        return sum(self.field_right.values()) / (len(FIELDS) * self.cards) if self.cards else 0.0


def summarize(outcomes: Sequence[Outcome]) -> Summary:
    return Summary(
        cards=len(outcomes),
        errors=sum(1 for o in outcomes if o.error),
        crashes=sum(1 for o in outcomes if o.error.startswith("CRASH")),
        field_right={f: sum(o.right(f) for o in outcomes) for f in FIELDS},
        cards_right=sum(all(o.right(f) for f in FIELDS) for o in outcomes),
        seconds=report.percentile([o.seconds for o in outcomes], 50) if outcomes else 0.0,
    )


def reliability(outcomes: Sequence[Outcome]) -> list[tuple[str, int, int, float]]:
    """Per confidence bin: label, fields, fields right, mean confidence (errors excluded)."""
    rows = []
    pairs = [(o.confidence.get(f, 0.0), o.right(f)) for o in outcomes if o.got is not None for f in FIELDS]
    for i, (lo, hi) in enumerate(BINS):
        last = i == len(BINS) - 1
        inside = [(c, r) for c, r in pairs if lo <= c < hi or (last and c == hi)]
        label = f"[{lo:.2f}, {hi:.2f}{']' if last else ')'}"
        mean = sum(c for c, _ in inside) / len(inside) if inside else float("nan")
        rows.append((label, len(inside), sum(r for _, r in inside), mean))
    return rows


def high_confidence(outcomes: Sequence[Outcome]) -> tuple[int, int]:
    """Fields given at least HIGH_CONFIDENCE, and how many of them are right."""
    high = [
        o.right(f) for o in outcomes if o.got is not None for f in FIELDS if o.confidence.get(f, 0.0) >= HIGH_CONFIDENCE
    ]
    return len(high), sum(high)


def grouped(outcomes: Sequence[Outcome]) -> dict[tuple[str, str], list[Outcome]]:
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault((o.condition, o.approach), []).append(o)
    return groups


def render(outcomes: Sequence[Outcome], conditions: Sequence[str]) -> str:
    groups = grouped(outcomes)
    keys = [(c, a) for c in conditions for a in ("product", "naive") if (c, a) in groups]
    sums = {k: summarize(groups[k]) for k in keys}

    overview = [
        [
            c,
            a,
            s.cards,
            report.pct(s.fields_right, 1),
            report.pct(s.cards_right, s.cards),
            report.pct(s.errors, s.cards) + (f" ({s.crashes} crashes)" if s.crashes else ""),
            f"{s.seconds:.2f}",
        ]
        for (c, a), s in sums.items()
    ]
    parts = [
        "Exact match with the generator's truth. An error (RecognitionError) counts as all nine "
        "fields wrong; s/card is the median time per card in one single-threaded process.",
        report.md_table(
            ["condition", "approach", "cards", "fields right", "cards right", "errors", "s/card"], overview
        ),
        "### Per field",
        report.md_table(
            ["field", *(f"{c} {a}" for c, a in keys)],
            [[f, *(report.pct(sums[k].field_right[f], sums[k].cards) for k in keys)] for f in FIELDS],
        ),
    ]
    product = [c for c in conditions if (c, "product") in groups]
    if product:
        rel = {c: reliability(groups[c, "product"]) for c in product}
        rows: list[list[object]] = []
        for i in range(len(BINS)):
            row: list[object] = [rel[product[0]][i][0]]
            for c in product:
                _, count, right, _ = rel[c][i]
                row += [count, report.pct(right, count)]
            rows.append(row)
        high = {c: high_confidence(groups[c, "product"]) for c in product}
        rows.append(
            [
                f"**>= {HIGH_CONFIDENCE}**",
                *(x for c in product for x in (high[c][0], report.pct(high[c][1], high[c][0], 2))),
            ]
        )
        coverage = ", ".join(f"{c} {report.pct(high[c][0], len(FIELDS) * len(groups[c, 'product']))}" for c in product)
        parts += [
            "### Product confidence reliability",
            "Fields of the cards read without error, by the confidence the product gave them: "
            "how many, and how many of those are right (a calibrated confidence of 0.9 should be "
            f"right about 90 % of the time). Share of all fields given >= {HIGH_CONFIDENCE}: {coverage}.",
            report.md_table(["confidence", *(h for c in product for h in (f"{c} fields", f"{c} right"))], rows),
        ]
    return "\n\n".join(parts)


def dump_failures(outcomes: Sequence[Outcome]) -> int:
    report.OUT_DIR.mkdir(parents=True, exist_ok=True)
    count = 0
    with FAILURES.open("w") as f:
        for o in outcomes:
            base = {"approach": o.approach, "condition": o.condition, "seed": o.seed}
            if o.got is None:
                rec = {**base, "error": o.error, "message": o.message}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                count += 1
                continue
            for name in FIELDS:
                if not o.right(name):
                    rec = {
                        **base,
                        "field": name,
                        "expected": o.truth.get(name),
                        "got": o.got.get(name),
                        "confidence": o.confidence.get(name),
                    }
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    count += 1
    return count


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument("--n", type=int, default=100, help="fronts per condition (default 100)")
    p.add_argument("--seed", type=int, default=1000, help="first seed (default 1000)")
    p.add_argument("--conditions", default=",".join(CONDITIONS), help="comma-separated (default: all)")
    p.add_argument("--naive", action="store_true", help="also run the naive baseline (bench/naive.py)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes, one thread each (default 2)")
    p.add_argument("--write", action="store_true", help="update the accuracy section of BENCHMARKS.md")
    args = p.parse_args(argv)
    args.conditions = [c.strip() for c in args.conditions.split(",") if c.strip()]
    bad = [c for c in args.conditions if c not in CONDITIONS]
    if bad:
        p.error(f"unknown condition(s) {bad}; choose from {list(CONDITIONS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    report.single_thread_env()
    t0 = time.monotonic()
    outcomes = run(args.n, args.seed, args.conditions, args.naive, args.jobs)
    body = render(outcomes, args.conditions)
    print(body)
    failures = dump_failures(outcomes)
    print(
        f"\n{failures} wrong fields/errors written to {FAILURES.relative_to(report.REPO)} "
        f"({time.monotonic() - t0:.0f} s)",
        file=sys.stderr,
    )
    if args.write:
        path = report.write_section(
            "accuracy", "Accuracy (synthetic fronts)", body, report.command_line("accuracy.py", argv)
        )
        print(f"updated {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
