"""Field accuracy on synthetic cards, how far the confidences can be trusted, and how often a
wrong result comes back looking right.

    python bench/accuracy.py [--side front|back] [--split dev|test] [--domain A|B|all]
                             [--conditions scan,photo,hard,page] [--designs 2013|moved] [--n 200]
                             [--naive] [--jobs 2] [--write]

Seeds are split: ``dev`` (from 5000) is the set looked at while tuning, ``test`` (from 100000)
is only ever scored. ``--domain`` draws the cards from one half of the generator's world
(``synth/domains.py``: fonts, surfaces, scene styles, blur, lighting and noise models): tuning
was done on half ``A``, so ``--domain B`` is the cross-domain figure. ``--designs moved``
scores fronts of the three designs with the labels moved elsewhere (``synth/designs.py``,
read by the layout-free reader).

Each card is read by ``chile_id_ocr.recognize`` (and, with ``--naive``, by ``bench/naive.py``)
in single-threaded processes and compared exactly with the generator's truth. An error
(``RecognitionError``) counts as all fields wrong. Besides accuracy the report gives:

- *silently wrong*: fields returned wrong with a confidence >= 0.9, of all fields returned;
- *garbage results*: cards returned as a result with 5 or more wrong fields, and how many of
  those carry a field >= 0.5 (each should have been an error);
- a reliability table (per confidence bin, how many fields and how many right), per scene.

Prints markdown; ``--write`` updates the section of BENCHMARKS.md named after the side, split,
domain and designs. Every wrong field (and every error) goes to ``bench/out/``.
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

FRONT_FIELDS: tuple[str, ...] = (
    "surname", "given_name", "nationality", "sex", "birth",
    "document_number", "issue_date", "expiry_date", "number",
)  # fmt: skip
BACK_FIELDS = tuple(f for f in FRONT_FIELDS if f != "issue_date")  # the back does not print it
CONDITIONS: tuple[str, ...] = ("scan", "photo", "hard", "page")
SPLITS: dict[str, int] = {"dev": 5000, "test": 100000}
MOVED = ("moved_a", "moved_b", "moved_c")
BINS: tuple[tuple[float, float], ...] = (
    (0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.0),
)  # fmt: skip
HIGH = 0.9  # a confidence users take as sure
GARBAGE = 5  # wrong fields that make a returned result garbage
GARBAGE_CONFIDENCE = 0.5  # ... which should carry no field this sure


@dataclass(frozen=True)
class Task:
    side: str
    condition: str
    design: str
    seed: int
    domain: str | None
    naive: bool


@dataclass
class Outcome:
    """One approach's reading of one synthetic card."""

    approach: str  # "product" or "naive"
    task: Task
    scene: str
    truth: dict[str, Any]
    got: dict[str, Any] | None  # None when the reading raised
    confidence: dict[str, float] = field(default_factory=dict)
    error: str = ""  # RecognitionError code, or "CRASH:<type>" for any other exception
    message: str = ""
    seconds: float = 0.0
    mrz_exact: bool = False
    qr_decoded: bool = False
    mrz_covered: bool = False  # a hand or thumb covers part of the back's MRZ (the generator's truth)
    effects: tuple[str, ...] = ()  # a hard capture's effects (``truth["capture"]["effects"]``)

    @property
    def fields(self) -> tuple[str, ...]:
        return FRONT_FIELDS if self.task.side == "front" else BACK_FIELDS

    def right(self, name: str) -> bool:
        return self.got is not None and same(self.got.get(name), self.truth.get(name))

    def wrong(self) -> list[str]:
        return [f for f in self.fields if not self.right(f)]


def same(got: Any, want: Any) -> bool:
    if isinstance(want, list | tuple) or isinstance(got, list | tuple):
        return isinstance(got, list | tuple) and isinstance(want, list | tuple) and list(got) == list(want)
    return got == want


def _sample(task: Task) -> tuple[bytes, dict[str, Any]]:
    from chile_id_ocr.synth.designs import generate_design_front
    from chile_id_ocr.synth.generator import generate_back, generate_front

    if task.side == "back":
        sample = generate_back(task.seed, task.condition, domain=task.domain)
        return sample.image, sample.truth
    if task.design != "2013":
        return generate_design_front(task.seed, task.design, task.condition)
    sample = generate_front(task.seed, task.condition, domain=task.domain)
    return sample.image, sample.truth


