"""``chile-id-ocr serve [--host] [--port] [--workers]``: the HTTP service on uvicorn.

Settings come from a TOML file (``--config PATH`` or ``$CHILE_ID_OCR_CONFIG``), the environment over it
(``CHILE_ID_OCR_*``, ``DATABASE_URL``) and the flags over both (docs/configuration.md); ``--print-config`` prints
the settings in force, secrets masked, and exits. A configuration that cannot be used is one line, exit status 2.
``--workers`` is the number of recognition worker processes (default: one per core). Logs go to stderr as
structured ``key=value`` lines (``api/logs.py``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from chile_id_ocr.api.config import SETTINGS_ERRORS, effective, failure, use_config
from chile_id_ocr.api.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chile-id-ocr serve", description="Serve the chile-id-card API.")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    parser.add_argument("--port", type=int, help="port (default 8000)")
    parser.add_argument("--workers", type=int, help="recognition worker processes (default: one per core)")
    parser.add_argument("--config", metavar="PATH", help="configuration file, TOML (default: $CHILE_ID_OCR_CONFIG)")
    parser.add_argument("--print-config", action="store_true", help="print the settings in force (secrets masked)")
    return parser


def settings_from(argv: Sequence[str]) -> Settings:
    """The settings of ``serve ARGV``: its flags over the environment over the configuration file."""
    return _settings(_parser().parse_args(list(argv)))


def _settings(args: argparse.Namespace) -> Settings:
    use_config(args.config)
    overrides = {k: v for k, v in vars(args).items() if v is not None and k in Settings.model_fields}
    return Settings(**overrides)


def print_config(settings: Settings) -> str:
    """``--print-config``: the settings in force, and the values computed from the unset ones."""
    derived = {
        "database in use": settings.database(),
        "requests admitted at once": settings.admission_limit(),
        "request bodies read at once": settings.body_reader_limit(),
    }
    return effective(settings, derived)


def main(argv: Sequence[str]) -> int:
    import uvicorn

    from chile_id_ocr.api.app import create_app
    from chile_id_ocr.api.logs import configure_logging

    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        settings = _settings(args)
    except SETTINGS_ERRORS as exc:
        sys.stderr.write(f"chile-id-ocr serve: {failure(exc)}\n")
        return 2
    if args.print_config:
        sys.stdout.write(print_config(settings))
        return 0
    configure_logging(logging.INFO)
    app = create_app(settings)
    # log_config=None: uvicorn's own loggers go through the root logger's structured, escaped lines.
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False, proxy_headers=False, log_config=None)
    return 0
