"""Latency and memory of ``recognize`` against the naive approach, on one core: cards and no-card uploads.

    python bench/speed.py [--repeat 20] [--write] [--real ../shared/real] [--accuracy-n 30] [--profile-n 3]

The script re-executes itself under ``taskset -c 0`` (when taskset exists) with
``OMP_NUM_THREADS=1`` and ``CHILE_ID_OCR_THREADS=1``: every figure is for one
thread on one core.

Input sets: the 4624x3468 phone photo and the 674x425 specimen from ``--real``, ``--scans``
synthetic ~1000 px scans from ``chile_id_ocr.synth``, the two real backs (the phone photo of
the test card's back and the specimen's back), then the hostile no-card uploads of
``bench/hostile_inputs.py`` (blank, flat grey, noise, a page of text, a form, a room), each its
own set. A no-card set is right when every call is refused with AIS.0104 ("expected: no card");
one that returns a result is marked FAIL in the table.

Each (approach, set) pair runs in its own subprocess, so that the peak RSS is that set's: the
subprocess imports the approach, makes one warm-up call on the specimen (this loads the
models; its time is the cold start), one untimed call on the set, then ``--repeat`` timed calls
cycling over the set's images. Peak RSS is the subprocess's ``VmHWM`` (``/proc/self/status``),
not ``ru_maxrss``: on Linux ``ru_maxrss`` survives ``execve``, so a child started from this
(larger) process would report this process's peak. For the two phone photos the product's
subprocess then reads the image ``--profile-n`` more times under ``cProfile`` and reports the
cumulative time of the pipeline's stages (found by file and function name) per image.
Then ``--accuracy-n`` synthetic photos are read by both approaches (with ``bench/accuracy.py``'s
code) to set the speed against the accuracy.

Targets (issue 21): phone photo p50 <= 300 ms and >= 15x faster than the naive reader's p50 in
the same run; every no-card set refused with AIS.0104 within 1 s (p90); peak RSS <= 500 MB per set.

Prints markdown; ``--write`` also updates the ``speed`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import report

PINNED_ENV = "CHILE_ID_OCR_BENCH_PINNED"
APPROACHES = ("product", "naive")
PHOTO = "test_card_b_front_photo.jpg"
SPECIMEN = "specimen_front.jpg"
BACK_PHOTO = "test_card_b_back_photo.jpg"
BACK_SPECIMEN = "specimen_back.jpg"
INPUTS = report.OUT_DIR / "speed_inputs"
NO_CARD = "AIS.0104"

# Targets of issue 21.
PHOTO_P50_S = 0.300
NAIVE_RATIO = 15.0
HOSTILE_P90_S = 1.0
PEAK_RSS_MB = 500.0

# The stages whose cumulative time is reported: (name, file path suffix, function name). Matched in
# pstats on the suffix and the name; where no file has the suffix (a module moved), on the name alone
# when exactly one chile_id_ocr file defines it. Stages nest (Scene.qr is computed where first
# needed; the text engine runs inside the stages), so their shares do not add up to 100 %.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("decode", "chile_id_ocr/vision/decode.py", "decode"),
    ("Scene.qr", "chile_id_ocr/locate/scene.py", "qr"),
    ("Scene.qr_thorough", "chile_id_ocr/locate/scene.py", "qr_thorough"),
    ("find_card", "chile_id_ocr/locate/front.py", "find_card"),
    ("read_front", "chile_id_ocr/read/front/reader.py", "read_front"),
    ("read_unknown_layout", "chile_id_ocr/read/front/free_layout.py", "read_unknown_layout"),
    ("locate_back", "chile_id_ocr/locate/back.py", "locate_back"),
    ("read_back", "chile_id_ocr/read/back/reader.py", "read_back"),
    ("check_front", "chile_id_ocr/check/front.py", "check_front"),
    ("check_back", "chile_id_ocr/check/back.py", "check_back"),
    ("text engine: detect", "chile_id_ocr/models/ocr.py", "detect"),
    ("text engine: read", "chile_id_ocr/models/ocr.py", "read"),
    ("text engine: read_card", "chile_id_ocr/models/ocr.py", "read_card"),
    ("text engine: log_likelihoods", "chile_id_ocr/models/ocr.py", "log_likelihoods"),
)
TOTAL_STAGE = ("recognize", "chile_id_ocr/pipeline.py", "recognize")


def pin_to_one_core(argv: Sequence[str]) -> None:
    """Re-execute this script under ``taskset -c 0`` with single-thread settings (once)."""
    report.single_thread_env()
    if os.environ.get(PINNED_ENV) == "1":
        return
    os.environ[PINNED_ENV] = "1"
    taskset = shutil.which("taskset")
    if taskset is None:
        print("taskset not found: running unpinned (still one thread)", file=sys.stderr)
        return
    os.execv(taskset, [taskset, "-c", "0", sys.executable, str(Path(__file__).resolve()), *argv])


def image_size(path: str) -> tuple[int, int]:
    """Width and height from the file's header (EXIF orientation ignored, as the product does)."""
    from PIL import Image

    with Image.open(path) as im:
        return im.size


