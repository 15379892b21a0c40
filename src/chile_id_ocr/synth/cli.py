"""``chile-id-ocr synth``: write synthetic cards (fronts or backs) and their ground truth to a folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chile_id_ocr.synth.domains import DOMAINS
from chile_id_ocr.synth.generator import CONDITIONS, generate_back, generate_front
from chile_id_ocr.synth.template import TemplateNotFoundError


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The subcommand's arguments (pass a subparser to add them to it)."""
    p = parser or argparse.ArgumentParser(
        prog="chile-id-ocr synth", description="Generate synthetic Chilean ID cards with JSON truth."
    )
    p.add_argument("--out", required=True, type=Path, help="output folder (created if missing)")
    p.add_argument("--n", type=int, default=10, help="images per condition (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the first image; image i uses seed+i")
    p.add_argument("--condition", choices=[*CONDITIONS, "all"], default="all")
    p.add_argument("--template", type=Path, default=None, help="specimen front image (default: search)")
    p.add_argument("--side", choices=["front", "back"], default="front", help="card side (default front)")
    p.add_argument(
        "--domain",
        choices=sorted(DOMAINS),
        default=None,
        help="draw fonts, scenes and camera models from one half of the generator only (default: both)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Generate as ``args`` say; returns the exit status."""
    conditions = CONDITIONS if args.condition == "all" else (args.condition,)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    try:
        for condition in conditions:
            for i in range(args.n):
                seed = args.seed + i
                if args.side == "back":
                    sample = generate_back(seed, condition, domain=args.domain)
                else:
                    sample = generate_front(seed, condition, args.template, domain=args.domain)
                name = f"{condition}_{args.domain}" if args.domain else condition
                stem = out / (f"{name}_{seed:06d}" if args.side == "front" else f"back_{name}_{seed:06d}")
                stem.with_suffix("." + sample.ext).write_bytes(sample.image)
                stem.with_suffix(".json").write_text(
                    json.dumps(sample.truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
                )
    except TemplateNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.n * len(conditions)} images to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
