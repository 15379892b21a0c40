"""Latency and memory of ``recognize`` against the naive approach, on one core.

    python bench/speed.py [--repeat 20] [--write] [--real ../shared/real] [--accuracy-n 30]

The script re-executes itself under ``taskset -c 0`` (when taskset exists) with
``OMP_NUM_THREADS=1`` and ``CHILE_ID_OCR_THREADS=1``: every figure is for one
thread on one core. Each approach runs in its own subprocess, so that its peak RSS
(``ru_maxrss``) is its own: the subprocess imports the approach, makes one warm-up
call (this loads the models; its time is reported as the cold start), one untimed
call per input set, then ``--repeat`` timed calls per set, cycling over the set's
images. The input sets are the 4624x3468 phone photo and the 674x425 specimen from
``--real``, ``--scans`` synthetic ~1000 px scans from ``chile_id_ocr.synth``, and the
two real backs (the phone photo of the test card's back and the specimen's back).
Then ``--accuracy-n`` synthetic photos are read by both approaches (with
``bench/accuracy.py``'s code) to set the speed against the accuracy.

Prints markdown; ``--write`` also updates the ``speed`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
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


def image_size(data: bytes) -> tuple[int, int]:
    import cv2
    import numpy as np

    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    return (0, 0) if img is None else (int(img.shape[1]), int(img.shape[0]))


def prepare_inputs(real: Path, scans: int, seed: int) -> dict[str, list[str]]:
    """Write the input images to bench/out/speed_inputs; return {set label: [paths]}."""
    from chile_id_ocr.synth import generate_front

    INPUTS.mkdir(parents=True, exist_ok=True)
    scan_paths = []
    for i in range(scans):
        path = INPUTS / f"scan_{seed + i}.img"
        path.write_bytes(generate_front(seed + i, "scan").image)
        scan_paths.append(str(path))
    sets: dict[str, list[str]] = {}
    for label, paths in (
        ("phone photo", [str(real / PHOTO)]),
        ("synthetic scans", scan_paths),
        ("specimen", [str(real / SPECIMEN)]),
        ("back phone photo", [str(real / BACK_PHOTO)]),
        ("back specimen", [str(real / BACK_SPECIMEN)]),
    ):
        sizes = sorted({image_size(Path(p).read_bytes()) for p in paths})
        dims = " .. ".join(f"{w}x{h}" for w, h in dict.fromkeys((sizes[0], sizes[-1])))
        sets[f"{label} ({len(paths)}, {dims})"] = paths
    return sets


def reader(approach: str) -> Callable[[bytes], bool]:
    """The approach's read function, returning False on a RecognitionError.

    Only the approach's own modules are imported, so the other's do not count in its RSS.
    """
    if approach == "naive":
        from naive import naive_recognize

        return lambda image: bool(naive_recognize(image))

    from chile_id_ocr import recognize
    from chile_id_ocr.errors import RecognitionError

    def read(image: bytes) -> bool:
        try:
            recognize(image)
        except RecognitionError:
            return False
        return True

    return read


def worker(approach: str, manifest: Path, repeat: int) -> dict[str, Any]:
    """Time one approach (in its own process): cold start, then latencies per set."""
    spec = json.loads(manifest.read_text())
    images = {label: [Path(p).read_bytes() for p in paths] for label, paths in spec["sets"].items()}
    warmup = Path(spec["warmup"]).read_bytes()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    call = reader(approach)
    call(warmup)
    out: dict[str, Any] = {"approach": approach, "cold_start_s": time.perf_counter() - t0, "sets": {}}
    out["cpus"] = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    for label, imgs in images.items():
        call(imgs[0])
        times, errors = [], 0
        for i in range(repeat):
            t = time.perf_counter()
            errors += not call(imgs[i % len(imgs)])
            times.append(time.perf_counter() - t)
        out["sets"][label] = {"times": times, "errors": errors}
    out["rss_before_mib"] = rss_before / 1024
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def measure(approach: str, manifest: Path, repeat: int) -> dict[str, Any]:
    print(f"  timing {approach} ...", file=sys.stderr, flush=True)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        approach,
        "--manifest",
        str(manifest),
        "--repeat",
        str(repeat),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{approach} worker failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def render(results: dict[str, dict[str, Any]], accuracy: dict[str, Any] | None) -> str:
    prod, naive = results["product"], results["naive"]
    rows: list[list[object]] = []
    for label, p in prod["sets"].items():
        n = naive["sets"][label]
        p50, p95 = report.percentile(p["times"], 50), report.percentile(p["times"], 95)
        n50, n95 = report.percentile(n["times"], 50), report.percentile(n["times"], 95)
        errs = f" ({p['errors']} errors)" if p["errors"] else ""
        rows.append(
            [
                label,
                len(p["times"]),
                f"{p50:.3f}{errs}",
                f"{p95:.3f}",
                f"{n50:.3f}",
                f"{n95:.3f}",
                f"{n50 / p50:.2f}x" if p50 else "n/a",
            ]
        )
    rows.append(
        [
            "cold start: import + first call",
            1,
            f"{prod['cold_start_s']:.2f}",
            "",
            f"{naive['cold_start_s']:.2f}",
            "",
            "",
        ]
    )
    rows.append(
        [
            "peak RSS (MiB)",
            "",
            f"{prod['peak_rss_mib']:.0f}",
            "",
            f"{naive['peak_rss_mib']:.0f}",
            "",
            f"{naive['peak_rss_mib'] / prod['peak_rss_mib']:.2f}x",
        ]
    )
    cpus = prod.get("cpus", [])
    pinned = f"pinned to CPU {cpus[0]} with `taskset`" if len(cpus) == 1 else "not pinned (no taskset)"
    parts = [
        f"One thread ({pinned}, `OMP_NUM_THREADS=1`, `CHILE_ID_OCR_THREADS=1`); "
        "seconds per image after warm-up; each approach in its own process (peak RSS is the "
        "process's `ru_maxrss`). Ratio = naive p50 / product p50 (above 1: the product is faster).",
        report.md_table(
            [
                "input (images, size)",
                "calls",
                "product p50 s",
                "product p95 s",
                "naive p50 s",
                "naive p95 s",
                "naive/product",
            ],
            rows,
        ),
    ]
    if accuracy:
        p, n = accuracy["product"], accuracy["naive"]
        ratio = f"{p['fields_right'] / n['fields_right']:.2f}x" if n["fields_right"] else "n/a"
        parts += [
            f"Accuracy on {accuracy['cards']} synthetic photos (seeds {accuracy['seeds']}, "
            "`bench/accuracy.py`'s code, exact match):",
            report.md_table(
                ["approach", "fields right", "cards right", "errors"],
                [
                    [
                        a,
                        report.pct(r["fields_right"], 1),
                        report.pct(r["cards_right"], accuracy["cards"]),
                        r["errors"],
                    ]
                    for a, r in (("product", p), ("naive", n))
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
    p.add_argument("--worker", choices=APPROACHES, help=argparse.SUPPRESS)
    p.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.worker:
        report.single_thread_env()
        print(json.dumps(worker(args.worker, args.manifest, args.repeat)))
        return 0
    pin_to_one_core(argv)
    real = args.real if args.real.is_absolute() else (Path.cwd() / args.real)
    for name in (PHOTO, SPECIMEN):
        if not (real / name).is_file():
            raise SystemExit(f"{real / name} not found (use --real)")
    t0 = time.monotonic()
    sets = prepare_inputs(real.resolve(), args.scans, args.seed)
    manifest = INPUTS / "manifest.json"
    manifest.write_text(json.dumps({"warmup": str(real / SPECIMEN), "sets": sets}, indent=1))
    results = {a: measure(a, manifest, args.repeat) for a in APPROACHES}
    body = render(results, accuracy_sample(args.accuracy_n, args.seed))
    print(body)
    print(f"({time.monotonic() - t0:.0f} s)", file=sys.stderr)
    if args.write:
        path = report.write_section("speed", "Speed (one core)", body, report.command_line("speed.py", argv))
        print(f"updated {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
