"""Command line: ``chile-id-ocr recognize FILE...`` and ``chile-id-ocr synth ...``.

``recognize`` prints one JSON object per input, one per line, in input order:
``{"file": ..., "result": {...}}`` or ``{"file": ..., "error_code": ..., "error_msg": ...}``.
That line format is a public interface. Exit status 0 when it ran (also if some
images failed), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chile-id-ocr", description="Read Chilean identity cards.")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("recognize", help="read card images; one JSON line per file")
    rec.add_argument("files", nargs="+", metavar="FILE")
    rec.add_argument("--details", action="store_true", help="add the extension object under 'details'")
    sub.add_parser("synth", help="generate synthetic card images with ground truth", add_help=False)
    return parser


def _recognize_one(path: str, details: bool) -> dict[str, object]:
    from chile_id_ocr.errors import RecognitionError, UnsupportedFormatError
    from chile_id_ocr.pipeline import recognize

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        err = UnsupportedFormatError(f"cannot read the file: {exc.strerror or exc}")
        return {"file": path, **err.to_api()}
    try:
        recognition = recognize(data, details=details)
    except RecognitionError as err:
        return {"file": path, **err.to_api()}
    out: dict[str, object] = {"file": path, "result": recognition.to_api()}
    if details:
        out["details"] = recognition.details()
    return out


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "synth":
        from chile_id_ocr.synth.cli import main as synth_main

        return synth_main(args_list[1:])
    try:
        args = _parser().parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0)
    for path in args.files:
        line = _recognize_one(path, args.details)
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