def read_product(image: bytes) -> tuple[dict[str, Any] | None, dict[str, float], dict[str, Any], str, str]:
    from chile_id_ocr import recognize
    from chile_id_ocr.errors import RecognitionError

    try:
        recognition = recognize(image)
    except RecognitionError as err:
        return None, {}, {}, err.code, err.error_msg
    except Exception as err:  # a bug, not a contract error: still counted, and kept for debugging
        return None, {}, {}, f"CRASH:{type(err).__name__}", traceback.format_exc(limit=-3)
    api = recognition.to_api()
    raw_conf: dict[str, Any] = api.pop("confidence", None) or {}  # type: ignore[assignment]
    return api, {k: float(v) for k, v in raw_conf.items()}, recognition.details(), "", ""


def read_naive(image: bytes) -> tuple[dict[str, Any] | None, dict[str, float], dict[str, Any], str, str]:
    from naive import naive_recognize

    try:
        return naive_recognize(image), {}, {}, "", ""
    except Exception as err:
        return None, {}, {}, f"CRASH:{type(err).__name__}", traceback.format_exc(limit=-3)


def evaluate(task: Task) -> list[Outcome]:
    """Generate one card and read it with the product (and the naive approach)."""
    image, truth = _sample(task)
    capture = truth.get("capture") or {}
    scene, effects = str(capture.get("scene", "plain")), tuple(capture.get("effects") or ())
    readers = [("product", read_product)] + ([("naive", read_naive)] if task.naive else [])
    outcomes = []
    for approach, reader in readers:
        t0 = time.process_time()
        got, conf, details, error, message = reader(image)
        elapsed = time.process_time() - t0
        back = details.get("back") or {}
        outcome = Outcome(approach, task, scene, dict(truth["result"]), got, conf, error, message, elapsed)
        outcome.effects = effects
        if task.side == "back":
            outcome.mrz_exact = (back.get("mrz") or {}).get("lines") == truth.get("mrz")
            outcome.qr_decoded = (back.get("qr") or {}).get("payload") == truth.get("qr")
            outcome.mrz_covered = bool(((capture.get("hand") or {}).get("occluded") or {}).get("mrz"))
        outcomes.append(outcome)
    return outcomes


def run(tasks: list[Task], jobs: int = 1, progress: bool = True) -> list[Outcome]:
    """Evaluate ``tasks`` with ``jobs`` single-threaded processes."""
    report.single_thread_env()
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
    outcomes.sort(key=lambda o: (o.approach, CONDITIONS.index(o.task.condition), o.task.design, o.task.seed))
    return outcomes


@dataclass
class Summary:
    """What one group of outcomes (a condition, an approach) adds up to."""

    cards: int
    fields: int
    errors: int
    crashes: int
    right: int
    cards_right: int
    returned: int  # fields of the cards returned as a result
    silent: int  # of those, wrong with a confidence >= HIGH
    sure: int  # fields returned with a confidence >= HIGH
    garbage: int  # results with GARBAGE or more wrong fields
    garbage_sure: int  # ... of which carry a field >= GARBAGE_CONFIDENCE
    seconds: float
    mrz_exact: int
    qr_decoded: int
    mrz_clear: int  # backs whose MRZ no hand covers
    mrz_clear_exact: int  # ... of which all three lines were read exactly


def summarize(outcomes: Sequence[Outcome]) -> Summary:
    results = [o for o in outcomes if o.got is not None]
    garbage = [o for o in results if len(o.wrong()) >= GARBAGE]
    return Summary(
        cards=len(outcomes),
        fields=sum(len(o.fields) for o in outcomes),
        errors=sum(1 for o in outcomes if o.error),
        crashes=sum(1 for o in outcomes if o.error.startswith("CRASH")),
        right=sum(o.right(f) for o in outcomes for f in o.fields),
        cards_right=sum(not o.wrong() for o in outcomes),
        returned=sum(len(o.fields) for o in results),
        silent=sum(o.confidence.get(f, 0.0) >= HIGH for o in results for f in o.wrong()),
        sure=sum(o.confidence.get(f, 0.0) >= HIGH for o in results for f in o.fields),
        garbage=len(garbage),
        garbage_sure=sum(max(o.confidence.values(), default=0.0) >= GARBAGE_CONFIDENCE for o in garbage),
        seconds=report.percentile([o.seconds for o in outcomes], 50) if outcomes else 0.0,
        mrz_exact=sum(o.mrz_exact for o in outcomes),
        qr_decoded=sum(o.qr_decoded for o in outcomes),
        mrz_clear=sum(not o.mrz_covered for o in outcomes),
        mrz_clear_exact=sum(o.mrz_exact and not o.mrz_covered for o in outcomes),
    )


