"""``chile-id-ocr serve [--host] [--port] [--workers]``: the HTTP service on uvicorn.

Settings come from the environment (``CHILE_ID_OCR_*``, ``DATABASE_URL``); the flags override them.
``--workers`` is the number of recognition worker processes (default: one per core). Logs go to stderr as
structured ``key=value`` lines (``api/logs.py``).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from chile_id_ocr.api.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chile-id-ocr serve", description="Serve the chile-id-card API.")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)")
    parser.add_argument("--port", type=int, help="port (default 8000)")
    parser.add_argument("--workers", type=int, help="recognition worker processes (default: one per core)")
    return parser


def settings_from(argv: Sequence[str]) -> Settings:
    args = _parser().parse_args(list(argv))
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    return Settings(**overrides)


def main(argv: Sequence[str]) -> int:
    import uvicorn

    from chile_id_ocr.api.app import create_app
    from chile_id_ocr.api.logs import configure_logging

    try:
        settings = settings_from(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    configure_logging(logging.INFO)
    app = create_app(settings)
    # log_config=None: uvicorn's own loggers go through the root logger's structured, escaped lines.
    uvicorn.run(app, host=settings.host, port=settings.port, access_log=False, proxy_headers=False, log_config=None)
    return 0
