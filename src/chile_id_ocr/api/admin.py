"""``chile-id-ocr admin ...``: projects, users, access keys and usage, printed as JSON.

    chile-id-ocr admin bootstrap --json            project (service on), user with password, AK/SK; idempotent
    chile-id-ocr admin projects                    list projects
    chile-id-ocr admin create-project NAME [--domain D] [--disabled]
    chile-id-ocr admin enable PROJECT_ID | disable PROJECT_ID
    chile-id-ocr admin create-user NAME [--domain D] [--password P]
    chile-id-ocr admin create-key USER [--domain D] | revoke-key AK | keys
    chile-id-ocr admin usage [PROJECT_ID]

Every command first upgrades the database schema (Alembic), so it also works on a fresh data directory.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from chile_id_ocr.api.settings import Settings
from chile_id_ocr.store import credentials
from chile_id_ocr.store.repo import NotFound, Store

Command = Callable[[Store, argparse.Namespace], Any]


def _bootstrap(store: Store, args: argparse.Namespace) -> Any:
    return store.bootstrap(args.project, args.user, args.domain)


def _projects(store: Store, _args: argparse.Namespace) -> Any:
    return [p.to_dict() for p in store.list_projects()]


def _create_project(store: Store, args: argparse.Namespace) -> Any:
    return store.create_project(args.name, args.domain, enabled=not args.disabled).to_dict()


def _enable(store: Store, args: argparse.Namespace) -> Any:
    return store.set_service(args.project_id, True).to_dict()


def _disable(store: Store, args: argparse.Namespace) -> Any:
    return store.set_service(args.project_id, False).to_dict()


def _create_user(store: Store, args: argparse.Namespace) -> Any:
    password = args.password or credentials.new_password()
    user = store.create_user(args.name, args.domain, password)
    return {"user": user.name, "domain": user.domain, "id": user.id, "password": password}


def _create_key(store: Store, args: argparse.Namespace) -> Any:
    ak, sk = store.create_access_key(args.user, args.domain)
    return {"ak": ak, "sk": sk, "user": args.user, "domain": args.domain}


def _revoke_key(store: Store, args: argparse.Namespace) -> Any:
    store.revoke_access_key(args.ak)
    return {"ak": args.ak, "active": False}


def _keys(store: Store, _args: argparse.Namespace) -> Any:
    return store.list_access_keys()


def _usage(store: Store, args: argparse.Namespace) -> Any:
    ids = [args.project_id] if args.project_id else [p.id for p in store.list_projects()]
    return [store.usage(pid).to_dict() for pid in ids]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chile-id-ocr admin", description="Administer projects and credentials.")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func: Command, help_text: str, domain: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(func=func)
        if domain:
            p.add_argument("--domain", default="default")
        return p

    boot = command("bootstrap", _bootstrap, "create (once) a project, a user and an access key", domain=True)
    boot.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    boot.add_argument("--project", default="default")
    boot.add_argument("--user", default="admin")
    command("projects", _projects, "list projects")
    create = command("create-project", _create_project, "create a project (service enabled)", domain=True)
    create.add_argument("name")
    create.add_argument("--disabled", action="store_true", help="create it with the service disabled")
    command("enable", _enable, "enable the service for a project").add_argument("project_id")
    command("disable", _disable, "disable the service for a project").add_argument("project_id")
    user = command("create-user", _create_user, "create a user (password generated unless given)", domain=True)
    user.add_argument("name")
    user.add_argument("--password")
    command("create-key", _create_key, "create an access key pair for a user", domain=True).add_argument("user")
    command("revoke-key", _revoke_key, "revoke an access key").add_argument("ak")
    command("keys", _keys, "list access keys (never their secrets)")
    command("usage", _usage, "show usage counters").add_argument("project_id", nargs="?")
    return parser


def main(argv: Sequence[str], settings: Settings | None = None) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    store = (settings or Settings()).open_store(upgrade=True)
    try:
        out = args.func(store, args)
    except NotFound as exc:
        print(json.dumps({"error": str(exc)}), file=sys.stderr)
        return 1
    finally:
        store.engine.dispose()
    print(json.dumps(out, ensure_ascii=False))
    return 0