def reliability(outcomes: Sequence[Outcome]) -> list[tuple[str, int, int]]:
    """Per confidence bin: label, fields, fields right (errors excluded)."""
    pairs = [(o.confidence.get(f, 0.0), o.right(f)) for o in outcomes if o.got is not None for f in o.fields]
    rows = []
    for i, (lo, hi) in enumerate(BINS):
        last = i == len(BINS) - 1
        inside = [r for c, r in pairs if lo <= c < hi or (last and c == hi)]
        rows.append((f"[{lo:.2f}, {hi:.2f}{']' if last else ')'}", len(inside), sum(inside)))
    sure = [r for c, r in pairs if c >= HIGH]
    rows.append((f"**>= {HIGH}**", len(sure), sum(sure)))
    return rows


def render(outcomes: Sequence[Outcome]) -> str:
    side = outcomes[0].task.side if outcomes else "front"
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for o in outcomes:
        label = o.task.condition if o.task.design == "2013" else f"{o.task.condition} {o.task.design}"
        groups.setdefault((label, o.approach), []).append(o)
    sums = {k: summarize(v) for k, v in groups.items()}
    head = ["condition", "approach", "cards", "fields right", "cards right", "errors", "silently wrong",
            "garbage results (any field >= 0.5)", "s/card"]  # fmt: skip
    if side == "back":
        head[-1:-1] = ["MRZ lines exact", "MRZ lines exact where no hand covers it", "QR decoded"]
    rows = []
    for (label, approach), s in sums.items():
        row: list[object] = [
            label, approach, s.cards, report.pct(s.right, s.fields), report.pct(s.cards_right, s.cards),
            report.pct(s.errors, s.cards) + (f" ({s.crashes} crashes)" if s.crashes else ""),
            f"{report.pct(s.silent, s.returned, 2)} ({s.silent})", f"{s.garbage} ({s.garbage_sure})",
        ]  # fmt: skip
        if side == "back":
            clear = f"{report.pct(s.mrz_clear_exact, s.mrz_clear)} of {s.mrz_clear}"
            row += [report.pct(s.mrz_exact, s.cards), clear, report.pct(s.qr_decoded, s.cards)]
        rows.append([*row, f"{s.seconds:.2f}"])
    total = summarize([o for o in outcomes if o.approach == "product"])
    product = [k for k in sums if k[1] == "product"]
    fields = FRONT_FIELDS if side == "front" else BACK_FIELDS
    parts = [
        "Exact match with the generator's truth; an error counts as all fields wrong. *Silently "
        f"wrong*: fields returned wrong with a confidence >= {HIGH}, of all fields returned "
        f"(count in brackets). *Garbage results*: cards returned as a result with {GARBAGE} or more "
        f"wrong fields (in brackets: those carrying a field >= {GARBAGE_CONFIDENCE}). s/card: median "
        "CPU seconds per card in one single-threaded process.",
        report.md_table(head, rows),
        f"All conditions, product: {report.pct(total.right, total.fields)} of fields right, "
        f"{report.pct(total.silent, total.returned, 3)} of fields returned silently wrong "
        f"({total.silent} of {total.returned}), {total.garbage} garbage results "
        f"({total.garbage_sure} with a field >= {GARBAGE_CONFIDENCE}).",
        "### Per field",
        report.md_table(
            ["field", *(f"{c} {a}" for c, a in sums)],
            [[f, *(report.pct(sum(o.right(f) for o in g), len(g)) for g in groups.values())] for f in fields],
        ),
    ]
    parts += _reliability_table([k for k in product], groups)
    parts += _scenes([o for o in outcomes if o.approach == "product"])
    return "\n\n".join(parts)


def _reliability_table(keys: list[tuple[str, str]], groups: dict[tuple[str, str], list[Outcome]]) -> list[str]:
    if not keys:
        return []
    rel = {k: reliability(groups[k]) for k in keys}
    rows = []
    for i in range(len(BINS) + 1):
        row: list[object] = [rel[keys[0]][i][0]]
        for k in keys:
            _, count, right = rel[k][i]
            row += [count, report.pct(right, count, 2 if i == len(BINS) else 1)]
        rows.append(row)
    return [
        "### Confidence reliability (product)",
        "Fields of the cards returned as a result, by the confidence given: how many, and how many "
        "of those are right (a calibrated 0.9 is right about 90 % of the time).",
        report.md_table(["confidence", *(h for c, _ in keys for h in (f"{c} fields", f"{c} right"))], rows),
    ]


def _scenes(outcomes: Sequence[Outcome]) -> list[str]:
    """Fields right and silently wrong by what surrounds the card (photos, hard captures, pages), and
    by each effect of the hard captures (a capture with several effects counts in each)."""
    by_scene: dict[str, list[Outcome]] = {}
    by_effect: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.task.condition != "scan" and o.task.design == "2013":
            by_scene.setdefault(o.scene, []).append(o)
        for effect in o.effects if o.task.condition == "hard" else ():
            by_effect.setdefault(effect, []).append(o)
    parts = _breakdown("By scene (photos, hard captures and pages together)", "scene", by_scene, 2)
    return parts + _breakdown("By effect (hard captures)", "effect", by_effect, 1)