def dims(paths: Sequence[str]) -> str:
    sizes = sorted({image_size(p) for p in paths})
    return " .. ".join(f"{w}x{h}" for w, h in dict.fromkeys((sizes[0], sizes[-1])))


def prepare_inputs(real: Path, scans: int, seed: int) -> list[dict[str, Any]]:
    """Write the input images to bench/out/speed_inputs; return the sets, in order:
    ``{"label", "kind": "card" | "no card", "paths", "profile"}``."""
    from chile_id_ocr.synth import generate_front
    from hostile_inputs import write_hostile_inputs

    INPUTS.mkdir(parents=True, exist_ok=True)
    scan_paths = []
    for i in range(scans):
        path = INPUTS / f"scan_{seed + i}.img"
        path.write_bytes(generate_front(seed + i, "scan").image)
        scan_paths.append(str(path))
    sets: list[dict[str, Any]] = []
    for label, paths, profile in (
        ("phone photo", [str(real / PHOTO)], True),
        ("synthetic scans", scan_paths, False),
        ("specimen", [str(real / SPECIMEN)], False),
        ("back phone photo", [str(real / BACK_PHOTO)], True),
        ("back specimen", [str(real / BACK_SPECIMEN)], False),
    ):
        if paths:
            sets.append(
                {"label": f"{label} ({len(paths)}, {dims(paths)})", "kind": "card", "paths": paths, "profile": profile}
            )
    for label, path in write_hostile_inputs(INPUTS / "no_card").items():
        size = "x".join(map(str, image_size(str(path))))
        sets.append({"label": f"no card: {label} ({size})", "kind": "no card", "paths": [str(path)], "profile": False})
    return sets


