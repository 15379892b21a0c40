"""Command line: ``chile-id-ocr recognize FILE...``, ``batch ...``, ``synth ...``, ``serve ...`` and ``admin ...``.

``recognize`` prints one JSON object per input, one per line, in input order:
``{"file": ..., "result": {...}}`` or ``{"file": ..., "error_code": ..., "error_msg": ...}``.
With ``--back BACK`` (one FILE, the front), both sides are read into one line that also
names the back: ``{"file": FRONT, "back": BACK, "result": {...}}``.
That line format is a public interface. Exit status 0 when it ran (also if some
images failed), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chile-id-ocr", description="Read Chilean identity cards.")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("recognize", help="read card images; one JSON line per file")
    rec.add_argument("files", nargs="+", metavar="FILE")
    rec.add_argument("--details", action="store_true", help="add the extension object under 'details'")
    rec.add_argument("--back", metavar="BACK", help="the back of the card in FILE: both sides read into one line")
    sub.add_parser("batch", help="read many cards to JSONL, CSV or Parquet (see README)", add_help=False)
    sub.add_parser("synth", help="generate synthetic card images with ground truth", add_help=False)
    sub.add_parser("serve", help="serve the HTTP API (see README)", add_help=False)
    sub.add_parser("admin", help="administer projects, users, access keys, usage", add_help=False)
    return parser


def _recognize_one(path: str, details: bool, back: str | None = None) -> dict[str, object]:
    from chile_id_ocr.batch.records import files_head, recognize_files

    body, _facts = recognize_files(path, back, details=details)
    return {**files_head(path, back), **body}


def _service(command: str, argv: list[str]) -> int:
    """``serve`` and ``admin``: the HTTP service, in ``chile_id_ocr.api``."""
    if command == "serve":
        from chile_id_ocr.api.server import main as serve_main

        return serve_main(argv)
    from chile_id_ocr.api.admin import main as admin_main

    return admin_main(argv)


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "synth":
        from chile_id_ocr.synth.cli import main as synth_main

        return synth_main(args_list[1:])
    if args_list and args_list[0] == "batch":
        from chile_id_ocr.batch.cli import main as batch_main

        return batch_main(args_list[1:])
    if args_list and args_list[0] in ("serve", "admin"):
        return _service(args_list[0], args_list[1:])
    try:
        args = _parser().parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.back is not None and len(args.files) != 1:
        sys.stderr.write("chile-id-ocr recognize: error: --back takes exactly one FILE (the front)\n")
        return 2
    for path in args.files:
        line = _recognize_one(path, args.details, args.back)
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