def _breakdown(title: str, key: str, groups: dict[str, list[Outcome]], least: int) -> list[str]:
    """A table of ``groups`` (at least ``least`` of them): fields and cards right, errors, silently wrong."""
    if len(groups) < least:
        return []
    rows = []
    for name, group in sorted(groups.items()):
        s = summarize(group)
        silent = f"{report.pct(s.silent, s.returned, 2)} ({s.silent})"
        rows.append([name, s.cards, report.pct(s.right, s.fields), report.pct(s.cards_right, s.cards),
                     report.pct(s.errors, s.cards), silent, f"{s.garbage} ({s.garbage_sure})"])  # fmt: skip
    head = [key, "cards", "fields right", "cards right", "errors", "silently wrong", "garbage results"]
    return [f"### {title}", report.md_table(head, rows)]


def dump_failures(outcomes: Sequence[Outcome], path: Any) -> int:
    report.OUT_DIR.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w") as f:
        for o in outcomes:
            t = o.task
            base = {"approach": o.approach, "side": t.side, "condition": t.condition, "design": t.design,
                    "domain": t.domain, "seed": t.seed, "scene": o.scene}  # fmt: skip
            if o.got is None:
                f.write(json.dumps({**base, "error": o.error, "message": o.message}, ensure_ascii=False) + "\n")
                count += 1
                continue
            for name in o.wrong():
                rec = {**base, "field": name, "expected": o.truth.get(name), "got": o.got.get(name),
                       "confidence": o.confidence.get(name)}  # fmt: skip
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                count += 1
    return count


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument("--side", choices=["front", "back"], default="front")
    p.add_argument("--split", choices=list(SPLITS), default="test", help="dev: looked at; test: only scored")
    p.add_argument("--domain", choices=["A", "B", "all"], default="all", help="half of the generator's world")
    p.add_argument("--designs", choices=["2013", "moved"], default="2013", help="moved: labels moved elsewhere")
    p.add_argument("--n", type=int, default=100, help="cards per condition (and design)")
    p.add_argument("--offset", type=int, default=0, help="first seed's offset in the split")
    p.add_argument("--conditions", default=None, help="comma-separated (default: all of the side's)")
    p.add_argument("--naive", action="store_true", help="also run the naive baseline (bench/naive.py)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes, one thread each (default 2)")
    p.add_argument("--write", action="store_true", help="update this run's section of BENCHMARKS.md")
    args = p.parse_args(argv)
    default = CONDITIONS if args.side == "front" else ("scan", "photo", "hard", "page")
    if args.designs == "moved":
        default = ("scan", "photo")
    args.conditions = [c.strip() for c in (args.conditions or ",".join(default)).split(",") if c.strip()]
    bad = [c for c in args.conditions if c not in CONDITIONS]
    if bad:
        p.error(f"unknown condition(s) {bad}; choose from {list(CONDITIONS)}")
    return args


def tasks_of(args: argparse.Namespace) -> list[Task]:
    domain = None if args.domain == "all" else args.domain
    designs = MOVED if args.designs == "moved" else ("2013",)
    first = SPLITS[args.split] + args.offset
    return [
        Task(args.side, cond, design, first + i, domain, args.naive)
        for i in range(args.n)
        for cond in args.conditions
        for design in designs
    ]


def section_name(args: argparse.Namespace) -> tuple[str, str]:
    """The BENCHMARKS.md section a run writes, and its title."""
    parts = ["accuracy", args.side, args.split] + ([f"domain-{args.domain}"] if args.domain != "all" else [])
    parts += ["moved"] if args.designs == "moved" else []
    what = f"synthetic {args.side}s" + (", labels moved (unknown layout)" if args.designs == "moved" else "")
    split = "test split (scored only)" if args.split == "test" else "dev split (looked at while tuning)"
    domain = "" if args.domain == "all" else f", domain {args.domain} only"
    domain += " (cross-domain)" if args.domain == "B" else ""
    return "-".join(parts), f"Accuracy ({what}; {split}{domain})"


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    report.single_thread_env()
    t0 = time.monotonic()
    outcomes = run(tasks_of(args), args.jobs)
    body = render(outcomes)
    print(body)
    name, title = section_name(args)
    failures = report.OUT_DIR / f"{name}_failures.jsonl"
    count = dump_failures(outcomes, failures)
    print(f"\n{count} wrong fields/errors in {failures.relative_to(report.REPO)} ({time.monotonic() - t0:.0f} s)",
          file=sys.stderr)  # fmt: skip
    if args.write:
        path = report.write_section(name, title, body, report.command_line("accuracy.py", argv))
        print(f"updated {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