def reader(approach: str) -> Callable[[bytes], str]:
    """The approach's read function, returning what came of one call: for the product ``"ok"`` or the
    RecognitionError's code; for the naive reader ``"ok"`` when it filled any field, else ``"empty"``.

    Only the approach's own modules are imported, so the other's do not count in its RSS.
    """
    if approach == "naive":
        from naive import naive_recognize

        return lambda image: "ok" if any(naive_recognize(image).values()) else "empty"

    from chile_id_ocr import recognize
    from chile_id_ocr.errors import RecognitionError

    def read(image: bytes) -> str:
        try:
            recognize(image)
        except RecognitionError as error:
            return error.code
        return "ok"

    return read


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (10^6 bytes): ``VmHWM``, which starts afresh at
    ``execve``; ``ru_maxrss`` where there is no /proc (it may include the parent's peak)."""
    try:
        m = re.search(r"^VmHWM:\s*(\d+)\s*kB", Path("/proc/self/status").read_text(), re.M)
    except OSError:
        m = None
    kib = int(m.group(1)) if m else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib * 1024 / 1e6


def stage_costs(stats: dict[tuple[str, int, str], tuple[Any, ...]]) -> dict[str, dict[str, float]]:
    """Calls and cumulative seconds of each of STAGES (and the total) in ``pstats.Stats.stats``."""
    rows = [
        (file.replace("\\", "/"), func, nc, ct) for (file, _line, func), (_cc, nc, _tt, ct, _callers) in stats.items()
    ]
    out: dict[str, dict[str, float]] = {}
    for name, suffix, func in (*STAGES, TOTAL_STAGE):
        hits = [(nc, ct) for file, fn, nc, ct in rows if fn == func and file.endswith(suffix)]
        if not hits:  # moved: the function of that name, if only one file of the package defines it
            found = [(file, nc, ct) for file, fn, nc, ct in rows if fn == func and "chile_id_ocr/" in file]
            if len({file for file, _, _ in found}) == 1:
                hits = [(nc, ct) for _, nc, ct in found]
        if hits:
            out[name] = {"calls": float(sum(nc for nc, _ in hits)), "cum_s": float(sum(ct for _, ct in hits))}
    return out


def profile(call: Callable[[bytes], str], image: bytes, n: int) -> dict[str, Any]:
    """``n`` calls on ``image`` under cProfile: the stages' calls and cumulative seconds, summed over them."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    wall = 0.0
    for _ in range(n):
        t = time.perf_counter()
        prof.enable()
        call(image)
        prof.disable()
        wall += time.perf_counter() - t
    return {"calls": n, "wall_s": wall, "stages": stage_costs(pstats.Stats(prof).stats)}  # type: ignore[attr-defined]


def worker(approach: str, manifest: Path, index: int, repeat: int, profile_n: int) -> dict[str, Any]:
    """Time one approach on one set (in its own process): cold start, latencies, peak RSS, stage costs."""
    spec = json.loads(manifest.read_text())
    entry = spec["sets"][index]
    images = [Path(p).read_bytes() for p in entry["paths"]]
    warmup = Path(spec["warmup"]).read_bytes()
    t0 = time.perf_counter()
    call = reader(approach)
    call(warmup)
    out: dict[str, Any] = {"approach": approach, "label": entry["label"], "cold_start_s": time.perf_counter() - t0}
    out["rss_warm_mb"] = peak_rss_mb()
    out["cpus"] = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    call(images[0])
    times, outcomes = [], Counter[str]()
    for i in range(repeat):
        t = time.perf_counter()
        outcomes[call(images[i % len(images)])] += 1
        times.append(time.perf_counter() - t)
    out["times"], out["outcomes"] = times, dict(outcomes)
    out["peak_rss_mb"] = peak_rss_mb()
    if entry["profile"] and approach == "product" and profile_n > 0:
        out["profile"] = profile(call, images[0], profile_n)
    return out


def measure(approach: str, manifest: Path, index: int, label: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"  {approach}: {label} ...", file=sys.stderr, flush=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", approach, "--manifest", str(manifest)]
    cmd += ["--set", str(index), "--repeat", str(args.repeat), "--profile-n", str(args.profile_n)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{approach} worker on {label!r} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def p(times: Sequence[float], q: float) -> float:
    return report.percentile(times, q)


def outcome(kind: str, prod: dict[str, Any], naive: dict[str, Any]) -> str:
    """What came of the product's timed calls (and, on a no-card set, of the naive reader's)."""
    got: dict[str, int] = prod["outcomes"]
    calls = sum(got.values())
    others = ", ".join(f"{code} x{n}" for code, n in sorted(got.items()) if code != "ok")
    if kind == "card":
        return "read" if got.get("ok", 0) == calls else f"read {got.get('ok', 0)}/{calls}; {others}"
    if got.get("ok"):
        text = f"**FAIL: a card returned in {got['ok']}/{calls} calls**"
    elif got.get(NO_CARD, 0) == calls:
        text = "expected: no card"
    else:
        text = f"**unexpected code: {others}** (not {NO_CARD})"
    invented = naive["outcomes"].get("ok", 0)
    if invented:
        text += f"; naive filled fields in {invented}/{sum(naive['outcomes'].values())}"
    return text


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f}"


def where_the_time_goes(prod: list[dict[str, Any]], sets: list[dict[str, Any]]) -> str:
    """The stage costs of the profiled sets, one pair of columns (ms per image, share) each."""
    profiled = [(s, r) for s, r in zip(sets, prod, strict=True) if r.get("profile")]
    if not profiled:
        return ""
    headers: list[object] = ["stage"]
    for s, _ in profiled:
        short = s["label"].split(" (")[0]
        headers += [f"{short}: ms per image", "share"]
    rows: list[list[object]] = []
    for name, _suffix, _func in (TOTAL_STAGE, *STAGES):
        cells: list[object] = [f"**{name}** (total)" if name == TOTAL_STAGE[0] else name]
        seen = False
        for _, r in profiled:
            prof = r["profile"]
            total = prof["stages"].get(TOTAL_STAGE[0], {}).get("cum_s") or prof["wall_s"]
            stage = prof["stages"].get(name)
            if stage is None:
                cells += ["", ""]
                continue
            seen = True
            per_image = stage["calls"] / prof["calls"]
            count = "" if abs(per_image - 1) < 1e-9 else f" ({per_image:.3g} calls)"
            cells += [ms(stage["cum_s"] / prof["calls"]) + count, report.pct(stage["cum_s"], total, 0)]
        if seen:
            rows.append(cells)
    n = profiled[0][1]["profile"]["calls"]
    plain = ", ".join(f"{s['label'].split(' (')[0]} {ms(p(r['times'], 50))} ms" for s, r in profiled)
    intro = (
        f"Where the time goes: {n} more calls per phone photo under `cProfile`, in the product's worker after "
        "its timed calls; cumulative milliseconds per image of the pipeline's stages and of the text engine's "
        "calls (`OcrEngine` in `models/ocr.py`), and their share of `recognize`. Stages nest (`Scene.qr` is "
        "computed where first needed, the text engine runs inside the stages), so shares do not add up to "
        f"100 %; cProfile slows Python code (unprofiled p50: {plain}): read the shares, not the milliseconds."
    )
    return intro + "\n\n" + report.md_table(headers, rows)


def verdict(ok: bool) -> str:
    return "holds" if ok else "**MISSED**"


def summary(sets: list[dict[str, Any]], prod: list[dict[str, Any]], naive: list[dict[str, Any]]) -> str:
    """The targets of issue 21 and whether each holds in this run."""
    parts = []
    photos = [(s, r, n) for s, r, n in zip(sets, prod, naive, strict=True) if s["profile"]]
    for s, r, n in photos:
        p50, n50 = p(r["times"], 50), p(n["times"], 50)
        ratio = n50 / p50 if p50 else 0.0
        parts.append(
            f"{s['label']}: p50 {ms(p50)} ms (target <= {ms(PHOTO_P50_S)} ms: {verdict(p50 <= PHOTO_P50_S)}), "
            f"{ratio:.1f}x the naive reader's p50 (target >= {NAIVE_RATIO:.0f}x: {verdict(ratio >= NAIVE_RATIO)})"
        )
    hostile = [(s, r) for s, r in zip(sets, prod, strict=True) if s["kind"] == "no card"]
    if hostile:
        worst = max(hostile, key=lambda sr: p(sr[1]["times"], 90))
        slowest = p(worst[1]["times"], 90)
        refused = all(r["outcomes"].get(NO_CARD, 0) == sum(r["outcomes"].values()) for _, r in hostile)
        parts.append(
            f"no-card sets: all refused with {NO_CARD}: {verdict(refused)}; slowest p90 {ms(slowest)} ms "
            f"({worst[0]['label']}; target <= {ms(HOSTILE_P90_S)} ms each: {verdict(slowest <= HOSTILE_P90_S)})"
        )
    for kind in ("card", "no card"):
        peaks = [(s, r["peak_rss_mb"]) for s, r in zip(sets, prod, strict=True) if s["kind"] == kind]
        if peaks:
            s, top = max(peaks, key=lambda sp: sp[1])
            name = kind.replace(" ", "-")
            parts.append(
                f"peak RSS over the {name} sets {top:.0f} MB ({s['label']}; target <= {PEAK_RSS_MB:.0f} MB per "
                f"set: {verdict(top <= PEAK_RSS_MB)})"
            )
    return "Targets (issue 21): " + "; ".join(parts) + "."


def render(
    sets: list[dict[str, Any]], results: dict[str, list[dict[str, Any]]], accuracy: dict[str, Any] | None
) -> str:
    prod, naive = results["product"], results["naive"]
    rows: list[list[object]] = []
    for s, r, n in zip(sets, prod, naive, strict=True):
        p50, n50 = p(r["times"], 50), p(n["times"], 50)
        rows.append(
            [
                s["label"],
                len(r["times"]),
                f"{p50:.3f}",
                f"{p(r['times'], 90):.3f}",
                f"{p(r['times'], 95):.3f}",
                f"{r['peak_rss_mb']:.0f}",
                outcome(s["kind"], r, n),
                f"{n50:.3f}",
                f"{p(n['times'], 90):.3f}",
                f"{n['peak_rss_mb']:.0f}",
                f"{n50 / p50:.2f}x" if p50 else "n/a",
            ]
        )

    def median(results: list[dict[str, Any]], key: str) -> float:
        return statistics.median(x[key] for x in results)

    def extra(label: str, calls: object = "", p50: str = "", rss: str = "", n50: str = "", n_rss: str = "") -> None:
        rows.append([label, calls, p50, "", "", rss, "", n50, "", n_rss, ""])

    extra(
        f"cold start: import + first call (median of {len(prod)} workers)",
        1,
        p50=f"{median(prod, 'cold_start_s'):.2f}",
        n50=f"{median(naive, 'cold_start_s'):.2f}",
    )
    extra(
        "RSS with the models loaded (after the warm-up call; median)",
        rss=f"{median(prod, 'rss_warm_mb'):.0f}",
        n_rss=f"{median(naive, 'rss_warm_mb'):.0f}",
    )
    for kind in ("card", "no card"):
        pk = [r["peak_rss_mb"] for s, r in zip(sets, prod, strict=True) if s["kind"] == kind]
        nk = [r["peak_rss_mb"] for s, r in zip(sets, naive, strict=True) if s["kind"] == kind]
        if pk:
            name = kind.replace(" ", "-")
            extra(f"peak RSS, max over the {name} sets", rss=f"{max(pk):.0f}", n_rss=f"{max(nk):.0f}")
    cpus = prod[0].get("cpus", [])
    pinned = f"pinned to CPU {cpus[0]} with `taskset`" if len(cpus) == 1 else "not pinned (no taskset)"
    parts = [
        f"One thread ({pinned}, `OMP_NUM_THREADS=1`, `CHILE_ID_OCR_THREADS=1`); seconds per image after "
        "warm-up. Each approach runs each set in its own process, after one warm-up call on the specimen that "
        "loads the models: peak RSS (MB, 10^6 bytes) is that process's `VmHWM`, models included. The no-card "
        'sets (`bench/hostile_inputs.py`) must be refused with AIS.0104 ("expected: no card"). '
        "Ratio = naive p50 / product p50 (above 1: the product is faster).",
        summary(sets, prod, naive),
        report.md_table(
            [
                "input (images, size)",
                "calls",
                "p50 s",
                "p90 s",
                "p95 s",
                "peak RSS MB",
                "outcome",
                "naive p50 s",
                "naive p90 s",
                "naive peak RSS MB",
                "naive/product",
            ],
            rows,
        ),
    ]
    stages = where_the_time_goes(prod, sets)
    if stages:
        parts.append(stages)
    if accuracy:
        a, b = accuracy["product"], accuracy["naive"]
        ratio = f"{a['fields_right'] / b['fields_right']:.2f}x" if b["fields_right"] else "n/a"
        parts += [
            f"Accuracy on {accuracy['cards']} synthetic photos (seeds {accuracy['seeds']}, "
            "`bench/accuracy.py`'s code, exact match):",
            report.md_table(
                ["approach", "fields right", "cards right", "errors"],
                [
                    [
                        name,
                        report.pct(r["fields_right"], 1),
                        report.pct(r["cards_right"], accuracy["cards"]),
                        r["errors"],
                    ]
                    for name, r in (("product", a), ("naive", b))
                ]
                + [["product/naive", ratio, "", ""]],
            ),
        ]
    return "\n\n".join(parts)


def accuracy_sample(n: int, seed: int) -> dict[str, Any] | None:
    if n <= 0:
        return None
    import accuracy

    print(f"  accuracy on {n} synthetic photos ...", file=sys.stderr, flush=True)
    tasks = [accuracy.Task("front", "photo", "2013", seed + i, None, True) for i in range(n)]
    outcomes = accuracy.run(tasks, jobs=1)
    out: dict[str, Any] = {"cards": n, "seeds": f"{seed}..{seed + n - 1}"}
    for approach in APPROACHES:
        s = accuracy.summarize([o for o in outcomes if o.approach == approach])
        out[approach] = {"fields_right": s.right / s.fields, "cards_right": s.cards_right, "errors": s.errors}
    return out


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=20, help="timed calls per input set (default 20)")
    p.add_argument("--write", action="store_true", help="update the speed section of BENCHMARKS.md")
    p.add_argument("--real", type=Path, default=report.DEFAULT_REAL, help="folder of the real images")
    p.add_argument("--scans", type=int, default=10, help="synthetic scans to cycle over (default 10)")
    p.add_argument("--seed", type=int, default=100000, help="first seed of the synthetic cards (the test split)")
    p.add_argument("--accuracy-n", type=int, default=30, help="synthetic photos for the accuracy ratio (0: skip)")
    p.add_argument(
        "--profile-n", type=int, default=3, help="calls per phone photo under cProfile for the stage costs (0: skip)"
    )
    p.add_argument("--worker", choices=APPROACHES, help=argparse.SUPPRESS)
    p.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--set", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.worker:
        report.single_thread_env()
        print(json.dumps(worker(args.worker, args.manifest, args.set, args.repeat, args.profile_n)))
        return 0
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    pin_to_one_core(argv)
    real = args.real if args.real.is_absolute() else (Path.cwd() / args.real)
    for name in (PHOTO, SPECIMEN, BACK_PHOTO, BACK_SPECIMEN):
        if not (real / name).is_file():
            raise SystemExit(f"{real / name} not found (use --real)")
    t0 = time.monotonic()
    sets = prepare_inputs(real.resolve(), args.scans, args.seed)
    manifest = INPUTS / "manifest.json"
    manifest.write_text(json.dumps({"warmup": str(real / SPECIMEN), "sets": sets}, indent=1))
    results = {a: [measure(a, manifest, i, s["label"], args) for i, s in enumerate(sets)] for a in APPROACHES}
    body = render(sets, results, accuracy_sample(args.accuracy_n, args.seed))
    print(body)
    print(f"({time.monotonic() - t0:.0f} s)", file=sys.stderr)
    if args.write:
        path = report.write_section("speed", "Speed (one core)", body, report.command_line("speed.py", argv))
        print(f"updated {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
