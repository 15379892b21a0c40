"""Command line: ``chile-id-ocr recognize FILE...``, ``batch ...``, ``synth ...``, ``serve ...`` and ``admin ...``.

``recognize`` prints one JSON object per input, one per line, in input order:
``{"file": ..., "result": {...}}`` or ``{"file": ..., "error_code": ..., "error_msg": ...}``.
With ``--back BACK`` (one FILE, the front), both sides are read into one line that also
names the back: ``{"file": FRONT, "back": BACK, "result": {...}}``.
That line format is a public interface. Exit status 0 when it ran (also if some
images failed), 2 on usage errors.

``recognize`` needs only the engine (``pip install chile-id-ocr``). The other commands live in their own
modules, imported only when they run: ``serve`` and ``admin`` need the ``[server]`` extra, ``synth`` the
``[synth]`` one; without it the command says which extra to install, in one line (exit status 1).
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from importlib import metadata

from chile_id_ocr import __version__

DISTRIBUTION = "chile-id-ocr"
# Each command that lives in a module of its own: that module (with a ``main(argv) -> int``) and the extra it needs.
COMMANDS: dict[str, tuple[str, str | None]] = {
    "batch": ("chile_id_ocr.batch.cli", None),  # the local engine needs no extra; Parquet, URLs and Ray say theirs
    "synth": ("chile_id_ocr.synth.cli", "synth"),
    "serve": ("chile_id_ocr.api.server", "server"),
    "admin": ("chile_id_ocr.api.admin", "server"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chile-id-ocr", description="Read Chilean identity cards.")
    parser.add_argument("--version", action="version", version=f"chile-id-ocr {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("recognize", help="read card images; one JSON line per file")
    rec.add_argument("files", nargs="+", metavar="FILE")
    rec.add_argument("--details", action="store_true", help="add the extension object under 'details'")
    rec.add_argument(
        "--crops",
        action="store_true",
        help="the front's portrait, signature and ghost portrait (PNG, base64) under details.crops; implies --details",
    )
    rec.add_argument("--back", metavar="BACK", help="the back of the card in FILE: both sides read into one line")
    sub.add_parser("batch", help="read many cards to JSONL, CSV or Parquet (docs/batch.md)", add_help=False)
    sub.add_parser("synth", help="generate synthetic card images with ground truth [synth]", add_help=False)
    sub.add_parser("serve", help="serve the HTTP API [server] (docs/http-service.md)", add_help=False)
    sub.add_parser("admin", help="administer projects, users, access keys, usage [server]", add_help=False)
    return parser


def missing_requirements(extra: str) -> list[str]:
    """The distributions ``extra`` requires that are not installed (none known when the package's metadata is not)."""
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:  # run from a source tree: the import below tells
        return []
    missing = []
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        if re.search(rf"""extra\s*==\s*["']{re.escape(extra)}["']""", marker) is None:
            continue
        name = re.match(r"[A-Za-z0-9._-]+", spec.strip())
        if name is None:
            continue
        try:
            metadata.distribution(name.group(0))
        except metadata.PackageNotFoundError:
            missing.append(name.group(0))
    return missing


def _needs_extra(command: str, extra: str, missing: list[str]) -> int:
    verb = "is" if len(missing) == 1 else "are"
    sys.stderr.write(
        f"chile-id-ocr {command}: needs the [{extra}] extra ({', '.join(missing)} {verb} not installed): "
        f"pip install '{DISTRIBUTION}[{extra}]'\n"
    )
    return 1


def _delegate(command: str, argv: list[str]) -> int:
    """Run a command that lives in its own module, once the extra it needs is known to be installed."""
    module_name, extra = COMMANDS[command]
    if extra is not None and (missing := missing_requirements(extra)):
        return _needs_extra(command, extra, missing)
    try:  # the command's module imports some of its extra's libraries only when they are needed
        return int(importlib.import_module(module_name).main(argv))
    except ModuleNotFoundError as exc:
        if extra is None or (exc.name or "chile_id_ocr").startswith("chile_id_ocr"):
            raise
        return _needs_extra(command, extra, [exc.name or "a module"])


def _recognize_one(path: str, details: bool, back: str | None = None, crops: bool = False) -> dict[str, object]:
    from chile_id_ocr.batch.records import files_head, recognize_files

    body, _facts = recognize_files(path, back, details=details, crops=crops)
    return {**files_head(path, back), **body}


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in COMMANDS:
        return _delegate(args_list[0], args_list[1:])
    try:
        args = _parser().parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.back is not None and len(args.files) != 1:
        sys.stderr.write("chile-id-ocr recognize: error: --back takes exactly one FILE (the front)\n")
        return 2
    for path in args.files:
        line = _recognize_one(path, args.details, args.back, args.crops)
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
