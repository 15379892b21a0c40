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
from typing import TYPE_CHECKING, Any

from chile_id_ocr.api.config import SETTINGS_ERRORS, effective, failure, use_config
from chile_id_ocr.api.settings import Settings

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI


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


def uvicorn_config(app: FastAPI, settings: Settings, open_files: int | None = None, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for ``app``: the guarded protocol (``api/edge.py``) with the settings' head,
    idle and connection limits, the connection limit and backlog derived from ``open_files`` (default: the
    process's soft limit now). The limits and their counters are kept on ``app.state.edge``."""
    import resource

    import uvicorn

    from chile_id_ocr.api.edge import EdgeLimits, connection_budget, guarded_protocol

    files = open_files or resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    max_connections, backlog = connection_budget(files, settings.max_connections)
    limits = EdgeLimits(settings.max_header_bytes, settings.max_headers, settings.header_timeout, max_connections)
    app.state.edge = limits
    return uvicorn.Config(app, http=guarded_protocol(limits), backlog=backlog, proxy_headers=False, **options)


def main(argv: Sequence[str]) -> int:
    import uvicorn

    from chile_id_ocr.api.app import create_app
    from chile_id_ocr.api.edge import raise_open_file_limit
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
    open_files = raise_open_file_limit()
    app = create_app(settings)
    # log_config=None: uvicorn's own loggers go through the root logger's structured, escaped lines.
    config = uvicorn_config(
        app, settings, open_files, host=settings.host, port=settings.port, access_log=False, log_config=None
    )
    uvicorn.Server(config).run()
    return 0
