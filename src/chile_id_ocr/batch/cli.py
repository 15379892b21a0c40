"""``chile-id-ocr batch INPUT... --out OUT``: read many cards, on this machine or a Ray cluster.

Exit status: 0 when the job ran to its end (also if some cards are error records), 1 when the engine could not
run (workers that do not start, Ray missing or unreachable), 2 for usage errors (bad inputs: a missing file, a
manifest row too long, nested too deep or naming a file outside the manifest's folder; OUT exists),
130 when stopped by Ctrl-C or SIGTERM (what was written stays; ``--resume`` goes on).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import TypeVar

from chile_id_ocr.batch.cluster import CONNECT_TIMEOUT_ENV, DEFAULT_CONNECT_TIMEOUT
from chile_id_ocr.batch.job import ENGINES, Job, run_job
from chile_id_ocr.batch.order import DEFAULT_WINDOW, ORDERS
from chile_id_ocr.batch.progress import DEFAULT_EVERY, MODES
from chile_id_ocr.batch.ray_engine import RayUnavailableError
from chile_id_ocr.batch.sinks import FORMATS, SinkError
from chile_id_ocr.batch.sources import SourceError
from chile_id_ocr.batch.summary import DEFAULT_THRESHOLD
from chile_id_ocr.batch.worker import DEFAULT_TIMEOUT, WorkerStartError

PROG = "chile-id-ocr batch"

N = TypeVar("N", int, float)


def _positive(kind: Callable[[str], N]) -> Callable[[str], N]:
    def parse(text: str) -> N:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be above 0: {text}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Read many card images: files, folders (recursive), glob patterns, CSV/JSONL manifests "
        "(id, front, back). One record per card, written in input order as soon as it can be (docs/batch.md).",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image file, folder, glob pattern or manifest")
    p.add_argument("--out", required=True, help="output file (.jsonl, .csv) or Parquet folder (.parquet); - for stdout")
    p.add_argument("--format", choices=FORMATS, help="output format (default: from OUT's name)")
    p.add_argument("--details", action="store_true", help="add the extension object ('details') to each record")
    p.add_argument(
        "--crops",
        action="store_true",
        help="the front's portrait, signature and ghost portrait (PNG, base64) under details.crops; implies --details",
    )
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="skip the ids already in OUT and append to it")
    again.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.add_argument("--engine", choices=ENGINES, default="local", help="local processes (default) or Ray")
    p.add_argument("--workers", type=_positive(int), help="worker processes (default: one per core; Ray: per CPU)")
    p.add_argument("--address", help="Ray cluster to join from one of its nodes: auto, or HEAD:6379")
    p.add_argument(
        "--connect-timeout",
        type=_positive(float),
        metavar="SECONDS",
        help=f"Ray: seconds to join the cluster within (default ${CONNECT_TIMEOUT_ENV} or {DEFAULT_CONNECT_TIMEOUT:g})",
    )
    p.add_argument(
        "--timeout",
        type=_positive(float),
        default=DEFAULT_TIMEOUT,
        help=f"seconds per card (default {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--min-confidence",
        dest="threshold",
        metavar="CONFIDENCE",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"the summary counts fields under this confidence (default {DEFAULT_THRESHOLD:g})",
    )
    p.add_argument(
        "--allow-outside-paths",
        action="store_true",
        help="read files a manifest names outside its own folder (refused by default; symbolic links resolved)",
    )
    p.add_argument(
        "--order",
        choices=ORDERS,
        default="input",
        help="write the records in input order (default) or as the cards finish (completion)",
    )
    p.add_argument(
        "--order-window",
        type=_positive(int),
        default=DEFAULT_WINDOW,
        metavar="N",
        help=f"input order: at most N cards read ahead of the first one not yet written (default {DEFAULT_WINDOW})",
    )
    p.add_argument("--progress", choices=MODES, default="auto", help="bar on a terminal, plain lines otherwise")
    p.add_argument(
        "--progress-every", type=_positive(float), default=DEFAULT_EVERY, help="seconds between plain progress lines"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.address and args.engine != "ray":
        return _fail("--address needs --engine ray", 2)
    options = {f.name: getattr(args, f.name) for f in fields(Job)}  # the options are named as Job's fields
    job = Job(**{**options, "inputs": tuple(args.inputs)})
    try:
        summary = run_job(job)
    except (SourceError, SinkError) as exc:
        return _fail(str(exc), 2)
    except (WorkerStartError, RayUnavailableError) as exc:
        return _fail(str(exc), 1)
    sys.stderr.write(summary.render(args.out) + "\n")
    return 130 if summary.interrupted else 0


def _fail(message: str, status: int) -> int:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    return status
